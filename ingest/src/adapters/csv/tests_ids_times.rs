//! Round s26: header ids Excel wrote in scientific notation (`customer_id`, `cashier_id`,
//! `register_id`: merged into one id without a word), and 12-hour `time_format`s whose
//! fallback read a cell without AM/PM on the 24-hour clock (`05:18` that may be 17:18).

use super::tests::txn;
use super::*;
use chrono::{NaiveTime, Timelike};

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A mapping of `id;at;sku;qty;price;cust;cash;reg` with `top` keys, times in UTC.
fn ids_mapping(top: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         time_zone = \"UTC\"\ndatetime_format = \"%Y-%m-%d %H:%M\"\n{top}\n[columns]\n\
         txn_id = \"id\"\ndatetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\n\
         unit_price = \"price\"\ncustomer_id = \"cust\"\ncashier_id = \"cash\"\n\
         register_id = \"reg\"\n"
    ))
    .unwrap()
}

/// One transaction per `(customer, cashier, register)` cells, ids 1, 2, …
fn header_ids(m: &Mapping, cells: &[(&str, &str, &str)]) -> Vec<Result<[String; 3], String>> {
    let mut body = "id;at;sku;qty;price;cust;cash;reg\n".to_string();
    for (i, (cu, ca, re)) in cells.iter().enumerate() {
        body.push_str(&format!(
            "{};2026-01-05 10:00;A;1;1.00;{cu};{ca};{re}\n",
            i + 1
        ));
    }
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    parse(&ctx(), m, &body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(_) => {
                let t = txn(r);
                Ok([
                    text(&t.customer_id),
                    text(&t.cashier_id),
                    text(&t.register_id),
                ])
            }
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

/// Refused naming `column`, as the `txn_id` / `item_id` rejects are.
fn refused_scientific(r: &Result<[String; 3], String>, column: &str) -> bool {
    matches!(r, Err(e) if e.contains(&format!("column `{column}`"))
        && e.contains("scientific notation")
        && e.contains("export the column as text"))
}

/// `1.23457E+12` in a customer, cashier or register column was kept as written, so every
/// customer whose number Excel shortened to those six digits became one customer. Such a
/// cell now rejects the transaction naming its column; Excel's shape only (`12E4`,
/// `1.2E+1234` and `0.5E+12` stay ids), and `integer_ids` still drops pandas' `.0`.
#[test]
fn header_ids_excel_wrote_in_scientific_notation_are_refused_not_merged() {
    let m = ids_mapping("integer_ids = [\"customer_id\", \"cashier_id\"]");
    let got = header_ids(
        &m,
        &[
            ("1.23457E+12", "7", "R1"),
            ("17850", "4E+12", "R1"),
            ("17850", "7", "1.5e+03"),
            ("1.0E+12", "7", "R1"),
            ("17850.0", "7.00", "R1"),
            ("12E4", "1.2E+1234", "0.5E+12"),
            ("C1E+12", "1E12", "1E-12"),
        ],
    );
    assert!(refused_scientific(&got[0], "cust"), "{:?}", got[0]);
    assert!(refused_scientific(&got[1], "cash"), "{:?}", got[1]);
    assert!(refused_scientific(&got[2], "reg"), "{:?}", got[2]);
    assert!(refused_scientific(&got[3], "cust"), "{:?}", got[3]);
    assert_eq!(got[4], Ok(["17850".into(), "7".into(), "R1".into()]));
    assert_eq!(
        got[5],
        Ok(["12E4".into(), "1.2E+1234".into(), "0.5E+12".into()])
    );
    assert_eq!(got[6], Ok(["C1E+12".into(), "1E12".into(), "1E-12".into()]));
}

/// A mapping of `id;date;time;sku;qty;price` with `time_format = format`, times in UTC.
fn time_mapping(format: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         time_zone = \"UTC\"\ntime_format = \"{format}\"\n[columns]\ntxn_id = \"id\"\n\
         date = \"date\"\ntime = \"time\"\nitem_id = \"sku\"\nquantity = \"qty\"\n\
         unit_price = \"price\"\n"
    ))
    .unwrap()
}

