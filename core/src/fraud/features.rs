//! What a transaction says about loss prevention's signal families, as plain numbers, plus the
//! context it is judged in (the original sales it cites, shelf prices, recent card attempts at the
//! store, what this cashier did earlier the same business day).

use super::stats::binomial_surprise;
use crate::model::*;
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A family of related signals; every reason code belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    LineVoid,
    PostVoid,
    Refund,
    Discount,
    KeyedOverride,
    Sweetheart,
    CardTesting,
    NoSale,
}

impl Family {
    pub const TXN: [Family; 7] = [
        Family::LineVoid,
        Family::PostVoid,
        Family::Refund,
        Family::Discount,
        Family::KeyedOverride,
        Family::Sweetheart,
        Family::CardTesting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::LineVoid => "line_void",
            Family::PostVoid => "post_void",
            Family::Refund => "refund",
            Family::Discount => "discount",
            Family::KeyedOverride => "keyed_override",
            Family::Sweetheart => "sweetheart",
            Family::CardTesting => "card_testing",
            Family::NoSale => "no_sale",
        }
    }
}

/// A feature: its reason code, its family, what it measures (for `detail` texts) and how it
/// depends on money.
pub struct FeatureDef {
    pub code: &'static str,
    pub family: Family,
    pub what: &'static str,
    pub money: Money,
}

/// How a feature depends on the currency of the transaction and of the baseline judging it:
/// money is comparable only within one currency, so a feature that is money (or is measured
/// against the baseline's prices) says nothing when the two currencies differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    /// A count, a share or a ratio within the transaction: judged whatever the currency.
    No,
    /// An amount of money (post-void and refund values): its tail is in the baseline's currency.
    Amount,
    /// Measured against the baseline's shelf prices or its cheap-item cut-off (overrides and
    /// lines below shelf price, cheap units and lines): the value is a count or share, but
    /// computed from prices of the baseline's currency.
    Priced,
}

/// Every transaction feature, in the order of [`TxnFeatures::values`].
pub const FEATURES: [FeatureDef; 26] = [
    FeatureDef {
        code: "void_lines",
        family: Family::LineVoid,
        what: "voided lines",
        money: Money::No,
    },
    FeatureDef {
        code: "void_share",
        family: Family::LineVoid,
        what: "share of the rung value voided",
        money: Money::No,
    },
    FeatureDef {
        code: "void_late",
        family: Family::LineVoid,
        what: "voids of items rung much earlier",
        money: Money::No,
    },
    FeatureDef {
        code: "void_rering_lower",
        family: Family::LineVoid,
        what: "items voided and re-rung at a lower price",
        money: Money::No,
    },
    FeatureDef {
        code: "post_void_value",
        family: Family::PostVoid,
        what: "value of the post-voided sale",
        money: Money::Amount,
    },
    FeatureDef {
        code: "post_void_cash_anonymous",
        family: Family::PostVoid,
        what: "post-voided cash sale value with no customer",
        money: Money::Amount,
    },
    FeatureDef {
        code: "refund_receipt_unknown",
        family: Family::Refund,
        what: "refunded value citing a receipt that was never rung or was given back already",
        money: Money::Amount,
    },
    FeatureDef {
        code: "refund_without_sale",
        family: Family::Refund,
        what: "money refunded with no matching sale",
        money: Money::Amount,
    },
    FeatureDef {
        code: "refund_other_tender",
        family: Family::Refund,
        what: "refunded value to another tender than the sale's",
        money: Money::Amount,
    },
    FeatureDef {
        code: "refund_cash_anonymous",
        family: Family::Refund,
        what: "cash refunded with no customer and no matching sale on that tender",
        money: Money::Amount,
    },
    FeatureDef {
        code: "discount_depth",
        family: Family::Discount,
        what: "deepest line discount",
        money: Money::No,
    },
    FeatureDef {
        code: "discount_deep_lines",
        family: Family::Discount,
        what: "lines discounted 35 % or more",
        money: Money::No,
    },
    FeatureDef {
        code: "discount_share",
        family: Family::Discount,
        what: "discount as share of gross",
        money: Money::No,
    },
    FeatureDef {
        code: "keyed_barcoded",
        family: Family::KeyedOverride,
        what: "barcoded items keyed by hand",
        money: Money::No,
    },
    FeatureDef {
        code: "override_below_price",
        family: Family::KeyedOverride,
        what: "price overrides below shelf price",
        money: Money::Priced,
    },
    FeatureDef {
        code: "override_depth",
        family: Family::KeyedOverride,
        what: "deepest price override below shelf price",
        money: Money::Priced,
    },
    FeatureDef {
        code: "below_price_lines",
        family: Family::Sweetheart,
        what: "items rung below shelf price without override",
        money: Money::Priced,
    },
    FeatureDef {
        code: "cheap_unit_share",
        family: Family::Sweetheart,
        what: "share of units rung as the store's cheapest items",
        money: Money::Priced,
    },
    FeatureDef {
        code: "cheap_lines",
        family: Family::Sweetheart,
        what: "surprise (nats) of so many lines rung as the store's cheapest items",
        money: Money::Priced,
    },
    FeatureDef {
        code: "max_line_units",
        family: Family::Sweetheart,
        what: "units on one line",
        money: Money::No,
    },
    FeatureDef {
        code: "repeat_customer",
        family: Family::Sweetheart,
        what: "earlier transactions of this customer with this cashier today",
        money: Money::No,
    },
    FeatureDef {
        code: "card_declined",
        family: Family::CardTesting,
        what: "declined card attempts",
        money: Money::No,
    },
    FeatureDef {
        code: "card_keyed",
        family: Family::CardTesting,
        what: "card numbers keyed by hand",
        money: Money::No,
    },
    FeatureDef {
        code: "card_fingerprints",
        family: Family::CardTesting,
        what: "different cards tried",
        money: Money::No,
    },
    FeatureDef {
        code: "burst_declined",
        family: Family::CardTesting,
        what: "declined attempts at this store in the last 10 minutes",
        money: Money::No,
    },
    FeatureDef {
        code: "burst_same_bin",
        family: Family::CardTesting,
        what: "recent attempts on the same card BIN",
        money: Money::No,
    },
];

