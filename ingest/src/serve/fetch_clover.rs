//! Fetches the Clover orders a notification names (`O:<id>`, CREATE/UPDATE):
//! `GET {base_url}/v3/merchants/{mId}/orders/{id}?expand=…` with the merchant's token (Clover
//! issues OAuth tokens per merchant). A payment it names (`P:<id>`) is read for its order
//! (`GET …/payments/{id}`, whose `order` is a reference `{"id": …}`), and that order fetched
//! the same way, once however many changes name it. The base URL is configurable so tests
//! point it at a local fake server.
//!
//! Clover does not promise to deliver a notification again (its webhook guide: "Clover does not
//! guarantee when, or if, notifications will be received"), so a failed fetch is not answered
//! with a 503 for a retry that may never come: transient failures (connection, 429, 5xx) are
//! retried here a few times (after the `Retry-After` the API answered when it asks longer),
//! and an order still not fetched is a reject on the notification, which is kept in the inbox
//! with the order named.

use crate::adapters::clover::EXPAND;
use crate::config::CloverConfig;
use std::time::Duration;

#[derive(Clone)]
pub struct CloverFetcher {
    client: reqwest::Client,
    base: String,
    /// The tokens (per merchant, and the shared one): `CloverConfig::token_for`.
    cfg: CloverConfig,
    /// Waits before the second, third… attempt of a transient failure.
    retry_after: Vec<Duration>,
}

#[derive(Debug, thiserror::Error)]
#[error("{kind} {id} of merchant {merchant} not fetched from Clover: {msg}")]
pub struct CloverFetchError {
    pub merchant: String,
    /// `order` or `payment`.
    pub kind: &'static str,
    pub id: String,
    pub msg: String,
}

impl CloverFetchError {
    /// The reject detail naming what was not fetched: `{"merchant": …, "order"|"payment": …}`.
    pub fn detail(&self) -> serde_json::Value {
        let mut d = serde_json::json!({ "merchant": self.merchant });
        d[self.kind] = self.id.clone().into();
        d
    }
}

impl CloverFetcher {
    pub fn new(cfg: &CloverConfig) -> Option<CloverFetcher> {
        let base = cfg.base_url.as_deref()?.trim_end_matches('/').to_string();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .ok()?;
        Some(CloverFetcher {
            client,
            base,
            cfg: cfg.clone(),
            retry_after: vec![Duration::from_millis(250), Duration::from_millis(1000)],
        })
    }

    /// Shorter waits between attempts (tests).
    pub fn with_retry_after(mut self, waits: Vec<Duration>) -> CloverFetcher {
        self.retry_after = waits;
        self
    }

    /// The order object, verbatim (it goes to the inbox as its own payload).
    pub async fn order(&self, merchant: &str, id: &str) -> Result<String, CloverFetchError> {
        self.get(merchant, "order", id, Some(EXPAND)).await
    }

    /// The id of the order a payment belongs to.
    pub async fn payment_order(
        &self,
        merchant: &str,
        id: &str,
    ) -> Result<String, CloverFetchError> {
        let body = self.get(merchant, "payment", id, None).await?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        match v.pointer("/order/id").and_then(serde_json::Value::as_str) {
            Some(order) if clover_id(order) => Ok(order.to_string()),
            _ => Err(CloverFetchError {
                merchant: merchant.to_string(),
                kind: "payment",
                id: id.to_string(),
                msg: "the payment names no order (`order.id`)".into(),
            }),
        }
    }

    /// The orders to fetch for a notification: the ones it names, then those of the payments it
    /// names, each once; and the payments whose order could not be learned.
    pub async fn orders_named(
        &self,
        orders: Vec<(String, String)>,
        payments: Vec<(String, String)>,
    ) -> (Vec<(String, String)>, Vec<CloverFetchError>) {
        let (mut out, mut failed) = (orders, Vec::new());
        for (merchant, payment) in payments {
            match self.payment_order(&merchant, &payment).await {
                Ok(order) if out.iter().any(|(m, o)| *m == merchant && *o == order) => {}
                Ok(order) => out.push((merchant, order)),
                Err(e) => failed.push(e),
            }
        }
        (out, failed)
    }

