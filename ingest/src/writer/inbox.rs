//! New payloads into `pos.raw_inbox`, long ones zstd-packed (see `pos_core::raw_payload`); the
//! ones whose event id is stored already become duplicates.
//!
//! Two ways, chosen by the batch's mode ([`super::txns::Mode`]):
//! * **COPY** (`Mode::Fresh`): inbox ids are drawn in one statement, then binary COPY writes the
//!   rows. Cheaper than `INSERT … ON CONFLICT` (no speculative insertion, one WAL record per page
//!   of rows, nothing sent back). Event ids are not looked up first (an index probe per row cost
//!   about what the COPY saves): a stored one, a repeated delivery, makes the unique index refuse
//!   the COPY, and the batch is written again the other way.
//! * **upsert**: `INSERT … ON CONFLICT DO NOTHING RETURNING`, which skips stored event ids (and
//!   waits for a concurrent insert of the same id, then skips it).

use super::{stage, upsert, EnvelopeStatus, Statements};
use crate::envelope::{Envelope, Origin};
use chrono::{DateTime, Utc};
use pos_core::raw_payload::{Packer, Stored};
use std::collections::HashMap;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

/// The inbox columns of the new payloads of a batch, in envelope order.
#[derive(Default)]
struct Rows<'a> {
    env: Vec<usize>,
    tenant: Vec<&'a str>,
    source: Vec<&'a str>,
    event: Vec<&'a str>,
    content_type: Vec<&'a str>,
    text: Vec<Option<&'a str>>,
    zstd: Vec<Option<Vec<u8>>>,
    status: Vec<&'static str>,
}

fn rows<'a>(envs: &'a [Envelope], status: &[EnvelopeStatus], packer: &mut Packer) -> Rows<'a> {
    let mut r = Rows::default();
    for (i, env) in envs.iter().enumerate() {
        let (Origin::New(p), EnvelopeStatus::Stored { .. }) = (&env.origin, status[i]) else {
            continue;
        };
        r.env.push(i);
        r.tenant.push(&p.tenant_id);
        r.source.push(&p.source);
        r.event.push(&p.event_id);
        r.content_type.push(&p.content_type);
        match packer.pack(&p.payload) {
            Stored::Text(x) => {
                r.text.push(Some(x));
                r.zstd.push(None);
            }
            Stored::Zstd(frame) => {
                r.text.push(None);
                r.zstd.push(Some(frame));
            }
        }
        r.status
            .push(if env.records.is_empty() && !env.rejects.is_empty() {
                "rejected"
            } else {
                "processed"
            });
    }
    r
}

/// Inserts the new payloads; returns the inbox id per envelope index and marks the envelopes
/// whose event id was stored already as duplicates.
pub async fn insert(
    tx: &Transaction<'_>,
    sql: &Statements,
    fresh: bool,
    envs: &[Envelope],
    status: &mut [EnvelopeStatus],
    batch_id: i64,
    packer: &mut Packer,
) -> Result<HashMap<usize, i64>, tokio_postgres::Error> {
    let r = rows(envs, status, packer);
    let ids = if r.env.is_empty() {
        HashMap::new()
    } else if fresh {
        copy(tx, sql, &r, batch_id).await?
    } else {
        upsert(tx, sql, &r, batch_id).await?
    };
    for &i in &r.env {
        status[i] = match ids.get(&i) {
            Some(id) => EnvelopeStatus::Stored {
                inbox_id: Some(*id),
            },
            None => EnvelopeStatus::Duplicate,
        };
    }
    Ok(ids)
}

async fn upsert(
    tx: &Transaction<'_>,
    sql: &Statements,
    r: &Rows<'_>,
    batch_id: i64,
) -> Result<HashMap<usize, i64>, tokio_postgres::Error> {
    let params: [&(dyn ToSql + Sync); 8] = [
        &r.tenant,
        &r.source,
        &r.event,
        &r.content_type,
        &r.text,
        &r.zstd,
        &r.status,
        &batch_id,
    ];
    let by_key: HashMap<(&str, &str, &str), usize> = (0..r.env.len())
        .map(|k| ((r.tenant[k], r.source[k], r.event[k]), r.env[k]))
        .collect();
    let mut ids = HashMap::new();
    for row in tx.query(&sql.inbox, &params).await? {
        let key = (row.get(1), row.get(2), row.get(3));
        if let Some(i) = by_key.get(&key) {
            ids.insert(*i, row.get::<_, i64>(0));
        }
    }
    Ok(ids)
}

const COPY_TYPES: &[Type] = &[
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BYTEA,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::INT8,
];

async fn copy(
    tx: &Transaction<'_>,
    sql: &Statements,
    r: &Rows<'_>,
    batch_id: i64,
) -> Result<HashMap<usize, i64>, tokio_postgres::Error> {
    let n = i32::try_from(r.env.len()).unwrap_or(i32::MAX);
    let drawn = tx.query(&sql.inbox_ids, &[&n]).await?;
    let mut ids = HashMap::new();
    let mut w = stage::open(tx, "pos.raw_inbox", upsert::INBOX_COLS, COPY_TYPES).await?;
    for (k, row) in drawn.iter().enumerate() {
        let id: i64 = row.get(0);
        // processed_at as `INSERT … now()` sets it: the transaction's start.
        let now: DateTime<Utc> = row.get(1);
        let values: [&(dyn ToSql + Sync); 10] = [
            &id,
            &r.tenant[k],
            &r.source[k],
            &r.event[k],
            &r.content_type[k],
            &r.text[k],
            &r.zstd[k],
            &r.status[k],
            &now,
            &batch_id,
        ];
        w.as_mut().write(&values).await?;
        ids.insert(r.env[k], id);
    }
    w.as_mut().finish().await?;
    Ok(ids)
}
