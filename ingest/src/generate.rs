//! `pos-ingest generate`: a synthetic chain (`pos_core::synth`) fed through the same path as
//! the service: each record is encoded as a canonical event, decoded by the canonical adapter,
//! and written by the writer (inbox, upsert, audit). Running it twice changes nothing.

use crate::adapters::canonical::{self, CONTENT_TYPE};
use crate::adapters::Context;
use crate::envelope::{prepack, Envelope, RawPayload};
use crate::writer::reference::{upsert_products, upsert_stores, ProductRow, StoreRow};
use crate::writer::{Counts, Writer};
use anyhow::Context as _;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use pos_core::synth::{Chain, ChainConfig, DayData};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Mutex};

#[derive(Debug, Clone)]
pub struct GenerateArgs {
    pub url: String,
    pub stores: u32,
    pub skus: u32,
    pub days: u32,
    pub seed: u64,
    pub tenant: String,
    pub start_date: Option<NaiveDate>,
    /// Transactions per writer batch (one PostgreSQL transaction each).
    pub batch: usize,
    /// Concurrent writer connections.
    pub writers: usize,
    pub progress: bool,
    /// Encode the whole chain as canonical events before the clock starts, so `elapsed` covers
    /// only what the service does with a payload (decode, pack, write), as a raw COPY's time
    /// covers only loading a file written beforehand. For benchmarks: every payload of the run
    /// is held in memory at once.
    pub encode_first: bool,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub counts: Counts,
    pub transactions: usize,
    pub lines: usize,
    pub drawer_events: usize,
    pub inventory_rows: usize,
    pub batches: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.elapsed.as_secs_f64().max(1e-9);
        let c = &self.counts;
        writeln!(
            f,
            "generated: {} transactions, {} sale lines, {} drawer events, {} inventory rows",
            self.transactions, self.lines, self.drawer_events, self.inventory_rows
        )?;
        writeln!(
            f,
            "written:   {} transactions, {} lines, {} rows in {} batches ({} duplicate payloads, {} rejects)",
            c.txns_written, c.lines_written, c.rows_written, self.batches, c.duplicates, c.rejects
        )?;
        write!(
            f,
            "time:      {:.1} s, {:.0} lines/s, {:.0} rows/s",
            s,
            self.lines as f64 / s,
            c.rows_written as f64 / s
        )
    }
}

/// The chain configuration for these arguments (demo defaults for everything not given).
pub fn chain_config(a: &GenerateArgs) -> anyhow::Result<ChainConfig> {
    let mut cfg = ChainConfig {
        seed: a.seed,
        tenant_id: a.tenant.clone(),
        stores: a.stores,
        skus: a.skus,
        days: a.days,
        ..ChainConfig::default()
    };
    if let Some(d) = a.start_date {
        cfg.start_date = d;
    }
    cfg.validate()
        .map_err(|e| anyhow::anyhow!("invalid chain: {e}"))?;
    Ok(cfg)
}

/// IANA name for a whole-hour UTC offset (`Etc/GMT+5` is UTC−5: the sign is inverted by POSIX).
pub fn offset_zone(minutes: i32) -> String {
    if minutes == 0 || minutes % 60 != 0 {
        return "UTC".into();
    }
    let h = -minutes / 60;
    format!("Etc/GMT{}{}", if h > 0 { "+" } else { "-" }, h.abs())
}

