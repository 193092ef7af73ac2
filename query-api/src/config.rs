//! Settings of the `serve` command: flags, each with an environment variable.
use std::net::SocketAddr;
use std::time::Duration;

/// Values of PostgreSQL's `plan_cache_mode` (spelled as PostgreSQL spells them).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum PlanCacheMode {
    ForceGenericPlan,
    Auto,
    ForceCustomPlan,
}

impl PlanCacheMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanCacheMode::ForceGenericPlan => "force_generic_plan",
            PlanCacheMode::Auto => "auto",
            PlanCacheMode::ForceCustomPlan => "force_custom_plan",
        }
    }
}

#[derive(clap::Args, Clone, Debug)]
pub struct ServeConfig {
    /// PostgreSQL URL of the service's login role. That role must be a member of `pos_api` and of
    /// every role the API keys name (it switches to the key's role per request).
    #[arg(long, env = "POS_API_DATABASE_URL")]
    pub database_url: String,
    /// Address to listen on.
    #[arg(long, env = "POS_API_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Maximum number of pooled PostgreSQL connections.
    #[arg(long, env = "POS_API_POOL_SIZE", default_value_t = 8)]
    pub pool_size: usize,
    /// How long a request waits for a connection (and a new connection for PostgreSQL) before 503.
    #[arg(long, env = "POS_API_POOL_TIMEOUT_MS", default_value_t = 2000)]
    pub pool_timeout_ms: u64,
    /// The most requests one pooled connection carries at once (1: a connection per request).
    /// When every connection is busy, a request of the same key (role and tenant) as a running
    /// one may queue its query on that connection, pipelined behind it, instead of waiting for a
    /// free connection: PostgreSQL then goes from one query to the next without sleeping in
    /// between (less CPU per query, benches/api/RESULTS.md). A query so queued waits for the
    /// ones ahead of it on that connection, so keep this small.
    #[arg(long, env = "POS_API_PIPELINE_DEPTH", default_value_t = 2)]
    pub pipeline_depth: usize,
    /// PostgreSQL's `plan_cache_mode` for the service's connections. The API prepares each query
    /// shape once per connection; `force_generic_plan` plans it once and reuses the plan (for a
    /// real-time view, planning costs several times the execution), with row security and run-time
    /// chunk pruning still applied at execution. `auto` is PostgreSQL's default (five custom plans,
    /// then generic if it looks no worse).
    #[arg(long, env = "POS_API_PLAN_CACHE_MODE", value_enum, default_value_t = PlanCacheMode::ForceGenericPlan)]
    pub plan_cache_mode: PlanCacheMode,
    /// `statement_timeout` set for every request's transaction.
    #[arg(long, env = "POS_API_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub statement_timeout_ms: u64,
    /// Page-size cap: the most rows one response carries (also the default limit).
    #[arg(long, env = "POS_API_MAX_ROWS", default_value_t = 1000)]
    pub max_rows: i64,
    /// Schema whose relations are served.
    #[arg(long, env = "POS_API_SCHEMA", default_value = "pos")]
    pub schema: String,
    /// Served relations (comma-separated names). Empty: every view and table of the schema that
    /// has a tenant_id column and is granted to pos_api, so new views appear without a release.
    #[arg(long, env = "POS_API_VIEWS", value_delimiter = ',')]
    pub views: Vec<String>,
    /// Relations never served, even when granted (comma-separated names). Default: the tenancy
    /// bookkeeping table, which is administration, not data.
    #[arg(
        long,
        env = "POS_API_EXCLUDE",
        value_delimiter = ',',
        default_value = "tenant_access"
    )]
    pub exclude: Vec<String>,
    /// Read a view's materialized path (pos.cagg_view_path) when no requested bucket is aggregated
    /// live: the same rows, several times cheaper for PostgreSQL. `false` always reads the views
    /// themselves (for comparisons).
    #[arg(long, env = "POS_API_MATERIALIZED_PATHS", default_value_t = true, action = clap::ArgAction::Set)]
    pub materialized_paths: bool,
    /// Seconds between reloads of the catalog (views, columns, grants, comments).
    #[arg(long, env = "POS_API_CATALOG_REFRESH_S", default_value_t = 30)]
    pub catalog_refresh_s: u64,
    /// Seconds an authenticated key is trusted before it is looked up again (revocation delay).
    #[arg(long, env = "POS_API_KEY_CACHE_S", default_value_t = 30)]
    pub key_cache_s: u64,
    /// NOTIFY channel the alert stream listens on.
    #[arg(long, env = "POS_API_ALERT_CHANNEL", default_value = "pos_fraud_alert")]
    pub alert_channel: String,
    /// Worker threads serving requests; 0 = half the cores, at least 1. One thread runs tokio's
    /// current-thread runtime: no task moves between threads, so a request wakes no other thread,
    /// and the API's CPU per request fell by a fifth to a quarter against two threads on 2 cores
    /// (benches/api/RESULTS.md). The API spends well under half of PostgreSQL's CPU per request, so
    /// half the cores leave it ample room on a host it shares with PostgreSQL.
    #[arg(long, env = "POS_API_THREADS", default_value_t = 0)]
    pub threads: usize,
}

impl ServeConfig {
    /// A configuration with the defaults above, for tests and embedding.
    pub fn with_url(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: "127.0.0.1:0".parse().expect("static address"),
            pool_size: 8,
            pool_timeout_ms: 2000,
            pipeline_depth: 2,
            plan_cache_mode: PlanCacheMode::ForceGenericPlan,
            statement_timeout_ms: 5000,
            max_rows: 1000,
            schema: "pos".into(),
            views: Vec::new(),
            exclude: vec!["tenant_access".into()],
            materialized_paths: true,
            catalog_refresh_s: 30,
            key_cache_s: 30,
            alert_channel: "pos_fraud_alert".into(),
            threads: 0,
        }
    }
    pub fn pool_timeout(&self) -> Duration {
        Duration::from_millis(self.pool_timeout_ms)
    }
}

/// The tokio runtime for `threads` workers (`pos_core::worker_threads`: 0 = half the cores, at
/// least 1); one worker is the current-thread runtime.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    match pos_core::worker_threads::here(threads) {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build(),
    }
}

#[cfg(test)]
mod tests {
    use super::runtime;
    use tokio::runtime::RuntimeFlavor;

    #[test]
    fn one_thread_is_the_current_thread_runtime_and_more_are_workers() {
        let one = runtime(1).unwrap();
        assert_eq!(one.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
        let three = runtime(3).unwrap();
        assert_eq!(three.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
        assert_eq!(three.metrics().num_workers(), 3);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let auto = runtime(0).unwrap();
        assert_eq!(auto.metrics().num_workers(), (cores / 2).max(1));
    }
}
