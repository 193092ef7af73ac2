//! Prometheus metrics, kept as atomics and rendered in the text exposition format. Small and
//! fixed: a handful of counters, two gauges, and histograms of latency, queue wait, commit
//! duration and the steps of a batch.

use crate::writer::phases::{Phase, Phases};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// Bucket bounds in seconds for ack latency and commit duration.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

pub struct Histogram {
    counts: [AtomicU64; 13],
    sum_micros: AtomicU64,
}

impl Histogram {
    const fn new() -> Histogram {
        Histogram {
            counts: [const { AtomicU64::new(0) }; 13],
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, secs: f64) {
        let i = LATENCY_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.counts[i].fetch_add(1, Relaxed);
        self.sum_micros.fetch_add((secs * 1e6) as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        self.render_series(out, name, "");
    }

    /// The series of one histogram; `label` is `key="value",` or empty.
    fn render_series(&self, out: &mut String, name: &str, label: &str) {
        let mut cum = 0;
        for (i, b) in LATENCY_BUCKETS.iter().enumerate() {
            cum += self.counts[i].load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{label}le=\"{b}\"}} {cum}");
        }
        cum += self.counts[LATENCY_BUCKETS.len()].load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{label}le=\"+Inf\"}} {cum}");
        let braces = if label.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", label.trim_end_matches(','))
        };
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {cum}");
    }
}

pub struct Metrics {
    pub envelopes_stored: AtomicU64,
    pub envelopes_duplicate: AtomicU64,
    pub lines_written: AtomicU64,
    pub rows_written: AtomicU64,
    pub rejects: AtomicU64,
    pub batches: AtomicU64,
    pub db_errors: AtomicU64,
    pub overloaded: AtomicU64,
    /// Connections accepted (within `max_connections`); with `connections_open`, shows how
    /// often senders open new connections, e.g. an open-loop sender during a stall.
    pub connections_accepted: AtomicU64,
    pub connections_open: AtomicI64,
    pub queue_depth: AtomicI64,
    pub writers_connected: AtomicI64,
    pub ack_latency: Histogram,
    pub commit_duration: Histogram,
    /// From a request queued to its batch handed to PostgreSQL (the wait for a free writer, and
    /// the linger while the batch fills).
    pub queue_wait: Histogram,
    /// Wall time of each step of a batch ([`Phase`]), indexed by `Phase as usize`.
    pub batch_phase: [Histogram; Phase::ALL.len()],
    /// HTTP responses by (route, status code).
    responses: Mutex<std::collections::BTreeMap<(String, u16), u64>>,
    /// Orders a webhook named that were not fetched, by (provider, outcome): `retry` (the
    /// sender was answered 503 to send it again), `kept` (a reject on the kept notification),
    /// `unreadable` (fetched, kept as a rejected inbox row). Without it a token gone bad showed
    /// only as 503s or 200s on the route.
    fetch_failures: Mutex<std::collections::BTreeMap<(&'static str, &'static str), u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            envelopes_stored: AtomicU64::new(0),
            envelopes_duplicate: AtomicU64::new(0),
            lines_written: AtomicU64::new(0),
            rows_written: AtomicU64::new(0),
            rejects: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            db_errors: AtomicU64::new(0),
            overloaded: AtomicU64::new(0),
            connections_accepted: AtomicU64::new(0),
            connections_open: AtomicI64::new(0),
            queue_depth: AtomicI64::new(0),
            writers_connected: AtomicI64::new(0),
            ack_latency: Histogram::new(),
            commit_duration: Histogram::new(),
            queue_wait: Histogram::new(),
            batch_phase: [const { Histogram::new() }; Phase::ALL.len()],
            responses: Mutex::new(Default::default()),
            fetch_failures: Mutex::new(Default::default()),
        }
    }
}

impl Metrics {
    pub fn response(&self, route: &str, code: u16) {
        let mut m = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry((route.to_string(), code)).or_default() += 1;
    }

    /// An order not fetched (see `fetch_failures`).
    pub fn fetch_failed(&self, provider: &'static str, outcome: &'static str) {
        let mut m = self
            .fetch_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *m.entry((provider, outcome)).or_default() += 1;
    }

