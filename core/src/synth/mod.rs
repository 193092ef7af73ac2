//! A labelled synthetic retail chain: stores, cashiers, a catalog with messy item ids, baskets with
//! weekly and intraday seasonality, returns linked to earlier sales, declines, cash drawers,
//! inventory — and every fraud pattern loss prevention looks for, injected at tunable rates with
//! labels. Reused by tests, benchmarks and the demo.
//!
//! Deterministic: the same [`ChainConfig`] gives the same chain on every machine, and
//! [`generate_day`] needs no earlier output, so callers can stream a long history day by day.
//! Fraud is an *episode* (a dishonest cashier-day or a card-testing burst) that alters or adds a
//! few records among honest traffic that has its own voids, discounts, returns and declines, so a
//! scorer has to learn what separates the two rather than spot generator artefacts (ids are
//! opaque hashes, fraud records share every honest code path).

mod basket;
mod catalog;
mod config;
mod inject;
mod labels;
mod plan;
mod rng;

pub use catalog::{check_digit, products, ItemCode, Product};
pub use config::{ChainConfig, FraudRates, FraudShapes};
pub use labels::{cashier_day_labels, CashierDayLabels, FraudLabel, FraudType};
pub use plan::WEEKDAY_FACTOR;

use crate::model::*;
use basket::Gen;
use chrono::Duration;
use plan::{shift_bounds, DayPlan, Episode};
use rng::{Rng, Stream};
use rust_decimal::Decimal;

/// Everything one business day of the whole chain produced, with its ground truth.
#[derive(Debug, Clone, Default)]
pub struct DayData {
    /// Per store, in order of `occurred_at`.
    pub transactions: Vec<Transaction>,
    pub drawer_events: Vec<DrawerEvent>,
    /// End-of-day stock per store and SKU.
    pub inventory: Vec<InventoryLevel>,
    pub labels: Vec<FraudLabel>,
}

/// A chain ready to generate days; keeps the catalog and recent day plans between calls, which
/// makes streaming many days cheaper than calling [`generate_day`] for each.
pub struct Chain<'a> {
    gen: Gen<'a>,
}

