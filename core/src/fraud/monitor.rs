//! A streaming scorer: feed transactions and drawer events in time order and it keeps the
//! context a real-time system has (sales seen so far, the last ten minutes of card attempts per
//! store, each cashier's day so far), scoring as records land. Without baselines it only records
//! training rows, from which [`Baselines::fit`] learns what honest looks like.

pub use super::baseline::CashierDayKey;
use super::baseline::{to_f64, Baseline, DrawerHistory, TrainingRow};
use super::features::{
    extract, local_time, priced_lines, receipt_facts, refunds_citing, CardAttempt, CheapItems,
    DaySoFar, Family, OriginalSale, TxnContext, TxnFeatures,
};
use super::score::{
    family_evidence, low_value_z, money_judge, score_cashier_day, score_no_sale, score_transaction,
    Calibration, CashierDay, Score, HIT_NATS,
};
use super::stats::Tail;
use crate::model::*;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The chain-wide baseline (peer group) and one per store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baselines {
    pub chain: Baseline,
    pub stores: BTreeMap<String, Baseline>,
}

impl Baselines {
    /// Learns baselines from training rows (see [`Monitor::training`]) and what the drawer
    /// events of the same window say per cashier-day.
    ///
    /// Each baseline (the chain's and every store's) learns from the transactions of one
    /// currency, the history's main one (see [`main_currency_rows`]): its tails of amounts, its
    /// value-per-item norms, shelf prices and drawer counts would otherwise pool yen with
    /// dollars. A store in another currency than most of the chain is left out of the chain's
    /// baseline, so it is not the peer group of the others' amounts, and none of its amounts are
    /// shrunk toward the chain's ([`Baseline::same_money`]). No-sale norms are counts, learned
    /// from the transactions of every currency ([`Baseline::fit_no_sales`]).
    pub fn fit(all_rows: &[TrainingRow], drawer: &DrawerHistory) -> Baselines {
        let rows = &main_currency_rows(all_rows)[..];
        let mut chain = Baseline::fit(None, rows, drawer);
        chain.fit_no_sales(all_rows, &drawer.no_sales);
        let all_by_store = rows_by_store(all_rows);
        let by_store: BTreeMap<String, Vec<TrainingRow>> = all_by_store
            .iter()
            .map(|(s, rs)| (s.clone(), main_currency_rows(rs)))
            .collect();
        let mut stores: BTreeMap<String, Baseline> = by_store
            .iter()
            .map(|(s, rs)| (s.clone(), Baseline::fit(Some(s.clone()), rs, drawer)))
            .collect();
        for (s, b) in stores.iter_mut() {
            b.fit_no_sales(&all_by_store[s], &drawer.no_sales);
            b.shrink_norms_toward(&chain);
        }
        // Pass two: the under-ringing tail and the family hit rates need the first pass.
        chain.low_value_tail = Tail::fit(
            &rows
                .iter()
                .map(|r| low_value_z(&chain.features_of(r), r.weekend, &chain).unwrap_or(0.0))
                .collect::<Vec<_>>(),
        );
        for (s, b) in stores.iter_mut() {
            b.low_value_tail = Tail::fit(
                &by_store[s]
                    .iter()
                    .map(|r| low_value_z(&b.features_of(r), r.weekend, b).unwrap_or(0.0))
                    .collect::<Vec<_>>(),
            );
        }
        chain.hit_rate = hit_rates(rows, &chain, None);
        for (s, b) in stores.iter_mut() {
            b.hit_rate = hit_rates(&by_store[s], b, Some(&chain));
            b.shrink_no_sales_toward(&chain);
        }
        Baselines { chain, stores }
    }

    /// The store's baseline, or the chain's for a store never seen in training.
    pub fn store(&self, store_id: &str) -> &Baseline {
        self.stores.get(store_id).unwrap_or(&self.chain)
    }
}

/// The rows of each store.
fn rows_by_store(rows: &[TrainingRow]) -> BTreeMap<String, Vec<TrainingRow>> {
    let mut by_store: BTreeMap<String, Vec<TrainingRow>> = BTreeMap::new();
    for r in rows {
        by_store
            .entry(r.cashier_day.0.clone())
            .or_default()
            .push(r.clone());
    }
    by_store
}

