//! The one path into the database. A batch of envelopes becomes one PostgreSQL transaction:
//! audit row, raw payloads into the inbox (duplicates detected by event id), facts by binary
//! COPY into staging and `INSERT … ON CONFLICT` into the hypertables, rejects, then COMMIT.
//! Callers acknowledge only after [`Writer::write`] returns `Ok`.

mod chunks;
mod copier;
mod inbox;
pub mod phases;
pub mod reference;
mod retract;
pub mod rows;
mod stage;
mod txns;
pub mod upsert;

use crate::envelope::{Envelope, Origin, Record, Reject};
use phases::{Laps, Phase, Phases};
use pos_core::raw_payload::Packer;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Statement};
pub use upsert::Guard;

/// What happened to one envelope of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeStatus {
    /// Stored (its inbox row id when it came with a payload).
    Stored { inbox_id: Option<i64> },
    /// Its event id was already in the inbox (or earlier in the batch): nothing written.
    Duplicate,
}

/// Counts of one committed batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub envelopes: usize,
    pub duplicates: usize,
    pub rejects: usize,
    /// Records dropped inside the batch because a newer version of the same key came with it.
    pub superseded: usize,
    pub txns_staged: usize,
    pub lines_staged: usize,
    /// Headers inserted or replaced (older or equal versions are not written).
    pub txns_written: u64,
    pub lines_written: u64,
    pub rows_written: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.envelopes += o.envelopes;
        self.duplicates += o.duplicates;
        self.rejects += o.rejects;
        self.superseded += o.superseded;
        self.txns_staged += o.txns_staged;
        self.lines_staged += o.lines_staged;
        self.txns_written += o.txns_written;
        self.lines_written += o.lines_written;
        self.rows_written += o.rows_written;
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub batch_id: i64,
    /// One per input envelope, in input order.
    pub status: Vec<EnvelopeStatus>,
    pub counts: Counts,
    /// Where the batch's time went.
    pub phases: Phases,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// PostgreSQL is unreachable or the connection broke: retry later (HTTP 503).
    #[error("PostgreSQL is unavailable: {}", describe_db(.0))]
    Unavailable(tokio_postgres::Error),
    /// PostgreSQL refused the data (a constraint, a type): the batch must be split.
    #[error("PostgreSQL refused the batch: {}", describe_db(.0))]
    Refused(tokio_postgres::Error),
    /// The database's `pos_analytics` is missing or older than the tables this build writes:
    /// nothing is written until it is updated (the service keeps trying, so it resumes by itself
    /// after `ALTER EXTENSION pos_analytics UPDATE`).
    #[error("{0}")]
    Outdated(String),
}

/// The oldest `pos_analytics` whose tables this build writes: 0.2.0 added `pos.tender.tip`.
pub const EXTENSION_NEEDED: [u32; 3] = [0, 2, 0];

/// Refuses a database whose `pos_analytics` is missing or older than [`EXTENSION_NEEDED`], with
/// what to run, before anything is prepared against its tables (which would fail on a missing
/// column, naming neither the cause nor the cure).
async fn check_extension(client: &tokio_postgres::Client) -> Result<(), WriteError> {
    let row = client
        .query_opt(
            "SELECT extversion FROM pg_extension WHERE extname = 'pos_analytics'",
            &[],
        )
        .await
        .map_err(WriteError::Unavailable)?;
    let needed = EXTENSION_NEEDED.map(|n| n.to_string()).join(".");
    let Some(row) = row else {
        return Err(WriteError::Outdated(format!(
            "the database has no pos_analytics extension: run CREATE EXTENSION pos_analytics \
             ({needed} or later) in it, or point the URL at the database that has it"
        )));
    };
    let have: String = row.get(0);
    if version_parts(&have) < EXTENSION_NEEDED {
        return Err(WriteError::Outdated(format!(
            "the database has pos_analytics {have}; this build of pos-ingest writes the tables of \
             {needed}: run ALTER EXTENSION pos_analytics UPDATE in it (docs/dba.md, Upgrading)"
        )));
    }
    Ok(())
}

