//! Orders paid without line items (Clover "manual transactions": an amount keyed in the Sale
//! app or charged from the Virtual Terminal): their goods are one unitemized line. Orders
//! hand-made in the shape of the REST `Order` with expanded `payments` (`amount`, `taxAmount`,
//! `tipAmount`), own values.

use super::tests_fixtures::MERCHANT;
use super::tests_fixtures::{approved_tenders, clover_total, d, lines_total, txn_of};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A manual transaction of 10.90 (0.90 tax) paid by card with a 2.00 tip, no `lineItems`;
/// `edit` changes it before it is mapped.
fn manual_order(edit: impl FnOnce(&mut Value)) -> String {
    let mut o = json!({
        "id": "MANUALORDER01", "currency": "USD", "total": 1090, "manualTransaction": true,
        "paymentState": "PAID", "state": "locked", "merchant": { "id": MERCHANT },
        "createdTime": 1_772_722_800_000_i64, "modifiedTime": 1_772_722_805_000_i64,
        "payments": { "elements": [{ "id": "MANUALPAY0001", "amount": 1090, "taxAmount": 90,
            "tipAmount": 200, "result": "SUCCESS", "createdTime": 1_772_722_804_000_i64,
            "tender": { "id": "TENDERCARD01", "labelKey": "com.clover.tender.credit_card" },
            "cardTransaction": { "first6": "411111", "entryType": "KEYED" } }] }
    });
    edit(&mut o);
    o.to_string()
}

fn unitemized(t: &Transaction) -> Vec<(i32, LineKind, Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .filter(|l| l.raw_item_id == "unitemized")
        .map(|l| (l.line_no, l.kind, l.quantity, l.net_amount, l.tax))
        .collect()
}

/// Before: a completed transaction with its 12.90 tender and no line, in no net sales and no
/// transaction count.
#[test]
fn a_manual_transaction_books_its_goods_as_one_unitemized_line() {
    let body = manual_order(|_| {});
    let t = txn_of(&body);
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(
        unitemized(&t),
        [(1, LineKind::Sale, d("1"), d("10.00"), d("0.90"))]
    );
    assert!(!t.lines[0].non_revenue);
    assert_eq!(lines_total(&t), clover_total(&body));
    // Tenders = net + tax + tips.
    assert_eq!(t.tenders[0].tip, d("2.00"));
    assert_eq!(approved_tenders(&t) - d("2.00"), lines_total(&t));
}

/// The payments' `serviceCharge.amount` is inside their `amount` and is a line of its own; an
/// additional charge (a card surcharge) is outside it: neither is goods.
#[test]
fn a_manual_transaction_keeps_service_charge_and_surcharge_apart_from_the_goods() {
    let body = manual_order(|o| {
        o["total"] = json!(1240);
        let p = &mut o["payments"]["elements"][0];
        p["amount"] = json!(1240);
        p["serviceCharge"] = json!({ "id": "SVCDELIVERY1", "name": "Delivery", "amount": 150 });
        p["additionalCharges"] = json!({ "elements": [{ "id": "ADDCHG000001", "amount": 37,
            "type": "CREDIT_SURCHARGE" }] });
    });
    let t = txn_of(&body);
    let raw: Vec<&str> = t.lines.iter().map(|l| l.raw_item_id.as_str()).collect();
    assert_eq!(
        raw,
        [
            "service_charge:SVCDELIVERY1",
            "surcharge:CREDIT_SURCHARGE",
            "unitemized"
        ]
    );
    assert_eq!(
        unitemized(&t),
        [(3, LineKind::Sale, d("1"), d("10.00"), d("0.90"))]
    );
    assert_eq!(approved_tenders(&t) - d("2.00"), lines_total(&t));
}

/// A refund of a manual transaction is its return line (`refund`, as for any refund naming no
/// line item): the unitemized sale stays, and the two cancel. The order's `total`, which
/// Clover lowers by the refund, is not what was sold.
#[test]
fn a_refunded_manual_transaction_keeps_its_sale_and_the_refund_returns_it() {
    let body = manual_order(|o| {
        o["total"] = json!(0);
        o["paymentState"] = json!("REFUNDED");
        o["refunds"] = json!({ "elements": [{ "id": "MANUALREFUND1", "amount": 1090,
            "taxAmount": 90, "payment": { "id": "MANUALPAY0001" },
            "createdTime": 1_772_722_900_000_i64 }] });
    });
    // Refunded the same day: the refund stays in the order.
    let t = txn_of(&body);
    assert_eq!(
        unitemized(&t),
        [(1, LineKind::Sale, d("1"), d("10.00"), d("0.90"))]
    );
    let back: Vec<_> = t
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Return)
        .map(|l| (l.raw_item_id.as_str(), l.net_amount, l.tax))
        .collect();
    assert_eq!(back, [("refund", d("-10.00"), d("-0.90"))]);
    assert_eq!(lines_total(&t), d("0"));
}

/// Nothing sold: an open order never paid, payments all voided, a test order, a payment of 0,
/// money given back as a negative manual transaction, or payments not expanded (what was paid
/// is unknown): no unitemized line.
#[test]
fn unpaid_voided_test_zero_and_negative_manual_transactions_get_no_unitemized_line() {
    let pay = |o: &mut Value, key: &str, v: Value| o["payments"]["elements"][0][key] = v;
    let cases: Vec<(&str, String)> = vec![
        (
            "open",
            manual_order(|o| {
                o["paymentState"] = json!("OPEN");
                o["payments"] = json!({ "elements": [] });
            }),
        ),
        (
            "voided",
            manual_order(|o| pay(o, "result", json!("VOIDED"))),
        ),
        ("test mode", manual_order(|o| o["testMode"] = json!(true))),
        (
            "zero",
            manual_order(|o| {
                pay(o, "amount", json!(0));
                pay(o, "taxAmount", json!(0));
            }),
        ),
        (
            "negative",
            manual_order(|o| {
                pay(o, "amount", json!(-1090));
                pay(o, "taxAmount", json!(-90));
                pay(o, "tipAmount", json!(0));
            }),
        ),
        (
            "payments not expanded",
            manual_order(|o| {
                o.as_object_mut().unwrap().remove("payments");
            }),
        ),
    ];
    for (what, body) in cases {
        let t = txn_of(&body);
        assert_eq!(unitemized(&t), [], "{what}");
    }
}
