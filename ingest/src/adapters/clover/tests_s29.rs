//! Session 29: zero amounts given back carry no sign, and a refund's `serviceChargeAmount`
//! gives back the service charge, not goods. Orders are the fixtures of
//! tests/data/real/clover edited inline (own values).

use super::parse;
use super::tests_fixtures::{ctx, d, fixture, whole_of};
use crate::adapters::testkit::negative_zeros;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn order(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
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

fn service_charge_refund(sc: Value) -> Value {
    let mut v = order("order_service_charge_split.json");
    v["refunds"] = json!({ "elements": [{ "id": "RSVCPIZZA001", "amount": 2000, "taxAmount": 126,
        "payment": { "id": "PAYSPLITCARD1" }, "serviceChargeAmount": sc,
        "lineItems": { "elements": [{ "id": "LIPIZZAMARG01" }] } }] });
    v
}

/// A refund's `serviceChargeAmount` (REST `Refund.serviceChargeAmount`, a
/// `ServiceChargeAmount` as on the payment: `id`, `name`, `amount`) is the part of the refund
/// that gave the service charge back. The refund's `amount` is "total amount refunded,
/// including tax and tip", as a payment's `amount` holds its `serviceCharge.amount`, so the
/// goods are `amount − taxAmount − tipAmount − serviceChargeAmount.amount`. Read as goods,
/// the 2.84 of charge given back went onto the pizza's return (−16.58 instead of −13.74) and
/// the service charge stayed sold in full.
#[test]
fn a_refunds_service_charge_amount_returns_the_service_charge_not_goods() {
    let v = service_charge_refund(json!({ "id": "SVCLARGEPRTY1", "name": "Large party 18%",
        "amount": 284 }));
    let t = whole_of(&v.to_string());
    let charge_no = t
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Sale && l.raw_item_id == "service_charge:SVCLARGEPRTY1")
        .map(|l| l.line_no)
        .unwrap();
    let back: Vec<_> = t
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Return)
        .map(|l| {
            (
                l.raw_item_id.as_str(),
                l.quantity,
                l.net_amount,
                l.tax,
                l.original_line_no,
            )
        })
        .collect();
    assert_eq!(
        back,
        [
            ("ITEMPIZZAMRG1", d("-1"), d("-15.90"), d("-1.26"), Some(1)),
            (
                "service_charge:SVCLARGEPRTY1",
                d("-1"),
                d("-2.84"),
                d("0"),
                Some(charge_no)
            ),
        ]
    );
    let returned: Decimal = t
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Return)
        .map(|l| l.net_amount + l.tax)
        .sum();
    assert_eq!(returned, d("-20.00"), "the refund's amount, no tip in it");
}

/// A service charge given back on an order whose charge is not among its lines (the order's
/// `serviceCharge` gone and no payment recording one) is still no goods: a return line of its
/// own, named by the charge's id.
#[test]
fn a_service_charge_given_back_without_its_sale_line_is_a_line_of_its_own() {
    let mut v = service_charge_refund(json!({ "id": "SVCLARGEPRTY1", "amount": 284 }));
    v.as_object_mut().unwrap().remove("serviceCharge");
    for p in v["payments"]["elements"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("serviceCharge");
    }
    let t = whole_of(&v.to_string());
    let back: Vec<_> = t
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Return)
        .map(|l| (l.raw_item_id.as_str(), l.net_amount, l.original_line_no))
        .collect();
    assert_eq!(
        back,
        [
            ("ITEMPIZZAMRG1", d("-15.90"), Some(1)),
            ("service_charge:SVCLARGEPRTY1", d("-2.84"), None)
        ]
    );
}

/// More given back as service charge than the refund holds beside its tax and tip, or a
/// negative one, is refused naming it.
#[test]
fn a_bad_service_charge_amount_of_a_refund_is_refused_naming_it() {
    for sc in [json!({ "amount": 1900 }), json!({ "amount": -5 })] {
        let v = service_charge_refund(sc);
        let e = parse(&ctx(), &v.to_string(), None).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("refunds.elements[0].serviceChargeAmount.amount"),
            "{}",
            e.message
        );
    }
}
