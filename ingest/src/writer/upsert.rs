//! The SQL that moves staged rows into the hypertables. Every statement is keyed on the natural
//! key of its table (the PRIMARY KEY in sql/20_facts.sql) and guarded by `source_version`, so
//! replays change nothing and an older version never overwrites a newer one.

use super::stage::{DRAWER_COLS, INVENTORY_COLS, LINE_COLS, TENDER_COLS, TXN_COLS};
use std::sync::LazyLock;

/// How a staged row may replace a stored one with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Normal ingest: only a strictly newer `source_version` replaces (replays are no-ops).
    Newer,
    /// `replay` after a mapping fix: the same version replaces too, an older one still never does.
    NewerOrEqual,
}

impl Guard {
    fn op(self) -> &'static str {
        match self {
            Guard::Newer => ">",
            Guard::NewerOrEqual => ">=",
        }
    }
}

fn set_list(cols: &str, key: &[&str]) -> String {
    cols.split(',')
        .map(str::trim)
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn prefixed(cols: &str, p: &str) -> String {
    cols.split(',')
        .map(|c| format!("{p}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

const TXN_KEY: &[&str] = &[
    "tenant_id",
    "store_id",
    "source",
    "source_txn_id",
    "occurred_at",
];
const JOIN_WON: &str =
    "s.tenant_id = w.tenant_id AND s.store_id = w.store_id AND s.source = w.source \
    AND s.source_txn_id = w.source_txn_id";

/// Upserts headers; the ones that were inserted or replaced ("won") go to `stage_won` and come
/// back to the writer with `updated` set for a replacement. Only the won headers' lines and
/// tenders are written next. `$1` is the batch id.
///
/// A replaced header is marked by a negative batch id (PostgreSQL does not let RETURNING read
/// `xmax` on a partitioned table, the usual way to tell an update from an insert);
/// [`FIX_REPLACED_BATCH_ID`] restores it in the same transaction.
pub fn txn(g: Guard) -> String {
    format!(
        "WITH up AS (
            INSERT INTO pos.txn AS t ({TXN_COLS}, batch_id) SELECT {s}, $1 FROM stage_txn s
            ON CONFLICT (tenant_id, store_id, source, source_txn_id, occurred_at) DO UPDATE
               SET {set}, batch_id = -EXCLUDED.batch_id, ingested_at = now()
             WHERE EXCLUDED.source_version {op} t.source_version
            RETURNING t.tenant_id, t.store_id, t.source, t.source_txn_id, t.occurred_at, t.batch_id < 0 AS updated
        ), won AS (INSERT INTO stage_won SELECT * FROM up)
        SELECT tenant_id, store_id, source, source_txn_id, occurred_at, updated FROM up",
        s = prefixed(TXN_COLS, "s"),
        set = set_list(TXN_COLS, TXN_KEY),
        op = g.op()
    )
}

pub const FIX_REPLACED_BATCH_ID: &str = "
UPDATE pos.txn t SET batch_id = -t.batch_id FROM stage_won w
 WHERE w.updated AND t.tenant_id = w.tenant_id AND t.store_id = w.store_id AND t.source = w.source
   AND t.source_txn_id = w.source_txn_id AND t.occurred_at = w.occurred_at AND t.batch_id < 0";

/// Removes lines of replaced transactions that the newer version no longer has.
pub const DELETE_GONE_LINES: &str = "
DELETE FROM pos.sale_line l USING stage_won w
 WHERE w.updated AND l.tenant_id = w.tenant_id AND l.store_id = w.store_id AND l.source = w.source
   AND l.source_txn_id = w.source_txn_id AND l.occurred_at = w.occurred_at
   AND NOT EXISTS (SELECT 1 FROM stage_line s WHERE s.tenant_id = l.tenant_id AND s.store_id = l.store_id
                   AND s.source = l.source AND s.source_txn_id = l.source_txn_id AND s.line_no = l.line_no)";

pub fn lines(g: Guard) -> String {
    format!(
        "INSERT INTO pos.sale_line AS l ({LINE_COLS}, batch_id) SELECT {s}, $1 FROM stage_line s JOIN stage_won w
            ON {JOIN_WON} AND s.occurred_at = w.occurred_at
         ON CONFLICT (tenant_id, store_id, source, source_txn_id, line_no, occurred_at) DO UPDATE
            SET {set}, batch_id = EXCLUDED.batch_id
          WHERE EXCLUDED.source_version {op} l.source_version",
        s = prefixed(LINE_COLS, "s"),
        set = set_list(LINE_COLS, &["tenant_id", "store_id", "source", "source_txn_id", "line_no", "occurred_at"]),
        op = g.op()
    )
}

/// Tenders may carry their own time, so the stale ones are found by transaction key alone.
/// A new version that lists no tenders leaves the stored ones alone: sources such as Square
/// report payments separately from orders (see [`solo_tenders`]). Nor does a version of a
/// [`DECLINES_APART`] source remove a declined tender it does not list: such an order names
/// only the payments that went through, so its silence says nothing of the declined card
/// reported on its own (kept, it is a fraud signal; removed, the rows would depend on which of
/// the two arrived first).
pub static DELETE_GONE_TENDERS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "
DELETE FROM pos.tender d USING stage_won w
 WHERE w.updated AND d.tenant_id = w.tenant_id AND d.store_id = w.store_id AND d.source = w.source
   AND d.source_txn_id = w.source_txn_id
   AND NOT (d.status = 'declined' AND d.source IN ({apart}))
   AND EXISTS (SELECT 1 FROM stage_tender s WHERE s.tenant_id = w.tenant_id AND s.store_id = w.store_id
               AND s.source = w.source AND s.source_txn_id = w.source_txn_id)
   AND NOT EXISTS (SELECT 1 FROM stage_tender s WHERE s.tenant_id = d.tenant_id AND s.store_id = d.store_id
                   AND s.source = d.source AND s.source_txn_id = d.source_txn_id AND s.tender_no = d.tender_no
                   AND s.occurred_at = d.occurred_at)",
        apart = DECLINES_APART
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    )
});

