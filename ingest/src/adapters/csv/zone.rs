//! Time-zone cells of CSV exports. Exports write the zone of each sale in whatever their
//! platform uses: IANA names (`America/New_York`), offsets (`-05:00`, `UTC+1`), or the
//! Rails/Windows display names Square writes (`Eastern Time (US & Canada)`). A name that is
//! not understood is an error naming the cell, never a silent fall-back to the store's zone:
//! that would shift every sale of the row by hours.

use crate::adapters::local_to_utc;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use chrono_tz::Tz;

/// A zone read from a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    /// A zone with its daylight-saving rules.
    Named(Tz),
    /// A fixed offset from UTC (the cell gave an offset, not a place).
    Fixed(FixedOffset),
}

impl Zone {
    /// The instant of a local wall-clock time. A time in the spring-forward gap does not
    /// exist (an error); a time in the autumn overlap takes the earlier instant.
    pub fn to_utc(self, local: NaiveDateTime) -> Result<DateTime<Utc>, String> {
        let at = match self {
            Zone::Named(tz) => local_to_utc(&tz, local),
            Zone::Fixed(o) => local_to_utc(&o, local),
        };
        at.ok_or_else(|| format!("{local} is out of range in {self}"))
    }

    /// The local calendar date at `at` in this zone (the business day of a sale).
    pub fn date_at(self, at: DateTime<Utc>) -> chrono::NaiveDate {
        self.local_at(at).date()
    }

    /// The local date and time of `at` in this zone.
    pub fn local_at(self, at: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Named(tz) => at.with_timezone(&tz).naive_local(),
            Zone::Fixed(o) => at.with_timezone(&o).naive_local(),
        }
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Zone::Named(tz) => write!(f, "{tz}"),
            Zone::Fixed(o) => write!(f, "UTC{o}"),
        }
    }
}

/// Reads a zone cell: an IANA name, an offset (`+01:00`, `-0500`, `UTC`, `GMT-5`,
/// `UTC+05:30`), or a Rails/Windows name (`Pacific Time (US & Canada)`,
/// `W. Europe Standard Time`, also behind a `(UTC-08:00) ` prefix). `None` when it is none of
/// them.
pub fn parse_zone(cell: &str) -> Option<Zone> {
    let s = cell.trim();
    if let Ok(tz) = s.parse::<Tz>() {
        return Some(Zone::Named(tz));
    }
    if let Some(o) = parse_offset(s) {
        return Some(Zone::Fixed(o));
    }
    // "(UTC-08:00) Pacific Time (US & Canada)": the prefix is the standard offset only, so
    // the name after it decides (it carries the daylight-saving rules).
    let name = match s.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((inner, rest)) if parse_offset(inner).is_some() => rest.trim(),
        _ => s,
    };
    let iana = NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, iana)| *iana)?;
    iana.parse::<Tz>().ok().map(Zone::Named)
}

/// `Z`, `UTC`, `GMT`, `+01:00`, `-0500`, `+1`, `UTC+05:30`, `GMT-5`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let upper = s.trim().to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper)
        .trim();
    // "UTC", "GMT" or "Z" alone; an empty cell is no zone.
    if rest == "Z" || (rest.is_empty() && upper.len() > rest.len()) {
        return FixedOffset::east_opt(0);
    }
    if rest.is_empty() {
        return None;
    }
    let (sign, digits) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Rails (`ActiveSupport::TimeZone`) and Windows names that POS exports write, with their
