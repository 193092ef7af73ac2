//! Fraud as loss-prevention teams meet it: each episode is one dishonest cashier-day (or one
//! card-testing burst) that alters a few of the cashier's sales or adds records, hidden among
//! honest traffic that has its own voids, discounts, returns, no-sales and declines.

use super::basket::*;
use super::catalog::ItemCode;
use super::config::FraudShapes;
use super::labels::{FraudLabel, FraudType};
use super::plan::{on_duty, shift_bounds, DayPlan, Episode};
use super::rng::{Rng, Stream};
use crate::model::*;
use chrono::Duration;
use rust_decimal::Decimal;

/// The shape of one episode: how many lines, how deep, which items, how often anonymous. The
/// standard shape is fixed per type; [`FraudShapes::Varied`] draws one per episode from its own
/// random stream, so the standard chain stays exactly what it was.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Inclusive range of lines a transaction alters (voids, discounts, overrides, refunds).
    pub lines: (u32, u32),
    /// Price (or net) kept, as a share of the real price: inclusive range.
    pub kept: (f64, f64),
    /// Chance a line-void or post-void transaction carries no customer id.
    pub anonymous: f64,
    /// Chance a discount or sweethearting goes to a linked customer (friend, family), or a fake
    /// refund carries one.
    pub customer: f64,
    /// Chance of the pattern's variant (void + re-ring lower; one merged cheap line).
    pub variant: f64,
    /// Line voids and fake refunds: dearest items (standard) or any items.
    pub any_items: bool,
    /// Sweethearting: how many of the cheapest items serve as substitutes, and the chance each
    /// item is switched; the basket's size range.
    pub cheap_pool: usize,
    pub switch: f64,
    pub basket: (u32, u32),
}

impl Shape {
    pub fn of(g: &Gen, plan: &DayPlan, ep: &Episode) -> Shape {
        let standard = Shape::standard(ep.fraud);
        if g.cfg.fraud_shapes == FraudShapes::Standard {
            return standard;
        }
        let key = [
            u64::from(plan.store),
            u64::from(plan.day),
            u64::from(ep.cashier),
            ep.fraud as u64,
        ];
        let mut r = Rng::keyed(g.cfg.seed, Stream::FraudShape, &key);
        let lo = r.range_f64(standard.kept.0, (standard.kept.0 + 0.45).min(0.85));
        let most = r.range_u32(1, standard.lines.1 + 1);
        let anonymous = r.range_f64(0.3, 1.0);
        Shape {
            lines: (1, most.max(1)),
            kept: (lo, (lo + r.range_f64(0.05, 0.3)).min(0.92)),
            anonymous,
            customer: 1.0 - anonymous,
            variant: r.f64(),
            any_items: r.chance(0.5),
            cheap_pool: r.range_u32(12, 45) as usize,
            switch: r.range_f64(0.4, 0.9),
            basket: (r.range_u32(3, 8), r.range_u32(9, 18)),
        }
    }

    fn standard(ft: FraudType) -> Shape {
        // (lines, kept, anonymous, customer, variant)
        let (lines, kept, anonymous, customer, variant) = match ft {
            FraudType::LineVoid => ((1, 3), (0.35, 0.7), 0.8, 0.0, 0.4),
            FraudType::PostVoid => ((3, 3), (0.0, 0.0), 0.9, 0.0, 0.0),
            FraudType::Discount => ((2, 5), (0.0, 0.6), 0.0, 0.75, 0.0),
            FraudType::KeyedOverride => ((2, 4), (0.25, 0.6), 0.0, 0.0, 0.0),
            FraudType::Sweetheart => ((6, 14), (0.0, 0.0), 0.0, 0.6, 0.5),
            FraudType::Refund => ((1, 2), (0.0, 0.0), 0.0, 0.15, 0.0),
            FraudType::NoSale | FraudType::CardTesting | FraudType::CashSkim => {
                ((1, 1), (0.0, 0.0), 0.0, 0.0, 0.0)
            }
        };
        Shape {
            lines,
            kept,
            anonymous,
            customer,
            variant,
            any_items: false,
            cheap_pool: 12,
            switch: 0.75,
            basket: lines,
        }
    }
}

