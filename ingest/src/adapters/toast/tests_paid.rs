//! A check paid on another business day than its order's: its sales stay on the order's day,
//! the money moves to the day it was taken (`<check>/paid`), from edits of the ordersBulk
//! fixture (every payment there is applied on the order's day, 20261009).

use super::testkit::{ctx, day, dec, fixture, parsed_clean as parsed, rejects, txn_by_id as txn};
use super::*;
use crate::envelope::Retraction;
use chrono::{DateTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;

/// The fixture's first check: cash 20.00, card 24.75 + 6.00 tip, 13.07 refunded on the card
/// on the check's day.
const TAB: &str = "c11d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
/// Its second: a voided card attempt, then card 26.13 + 4.00 tip.
const PIZZA: &str = "c22e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The retractions of the derived transactions of `check`.
fn retractions<'a>(p: &'a Parsed, check: &str) -> Vec<&'a Retraction> {
    let prefix = format!("{check}/");
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(crate::envelope::Record::Retract(x)) => Some(x),
            _ => None,
        })
        .filter(|x| x.key.source_txn_id.starts_with(&prefix))
        .collect()
}

/// Those as (id, time, version).
fn retracted(p: &Parsed, check: &str) -> Vec<(String, Option<DateTime<Utc>>, i64)> {
    retractions(p, check)
        .into_iter()
        .map(|x| (x.key.source_txn_id.clone(), x.occurred_at, x.source_version))
        .collect()
}

/// The fixture with payment `k` of check `j` applied on business day `business` at `date`.
fn paid_on(j: usize, k: usize, business: u32, date: &str) -> Value {
    let mut v = fixture("orders_bulk_business_day.json");
    let p = &mut v["orders"][0]["checks"][j]["payments"][k];
    p["paidBusinessDate"] = business.into();
    p["paidDate"] = date.into();
    v
}

fn sum(ts: &[Tender]) -> Decimal {
    ts.iter().map(|x| x.amount).sum()
}

#[test]
fn cash_taken_on_a_later_day_leaves_the_check_for_that_day() {
    // Before the change the check kept the 20.00 cash on the 9th.
    let p = parsed(&paid_on(0, 0, 20261010, "2026-10-10T23:30:00.000+0000"));
    let check = txn(&p, TAB).unwrap();
    let paid = txn(&p, &format!("{TAB}/paid")).unwrap();
    // The sale stays on the order's day with the card and its refund: 24.75 + 6.00 − 13.07.
    assert_eq!(check.business_date, day(2026, 10, 9));
    assert_eq!(sum(&check.tenders), dec("17.68"));
    assert!(check.tenders.iter().all(|x| x.method == TenderMethod::Card));
    let unsplit = parsed(&fixture("orders_bulk_business_day.json"));
    assert_eq!(check.lines, txn(&unsplit, TAB).unwrap().lines);
    // The cash on the 10th, at its payment (19:30 in New York), with the check's status,
    // cashier and version, and no line.
    assert_eq!(paid.business_date, day(2026, 10, 10));
    assert_eq!(paid.occurred_at, at("2026-10-10T23:30:00Z"));
    assert!(paid.lines.is_empty());
    assert_eq!(paid.tenders.len(), 1);
    let cash = &paid.tenders[0];
    assert_eq!(
        (cash.method, cash.amount),
        (TenderMethod::Cash, dec("20.00"))
    );
    assert_eq!(cash.occurred_at, paid.occurred_at);
    assert_eq!(
        (paid.status, &paid.cashier_id, paid.source_version),
        (check.status, &check.cashier_id, check.source_version)
    );
    // Overall the check's tenders are what they were: 20.00 + 30.75 − 13.07.
    let all = sum(&check.tenders) + sum(&paid.tenders);
    assert_eq!(all, sum(&txn(&unsplit, TAB).unwrap().tenders));
    assert_eq!(all, dec("37.68"));
    // Both derived keys are retracted at any time with this version: an earlier `/paid` (at
    // another time) goes, this one stays; the check shows a refund too.
    let v = check.source_version;
    assert_eq!(
        retracted(&p, TAB),
        [
            (format!("{TAB}/paid"), None, v),
            (format!("{TAB}/refunds"), None, v)
        ]
    );
}

#[test]
fn a_card_paid_on_a_later_day_moves_with_its_tip_and_the_voided_attempt_moves_nothing() {
    let p = parsed(&paid_on(1, 1, 20261010, "2026-10-10T18:05:00.000+0000"));
    let check = txn(&p, PIZZA).unwrap();
    let paid = txn(&p, &format!("{PIZZA}/paid")).unwrap();
    // Margherita 18.00 + soda 6.00, tax 1.60 + 0.53, stay on the 9th without a tender.
    assert_eq!(check.business_date, day(2026, 10, 9));
    let net: Decimal = check.lines.iter().map(|l| l.net_amount).sum();
    let tax: Decimal = check.lines.iter().map(|l| l.tax).sum();
    assert_eq!((net, tax), (dec("24.00"), dec("2.13")));
    assert!(check.tenders.is_empty());
    // 26.13 + 4.00 tip on the 10th.
    assert_eq!(paid.business_date, day(2026, 10, 10));
    assert_eq!(sum(&paid.tenders), dec("30.13"));
    assert_eq!(paid.tenders[0].method, TenderMethod::Card);
    assert_eq!(
        retracted(&p, PIZZA),
        [(format!("{PIZZA}/paid"), None, check.source_version)]
    );
}

