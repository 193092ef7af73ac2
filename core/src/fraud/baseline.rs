//! What honest looks like, per store, learned from history: how rare each feature value is
//! (empirical tails), the norm for value per item by weekday type and daypart (median/MAD),
//! shelf prices, and how often each signal family fires per transaction and per cashier-day.
//! Store baselines are shrunk toward the chain (their peer group), so small stores and rare
//! events are judged on more than a handful of days.

use super::features::{price_features, CheapItems, Family, PricedLine, TxnFeatures, FEATURES};
use super::stats::{median, median_mad, Tail};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Shrinkage strength toward the peer group, in transactions (tails) or cashier-days (rates).
pub const SHRINK_TXNS: f64 = 3000.0;
pub const SHRINK_DAYS: f64 = 30.0;
/// Shrinkage strength of a value-per-item norm toward a broader one, in baskets.
pub const SHRINK_BASKETS: f64 = 200.0;
/// Baselines carry a version; an unknown one is refused rather than misread.
pub const BASELINE_VERSION: u32 = 2;

/// Median and robust σ of ln(value per unit) for one segment of the week and day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Norm {
    pub median: f64,
    pub sigma: f64,
    pub n: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    /// `None` for the chain-wide (peer group) baseline.
    pub store_id: Option<String>,
    pub transactions: u64,
    pub cashier_days: u64,
    /// One per entry of [`FEATURES`].
    pub tails: Vec<Tail>,
    /// Tail of the under-ringing z-score (low value per unit against the segment norm).
    pub low_value_tail: Tail,
    /// Keyed by [`segment`]; `"all"` holds the store-wide norm.
    pub value_per_unit: BTreeMap<String, Norm>,
    pub cheap_price: Decimal,
    /// Share of sale lines rung at or below `cheap_price`.
    #[serde(default)]
    pub cheap_line_share: f64,
    pub reference_prices: HashMap<String, Decimal>,
    /// Share of transactions whose family evidence reaches a hit, per family.
    pub hit_rate: BTreeMap<Family, f64>,
    /// No-sale drawer opens per transaction (median over cashier-days, MAD as spread).
    pub no_sale_rate: f64,
    pub no_sale_rate_mad: f64,
    /// How short the drawers counted at close were on honest cashier-days (counted − expected,
    /// negated; a day without a count, or counted exact, is 0). Absent in baselines fitted before
    /// drawer counts were scored: such a baseline judges no count until it is refitted.
    #[serde(default)]
    pub drawer_short: Tail,
    /// How far over, likewise (an overage can be a sale not rung, its cash taken out later).
    #[serde(default)]
    pub drawer_over: Tail,
    /// The currencies of the history, sorted (empty in baselines fitted before they were kept).
    /// Amounts are comparable with another baseline's only when both have the one same currency.
    #[serde(default)]
    pub currencies: Vec<String>,
}

/// What the drawer events of the training window say per cashier-day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawerHistory {
    /// Drawer opened without a sale.
    pub no_sales: BTreeMap<CashierDayKey, u32>,
    /// Counted − expected at close, summed over the cashier-day's counts per currency (ISO 4217
    /// code): counts in different currencies are never added.
    pub over_short: BTreeMap<CashierDayKey, BTreeMap<String, f64>>,
}

/// (store, cashier, business date).
pub type CashierDayKey = (String, String, chrono::NaiveDate);

/// Weekend vs weekday × morning / midday / afternoon / evening: baskets differ by both.
pub fn segment(weekend: bool, hour: u32) -> String {
    let part = match hour {
        0..=10 => "morning",
        11..=13 => "midday",
        14..=16 => "afternoon",
        _ => "evening",
    };
    format!("{}:{part}", if weekend { "weekend" } else { "weekday" })
}

/// One training transaction: its features and where it happened.
#[derive(Debug, Clone)]
pub struct TrainingRow {
    pub cashier_day: (String, String, chrono::NaiveDate),
    pub weekend: bool,
    pub features: TxnFeatures,
    /// Sale lines, for learning shelf prices and then the price features that depend on them.
    pub lines: Vec<PricedLine>,
    /// ISO 4217 code of the transaction's amounts.
    pub currency: String,
}