/// The sources whose orders list only the payments that went through, a declined one being
/// reported apart (Square: `tenders` of an order, a FAILED payment by `payment.updated`).
pub const DECLINES_APART: &[&str] = &[crate::adapters::square::SOURCE];

pub fn tenders(g: Guard) -> String {
    format!(
        "INSERT INTO pos.tender AS x ({TENDER_COLS}, batch_id) SELECT {s}, $1 FROM stage_tender s JOIN stage_won w ON {JOIN_WON}
         ON CONFLICT (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at) DO UPDATE
            SET {set}, batch_id = EXCLUDED.batch_id
          WHERE EXCLUDED.source_version {op} x.source_version",
        s = prefixed(TENDER_COLS, "s"),
        set = set_list(TENDER_COLS, &["tenant_id", "store_id", "source", "source_txn_id", "tender_no", "occurred_at"]),
        op = g.op()
    )
}

/// Payments reported on their own, each guarded by its own version.
pub fn solo_tenders(g: Guard) -> String {
    format!(
        "INSERT INTO pos.tender AS x ({TENDER_COLS}, batch_id) SELECT {TENDER_COLS}, $1 FROM stage_tender_solo
         ON CONFLICT (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at) DO UPDATE
            SET {set}, batch_id = EXCLUDED.batch_id
          WHERE EXCLUDED.source_version {op} x.source_version",
        set = set_list(TENDER_COLS, &["tenant_id", "store_id", "source", "source_txn_id", "tender_no", "occurred_at"]),
        op = g.op()
    )
}

pub fn drawers(g: Guard) -> String {
    format!(
        "INSERT INTO pos.drawer_event AS d ({DRAWER_COLS}, batch_id) SELECT {DRAWER_COLS}, $1 FROM stage_drawer
         ON CONFLICT (tenant_id, store_id, source, source_event_id, occurred_at) DO UPDATE
            SET {set}, batch_id = EXCLUDED.batch_id
          WHERE EXCLUDED.source_version {op} d.source_version",
        set = set_list(DRAWER_COLS, &["tenant_id", "store_id", "source", "source_event_id", "occurred_at"]),
        op = g.op()
    )
}

pub fn inventory(g: Guard) -> String {
    format!(
        "INSERT INTO pos.inventory_level AS i ({INVENTORY_COLS}, batch_id) SELECT {INVENTORY_COLS}, $1 FROM stage_inventory
         ON CONFLICT (tenant_id, store_id, sku, as_of) DO UPDATE
            SET {set}, batch_id = EXCLUDED.batch_id
          WHERE EXCLUDED.source_version {op} i.source_version",
        set = set_list(INVENTORY_COLS, &["tenant_id", "store_id", "sku", "as_of"]),
        op = g.op()
    )
}

