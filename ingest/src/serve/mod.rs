//! `pos-ingest serve`: HTTP endpoints for canonical events, raw formats and provider webhooks.
//! A request is acknowledged (200) only after its payload and facts are committed; a payload
//! that cannot be read gets 400 with the field named; when PostgreSQL is down or the queue is
//! full the answer is 503 with `Retry-After`, so the sender retries and nothing is lost.
//! Every error answer is JSON with `error` (and `field` where one is to blame), also those
//! made before a handler runs: an unknown route (404), a method a route does not take (405), a
//! body over `max_body_bytes` (413), a compressed or multipart body (415), a request target or
//! headers over our limits (414, 431: [`head_limits`]).
//! With `[serve.tokens]` configured, the unsigned data routes take only senders with a bearer
//! token, each bound to its tenant (`tokens`); the webhook routes are signed instead.

mod clover_hook;
pub mod fetch;
pub mod fetch_clover;
pub mod group;
pub mod head_limits;
pub mod listener;
mod mappings;
pub mod metrics;
pub mod signature;
mod toast_hook;
pub mod tokens;

#[cfg(test)]
mod http_tests;

pub use mappings::load_mappings;

use crate::adapters::csv::Mapping;
use crate::adapters::format::{map, quarantine_rejected, unreadable, Format, Mapped, Meta};
use crate::adapters::{clover, square, Context, PayloadError};
use crate::config::Config;
use crate::envelope::{prepack, Reject};
use crate::writer::EnvelopeStatus;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, map_response_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use group::{Committer, GroupConfig, Refusal};
use metrics::Metrics;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct AppState {
    pub ctx: Context,
    pub mappings: HashMap<String, Mapping>,
    pub committer: Committer,
    pub metrics: Arc<Metrics>,
    pub cfg: Config,
    pub fetcher: Option<fetch::SquareFetcher>,
    pub clover_fetcher: Option<fetch_clover::CloverFetcher>,
    /// `[serve.tokens]`: who may post to `/v1/events` and `/v1/ingest/{format}`, for which tenant.
    pub tokens: tokens::Tokens,
}

type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    let limit = state.cfg.serve.max_body_bytes;
    let token = from_fn_with_state(state.clone(), require_token);
    Router::new()
        .route("/v1/events", post(events).route_layer(token.clone()))
        .route("/v1/ingest/{format}", post(ingest).route_layer(token))
        .route("/v1/webhooks/square", post(square_hook))
        .route("/v1/webhooks/shopify", post(shopify_hook))
        .route("/v1/webhooks/clover", post(clover_hook::clover_hook))
        .route("/v1/webhooks/toast", post(toast_hook::toast_hook))
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .layer(from_fn_with_state(state.clone(), refuse_encoded))
        .layer(map_response_with_state(state.clone(), json_errors))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(state.clone(), refuse_long_heads))
        .with_state(state)
}

/// A request target or headers over our limits ([`head_limits`]) get the JSON 414 or 431
/// before anything else runs (routing, tokens, the body).
async fn refuse_long_heads(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let Some((status, message, field)) = head_limits::over(req.uri(), req.headers()) else {
        return next.run(req).await;
    };
    s.metrics
        .response(route_name(req.uri().path()), status.as_u16());
    error(status, &message, Some(field))
}

/// The route's name in `pos_ingest_http_responses_total`: one of a fixed few, never the path
/// a sender wrote (a label per format segment or unknown path would grow without bound).
fn route_name(path: &str) -> &'static str {
    match path {
        "/v1/events" => "events",
        "/v1/webhooks/square" => "square",
        "/v1/webhooks/shopify" => "shopify",
        "/v1/webhooks/clover" => "clover",
        "/v1/webhooks/toast" => "toast",
        p if p.starts_with("/v1/ingest/") => "ingest",
        _ => "other",
    }
}

