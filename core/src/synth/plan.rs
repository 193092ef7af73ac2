//! The skeleton of one store-day: how many transactions, when, by which cashier, of which kind,
//! and which cashiers commit which fraud. Everything here is cheap and a pure function of
//! (seed, store, day), so a return can look up the sale it refers to on an earlier day.

use super::config::ChainConfig;
use super::labels::FraudType;
use super::rng::{Rng, Stream};
use chrono::Datelike;
use std::collections::BTreeSet;

/// Mon..Sun demand multipliers (mean 1): Friday and Saturday peak, Tuesday is the quietest.
pub const WEEKDAY_FACTOR: [f64; 7] = [0.85, 0.82, 0.88, 0.95, 1.15, 1.35, 1.0];

/// What a base (honest) transaction slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    Sale,
    /// A return; `linked` when the customer brought the receipt.
    Return {
        linked: bool,
    },
    /// A sale the customer cancelled right after paying, re-rung at once with another tender.
    PostVoidRering,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    Morning,
    Evening,
}

/// A cashier working this day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rota {
    pub cashier: u32,
    pub shift: Shift,
    pub register: u32,
}

/// A dishonest cashier-day of one fraud type, with the base slots it takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    pub cashier: u32,
    pub fraud: FraudType,
    pub slots: Vec<usize>,
    /// Extra records the episode adds (refunds, no-sale opens), for types that add rather than alter.
    pub extra: u32,
}

#[derive(Debug, Clone)]
pub struct DayPlan {
    pub store: u32,
    pub day: u32,
    pub weekday: usize,
    /// Seconds after local midnight, ascending; slot i happens at `times[i]`.
    pub times: Vec<u32>,
    pub cashier: Vec<u32>,
    pub kind: Vec<BaseKind>,
    pub rota: Vec<Rota>,
    pub episodes: Vec<Episode>,
    /// Slots altered by fraud: a return never refers to one of these.
    pub altered: BTreeSet<usize>,
    /// Start (seconds after local midnight) and size of the card-testing burst, if any.
    pub card_test: Option<(u32, u32)>,
    /// Sales of this day that come back with their receipt: (slot, days later). Drawn by the
    /// sale itself, so no sale is brought back twice (a POS refuses a receipt line refunded
    /// already, and the fraud scores read a second refund of one as a signal).
    pub brought_back: Vec<(usize, u32)>,
}

/// Chance an honest, unaltered sale is drawn to come back with its receipt: well above the
/// share of linked return slots (1.6 %), so a day's linked returns rarely find no sale due;
/// sales drawn but not taken by a slot are simply kept.
const BROUGHT_BACK: f64 = 0.06;

/// A receipt comes back at most this many days after the sale.
pub const RETURN_WINDOW_DAYS: u32 = 28;

/// Store size multiplier, stable per store.
pub fn store_factor(cfg: &ChainConfig, store: u32) -> f64 {
    let mut r = Rng::keyed(cfg.seed, Stream::DayCount, &[u64::from(store), u64::MAX]);
    if store == 0 {
        1.0
    } else {
        r.range_f64(0.7, 1.3)
    }
}

pub fn day_plan(cfg: &ChainConfig, store: u32, day: u32) -> DayPlan {
    let weekday = cfg.date(day).weekday().num_days_from_monday() as usize;
    let (s, d) = (u64::from(store), u64::from(day));
    let mut rc = Rng::keyed(cfg.seed, Stream::DayCount, &[s, d]);
    // Gamma-Poisson: day-to-day variation beyond Poisson noise (weather, local events).
    let lambda = cfg.mean_transactions_per_store_day
        * WEEKDAY_FACTOR[weekday]
        * store_factor(cfg, store)
        * rc.gamma(40.0)
        / 40.0;
    let n = rc.poisson(lambda) as usize;
    let times = day_times(cfg, store, day, weekday, n);
    let rota = rota(cfg, store, day, weekday);
    let mut cashier = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    for (i, &t) in times.iter().enumerate() {
        let mut r = Rng::keyed(cfg.seed, Stream::TxnKind, &[s, d, i as u64]);
        let on = on_duty(cfg, &rota, t);
        cashier.push(on[r.index(on.len())]);
        let u = r.f64();
        kind.push(if u < 0.016 {
            BaseKind::Return { linked: true }
        } else if u < 0.021 {
            BaseKind::Return { linked: false }
        } else if u < 0.024 {
            BaseKind::PostVoidRering
        } else {
            BaseKind::Sale
        });
    }
    let mut plan = DayPlan {
        store,
        day,
        weekday,
        times,
        cashier,
        kind,
        rota,
        episodes: vec![],
        altered: BTreeSet::new(),
        card_test: None,
        brought_back: vec![],
    };
    plan_fraud(cfg, &mut plan);
    plan.brought_back = brought_back(cfg, &plan);
    plan
}

