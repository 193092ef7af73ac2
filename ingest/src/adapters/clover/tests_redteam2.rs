//! Red team, second round (s26): a retailer analyst's orders (weighed items, modifications,
//! line and order discounts, tax-exempt and two-rate lines, service charge, tips, cash back,
//! cash tendered, full, partial and manual refunds, open and locked orders, declined and voided
//! payments, gift cards, exchanged lines, offline payments, CAD), checked against what
//! Clover's Sales Overview shows. Only the cases that were wrong are tests here (the others
//! were already covered). Each test failed before its fix.

use super::parse;
use super::tests_fixtures::{approved_tenders, ctx, fixture, lines_total, txn_of};
use pos_core::model::*;
use serde_json::Value;

/// `DISCOUNT` is one of the `result` values Clover publishes for a payment; it was refused as
/// unknown, and the whole order (its lines and its other payments) with it.
#[test]
fn a_payment_with_result_discount_does_not_refuse_the_order() {
    let mut v: Value = serde_json::from_str(&fixture("order_cash_change.json")).unwrap();
    v["payments"]["elements"][0]["result"] = "DISCOUNT".into();
    assert!(parse(&ctx(), &v.to_string(), None).is_ok());
    let t = txn_of(&v.to_string());
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(t.tenders[0].status, TenderStatus::Approved);
    assert_eq!(approved_tenders(&t), lines_total(&t));
}