/// A body with a `Content-Encoding` (gzip, …) is refused with 415 before anything reads it:
/// read as text it would be "not UTF-8", a signature is over the bytes as sent, and a webhook
/// route would keep the compressed bytes as an unreadable payload.
///
/// So is a multipart body (`curl -F file=@day.ndjson`, a browser form): read as NDJSON, its
/// boundary and part-header lines were stored as "not JSON" rejects beside the file's events
/// and the answer was a 200; the file belongs in the body as it is (`--data-binary @day.ndjson`).
async fn refuse_encoded(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let encoded = req
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .any(|v| !v.as_bytes().trim_ascii().eq_ignore_ascii_case(b"identity"));
    let multipart = req.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes().trim_ascii();
        v.len() >= 10 && v[..10].eq_ignore_ascii_case(b"multipart/")
    });
    let (message, field) = match (encoded, multipart) {
        (true, _) => (
            "compressed bodies are not taken: send the body without Content-Encoding",
            "Content-Encoding",
        ),
        (false, true) => (
            "multipart (form) bodies are not taken: send the file itself as the body (curl --data-binary @FILE)",
            "Content-Type",
        ),
        (false, false) => return too_large_or_next(&s, req, next).await,
    };
    let route = route_name(req.uri().path());
    let r = error(StatusCode::UNSUPPORTED_MEDIA_TYPE, message, Some(field));
    s.metrics.response(route, r.status().as_u16());
    r
}

/// A body whose `Content-Length` is over `max_body_bytes` is refused (the JSON 413) before
/// anything reads it. Reading it first, as the body limit does, sent a sender that asked with
/// `Expect: 100-continue` the go-ahead and made it upload the whole body, only to refuse it.
async fn too_large_or_next(s: &AppState, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > s.cfg.serve.max_body_bytes as u64 => {
            let message = format!(
                "the body is larger than [serve] max_body_bytes ({} bytes)",
                s.cfg.serve.max_body_bytes
            );
            let r = error(StatusCode::PAYLOAD_TOO_LARGE, &message, None);
            s.metrics
                .response(route_name(req.uri().path()), r.status().as_u16());
            r
        }
        _ => next.run(req).await,
    }
}

/// The unsigned data routes' bearer token, checked before the body is read (a sender without
/// one cannot make the service buffer `max_body_bytes`): refused with 401, else what it grants
/// goes to the handler as a request extension. Without configured tokens everyone passes.
async fn require_token(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    match s.tokens.grant(req.headers()) {
        Ok(grant) => {
            req.extensions_mut().insert(grant);
            next.run(req).await
        }
        Err(why) => {
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                why.message(),
                Some("Authorization"),
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            s.metrics.response(route_name(req.uri().path()), 401);
            r
        }
    }
}

/// Turns the plain-text (or empty) 4xx answers made before a handler runs into the JSON
/// every other error is: no such route (404), a method the route does not take (405, with
/// its `Allow`), a body over `max_body_bytes` (413), a path segment that cannot be read (400).
/// Each is counted under its route (`other` for no route).
async fn json_errors(State(s): State<Shared>, method: Method, uri: Uri, r: Response) -> Response {
    let json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !r.status().is_client_error() || json {
        return r;
    }
    let (parts, body) = r.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let path = uri.path();
    let message = match parts.status {
        StatusCode::NOT_FOUND => format!("no route {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take {method}"),
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the body is larger than [serve] max_body_bytes ({} bytes)",
            s.cfg.serve.max_body_bytes
        ),
        _ if text.trim().is_empty() => parts
            .status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_string(),
        _ => text.trim().to_string(),
    };
    s.metrics
        .response(route_name(uri.path()), parts.status.as_u16());
    let mut out = error(parts.status, &message, None);
    for (k, v) in &parts.headers {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
}

