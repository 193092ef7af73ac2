use super::*;
use crate::model::validate_transaction;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{HashMap, HashSet};

fn small(rates: FraudRates) -> ChainConfig {
    ChainConfig {
        stores: 2,
        days: 28,
        mean_transactions_per_store_day: 120.0,
        fraud: rates,
        ..ChainConfig::default()
    }
}

fn all_days(cfg: &ChainConfig) -> Vec<DayData> {
    let chain = Chain::new(cfg);
    (0..cfg.days).map(|d| chain.day(d)).collect()
}

#[test]
fn same_seed_same_day_and_streaming_equals_one_shot() {
    let cfg = small(FraudRates::uniform(0.2));
    let a = generate_day(&cfg, 17);
    let chain = Chain::new(&cfg);
    for d in 0..17 {
        chain.day(d);
    }
    let b = chain.day(17);
    assert_eq!(a.transactions, b.transactions);
    assert_eq!(a.drawer_events, b.drawer_events);
    assert_eq!(a.labels, b.labels);
    let other = generate_day(
        &ChainConfig {
            seed: 7,
            ..cfg.clone()
        },
        17,
    );
    assert_ne!(a.transactions, other.transactions);
}

#[test]
fn every_record_is_valid_unique_and_on_its_local_business_date() {
    let cfg = small(FraudRates::uniform(0.1));
    let mut ids = HashSet::new();
    for (d, day) in all_days(&cfg).iter().enumerate() {
        for t in &day.transactions {
            validate_transaction(t).unwrap_or_else(|e| panic!("{}: {e}", t.key.source_txn_id));
            assert!(
                ids.insert(t.key.source_txn_id.clone()),
                "duplicate id {}",
                t.key.source_txn_id
            );
            let local = t.occurred_at + Duration::minutes(i64::from(cfg.timezone_offset_minutes));
            assert_eq!(local.date_naive(), t.business_date);
            assert_eq!(t.business_date, cfg.date(d as u32));
            assert!(!t.lines.is_empty() && !t.tenders.is_empty());
        }
        for e in &day.drawer_events {
            assert!(
                ids.insert(e.source_event_id.clone()),
                "duplicate event id {}",
                e.source_event_id
            );
        }
    }
}

#[test]
fn approved_tenders_pay_for_completed_sales() {
    let cfg = small(FraudRates::uniform(0.1));
    for day in all_days(&cfg).iter().take(5) {
        for t in day
            .transactions
            .iter()
            .filter(|t| t.status == TxnStatus::Completed)
        {
            let total: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
            let paid: Decimal = t
                .tenders
                .iter()
                .filter(|x| x.status == TenderStatus::Approved)
                .map(|x| x.amount)
                .sum();
            assert_eq!(total, paid, "{}", t.key.source_txn_id);
        }
    }
}

#[test]
fn weekends_peak_and_the_mix_looks_like_a_store() {
    let cfg = small(FraudRates::none());
    let days = all_days(&cfg);
    let mut by_wd = [0usize; 7];
    let (mut card, mut cash, mut declined, mut returns, mut linked, mut voids, mut sales) =
        (0, 0, 0, 0, 0, 0, 0);
    for day in &days {
        for t in &day.transactions {
            by_wd[t.business_date.weekday().num_days_from_monday() as usize] += 1;
            sales += 1;
            card += usize::from(
                t.tenders
                    .iter()
                    .any(|x| x.method == TenderMethod::Card && x.status == TenderStatus::Approved),
            );
            cash += usize::from(t.tenders.iter().any(|x| x.method == TenderMethod::Cash));
            declined += usize::from(t.tenders.iter().any(|x| x.status == TenderStatus::Declined));
            voids += usize::from(t.lines.iter().any(|l| l.kind == LineKind::Void));
            if t.lines.iter().any(|l| l.kind == LineKind::Return) {
                returns += 1;
                linked += usize::from(t.lines.iter().any(|l| l.original_txn_id.is_some()));
            }
        }
        assert!(day.labels.is_empty());
    }
    assert!(
        by_wd[5] as f64 > 1.3 * by_wd[1] as f64,
        "Saturday {} vs Tuesday {}",
        by_wd[5],
        by_wd[1]
    );
    let share = |x: usize| x as f64 / sales as f64;
    assert!((0.6..0.8).contains(&share(card)), "card {}", share(card));
    assert!((0.2..0.35).contains(&share(cash)), "cash {}", share(cash));
    assert!(
        (0.005..0.05).contains(&share(declined)),
        "declined {}",
        share(declined)
    );
    assert!(
        (0.01..0.06).contains(&share(voids)),
        "voids {}",
        share(voids)
    );
    assert!(
        (0.01..0.04).contains(&share(returns)),
        "returns {}",
        share(returns)
    );
    assert!(linked * 2 > returns, "linked {linked} of {returns}");
}

