//! `POST /v1/webhooks/toast`: Toast's webhook messages (the orders webhook's `order_updated`,
//! and any other category the subscription sends), posted from the public internet.
//!
//! Toast signs each message with the subscription's secret: `Toast-Signature` is the base64
//! HMAC-SHA256 of the body followed by the message's `timestamp` (Toast's "Message signing";
//! the timestamp is the one in the body). A message without a valid signature is refused
//! before anything is stored. Past the check it goes the way of the other signed routes
//! (`super::handle`): kept even when unreadable, since Toast will not mend it.

use super::{error, finish, handle, header, secret, signature, Shared};
use crate::adapters::format::{Format, Meta};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::time::Instant;

const ROUTE: &str = "toast";

pub(super) async fn toast_hook(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let Some(secret) = secret(&s.cfg.toast.webhook_secret) else {
        return finish(
            &s,
            ROUTE,
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Toast webhooks are not configured: set [toast] webhook_secret \
                 (or POS_INGEST_TOAST_WEBHOOK_SECRET) to the subscription's secret (not empty)",
                None,
            ),
            started,
        );
    };
    let signed = match (header(&headers, "toast-signature"), timestamp(&body)) {
        (Some(sig), Some(ts)) => signature::toast_valid(secret, &body, &ts, sig),
        _ => false,
    };
    if !signed {
        return finish(
            &s,
            ROUTE,
            error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong Toast-Signature (base64 HMAC-SHA256 of the body followed by \
                 its `timestamp`, with the subscription's secret)",
                Some("Toast-Signature"),
            ),
            started,
        );
    }
    handle(&s, ROUTE, Format::Toast, body, Meta::default(), started).await
}

/// The message's `timestamp`, part of what Toast signs; `None` when the body is not a JSON
/// object with a string `timestamp` (then nothing can be verified).
fn timestamp(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Stamp {
        timestamp: String,
    }
    serde_json::from_slice::<Stamp>(body)
        .ok()
        .map(|s| s.timestamp)
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn the_timestamp_is_read_from_the_body_and_its_absence_is_none() {
        let body = br#"{"timestamp":"2024-03-28T15:11:01.050Z","guid":"g","details":{}}"#;
        assert_eq!(timestamp(body).as_deref(), Some("2024-03-28T15:11:01.050Z"));
        assert_eq!(timestamp(br#"{"guid":"g"}"#), None);
        assert_eq!(timestamp(br#"{"timestamp":17}"#), None);
        assert_eq!(timestamp(b"not json"), None);
    }
}
