//! Date, date-time and time cells read with the mapping's forms: chrono formats, tried in
//! order, and the number forms of [`Serial`] (day numbers, Excel serials).

use super::serial::{time_number, Serial};
use super::Mapping;
use chrono::format::{Fixed, Item, Numeric, StrftimeItems};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt::Write;

/// A date-time cell as read: with the offset it was written with (`%z`), or local.
pub(super) enum Stamp {
    Written(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

/// A date-time cell in the first of `formats` that reads it. Formats with an offset are
/// tried first (a cell that carries one is that instant); then the local forms in order.
/// The error says the cell, the formats and why a number form refused it.
pub(super) fn read_datetime(v: &str, formats: &[&str], m: &Mapping) -> Result<Stamp, String> {
    for f in formats.iter().filter(|f| Serial::of(f).is_none()) {
        if let Some(t) = written(v, f).and_then(whole_year) {
            return Ok(Stamp::Written(t));
        }
    }
    let mut why = Vec::new();
    for f in formats {
        let local = match Serial::of(f) {
            Some(s) => s.read(v, m).map_err(|e| why.push(format!("{f}: {e}"))).ok(),
            None => NaiveDateTime::parse_from_str(v, f)
                .ok()
                .and_then(whole_year),
        };
        if let Some(local) = local {
            return Ok(Stamp::Local(local));
        }
    }
    Err(mismatch(v, formats, &why))
}

/// A date-time cell that says its offset, read in format `f`: with `%z`, or ending in ISO
/// 8601's `Z` (UTC), which chrono's `%z` does not take. A `Z` written into the format as a
/// letter (`%Y-%m-%dT%H:%M:%SZ`) read the cell as the store's local time: 02:00Z in a New
/// York store was 07:00 UTC. Both read `Z` as +00:00.
fn written(v: &str, f: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_str(v, f) {
        return Some(t);
    }
    let bare = v.strip_suffix(['Z', 'z'])?;
    let utc = FixedOffset::east_opt(0).expect("UTC is an offset");
    DateTime::parse_from_str(&format!("{bare}+00:00"), f)
        .ok()
        .or_else(|| {
            let letter = f.strip_suffix('Z').filter(|g| !g.ends_with('%'))?;
            let t = NaiveDateTime::parse_from_str(bare, letter).ok()?;
            Some(t.and_utc().with_timezone(&utc))
        })
}

/// A date cell in the first of the mapping's `date_format`s that reads it, and the time of
/// day an Excel serial's fraction gives (`45292.5` is noon), if any.
pub(super) fn read_date(v: &str, m: &Mapping) -> Result<(NaiveDate, Option<NaiveTime>), String> {
    let formats = m.date_format.names();
    let mut why = Vec::new();
    for f in &formats {
        match Serial::of(f) {
            Some(s) => match s.read(v, m) {
                Ok(t) => {
                    let time = (t.time() != NaiveTime::MIN).then(|| t.time());
                    return Ok((t.date(), time));
                }
                Err(e) => why.push(format!("{f}: {e}")),
            },
            None => {
                if let Some(d) = NaiveDate::parse_from_str(v, f).ok().and_then(whole_year) {
                    return Ok((d, None));
                }
            }
        }
    }
    Err(mismatch(v, &formats, &why))
}

/// "`v` does not match the format `a` or `b`", and why a number form refused it.
fn mismatch(v: &str, formats: &[&str], why: &[String]) -> String {
    let mut e = format!(
        "`{v}` does not match the format `{}`",
        formats.join("` or `")
    );
    if !why.is_empty() {
        e.push_str(&format!(" ({})", why.join("; ")));
    }
    e
}

/// `None` for a year below 1000. chrono's `%Y` reads any number of digits, so a copy with
/// two-digit years (UCI Online Retail as `12/1/10 8:26`) read with `%m/%d/%Y %H:%M` was year
/// 10, and its sales landed two thousand years early without a word. No till writes such a
/// year: it is no match, so a `%y` format listed after reads the cell, or the transaction is
/// rejected naming the cell and the formats.
fn whole_year<T: Datelike>(t: T) -> Option<T> {
    (t.year() >= 1000).then_some(t)
}

/// A time in the mapping's `time_format`: a chrono format, with seconds left out or added
/// (exports differ between `14:33` and `14:33:38`), or a number form (`hhmm`, `excel`).
/// The error names the cell and the forms tried.
pub(super) fn read_time(s: &str, m: &Mapping) -> Result<NaiveTime, String> {
    let format = m.time_format.as_str();
    if matches!(format.trim(), "hhmm" | "excel" | "excel1904") {
        return time_number(s, format, m).ok_or_else(|| mismatch(s, &[format], &[]));
    }
    let forms = time_forms(format);
    forms
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(s, f).ok())
        .ok_or_else(|| mismatch(s, &forms, &am_pm_missing(s, format)))
}

/// Why a 12-hour cell without AM/PM is refused, for the message: the format was right for
/// the file, the cell lacks its half of the day.
fn am_pm_missing(s: &str, format: &str) -> Vec<String> {
    let lower = s.to_ascii_lowercase();
    let marked = lower.contains("am") || lower.contains("pm");
    (is_twelve_hour(format) && !marked)
        .then(|| "a 12-hour time without AM or PM may be morning or evening".to_string())
        .into_iter()
        .collect()
}

/// The forms a time cell is tried in: the mapping's, then its clock with and without
/// seconds. A 12-hour format keeps to the 12-hour clock: the 24-hour `%H:%M` read `05:18`
/// under `%I:%M %p` as morning when it may be 17:18; without AM/PM it is refused now.
fn time_forms(format: &str) -> Vec<&str> {
    let clock = if is_twelve_hour(format) {
        ["%I:%M:%S %p", "%I:%M %p"]
    } else {
        ["%H:%M:%S", "%H:%M"]
    };
    let mut forms = vec![format];
    forms.extend(clock.into_iter().filter(|f| *f != format));
    forms
}

/// Whether a chrono format is on the 12-hour clock (`%I`, `%l`, `%r`, `%p` in any padding),
/// asked of chrono's own reading of the format rather than of its text.
fn is_twelve_hour(format: &str) -> bool {
    StrftimeItems::new(format).any(|i| {
        matches!(
            i,
            Item::Numeric(Numeric::Hour12, _) | Item::Fixed(Fixed::UpperAmPm | Fixed::LowerAmPm)
        )
    })
}

/// A chrono format with a 12-hour hour (`%I`, `%l`) and no AM/PM (`%p`, `%P`; `%r` has both)
/// reads no cell at all: chrono cannot tell 05:18 from 17:18 and refuses every one. Such a
/// mapping is refused when loaded rather than rejecting every row of every file.
pub(super) fn hour12_without_am_pm(format: &str) -> bool {
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    let hour12 = items
        .iter()
        .any(|i| matches!(i, Item::Numeric(Numeric::Hour12, _)));
    let am_pm = items
        .iter()
        .any(|i| matches!(i, Item::Fixed(Fixed::UpperAmPm | Fixed::LowerAmPm)));
    hour12 && !am_pm
}

/// Two of `formats` that read one cell as two different times, if any: `%d/%m/%Y` and
/// `%m/%d/%Y` both read `03/04/2026`, as April 3rd and March 4th, and which came first in the
/// list decided it for every day up to the 12th. Probed with cells each form writes; two
/// number forms (`excel`, `day_number`) read every number both ways.
pub(super) fn two_ways<'a>(formats: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let numbers: Vec<&str> = formats
        .iter()
        .copied()
        .filter(|f| Serial::of(f).is_some())
        .collect();
    if let [a, b, ..] = numbers[..] {
        return Some((a, b));
    }
    let chrono: Vec<&str> = formats
        .iter()
        .copied()
        .filter(|f| Serial::of(f).is_none())
        .collect();
    for (i, &a) in chrono.iter().enumerate() {
        for &b in &chrono[i + 1..] {
            if reads_apart(a, b) || reads_apart(b, a) {
                return Some((a, b));
            }
        }
    }
    None
}

/// Whether a cell written in form `a` is read by both `a` and `b`, as different times.
fn reads_apart(a: &str, b: &str) -> bool {
    let offset = FixedOffset::east_opt(0).expect("UTC is an offset");
    let probes = [(2024, 3, 4, 5, 6, 7), (2024, 11, 5, 17, 18, 19)];
    probes.into_iter().any(|(y, mo, d, h, mi, s)| {
        let Some(t) = NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_opt(h, mi, s))
        else {
            return false;
        };
        let mut cell = String::new();
        if write!(cell, "{}", t.and_utc().with_timezone(&offset).format(a)).is_err() {
            return false;
        }
        matches!((read_as(&cell, a), read_as(&cell, b)), (Some(x), Some(y)) if x != y)
    })
}

/// `cell` read in form `f` as the adapter reads dates and date-times, local time as written.
fn read_as(cell: &str, f: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_str(cell, f)
        .map(|t| t.naive_local())
        .or_else(|_| NaiveDateTime::parse_from_str(cell, f))
        .or_else(|_| NaiveDate::parse_from_str(cell, f).map(|d| d.and_time(NaiveTime::MIN)))
        .ok()
        .and_then(whole_year)
}