/// Numbers describing one transaction (higher = more suspicious for every entry of `values`),
/// plus the basket facts the scorer compares with store norms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TxnFeatures {
    pub values: Vec<f64>,
    /// Units sold and ln(net value per unit) of the sale lines (for the under-ringing z-score).
    pub units: f64,
    pub ln_value_per_unit: f64,
    pub hour: u32,
    pub customer_id: Option<String>,
    /// ISO 4217 code of the transaction's amounts; empty when unknown (features built before
    /// currencies were compared), then judged against any baseline as before.
    #[serde(default)]
    pub currency: String,
}

/// A sale that a return cites, as the database knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginalSale {
    pub tender_methods: Vec<TenderMethod>,
    pub customer_id: Option<String>,
    /// Net value of the sale's lines (voided lines netted out), the most a return citing it
    /// can give back; `None` when not known (contexts made before it was kept), then any
    /// value citing the sale counts as backed, as before.
    #[serde(default)]
    pub sold: Option<f64>,
    /// What completed returns other than the one being judged already refunded citing it.
    #[serde(default)]
    pub refunded: f64,
}

impl OriginalSale {
    /// `t` as a sale returns may cite, before any refund of it: the methods that paid (approved,
    /// money in) and its net value sold.
    pub fn of(t: &Transaction) -> OriginalSale {
        let sold = t
            .lines
            .iter()
            .filter(|l| matches!(l.kind, LineKind::Sale | LineKind::Void))
            .map(|l| l.net_amount)
            .sum();
        OriginalSale {
            tender_methods: t
                .tenders
                .iter()
                .filter(|x| x.status == TenderStatus::Approved && x.amount > Decimal::ZERO)
                .map(|x| x.method)
                .collect(),
            customer_id: t.customer_id.clone(),
            sold: Some(f(sold).max(0.0)),
            refunded: 0.0,
        }
    }

    /// What the sale still has to give back: sold less refunded (None: no limit known).
    fn left(&self) -> Option<f64> {
        self.sold.map(|s| (s - self.refunded).max(0.0))
    }
}

/// One card attempt seen at the store shortly before the transaction being scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardAttempt {
    pub occurred_at: DateTime<Utc>,
    pub status: TenderStatus,
    pub bin: Option<String>,
    pub fingerprint: Option<String>,
}

/// What this cashier did earlier in the same business day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySoFar {
    pub transactions: u32,
    /// Transactions that already showed each family's signal.
    pub hits: BTreeMap<Family, u32>,
    /// Transactions per customer id.
    pub customers: HashMap<String, u32>,
    pub no_sales: u32,
}

