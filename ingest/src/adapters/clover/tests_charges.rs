//! Service charges and surcharges (fixtures `order_service_charge_split.json`,
//! `order_card_surcharge.json` and edits of them): lines and tenders reconcile, bad fields named.

use super::parse;
use super::tests_fixtures::{approved_tenders, clover_total, ctx, d, fixture, lines_total, txn_of};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn split() -> Value {
    serde_json::from_str(&fixture("order_service_charge_split.json")).unwrap()
}

fn surcharged() -> Value {
    serde_json::from_str(&fixture("order_card_surcharge.json")).unwrap()
}

fn err_field(v: &Value) -> Option<String> {
    parse(&ctx(), &v.to_string(), None).unwrap_err().field
}

fn charge_line(t: &Transaction, prefix: &str) -> Vec<(i32, String, Decimal, Decimal)> {
    t.lines
        .iter()
        .filter(|l| l.raw_item_id.starts_with(prefix))
        .map(|l| (l.line_no, l.raw_item_id.clone(), l.net_amount, l.tax))
        .collect()
}

#[test]
fn a_service_charge_is_a_sale_line_after_the_items_and_the_split_payments_pay_it() {
    let body = fixture("order_service_charge_split.json");
    let t = txn_of(&body);
    // 18 % of 29.00 (32.00 less the 3.00 comp), not taxed.
    assert_eq!(
        charge_line(&t, "service_charge:"),
        vec![(4, "service_charge:SVCLARGEPRTY1".into(), d("5.22"), d("0"))]
    );
    let sc = &t.lines[3];
    assert_eq!((sc.kind, sc.quantity), (LineKind::Sale, Decimal::ONE));
    assert_eq!(sc.description.as_deref(), Some("Large party 18%"));
    assert_eq!(lines_total(&t), clover_total(&body));
    // Card 20.00 + 3.00 tip, cash 17.00 handed over less 0.21 change.
    let tips: Vec<Decimal> = t.tenders.iter().map(|x| x.tip).collect();
    assert_eq!(tips, vec![d("3.00"), d("0"), d("0")]);
    assert_eq!(approved_tenders(&t) - d("3.00"), lines_total(&t));
}

#[test]
fn without_its_percentage_the_service_charge_is_what_the_payments_recorded() {
    let mut v = split();
    v["serviceCharge"] = json!({ "id": "SVCLARGEPRTY1" });
    let t = txn_of(&v.to_string());
    assert_eq!(charge_line(&t, "service_charge:")[0].2, d("5.22"));
    // An order fetched without the expansion: the payments' record alone.
    v.as_object_mut().unwrap().remove("serviceCharge");
    let t = txn_of(&v.to_string());
    assert_eq!(
        charge_line(&t, "service_charge:"),
        vec![(4, "service_charge:SVCLARGEPRTY1".into(), d("5.22"), d("0"))]
    );
    // The older whole-percent field, and the payments silent: computed from the order.
    let mut v = split();
    v["serviceCharge"] = json!({ "id": "SVC10", "name": "Service", "percentage": 10 });
    for p in v["payments"]["elements"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("serviceCharge");
    }
    let t = txn_of(&v.to_string());
    assert_eq!(charge_line(&t, "service_charge:")[0].2, d("2.90"));
}

#[test]
fn a_card_surcharge_is_in_the_card_tender_and_a_line_and_a_declined_one_in_neither_line() {
    let body = fixture("order_card_surcharge.json");
    let t = txn_of(&body);
    let got: Vec<(TenderStatus, Decimal)> =
        t.tenders.iter().map(|x| (x.status, x.amount)).collect();
    // 3 % of the post-tax 35.71, outside the payment's `amount`: the card was charged 36.78.
    assert_eq!(
        got,
        vec![
            (TenderStatus::Declined, d("36.78")),
            (TenderStatus::Approved, d("36.78"))
        ]
    );
    assert_eq!(
        charge_line(&t, "surcharge:"),
        vec![(3, "surcharge:CREDIT_SURCHARGE".into(), d("1.07"), d("0"))]
    );
    assert_eq!(lines_total(&t), clover_total(&body) + d("1.07"));
    assert_eq!(approved_tenders(&t), lines_total(&t));
}

#[test]
fn refund_lines_are_numbered_after_the_charges() {
    let mut v = surcharged();
    v["refunds"] = json!({ "elements": [{ "id": "RFNDCABLE0001", "amount": 1406, "taxAmount": 107,
        "payment": { "id": "PAYSURCHARGE1" }, "lineItems": { "elements": [{ "id": "LICABLEUSBC01" }] } }] });
    let t = txn_of(&v.to_string());
    let r = t.lines.last().unwrap();
    assert_eq!(
        (r.line_no, r.kind, r.original_line_no),
        (4, LineKind::Return, Some(2))
    );
    assert_eq!(approved_tenders(&t), lines_total(&t));
}

#[test]
fn bad_charges_are_named() {
    let mut v = split();
    v["serviceCharge"]["percentageDecimal"] = json!(1_800_000);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("serviceCharge.percentageDecimal")
    );
    let mut v = split();
    v["serviceCharge"] = json!({ "id": "SVCLARGEPRTY1", "percentage": 180 });
    assert_eq!(err_field(&v).as_deref(), Some("serviceCharge.percentage"));
    let mut v = split();
    v["serviceCharge"] = json!("18%");
    assert_eq!(err_field(&v).as_deref(), Some("serviceCharge"));
    // A charge of unknown amount: neither the order nor the payments give it.
    let mut v = split();
    v["serviceCharge"] = json!({ "id": "SVCLARGEPRTY1" });
    for p in v["payments"]["elements"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("serviceCharge");
    }
    assert_eq!(
        err_field(&v).as_deref(),
        Some("serviceCharge.percentageDecimal")
    );
    let mut v = split();
    v["payments"]["elements"][1]["serviceCharge"]["amount"] = json!("2.38");
    assert_eq!(
        err_field(&v).as_deref(),
        Some("payments.elements[1].serviceCharge.amount")
    );
    let mut v = surcharged();
    v["payments"]["elements"][1]["additionalCharges"]["elements"][0]["amount"] = json!(-107);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("payments.elements[1].additionalCharges.elements[0].amount")
    );
}

#[test]
fn an_order_fee_line_item_is_named_as_a_service_charge() {
    // The payments keep their `serviceCharge` record of the fee: booked once, as the line item.
    let mut v = split();
    v.as_object_mut().unwrap().remove("serviceCharge");
    v["lineItems"]["elements"].as_array_mut().unwrap().push(json!({
        "id": "LIORDERFEE001", "name": "Large party 18%", "price": 522, "isOrderFee": true,
        "percentage": 180000, "item": { "id": "OFLARGEPARTY1" },
        "taxRates": { "elements": [{ "id": "TXNOTAX000001", "name": "No Tax Applied", "rate": 0 }] } }));
    let t = txn_of(&v.to_string());
    let fees: Vec<(&str, Decimal)> = t
        .lines
        .iter()
        .filter(|l| l.raw_item_id.starts_with("service_charge:"))
        .map(|l| (l.raw_item_id.as_str(), l.tax))
        .collect();
    assert_eq!(fees, vec![("service_charge:OFLARGEPARTY1", d("0"))]);
}
