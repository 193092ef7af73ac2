//! Drawer counts at close in the cashier-day score: what honest miscounts look like is learned
//! from the history's counts (the synthetic chain counts about one shift in four off by
//! 0.05–5.00), and only a count far beyond them is a reason.

use super::tests::{cfg, fixture, warm_monitor};
use super::*;
use crate::model::*;
use crate::synth::Chain;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn day(over_short: f64) -> CashierDay {
    CashierDay {
        transactions: 40,
        over_short,
        ..CashierDay::default()
    }
}

fn drawer_codes(s: &Score) -> Vec<&str> {
    s.reasons
        .iter()
        .map(|r| r.code.as_str())
        .filter(|c| c.starts_with("drawer_"))
        .collect()
}

fn scored(d: &CashierDay, b: &Baselines) -> Score {
    score_cashier_day(d, b.store("S01"), Some(&b.chain), &Calibration::default())
}

#[test]
fn the_baseline_learns_how_far_honest_counts_are_off() {
    let (b, _) = fixture();
    for t in [&b.chain.drawer_short, &b.chain.drawer_over] {
        assert!(t.positive > 10, "{t:?}");
        assert!(t.q.last().is_some_and(|top| *top <= 5.0), "{t:?}");
    }
    assert!(
        b.chain.drawer_short.positive > b.chain.drawer_over.positive,
        "the chain's counts are short more often than over"
    );
}

#[test]
fn a_drawer_far_short_at_close_alerts_and_an_honest_miscount_does_not() {
    let (b, _) = fixture();
    // About one honest count in 15 is 3.00 short or worse here: a nudge at most, no alert.
    let honest = scored(&day(-3.0), b);
    assert!(
        honest.reasons.iter().all(|r| r.contribution < 1.0),
        "{honest:?}"
    );
    assert!(honest.score < 0.1, "{honest:?}");
    assert!(drawer_codes(&scored(&day(-1.5), b)).is_empty());
    let skim = scored(&day(-60.0), b);
    assert_eq!(skim.reasons[0].code, "drawer_short", "{skim:?}");
    assert!(skim.reasons[0].detail.contains("60.00 short"), "{skim:?}");
    assert!(skim.score >= 0.5, "{skim:?}");
    let over = scored(&day(60.0), b);
    assert_eq!(over.reasons[0].code, "drawer_over", "{over:?}");
    // A little beyond the largest honest miscount (5.00) is unusual, not yet an alert.
    assert!(scored(&day(-7.0), b).score < 0.2);
    assert!(scored(&day(-20.0), b).evidence < skim.evidence);
}

#[test]
fn a_history_without_counts_judges_no_count_and_a_tiny_one_is_a_miscount() {
    let (b, _) = fixture();
    let mut none = b.clone();
    for x in std::iter::once(&mut none.chain).chain(none.stores.values_mut()) {
        x.drawer_short = stats::Tail::fit(&[0.0; 500]);
        x.drawer_over = stats::Tail::fit(&[0.0; 500]);
    }
    let s = scored(&day(-60.0), &none);
    assert!(drawer_codes(&s).is_empty(), "{s:?}");
    // Where every honest count was exact, 0.40 short is still only a miscount.
    let mut exact = none.clone();
    exact.chain.drawer_short = stats::Tail::fit(&[[0.0; 40].as_slice(), &[0.05; 20]].concat());
    let s = scored(&day(-0.4), &exact);
    assert!(drawer_codes(&s).is_empty(), "{s:?}");
}

