//! `pos-query-api`: serve the HTTP API, migrate its key table, manage API keys.
use clap::{Parser, Subcommand};
use pos_query_api::{app, migrate, ServeConfig};
use tokio_postgres::NoTls;

/// mimalloc instead of glibc malloc: a request makes a few hundred small allocations (headers,
/// SQL text, parameters, rows); with glibc, malloc and free were about a tenth of the service's
/// CPU per request (benches/api/RESULTS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pos-query-api",
    about = "pos_analytics query API: JSON/CSV over the views, per-tenant API keys"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP server.
    Serve(ServeConfig),
    /// Create or update the service's schema pos_query_api (API keys). Run as a DBA.
    Migrate {
        #[arg(long, env = "POS_API_ADMIN_URL")]
        admin_url: String,
    },
    /// Manage API keys (run as a DBA).
    Keys {
        /// PostgreSQL URL of a role that may write pos_query_api.api_key.
        #[arg(long, env = "POS_API_ADMIN_URL", global = true)]
        admin_url: Option<String>,
        #[command(subcommand)]
        cmd: KeyCmd,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Create a key; prints the secret once (only its SHA-256 is stored).
    Create {
        #[arg(long)]
        tenant: String,
        /// Database role the key's queries run as (a member of pos_api; neither superuser nor
        /// BYPASSRLS).
        #[arg(long, default_value = "pos_api")]
        role: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// List keys (ids, tenants, roles; never secrets).
    List,
    /// Revoke a key by id.
    Revoke { key_id: i64 },
}

async fn admin(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    tokio::spawn(conn);
    Ok(client)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let threads = match &cli.cmd {
        Cmd::Serve(cfg) => cfg.threads,
        _ => 1,
    };
    pos_query_api::config::runtime(threads)?.block_on(run(cli.cmd))
}

async fn run(cmd: Cmd) -> anyhow::Result<()> {
    match cmd {
        Cmd::Serve(cfg) => {
            let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, "pos-query-api listening");
            let state = app::build_state(cfg).await?;
            app::serve(state, listener, shutdown_signal()).await
        }
        Cmd::Migrate { admin_url } => {
            migrate::migrate(&admin(&admin_url).await?).await?;
            println!("schema pos_query_api is up to date");
            Ok(())
        }
        Cmd::Keys { admin_url, cmd } => {
            let url = admin_url
                .ok_or_else(|| anyhow::anyhow!("--admin-url (or POS_API_ADMIN_URL) is required"))?;
            keys(&admin(&url).await?, cmd).await
        }
    }
}

async fn keys(client: &tokio_postgres::Client, cmd: KeyCmd) -> anyhow::Result<()> {
    match cmd {
        KeyCmd::Create {
            tenant,
            role,
            label,
        } => {
            let (id, key) =
                migrate::create_key_returning_id(client, &tenant, &role, label.as_deref()).await?;
            eprintln!(
                "key {id} for tenant {tenant:?} as role {role:?} (shown once; store it now):"
            );
            println!("{key}");
        }
        KeyCmd::List => {
            println!("key_id\ttenant\trole\tlabel\tcreated_at\trevoked_at");
            for line in migrate::list_keys(client).await? {
                println!("{line}");
            }
        }
        KeyCmd::Revoke { key_id } => {
            anyhow::ensure!(
                migrate::revoke_key(client, key_id).await?,
                "no active key with id {key_id}"
            );
            println!(
                "key {key_id} revoked (cached lookups expire within POS_API_KEY_CACHE_S seconds)"
            );
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