/// Which of the day's sales come back, and after how many days (1 + Poisson(6), within the
/// return window), each drawn from the sale's own key.
fn brought_back(cfg: &ChainConfig, plan: &DayPlan) -> Vec<(usize, u32)> {
    let (s, d) = (u64::from(plan.store), u64::from(plan.day));
    (0..plan.times.len())
        .filter(|j| plan.kind[*j] == BaseKind::Sale && !plan.altered.contains(j))
        .filter_map(|j| {
            let mut r = Rng::keyed(cfg.seed, Stream::Returns, &[s, d, j as u64]);
            r.chance(BROUGHT_BACK)
                .then(|| (j, 1 + r.poisson(6.0).min(RETURN_WINDOW_DAYS - 1)))
        })
        .collect()
}

/// Transaction start times from the intraday curve: a lunch peak, a larger after-work peak,
/// flatter and earlier on weekends.
fn day_times(cfg: &ChainConfig, store: u32, day: u32, weekday: usize, n: usize) -> Vec<u32> {
    let mut r = Rng::keyed(
        cfg.seed,
        Stream::DayTimes,
        &[u64::from(store), u64::from(day)],
    );
    let (open, close) = (f64::from(cfg.open_hour), f64::from(cfg.close_hour));
    let weekend = weekday >= 5;
    let density = |h: f64| {
        let g = |mu: f64, sd: f64| (-0.5 * ((h - mu) / sd).powi(2)).exp();
        if weekend {
            0.5 + 1.0 * g(13.0, 2.5) + 0.6 * g(17.0, 1.5)
        } else {
            0.35 + 0.9 * g(12.25, 0.9) + 1.2 * g(17.75, 1.3)
        }
    };
    let mut times: Vec<u32> = Vec::with_capacity(n);
    while times.len() < n {
        let h = r.range_f64(open, close);
        if r.f64() * 2.2 < density(h) {
            times.push((h * 3600.0) as u32);
        }
    }
    times.sort_unstable();
    times
}

/// Who works today: each cashier has two fixed days off a week and alternates morning/evening
/// shifts by week; a shift nobody covers is covered by the first cashier working that day.
fn rota(cfg: &ChainConfig, store: u32, day: u32, weekday: usize) -> Vec<Rota> {
    let week = (day + cfg.start_date.weekday().num_days_from_monday()) / 7;
    let mut out = Vec::new();
    for c in 0..cfg.cashiers_per_store {
        let off = [(c + store) as usize % 7, (c + store + 3) as usize % 7];
        if off.contains(&weekday) {
            continue;
        }
        let shift = if (c + week).is_multiple_of(2) {
            Shift::Morning
        } else {
            Shift::Evening
        };
        out.push(Rota {
            cashier: c,
            shift,
            register: 0,
        });
    }
    if out.is_empty() {
        out.push(Rota {
            cashier: 0,
            shift: Shift::Morning,
            register: 0,
        });
    }
    for shift in [Shift::Morning, Shift::Evening] {
        if !out.iter().any(|r| r.shift == shift) {
            let c = out[0].cashier;
            out.push(Rota {
                cashier: c,
                shift,
                register: 0,
            });
        }
    }
    for shift in [Shift::Morning, Shift::Evening] {
        for (k, r) in out.iter_mut().filter(|r| r.shift == shift).enumerate() {
            r.register = k as u32 + 1;
        }
    }
    out
}

