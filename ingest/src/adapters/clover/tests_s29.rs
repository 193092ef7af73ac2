//! Session 29: zero amounts given back carry no sign. Orders are the fixtures of
//! tests/data/real/clover edited inline (own values).

use super::tests_fixtures::{fixture, whole_of};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn order(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Every amount of the lines and tenders that is a negative zero, by where it is.
fn negative_zeros(t: &Transaction) -> Vec<String> {
    let neg0 = |x: Decimal| x.is_zero() && x.is_sign_negative();
    let mut out = Vec::new();
    for l in &t.lines {
        for (what, x) in [
            ("quantity", l.quantity),
            ("unit_price", l.unit_price),
            ("discount", l.discount),
            ("net_amount", l.net_amount),
            ("tax", l.tax),
        ] {
            if neg0(x) {
                out.push(format!("line {} {what}", l.line_no));
            }
        }
    }
    for x in &t.tenders {
        if neg0(x.amount) {
            out.push(format!("tender {} amount", x.tender_no));
        }
    }
    out
}

/// A refund without tax (an untaxed item, `taxAmount` 0 or absent), a refund of 0 and an
/// exchanged free item gave return lines and tenders of "-0.00": `-x` of a zero keeps a
/// sign in `Decimal`, and it was written out so (as Shopify's refunds were before s20).
#[test]
fn zero_amounts_given_back_are_plain_zeros() {
    let mut v = order("order_cash_change.json");
    v["refunds"] = json!({ "elements": [
        { "id": "RNOTAX1", "amount": 899, "taxAmount": 0,
          "payment": { "id": "PAYCASH000001" }, "lineItems": { "elements": [{ "id": "LISANDWICH001" }] } },
        { "id": "RNOTAX2", "amount": 100, "payment": { "id": "PAYCASH000001" } },
        { "id": "RZERO03", "amount": 0, "payment": { "id": "PAYCASH000001" } }
    ] });
    let free = json!({ "id": "LIREFILL0001", "name": "Refill", "price": 0, "exchanged": true,
        "taxRates": { "elements": [] } });
    v["lineItems"]["elements"]
        .as_array_mut()
        .unwrap()
        .push(free);
    let t = whole_of(&v.to_string());
    assert_eq!(
        t.lines
            .iter()
            .filter(|l| l.kind == LineKind::Return)
            .count(),
        4
    );
    assert_eq!(negative_zeros(&t), Vec::<String>::new());
}