#[test]
fn an_honest_sale_is_brought_back_at_most_once() {
    let cfg = ChainConfig {
        days: 70,
        ..small(FraudRates::none())
    };
    let days = all_days(&cfg);
    let by_id: HashMap<&str, &Transaction> = days
        .iter()
        .flat_map(|d| &d.transactions)
        .map(|t| (t.key.source_txn_id.as_str(), t))
        .collect();
    let mut cited: HashMap<String, usize> = HashMap::new();
    for t in days.iter().flat_map(|d| &d.transactions) {
        let originals: std::collections::BTreeSet<&str> = t
            .lines
            .iter()
            .filter_map(|l| l.original_txn_id.as_deref())
            .collect();
        for o in originals {
            *cited.entry(o.to_string()).or_default() += 1;
            // Never more than the sale sold (a line voided at the till does not come back).
            let back: Decimal = t.lines.iter().map(|l| -l.net_amount).sum();
            let sold: Decimal = by_id[o]
                .lines
                .iter()
                .filter(|l| matches!(l.kind, LineKind::Sale | LineKind::Void))
                .map(|l| l.net_amount)
                .sum();
            assert!(
                back <= sold,
                "{} gives back {back} of {o}'s {sold}",
                t.key.source_txn_id
            );
        }
    }
    assert!(cited.len() > 150, "only {} linked returns", cited.len());
    let twice: Vec<_> = cited.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sales brought back twice: {twice:?}");
}

#[test]
fn linked_returns_point_at_real_earlier_sales_of_the_same_store() {
    let cfg = small(FraudRates::none());
    let days = all_days(&cfg);
    let sales: HashMap<&str, &Transaction> = days
        .iter()
        .flat_map(|d| &d.transactions)
        .map(|t| (t.key.source_txn_id.as_str(), t))
        .collect();
    let mut n = 0;
    for t in days.iter().flat_map(|d| &d.transactions) {
        for l in t.lines.iter().filter(|l| l.original_txn_id.is_some()) {
            let orig = sales
                .get(l.original_txn_id.as_deref().unwrap())
                .expect("original sale exists");
            assert!(orig.occurred_at < t.occurred_at && orig.key.store_id == t.key.store_id);
            let ol = orig
                .lines
                .iter()
                .find(|x| Some(x.line_no) == l.original_line_no)
                .expect("original line");
            assert_eq!(
                (ol.sku.as_str(), ol.quantity),
                (l.sku.as_str(), -l.quantity)
            );
            n += 1;
        }
    }
    assert!(n > 20, "only {n} linked return lines");
}

#[test]
fn slow_items_have_many_zero_days_and_fast_ones_sell_daily() {
    let cfg = small(FraudRates::none());
    let days = all_days(&cfg);
    let mut sold_days: HashMap<&str, HashSet<u32>> = HashMap::new();
    for (d, day) in days.iter().enumerate() {
        for t in day.transactions.iter().filter(|t| t.key.store_id == "S01") {
            for l in t.lines.iter().filter(|l| l.kind == LineKind::Sale) {
                sold_days
                    .entry(l.sku.as_str())
                    .or_default()
                    .insert(d as u32);
            }
        }
    }
    let products = products(&cfg);
    let counts: Vec<usize> = products
        .iter()
        .map(|p| sold_days.get(p.sku.as_str()).map_or(0, |s| s.len()))
        .collect();
    let intermittent = counts.iter().filter(|&&c| c > 0 && c < 14).count();
    let daily = counts.iter().filter(|&&c| c >= 26).count();
    assert!(intermittent > 50, "intermittent {intermittent}");
    assert!(daily > 10, "daily {daily}");
}

