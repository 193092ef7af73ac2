//! Tests of store names mapped to ids, order-level discounts spread over lines and
//! description extras, on the real Square and Shopify exports with their ready mappings.

use super::tests::{d, txn};
use super::*;
use pos_core::model::*;

const SQUARE: &str = include_str!("../../../mappings/square_item_sales.toml");
const SHOPIFY: &str = include_str!("../../../mappings/shopify_orders_export.toml");

fn real(name: &str) -> String {
    let p = format!("{}/tests/data/real/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn square_ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_currency = "USD".into();
    c
}

/// (discount, net) of each line.
fn discounts_and_nets(t: &Transaction) -> Vec<(Decimal, Decimal)> {
    t.lines.iter().map(|l| (l.discount, l.net_amount)).collect()
}

/// A top-level key placed before `[columns]`, where TOML wants it.
fn with_top(mapping: &str, keys: &str) -> String {
    mapping.replacen("[columns]", &format!("{keys}\n[columns]"), 1)
}

#[test]
fn store_names_become_configured_ids_and_unlisted_names_stay() {
    let m = Mapping::from_toml(&format!("{SQUARE}\n[stores]\n\"main  st\" = \"S01\"\n")).unwrap();
    let p = parse(
        &square_ctx(),
        &m,
        &real("square/items-2026-07-18-2026-07-20.csv"),
    )
    .unwrap();
    // Case and spacing of the name do not matter; the refund lands in the same store.
    assert_eq!(txn(&p.records[0]).key.store_id, "S01");
    assert_eq!(txn(&p.records[1]).key.store_id, "S01");
    assert_eq!(txn(&p.records[3]).key.store_id, "S01");
    assert_eq!(txn(&p.records[2]).key.store_id, "Pier 39");
}

#[test]
fn unlisted_store_names_are_rejected_when_the_mapping_says_so() {
    let text = with_top(SQUARE, "reject_unknown_stores = true");
    let m = Mapping::from_toml(&format!("{text}\n[stores]\n\"Main St\" = \"S01\"\n")).unwrap();
    let p = parse(
        &square_ctx(),
        &m,
        &real("square/items-2026-07-18-2026-07-20.csv"),
    )
    .unwrap();
    assert_eq!(txn(&p.records[0]).key.store_id, "S01");
    let e = p.records[2].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `Location`") && e.reason.contains("`Pier 39`"),
        "{}",
        e.reason
    );
    // Without a store column there is nothing to check against the table.
    let no_column = SQUARE.replace("store_id = \"Location\"", "");
    let e = Mapping::from_toml(&with_top(
        &no_column,
        "store_id = \"S01\"\nreject_unknown_stores = true",
    ))
    .unwrap_err();
    assert!(e.contains("columns.store_id"), "{e}");
}

#[test]
fn shopify_pos_location_is_mapped_on_rows_without_it() {
    let m = Mapping::from_toml(&format!(
        "{SHOPIFY}\n[stores]\n\"Main Street Store\" = \"S01\"\n"
    ))
    .unwrap();
    let p = parse(&square_ctx(), &m, &real("shopify/orders_export_1.csv")).unwrap();
    let t = txn(&p.records[2]);
    assert_eq!((t.key.store_id.as_str(), t.lines.len()), ("S01", 2));
    // Web orders have no location: the mapping's store_id, not looked up.
    assert_eq!(txn(&p.records[0]).key.store_id, "online");
}

/// Shopify columns the ready mapping reads, an order-level code on the first row only.
const ORDERS: &str = "Name,Financial Status,Currency,Discount Amount,Created at,\
Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Location,Lineitem discount,\
Taxes,Lineitem tax\n\
#1005,paid,USD,5.00,2026-10-08 10:00:00 -0400,2,Mug,10.00,MUG-1,,0.00,1.36,\n\
#1005,,,,,1,Print,7.00,PRN-1,,0.00,,\n\
#1006,paid,USD,4.00,2026-10-08 11:00:00 -0400,1,Mug,10.00,MUG-1,,1.00,0.60,0.40\n\
#1006,,,,,3,Sticker,1.00,STK-01,,0.00,,\n\
#1007,paid,USD,ten,2026-10-08 12:00:00 -0400,1,Mug,10.00,MUG-1,,0.00,,\n";

#[test]
fn order_discount_is_spread_over_the_lines_by_gross() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&square_ctx(), &m, ORDERS).unwrap();
    // 5.00 over 20.00 and 7.00: 3.70 (5 × 20/27 = 3.7037) and the rest 1.30.
    let t = txn(&p.records[0]);
    assert_eq!(
        discounts_and_nets(t),
        vec![(d("3.70"), d("16.30")), (d("1.30"), d("5.70"))]
    );
    // 4.00 of which 1.00 is on the mug already: 3.00 over the gross 10.00 and 3.00 → 2.31
    // (3 × 10/13 = 2.3077) and the rest 0.69; the nets add up to 13.00 − 4.00.
    let t = txn(&p.records[1]);
    assert_eq!(
        discounts_and_nets(t),
        vec![(d("3.31"), d("6.69")), (d("0.69"), d("2.31"))]
    );
    assert_eq!(
        t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
        d("9.00")
    );
    let e = p.records[2].as_ref().unwrap_err();
    assert!(
        e.reason.contains("#1007") && e.reason.contains("column `Discount Amount`"),
        "{}",
        e.reason
    );
}

