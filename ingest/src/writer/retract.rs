//! Deletes the derived transactions a newer version of their payload no longer has (see
//! [`crate::envelope::Retraction`]). Only some payloads carry retractions (Toast checks and
//! Clover orders that show a refund, Toast checks with a payment on another day or modified
//! after their day, Square and Clover orders paid days after opening), so a batch without them pays nothing; one with them pays a
//! few ms (benches/ingest/RESULTS.md).

use super::copier::Copier;
use crate::envelope::{Retraction, RETRACTING_SOURCES};
use chrono::{DateTime, Utc};
use pos_core::model::{Transaction, TxnKey};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashSet};

/// The header is found by its whole key, or by all but its time where the retraction names
/// none (lines share its partition); tenders may have times of their own, so they are found by
/// the transaction alone. Only a header stored at an older version than the retraction's goes,
/// and its lines and tenders with it, those older than the retraction too (a tender written
/// under the same id by this version, at another time, is not the stale one's). Every table is
/// also bounded by the batch's time range ($7–$8, tenders a day wider: $9–$10), so that the
/// planner opens only the chunks in it. A deleted header's fraud score goes with it (the one
/// scored at its time: a row of the key this version wrote at another time is scored anew at
/// commit). Every retracted key leaves a tombstone at its newest retracting version, so that an
/// older version delivered later is not written again ([`outranked`]).
const DELETE: &str = "
WITH r AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int8[])
        AS r(tenant_id, store_id, source, source_txn_id, occurred_at, source_version)
), gone AS (
    DELETE FROM pos.txn t USING r
     WHERE t.source_txn_id = r.source_txn_id AND t.tenant_id = r.tenant_id AND t.store_id = r.store_id
       AND t.source = r.source AND t.source_version < r.source_version
       AND (r.occurred_at IS NULL OR t.occurred_at = r.occurred_at)
       AND t.occurred_at BETWEEN $7::timestamptz AND $8::timestamptz
    RETURNING t.tenant_id, t.store_id, t.source, t.source_txn_id, t.occurred_at, r.source_version
), lines AS (
    DELETE FROM pos.sale_line l USING gone g
     WHERE l.occurred_at = g.occurred_at AND l.source_txn_id = g.source_txn_id
       AND l.tenant_id = g.tenant_id AND l.store_id = g.store_id AND l.source = g.source
       AND l.source_version < g.source_version AND l.occurred_at BETWEEN $7 AND $8
    RETURNING 1
), tenders AS (
    DELETE FROM pos.tender x USING gone g
     WHERE x.source_txn_id = g.source_txn_id AND x.tenant_id = g.tenant_id
       AND x.store_id = g.store_id AND x.source = g.source AND x.source_version < g.source_version
       AND x.occurred_at BETWEEN $9::timestamptz AND $10::timestamptz
    RETURNING 1
), scores AS (
    DELETE FROM pos.fraud_score f USING gone g
     WHERE f.source_txn_id = g.source_txn_id AND f.tenant_id = g.tenant_id AND f.store_id = g.store_id
       AND f.source = g.source AND f.occurred_at = g.occurred_at
    RETURNING 1
), marked AS (
    INSERT INTO pos.txn_tombstone AS m (tenant_id, store_id, source, source_txn_id, source_version)
    SELECT tenant_id, store_id, source, source_txn_id, max(source_version) FROM r
     GROUP BY tenant_id, store_id, source, source_txn_id ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, store_id, source, source_txn_id) DO UPDATE
       SET source_version = EXCLUDED.source_version, retracted_at = EXCLUDED.retracted_at
     WHERE m.source_version < EXCLUDED.source_version
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM lines) + (SELECT count(*) FROM tenders)";

/// Runs the retractions; the rows deleted (headers, lines and tenders).
pub async fn delete(c: &mut Copier<'_>, rs: &[&Retraction]) -> Result<u64, tokio_postgres::Error> {
    // A source missing from the list would leave tombstones nobody checks.
    debug_assert!(rs
        .iter()
        .all(|r| RETRACTING_SOURCES.contains(&r.key.source.as_str())));
    let col = |f: fn(&Retraction) -> &str| -> Vec<&str> { rs.iter().map(|r| f(r)).collect() };
    let tenants = col(|r| &r.key.tenant_id);
    let stores = col(|r| &r.key.store_id);
    let sources = col(|r| &r.key.source);
    let ids = col(|r| &r.key.source_txn_id);
    let times: Vec<Option<DateTime<Utc>>> = rs.iter().map(|r| r.occurred_at).collect();
    let versions: Vec<i64> = rs.iter().map(|r| r.source_version).collect();
    // One range over the batch, as parameters of an unnamed statement: planned with their
    // values, so PostgreSQL opens only the chunks in it (a join with the per-row times would
    // prune nothing). A live batch's retractions lie within days of each other.
    let from = rs.iter().map(|r| r.between.0).min();
    let to = rs.iter().map(|r| r.between.1).max();
    // A tender may be timed a little apart from its header. Computed here: in SQL, `$7 -
    // interval '1 day'` is only stable (it depends on the time zone), so every chunk would
    // stay in the plan.
    let day = chrono::Duration::days(1);
    let tenders_from = from.map(|t| t.checked_sub_signed(day).unwrap_or(t));
    let tenders_to = to.map(|t| t.checked_add_signed(day).unwrap_or(t));
    let client = c.sql().await?;
    let row = client
        .query_one(
            DELETE,
            &[
                &tenants,
                &stores,
                &sources,
                &ids,
                &times,
                &versions,
                &from,
                &to,
                &tenders_from,
                &tenders_to,
            ],
        )
        .await?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

/// The positions (in `$1..$5`) of the transactions whose key a stored tombstone outranks.
const OUTRANKED: &str = "
SELECT u.i::int8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])
       WITH ORDINALITY AS u(tenant_id, store_id, source, source_txn_id, source_version, i)
  JOIN pos.txn_tombstone m ON m.source_txn_id = u.source_txn_id AND m.tenant_id = u.tenant_id
   AND m.store_id = u.store_id AND m.source = u.source AND m.source_version > u.source_version";

