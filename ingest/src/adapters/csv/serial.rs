//! Dates written as numbers, not text: day numbers counted from a day the analyst names
//! (dunnhumby's "The Complete Journey" writes `DAY` 1 … 711 and no calendar date at all) and
//! spreadsheet serial numbers (a file opened and re-saved in Excel, or written from an .xlsx
//! by a tool, holds `45292` for 2024-01-01 and `45292.5` for noon that day). chrono formats
//! cannot read either, so `date_format` / `datetime_format` name them as forms of their own:
//! `"day_number"`, `"excel"`, `"excel1904"`.

use super::Mapping;
use crate::adapters::money::parse_formatted;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// A date form that is a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Serial {
    /// Whole days, day 1 being the mapping's `day_one`.
    DayNumber,
    /// Excel's 1900 date system (Windows; the default): 1 = 1900-01-01, with Lotus 1-2-3's
    /// fake 1900-02-29 as 60, so from 61 (1900-03-01) on a serial is one more than the days
    /// since 1899-12-31. A fraction is the time of day.
    Excel1900,
    /// Excel's 1904 date system (workbooks from old Mac Excel): 0 = 1904-01-01.
    Excel1904,
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The last day chrono and Excel both know: 9999-12-31 is serial 2 958 465.
const MAX_DAYS: i64 = 2_958_465;

impl Serial {
    /// The form a `date_format` / `datetime_format` entry names, `None` for a chrono format.
    pub(super) fn of(name: &str) -> Option<Serial> {
        match name.trim() {
            "day_number" => Some(Serial::DayNumber),
            "excel" => Some(Serial::Excel1900),
            "excel1904" => Some(Serial::Excel1904),
            _ => None,
        }
    }

    /// The local date and time `cell` names, or why it names none. Numbers are read with the
    /// mapping's `decimal` (a German Excel writes `45292,5`).
    pub(super) fn read(self, cell: &str, m: &Mapping) -> Result<NaiveDateTime, String> {
        let n = parse_formatted(cell, m.number_format())
            .map_err(|_| format!("`{cell}` is not a number ({})", self.what()))?;
        if n < Decimal::ZERO {
            return Err(format!("`{cell}` is negative ({})", self.what()));
        }
        match self {
            Serial::DayNumber => day_number(cell, n, m),
            Serial::Excel1900 | Serial::Excel1904 => self.excel(cell, n),
        }
    }

    /// What the form reads, for messages.
    fn what(self) -> &'static str {
        match self {
            Serial::DayNumber => "a day number, 1 being the mapping's day_one",
            Serial::Excel1900 => "an Excel serial date, 1 = 1900-01-01",
            Serial::Excel1904 => "an Excel 1904 serial date, 0 = 1904-01-01",
        }
    }

    /// An Excel serial: whole days plus the time as a fraction, rounded to the second
    /// (Excel stores 14:33 as a binary fraction; 45292.999999999 is the next midnight).
    fn excel(self, cell: &str, n: Decimal) -> Result<NaiveDateTime, String> {
        let out_of_range = || format!("`{cell}` is beyond 9999-12-31 ({})", self.what());
        let secs = n
            .checked_mul(Decimal::from(DAY))
            .map(|s| s.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
            .and_then(|s| s.to_i64())
            .ok_or_else(out_of_range)?;
        let (days, secs) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
        if days > MAX_DAYS {
            return Err(out_of_range());
        }
        let date = match self {
            Serial::Excel1904 => ymd(1904, 1, 1) + Duration::days(days),
            _ if days == 0 => {
                return Err(format!(
                    "`{cell}` is day 0, which Excel shows as 1900-01-00: no date"
                ))
            }
            _ if days == 60 => {
                return Err(format!(
                    "`{cell}` is 1900-02-29, a day that never was (Excel keeps Lotus 1-2-3's \
                     leap-year bug): no date"
                ))
            }
            _ if days < 60 => ymd(1899, 12, 31) + Duration::days(days),
            _ => ymd(1899, 12, 30) + Duration::days(days),
        };
        let time = NaiveTime::MIN + Duration::seconds(secs);
        Ok(date.and_time(time))
    }
}

/// Day `n` counted from the mapping's `day_one` (day 1; day 0 is the day before). Whole
/// numbers only: a day number with a fraction is no day number (pandas' `12.0` is 12).
fn day_number(cell: &str, n: Decimal, m: &Mapping) -> Result<NaiveDateTime, String> {
    if !n.fract().is_zero() {
        return Err(format!("`{cell}` is not a whole day number"));
    }
    // `Mapping::check` refuses a day-number mapping without a readable `day_one`.
    let one = m
        .day_one
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .ok_or("date_format \"day_number\" needs day_one = \"YYYY-MM-DD\" in the mapping")?;
    n.to_i64()
        .filter(|&n| n <= MAX_DAYS)
        .and_then(|n| one.checked_add_signed(Duration::days(n - 1)))
        .map(|d| d.and_time(NaiveTime::MIN))
        .ok_or_else(|| format!("`{cell}` days after day_one {one} is beyond the calendar"))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid constant date")
}

/// A time of day written as a number: `hhmm` (hours and minutes as one integer, its leading
/// zeros dropped, as dunnhumby's `TRANS_TIME` and other integer-typed columns write it:
/// `1631` is 16:31, `946` 09:46, `5` 00:05) or `excel` (a fraction of a day, `0.5` = 12:00).
/// `None` for other formats (chrono's), or a cell that is no such time.
pub(super) fn time_number(cell: &str, format: &str, m: &Mapping) -> Option<NaiveTime> {
    match format.trim() {
        "hhmm" => {
            if cell.is_empty() || cell.len() > 4 || !cell.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: u32 = cell.parse().ok()?;
            NaiveTime::from_hms_opt(n / 100, n % 100, 0)
        }
        "excel" | "excel1904" => {
            let n = parse_formatted(cell, m.number_format()).ok()?;
            if n < Decimal::ZERO || n >= Decimal::ONE {
                return None;
            }
            Serial::Excel1904.excel(cell, n).ok().map(|t| t.time())
        }
        _ => None,
    }
}