/// Everything beyond the transaction itself that the scorer uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TxnContext {
    /// Cited original sales that exist; a cited id absent here has no matching sale.
    pub originals: HashMap<String, OriginalSale>,
    /// Shelf price per SKU (usually learned by the baseline; the caller may override).
    pub reference_prices: HashMap<String, Decimal>,
    /// Store-wide card attempts in the 10 minutes before this transaction.
    pub recent_card_attempts: Vec<CardAttempt>,
    pub day: DaySoFar,
    /// The store's offset from UTC at the transaction's time, in seconds (from its IANA zone,
    /// so daylight saving is in it); `None` when the store has no zone: then UTC, as before
    /// zones were known. See [`TxnContext::utc_offset`].
    #[serde(default)]
    pub utc_offset_seconds: Option<i32>,
}

/// The widest offset from UTC taken for a clock: ISO 8601 and java.time stop at ±18 h (real
/// zones span −12 h to +14 h).
pub const MAX_UTC_OFFSET_SECONDS: i32 = 18 * 3600;

impl TxnContext {
    /// The store's offset, when there is one and it is a possible one. An impossible offset is
    /// ignored (UTC, as for a store without a zone) rather than an error: the context is built
    /// at every commit, and an error there would fail the ingest (or a whole scan) over a number
    /// that only chooses which daypart's basket norm a transaction is compared with.
    pub fn utc_offset(&self) -> Option<FixedOffset> {
        self.utc_offset_seconds
            .filter(|s| s.unsigned_abs() <= MAX_UTC_OFFSET_SECONDS.unsigned_abs())
            .and_then(FixedOffset::east_opt)
    }
}

/// Where in the store's week a transaction happened: the weekday type and hour its basket norm
/// is segmented by (see [`super::baseline::segment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub weekend: bool,
    pub hour: u32,
}

/// The weekday type and hour of `t` on the store's clock: a UTC−5 store's sale at 01:30 UTC on
/// Saturday is a Friday-evening sale. With an offset both come from the local date and time of
/// `occurred_at`, so the day and the hour agree; without one, as before zones were known: the
/// weekday of the business date and the UTC hour.
pub fn local_time(t: &Transaction, offset: Option<FixedOffset>) -> LocalTime {
    match offset {
        Some(o) => {
            let local = t.occurred_at.with_timezone(&o);
            LocalTime {
                weekend: is_weekend(local.weekday()),
                hour: local.hour(),
            }
        }
        None => LocalTime {
            weekend: is_weekend(t.business_date.weekday()),
            hour: t.occurred_at.hour(),
        },
    }
}

fn is_weekend(d: chrono::Weekday) -> bool {
    d.num_days_from_monday() >= 5
}

fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(0.0)
}

/// GTIN-keyed items carry a barcode: keying one by hand is unusual (PLUs and in-store codes are
/// keyed all the time).
pub fn is_barcoded(sku: &str) -> bool {
    sku.len() >= 8 && sku.bytes().all(|b| b.is_ascii_digit())
}

/// Extracts the features of `t` in `ctx`, judging cheap items by the store's `cheap` norms.
pub fn extract(t: &Transaction, ctx: &TxnContext, cheap: CheapItems) -> TxnFeatures {
    let sales: Vec<&Line> = t
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Sale)
        .collect();
    let gross: Decimal = sales.iter().map(|l| l.quantity * l.unit_price).sum();
    let gross_f = f(gross).max(0.01);
    let mut v = vec![0.0; FEATURES.len()];
    voids(t, gross_f, &mut v);
    let total: f64 = f(t.lines.iter().map(|l| l.net_amount + l.tax).sum());
    let cash = t.tenders.iter().any(|x| x.method == TenderMethod::Cash);
    if t.status == TxnStatus::PostVoided {
        v[4] = total.max(0.0);
        v[5] = if cash && t.customer_id.is_none() {
            total.max(0.0)
        } else {
            0.0
        };
    }
    refunds(t, ctx, &mut v);
    for l in &sales {
        let lg = f(l.quantity * l.unit_price);
        if lg > 0.0 && l.discount > Decimal::ZERO {
            let depth = f(l.discount) / lg;
            v[10] = v[10].max(depth);
            v[11] += f64::from(u8::from(depth >= 0.35));
        }
    }
    v[12] = f(sales.iter().map(|l| l.discount).sum()) / gross_f;
    v[13] = sales
        .iter()
        .filter(|l| l.entry_method == EntryMethod::Keyed && is_barcoded(&l.sku))
        .count() as f64;
    let priced = priced_lines(t);
    price_features(&priced, &ctx.reference_prices, cheap, &mut v);
    let units: f64 = sales.iter().map(|l| f(l.quantity).max(0.0)).sum();
    v[19] = sales
        .iter()
        .filter(|l| l.quantity.fract().is_zero())
        .map(|l| f(l.quantity))
        .fold(0.0, f64::max);
    v[20] = t
        .customer_id
        .as_ref()
        .map_or(0.0, |c| f64::from(*ctx.day.customers.get(c).unwrap_or(&0)));
    cards(t, ctx, &mut v);
    let net_sales: f64 = sales.iter().map(|l| f(l.net_amount)).sum();
    TxnFeatures {
        values: v,
        units,
        ln_value_per_unit: if units > 0.0 {
            (net_sales.max(0.01) / units).ln()
        } else {
            0.0
        },
        hour: local_time(t, ctx.utc_offset()).hour,
        customer_id: t.customer_id.clone(),
        currency: t.currency.clone(),
    }
}

