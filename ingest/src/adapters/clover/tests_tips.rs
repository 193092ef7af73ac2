//! A tender's tip: a payment's `tipAmount`, a refund's `−tipAmount`; cash back and change are
//! no tip. Edits of the fixtures (own values).

use super::tests_fixtures::{
    approved_tenders, approved_tips, d, fixture, lines_total, txn_of, whole_of,
};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn order(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn tips(t: &Transaction) -> Vec<(TenderMethod, Decimal, Decimal)> {
    t.tenders
        .iter()
        .map(|x| (x.method, x.amount, x.tip))
        .collect()
}

#[test]
fn an_untipped_order_has_no_tip_on_any_tender() {
    for name in ["order_cash_change.json", "order_voided_payment.json"] {
        let t = txn_of(&fixture(name));
        assert!(t.tenders.iter().all(|x| x.tip.is_zero()), "{name}");
    }
}

/// A tipped debit card with cash back: the card is charged amount + tip + cash back, its tip
/// is the `tipAmount` alone; the cash back paid out is a cash tender without a tip.
#[test]
fn a_tip_beside_cash_back_is_the_tip_alone() {
    let mut v = order("order_split_cash_debit_cashback.json");
    v["payments"]["elements"][1]["tipAmount"] = json!(150);
    let t = txn_of(&v.to_string());
    assert_eq!(
        tips(&t),
        vec![
            (TenderMethod::Cash, d("10.00"), d("0")),
            (TenderMethod::Card, d("39.30"), d("1.50")),
            (TenderMethod::Cash, d("-20.00"), d("0")),
        ]
    );
    assert_eq!(approved_tips(&t), d("1.50"));
    // Tenders less tips are the lines again.
    assert_eq!(approved_tenders(&t) - approved_tips(&t), lines_total(&t));
}

/// A cash payment with a tip and more cash handed over than charged: the tip is in the cash
/// tender, the change is a negative cash tender without one.
#[test]
fn a_tipped_cash_payment_keeps_the_tip_off_the_change() {
    let mut v = order("order_cash_change.json");
    v["payments"]["elements"][0]["tipAmount"] = json!(100);
    let t = txn_of(&v.to_string());
    assert_eq!(
        tips(&t),
        vec![
            (TenderMethod::Cash, d("20.00"), d("1.00")),
            (TenderMethod::Cash, d("-7.11"), d("0")),
        ]
    );
    assert_eq!(approved_tenders(&t) - approved_tips(&t), lines_total(&t));
}

/// A refund giving back a tip: its tender is `−amount` with the tip `−tipAmount` inside it.
#[test]
fn a_refunded_tip_is_a_negative_tip_on_the_refund_tender() {
    let mut v = order("order_partial_refund.json");
    v["payments"]["elements"][0]["tipAmount"] = json!(300);
    v["refunds"]["elements"][0]["amount"] = json!(2420);
    v["refunds"]["elements"][0]["tipAmount"] = json!(300);
    let t = whole_of(&v.to_string());
    let refund = &t.tenders[1];
    assert_eq!((refund.amount, refund.tip), (d("-24.20"), d("-3.00")));
    assert_eq!(t.tenders[0].tip, d("3.00"));
    // The goods given back are unchanged (21.20 with tax); the tips cancel out.
    assert_eq!(approved_tips(&t), d("0"));
    assert_eq!(approved_tenders(&t) - approved_tips(&t), lines_total(&t));
}

/// A negative payment (a manual transaction's) with a tip: the tip cannot be part of the amount,
/// so the money stays in the tender as before and the tip is not split out (tip 0); the order
/// is not refused over it.
#[test]
fn a_tip_on_a_negative_payment_stays_in_its_amount_unsplit() {
    let mut v = order("order_cash_change.json");
    v["manualTransaction"] = json!(true);
    v["lineItems"]["elements"] = json!([{ "id": "L1", "name": "Return", "price": -1000 }]);
    let p = &mut v["payments"]["elements"][0];
    p["amount"] = json!(-1000);
    p["taxAmount"] = json!(0);
    p.as_object_mut().unwrap().remove("cashTendered");
    p["tipAmount"] = json!(0);
    assert_eq!(lines_total(&txn_of(&v.to_string())), d("-10.00"));
    v["payments"]["elements"][0]["tipAmount"] = json!(100);
    let t = txn_of(&v.to_string());
    assert_eq!(tips(&t), vec![(TenderMethod::Cash, d("-9.00"), d("0"))]);
}

/// A tip adjusted upward after the sale: the newer version carries the new tip.
#[test]
fn an_adjusted_tip_is_the_tenders_new_tip() {
    let mut v = order("order_card_tax_discounts.json");
    v["payments"]["elements"][0]["tipAmount"] = json!(900);
    let t = txn_of(&v.to_string());
    assert_eq!(t.tenders[0].tip, d("9.00"));
    assert_eq!(approved_tenders(&t) - approved_tips(&t), lines_total(&t));
}
