//! Binary COPY of a batch into per-connection temporary staging tables, from which one
//! `INSERT … SELECT … ON CONFLICT` per table moves the rows into the hypertables; or, for rows
//! that cannot conflict (the lines of a header this batch inserted), binary COPY straight into
//! the hypertable. COPY is the fastest way into PostgreSQL.

use super::copier::{Copier, Sink};
use super::rows::{totals, Deduped};
use pos_core::model::Transaction as Txn;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Client;

/// Created once per connection; `ON COMMIT DELETE ROWS` empties them after every batch. The
/// deletes of lines and tenders a newer version dropped look each stored row up in the staged
/// ones (`NOT EXISTS`); the planner misjudges the five-column join before it as one row and
/// picks a nested loop, which without these indexes scans the whole staging once per stored
/// row: a 541 848-line replay spent over ten minutes in one DELETE, 1.4 s with them.
pub const CREATE_STAGING: &str = "
CREATE TEMP TABLE IF NOT EXISTS stage_txn (LIKE pos.txn INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_line (LIKE pos.sale_line INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_tender (LIKE pos.tender INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_tender_solo (LIKE pos.tender INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_drawer (LIKE pos.drawer_event INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_inventory (LIKE pos.inventory_level INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_won (
    tenant_id text, store_id text, source text, source_txn_id text, occurred_at timestamptz, updated boolean
) ON COMMIT DELETE ROWS;
CREATE INDEX IF NOT EXISTS stage_line_key ON stage_line (source_txn_id, line_no);
CREATE INDEX IF NOT EXISTS stage_tender_key ON stage_tender (source_txn_id, tender_no);
";

pub async fn create_staging(client: &Client) -> Result<(), tokio_postgres::Error> {
    client.batch_execute(CREATE_STAGING).await
}

pub const TXN_COLS: &str = "tenant_id, store_id, source, source_txn_id, occurred_at, business_date, source_version, \
    register_id, cashier_id, customer_id, status, currency, line_count, gross_amount, discount_amount, \
    return_amount, void_amount, net_amount, tax_amount, tender_amount, non_revenue_amount";
const TXN_TYPES: &[Type] = &[
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::DATE,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT4,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
];

pub const LINE_COLS: &str = "tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, \
    source_version, txn_status, kind, sku, gtin, raw_item_id, description, quantity, unit_price, discount, \
    net_amount, tax, currency, entry_method, price_override, register_id, cashier_id, customer_id, \
    original_txn_id, original_line_no, non_revenue";
const LINE_TYPES: &[Type] = &[
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT4,
    Type::TIMESTAMPTZ,
    Type::DATE,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT4,
    Type::BOOL,
];

pub const TENDER_COLS: &str = "tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, \
    source_version, method, amount, tip, currency, status, card_fingerprint, card_bin, card_entry, register_id, cashier_id";
const TENDER_TYPES: &[Type] = &[
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT4,
    Type::TIMESTAMPTZ,
    Type::DATE,
    Type::INT8,
    Type::TEXT,
    Type::NUMERIC,
    Type::NUMERIC,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

pub const DRAWER_COLS: &str =
    "tenant_id, store_id, source, source_event_id, occurred_at, business_date, \
    source_version, register_id, cashier_id, kind, amount, currency";
const DRAWER_TYPES: &[Type] = &[
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::DATE,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::NUMERIC,
    Type::TEXT,
];

pub const INVENTORY_COLS: &str = "tenant_id, store_id, sku, as_of, on_hand, source, source_version";
const INVENTORY_TYPES: &[Type] = &[
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::NUMERIC,
    Type::TEXT,
    Type::INT8,
];

/// Row counts copied per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Staged {
    /// Drawer events copied (staged, or written when copied straight into the hypertable).
    pub drawers: usize,
    /// Stock levels copied (staged, or written when copied straight into the hypertable).
    pub inventory: usize,
    pub solo_tenders: usize,
}

/// Copies the records other than transactions: drawer events and stock levels to `target`
/// (staging, or straight into the hypertable when none can be stored yet), payments reported
/// on their own to staging. A fresh batch with drawer events thus touches no temporary table,
/// and its COMMIT empties none: PostgreSQL truncates every `ON COMMIT DELETE ROWS` table of
/// the session (seven here) once a transaction has used any, which cost 2.6 % of
/// PostgreSQL's CPU in `generate` (benches/ingest/RESULTS.md).
pub async fn stage_others(
    c: &mut Copier<'_>,
    d: &Deduped<'_>,
    target: Target,
) -> Result<Staged, tokio_postgres::Error> {
    let mut n = Staged::default();
    if !d.drawers.is_empty() {
        n.drawers = copy_drawers(c, target, d).await?;
    }
    if !d.inventory.is_empty() {
        n.inventory = copy_inventory(c, target, d).await?;
    }
    if !d.tenders.is_empty() {
        n.solo_tenders = copy_solo_tenders(c, d).await?;
    }
    Ok(n)
}

/// Where copied rows go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The connection's staging table; an upsert moves the rows on.
    Staging,
    /// The hypertable itself, with the batch id: only for rows no stored row can conflict with.
    Direct { batch_id: i64 },
}

/// Starts a COPY into `staging` or, for [`Target::Direct`], into `hypertable` with `batch_id`.
async fn open_for(
    c: &mut Copier<'_>,
    target: Target,
    staging: &str,
    hypertable: &str,
    cols: &str,
    types: &[Type],
) -> Result<Sink, tokio_postgres::Error> {
    match target {
        Target::Staging => c.copy(staging, cols, types).await,
        Target::Direct { .. } => {
            let mut t = types.to_vec();
            t.push(Type::INT8);
            c.copy(hypertable, &format!("{cols}, batch_id"), &t).await
        }
    }
}

impl Target {
    /// The value of a row's trailing batch id slot (cut off for staging, see [`put`]).
    fn batch_id(&self) -> i64 {
        match self {
            Target::Staging => 0,
            Target::Direct { batch_id } => *batch_id,
        }
    }
}

/// Writes one row whose last value is the batch id: all of it for [`Target::Direct`], the row
/// without that slot for staging (whose COPY has no batch id column). Building the row with
/// the slot in place saves an allocation per row over appending the id to a copy of it.
async fn put(
    w: &mut Sink,
    target: &Target,
    row: &[&(dyn ToSql + Sync)],
) -> Result<(), tokio_postgres::Error> {
    let n = match target {
        Target::Staging => row.len() - 1,
        Target::Direct { .. } => row.len(),
    };
    w.as_mut().write(&row[..n]).await
}

/// Copies the headers into `stage_txn` or, for [`Target::Direct`], into `pos.txn`.
pub async fn copy_txns(
    c: &mut Copier<'_>,
    target: Target,
    txns: &[&Txn],
) -> Result<usize, tokio_postgres::Error> {
    let mut w = open_for(c, target, "stage_txn", "pos.txn", TXN_COLS, TXN_TYPES).await?;
    let batch_id = target.batch_id();
    for t in txns {
        let s = totals(t);
        let k = &t.key;
        let row: [&(dyn ToSql + Sync); 22] = [
            &k.tenant_id,
            &k.store_id,
            &k.source,
            &k.source_txn_id,
            &t.occurred_at,
            &t.business_date,
            &t.source_version,
            &t.register_id,
            &t.cashier_id,
            &t.customer_id,
            &t.status.as_str(),
            &t.currency,
            &s.line_count,
            &s.gross,
            &s.discount,
            &s.returns,
            &s.voids,
            &s.net,
            &s.tax,
            &s.tender,
            &s.non_revenue,
            &batch_id,
        ];
        put(&mut w, &target, &row).await?;
    }
    c.park(w);
    Ok(txns.len())
}

/// Copies the lines of `txns`.
pub async fn copy_lines(
    c: &mut Copier<'_>,
    target: Target,
    txns: &[&Txn],
) -> Result<usize, tokio_postgres::Error> {
    let mut w = open_for(
        c,
        target,
        "stage_line",
        "pos.sale_line",
        LINE_COLS,
        LINE_TYPES,
    )
    .await?;
    let batch_id = target.batch_id();
    let mut n = 0;
    for t in txns {
        let k = &t.key;
        for l in &t.lines {
            let row: [&(dyn ToSql + Sync); 29] = [
                &k.tenant_id,
                &k.store_id,
                &k.source,
                &k.source_txn_id,
                &l.line_no,
                &t.occurred_at,
                &t.business_date,
                &t.source_version,
                &t.status.as_str(),
                &l.kind.as_str(),
                &l.sku,
                &l.gtin,
                &l.raw_item_id,
                &l.description,
                &l.quantity,
                &l.unit_price,
                &l.discount,
                &l.net_amount,
                &l.tax,
                &t.currency,
                &l.entry_method.as_str(),
                &l.price_override,
                &t.register_id,
                &t.cashier_id,
                &t.customer_id,
                &l.original_txn_id,
                &l.original_line_no,
                &l.non_revenue,
                &batch_id,
            ];
            put(&mut w, &target, &row).await?;
            n += 1;
        }
    }
    c.park(w);
    Ok(n)
}

/// Copies the tenders of `txns`.
pub async fn copy_tenders(
    c: &mut Copier<'_>,
    target: Target,
    txns: &[&Txn],
) -> Result<usize, tokio_postgres::Error> {
    let mut w = open_for(
        c,
        target,
        "stage_tender",
        "pos.tender",
        TENDER_COLS,
        TENDER_TYPES,
    )
    .await?;
    let batch_id = target.batch_id();
    let mut n = 0;
    for t in txns {
        let k = &t.key;
        for x in &t.tenders {
            let entry = x.card_entry.map(|c| c.as_str());
            let row: [&(dyn ToSql + Sync); 19] = [
                &k.tenant_id,
                &k.store_id,
                &k.source,
                &k.source_txn_id,
                &x.tender_no,
                &x.occurred_at,
                &t.business_date,
                &t.source_version,
                &x.method.as_str(),
                &x.amount,
                &x.tip,
                &t.currency,
                &x.status.as_str(),
                &x.card_fingerprint,
                &x.card_bin,
                &entry,
                &t.register_id,
                &t.cashier_id,
                &batch_id,
            ];
            put(&mut w, &target, &row).await?;
            n += 1;
        }
    }
    c.park(w);
    Ok(n)
}

/// Copies the drawer events into `stage_drawer` or, for [`Target::Direct`], into
/// `pos.drawer_event`.
async fn copy_drawers(
    c: &mut Copier<'_>,
    target: Target,
    d: &Deduped<'_>,
) -> Result<usize, tokio_postgres::Error> {
    let mut w = open_for(
        c,
        target,
        "stage_drawer",
        "pos.drawer_event",
        DRAWER_COLS,
        DRAWER_TYPES,
    )
    .await?;
    let batch_id = target.batch_id();
    for e in &d.drawers {
        let row: [&(dyn ToSql + Sync); 13] = [
            &e.tenant_id,
            &e.store_id,
            &e.source,
            &e.source_event_id,
            &e.occurred_at,
            &e.business_date,
            &e.source_version,
            &e.register_id,
            &e.cashier_id,
            &e.kind.as_str(),
            &e.amount,
            &e.currency,
            &batch_id,
        ];
        put(&mut w, &target, &row).await?;
    }
    c.park(w);
    Ok(d.drawers.len())
}

/// Copies the stock levels into `stage_inventory` or, for [`Target::Direct`], into
/// `pos.inventory_level`.
pub async fn copy_inventory(
    c: &mut Copier<'_>,
    target: Target,
    d: &Deduped<'_>,
) -> Result<usize, tokio_postgres::Error> {
    let mut w = open_for(
        c,
        target,
        "stage_inventory",
        "pos.inventory_level",
        INVENTORY_COLS,
        INVENTORY_TYPES,
    )
    .await?;
    let batch_id = target.batch_id();
    for i in &d.inventory {
        let l = &i.level;
        let row: [&(dyn ToSql + Sync); 8] = [
            &l.tenant_id,
            &l.store_id,
            &l.sku,
            &l.as_of,
            &l.on_hand,
            &i.source,
            &i.source_version,
            &batch_id,
        ];
        put(&mut w, &target, &row).await?;
    }
    c.park(w);
    Ok(d.inventory.len())
}

async fn copy_solo_tenders(
    c: &mut Copier<'_>,
    d: &Deduped<'_>,
) -> Result<usize, tokio_postgres::Error> {
    let mut w = c
        .copy("stage_tender_solo", TENDER_COLS, TENDER_TYPES)
        .await?;
    for r in &d.tenders {
        let (k, x) = (&r.key, &r.tender);
        let entry = x.card_entry.map(|c| c.as_str());
        let row: [&(dyn ToSql + Sync); 18] = [
            &k.tenant_id,
            &k.store_id,
            &k.source,
            &k.source_txn_id,
            &x.tender_no,
            &x.occurred_at,
            &r.business_date,
            &r.source_version,
            &x.method.as_str(),
            &x.amount,
            &x.tip,
            &r.currency,
            &x.status.as_str(),
            &x.card_fingerprint,
            &x.card_bin,
            &entry,
            &r.register_id,
            &r.cashier_id,
        ];
        w.as_mut().write(&row).await?;
    }
    c.park(w);
    Ok(d.tenders.len())
}