/// One transaction per `at` cell, read with `m`: its time of day, or its reject.
fn times(m: &Mapping, column: &str, cells: &[&str]) -> Vec<Result<NaiveTime, String>> {
    let mut body = format!("id;{column};sku;qty;price\n");
    for (i, at) in cells.iter().enumerate() {
        body.push_str(&format!("{};{at};A;1;1.00\n", i + 1));
    }
    parse(&ctx(), m, &body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(_) => Ok(txn(r).occurred_at.time()),
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

fn hm(h: u32, m: u32, s: u32) -> Result<NaiveTime, String> {
    Ok(NaiveTime::from_hms_opt(h, m, s).unwrap())
}

/// `time_format = "%I:%M %p"`: a cell without AM/PM (`05:18`) was read as 05:18 by the
/// 24-hour fallback meant for seconds left out, when it may be 17:18. The fallback of a
/// 12-hour format is 12-hour now, so such a cell rejects the transaction naming the column,
/// the cell and the forms tried; times with AM/PM still read, with and without seconds.
#[test]
fn a_12_hour_time_without_am_pm_is_refused_not_read_as_morning() {
    for format in ["%I:%M %p", "%I:%M:%S %p", "%l:%M %p", "%-I:%M %P", "%r"] {
        let m = time_mapping(format);
        let cells = |t: &str| format!("2026-01-05;{t}");
        let rows: Vec<String> = [
            "05:18",
            "17:18:00",
            "5:18 PM",
            "05:18:30 pm",
            "12:05 AM",
            "12:05 PM",
            "11:59:59 PM",
        ]
        .iter()
        .map(|t| cells(t))
        .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let got = times(&m, "date;time", &rows);
        for g in &got[..2] {
            let e = g.as_ref().unwrap_err();
            assert!(e.contains("column `time`"), "{format}: {e}");
            assert!(e.contains("does not match the format"), "{format}: {e}");
            assert!(e.contains(&format!("`{format}`")), "{format}: {e}");
            assert!(e.contains("`%I:%M:%S %p`"), "{format}: {e}");
            assert!(e.contains("without AM or PM"), "{format}: {e}");
        }
        assert_eq!(got[2], hm(17, 18, 0), "{format}");
        assert_eq!(got[3], hm(17, 18, 30), "{format}");
        assert_eq!(got[4], hm(0, 5, 0), "{format}");
        assert_eq!(got[5], hm(12, 5, 0), "{format}");
        assert_eq!(got[6], hm(23, 59, 59), "{format}");
    }
    // A 24-hour format still reads both with and without seconds.
    let m = time_mapping("%H:%M:%S");
    let got = times(
        &m,
        "date;time",
        &["2026-01-05;17:18", "2026-01-05;05:18:30"],
    );
    assert_eq!(got, [hm(17, 18, 0), hm(5, 18, 30)]);
    assert_eq!(got[1].as_ref().unwrap().hour(), 5);
}

/// A mapping of `id;at;sku;qty;price` with `datetime_format = formats` (TOML), times in UTC.
fn datetime_mapping(formats: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         time_zone = \"UTC\"\ndatetime_format = {formats}\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\n"
    ))
    .unwrap()
}

/// `datetime_format` takes no fallback: a 12-hour form reads a cell without AM/PM as
/// nothing (a reject naming the forms), while a 24-hour form the user lists after it is
/// their choice and reads it.
#[test]
fn a_12_hour_datetime_without_am_pm_is_read_only_by_a_form_the_user_lists() {
    let cells = [
        "10/08/2026 05:18",
        "10/08/2026 5:18 PM",
        "10/08/2026 12:05 AM",
    ];
    let m = datetime_mapping("\"%m/%d/%Y %I:%M %p\"");
    let got = times(&m, "at", &cells);
    let e = got[0].as_ref().unwrap_err();
    assert!(
        e.contains("column `at`")
            && e.contains("`10/08/2026 05:18` does not match the format `%m/%d/%Y %I:%M %p`"),
        "{e}"
    );
    assert_eq!(got[1..], [hm(17, 18, 0), hm(0, 5, 0)]);
    let m = datetime_mapping("[\"%m/%d/%Y %I:%M %p\", \"%m/%d/%Y %H:%M\"]");
    let got = times(&m, "at", &cells);
    assert_eq!(got, [hm(5, 18, 0), hm(17, 18, 0), hm(0, 5, 0)]);
}

/// A 12-hour hour without AM/PM (`%I:%M`) reads no cell at all (chrono cannot place it in the
/// day): the mapping is refused when loaded, naming the key and the fix, instead of rejecting
/// every row of every file. `%r` carries its own AM/PM and `%H` is the 24-hour clock.
#[test]
fn a_12_hour_format_without_am_pm_is_refused_when_loaded() {
    let load = |top: &str| {
        Mapping::from_toml(&format!(
            "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\n{top}\n[columns]\n\
             txn_id = \"id\"\ndate = \"d\"\ntime = \"t\"\nitem_id = \"sku\"\n\
             quantity = \"qty\"\nunit_price = \"price\"\n"
        ))
    };
    let e = load("time_format = \"%I:%M\"").unwrap_err();
    assert!(
        e.contains("time_format \"%I:%M\"") && e.contains("%p"),
        "{e}"
    );
    let e = load("datetime_format = [\"%Y-%m-%d %H:%M\", \"%m/%d/%Y %l:%M\"]").unwrap_err();
    assert!(e.contains("datetime_format \"%m/%d/%Y %l:%M\""), "{e}");
    for fine in [
        "time_format = \"%I:%M %p\"",
        "time_format = \"%r\"",
        "time_format = \"%H:%M\"",
        "time_format = \"hhmm\"",
    ] {
        assert!(load(fine).is_ok(), "{fine}: {:?}", load(fine).err());
    }
}
