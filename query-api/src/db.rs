//! The connection pool and the one way requests touch data: a read-only transaction as the key's
//! role with `pos.tenant` and `statement_timeout` set locally, sent as a single pipeline.
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row};

use crate::auth::Principal;
use crate::config::ServeConfig;
use crate::error::ApiError;

/// Prepared statements are cached per connection; a client can invent many query shapes, so the
/// cache is dropped when it grows past this many.
const STATEMENT_CACHE_MAX: usize = 512;

/// The connection settings of every pooled connection: the URL plus bounded connect, keepalives,
/// and the session's `plan_cache_mode` (appended to any `options` the URL carries).
pub fn pg_config(cfg: &ServeConfig) -> anyhow::Result<tokio_postgres::Config> {
    let mut pg = tokio_postgres::Config::from_str(&cfg.database_url).map_err(|e| {
        anyhow::anyhow!("invalid database URL: {e} (expected postgresql://user@host:port/db)")
    })?;
    pg.connect_timeout(cfg.pool_timeout());
    pg.keepalives_idle(Duration::from_secs(30));
    pg.application_name("pos-query-api");
    let options = format!(
        "{} -c plan_cache_mode={}",
        pg.get_options().unwrap_or_default(),
        cfg.plan_cache_mode.as_str()
    );
    pg.options(options.trim_start());
    Ok(pg)
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
    Ok(Pool::builder(mgr)
        .max_size(cfg.pool_size)
        .wait_timeout(t)
        .create_timeout(t)
        .recycle_timeout(t)
        .runtime(Runtime::Tokio1)
        .build()?)
}

/// One statement of a tenant transaction: SQL text, the parameter types and their values.
#[derive(Debug)]
pub struct Stmt {
    pub sql: String,
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

const SETUP: &str = "SELECT set_config('role', $1, true), set_config('pos.tenant', $2, true), \
                     set_config('statement_timeout', $3, true)";

/// Runs `stmts` in one read-only transaction as `who` (role + tenant), returning each one's rows.
/// BEGIN, the settings, the statements and COMMIT are pipelined: one round trip after the
/// statements are prepared, and no half-open transaction if the caller goes away.
pub async fn tenant_query(
    pool: &Pool,
    who: &Principal,
    statement_timeout_ms: u64,
    stmts: &[Stmt],
) -> Result<Vec<Vec<Row>>, ApiError> {
    let client = pool.get().await?;
    if client.statement_cache.size() > STATEMENT_CACHE_MAX {
        client.statement_cache.clear();
    }
    let setup = client
        .prepare_typed_cached(SETUP, &[Type::TEXT, Type::TEXT, Type::TEXT])
        .await?;
    let mut prepared = Vec::with_capacity(stmts.len());
    for s in stmts {
        prepared.push(client.prepare_typed_cached(&s.sql, &s.types).await?);
    }
    let timeout = format!("{statement_timeout_ms}ms");
    let setup_params: [&(dyn ToSql + Sync); 3] = [&&*who.role, &&*who.tenant, &timeout];
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = stmts
        .iter()
        .map(|s| s.params.iter().map(Param::as_sql).collect())
        .collect();
    let queries = prepared
        .iter()
        .zip(&params)
        .map(|(st, p)| client.query(st, p));
    let (begin, set, results, commit) = tokio::join!(
        client.batch_execute("BEGIN READ ONLY"),
        client.query(&setup, &setup_params),
        futures_util::future::join_all(queries),
        client.batch_execute("COMMIT"),
    );
    begin?;
    set?;
    let rows = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    commit?;
    Ok(rows)
}

/// `SELECT 1` through the pool within the pool timeout: what /readyz reports.
pub async fn ping(pool: &Pool) -> Result<(), ApiError> {
    let client = pool.get().await?;
    client.simple_query("SELECT 1").await?;
    Ok(())
}