/// Void count, voided share, voids far from the voided line, void-then-re-ring-lower.
fn voids(t: &Transaction, gross: f64, v: &mut [f64]) {
    for (k, l) in t.lines.iter().enumerate() {
        if l.kind != LineKind::Void {
            continue;
        }
        v[0] += 1.0;
        v[1] += f(-l.net_amount) / gross;
        let rung = t.lines[..k]
            .iter()
            .rposition(|s| s.kind == LineKind::Sale && s.sku == l.sku);
        if rung.is_none_or(|r| k - r > 1) {
            v[2] += 1.0;
        }
        let rering = t.lines[k + 1..]
            .iter()
            .any(|s| s.kind == LineKind::Sale && s.sku == l.sku && s.unit_price < l.unit_price);
        v[3] += f64::from(u8::from(rering));
    }
}

/// Refund features. A return backed by the sale it cites, paid back on that sale's tender, is
/// routine whatever its value; what loss prevention looks for is money leaving the drawer (cash,
/// card, anything but store credit) without such a sale — citing a receipt the system never saw,
/// citing none, or paying cash for a card sale — worse when no customer is identified.
///
/// Only money that left counts: what each method paid out net of what it took in (change given
/// on a cash payment is a negative cash tender, not a refund), attributed to the return lines in
/// order. An exchange where the customer pays the difference pays nothing out; one where the
/// returns are dearer pays out the balance only; a refund cancelled or post-voided, nothing. A
/// backed return draws first on the sale's own tenders: a card sale given back 80 on the card
/// and 20 in cash went 20 to another tender, not all of it.
///
/// A sale backs at most what it sold, less what other returns already gave back citing it: the
/// value beyond counts as citing a receipt never rung. A POS refuses to refund a receipt line
/// twice unless overridden, so a second refund of one receipt is the classic receipt-reuse
/// fraud (the same receipt brought back, or a refund keyed against a sale refunded already).
fn refunds(t: &Transaction, ctx: &TxnContext, v: &mut [f64]) {
    let mut paid = paid_out(t);
    let anonymous = t.customer_id.is_none();
    // What each cited sale has left to give back, drawn down line by line.
    let mut left: HashMap<&str, Option<f64>> = HashMap::new();
    for l in t.lines.iter().filter(|l| l.kind == LineKind::Return) {
        let value = f(-l.net_amount).max(0.0);
        let cited = l.original_txn_id.as_deref();
        let sale = cited.and_then(|id| Some((id, ctx.originals.get(id)?)));
        let backed = sale.map_or(0.0, |(id, o)| {
            let room = left.entry(id).or_insert_with(|| o.left());
            let take = room.map_or(value, |r| within(value, r));
            if let Some(r) = room {
                *r = (*r - take).max(0.0);
            }
            take
        });
        let (mut unbacked, mut cash) = (0.0, 0.0);
        if let Some((_, o)) = sale.filter(|_| backed > 0.0) {
            // An unrecorded method is taken to be the sale's.
            let backs = |m: Option<TenderMethod>| m.is_none_or(|m| o.tender_methods.contains(&m));
            let (other, c) = draw(&mut paid, backed, backs);
            v[8] += other;
            (unbacked, cash) = (other, c);
        }
        let beyond = value - backed;
        if beyond > 0.0 {
            // No sale behind it: none cited, one never rung, or one given back already.
            if cited.is_some() {
                v[6] += beyond;
            }
            let (out, c) = draw(&mut paid, beyond, |_| false);
            v[7] += out;
            (unbacked, cash) = (unbacked + out, cash + c);
        }
        if unbacked > 0.0 && anonymous {
            v[9] += cash;
        }
    }
}

