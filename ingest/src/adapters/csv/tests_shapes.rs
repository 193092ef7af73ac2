//! Tests of Shopify export shapes from the red-team pass (s15): columns older or online-only
//! exports lack (`optional`), tax-inclusive orders told by their totals, and the business
//! day of times written with an offset.

use super::tests::{d, txn};
use super::*;

const SHOPIFY: &str = include_str!("../../../mappings/shopify_orders_export.toml");

fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_currency = "USD".into();
    c
}

/// The columns of a 2012 Shopify export (no `Lineitem discount`, no POS columns), money ones
/// only, in that export's order.
const HEADER_2012: &str = "Name,Financial Status,Currency,Subtotal,Shipping,Taxes,Total,\
Discount Code,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,\
Lineitem sku";

#[test]
fn optional_columns_missing_from_the_header_count_as_unmapped() {
    // Two lines of 20.00 and 10.00 with a 6.00 code on the order: no line discount column,
    // so all 6.00 is spread by gross (4.00 / 2.00), in the mapping's default store.
    let csv = format!(
        "{HEADER_2012}\n\
#1230,paid,USD,24.00,5.00,0.00,29.00,CODE6,6.00,2012-01-01 11:13:13 -0500,1,Book,20.00,B-1\n\
#1230,,,,,,,,,,2,Pen,5.00,P-1\n"
    );
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&ctx(), &m, &csv).expect("a 2012 export is readable");
    let t = txn(&p.records[0]);
    assert_eq!(t.key.store_id, "online");
    let got: Vec<_> = t.lines.iter().map(|l| (l.discount, l.net_amount)).collect();
    assert_eq!(got, vec![(d("4.00"), d("16.00")), (d("2.00"), d("8.00"))]);
}

#[test]
fn a_column_not_listed_as_optional_is_still_required() {
    let csv = format!("{}\n", HEADER_2012.replace(",Lineitem quantity", ""));
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let e = parse(&ctx(), &m, &csv).unwrap_err();
    assert!(e.to_string().contains("Lineitem quantity"), "{e}");
}

#[test]
fn optional_names_only_keys_a_file_can_do_without() {
    let without_optional = SHOPIFY.replace("optional = [", "# optional = [");
    let e =
        Mapping::from_toml(&with_top(&without_optional, "optional = [\"quantity\"]")).unwrap_err();
    assert!(e.contains("optional: `quantity`"), "{e}");
    // A store column that may be missing needs a store to fall back on.
    let no_store = without_optional.replace("store_id = \"online\"", "");
    let e = Mapping::from_toml(&with_top(&no_store, "optional = [\"store_id\"]")).unwrap_err();
    assert!(e.contains("store_id"), "{e}");
}

/// A top-level key placed before `[columns]`, where TOML wants it.
fn with_top(mapping: &str, keys: &str) -> String {
    mapping.replacen("[columns]", &format!("{keys}\n[columns]"), 1)
}

/// (tax, net) of each line of each transaction.
fn taxes_and_nets(p: &Parsed) -> Vec<Vec<(Decimal, Decimal)>> {
    p.records
        .iter()
        .map(|r| txn(r).lines.iter().map(|l| (l.tax, l.net_amount)).collect())
        .collect()
}

/// An EU order whose `Total` is `Subtotal + Shipping` (19.00 of VAT inside 119.00 of goods,
/// two lines) and a US order whose `Total` adds `Taxes` on top.
const INCLUSIVE_AND_EXCLUSIVE: &str = "\
#3001,paid,EUR,119.00,4.90,19.00,123.90,,0.00,2026-10-04 10:00:00 +0200,1,Lamp,59.50,L-1\n\
#3001,,,,,,,,,,1,Shade,59.50,S-1\n\
#3002,paid,USD,100.00,5.00,8.25,113.25,,0.00,2026-10-04 10:00:00 -0400,2,Mug,50.00,M-1\n";

#[test]
fn an_order_whose_total_leaves_out_its_taxes_has_tax_inclusive_prices() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(
        &ctx(),
        &m,
        &format!("{HEADER_2012}\n{INCLUSIVE_AND_EXCLUSIVE}"),
    )
    .unwrap();
    assert_eq!(
        taxes_and_nets(&p),
        vec![
            vec![(d("9.50"), d("50.00")), (d("9.50"), d("50.00"))],
            vec![(d("8.25"), d("100.00"))],
        ]
    );
}

#[test]
fn order_totals_win_over_prices_include_tax_and_it_decides_when_they_fit_neither_sum() {
    let text = with_top(SHOPIFY, "prices_include_tax = true");
    let m = Mapping::from_toml(&text).unwrap();
    // #3003: 10.00 more than either sum (a tip or duties): the mapping key decides.
    let csv = format!(
        "{HEADER_2012}\n{INCLUSIVE_AND_EXCLUSIVE}\
#3003,paid,EUR,119.00,0.00,19.00,129.00,,0.00,2026-10-04 11:00:00 +0200,1,Vase,119.00,V-1\n"
    );
    let p = parse(&ctx(), &m, &csv).unwrap();
    let got = taxes_and_nets(&p);
    assert_eq!(got[1], vec![(d("8.25"), d("100.00"))]);
    assert_eq!(got[2], vec![(d("19.00"), d("100.00"))]);
}

#[test]
fn order_totals_are_mapped_together_with_the_order_tax() {
    let half = SHOPIFY.replace("order_subtotal = \"Subtotal\"", "");
    let e = Mapping::from_toml(&half).unwrap_err();
    assert!(e.contains("order_subtotal"), "{e}");
    let no_tax = SHOPIFY.replace("order_tax = \"Taxes\"", "");
    let e = Mapping::from_toml(&no_tax).unwrap_err();
    assert!(e.contains("order_tax"), "{e}");
}

#[test]
fn an_order_total_that_is_not_money_names_its_column() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let csv = format!(
        "{HEADER_2012}\n\
#3004,paid,EUR,119.00,0.00,19.00,n/a,,0.00,2026-10-04 10:00:00 +0200,1,Lamp,119.00,L-1\n"
    );
    let p = parse(&ctx(), &m, &csv).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(e.reason.contains("column `Total`"), "{}", e.reason);
}

/// An order at 21:24 in Santiago (`-0300`), 00:24 UTC of the next day.
const LATE_ORDER: &str =
    "#4001,paid,CLP,10000,0,0,10000,,0,2025-10-08 21:24:39 -0300,1,Cup,10000,C-1\n";

#[test]
fn without_a_store_zone_the_business_day_is_the_date_as_written() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&ctx(), &m, &format!("{HEADER_2012}\n{LATE_ORDER}")).unwrap();
    let t = txn(&p.records[0]);
    assert_eq!(t.business_date.to_string(), "2025-10-08");
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-10-09T00:24:39+00:00");
}

#[test]
fn a_configured_store_zone_still_decides_the_business_day() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let mut c = ctx();
    c.store_tz
        .insert("online".into(), "Europe/Berlin".parse().unwrap());
    let p = parse(&c, &m, &format!("{HEADER_2012}\n{LATE_ORDER}")).unwrap();
    // 00:24 UTC is 02:24 in Berlin: the 9th there.
    assert_eq!(txn(&p.records[0]).business_date.to_string(), "2025-10-09");
}
