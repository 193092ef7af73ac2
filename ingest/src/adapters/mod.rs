//! Adapters: one module per source format, each mapping a payload to canonical records of
//! `pos_core::model`. They never touch the database; the writer does.
//!
//! Contract: a payload that cannot be read at all is a [`PayloadError`] (HTTP 400 naming the
//! field); a payload that can be read but holds bad records yields an [`Envelope`] whose
//! `rejects` name each bad record and why, while the good records go on.

pub mod canonical;
pub mod clover;
pub mod csv;
pub mod format;
pub mod json;
pub mod money;
pub mod poslog;
pub mod shopify;
pub mod square;
pub mod toast;

use crate::config::{parse_tz, Config};
use crate::envelope::{Record, Reject};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;
use pos_core::model::{validate_transaction, DrawerEvent, Transaction, TxnKey};
use std::collections::HashMap;

/// A payload that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PayloadError {
    /// JSON path / XML element / CSV column of the problem, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl PayloadError {
    pub fn new(field: Option<&str>, message: impl Into<String>) -> PayloadError {
        PayloadError {
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

/// What adapters need to know about the deployment: tenant and store time zones.
#[derive(Debug, Clone)]
pub struct Context {
    pub tenant_id: String,
    /// The tenant is the sender's, bound by its bearer token (`[serve.tokens]`): a canonical
    /// event naming another tenant is refused rather than written there.
    pub tenant_bound: bool,
    pub default_tz: Tz,
    pub store_tz: HashMap<String, Tz>,
    /// Local time at which the business day starts, for stores not listed and per store
    /// (midnight: zero).
    pub default_day_start: Duration,
    pub store_day_start: HashMap<String, Duration>,
    /// Records further in the future than this are refused (a clock or mapping error).
    pub max_future: Duration,
    /// Square `location_id` → store id.
    pub square_locations: HashMap<String, String>,
    /// Which of Square's two reports of a no-sale is mapped.
    pub square_no_sales: crate::config::SquareNoSales,
    /// Shopify shop domain → store id, and the store for shops not listed.
    pub shopify_shops: HashMap<String, String>,
    pub shopify_default_store: String,
    /// Shopify `location_id` (a POS register's shop location) → store id.
    pub shopify_locations: HashMap<String, String>,
    /// Whether Shopify tenders come from payment transactions rather than the order's totals.
    pub shopify_tenders: crate::config::ShopifyTenders,
    /// Currency per store, and for stores not listed (sources that do not say, e.g. POSLog 6
    /// without `CurrencyCode`).
    pub store_currency: HashMap<String, String>,
    pub default_currency: String,
    /// Clover merchant id → store id (unlisted merchants keep their id).
    pub clover_merchants: HashMap<String, String>,
    /// Toast restaurant GUID → store id (unlisted restaurants keep their GUID).
    pub toast_restaurants: HashMap<String, String>,
}

impl Context {
    pub fn from_config(cfg: &Config) -> anyhow::Result<Context> {
        let mut store_tz = HashMap::new();
        for (id, s) in &cfg.stores {
            if let Some(tz) = &s.timezone {
                store_tz.insert(id.clone(), parse_tz(tz)?);
            }
        }
        let day_start = |s: &Option<String>| s.as_deref().and_then(csv::day_start);
        Ok(Context {
            tenant_id: cfg.tenant.clone(),
            tenant_bound: false,
            default_tz: parse_tz(&cfg.timezone)?,
            store_tz,
            default_day_start: day_start(&cfg.business_day_start).unwrap_or_default(),
            store_day_start: cfg
                .stores
                .iter()
                .filter_map(|(id, s)| Some((id.clone(), day_start(&s.business_day_start)?)))
                .collect(),
            max_future: Duration::days(7),
            square_locations: cfg.square.locations.clone(),
            square_no_sales: cfg.square.no_sales_from,
            shopify_shops: cfg.shopify.shops.clone(),
            shopify_default_store: cfg
                .shopify
                .default_store
                .clone()
                .unwrap_or_else(|| "online".into()),
            shopify_locations: cfg.shopify.locations.clone(),
            shopify_tenders: cfg.shopify.tenders,
            store_currency: cfg
                .stores
                .iter()
                .filter_map(|(id, s)| Some((id.clone(), s.currency.clone()?)))
                .collect(),
            default_currency: cfg.currency.clone(),
            clover_merchants: cfg.clover.merchants.clone(),
            toast_restaurants: cfg.toast.restaurants.clone(),
        })
    }

    pub fn for_tenant(tenant: &str) -> Context {
        Context {
            tenant_id: tenant.to_string(),
            tenant_bound: false,
            default_tz: Tz::UTC,
            store_tz: HashMap::new(),
            default_day_start: Duration::zero(),
            store_day_start: HashMap::new(),
            max_future: Duration::days(7),
            square_locations: HashMap::new(),
            square_no_sales: crate::config::SquareNoSales::Both,
            shopify_shops: HashMap::new(),
            shopify_default_store: "online".into(),
            shopify_locations: HashMap::new(),
            shopify_tenders: crate::config::ShopifyTenders::Order,
            store_currency: HashMap::new(),
            default_currency: "USD".into(),
            clover_merchants: HashMap::new(),
            toast_restaurants: HashMap::new(),
        }
    }

    pub fn tz(&self, store_id: &str) -> Tz {
        self.store_tz
            .get(store_id)
            .copied()
            .unwrap_or(self.default_tz)
    }

    pub fn currency_of(&self, store_id: &str) -> String {
        self.store_currency
            .get(store_id)
            .cloned()
            .unwrap_or_else(|| self.default_currency.clone())
    }

    /// The store's business day at `at`: its local date, or with a `business_day_start` the date
    /// of the local time less that start (with 04:00, 01:30 on the 10th belongs to the 9th).
    /// For sources whose records carry no business day of their own.
    pub fn business_date(&self, store_id: &str, at: DateTime<Utc>) -> NaiveDate {
        (at.with_timezone(&self.tz(store_id)).naive_local() - self.day_start(store_id)).date()
    }

    /// The business day of a time in the offset it was written with (a source that keeps the
    /// shop's own offset, where no store zone is configured), the store's day start applied.
    pub fn business_date_as_written(&self, store_id: &str, t: DateTime<FixedOffset>) -> NaiveDate {
        (t.naive_local() - self.day_start(store_id)).date()
    }

    /// When the store's business day starts (local time): its own, else the tenant's default.
    pub(crate) fn day_start(&self, store_id: &str) -> Duration {
        self.store_day_start
            .get(store_id)
            .copied()
            .unwrap_or(self.default_day_start)
    }
}

/// Maps each element of a page of drawer records (`key[i]`): a bad element is kept as its own
/// reject and the rest lands. Also returns the page's dedup hash, over `seed` and each element's
/// `id_key` (a bad one by its hashed text), so the same page fetched again is a duplicate.
pub(crate) fn drawer_page(
    ctx: &Context,
    source: &str,
    elements: &[serde_json::Value],
    (key, id_key): (&str, &str),
    mut ids: Vec<String>,
    map: impl Fn(&serde_json::Value, &str) -> Result<Option<DrawerEvent>, PayloadError>,
) -> (Vec<Result<Record, Reject>>, String) {
    let mut records = Vec::new();
    for (i, e) in elements.iter().enumerate() {
        match map(e, &format!("{key}[{i}]")) {
            Ok(mapped) => {
                ids.push(json::element_identity(e, id_key));
                records.extend(mapped.map(|d| Ok(Record::Drawer(d))));
            }
            Err(why) => {
                let raw = e.to_string();
                ids.push(format!("bad:{}", json::hash_hex(&raw, 12)));
                records.push(Err(element_reject(ctx, source, None, &raw, why)));
            }
        }
    }
    (records, json::hash_hex(&ids.join(","), 12))
}

/// The reject of one bad element of a page (its raw text kept), the rest of the page landing.
pub(crate) fn element_reject(
    ctx: &Context,
    source: &str,
    event_id: Option<&str>,
    raw: &str,
    e: PayloadError,
) -> Reject {
    Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: source.into(),
        event_id: event_id.map(str::to_string),
        payload: Some(raw.to_string()),
        reason: e.message,
        detail: serde_json::json!({ "field": e.field }),
    }
}

/// Checks a mapped transaction against the model's invariants and the writer's sanity limits.
pub fn check_transaction(ctx: &Context, t: &Transaction) -> Result<(), String> {
    validate_transaction(t).map_err(|e| e.to_string())?;
    check_time(ctx, "occurred_at", t.occurred_at)?;
    // A tender's time is its partition too: out of range, it would make a chunk for 1970.
    for x in &t.tenders {
        check_time(ctx, "a tender's time", x.occurred_at)?;
    }
    if t.lines
        .iter()
        .any(|l| l.raw_item_id.is_empty() && l.sku.is_empty())
    {
        return Err("a line has no item id".into());
    }
    let texts = [
        &t.key.tenant_id,
        &t.key.store_id,
        &t.key.source,
        &t.key.source_txn_id,
        &t.currency,
    ];
    if texts.iter().any(|s| s.contains('\0'))
        || t.lines.iter().any(|l| {
            l.raw_item_id.contains('\0')
                || l.sku.contains('\0')
                || l.description.as_deref().is_some_and(|d| d.contains('\0'))
        })
    {
        return Err("text contains a NUL character, which PostgreSQL text cannot hold".into());
    }
    Ok(())
}

/// The tender if its tip lies within its amount (`validate_tip`), else an error naming `field`
/// (where the tip was read: Square's `tip_money`, a Shopify tip line): a tip larger than the
/// money taken, or of the other sign, is a broken payload, not a number to store. For tenders
/// sent on their own, which `check_transaction` does not see.
pub(crate) fn tipped(
    t: pos_core::model::Tender,
    field: &str,
) -> Result<pos_core::model::Tender, PayloadError> {
    match pos_core::model::validate_tip(&t) {
        Ok(()) => Ok(t),
        Err(e) => Err(json::err(field, e.to_string())),
    }
}

/// A charge of the order that is no item (a service charge, a card surcharge) as a sale line
/// of quantity 1 under `raw` (`service_charge:<id>`, `surcharge:<type>`): every adapter books
/// such charges alike, so reports agree across sources. An error naming `field` when `raw`
/// holds no usable code.
pub fn charge_line(
    line_no: i32,
    raw: String,
    description: Option<String>,
    (unit_price, net, tax): (
        rust_decimal::Decimal,
        rust_decimal::Decimal,
        rust_decimal::Decimal,
    ),
    field: &str,
) -> Result<pos_core::model::Line, PayloadError> {
    use pos_core::model::{EntryMethod, Line, LineKind};
    let key = crate::sku::item_key(&raw)
        .ok_or_else(|| PayloadError::new(Some(field), format!("`{raw}` holds no usable code")))?;
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description,
        quantity: rust_decimal::Decimal::ONE,
        unit_price,
        discount: rust_decimal::Decimal::ZERO,
        net_amount: net,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: false,
        original_txn_id: None,
        original_line_no: None,
    })
}

