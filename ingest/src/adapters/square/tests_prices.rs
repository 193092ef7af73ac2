//! Prices and INCLUSIVE taxes (s28). Square's `OrderLineItem.gross_sales_money`: "For
//! inclusive tax items in the US, Canada, and Japan, tax is deducted from `gross_sales_money`.
//! For Europe and Australia, inclusive tax remains as part of the gross sale calculation"
//! (square/square-nodejs-sdk `src/api/types/OrderLineItem.ts`, generated from Square's API
//! definition); a production COP return line in a public issue thread (square/connect-python-sdk
//! #97) shows the same: `variation_total_price_money` 100000, `gross_return_money` 92593, its
//! inclusive tax 7407. The price (`base_price_money`, `variation_total_price_money`) holds the
//! inclusive tax everywhere. Payloads written here in those shapes, own values.

use super::*;
use pos_core::model::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn lines(body: &str) -> Vec<Line> {
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    match p.records.into_iter().next() {
        Some(Ok(Record::Txn(t))) => t.lines,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

fn yen(n: i64) -> String {
    format!(r#"{{"amount":{n},"currency":"JPY"}}"#)
}

/// A Japanese order: 2 bento at 1100 yen, 10 % consumption tax inside the price (200 yen of
/// the 2200), with the gross Square reports in Japan (tax deducted: 2000) and the line's
/// `total_money` left out (a trimmed payload, an export): net must be 2200 − 200 = 2000, the
/// tax taken out of the price once. It was taken out of the gross, which had lost it already:
/// 1800, the line's net short by its tax.
#[test]
fn a_line_without_total_money_loses_its_inclusive_tax_once_in_japan() {
    let body = format!(
        r#"{{"order":{{"id":"JP-INCL-1","location_id":"L","created_at":"2026-03-02T03:00:00Z",
      "version":2,"state":"COMPLETED",
      "taxes":[{{"uid":"ct10","name":"消費税","type":"INCLUSIVE","percentage":"10","scope":"LINE_ITEM"}}],
      "line_items":[{{"uid":"a","name":"Bento","quantity":"2","base_price_money":{p},
        "variation_total_price_money":{v},"gross_sales_money":{g},
        "applied_taxes":[{{"uid":"at","tax_uid":"ct10","applied_money":{t}}}],
        "total_tax_money":{t},"total_discount_money":{z}}}]}}}}"#,
        p = yen(1100),
        v = yen(2200),
        g = yen(2000),
        t = yen(200),
        z = yen(0)
    );
    let l = &lines(&body)[0];
    assert_eq!((l.quantity, l.unit_price), (d("2"), d("1100")));
    assert_eq!((l.net_amount, l.tax), (d("2000"), d("200")));
}

/// The same in Europe, where the gross keeps the inclusive tax (EUR 22.00 with 2.00 of VAT
/// inside): net 20.00, as before.
#[test]
fn a_line_without_total_money_in_europe_stays_right() {
    let eur = |n: i64| format!(r#"{{"amount":{n},"currency":"EUR"}}"#);
    let body = format!(
        r#"{{"order":{{"id":"EU-INCL-1","location_id":"L","created_at":"2026-03-02T09:00:00Z",
      "version":2,"state":"COMPLETED",
      "taxes":[{{"uid":"vat","name":"MwSt","type":"INCLUSIVE","percentage":"10","scope":"LINE_ITEM"}}],
      "line_items":[{{"uid":"a","name":"Brot","quantity":"2","base_price_money":{p},
        "gross_sales_money":{g},"applied_taxes":[{{"uid":"at","tax_uid":"vat","applied_money":{t}}}],
        "total_tax_money":{t},"total_discount_money":{z}}}]}}}}"#,
        p = eur(1100),
        g = eur(2200),
        t = eur(200),
        z = eur(0)
    );
    let l = &lines(&body)[0];
    assert_eq!(
        (l.net_amount, l.tax, l.unit_price),
        (d("20.00"), d("2.00"), d("11.00"))
    );
}

/// A return line without `base_price_money` (as return line items often are), in Japan: its
/// unit price is the price the bento sold at, 1100 (`variation_total_price_money` 2200 ÷ 2), +
/// a modifier of 50 a unit = 1150; it was the gross ÷ 2, 1045.5, the price without its tax,
/// below the price of the sale it returns. Net and tax come from `total_money` as before.
#[test]
fn a_return_line_without_base_price_is_priced_with_its_inclusive_tax() {
    let body = format!(
        r#"{{"order":{{"id":"JP-RET-1","location_id":"L","created_at":"2026-03-03T03:00:00Z",
      "version":1,"state":"COMPLETED",
      "returns":[{{"uid":"r","source_order_id":"JP-INCL-1",
        "return_taxes":[{{"uid":"rt","source_tax_uid":"ct10","type":"INCLUSIVE","percentage":"10"}}],
        "return_line_items":[{{"uid":"rl","source_line_item_uid":"a","name":"Bento","quantity":"2",
          "return_modifiers":[{{"uid":"m","name":"Extra rice","base_price_money":{mb},
            "total_price_money":{mt}}}],
          "variation_total_price_money":{v},"gross_return_money":{g},
          "applied_taxes":[{{"uid":"at","tax_uid":"rt","applied_money":{t}}}],
          "total_tax_money":{t},"total_discount_money":{z},"total_money":{tot}}}]}}]}}}}"#,
        mb = yen(50),
        mt = yen(100),
        v = yen(2200),
        g = yen(2091),
        t = yen(209),
        z = yen(0),
        tot = yen(2300)
    );
    let l = &lines(&body)[0];
    assert_eq!(l.kind, LineKind::Return);
    assert_eq!((l.quantity, l.unit_price), (d("-2"), d("1150")));
    assert_eq!((l.net_amount, l.tax), (d("-2091"), d("-209")));
}