/// Rewrites base sale `t` as episode `ep` would have it; returns what was done.
pub fn alter(g: &Gen, plan: &DayPlan, ep: &Episode, t: &mut Transaction, r: &mut Rng) -> String {
    let sh = Shape::of(g, plan, ep);
    match ep.fraud {
        FraudType::LineVoid => line_void(g, t, r, &sh),
        FraudType::PostVoid => {
            grow(g, t, r, sh.lines.0 as usize, Decimal::from(25));
            if r.chance(sh.anonymous) {
                t.customer_id = None;
            }
            t.tenders = cash_tenders(r, 1, txn_total(t), t.occurred_at + Duration::seconds(60));
            cancel_after_completion(t);
            format!(
                "cash sale of {} post-voided after the customer left",
                txn_total(t)
            )
        }
        FraudType::Discount => discount(g, plan, ep, t, r, &sh),
        FraudType::KeyedOverride => keyed_override(g, t, r, &sh),
        FraudType::Sweetheart => sweetheart(g, plan, ep, t, r, &sh),
        FraudType::Refund | FraudType::NoSale | FraudType::CardTesting | FraudType::CashSkim => {
            unreachable!("{:?} adds records, it does not alter", ep.fraud)
        }
    }
}

/// Adds popular items until the basket has `min_lines` sale lines worth at least `min_value`.
fn grow(g: &Gen, t: &mut Transaction, r: &mut Rng, min_lines: usize, min_value: Decimal) {
    for _ in 0..60 {
        let n = t.lines.iter().filter(|l| l.kind == LineKind::Sale).count();
        if n >= min_lines && txn_total(t) >= min_value {
            break;
        }
        let it = g.pick_item(r);
        let ring = g.ring(r, it);
        let no = t.lines.len() as i32 + 1;
        t.lines.push(g.line(no, LineKind::Sale, &ring));
    }
}

fn repay(g: &Gen, t: &mut Transaction, r: &mut Rng) {
    t.tenders = g.pay(r, t);
}

/// The customer paid cash for everything; afterwards the dearest items are voided (at the end of
/// the transaction) or voided and re-rung at a lower price, and the difference is pocketed.
fn line_void(g: &Gen, t: &mut Transaction, r: &mut Rng, sh: &Shape) -> String {
    grow(g, t, r, 3, Decimal::from(20));
    if r.chance(sh.anonymous) {
        t.customer_id = None;
    }
    let mut idx: Vec<usize> = (0..t.lines.len())
        .filter(|&k| t.lines[k].kind == LineKind::Sale)
        .collect();
    if !sh.any_items {
        idx.sort_by(|&a, &b| t.lines[b].net_amount.cmp(&t.lines[a].net_amount));
    }
    let n = r
        .range_u32(sh.lines.0, sh.lines.1)
        .min(idx.len() as u32 - 1) as usize;
    let rering = r.chance(sh.variant);
    let mut voided = Decimal::ZERO;
    for &k in idx.iter().take(n.max(1)) {
        let orig = t.lines[k].clone();
        voided += orig.net_amount;
        t.lines.push(g.void_of(0, &orig));
        if rering {
            let mut again = orig.clone();
            again.unit_price = round2(orig.unit_price * dec(r.range_f64(sh.kept.0, sh.kept.1)));
            again.price_override = true;
            again.discount = Decimal::ZERO;
            again.net_amount = round2(again.quantity * again.unit_price);
            again.tax = round2(
                again.net_amount * (orig.tax / orig.net_amount.max(Decimal::new(1, 2))).round_dp(2),
            );
            t.lines.push(again);
        }
    }
    renumber(&mut t.lines);
    t.tenders = cash_tenders(r, 1, txn_total(t), t.occurred_at + Duration::seconds(90));
    let how = if rering {
        "voided and re-rung lower"
    } else {
        "voided after payment"
    };
    format!("{n} line(s) worth {voided} {how}, cash")
}

fn friend_or_nobody(
    g: &Gen,
    plan: &DayPlan,
    ep: &Episode,
    r: &mut Rng,
    p_friend: f64,
) -> Option<String> {
    if r.chance(p_friend) {
        let f = g.linked_customers(plan.store, ep.cashier);
        Some(f[r.index(2)].clone())
    } else {
        None
    }
}