/// The one sale line of an order paid without line items (a custom amount keyed at the till):
/// `unitemized`, quantity 1, the goods' `(gross, net, tax)`. One id for every source, so such
/// sales read alike in reports.
pub fn unitemized_line(
    line_no: i32,
    amounts: (
        rust_decimal::Decimal,
        rust_decimal::Decimal,
        rust_decimal::Decimal,
    ),
    field: &str,
) -> Result<pos_core::model::Line, PayloadError> {
    charge_line(
        line_no,
        "unitemized".into(),
        Some("Unitemized sale".into()),
        amounts,
        field,
    )
}

/// A stable positive number from a source's text id, for sources whose payments have ids but no
/// position (Square payments): the same id always gets the same `tender_no`.
pub fn number_from_id(id: &str) -> i32 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(id.as_bytes());
    let n = i32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7fff_ffff;
    n.max(1)
}

/// A local time without an offset, read in `tz`. In the autumn overlap the earlier instant
/// is taken; a time the spring change skips (01:15 where clocks jump from 01:00 to 02:00) is
/// read with the offset in force before the gap, as a till whose clock had not moved yet
/// wrote it, so the sale keeps its minute instead of being refused. None only out of range.
pub fn local_to_utc<Tz: chrono::TimeZone>(
    tz: &Tz,
    local: chrono::NaiveDateTime,
) -> Option<DateTime<Utc>> {
    use chrono::Offset;
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return Some(t.with_timezone(&Utc));
    }
    let day_before = local.checked_sub_signed(chrono::Duration::days(1))?;
    let before = tz
        .from_local_datetime(&day_before)
        .earliest()?
        .offset()
        .fix();
    let utc =
        local.checked_sub_signed(chrono::Duration::seconds(before.local_minus_utc().into()))?;
    Some(DateTime::from_naive_utc_and_offset(utc, Utc))
}

