//! Transactions with their lines and tenders. Headers go through staging and a version-guarded
//! upsert that reports which headers won and whether each was new or replaced a stored one.
//!
//! The lines and tenders of a *new* header cannot collide with stored rows (they are only ever
//! written together with their header, under its key), so in the common case they are copied
//! straight into `pos.sale_line` and `pos.tender`, saving the staging copy and the upsert. Those
//! of replaced headers take the staging path, where the rows the new version no longer has are
//! removed. Should a stored row collide after all (a tender of the same number and time reported
//! on its own earlier, a transaction re-sent with a corrected start time, rows edited by hand),
//! the batch is rolled back and written again with everything staged ([`Mode::Staged`]).

use super::copier::Copier;
use super::rows::Deduped;
use super::stage::{self, Target};
use super::{upsert, Statements};
use chrono::{DateTime, Utc};
use pos_core::model::Transaction as Txn;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How the rows of a batch are written. A writer starts each batch in [`Mode::Fresh`]; a unique
/// violation (something was stored already) rolls the batch back and writes it again one mode
/// further down, and the writer stays in [`Mode::Direct`] for a while (see `Writer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing of the batch is stored yet (new sales, the common case): inbox rows, headers with
    /// their lines and tenders, drawer events and stock levels by binary COPY straight into their
    /// tables, with no staging, no `ON CONFLICT` and nothing sent back.
    Fresh,
    /// Headers through staging and the version-guarded upsert; the lines and tenders of new
    /// headers by binary COPY straight into the hypertables.
    Direct,
    /// Everything through staging and `ON CONFLICT`, like the lines of replaced headers.
    Staged,
}

impl Mode {
    /// The mode to write a batch again in after a unique violation, if any.
    pub fn after_collision(self) -> Option<Mode> {
        match self {
            Mode::Fresh => Some(Mode::Direct),
            Mode::Direct => Some(Mode::Staged),
            Mode::Staged => None,
        }
    }
}

/// Rows written for the transactions of one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub txns: u64,
    pub lines: u64,
    /// Every row inserted, replaced or deleted (headers, lines, tenders).
    pub rows: u64,
}

type Key = (String, String, String, String, i64);

fn key_of(t: &Txn) -> Key {
    let k = &t.key;
    (
        k.tenant_id.clone(),
        k.store_id.clone(),
        k.source.clone(),
        k.source_txn_id.clone(),
        t.occurred_at.timestamp_micros(),
    )
}

/// The (tenant, source, raw item id, sku) pairs a connection has committed to `pos.sku_alias`:
/// a batch sends only the pairs not among them, which after the first minutes is none at all.
/// (A pair changed by hand since is therefore not written back by this connection.)
#[derive(Default)]
pub struct AliasCache {
    /// [`alias_key`]s of the committed pairs.
    known: HashSet<String>,
    /// The pairs the current batch sends, and their keys.
    pending: Vec<AliasKey>,
    pending_keys: Vec<String>,
    /// Reused for looking a pair up, so a known pair costs no allocation.
    scratch: String,
}

type AliasKey = (String, String, String, String);

/// Entries remembered at most; beyond it the cache starts afresh.
const ALIAS_CACHE_MAX: usize = 200_000;

impl AliasCache {
    /// The batch committed: its pairs are stored.
    pub fn commit(&mut self) {
        if self.known.len() + self.pending_keys.len() > ALIAS_CACHE_MAX {
            self.known.clear();
        }
        self.pending.clear();
        self.known.extend(self.pending_keys.drain(..));
    }

    /// Forgets the pairs of an earlier batch that did not commit: only the current batch's
    /// pairs may become known at its COMMIT.
    fn start_batch(&mut self) {
        self.pending.clear();
        self.pending_keys.clear();
    }

    /// Queues the pair unless it is known; `true` if it was queued.
    fn queue(&mut self, pair: [&str; 4]) -> bool {
        alias_key(&mut self.scratch, pair);
        if self.known.contains(self.scratch.as_str()) {
            return false;
        }
        self.pending_keys.push(self.scratch.clone());
        let [t, s, r, k] = pair.map(str::to_string);
        self.pending.push((t, s, r, k));
        true
    }
}

/// One string for a (tenant, source, raw item id, sku) quadruple, each part prefixed by its
/// length: two different quadruples never share a key, whatever characters they hold.
fn alias_key(buf: &mut String, parts: [&str; 4]) {
    use std::fmt::Write;
    buf.clear();
    for p in parts {
        let _ = write!(buf, "{}:", p.len());
        buf.push_str(p);
    }
}