/// Deep manual discounts, mostly for the cashier's friends and family.
fn discount(
    g: &Gen,
    plan: &DayPlan,
    ep: &Episode,
    t: &mut Transaction,
    r: &mut Rng,
    sh: &Shape,
) -> String {
    grow(g, t, r, 3, Decimal::from(20));
    t.customer_id = friend_or_nobody(g, plan, ep, r, sh.customer);
    let sale: Vec<usize> = (0..t.lines.len())
        .filter(|&k| t.lines[k].kind == LineKind::Sale)
        .collect();
    let n = r.range_u32(sh.lines.0, sh.lines.1).min(sale.len() as u32) as usize;
    let mut given = Decimal::ZERO;
    for &k in sale.iter().take(n) {
        let l = &mut t.lines[k];
        let gross = round2(l.quantity * l.unit_price);
        l.discount = round2(gross * dec(r.range_f64(1.0 - sh.kept.1, 1.0 - sh.kept.0)));
        l.net_amount = gross - l.discount;
        let rate = g
            .catalog
            .iter()
            .find(|p| p.sku == l.sku)
            .map_or(Decimal::ZERO, |p| p.tax_rate);
        l.tax = round2(l.net_amount * rate);
        given += l.discount;
    }
    repay(g, t, r);
    format!(
        "manual discounts of {given} on {n} lines for {}",
        t.customer_id.as_deref().unwrap_or("no customer")
    )
}

/// Barcoded items typed in by hand with the price overridden downwards.
fn keyed_override(g: &Gen, t: &mut Transaction, r: &mut Rng, sh: &Shape) -> String {
    grow(g, t, r, 3, Decimal::from(15));
    let barcoded = |g: &Gen, l: &Line| {
        g.catalog
            .iter()
            .any(|p| p.sku == l.sku && matches!(p.code, ItemCode::UpcA | ItemCode::Ean13))
    };
    let target = r.range_u32(sh.lines.0, sh.lines.1) as usize;
    for _ in 0..40 {
        if t.lines.iter().filter(|l| barcoded(g, l)).count() >= target {
            break;
        }
        let it = g.pick_item(r);
        if matches!(g.catalog[it].code, ItemCode::UpcA | ItemCode::Ean13) {
            let ring = g.ring(r, it);
            let no = t.lines.len() as i32 + 1;
            t.lines.push(g.line(no, LineKind::Sale, &ring));
        }
    }
    let mut n = 0;
    let mut lost = Decimal::ZERO;
    for k in 0..t.lines.len() {
        if n >= target || !barcoded(g, &t.lines[k]) || t.lines[k].kind != LineKind::Sale {
            continue;
        }
        let l = &mut t.lines[k];
        let old = l.net_amount;
        l.entry_method = EntryMethod::Keyed;
        l.price_override = true;
        l.unit_price = round2(l.unit_price * dec(r.range_f64(sh.kept.0, sh.kept.1)));
        l.net_amount =
            round2(l.quantity * l.unit_price) - l.discount.min(round2(l.quantity * l.unit_price));
        let rate = if old.is_zero() {
            Decimal::ZERO
        } else {
            (l.tax / old).round_dp(2)
        };
        l.tax = round2(l.net_amount * rate);
        lost += old - l.net_amount;
        n += 1;
    }
    repay(g, t, r);
    format!("{n} barcoded items keyed with prices overridden down by {lost}")
}