/// How much of `value` a sale with `room` left backs: all of it when the two agree to within
/// float error (the amounts are decimal money summed as f64: 78.98 + 23.96 less 78.98 is not
/// exactly 23.96, and a refund beyond by 1e-14 read as a receipt refunded twice).
fn within(value: f64, room: f64) -> f64 {
    if value - room <= 1e-9 * value.abs().max(1.0) {
        value
    } else {
        room
    }
}

/// What the receipts `t`'s returns cite say, for the detail of a refund reason: each cited
/// receipt the system never rang, and each one refunded beyond what it has left ("receipt
/// s-3001 sold 30.00 and had 30.00 refunded before"). Empty when every cited receipt backs
/// what its lines give back.
pub fn receipt_facts(t: &Transaction, ctx: &TxnContext) -> Vec<String> {
    value_citing(t)
        .into_iter()
        .filter_map(|(id, value)| match ctx.originals.get(id) {
            None => Some(format!("receipt {id} was never rung")),
            Some(o) => {
                let (sold, left) = (o.sold?, o.left()?);
                (within(value, left) < value).then(|| {
                    format!(
                        "receipt {id} sold {sold:.2} and had {:.2} refunded before",
                        o.refunded
                    )
                })
            }
        })
        .collect()
}

/// The value `t` refunds citing each earlier sale (empty unless completed: a return cancelled
/// or post-voided gave nothing back).
pub fn refunds_citing(t: &Transaction) -> HashMap<String, f64> {
    if t.status != TxnStatus::Completed {
        return HashMap::new();
    }
    value_citing(t)
        .into_iter()
        .map(|(id, v)| (id.to_string(), v))
        .collect()
}

/// The value `t`'s return lines give back citing each receipt, by the receipt's id.
fn value_citing(t: &Transaction) -> BTreeMap<&str, f64> {
    let mut out: BTreeMap<&str, f64> = BTreeMap::new();
    for l in t.lines.iter().filter(|l| l.kind == LineKind::Return) {
        if let Some(id) = l.original_txn_id.as_deref() {
            *out.entry(id).or_default() += f(-l.net_amount).max(0.0);
        }
    }
    out
}

/// Money the transaction paid out for good, per tender method (`None`: no tender recorded, so
/// what the lines owe back is assumed to have left rather than missed), in a fixed order.
fn paid_out(t: &Transaction) -> Vec<(Option<TenderMethod>, f64)> {
    if t.status != TxnStatus::Completed {
        // Cancelled before tender, or post-voided (reversed): no money left for good.
        return vec![];
    }
    let mut net: HashMap<TenderMethod, Decimal> = HashMap::new();
    for x in t
        .tenders
        .iter()
        .filter(|x| x.status == TenderStatus::Approved)
    {
        *net.entry(x.method).or_default() += x.amount;
    }
    if net.is_empty() {
        let owed = -f(t.lines.iter().map(|l| l.net_amount + l.tax).sum());
        return vec![(None, owed.max(0.0))];
    }
    let mut paid: Vec<(Option<TenderMethod>, f64)> = net
        .into_iter()
        .filter(|(m, a)| pays_out(*m) && *a < Decimal::ZERO)
        .map(|(m, a)| (Some(m), -f(a)))
        .collect();
    paid.sort_by_key(|(m, _)| m.map(TenderMethod::as_str));
    paid
}

/// Draws `value` from what was paid out, first on the methods that `backs` (the sale's own),
/// then on the others: returns how much came from the others, and how much of that was cash.
fn draw(
    paid: &mut [(Option<TenderMethod>, f64)],
    value: f64,
    backs: impl Fn(Option<TenderMethod>) -> bool,
) -> (f64, f64) {
    let mut left = value;
    let (mut other, mut cash) = (0.0, 0.0);
    for own in [true, false] {
        for (m, amount) in paid.iter_mut().filter(|(m, _)| backs(*m) == own) {
            let take = left.min(*amount);
            *amount -= take;
            left -= take;
            if !own {
                other += take;
                if *m == Some(TenderMethod::Cash) {
                    cash += take;
                }
            }
        }
    }
    (other, cash)
}