/// The time an order is stored under: when it was opened, unless it was paid (closed) on a
/// business day more than one day after that; then when it was paid. The daily views find a
/// day's rows among those timed within two days of it (`date_slack`,
/// docs/continuous-aggregates.md), and an order is dated the day it was paid: an invoice or a
/// tab paid a week after it was opened would be missing there. A moved time moves the stored
/// key, so the order then also retracts itself at any time, with its own version: the row an
/// earlier, unpaid version stored at the opening goes; this version's row stays.
pub fn stored_time(
    ctx: &Context,
    key: &TxnKey,
    version: i64,
    opened: DateTime<Utc>,
    paid: DateTime<Utc>,
) -> (DateTime<Utc>, Option<crate::envelope::Retraction>) {
    let (a, b) = (
        ctx.business_date(&key.store_id, opened),
        ctx.business_date(&key.store_id, paid),
    );
    if (b - a).num_days() <= 1 {
        return (opened, None);
    }
    // Stored by an earlier version at its opening, or at an earlier payment (voided since).
    let retract = crate::envelope::Retraction {
        key: key.clone(),
        occurred_at: None,
        between: (opened, paid),
        source_version: version,
    };
    (paid, Some(retract))
}

/// Moves the lines and tenders of `t` that `line` and `tender` pick into a transaction of their
/// own, `id`, on business day `day` at `at` (its tenders too, as their time is part of their
/// key and must lie near that day), with `t`'s store, status, version and cashier: a refund made
/// on another day than its sale (Toast, Clover), which lands on the day it was made.
pub fn split_off(
    t: &mut Transaction,
    id: String,
    (day, at): (NaiveDate, DateTime<Utc>),
    line: impl Fn(&pos_core::model::Line) -> bool,
    tender: impl Fn(&pos_core::model::Tender) -> bool,
) -> Transaction {
    let (lines, kept) = std::mem::take(&mut t.lines).into_iter().partition(line);
    t.lines = kept;
    let (mut tenders, kept): (Vec<_>, Vec<_>) =
        std::mem::take(&mut t.tenders).into_iter().partition(tender);
    t.tenders = kept;
    for x in &mut tenders {
        x.occurred_at = at;
    }
    let mut moved = Transaction {
        occurred_at: at,
        business_date: day,
        lines,
        tenders,
        ..t.clone()
    };
    moved.key.source_txn_id = id;
    moved
}

