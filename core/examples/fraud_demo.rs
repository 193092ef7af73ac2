//! Demo: generates the default chain (3 stores, 300 SKUs, 90 days), learns baselines on the first
//! 45 days, streams the rest through the real-time scorer and prints the riskiest cashier-days and
//! transactions with their reasons and (for the demo only) the generator's ground truth.
//!
//! `cargo run --release -p pos-core --example fraud_demo [-- --top 10 --seed 42]`

use pos_core::fraud::{Monitor, Score};
use pos_core::synth::*;
use std::collections::HashMap;

fn arg(name: &str, default: &str) -> String {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.into())
}

fn reasons(s: &Score) -> String {
    s.reasons
        .iter()
        .take(3)
        .map(|r| format!("{} (+{:.1}): {}", r.code, r.contribution, r.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

fn main() {
    let top: usize = arg("--top", "10").parse().expect("--top takes an integer");
    let cfg = ChainConfig {
        seed: arg("--seed", "42")
            .parse()
            .expect("--seed takes an integer"),
        ..ChainConfig::default()
    };
    let chain = Chain::new(&cfg);
    let mut mon = Monitor::new(None);
    let (mut txns, mut days, mut truth) = (vec![], vec![], HashMap::new());
    for d in 0..cfg.days {
        let data = chain.day(d);
        if d == cfg.days / 2 {
            mon.start_scoring();
        }
        for l in &data.labels {
            truth.insert(
                l.source_txn_id
                    .clone()
                    .or(l.source_event_id.clone())
                    .unwrap_or_default(),
                l.fraud_type.as_str(),
            );
        }
        for t in &data.transactions {
            if let Some((_, s)) = mon.observe_txn(t) {
                txns.push((
                    t.key.source_txn_id.clone(),
                    t.cashier_id.clone().unwrap_or_default(),
                    s,
                ));
            }
        }
        for e in &data.drawer_events {
            mon.observe_drawer(e);
        }
        let cd_truth = cashier_day_labels(&data.labels);
        for (k, s) in mon.close_days_before(cfg.date(d) + chrono::Days::new(1)) {
            let label = cd_truth
                .get(&k)
                .map(|v| v.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("+"))
                .unwrap_or_else(|| "honest".into());
            days.push((k, s, label));
        }
    }
    days.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    println!(
        "Riskiest cashier-days (of {}), days {}-{}:",
        days.len(),
        cfg.days / 2,
        cfg.days - 1
    );
    for ((store, cashier, date), s, label) in days.iter().take(top) {
        println!(
            "  {:.3}  {store} {cashier} {date}  [truth: {label}]  {}",
            s.score,
            reasons(s)
        );
    }
    txns.sort_by(|a, b| b.2.score.total_cmp(&a.2.score));
    println!("\nRiskiest transactions (of {}):", txns.len());
    for (id, cashier, s) in txns.iter().take(top) {
        println!(
            "  {:.3}  {id} {cashier}  [truth: {}]  {}",
            s.score,
            truth.get(id).copied().unwrap_or("honest"),
            reasons(s)
        );
    }
}