/// Whether the database's extension unpacks frames packed with pos_core's inbox dictionary:
/// its library may predate the dictionary (the extension's SQL version does not tell, since the
/// functions kept their signatures), and a frame it cannot read would fail `pos.inbox_payload`
/// and erasure. Asked by unpacking one such frame; any error means no, and payloads are then
/// packed without the dictionary.
async fn reads_inbox_dictionary(client: &tokio_postgres::Client) -> bool {
    const PROBE: &str = "pos-ingest: can this database read the inbox dictionary?";
    let frame = pos_core::raw_payload::pack_zstd(PROBE);
    match client
        .query_one("SELECT pos.unpack_payload($1) = $2", &[&frame, &PROBE])
        .await
    {
        Ok(row) => row.get::<_, bool>(0),
        Err(e) => {
            tracing::warn!(error = %describe_db(&e), "the database's pos_analytics library predates the inbox \
                dictionary: payloads are packed without it (install the current extension library)");
            false
        }
    }
}

/// `major.minor.patch` as numbers (missing or unreadable parts count as 0).
fn version_parts(v: &str) -> [u32; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(v.split('.')) {
        *slot = part.trim().parse().unwrap_or(0);
    }
    out
}

/// The server's message, detail and hint (tokio-postgres' Display says only "db error"); for
/// an error not from the server, its causes too: Display says only "error connecting to
/// server" or "invalid configuration", and the reason (connection refused, no such host, a
/// bad URL) was in its source, which nothing printed.
pub fn describe_db(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!("{}: {}", d.code().code(), d.message());
            if let Some(x) = d.detail() {
                s += &format!(" (detail: {x})");
            }
            if let Some(x) = d.hint() {
                s += &format!(" (hint: {x})");
            }
            if let Some(x) = d.where_() {
                s += &format!(" (where: {x})");
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                let c_text = c.to_string();
                if !s.ends_with(&c_text) {
                    s += &format!(": {c_text}");
                }
                cause = c.source();
            }
            s
        }
    }
}

impl WriteError {
    fn from_db(e: tokio_postgres::Error) -> WriteError {
        match e.code() {
            Some(c) if is_data_error(c) => WriteError::Refused(e),
            _ => WriteError::Unavailable(e),
        }
    }
}

/// SQLSTATE classes 21 (cardinality violation), 22 (data exception) and 23 (integrity
/// constraint violation): the rows are at fault, not the server. Class 21 is an `ON CONFLICT DO
/// UPDATE` touching a row twice: two staged rows of one key, such as two tenders of one number
/// and time in a transaction. Taken for an outage, it failed every retry of the batch (a 503
/// for its whole group) instead of rejecting the one record.
fn is_data_error(c: &SqlState) -> bool {
    let code = c.code();
    code.starts_with("21") || code.starts_with("22") || code.starts_with("23")
}

fn is_retryable(e: &tokio_postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE)
}

/// A connection that writes batches. Not shared: the service runs several, one per writer task.
pub struct Writer {
    client: Client,
    packer: Packer,
    chunks: chunks::ChunkCache,
    aliases: txns::AliasCache,
    sql: Statements,
    copies: copier::CopyStatements,
    guard: Guard,
    /// Batches still to write in [`txns::Mode::Direct`] after one found its rows stored already.
    cautious: u32,
}

/// After a batch found rows of it stored already (a newer version of a transaction, a resent
/// stock level, a duplicate delivery racing another writer), this many batches skip
/// [`txns::Mode::Fresh`]: a source that re-sends sends more, and each refused COPY costs a batch.
const CAUTIOUS_BATCHES: u32 = 16;

/// The upsert statements for one guard. The ones every batch runs are prepared once per
/// connection: parsing and planning them again for each batch was a fixed cost that every
/// group commit paid, however few requests it held. The ones that join the staging tables to
/// the hypertables stay unprepared, so each is planned with the batch's staging statistics.
#[derive(Clone)]
struct Statements {
    txn: Statement,
    batch_ids: Statement,
    batch_audit: Statement,
    inbox: Statement,
    aliases: Statement,
    ensure_chunks: Statement,
    lines: String,
    tenders: String,
    solo_tenders: String,
    drawers: String,
    inventory: String,
}

impl Statements {
    async fn prepare(c: &Client, g: Guard) -> Result<Statements, tokio_postgres::Error> {
        Ok(Statements {
            txn: c.prepare(&upsert::txn(g)).await?,
            batch_ids: c.prepare(upsert::BATCH_IDS).await?,
            batch_audit: c.prepare(upsert::BATCH_AUDIT).await?,
            inbox: c.prepare(upsert::INBOX).await?,
            aliases: c.prepare(upsert::SKU_ALIASES).await?,
            ensure_chunks: c.prepare(upsert::ENSURE_CHUNKS).await?,
            lines: upsert::lines(g),
            tenders: upsert::tenders(g),
            solo_tenders: upsert::solo_tenders(g),
            drawers: upsert::drawers(g),
            inventory: upsert::inventory(g),
        })
    }
}

