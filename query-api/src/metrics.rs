//! Prometheus text metrics without a metrics framework: request counts by route and status, a
//! latency histogram per route, pool and stream gauges.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    n: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    pub sse_clients: AtomicI64,
    pub alerts_delivered: AtomicI64,
    /// Requests answered through a view's materialized path, and those its guard refused (read
    /// from the view after all: the catalog's hint was out of date).
    pub paths_used: AtomicI64,
    pub paths_refused: AtomicI64,
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            // Routes are few: allocate a key only the first time a (route, status) is seen.
            match requests
                .iter_mut()
                .find(|((r, s), _)| *s == status && r == route)
            {
                Some((_, n)) => *n += 1,
                None => {
                    requests.insert((route.to_string(), status), 1);
                }
            }
        }
        let secs = elapsed.as_secs_f64();
        let mut lat = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        if !lat.contains_key(route) {
            lat.insert(route.to_string(), Histogram::default());
        }
        let h = lat.get_mut(route).expect("inserted above");
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.n += 1;
    }

    /// The exposition text; `pool` is (size, available, waiting, requests that joined a busy
    /// connection).
    pub fn render(&self, pool: (usize, usize, usize, u64)) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP pos_api_requests_total HTTP requests by route and status.\n# TYPE pos_api_requests_total counter\n",
        );
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "pos_api_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP pos_api_request_seconds Request latency.\n# TYPE pos_api_request_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            for (b, c) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "pos_api_request_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "pos_api_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.n
            );
            let _ = writeln!(
                out,
                "pos_api_request_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "pos_api_request_seconds_count{{route=\"{route}\"}} {}",
                h.n
            );
        }
        let gauges = [
            (
                "pos_api_pool_connections",
                "Open PostgreSQL connections.",
                pool.0 as i64,
            ),
            (
                "pos_api_pool_available",
                "Idle pooled connections.",
                pool.1 as i64,
            ),
            (
                "pos_api_pool_waiting",
                "Requests waiting for a connection.",
                pool.2 as i64,
            ),
            (
                "pos_api_pool_shared_total",
                "Requests that joined a connection running a query of the same key (pipelined).",
                pool.3 as i64,
            ),
            (
                "pos_api_sse_clients",
                "Open alert streams.",
                self.sse_clients.load(Ordering::Relaxed),
            ),
            (
                "pos_api_alerts_delivered_total",
                "Alert events sent to streams.",
                self.alerts_delivered.load(Ordering::Relaxed),
            ),
            (
                "pos_api_materialized_path_total",
                "Requests read through a view's materialized path.",
                self.paths_used.load(Ordering::Relaxed),
            ),
            (
                "pos_api_materialized_path_refused_total",
                "Requests whose materialized path its guard refused (then read from the view).",
                self.paths_refused.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}
