//! Group commit: requests that arrive within a few milliseconds share one PostgreSQL
//! transaction. Each request waits on a oneshot channel and is answered only after COMMIT
//! (or with the reason it could not be). The queue is bounded twice, by requests and by the
//! bytes of the payloads queued or being written: when either is full, or no writer is
//! connected, the request is refused at once with 503 and Retry-After instead of piling up.

use super::metrics::Metrics;
use crate::envelope::Envelope;
use crate::writer::{EnvelopeStatus, WriteError, Writer};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Mutex, OwnedSemaphorePermit, Semaphore};

/// Why a request was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Queue full or no connection: retry after a moment (HTTP 503).
    #[error("the ingest service is overloaded or PostgreSQL is unreachable; retry later")]
    Unavailable,
    #[error("PostgreSQL failed while committing: {0}")]
    Failed(String),
}

/// Per-request outcome once committed.
#[derive(Debug, Clone)]
pub struct Ack {
    pub batch_id: i64,
    pub status: Vec<EnvelopeStatus>,
}

struct Job {
    envs: Vec<Envelope>,
    lines: usize,
    reply: oneshot::Sender<Result<Ack, Refusal>>,
    queued: Instant,
    /// The job's share of the byte budget, given back when it is answered.
    _bytes: OwnedSemaphorePermit,
}

#[derive(Debug, Clone)]
pub struct GroupConfig {
    pub url: String,
    pub writers: usize,
    pub linger: Duration,
    pub max_batch_lines: usize,
    pub queue: usize,
    /// Payload bytes queued or being written, at most.
    pub queue_bytes: usize,
}

/// The request side of the group-commit queue.
#[derive(Clone)]
pub struct Committer {
    tx: mpsc::Sender<Job>,
    bytes: Arc<Semaphore>,
    budget: u32,
    metrics: Arc<Metrics>,
}

impl Committer {
    /// Starts `writers` writer tasks, each with its own connection (reconnecting on failure), on
    /// a thread of their own: encoding a large batch then never holds up the threads reading
    /// requests, and the writers' connections never wake another thread. The thread ends when
    /// every `Committer` is dropped and the writers have answered what they took.
    pub fn start(cfg: GroupConfig, metrics: Arc<Metrics>) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel(cfg.queue);
        let rx = Arc::new(Mutex::new(rx));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (writers, m) = (cfg.clone(), metrics.clone());
        std::thread::Builder::new()
            .name("pos-ingest-writers".into())
            .spawn(move || {
                rt.block_on(async move {
                    let tasks: Vec<_> = (0..writers.writers)
                        .map(|k| {
                            tokio::spawn(writer_loop(k, writers.clone(), rx.clone(), m.clone()))
                        })
                        .collect();
                    for t in tasks {
                        let _ = t.await;
                    }
                })
            })?;
        let budget = u32::try_from(cfg.queue_bytes).unwrap_or(u32::MAX);
        Ok(Committer {
            tx,
            bytes: Arc::new(Semaphore::new(budget as usize)),
            budget,
            metrics,
        })
    }

    /// Queues envelopes and waits for their commit.
    pub async fn submit(&self, envs: Vec<Envelope>) -> Result<Ack, Refusal> {
        if self.metrics.writers_connected.load(Relaxed) == 0 {
            self.metrics.overloaded.fetch_add(1, Relaxed);
            return Err(Refusal::Unavailable);
        }
        let lines = envs.iter().map(Envelope::line_count).sum();
        let size = envs.iter().map(Envelope::payload_bytes).sum::<usize>();
        let share = u32::try_from(size)
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget);
        let Ok(permit) = self.bytes.clone().try_acquire_many_owned(share) else {
            self.metrics.overloaded.fetch_add(1, Relaxed);
            return Err(Refusal::Unavailable);
        };
        let (reply, rx) = oneshot::channel();
        let job = Job {
            envs,
            lines,
            reply,
            queued: Instant::now(),
            _bytes: permit,
        };
        if self.tx.try_send(job).is_err() {
            self.metrics.overloaded.fetch_add(1, Relaxed);
            return Err(Refusal::Unavailable);
        }
        self.metrics.queue_depth.fetch_add(1, Relaxed);
        // A writer that dies drops the sender: the request was not committed.
        rx.await.unwrap_or(Err(Refusal::Unavailable))
    }
}

/// A batch that takes this long is logged with its steps (see `crate::writer::phases`): with
/// requests waiting behind it, it is what an ack latency tail is made of.
const SLOW_BATCH: Duration = Duration::from_millis(100);

