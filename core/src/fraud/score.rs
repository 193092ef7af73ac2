//! Scores in [0, 1] with reasons. Evidence is measured in nats: −ln of how rare the observed
//! value is among the store's honest history (shrunk toward the chain). Signals of one family
//! corroborate each other; families add up; a cashier repeating the same kind of anomaly on one
//! business day adds the Poisson surprise of "k such transactions where μ were expected".
//! The score is the logistic of the evidence minus an offset that encodes how rare fraud is.

use super::baseline::{hit_rate, Baseline, SHRINK_DAYS, SHRINK_TXNS};
use super::features::{DaySoFar, Family, TxnFeatures, FEATURES};
use super::stats::{poisson_surprise, sigmoid, Tail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A family "fires" on a transaction when its evidence reaches this many nats (≈ 1 in 90).
pub const HIT_NATS: f64 = 4.5;
/// Per-family evidence an honest transaction may carry without counting (a loyalty discount,
/// one declined card): only evidence beyond it contributes to the score.
pub const FAMILY_ALLOWANCE: f64 = 2.5;

/// How much evidence makes a score of 0.5 (per tenant, see `pos.fraud_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub txn_offset: f64,
    pub cashier_day_offset: f64,
}

impl Default for Calibration {
    /// ≈ ln(prior odds of fraud): a transaction needs ~9 nats (a 1-in-8000 pattern) to reach 0.5.
    fn default() -> Self {
        Calibration {
            txn_offset: 9.0,
            cashier_day_offset: 6.0,
        }
    }
}

/// Why a score is what it is: a reason code, its share of the evidence (nats), and words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub contribution: f64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub score: f64,
    /// Total evidence in nats (before the offset).
    pub evidence: f64,
    /// Largest contribution first.
    pub reasons: Vec<Reason>,
    /// Families whose evidence reached [`HIT_NATS`] (feeds the cashier's day so far).
    pub hits: Vec<Family>,
}

/// Per-family evidence of one transaction, before repetition.
/// (evidence, index of the strongest feature — `usize::MAX` for low value per item —, its surprise).
pub fn family_evidence(
    f: &TxnFeatures,
    weekend: bool,
    store: &Baseline,
    chain: Option<&Baseline>,
) -> BTreeMap<Family, (f64, usize, f64)> {
    let mut per: BTreeMap<Family, Vec<(f64, usize)>> = BTreeMap::new();
    let money_prior = chain.filter(|c| store.same_money(c));
    for (j, &x) in f.values.iter().enumerate() {
        if x > 0.0 {
            let prior = if is_amount(j) { money_prior } else { chain };
            let s = -store.tails[j]
                .survival_shrunk(prior.map(|c| &c.tails[j]), SHRINK_TXNS, x)
                .ln();
            per.entry(FEATURES[j].family).or_default().push((s, j));
        }
    }
    if let Some(z) = low_value_z(f, weekend, store) {
        let s = -store
            .low_value_tail
            .survival_shrunk(chain.map(|c| &c.low_value_tail), SHRINK_TXNS, z)
            .ln();
        per.entry(Family::Sweetheart)
            .or_default()
            .push((s, usize::MAX));
    }
    // Corroboration: the strongest facet of a family counts fully, the other facets half; views
    // of one facet (see [`facet`]) are not independent, so only the strongest of them counts.
    per.into_iter()
        .map(|(fam, v)| {
            let mut facets: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
            for (s, j) in v {
                let e = facets.entry(facet(j)).or_insert((s, j));
                if s > e.0 {
                    *e = (s, j);
                }
            }
            let (top, j) = facets
                .values()
                .copied()
                .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
            let sum: f64 = facets.values().map(|x| x.0).sum();
            (fam, (top + 0.5 * (sum - top), j, top))
        })
        .collect()
}

/// Whether a feature is an amount of money (the post-void and refund values), comparable only
/// within one currency.
fn is_amount(j: usize) -> bool {
    matches!(FEATURES[j].family, Family::PostVoid | Family::Refund)
}