impl Baseline {
    /// Pass one: tails, norms, prices. Hit rates and the under-ringing tail need
    /// scoring against this pass, which [`super::Baselines::fit`] does next.
    pub fn fit(store_id: Option<String>, rows: &[TrainingRow], drawer: &DrawerHistory) -> Baseline {
        let (reference_prices, cheap_price) = shelf_prices(rows);
        let cheap = CheapItems {
            price: cheap_price,
            line_share: cheap_line_share(rows, cheap_price),
        };
        let rows: Vec<TrainingRow> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                price_features(&r.lines, &reference_prices, cheap, &mut r.features.values);
                r
            })
            .collect();
        let rows = &rows[..];
        let tails = (0..FEATURES.len())
            .map(|j| {
                Tail::fit(
                    &rows
                        .iter()
                        .map(|r| r.features.values[j])
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let mut seg: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.features.units >= 1.0) {
            seg.entry(segment(r.weekend, r.features.hour))
                .or_default()
                .push(r.features.ln_value_per_unit);
            seg.entry("all".into())
                .or_default()
                .push(r.features.ln_value_per_unit);
        }
        let value_per_unit = seg
            .into_iter()
            .map(|(k, xs)| {
                let (m, s) = median_mad(&xs);
                (
                    k,
                    Norm {
                        median: m,
                        sigma: s.max(0.05),
                        n: xs.len() as u64,
                    },
                )
            })
            .collect();
        let (no_sale_rate, no_sale_rate_mad) = no_sale_norm(rows, &drawer.no_sales);
        let days: std::collections::BTreeSet<_> = rows.iter().map(|r| &r.cashier_day).collect();
        let currencies: std::collections::BTreeSet<&String> =
            rows.iter().map(|r| &r.currency).collect();
        let money = match currencies.len() {
            1 => currencies.first().map(|c| c.as_str()),
            _ => None,
        };
        let (drawer_short, drawer_over) =
            count_tails(store_id.as_deref(), money, rows, &drawer.over_short);
        Baseline {
            version: BASELINE_VERSION,
            store_id,
            transactions: rows.len() as u64,
            cashier_days: days.len() as u64,
            tails,
            low_value_tail: Tail::fit(&[]),
            value_per_unit,
            cheap_price,
            cheap_line_share: cheap.line_share,
            reference_prices,
            hit_rate: BTreeMap::new(),
            no_sale_rate,
            no_sale_rate_mad,
            drawer_short,
            drawer_over,
            currencies: currencies.into_iter().cloned().collect(),
        }
    }

    /// Whether amounts of this baseline can be shrunk toward `prior`'s: a yen store's refunds
    /// say nothing about how rare 400.00 refunded is at a dollar store. True for baselines
    /// fitted before currencies were kept (nothing says otherwise).
    pub fn same_money(&self, prior: &Baseline) -> bool {
        prior.currencies.is_empty()
            || (prior.currencies.len() == 1 && prior.currencies == self.currencies)
    }

    /// Whether this baseline's amounts, norms and shelf prices can judge money in `currency`:
    /// when it was fitted on that one currency. A baseline fitted before currencies were kept
    /// (empty `currencies`), or money of unknown currency (empty code), is judged as before.
    pub fn judges_money_of(&self, currency: &str) -> bool {
        currency.is_empty() || self.currencies.is_empty() || self.currencies == [currency]
    }

    /// The norm for a segment, shrunk toward the store-wide one when the segment is thin.
    pub fn norm(&self, weekend: bool, hour: u32) -> Option<Norm> {
        let all = *self.value_per_unit.get("all")?;
        let Some(s) = self.value_per_unit.get(&segment(weekend, hour)) else {
            return Some(all);
        };
        let w = s.n as f64 / (s.n as f64 + SHRINK_BASKETS);
        Some(Norm {
            median: w * s.median + (1.0 - w) * all.median,
            sigma: w * s.sigma + (1.0 - w) * all.sigma,
            n: s.n,
        })
    }

    /// A training row's features with the price features recomputed against this baseline.
    pub fn features_of(&self, r: &TrainingRow) -> TxnFeatures {
        let mut f = r.features.clone();
        price_features(
            &r.lines,
            &self.reference_prices,
            self.cheap(),
            &mut f.values,
        );
        f
    }

    /// The store's cheap-item norms, as feature extraction needs them.
    pub fn cheap(&self) -> CheapItems {
        CheapItems {
            price: self.cheap_price,
            line_share: self.cheap_line_share,
        }
    }

    /// Learns the no-sale norm from `rows`, the transactions of every currency: drawer opens are
    /// counted per cashier-day whatever its sales were paid in, and a cashier-day is judged on
    /// all its transactions. Per transaction of the main currency only, a store whose customers
    /// pay in two currencies would expect more opens than it sees (up to twice as many), and a
    /// cashier-day rung in the other currency would not count at all.
    pub fn fit_no_sales(&mut self, rows: &[TrainingRow], no_sales: &BTreeMap<CashierDayKey, u32>) {
        (self.no_sale_rate, self.no_sale_rate_mad) = no_sale_norm(rows, no_sales);
    }

    /// Shrinks the store's no-sale norm toward the chain's with weight
    /// cashier-days / (cashier-days + [`SHRINK_DAYS`]), as its other rates are: a store with two
    /// cashier-days of history, neither with a no-sale, would otherwise take "never" as the norm
    /// (the floor of 0.001 per transaction) and alert on the next two opens.
    pub fn shrink_no_sales_toward(&mut self, chain: &Baseline) {
        let n = self.cashier_days as f64;
        let w = n / (n + SHRINK_DAYS);
        self.no_sale_rate = w * self.no_sale_rate + (1.0 - w) * chain.no_sale_rate;
        self.no_sale_rate_mad = w * self.no_sale_rate_mad + (1.0 - w) * chain.no_sale_rate_mad;
    }

    /// Shrinks the store's value-per-item norms toward the chain's (the same segment, else the
    /// chain-wide one) with weight n/(n + [`SHRINK_BASKETS`]): three alike baskets have no
    /// spread, and against the σ floor of 0.05 an ordinary basket would be 10 σ "too cheap".
    /// Values are money: not toward a chain in other currencies.
    pub fn shrink_norms_toward(&mut self, chain: &Baseline) {
        let Some(&all) = chain.value_per_unit.get("all") else {
            return;
        };
        if !self.same_money(chain) {
            return;
        }
        for (k, own) in self.value_per_unit.iter_mut() {
            let prior = chain.value_per_unit.get(k).copied().unwrap_or(all);
            let w = own.n as f64 / (own.n as f64 + SHRINK_BASKETS);
            own.median = w * own.median + (1.0 - w) * prior.median;
            own.sigma = w * own.sigma + (1.0 - w) * prior.sigma;
        }
    }

    pub fn check_version(&self) -> Result<(), String> {
        if self.version == BASELINE_VERSION {
            Ok(())
        } else {
            Err(format!(
                "baseline version {} is not supported (expected {BASELINE_VERSION}); refit it",
                self.version
            ))
        }
    }
}