/// The rows in the currency most of them are in (ties: the first code in order), so amounts of
/// one baseline are all of one currency.
pub fn main_currency_rows(rows: &[TrainingRow]) -> Vec<TrainingRow> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *n.entry(r.currency.as_str()).or_default() += 1;
    }
    let Some(main) = n
        .iter()
        .rev()
        .max_by_key(|(_, k)| **k)
        .map(|(c, _)| c.to_string())
    else {
        return vec![];
    };
    rows.iter()
        .filter(|r| r.currency == main)
        .cloned()
        .collect()
}

fn hit_rates(
    rows: &[TrainingRow],
    b: &Baseline,
    chain: Option<&Baseline>,
) -> BTreeMap<Family, f64> {
    let mut hits: BTreeMap<Family, u64> = Family::TXN.iter().map(|f| (*f, 0)).collect();
    for r in rows {
        for (fam, (e, _, _)) in family_evidence(&b.features_of(r), r.weekend, b, chain) {
            if e >= HIT_NATS {
                *hits.entry(fam).or_default() += 1;
            }
        }
    }
    let n = rows.len().max(1) as f64;
    hits.into_iter().map(|(f, k)| (f, k as f64 / n)).collect()
}

/// Streaming state. `baselines = None` means training mode.
pub struct Monitor {
    pub baselines: Option<Baselines>,
    pub calibration: Calibration,
    sales: HashMap<String, OriginalSale>,
    /// Per sale id, what each return citing it refunded (by the return's id): a newer version
    /// of a return replaces its own amounts, and a return is never counted against itself.
    refunds: HashMap<String, HashMap<String, f64>>,
    /// Per return id, the sales it cites (to take its amounts back when it changes).
    cites: HashMap<String, Vec<String>>,
    windows: HashMap<String, VecDeque<CardAttempt>>,
    days: BTreeMap<CashierDayKey, (DaySoFar, CashierDay)>,
    /// What each transaction observed so far left in its day, so a newer version replaces it.
    seen: HashMap<TxnKey, Seen>,
    /// Each drawer event observed so far (by tenant, store, source and event id), likewise.
    drawer_seen: HashMap<[String; 4], DrawerSeen>,
    pub training: Vec<TrainingRow>,
    pub drawer: DrawerHistory,
}

/// The traces of one observed version of a transaction.
struct Seen {
    version: i64,
    day: CashierDayKey,
    customer: Option<String>,
    hits: Vec<Family>,
    /// Its row in [`Monitor::training`], while training.
    row: Option<usize>,
}

/// What one observed version of a drawer event added to its cashier's day.
struct DrawerSeen {
    version: i64,
    day: CashierDayKey,
    kind: DrawerEventKind,
    amount: f64,
    currency: String,
}

/// One hit less of a family, dropping it at zero: a family listed with 0 hits would be reported
/// among the cashier-day's hits.
fn one_less(hits: &mut BTreeMap<Family, u32>, fam: Family) {
    if let Some(n) = hits.get_mut(&fam) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            hits.remove(&fam);
        }
    }
}

/// Adds a count's over/short to what its currency already sums to: amounts of different
/// currencies are kept apart, never added.
fn add_count(per_currency: &mut BTreeMap<String, f64>, currency: &str, x: f64) {
    *per_currency.entry(currency.to_string()).or_default() += x;
}

fn key_of(store: &str, cashier: Option<&String>, date: NaiveDate) -> CashierDayKey {
    (
        store.to_string(),
        cashier.cloned().unwrap_or_else(|| "(none)".into()),
        date,
    )
}

impl Monitor {
    pub fn new(baselines: Option<Baselines>) -> Monitor {
        Monitor {
            baselines,
            calibration: Calibration::default(),
            sales: HashMap::new(),
            refunds: HashMap::new(),
            cites: HashMap::new(),
            windows: HashMap::new(),
            days: BTreeMap::new(),
            seen: HashMap::new(),
            drawer_seen: HashMap::new(),
            training: vec![],
            drawer: DrawerHistory::default(),
        }
    }