/// What a feature measures. The basket's value per item, its share of cheap units and its
/// number of cheap lines are three views of one thing (a basket rung up too cheaply).
fn facet(j: usize) -> &'static str {
    match j {
        usize::MAX => "under_ringing",
        _ if matches!(FEATURES[j].code, "cheap_unit_share" | "cheap_lines") => "under_ringing",
        _ => FEATURES[j].code,
    }
}

/// How far below the segment norm the value per unit is, in robust σ (baskets of 4+ units).
pub fn low_value_z(f: &TxnFeatures, weekend: bool, b: &Baseline) -> Option<f64> {
    if f.units < 4.0 {
        return None;
    }
    let n = b.norm(weekend, f.hour)?;
    let z = (n.median - f.ln_value_per_unit) / n.sigma;
    (z > 0.0).then_some(z)
}

fn feature_detail(j: usize, f: &TxnFeatures, s: f64) -> (String, String) {
    let rarity = format!("1 in {:.0} transactions", s.exp().min(1e9));
    if j == usize::MAX {
        let per_unit = f.ln_value_per_unit.exp();
        return (
            "low_value_per_item".into(),
            format!(
                "{:.0} items at {per_unit:.2} each, far below the basket norm ({rarity})",
                f.units
            ),
        );
    }
    let def = &FEATURES[j];
    (
        def.code.to_string(),
        format!("{}: {} ({rarity})", def.what, fmt_value(f.values[j])),
    )
}

fn fmt_value(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// Scores one transaction given what the cashier did earlier today.
pub fn score_transaction(
    f: &TxnFeatures,
    weekend: bool,
    day: &DaySoFar,
    store: &Baseline,
    chain: Option<&Baseline>,
    cal: &Calibration,
) -> Score {
    let fams = family_evidence(f, weekend, store, chain);
    let mut reasons = Vec::new();
    let mut hits = Vec::new();
    for (&fam, &(e, j, top)) in &fams {
        if e >= HIT_NATS {
            hits.push(fam);
        }
        let c = e - FAMILY_ALLOWANCE;
        if c <= 0.0 {
            continue;
        }
        let (code, detail) = feature_detail(j, f, top);
        reasons.push(Reason {
            code,
            contribution: c,
            detail,
        });
        if e >= HIT_NATS {
            let k = day.hits.get(&fam).copied().unwrap_or(0) + 1;
            if k >= 2 {
                let mu = f64::from(day.transactions + 1) * hit_rate(store, chain, fam);
                let extra = poisson_surprise(k, mu) - poisson_surprise(1, mu);
                if extra > 0.0 {
                    reasons.push(Reason {
                        code: format!("repeated_{}", fam.as_str()),
                        contribution: extra,
                        detail: format!(
                            "{k} such transactions by this cashier today, {mu:.2} expected"
                        ),
                    });
                }
            }
        }
    }
    finish(reasons, hits, cal.txn_offset)
}

fn finish(mut reasons: Vec<Reason>, hits: Vec<Family>, offset: f64) -> Score {
    reasons.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then_with(|| a.code.cmp(&b.code))
    });
    let evidence: f64 = reasons.iter().map(|r| r.contribution).sum();
    for r in reasons.iter_mut() {
        r.contribution = (r.contribution * 100.0).round() / 100.0;
    }
    Score {
        score: sigmoid(evidence - offset),
        evidence,
        reasons,
        hits,
    }
}

/// One cashier's business day, rolled up from transaction scores and drawer events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CashierDay {
    pub transactions: u32,
    pub hits: BTreeMap<Family, u32>,
    pub no_sales: u32,
    /// The strongest transaction evidence of the day, in nats.
    pub max_txn_evidence: f64,
    /// What the counts of the cashier's drawers at close found against what the POS expected,
    /// summed (counted − expected: negative short); 0 without a count. Its currency is not
    /// known: it is taken to be the store's. Used only when `over_short_by_currency` is empty.
    #[serde(default)]
    pub over_short: f64,
    /// The same per currency (ISO 4217 code → counted − expected, summed over that currency's
    /// counts). Each currency is judged on its own: 50.00 short in dollars and 40.00 over in
    /// Canadian dollars are not 10.00 short.
    #[serde(default)]
    pub over_short_by_currency: BTreeMap<String, f64>,
}