/// IANA zone. Square's exports use the Rails names.
const NAMES: &[(&str, &str)] = &[
    // Rails names
    ("Hawaii", "Pacific/Honolulu"),
    ("Alaska", "America/Juneau"),
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Arizona", "America/Phoenix"),
    ("Mountain Time (US & Canada)", "America/Denver"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Indiana (East)", "America/Indiana/Indianapolis"),
    ("Atlantic Time (Canada)", "America/Halifax"),
    ("Newfoundland", "America/St_Johns"),
    ("Saskatchewan", "America/Regina"),
    ("Puerto Rico", "America/Puerto_Rico"),
    ("Tijuana", "America/Tijuana"),
    ("Chihuahua", "America/Chihuahua"),
    ("Mazatlan", "America/Mazatlan"),
    ("Guadalajara", "America/Mexico_City"),
    ("Mexico City", "America/Mexico_City"),
    ("Monterrey", "America/Monterrey"),
    ("Bogota", "America/Bogota"),
    ("Lima", "America/Lima"),
    ("Quito", "America/Lima"),
    ("Caracas", "America/Caracas"),
    ("Santiago", "America/Santiago"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Brasilia", "America/Sao_Paulo"),
    ("UTC", "Etc/UTC"),
    ("Dublin", "Europe/Dublin"),
    ("Edinburgh", "Europe/London"),
    ("Lisbon", "Europe/Lisbon"),
    ("London", "Europe/London"),
    ("Amsterdam", "Europe/Amsterdam"),
    ("Belgrade", "Europe/Belgrade"),
    ("Berlin", "Europe/Berlin"),
    ("Bern", "Europe/Zurich"),
    ("Zurich", "Europe/Zurich"),
    ("Bratislava", "Europe/Bratislava"),
    ("Brussels", "Europe/Brussels"),
    ("Budapest", "Europe/Budapest"),
    ("Copenhagen", "Europe/Copenhagen"),
    ("Ljubljana", "Europe/Ljubljana"),
    ("Madrid", "Europe/Madrid"),
    ("Paris", "Europe/Paris"),
    ("Prague", "Europe/Prague"),
    ("Rome", "Europe/Rome"),
    ("Sarajevo", "Europe/Sarajevo"),
    ("Skopje", "Europe/Skopje"),
    ("Stockholm", "Europe/Stockholm"),
    ("Vienna", "Europe/Vienna"),
    ("Warsaw", "Europe/Warsaw"),
    ("Zagreb", "Europe/Zagreb"),
    ("Athens", "Europe/Athens"),
    ("Bucharest", "Europe/Bucharest"),
    ("Helsinki", "Europe/Helsinki"),
    ("Kyiv", "Europe/Kiev"),
    ("Riga", "Europe/Riga"),
    ("Sofia", "Europe/Sofia"),
    ("Tallinn", "Europe/Tallinn"),
    ("Vilnius", "Europe/Vilnius"),
    ("Istanbul", "Europe/Istanbul"),
    ("Moscow", "Europe/Moscow"),
    ("Jerusalem", "Asia/Jerusalem"),
    ("Cairo", "Africa/Cairo"),
    ("Johannesburg", "Africa/Johannesburg"),
    ("Nairobi", "Africa/Nairobi"),
    ("Abu Dhabi", "Asia/Dubai"),
    ("Dubai", "Asia/Dubai"),
    ("Riyadh", "Asia/Riyadh"),
    ("Karachi", "Asia/Karachi"),
    ("Mumbai", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("Kolkata", "Asia/Kolkata"),
    ("Chennai", "Asia/Kolkata"),
    ("Bangkok", "Asia/Bangkok"),
    ("Jakarta", "Asia/Jakarta"),
    ("Hong Kong", "Asia/Hong_Kong"),
    ("Beijing", "Asia/Shanghai"),
    ("Singapore", "Asia/Singapore"),
    ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
    ("Taipei", "Asia/Taipei"),
    ("Perth", "Australia/Perth"),
    ("Seoul", "Asia/Seoul"),
    ("Tokyo", "Asia/Tokyo"),
    ("Osaka", "Asia/Tokyo"),
    ("Adelaide", "Australia/Adelaide"),
    ("Darwin", "Australia/Darwin"),
    ("Brisbane", "Australia/Brisbane"),
    ("Canberra", "Australia/Canberra"),
    ("Melbourne", "Australia/Melbourne"),
    ("Sydney", "Australia/Sydney"),
    ("Hobart", "Australia/Hobart"),
    ("Auckland", "Pacific/Auckland"),
    ("Wellington", "Pacific/Auckland"),
    // Windows names
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central Standard Time", "America/Chicago"),
    ("Eastern Standard Time", "America/New_York"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("GMT Standard Time", "Europe/London"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("China Standard Time", "Asia/Shanghai"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Singapore Standard Time", "Asia/Singapore"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(zone: &str, local: &str) -> String {
        let z = parse_zone(zone).unwrap_or_else(|| panic!("{zone}"));
        let l = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        z.to_utc(l).unwrap().to_rfc3339()
    }

    #[test]
    fn rails_windows_iana_and_offsets_give_the_same_instants() {
        // Summer: New York is UTC-4, which a fixed "-05:00" would get wrong.
        let summer = "2026-07-18 12:59";
        let ny = "2026-07-18T16:59:00+00:00";
        assert_eq!(utc("Eastern Time (US & Canada)", summer), ny);
        assert_eq!(utc("eastern time (us & canada)", summer), ny);
        assert_eq!(utc("(UTC-05:00) Eastern Time (US & Canada)", summer), ny);
        assert_eq!(utc("Eastern Standard Time", summer), ny);
        assert_eq!(utc("America/New_York", summer), ny);
        assert_eq!(utc("-04:00", summer), ny);
        assert_eq!(utc("-0400", summer), ny);
        assert_eq!(utc("UTC-4", summer), ny);
        assert_eq!(utc("GMT+05:30", summer), "2026-07-18T07:29:00+00:00");
        assert_eq!(utc("UTC", summer), "2026-07-18T12:59:00+00:00");
        assert_eq!(utc("Z", summer), "2026-07-18T12:59:00+00:00");
        assert_eq!(
            utc("Pacific Time (US & Canada)", "2026-01-05 09:00"),
            "2026-01-05T17:00:00+00:00"
        );
    }

    #[test]
    fn unknown_names_are_errors_and_gap_times_take_the_offset_before() {
        for bad in [
            "Pacific Time",
            "EST5EDTX",
            "+25:00",
            "UTC+",
            "Mars/Olympus",
            "",
        ] {
            assert_eq!(parse_zone(bad), None, "{bad}");
        }
        let z = parse_zone("Europe/Berlin").unwrap();
        let gap = NaiveDateTime::parse_from_str("2026-03-29 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            z.to_utc(gap).unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00",
            "a skipped time is read with the offset before the gap (CET)"
        );
    }
}
