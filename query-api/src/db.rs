//! The connection pool and the one way requests touch data: read-only statements as the key's
//! role with `pos.tenant` and `statement_timeout` set on the pooled connection's session. The pool
//! remembers what each connection's session is set to, so the settings travel only when a request
//! acts for someone else than that connection's previous request (then in the same round trip,
//! ahead of the query). When every connection is busy, a request may join one already running a
//! query for the same session (`sharing`).
mod sharing;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, ObjectId, RecyclingMethod, Runtime};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row, Statement};

use crate::auth::Principal;
use crate::config::ServeConfig;
use crate::error::ApiError;

/// Prepared statements are cached per connection; a client can invent many query shapes, so the
/// cache is dropped when it grows past this many.
const STATEMENT_CACHE_MAX: usize = 512;

/// The connection settings of every pooled connection: the URL plus bounded connect, keepalives,
/// and the session's `plan_cache_mode` and `default_transaction_read_only = on` (appended to any
/// `options` the URL carries): every statement of the service runs in a read-only transaction.
pub fn pg_config(cfg: &ServeConfig) -> anyhow::Result<tokio_postgres::Config> {
    let mut pg = tokio_postgres::Config::from_str(&cfg.database_url).map_err(|e| {
        anyhow::anyhow!("invalid database URL: {e} (expected postgresql://user@host:port/db)")
    })?;
    pg.connect_timeout(cfg.pool_timeout());
    pg.keepalives_idle(Duration::from_secs(30));
    pg.application_name("pos-query-api");
    let options = format!(
        "{} -c plan_cache_mode={} -c default_transaction_read_only=on",
        pg.get_options().unwrap_or_default(),
        cfg.plan_cache_mode.as_str()
    );
    pg.options(options.trim_start());
    Ok(pg)
}

/// The pooled connections and, for each, whom its session is set up for (role, tenant, timeout).
/// A connection without an entry is in an unknown state and gets the settings before its next
/// tenant query.
pub struct Pool {
    inner: deadpool_postgres::Pool,
    sessions: Mutex<HashMap<ObjectId, Session>>,
    lending: sharing::Lending,
    /// With sharing on, tenant queries enter through `pool size × depth` slots, in arrival order
    /// (tokio's semaphore is fair): a request that arrives while others wait for a connection
    /// queues behind them instead of joining a busy connection ahead of them. Without it, 32
    /// clients on 4 connections saw p99 rise from 6 to 30 ms (benches/api/RESULTS.md).
    slots: Option<tokio::sync::Semaphore>,
    wait: Duration,
    /// Requests that joined a lent connection (`pos_api_pool_shared_total`).
    joined: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Session {
    role: Arc<str>,
    tenant: Arc<str>,
    timeout_ms: u64,
}

impl Pool {
    /// A connection, waiting at most the pool timeout.
    pub async fn get(&self) -> Result<deadpool_postgres::Client, deadpool_postgres::PoolError> {
        self.inner.get().await
    }

    /// A connection whose role is the service's own login role again, for the service's own
    /// queries (key lookups, the catalog): a key's role need not be allowed to run them. The role
    /// is reset whether or not the pool remembers a key's session on the connection: a request
    /// cancelled mid-query (its client gone) or a cleared map leaves a key's role set with
    /// nothing remembered. These queries are rare (key cache misses, catalog reloads).
    pub async fn get_as_service(&self) -> Result<deadpool_postgres::Client, ApiError> {
        let client = self.get().await?;
        self.forget(&client);
        client.batch_execute("RESET ROLE").await?;
        Ok(client)
    }

    pub fn status(&self) -> deadpool_postgres::Status {
        self.inner.status()
    }

    /// How many requests so far joined a connection another request of their session was using.
    pub fn joined(&self) -> u64 {
        self.joined.load(Ordering::Relaxed)
    }

    /// A connection within `wait` (a request that queued for a slot has less of the pool
    /// timeout left), so a request never waits longer than the pool timeout in all.
    async fn get_within(
        &self,
        wait: Duration,
    ) -> Result<deadpool_postgres::Client, deadpool_postgres::PoolError> {
        let timeouts = deadpool_postgres::Timeouts {
            wait: Some(wait),
            ..self.inner.timeouts()
        };
        self.inner.timeout_get(&timeouts).await
    }

