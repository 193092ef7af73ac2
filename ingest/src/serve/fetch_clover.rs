//! Fetches the Clover orders a notification names (`O:<id>`, CREATE/UPDATE):
//! `GET {base_url}/v3/merchants/{mId}/orders/{id}?expand=…` with the merchant's token (Clover
//! issues OAuth tokens per merchant). The base URL is configurable so tests point it at a
//! local fake server.
//!
//! Clover does not promise to deliver a notification again (its webhook guide: "Clover does not
//! guarantee when, or if, notifications will be received"), so a failed fetch is not answered
//! with a 503 for a retry that may never come: transient failures (connection, 429, 5xx) are
//! retried here a few times, and an order still not fetched is a reject on the notification,
//! which is kept in the inbox with the order named.

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
#[error("order {order} of merchant {merchant} not fetched from Clover: {msg}")]
pub struct CloverFetchError {
    pub merchant: String,
    pub order: String,
    pub msg: String,
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
        let fail = |msg: String| CloverFetchError {
            merchant: merchant.to_string(),
            order: id.to_string(),
            msg,
        };
        let clover_id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        if !clover_id(merchant) || !clover_id(id) {
            return Err(fail("not a Clover merchant and order id".into()));
        }
        let token = self.cfg.token_for(merchant).ok_or_else(|| {
            fail("no access token: set POS_INGEST_CLOVER_ACCESS_TOKEN or POS_INGEST_CLOVER_ACCESS_TOKENS".into())
        })?;
        let url = format!("{}/v3/merchants/{merchant}/orders/{id}", self.base);
        let mut waits = self.retry_after.iter();
        loop {
            match self.once(&url, token).await {
                Ok(body) => return Ok(body),
                Err((msg, transient)) => match waits.next() {
                    Some(w) if transient => tokio::time::sleep(*w).await,
                    _ => return Err(fail(msg)),
                },
            }
        }
    }

    /// One attempt: the body, or why not and whether trying again may help.
    async fn once(&self, url: &str, token: &str) -> Result<String, (String, bool)> {
        let resp = self
            .client
            .get(url)
            .query(&[("expand", EXPAND)])
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| (e.to_string(), true))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| (e.to_string(), true))?;
        if status.is_success() {
            return Ok(body);
        }
        let transient = status.is_server_error() || status.as_u16() == 429;
        let text: String = body.chars().take(200).collect();
        Err((format!("HTTP {status}: {text}"), transient))
    }
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