/// Refuses times before 1990 or more than `max_future` ahead: they would create chunks for
/// years nobody asked for and are always a unit or mapping error.
pub fn check_time(ctx: &Context, field: &str, at: DateTime<Utc>) -> Result<(), String> {
    let floor = DateTime::from_timestamp(631_152_000, 0).expect("1990-01-01");
    if at < floor {
        return Err(format!(
            "{field} {at} is before 1990: check the unit (seconds vs milliseconds) or the mapping"
        ));
    }
    if at > Utc::now() + ctx.max_future {
        return Err(format!(
            "{field} {at} is in the future: check the clock, the time zone or the mapping"
        ));
    }
    Ok(())
}

/// Turns a mapped transaction into a record, or a reject naming what is wrong.
pub fn finish(
    ctx: &Context,
    t: Transaction,
    event_id: Option<&str>,
    raw: &str,
) -> Result<Record, Reject> {
    match check_transaction(ctx, &t) {
        Ok(()) => Ok(Record::Txn(Box::new(t))),
        Err(reason) => Err(Reject {
            tenant_id: Some(t.key.tenant_id.clone()),
            source: t.key.source.clone(),
            event_id: event_id.map(str::to_string),
            payload: Some(raw.to_string()),
            reason,
            detail: serde_json::json!({ "source_txn_id": t.key.source_txn_id }),
        }),
    }
}

