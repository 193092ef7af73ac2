//! Date, date-time and time cells read with the mapping's forms: chrono formats, tried in
//! order, and the number forms of [`Serial`] (day numbers, Excel serials).

use super::serial::{time_number, Serial};
use super::Mapping;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

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
        if let Some(t) = DateTime::parse_from_str(v, f).ok().and_then(whole_year) {
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
pub(super) fn parse_time(s: &str, m: &Mapping) -> Option<NaiveTime> {
    let format = m.time_format.as_str();
    if matches!(format.trim(), "hhmm" | "excel" | "excel1904") {
        return time_number(s, format, m);
    }
    NaiveTime::parse_from_str(s, format)
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}