pub async fn run(cfg: Config) -> anyhow::Result<()> {
    let url = cfg.database_url()?.to_string();
    let ctx = Context::from_config(&cfg)?;
    let mappings = load_mappings(&cfg)?;
    let metrics = Arc::new(Metrics::default());
    let s = &cfg.serve;
    let group = GroupConfig {
        url,
        writers: s.writers,
        linger: Duration::from_millis(s.linger_ms),
        max_batch_lines: s.max_batch_lines,
        queue: s.queue,
        queue_bytes: s.queue_bytes,
    };
    let tokens = tokens::Tokens::new(&cfg.serve.tokens, &ctx)?;
    let committer = Committer::start(group, metrics.clone())?;
    let fetcher = fetch::SquareFetcher::new(
        cfg.square.api_base_url.as_deref(),
        cfg.square.access_token.as_deref(),
    );
    let clover_fetcher = fetch_clover::CloverFetcher::new(&cfg.clover);
    let listen = cfg.serve.listen.clone();
    let max_connections = cfg.serve.max_connections;
    let idle = Duration::from_secs(cfg.serve.idle_timeout_secs);
    let state = Arc::new(AppState {
        ctx,
        mappings,
        committer,
        metrics,
        cfg,
        fetcher,
        clover_fetcher,
        tokens,
    });
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    tracing::info!(%listen, max_connections, "pos-ingest serving");
    if state.tokens.is_open() {
        tracing::warn!(%listen, "[serve.tokens] is empty: POST /v1/events and /v1/ingest/{{format}} take data for any tenant from any sender that reaches the port");
    }
    let listener = listener::Limited::new(listener, max_connections, idle, state.metrics.clone());
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: finishing in-flight requests");
}

fn error(code: StatusCode, message: &str, field: Option<&str>) -> Response {
    (code, Json(json!({ "error": message, "field": field }))).into_response()
}

fn bad_payload(e: &PayloadError) -> Response {
    error(StatusCode::BAD_REQUEST, &e.message, e.field.as_deref())
}

async fn readyz(State(s): State<Shared>) -> Response {
    if s.metrics.writers_connected.load(Relaxed) > 0 {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: no connection to PostgreSQL\n",
        )
            .into_response()
    }
}