    /// `GET …/v3/merchants/{merchant}/{kind}s/{id}`, retried while the failure is transient.
    async fn get(
        &self,
        merchant: &str,
        kind: &'static str,
        id: &str,
        expand: Option<&str>,
    ) -> Result<String, CloverFetchError> {
        let fail = |msg: String| CloverFetchError {
            merchant: merchant.to_string(),
            kind,
            id: id.to_string(),
            msg,
        };
        if !clover_id(merchant) || !clover_id(id) {
            return Err(fail(format!("not a Clover merchant and {kind} id")));
        }
        let token = self.cfg.token_for(merchant).ok_or_else(|| {
            fail("no access token: set POS_INGEST_CLOVER_ACCESS_TOKEN or POS_INGEST_CLOVER_ACCESS_TOKENS".into())
        })?;
        let url = format!("{}/v3/merchants/{merchant}/{kind}s/{id}", self.base);
        let mut waits = self.retry_after.iter();
        loop {
            match self.once(&url, token, expand).await {
                Ok(body) => return Ok(body),
                Err((msg, transient, asked)) => match waits.next() {
                    Some(w) if transient => tokio::time::sleep((*w).max(asked)).await,
                    _ => return Err(fail(msg)),
                },
            }
        }
    }

    /// One attempt: the body, or why not, whether trying again may help, and how long the API
    /// asked to wait first (`Retry-After` in seconds, at most [`MAX_RETRY_AFTER`]; else zero).
    async fn once(
        &self,
        url: &str,
        token: &str,
        expand: Option<&str>,
    ) -> Result<String, (String, bool, Duration)> {
        let mut req = self.client.get(url).bearer_auth(token);
        if let Some(e) = expand {
            req = req.query(&[("expand", e)]);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| (e.to_string(), true, Duration::ZERO))?;
        let status = resp.status();
        let asked = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::ZERO, |secs| {
                Duration::from_secs(secs).min(MAX_RETRY_AFTER)
            });
        let body = resp
            .text()
            .await
            .map_err(|e| (e.to_string(), true, Duration::ZERO))?;
        if status.is_success() {
            return Ok(body);
        }
        let transient = status.is_server_error() || status.as_u16() == 429;
        let text: String = body.chars().take(200).collect();
        Err((format!("HTTP {status}: {text}"), transient, asked))
    }
}

