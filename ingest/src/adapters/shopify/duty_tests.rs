//! Tests of import duties and additional fees: orders and refunds reconcile with the money paid.

use super::tests::{d, real};
use super::*;

const FIXTURE: &str = "rest_order_international_duties_additional_fees_refund.json";

/// The transactions of a Shopify body (shared with `tests_redteam2`).
pub(super) fn txns(body: &str) -> Vec<Transaction> {
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    p.records
        .into_iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => *t,
            other => panic!("expected a transaction, got {other:?}"),
        })
        .collect()
}

/// Net plus tax of all lines: what the goods, their taxes and duties cost.
pub(super) fn goods(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

pub(super) fn paid(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|x| x.amount).sum()
}

#[test]
fn duties_are_tax_of_their_line_and_order_and_refund_reconcile() {
    let t = txns(&real(FIXTURE));
    let (order, refund) = (&t[0], &t[1]);
    let taxes: Vec<_> = order.lines.iter().map(|l| (l.net_amount, l.tax)).collect();
    assert_eq!(
        taxes,
        vec![(d("120.00"), d("27.60")), (d("54.00"), d("7.02"))],
        "GST plus the line's duty; net sales unchanged"
    );
    let (shipping, fees) = (d("15.00"), d("5.00"));
    assert_eq!(goods(order) + shipping + fees, d("228.62"), "total_price");
    assert_eq!(paid(order), d("228.62"));
    let back: Vec<_> = refund.lines.iter().map(|l| (l.net_amount, l.tax)).collect();
    assert_eq!(back, vec![(d("-120.00"), d("-27.60"))], "GST and duty back");
    assert_eq!(goods(refund), paid(refund), "the refund's transactions");
}

#[test]
fn a_refund_alone_gives_back_the_duty_of_its_nested_line() {
    let v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    let nested = &txns(&real(FIXTURE))[1];
    let alone = &txns(&v["refunds"][0].to_string())[0];
    assert_eq!(alone.lines[0].tax, nested.lines[0].tax);
    assert_eq!(goods(alone), paid(alone));
}

#[test]
fn duties_and_refunded_fees_do_not_hide_tax_included_prices() {
    // A shop with VAT inside its prices: 120.00 holds 20.00 VAT; the customer gets back the
    // goods, the 21.60 duty and a 5.00 fee: 146.60, not subtotal plus tax plus duty.
    let refund = r#"{"id": 9, "order_id": 8, "created_at": "2025-02-11T09:14:02+01:00",
        "duties": [{"duty_id": 31, "amount_set": {"shop_money": {"amount": "21.60", "currency_code": "EUR"}}}],
        "additional_fees": [{"amount_set": {"shop_money": {"amount": "5.00", "currency_code": "EUR"}}}],
        "refund_line_items": [{"line_item_id": 5, "quantity": 1, "subtotal": "120.00", "total_tax": "20.00",
            "line_item": {"id": 5, "sku": "JKT", "quantity": 1, "price": "120.00",
                "duties": [{"id": "31", "price_set": {"shop_money": {"amount": "21.60", "currency_code": "EUR"}}}]}}],
        "transactions": [{"kind": "refund", "status": "success", "amount": "146.60", "currency": "EUR"}]}"#;
    let t = &txns(refund)[0];
    let l = &t.lines[0];
    assert_eq!((l.net_amount, l.tax), (d("-100.00"), d("-41.60")));
    assert_eq!(goods(t) - d("5.00"), paid(t), "the fee is money, not goods");
}

#[test]
fn order_duties_without_line_duties_are_spread_and_edits_shrink_them() {
    let mut v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    for li in v["line_items"].as_array_mut().unwrap() {
        li.as_object_mut().unwrap().remove("duties");
    }
    v.as_object_mut().unwrap().remove("refunds");
    let order = &txns(&v.to_string())[0];
    let tax: Vec<_> = order.lines.iter().map(|l| l.tax).collect();
    assert_eq!(tax, vec![d("23.28"), d("11.34")], "25.92 by gross 120 : 60");

    let mut v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    v["line_items"][1]["current_quantity"] = 1.into();
    let order = &txns(&v.to_string())[0];
    assert_eq!(order.lines[1].quantity, d("1"), "an edit removed a cap");
    assert_eq!(
        order.lines[1].tax,
        d("1.35") + d("2.16"),
        "half the GST, half the duty"
    );
}