impl Writer {
    /// Connects, checks the extension is installed and creates the staging tables.
    pub async fn connect(url: &str) -> Result<Writer, WriteError> {
        let (client, conn) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(WriteError::Unavailable)?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::warn!(error = %e, "PostgreSQL connection closed");
            }
        });
        client
            .batch_execute("SET application_name = 'pos-ingest'; SET synchronous_commit = on")
            .await
            .map_err(WriteError::Unavailable)?;
        check_extension(&client).await?;
        stage::create_staging(&client)
            .await
            .map_err(WriteError::from_db)?;
        let sql = Statements::prepare(&client, Guard::Newer)
            .await
            .map_err(WriteError::from_db)?;
        // This writer packs as its own database reads; payloads packed upstream follow the
        // last writer connected (one database per process).
        let dictionary = reads_inbox_dictionary(&client).await;
        crate::envelope::use_inbox_dictionary(dictionary);
        Ok(Writer {
            client,
            packer: Packer::choose(dictionary),
            chunks: chunks::ChunkCache::default(),
            aliases: txns::AliasCache::default(),
            sql,
            copies: copier::CopyStatements::default(),
            guard: Guard::Newer,
            cautious: 0,
        })
    }

    /// `Guard::NewerOrEqual` for `replay`; the default is `Guard::Newer`.
    pub async fn set_guard(&mut self, g: Guard) -> Result<(), WriteError> {
        self.sql = Statements::prepare(&self.client, g)
            .await
            .map_err(WriteError::from_db)?;
        self.guard = g;
        Ok(())
    }

    /// The mode a batch starts in: [`txns::Mode::Fresh`] unless a recent batch collided, or a
    /// replay (whose rows are stored by definition) is running.
    fn first_mode(&mut self) -> txns::Mode {
        if self.guard == Guard::NewerOrEqual {
            return txns::Mode::Direct;
        }
        if self.cautious > 0 {
            self.cautious -= 1;
            return txns::Mode::Direct;
        }
        txns::Mode::Fresh
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Writes a batch in one transaction. `source` labels the audit row. A batch PostgreSQL
    /// refuses is split so that only the offending envelopes end up as rejects.
    pub async fn write(&mut self, source: &str, envs: &[Envelope]) -> Result<Outcome, WriteError> {
        match self.write_retrying(source, envs).await {
            Err(WriteError::Refused(e)) => {
                tracing::warn!(error = %e, envelopes = envs.len(), "batch refused, writing envelopes one by one");
                self.write_isolating(source, envs).await
            }
            r => r,
        }
    }

    async fn write_isolating(
        &mut self,
        source: &str,
        envs: &[Envelope],
    ) -> Result<Outcome, WriteError> {
        let mut all = Outcome {
            batch_id: 0,
            status: Vec::new(),
            counts: Counts::default(),
            phases: Phases::default(),
        };
        for env in envs {
            let one = std::slice::from_ref(env);
            let o = match self.write_retrying(source, one).await {
                Err(WriteError::Refused(e)) => {
                    self.write_retrying(source, &[as_rejected(env, &e)]).await?
                }
                r => r?,
            };
            all.batch_id = o.batch_id;
            all.status.extend(o.status);
            all.counts.add(&o.counts);
            for p in Phase::ALL {
                all.phases.add(p, o.phases.get(p));
            }
            all.phases.attempts += o.phases.attempts;
        }
        Ok(all)
    }

    async fn write_retrying(
        &mut self,
        source: &str,
        envs: &[Envelope],
    ) -> Result<Outcome, WriteError> {
        let mut attempt = 0;
        let mut mode = self.first_mode();
        let mut phases = Phases::default();
        loop {
            let r = self.write_once(source, envs, mode, &mut phases).await;
            if r.is_err() {
                // The statements of a batch are sent without a Transaction guard (to pipeline
                // BEGIN and COMMIT with them): end a failed one here. A broken connection
                // fails this too, which the caller learns from the batch's own error.
                let _ = self.client.batch_execute("ROLLBACK").await;
            }
            match r {
                Err(e)
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                        && mode != txns::Mode::Staged =>
                {
                    let next = mode.after_collision().unwrap_or(txns::Mode::Staged);
                    if mode == txns::Mode::Fresh {
                        tracing::debug!(error = %describe_db(&e), "a row of the batch was stored already; writing it again through the upserts");
                        self.cautious = CAUTIOUS_BATCHES;
                    } else {
                        tracing::warn!(error = %describe_db(&e), "a line or tender of a new header was already stored; writing the batch again through staging");
                    }
                    mode = next;
                }
                Err(e) if attempt < 5 && is_retryable(&e) => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "retrying batch");
                    tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
                }
                Err(e) => return Err(WriteError::from_db(e)),
                Ok(mut o) => {
                    o.phases = phases;
                    return Ok(o);
                }
            }
        }
    }

    async fn write_once(
        &mut self,
        source: &str,
        envs: &[Envelope],
        mode: txns::Mode,
        phases: &mut Phases,
    ) -> Result<Outcome, tokio_postgres::Error> {
        let started = Instant::now();
        let mut laps = Laps::start(phases);
        let mut status = first_of_each_event(envs);
        let live = |i: usize| status[i] != EnvelopeStatus::Duplicate;
        let candidates: Vec<&Record> = envs
            .iter()
            .enumerate()
            .filter(|(i, _)| live(*i))
            .flat_map(|(_, e)| &e.records)
            .collect();
        laps.lap(Phase::Prepare);
        self.chunks
            .ensure(&self.client, &self.sql.ensure_chunks, candidates)
            .await?;
        laps.lap(Phase::Chunks);

        let sql = self.sql.clone();
        let tenant = single_tenant(envs);
        let fresh = mode == txns::Mode::Fresh;
        let new = if fresh {
            inbox::new_payloads(envs, &status)
        } else {
            0
        };
        let n = i32::try_from(new).unwrap_or(i32::MAX);
        // BEGIN and the batch's ids in one round trip (requests are pipelined on the connection).
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&n];
        let (begun, head) = tokio::join!(
            self.client.batch_execute("BEGIN"),
            self.client.query_one(&sql.batch_ids, &params)
        );
        begun?;
        let head = head?;
        let batch_id: i64 = head.get(0);
        let drawn = fresh.then(|| inbox::Drawn {
            ids: head.get(2),
            now: head.get(1),
        });
        laps.lap(Phase::Open);
        let mut c = copier::Copier::new(&self.client, &mut self.copies);
        let inbox_ids = inbox::insert(
            &mut c,
            &sql,
            drawn.as_ref(),
            envs,
            &mut status,
            batch_id,
            &mut self.packer,
        )
        .await?;
        relink_inbox(&mut c, envs, &status, batch_id).await?;
        laps.lap(Phase::Inbox);

        let mut counts = Counts {
            envelopes: envs.len(),
            ..Counts::default()
        };
        let accepted: Vec<usize> = (0..envs.len())
            .filter(|i| status[*i] != EnvelopeStatus::Duplicate)
            .collect();
        counts.duplicates = envs.len() - accepted.len();
        let mut d = rows::dedup(accepted.iter().flat_map(|i| &envs[*i].records), self.guard);
        let outranked = retract::outranked(&mut c, &d.txns, &d.retractions).await?;
        d.drop_txns(&outranked);
        counts.superseded = d.superseded;
        counts.txns_staged = d.txns.len();
        counts.lines_staged = d.txns.iter().map(|t| t.lines.len()).sum();
        laps.lap(Phase::Prepare);
        let w = txns::write(&mut c, &d, batch_id, &sql, mode, &mut self.aliases).await?;
        laps.lap(Phase::Facts);
        counts.txns_written = w.txns;
        counts.lines_written = w.lines;
        let mut rows = w.rows;
        let others = match mode {
            txns::Mode::Fresh => stage::Target::Direct { batch_id },
            _ => stage::Target::Staging,
        };
        let staged = stage::stage_others(&mut c, &d, others).await?;
        if others != stage::Target::Staging {
            rows += (staged.drawers + staged.inventory) as u64;
        } else if staged.drawers > 0 {
            let tx = c.sql().await?;
            rows += tx.execute(sql.drawers.as_str(), &[&batch_id]).await?;
        }
        if others == stage::Target::Staging && staged.inventory > 0 {
            let tx = c.sql().await?;
            rows += tx.execute(sql.inventory.as_str(), &[&batch_id]).await?;
        }
        if staged.solo_tenders > 0 {
            let tx = c.sql().await?;
            rows += tx.execute(sql.solo_tenders.as_str(), &[&batch_id]).await?;
        }
        if !d.retractions.is_empty() {
            // After the upserts: a transaction written above at a newer version is kept.
            rows += retract::delete(&mut c, &d.retractions).await?;
        }
        counts.rows_written = rows;
        counts.rejects = insert_rejects(&mut c, envs, &accepted, &inbox_ids).await?;
        laps.lap(Phase::Others);

        let checksum = checksum(envs, &accepted);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let audit: [&(dyn tokio_postgres::types::ToSql + Sync); 9] = [
            &batch_id,
            &tenant,
            &source,
            &(accepted.len() as i32),
            &(counts.rejects as i32),
            &(counts.duplicates as i32),
            &(rows as i64),
            &checksum,
            &ms,
        ];
        laps.lap(Phase::Prepare);
        // The last COPY's end, the audit row and COMMIT in one round trip. Should the COPY or
        // the audit row fail, PostgreSQL answers the COMMIT with a rollback, and their error
        // is what is returned.
        let open = c.take_open();
        let client = &self.client;
        copier::end_with(open, async {
            let (audit, commit) = tokio::join!(
                client.execute(&sql.batch_audit, &audit),
                client.batch_execute("COMMIT")
            );
            audit?;
            commit
        })
        .await?;
        laps.lap(Phase::Commit);
        self.chunks.commit();
        self.aliases.commit();
        Ok(Outcome {
            batch_id,
            status,
            counts,
            phases: Phases::default(),
        })
    }
}