/// The longest `Retry-After` (429, 503) waited for before the next attempt. Clover's rate
/// limits answer 429 with the seconds to wait; retried after 0.25 s and 1 s regardless, a burst
/// of notifications (a busy lunch) used up the attempts inside the wait, and each order became
/// a reject to post again by hand. Bounded, so one answer cannot hold a request for long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Clover ids (merchants, orders, payments) are 13 letters and digits; anything else never
/// reaches the URL.
fn clover_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::{Path, Query};
    use axum::http::{HeaderMap, StatusCode};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A fake Clover API: order `GOOD1` of merchant `M1` for token `t1`, 404 for others, and
    /// `FLAKY1` failing with 503 the first `flaky` times.
    async fn fake(flaky: usize) -> (String, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let app = axum::Router::new().route(
            "/v3/merchants/{m}/orders/{id}",
            axum::routing::get(
                move |Path((m, id)): Path<(String, String)>,
                      Query(q): Query<HashMap<String, String>>,
                      h: HeaderMap| {
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let auth = h.get("authorization").and_then(|v| v.to_str().ok());
                        if auth != Some("Bearer t1") {
                            return (StatusCode::UNAUTHORIZED, "{}".to_string());
                        }
                        let expanded = q.get("expand").is_some_and(|e| e.contains("payments"));
                        match (m.as_str(), id.as_str()) {
                            ("M1", "FLAKY1") if n < flaky => {
                                (StatusCode::SERVICE_UNAVAILABLE, "busy".into())
                            }
                            ("M1", "GOOD1" | "FLAKY1") if expanded => {
                                (StatusCode::OK, format!(r#"{{"id":"{id}"}}"#))
                            }
                            _ => (StatusCode::NOT_FOUND, r#"{"message":"Not Found"}"#.into()),
                        }
                    }
                },
            ),
        );
        let app = app.route(
            "/v3/merchants/{m}/payments/{id}",
            axum::routing::get(|Path((m, id)): Path<(String, String)>| async move {
                let body = match (m.as_str(), id.as_str()) {
                    ("M1", "PAYA" | "PAYC") => r#"{"id":"P","order":{"id":"GOOD1"},"amount":5}"#,
                    ("M1", "PAYB") => r#"{"id":"PAYB","order":{"id":"OTHER1"}}"#,
                    ("M1", "PAYNOORD") => r#"{"id":"PAYNOORD","amount":5}"#,
                    _ => return (StatusCode::NOT_FOUND, "{}"),
                };
                (StatusCode::OK, body)
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        (base, calls)
    }

    fn fetcher(base: &str) -> CloverFetcher {
        let mut cfg = CloverConfig {
            base_url: Some(format!("{base}/")),
            access_token: Some("shared".into()),
            ..CloverConfig::default()
        };
        cfg.access_tokens.insert("M1".into(), "t1".into());
        CloverFetcher::new(&cfg)
            .unwrap()
            .with_retry_after(vec![Duration::from_millis(5); 2])
    }

    #[tokio::test]
    async fn fetches_the_expanded_order_with_the_merchants_token() {
        let (base, _) = fake(0).await;
        let body = fetcher(&base).order("M1", "GOOD1").await.unwrap();
        assert_eq!(body, r#"{"id":"GOOD1"}"#);
        // M2 has no token of its own: the shared one, which this API refuses.
        let e = fetcher(&base).order("M2", "GOOD1").await.unwrap_err();
        assert!(e.msg.starts_with("HTTP 401"), "{e}");
    }

    #[tokio::test]
    async fn payments_are_read_for_their_orders_and_each_order_is_fetched_once() {
        let (base, _) = fake(0).await;
        let f = fetcher(&base);
        assert_eq!(f.payment_order("M1", "PAYB").await.unwrap(), "OTHER1");
        let pair = |m: &str, id: &str| (m.to_string(), id.to_string());
        let (orders, failed) = f
            .orders_named(
                vec![pair("M1", "GOOD1")],
                vec![
                    pair("M1", "PAYA"),
                    pair("M1", "PAYB"),
                    pair("M1", "PAYC"),
                    pair("M1", "PAYGONE"),
                    pair("M1", "PAYNOORD"),
                ],
            )
            .await;
        assert_eq!(orders, vec![pair("M1", "GOOD1"), pair("M1", "OTHER1")]);
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(failed[0]
            .to_string()
            .starts_with("payment PAYGONE of merchant M1 not fetched"));
        assert!(failed[0].msg.contains("404"));
        assert!(failed[1].msg.contains("order.id"), "{}", failed[1]);
        let detail = serde_json::json!({ "merchant": "M1", "payment": "PAYGONE" });
        assert_eq!(failed[0].detail(), detail);
        // Two payments of one order, and no `O:` change: the order once.
        let (orders, _) = f
            .orders_named(vec![], vec![pair("M1", "PAYA"), pair("M1", "PAYC")])
            .await;
        assert_eq!(orders, vec![pair("M1", "GOOD1")]);
    }

    #[tokio::test]
    async fn transient_failures_are_retried_and_a_missing_order_is_not() {
        let (base, calls) = fake(2).await;
        assert!(fetcher(&base).order("M1", "FLAKY1").await.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let (base, calls) = fake(0).await;
        let e = fetcher(&base).order("M1", "GONE1").await.unwrap_err();
        assert!(e.to_string().contains("order GONE1 of merchant M1") && e.msg.contains("404"));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a 404 is final");
        let (base, calls) = fake(9).await;
        assert!(fetcher(&base).order("M1", "FLAKY1").await.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "three attempts, then a reject"
        );
    }

    /// A rate-limited API asking for a second's wait (`Retry-After: 1`) is waited for: the
    /// order is fetched on the next attempt. Before, the attempts came after the configured
    /// waits (here 5 ms) regardless, all inside the limit, and the order was a reject.
    #[tokio::test]
    async fn a_429s_retry_after_is_waited_for() {
        let first = Arc::new(std::sync::Mutex::new(None::<std::time::Instant>));
        let app = axum::Router::new().route(
            "/v3/merchants/{m}/orders/{id}",
            axum::routing::get(move || {
                let first = first.clone();
                async move {
                    let mut f = first.lock().unwrap();
                    let since = f.get_or_insert_with(std::time::Instant::now).elapsed();
                    if since < Duration::from_millis(900) {
                        let h = [("retry-after", "1")];
                        (StatusCode::TOO_MANY_REQUESTS, h, "{}".to_string())
                    } else {
                        (
                            StatusCode::OK,
                            [("retry-after", "0")],
                            r#"{"id":"RL1"}"#.into(),
                        )
                    }
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        let body = fetcher(&base).order("M1", "RL1").await.unwrap();
        assert_eq!(body, r#"{"id":"RL1"}"#);
    }

    #[tokio::test]
    async fn ids_that_are_not_clover_ids_and_missing_tokens_never_reach_the_api() {
        let (base, calls) = fake(0).await;
        let f = fetcher(&base);
        assert!(f.order("M1", "../x").await.is_err());
        let mut no_token = f.clone();
        no_token.cfg.access_token = None;
        let e = no_token.order("M9", "GOOD1").await.unwrap_err();
        assert!(e.msg.contains("no access token"));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }
}