/// Upserts the headers of `d` and writes the lines and tenders of those that won.
pub async fn write(
    c: &mut Copier<'_>,
    d: &Deduped<'_>,
    batch_id: i64,
    sql: &Statements,
    mode: Mode,
    aliases: &mut AliasCache,
) -> Result<Written, tokio_postgres::Error> {
    let mut out = Written::default();
    if d.txns.is_empty() {
        aliases.start_batch();
        return Ok(out);
    }
    if mode == Mode::Fresh {
        out = write_fresh(c, d, batch_id).await?;
        learn_aliases(c, &sql.aliases, &d.txns, aliases).await?;
        return Ok(out);
    }
    stage::copy_txns(c, Target::Staging, &d.txns).await?;
    let won: HashMap<Key, bool> = c
        .sql()
        .await?
        .query(&sql.txn, &[&batch_id])
        .await?
        .iter()
        .map(|r| {
            let at: DateTime<Utc> = r.get(4);
            let key = (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                at.timestamp_micros(),
            );
            (key, r.get::<_, bool>(5))
        })
        .collect();
    out.txns = won.len() as u64;
    out.rows = out.txns;
    let (mut fresh, mut replaced) = (Vec::new(), Vec::new());
    for &t in &d.txns {
        match won.get(&key_of(t)) {
            Some(false) if mode == Mode::Direct => fresh.push(t),
            Some(_) => replaced.push(t),
            None => {}
        }
    }
    let any_replaced = won.values().any(|u| *u);
    if !fresh.is_empty() {
        let direct = Target::Direct { batch_id };
        let n = stage::copy_lines(c, direct, &fresh).await?;
        out.lines += n as u64;
        out.rows += (n + stage::copy_tenders(c, direct, &fresh).await?) as u64;
    }
    let (mut staged_lines, mut staged_tenders) = (0, 0);
    if !replaced.is_empty() {
        staged_lines = stage::copy_lines(c, Target::Staging, &replaced).await?;
        staged_tenders = stage::copy_tenders(c, Target::Staging, &replaced).await?;
    }
    if any_replaced {
        let tx = c.sql().await?;
        tx.batch_execute(upsert::ANALYZE_STAGING).await?;
        tx.execute(upsert::FIX_REPLACED_BATCH_ID, &[]).await?;
        out.rows += tx.execute(upsert::DELETE_GONE_LINES, &[]).await?;
        out.rows += tx
            .execute(upsert::DELETE_GONE_TENDERS.as_str(), &[])
            .await?;
    }
    if staged_lines > 0 {
        let n = c
            .sql()
            .await?
            .execute(sql.lines.as_str(), &[&batch_id])
            .await?;
        out.lines += n;
        out.rows += n;
    }
    if staged_tenders > 0 {
        out.rows += c
            .sql()
            .await?
            .execute(sql.tenders.as_str(), &[&batch_id])
            .await?;
    }
    learn_aliases(c, &sql.aliases, &d.txns, aliases).await?;
    Ok(out)
}

/// [`Mode::Fresh`]: headers, lines and tenders by COPY straight into the hypertables. A header
/// already stored makes PostgreSQL refuse the COPY (unique violation) and the batch is written
/// again in [`Mode::Direct`].
async fn write_fresh(
    c: &mut Copier<'_>,
    d: &Deduped<'_>,
    batch_id: i64,
) -> Result<Written, tokio_postgres::Error> {
    let direct = Target::Direct { batch_id };
    let txns = stage::copy_txns(c, direct, &d.txns).await? as u64;
    let lines = stage::copy_lines(c, direct, &d.txns).await? as u64;
    let tenders = stage::copy_tenders(c, direct, &d.txns).await? as u64;
    Ok(Written {
        txns,
        lines,
        rows: txns + lines + tenders,
    })
}

/// Records how each source names the products of these lines (see [`upsert::SKU_ALIASES`]).
async fn learn_aliases(
    c: &mut Copier<'_>,
    insert: &tokio_postgres::Statement,
    txns: &[&Txn],
    cache: &mut AliasCache,
) -> Result<(), tokio_postgres::Error> {
    let mut seen: BTreeMap<(&str, &str, &str), &str> = BTreeMap::new();
    for t in txns {
        for l in &t.lines {
            let k = (
                t.key.tenant_id.as_str(),
                t.key.source.as_str(),
                l.raw_item_id.as_str(),
            );
            seen.insert(k, l.sku.as_str());
        }
    }
    cache.start_batch();
    for ((t, s, r), k) in seen {
        cache.queue([t, s, r, k]);
    }
    if cache.pending.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&AliasKey) -> &str| cache.pending.iter().map(f).collect::<Vec<&str>>();
    let (tn, src, raw, sku) = (col(|k| &k.0), col(|k| &k.1), col(|k| &k.2), col(|k| &k.3));
    c.sql()
        .await?
        .execute(insert, &[&tn, &src, &raw, &sku])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_keys_keep_the_parts_apart() {
        let (mut a, mut b) = (String::new(), String::new());
        alias_key(&mut a, ["t", "s1", "2", "k"]);
        alias_key(&mut b, ["t", "s", "12", "k"]);
        assert_ne!(a, b);
    }

    #[test]
    fn a_committed_pair_is_not_sent_again_and_an_uncommitted_one_is() {
        let mut c = AliasCache::default();
        assert!(c.queue(["t", "s", "4011", "4011"]));
        c.commit();
        assert!(!c.queue(["t", "s", "4011", "4011"]));
        assert!(
            c.queue(["t", "s", "4011", "94011"]),
            "a changed sku is sent"
        );
        // That batch rolled back; the next one has no lines and commits.
        c.start_batch();
        c.commit();
        c.start_batch();
        assert!(
            c.queue(["t", "s", "4011", "94011"]),
            "never committed, so sent again"
        );
    }
}