    /// The context of `t` right now (before `t` itself is recorded).
    pub fn context(&mut self, t: &Transaction) -> TxnContext {
        let window = self.windows.entry(t.key.store_id.clone()).or_default();
        let since = t.occurred_at - Duration::minutes(10);
        while window.front().is_some_and(|a| a.occurred_at < since) {
            window.pop_front();
        }
        let originals = t
            .lines
            .iter()
            .filter_map(|l| l.original_txn_id.as_ref())
            .filter_map(|id| {
                // A return inside the sale's own transaction (Toast and Clover refunds of the
                // check or order) cites it: that sale is `t` itself, as the database has it.
                let own = *id == t.key.source_txn_id && t.status == TxnStatus::Completed;
                let mut o = match own {
                    true => OriginalSale::of(t),
                    false => self.sales.get(id)?.clone(),
                };
                o.refunded = self.refunds.get(id).map_or(0.0, |by| {
                    by.iter()
                        .filter(|(r, _)| **r != t.key.source_txn_id)
                        .map(|(_, v)| v)
                        .sum()
                });
                Some((id.clone(), o))
            })
            .collect();
        let day = self
            .days
            .get(&key_of(
                &t.key.store_id,
                t.cashier_id.as_ref(),
                t.business_date,
            ))
            .map(|d| d.0.clone())
            .unwrap_or_default();
        TxnContext {
            originals,
            reference_prices: HashMap::new(),
            recent_card_attempts: window.iter().cloned().collect(),
            day,
            utc_offset_seconds: None,
        }
    }

    /// Scores `t` (None while training) and records it in the context of later records. A
    /// newer version of a transaction already observed (post-voided since, corrected) replaces
    /// it in its cashier's day and in the training rows; a replay of a version already observed,
    /// or of an older one, changes nothing and returns None.
    pub fn observe_txn(&mut self, t: &Transaction) -> Option<(TxnFeatures, Score)> {
        self.observe_txn_local(t, None)
    }

    /// [`Monitor::observe_txn`] for a store whose offset from UTC at `t`'s time is known
    /// (seconds, see [`TxnContext::utc_offset_seconds`]): training rows and scores take the
    /// weekday type and daypart on the store's clock, so a baseline fitted this way and the
    /// scores judged against it agree on which segment a sale belongs to.
    pub fn observe_txn_local(
        &mut self,
        t: &Transaction,
        utc_offset_seconds: Option<i32>,
    ) -> Option<(TxnFeatures, Score)> {
        let row = match self.seen.get(&t.key) {
            Some(prev) if prev.version >= t.source_version => return None,
            Some(_) => self.forget(&t.key),
            None => None,
        };
        let mut ctx = self.context(t);
        ctx.utc_offset_seconds = utc_offset_seconds;
        let weekend = local_time(t, ctx.utc_offset()).weekend;
        let key = key_of(&t.key.store_id, t.cashier_id.as_ref(), t.business_date);
        let mut training_row = None;
        let out = match &self.baselines {
            Some(b) => Some(score_in_context(t, ctx, b, &self.calibration)),
            None => {
                let r = TrainingRow {
                    cashier_day: key.clone(),
                    weekend,
                    features: extract(t, &ctx, CheapItems::default()),
                    lines: priced_lines(t),
                    currency: t.currency.clone(),
                };
                training_row = Some(match row {
                    Some(i) => {
                        self.training[i] = r;
                        i
                    }
                    None => {
                        self.training.push(r);
                        self.training.len() - 1
                    }
                });
                None
            }
        };
        self.record(t, &key, out.as_ref().map(|x| &x.1));
        self.seen.insert(
            t.key.clone(),
            Seen {
                version: t.source_version,
                day: key,
                customer: t.customer_id.clone(),
                hits: out.as_ref().map_or(vec![], |x| x.1.hits.clone()),
                row: training_row,
            },
        );
        out
    }

    /// Takes an earlier version of a transaction out of its cashier's day (its training row,
    /// returned, is overwritten by the newer version). The day's strongest evidence stays: a
    /// maximum cannot be taken back.
    fn forget(&mut self, key: &TxnKey) -> Option<usize> {
        let prev = self.seen.remove(key)?;
        if let Some((day, cd)) = self.days.get_mut(&prev.day) {
            day.transactions = day.transactions.saturating_sub(1);
            if prev.row.is_none() {
                // Scored, so counted in the cashier-day too (training rows are not).
                cd.transactions = cd.transactions.saturating_sub(1);
            }
            if let Some(n) = prev.customer.and_then(|c| day.customers.get_mut(&c)) {
                *n = n.saturating_sub(1);
            }
            for h in prev.hits {
                one_less(&mut day.hits, h);
                one_less(&mut cd.hits, h);
            }
        }
        prev.row
    }

