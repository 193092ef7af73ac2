//! Load generator for `pos-ingest serve`: offers a fixed rate of sale lines as canonical events
//! (one transaction of `--lines` lines per request) and reports acknowledged lines/s and ack
//! latency.
//!
//! Open loop (default): each request is sent on schedule whether or not earlier ones were
//! answered, as independent tills would. With `--max-in-flight N` at most N requests are
//! outstanding, as a sender with a bounded connection pool behaves: when all N wait, the next
//! request waits for a slot, so the rate actually sent can fall below the offered one.
//!
//! Latency is reported twice: from the moment the request was *due* (its place in the
//! schedule: includes any wait for a slot or for the generator itself, so a slow service cannot
//! hide behind a slowed sender) and from the moment it was *sent*.
//!
//! With `--warmup W`, the schedule first runs W seconds at the same rate whose requests are
//! reported on a line of their own and left out of every other figure: a fresh service and
//! database start cold (the generator's connections opened, plans and relation caches built,
//! a new database's catalogs analyzed), and a short run's p99 is otherwise mostly its first
//! second.
//!
//! It also reports the median over the seconds of the run of each second's own p99, which one
//! disturbed second cannot move. With `--timeline FILE`, one CSV row per second of the schedule (its UTC time, requests due,
//! answered 200, p50/p99/max latency from due, max from send), so a tail can be laid next to
//! the service's slow-batch log and PostgreSQL's log.
//!
//! Transactions happen when they are due to be sent (`--times live`, the default), to the
//! second, as a live stream's do: their times advance with the clock and land in today's chunks.
//! `--times cycle` gives the schedule's i-th transaction the i-th second of 2026-09-21 modulo a
//! day, as runs before 2026-11-30 11:40 UTC did: at 4 000 transactions per second it sweeps the
//! whole day every 22 s, which a real stream never does, and which sends every insert into an
//! index led by time to a different page (benches/ingest/RESULTS.md).
//!
//! cargo run --release -p pos-ingest --example loadgen -- --url http://127.0.0.1:8088 \
//!     --lines-per-sec 20000 --seconds 30 --lines 5 [--max-in-flight 64] [--warmup 3] [--timeline t.csv]
//!     [--client hyper|reqwest] [--times live|cycle]

use std::sync::Arc;
use std::time::{Duration, Instant};

/// The generator shares the 2 cores with the service and PostgreSQL it measures: every µs it
/// spends per request is taken from them. mimalloc (as the service uses) and a URL parsed once
/// keep its own cost down.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

/// When the schedule's i-th transaction happened (see `--times` above).
#[derive(Clone, Copy)]
enum Times {
    Live(chrono::DateTime<chrono::Utc>),
    Cycle,
}

impl Times {
    fn at(self, i: u64, due_after: Duration) -> String {
        let secs = match self {
            Times::Live(start) => start.timestamp() + due_after.as_secs() as i64,
            Times::Cycle => 1_790_000_000 + (i % 86_400) as i64,
        };
        chrono::DateTime::from_timestamp(secs, 0)
            .expect("a time within chrono's range")
            .to_rfc3339()
    }
}

fn event(run: &str, i: u64, lines: usize, at: &str) -> String {
    let ls: Vec<String> = (0..lines)
        .map(|k| {
            format!(
                r#"{{"line_no":{},"item_id":"{}","quantity":"1","unit_price":"2.50"}}"#,
                k + 1,
                4011 + (i as usize + k) % 50
            )
        })
        .collect();
    format!(
        r#"{{"schema_version":1,"type":"transaction","store_id":"S{}","source":"load-{run}","txn_id":"{i}","occurred_at":"{at}","currency":"USD","lines":[{}],"tenders":[{{"tender_no":1,"method":"card","amount":"{}"}}]}}"#,
        i % 20,
        ls.join(","),
        lines as f64 * 2.5
    )
}

/// A request gets no answer after this long: status 0.
const TIMEOUT: Duration = Duration::from_secs(30);

/// How requests are sent: hyper's connection API with a pool of our own (the default), or
/// reqwest, which earlier runs used and which costs the generator ~1.5 times the CPU (3.8 s
/// against 2.5–2.6 s per 18 s at 20 000 lines/s, benches/ingest/RESULTS.md); that CPU comes out
/// of the 2 cores the service and PostgreSQL run on.
#[derive(Clone)]
enum Client {
    Hyper(Conns),
    Reqwest(reqwest::Client, reqwest::Url),
}