/// A friend's large basket rung up as a handful of the store's cheapest items.
fn sweetheart(
    g: &Gen,
    plan: &DayPlan,
    ep: &Episode,
    t: &mut Transaction,
    r: &mut Rng,
    sh: &Shape,
) -> String {
    let want = r.range_u32(sh.basket.0, sh.basket.1) as usize;
    grow(g, t, r, want, Decimal::from(30));
    t.customer_id = friend_or_nobody(g, plan, ep, r, sh.customer);
    let cheap = &g.by_price[..sh.cheap_pool.min(g.by_price.len())];
    let mut switched = 0;
    let mut hidden = Decimal::ZERO;
    let merge = r.chance(sh.variant);
    let mut merged_qty = Decimal::ZERO;
    let mut kept = Vec::new();
    for l in t.lines.drain(..) {
        if l.kind == LineKind::Sale && r.chance(sh.switch) {
            switched += 1;
            hidden += l.net_amount;
            merged_qty += l.quantity.ceil().max(Decimal::ONE);
            if !merge {
                let c = cheap[r.index(cheap.len())];
                let ring = Ring {
                    qty: l.quantity.ceil().max(Decimal::ONE),
                    ..g.ring(r, c)
                };
                kept.push(g.line(
                    0,
                    LineKind::Sale,
                    &Ring {
                        entry: EntryMethod::Scanned,
                        ..ring
                    },
                ));
            }
        } else {
            kept.push(l);
        }
    }
    if merge && switched > 0 {
        let c = cheap[r.index(cheap.len())];
        let ring = Ring {
            qty: merged_qty,
            entry: EntryMethod::Scanned,
            ..g.ring(r, c)
        };
        kept.push(g.line(0, LineKind::Sale, &ring));
    }
    t.lines = kept;
    renumber(&mut t.lines);
    t.tenders = if r.chance(0.6) {
        cash_tenders(r, 1, txn_total(t), t.occurred_at + Duration::seconds(80))
    } else {
        g.pay(r, t)
    };
    format!("{switched} items worth {hidden} rung as cheap items")
}

/// Refunds with no sale behind them, of a sale refunded already (receipt reuse), or to another
/// tender than the sale's, paid out in cash.
pub fn fake_refund(
    g: &Gen,
    plan: &DayPlan,
    ep: &Episode,
    k: u32,
    r: &mut Rng,
) -> (Transaction, String) {
    let shift = plan
        .rota
        .iter()
        .find(|x| x.cashier == ep.cashier)
        .map(|x| x.shift)
        .expect("episode cashier works today");
    let (a, b) = shift_bounds(g.cfg, shift);
    let at = r.range_u32(a, b - 60);
    let tag = (2u64 << 32) | (u64::from(ep.cashier) << 16) | u64::from(k);
    let sh = Shape::of(g, plan, ep);
    let mut t = g.header(plan, tag, at, ep.cashier, None);
    if r.chance(sh.customer) {
        t.customer_id = Some(g.linked_customers(plan.store, ep.cashier)[0].clone());
    }
    let when = t.occurred_at + Duration::seconds(50);
    let u = r.f64();
    if u < 0.3 {
        if let Some(orig) = g.find_earlier_sale(r, plan.store, plan.day) {
            let card_paid = orig
                .tenders
                .iter()
                .any(|x| x.method == TenderMethod::Card && x.status == TenderStatus::Approved);
            if card_paid {
                let l = orig
                    .lines
                    .iter()
                    .filter(|l| l.kind == LineKind::Sale)
                    .max_by_key(|l| l.net_amount)
                    .expect("a sale has lines");
                t.lines.push(return_of(l, 1, &orig));
                t.tenders = vec![plain_tender(1, TenderMethod::Cash, txn_total(&t), when)];
                return (
                    t,
                    format!("card sale {} refunded in cash", orig.key.source_txn_id),
                );
            }
        }
    }
    if (0.3..0.45).contains(&u) {
        if let Some((orig, returned)) = g.find_returned_sale(r, plan.store, plan.day) {
            t.lines = orig
                .lines
                .iter()
                .filter(|l| l.kind == LineKind::Sale)
                .enumerate()
                .map(|(k, l)| return_of(l, k as i32 + 1, &orig))
                .collect();
            t.tenders = vec![plain_tender(1, TenderMethod::Cash, txn_total(&t), when)];
            let day = g.cfg.date(returned);
            let detail = format!(
                "sale {} refunded again in cash (its receipt came back on {day})",
                orig.key.source_txn_id
            );
            return (t, detail);
        }
    }
    let n = r.range_u32(sh.lines.0, sh.lines.1);
    for no in 1..=n {
        let hi = &g.by_price[if sh.any_items {
            0
        } else {
            g.by_price.len() / 2
        }..];
        let item = hi[r.index(hi.len())];
        let ring = Ring {
            qty: Decimal::ONE,
            ..g.ring(r, item)
        };
        t.lines.push(g.line(no as i32, LineKind::Return, &ring));
    }
    let detail = if u < 0.65 {
        let fake = g.txn_id(
            plan.store,
            plan.day.saturating_sub(r.range_u32(1, 20)),
            r.next_u64(),
        );
        for l in t.lines.iter_mut() {
            l.original_txn_id = Some(fake.clone());
            l.original_line_no = Some(1);
        }
        format!("refund citing receipt {fake} that does not exist")
    } else {
        "refund with no receipt and no customer".to_string()
    };
    t.tenders = vec![plain_tender(1, TenderMethod::Cash, txn_total(&t), when)];
    (t, detail)
}

