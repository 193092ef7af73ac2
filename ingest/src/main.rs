//! `pos-ingest`: the command line. Every subcommand writes through `pos_ingest::writer`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pos_ingest::config::Config;
use pos_ingest::generate::{self, GenerateArgs};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pos-ingest",
    version,
    about = "POS streams in, idempotent upserts into the pos hypertables out"
)]
struct Cli {
    /// TOML config file (also POS_INGEST_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// PostgreSQL URL (also POS_INGEST_DATABASE_URL or `database_url` in the config).
    #[arg(long, global = true)]
    url: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate a synthetic chain (pos_core::synth) and ingest it through the normal write path.
    Generate {
        #[arg(long, default_value_t = 3)]
        stores: u32,
        #[arg(long, default_value_t = 300)]
        skus: u32,
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "demo")]
        tenant: String,
        /// First business day (YYYY-MM-DD); the generator's default otherwise.
        #[arg(long)]
        start_date: Option<chrono::NaiveDate>,
        /// Transactions per database transaction.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Concurrent writer connections.
        #[arg(long, default_value_t = 2)]
        writers: usize,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POS_INGEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() {
    init_tracing();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("pos-ingest: error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(u) = cli.url {
        cfg.database_url = Some(u);
    }
    match cli.cmd {
        Cmd::Generate {
            stores,
            skus,
            days,
            seed,
            tenant,
            start_date,
            batch,
            writers,
            quiet,
        } => {
            let url = cfg
                .database_url()
                .context("generate writes into PostgreSQL")?
                .to_string();
            let args = GenerateArgs {
                url,
                stores,
                skus,
                days,
                seed,
                tenant,
                start_date,
                batch,
                writers,
                progress: !quiet,
            };
            let summary = generate::run(args).await?;
            println!("{summary}");
        }
    }
    Ok(())
}