#[test]
fn every_fraud_type_is_injected_with_labels_that_point_at_records() {
    let cfg = small(FraudRates::uniform(0.08));
    let days = all_days(&cfg);
    let txns: HashSet<&str> = days
        .iter()
        .flat_map(|d| &d.transactions)
        .map(|t| t.key.source_txn_id.as_str())
        .collect();
    let events: HashSet<&str> = days
        .iter()
        .flat_map(|d| &d.drawer_events)
        .map(|e| e.source_event_id.as_str())
        .collect();
    let mut seen = HashSet::new();
    for l in days.iter().flat_map(|d| &d.labels) {
        seen.insert(l.fraud_type);
        match (&l.source_txn_id, &l.source_event_id) {
            (Some(t), None) => assert!(txns.contains(t.as_str()), "{l:?}"),
            (None, Some(e)) => assert!(events.contains(e.as_str()), "{l:?}"),
            _ => panic!("label must name exactly one record: {l:?}"),
        }
        assert!(l.cashier_id.is_some());
    }
    for ft in FraudType::ALL {
        assert!(seen.contains(&ft), "{ft:?} never injected");
    }
    let cd = cashier_day_labels(days.iter().flat_map(|d| &d.labels));
    assert!(cd.len() > 20);
}

#[test]
fn inventory_covers_every_sku_and_store_every_day() {
    let cfg = small(FraudRates::none());
    let d = generate_day(&cfg, 3);
    assert_eq!(d.inventory.len(), (cfg.stores * cfg.skus) as usize);
    assert!(d.inventory.iter().all(|i| i.on_hand >= Decimal::ZERO));
}

#[test]
fn bad_config_is_refused_with_a_reason() {
    let cfg = ChainConfig {
        open_hour: 22,
        close_hour: 8,
        ..ChainConfig::default()
    };
    assert!(cfg.validate().unwrap_err().contains("open_hour"));
    assert!(ChainConfig::default().validate().is_ok());
}

#[test]
fn varied_shapes_change_only_the_fraud_and_keep_it_labelled_and_valid() {
    let cfg = small(FraudRates::uniform(0.2));
    let varied = ChainConfig {
        fraud_shapes: FraudShapes::Varied,
        ..cfg.clone()
    };
    let (a, b) = (generate_day(&cfg, 12), generate_day(&varied, 12));
    // Same episodes, same honest traffic: the labels name the same records and types.
    let key = |d: &DayData| -> Vec<(FraudType, Option<String>, Option<String>)> {
        d.labels
            .iter()
            .map(|l| {
                (
                    l.fraud_type,
                    l.source_txn_id.clone(),
                    l.source_event_id.clone(),
                )
            })
            .collect()
    };
    assert_eq!(key(&a), key(&b));
    let fraud: HashSet<&str> = a
        .labels
        .iter()
        .filter_map(|l| l.source_txn_id.as_deref())
        .collect();
    let honest = |d: &DayData| -> Vec<Transaction> {
        d.transactions
            .iter()
            .filter(|t| !fraud.contains(t.key.source_txn_id.as_str()))
            .cloned()
            .collect()
    };
    assert_eq!(honest(&a), honest(&b));
    let changed = a
        .transactions
        .iter()
        .zip(&b.transactions)
        .filter(|(x, y)| x != y)
        .count();
    assert!(
        changed > 0,
        "varied shapes changed no fraudulent transaction"
    );
    for t in &b.transactions {
        validate_transaction(t).unwrap_or_else(|e| panic!("{}: {e:?}", t.key.source_txn_id));
    }
}