impl Client {
    /// POSTs `body` to /v1/events: the HTTP status, 0 when there was no answer.
    async fn post(&self, body: String) -> u16 {
        match self {
            Client::Hyper(c) => tokio::time::timeout(TIMEOUT, c.post(body))
                .await
                .ok()
                .flatten()
                .unwrap_or(0),
            Client::Reqwest(c, url) => match c.post(url.clone()).body(body).send().await {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            },
        }
    }
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

/// HTTP/1.1 keep-alive connections to the service: an idle one is reused, else a new one is
/// opened (as an open-loop sender must when all are busy).
#[derive(Clone)]
struct Conns {
    authority: String,
    idle: Arc<std::sync::Mutex<Vec<Sender>>>,
}

impl Conns {
    fn new(url: &str) -> Conns {
        let uri: hyper::Uri = url.parse().unwrap_or_else(|e| panic!("--url {url}: {e}"));
        let authority = uri
            .authority()
            .unwrap_or_else(|| panic!("--url {url}: no host"))
            .to_string();
        Conns {
            authority,
            idle: Arc::default(),
        }
    }

    async fn connect(&self) -> Option<Sender> {
        let tcp = tokio::net::TcpStream::connect(&self.authority).await.ok()?;
        tcp.set_nodelay(true).ok()?;
        let io = hyper_util::rt::TokioIo::new(tcp);
        let (sender, conn) = hyper::client::conn::http1::handshake(io).await.ok()?;
        tokio::spawn(conn);
        Some(sender)
    }

    /// The answer's status, once its body is read (so the connection can carry the next one).
    async fn post(&self, body: String) -> Option<u16> {
        use http_body_util::BodyExt;
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut sender = match pooled {
            // A pooled connection the service has closed meanwhile is not ready: replaced.
            Some(mut s) => match s.ready().await {
                Ok(()) => s,
                Err(_) => self.connect().await?,
            },
            None => self.connect().await?,
        };
        let req = hyper::Request::post("/v1/events")
            .header(hyper::header::HOST, &self.authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .ok()?;
        let resp = sender.send_request(req).await.ok()?;
        let status = resp.status().as_u16();
        resp.into_body().collect().await.ok()?;
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sender);
        Some(status)
    }
}

/// One answered (or failed) request: latency from its due time and from its send time, and the
/// HTTP status (0: no response, e.g. connection refused or reset).
struct Sample {
    /// Seconds after the start of the schedule the request was due.
    due_at: Duration,
    from_due: Duration,
    from_send: Duration,
    code: u16,
}

fn quantile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    pos_ingest::memory::no_transparent_huge_pages();
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, "--url", "http://127.0.0.1:8088");
    let rate: f64 = arg(&args, "--lines-per-sec", "20000")
        .parse()
        .expect("--lines-per-sec");
    let seconds: f64 = arg(&args, "--seconds", "30").parse().expect("--seconds");
    let warmup: f64 = arg(&args, "--warmup", "0").parse().expect("--warmup");
    let lines: usize = arg(&args, "--lines", "5").parse().expect("--lines");
    let cap: usize = arg(&args, "--max-in-flight", "0")
        .parse()
        .expect("--max-in-flight");
    let run = arg(&args, "--run", &format!("{}", std::process::id()));
    let client = match arg(&args, "--client", "hyper").as_str() {
        "hyper" => Client::Hyper(Conns::new(&url)),
        "reqwest" => Client::Reqwest(
            reqwest::Client::builder()
                .pool_max_idle_per_host(if cap > 0 { cap } else { 512 })
                .timeout(TIMEOUT)
                .build()
                .unwrap(),
            format!("{url}/v1/events")
                .parse()
                .unwrap_or_else(|e| panic!("--url {url}: {e}")),
        ),
        other => panic!("--client {other}: hyper or reqwest"),
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(if cap > 0 {
        cap
    } else {
        tokio::sync::Semaphore::MAX_PERMITS
    }));
    let per_req = Duration::from_secs_f64(lines as f64 / rate);
    let total = ((warmup + seconds) * rate / lines as f64) as u64;
    let measured_from = Duration::from_secs_f64(warmup);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let start = Instant::now();
    let start_utc = chrono::Utc::now();
    let times = match arg(&args, "--times", "live").as_str() {
        "live" => Times::Live(start_utc),
        "cycle" => Times::Cycle,
        other => panic!("--times {other}: live or cycle"),
    };
    for i in 0..total {
        let due = start + per_req.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let slot = slots.clone().acquire_owned().await.expect("semaphore open");
        let (client, tx, body) = (
            client.clone(),
            tx.clone(),
            event(&run, i, lines, &times.at(i, due - start)),
        );
        tokio::spawn(async move {
            let sent = Instant::now();
            let code = client.post(body).await;
            drop(slot);
            let _ = tx.send(Sample {
                due_at: due - start,
                from_due: due.elapsed(),
                from_send: sent.elapsed(),
                code,
            });
        });
    }
    let sending = start.elapsed().as_secs_f64();
    drop(tx);
    let (mut due_lat, mut send_lat) = (Vec::new(), Vec::new());
    let mut errors = std::collections::BTreeMap::new();
    let (mut warm_lat, mut warm_errors) = (Vec::new(), 0u64);
    let mut by_second: Vec<Vec<Sample>> = Vec::new();
    while let Some(s) = rx.recv().await {
        if s.due_at < measured_from {
            match s.code {
                200 => warm_lat.push(s.from_due),
                _ => warm_errors += 1,
            }
        } else if s.code == 200 {
            due_lat.push(s.from_due);
            send_lat.push(s.from_send);
        } else {
            *errors.entry(s.code).or_insert(0u64) += 1;
        }
        let sec = s.due_at.as_secs() as usize;
        if by_second.len() <= sec {
            by_second.resize_with(sec + 1, Vec::new);
        }
        by_second[sec].push(s);
    }
    let mut per_second = second_p99s(by_second.get(warmup.ceil() as usize..).unwrap_or(&[]));
    per_second.sort_by(f64::total_cmp);
    let timeline = arg(&args, "--timeline", "");
    if !timeline.is_empty() {
        write_timeline(&timeline, start_utc, by_second).expect("--timeline: cannot write");
    }
    // Acked lines per second over the measured part only (its requests end after the warm-up's).
    let elapsed = start.elapsed().as_secs_f64() - warmup;
    due_lat.sort();
    warm_lat.sort();
    if warmup > 0.0 {
        println!(
            "warm-up {warmup:.0} s (left out below): {} requests acked, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms from due; {warm_errors} not 200",
            warm_lat.len(),
            quantile(&warm_lat, 0.50),
            quantile(&warm_lat, 0.99),
            quantile(&warm_lat, 1.0),
        );
    }
    send_lat.sort();
    let mode = if cap > 0 {
        format!("at most {cap} in flight")
    } else {
        "open loop".to_string()
    };
    println!(
        "offered {rate:.0} lines/s for {seconds:.0} s ({lines} lines/request, {mode}): sent {total} requests in {sending:.1} s = {:.0} lines/s; acked {} requests = {:.0} lines/s",
        total as f64 * lines as f64 / sending,
        due_lat.len(),
        due_lat.len() as f64 * lines as f64 / elapsed,
    );
    println!(
        "  ack latency from due: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; from send: p50 {:.1} ms, p99 {:.1} ms; non-200 (0 = no response): {errors:?}",
        quantile(&due_lat, 0.50),
        quantile(&due_lat, 0.99),
        quantile(&due_lat, 1.0),
        quantile(&send_lat, 0.50),
        quantile(&send_lat, 0.99),
    );
    // One disturbed second (another process's burst on a shared machine) decides a short run's
    // overall p99; the median of the seconds' own p99s says what a typical second looked like.
    if let (Some(best), Some(worst)) = (per_second.first(), per_second.last()) {
        println!(
            "  p99 from due of each second ({} seconds): median {:.1} ms, best {best:.1} ms, worst {worst:.1} ms",
            per_second.len(),
            per_second[per_second.len() / 2],
        );
    }
}