    fn record(&mut self, t: &Transaction, key: &CashierDayKey, s: Option<&Score>) {
        let (day, cd) = self.days.entry(key.clone()).or_default();
        day.transactions += 1;
        if let Some(c) = &t.customer_id {
            *day.customers.entry(c.clone()).or_default() += 1;
        }
        if let Some(s) = s {
            for h in &s.hits {
                *day.hits.entry(*h).or_default() += 1;
            }
            cd.add_txn(s);
        }
        self.remember_sale(t);
        let window = self.windows.entry(t.key.store_id.clone()).or_default();
        for x in t.tenders.iter().filter(|x| x.method == TenderMethod::Card) {
            window.push_back(CardAttempt {
                occurred_at: x.occurred_at,
                status: x.status,
                bin: x.card_bin.clone(),
                fingerprint: x.card_fingerprint.clone(),
            });
        }
    }

    /// Remembers `t` as a sale later returns may cite, and what it refunds citing earlier sales,
    /// without scoring it or counting it in anyone's day: how a scorer started mid-stream learns
    /// the sales and returns rung before it started. A sale post-voided or cancelled since is
    /// forgotten: its money already went back, so a refund citing it is not backed (the database
    /// context likewise cites completed sales only); a return post-voided since refunded nothing.
    pub fn remember_sale(&mut self, t: &Transaction) {
        let id = &t.key.source_txn_id;
        if t.status != TxnStatus::Completed {
            self.sales.remove(id);
        } else if t.lines.iter().any(|l| l.kind == LineKind::Sale) {
            self.sales.insert(id.clone(), OriginalSale::of(t));
        }
        for orig in self.cites.remove(id).unwrap_or_default() {
            if let Some(by) = self.refunds.get_mut(&orig) {
                by.remove(id);
            }
        }
        let refunds = refunds_citing(t);
        if !refunds.is_empty() {
            self.cites
                .insert(id.clone(), refunds.keys().cloned().collect());
        }
        for (orig, value) in refunds {
            self.refunds
                .entry(orig)
                .or_default()
                .insert(id.clone(), value);
        }
    }

    /// Scores a drawer event (no-sales only; None for others or while training). A count at
    /// close adds its over/short to the cashier's day, judged when the day is scored. A newer
    /// version of an event already observed (a recount) replaces it; a replay of a version
    /// already observed, or of an older one, changes nothing and returns None.
    pub fn observe_drawer(&mut self, e: &DrawerEvent) -> Option<Score> {
        let id = [&e.tenant_id, &e.store_id, &e.source, &e.source_event_id].map(String::clone);
        match self.drawer_seen.get(&id) {
            Some(prev) if prev.version >= e.source_version => return None,
            Some(_) => self.forget_drawer(&id),
            None => {}
        }
        let key = key_of(&e.store_id, e.cashier_id.as_ref(), e.business_date);
        self.drawer_seen.insert(
            id,
            DrawerSeen {
                version: e.source_version,
                day: key.clone(),
                kind: e.kind,
                amount: to_f64(e.amount),
                currency: e.currency.clone(),
            },
        );
        if e.kind == DrawerEventKind::OverShort {
            let x = to_f64(e.amount);
            add_count(
                self.drawer.over_short.entry(key.clone()).or_default(),
                &e.currency,
                x,
            );
            add_count(
                &mut self.days.entry(key).or_default().1.over_short_by_currency,
                &e.currency,
                x,
            );
            return None;
        }
        if e.kind != DrawerEventKind::NoSale {
            return None;
        }
        *self.drawer.no_sales.entry(key.clone()).or_default() += 1;
        let (day, cd) = self.days.entry(key).or_default();
        let s = self
            .baselines
            .as_ref()
            .map(|b| score_no_sale(day, b.store(&e.store_id), &self.calibration));
        day.no_sales += 1;
        cd.no_sales += 1;
        s
    }

