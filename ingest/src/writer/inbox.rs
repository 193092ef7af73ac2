//! New payloads into `pos.raw_inbox`, long ones zstd-packed (see `pos_core::raw_payload`; packed
//! here unless packed upstream, [`crate::envelope::prepack`]); the ones whose event id is stored
//! already become duplicates.
//!
//! Two ways, chosen by the batch's mode ([`super::txns::Mode`]):
//! * **COPY** (`Mode::Fresh`): inbox ids are drawn with the batch id, in the batch's first
//!   statement ([`super::upsert::BATCH_IDS`]), then binary COPY writes the rows. Cheaper than `INSERT … ON CONFLICT` (no speculative insertion, one WAL record per page
//!   of rows, nothing sent back). Event ids are not looked up first (an index probe per row cost
//!   about what the COPY saves): a stored one, a repeated delivery, makes the unique index refuse
//!   the COPY, and the batch is written again the other way.
//! * **upsert**: `INSERT … ON CONFLICT DO NOTHING RETURNING`, which skips stored event ids (and
//!   waits for a concurrent insert of the same id, then skips it).

use super::copier::Copier;
use super::{upsert, EnvelopeStatus, Statements};
use crate::envelope::{Envelope, Origin, Packed};
use chrono::{DateTime, Utc};
use pos_core::raw_payload::{Packer, Stored};
use std::borrow::Cow;
use std::collections::HashMap;
use tokio_postgres::types::{ToSql, Type};

/// Inbox ids drawn for a batch's new payloads, and the transaction's start (`processed_at`, as
/// `INSERT … now()` would set it).
pub struct Drawn {
    pub ids: Vec<i64>,
    pub now: DateTime<Utc>,
}

/// How many inbox rows a batch writes: its envelopes with a new payload not seen earlier in it.
pub fn new_payloads(envs: &[Envelope], status: &[EnvelopeStatus]) -> usize {
    envs.iter()
        .zip(status)
        .filter(|(e, st)| {
            matches!(
                (&e.origin, st),
                (Origin::New(_), EnvelopeStatus::Stored { .. })
            )
        })
        .count()
}

/// The inbox columns of the new payloads of a batch, in envelope order.
#[derive(Default)]
struct Rows<'a> {
    env: Vec<usize>,
    tenant: Vec<&'a str>,
    source: Vec<&'a str>,
    event: Vec<&'a str>,
    content_type: Vec<&'a str>,
    text: Vec<Option<&'a str>>,
    zstd: Vec<Option<Cow<'a, [u8]>>>,
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
        let (text, zstd) = match &p.packed {
            Some(Packed::Text) => (Some(p.payload.as_str()), None),
            Some(Packed::Zstd(frame)) => (None, Some(Cow::Borrowed(frame.as_slice()))),
            None => match packer.pack(&p.payload) {
                Stored::Text(x) => (Some(x), None),
                Stored::Zstd(frame) => (None, Some(Cow::Owned(frame))),
            },
        };
        r.text.push(text);
        r.zstd.push(zstd);
        r.status
            .push(if env.records.is_empty() && !env.rejects.is_empty() {
                "rejected"
            } else {
                "processed"
            });
    }
    r
}

/// Inserts the new payloads, by COPY with the `drawn` ids or else by upsert; returns the inbox
/// id per envelope index and marks the envelopes whose event id was stored already as duplicates.
pub async fn insert(
    c: &mut Copier<'_>,
    sql: &Statements,
    drawn: Option<&Drawn>,
    envs: &[Envelope],
    status: &mut [EnvelopeStatus],
    batch_id: i64,
    packer: &mut Packer,
) -> Result<HashMap<usize, i64>, tokio_postgres::Error> {
    let r = rows(envs, status, packer);
    let ids = if r.env.is_empty() {
        HashMap::new()
    } else if let Some(drawn) = drawn {
        copy(c, drawn, &r, batch_id).await?
    } else {
        upsert(c, sql, &r, batch_id).await?
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
    c: &mut Copier<'_>,
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
    for row in c.sql().await?.query(&sql.inbox, &params).await? {
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
    c: &mut Copier<'_>,
    drawn: &Drawn,
    r: &Rows<'_>,
    batch_id: i64,
) -> Result<HashMap<usize, i64>, tokio_postgres::Error> {
    assert_eq!(drawn.ids.len(), r.env.len(), "one inbox id per new payload");
    let mut ids = HashMap::new();
    let mut w = c
        .copy("pos.raw_inbox", upsert::INBOX_COLS, COPY_TYPES)
        .await?;
    let now = drawn.now;
    for (k, &id) in drawn.ids.iter().enumerate() {
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
    c.park(w);
    Ok(ids)
}
