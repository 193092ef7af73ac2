//! Dayparts and weekday type on the store's clock: the context's `utc_offset_seconds` moves a
//! sale into its local segment, at scoring and when baselines are fitted.

use super::tests::base;
use super::*;
use crate::model::*;
use chrono::{NaiveDate, TimeZone, Utc};

const UTC_MINUS_5: i32 = -5 * 3600;

/// A plain sale at 01:30 UTC on Saturday 7 March 2026: 20:30 on Friday the 6th in UTC−5,
/// whose business date it is.
fn friday_evening_sale(id: &str) -> Transaction {
    let mut t = base();
    t.key.source_txn_id = id.into();
    t.occurred_at = Utc.with_ymd_and_hms(2026, 3, 7, 1, 30, 0).unwrap();
    t.business_date = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
    for x in t.tenders.iter_mut() {
        x.occurred_at = t.occurred_at;
    }
    t
}

fn in_zone(offset: Option<i32>) -> TxnContext {
    TxnContext {
        utc_offset_seconds: offset,
        ..TxnContext::default()
    }
}

#[test]
fn a_utc_minus_5_stores_saturday_0130_utc_sale_is_a_friday_evening_sale() {
    let t = friday_evening_sale("fri-eve");
    let ctx = in_zone(Some(UTC_MINUS_5));
    let at = local_time(&t, ctx.utc_offset());
    assert_eq!(
        at,
        LocalTime {
            weekend: false,
            hour: 20
        }
    );
    assert_eq!(baseline::segment(at.weekend, at.hour), "weekday:evening");
    assert_eq!(extract(&t, &ctx, CheapItems::default()).hour, 20);
    // The local date decides the weekday type, not the business date: 01:30 on a Sunday in
    // UTC+2 is Sunday (weekend), though the sale at 23:30 UTC Saturday is one.
    let mut sunday = t.clone();
    sunday.occurred_at = Utc.with_ymd_and_hms(2026, 3, 7, 23, 30, 0).unwrap();
    let at = local_time(&sunday, in_zone(Some(2 * 3600)).utc_offset());
    assert_eq!((at.weekend, at.hour), (true, 1));
}

/// Context JSON built before stores had zones (no field, or null) parses and keeps the old
/// clock: the business date's weekday and the UTC hour.
#[test]
fn old_context_json_without_an_offset_behaves_as_before() {
    let t = friday_evening_sale("old");
    let old: TxnContext = serde_json::from_value(serde_json::json!({
        "originals": {}, "reference_prices": {}, "recent_card_attempts": [],
        "day": {"transactions": 0, "hits": {}, "customers": {}, "no_sales": 0}
    }))
    .unwrap();
    let null: TxnContext = serde_json::from_value(serde_json::json!({
        "originals": {}, "reference_prices": {}, "recent_card_attempts": [],
        "day": {"transactions": 0, "hits": {}, "customers": {}, "no_sales": 0},
        "utc_offset_seconds": null
    }))
    .unwrap();
    assert_eq!(old, TxnContext::default());
    assert_eq!(null, old);
    let at = local_time(&t, old.utc_offset());
    assert_eq!((at.weekend, at.hour), (false, 1));
    assert_eq!(extract(&t, &old, CheapItems::default()).hour, 1);
}

/// An offset no zone has (19 h) is ignored, not an error: the sale is placed as without one.
#[test]
fn an_impossible_offset_is_ignored() {
    let t = friday_evening_sale("odd");
    for s in [19 * 3600, -19 * 3600, i32::MAX, i32::MIN] {
        let ctx = in_zone(Some(s));
        assert_eq!(ctx.utc_offset(), None, "{s}");
        assert_eq!(extract(&t, &ctx, CheapItems::default()).hour, 1);
    }
    assert!(in_zone(Some(MAX_UTC_OFFSET_SECONDS)).utc_offset().is_some());
}

/// Training with the store's offset puts rows in their local segments, and the fitted
/// baseline's norms are keyed by them (no 01:00 "morning" norm for a shop's evening baskets).
#[test]
fn a_baseline_fitted_with_offsets_puts_rows_in_local_segments() {
    let mut mon = Monitor::new(None);
    let mut utc = Monitor::new(None);
    for k in 0..30 {
        let mut t = friday_evening_sale(&format!("fri-{k}"));
        t.occurred_at += chrono::Duration::minutes(k);
        mon.observe_txn_local(&t, Some(UTC_MINUS_5));
        utc.observe_txn(&t);
    }
    assert!(mon
        .training
        .iter()
        .all(|r| !r.weekend && r.features.hour == 20));
    let b = Baselines::fit(&mon.training, &mon.drawer);
    let segments: Vec<&String> = b.chain.value_per_unit.keys().collect();
    assert_eq!(segments, ["all", "weekday:evening"]);
    // Without the offset the same sales were Friday "mornings" (01:xx UTC).
    let b = Baselines::fit(&utc.training, &utc.drawer);
    let segments: Vec<&String> = b.chain.value_per_unit.keys().collect();
    assert_eq!(segments, ["all", "weekday:morning"]);
}
