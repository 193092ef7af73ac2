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

/// Month names and their prefixes of three or more letters ("Sept", "Okt.", "März"), in English,
/// German, French, Spanish, Italian and Dutch. A prefix that starts names of two months ("jui":
/// juin, juillet) is no month.
const MONTHS: [&[&str]; 12] = [
    &[
        "january", "januar", "janvier", "enero", "gennaio", "januari",
    ],
    &[
        "february", "februar", "fevrier", "febrero", "febbraio", "februari",
    ],
    &["march", "marz", "maerz", "mars", "marzo", "maart"],
    &["april", "avril", "abril", "aprile"],
    &["may", "mai", "mayo", "maggio", "mei"],
    &["june", "juni", "juin", "junio", "giugno"],
    &["july", "juli", "juillet", "julio", "luglio"],
    &["august", "aout", "agosto", "augustus"],
    &["september", "septembre", "septiembre", "settembre"],
    &["october", "oktober", "octobre", "octubre", "ottobre"],
    &["november", "novembre", "noviembre"],
    &["december", "dezember", "decembre", "diciembre", "dicembre"],
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Why a string is no date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoDate {
    Unrecognised,
    /// `3-Apr-80` (1980 or 1880?), `03/04/20` (2020 or 1920?): the century is not guessed.
    TwoDigitYear,
    /// `1980-W14-4`.
    IsoWeek,
    /// Year, month and day read, but the month has no such day (`1980-02-30`).
    NoSuchDay(i32, u32, u32),
    /// `Monday, April 3, 1980`: the weekday written is not the date's.
    WrongWeekday(NaiveDate, usize),
}

/// Parses a date of birth and returns it as ISO `YYYY-MM-DD` (a timestamp as its date). Dates
/// before 1900 or after `today` are rejected: they are typing errors or placeholders
/// (`1900-01-01` is kept here, a date a source did write; for matching it is a placeholder, see
/// [`super::placeholder`]). Two-digit years, ISO week dates and days a month does not have are errors that
/// say so, never a guessed date.
pub fn normalize_dob(raw: &str, order: DateOrder, today: NaiveDate) -> Result<NaiveDate> {
    let s = without_time(raw.trim());
    let date = parse_any(s, order).map_err(|why| match other_order(s, order) {
        Some((read, other, date)) => IdentityError::new(
            format!("invalid date of birth \"{raw}\": no date read {read}; read {other} it is {date}"),
            "slashed dates are read in the tenant's date order (pos.identity_settings.date_order; month_first in pos.normalize_dob): set it to the order this source writes, or fix the record",
        ),
        None => no_date_error(raw, why),
    })?;
    if date.year() < 1900 || date > today {
        return Err(IdentityError::new(
            format!("invalid date of birth \"{raw}\": {date} is before 1900 or in the future"),
            "check the year; pass NULL when the source has no real date of birth",
        ));
    }
    Ok(date)
}

fn no_date_error(raw: &str, why: NoDate) -> IdentityError {
    const FORMATS: &str = "use YYYY-MM-DD (also accepted: YYYYMMDD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY per the tenant's date order, '12 Jan 1980', 'April 3rd, 1980'), or NULL";
    let (why, hint) = match why {
        NoDate::Unrecognised => ("not a recognised date".to_string(), FORMATS),
        NoDate::TwoDigitYear => (
            "the year has two digits, so its century is unknown".to_string(),
            "write the year in full (3 Apr 1980, 03.04.1980), or pass NULL",
        ),
        NoDate::IsoWeek => (
            "an ISO week date names no calendar day of birth".to_string(),
            FORMATS,
        ),
        NoDate::NoSuchDay(y, m, d) => (
            format!("there is no day {d} in month {m} of {y}"),
            "check the day and month; pass NULL when the source has no real date of birth",
        ),
        NoDate::WrongWeekday(date, weekday) => (
            format!(
                "{date} is a {}, not a {}",
                WEEKDAYS[date.weekday().num_days_from_monday() as usize],
                WEEKDAYS[weekday]
            ),
            "check the date; pass NULL when the source has no real date of birth",
        ),
    };
    IdentityError::new(format!("invalid date of birth \"{raw}\": {why}"), hint)
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

fn parse_any(s: &str, order: DateOrder) -> std::result::Result<NaiveDate, NoDate> {
    if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        return ymd(&s[..4], &s[4..6], &s[6..]);
    }
    let mut parts: Vec<&str> = s
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    // "Thursday, April 3, 1980": the weekday is checked, not trusted.
    let weekday = match parts.as_slice() {
        [w, _, _, _] => weekday_name(w),
        _ => None,
    };
    if weekday.is_some() {
        parts.remove(0);
    }
    let [a, b, c] = parts.as_slice() else {
        return Err(NoDate::Unrecognised);
    };
    let date = if let Some(m) = month_name(b) {
        if a.len() == 4 && a.bytes().all(|b| b.is_ascii_digit()) {
            ymd(a, &m, day(c)) // 1980 Apr 3
        } else {
            ymd(c, &m, day(a)) // 12 Jan 1980, 3rd April 1980
        }
    } else if let Some(m) = month_name(a) {
        ymd(c, &m, day(b)) // Jan 12, 1980; April 3rd, 1980
    } else if a.len() == 4 {
        if b.starts_with(['W', 'w']) && b[1..].bytes().all(|d| d.is_ascii_digit()) {
            return Err(NoDate::IsoWeek);
        }
        ymd(a, b, c)
    } else if order == DateOrder::MonthFirst && !s.contains('.') {
        // A slashed US date is only read month-first when the tenant says so; dotted dates are
        // European.
        ymd(c, a, b)
    } else {
        ymd(c, b, a)
    }?;
    match weekday {
        Some(w) if date.weekday().num_days_from_monday() as usize != w => {
            Err(NoDate::WrongWeekday(date, w))
        }
        _ => Ok(date),
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
    parse_any(s, other).ok().map(|d| (read, other_name, d))
}

/// The month (1-12) a name or a prefix of three or more letters of it stands for, in any case,
/// accents ignored ("März", "Févr.").
fn month_name(p: &str) -> Option<String> {
    let lower = deunicode::deunicode(p).to_ascii_lowercase();
    if lower.len() < 3 || !lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut found = MONTHS
        .iter()
        .enumerate()
        .filter(|(_, names)| names.iter().any(|n| n.starts_with(&lower)))
        .map(|(i, _)| i + 1);
    match (found.next(), found.next()) {
        (Some(m), None) => Some(m.to_string()),
        _ => None,
    }
}

/// The weekday (0 = Monday) a name or a prefix of three or more letters of it stands for.
fn weekday_name(p: &str) -> Option<usize> {
    let lower = p.to_ascii_lowercase();
    if lower.len() < 3 || !lower.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    WEEKDAYS.iter().position(|w| w.starts_with(&lower))
}

/// A day written with an English ordinal ending ("3rd", "21st") as its digits.
fn day(p: &str) -> &str {
    let digits = p.bytes().take_while(u8::is_ascii_digit).count();
    let ending = &p[digits..];
    if digits > 0
        && ["st", "nd", "rd", "th"]
            .iter()
            .any(|e| ending.eq_ignore_ascii_case(e))
    {
        &p[..digits]
    } else {
        p
    }
}

fn ymd(y: &str, m: &str, d: &str) -> std::result::Result<NaiveDate, NoDate> {
    let num = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(dd)) = (num(y), num(m), num(d)) else {
        return Err(NoDate::Unrecognised);
    };
    if y.len() == 2 && (1..=12).contains(&month) && (1..=31).contains(&dd) {
        return Err(NoDate::TwoDigitYear);
    }
    if y.len() != 4 {
        return Err(NoDate::Unrecognised);
    }
    NaiveDate::from_ymd_opt(year as i32, month, dd).ok_or(
        if (1..=12).contains(&month) && (1..=31).contains(&dd) {
            NoDate::NoSuchDay(year as i32, month, dd)
        } else {
            NoDate::Unrecognised
        },
    )
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
    fn month_names_ordinals_and_weekdays() {
        use DateOrder::*;
        for s in [
            "April 3rd, 1980",
            "Apr 3rd 1980",
            "3rd April 1980",
            "3 April 1980",
            "3-Apr-1980",
            "03-APR-1980",
            "1980 Apr 3",
            "Apr. 3 1980",
            "Thursday, April 3, 1980",
            "Thu 3 Apr 1980",
            "3. April 1980",
            "3 avril 1980",
            "3. Apr. 1980",
            "3 abril 1980",
        ] {
            assert_eq!(d(s, DayFirst), "1980-04-03", "{s}");
        }
        assert_eq!(d("3 März 1980", DayFirst), "1980-03-03");
        assert_eq!(d("3 Sept 1980", DayFirst), "1980-09-03");
        assert_eq!(d("3. Okt. 1980", DayFirst), "1980-10-03");
        assert_eq!(d("1 Mai 1980", DayFirst), "1980-05-01");
        assert_eq!(d("22nd Dec 1980", MonthFirst), "1980-12-22");
        // A word that only starts like a month, or a prefix two months share, is no month.
        for s in ["3 Junk 1980", "3 marchxyz 1980", "3 jui 1980", "3 Ju 1980"] {
            let e = normalize_dob(s, DayFirst, today()).unwrap_err();
            assert!(e.message.ends_with("not a recognised date"), "{s}: {e}");
        }
        // A weekday that is not the date's is an error, not ignored.
        let e = normalize_dob("Monday, April 3, 1980", DayFirst, today()).unwrap_err();
        assert!(
            e.message
                .ends_with("1980-04-03 is a thursday, not a monday"),
            "{e}"
        );
    }

    #[test]
    fn two_digit_years_iso_weeks_and_missing_days_say_what_is_wrong() {
        use DateOrder::*;
        for s in [
            "3-Apr-80",
            "03/04/80",
            "03.04.80",
            "April 3, 80",
            "3 Apr 20",
        ] {
            let e = normalize_dob(s, DayFirst, today()).unwrap_err();
            assert!(
                e.message
                    .ends_with("the year has two digits, so its century is unknown"),
                "{s}: {e}"
            );
            assert!(e.hint.contains("year in full"), "{s}");
        }
        let e = normalize_dob("1980-W14-4", DayFirst, today()).unwrap_err();
        assert!(
            e.message
                .ends_with("an ISO week date names no calendar day of birth"),
            "{e}"
        );
        for s in [
            "1980-02-30",
            "19800230",
            "30/02/1980",
            "30.02.1980",
            "Feb 30, 1980",
            "30 Feb 1980",
            "1981-02-29",
            "31 Apr 1980",
        ] {
            let e = normalize_dob(s, DayFirst, today()).unwrap_err();
            assert!(e.message.contains("there is no day"), "{s}: {e}");
        }
        assert_eq!(
            normalize_dob("1980-02-30", DayFirst, today())
                .unwrap_err()
                .message,
            "invalid date of birth \"1980-02-30\": there is no day 30 in month 2 of 1980"
        );
        // A leap day that exists is read.
        assert_eq!(d("29.02.1980", DayFirst), "1980-02-29");
        // Neither order reads it: still the general message.
        for s in [
            "1980-13-01",
            "1980-00-10",
            "32.01.1980",
            "3 Apr 01980",
            "yesterday",
        ] {
            let e = normalize_dob(s, DayFirst, today()).unwrap_err();
            assert!(e.message.ends_with("not a recognised date"), "{s}: {e}");
        }
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
