//! The alert stream: one dedicated connection LISTENs on the alert channel and fans notifications
//! out to Server-Sent-Event clients, each of which only ever receives its own tenant's alerts.
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
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

/// Keeps a LISTEN connection open for the life of the process, reconnecting with backoff after
/// PostgreSQL restarts. Returns the sender new streams subscribe to.
pub fn spawn_listener(url: String, channel: String) -> broadcast::Sender<Alert> {
    let (tx, _) = broadcast::channel(1024);
    let sender = tx.clone();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(250);
        loop {
            match listen_once(&url, &channel, &tx).await {
                Ok(()) => backoff = Duration::from_millis(250),
                Err(e) => tracing::warn!(error = %e, "alert listener: connection failed"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    });
    sender
}

async fn listen_once(
    url: &str,
    channel: &str,
    tx: &broadcast::Sender<Alert>,
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

/// The SSE response for one tenant: `event: alert`, `data:` the notification payload.
///
/// Authentication happens once, when the stream opens, and a stream can stay open for days: so
/// every `recheck_every` the key is checked again (`recheck`), and once it has been revoked the
/// stream sends `event: revoked` and ends, as the key's other requests start answering 401.
///
/// `backlog` (alerts a reconnecting client missed, oldest first) goes out first; a live alert
/// whose id is one of the backlog's, or older, is not sent twice.
pub fn stream<F, Fut>(
    rx: broadcast::Receiver<Alert>,
    backlog: Vec<Alert>,
    tenant: Arc<str>,
    metrics: Arc<Metrics>,
    recheck_every: Duration,
    recheck: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = KeyState> + Send,
{
    metrics.sse_clients.fetch_add(1, Ordering::Relaxed);
    let every = recheck_every.max(Duration::from_secs(1));
    let replayed_to = backlog.iter().filter_map(numeric_id).max();
    let state = Open {
        rx,
        backlog: backlog.into(),
        replayed_to,
        tick: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        ended: false,
        _guard: ClientGuard(metrics.clone()),
    };
    let recheck = Arc::new(recheck);
    let events = futures_util::stream::unfold(state, move |mut st| {
        let (tenant, metrics, recheck) = (tenant.clone(), metrics.clone(), recheck.clone());
        async move {
            if st.ended {
                return None;
            }
            if let Some(a) = st.backlog.pop_front() {
                metrics.alerts_delivered.fetch_add(1, Ordering::Relaxed);
                return Some((Ok(alert_event(a)), st));
            }
            loop {
                tokio::select! {
                    got = st.rx.recv() => match got {
                        Ok(a) if *a.tenant == *tenant && !st.replayed(&a) => {
                            metrics.alerts_delivered.fetch_add(1, Ordering::Relaxed);
                            return Some((Ok(alert_event(a)), st));
                        }
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            let ev = Event::default()
                                .event("lagged")
                                .data(format!("{n} alerts were skipped; reload GET /v1/alerts"));
                            return Some((Ok(ev), st));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = st.tick.tick() => {
                        if recheck().await == KeyState::Revoked {
                            st.ended = true;
                            let ev = Event::default()
                                .event("revoked")
                                .data("the API key was revoked; the stream ends");
                            return Some((Ok(ev), st));
                        }
                    }
                }
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// One client's stream: its subscription, what is left of its replay, the key's recheck
/// timer, and whether it has ended.
struct Open {
    rx: broadcast::Receiver<Alert>,
    backlog: std::collections::VecDeque<Alert>,
    /// The newest alert id replayed: live alerts up to it were sent already.
    replayed_to: Option<i64>,
    tick: tokio::time::Interval,
    ended: bool,
    _guard: ClientGuard,
}

impl Open {
    fn replayed(&self, a: &Alert) -> bool {
        matches!((self.replayed_to, numeric_id(a)), (Some(to), Some(id)) if id <= to)
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

    const HOUR: Duration = Duration::from_secs(3600);

    /// A reconnecting client gets what it missed first, oldest first, then the live alerts,
    /// without those it was just sent again.
    #[tokio::test]
    async fn the_backlog_goes_first_and_is_not_sent_twice() {
        use axum::response::IntoResponse;
        let (tx, rx) = broadcast::channel(8);
        let alert = |id: i64| parse_payload(&format!(r#"{{"tenant_id":"acme","alert_id":{id}}}"#));
        let backlog = vec![alert(4).unwrap(), alert(5).unwrap()];
        let valid = || async { KeyState::Valid };
        let metrics = Arc::new(Metrics::default());
        let resp = stream(rx, backlog, "acme".into(), metrics, HOUR, valid).into_response();
        for id in [5, 6] {
            tx.send(alert(id).unwrap()).unwrap(); // 5 was committed while the replay was read
        }
        drop(tx);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("id: "))
            .collect();
        assert_eq!(ids, ["4", "5", "6"], "{text}");
    }

    /// A stream whose key is found revoked at a recheck says so and ends; an unknown state
    /// (PostgreSQL down) keeps it open.
    #[tokio::test(start_paused = true)]
    async fn a_revoked_key_ends_its_stream_at_the_next_recheck() {
        use axum::response::IntoResponse;
        use std::sync::atomic::AtomicUsize;
        let (tx, rx) = broadcast::channel(8);
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
            rx,
            Vec::new(),
            "acme".into(),
            Arc::new(Metrics::default()),
            every,
            recheck,
        )
        .into_response();
        tx.send(parse_payload(r#"{"tenant_id":"acme","alert_id":1}"#).unwrap())
            .unwrap();
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
        use axum::response::IntoResponse;
        let (tx, rx) = broadcast::channel(8);
        let valid = || async { KeyState::Valid };
        let resp = stream(
            rx,
            Vec::new(),
            "acme".into(),
            Arc::new(Metrics::default()),
            HOUR,
            valid,
        )
        .into_response();
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