/// Morning runs from opening to one hour past mid-day, evening from one hour before mid-day.
pub fn shift_bounds(cfg: &ChainConfig, shift: Shift) -> (u32, u32) {
    let mid = (cfg.open_hour + cfg.close_hour) * 1800;
    match shift {
        Shift::Morning => (cfg.open_hour * 3600, mid + 3600),
        Shift::Evening => (mid - 3600, cfg.close_hour * 3600),
    }
}

pub fn on_duty(cfg: &ChainConfig, rota: &[Rota], t: u32) -> Vec<u32> {
    let mut v: Vec<u32> = rota
        .iter()
        .filter(|r| {
            let (a, b) = shift_bounds(cfg, r.shift);
            a <= t && t < b
        })
        .map(|r| r.cashier)
        .collect();
    v.dedup();
    if v.is_empty() {
        v.push(rota[0].cashier);
    }
    v
}

impl DayPlan {
    pub fn register_of(&self, cashier: u32, t: u32, cfg: &ChainConfig) -> u32 {
        self.rota
            .iter()
            .find(|r| {
                let (a, b) = shift_bounds(cfg, r.shift);
                r.cashier == cashier && a <= t && t < b
            })
            .or_else(|| self.rota.iter().find(|r| r.cashier == cashier))
            .map_or(1, |r| r.register)
    }

    pub fn working(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.rota.iter().map(|r| r.cashier).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Picks the dishonest cashier-days and the slots they take over.
fn plan_fraud(cfg: &ChainConfig, plan: &mut DayPlan) {
    let mut r = Rng::keyed(
        cfg.seed,
        Stream::Fraud,
        &[u64::from(plan.store), u64::from(plan.day)],
    );
    let f = &cfg.fraud;
    let cashier_types = [
        (FraudType::LineVoid, f.line_void),
        (FraudType::PostVoid, f.post_void),
        (FraudType::Refund, f.refund),
        (FraudType::NoSale, f.no_sale),
        (FraudType::Discount, f.discount),
        (FraudType::KeyedOverride, f.keyed_override),
        (FraudType::Sweetheart, f.sweetheart),
    ];
    for c in plan.working() {
        for (ft, rate) in cashier_types {
            if !r.chance(rate) {
                continue;
            }
            let k = r.range_u32(cfg.fraud_txns_per_episode.0, cfg.fraud_txns_per_episode.1);
            let mut free: Vec<usize> = (0..plan.times.len())
                .filter(|&i| {
                    plan.cashier[i] == c
                        && plan.kind[i] == BaseKind::Sale
                        && !plan.altered.contains(&i)
                })
                .collect();
            let mut slots = Vec::new();
            let alters = !matches!(ft, FraudType::Refund | FraudType::NoSale);
            if alters {
                while slots.len() < k as usize && !free.is_empty() {
                    slots.push(free.swap_remove(r.index(free.len())));
                }
                slots.sort_unstable();
                plan.altered.extend(slots.iter().copied());
            }
            let extra = match ft {
                FraudType::Refund => k.div_ceil(2).max(2),
                FraudType::NoSale => 2 * k + r.range_u32(2, 4),
                _ => 0,
            };
            if alters && slots.is_empty() {
                continue;
            }
            plan.episodes.push(Episode {
                cashier: c,
                fraud: ft,
                slots,
                extra,
            });
        }
    }
    plan_skims(cfg, plan);
    if r.chance(f.card_testing) {
        let (a, b) = (cfg.open_hour * 3600, cfg.close_hour * 3600 - 1800);
        plan.card_test = Some((r.range_u32(a, b), r.range_u32(6, 18)));
    }
}

/// Cash skims, drawn per working cashier from their own stream (so adding them moved none of the
/// other episodes). The amount is drawn when the episode is injected.
fn plan_skims(cfg: &ChainConfig, plan: &mut DayPlan) {
    for c in plan.working() {
        let key = [u64::from(plan.store), u64::from(plan.day), u64::from(c), 9];
        if Rng::keyed(cfg.seed, Stream::Fraud, &key).chance(cfg.fraud.cash_skim) {
            plan.episodes.push(Episode {
                cashier: c,
                fraud: FraudType::CashSkim,
                slots: vec![],
                extra: 0,
            });
        }
    }
}
