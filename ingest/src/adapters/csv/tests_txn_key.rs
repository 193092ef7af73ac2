//! `txn_id_with`: receipt numbers that start from 1 again every day or per register.

use super::tests_datasets::ctx;
use super::*;

const MAPPING: &str = r#"
source = "t"
store_id = "S"
date_format = "%Y-%m-%d"
[columns]
txn_id = "Bon"
date = "Day"
item_id = "Item"
quantity = "Qty"
unit_price = "Price"
"#;

const WEEK: &str = "Bon,Day,Till,Item,Qty,Price\n\
                    1,2026-01-05,K1,A,1,10\n\
                    1,2026-01-05,K1,B,1,5\n\
                    1,2026-01-05,K2,A,1,10\n\
                    1,2026-01-06,K1,C,2,3.5\n";

/// (id, lines, net) of each transaction read from `body`.
fn txns(m: &Mapping, body: &str) -> Vec<(String, usize, Decimal)> {
    parse(&ctx(), m, body)
        .unwrap()
        .records
        .into_iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => (
                t.key.source_txn_id.clone(),
                t.lines.len(),
                t.lines.iter().map(|l| l.net_amount).sum(),
            ),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn with(qualifiers: &str) -> Mapping {
    let toml = MAPPING.replace(
        "txn_id = \"Bon\"",
        &format!("txn_id = \"Bon\"\ntxn_id_with = {qualifiers}"),
    );
    Mapping::from_toml(&toml).unwrap()
}

#[test]
fn receipt_numbers_restarting_every_day_and_per_till_are_told_apart_by_their_qualifiers() {
    // By the number alone, the four receipts are one transaction of 32.00 (the default:
    // what the file says an id is).
    let alone = Mapping::from_toml(MAPPING).unwrap();
    assert_eq!(txns(&alone, WEEK), [("1".into(), 4, Decimal::from(32))]);
    let m = with(r#"["Day", "Till"]"#);
    assert_eq!(
        txns(&m, WEEK),
        [
            ("2026-01-05/K1/1".into(), 2, Decimal::from(15)),
            ("2026-01-05/K2/1".into(), 1, Decimal::from(10)),
            ("2026-01-06/K1/1".into(), 1, Decimal::from(7)),
        ]
    );
}

#[test]
fn a_row_without_its_qualifiers_belongs_to_the_receipt_its_number_was_last_seen_with() {
    // Order-level cells on the first row only: the second row of each receipt has no day.
    let body = "Bon,Day,Till,Item,Qty,Price\n\
                1,2026-01-05,K1,A,1,10\n\
                1,,,B,1,5\n\
                1,2026-01-06,K1,C,2,3.5\n\
                1,,,D,1,1\n";
    let m = with(r#"["Till"]"#);
    // The till alone does not tell the days apart: one receipt of four lines.
    assert_eq!(txns(&m, body), [("K1/1".into(), 4, Decimal::from(23))]);
    let m = with(r#"["Till", "Day"]"#);
    let got = parse(&ctx(), &m, body).unwrap().records;
    let ids: Vec<_> = got
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => (t.key.source_txn_id.clone(), t.lines.len()),
            Err(e) => (e.reason.clone(), 0),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("K1/2026-01-05/1".to_string(), 2),
            ("K1/2026-01-06/1".to_string(), 2)
        ]
    );
}

#[test]
fn a_qualifier_column_missing_from_the_file_is_an_error_naming_it() {
    let m = with(r#"["Day", "Kasse"]"#);
    let e = parse(&ctx(), &m, WEEK).unwrap_err().to_string();
    assert!(e.contains("Kasse"), "{e}");
}

#[test]
fn chunks_never_cut_a_qualified_receipt_and_map_as_the_whole_file() {
    let m = with(r#"["Day", "Till"]"#);
    let whole = parse(&ctx(), &m, WEEK).unwrap().records;
    for rows in [1, 2, 3] {
        let plan = Plan::new(&m, WEEK, rows).unwrap();
        let mut chunked = vec![];
        for c in plan.chunks(WEEK, 0) {
            chunked.extend(
                parse_at(&ctx(), &m, &c.body, c.line_offset)
                    .unwrap()
                    .records,
            );
        }
        assert_eq!(chunked, whole, "{rows} rows per chunk");
    }
}

/// The business day of a 01:30 sale in a bar whose day starts at 04:00: the store's configured
/// start applies when the mapping names none (as for every API source), the mapping's wins.
#[test]
fn the_store_s_business_day_start_applies_unless_the_mapping_sets_one() {
    let body = "Bon,Day,Time,Item,Qty,Price\n1,2026-01-06,01:30,A,1,10\n";
    let toml = MAPPING.replace("date = \"Day\"", "date = \"Day\"\ntime = \"Time\"");
    let day = |toml: &str, start: Option<i64>| {
        let mut c = ctx();
        if let Some(h) = start {
            c.store_day_start
                .insert("S".into(), chrono::Duration::hours(h));
        }
        let m = Mapping::from_toml(toml).unwrap();
        match &parse(&c, &m, body).unwrap().records[0] {
            Ok(Record::Txn(t)) => t.business_date.to_string(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(day(&toml, None), "2026-01-06");
    assert_eq!(day(&toml, Some(4)), "2026-01-05");
    let own = toml.replace(
        "source = \"t\"",
        "source = \"t\"\nbusiness_day_start = \"00:00\"",
    );
    assert_eq!(day(&own, Some(4)), "2026-01-06");
}