pub async fn run(a: GenerateArgs) -> anyhow::Result<Summary> {
    let cfg = chain_config(&a)?;
    let encoded = if a.encode_first {
        let c = cfg.clone();
        Some(tokio::task::spawn_blocking(move || encode_chain(&c)).await??)
    } else {
        None
    };
    let started = Instant::now();
    let first = Writer::connect(&a.url)
        .await
        .context("connecting to PostgreSQL")?;
    write_reference(&first, &cfg).await?;

    let (tx, rx) = mpsc::channel::<Vec<Envelope>>(a.writers.max(1) * 2);
    let gen_cfg = cfg.clone();
    let batch = a.batch.max(1);
    let bar = progress(a.progress, u64::from(cfg.days));
    let gen_bar = bar.clone();
    let producer = tokio::task::spawn_blocking(move || match encoded {
        Some(days) => send_batches(&gen_cfg, days.into_iter().map(Ok), batch, &tx, &gen_bar),
        None => {
            let chain = Chain::new(&gen_cfg);
            let days = (0..gen_cfg.days).map(|d| encode_day(&gen_cfg, d, &chain.day(d)));
            send_batches(&gen_cfg, days, batch, &tx, &gen_bar)
        }
    });

    let rx = Arc::new(Mutex::new(rx));
    let mut writers = vec![first];
    for _ in 1..a.writers.max(1) {
        writers.push(
            Writer::connect(&a.url)
                .await
                .context("connecting to PostgreSQL")?,
        );
    }
    let mut tasks = Vec::new();
    for mut w in writers {
        let rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            let mut total = Counts::default();
            let mut batches = 0;
            loop {
                let next = rx.lock().await.recv().await;
                let Some(envs) = next else { break };
                let o = w.write("generate", &envs).await?;
                total.add(&o.counts);
                batches += 1;
            }
            anyhow::Ok((total, batches))
        }));
    }
    let mut written = Counts::default();
    let mut batches = 0;
    for t in tasks {
        let (c, b) = t.await.context("writer panicked")??;
        written.add(&c);
        batches += b;
    }
    let mut summary = producer.await.context("generator panicked")??;
    summary.counts = written;
    summary.batches = batches;
    bar.finish_and_clear();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn progress(show: bool, days: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(days);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] day {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

async fn write_reference(w: &Writer, cfg: &ChainConfig) -> anyhow::Result<()> {
    let chain = Chain::new(cfg);
    let stores: Vec<StoreRow> = (0..cfg.stores)
        .map(|s| StoreRow {
            tenant_id: cfg.tenant_id.clone(),
            store_id: cfg.store_id(s),
            name: Some(format!("Store {}", s + 1)),
            timezone: offset_zone(cfg.timezone_offset_minutes),
            currency: cfg.currency.clone(),
        })
        .collect();
    upsert_stores(w.client(), &stores)
        .await
        .context("writing pos.store")?;
    let products: Vec<ProductRow> = chain
        .products()
        .iter()
        .map(|p| ProductRow {
            tenant_id: cfg.tenant_id.clone(),
            sku: p.sku.clone(),
            gtin: p.gtin.clone(),
            description: Some(p.description.clone()),
            category: Some(p.category.clone()),
            unit_price: Some(p.unit_price),
            currency: Some(p.currency.clone()),
        })
        .collect();
    upsert_products(w.client(), &products)
        .await
        .context("writing pos.product")?;
    Ok(())
}

/// One day of the chain as the canonical events a POS would send, with what they hold.
pub struct EncodedDay {
    /// One event per transaction and drawer event.
    singles: Vec<String>,
    /// One NDJSON payload per store of that day's stock levels.
    inventory: Vec<(RawPayload, String)>,
    transactions: usize,
    lines: usize,
    drawer_events: usize,
    inventory_rows: usize,
}

/// Every day of the chain, encoded (for [`GenerateArgs::encode_first`]).
fn encode_chain(cfg: &ChainConfig) -> anyhow::Result<Vec<EncodedDay>> {
    let chain = Chain::new(cfg);
    (0..cfg.days)
        .map(|d| encode_day(cfg, d, &chain.day(d)))
        .collect()
}

/// Runs on a blocking thread: decodes day by day and sends batches of envelopes.
fn send_batches(
    cfg: &ChainConfig,
    days: impl Iterator<Item = anyhow::Result<EncodedDay>>,
    batch: usize,
    tx: &mpsc::Sender<Vec<Envelope>>,
    bar: &ProgressBar,
) -> anyhow::Result<Summary> {
    let ctx = Context::for_tenant(&cfg.tenant_id);
    let mut s = Summary::default();
    for day in days {
        let day = day?;
        s.transactions += day.transactions;
        s.lines += day.lines;
        s.drawer_events += day.drawer_events;
        s.inventory_rows += day.inventory_rows;
        let mut envs = decode_day(&ctx, day)?.into_iter();
        // Moved into their batches, not copied: a deep copy of every envelope was ~2 % of
        // generate's own CPU, and dropping the originals as much again.
        loop {
            let mut chunk: Vec<Envelope> = envs.by_ref().take(batch).collect();
            if chunk.is_empty() {
                break;
            }
            prepack(&mut chunk);
            if tx.blocking_send(chunk).is_err() {
                anyhow::bail!("the writers stopped early (see the error above)");
            }
        }
        bar.inc(1);
    }
    Ok(s)
}

/// One envelope per transaction and drawer event, one per store-day of inventory.
pub fn day_envelopes(
    ctx: &Context,
    cfg: &ChainConfig,
    day: u32,
    data: &DayData,
) -> anyhow::Result<Vec<Envelope>> {
    decode_day(ctx, encode_day(cfg, day, data)?)
}

/// The synthetic day as canonical events (the generator's part: not the service's work).
fn encode_day(cfg: &ChainConfig, day: u32, data: &DayData) -> anyhow::Result<EncodedDay> {
    let mut singles = Vec::with_capacity(data.transactions.len() + data.drawer_events.len());
    for t in &data.transactions {
        singles.push(serde_json::to_string(&canonical::encode_transaction(t))?);
    }
    for d in &data.drawer_events {
        singles.push(serde_json::to_string(&canonical::encode_drawer(d))?);
    }
    let mut inventory = Vec::new();
    for s in 0..cfg.stores {
        let store = cfg.store_id(s);
        let mut text = String::new();
        for l in data.inventory.iter().filter(|l| l.store_id == store) {
            text.push_str(&serde_json::to_string(&canonical::encode_inventory(
                l,
                &cfg.source,
                0,
            ))?);
            text.push('\n');
        }
        if text.is_empty() {
            continue;
        }
        let raw = RawPayload {
            tenant_id: cfg.tenant_id.clone(),
            source: cfg.source.clone(),
            event_id: format!("{}/{}/inventory/{}", cfg.source, store, cfg.date(day)),
            content_type: CONTENT_TYPE.into(),
            payload: String::new(),
            packed: None,
        };
        inventory.push((raw, text));
    }
    Ok(EncodedDay {
        singles,
        inventory,
        transactions: data.transactions.len(),
        lines: data.transactions.iter().map(|t| t.lines.len()).sum(),
        drawer_events: data.drawer_events.len(),
        inventory_rows: data.inventory.len(),
    })
}

/// The canonical adapter's reading of a day's events (the service's part).
fn decode_day(ctx: &Context, day: EncodedDay) -> anyhow::Result<Vec<Envelope>> {
    let mut out = Vec::with_capacity(day.singles.len() + day.inventory.len());
    for text in &day.singles {
        out.push(single(ctx, text)?);
    }
    for (raw, text) in day.inventory {
        out.push(canonical::envelope_of_lines(ctx, raw, text)?);
    }
    Ok(out)
}

fn single(ctx: &Context, text: &str) -> anyhow::Result<Envelope> {
    let mut envs = canonical::envelopes(ctx, text);
    let (_, _, env) = envs
        .pop()
        .context("an encoded event produced no envelope")?;
    env.map_err(|e| anyhow::anyhow!("generated event does not decode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_zone_names_invert_the_sign() {
        assert_eq!(offset_zone(-300), "Etc/GMT+5");
        assert_eq!(offset_zone(60), "Etc/GMT-1");
        assert_eq!(offset_zone(0), "UTC");
    }

    #[test]
    fn a_generated_day_round_trips_through_the_canonical_adapter() {
        let a = GenerateArgs {
            url: String::new(),
            stores: 1,
            skus: 40,
            days: 2,
            seed: 7,
            tenant: "t".into(),
            start_date: None,
            batch: 100,
            writers: 1,
            progress: false,
            encode_first: false,
        };
        let cfg = chain_config(&a).unwrap();
        let data = Chain::new(&cfg).day(1);
        let envs = day_envelopes(&Context::for_tenant("t"), &cfg, 1, &data).unwrap();
        let txns: Vec<_> = envs
            .iter()
            .flat_map(|e| &e.records)
            .filter_map(|r| match r {
                crate::envelope::Record::Txn(t) => Some(t.as_ref().clone()),
                _ => None,
            })
            .collect();
        assert!(
            envs.iter().all(|e| e.rejects.is_empty()),
            "{:?}",
            envs.iter().flat_map(|e| &e.rejects).next()
        );
        assert_eq!(
            txns, data.transactions,
            "decoding the encoded events gives back the generated transactions"
        );
        let inv: usize = envs
            .iter()
            .flat_map(|e| &e.records)
            .filter(|r| matches!(r, crate::envelope::Record::Inventory(_)))
            .count();
        assert_eq!(inv, data.inventory.len());
    }
}
