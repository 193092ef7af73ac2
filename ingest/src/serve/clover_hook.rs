//! `POST /v1/webhooks/clover`: Clover's app webhooks, posted from the public internet.
//!
//! Clover signs nothing; every notification carries the app's Clover Auth Code in
//! `X-Clover-Auth`, which the developer dashboard shows only once the webhook URL is verified.
//! Verifying it is a POST of `{"verificationCode": "…"}` to the URL, sent before that code
//! exists, so it cannot carry it: that one body is accepted without the header (even before
//! `[clover] webhook_auth_code` is set), kept in the inbox and logged, so the operator can
//! paste the code into the dashboard. It holds no data, and nothing else passes without the
//! header: a body with any other field needs the code. Past the check, a notification goes
//! the way of the other signed routes (`super::handle`): kept even when unreadable, its orders
//! fetched.

use super::{error, finish, handle, header, signature, Shared};
use crate::adapters::format::{Format, Meta};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::time::Instant;

const ROUTE: &str = "clover";

/// The largest body taken for a verification post: the JSON of one UUID-sized code with room
/// for spacing. Keeps what an unauthenticated sender can store per request small.
const MAX_VERIFICATION_BODY: usize = 256;

pub(super) async fn clover_hook(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    if let Some(code) = verification_code(&body) {
        tracing::info!(
            verification_code = %code,
            "Clover webhook verification: enter this code on the app's Edit Webhooks page in Clover's Developer Dashboard"
        );
        return handle(&s, ROUTE, Format::Clover, body, Meta::default(), started).await;
    }
    let codes = &s.cfg.clover.webhook_auth_code;
    if codes.is_empty() {
        let msg = "Clover webhooks are not configured: set [clover] webhook_auth_code (or POS_INGEST_CLOVER_WEBHOOK_AUTH_CODE) to the app's Clover Auth Code";
        return finish(
            &s,
            ROUTE,
            error(StatusCode::SERVICE_UNAVAILABLE, msg, None),
            started,
        );
    }
    let (status, msg) = match header(&headers, "x-clover-auth") {
        Some(h) if signature::clover_valid(codes, h) => {
            return handle(&s, ROUTE, Format::Clover, body, Meta::default(), started).await
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            "X-Clover-Auth is not the Clover Auth Code of a configured app",
        ),
        None => (StatusCode::UNAUTHORIZED, "missing header X-Clover-Auth"),
    };
    finish(
        &s,
        ROUTE,
        error(status, msg, Some("X-Clover-Auth")),
        started,
    )
}

/// The code of a verification post: a small JSON object whose only field is
/// `verificationCode`, a token of letters, digits and dashes (Clover's are UUIDs).
fn verification_code(body: &[u8]) -> Option<String> {
    if body.len() > MAX_VERIFICATION_BODY {
        return None;
    }
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    let code = match (v.len(), v.get("verificationCode")) {
        (1, Some(serde_json::Value::String(c))) => c,
        _ => return None,
    };
    let token = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    token.then(|| code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::Context;
    use crate::config::Config;

    const CODE: &str = "5d0c7a4e-2b19-4f3e-8c61-0e9a7b3d2f18";

    /// A service whose database cannot be reached: a request that passes the checks gets the
    /// committer's 503 with `Retry-After`, one refused by them its own answer.
    fn state(codes: &[&str]) -> Shared {
        let mut cfg = Config::default();
        cfg.clover.webhook_auth_code = codes.iter().map(|c| c.to_string()).collect();
        crate::serve::http_tests::state(cfg)
    }

    async fn post(s: &Shared, auth: Option<&str>, body: &str) -> (u16, bool, serde_json::Value) {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert("x-clover-auth", a.parse().unwrap());
        }
        let r = clover_hook(State(s.clone()), h, Bytes::from(body.to_string())).await;
        let (status, retry) = (r.status().as_u16(), r.headers().contains_key("retry-after"));
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, retry, serde_json::from_slice(&bytes).unwrap())
    }

    const NOTE: &str =
        r#"{"appId":"APP1","merchants":{"M1":[{"objectId":"O:ORD1","type":"UPDATE","ts":1}]}}"#;

    #[tokio::test]
    async fn a_notification_needs_a_configured_auth_code() {
        let s = state(&[CODE, "other-app"]);
        let (status, retry, body) = post(&s, None, NOTE).await;
        assert_eq!((status, retry), (401, false), "{body}");
        assert_eq!(body["field"], "X-Clover-Auth");
        let (status, _, _) = post(&s, Some("not-the-code"), NOTE).await;
        assert_eq!(status, 401);
        // Past the check: the committer's answer (its database is unreachable).
        assert_eq!(post(&s, Some(CODE), NOTE).await.0, 503);
        let (status, retry, _) = post(&s, Some("other-app"), NOTE).await;
        assert_eq!((status, retry), (503, true), "any configured app's code");
        assert_eq!(s.metrics.render().matches("route=\"clover\"").count(), 2);
    }

    #[tokio::test]
    async fn without_codes_notifications_are_refused_but_the_verification_post_is_taken() {
        let s = state(&[]);
        let (status, retry, body) = post(&s, Some(CODE), NOTE).await;
        assert_eq!((status, retry), (503, false));
        assert!(body["error"]
            .as_str()
            .unwrap()
            .contains("webhook_auth_code"));
        let verify = r#"{"verificationCode":"ce11a7b2-94d0-4c3e-a5f8-61b2d9e0c4a7"}"#;
        let (status, retry, _) = post(&s, None, verify).await;
        assert_eq!((status, retry), (503, true), "reached the committer");
    }

    #[test]
    fn an_unreadable_clover_notification_is_kept_under_the_clover_source() {
        let ctx = Context::from_config(&Config::default()).unwrap();
        let e = crate::adapters::PayloadError::new(Some("merchants"), "not an object");
        let env =
            super::super::kept_unreadable(&ctx, &Format::Clover, &Meta::default(), "{}".into(), &e);
        let crate::envelope::Origin::New(raw) = &env.origin else {
            panic!("a new payload");
        };
        assert_eq!(raw.source, "clover");
        assert!(raw.content_type.contains("format=clover"));
        assert_eq!(env.rejects[0].source, "clover");
        assert_eq!(env.rejects[0].detail["field"], "merchants");
    }

    #[test]
    fn only_a_bare_small_verification_body_is_one() {
        let code = |b: &str| verification_code(b.as_bytes());
        assert_eq!(
            code(r#" {"verificationCode": "ab12-CD34"} "#).as_deref(),
            Some("ab12-CD34")
        );
        assert_eq!(code(r#"{"verificationCode":"x","merchants":{}}"#), None);
        assert_eq!(code(r#"{"verificationCode":7}"#), None);
        assert_eq!(code(r#"{"verificationCode":""}"#), None);
        assert_eq!(code(r#"{"verificationCode":"a b"}"#), None);
        assert_eq!(
            code(&format!(r#"{{"verificationCode":"{}"}}"#, "a".repeat(65))),
            None
        );
        assert_eq!(code(r#"["verificationCode"]"#), None);
        let padded = format!(r#"{{"verificationCode":"abc"}}{}"#, " ".repeat(300));
        assert_eq!(code(&padded), None);
    }
}