/// Marks later envelopes carrying an event id already seen in this batch as duplicates.
fn first_of_each_event(envs: &[Envelope]) -> Vec<EnvelopeStatus> {
    let mut seen = HashSet::new();
    envs.iter()
        .map(|e| match &e.origin {
            Origin::New(r) if !seen.insert((&r.tenant_id, &r.source, &r.event_id)) => {
                EnvelopeStatus::Duplicate
            }
            Origin::Inbox(id) => EnvelopeStatus::Stored {
                inbox_id: Some(*id),
            },
            Origin::New(_) => EnvelopeStatus::Stored { inbox_id: None },
        })
        .collect()
}

fn single_tenant(envs: &[Envelope]) -> Option<String> {
    let mut tenants = envs.iter().filter_map(|e| match &e.origin {
        Origin::New(r) => Some(r.tenant_id.as_str()),
        Origin::Inbox(_) => None,
    });
    let first = tenants.next()?;
    tenants.all(|t| t == first).then(|| first.to_string())
}

async fn relink_inbox(
    c: &mut copier::Copier<'_>,
    envs: &[Envelope],
    status: &[EnvelopeStatus],
    batch_id: i64,
) -> Result<(), tokio_postgres::Error> {
    let (mut ids, mut rejected) = (vec![], vec![]);
    for (env, st) in envs.iter().zip(status) {
        if let (Origin::Inbox(id), EnvelopeStatus::Stored { .. }) = (&env.origin, st) {
            ids.push(*id);
            rejected.push(env.records.is_empty() && !env.rejects.is_empty());
        }
    }
    if !ids.is_empty() {
        let tx = c.sql().await?;
        tx.execute(upsert::INBOX_RELINK, &[&ids, &batch_id, &rejected])
            .await?;
        // The row's old rejects are superseded by what the current mapping gives.
        tx.execute("DELETE FROM pos.reject WHERE inbox_id = ANY($1)", &[&ids])
            .await?;
    }
    Ok(())
}

