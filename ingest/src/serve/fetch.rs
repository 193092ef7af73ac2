//! Fetches Square orders named by `order.*` notifications (which carry only ids):
//! `GET {api_base_url}/v2/orders/{id}` with the access token. The base URL is configurable so
//! tests point it at a local fake server that serves the samples.

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
    Failed { id: String, msg: String },
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
        let fail = |msg: String| FetchError::Failed {
            id: id.to_string(),
            msg,
        };
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(fail(format!("`{id}` is not a Square order id")));
        }
        let mut req = self
            .client
            .get(format!("{}/v2/orders/{id}", self.base))
            .header("Square-Version", "2025-07-16");
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| fail(e.to_string()))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| fail(e.to_string()))?;
        if !status.is_success() {
            return Err(fail(format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>()
            )));
        }
        Ok(body)
    }
}