impl CashierDay {
    pub fn add_txn(&mut self, s: &Score) {
        self.transactions += 1;
        for h in &s.hits {
            *self.hits.entry(*h).or_default() += 1;
        }
        self.max_txn_evidence = self.max_txn_evidence.max(s.evidence);
    }

    /// The day's drawer counts to judge, one per currency (`None`: the currency-less sum of
    /// a summary that has no per-currency counts).
    pub fn counts(&self) -> Vec<(Option<&str>, f64)> {
        if self.over_short_by_currency.is_empty() {
            return vec![(None, self.over_short)];
        }
        self.over_short_by_currency
            .iter()
            .map(|(c, x)| (Some(c.as_str()), *x))
            .collect()
    }
}

/// Scores a cashier-day: per family, how surprising its count of hits is for that many
/// transactions at this store; no-sales against the store's per-transaction norm; a drawer
/// counted short or over at close against the store's honest counts; plus the margin of its
/// worst transaction over the alert offset.
pub fn score_cashier_day(
    d: &CashierDay,
    store: &Baseline,
    chain: Option<&Baseline>,
    cal: &Calibration,
) -> Score {
    let n = f64::from(d.transactions.max(1));
    let mut reasons = Vec::new();
    for (&fam, &k) in &d.hits {
        let mu = n * hit_rate(store, chain, fam);
        let c = poisson_surprise(k, mu) - 1.0;
        if c > 0.0 {
            reasons.push(Reason {
                code: fam.as_str().into(),
                contribution: c,
                detail: format!(
                    "{k} transactions with {} signals, {mu:.2} expected for {} transactions",
                    fam.as_str(),
                    d.transactions
                ),
            });
        }
    }
    let mu = no_sales_expected(d.transactions, store);
    let c = poisson_surprise(d.no_sales, mu) - 1.0;
    if c > 0.0 {
        reasons.push(Reason {
            code: "no_sale".into(),
            contribution: c,
            detail: format!(
                "{} no-sale drawer opens, {mu:.1} expected for {} transactions{}",
                d.no_sales,
                d.transactions,
                if d.transactions < NO_SALE_MIN_TRANSACTIONS {
                    format!(" ({NO_SALE_MIN_TRANSACTIONS} counted)")
                } else {
                    String::new()
                }
            ),
        });
    }
    let money_prior = chain.filter(|c| store.same_money(c));
    for (currency, x) in d.counts() {
        reasons.extend(drawer_count_reason(x, currency, store, money_prior));
    }
    let worst = d.max_txn_evidence - cal.txn_offset;
    if worst > 0.0 {
        reasons.push(Reason {
            code: "worst_transaction".into(),
            contribution: worst,
            detail: format!(
                "a transaction with {:.1} nats of evidence",
                d.max_txn_evidence
            ),
        });
    }
    let hits = d.hits.keys().copied().collect();
    finish(reasons, hits, cal.cashier_day_offset)
}

/// A count under this (in the currency's main unit) is a miscount, whatever the history: where
/// every honest count came out exact, 0.40 short would otherwise be "beyond anything seen".
pub const DRAWER_MATERIAL: f64 = 1.0;
/// Cashier-days with a count off (in the chain's history, which holds the store's) before counts
/// are judged at all: a history without counts says nothing about how far off an honest count
/// can be.
pub const DRAWER_MIN_COUNTS: u64 = 10;

