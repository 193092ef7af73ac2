//! Tests of the CSV adapter: the kasse mapping, and real Square, Shopify and German till
//! exports with their ready mappings.

use super::*;
use pos_core::model::*;

const MAPPING: &str = include_str!("../../../tests/data/kasse.toml");

const BODY: &str = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1001;05.01.2026 09:15;4011;Bananen;1.500;1,99;V\n\
1001;05.01.2026 09:15;4006381333931;Stift;1.000;1.234,50;V\n\
1001;05.01.2026 09:15;4011;Bananen;500;1,99;S\n\
1002;05.01.2026 23:30;4011;Bananen;1.000;1,99;R\n";

fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::Berlin;
    c
}

#[test]
fn grams_comma_decimals_kinds_and_local_times() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let p = parse(&ctx(), &m, BODY).unwrap();
    assert_eq!((p.rows, p.records.len()), (4, 2));
    let Ok(Record::Txn(t)) = &p.records[0] else {
        panic!("{:?}", p.records[0])
    };
    assert_eq!(t.lines.len(), 3);
    assert_eq!(t.lines[0].quantity, "1.5".parse::<Decimal>().unwrap());
    assert_eq!(t.lines[1].unit_price, "1234.50".parse::<Decimal>().unwrap());
    assert_eq!(t.lines[2].kind, LineKind::Void);
    assert_eq!(
        t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
        "1236.49".parse::<Decimal>().unwrap()
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-01-05T08:15:00+00:00");
    let Ok(Record::Txn(r)) = &p.records[1] else {
        panic!()
    };
    assert_eq!(
        (r.lines[0].kind, r.lines[0].net_amount),
        (LineKind::Return, "-1.99".parse().unwrap())
    );
}

#[test]
fn a_bad_row_rejects_its_transaction_only() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = BODY.replace("1.234,50", "12.5");
    let p = parse(&ctx(), &m, &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 3") && e.reason.contains("Preis"),
        "{}",
        e.reason
    );
    assert!(p.records[1].is_ok());
}

#[test]
fn missing_columns_and_incomplete_mappings_are_named() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let e = parse(&ctx(), &m, "Bon;Zeit\n1;2\n").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("EAN"));
    let e = Mapping::from_toml(&MAPPING.replace("unit_price = \"Preis\"", "")).unwrap_err();
    assert!(
        e.contains("unit_price") && e.contains("gross_amount"),
        "{e}"
    );
}

#[test]
fn without_a_currency_the_store_s_configured_one_is_used() {
    let m = Mapping::from_toml(&MAPPING.replace("currency = \"EUR\"", "")).unwrap();
    let mut c = ctx();
    c.store_currency.insert("B1".into(), "CHF".into());
    let p = parse(&c, &m, BODY).unwrap();
    assert_eq!(txn(&p.records[0]).currency, "CHF");
}

/// A fixture of tests/data/real (see PROVENANCE.md there), read at run time.
pub(super) fn real(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(super) fn txn(r: &Result<Record, Reject>) -> &Transaction {
    match r {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    }
}

/// (kind, quantity, unit price, discount, net, tax) of each line.
fn lines(t: &Transaction) -> Vec<(LineKind, Decimal, Decimal, Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.kind,
                l.quantity,
                l.unit_price,
                l.discount,
                l.net_amount,
                l.tax,
            )
        })
        .collect()
}