#[test]
fn an_order_discount_already_on_the_lines_is_not_taken_twice() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&square_ctx(), &m, &real("shopify/orders_export_1.csv")).unwrap();
    // #1001: Discount Amount 3.00 = the mug's Lineitem discount; Subtotal 45.00 is paid.
    let t = txn(&p.records[0]);
    assert_eq!(
        discounts_and_nets(t),
        vec![(d("3.00"), d("33.00")), (d("0.00"), d("12.00"))]
    );
}

/// (tax, net) of each line.
fn taxes_and_nets(t: &Transaction) -> Vec<(Decimal, Decimal)> {
    t.lines.iter().map(|l| (l.tax, l.net_amount)).collect()
}

#[test]
fn order_tax_is_spread_over_the_lines_by_net() {
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&square_ctx(), &m, ORDERS).unwrap();
    // 1.36 over the nets after discounts 16.30 and 5.70: 1.01 (1.36 × 16.30/22 = 1.0076)
    // and the rest 0.35; the nets stay (Shopify prices exclude tax here).
    assert_eq!(
        taxes_and_nets(txn(&p.records[0])),
        vec![(d("1.01"), d("16.30")), (d("0.35"), d("5.70"))]
    );
    // The real export's #1003: 2.31 over 20.00 and 6.00 → 1.78 and 0.53.
    let p = parse(&square_ctx(), &m, &real("shopify/orders_export_1.csv")).unwrap();
    assert_eq!(
        taxes_and_nets(txn(&p.records[2])),
        vec![(d("1.78"), d("20.00")), (d("0.53"), d("6.00"))]
    );
    // Tax-inclusive prices: the share leaves the net.
    let incl = Mapping::from_toml(&with_top(SHOPIFY, "prices_include_tax = true")).unwrap();
    let p = parse(&square_ctx(), &incl, ORDERS).unwrap();
    assert_eq!(
        taxes_and_nets(txn(&p.records[0])),
        vec![(d("1.01"), d("15.29")), (d("0.35"), d("5.35"))]
    );
}

#[test]
fn an_order_tax_already_on_the_lines_is_not_taken_twice() {
    let m = Mapping::from_toml(&SHOPIFY.replace(
        "order_tax = \"Taxes\"",
        "order_tax = \"Taxes\"\ntax = \"Lineitem tax\"",
    ))
    .unwrap();
    let p = parse(&square_ctx(), &m, ORDERS).unwrap();
    // #1006: Taxes 0.60, of which 0.40 is on the mug: 0.20 over the nets 6.69 and 2.31.
    let t = txn(&p.records[1]);
    assert_eq!(
        taxes_and_nets(t),
        vec![(d("0.55"), d("6.69")), (d("0.05"), d("2.31"))]
    );
    // A tax with no sale line to carry it rejects the order, naming the column.
    let body = ORDERS.replace(",1.36,", ",1.36,5.00");
    let p = parse(&square_ctx(), &m, &body).unwrap();
    assert!(p.records[0].is_ok(), "{:?}", p.records[0]);
    let body = ORDERS
        .replace(
            "2,Mug,10.00,MUG-1,,0.00,1.36,",
            "-2,Mug,10.00,MUG-1,,0.00,1.36,",
        )
        .replace("1,Print,7.00,PRN-1", "-1,Print,7.00,PRN-1")
        .replace("paid,USD,5.00,", "paid,USD,0.00,");
    let p = parse(&square_ctx(), &m, &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `Taxes`") && e.reason.contains("no sale line"),
        "{}",
        e.reason
    );
}

#[test]
fn square_modifiers_join_the_description() {
    let m = Mapping::from_toml(SQUARE).unwrap();
    let p = parse(
        &square_ctx(),
        &m,
        &real("square/items-2026-07-18-2026-07-20.csv"),
    )
    .unwrap();
    let t = txn(&p.records[0]);
    assert_eq!(
        t.lines
            .iter()
            .map(|l| l.description.as_deref())
            .collect::<Vec<_>>(),
        vec![
            Some("Matcha Latte (12oz, Whole Milk, Cold Foam)"),
            Some("sticker")
        ]
    );
    // A mapping naming an extra column the file lacks is refused with the column's name.
    let m = Mapping::from_toml(&SQUARE.replace("\"Modifiers Applied\"", "\"Modifiers\"")).unwrap();
    let e = parse(
        &square_ctx(),
        &m,
        &real("square/items-2026-07-18-2026-07-20.csv"),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("Modifiers"));
}
