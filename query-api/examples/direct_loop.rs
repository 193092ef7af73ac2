//! Benchmark baseline: the exact SQL the API sends for one view request, run in a tight loop over
//! direct tokio-postgres connections (no HTTP, no per-request transaction), with the API's own
//! connection settings (`db::pg_config`: the same plan_cache_mode) and the same choice of relation
//! (the view's materialized path under its guard when the API would use it; not with
//! POS_API_MATERIALIZED_PATHS=false). Prints req/s and latency percentiles in the same units as wrk.
//! `PIPE=k` runs k loops on each connection at once, which tokio-postgres pipelines (default 1:
//! one query at a time per connection, the baseline of benches/api/RESULTS.md).
//!   cargo run --release -p pos-query-api --example direct_loop -- URL VIEW 'QUERY' TENANT CONNS SECONDS
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use pos_query_api::filters::{self, Shape};
use pos_query_api::{db, views, ServeConfig};
use tokio_postgres::types::ToSql;

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        a.len() == 6,
        "usage: direct_loop URL VIEW QUERY TENANT CONNS SECONDS"
    );
    let (conns, secs): (usize, u64) = (a[4].parse()?, a[5].parse()?);
    // The API's runtime: POS_API_THREADS as `serve --threads` (default 0: half the cores, at least 1).
    let threads = match std::env::var("POS_API_THREADS") {
        Ok(v) => v.parse()?,
        Err(_) => 0,
    };
    let rt = pos_query_api::config::runtime(threads)?;
    rt.block_on(run(
        &a[0],
        &a[1],
        &a[2],
        &a[3],
        conns,
        Duration::from_secs(secs),
    ))
}

async fn run(
    url: &str,
    view: &str,
    query: &str,
    tenant: &str,
    conns: usize,
    dur: Duration,
) -> anyhow::Result<()> {
    let mut cfg = ServeConfig::with_url(url);
    // Like the API: its plan_cache_mode setting, when the run overrides the default.
    if let Ok(mode) = std::env::var("POS_API_PLAN_CACHE_MODE") {
        cfg.plan_cache_mode =
            clap::ValueEnum::from_str(&mode, false).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if let Ok(v) = std::env::var("POS_API_MATERIALIZED_PATHS") {
        cfg.materialized_paths = v.parse()?;
    }
    let pool = db::make_pool(&cfg)?;
    let cat = views::load(&pool, &cfg)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rel = cat
        .relations
        .get(view)
        .ok_or_else(|| anyhow::anyhow!("no view {view}"))?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q = filters::parse(rel, &pairs, &HeaderMap::new(), cfg.max_rows, &[])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let via = rel
        .path
        .as_ref()
        .filter(|p| p.worth_trying("pos_api", &q.filters));
    let stmt = filters::page_sql(rel, tenant, &q, Shape::Json, via);
    println!("SQL: {}", stmt.sql);
    let end = Instant::now() + dur;
    let mut tasks = Vec::new();
    let pipe: usize = match std::env::var("PIPE") {
        Ok(v) => v.parse()?,
        Err(_) => 1,
    };
    for _ in 0..conns {
        let (pg, sql, types, tenant) = (
            db::pg_config(&cfg)?,
            stmt.sql.clone(),
            stmt.types.clone(),
            tenant.to_string(),
        );
        let params: Vec<String> = stmt
            .params
            .iter()
            .map(|p| match p {
                db::Param::Text(s) => s.clone(),
                db::Param::List(_) => unreachable!("no in. filters in the bench query"),
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            let (c, conn) = pg.connect(tokio_postgres::NoTls).await?;
            tokio::spawn(conn);
            // The same role and tenant as an API request, set once per session instead of per query.
            c.execute(
                "SELECT set_config('role', 'pos_api', false), set_config('pos.tenant', $1, false)",
                &[&tenant],
            )
            .await?;
            let st = c.prepare_typed(&sql, &types).await?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            let one = || async {
                let mut lat = Vec::new();
                while Instant::now() < end {
                    let t = Instant::now();
                    let row = c.query_one(&st, &refs).await?;
                    let body: String = row.get(0);
                    std::hint::black_box(body);
                    lat.push(t.elapsed().as_micros() as u64);
                }
                Ok::<_, anyhow::Error>(lat)
            };
            let mut lat = Vec::new();
            for l in futures_util::future::join_all((0..pipe).map(|_| one())).await {
                lat.extend(l?);
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)] as f64 / 1000.0;
    let mean = all.iter().sum::<u64>() as f64 / all.len() as f64 / 1000.0;
    println!(
        "direct: {} requests in {:?}, {:.0} req/s, mean {mean:.3} ms, p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        all.len(),
        dur,
        all.len() as f64 / dur.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99)
    );
    Ok(())
}