#[cfg(test)]
pub mod testkit {
    //! Small builders shared by the unit tests.
    use crate::envelope::{Record, Reject};
    use pos_core::model::*;
    use rust_decimal::Decimal;

    /// The transactions among an adapter's mapped records.
    pub fn txns_of(records: &[Result<Record, Reject>]) -> Vec<&Transaction> {
        records
            .iter()
            .filter_map(|r| match r {
                Ok(Record::Txn(t)) => Some(&**t),
                _ => None,
            })
            .collect()
    }

    /// The rejects among an adapter's mapped records.
    pub fn rejects_of(records: &[Result<Record, Reject>]) -> Vec<&Reject> {
        records.iter().filter_map(|r| r.as_ref().err()).collect()
    }

    /// Every amount of the lines and tenders that is a negative zero, by where it is.
    pub fn negative_zeros(t: &Transaction) -> Vec<String> {
        let neg0 = |x: Decimal| x.is_zero() && x.is_sign_negative();
        let mut out = Vec::new();
        for l in &t.lines {
            for (what, x) in [
                ("quantity", l.quantity),
                ("unit_price", l.unit_price),
                ("discount", l.discount),
                ("net_amount", l.net_amount),
                ("tax", l.tax),
            ] {
                if neg0(x) {
                    out.push(format!("line {} {what}", l.line_no));
                }
            }
        }
        for x in &t.tenders {
            if neg0(x.amount) {
                out.push(format!("tender {} amount", x.tender_no));
            }
        }
        out
    }

    /// A conformance sample from tests/vectors/ingest/pos-formats (copied verbatim from
    /// /work/shared/samples/pos-formats, see PROVENANCE.md there).
    pub fn sample(name: &str) -> String {
        // The checkout running the tests (cargo sets it at run time), not the one that built
        // them: a shared build cache may hold a test binary built in another clone.
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let p = format!("{dir}/../tests/vectors/ingest/pos-formats/{name}");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    pub fn txn(id: &str, version: i64) -> Transaction {
        Transaction {
            key: TxnKey {
                tenant_id: "t".into(),
                store_id: "s".into(),
                source: "test".into(),
                source_txn_id: id.into(),
            },
            source_version: version,
            occurred_at: chrono::DateTime::from_timestamp(1_767_600_000, 0).unwrap(),
            business_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            register_id: None,
            cashier_id: None,
            customer_id: None,
            status: TxnStatus::Completed,
            currency: "USD".into(),
            lines: vec![],
            tenders: vec![],
        }
    }

    pub fn line(no: i32, kind: LineKind, qty: &str, price: &str, discount: &str) -> Line {
        let q: Decimal = qty.parse().unwrap();
        let p: Decimal = price.parse().unwrap();
        let d: Decimal = discount.parse().unwrap();
        Line {
            line_no: no,
            kind,
            sku: "x".into(),
            gtin: None,
            raw_item_id: "x".into(),
            description: None,
            quantity: q,
            unit_price: p,
            discount: d,
            net_amount: q * p - d,
            tax: Decimal::ZERO,
            entry_method: EntryMethod::Scanned,
            price_override: false,
            non_revenue: false,
            original_txn_id: None,
            original_line_no: None,
        }
    }
}
