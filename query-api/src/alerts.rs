//! The alert stream: one dedicated connection LISTENs on the alert channel and fans notifications
//! out to Server-Sent-Event clients, each of which only ever receives its own tenant's alerts.
//!
//! Notifications sent while that connection is down are lost, so the listener also counts the
//! times it has (re)established LISTEN: an open stream that sees the count change reads what it
//! missed from the table (the same query as a `Last-Event-ID` replay) before going on live.
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tokio_postgres::AsyncMessage;

use crate::metrics::Metrics;
use crate::views::quote_ident;

/// A notification whose payload named a tenant.
#[derive(Debug, Clone)]
pub struct Alert {
    pub tenant: String,
    pub id: Option<String>,
    pub payload: String,
}

/// Reads the tenant (and an id, for SSE `id:`) from a JSON payload. Payloads without a tenant are
/// dropped: an alert nobody can attribute must not reach anyone.
pub fn parse_payload(payload: &str) -> Option<Alert> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let tenant = v.get("tenant_id")?.as_str()?.to_string();
    let id = ["alert_id", "id"]
        .iter()
        .find_map(|k| v.get(*k))
        .map(|i| match i {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    Some(Alert {
        tenant,
        id,
        payload: payload.to_string(),
    })
}

/// What the listener publishes: the alerts as they are notified, and how many times LISTEN has
/// been established (its generation), since every change of it may follow a gap.
#[derive(Clone)]
pub struct Feed {
    alerts: broadcast::Sender<Alert>,
    listens: watch::Receiver<u64>,
}

/// One stream's view of the feed.
pub struct Subscription {
    pub alerts: broadcast::Receiver<Alert>,
    /// Changes each time LISTEN is re-established: the stream may have missed alerts.
    pub listens: watch::Receiver<u64>,
}

impl Feed {
    /// A feed and the two ends that feed it: alerts go into the first, and the second is
    /// bumped each time LISTEN is (re)established.
    fn channel() -> (broadcast::Sender<Alert>, watch::Sender<u64>, Feed) {
        let (alerts, _) = broadcast::channel(1024);
        let (gen, listens) = watch::channel(0);
        let feed = Feed {
            alerts: alerts.clone(),
            listens,
        };
        (alerts, gen, feed)
    }

    /// Subscribes a new stream. Call it before reading where the stream starts: an alert
    /// committed in between is then in one or the other (or both: streams skip what they
    /// replayed), and only a LISTEN re-established after this call counts as a gap.
    pub fn subscribe(&self) -> Subscription {
        let mut listens = self.listens.clone();
        listens.borrow_and_update();
        Subscription {
            alerts: self.alerts.subscribe(),
            listens,
        }
    }
}

/// Keeps a LISTEN connection open for the life of the process, reconnecting with backoff after
/// PostgreSQL restarts. Returns the feed new streams subscribe to.
pub fn spawn_listener(url: String, channel: String) -> Feed {
    let (tx, generation, feed) = Feed::channel();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(250);
        loop {
            match listen_once(&url, &channel, &tx, &generation).await {
                Ok(()) => backoff = Duration::from_millis(250),
                Err(e) => tracing::warn!(error = %e, "alert listener: connection failed"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    });
    feed
}

/// One LISTEN connection, until it ends. The generation is bumped only once LISTEN has
/// returned (it is then in effect): a stream catching up reads the table after that, so every
/// alert is either in what it reads or notified on this connection, never in neither.
async fn listen_once(
    url: &str,
    channel: &str,
    tx: &broadcast::Sender<Alert>,
    generation: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let tx = tx.clone();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(msg) = messages.next().await {
            match msg {
                Ok(AsyncMessage::Notification(n)) => match parse_payload(n.payload()) {
                    Some(a) => {
                        let _ = tx.send(a);
                    }
                    None => {
                        tracing::warn!(payload = n.payload(), "alert without tenant_id dropped")
                    }
                },
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client
        .batch_execute(&format!("LISTEN {}", quote_ident(channel)))
        .await?;
    generation.send_modify(|g| *g += 1);
    tracing::info!(channel, "alert listener: listening");
    let ended = driver.await;
    drop(client);
    match ended {
        Ok(r) => r,
        Err(_) => Ok(()),
    }
}

/// Whether the key a stream was opened with still holds, as checked every so often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Valid,
    Revoked,
    /// The check could not be made (PostgreSQL unreachable): the stream goes on.
    Unknown,
}

/// Where a stream starts.
#[derive(Debug, Default)]
pub struct Start {
    /// Alerts a reconnecting client missed, oldest first: they go out before anything else.
    pub backlog: Vec<Alert>,
    /// The newest alert id the client is known to have: its `Last-Event-ID`, or else the
    /// tenant's newest alert when the stream opened. A catch-up reads the alerts after the
    /// newest of this and of those sent since; with none (no alert table), there is none.
    pub after: Option<i64>,
}

/// The first wait before a failed catch-up is tried again, and the longest.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The SSE response for one tenant: `event: alert`, `data:` the notification payload.
///
/// Authentication happens once, when the stream opens, and a stream can stay open for days: so
/// every `recheck_every` the key is checked again (`recheck`), and once it has been revoked the
/// stream sends `event: revoked` and ends, as the key's other requests start answering 401.
///
/// `start.backlog` goes out first. Whenever the listener re-establishes LISTEN, `catch_up(after)`
/// (the tenant's alerts after `after`, oldest first, read under the key's role) is sent before
/// any further live alert; if it fails, it is tried again with backoff while the stream stays
/// open. A live alert whose id is one a replay or catch-up sent, or older, is not sent twice.
pub fn stream<F, Fut, C, CFut, E>(
    sub: Subscription,
    start: Start,
    tenant: Arc<str>,
    metrics: Arc<Metrics>,
    recheck_every: Duration,
    recheck: F,
    catch_up: C,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = KeyState> + Send + 'static,
    C: Fn(i64) -> CFut + Send + Sync + 'static,
    CFut: std::future::Future<Output = Result<Vec<Alert>, E>> + Send + 'static,
    E: std::fmt::Display + 'static,
{
    metrics.sse_clients.fetch_add(1, Ordering::Relaxed);
    let every = recheck_every.max(Duration::from_secs(1));
    let replayed_to = start.backlog.iter().filter_map(numeric_id).max();
    let state = Open {
        rx: sub.alerts,
        listens: Some(sub.listens),
        backlog: start.backlog.into(),
        sent_to: start.after.max(replayed_to),
        replayed_to,
        behind: false,
        retry_at: None,
        retry_wait: RETRY_FIRST,
        tick: tokio::time::interval_at(Instant::now() + every, every),
        ended: false,
        tenant,
        recheck: Box::new(move || recheck().boxed()),
        catch_up: Box::new(move |after| {
            catch_up(after)
                .map(|r| r.map_err(|e| e.to_string()))
                .boxed()
        }),
        _guard: ClientGuard(metrics.clone()),
        metrics,
    };
    let events = futures_util::stream::unfold(state, |mut st| async move {
        let ev = st.next().await?;
        Some((Ok(ev), st))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

type Recheck = Box<dyn Fn() -> BoxFuture<'static, KeyState> + Send + Sync>;
type CatchUp = Box<dyn Fn(i64) -> BoxFuture<'static, Result<Vec<Alert>, String>> + Send + Sync>;

/// One client's stream: its subscription, what is left to replay, where it stands, the key's
/// recheck timer, and whether it has ended.
struct Open {
    rx: broadcast::Receiver<Alert>,
    /// `None` once the listener is gone (no more generations to wait for).
    listens: Option<watch::Receiver<u64>>,
    backlog: VecDeque<Alert>,
    /// The newest alert id the client has (see `Start::after`): catch-ups read after it.
    sent_to: Option<i64>,
    /// The newest alert id a replay or catch-up sent: live alerts up to it were sent already.
    replayed_to: Option<i64>,
    /// LISTEN was re-established and no catch-up has succeeded since: live alerts wait (one
    /// sent first would move `sent_to` past what the catch-up must read).
    behind: bool,
    /// When a failed catch-up is tried again, and the wait after the next failure.
    retry_at: Option<Instant>,
    retry_wait: Duration,
    tick: tokio::time::Interval,
    ended: bool,
    tenant: Arc<str>,
    metrics: Arc<Metrics>,
    recheck: Recheck,
    catch_up: CatchUp,
    _guard: ClientGuard,
}

/// What one wait of a stream came to.
enum Step {
    Send(Event),
    End,
    Again,
}

impl Open {
    /// The next event to send, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.ended {
                return None;
            }
            if let Some(a) = self.backlog.pop_front() {
                return Some(self.deliver(a));
            }
            if self.behind && self.retry_at.is_none() {
                self.catch_up().await;
                continue;
            }
            match self.wait().await {
                Step::Send(ev) => return Some(ev),
                Step::End => return None,
                Step::Again => {}
            }
        }
    }

    /// Waits for a new generation, a due retry, a live alert (unless a catch-up is due: it
    /// goes first) or the key's recheck, whichever comes first.
    async fn wait(&mut self) -> Step {
        let retry_at = self.retry_at.unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            listening = generation_changed(&mut self.listens) => {
                self.relistened(listening);
                Step::Again
            }
            _ = tokio::time::sleep_until(retry_at), if self.retry_at.is_some() => {
                self.retry_at = None;
                Step::Again
            }
            got = self.rx.recv(), if !self.behind => self.received(got),
            _ = self.tick.tick() => self.rechecked().await,
        }
    }

    /// LISTEN was re-established (`true`), so alerts may have been missed; or the listener is
    /// gone (`false`). A stream that knows no position has nothing to read after.
    fn relistened(&mut self, listening: bool) {
        if !listening {
            self.listens = None;
        } else if self.sent_to.is_some() {
            self.behind = true;
            self.retry_at = None;
        }
    }

    /// Reads what the client missed after the newest alert it has. On failure (PostgreSQL
    /// down) the stream stays open and tries again later, the wait doubling up to `RETRY_MAX`.
    async fn catch_up(&mut self) {
        let Some(after) = self.sent_to else {
            self.behind = false;
            return;
        };
        match (self.catch_up)(after).await {
            Ok(missed) => {
                self.behind = false;
                self.retry_wait = RETRY_FIRST;
                let newest = missed.iter().filter_map(numeric_id).max();
                self.replayed_to = self.replayed_to.max(newest);
                self.backlog.extend(missed);
            }
            Err(e) => {
                tracing::warn!(error = %e, tenant = %self.tenant, after,
                    "alert stream: catch-up after a LISTEN reconnect failed; will retry");
                self.retry_at = Some(Instant::now() + self.retry_wait);
                self.retry_wait = (self.retry_wait * 2).min(RETRY_MAX);
            }
        }
    }

    fn received(&mut self, got: Result<Alert, broadcast::error::RecvError>) -> Step {
        match got {
            Ok(a) if *a.tenant == *self.tenant && !self.replayed(&a) => Step::Send(self.deliver(a)),
            Ok(_) => Step::Again,
            Err(broadcast::error::RecvError::Lagged(n)) => Step::Send(
                Event::default()
                    .event("lagged")
                    .data(format!("{n} alerts were skipped; reload GET /v1/alerts")),
            ),
            Err(broadcast::error::RecvError::Closed) => Step::End,
        }
    }

    async fn rechecked(&mut self) -> Step {
        if (self.recheck)().await != KeyState::Revoked {
            return Step::Again;
        }
        self.ended = true;
        Step::Send(
            Event::default()
                .event("revoked")
                .data("the API key was revoked; the stream ends"),
        )
    }

    /// Counts the alert and moves the stream's position to it.
    fn deliver(&mut self, a: Alert) -> Event {
        self.metrics
            .alerts_delivered
            .fetch_add(1, Ordering::Relaxed);
        self.sent_to = self.sent_to.max(numeric_id(&a));
        alert_event(a)
    }

    fn replayed(&self, a: &Alert) -> bool {
        matches!((self.replayed_to, numeric_id(a)), (Some(to), Some(id)) if id <= to)
    }
}

/// Resolves when the listener's generation changes (`true`) or the listener is gone (`false`);
/// never once it is gone.
async fn generation_changed(listens: &mut Option<watch::Receiver<u64>>) -> bool {
    match listens {
        Some(l) => l.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

fn numeric_id(a: &Alert) -> Option<i64> {
    a.id.as_deref()?.parse().ok()
}

/// `event: alert`, `id:` the alert's id, `data:` the payload. An id SSE cannot carry (a line
/// break or NUL, which would also end or forge the event's fields) is left out: axum's `Event::id`
/// panics on it, which killed every stream of the tenant on such a notification.
fn alert_event(a: Alert) -> Event {
    let ev = Event::default().event("alert").data(a.payload);
    match a.id {
        Some(id) if !id.contains(['\n', '\r', '\0']) => ev.id(id),
        _ => ev,
    }
}

/// Decrements the open-stream gauge when a client goes away.
struct ClientGuard(Arc<Metrics>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::{IntoResponse, Response};
    use std::sync::Mutex;

    const HOUR: Duration = Duration::from_secs(3600);

    fn alert(tenant: &str, id: i64) -> Alert {
        parse_payload(&format!(r#"{{"tenant_id":"{tenant}","alert_id":{id}}}"#)).unwrap()
    }

    /// A catch-up that is never needed.
    async fn nothing_missed(_after: i64) -> Result<Vec<Alert>, String> {
        Ok(Vec::new())
    }

    /// acme's stream over `feed` (dropped: the stream ends with the test's sender), its key
    /// always valid.
    fn acme_stream<C, CFut>(feed: Feed, start: Start, catch_up: C) -> Response
    where
        C: Fn(i64) -> CFut + Send + Sync + 'static,
        CFut: std::future::Future<Output = Result<Vec<Alert>, String>> + Send + 'static,
    {
        let valid = || async { KeyState::Valid };
        let metrics = Arc::new(Metrics::default());
        stream(
            feed.subscribe(),
            start,
            "acme".into(),
            metrics,
            HOUR,
            valid,
            catch_up,
        )
        .into_response()
    }

    /// The `id:` of every event of a finished body.
    async fn ids(resp: Response) -> Vec<String> {
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        text.lines()
            .filter_map(|l| l.strip_prefix("id: "))
            .map(str::to_string)
            .collect()
    }

    /// The `id:` of the next event that has one, from a body still open.
    async fn next_id(body: &mut axum::body::BodyDataStream) -> String {
        let mut text = String::new();
        loop {
            let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
                .await
                .expect("an event within 5 s")
                .expect("the stream is open")
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(id) = text.lines().find_map(|l| l.strip_prefix("id: ")) {
                return id.to_string();
            }
        }
    }

    /// A catch-up over a table of acme's alerts, which records the id it was asked after.
    fn table(
        ids: Vec<i64>,
        asked: Arc<Mutex<Vec<i64>>>,
    ) -> impl Fn(i64) -> futures_util::future::Ready<Result<Vec<Alert>, String>> + Send + Sync + 'static
    {
        move |after| {
            asked.lock().unwrap().push(after);
            let missed = ids
                .iter()
                .filter(|i| **i > after)
                .map(|i| alert("acme", *i));
            futures_util::future::ready(Ok(missed.collect()))
        }
    }

    /// A reconnecting client gets what it missed first, oldest first, then the live alerts,
    /// without those it was just sent again.
    #[tokio::test]
    async fn the_backlog_goes_first_and_is_not_sent_twice() {
        let (tx, _gen, feed) = Feed::channel();
        let start = Start {
            backlog: vec![alert("acme", 4), alert("acme", 5)],
            after: Some(3),
        };
        let resp = acme_stream(feed, start, nothing_missed);
        for id in [5, 6] {
            tx.send(alert("acme", id)).unwrap(); // 5 was committed while the replay was read
        }
        drop(tx);
        assert_eq!(ids(resp).await, ["4", "5", "6"]);
    }

    /// When LISTEN is re-established, an open stream first gets its tenant's alerts after the
    /// newest it was sent (those notified while the listener was down, and those notified
    /// again since), then the live ones, none twice.
    #[tokio::test]
    async fn an_open_stream_catches_up_when_listen_is_re_established() {
        let (tx, gen, feed) = Feed::channel();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let catch_up = table((4..=8).collect(), asked.clone());
        let start = Start {
            backlog: Vec::new(),
            after: Some(3),
        };
        let mut body = acme_stream(feed, start, catch_up)
            .into_body()
            .into_data_stream();
        tx.send(alert("acme", 4)).unwrap();
        assert_eq!(next_id(&mut body).await, "4");
        // 5 to 8 are raised while the listener is down; once it is back, 6 is notified (it
        // committed between LISTEN and the catch-up's read), then 9.
        gen.send_modify(|g| *g += 1);
        for a in [alert("acme", 6), alert("other", 10), alert("acme", 9)] {
            tx.send(a).unwrap();
        }
        for want in ["5", "6", "7", "8", "9"] {
            assert_eq!(next_id(&mut body).await, want);
        }
        assert_eq!(*asked.lock().unwrap(), [4]);
        gen.send_modify(|g| *g += 1);
        tx.send(alert("acme", 11)).unwrap();
        assert_eq!(next_id(&mut body).await, "11");
        assert_eq!(
            *asked.lock().unwrap(),
            [4, 9],
            "each catch-up reads after the newest sent"
        );
    }

    /// A catch-up that fails (PostgreSQL still down) does not end the stream: it is tried again
    /// later, and live alerts wait for it so that they come after what was missed.
    #[tokio::test(start_paused = true)]
    async fn a_failed_catch_up_is_retried_and_live_alerts_wait_for_it() {
        let (tx, gen, feed) = Feed::channel();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let seen = asked.clone();
        let catch_up = move |after: i64| {
            let n = {
                let mut asked = seen.lock().unwrap();
                asked.push(after);
                asked.len()
            };
            async move {
                match n {
                    1 | 2 => Err("connection refused".to_string()),
                    _ => Ok(vec![alert("acme", 1), alert("acme", 2)]),
                }
            }
        };
        let start = Start {
            backlog: Vec::new(),
            after: Some(0),
        };
        let resp = acme_stream(feed, start, catch_up);
        let t = Instant::now();
        gen.send_modify(|g| *g += 1);
        for id in [2, 3] {
            tx.send(alert("acme", id)).unwrap();
        }
        drop(tx);
        assert_eq!(ids(resp).await, ["1", "2", "3"]);
        assert_eq!(*asked.lock().unwrap(), [0, 0, 0]);
        assert!(
            t.elapsed() >= RETRY_FIRST * 3,
            "1 s, then 2 s: {:?}",
            t.elapsed()
        );
    }

    /// A LISTEN re-established before the stream subscribed is no gap of that stream's; nor is
    /// one for a stream that knows no position (no alert table, nothing sent yet).
    #[tokio::test]
    async fn no_catch_up_without_a_gap_or_a_position() {
        for (before, after) in [(true, Some(3)), (false, None)] {
            let (tx, gen, feed) = Feed::channel();
            let asked = Arc::new(Mutex::new(Vec::new()));
            if before {
                gen.send_modify(|g| *g += 1);
            }
            let start = Start {
                backlog: Vec::new(),
                after,
            };
            let resp = acme_stream(feed, start, table(vec![1, 2, 3, 4], asked.clone()));
            if !before {
                gen.send_modify(|g| *g += 1);
            }
            tx.send(alert("acme", 5)).unwrap();
            drop(tx);
            assert_eq!(ids(resp).await, ["5"]);
            assert!(asked.lock().unwrap().is_empty());
        }
    }

    /// A stream whose key is found revoked at a recheck says so and ends; an unknown state
    /// (PostgreSQL down) keeps it open.
    #[tokio::test(start_paused = true)]
    async fn a_revoked_key_ends_its_stream_at_the_next_recheck() {
        use std::sync::atomic::AtomicUsize;
        let (tx, _gen, feed) = Feed::channel();
        let checks = Arc::new(AtomicUsize::new(0));
        let seen = checks.clone();
        let recheck = move || {
            let n = seen.fetch_add(1, Ordering::Relaxed);
            async move {
                match n {
                    0 => KeyState::Unknown,
                    1 => KeyState::Valid,
                    _ => KeyState::Revoked,
                }
            }
        };
        let every = Duration::from_secs(30);
        let resp = stream(
            feed.subscribe(),
            Start::default(),
            "acme".into(),
            Arc::new(Metrics::default()),
            every,
            recheck,
            nothing_missed,
        )
        .into_response();
        tx.send(alert("acme", 1)).unwrap();
        // The body ends by itself (the sender is still open): after the third check, 90 s of
        // the paused clock in; without the rechecks it would never end.
        let body = tokio::time::timeout(
            Duration::from_secs(600),
            axum::body::to_bytes(resp.into_body(), 1 << 16),
        )
        .await
        .expect("the stream ends once the key is found revoked")
        .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("event: alert\n"), "{text}");
        assert!(
            text.ends_with("event: revoked\ndata: the API key was revoked; the stream ends\n\n"),
            "{text}"
        );
        assert_eq!(checks.load(Ordering::Relaxed), 3);
        drop(tx);
    }

    #[tokio::test]
    async fn an_id_with_a_line_break_does_not_break_the_stream() {
        let (tx, _gen, feed) = Feed::channel();
        let resp = acme_stream(feed, Start::default(), nothing_missed);
        for p in [
            r#"{"tenant_id":"acme","alert_id":"7\nevent: forged\r\ndata: x"}"#,
            r#"{"tenant_id":"acme","alert_id":"8\u0000"}"#,
            r#"{"tenant_id":"acme","alert_id":9}"#,
        ] {
            tx.send(parse_payload(p).unwrap()).unwrap();
        }
        drop(tx);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(text.matches("event: alert\n").count(), 3, "{text}");
        assert!(!text.contains("\nevent: forged"), "{text}");
        assert!(
            text.contains("id: 9\n") && !text.contains("id: 7"),
            "{text}"
        );
    }

    #[test]
    fn payloads_need_a_tenant() {
        let a = parse_payload(r#"{"tenant_id":"acme","alert_id":7,"score":0.9}"#).unwrap();
        assert_eq!((a.tenant.as_str(), a.id.as_deref()), ("acme", Some("7")));
        assert!(parse_payload(r#"{"alert_id":7}"#).is_none());
        assert!(parse_payload("not json").is_none());
    }
}