    pub fn observe_phases(&self, p: &Phases) {
        for ph in Phase::ALL {
            self.batch_phase[ph as usize].observe(p.get(ph).as_secs_f64());
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let counters: [(&str, &str, &AtomicU64); 9] = [
            (
                "pos_ingest_envelopes_stored_total",
                "Payloads stored (inbox row written).",
                &self.envelopes_stored,
            ),
            (
                "pos_ingest_envelopes_duplicate_total",
                "Payloads skipped because their event id was already in the inbox.",
                &self.envelopes_duplicate,
            ),
            (
                "pos_ingest_lines_written_total",
                "Sale lines inserted or replaced.",
                &self.lines_written,
            ),
            (
                "pos_ingest_rows_written_total",
                "Fact rows inserted, replaced or deleted.",
                &self.rows_written,
            ),
            (
                "pos_ingest_rejects_total",
                "Records written to pos.reject.",
                &self.rejects,
            ),
            (
                "pos_ingest_batches_total",
                "Committed group-commit batches.",
                &self.batches,
            ),
            (
                "pos_ingest_db_errors_total",
                "Batches that failed because PostgreSQL was unavailable.",
                &self.db_errors,
            ),
            (
                "pos_ingest_overloaded_total",
                "Requests refused with 503 because the queue was full or no writer was connected.",
                &self.overloaded,
            ),
            (
                "pos_ingest_connections_accepted_total",
                "HTTP connections accepted (refused ones, beyond max_connections, count as overloaded).",
                &self.connections_accepted,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Relaxed)
            );
        }
        for (name, help, v) in [
            (
                "pos_ingest_queue_depth",
                "Requests waiting for a writer.",
                &self.queue_depth,
            ),
            (
                "pos_ingest_writers_connected",
                "Writer connections to PostgreSQL that are up.",
                &self.writers_connected,
            ),
            (
                "pos_ingest_connections_open",
                "HTTP connections open now.",
                &self.connections_open,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Relaxed)
            );
        }
        self.ack_latency.render(
            &mut out,
            "pos_ingest_ack_latency_seconds",
            "Time from request received to acknowledgement after commit.",
        );
        self.commit_duration.render(
            &mut out,
            "pos_ingest_commit_duration_seconds",
            "Duration of one group-commit transaction.",
        );
        self.queue_wait.render(
            &mut out,
            "pos_ingest_queue_wait_seconds",
            "Time from a request queued to its batch starting to be written.",
        );
        let name = "pos_ingest_batch_phase_seconds";
        let _ = writeln!(out, "# HELP {name} Wall time of each step of a group-commit batch.\n# TYPE {name} histogram");
        for ph in Phase::ALL {
            let label = format!("phase=\"{}\",", ph.name());
            self.batch_phase[ph as usize].render_series(&mut out, name, &label);
        }
        let _ = writeln!(out, "# HELP pos_ingest_http_responses_total HTTP responses by route and status.\n# TYPE pos_ingest_http_responses_total counter");
        for ((route, code), n) in self
            .responses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "pos_ingest_http_responses_total{{route=\"{route}\",code=\"{code}\"}} {n}"
            );
        }
        let name = "pos_ingest_fetch_failures_total";
        let _ = writeln!(out, "# HELP {name} Orders a webhook named that were not fetched, by provider and outcome (retry: answered 503; kept: a reject on the kept notification; unreadable: kept as a rejected inbox row).\n# TYPE {name} counter");
        for ((provider, outcome), n) in self
            .fetch_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "{name}{{provider=\"{provider}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.ack_latency.observe(0.0015);
        m.ack_latency.observe(0.3);
        m.ack_latency.observe(9.0);
        let text = m.render();
        assert!(
            text.contains("pos_ingest_ack_latency_seconds_bucket{le=\"0.002\"} 1"),
            "{text}"
        );
        assert!(text.contains("pos_ingest_ack_latency_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("pos_ingest_ack_latency_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("pos_ingest_ack_latency_seconds_count 3"));
        assert!(text.contains("pos_ingest_batch_phase_seconds_count{phase=\"commit\"} 0"));
    }

    #[test]
    fn phases_are_labelled_series() {
        let m = Metrics::default();
        let mut p = Phases::default();
        p.add(Phase::Commit, std::time::Duration::from_millis(30));
        m.observe_phases(&p);
        let text = m.render();
        assert!(
            text.contains("pos_ingest_batch_phase_seconds_bucket{phase=\"commit\",le=\"0.02\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("pos_ingest_batch_phase_seconds_bucket{phase=\"commit\",le=\"0.05\"} 1")
        );
        assert!(
            text.contains("pos_ingest_batch_phase_seconds_bucket{phase=\"inbox\",le=\"0.001\"} 1")
        );
        assert!(text.contains("pos_ingest_batch_phase_seconds_sum{phase=\"commit\"} 0.03"));
    }
}
