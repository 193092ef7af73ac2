//! Open-loop load generator for `pos-ingest serve`: offers a fixed rate of sale lines as
//! canonical events (one transaction of `--lines` lines per request, sent on schedule whether
//! or not earlier ones were answered) and reports acknowledged lines/s and ack latency.
//!
//! cargo run --release -p pos-ingest --example loadgen -- --url http://127.0.0.1:8088 \
//!     --lines-per-sec 20000 --seconds 30 --lines 5

use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn event(run: &str, i: u64, lines: usize) -> String {
    let ls: Vec<String> = (0..lines)
        .map(|k| {
            format!(
                r#"{{"line_no":{},"item_id":"{}","quantity":"1","unit_price":"2.50"}}"#,
                k + 1,
                4011 + (i as usize + k) % 50
            )
        })
        .collect();
    let secs = 1_790_000_000 + (i % 86_400) as i64;
    let at = chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .to_rfc3339();
    format!(
        r#"{{"schema_version":1,"type":"transaction","store_id":"S{}","source":"load-{run}","txn_id":"{i}","occurred_at":"{at}","currency":"USD","lines":[{}],"tenders":[{{"tender_no":1,"method":"card","amount":"{}"}}]}}"#,
        i % 20,
        ls.join(","),
        lines as f64 * 2.5
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, "--url", "http://127.0.0.1:8088");
    let rate: f64 = arg(&args, "--lines-per-sec", "20000")
        .parse()
        .expect("--lines-per-sec");
    let seconds: f64 = arg(&args, "--seconds", "30").parse().expect("--seconds");
    let lines: usize = arg(&args, "--lines", "5").parse().expect("--lines");
    let run = arg(&args, "--run", &format!("{}", std::process::id()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let per_req = Duration::from_secs_f64(lines as f64 / rate);
    let total = (seconds * rate / lines as f64) as u64;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Duration, u16)>();
    let start = Instant::now();
    for i in 0..total {
        let due = start + per_req.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, url, tx, body) = (
            client.clone(),
            url.clone(),
            tx.clone(),
            event(&run, i, lines),
        );
        tokio::spawn(async move {
            let t0 = Instant::now();
            let code = match client
                .post(format!("{url}/v1/events"))
                .body(body)
                .send()
                .await
            {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            let _ = tx.send((t0.elapsed(), code));
        });
    }
    drop(tx);
    let mut lat = Vec::with_capacity(total as usize);
    let mut errors = std::collections::BTreeMap::new();
    while let Some((d, code)) = rx.recv().await {
        if code == 200 {
            lat.push(d);
        } else {
            *errors.entry(code).or_insert(0u64) += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let q = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    println!(
        "offered {rate:.0} lines/s for {seconds:.0} s ({lines} lines/request): acked {} requests = {:.0} lines/s; ack latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; non-200: {errors:?}",
        lat.len(),
        lat.len() as f64 * lines as f64 / elapsed,
        q(0.50),
        q(0.99),
        q(1.0)
    );
}
