//! Dates of birth. Sources write them as ISO dates, compact `YYYYMMDD`, European `DD.MM.YYYY`,
//! US `MM/DD/YYYY` or with month names; the tenant says which way a slashed date is read, because
//! 03/04/1980 cannot be decided from the string.

use super::error::{IdentityError, Result};
use chrono::{Datelike, NaiveDate};

/// How to read a numeric date whose day and month could be swapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses a date of birth and returns it as ISO `YYYY-MM-DD` (a timestamp as its date). Dates
/// before 1900 or after `today` are rejected: they are typing errors or placeholders
/// (`1900-01-01` is kept, it is a real placeholder sources use, and comparisons treat it like any
/// other date).
pub fn normalize_dob(raw: &str, order: DateOrder, today: NaiveDate) -> Result<NaiveDate> {
    let s = without_time(raw.trim());
    let date = parse_any(s, order).ok_or_else(|| match other_order(s, order) {
        Some((read, other, date)) => IdentityError::new(
            format!("invalid date of birth \"{raw}\": no date read {read}; read {other} it is {date}"),
            "slashed dates are read in the tenant's date order (pos.identity_settings.date_order; month_first in pos.normalize_dob): set it to the order this source writes, or fix the record",
        ),
        None => IdentityError::new(
            format!("invalid date of birth \"{raw}\": not a recognised date"),
            "use YYYY-MM-DD (also accepted: YYYYMMDD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY per the tenant's date order, '12 Jan 1980'), or NULL",
        ),
    })?;
    if date.year() < 1900 || date > today {
        return Err(IdentityError::new(
            format!("invalid date of birth \"{raw}\": {date} is before 1900 or in the future"),
            "check the year; pass NULL when the source has no real date of birth",
        ));
    }
    Ok(date)
}

/// The ISO date of a timestamp (`1980-04-03 00:00:00`, `1980-04-03T00:00:00Z`), which is how a
/// date of birth often arrives from a source that stores it as a timestamp: the date as written,
/// the time (and any offset) dropped. Anything else is returned unchanged.
fn without_time(s: &str) -> &str {
    let b = s.as_bytes();
    let iso_date = b.len() > 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    let time = |t: &[u8]| {
        t.len() >= 5
            && t[..2].iter().all(u8::is_ascii_digit)
            && t[2] == b':'
            && t[3..5].iter().all(u8::is_ascii_digit)
    };
    if iso_date && matches!(b[10], b'T' | b't' | b' ') && time(&b[11..]) {
        &s[..10]
    } else {
        s
    }
}

/// Today's date in UTC, the upper bound for a date of birth.
pub fn today_utc() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Year, month and day, for callers that build their own date type (e.g. PostgreSQL's).
pub fn ymd_parts(d: NaiveDate) -> (i32, u32, u32) {
    (d.year(), d.month(), d.day())
}

fn parse_any(s: &str, order: DateOrder) -> Option<NaiveDate> {
    if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        return ymd(&s[..4], &s[4..6], &s[6..]);
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    if let Some(m) = month_name(parts[1]) {
        return ymd(parts[2], &m, parts[0]); // 12 Jan 1980
    }
    if let Some(m) = month_name(parts[0]) {
        return ymd(parts[2], &m, parts[1]); // Jan 12, 1980
    }
    if parts[0].len() == 4 {
        return ymd(parts[0], parts[1], parts[2]);
    }
    if parts[2].len() != 4 {
        return None; // two-digit years are ambiguous across centuries for birth dates
    }
    // A slashed US date is only read month-first when the tenant says so; dotted dates are European.
    let month_first = order == DateOrder::MonthFirst && !s.contains('.');
    if month_first {
        ymd(parts[2], parts[0], parts[1])
    } else {
        ymd(parts[2], parts[1], parts[0])
    }
}

/// A slashed date that reads only in the other order than `order`: how each order is called,
/// and the date it would be. Silently reading it the other way would hide a tenant whose order is
/// set wrong, and then read its ambiguous dates (03/04/1980) wrong too.
fn other_order(s: &str, order: DateOrder) -> Option<(&'static str, &'static str, NaiveDate)> {
    const DAY: &str = "day first (DD/MM/YYYY)";
    const MONTH: &str = "month first (MM/DD/YYYY)";
    if s.contains('.') {
        return None; // dotted dates are day first in either order
    }
    let (other, read, other_name) = match order {
        DateOrder::DayFirst => (DateOrder::MonthFirst, DAY, MONTH),
        DateOrder::MonthFirst => (DateOrder::DayFirst, MONTH, DAY),
    };
    parse_any(s, other).map(|d| (read, other_name, d))
}

fn month_name(p: &str) -> Option<String> {
    let lower = p.to_ascii_lowercase();
    if lower.len() < 3 || !lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| (i + 1).to_string())
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let num = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    if y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn d(s: &str, o: DateOrder) -> String {
        normalize_dob(s, o, today()).unwrap().to_string()
    }

    #[test]
    fn many_formats_one_date() {
        use DateOrder::*;
        for s in [
            "1980-04-03",
            "19800403",
            "03.04.1980",
            "03/04/1980",
            "3 Apr 1980",
            "April 3, 1980",
            " 1980/4/3 ",
        ] {
            assert_eq!(d(s, DayFirst), "1980-04-03", "{s}");
        }
        assert_eq!(d("04/03/1980", MonthFirst), "1980-04-03");
        assert_eq!(d("03.04.1980", MonthFirst), "1980-04-03");
    }

    #[test]
    fn a_timestamp_is_read_as_its_date() {
        for s in [
            "1980-04-03 00:00:00",
            "1980-04-03T00:00:00",
            "1980-04-03T00:00:00Z",
            "1980-04-03 00:00:00.000+00",
            "1980-04-03T12:30",
        ] {
            assert_eq!(d(s, DateOrder::DayFirst), "1980-04-03", "{s}");
        }
        // Only a time after a full ISO date is dropped.
        assert!(normalize_dob("1980-04-03 junk", DateOrder::DayFirst, today()).is_err());
        assert!(normalize_dob("03.04.1980 12", DateOrder::DayFirst, today()).is_err());
    }

    #[test]
    fn a_date_that_reads_only_in_the_other_order_says_so() {
        let e = normalize_dob("12/31/1990", DateOrder::DayFirst, today()).unwrap_err();
        assert_eq!(
            e.message,
            "invalid date of birth \"12/31/1990\": no date read day first (DD/MM/YYYY); read month first (MM/DD/YYYY) it is 1990-12-31"
        );
        assert!(e.hint.contains("date_order"));
        let e = normalize_dob("31/12/1990", DateOrder::MonthFirst, today()).unwrap_err();
        assert!(
            e.message
                .ends_with("read day first (DD/MM/YYYY) it is 1990-12-31"),
            "{}",
            e.message
        );
        // Neither order reads it: the general message.
        let e = normalize_dob("31/31/1980", DateOrder::DayFirst, today()).unwrap_err();
        assert!(e.message.ends_with("not a recognised date"));
    }

    #[test]
    fn bad_dates_are_rejected() {
        for s in [
            "",
            "yesterday",
            "1980-02-30",
            "31/31/1980",
            "03/04/80",
            "1899-12-31",
            "2030-01-01",
            "1980-13-01",
        ] {
            assert!(
                normalize_dob(s, DateOrder::DayFirst, today())
                    .unwrap_err()
                    .message
                    .contains("invalid date of birth"),
                "{s}"
            );
        }
    }
}