#[test]
fn square_item_detail_export() {
    let m = Mapping::from_toml(include_str!("../../../mappings/square_item_sales.toml")).unwrap();
    let mut c = ctx();
    c.default_currency = "USD".into();
    let p = parse(&c, &m, &real("square/items-2026-07-18-2026-07-20.csv")).unwrap();
    // A BOM, CRLF, a quoted note with a comma and a newline, a row of commas and a blank
    // line at the end: six data rows.
    assert_eq!((p.rows, p.records.len()), (6, 5));

    let t = txn(&p.records[0]);
    assert_eq!(t.key.source_txn_id, "4S5oaeKrPyyWWst4wAvuQJ3qn6PZY");
    assert_eq!(t.key.store_id, "Main St");
    assert_eq!(t.currency, "USD");
    // 12:59:30 in New York in July is UTC-4, not the store's Berlin time.
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-07-18T16:59:30+00:00");
    assert_eq!(t.business_date.to_string(), "2026-07-18");
    assert_eq!(
        lines(t),
        vec![
            (LineKind::Sale, d("1"), d("8"), d("0"), d("8"), d("0.62")),
            (LineKind::Sale, d("2"), d("2"), d("1"), d("3"), d("0.23")),
        ]
    );
    // No SKU: the catalog token is the item key.
    assert_eq!(t.lines[0].raw_item_id, "Y36H4C6V4YFFYACS3RIEFARY");
    assert_eq!(t.lines[1].raw_item_id, "WIKDKPJ6J74CB44HCJ6NMKSX");

    let t = txn(&p.records[1]);
    assert_eq!(t.lines[0].raw_item_id, "ESP-900");
    assert_eq!(
        lines(t),
        vec![(
            LineKind::Sale,
            d("1"),
            d("1234.50"),
            d("34.50"),
            d("1200.00"),
            d("96.00")
        )]
    );
    assert_eq!(t.customer_id.as_deref(), Some("GTY7JAA901CPDHWN4M3900J27W"));

    let t = txn(&p.records[2]);
    assert_eq!(t.key.store_id, "Pier 39");
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-07-19T16:15:00+00:00");
    assert_eq!(
        lines(t),
        vec![(LineKind::Sale, d("3"), d("4"), d("0"), d("12"), d("0.93"))]
    );

    // The refund is its own transaction on its own day, linked to the sale.
    let r = txn(&p.records[3]);
    assert_eq!(
        r.key.source_txn_id,
        "4S5oaeKrPyyWWst4wAvuQJ3qn6PZY/return/20260720100000"
    );
    assert_eq!(r.business_date.to_string(), "2026-07-20");
    assert_eq!(
        lines(r),
        vec![(
            LineKind::Return,
            d("-1"),
            d("2"),
            d("0.50"),
            d("-1.50"),
            d("-0.12")
        )]
    );
    assert_eq!(
        r.lines[0].original_txn_id.as_deref(),
        Some("4S5oaeKrPyyWWst4wAvuQJ3qn6PZY")
    );

    let e = p.records[4].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `Time Zone`") && e.reason.contains("Mid-Atlantic Time"),
        "{}",
        e.reason
    );
}