#[test]
fn some_shifts_count_over_or_short_at_close_and_most_balance() {
    let cfg = small(FraudRates::uniform(0.0));
    let days = all_days(&cfg);
    let counts: Vec<&DrawerEvent> = days
        .iter()
        .flat_map(|d| &d.drawer_events)
        .filter(|e| e.kind == DrawerEventKind::OverShort)
        .collect();
    // One float (a loan) per shift, so the loans count the shifts.
    let shifts = days
        .iter()
        .flat_map(|d| &d.drawer_events)
        .filter(|e| e.kind == DrawerEventKind::Loan)
        .count();
    let share = counts.len() as f64 / shifts as f64;
    assert!(
        (0.15..0.35).contains(&share),
        "{} of {shifts}",
        counts.len()
    );
    let limit = Decimal::new(500, 2);
    assert!(counts
        .iter()
        .all(|e| !e.amount.is_zero() && e.amount.abs() <= limit));
    assert!(counts.iter().any(|e| e.amount < Decimal::ZERO));
    assert!(counts.iter().any(|e| e.amount > Decimal::ZERO));
}

#[test]
fn a_cash_skim_counts_the_drawer_short_by_notes_and_moves_nothing_else() {
    let honest = small(FraudRates {
        cash_skim: 0.0,
        ..FraudRates::uniform(0.05)
    });
    let skims = small(FraudRates {
        cash_skim: 0.3,
        ..FraudRates::uniform(0.05)
    });
    let (a, b) = (all_days(&honest), all_days(&skims));
    let skim_ids: HashSet<&str> = b
        .iter()
        .flat_map(|d| &d.labels)
        .filter(|l| l.fraud_type == FraudType::CashSkim)
        .filter_map(|l| l.source_event_id.as_deref())
        .collect();
    assert!(skim_ids.len() > 20, "{} skims", skim_ids.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.transactions, y.transactions);
        let others: Vec<&DrawerEvent> = y
            .drawer_events
            .iter()
            .filter(|e| !skim_ids.contains(e.source_event_id.as_str()))
            .collect();
        let mine: Vec<&DrawerEvent> = x.drawer_events.iter().collect();
        assert_eq!(mine, others);
        for e in y
            .drawer_events
            .iter()
            .filter(|e| skim_ids.contains(e.source_event_id.as_str()))
        {
            assert_eq!(e.kind, DrawerEventKind::OverShort);
            let taken = -e.amount;
            assert!(
                (Decimal::from(40)..=Decimal::from(200)).contains(&taken)
                    && (taken % Decimal::from(5)).is_zero(),
                "{e:?}"
            );
        }
    }
}

/// Receipt reuse: some fake refunds give back, in cash, a sale whose receipt an honest return
/// already brought back on an earlier day; the fraud that cites a real sale otherwise picks one
/// no honest return brings back (so a second refund is always labelled).
#[test]
fn a_receipt_refunded_again_was_brought_back_honestly_before() {
    let cfg = ChainConfig {
        days: 56,
        ..small(FraudRates {
            refund: 0.3,
            ..FraudRates::none()
        })
    };
    let days = all_days(&cfg);
    let fraud: HashSet<&str> = days
        .iter()
        .flat_map(|d| &d.labels)
        .filter_map(|l| l.source_txn_id.as_deref())
        .collect();
    let mut honest_cites: HashMap<&str, NaiveDate> = HashMap::new();
    let mut reused = 0;
    for t in days.iter().flat_map(|d| &d.transactions) {
        let Some(orig) = t.lines.iter().find_map(|l| l.original_txn_id.as_deref()) else {
            continue;
        };
        if !fraud.contains(t.key.source_txn_id.as_str()) {
            assert!(honest_cites.insert(orig, t.business_date).is_none());
        } else if let Some(back) = honest_cites.get(orig) {
            assert!(*back < t.business_date, "{}", t.key.source_txn_id);
            reused += 1;
        }
    }
    let said = days
        .iter()
        .flat_map(|d| &d.labels)
        .filter(|l| l.detail.contains("refunded again"))
        .count();
    assert!(reused >= 5, "only {reused} receipts reused");
    assert_eq!(reused, said);
}