/// The latencies from due of a second's answered (200) requests, sorted for `quantile`.
fn answered_from_due(samples: &[Sample]) -> Vec<Duration> {
    let mut due: Vec<Duration> = samples
        .iter()
        .filter(|s| s.code == 200)
        .map(|s| s.from_due)
        .collect();
    due.sort();
    due
}

/// The p99 latency from due of each second of the schedule in which some request was answered.
fn second_p99s(by_second: &[Vec<Sample>]) -> Vec<f64> {
    by_second
        .iter()
        .map(|samples| answered_from_due(samples))
        .filter(|due| !due.is_empty())
        .map(|due| quantile(&due, 0.99))
        .collect()
}

/// The `--timeline` CSV: one row per second of the schedule.
fn write_timeline(
    path: &str,
    start: chrono::DateTime<chrono::Utc>,
    by_second: Vec<Vec<Sample>>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "utc,due,ok,p50_ms,p99_ms,max_ms,max_from_send_ms")?;
    for (sec, samples) in by_second.into_iter().enumerate() {
        let due = answered_from_due(&samples);
        let send = samples
            .iter()
            .filter(|s| s.code == 200)
            .map(|s| s.from_send)
            .max()
            .unwrap_or_default();
        let at = start + chrono::Duration::seconds(sec as i64);
        writeln!(
            f,
            "{},{},{},{:.1},{:.1},{:.1},{:.1}",
            at.format("%H:%M:%S"),
            samples.len(),
            due.len(),
            quantile(&due, 0.5),
            quantile(&due, 0.99),
            quantile(&due, 1.0),
            send.as_secs_f64() * 1000.0
        )?;
    }
    f.flush()
}
