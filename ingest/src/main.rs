//! `pos-ingest`: the command line. Every subcommand writes through `pos_ingest::writer`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pos_ingest::adapters::csv::Mapping;
use pos_ingest::adapters::format::Format;
use pos_ingest::adapters::Context;
use pos_ingest::config::Config;
use pos_ingest::generate::{self, GenerateArgs};
use std::collections::HashMap;
use std::path::PathBuf;

/// mimalloc instead of glibc malloc: the service's allocations are many and small (a string per
/// field of every record); with glibc, malloc and free were a quarter of its CPU.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// Encode every event before the clock starts: the time then covers decoding, packing
        /// and writing only (benchmarks; holds the whole chain's payloads in memory).
        #[arg(long)]
        encode_first: bool,
    },
    /// Run the HTTP service: canonical events, raw formats and Square/Shopify webhooks.
    Serve(ServeArgs),
    /// Import files (NDJSON and CSV files resume after the last committed chunk).
    Import {
        /// At least one: a glob that matched nothing (bash's nullglob, `xargs` on no input)
        /// used to import nothing and exit 0, as if the files had landed.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// canonical, square, shopify, poslog, clover, toast or csv:<mapping>; guessed from .ndjson/.xml.
        #[arg(long)]
        format: Option<String>,
        /// Events per transaction for NDJSON files; for CSV files, rows per transaction (at
        /// least: a chunk ends only between two transactions). Larger chunks commit less often and pay
        /// each COPY's set-up less often: on 60 days of events, 5000 took 16–22 % less time than
        /// 2000, with a peak RSS of ~150 MB against ~90 MB (benches/ingest/RESULTS.md).
        #[arg(long, default_value_t = 5000)]
        batch: usize,
        /// Connections writing an NDJSON file's chunks at once (they may commit out of order;
        /// the saved offset never passes an uncommitted chunk). More help only when the
        /// database server has idle cores: on 2 shared cores, 2 were no faster than 1.
        #[arg(long, default_value_t = 1)]
        writers: usize,
        /// Where progress offsets are kept (resume); `--state-dir ''` disables resuming.
        #[arg(long, default_value = ".pos-ingest-state")]
        // A String, not a PathBuf: clap refuses an empty path, and '' is how resuming is turned off.
        state_dir: String,
        #[arg(long)]
        quiet: bool,
    },
    /// Map files as `import` would, without a database: what would land (transactions, lines,
    /// tenders, money per currency) and what would be rejected and why. Exits 1 if anything
    /// would be rejected or cannot be read.
    Check {
        /// At least one (as `import`): none used to be a clean report of nothing, exit 0.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// canonical, square, shopify, poslog, clover, toast or csv:<mapping>; guessed from .ndjson/.xml.
        #[arg(long)]
        format: Option<String>,
        /// Also print completed transactions, net and tax per currency and business day, as CSV.
        #[arg(long)]
        by_day: bool,
    },
    /// Re-process raw inbox rows with the current mappings (after a fix).
    Replay {
        #[arg(long)]
        source: Option<String>,
        /// rejected (default), processed or all.
        #[arg(long, default_value = "rejected")]
        status: String,
        /// Only rows received at or after this time (RFC 3339 with its offset, or a day:
        /// 2026-01-05 is from midnight UTC).
        #[arg(long, value_parser = pos_ingest::replay::parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// Only rows received before this time (as --since).
        #[arg(long, value_parser = pos_ingest::replay::parse_since)]
        until: Option<chrono::DateTime<chrono::Utc>>,
        /// Only rows with a reject whose reason contains this text (in any case), e.g. 401.
        #[arg(long)]
        reason: Option<String>,
        /// Only these inbox ids.
        #[arg(long = "id")]
        ids: Vec<i64>,
        #[arg(long, default_value_t = 500)]
        batch: i64,
        /// Fetch the Square orders the replayed notifications name (with [square]
        /// api_base_url and access_token), as the service does when they come.
        #[arg(long)]
        fetch: bool,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Listen address (overrides [serve] listen and POS_INGEST_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Writer connections (group-commit workers).
    #[arg(long)]
    writers: Option<usize>,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POS_INGEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: logs redirected to a file stay greppable.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() {
    pos_ingest::memory::no_transparent_huge_pages();
    init_tracing();
    let cli = Cli::parse();
    let result = Config::load(cli.config.as_deref()).and_then(|mut cfg| {
        if let Some(u) = cli.url {
            cfg.database_url = Some(u);
        }
        // `serve` as configured; the batch commands as always (a worker per core).
        let threads = match cli.cmd {
            Cmd::Serve(_) => cfg.serve.http_threads,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        pos_ingest::config::runtime(threads)?.block_on(run(cli.cmd, cfg))
    });
    if let Err(e) = result {
        eprintln!("pos-ingest: error: {e:#}");
        std::process::exit(1);
    }
}

/// What mapping files needs: the `--format` given, the tenant context and the CSV mappings.
fn adapters_of(
    cfg: &Config,
    format: Option<String>,
) -> anyhow::Result<(Option<Format>, Context, HashMap<String, Mapping>)> {
    let format = format
        .map(|f| f.parse::<Format>())
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    let ctx = Context::from_config(cfg)?;
    let mappings = pos_ingest::serve::load_mappings(cfg)?;
    // `--format csv:NAME` naming no `[csv.NAME]` is the operator's typo, to be refused before
    // anything is read: `import` stored every file as an unreadable payload with a reject
    // ("no CSV mapping named …") and exited 0; `check` reported each file unreadable.
    if let Some(Format::Csv(name)) = &format {
        if !mappings.contains_key(name) {
            let mut known: Vec<&str> = mappings.keys().map(String::as_str).collect();
            known.sort_unstable();
            let known = match known.is_empty() {
                true => "none is configured".to_string(),
                false => format!("configured: {}", known.join(", ")),
            };
            anyhow::bail!(
                "--format csv:{name}: no CSV mapping [csv.{name}] in the config ({known})"
            );
        }
    }
    Ok((format, ctx, mappings))
}

async fn run(cmd: Cmd, mut cfg: Config) -> anyhow::Result<()> {
    match cmd {
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
            encode_first,
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
                encode_first,
            };
            let summary = generate::run(args).await?;
            println!("{summary}");
        }
        Cmd::Serve(a) => {
            if let Some(l) = a.listen {
                cfg.serve.listen = l;
            }
            if let Some(w) = a.writers {
                cfg.serve.writers = w.max(1);
            }
            pos_ingest::serve::run(cfg).await?;
        }
        Cmd::Import {
            files,
            format,
            batch,
            writers,
            state_dir,
            quiet,
        } => {
            let url = cfg
                .database_url()
                .context("import writes into PostgreSQL")?
                .to_string();
            let (format, ctx, mappings) = adapters_of(&cfg, format)?;
            let state_dir = (!state_dir.is_empty()).then(|| PathBuf::from(state_dir));
            let args = pos_ingest::import::ImportArgs {
                url,
                files,
                format,
                batch,
                writers,
                state_dir,
                progress: !quiet,
            };
            let mut summary = pos_ingest::import::Summary::default();
            let r = pos_ingest::import::run_into(args, &ctx, &mappings, &mut summary).await;
            // What was committed before a failure is said too, not only the failure.
            if let Err(e) = r {
                if summary.files > 0 || summary.counts.envelopes > 0 {
                    println!("{summary}");
                    return Err(e.context(
                        "the import stopped; the summary above is what it committed before",
                    ));
                }
                return Err(e);
            }
            println!("{summary}");
            // A file kept as a rejected payload was not imported: said, and exit 1.
            if let Some(e) = summary.unreadable() {
                return Err(e);
            }
        }
        Cmd::Check {
            files,
            format,
            by_day,
        } => {
            let (format, ctx, mappings) = adapters_of(&cfg, format)?;
            let report = pos_ingest::check::run(&files, format.as_ref(), &ctx, &mappings)?;
            print!("{report}");
            if by_day {
                print!("{}", report.days_csv());
            }
            if !report.clean() {
                anyhow::bail!(
                    "{} records would be rejected, {} payloads cannot be read",
                    report.rejects,
                    report.unreadable.len()
                );
            }
        }
        Cmd::Replay {
            source,
            status,
            since,
            until,
            reason,
            ids,
            batch,
            fetch,
        } => {
            let url = cfg
                .database_url()
                .context("replay reads and writes PostgreSQL")?
                .to_string();
            let (_, ctx, mappings) = adapters_of(&cfg, None)?;
            let fetch = match fetch {
                false => None,
                true => Some(
                    pos_ingest::serve::fetch::SquareFetcher::new(
                        cfg.square.api_base_url.as_deref(),
                        cfg.square.access_token.as_deref(),
                    )
                    .context(
                        "--fetch fetches from Square: set [square] api_base_url (and \
                         access_token) in the config",
                    )?,
                ),
            };
            let args = pos_ingest::replay::ReplayArgs {
                url,
                source,
                status,
                since,
                until,
                reason,
                ids,
                batch,
                fetch,
            };
            let summary = pos_ingest::replay::run(args, &ctx, &mappings).await?;
            println!("{summary}");
            if !summary.missed_ids.is_empty() {
                anyhow::bail!(
                    "{} of the inbox ids named were not replayed",
                    summary.missed_ids.len()
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_state_dir_is_accepted_and_turns_resuming_off() {
        let cli = Cli::try_parse_from(["pos-ingest", "import", "--state-dir", "", "a.ndjson"])
            .expect("'' parses");
        let Cmd::Import {
            state_dir,
            writers,
            batch,
            ..
        } = cli.cmd
        else {
            panic!("an import")
        };
        assert_eq!((state_dir.as_str(), writers, batch), ("", 1, 5000));
    }

    /// No file at all is a usage error (exit 2), for `import` and `check` alike.
    #[test]
    fn import_and_check_need_a_file() {
        for cmd in ["import", "check"] {
            let e = Cli::try_parse_from(["pos-ingest", cmd])
                .err()
                .unwrap_or_else(|| panic!("{cmd} without files parsed"));
            assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
            assert!(e.to_string().contains("<FILES>"), "{e}");
        }
    }

    /// `--format csv:NAME` naming no configured mapping is refused before any file is read,
    /// naming the mappings there are.
    #[test]
    fn a_csv_format_naming_no_mapping_is_refused_up_front() {
        let kasse = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kasse.toml");
        let cfg = Config::parse(&format!("[csv.kasse]\npath = \"{kasse}\"\n")).unwrap();
        let refused = |cfg: &Config, f: &str| match adapters_of(cfg, Some(f.into())) {
            Ok(_) => panic!("{f} taken"),
            Err(e) => format!("{e:#}"),
        };
        let msg = refused(&cfg, "csv:kase");
        assert!(
            msg.contains("csv:kase") && msg.contains("configured: kasse"),
            "{msg}"
        );
        assert!(adapters_of(&cfg, Some("csv:kasse".into())).is_ok());
        let msg = refused(&Config::default(), "csv:x");
        assert!(msg.contains("none is configured"), "{msg}");
    }

    #[test]
    fn since_takes_a_day_and_refuses_a_time_without_offset_clearly() {
        let parse = |v: &str| Cli::try_parse_from(["pos-ingest", "replay", "--since", v]);
        let Cmd::Replay { since, .. } = parse("2026-01-05").expect("a day").cmd else {
            panic!("a replay")
        };
        assert_eq!(
            since.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-01-05T00:00:00+00:00")
        );
        let e = parse("2026-01-05 08:00")
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains("RFC 3339"), "{e}");
    }
}