async fn insert_rejects(
    c: &mut copier::Copier<'_>,
    envs: &[Envelope],
    accepted: &[usize],
    inbox_ids: &HashMap<usize, i64>,
) -> Result<usize, tokio_postgres::Error> {
    let (mut t, mut s, mut e, mut ib, mut p, mut r, mut d) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in accepted {
        let inbox = match &envs[*i].origin {
            Origin::Inbox(id) => Some(*id),
            Origin::New(_) => inbox_ids.get(i).copied(),
        };
        for rej in &envs[*i].rejects {
            t.push(rej.tenant_id.as_deref());
            s.push(rej.source.as_str());
            e.push(rej.event_id.as_deref());
            ib.push(inbox);
            p.push(rej.payload.as_deref());
            r.push(rej.reason.as_str());
            d.push(&rej.detail);
        }
    }
    if !t.is_empty() {
        c.sql()
            .await?
            .execute(upsert::REJECTS, &[&t, &s, &e, &ib, &p, &r, &d])
            .await?;
    }
    Ok(t.len())
}

/// SHA-256 over the accepted payloads in order: the audit row proves what the batch contained.
fn checksum(envs: &[Envelope], accepted: &[usize]) -> Option<String> {
    let mut h = Sha256::new();
    let mut any = false;
    for i in accepted {
        if let Origin::New(r) = &envs[*i].origin {
            h.update(r.payload.as_bytes());
            h.update([0u8]);
            any = true;
        }
    }
    any.then(|| hex::encode(h.finalize()))
}