/// How each source names a product, learned from the lines as they pass: `$1..$4` are the
/// distinct (tenant, source, raw item id, sku) of a batch. Pairs already stored are filtered out
/// first, so the alias trigger only runs for new or changed ones.
pub const SKU_ALIASES: &str = "
INSERT INTO pos.sku_alias AS a (tenant_id, source, raw_item_id, sku)
SELECT u.t, u.s, u.r, u.k FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(t, s, r, k)
 WHERE NOT EXISTS (SELECT 1 FROM pos.sku_alias x
                    WHERE x.tenant_id = u.t AND x.source = u.s AND x.raw_item_id = u.r AND x.sku = u.k)
ON CONFLICT (tenant_id, source, raw_item_id) DO UPDATE SET sku = EXCLUDED.sku WHERE a.sku <> EXCLUDED.sku";

/// Statistics of the small staging tables, so the deletes of replaced rows look stored rows up
/// by key instead of sorting whole hypertables (a temporary table has no statistics otherwise).
pub const ANALYZE_STAGING: &str = "ANALYZE stage_won, stage_line, stage_tender";

/// New payloads into the inbox, each either as text (`$5`) or zstd-packed (`$6`); the ones whose
/// event id is already there come back missing from RETURNING and are treated as duplicates.
pub const INBOX: &str = "
INSERT INTO pos.raw_inbox (tenant_id, source, source_event_id, content_type, payload, payload_zstd, status, processed_at, batch_id)
SELECT u.t, u.s, u.e, u.c, u.p, u.z, u.st, now(), $8
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[]) AS u(t, s, e, c, p, z, st)
ON CONFLICT (tenant_id, source, source_event_id) DO NOTHING
RETURNING inbox_id, tenant_id, source, source_event_id";

/// The batch's first statement, sent with BEGIN: its id, the transaction's `now()` (for the
/// inbox's `processed_at`) and `$1` new inbox ids, whose rows then go in by a COPY of
/// [`INBOX_COLS`]. Event ids are not looked up first: a stored one makes the unique index refuse
/// the COPY, and the batch is written again through [`INBOX`]. The audit row itself is written
/// last ([`BATCH_AUDIT`]), with the COMMIT: nothing refers to it before.
pub const BATCH_IDS: &str = "
SELECT nextval('pos.ingest_batch_batch_id_seq'::regclass), now(),
       ARRAY(SELECT nextval('pos.raw_inbox_inbox_id_seq'::regclass) FROM generate_series(1, $1::int))";

/// The columns the fresh path COPYs into `pos.raw_inbox`.
pub const INBOX_COLS: &str = "inbox_id, tenant_id, source, source_event_id, content_type, \
    payload, payload_zstd, status, processed_at, batch_id";

/// Replayed inbox rows point at the batch that re-processed them.
pub const INBOX_RELINK: &str = "
UPDATE pos.raw_inbox SET batch_id = $2, processed_at = now(),
       status = CASE WHEN u.all_rejected THEN 'rejected' ELSE 'processed' END
  FROM unnest($1::bigint[], $3::bool[]) AS u(id, all_rejected)
 WHERE inbox_id = u.id";

pub const REJECTS: &str = "
INSERT INTO pos.reject (tenant_id, source, source_event_id, inbox_id, payload, reason, detail)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::jsonb[])";

/// The audit row of a batch, in one statement sent with the COMMIT (`started_at` defaults to the
/// transaction's start).
pub const BATCH_AUDIT: &str = "
INSERT INTO pos.ingest_batch (batch_id, tenant_id, source, finished_at, accepted, rejected, duplicates,
                              rows_written, checksum, duration_ms)
VALUES ($1, $2, $3, clock_timestamp(), $4, $5, $6, $7, $8, $9)";

/// Chunks for the distinct days of a batch, before the batch's transaction (so the short lock
/// a new partition takes is not held for the whole batch).
pub const ENSURE_CHUNKS: &str =
    "SELECT coalesce(sum(pos.ensure_chunks($1::text::regclass, d, d)), 0)::bigint FROM unnest($2::timestamptz[]) AS d";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_compare_versions_and_never_touch_the_key() {
        let sql = txn(Guard::Newer);
        assert!(sql.contains("WHERE EXCLUDED.source_version > t.source_version"));
        assert!(!sql.contains("occurred_at = EXCLUDED.occurred_at"));
        assert!(sql.contains("business_date = EXCLUDED.business_date"));
        assert!(lines(Guard::NewerOrEqual).contains("EXCLUDED.source_version >= l.source_version"));
        assert!(!lines(Guard::Newer).contains("line_no = EXCLUDED.line_no"));
    }
}
