//! A check refunded on another day than its own: the refund lands on the day it was made, as a
//! transaction of its own, from edits of the ordersBulk fixture (its refund is on the day of
//! the check, 20261009).

use super::testkit::{ctx, day, dec, fixture, parsed_clean as parsed, rejects, txn_by_id as txn};
use super::*;
use pos_core::model::*;
use rust_decimal::Decimal;

const SPLIT_1: &str = "c11d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const REFUNDS: &str = "c11d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/refunds";

/// The fixture with its card payment's refund made at `date` on business day `business`.
fn refunded_on(date: &str, business: Option<u32>) -> Value {
    let mut v = fixture("orders_bulk_business_day.json");
    let r = &mut v["orders"][0]["checks"][0]["payments"][1]["refund"];
    r["refundDate"] = date.into();
    match business {
        Some(b) => r["refundBusinessDate"] = b.into(),
        None => {
            r.as_object_mut().unwrap().remove("refundBusinessDate");
        }
    }
    v
}

/// The retractions the payload carries, as (id, time, version).
fn retracted(p: &Parsed) -> Vec<(String, Option<chrono::DateTime<chrono::Utc>>, i64)> {
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(crate::envelope::Record::Retract(x)) => {
                Some((x.key.source_txn_id.clone(), x.occurred_at, x.source_version))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_refund_on_the_check_s_day_stays_in_the_check() {
    let p = parsed(&fixture("orders_bulk_business_day.json"));
    assert!(txn(&p, REFUNDS).is_none());
    let t = txn(&p, SPLIT_1).unwrap();
    assert!(t.lines.iter().any(|l| l.kind == LineKind::Return));
    assert!(t.tenders.iter().any(|x| x.amount < Decimal::ZERO));
    // An earlier version may have split it off: that transaction is retracted, at whatever
    // time it was stored, with this version.
    assert_eq!(
        retracted(&p),
        [(REFUNDS.to_string(), None, t.source_version)]
    );
}

#[test]
fn a_refund_whose_payment_was_voided_since_retracts_the_split() {
    let mut v = refunded_on("2026-10-12T18:00:00.000+0000", Some(20261012));
    v["orders"][0]["checks"][0]["payments"][1]["paymentStatus"] = "VOIDED".into();
    let p = parsed(&v);
    assert!(txn(&p, REFUNDS).is_none());
    let t = txn(&p, SPLIT_1).unwrap();
    assert_eq!(
        retracted(&p),
        [(REFUNDS.to_string(), None, t.source_version)]
    );
}

#[test]
fn a_split_check_retracts_older_splits_and_a_check_without_refunds_nothing() {
    // Split: the retraction carries the version the new `/refunds` is written with, so it
    // deletes only an older one (stored at another refund's time, say).
    let p = parsed(&refunded_on("2026-10-12T18:00:00.000+0000", Some(20261012)));
    let back = txn(&p, REFUNDS).unwrap();
    assert_eq!(
        retracted(&p),
        [(REFUNDS.to_string(), None, back.source_version)]
    );
    let mut v = fixture("orders_bulk_business_day.json");
    let check = &mut v["orders"][0]["checks"][0];
    check["payments"][1]
        .as_object_mut()
        .unwrap()
        .remove("refund");
    for s in check["selections"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("refundDetails");
    }
    let p = parsed(&v);
    assert!(txn(&p, SPLIT_1).is_some());
    assert!(retracted(&p).is_empty(), "{:?}", retracted(&p));
    // The same check last modified three days after its day: its refund may have been voided
    // since, and Toast drops a voided refund from the check, so the split is retracted (the
    // order's other check, modified with it, retracts its own).
    v["orders"][0]["modifiedDate"] = "2026-10-12T19:00:00.000+0000".into();
    let p = parsed(&v);
    let t = txn(&p, SPLIT_1).unwrap();
    let other = "c22e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a/refunds";
    assert_eq!(
        retracted(&p),
        [
            (REFUNDS.to_string(), None, t.source_version),
            (other.to_string(), None, t.source_version)
        ]
    );
}

#[test]
fn a_refund_days_later_is_a_transaction_on_its_own_day() {
    let p = parsed(&refunded_on("2026-10-12T18:00:00.000+0000", Some(20261012)));
    let (check, back) = (txn(&p, SPLIT_1).unwrap(), txn(&p, REFUNDS).unwrap());
    // The check keeps its sales and payments, on its day.
    assert_eq!(check.business_date, day(2026, 10, 9));
    assert!(check.lines.iter().all(|l| l.kind != LineKind::Return));
    assert!(check.tenders.iter().all(|x| x.amount > Decimal::ZERO));
    // The refund: the salad's return line and the card's refund, on the 12th, at the refund's
    // time (within the daily views' reach of its day), with the check's version, linked to it.
    assert_eq!(back.business_date, day(2026, 10, 12));
    let at = "2026-10-12T18:00:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert_eq!(
        (back.occurred_at, back.source_version, back.status),
        (at, check.source_version, TxnStatus::Completed)
    );
    assert!(back.tenders.iter().all(|x| x.occurred_at == at));
    let r: Vec<_> = back
        .lines
        .iter()
        .map(|l| (l.kind, l.net_amount, l.tax, l.original_txn_id.as_deref()))
        .collect();
    assert_eq!(
        r,
        [(LineKind::Return, dec("-12.00"), dec("-1.07"), Some(SPLIT_1))]
    );
    let paid: Vec<_> = back.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(paid, [(TenderMethod::Card, dec("-13.07"))]);
    assert_eq!(back.cashier_id, check.cashier_id);
}

#[test]
fn a_refund_without_a_time_near_its_day_is_timed_at_noon_of_that_day() {
    // Only the business day (a refundDate weeks off, as a bad clock would write it).
    let p = parsed(&refunded_on("2026-11-30T18:00:00.000+0000", Some(20261012)));
    let back = txn(&p, REFUNDS).unwrap();
    assert_eq!(back.business_date, day(2026, 10, 12));
    // Noon in New York (EDT, UTC-4).
    assert_eq!(back.occurred_at.to_rfc3339(), "2026-10-12T16:00:00+00:00");
}

#[test]
fn a_business_date_of_zero_is_no_business_date() {
    // Toast's reference shows `refundBusinessDate: 0`: the day then comes from the time.
    let mut v = refunded_on("2026-10-13T02:00:00.000+0000", None);
    v["orders"][0]["checks"][0]["payments"][1]["refund"]["refundBusinessDate"] = 0.into();
    assert_eq!(
        txn(&parsed(&v), REFUNDS).unwrap().business_date,
        day(2026, 10, 12)
    );
    v["orders"][0]["checks"][0]["payments"][1]["refund"]["refundBusinessDate"] = 2026.into();
    let p = parse(&ctx(), &v.to_string()).unwrap();
    assert_eq!(
        rejects(&p).len(),
        1,
        "a date that is neither reads as a bad check"
    );
}

#[test]
fn without_its_business_date_a_refund_is_on_the_store_s_day_of_its_time() {
    // 02:00 UTC on the 13th is the evening of the 12th in New York.
    let p = parsed(&refunded_on("2026-10-13T02:00:00.000+0000", None));
    assert_eq!(txn(&p, REFUNDS).unwrap().business_date, day(2026, 10, 12));
    // Undated, it stays in the check.
    let mut v = refunded_on("2026-10-13T02:00:00.000+0000", None);
    v["orders"][0]["checks"][0]["payments"][1]["refund"]
        .as_object_mut()
        .unwrap()
        .remove("refundDate");
    assert!(txn(&parsed(&v), REFUNDS).is_none());
}

#[test]
fn a_bad_refund_day_rejects_the_check_naming_it() {
    let v = refunded_on("2026-10-12T18:00:00.000+0000", Some(2026));
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let r = rejects(&p);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        r[0].detail["field"],
        "orders[0].checks[0].payments[1].refund.refundBusinessDate"
    );
}

#[test]
fn a_voided_check_s_refund_is_voided_with_it() {
    let mut v = refunded_on("2026-10-12T18:00:00.000+0000", Some(20261012));
    v["orders"][0]["checks"][0]["voided"] = true.into();
    let p = parsed(&v);
    let statuses = [SPLIT_1, REFUNDS].map(|id| txn(&p, id).unwrap().status);
    assert_eq!(statuses, [TxnStatus::PostVoided; 2]);
}