    /// A slot to run a tenant query in, waiting at most the pool timeout (then 503); none needed
    /// without sharing, where the pool's own queue keeps the order.
    async fn slot(&self) -> Result<Option<tokio::sync::SemaphorePermit<'_>>, ApiError> {
        let Some(slots) = &self.slots else {
            return Ok(None);
        };
        match tokio::time::timeout(self.wait, slots.acquire()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(ApiError::unavailable(format!(
                "no database connection available: none free within {} ms",
                self.wait.as_millis()
            ))),
        }
    }

    /// A lent connection to share, when sharing is on and no connection is free (a free one
    /// runs the query at once, on another core).
    fn join(&self, want: &Session) -> Option<Lease<'_>> {
        if self.lending.depth < 2 || self.lending.is_empty() {
            return None;
        }
        let s = self.inner.status();
        if s.available > 0 || s.size < s.max_size {
            return None;
        }
        let conn = self.lending.join(want)?;
        self.joined.fetch_add(1, Ordering::Relaxed);
        Some(Lease { pool: self, conn })
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<ObjectId, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops what is known about `client`'s session (it is about to change, or may have).
    fn forget(&self, client: &deadpool_postgres::Client) -> Option<Session> {
        self.sessions().remove(&Object::id(client))
    }

    fn remember(&self, client: &deadpool_postgres::Client, s: Session) {
        let mut map = self.sessions();
        // Entries of closed connections are never looked up again; bound them.
        if map.len() >= 4 * self.inner.status().max_size.max(1) {
            map.clear();
        }
        map.insert(Object::id(client), s);
    }
}

/// Builds a pool whose every wait (checkout, connect, recycle) is bounded, so a PostgreSQL outage
/// yields a fast 503 instead of hung requests, and recovers on its own.
pub fn make_pool(cfg: &ServeConfig) -> anyhow::Result<Pool> {
    let pg = pg_config(cfg)?;
    let mgr = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let t = Some(cfg.pool_timeout());
    let inner = deadpool_postgres::Pool::builder(mgr)
        .max_size(cfg.pool_size)
        .wait_timeout(t)
        .create_timeout(t)
        .recycle_timeout(t)
        .runtime(Runtime::Tokio1)
        .build()?;
    Ok(Pool {
        inner,
        sessions: Mutex::new(HashMap::new()),
        lending: sharing::Lending::new(cfg.pipeline_depth),
        slots: (cfg.pipeline_depth > 1)
            .then(|| tokio::sync::Semaphore::new(cfg.pool_size.max(1) * cfg.pipeline_depth)),
        wait: cfg.pool_timeout(),
        joined: AtomicU64::new(0),
    })
}

/// One request's use of a lent connection. Dropping it (done, or the request cancelled) counts
/// the use off; the last user's drop remembers the session for the connection's next checkout.
struct Lease<'a> {
    pool: &'a Pool,
    conn: Arc<sharing::Lent>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.pool.lending.release(&self.conn) {
            self.pool
                .remember(&self.conn.client, self.conn.session.clone());
        }
    }
}

/// One statement of a tenant transaction: SQL text, the parameter types and their values.
#[derive(Debug)]
pub struct Stmt {
    pub sql: Arc<str>,
    pub types: Vec<Type>,
    pub params: Vec<Param>,
}

/// Every caller-supplied value travels as text (or a text array) and is cast by PostgreSQL to the
/// column's type, so a malformed value is a 400 from PostgreSQL, never a piece of SQL.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    List(Vec<String>),
}

impl Param {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Text(s) => s,
            Param::List(v) => v,
        }
    }
    pub fn sql_type(&self) -> Type {
        match self {
            Param::Text(_) => Type::TEXT,
            Param::List(_) => Type::TEXT_ARRAY,
        }
    }
}

/// Session-level (`is_local = false`): the settings outlive the statement's own transaction, so
/// the next request for the same key on this connection needs none.
const SETUP: &str = "SELECT set_config('role', $1, false), set_config('pos.tenant', $2, false), \
                     set_config('statement_timeout', $3, false)";

