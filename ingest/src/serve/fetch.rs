//! Fetches Square orders named by `order.*` notifications (which carry only ids):
//! `GET {api_base_url}/v2/orders/{id}` with the access token. The base URL is configurable so
//! tests point it at a local fake server that serves the samples.

use crate::adapters::csv::Mapping;
use crate::adapters::format::{map, unreadable, Format, Meta};
use crate::adapters::{square, Context};
use crate::envelope::Envelope;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Clone)]
pub struct SquareFetcher {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "Square order fetching is not configured: set [square] api_base_url (and access_token)"
    )]
    NotConfigured,
    #[error("fetching order {id} failed: {msg}")]
    Failed {
        id: String,
        msg: String,
        /// Whether asking again may help: the connection failed or timed out, or Square
        /// answered 408, 429 or 5xx. A 4xx else (401 a bad token, 403, 404 an order the token
        /// cannot see) or an id that is none comes back the same at every retry of the sender.
        transient: bool,
    },
}

impl FetchError {
    /// See `Failed::transient`.
    pub fn transient(&self) -> bool {
        matches!(
            self,
            FetchError::Failed {
                transient: true,
                ..
            }
        )
    }
}

impl SquareFetcher {
    pub fn new(base: Option<&str>, token: Option<&str>) -> Option<SquareFetcher> {
        let base = base?.trim_end_matches('/').to_string();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .ok()?;
        Some(SquareFetcher {
            client,
            base,
            token: token.map(str::to_string),
        })
    }

    /// The RetrieveOrderResponse body, verbatim (it goes to the inbox as its own payload).
    pub async fn order(&self, id: &str) -> Result<String, FetchError> {
        let fail = |msg: String, transient: bool| FetchError::Failed {
            id: id.to_string(),
            msg,
            transient,
        };
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(fail(format!("`{id}` is not a Square order id"), false));
        }
        let mut req = self
            .client
            .get(format!("{}/v2/orders/{id}", self.base))
            .header("Square-Version", "2025-07-16");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| fail(e.to_string(), true))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| fail(e.to_string(), true))?;
        if !status.is_success() {
            let transient = status.is_server_error() || matches!(status.as_u16(), 408 | 429);
            return Err(fail(
                format!(
                    "HTTP {status}: {}",
                    body.chars().take(200).collect::<String>()
                ),
                transient,
            ));
        }
        Ok(body)
    }
}

/// A fetched order's body as the payloads to store: the order mapped, or, when it is no order
/// (an error object in a 200, HTML from a proxy, `{}`, another order), `Err` with the body kept
/// as a rejected payload naming the order, for a replay once mended. Shared by `serve` and
/// `replay --fetch`, so that an order fetched late lands as one fetched at once.
pub fn order_envelopes(
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    id: &str,
    body: String,
) -> Result<Vec<Envelope>, Box<Envelope>> {
    let m = map(ctx, mappings, &Format::Square, &body, &Meta::default());
    match m.and_then(|m| super::answers_for(&body, "/order/id", id).map(|()| m)) {
        Ok(m) => Ok(m.envelopes),
        Err(e) => Err(Box::new(unreadable(
            ctx,
            square::SOURCE,
            Format::Square.content_type(),
            body,
            format!("order {id} from Square: {}", e.message),
            serde_json::json!({ "field": e.field, "order": id }),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A fake Square API under a path prefix: each order id names the status it is answered
    /// with (`S404`, `S503`…), `OK1` its order; every request is counted.
    async fn fake() -> (String, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let app = axum::Router::new().route(
            "/prefix/v2/orders/{id}",
            axum::routing::get(move |Path(id): Path<String>| {
                seen.fetch_add(1, Ordering::SeqCst);
                async move {
                    match id.strip_prefix('S').and_then(|c| c.parse::<u16>().ok()) {
                        Some(code) => (StatusCode::from_u16(code).unwrap(), "{}".to_string()),
                        None => (StatusCode::OK, format!(r#"{{"order":{{"id":"{id}"}}}}"#)),
                    }
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/prefix/", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        (base, calls)
    }

    #[tokio::test]
    async fn failures_square_may_get_over_are_transient_and_the_others_are_not() {
        let (base, calls) = fake().await;
        let f = SquareFetcher::new(Some(&base), Some("t")).unwrap();
        assert_eq!(f.order("OK1").await.unwrap(), r#"{"order":{"id":"OK1"}}"#);
        for (id, transient) in [
            ("S404", false),
            ("S401", false),
            ("S403", false),
            ("S400", false),
            ("S408", true),
            ("S429", true),
            ("S500", true),
            ("S503", true),
        ] {
            let e = f.order(id).await.unwrap_err();
            assert_eq!(e.transient(), transient, "{id}: {e}");
        }
        // Nothing listens on the port any more: a connection error, Square may be back soon.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        let closed = format!("http://{closed}");
        let gone = SquareFetcher::new(Some(&closed), None).unwrap();
        assert!(gone.order("OK1").await.unwrap_err().transient());
        // An id that could leave its path segment never reaches the API, and never will.
        let before = calls.load(Ordering::SeqCst);
        for id in ["../v2/locations", "a?b", "a#b", "a/b", "a%2Fb", ""] {
            assert!(!f.order(id).await.unwrap_err().transient(), "{id}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), before);
    }
}
