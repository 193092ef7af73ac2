//! Labelled fraud benchmark driver: generates a chain, learns baselines on the first
//! `--train` days (fraud included, as in real history), then streams the remaining days through
//! the real-time scorer and writes one TSV row per transaction, no-sale event and cashier-day
//! with its label, score and the raw features (for the IsolationForest peer in metrics.py).
//!
//! `cargo run --release -p pos-core --example fraud_bench -- --seed 1 --rate 0.02 --out x.tsv`
//! (`--shapes varied`: every fraud episode draws its own shape, see `synth::FraudShapes`).

use pos_core::fraud::{Monitor, FEATURES};
use pos_core::model::*;
use pos_core::synth::*;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Instant;

/// Per cashier today: feature sums, transactions, no-sales, drawer over/short at close.
type DaySums = (Vec<f64>, u32, u32, f64);

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

enum Rec<'a> {
    Txn(&'a Transaction),
    Event(&'a DrawerEvent),
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = arg(&args, "--seed", "1")
        .parse()
        .expect("--seed takes an integer");
    let rate: f64 = arg(&args, "--rate", "0.02")
        .parse()
        .expect("--rate takes a number");
    let days: u32 = arg(&args, "--days", "90")
        .parse()
        .expect("--days takes an integer");
    let train: u32 = arg(&args, "--train", "45")
        .parse()
        .expect("--train takes an integer");
    let out_path = arg(&args, "--out", "fraud_bench.tsv");
    let fraud_shapes = match arg(&args, "--shapes", "standard").as_str() {
        "standard" => FraudShapes::Standard,
        "varied" => FraudShapes::Varied,
        other => panic!("--shapes takes standard or varied, not {other}"),
    };
    let cfg = ChainConfig {
        seed,
        days,
        fraud: FraudRates::uniform(rate),
        fraud_shapes,
        ..ChainConfig::default()
    };
    cfg.validate().expect("valid config");
    let chain = Chain::new(&cfg);
    let mut mon = Monitor::new(None);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&out_path)?);
    let names: Vec<&str> = FEATURES.iter().map(|f| f.code).collect();
    writeln!(
        out,
        "level\tseed\trate\tid\tlabel\tscore\treasons\t{}\tunits\tln_value_per_unit\tover_short",
        names.join("\t")
    )?;
    let (mut scored, mut elapsed) = (0usize, 0f64);
    for d in 0..days {
        let data = chain.day(d);
        if d == train {
            mon.start_scoring();
        }
        let label_of: HashMap<&str, &str> = data
            .labels
            .iter()
            .map(|l| {
                (
                    l.source_txn_id
                        .as_deref()
                        .or(l.source_event_id.as_deref())
                        .unwrap(),
                    l.fraud_type.as_str(),
                )
            })
            .collect();
        let mut recs: Vec<Rec> = data
            .transactions
            .iter()
            .map(Rec::Txn)
            .chain(data.drawer_events.iter().map(Rec::Event))
            .collect();
        recs.sort_by_key(|r| match r {
            Rec::Txn(t) => t.occurred_at,
            Rec::Event(e) => e.occurred_at,
        });
        let mut cd_sum: BTreeMap<(String, String), DaySums> = BTreeMap::new();
        let t0 = Instant::now();
        for r in &recs {
            match r {
                Rec::Txn(t) => {
                    let Some((f, s)) = mon.observe_txn(t) else {
                        continue;
                    };
                    scored += 1;
                    let label = label_of
                        .get(t.key.source_txn_id.as_str())
                        .copied()
                        .unwrap_or("");
                    let reasons: Vec<String> = s
                        .reasons
                        .iter()
                        .take(3)
                        .map(|x| format!("{}:{:.1}", x.code, x.contribution))
                        .collect();
                    let vals: Vec<String> = f.values.iter().map(|v| format!("{v:.4}")).collect();
                    writeln!(
                        out,
                        "txn\t{seed}\t{rate}\t{}\t{label}\t{:.6}\t{}\t{}\t{}\t{:.4}\t0",
                        t.key.source_txn_id,
                        s.score,
                        reasons.join(","),
                        vals.join("\t"),
                        f.units,
                        f.ln_value_per_unit
                    )?;
                    let e = cd_sum
                        .entry((
                            t.key.store_id.clone(),
                            t.cashier_id.clone().unwrap_or_default(),
                        ))
                        .or_insert((vec![0.0; FEATURES.len()], 0, 0, 0.0));
                    e.0.iter_mut().zip(&f.values).for_each(|(a, b)| *a += b);
                    e.1 += 1;
                }
                Rec::Event(ev) => {
                    let e = cd_sum
                        .entry((
                            ev.store_id.clone(),
                            ev.cashier_id.clone().unwrap_or_default(),
                        ))
                        .or_insert((vec![0.0; FEATURES.len()], 0, 0, 0.0));
                    if ev.kind == DrawerEventKind::OverShort {
                        e.3 += ev.amount.to_f64().unwrap_or(0.0);
                    }
                    let Some(s) = mon.observe_drawer(ev) else {
                        continue;
                    };
                    e.2 += 1;
                    let label = label_of
                        .get(ev.source_event_id.as_str())
                        .copied()
                        .unwrap_or("");
                    let zeros = vec!["0"; FEATURES.len()].join("\t");
                    writeln!(
                        out,
                        "event\t{seed}\t{rate}\t{}\t{label}\t{:.6}\t\t{zeros}\t0\t0\t0",
                        ev.source_event_id, s.score
                    )?;
                }
            }
        }
        elapsed += t0.elapsed().as_secs_f64();
        let date = cfg.date(d);
        let closed = mon.close_days_before(date + chrono::Days::new(1));
        if d < train {
            continue;
        }
        let truth = cashier_day_labels(&data.labels);
        for ((store, cashier, day), s) in closed {
            let label = truth
                .get(&(store.clone(), cashier.clone(), day))
                .map(|v| v.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("+"))
                .unwrap_or_default();
            let (sum, n, ns, over_short) = cd_sum
                .get(&(store.clone(), cashier.clone()))
                .cloned()
                .unwrap_or((vec![0.0; FEATURES.len()], 0, 0, 0.0));
            let means: Vec<String> = sum
                .iter()
                .map(|v| format!("{:.5}", v / f64::from(n.max(1))))
                .collect();
            let reasons: Vec<String> = s
                .reasons
                .iter()
                .take(3)
                .map(|x| format!("{}:{:.1}", x.code, x.contribution))
                .collect();
            writeln!(
                out,
                "cd\t{seed}\t{rate}\t{store}/{cashier}/{day}\t{label}\t{:.6}\t{}\t{}\t{n}\t{:.5}\t{over_short:.2}",
                s.score,
                reasons.join(","),
                means.join("\t"),
                f64::from(ns) / f64::from(n.max(1))
            )?;
        }
    }
    eprintln!(
        "seed {seed} rate {rate}: scored {scored} transactions in {elapsed:.2} s ({:.0}/s)",
        scored as f64 / elapsed.max(1e-9)
    );
    Ok(())
}