/// Shelf price = the median price items were rung at without override or discount; the cheap
/// cut-off is the 10th percentile of shelf prices.
fn shelf_prices(rows: &[TrainingRow]) -> (HashMap<String, Decimal>, Decimal) {
    let mut by_sku: HashMap<&str, Vec<Decimal>> = HashMap::new();
    for r in rows {
        for l in r
            .lines
            .iter()
            .filter(|l| !l.price_override && !l.discounted)
        {
            by_sku.entry(l.sku.as_str()).or_default().push(l.unit_price);
        }
    }
    let mut prices: HashMap<String, Decimal> = HashMap::new();
    for (sku, mut v) in by_sku {
        v.sort();
        prices.insert(sku.to_string(), v[v.len() / 2]);
    }
    let mut all: Vec<Decimal> = prices.values().copied().collect();
    all.sort();
    let cheap = all.get(all.len() / 10).copied().unwrap_or(Decimal::ONE);
    (prices, cheap)
}

/// Share of sale lines at or below the cheap cut-off (the base rate of the cheap-lines binomial).
fn cheap_line_share(rows: &[TrainingRow], cheap_price: Decimal) -> f64 {
    let (mut cheap, mut all) = (0u64, 0u64);
    for l in rows.iter().flat_map(|r| &r.lines) {
        all += 1;
        cheap += u64::from(l.unit_price <= cheap_price);
    }
    ((cheap as f64 + 1.0) / (all as f64 + 2.0)).min(0.5)
}