/// An envelope PostgreSQL refused even alone: keep its payload, turn its records into rejects.
fn as_rejected(env: &Envelope, e: &tokio_postgres::Error) -> Envelope {
    let reason = match e.as_db_error() {
        Some(db) => format!("PostgreSQL refused the record: {}", db.message()),
        None => format!("PostgreSQL refused the record: {e}"),
    };
    let detail = serde_json::json!({
        "sqlstate": e.code().map(|c| c.code()),
        "constraint": e.as_db_error().and_then(|d| d.constraint()),
        "column": e.as_db_error().and_then(|d| d.column()),
    });
    let mut rejects = env.rejects.clone();
    for rec in &env.records {
        let (tenant, source, id, payload) = describe(rec);
        rejects.push(Reject {
            tenant_id: Some(tenant),
            source,
            event_id: Some(id),
            payload: Some(payload),
            reason: reason.clone(),
            detail: detail.clone(),
        });
    }
    Envelope {
        origin: env.origin.clone(),
        records: Vec::new(),
        rejects,
    }
}

fn describe(rec: &Record) -> (String, String, String, String) {
    match rec {
        Record::Tender(x) => (
            x.key.tenant_id.clone(),
            x.key.source.clone(),
            x.key.source_txn_id.clone(),
            serde_json::to_string(&x.tender).unwrap_or_default(),
        ),
        Record::Txn(t) => (
            t.key.tenant_id.clone(),
            t.key.source.clone(),
            t.key.source_txn_id.clone(),
            serde_json::to_string(t).unwrap_or_default(),
        ),
        Record::Retract(r) => (
            r.key.tenant_id.clone(),
            r.key.source.clone(),
            r.key.source_txn_id.clone(),
            serde_json::json!({"retract": r.key.source_txn_id, "occurred_at": r.occurred_at})
                .to_string(),
        ),
        Record::Drawer(d) => (
            d.tenant_id.clone(),
            d.source.clone(),
            d.source_event_id.clone(),
            serde_json::to_string(d).unwrap_or_default(),
        ),
        Record::Inventory(i) => (
            i.level.tenant_id.clone(),
            i.source.clone(),
            i.level.sku.clone(),
            serde_json::to_string(&i.level).unwrap_or_default(),
        ),
    }
}

#[cfg(test)]
mod describe_tests {
    use super::*;

    /// An error that is not the server's says why: before, "error connecting to server" or
    /// "invalid configuration" alone.
    #[tokio::test]
    async fn a_connection_error_names_its_cause() {
        let e = tokio_postgres::connect("postgresql://nobody@127.0.0.1:1/none", NoTls)
            .await
            .err()
            .expect("nothing listens on port 1");
        let text = describe_db(&e);
        assert!(text.contains("refused"), "{text}");
        let e = tokio_postgres::connect("host=/nonexistent port=x", NoTls)
            .await
            .err()
            .expect("a bad port");
        let text = describe_db(&e);
        assert!(text.len() > "invalid configuration".len() + 2, "{text}");
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_not_by_text() {
        assert_eq!(version_parts("0.2.0"), [0, 2, 0]);
        assert_eq!(version_parts("0.10.1"), [0, 10, 1]);
        assert!(version_parts("0.10.0") > EXTENSION_NEEDED); // "0.10.0" < "0.2.0" as text
        assert!(version_parts("0.1.0") < EXTENSION_NEEDED);
        assert!(version_parts("1.0") > EXTENSION_NEEDED);
        assert_eq!(version_parts("dev"), [0, 0, 0]);
    }
}