#[test]
fn a_payment_voided_or_declined_since_moves_nothing_but_retracts_the_split() {
    for status in ["VOIDED", "DENIED"] {
        let mut v = paid_on(1, 1, 20261010, "2026-10-10T18:05:00.000+0000");
        v["orders"][0]["checks"][1]["payments"][1]["paymentStatus"] = status.into();
        let p = parsed(&v);
        assert!(txn(&p, &format!("{PIZZA}/paid")).is_none(), "{status}");
        let check = txn(&p, PIZZA).unwrap();
        // A declined tender stays with the check; a voided one is none.
        let declined = check
            .tenders
            .iter()
            .filter(|x| x.status == TenderStatus::Declined)
            .count();
        assert_eq!(declined, usize::from(status == "DENIED"), "{status}");
        assert!(check
            .tenders
            .iter()
            .all(|x| x.status != TenderStatus::Approved));
        // The split an earlier version made of it is deleted.
        assert_eq!(
            retracted(&p, PIZZA),
            [(format!("{PIZZA}/paid"), None, check.source_version)],
            "{status}"
        );
    }
}

#[test]
fn without_paid_business_date_a_payment_stays_on_the_check() {
    // Paid two days later by its time, but Toast names no day: no guess from the time (the
    // store's day start need not be the restaurant's closeout hour), no split, no retraction.
    let mut v = paid_on(1, 1, 20261010, "2026-10-11T18:05:00.000+0000");
    v["orders"][0]["checks"][1]["payments"][1]
        .as_object_mut()
        .unwrap()
        .remove("paidBusinessDate");
    let p = parsed(&v);
    assert!(txn(&p, &format!("{PIZZA}/paid")).is_none());
    assert_eq!(sum(&txn(&p, PIZZA).unwrap().tenders), dec("30.13"));
    assert!(
        retracted(&p, PIZZA).is_empty(),
        "{:?}",
        retracted(&p, PIZZA)
    );
    // Nor does a payment move off an order without its own `businessDate`, whose check is
    // dated by the store's clock, not by Toast's closeout.
    let mut undated = paid_on(1, 1, 20261010, "2026-10-10T18:05:00.000+0000");
    undated["orders"][0]
        .as_object_mut()
        .unwrap()
        .remove("businessDate");
    let p = parsed(&undated);
    assert!(txn(&p, &format!("{PIZZA}/paid")).is_none());
    assert_eq!(sum(&txn(&p, PIZZA).unwrap().tenders), dec("30.13"));
    // `0`, the placeholder Toast's reference shows, is no day either; a day that does not
    // read rejects the check naming it.
    v["orders"][0]["checks"][1]["payments"][1]["paidBusinessDate"] = 0.into();
    assert!(txn(&parsed(&v), &format!("{PIZZA}/paid")).is_none());
    v["orders"][0]["checks"][1]["payments"][1]["paidBusinessDate"] = "2026-10-10".into();
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let r = rejects(&p);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].reason
            .contains("orders[0].checks[1].payments[1].paidBusinessDate"),
        "{}",
        r[0].reason
    );
}

#[test]
fn a_scheduled_order_paid_days_before_keeps_its_money_on_the_day_it_was_paid() {
    let p = parsed(&paid_on(1, 1, 20261006, "2026-10-06T15:00:00.000+0000"));
    let paid = txn(&p, &format!("{PIZZA}/paid")).unwrap();
    assert_eq!(paid.business_date, day(2026, 10, 6));
    assert_eq!(paid.occurred_at, at("2026-10-06T15:00:00Z"));
    assert_eq!(txn(&p, PIZZA).unwrap().business_date, day(2026, 10, 9));
    // The retraction looks as far back as the payment: a day before it, not only before the
    // check (opened on the 9th).
    let r = retractions(&p, PIZZA);
    assert_eq!(r.len(), 1);
    assert!(r[0].between.0 <= at("2026-10-05T15:00:00Z"), "{:?}", r[0]);
    assert!(
        r[0].between.1 >= at("2026-10-10T00:52:14.870Z"),
        "{:?}",
        r[0]
    );
}

#[test]
fn paid_on_two_later_days_and_refunded_on_a_third_the_check_lands_on_four_days_as_three() {
    // Cash on the 10th, the card on the 11th, its refund on the 12th.
    let mut v = paid_on(0, 0, 20261010, "2026-10-10T23:30:00.000+0000");
    let card = &mut v["orders"][0]["checks"][0]["payments"][1];
    card["paidBusinessDate"] = 20261011.into();
    card["paidDate"] = "2026-10-11T20:00:00.000+0000".into();
    card["refund"]["refundBusinessDate"] = 20261012.into();
    card["refund"]["refundDate"] = "2026-10-12T18:00:00.000+0000".into();
    let p = parsed(&v);
    let check = txn(&p, TAB).unwrap();
    let paid = txn(&p, &format!("{TAB}/paid")).unwrap();
    let back = txn(&p, &format!("{TAB}/refunds")).unwrap();
    // The sale on the 9th without money; both payments on the latest of their days (one
    // transaction per check: the cash's own day, the 10th, is not kept apart), at the card's
    // time; the refund on the 12th with its return line.
    assert!(check.tenders.is_empty());
    assert_eq!(check.business_date, day(2026, 10, 9));
    assert_eq!(paid.business_date, day(2026, 10, 11));
    assert_eq!(paid.occurred_at, at("2026-10-11T20:00:00Z"));
    assert_eq!(sum(&paid.tenders), dec("50.75"));
    assert_eq!(back.business_date, day(2026, 10, 12));
    assert_eq!(sum(&back.tenders), dec("-13.07"));
    assert!(back.lines.iter().all(|l| l.kind == LineKind::Return));
    assert!(check.lines.iter().all(|l| l.kind != LineKind::Return));
    let all = sum(&check.tenders) + sum(&paid.tenders) + sum(&back.tenders);
    assert_eq!(all, dec("37.68"));
    // Mapping the same page again gives the same records (a replay writes the same rows).
    assert_eq!(parsed(&v).records, p.records);
}