#[test]
fn a_duty_without_an_amount_names_the_field() {
    let mut v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    v["line_items"][1]["duties"][0]
        .as_object_mut()
        .unwrap()
        .remove("price_set");
    let e = parse(&Context::for_tenant("t"), &v.to_string(), None, None).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("line_items[1].duties[0].price_set")
    );
}

/// The fixture with a tax charged on the first line's duty (e.g. import VAT on the duty), as
/// the Duty resource's own `tax_lines` carry it; `total_tax` and `total_price` include it.
fn with_duty_tax() -> Value {
    let mut v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    v["line_items"][0]["duties"][0]["tax_lines"] = serde_json::json!([{
        "title": "GST", "price": "1.08", "rate": 0.05, "channel_liable": false,
        "price_set": {"shop_money": {"amount": "1.08", "currency_code": "USD"},
                      "presentment_money": {"amount": "1.47", "currency_code": "CAD"}}}]);
    v["total_tax"] = "9.78".into();
    v["total_price"] = "229.70".into();
    v.as_object_mut().unwrap().remove("refunds");
    v
}

#[test]
fn a_duty_s_own_taxes_are_tax_of_its_line() {
    let order = &txns(&with_duty_tax().to_string())[0];
    let taxes: Vec<_> = order.lines.iter().map(|l| l.tax).collect();
    assert_eq!(
        taxes,
        vec![d("27.60") + d("1.08"), d("7.02")],
        "GST, the duty and the GST on the duty"
    );
    assert_eq!(goods(order) + d("15.00") + d("5.00"), d("229.70"));
}

#[test]
fn order_level_tax_does_not_count_a_duty_s_taxes_twice() {
    // Tax on the order only (no line tax_lines): total_tax holds the goods' GST and the GST
    // on the duty; the latter goes with its duty, the rest is spread.
    let mut v = with_duty_tax();
    for li in v["line_items"].as_array_mut().unwrap() {
        li["tax_lines"] = serde_json::json!([]);
    }
    let order = &txns(&v.to_string())[0];
    let tax: Decimal = order.lines.iter().map(|l| l.tax).sum();
    assert_eq!(
        tax,
        d("9.78") + d("25.92"),
        "total_tax plus the duties, once"
    );
    assert_eq!(goods(order) + d("15.00") + d("5.00"), d("229.70"));
}

#[test]
fn a_duty_tax_without_a_price_names_the_field() {
    let mut v = with_duty_tax();
    v["line_items"][0]["duties"][0]["tax_lines"][0] = serde_json::json!({"title": "GST"});
    let e = parse(&Context::for_tenant("t"), &v.to_string(), None, None).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("line_items[0].duties[0].tax_lines[0].price")
    );
}

#[test]
fn refunded_duties_wrapped_as_in_the_rest_reference_are_read_as_the_plain_list() {
    // The REST Refund reference's example nests the list: `"duties": {"duties": [...]}`.
    let v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    let mut wrapped = v["refunds"][0].clone();
    let list = wrapped["duties"].take();
    assert!(list.as_array().is_some_and(|l| !l.is_empty()), "{list}");
    wrapped["duties"] = serde_json::json!({ "duties": list });
    let plain = &txns(&v["refunds"][0].to_string())[0];
    let read = &txns(&wrapped.to_string())[0];
    assert_eq!(read.lines, plain.lines, "the duty is given back either way");
    assert_eq!(goods(read), paid(read));
}

#[test]
fn a_duties_object_without_its_list_names_the_field() {
    let v: Value = serde_json::from_str(&real(FIXTURE)).unwrap();
    let mut r = v["refunds"][0].clone();
    r["duties"] = serde_json::json!({"refund_type": "FULL"});
    let e = parse(&Context::for_tenant("t"), &r.to_string(), None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("duties.duties"));
}