#[test]
fn a_baseline_stored_before_counts_were_scored_still_loads_and_judges_none() {
    let (b, _) = fixture();
    let mut v = serde_json::to_value(b).unwrap();
    let strip = |x: &mut serde_json::Value| {
        let o = x.as_object_mut().unwrap();
        o.remove("drawer_short");
        o.remove("drawer_over");
    };
    strip(&mut v["chain"]);
    v["stores"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .for_each(strip);
    let old: Baselines = serde_json::from_value(v).unwrap();
    assert!(drawer_codes(&scored(&day(-60.0), &old)).is_empty());
    let summary: CashierDay = serde_json::from_value(
        serde_json::json!({"transactions": 3, "hits": {}, "no_sales": 0, "max_txn_evidence": 0.0}),
    )
    .unwrap();
    assert_eq!(summary.over_short, 0.0, "a summary without a count");
}

fn count(cashier: &str, amount: &str, at_day: NaiveDate) -> DrawerEvent {
    DrawerEvent {
        tenant_id: "t".into(),
        store_id: "S01".into(),
        source: "test".into(),
        source_event_id: format!("count-{cashier}-{amount}"),
        source_version: 0,
        register_id: None,
        cashier_id: Some(cashier.into()),
        kind: DrawerEventKind::OverShort,
        amount: amount.parse::<Decimal>().unwrap(),
        currency: "USD".into(),
        occurred_at: at_day.and_hms_opt(21, 0, 0).unwrap().and_utc(),
        business_date: at_day,
    }
}

#[test]
fn the_monitor_sums_a_cashiers_counts_into_the_day_it_scores() {
    let cfg = cfg();
    let mut mon = warm_monitor(&Chain::new(&cfg), 28, 1);
    let date = cfg.date(28);
    for (cashier, amount) in [
        ("skim", "-50.00"),
        ("skim", "-25.00"),
        ("fine", "-2.00"),
        ("fine", "1.50"),
    ] {
        assert!(mon.observe_drawer(&count(cashier, amount, date)).is_none());
    }
    let days = mon.cashier_days();
    let of = |c: &str| &days.iter().find(|(k, _)| k.1 == c).unwrap().1;
    assert_eq!(
        of("skim").reasons[0].code,
        "drawer_short",
        "{:?}",
        of("skim")
    );
    assert!(of("skim").reasons[0].detail.contains("75.00 short"));
    assert!(drawer_codes(of("fine")).is_empty(), "{:?}", of("fine"));
}

#[test]
fn skims_in_the_history_do_not_teach_that_a_skim_is_honest() {
    // 400 cashier-days: 60 honest miscounts of 0.10–5.00 short, and 12 skims of 60–170.
    let mut xs = vec![0.0; 328];
    xs.extend((0..60).map(|k| 0.1 + f64::from(k) * 0.083));
    xs.extend((0..12).map(|k| 60.0 + f64::from(k) * 10.0));
    let kept = super::baseline::honest_part(xs);
    assert_eq!(
        kept.len(),
        388,
        "the skims are far out, the miscounts are not"
    );
    assert!(kept.iter().all(|x| *x <= 5.0));
    // A quarter of the days off being theft still leaves the skims out (a quartile fence would
    // take them in).
    let mut xs: Vec<f64> = (0..45).map(|k| 0.1 + f64::from(k) * 0.11).collect();
    xs.extend((0..15).map(|k| 40.0 + f64::from(k) * 10.0));
    assert!(super::baseline::honest_part(xs).iter().all(|x| *x <= 5.0));
    // Too few counts off to tell far out from the rest: all kept.
    assert_eq!(super::baseline::honest_part(vec![0.0, 1.0, 80.0]).len(), 3);
}

/// A drawer event sent again counts once: a recount corrected to a newer version replaces the
/// first count (80.00 short recounted as 8.00 short is 8.00 short, not 88.00), and a replay of
/// a no-sale already seen is not a second drawer open.
#[test]
fn a_drawer_event_sent_again_counts_once() {
    let date = cfg().date(28);
    let mut mon = Monitor::new(None);
    let first = count("recount", "-80.00", date);
    mon.observe_drawer(&first);
    mon.observe_drawer(&first);
    let mut corrected = first.clone();
    corrected.source_version = 1;
    corrected.amount = "-8.00".parse().unwrap();
    mon.observe_drawer(&corrected);
    mon.observe_drawer(&first);
    let key = ("S01".to_string(), "recount".to_string(), date);
    assert_eq!(mon.drawer.over_short[&key]["USD"], -8.0);
    let mut open = first.clone();
    open.source_event_id = "open-1".into();
    open.kind = DrawerEventKind::NoSale;
    open.amount = Decimal::ZERO;
    mon.observe_drawer(&open);
    mon.observe_drawer(&open);
    assert_eq!(mon.drawer.no_sales[&key], 1);
}
