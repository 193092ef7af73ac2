//! Money of different currencies is neither added nor pooled: a cashier-day's drawer counts are
//! judged per currency, and each baseline (the chain's too) learns from one currency's amounts.

use super::tests::{cfg, warm_monitor};
use super::*;
use crate::model::*;
use crate::synth::Chain;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn count(cashier: &str, id: &str, amount: &str, currency: &str, date: NaiveDate) -> DrawerEvent {
    DrawerEvent {
        tenant_id: "t".into(),
        store_id: "S01".into(),
        source: "test".into(),
        source_event_id: id.into(),
        source_version: 0,
        register_id: None,
        cashier_id: Some(cashier.into()),
        kind: DrawerEventKind::OverShort,
        amount: amount.parse::<Decimal>().unwrap(),
        currency: currency.into(),
        occurred_at: date.and_hms_opt(21, 0, 0).unwrap().and_utc(),
        business_date: date,
    }
}

pub(super) fn drawer_reasons(s: &Score) -> Vec<&Reason> {
    s.reasons
        .iter()
        .filter(|r| r.code.starts_with("drawer_"))
        .collect()
}

/// 60.00 short in dollars and 55.00 over in Canadian dollars at a dollar store were added into
/// 5.00 short, an honest miscount: the dollar shortage is judged on its own now, and the count
/// in a currency the store has no honest counts of is not judged at all.
#[test]
fn a_cashier_days_counts_in_two_currencies_are_judged_apart() {
    let cfg = cfg();
    let mut mon = warm_monitor(&Chain::new(&cfg), 28, 1);
    let date = cfg.date(28);
    mon.observe_drawer(&count("mixed", "usd", "-60.00", "USD", date));
    mon.observe_drawer(&count("mixed", "cad", "55.00", "CAD", date));
    mon.observe_drawer(&count("cad-only", "cad2", "-500.00", "CAD", date));
    let days = mon.cashier_days();
    let of = |c: &str| &days.iter().find(|(k, _)| k.1 == c).unwrap().1;
    let mixed = drawer_reasons(of("mixed"));
    assert_eq!(mixed.len(), 1, "{:?}", of("mixed"));
    assert_eq!(mixed[0].code, "drawer_short");
    assert!(
        mixed[0].detail.contains("60.00 short at close (USD)"),
        "{mixed:?}"
    );
    assert!(of("mixed").score >= 0.5, "{:?}", of("mixed"));
    assert!(
        drawer_reasons(of("cad-only")).is_empty(),
        "{:?}",
        of("cad-only")
    );
}

/// A recount replaces the first count in its own currency's sum.
#[test]
fn a_recount_replaces_its_currencys_count_only() {
    let date = cfg().date(28);
    let mut mon = Monitor::new(None);
    let first = count("c", "usd", "-80.00", "USD", date);
    mon.observe_drawer(&first);
    mon.observe_drawer(&count("c", "cad", "3.00", "CAD", date));
    let mut recount = first.clone();
    recount.source_version = 1;
    recount.amount = "-8.00".parse().unwrap();
    mon.observe_drawer(&recount);
    let key = ("S01".to_string(), "c".to_string(), date);
    let per = &mon.drawer.over_short[&key];
    assert_eq!((per["USD"], per["CAD"]), (-8.0, 3.0));
}

/// Rows of `days` cashier-days at `store`, 20 transactions each in `currency`, one in ten
/// refunding `lo..hi` unbacked; each day's drawer counted `off(day)` over/short.
pub(super) fn store_rows(
    store: &str,
    currency: &str,
    days: u32,
    (lo, hi): (f64, f64),
    off: impl Fn(u32) -> f64,
    drawer: &mut baseline::DrawerHistory,
) -> Vec<TrainingRow> {
    let first = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let mut rows = vec![];
    for d in 0..days {
        let key = (
            store.to_string(),
            format!("c{}", d % 3),
            first + chrono::Duration::days(i64::from(d / 3)),
        );
        drawer
            .over_short
            .entry(key.clone())
            .or_default()
            .insert(currency.into(), off(d));
        for i in 0..20u32 {
            let mut values = vec![0.0; FEATURES.len()];
            if i % 10 == 0 {
                values[7] = lo + (hi - lo) * f64::from((d * 20 + i) % 97) / 96.0;
            }
            rows.push(TrainingRow {
                cashier_day: key.clone(),
                weekend: false,
                features: TxnFeatures {
                    values,
                    ..TxnFeatures::default()
                },
                lines: vec![],
                currency: currency.into(),
            });
        }
    }
    rows
}