/// Which of `txns` (by position) a newer version of their payload has already retracted: an
/// older split delivered after the version that moved its refund back, or an order's open
/// version delivered after the paid one that moved it. They are not written. Two statements,
/// and only when the batch holds transactions of a source that retracts.
///
/// Two batches in flight at once (several writers, or `import` beside `serve`) would each miss
/// what the other has not committed: the older version would pass the check while the newer
/// one's retraction finds no row to delete yet. So the keys the batch writes or retracts are
/// first locked until commit ([`LOCK`], then the check, whose snapshot is so taken after the
/// lock is granted): whichever batch comes second sees the first one's rows.
pub async fn outranked(
    c: &mut Copier<'_>,
    txns: &[&Transaction],
    retractions: &[&Retraction],
) -> Result<HashSet<usize>, tokio_postgres::Error> {
    let at: Vec<usize> = (0..txns.len())
        .filter(|i| RETRACTING_SOURCES.contains(&txns[*i].key.source.as_str()))
        .collect();
    if at.is_empty() && retractions.is_empty() {
        return Ok(HashSet::new());
    }
    let buckets = buckets(
        at.iter()
            .map(|i| &txns[*i].key)
            .chain(retractions.iter().map(|r| &r.key)),
    );
    let col =
        |f: fn(&Transaction) -> &str| -> Vec<&str> { at.iter().map(|i| f(txns[*i])).collect() };
    let versions: Vec<i64> = at.iter().map(|i| txns[*i].source_version).collect();
    let (tenants, stores) = (col(|t| &t.key.tenant_id), col(|t| &t.key.store_id));
    let (sources, ids) = (col(|t| &t.key.source), col(|t| &t.key.source_txn_id));
    let client = c.sql().await?;
    // One after the other: the check's snapshot must be taken once the lock is granted (two
    // requests pipelined with `join!` may be executed in either order: it polls round-robin).
    client.execute(LOCK, &[&LOCK_SPACE, &buckets]).await?;
    let rows = client
        .query(OUTRANKED, &[&tenants, &stores, &sources, &ids, &versions])
        .await;
    Ok(rows?
        .iter()
        .filter_map(|r| usize::try_from(r.get::<_, i64>(0)).ok())
        .filter_map(|n| at.get(n.checked_sub(1)?).copied())
        .collect())
}

/// Transaction-scoped advisory locks on the buckets `$2` (ascending: two batches never wait on
/// each other in a circle), in the lock space `$1`.
const LOCK: &str = "SELECT count(pg_advisory_xact_lock($1::int4, b)) FROM unnest($2::int4[]) b";

/// The advisory lock space of the retraction buckets ("pos" in ASCII), apart from any lock
/// an application takes with one key.
const LOCK_SPACE: i32 = 0x706f73;

/// How many buckets keys are locked by. A webhook's batch locks one or two, so concurrent
/// small batches seldom wait on each other; a large import batch locks them all, which bounds
/// what it adds to PostgreSQL's shared lock table (sized by `max_locks_per_transaction`).
const BUCKETS: u8 = 32;

/// The sorted, distinct buckets of `keys`: a hash of the whole key that every process and
/// version of the service computes alike (SHA-256, not a seeded hasher).
fn buckets<'a>(keys: impl Iterator<Item = &'a TxnKey>) -> Vec<i32> {
    let set: BTreeSet<i32> = keys
        .map(|k| {
            let mut h = Sha256::new();
            for part in [&k.tenant_id, &k.store_id, &k.source, &k.source_txn_id] {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            i32::from(h.finalize()[0] % BUCKETS)
        })
        .collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> TxnKey {
        TxnKey {
            tenant_id: "t".into(),
            store_id: "s".into(),
            source: "toast".into(),
            source_txn_id: id.into(),
        }
    }

    #[test]
    fn buckets_are_sorted_distinct_bounded_and_the_same_for_the_same_key() {
        let keys: Vec<TxnKey> = (0..500).map(|i| key(&format!("chk-{i}"))).collect();
        let all = buckets(keys.iter());
        assert_eq!(all, (0..i32::from(BUCKETS)).collect::<Vec<_>>());
        let one = buckets([key("chk-7/refunds")].iter());
        assert_eq!(one.len(), 1);
        assert_eq!(
            one,
            buckets([key("chk-7/refunds"), key("chk-7/refunds")].iter())
        );
        // The parts are separated: ("ab", "c") is not ("a", "bc").
        let a = TxnKey {
            store_id: "ab".into(),
            source_txn_id: "c".into(),
            ..key("")
        };
        let b = TxnKey {
            store_id: "a".into(),
            source_txn_id: "bc".into(),
            ..key("")
        };
        let spread: BTreeSet<_> = (0..64)
            .map(|i| {
                let suffix = format!("-{i}");
                let a = TxnKey {
                    source_txn_id: format!("{}{suffix}", a.source_txn_id),
                    ..a.clone()
                };
                let b = TxnKey {
                    source_txn_id: format!("{}{suffix}", b.source_txn_id),
                    ..b.clone()
                };
                buckets([a].iter()) == buckets([b].iter())
            })
            .collect();
        assert!(spread.contains(&false));
    }
}