impl<'a> Chain<'a> {
    pub fn new(cfg: &'a ChainConfig) -> Chain<'a> {
        Chain { gen: Gen::new(cfg) }
    }

    pub fn products(&self) -> &[Product] {
        &self.gen.catalog
    }

    pub fn day(&self, day_index: u32) -> DayData {
        let mut out = DayData::default();
        for store in 0..self.gen.cfg.stores {
            store_day(&self.gen, store, day_index, &mut out);
        }
        if day_index % 32 == 31 {
            self.gen.forget_plans();
        }
        out
    }
}

/// One business day of every store. Pure in (config, day_index).
pub fn generate_day(cfg: &ChainConfig, day_index: u32) -> DayData {
    Chain::new(cfg).day(day_index)
}

fn store_day(g: &Gen, store: u32, day: u32, out: &mut DayData) {
    let plan = g.plan(store, day);
    let (s, d) = (u64::from(store), u64::from(day));
    let mut txns: Vec<Transaction> = Vec::with_capacity(plan.times.len() + 8);
    let mut labels = Vec::new();
    for i in 0..plan.times.len() {
        let ep = plan.episodes.iter().find(|e| e.slots.contains(&i));
        match ep {
            Some(ep) => {
                let mut t = g.sale(&plan, i);
                let mut r = Rng::keyed(g.cfg.seed, Stream::Fraud, &[s, d, i as u64, 1]);
                let detail = inject::alter(g, &plan, ep, &mut t, &mut r);
                labels.push(inject::label(g, ep.fraud, &t, detail));
                txns.push(t);
            }
            None => txns.extend(g.base_txns(&plan, i)),
        }
    }
    let mut events = honest_drawer_events(g, &plan);
    for (e_no, ep) in plan.episodes.iter().enumerate() {
        let mut r = Rng::keyed(g.cfg.seed, Stream::Fraud, &[s, d, u64::MAX, e_no as u64]);
        match ep.fraud {
            FraudType::Refund => {
                for k in 0..ep.extra {
                    let (t, detail) = inject::fake_refund(g, &plan, ep, k, &mut r);
                    labels.push(inject::label(g, FraudType::Refund, &t, detail));
                    txns.push(t);
                }
            }
            FraudType::NoSale => {
                for (k, at) in inject::no_sale_times(g, &plan, ep, &mut r)
                    .into_iter()
                    .enumerate()
                {
                    let tag = (5u64 << 32) | (u64::from(ep.cashier) << 16) | k as u64;
                    let e = drawer_event(
                        g,
                        &plan,
                        tag,
                        ep.cashier,
                        at,
                        DrawerEventKind::NoSale,
                        Decimal::ZERO,
                    );
                    let detail = format!("no-sale drawer open {} of {}", k + 1, ep.extra);
                    labels.push(event_label(FraudType::NoSale, &e, detail));
                    events.push(e);
                }
            }
            FraudType::CashSkim => {
                let (e, label) = cash_skim(g, &plan, ep, &mut r);
                labels.push(label);
                events.push(e);
            }
            _ => {}
        }
    }
    if let Some((start, n)) = plan.card_test {
        let mut r = Rng::keyed(g.cfg.seed, Stream::CardTesting, &[s, d]);
        for (t, detail) in inject::card_testing(g, &plan, start, n, &mut r) {
            labels.push(inject::label(g, FraudType::CardTesting, &t, detail));
            txns.push(t);
        }
    }
    txns.sort_by(|a, b| {
        a.occurred_at
            .cmp(&b.occurred_at)
            .then_with(|| a.key.source_txn_id.cmp(&b.key.source_txn_id))
    });
    events.sort_by(|a, b| {
        a.occurred_at
            .cmp(&b.occurred_at)
            .then_with(|| a.source_event_id.cmp(&b.source_event_id))
    });
    out.transactions.extend(txns);
    out.drawer_events.extend(events);
    out.inventory.extend(inventory(g, store, day));
    out.labels.extend(labels);
}

fn drawer_event(
    g: &Gen,
    plan: &DayPlan,
    tag: u64,
    cashier: u32,
    at: u32,
    kind: DrawerEventKind,
    amount: Decimal,
) -> DrawerEvent {
    let c = g.cfg;
    DrawerEvent {
        tenant_id: c.tenant_id.clone(),
        store_id: c.store_id(plan.store),
        source: c.source.clone(),
        source_event_id: g.txn_id(plan.store, plan.day, tag),
        source_version: 0,
        register_id: Some(format!(
            "{}-R{}",
            c.store_id(plan.store),
            plan.register_of(cashier, at, c)
        )),
        cashier_id: Some(c.cashier_id(plan.store, cashier)),
        kind,
        amount,
        currency: c.currency.clone(),
        occurred_at: g.at(plan.day, at),
        business_date: c.date(plan.day),
    }
}

/// The float loaned into the drawer at the start of each shift (cash from the safe, not
/// takings), a no-sale now and then to make change, and the odd paid-out (window cleaner, milk
/// for the break room).
fn honest_drawer_events(g: &Gen, plan: &DayPlan) -> Vec<DrawerEvent> {
    let mut r = Rng::keyed(
        g.cfg.seed,
        Stream::DrawerEvents,
        &[u64::from(plan.store), u64::from(plan.day)],
    );
    let mut v = Vec::new();
    let busy = plan.times.len() as f64 / g.cfg.mean_transactions_per_store_day.max(1.0);
    for (k, ro) in plan.rota.iter().enumerate() {
        let (a, b) = shift_bounds(g.cfg, ro.shift);
        let tag = (4u64 << 32) | ((k as u64) << 16);
        v.push(drawer_event(
            g,
            plan,
            tag,
            ro.cashier,
            a + 60,
            DrawerEventKind::Loan,
            Decimal::from(150),
        ));
        for n in 0..r.poisson(0.9 * busy) {
            let at = r.range_u32(a, b - 1);
            v.push(drawer_event(
                g,
                plan,
                tag | u64::from(n + 1),
                ro.cashier,
                at,
                DrawerEventKind::NoSale,
                Decimal::ZERO,
            ));
        }
    }
    for n in 0..r.poisson(0.3) {
        let ro = plan.rota[r.index(plan.rota.len())];
        let (a, b) = shift_bounds(g.cfg, ro.shift);
        let amount = Decimal::from(r.range_u32(5, 40));
        v.push(drawer_event(
            g,
            plan,
            (6u64 << 32) | u64::from(n),
            ro.cashier,
            r.range_u32(a, b - 1),
            DrawerEventKind::PaidOut,
            amount,
        ));
    }
    v.extend(counts_at_close(g, plan));
    v
}

/// The count of each shift's drawer when it closes: most balance, about one in four is off by
/// a few cents to a few units either way (miscounted change, a note handed back twice). Keyed
/// apart from the day's other drawer events, so adding it moved none of them.
fn counts_at_close(g: &Gen, plan: &DayPlan) -> Vec<DrawerEvent> {
    let mut r = Rng::keyed(
        g.cfg.seed,
        Stream::DrawerEvents,
        &[u64::from(plan.store), u64::from(plan.day), 1],
    );
    let mut v = Vec::new();
    for (k, ro) in plan.rota.iter().enumerate() {
        if !r.chance(0.25) {
            continue;
        }
        let (_, end) = shift_bounds(g.cfg, ro.shift);
        let cents = i64::from(r.range_u32(5, 500));
        let sign = if r.chance(0.6) { -1 } else { 1 };
        v.push(drawer_event(
            g,
            plan,
            (8u64 << 32) | k as u64,
            ro.cashier,
            end - 1,
            DrawerEventKind::OverShort,
            Decimal::new(sign * cents, 2),
        ));
    }
    v
}

/// A cashier who took cash from the till: their drawer counts short at close by what was taken
/// (beside any honest miscount of the same shift, which is its own event).
fn cash_skim(g: &Gen, plan: &DayPlan, ep: &Episode, r: &mut Rng) -> (DrawerEvent, FraudLabel) {
    let taken = inject::skim_amount(g, r);
    let end = plan
        .rota
        .iter()
        .filter(|ro| ro.cashier == ep.cashier)
        .map(|ro| shift_bounds(g.cfg, ro.shift).1)
        .max()
        .expect("episode cashier works today");
    let e = drawer_event(
        g,
        plan,
        (9u64 << 32) | u64::from(ep.cashier),
        ep.cashier,
        end - 1,
        DrawerEventKind::OverShort,
        -Decimal::from(taken),
    );
    let detail = format!("{taken} taken from the till; the drawer counted short at close");
    let label = event_label(FraudType::CashSkim, &e, detail);
    (e, label)
}

/// The ground truth of a fraudulent drawer event.
fn event_label(fraud_type: FraudType, e: &DrawerEvent, detail: String) -> FraudLabel {
    FraudLabel {
        fraud_type,
        tenant_id: e.tenant_id.clone(),
        store_id: e.store_id.clone(),
        cashier_id: e.cashier_id.clone(),
        business_date: e.business_date,
        source_txn_id: None,
        source_event_id: Some(e.source_event_id.clone()),
        detail,
    }
}

/// End-of-day stock: a replenishment sawtooth around each item's expected demand, so fast movers
/// cycle weekly and slow ones sit on the shelf for weeks (and sometimes run out).
fn inventory(g: &Gen, store: u32, day: u32) -> Vec<InventoryLevel> {
    let cfg = g.cfg;
    let total: f64 = g.catalog.iter().map(|p| p.popularity).sum();
    let units_per_day = cfg.mean_transactions_per_store_day * plan::store_factor(cfg, store) * 3.8;
    let as_of = g.at(day, cfg.close_hour * 3600) + Duration::minutes(5);
    g.catalog
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut r = Rng::keyed(cfg.seed, Stream::Inventory, &[u64::from(store), k as u64]);
            let rate = units_per_day * p.popularity / total;
            let cycle = if rate > 2.0 {
                7
            } else if rate > 0.3 {
                14
            } else {
                28
            };
            let phase = r.range_u32(0, cycle - 1);
            let top = (rate * f64::from(cycle) * r.range_f64(1.05, 1.4)).ceil() + 2.0;
            let mut rd = Rng::keyed(
                cfg.seed,
                Stream::Inventory,
                &[u64::from(store), k as u64, u64::from(day)],
            );
            let since = f64::from((day + phase) % cycle + 1);
            let sold = rate * since * rd.range_f64(0.7, 1.3);
            let on_hand = (top - sold).round().max(0.0);
            InventoryLevel {
                tenant_id: cfg.tenant_id.clone(),
                store_id: cfg.store_id(store),
                sku: p.sku.clone(),
                on_hand: if p.sold_by_weight {
                    Decimal::from_f64_retain(on_hand * 1.5)
                        .unwrap_or_default()
                        .round_dp(1)
                } else {
                    Decimal::from(on_hand as i64)
                },
                as_of,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
