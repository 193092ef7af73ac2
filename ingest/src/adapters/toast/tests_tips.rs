//! A tender's tip: a payment's `tipAmount` (Toast's `amount` is "excluding tips", the tender
//! is both), a refund's `−tipRefundAmount` (its `refundAmount` is "excluding the tip"). The
//! fixtures (tests/data/real/toast, PROVENANCE.md) and hand-made checks, own values.

use super::testkit::{ctx, dec, fixture, rejects, txn_by_id as txn, txns, RESTAURANT_GUID};
use super::*;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::json;

const SPLIT_1: &str = "c11d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const SPLIT_2: &str = "c22e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";

fn parsed(v: &Value) -> Parsed {
    let mut c = ctx();
    c.store_currency.insert("bistro".into(), "USD".into());
    parse(&c, &v.to_string()).unwrap()
}

/// (amount, tip) of each tender.
fn tips(t: &Transaction) -> Vec<(Decimal, Decimal)> {
    t.tenders.iter().map(|x| (x.amount, x.tip)).collect()
}

/// A page of one closed check selling one 10.00 item, paid by `payment`.
fn check_paid_by(payment: Value) -> Value {
    json!({"restaurantGuid": RESTAURANT_GUID, "orders": [{
        "guid": "o-1", "businessDate": 20261009,
        "openedDate": "2026-10-09T23:00:00.000+0000",
        "modifiedDate": "2026-10-09T23:30:00.000+0000",
        "checks": [{
            "guid": "c-1", "paymentStatus": "CLOSED",
            "paidDate": "2026-10-09T23:20:00.000+0000",
            "selections": [{"guid": "s-1", "item": {"guid": "item-s-1"}, "displayName": "Salmon",
                "price": 10.0, "preDiscountPrice": 10.0, "quantity": 1, "tax": 0}],
            "payments": [payment],
        }],
    }]})
}

fn card(amount: f64, tip: f64) -> Value {
    json!({"guid": "p-1", "type": "CREDIT", "amount": amount, "tipAmount": tip,
           "paymentStatus": "CAPTURED"})
}

#[test]
fn the_fixtures_tips_are_their_payments_tip_amounts() {
    let p = parsed(&fixture("orders_bulk_business_day.json"));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    // Cash 20.00; the chip card 24.75 + 6.00 tip; its refund of 13.07 gave back no tip.
    let a = txn(&p, SPLIT_1).unwrap();
    assert_eq!(
        tips(a),
        vec![
            (dec("20.00"), dec("0")),
            (dec("30.75"), dec("6.00")),
            (dec("-13.07"), dec("0")),
        ]
    );
    // The voided attempt is no tender; the tap is 26.13 + 4.00 tip.
    let b = txn(&p, SPLIT_2).unwrap();
    assert_eq!(tips(b), vec![(dec("30.13"), dec("4.00"))]);
}

/// `tipAmount` 0, absent or null is no tip (the docs' fixture with `tipAmount` 0: see
/// `tests_redteam::docs_get_order_is_one_completed_card_sale_that_balances`).
#[test]
fn an_untipped_payment_has_no_tip() {
    let p = parsed(&check_paid_by(card(10.0, 0.0)));
    assert_eq!(tips(txns(&p)[0]), vec![(dec("10.00"), dec("0"))]);
    // `tipAmount` absent or null is no tip either.
    let mut bare = card(10.0, 0.0);
    bare["tipAmount"] = Value::Null;
    let p = parsed(&check_paid_by(bare.clone()));
    assert_eq!(tips(txns(&p)[0]), vec![(dec("10.00"), dec("0"))]);
    bare.as_object_mut().unwrap().remove("tipAmount");
    let p = parsed(&check_paid_by(bare));
    assert_eq!(tips(txns(&p)[0]), vec![(dec("10.00"), dec("0"))]);
}

#[test]
fn a_tipped_payment_carries_its_tip_and_less_tips_the_tenders_are_the_lines() {
    let p = parsed(&check_paid_by(card(10.0, 2.5)));
    let t = txns(&p)[0];
    assert_eq!(tips(t), vec![(dec("12.50"), dec("2.50"))]);
    let lines: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    let tendered: Decimal = t.tenders.iter().map(|x| x.amount - x.tip).sum();
    assert_eq!(tendered, lines);
}

/// A refund of goods and tip: one negative tender of both, its tip the `−tipRefundAmount`.
#[test]
fn a_refunded_tip_is_a_negative_tip_on_the_refund_tender() {
    let mut v = fixture("orders_bulk_business_day.json");
    v["orders"][0]["checks"][0]["payments"][1]["refund"]["tipRefundAmount"] = 2.0.into();
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let a = txn(&p, SPLIT_1).unwrap();
    assert_eq!(tips(a)[2], (dec("-15.07"), dec("-2.00")));
    // A refund of the tip alone is all tip.
    let mut paid = card(10.0, 2.0);
    paid["refund"] = json!({"refundAmount": 0, "tipRefundAmount": 2.0});
    let p = parsed(&check_paid_by(paid));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    assert_eq!(
        tips(txns(&p)[0]),
        vec![(dec("12.00"), dec("2.00")), (dec("-2.00"), dec("-2.00"))]
    );
}

/// A negative tip, or a tip on a negative payment, is not part of the tender: the check is
/// rejected naming the tip and its amount, not written with a tip the wrong way round.
#[test]
fn a_tip_outside_its_amount_is_rejected_with_the_reason() {
    for (amount, tip, said) in [
        (10.0, -1.5, "tip -1.5 is not part of its amount 8.5"),
        (-10.0, 2.5, "tip 2.5 is not part of its amount -7.5"),
    ] {
        let p = parsed(&check_paid_by(card(amount, tip)));
        let r = rejects(&p);
        assert_eq!(r.len(), 1, "{amount} {tip}: {r:?}");
        assert!(r[0].reason.contains(said), "{}", r[0].reason);
        assert!(txns(&p).is_empty());
    }
}
