//! Dates written as numbers (`serial.rs`): Excel serial dates in both date systems, day
//! numbers from the mapping's `day_one`, and `hhmm` / `excel` times.

use super::tests_datasets::{ctx, split};
use super::*;

/// A one-line-per-row mapping reading the date from `Day` (and `At` as the time when
/// `time` is set), the transaction id from `Id`, in UTC so instants read as written.
fn mapping(extra: &str, time: bool) -> Result<Mapping, String> {
    let time_col = if time { "time = \"At\"\n" } else { "" };
    Mapping::from_toml(&format!(
        "source = \"t\"\nstore_id = \"S\"\ntime_zone = \"UTC\"\n{extra}\n[columns]\n\
         txn_id = \"Id\"\ndate = \"Day\"\n{time_col}item_id = \"Item\"\nquantity = \"Qty\"\n\
         unit_price = \"Price\"\n"
    ))
}

/// (id, text) pairs.
type Pairs = Vec<(String, String)>;

/// Each transaction's id and instant (RFC 3339, UTC), and each reject's id and reason.
fn read(m: &Mapping, body: &str) -> (Pairs, Pairs) {
    let p = parse(&ctx(), m, body).unwrap();
    let (ok, rejects) = split(&p);
    let ok = ok
        .iter()
        .map(|(id, t)| {
            assert_eq!(t.business_date, t.occurred_at.date_naive(), "{id}");
            (id.clone(), t.occurred_at.to_rfc3339())
        })
        .collect();
    (ok, rejects)
}

fn rows(cells: &[(&str, &str)]) -> String {
    let mut body = "Id,Day,Item,Qty,Price\n".to_string();
    for (id, day) in cells {
        body.push_str(&format!("{id},{day},A,1,2.00\n"));
    }
    body
}