async fn metrics_text(State(s): State<Shared>) -> Response {
    (
        [("content-type", "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
        .into_response()
}

async fn events(
    State(s): State<Shared>,
    Extension(grant): Extension<tokens::Grant>,
    body: Bytes,
) -> Response {
    let (ctx, meta) = (grant.context(&s.ctx), Meta::default());
    let started = Instant::now();
    handle_as(&s, ctx, "events", Format::Canonical, body, meta, started).await
}

async fn ingest(
    State(s): State<Shared>,
    Extension(grant): Extension<tokens::Grant>,
    Path(format): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    // A relay passing on Toast's answer bare passes on the header naming its restaurant.
    let meta = Meta {
        restaurant: header(&headers, "toast-restaurant-external-id").map(str::to_string),
        ..Meta::default()
    };
    match format.parse::<Format>() {
        Ok(f) => handle_as(&s, grant.context(&s.ctx), "ingest", f, body, meta, started).await,
        Err(e) => error(StatusCode::NOT_FOUND, &e, Some("format")),
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A configured secret, or `None` when unset or blank: an HMAC under the empty key is one
/// anyone can compute, so a route whose secret is empty (an environment variable set to
/// nothing, say) is not configured, and refuses everything.
fn secret(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.trim().is_empty())
}

async fn square_hook(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let (Some(key), Some(url)) = (
        secret(&s.cfg.square.signature_key),
        secret(&s.cfg.square.notification_url),
    ) else {
        let msg = "Square webhooks are not configured: set [square] signature_key and notification_url (neither may be empty)";
        let r = error(StatusCode::SERVICE_UNAVAILABLE, msg, None);
        return finish(&s, "square", r, started);
    };
    match header(&headers, "x-square-hmacsha256-signature") {
        Some(sig) if signature::square_valid(key, url, &body, sig) => {}
        Some(_) => return finish(&s, "square", error(StatusCode::UNAUTHORIZED, "signature does not match (x-square-hmacsha256-signature over notification URL + body)", Some("x-square-hmacsha256-signature")), started),
        None => return finish(&s, "square", error(StatusCode::UNAUTHORIZED, "missing header x-square-hmacsha256-signature", Some("x-square-hmacsha256-signature")), started),
    }
    handle(&s, "square", Format::Square, body, Meta::default(), started).await
}

async fn shopify_hook(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let Some(secret) = secret(&s.cfg.shopify.secret) else {
        let msg = "Shopify webhooks are not configured: set [shopify] secret (not empty)";
        let r = error(StatusCode::SERVICE_UNAVAILABLE, msg, None);
        return finish(&s, "shopify", r, started);
    };
    match header(&headers, "x-shopify-hmac-sha256") {
        Some(sig) if signature::shopify_valid(secret, &body, sig) => {}
        _ => {
            return finish(
                &s,
                "shopify",
                error(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong X-Shopify-Hmac-Sha256 (HMAC-SHA256 of the body, base64)",
                    Some("X-Shopify-Hmac-Sha256"),
                ),
                started,
            )
        }
    }
    // Shopify's webhook id is the delivery's identity: a retry of it is a duplicate.
    let meta = Meta {
        event_id: header(&headers, "x-shopify-webhook-id").map(|id| format!("webhook/{id}")),
        shop: header(&headers, "x-shopify-shop-domain").map(str::to_string),
        topic: header(&headers, "x-shopify-topic").map(str::to_string),
        ..Meta::default()
    };
    handle(&s, "shopify", Format::Shopify, body, meta, started).await
}

fn finish(s: &AppState, route: &str, r: Response, started: Instant) -> Response {
    s.metrics.response(route, r.status().as_u16());
    if r.status().is_success() {
        s.metrics
            .ack_latency
            .observe(started.elapsed().as_secs_f64());
    }
    r
}

/// A webhook's payload, for the configured tenant.
async fn handle(
    s: &Shared,
    route: &str,
    format: Format,
    body: Bytes,
    meta: Meta,
    started: Instant,
) -> Response {
    handle_as(s, &s.ctx, route, format, body, meta, started).await
}

/// A payload mapped with `ctx`: the service's, or that of the tenant the sender's token is
/// bound to.
async fn handle_as(
    s: &Shared,
    ctx: &Context,
    route: &str,
    format: Format,
    body: Bytes,
    meta: Meta,
    started: Instant,
) -> Response {
    // A signed webhook's sender cannot mend its payload, and after its retries it is gone:
    // what cannot be read is kept (see `keep_refused`), then refused as from anyone else.
    let keep = matches!(route, "square" | "shopify" | "clover" | "toast");
    let r = handle_inner(s, ctx, format, body, meta, keep).await;
    finish(s, route, r, started)
}

async fn handle_inner(
    s: &Shared,
    ctx: &Context,
    format: Format,
    body: Bytes,
    meta: Meta,
    keep: bool,
) -> Response {
    // POSLog and mapped CSV may come in another encoding (their declaration or mapping says).
    let text = match crate::adapters::format::text_of(&s.mappings, &format, &body) {
        Ok(t) => t,
        Err(e) if keep => {
            let text = String::from_utf8_lossy(&body).into_owned();
            return keep_refused(s, ctx, &format, &meta, text, &e).await;
        }
        Err(e) => return bad_payload(&e),
    };
    let text: &str = &text;
    if text.contains('\0') {
        return error(
            StatusCode::BAD_REQUEST,
            "the body contains a NUL byte",
            None,
        );
    }
    if !keep && text.trim().is_empty() {
        // A client bug, not a batch of nothing: before, it got 200 and an audit row.
        return error(
            StatusCode::BAD_REQUEST,
            "the body is empty: send events (canonical NDJSON, a JSON array or an object) or a payload of the format",
            None,
        );
    }
    let mut mapped = match map(ctx, &s.mappings, &format, text, &meta) {
        Ok(m) => m,
        Err(e) if keep => return keep_refused(s, ctx, &format, &meta, text.to_string(), &e).await,
        Err(e) => return bad_payload(&e),
    };
    // One record that cannot be stored: tell the sender now rather than keep it as a reject
    // (a webhook's is kept first: its sender cannot mend it).
    let invalid = single_invalid(&mapped);
    if let (Some((reason, field)), false) = (&invalid, keep) {
        let code = match unreadable_event(&format, text) {
            true => StatusCode::BAD_REQUEST,
            false => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return error(code, reason, field.as_deref());
    }
    let fetches = !mapped.fetch_orders.is_empty()
        || !mapped.fetch_clover.is_empty()
        || !mapped.fetch_clover_payments.is_empty();
    if !fetches {
        return commit(s, mapped, invalid, keep).await;
    }
    // Fetching takes as long as the provider's API does (Clover's up to three tries of 10 s
    // per object), longer than a sender may wait or `idle_timeout_secs` lasts. Dropped with its
    // connection, the request lost the notification unstored, and Clover does not send one
    // again; in a task of its own it runs to its commit whoever still waits for the answer
    // (a retry of it is a duplicate).
    let (s, ctx) = (s.clone(), ctx.clone());
    let task = tokio::spawn(async move {
        if let Err(resp) = fetch_orders(&s, &ctx, &mut mapped).await {
            return resp;
        }
        fetch_clover(&s, &ctx, &mut mapped).await;
        commit(&s, mapped, invalid, keep).await
    });
    match task.await {
        Ok(r) => r,
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("fetching the orders named failed: {e}"),
            None,
        ),
    }
}

/// Stores what was mapped (and fetched), and answers: 200 with what was stored, the 422 of a
/// single invalid record (kept first on a webhook route), or the committer's refusal.
async fn commit(
    s: &AppState,
    mut mapped: Mapped,
    invalid: Option<(String, Option<String>)>,
    keep: bool,
) -> Response {
    if !keep && mapped.envelopes.is_empty() {
        // `[]`: nothing to store, so no transaction and no audit row for it.
        let body = json!({ "status": "committed", "batch_id": null, "stored": 0, "duplicates": 0, "rejected": [] });
        return (StatusCode::OK, Json(body)).into_response();
    }
    quarantine_rejected(&mut mapped.envelopes);
    // Packed here, on the HTTP thread, not on the writer's that the whole batch waits on.
    prepack(&mut mapped.envelopes);
    let rejects: Vec<&Reject> = mapped.envelopes.iter().flat_map(|e| &e.rejects).collect();
    let rejected = json!(rejects
        .iter()
        .map(|r| json!({ "reason": r.reason, "detail": r.detail }))
        .collect::<Vec<_>>());
    match s.committer.submit(mapped.envelopes).await {
        Ok(ack) => {
            let dup = ack
                .status
                .iter()
                .filter(|x| **x == EnvelopeStatus::Duplicate)
                .count();
            if let Some((reason, field)) = invalid {
                let kept =
                    json!({ "batch_id": ack.batch_id, "in": "pos.raw_inbox and pos.reject" });
                let body = json!({ "error": reason, "field": field, "kept": kept });
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
            }
            let body = json!({ "status": "committed", "batch_id": ack.batch_id, "stored": ack.status.len() - dup, "duplicates": dup, "rejected": rejected });
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(r) => refusal(r),
    }
}

/// Whether the one event of a canonical body is no JSON at all (`not json`, a body cut short):
/// a body that cannot be read, the documented 400, where an event that is JSON but not a valid
/// event is the 422. The canonical adapter makes both a reject of their line (NDJSON goes on
/// after a bad line), so a one-line body that was not JSON was answered 422 before.
fn unreadable_event(format: &Format, text: &str) -> bool {
    *format == Format::Canonical
        && crate::adapters::canonical::events(text)
            .next()
            .is_some_and(|(_, e)| serde_json::from_str::<serde::de::IgnoredAny>(e).is_err())
}

/// The reason and field when the payload held exactly one record and it was rejected.
fn single_invalid(mapped: &Mapped) -> Option<(String, Option<String>)> {
    let [env] = mapped.envelopes.as_slice() else {
        return None;
    };
    let one = env.records.is_empty() && env.rejects.len() == 1 && mapped.records == 1;
    one.then(|| {
        let r = &env.rejects[0];
        let field = r
            .detail
            .get("field")
            .and_then(|f| f.as_str())
            .map(str::to_string);
        (r.reason.clone(), field)
    })
}

/// The answer when the writers could not commit: 503 with Retry-After while PostgreSQL is
/// down or the queue is full, 500 when the batch failed.
fn refusal(r: Refusal) -> Response {
    match r {
        Refusal::Unavailable => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                &Refusal::Unavailable.to_string(),
                None,
            );
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            r
        }
        e @ Refusal::Failed(_) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), None),
    }
}

/// A signed webhook that cannot be read: its payload is committed as a rejected inbox row with
/// the reason (`replay` maps it once the mapping is fixed), and only then refused with the
/// 400 anyone else gets, which says it was kept. A retry of the same bytes is a duplicate of
/// that row, not a second reject. If it cannot be committed, the 503 asks for the retry.
async fn keep_refused(
    s: &AppState,
    ctx: &Context,
    format: &Format,
    meta: &Meta,
    text: String,
    e: &PayloadError,
) -> Response {
    let env = kept_unreadable(ctx, format, meta, text, e);
    match s.committer.submit(vec![env]).await {
        Ok(ack) => {
            let body = json!({
                "error": e.message,
                "field": e.field,
                "kept": { "batch_id": ack.batch_id, "in": "pos.raw_inbox and pos.reject" },
            });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
        Err(r) => refusal(r),
    }
}

/// The inbox row of an unreadable webhook payload, under its provider's source (so that
/// `replay` maps it with that provider's adapter), with the reason as its reject.
fn kept_unreadable(
    ctx: &Context,
    format: &Format,
    meta: &Meta,
    text: String,
    e: &PayloadError,
) -> crate::envelope::Envelope {
    let source = match format {
        Format::Square => square::SOURCE,
        Format::Clover => clover::SOURCE,
        _ => crate::adapters::shopify::SOURCE,
    };
    let content_type = format!("{}{}", format.content_type(), meta.content_type_params());
    let detail = json!({ "field": e.field, "webhook": meta.event_id });
    unreadable(ctx, source, content_type, text, e.message.clone(), detail)
}

/// Fetches the Square orders a notification named and adds each as its own payload.
///
/// A failure Square may get over (connection, timeout, 408, 429, 5xx) is answered 503 with
/// `Retry-After`, nothing stored, and Square sends the notification again. One that comes back
/// the same at every retry (401 a bad or expired token, 403, 404 an order the token cannot
/// see, e.g. of another merchant) is a reject on the notification, which is kept naming the
/// order, and an order fetched but unreadable (a 200 that is an error object, HTML from a
/// proxy) is kept as its own rejected inbox row. Before s28 both were refused (503, 502) with
/// nothing kept: Square retried the same failure until it gave the notification up, and the
/// sale was lost without a trace.
async fn fetch_orders(s: &AppState, ctx: &Context, mapped: &mut Mapped) -> Result<(), Response> {
    if mapped.fetch_orders.is_empty() {
        return Ok(());
    }
    let reject = |reason: String, detail: serde_json::Value| Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: square::SOURCE.into(),
        event_id: None,
        payload: None,
        reason,
        detail,
    };
    let Some(f) = &s.fetcher else {
        // Kept with a reject: `replay --fetch` fetches its orders once `api_base_url` is set.
        let reason = format!("orders {:?} not fetched: set [square] api_base_url to fetch them, then run `pos-ingest replay --fetch --source square` (or post this notification again: its inbox payload, to /v1/ingest/square)", mapped.fetch_orders);
        let r = reject(reason, json!({ "orders": mapped.fetch_orders }));
        for env in &mut mapped.envelopes {
            env.rejects.push(r.clone());
        }
        return Ok(());
    };
    let mut rejects = Vec::new();
    for id in std::mem::take(&mut mapped.fetch_orders) {
        let body = match f.order(&id).await {
            Ok(body) => body,
            Err(e) if e.transient() => {
                tracing::warn!(order = %id, error = %e, "Square order not fetched: answered 503 for Square to retry");
                s.metrics.fetch_failed("square", "retry");
                let mut r = error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string(), None);
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("5"));
                return Err(r);
            }
            Err(e) => {
                tracing::warn!(order = %id, error = %e, "Square order not fetched: the notification is kept with a reject naming it");
                s.metrics.fetch_failed("square", "kept");
                let reason = format!("{e}; once Square gives the order, run `pos-ingest replay --fetch --source square` (or post this notification again: its inbox payload, to /v1/ingest/square)");
                rejects.push(reject(reason, json!({ "order": id })));
                continue;
            }
        };
        match fetch::order_envelopes(ctx, &s.mappings, &id, body) {
            Ok(envs) => mapped.envelopes.extend(envs),
            Err(kept) => {
                let reason = kept.rejects.first().map(|j| j.reason.as_str());
                tracing::warn!(order = %id, error = reason.unwrap_or_default(), "Square order fetched but unreadable: kept as a rejected inbox row");
                s.metrics.fetch_failed("square", "unreadable");
                mapped.envelopes.push(*kept);
            }
        }
    }
    if let Some(env) = mapped.envelopes.first_mut() {
        env.rejects.extend(rejects);
    }
    Ok(())
}