/// A drawer that counted short (or over) at close by more than honest counts at this store do:
/// the rarity of the amount among the store's cashier-days (shrunk toward the chain), beyond
/// the family allowance. Cash taken from the till shows here and nowhere else. A count in
/// another currency than the store's history (known from its baseline) is not judged: there
/// are no honest counts in that currency to judge it by.
fn drawer_count_reason(
    over_short: f64,
    currency: Option<&str>,
    store: &Baseline,
    chain: Option<&Baseline>,
) -> Option<Reason> {
    let counts = |b: &Baseline| b.drawer_short.positive + b.drawer_over.positive;
    let foreign = currency
        .is_some_and(|c| !store.currencies.is_empty() && store.currencies.as_slice() != [c]);
    if foreign
        || over_short.abs() < DRAWER_MATERIAL
        || chain.map_or(counts(store), counts).max(counts(store)) < DRAWER_MIN_COUNTS
    {
        return None;
    }
    let (code, word, own, prior) = if over_short < 0.0 {
        (
            "drawer_short",
            "short",
            &store.drawer_short,
            chain.map(|c| &c.drawer_short),
        )
    } else {
        (
            "drawer_over",
            "over",
            &store.drawer_over,
            chain.map(|c| &c.drawer_over),
        )
    };
    let x = over_short.abs();
    let s = -amount_survival_shrunk(own, prior, x).ln();
    let c = s - FAMILY_ALLOWANCE;
    (c > 0.0).then(|| Reason {
        code: code.into(),
        contribution: c,
        detail: format!(
            "drawers counted {x:.2} {word} at close{}; honest counts at this store are that far \
             off about 1 in {:.0} cashier-days",
            currency.map_or(String::new(), |c| format!(" ({c})")),
            s.exp().min(1e9)
        ),
    })
}

/// How fast the rarity of a count grows beyond the largest honest one: P(≥ x) falls as
/// (largest / x)^3, so twice the worst honest miscount is 8× rarer. Money errors have heavier
/// tails than the exponential decay transaction features use, where 7.00 short against honest
/// counts of at most 5.00 would already read as "far beyond anything seen".
const DRAWER_TAIL_POWER: f64 = 3.0;

/// P(a cashier-day's count is off by ≥ x) among honest ones, the store's history shrunk toward
/// the chain's with weight n/(n + [`SHRINK_DAYS`]).
fn amount_survival_shrunk(own: &Tail, prior: Option<&Tail>, x: f64) -> f64 {
    let one = |t: &Tail| {
        let floor = 0.5 / (t.n as f64 + 1.0);
        match t.q.last() {
            Some(&top) if x > top => {
                (t.survival(top) * (top / x).powf(DRAWER_TAIL_POWER)).max(floor * floor)
            }
            _ => t.survival(x),
        }
    };
    match prior {
        Some(p) if p.n > 0 => {
            let w = own.n as f64 / (own.n as f64 + SHRINK_DAYS);
            w * one(own) + (1.0 - w) * one(p)
        }
        _ => one(own),
    }
}

/// Transactions a cashier is taken to have rung, at least, when no-sales are judged: drawers
/// are opened for change or a float check per shift as much as per sale, so on a short shift
/// (3 no-sales in 3 transactions) the per-transaction norm alone would make a few opens an alert.
pub const NO_SALE_MIN_TRANSACTIONS: u32 = 10;

/// No-sales expected after `transactions`: the store's norm (median plus half a MAD) per
/// transaction, over at least [`NO_SALE_MIN_TRANSACTIONS`]. The same in real time and for the
/// whole day, so a day never alerts on opens that each passed unremarked.
fn no_sales_expected(transactions: u32, store: &Baseline) -> f64 {
    let n = f64::from(transactions.max(NO_SALE_MIN_TRANSACTIONS));
    n * (store.no_sale_rate + 0.5 * store.no_sale_rate_mad)
}

/// Scores a no-sale drawer open in real time: the cashier's count so far against the norm.
pub fn score_no_sale(day: &DaySoFar, store: &Baseline, cal: &Calibration) -> Score {
    let k = day.no_sales + 1;
    let mu = no_sales_expected(day.transactions, store);
    let e = poisson_surprise(k, mu);
    let c = e - 1.0;
    let mut reasons = vec![];
    // Like a transaction's families, the no-sale family fires only on unusual evidence.
    let hits = if e >= HIT_NATS {
        vec![Family::NoSale]
    } else {
        vec![]
    };
    if c > 0.0 {
        reasons.push(Reason {
            code: "no_sale".into(),
            contribution: c,
            detail: format!("no-sale drawer open number {k} today, {mu:.1} expected so far"),
        });
    }
    finish(reasons, hits, cal.txn_offset)
}