/// A dollar chain with one yen store: the chain's tails (what a store never seen in training
/// is judged by) hold dollars only. Pooled, the yen store's refunds of thousands and its counts
/// thousands off made 400.00 refunded without a sale, and 300.00 short, look ordinary.
#[test]
fn the_chain_does_not_pool_another_currencys_amounts() {
    let mut drawer = baseline::DrawerHistory::default();
    let usd_off = |d: u32| {
        if d.is_multiple_of(4) {
            -0.5 - f64::from(d % 9) * 0.5
        } else {
            0.0
        }
    };
    let jpy_off = |d: u32| -(500.0 + f64::from(d % 7) * 300.0);
    let mut rows = store_rows("boston", "USD", 300, (10.0, 50.0), usd_off, &mut drawer);
    rows.extend(store_rows(
        "tokyo",
        "JPY",
        150,
        (1000.0, 5000.0),
        jpy_off,
        &mut drawer,
    ));
    let b = Baselines::fit(&rows, &drawer);
    assert_eq!(b.chain.currencies, ["USD"]);
    assert_eq!(b.store("tokyo").currencies, ["JPY"]);
    assert!(
        b.chain.drawer_short.q.last().is_some_and(|top| *top <= 5.0),
        "{:?}",
        b.chain.drawer_short
    );
    // Judged by the chain: a store never seen in training.
    let new = b.store("new");
    let mut f = TxnFeatures {
        values: vec![0.0; FEATURES.len()],
        ..TxnFeatures::default()
    };
    f.values[7] = 400.0;
    let (e, _, _) = score::family_evidence(&f, false, new, Some(&b.chain))[&Family::Refund];
    assert!(e >= score::HIT_NATS, "{e}");
    let short = CashierDay {
        transactions: 20,
        over_short_by_currency: [("USD".to_string(), -300.0)].into(),
        ..CashierDay::default()
    };
    let s = score_cashier_day(&short, new, Some(&b.chain), &Calibration::default());
    assert_eq!(drawer_reasons(&s).len(), 1, "{s:?}");
    // The yen store keeps its own yen counts: 2000 yen short is one of its honest days.
    let yen = CashierDay {
        transactions: 20,
        over_short_by_currency: [("JPY".to_string(), -2000.0)].into(),
        ..CashierDay::default()
    };
    let s = score_cashier_day(
        &yen,
        b.store("tokyo"),
        Some(&b.chain),
        &Calibration::default(),
    );
    assert!(drawer_reasons(&s).is_empty(), "{s:?}");
}

/// The main currency is the one of most rows; a tie goes to the first code, so refits agree.
#[test]
fn the_main_currency_is_the_most_rows_and_ties_go_to_the_first_code() {
    let mut drawer = baseline::DrawerHistory::default();
    let mut rows = store_rows("a", "USD", 3, (1.0, 2.0), |_| 0.0, &mut drawer);
    rows.extend(store_rows("b", "CAD", 3, (1.0, 2.0), |_| 0.0, &mut drawer));
    let main = monitor::main_currency_rows(&rows);
    assert!(main.len() == 60 && main.iter().all(|r| r.currency == "CAD"));
    rows.extend(store_rows("c", "USD", 1, (1.0, 2.0), |_| 0.0, &mut drawer));
    let main = monitor::main_currency_rows(&rows);
    assert!(main.len() == 80 && main.iter().all(|r| r.currency == "USD"));
}