fn pairs(v: &[(&str, &str)]) -> Pairs {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The local date-time `form` reads from `cell` (the mapping only gives the decimal).
fn serial(form: &str, cell: &str) -> Result<String, String> {
    let m = mapping("", false).unwrap();
    let s = super::serial::Serial::of(form).expect("a number form");
    s.read(cell, &m).map(|t| t.to_string())
}

#[test]
fn excel_serials_read_at_their_anchors() {
    // Day 1 is 1900-01-01; 60 is Lotus's 1900-02-29, which never was; 61 is 1900-03-01, so
    // from there on a serial is the days since 1899-12-30.
    let ok = |c: &str| serial("excel", c).unwrap();
    assert_eq!(ok("1"), "1900-01-01 00:00:00");
    assert_eq!(ok("59"), "1900-02-28 00:00:00");
    assert!(serial("excel", "60").unwrap_err().contains("1900-02-29"));
    assert_eq!(ok("61"), "1900-03-01 00:00:00");
    assert_eq!(ok("45292"), "2024-01-01 00:00:00");
    assert_eq!(ok("45292.5"), "2024-01-01 12:00:00");
    assert_eq!(ok("2958465"), "9999-12-31 00:00:00");
    // The 1904 system (old Mac workbooks) counts from 0 = 1904-01-01: 1 462 days less.
    assert_eq!(serial("excel1904", "0").unwrap(), "1904-01-01 00:00:00");
    assert_eq!(serial("excel1904", "43830").unwrap(), "2024-01-01 00:00:00");
    assert!(serial("excel1904", "-1").unwrap_err().contains("negative"));
}

#[test]
fn excel_serials_land_with_fractions_as_times() {
    let m = mapping("date_format = \"excel\"", false).unwrap();
    let body = rows(&[
        ("d", "45292"),
        ("e", "45292.5"),
        ("f", "45292.60625"),
        ("g", "45292.999999999"),
        ("h", "45658.0"),
    ]);
    let (ok, rejects) = read(&m, &body);
    assert_eq!(rejects, []);
    assert_eq!(
        ok,
        pairs(&[
            ("d", "2024-01-01T00:00:00+00:00"),
            ("e", "2024-01-01T12:00:00+00:00"),
            ("f", "2024-01-01T14:33:00+00:00"),
            // A fraction a hair short of the next day is that midnight, not 23:59:59.
            ("g", "2024-01-02T00:00:00+00:00"),
            ("h", "2025-01-01T00:00:00+00:00"),
        ])
    );
    let m = mapping("date_format = \"excel1904\"", false).unwrap();
    let (ok, rejects) = read(&m, &rows(&[("d", "43830.25")]));
    assert_eq!(rejects, []);
    assert_eq!(ok, pairs(&[("d", "2024-01-01T06:00:00+00:00")]));
}

#[test]
fn excel_serials_that_name_no_day_reject_naming_the_column() {
    let m = mapping("date_format = \"excel\"", false).unwrap();
    let body = rows(&[
        ("fake", "60"),
        ("zero", "0"),
        ("neg", "-5"),
        ("text", "1/1/2024"),
        ("far", "2958466"),
    ]);
    let (ok, rejects) = read(&m, &body);
    assert_eq!(ok, []);
    let why: Vec<&str> = rejects.iter().map(|(_, r)| r.as_str()).collect();
    for (r, what) in why.iter().zip([
        "1900-02-29, a day that never was",
        "day 0",
        "is negative",
        "is not a number",
        "beyond 9999-12-31",
    ]) {
        assert!(
            r.contains("column `Day`") && r.contains(what),
            "{what}: {r}"
        );
    }
    assert_eq!(why.len(), 5);
}

#[test]
fn excel_serials_mix_with_chrono_forms_and_follow_the_decimal_separator() {
    // A date-time column: text in one copy, serials in a copy re-saved by Excel.
    let m = Mapping::from_toml(
        "source = \"t\"\nstore_id = \"S\"\ntime_zone = \"UTC\"\ndecimal = \",\"\ndelimiter = \";\"\n\
         datetime_format = [\"%d.%m.%Y %H:%M\", \"excel\"]\n[columns]\ntxn_id = \"Id\"\n\
         datetime = \"At\"\nitem_id = \"Item\"\nquantity = \"Qty\"\nunit_price = \"Price\"\n",
    )
    .unwrap();
    let body =
        "Id;At;Item;Qty;Price\n1;01.01.2024 18:00;A;1;2\n2;45292,75;A;1;2\n3;gestern;A;1;2\n";
    let (ok, rejects) = read(&m, body);
    assert_eq!(
        ok,
        pairs(&[
            ("1", "2024-01-01T18:00:00+00:00"),
            ("2", "2024-01-01T18:00:00+00:00"),
        ])
    );
    assert!(
        rejects[0]
            .1
            .contains("`gestern` does not match the format `%d.%m.%Y %H:%M` or `excel`")
            && rejects[0].1.contains("column `At`")
            && rejects[0].1.contains("is not a number"),
        "{rejects:?}"
    );
}

#[test]
fn day_numbers_need_the_analysts_day_one_and_count_from_it() {
    let e = mapping("date_format = \"day_number\"", false).unwrap_err();
    assert!(e.contains("day_one") && e.contains("day number 1"), "{e}");
    let e = mapping("day_one = \"2011-03-01\"", false).unwrap_err();
    assert!(e.contains("day_one is read only with"), "{e}");
    let e = mapping(
        "date_format = \"day_number\"\nday_one = \"1.3.2011\"",
        false,
    )
    .unwrap_err();
    assert!(e.contains("YYYY-MM-DD"), "{e}");
    // In a list of forms, and in datetime_format, the key is needed just the same.
    let e = mapping("date_format = [\"%Y-%m-%d\", \"day_number\"]", false).unwrap_err();
    assert!(e.contains("day_one"), "{e}");

    let m = mapping(
        "date_format = \"day_number\"\nday_one = \"2011-03-01\"",
        false,
    )
    .unwrap();
    let body = rows(&[
        ("a", "1"),
        ("b", "0"),
        ("c", "711"),
        ("d", "12.0"),
        ("e", "1.5"),
        ("f", "-3"),
        ("g", "Tue"),
    ]);
    let (ok, rejects) = read(&m, &body);
    assert_eq!(
        ok,
        pairs(&[
            ("a", "2011-03-01T00:00:00+00:00"),
            ("b", "2011-02-28T00:00:00+00:00"),
            ("c", "2013-02-08T00:00:00+00:00"),
            ("d", "2011-03-12T00:00:00+00:00"),
        ])
    );
    let why: Vec<&str> = rejects.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(why.len(), 3, "{why:?}");
    for (r, what) in why
        .iter()
        .zip(["not a whole day number", "is negative", "is not a number"])
    {
        assert!(
            r.contains("column `Day`") && r.contains(what),
            "{what}: {r}"
        );
    }
}

#[test]
fn hhmm_times_read_integers_without_their_leading_zeros() {
    // chrono's `%H%M` takes two digits for the hour: `946` would be hour 94.
    assert!(chrono::NaiveTime::parse_from_str("946", "%H%M").is_err());
    let m = mapping(
        "date_format = \"day_number\"\nday_one = \"2011-03-01\"\ntime_format = \"hhmm\"",
        true,
    )
    .unwrap();
    let mut body = "Id,Day,At,Item,Qty,Price\n".to_string();
    for (id, at) in [
        ("a", "1631"),
        ("b", "946"),
        ("c", "5"),
        ("d", "0"),
        ("e", "2359"),
        ("f", "2400"),
        ("g", "1260"),
        ("h", "16:31"),
        ("i", "12345"),
    ] {
        body.push_str(&format!("{id},2,{at},A,1,2.00\n"));
    }
    let (ok, rejects) = read(&m, &body);
    assert_eq!(
        ok,
        pairs(&[
            ("a", "2011-03-02T16:31:00+00:00"),
            ("b", "2011-03-02T09:46:00+00:00"),
            ("c", "2011-03-02T00:05:00+00:00"),
            ("d", "2011-03-02T00:00:00+00:00"),
            ("e", "2011-03-02T23:59:00+00:00"),
        ])
    );
    assert_eq!(rejects.len(), 4, "{rejects:?}");
    assert!(
        rejects
            .iter()
            .all(|(_, r)| r.contains("column `At`") && r.contains("format `hhmm`")),
        "{rejects:?}"
    );
}

#[test]
fn excel_times_are_fractions_of_a_day_and_a_time_cell_wins_over_a_fraction() {
    let m = mapping("date_format = \"excel\"\ntime_format = \"excel\"", true).unwrap();
    let body = "Id,Day,At,Item,Qty,Price\n\
                a,45292,0.5,A,1,2.00\n\
                b,45292.25,0.75,A,1,2.00\n\
                c,45292.25,,A,1,2.00\n\
                d,45292,1.5,A,1,2.00\n";
    let (ok, rejects) = read(&m, body);
    assert_eq!(
        ok,
        pairs(&[
            ("a", "2024-01-01T12:00:00+00:00"),
            ("b", "2024-01-01T18:00:00+00:00"),
            ("c", "2024-01-01T06:00:00+00:00"),
        ])
    );
    assert!(rejects[0].1.contains("column `At`"), "{rejects:?}");
}