/// Whether a refund on this tender takes money out of the store: store credit and gift cards
/// keep it in, so a sale given back on them is neither unbacked nor "to another tender".
fn pays_out(m: TenderMethod) -> bool {
    !matches!(m, TenderMethod::StoreCredit | TenderMethod::GiftCard)
}

/// A sale line reduced to what price checks need (kept by training rows, whose shelf prices and
/// cheap cut-off are only known once the whole history is seen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricedLine {
    pub sku: String,
    pub unit_price: Decimal,
    pub units: f64,
    pub price_override: bool,
    pub discounted: bool,
}

pub fn priced_lines(t: &Transaction) -> Vec<PricedLine> {
    t.lines
        .iter()
        .filter(|l| l.kind == LineKind::Sale)
        .map(|l| PricedLine {
            sku: l.sku.clone(),
            unit_price: l.unit_price,
            units: f(l.quantity).max(0.0),
            price_override: l.price_override,
            discounted: l.discount > Decimal::ZERO,
        })
        .collect()
}

/// The store's cheapest items: the price at or below which an item counts as one, and the share
/// of honest sale lines rung at such prices (learned by the baseline).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CheapItems {
    pub price: Decimal,
    pub line_share: f64,
}

/// Overrides below shelf price, their depth, items below shelf price without override, the share
/// of units rung as the store's cheapest items, and how improbable the number of cheap lines is
/// for a basket of that many lines (features 14–18).
pub fn price_features(
    lines: &[PricedLine],
    refs: &HashMap<String, Decimal>,
    cheap: CheapItems,
    v: &mut [f64],
) {
    v[14] = 0.0;
    v[15] = 0.0;
    v[16] = 0.0;
    for l in lines {
        let Some(reference) = refs.get(&l.sku).copied().filter(|r| *r > Decimal::ZERO) else {
            continue;
        };
        // A ratio past Decimal's range is a price far above the reference: nothing to see here
        // (and `/` would panic on it).
        let Some(ratio) = l.unit_price.checked_div(reference).map(f) else {
            continue;
        };
        if l.price_override && ratio < 0.95 {
            v[14] += 1.0;
            v[15] = v[15].max(1.0 - ratio);
        } else if !l.price_override && ratio < 0.9 {
            v[16] += 1.0;
        }
    }
    let units: f64 = lines.iter().map(|l| l.units).sum();
    let is_cheap = |l: &&PricedLine| l.unit_price <= cheap.price;
    let cheap_units: f64 = lines.iter().filter(is_cheap).map(|l| l.units).sum();
    v[17] = if units >= 4.0 {
        cheap_units / units
    } else {
        0.0
    };
    // Lines, not units: six yoghurts on one line are one choice, six cheap lines are six.
    let k = lines.iter().filter(is_cheap).count() as u32;
    v[18] = if cheap.line_share > 0.0 {
        binomial_surprise(k, lines.len() as u32, cheap.line_share)
    } else {
        0.0
    };
}

fn cards(t: &Transaction, ctx: &TxnContext, v: &mut [f64]) {
    let card: Vec<&Tender> = t
        .tenders
        .iter()
        .filter(|x| x.method == TenderMethod::Card)
        .collect();
    let declined = card
        .iter()
        .filter(|x| x.status == TenderStatus::Declined)
        .count();
    v[21] = declined as f64;
    v[22] = card
        .iter()
        .filter(|x| x.card_entry == Some(CardEntry::Keyed))
        .count() as f64;
    v[23] = card
        .iter()
        .filter_map(|x| x.card_fingerprint.as_ref())
        .collect::<HashSet<_>>()
        .len() as f64;
    if v[23] < 2.0 {
        v[23] = 0.0;
    }
    if declined == 0 && v[22] == 0.0 {
        return;
    }
    let bins: HashSet<&String> = card.iter().filter_map(|x| x.card_bin.as_ref()).collect();
    let recent = &ctx.recent_card_attempts;
    v[24] = recent
        .iter()
        .filter(|a| a.status == TenderStatus::Declined)
        .count() as f64;
    v[25] = recent
        .iter()
        .filter(|a| a.bin.as_ref().is_some_and(|b| bins.contains(b)))
        .count() as f64;
}
