//! Tests of Shopify export shapes from the red-team pass (s15): columns older or online-only
//! exports lack (`optional`), tax-inclusive orders told by their totals, and the business
//! day of times written with an offset.

use super::*;
use pos_core::model::*;

const SHOPIFY: &str = include_str!("../../../mappings/shopify_orders_export.toml");

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn txn(r: &Result<Record, Reject>) -> &Transaction {
    match r {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    }
}

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
    let without_optional = SHOPIFY.replace("optional = [\"store_id\", \"discount\"]", "");
    let e = Mapping::from_toml(&with_top(&without_optional, "optional = [\"quantity\"]"))
        .unwrap_err();
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