#[test]
fn shopify_orders_export() {
    let m =
        Mapping::from_toml(include_str!("../../../mappings/shopify_orders_export.toml")).unwrap();
    let p = parse(&ctx(), &m, &real("shopify/orders_export_1.csv")).unwrap();
    assert_eq!((p.rows, p.records.len()), (6, 4));

    // Order fields on the first row only: the second line still belongs to the order.
    let t = txn(&p.records[0]);
    assert_eq!(
        (t.key.source_txn_id.as_str(), t.key.store_id.as_str()),
        ("#1001", "online")
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-04T18:33:38+00:00");
    assert_eq!(
        (t.currency.as_str(), t.status),
        ("USD", TxnStatus::Completed)
    );
    assert_eq!(
        lines(t),
        vec![
            (
                LineKind::Sale,
                d("2"),
                d("18.00"),
                d("3.00"),
                d("33.00"),
                d("2.64")
            ),
            (
                LineKind::Sale,
                d("1"),
                d("12.00"),
                d("0.00"),
                d("12.00"),
                d("0.96")
            ),
        ]
    );
    // No SKU: the line item's name is the item key.
    assert_eq!(t.lines[1].raw_item_id, "Botanical Fern Print");

    let t = txn(&p.records[1]);
    assert_eq!(
        (t.currency.as_str(), t.status),
        ("EUR", TxnStatus::Cancelled)
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-05T07:00:00+00:00");
    assert_eq!(t.lines[0].unit_price, d("1234.50"));

    // A POS order: its location names the store, on the first row only.
    let t = txn(&p.records[2]);
    assert_eq!(t.key.store_id, "Main Street Store");
    assert_eq!(
        t.lines.iter().map(|l| l.quantity).collect::<Vec<_>>(),
        vec![d("1"), d("3")]
    );

    let e = p.records[3].as_ref().unwrap_err();
    assert!(
        e.reason.contains("#1004")
            && e.reason.contains("row 8")
            && e.reason.contains("column `Lineitem price`"),
        "{}",
        e.reason
    );
}

#[test]
fn german_till_journal_export() {
    let m = Mapping::from_toml(include_str!("../../../mappings/de_kassenjournal.toml")).unwrap();
    let p = parse(&ctx(), &m, &real("de-kasse/kassenjournal.csv")).unwrap();
    assert_eq!((p.rows, p.records.len()), (6, 4));

    let t = txn(&p.records[0]);
    assert_eq!(
        (t.key.store_id.as_str(), t.key.source_txn_id.as_str()),
        ("B1", "4711")
    );
    assert_eq!(
        (t.register_id.as_deref(), t.cashier_id.as_deref()),
        (Some("K2"), Some("Anna"))
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-01T06:15:03+00:00");
    // VAT-inclusive amounts: net is the amount less the VAT.
    assert_eq!(
        lines(t),
        vec![
            (
                LineKind::Sale,
                d("2"),
                d("1.50"),
                d("0"),
                d("2.52"),
                d("0.48")
            ),
            (
                LineKind::Sale,
                d("1"),
                d("1299.00"),
                d("50.00"),
                d("1049.58"),
                d("199.42")
            ),
        ]
    );
    assert_eq!(
        t.lines[1].description.as_deref(),
        Some("Espressomaschine; Edelstahl")
    );

    // "1-" and "1,50-": a return, linked to the receipt it cancels.
    let r = txn(&p.records[1]);
    assert_eq!(
        lines(r),
        vec![(
            LineKind::Return,
            d("-1"),
            d("1.50"),
            d("0"),
            d("-1.26"),
            d("-0.24")
        )]
    );
    assert_eq!(r.lines[0].original_txn_id.as_deref(), Some("4711"));

    // A bottle deposit paid back inside a sale: negative price and amount, no kind column.
    let t = txn(&p.records[2]);
    assert_eq!(
        lines(t),
        vec![
            (
                LineKind::Sale,
                d("1.5"),
                d("1.99"),
                d("0"),
                d("2.79"),
                d("0.20")
            ),
            (
                LineKind::Return,
                d("-4"),
                d("0.25"),
                d("0"),
                d("-0.84"),
                d("-0.16")
            ),
        ]
    );

    let e = p.records[3].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `Datum`") && e.reason.contains("31.13.2026"),
        "{}",
        e.reason
    );
}

#[test]
fn header_names_differ_in_case_and_spacing() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = BODY.replacen("Bon;Zeit;EAN", " bon ;ZEIT;ean  ", 1);
    let p = parse(&ctx(), &m, &body).unwrap();
    assert_eq!(txn(&p.records[0]).lines.len(), 3);
}

#[test]
fn money_with_currency_codes_and_symbols() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1;05.01.2026 09:15;4011;A;1000;EUR 3,50;V\n\
2;05.01.2026 09:15;4011;A;1000;3,50 €;V\n\
3;05.01.2026 09:15;4011;A;1000;€ 1.234,50;V\n\
4;05.01.2026 09:15;4011;A;1000;3e5;V\n\
5;05.01.2026 09:15;4011;A;1000;3,50 CHF;V\n\
6;05.01.2026 09:15;4011;A;1000;₹ 1.234,50;V\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let prices: Vec<_> = p.records[..3]
        .iter()
        .map(|r| txn(r).lines[0].unit_price)
        .collect();
    assert_eq!(prices, vec![d("3.50"), d("3.50"), d("1234.50")]);
    // Not a number, or (s33) money in another currency than the mapping's EUR.
    for r in &p.records[3..] {
        let e = r.as_ref().unwrap_err();
        assert!(e.reason.contains("column `Preis`"), "{}", e.reason);
    }
}