/// Fetches the Clover orders a notification named, and those of the payments it named (each
/// order once), and adds each as its own payload, mapped for the merchant the notification
/// named. An order or payment not fetched, or an order fetched but unreadable, is a reject: on
/// the notification (kept, naming the order or payment), or on the fetched body (kept for
/// `replay`). Nothing is answered with a 503: Clover does not promise to send it again.
async fn fetch_clover(s: &AppState, ctx: &Context, mapped: &mut Mapped) {
    let orders = std::mem::take(&mut mapped.fetch_clover);
    let payments = std::mem::take(&mut mapped.fetch_clover_payments);
    if orders.is_empty() && payments.is_empty() {
        return;
    }
    let reject = |reason: String, detail: serde_json::Value| Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: clover::SOURCE.into(),
        event_id: None,
        payload: None,
        reason,
        detail,
    };
    let mut rejects = Vec::new();
    match &s.clover_fetcher {
        None => {
            let reason = format!("orders {orders:?} and the orders of payments {payments:?} not fetched: set [clover] base_url (and the merchants' access tokens) to fetch them, then post this notification again");
            rejects.push(reject(
                reason,
                json!({ "orders": orders, "payments": payments }),
            ));
        }
        Some(f) => {
            let (wanted, mut failed) = f.orders_named(orders, payments).await;
            for (merchant, id) in wanted {
                match f.order(&merchant, &id).await {
                    Ok(body) => add_clover_order(s, ctx, mapped, &merchant, &id, body),
                    Err(e) => failed.push(e),
                }
            }
            for e in failed {
                tracing::warn!(error = %e, "Clover object not fetched: the notification is kept with a reject naming it");
                s.metrics.fetch_failed("clover", "kept");
                rejects.push(reject(e.to_string(), e.detail()));
            }
        }
    }
    if let Some(env) = mapped.envelopes.first_mut() {
        env.rejects.extend(rejects);
    }
}