/// Drawer opened without a sale, many times over the shift.
pub fn no_sale_times(g: &Gen, plan: &DayPlan, ep: &Episode, r: &mut Rng) -> Vec<u32> {
    let shift = plan
        .rota
        .iter()
        .find(|x| x.cashier == ep.cashier)
        .map(|x| x.shift)
        .expect("episode cashier works today");
    let (a, b) = shift_bounds(g.cfg, shift);
    (0..ep.extra).map(|_| r.range_u32(a, b - 1)).collect()
}

/// How much cash an episode takes from the till, in whole units: notes of 5, 10 or 20 adding up
/// to 40–200 (standard), or from 10 (varied shapes: some thieves take little, to stay under the
/// radar of a count that is often a few units off).
pub fn skim_amount(g: &Gen, r: &mut Rng) -> u32 {
    let least = match g.cfg.fraud_shapes {
        FraudShapes::Standard => 40,
        FraudShapes::Varied => 10,
    };
    let note = [5, 10, 20][r.index(3)];
    r.range_u32(least / note, 200 / note).max(1) * note
}

/// A burst of small card attempts, mostly declined, keyed, one BIN, many card numbers.
pub fn card_testing(
    g: &Gen,
    plan: &DayPlan,
    start: u32,
    n: u32,
    r: &mut Rng,
) -> Vec<(Transaction, String)> {
    let cashier = {
        let on = on_duty(g.cfg, &plan.rota, start);
        on[r.index(on.len())]
    };
    let bin = g.random_card(r).1;
    let reuse = g.random_card(r).0;
    let mut t_local = start;
    let mut out = Vec::new();
    for k in 0..n {
        t_local += r.range_u32(8, 45);
        let mut t = g.header(plan, (3u64 << 32) | u64::from(k), t_local, cashier, None);
        let item = g.by_price[r.index(15.min(g.by_price.len()))];
        t.lines = vec![g.line(
            1,
            LineKind::Sale,
            &Ring {
                qty: Decimal::ONE,
                ..g.ring(r, item)
            },
        )];
        let total = txn_total(&t);
        let mut when = t.occurred_at + Duration::seconds(5);
        let mut approved = false;
        for no in 1..=r.range_u32(1, 3) as i32 {
            let fp = if r.chance(0.3) {
                reuse.clone()
            } else {
                g.random_card(r).0
            };
            let entry = if r.chance(0.75) {
                CardEntry::Keyed
            } else {
                CardEntry::Swipe
            };
            approved = !r.chance(0.8);
            let status = if approved {
                TenderStatus::Approved
            } else {
                TenderStatus::Declined
            };
            t.tenders.push(card_tender(
                no,
                total,
                (fp, bin.clone()),
                entry,
                status,
                when,
            ));
            when += Duration::seconds(i64::from(r.range_u32(3, 12)));
            if approved {
                break;
            }
        }
        if !approved {
            t.status = TxnStatus::Cancelled;
        }
        let tries = t.tenders.len();
        out.push((
            t,
            format!(
                "card-testing burst attempt {} of {n}: {tries} tries on BIN {bin}",
                k + 1
            ),
        ));
    }
    out
}

pub fn label(g: &Gen, ft: FraudType, t: &Transaction, detail: String) -> FraudLabel {
    FraudLabel {
        fraud_type: ft,
        tenant_id: g.cfg.tenant_id.clone(),
        store_id: t.key.store_id.clone(),
        cashier_id: t.cashier_id.clone(),
        business_date: t.business_date,
        source_txn_id: Some(t.key.source_txn_id.clone()),
        source_event_id: None,
        detail,
    }
}