/// Runs `stmts` as `who` (role + tenant) under `statement_timeout_ms`, returning each one's rows.
/// When the connection's session is set up for someone else (or unknown), the settings go first
/// in the same pipeline. PostgreSQL runs them before the statements; if they fail, the statements'
/// results are thrown away unread and the connection is closed, so no result is ever read under
/// settings other than `who`'s. With sharing on (`--pipeline-depth` > 1) and every connection
/// busy, the statements may instead queue on a connection already set up for `who` behind another
/// request's (`sharing`); no settings are ever sent on a shared connection.
pub async fn tenant_query(
    pool: &Pool,
    who: &Principal,
    statement_timeout_ms: u64,
    stmts: &[Stmt],
) -> Result<Vec<Vec<Row>>, ApiError> {
    let want = Session {
        role: who.role.clone(),
        tenant: who.tenant.clone(),
        timeout_ms: statement_timeout_ms,
    };
    let arrived = std::time::Instant::now();
    let _slot = pool.slot().await?;
    if let Some(lease) = pool.join(&want) {
        return run(&lease.conn.client, stmts).await;
    }
    let client = pool
        .get_within(pool.wait.saturating_sub(arrived.elapsed()))
        .await?;
    if pool.forget(&client).as_ref() == Some(&want) {
        // Set up for this session by an earlier request: lent, so that requests of the same
        // session arriving while all connections are busy can join it.
        if pool.lending.depth > 1 {
            let lease = Lease {
                conn: pool.lending.lend(client, want),
                pool,
            };
            return run(&lease.conn.client, stmts).await;
        }
        let rows = run(&client, stmts).await;
        pool.remember(&client, want);
        return rows;
    }
    // Prepared first: a statement PostgreSQL refuses leaves the session untouched (and forgotten).
    let setup = client
        .prepare_typed_cached(SETUP, &[Type::TEXT, Type::TEXT, Type::TEXT])
        .await?;
    let prepared = prepare(&client, stmts).await?;
    match set_up_and_execute(&client, &setup, who, statement_timeout_ms, &prepared, stmts).await {
        Err(e) => {
            let _ = Object::take(client); // closed, not returned to the pool
            Err(e)
        }
        Ok(results) => {
            pool.remember(&client, want);
            results
        }
    }
}

/// The statements, prepared (once per connection) and run in one pipeline.
async fn run(client: &Object, stmts: &[Stmt]) -> Result<Vec<Vec<Row>>, ApiError> {
    let prepared = prepare(client, stmts).await?;
    execute(client, &prepared, stmts).await
}

async fn prepare(client: &Object, stmts: &[Stmt]) -> Result<Vec<Statement>, ApiError> {
    if client.statement_cache.size() > STATEMENT_CACHE_MAX {
        client.statement_cache.clear();
    }
    let mut prepared = Vec::with_capacity(stmts.len());
    for s in stmts {
        prepared.push(client.prepare_typed_cached(&s.sql, &s.types).await?);
    }
    Ok(prepared)
}

async fn execute(
    client: &Object,
    prepared: &[Statement],
    stmts: &[Stmt],
) -> Result<Vec<Vec<Row>>, ApiError> {
    let params = bind(stmts);
    let queries = prepared
        .iter()
        .zip(&params)
        .map(|(st, p)| client.query(st, p));
    Ok(futures_util::future::join_all(queries)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?)
}

fn bind(stmts: &[Stmt]) -> Vec<Vec<&(dyn ToSql + Sync)>> {
    stmts
        .iter()
        .map(|s| s.params.iter().map(Param::as_sql).collect())
        .collect()
}

/// The settings for `who`, then the statements, in one pipeline: PostgreSQL runs them in that
/// order. The outer error is the settings' own: then the statements' results are thrown away
/// unread, and the connection must serve nothing more.
async fn set_up_and_execute(
    client: &Object,
    setup: &Statement,
    who: &Principal,
    statement_timeout_ms: u64,
    prepared: &[Statement],
    stmts: &[Stmt],
) -> Result<Result<Vec<Vec<Row>>, ApiError>, ApiError> {
    let timeout = format!("{statement_timeout_ms}ms");
    let setup_params: [&(dyn ToSql + Sync); 3] = [&&*who.role, &&*who.tenant, &timeout];
    let (set, results) = tokio::join!(
        client.query(setup, &setup_params),
        execute(client, prepared, stmts),
    );
    if let Err(e) = set {
        drop(results);
        return Err(e.into());
    }
    Ok(results)
}

/// `SELECT 1` through the pool within the pool timeout: what /readyz reports.
pub async fn ping(pool: &Pool) -> Result<(), ApiError> {
    let client = pool.get().await?;
    client.simple_query("SELECT 1").await?;
    Ok(())
}