    /// Takes an earlier version of a drawer event out of its cashier's day.
    fn forget_drawer(&mut self, id: &[String; 4]) {
        let Some(prev) = self.drawer_seen.remove(id) else {
            return;
        };
        let days = self.days.get_mut(&prev.day);
        match prev.kind {
            DrawerEventKind::OverShort => {
                if let Some(x) = self.drawer.over_short.get_mut(&prev.day) {
                    add_count(x, &prev.currency, -prev.amount);
                }
                if let Some((_, cd)) = days {
                    add_count(&mut cd.over_short_by_currency, &prev.currency, -prev.amount);
                }
            }
            DrawerEventKind::NoSale => {
                if let Some(n) = self.drawer.no_sales.get_mut(&prev.day) {
                    *n = n.saturating_sub(1);
                }
                if let Some((day, cd)) = days {
                    day.no_sales = day.no_sales.saturating_sub(1);
                    cd.no_sales = cd.no_sales.saturating_sub(1);
                }
            }
            _ => {}
        }
    }

    /// Scores every cashier-day seen so far.
    pub fn cashier_days(&self) -> Vec<(CashierDayKey, Score)> {
        let Some(b) = &self.baselines else {
            return vec![];
        };
        self.days
            .iter()
            .map(|(k, (_, cd))| {
                (
                    k.clone(),
                    score_cashier_day(cd, b.store(&k.0), Some(&b.chain), &self.calibration),
                )
            })
            .collect()
    }

    /// Ends training: fits baselines from what was observed and scores from now on, keeping the
    /// context (sales seen, card windows, days so far) so returns still find their sales.
    pub fn start_scoring(&mut self) -> &Baselines {
        let b = Baselines::fit(&std::mem::take(&mut self.training), &self.drawer);
        self.baselines.insert(b)
    }

    /// Drops per-day state for business dates before `date` (streams stay bounded in memory).
    pub fn close_days_before(&mut self, date: NaiveDate) -> Vec<(CashierDayKey, Score)> {
        let old: Vec<CashierDayKey> = self.days.keys().filter(|k| k.2 < date).cloned().collect();
        self.seen.retain(|_, s| s.day.2 >= date);
        self.drawer_seen.retain(|_, s| s.day.2 >= date);
        let mut out = vec![];
        for k in old {
            let (_, cd) = self.days.remove(&k).expect("key just listed");
            if let Some(b) = &self.baselines {
                out.push((
                    k.clone(),
                    score_cashier_day(&cd, b.store(&k.0), Some(&b.chain), &self.calibration),
                ));
            }
        }
        out
    }
}

/// Scores one transaction in a context the caller assembled (the database does this from its
/// tables). Shelf prices and the cheap-item norms come from the baseline that judges the
/// transaction's money ([`money_judge`]: the store's, or the chain's when only it is in the
/// transaction's currency) unless the context brings its own prices; with neither in that
/// currency there are none, and the price-based features are not judged.
pub fn score_in_context(
    t: &Transaction,
    mut ctx: TxnContext,
    b: &Baselines,
    cal: &Calibration,
) -> (TxnFeatures, Score) {
    let store = b.store(&t.key.store_id);
    let money = money_judge(&t.currency, store, Some(&b.chain)).map(|m| m.baseline);
    if ctx.reference_prices.is_empty() {
        ctx.reference_prices = money.map_or_else(HashMap::new, |m| shelf_prices_of(t, m));
    }
    let weekend = local_time(t, ctx.utc_offset()).weekend;
    let f = extract(
        t,
        &ctx,
        money.map_or_else(CheapItems::default, Baseline::cheap),
    );
    let mut s = score_transaction(&f, weekend, &ctx.day, store, Some(&b.chain), cal);
    name_receipts(&mut s, t, &ctx);
    (f, s)
}

/// Refund reasons say which cited receipts back nothing and why (never rung, or refunded
/// already), so that the person checking an alert knows which receipt to pull.
fn name_receipts(s: &mut Score, t: &Transaction, ctx: &TxnContext) {
    const CODES: [&str; 3] = [
        "refund_receipt_unknown",
        "refund_without_sale",
        "refund_cash_anonymous",
    ];
    let facts = receipt_facts(t, ctx);
    if facts.is_empty() {
        return;
    }
    for r in s
        .reasons
        .iter_mut()
        .filter(|r| CODES.contains(&r.code.as_str()))
    {
        r.detail = format!("{}; {}", r.detail, facts.join("; "));
    }
}

/// The baseline's shelf prices of the items `t` rang.
fn shelf_prices_of(t: &Transaction, b: &Baseline) -> HashMap<String, Decimal> {
    t.lines
        .iter()
        .filter_map(|l| b.reference_prices.get(&l.sku).map(|p| (l.sku.clone(), *p)))
        .collect()
}
