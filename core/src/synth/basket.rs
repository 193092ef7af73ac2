//! Honest transactions: baskets, discounts, the odd void, returns linked to earlier sales, tenders
//! with the usual share of declines. Each one is a pure function of (seed, store, day, slot).

use super::catalog::{products, ItemCode, Product};
use super::config::ChainConfig;
use super::plan::{day_plan, BaseKind, DayPlan, RETURN_WINDOW_DAYS};
use super::rng::{mix, Rng, Stream};
use crate::model::*;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::HashMap;

const BINS: [&str; 8] = [
    "411111", "424242", "510510", "545454", "371449", "601100", "400551", "522222",
];

/// Shared, read-only generation state plus a cache of day plans (returns look back in time).
pub struct Gen<'a> {
    pub cfg: &'a ChainConfig,
    pub catalog: Vec<Product>,
    cumulative: Vec<f64>,
    /// Catalog indices sorted by price, cheapest first.
    pub by_price: Vec<usize>,
    plans: RefCell<HashMap<(u32, u32), DayPlan>>,
}

/// One line before money is computed.
#[derive(Debug, Clone)]
pub struct Ring {
    pub item: usize,
    pub qty: Decimal,
    pub unit_price: Decimal,
    pub discount: Decimal,
    pub entry: EntryMethod,
    pub price_override: bool,
}

pub fn round2(x: Decimal) -> Decimal {
    x.round_dp(2)
}

pub fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x).unwrap_or_default().round_dp(2)
}

