//! `pos-ingest replay`: re-reads raw inbox rows with the current adapters (after a mapping fix)
//! and writes them again. Rows are replaced when the stored version is older *or equal*
//! (`Guard::NewerOrEqual`), so a corrected mapping overwrites what the old one produced, while
//! a newer version that arrived since is still never overwritten. The rejects an inbox row had
//! are replaced by the ones the new mapping gives (none, if it is fixed).

use crate::adapters::csv::Mapping;
use crate::adapters::format::{map, Format, Meta};
use crate::adapters::Context;
use crate::envelope::{Envelope, Origin, Reject};
use crate::writer::{Counts, Guard, Writer};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use pos_core::raw_payload;
use std::collections::HashMap;

pub struct ReplayArgs {
    pub url: String,
    pub source: Option<String>,
    /// `rejected`, `processed`, or `all` (default: rejected).
    pub status: String,
    pub since: Option<DateTime<Utc>>,
    pub ids: Vec<i64>,
    pub batch: i64,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub rows: usize,
    pub counts: Counts,
    pub unreadable: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "replayed {} inbox rows: {} transactions and {} lines written, {} rows changed, {} records still rejected ({} rows unreadable)",
            self.rows, c.txns_written, c.lines_written, c.rows_written, c.rejects, self.unreadable
        )
    }
}

const SELECT: &str = "
SELECT inbox_id, tenant_id, source, content_type, payload, payload_zstd FROM pos.raw_inbox
 WHERE inbox_id > $1 AND ($2::text IS NULL OR source = $2) AND ($3 = 'all' OR status = $3)
   AND ($4::timestamptz IS NULL OR received_at >= $4) AND (cardinality($5::bigint[]) = 0 OR inbox_id = ANY($5))
   AND status <> 'erased'
 ORDER BY inbox_id LIMIT $6";

pub async fn run(
    a: ReplayArgs,
    base: &Context,
    mappings: &HashMap<String, Mapping>,
) -> anyhow::Result<Summary> {
    if !["rejected", "processed", "all"].contains(&a.status.as_str()) {
        anyhow::bail!(
            "--status must be rejected, processed or all, not `{}`",
            a.status
        );
    }
    let mut w = Writer::connect(&a.url)
        .await
        .context("connecting to PostgreSQL")?;
    w.set_guard(Guard::NewerOrEqual).await?;
    let mut s = Summary::default();
    let mut after = 0i64;
    loop {
        let rows = w
            .client()
            .query(
                SELECT,
                &[
                    &after,
                    &a.source,
                    &a.status,
                    &a.since,
                    &a.ids,
                    &a.batch.max(1),
                ],
            )
            .await?;
        if rows.is_empty() {
            return Ok(s);
        }
        let mut envs = Vec::with_capacity(rows.len());
        for r in &rows {
            let (id, tenant, source, ct): (i64, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            let payload = stored_payload(r.get(4), r.get(5));
            after = id;
            envs.push(remap(
                base, mappings, id, &tenant, &source, &ct, payload, &mut s,
            ));
        }
        s.rows += envs.len();
        let o = w.write("replay", &envs).await?;
        s.counts.add(&o.counts);
    }
}

/// The payload of an inbox row from whichever column holds it (see `pos_core::raw_payload`).
fn stored_payload(text: Option<String>, zstd: Option<Vec<u8>>) -> Result<String, String> {
    match (text, zstd) {
        (Some(t), _) => Ok(t),
        (None, Some(frame)) => {
            raw_payload::unpack_zstd(&frame).map_err(|e| format!("payload_zstd unreadable: {e}"))
        }
        (None, None) => Err("no payload stored".into()),
    }
}

/// The facts of one inbox row under the current mapping, as an envelope linked to that row.
#[allow(clippy::too_many_arguments)]
fn remap(
    base: &Context,
    mappings: &HashMap<String, Mapping>,
    id: i64,
    tenant: &str,
    source: &str,
    ct: &str,
    payload: Result<String, String>,
    s: &mut Summary,
) -> Envelope {
    let mut ctx = base.clone();
    ctx.tenant_id = tenant.to_string();
    let mut env = Envelope {
        origin: Origin::Inbox(id),
        records: vec![],
        rejects: vec![],
    };
    let reject = |reason: String| Reject {
        tenant_id: Some(tenant.to_string()),
        source: source.to_string(),
        event_id: None,
        payload: None,
        reason,
        detail: serde_json::json!({ "inbox_id": id }),
    };
    let payload = match payload {
        Ok(p) => p,
        Err(why) => {
            s.unreadable += 1;
            env.rejects.push(reject(format!("inbox row {id}: {why}")));
            return env;
        }
    };
    let Some(format) = Format::from_content_type(ct) else {
        s.unreadable += 1;
        env.rejects.push(reject(format!(
            "inbox row {id}: unknown content type `{ct}`"
        )));
        return env;
    };
    match map(
        &ctx,
        mappings,
        &format,
        &payload,
        &Meta::from_content_type(ct),
    ) {
        Ok(m) => {
            for e in m.envelopes {
                env.records.extend(e.records);
                env.rejects.extend(e.rejects);
            }
        }
        Err(e) => {
            s.unreadable += 1;
            env.rejects
                .push(reject(format!("inbox row {id}: {}", e.message)));
        }
    }
    env
}