async fn connect_with_backoff(k: usize, url: &str) -> Writer {
    let mut wait = Duration::from_millis(100);
    loop {
        match Writer::connect(url).await {
            Ok(w) => {
                tracing::info!(writer = k, "connected to PostgreSQL");
                return w;
            }
            Err(e) => {
                tracing::warn!(writer = k, error = %e, retry_in_ms = wait.as_millis() as u64, "cannot connect to PostgreSQL");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Takes the first waiting job, then whatever arrives within `linger`, up to the line budget.
async fn collect(rx: &Mutex<mpsc::Receiver<Job>>, cfg: &GroupConfig) -> Option<Vec<Job>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut lines = first.lines;
    let mut jobs = vec![first];
    let deadline = tokio::time::Instant::now() + cfg.linger;
    while lines < cfg.max_batch_lines {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(j)) => {
                lines += j.lines;
                jobs.push(j);
            }
            _ => break,
        }
    }
    Some(jobs)
}

async fn writer_loop(
    k: usize,
    cfg: GroupConfig,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
    metrics: Arc<Metrics>,
) {
    let mut writer = Some(connect_with_backoff(k, &cfg.url).await);
    metrics.writers_connected.fetch_add(1, Relaxed);
    loop {
        let Some(mut jobs) = collect(&rx, &cfg).await else {
            return;
        };
        metrics.queue_depth.fetch_sub(jobs.len() as i64, Relaxed);
        let w = match writer.as_mut() {
            Some(w) => w,
            None => {
                refuse(jobs, Refusal::Unavailable);
                continue;
            }
        };
        // The envelopes move into the batch; each job keeps only how many it had.
        let sizes: Vec<usize> = jobs.iter().map(|j| j.envs.len()).collect();
        let envs: Vec<Envelope> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.envs))
            .collect();
        let started = Instant::now();
        let waited = jobs.iter().map(|j| started - j.queued).max();
        for j in &jobs {
            metrics
                .queue_wait
                .observe((started - j.queued).as_secs_f64());
        }
        let result = w.write("http", &envs).await;
        drop(envs);
        match result {
            Ok(o) => {
                let took = started.elapsed();
                metrics.commit_duration.observe(took.as_secs_f64());
                metrics.observe_phases(&o.phases);
                if took >= SLOW_BATCH {
                    tracing::warn!(
                        writer = k,
                        batch = o.batch_id,
                        requests = jobs.len(),
                        lines = o.counts.lines_staged,
                        ms = took.as_millis() as u64,
                        oldest_wait_ms = waited.unwrap_or_default().as_millis() as u64,
                        phases = %o.phases,
                        "slow batch"
                    );
                }
                record(&metrics, &o.counts);
                answer(jobs, &sizes, o.batch_id, o.status);
            }
            Err(WriteError::Unavailable(e)) => {
                metrics.db_errors.fetch_add(1, Relaxed);
                tracing::error!(writer = k, error = %crate::writer::describe_db(&e), "batch failed; reconnecting");
                refuse(jobs, Refusal::Unavailable);
                metrics.writers_connected.fetch_sub(1, Relaxed);
                drop(writer.take());
                writer = Some(connect_with_backoff(k, &cfg.url).await);
                metrics.writers_connected.fetch_add(1, Relaxed);
            }
            Err(e) => {
                metrics.db_errors.fetch_add(1, Relaxed);
                refuse(jobs, Refusal::Failed(e.to_string()));
            }
        }
    }
}

fn record(m: &Metrics, c: &crate::writer::Counts) {
    m.batches.fetch_add(1, Relaxed);
    m.envelopes_stored
        .fetch_add((c.envelopes - c.duplicates) as u64, Relaxed);
    m.envelopes_duplicate
        .fetch_add(c.duplicates as u64, Relaxed);
    m.lines_written.fetch_add(c.lines_written, Relaxed);
    m.rows_written.fetch_add(c.rows_written, Relaxed);
    m.rejects.fetch_add(c.rejects as u64, Relaxed);
}

fn answer(jobs: Vec<Job>, sizes: &[usize], batch_id: i64, status: Vec<EnvelopeStatus>) {
    let mut it = status.into_iter();
    for (j, n) in jobs.into_iter().zip(sizes) {
        let mine: Vec<EnvelopeStatus> = it.by_ref().take(*n).collect();
        let _ = j.reply.send(Ok(Ack {
            batch_id,
            status: mine,
        }));
    }
}

fn refuse(jobs: Vec<Job>, why: Refusal) {
    for j in jobs {
        let _ = j.reply.send(Err(why.clone()));
    }
}
