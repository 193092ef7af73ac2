//! Scores in [0, 1] with reasons. Evidence is measured in nats: −ln of how rare the observed
//! value is among the store's honest history (shrunk toward the chain). Signals of one family
//! corroborate each other; families add up; a cashier repeating the same kind of anomaly on one
//! business day adds the Poisson surprise of "k such transactions where μ were expected".
//! The score is the logistic of the evidence minus an offset that encodes how rare fraud is.

use super::baseline::{hit_rate, Baseline, SHRINK_DAYS, SHRINK_TXNS};
use super::features::{DaySoFar, Family, Money, TxnFeatures, FEATURES};
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
    /// What was left out of the evidence, or judged by another baseline than the store's, and
    /// why. Absent from JSON when empty, so consumers and scores stored before it read the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// A remark on how a score was made, contributing nothing: e.g. a transaction's amounts not
/// judged because its currency is not its baseline's (no "rare amount" from comparing yen with
/// dollars, and no silence left unexplained either).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub code: String,
    pub detail: String,
}

/// The baseline that judges a transaction's money: its amount tails, value-per-item norms, shelf
/// prices and cheap-item cut-off.
#[derive(Debug, Clone, Copy)]
pub struct MoneyJudge<'a> {
    pub baseline: &'a Baseline,
    /// The store's own baseline; false: the chain's, the store's being in another currency.
    pub own: bool,
}

/// Who judges money in `currency`: the store's baseline when it is in that currency (or keeps no
/// currencies: fitted before they were kept), else the chain's when it is in that currency, else
/// nobody: a yen amount is not rare or ordinary by a dollar history.
pub fn money_judge<'a>(
    currency: &str,
    store: &'a Baseline,
    chain: Option<&'a Baseline>,
) -> Option<MoneyJudge<'a>> {
    if store.judges_money_of(currency) {
        return Some(MoneyJudge {
            baseline: store,
            own: true,
        });
    }
    chain
        .filter(|c| c.currencies == [currency])
        .map(|c| MoneyJudge {
            baseline: c,
            own: false,
        })
}

/// The baseline whose tail judges evidence of this kind, and the one that tail is shrunk
/// toward; None when it is not judged. Counts: the store's, toward the chain's. Money: the one
/// that judges the transaction's money (`money`); the store's amounts are shrunk toward the
/// chain's only when both have one same currency, its price-based counts and shares always (they
/// are counts, each against its own prices); the chain's, judging in the store's stead, alone.
fn judged_by<'a>(
    kind: Money,
    money: Option<MoneyJudge<'a>>,
    store: &'a Baseline,
    chain: Option<&'a Baseline>,
) -> Option<(&'a Baseline, Option<&'a Baseline>)> {
    match (kind, money) {
        (Money::No, _) => Some((store, chain)),
        (_, None) => None,
        (_, Some(m)) if !m.own => Some((m.baseline, None)),
        (Money::Amount, _) => Some((store, chain.filter(|c| store.same_money(c)))),
        (Money::Priced, _) => Some((store, chain)),
    }
}

/// Why money in `currency` was not judged by the store's baseline (`what`: which money), or
/// None when it was.
fn money_note(
    what: &str,
    currency: &str,
    store: &Baseline,
    money: Option<MoneyJudge>,
) -> Option<Note> {
    let theirs = store.currencies.join(", ");
    match money {
        Some(m) if m.own => None,
        Some(_) => Some(Note {
            code: "amounts_judged_by_chain".into(),
            detail: format!(
                "{what} in {currency} judged against the chain's {currency} history: this \
                 store's baseline is in {theirs}"
            ),
        }),
        None => Some(Note {
            code: "amounts_not_judged".into(),
            detail: format!(
                "{what} in {currency} not judged: the baseline's are in {theirs}, and amounts \
                 of different currencies are not comparable"
            ),
        }),
    }
}

/// Per-family evidence of one transaction, before repetition.
/// (evidence, index of the strongest feature — `usize::MAX` for low value per item —, its surprise).
/// Money-based evidence (amounts, value per item, price-based features) is judged by the
/// baseline of the transaction's currency ([`money_judge`]), or not at all when neither store
/// nor chain is in it; price-based features must have been extracted against that baseline's
/// shelf prices and cheap-item norms (as [`super::score_in_context`] does).
pub fn family_evidence(
    f: &TxnFeatures,
    weekend: bool,
    store: &Baseline,
    chain: Option<&Baseline>,
) -> BTreeMap<Family, (f64, usize, f64)> {
    let mut per: BTreeMap<Family, Vec<(f64, usize)>> = BTreeMap::new();
    let money = money_judge(&f.currency, store, chain);
    for (j, &x) in f.values.iter().enumerate() {
        let judge = judged_by(FEATURES[j].money, money, store, chain);
        if let Some((own, prior)) = judge.filter(|_| x > 0.0) {
            let s = -own.tails[j]
                .survival_shrunk(prior.map(|c| &c.tails[j]), SHRINK_TXNS, x)
                .ln();
            per.entry(FEATURES[j].family).or_default().push((s, j));
        }
    }
    // Value per item against a norm of money; its z-score tail is a count of σ, like a priced
    // feature's.
    if let Some((own, prior)) = judged_by(Money::Priced, money, store, chain) {
        if let Some(z) = low_value_z(f, weekend, own) {
            let s = -own
                .low_value_tail
                .survival_shrunk(prior.map(|c| &c.low_value_tail), SHRINK_TXNS, z)
                .ln();
            per.entry(Family::Sweetheart)
                .or_default()
                .push((s, usize::MAX));
        }
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
    let money = money_judge(&f.currency, store, chain);
    let mut s = finish(reasons, hits, cal.txn_offset);
    s.notes
        .extend(money_note("amounts", &f.currency, store, money));
    s
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
        notes: vec![],
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
    let mut notes = vec![];
    for (currency, x) in d.counts() {
        let money = money_judge(currency.unwrap_or(""), store, chain);
        if x.abs() >= DRAWER_MATERIAL {
            let what = "the drawer count";
            notes.extend(currency.and_then(|c| money_note(what, c, store, money)));
        }
        let judge = judged_by(Money::Amount, money, store, chain);
        reasons.extend(judge.and_then(|(own, prior)| drawer_count_reason(x, currency, own, prior)));
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
    let mut s = finish(reasons, hits, cal.cashier_day_offset);
    s.notes = notes;
    s
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
/// the family allowance. Cash taken from the till shows here and nowhere else. `store` and
/// `chain` are the baselines that judge the count's currency ([`judged_by`]): a count in
/// another currency than the store's history is judged by the chain's when that is in it, else
/// not at all (there are no honest counts in that currency to judge it by).
fn drawer_count_reason(
    over_short: f64,
    currency: Option<&str>,
    store: &Baseline,
    chain: Option<&Baseline>,
) -> Option<Reason> {
    let counts = |b: &Baseline| b.drawer_short.positive + b.drawer_over.positive;
    if over_short.abs() < DRAWER_MATERIAL
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