/// That a fetched body is the order asked for (its id at `pointer`). A 200 that maps but is no
/// order (Square's `{}`, an empty `{"elements":[]}` page from a proxy or a wrong base path)
/// mapped to nothing, without a reject: the notification was stored, the sale silently not.
fn answers_for(body: &str, pointer: &str, id: &str) -> Result<(), PayloadError> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let field = pointer.trim_start_matches('/').replace('/', ".");
    match v.pointer(pointer).and_then(serde_json::Value::as_str) {
        Some(got) if got == id => Ok(()),
        got => Err(PayloadError::new(
            Some(&field),
            format!("the answer is not order {id} (its `{field}`: {got:?})"),
        )),
    }
}

/// A fetched Clover order as its own payload: mapped, or kept unreadable with the reason.
fn add_clover_order(
    s: &AppState,
    ctx: &Context,
    mapped: &mut Mapped,
    merchant: &str,
    id: &str,
    body: String,
) {
    let meta = Meta {
        merchant: Some(merchant.to_string()),
        ..Meta::default()
    };
    let m = map(ctx, &s.mappings, &Format::Clover, &body, &meta);
    match m.and_then(|m| answers_for(&body, "/id", id).map(|()| m)) {
        Ok(m) => mapped.envelopes.extend(m.envelopes),
        Err(e) => {
            tracing::warn!(merchant, order = %id, error = %e.message, "Clover order fetched but unreadable: kept as a rejected inbox row");
            s.metrics.fetch_failed("clover", "unreadable");
            mapped.envelopes.push(unreadable(
                ctx,
                clover::SOURCE,
                format!(
                    "{}{}",
                    Format::Clover.content_type(),
                    meta.content_type_params()
                ),
                body,
                format!("order {id} from Clover: {}", e.message),
                json!({ "field": e.field, "merchant": merchant }),
            ))
        }
    }
}