/// No-sales per transaction over cashier-days: median and MAD, so one drawer-happy cashier does
/// not move the norm; at least half the pooled rate (all opens over all transactions), so a
/// norm whose median is 0 still expects some.
fn no_sale_norm(rows: &[TrainingRow], no_sales: &BTreeMap<CashierDayKey, u32>) -> (f64, f64) {
    let mut txns: BTreeMap<&CashierDayKey, u32> = BTreeMap::new();
    for r in rows {
        *txns.entry(&r.cashier_day).or_default() += 1;
    }
    let rates: Vec<f64> = txns
        .iter()
        .map(|(k, n)| f64::from(*no_sales.get(*k).unwrap_or(&0)) / f64::from((*n).max(1)))
        .collect();
    if rates.is_empty() {
        return (0.02, 0.02);
    }
    let (m, s) = median_mad(&rates);
    // Pooled over transactions, not a mean of per-day rates: a day of 1 transaction and 20
    // opens (a manager changing floats) is a rate of 20 and would set the norm on its own.
    let opens: u32 = txns.keys().map(|k| *no_sales.get(*k).unwrap_or(&0)).sum();
    let mean = f64::from(opens) / f64::from(txns.values().sum::<u32>().max(1));
    // The median of a rare count is often 0; a trimmed mean keeps the expectation positive.
    let mut sorted = rates.clone();
    let trimmed = {
        let _ = median(&mut sorted);
        let keep = &sorted[..(sorted.len() * 9 / 10).max(1)];
        keep.iter().sum::<f64>() / keep.len() as f64
    };
    (m.max(trimmed).max(mean * 0.5).max(1e-3), s)
}

/// The honest tails of shortage and overage per cashier-day: over every cashier-day of the
/// store (the chain: of all stores) that rang a sale or counted a drawer, a day without a count
/// standing at 0. Some POS report an exact count as no event at all, so "no count" and
/// "counted exact" cannot be told apart; both are 0 here and at scoring. Only counts in the
/// baseline's currency (`money`, when its transactions have one) are taken: 5000 yen short is
/// not an honest dollar miscount, and a day's counts in two currencies are not one amount.
fn count_tails(
    store_id: Option<&str>,
    money: Option<&str>,
    rows: &[TrainingRow],
    over_short: &BTreeMap<CashierDayKey, BTreeMap<String, f64>>,
) -> (Tail, Tail) {
    let mut days: BTreeMap<(&CashierDayKey, &str), f64> = rows
        .iter()
        .map(|r| ((&r.cashier_day, r.currency.as_str()), 0.0))
        .collect();
    for (k, per_currency) in over_short {
        if store_id.is_some_and(|s| s != k.0) {
            continue;
        }
        for (c, x) in per_currency {
            if money.is_none_or(|m| m == c) {
                *days.entry((k, c.as_str())).or_default() += x;
            }
        }
    }
    let short: Vec<f64> = days.values().map(|x| (-x).max(0.0)).collect();
    let over: Vec<f64> = days.values().map(|x| x.max(0.0)).collect();
    (
        Tail::fit(&honest_part(short)),
        Tail::fit(&honest_part(over)),
    )
}

/// Fewest counts off (in one direction) before far-out ones are told apart from the rest.
const FENCE_MIN_COUNTS: usize = 8;

/// How far beyond the median amount off, in robust σ, a count stops being taken as honest.
const FENCE_SIGMAS: f64 = 6.0;

/// The days of one direction without the far-out amounts: beyond the median of the days that
/// were off by [`FENCE_SIGMAS`] robust σ (MAD). History holds some theft, and a skimming cashier
/// is short by tens where honest miscounts are a few units: left in, a few skims would make
/// 100.00 short look like something honest counts do now and then. Median and MAD, not
/// quartiles: they hold while up to ~40 % of the days off are theft, where a quartile fence
/// gives way at 25 %. A cashier-day dropped here counts in neither the days nor the counts off.
pub(super) fn honest_part(mut xs: Vec<f64>) -> Vec<f64> {
    let off: Vec<f64> = xs.iter().copied().filter(|x| *x > 0.0).collect();
    if off.len() < FENCE_MIN_COUNTS {
        return xs;
    }
    let (m, sigma) = median_mad(&off);
    let fence = m + FENCE_SIGMAS * sigma;
    xs.retain(|x| *x <= fence);
    xs
}

/// The shrunk hit rate of a family (store toward chain).
pub fn hit_rate(store: &Baseline, chain: Option<&Baseline>, fam: Family) -> f64 {
    let own = store.hit_rate.get(&fam).copied().unwrap_or(0.0);
    let n = store.transactions as f64;
    let prior = chain
        .and_then(|c| c.hit_rate.get(&fam).copied())
        .unwrap_or(own);
    let floor = 1.0 / (n + SHRINK_TXNS);
    ((n * own + SHRINK_TXNS * prior) / (n + SHRINK_TXNS)).max(floor)
}

pub fn to_f64(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(0.0)
}