#[test]
fn a_negative_quantity_is_a_return_whatever_the_kind_column_says() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = BODY.replace(
        "1002;05.01.2026 23:30;4011;Bananen;1.000;1,99;R",
        "1002;05.01.2026 23:30;4011;Bananen;-1.000;1,99;V",
    );
    let p = parse(&ctx(), &m, &body).unwrap();
    let r = txn(&p.records[1]);
    assert_eq!(
        (r.lines[0].kind, r.lines[0].quantity, r.lines[0].net_amount),
        (LineKind::Return, d("-1"), d("-1.99"))
    );
}

#[test]
fn kinds_match_without_regard_to_case_and_unknown_kinds_name_the_column() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = BODY.replace(";R\n", ";r\n").replace(";S\n", ";X\n");
    let p = parse(&ctx(), &m, &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `Art`") && e.reason.contains("`X`"),
        "{}",
        e.reason
    );
    assert_eq!(txn(&p.records[1]).lines[0].kind, LineKind::Return);
}

#[test]
fn minor_units_follow_the_currency() {
    let m =
        Mapping::from_toml(&MAPPING.replace("money_unit = \"major\"", "money_unit = \"minor\""))
            .unwrap();
    let body =
        "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n1;05.01.2026 09:15;4011;A;1000;99999999999999;V\n";
    let p = parse(&ctx(), &m, body).unwrap();
    assert_eq!(txn(&p.records[0]).lines[0].unit_price, d("999999999999.99"));
    // Larger than an i64 of cents would silently have become 0 once; beyond 10^12 of the
    // currency it is refused by name.
    let p = parse(
        &ctx(),
        &m,
        &body.replace("99999999999999", "123456789012345678901"),
    )
    .unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason
            .contains("`Preis`: `123456789012345678901` is out of range"),
        "{}",
        e.reason
    );
}

#[test]
fn a_currency_column_must_hold_codes() {
    let m = Mapping::from_toml(
        &MAPPING
            .replace("currency = \"EUR\"", "")
            .replace("[columns]\n", "[columns]\ncurrency = \"Whg\"\n"),
    )
    .unwrap();
    let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art;Whg\n\
1;05.01.2026 09:15;4011;A;1000;1,00;V;eur\n\
2;05.01.2026 09:15;4011;A;1000;1,00;V;Euro\n";
    let p = parse(&ctx(), &m, body).unwrap();
    assert_eq!(txn(&p.records[0]).currency, "EUR");
    let e = p.records[1].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 3: column `Whg`: `Euro`"),
        "{}",
        e.reason
    );
}

#[test]
fn quantity_times_price_beyond_the_range_of_amounts_is_an_error_not_a_panic() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = BODY.replace(
        "4006381333931;Stift;1.000;1.234,50",
        "4006381333931;Stift;50.000.000.000.000.000.000.000.000;12.345.678,50",
    );
    let p = parse(&ctx(), &m, &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 3") && e.reason.contains("Menge_g"),
        "{}",
        e.reason
    );
    assert!(p.records[1].is_ok(), "the other transaction lands");
}

#[test]
fn a_time_the_spring_change_skips_keeps_its_minute_read_with_the_winter_offset() {
    let m = Mapping::from_toml(MAPPING).unwrap();
    let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
                2001;29.03.2026 02:30;4011;Bananen;1.000;1,99;V\n\
                2002;25.10.2026 02:30;4011;Bananen;1.000;1,99;V\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let at: Vec<String> = p
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => t.occurred_at.to_rfc3339(),
            other => panic!("{other:?}"),
        })
        .collect();
    // 02:30 does not exist in Berlin on 29 March (01:59 CET → 03:00 CEST): a clock not yet
    // moved wrote it, 02:30 CET; in the October overlap the earlier 02:30 (CEST) is taken.
    assert_eq!(
        at,
        ["2026-03-29T01:30:00+00:00", "2026-10-25T00:30:00+00:00"]
    );
}