impl<'a> Gen<'a> {
    pub fn new(cfg: &'a ChainConfig) -> Gen<'a> {
        let catalog = products(cfg);
        let mut acc = 0.0;
        let cumulative = catalog
            .iter()
            .map(|p| {
                acc += p.popularity;
                acc
            })
            .collect();
        let mut by_price: Vec<usize> = (0..catalog.len()).collect();
        by_price.sort_by(|&a, &b| {
            catalog[a]
                .unit_price
                .cmp(&catalog[b].unit_price)
                .then(a.cmp(&b))
        });
        Gen {
            cfg,
            catalog,
            cumulative,
            by_price,
            plans: RefCell::new(HashMap::new()),
        }
    }

    pub fn plan(&self, store: u32, day: u32) -> DayPlan {
        self.with_plan(store, day, DayPlan::clone)
    }

    /// Reads a day plan from the cache without copying it.
    fn with_plan<T>(&self, store: u32, day: u32, f: impl FnOnce(&DayPlan) -> T) -> T {
        f(self
            .plans
            .borrow_mut()
            .entry((store, day))
            .or_insert_with(|| day_plan(self.cfg, store, day)))
    }

    pub fn forget_plans(&self) {
        self.plans.borrow_mut().clear();
    }

    pub fn at(&self, day: u32, local_secs: u32) -> DateTime<Utc> {
        let local = self.cfg.date(day).and_hms_opt(0, 0, 0).expect("midnight")
            + Duration::seconds(i64::from(local_secs));
        (local - Duration::minutes(i64::from(self.cfg.timezone_offset_minutes))).and_utc()
    }

    /// Opaque source ids (like Square's or Shopify's) so nothing about a record leaks from its id.
    pub fn txn_id(&self, store: u32, day: u32, tag: u64) -> String {
        let h = mix(self.cfg.seed ^ mix(u64::from(store) << 40 ^ u64::from(day) << 20 ^ mix(tag)));
        format!(
            "{}-{}-{:010x}",
            self.cfg.store_id(store),
            self.cfg.date(day).format("%Y%m%d"),
            h & 0xff_ffff_ffff
        )
    }

    pub fn pick_item(&self, r: &mut Rng) -> usize {
        r.weighted(&self.cumulative)
    }

    pub fn customer(&self, store: u32, k: u64) -> String {
        format!("CUST-{}{:05}", store + 1, k)
    }

    pub fn customer_pool(&self, store: u32) -> u64 {
        (1500.0 * super::plan::store_factor(self.cfg, store)) as u64
    }

    /// A cashier's friends and family: they shop normally too, and are who insider fraud favours.
    pub fn linked_customers(&self, store: u32, cashier: u32) -> [String; 2] {
        let pool = self.customer_pool(store);
        let h = mix(self.cfg.seed ^ mix(0xF00D ^ u64::from(store) << 16 ^ u64::from(cashier)));
        [
            self.customer(store, h % pool),
            self.customer(store, mix(h) % pool),
        ]
    }

    pub fn card_of(&self, customer: &str) -> (String, String) {
        let h = customer
            .bytes()
            .fold(mix(self.cfg.seed ^ 0xCA4D), |a, b| mix(a ^ u64::from(b)));
        (
            format!("fp_{:012x}", h & 0xffff_ffff_ffff),
            BINS[(h >> 50) as usize % BINS.len()].to_string(),
        )
    }

    pub fn random_card(&self, r: &mut Rng) -> (String, String) {
        (
            format!("fp_{:012x}", r.next_u64() & 0xffff_ffff_ffff),
            BINS[r.index(BINS.len())].to_string(),
        )
    }

    /// A normal scanned or keyed line at shelf price.
    pub fn ring(&self, r: &mut Rng, item: usize) -> Ring {
        let p = &self.catalog[item];
        let qty = if p.sold_by_weight {
            Decimal::new(r.range_u32(150, 2500) as i64, 3)
        } else {
            Decimal::from([1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 6][r.index(12)])
        };
        let entry = match p.code {
            ItemCode::Plu => EntryMethod::Keyed,
            ItemCode::Vendor if r.chance(0.1) => EntryMethod::Keyed,
            _ if r.chance(0.012) => EntryMethod::Keyed,
            _ => EntryMethod::Scanned,
        };
        Ring {
            item,
            qty,
            unit_price: p.unit_price,
            discount: Decimal::ZERO,
            entry,
            price_override: false,
        }
    }

    pub fn line(&self, no: i32, kind: LineKind, ring: &Ring) -> Line {
        let p = &self.catalog[ring.item];
        let sign = if kind == LineKind::Sale {
            Decimal::ONE
        } else {
            -Decimal::ONE
        };
        let gross = round2(ring.qty.abs() * ring.unit_price);
        let discount = ring.discount.min(gross);
        let net = sign * (gross - discount);
        Line {
            line_no: no,
            kind,
            sku: p.sku.clone(),
            gtin: p.gtin.clone(),
            raw_item_id: p.raw_item_id.clone(),
            description: Some(p.description.clone()),
            quantity: sign * ring.qty.abs(),
            unit_price: ring.unit_price,
            discount,
            net_amount: net,
            tax: round2(net * p.tax_rate),
            entry_method: ring.entry,
            price_override: ring.price_override,
            non_revenue: false,
            original_txn_id: None,
            original_line_no: None,
        }
    }

    /// The reversal of `l` (a void line: same item, negated quantity and amounts).
    pub fn void_of(&self, no: i32, l: &Line) -> Line {
        Line {
            line_no: no,
            kind: LineKind::Void,
            quantity: -l.quantity,
            discount: Decimal::ZERO,
            net_amount: -l.net_amount,
            tax: -l.tax,
            ..l.clone()
        }
    }

    /// An empty header for slot `tag` of (store, day) at local time `t`.
    pub fn header(
        &self,
        plan: &DayPlan,
        tag: u64,
        t: u32,
        cashier: u32,
        customer: Option<String>,
    ) -> Transaction {
        let c = self.cfg;
        Transaction {
            key: TxnKey {
                tenant_id: c.tenant_id.clone(),
                store_id: c.store_id(plan.store),
                source: c.source.clone(),
                source_txn_id: self.txn_id(plan.store, plan.day, tag),
            },
            source_version: 1,
            occurred_at: self.at(plan.day, t),
            business_date: c.date(plan.day),
            register_id: Some(format!(
                "{}-R{}",
                c.store_id(plan.store),
                plan.register_of(cashier, t, c)
            )),
            cashier_id: Some(c.cashier_id(plan.store, cashier)),
            customer_id: customer,
            status: TxnStatus::Completed,
            currency: c.currency.clone(),
            lines: vec![],
            tenders: vec![],
        }
    }

    /// The honest body of base slot `i`: a sale (possibly cancelled and re-rung) or a return.
    /// Returns one or two transactions (a re-ring follows its post-voided original).
    pub fn base_txns(&self, plan: &DayPlan, i: usize) -> Vec<Transaction> {
        match plan.kind[i] {
            BaseKind::Sale => vec![self.sale(plan, i)],
            BaseKind::Return { linked } => vec![self.return_txn(plan, i, linked)],
            BaseKind::PostVoidRering => {
                let mut t = self.sale(plan, i);
                let mut again = t.clone();
                cancel_after_completion(&mut t);
                let mut r = Rng::keyed(
                    self.cfg.seed,
                    Stream::TxnBody,
                    &[u64::from(plan.store), u64::from(plan.day), i as u64, 1],
                );
                let gap = Duration::seconds(i64::from(r.range_u32(40, 240)));
                again.key.source_txn_id = self.txn_id(plan.store, plan.day, (1 << 32) | i as u64);
                again.occurred_at += gap;
                let total = txn_total(&again);
                let card = match &again.customer_id {
                    Some(c) => self.card_of(c),
                    None => self.random_card(&mut r),
                };
                again.tenders = vec![card_tender(
                    1,
                    total,
                    card,
                    CardEntry::Chip,
                    TenderStatus::Approved,
                    again.occurred_at,
                )];
                vec![t, again]
            }
        }
    }

    /// An honest sale in base slot `i`.
    pub fn sale(&self, plan: &DayPlan, i: usize) -> Transaction {
        let (s, d) = (u64::from(plan.store), u64::from(plan.day));
        let mut r = Rng::keyed(self.cfg.seed, Stream::TxnBody, &[s, d, i as u64]);
        let customer = r
            .chance(self.cfg.loyalty_share)
            .then(|| self.customer(plan.store, r.next_u64() % self.customer_pool(plan.store)));
        let mut t = self.header(plan, i as u64, plan.times[i], plan.cashier[i], customer);
        let weekend = if plan.weekday >= 5 { 1.2 } else { 1.0 };
        let mean = r.gamma(1.5) * 2.2 * weekend;
        let n = 1 + r.poisson(mean) as usize;
        let mut rings: Vec<Ring> = (0..n.min(40))
            .map(|_| {
                let it = self.pick_item(&mut r);
                self.ring(&mut r, it)
            })
            .collect();
        honest_discounts(&mut r, &mut rings, t.customer_id.is_some());
        for ring in rings.iter_mut() {
            // Price match or a shelf-tag dispute: rare, small, either way.
            if r.chance(0.003) {
                ring.price_override = true;
                ring.unit_price = round2(ring.unit_price * dec(r.range_f64(0.85, 1.05)));
            }
        }
        t.lines = rings
            .iter()
            .enumerate()
            .map(|(k, g)| self.line(k as i32 + 1, LineKind::Sale, g))
            .collect();
        if r.chance(0.03) {
            self.honest_void(&mut r, &mut t);
        }
        t.tenders = self.pay(&mut r, &t);
        t
    }

    /// A customer changes their mind (void right after the line) or a double scan is corrected.
    fn honest_void(&self, r: &mut Rng, t: &mut Transaction) {
        let k = r.index(t.lines.len());
        let v = self.void_of(0, &t.lines[k]);
        let at = if r.chance(0.7) { k + 1 } else { t.lines.len() };
        t.lines.insert(at, v);
        renumber(&mut t.lines);
    }

    /// Tenders for a sale total: card (with the occasional decline), cash with change, gift card.
    pub fn pay(&self, r: &mut Rng, t: &Transaction) -> Vec<Tender> {
        let total = txn_total(t);
        let when = t.occurred_at + Duration::seconds(20 + 6 * t.lines.len() as i64);
        let u = r.f64();
        if u < self.cfg.card_share {
            let card = match &t.customer_id {
                Some(c) if r.chance(0.8) => self.card_of(c),
                _ => self.random_card(r),
            };
            let entry = honest_card_entry(r);
            if r.chance(0.025) {
                // Insufficient funds or a chip error, then another card or cash.
                let declined = card_tender(1, total, card, entry, TenderStatus::Declined, when);
                let mut rest = if r.chance(0.7) {
                    vec![card_tender(
                        2,
                        total,
                        self.random_card(r),
                        honest_card_entry(r),
                        TenderStatus::Approved,
                        when + Duration::seconds(25),
                    )]
                } else {
                    cash_tenders(r, 2, total, when + Duration::seconds(25))
                };
                rest.insert(0, declined);
                return rest;
            }
            vec![card_tender(
                1,
                total,
                card,
                entry,
                TenderStatus::Approved,
                when,
            )]
        } else if u < 0.97 {
            cash_tenders(r, 1, total, when)
        } else {
            vec![Tender {
                tender_no: 1,
                method: TenderMethod::GiftCard,
                amount: total,
                status: TenderStatus::Approved,
                card_fingerprint: None,
                card_bin: None,
                card_entry: None,
                occurred_at: when,
                tip: Decimal::ZERO,
            }]
        }
    }

    /// A return in base slot `i`: with a receipt it refers to a real earlier sale and refunds to
    /// the tender that paid; without one it needs a loyalty id and mostly refunds store credit.
    fn return_txn(&self, plan: &DayPlan, i: usize, linked: bool) -> Transaction {
        let (s, d) = (u64::from(plan.store), u64::from(plan.day));
        let mut r = Rng::keyed(self.cfg.seed, Stream::TxnBody, &[s, d, i as u64]);
        if linked {
            if let Some(orig) = self.receipt_brought_back(plan, i) {
                return self.linked_return(&mut r, plan, i, &orig);
            }
        }
        let customer = r
            .chance(0.85)
            .then(|| self.customer(plan.store, r.next_u64() % self.customer_pool(plan.store)));
        let mut t = self.header(plan, i as u64, plan.times[i], plan.cashier[i], customer);
        let item = loop {
            let it = self.pick_item(&mut r);
            if self.catalog[it].unit_price < Decimal::from(30) {
                break it;
            }
        };
        let ring = self.ring(&mut r, item);
        t.lines = vec![self.line(1, LineKind::Return, &ring)];
        let total = txn_total(&t);
        let when = t.occurred_at + Duration::seconds(45);
        t.tenders = if r.chance(0.7) {
            vec![plain_tender(1, TenderMethod::StoreCredit, total, when)]
        } else {
            vec![plain_tender(1, TenderMethod::Cash, total, when)]
        };
        t
    }

    /// A completed, unaltered sale from the last four weeks of the same store, if there is one,
    /// for fraud that cites a receipt: never one an honest return brings back (whose second
    /// refund would be a fraud the labels do not name; honest returns take
    /// `receipt_brought_back`).
    pub fn find_earlier_sale(&self, r: &mut Rng, store: u32, day: u32) -> Option<Transaction> {
        for _ in 0..6 {
            let back = 1 + r.poisson(6.0).min(27);
            if back > day {
                continue;
            }
            let p = self.plan(store, day - back);
            if p.times.is_empty() {
                continue;
            }
            let j = r.index(p.times.len());
            let returned = p.brought_back.iter().any(|(x, _)| *x == j);
            if p.kind[j] == BaseKind::Sale && !p.altered.contains(&j) && !returned {
                return Some(self.sale(&p, j));
            }
        }
        None
    }

    /// The earlier sale whose receipt the linked return in slot `i` brings: the day's k-th
    /// linked return takes the k-th of the sales due back today (in a shuffled order), so two
    /// honest returns never cite one sale. None when fewer sales are due than returns come, or
    /// when the sale's every line was voided.
    fn receipt_brought_back(&self, plan: &DayPlan, i: usize) -> Option<Transaction> {
        let linked = BaseKind::Return { linked: true };
        let k = plan.kind[..i].iter().filter(|x| **x == linked).count();
        let mut due = Vec::new();
        for back in 1..=plan.day.min(RETURN_WINDOW_DAYS) {
            let day = plan.day - back;
            self.with_plan(plan.store, day, |p| {
                let slots = p.brought_back.iter().filter(|(_, b)| *b == back);
                due.extend(slots.map(|(j, _)| (day, *j)));
            });
        }
        let (s, d) = (u64::from(plan.store), u64::from(plan.day));
        let mut r = Rng::keyed(self.cfg.seed, Stream::Returns, &[s, d, u64::MAX]);
        for n in (1..due.len()).rev() {
            due.swap(n, r.index(n + 1));
        }
        let (day, j) = *due.get(k)?;
        let orig = self.sale(&self.plan(plan.store, day), j);
        (!returnable(&orig).is_empty()).then_some(orig)
    }

    /// A sale of the same store whose receipt an honest return brought back on an earlier day,
    /// with that day: for fraud that refunds a receipt again.
    pub fn find_returned_sale(
        &self,
        r: &mut Rng,
        store: u32,
        day: u32,
    ) -> Option<(Transaction, u32)> {
        let linked = BaseKind::Return { linked: true };
        for _ in 0..6 {
            let back = 1 + r.poisson(3.0).min(RETURN_WINDOW_DAYS - 1);
            if back > day {
                continue;
            }
            let p = self.plan(store, day - back);
            let slots: Vec<usize> = (0..p.times.len())
                .filter(|i| p.kind[*i] == linked && !p.altered.contains(i))
                .collect();
            if slots.is_empty() {
                continue;
            }
            let i = slots[r.index(slots.len())];
            if let Some(orig) = self.receipt_brought_back(&p, i) {
                return Some((orig, day - back));
            }
        }
        None
    }

    fn linked_return(
        &self,
        r: &mut Rng,
        plan: &DayPlan,
        i: usize,
        orig: &Transaction,
    ) -> Transaction {
        let mut t = self.header(
            plan,
            i as u64,
            plan.times[i],
            plan.cashier[i],
            orig.customer_id.clone(),
        );
        let sold = returnable(orig);
        let n = 1 + usize::from(sold.len() > 1 && r.chance(0.3));
        for (k, l) in sold.iter().take(n).enumerate() {
            let mut back = return_of(l, k as i32 + 1, orig);
            back.entry_method = EntryMethod::Scanned;
            back.price_override = false;
            t.lines.push(back);
        }
        let total = txn_total(&t);
        let when = t.occurred_at + Duration::seconds(60);
        let paid = orig
            .tenders
            .iter()
            .find(|x| x.status == TenderStatus::Approved && x.amount > Decimal::ZERO);
        t.tenders = match paid {
            Some(p) if p.method == TenderMethod::Card => vec![Tender {
                tender_no: 1,
                amount: total,
                occurred_at: when,
                ..p.clone()
            }],
            Some(p) => vec![plain_tender(1, p.method, total, when)],
            None => vec![plain_tender(1, TenderMethod::Cash, total, when)],
        };
        t
    }
}

/// Loyalty members get a few percent off some lines; anyone may get a promotion; a damaged item
/// is occasionally marked down hard.
fn honest_discounts(r: &mut Rng, rings: &mut [Ring], member: bool) {
    for g in rings.iter_mut() {
        let gross = g.qty * g.unit_price;
        let pct = if member && r.chance(0.18) {
            r.range_f64(0.05, 0.15)
        } else if r.chance(0.04) {
            r.range_f64(0.10, 0.25)
        } else if r.chance(0.003) {
            r.range_f64(0.30, 0.50)
        } else {
            continue;
        };
        g.discount = round2(gross * dec(pct));
    }
}

fn honest_card_entry(r: &mut Rng) -> CardEntry {
    match r.f64() {
        u if u < 0.55 => CardEntry::Chip,
        u if u < 0.93 => CardEntry::Contactless,
        u if u < 0.985 => CardEntry::Swipe,
        _ => CardEntry::Keyed,
    }
}

pub fn txn_total(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

pub fn renumber(lines: &mut [Line]) {
    for (k, l) in lines.iter_mut().enumerate() {
        l.line_no = k as i32 + 1;
    }
}

pub fn card_tender(
    no: i32,
    amount: Decimal,
    card: (String, String),
    entry: CardEntry,
    status: TenderStatus,
    at: DateTime<Utc>,
) -> Tender {
    Tender {
        tender_no: no,
        method: TenderMethod::Card,
        amount,
        status,
        card_fingerprint: Some(card.0),
        card_bin: Some(card.1),
        card_entry: Some(entry),
        occurred_at: at,
        tip: Decimal::ZERO,
    }
}

pub fn plain_tender(no: i32, method: TenderMethod, amount: Decimal, at: DateTime<Utc>) -> Tender {
    Tender::approved(no, method, amount, at)
}

/// Cash handed over (often rounded up to a note) and the change as a negative cash tender.
pub fn cash_tenders(r: &mut Rng, first_no: i32, total: Decimal, at: DateTime<Utc>) -> Vec<Tender> {
    if total <= Decimal::ZERO || r.chance(0.3) {
        return vec![plain_tender(first_no, TenderMethod::Cash, total, at)];
    }
    let note = [
        Decimal::from(5),
        Decimal::from(10),
        Decimal::from(20),
        Decimal::from(50),
        Decimal::from(100),
    ]
    .into_iter()
    .find(|n| *n >= total)
    .unwrap_or(total.ceil());
    let given = if note == total { total } else { note };
    let mut v = vec![plain_tender(first_no, TenderMethod::Cash, given, at)];
    if given > total {
        v.push(plain_tender(
            first_no + 1,
            TenderMethod::Cash,
            total - given,
            at,
        ));
    }
    v
}

/// Post-void: the sale stands in the log, but its status and every tender say it was undone.
pub fn cancel_after_completion(t: &mut Transaction) {
    t.status = TxnStatus::PostVoided;
    for x in t.tenders.iter_mut() {
        if x.status == TenderStatus::Approved {
            x.status = TenderStatus::Voided;
        }
    }
}

/// The lines of a sale that can come back: its sale lines but those voided at the till (never
/// sold, so never refunded).
fn returnable(orig: &Transaction) -> Vec<&Line> {
    let voided = |l: &Line| {
        orig.lines
            .iter()
            .any(|v| v.kind == LineKind::Void && v.sku == l.sku)
    };
    orig.lines
        .iter()
        .filter(|l| l.kind == LineKind::Sale && !voided(l))
        .collect()
}

/// Sale line `l` of `orig` given back whole as return line `line_no`, citing it.
pub fn return_of(l: &Line, line_no: i32, orig: &Transaction) -> Line {
    Line {
        line_no,
        kind: LineKind::Return,
        quantity: -l.quantity,
        net_amount: -l.net_amount,
        tax: -l.tax,
        original_txn_id: Some(orig.key.source_txn_id.clone()),
        original_line_no: Some(l.line_no),
        ..l.clone()
    }
}
