//! The HTTP layer itself, without a database: what a request gets before (or instead of)
//! reaching the committer. Routes, methods, body limits, encodings, path segments, secrets
//! configured empty, idle connections. The committer's database cannot be reached, so a request
//! that passes every check is answered by it: 503 with `Retry-After`.

use super::*;
use crate::serve::group::{Committer, GroupConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: usize = 1024;

/// A service on `cfg` whose database cannot be reached (also the Clover hook's tests').
pub(super) fn state(cfg: Config) -> Shared {
    let metrics = Arc::new(Metrics::default());
    let group = GroupConfig {
        url: "postgresql://nobody@127.0.0.1:1/none".into(),
        writers: 1,
        linger: Duration::from_millis(1),
        max_batch_lines: 10,
        queue: 4,
        queue_bytes: 1 << 20,
    };
    let ctx = Context::from_config(&cfg).unwrap();
    Arc::new(AppState {
        tokens: tokens::Tokens::new(&cfg.serve.tokens, &ctx).unwrap(),
        ctx,
        mappings: Default::default(),
        committer: Committer::start(group, metrics.clone()).unwrap(),
        metrics,
        cfg,
        fetcher: None,
        clover_fetcher: None,
    })
}

/// The service on a free local port, as `run` serves it (the bounded listener, with an idle
/// timeout of 300 ms), with `max_body_bytes` = [`LIMIT`].
async fn serve(mut cfg: Config) -> (std::net::SocketAddr, Shared) {
    cfg.serve.max_body_bytes = LIMIT;
    let s = state(cfg);
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let l = listener::Limited::new(tcp, 16, Duration::from_millis(300), s.metrics.clone());
    let app = router(s.clone());
    tokio::spawn(async move { axum::serve(l, app).await });
    (addr, s)
}

struct Answer {
    status: u16,
    head: String,
    body: serde_json::Value,
}

/// Sends one request (`connection: close`) and reads the answer to its end.
async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(body).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut out))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head[9..12].parse().unwrap();
    let body = serde_json::from_str(body).unwrap_or(serde_json::Value::String(body.into()));
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        body,
    }
}

fn is_json_error(a: &Answer) -> bool {
    a.head.contains("content-type: application/json") && a.body["error"].is_string()
}

#[tokio::test]
async fn unknown_routes_and_methods_are_answered_in_json() {
    let (addr, _) = serve(Config::default()).await;
    let a = send(addr, "POST", "/v1/nope", &[], b"{}").await;
    assert_eq!(a.status, 404);
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    let a = send(addr, "GET", "/v1/events", &[], b"").await;
    assert_eq!(a.status, 405);
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    assert!(a.head.contains("allow: post"), "{}", a.head);
    let a = send(addr, "DELETE", "/metrics", &[], b"").await;
    assert_eq!(a.status, 405);
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    // A format segment that is not UTF-8 once decoded, and one that names no format.
    let a = send(addr, "POST", "/v1/ingest/%FF", &[], b"{}").await;
    assert_eq!(a.status, 400);
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    let a = send(addr, "POST", "/v1/ingest/xml?x=1", &[], b"{}").await;
    assert_eq!((a.status, a.body["field"].as_str()), (404, Some("format")));
    let a = send(addr, "POST", "/v1/ingest/csv:nope", &[], b"a,b\n").await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("mapping")),
        "{}",
        a.body
    );
}

/// An empty body is a 400 (a client bug) and `[]` a 200 that writes nothing: both used to
/// reach the database, for a `stored: 0` answer and an audit row each. The committer here
/// cannot reach its database, so anything that got to it would be a 503.
#[tokio::test]
async fn empty_bodies_reach_no_database() {
    let (addr, _) = serve(Config::default()).await;
    for body in [&b""[..], b"\n", b"  \r\n "] {
        let a = send(addr, "POST", "/v1/events", &[], body).await;
        assert_eq!(a.status, 400, "{body:?}: {}", a.body);
        assert!(is_json_error(&a), "{} {}", a.head, a.body);
    }
    let a = send(addr, "POST", "/v1/ingest/canonical", &[], b"").await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = send(addr, "POST", "/v1/events", &[], b"[]").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.body["stored"].as_i64(), a.body["batch_id"].is_null()),
        (Some(0), true),
        "{}",
        a.body
    );
}

/// A one-event body that is not JSON (or is cut short) cannot be read: 400, as documented,
/// where it was a 422; JSON that is no valid event stays the 422 naming its field. Neither
/// reaches the committer (its 503).
#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_and_an_invalid_event_a_422() {
    let (addr, _) = serve(Config::default()).await;
    for (path, body) in [
        ("/v1/events", "not json"),
        ("/v1/events", "{\"schema_version\":1,"),
        ("/v1/ingest/canonical", "[1,"),
    ] {
        let a = send(addr, "POST", path, &[], body.as_bytes()).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(is_json_error(&a), "{} {}", a.head, a.body);
        assert!(
            a.body["error"].as_str().unwrap().contains("not JSON"),
            "{}",
            a.body
        );
    }
    for (body, field) in [("{\"schema_version\":1}", Some("type")), ("42", None)] {
        let a = send(addr, "POST", "/v1/events", &[], body.as_bytes()).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, field),
            "{body}: {}",
            a.body
        );
    }
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_a_json_413_and_counted() {
    let (addr, s) = serve(Config::default()).await;
    let body = vec![b' '; LIMIT + 1];
    let a = send(addr, "POST", "/v1/events", &[], &body).await;
    assert_eq!(a.status, 413);
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    assert!(
        a.body["error"].as_str().unwrap().contains("max_body_bytes"),
        "{}",
        a.body
    );
    let metrics = s.metrics.render();
    assert!(
        metrics.contains("pos_ingest_http_responses_total{route=\"events\",code=\"413\"} 1"),
        "{metrics}"
    );
}

/// A request target or headers over our limits (`head_limits`) are a JSON 414 or 431, counted,
/// before routing or tokens: hyper's own limits are far higher, and under them such a request
/// went on to the route (here: the 400 of an empty body).
#[tokio::test]
async fn a_long_target_or_large_headers_are_a_json_414_or_431() {
    let (addr, s) = serve(with_tokens()).await;
    let long = format!("/v1/events?x={}", "a".repeat(head_limits::MAX_URI_BYTES));
    let a = send(addr, "POST", &long, &[], b"").await;
    assert_eq!((a.status, a.body["field"].as_str()), (414, Some("uri")));
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    let big = "v".repeat(8 * 1024);
    let headers: Vec<(String, &str)> = (0..5).map(|i| (format!("x-big-{i}"), &big[..])).collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (&k[..], *v)).collect();
    let a = send(addr, "POST", "/v1/events", &headers, b"").await;
    assert_eq!((a.status, a.body["field"].as_str()), (431, Some("headers")));
    assert!(is_json_error(&a), "{} {}", a.head, a.body);
    let metrics = s.metrics.render();
    for code in [414, 431] {
        assert!(
            metrics.contains(&format!(
                "pos_ingest_http_responses_total{{route=\"events\",code=\"{code}\"}} 1"
            )),
            "{metrics}"
        );
    }
}

/// What hyper answers itself, before any code of ours runs, has no body: hyper 1.x writes the
/// head of its automatic answer with nothing after it and has no hook to change it. Listed in
/// docs/ingest.md; this test says when that changes.
#[tokio::test]
async fn what_hyper_refuses_itself_is_a_bare_status() {
    let (addr, _) = serve(Config::default()).await;
    // Two Content-Lengths that differ (`send` writes one for the empty body).
    let a = send(addr, "POST", "/v1/events", &[("content-length", "2")], b"").await;
    assert_eq!((a.status, a.body.as_str()), (400, Some("")), "{}", a.head);
    // More than hyper's 100 headers, and a target over its 65 534 bytes.
    let headers: Vec<String> = (0..101).map(|i| format!("x-{i}")).collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|k| (&k[..], "1")).collect();
    let a = send(addr, "POST", "/v1/events", &headers, b"").await;
    assert_eq!((a.status, a.body.as_str()), (431, Some("")), "{}", a.head);
    let long = format!("/v1/events?x={}", "a".repeat(70_000));
    let a = send(addr, "POST", &long, &[], b"").await;
    assert_eq!((a.status, a.body.as_str()), (414, Some("")), "{}", a.head);
}

/// A sender that asks with `Expect: 100-continue` for a body over the limit is refused at
/// once with the JSON 413, not told to go ahead (`100 Continue`) and refused after uploading.
#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_100_continue() {
    let (addr, s) = serve(Config::default()).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: {}\r\n\r\n",
        LIMIT + 1
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("}") {
        let n = tokio::time::timeout(Duration::from_secs(3), c.read(&mut buf))
            .await
            .expect("an answer without sending the body")
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("max_body_bytes"), "{text}");
    let metrics = s.metrics.render();
    assert!(
        metrics.contains("route=\"events\",code=\"413\"} 1"),
        "counted once: {metrics}"
    );
}

/// A compressed body is refused before anything reads it: decoded as text it would be
/// "not UTF-8" (or, on a webhook route, kept as an unreadable payload).
#[tokio::test]
async fn a_compressed_body_is_a_415_naming_content_encoding() {
    let mut cfg = Config::default();
    cfg.shopify.secret = Some("s3cret".into());
    let (addr, s) = serve(cfg).await;
    let gz =
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00\x43\xbf\xa6\xa3\x02\x00\x00\x00";
    let a = send(
        addr,
        "POST",
        "/v1/events",
        &[("content-encoding", "gzip")],
        gz,
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (415, Some("Content-Encoding")),
        "{}",
        a.body
    );
    let sig = signature::shopify_sign("s3cret", gz);
    let h = [
        ("content-encoding", "GZIP"),
        ("x-shopify-hmac-sha256", sig.as_str()),
    ];
    let a = send(addr, "POST", "/v1/webhooks/shopify", &h, gz).await;
    assert_eq!(a.status, 415, "{}", a.body);
    // `identity` is no encoding.
    let a = send(
        addr,
        "POST",
        "/v1/events",
        &[("content-encoding", "identity")],
        b"",
    )
    .await;
    assert_ne!(a.status, 415, "{}", a.body);
    let metrics = s.metrics.render();
    assert!(
        metrics.contains("route=\"shopify\",code=\"415\"} 1"),
        "{metrics}"
    );
}

/// A multipart upload (`curl -F file=@day.ndjson`) is a 415 naming Content-Type: before, its
/// boundary and part headers were stored as rejects beside the events, answered 200 (here the
/// committer's 503). A JSON Content-Type with parameters, or none, is read as before.
#[tokio::test]
async fn a_multipart_upload_is_a_415_naming_content_type() {
    let (addr, _) = serve(Config::default()).await;
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"day.ndjson\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{EVENT}\n\r\n--XyZ--\r\n"
    );
    for ct in [
        "multipart/form-data; boundary=XyZ",
        "Multipart/Mixed; boundary=XyZ",
    ] {
        let a = send(
            addr,
            "POST",
            "/v1/events",
            &[("content-type", ct)],
            body.as_bytes(),
        )
        .await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (415, Some("Content-Type")),
            "{ct}: {}",
            a.body
        );
    }
    for ct in ["application/json; charset=utf-8", "application/x-ndjson"] {
        let a = send(
            addr,
            "POST",
            "/v1/events",
            &[("content-type", ct)],
            EVENT.as_bytes(),
        )
        .await;
        assert_eq!(
            a.status, 503,
            "{ct}: past the checks, to the committer: {}",
            a.body
        );
    }
}

/// A secret set to the empty string (an empty environment variable, say) is no secret: anyone
/// can compute an HMAC with the empty key. Such a route is not configured and says so.
#[tokio::test]
async fn webhook_secrets_configured_empty_fail_closed() {
    let mut cfg = Config::default();
    cfg.shopify.secret = Some(String::new());
    cfg.square.signature_key = Some(" ".into());
    cfg.square.notification_url = Some("https://x.example/hook".into());
    cfg.toast.webhook_secret = Some(String::new());
    let (addr, s) = serve(cfg).await;
    let body = br#"{"id":1,"timestamp":"2024-03-28T15:11:01.050Z"}"#;
    let shopify = signature::shopify_sign("", body);
    let a = send(
        addr,
        "POST",
        "/v1/webhooks/shopify",
        &[("x-shopify-hmac-sha256", &shopify)],
        body,
    )
    .await;
    assert_eq!(a.status, 503);
    assert!(
        !a.head.contains("retry-after"),
        "not the committer's 503: {}",
        a.body
    );
    assert!(
        a.body["error"].as_str().unwrap().contains("not configured"),
        "{}",
        a.body
    );
    let square = signature::square_sign(" ", "https://x.example/hook", body);
    let a = send(
        addr,
        "POST",
        "/v1/webhooks/square",
        &[("x-square-hmacsha256-signature", &square)],
        body,
    )
    .await;
    assert_eq!(
        (a.status, a.head.contains("retry-after")),
        (503, false),
        "{}",
        a.body
    );
    let toast = signature::toast_sign("", body, "2024-03-28T15:11:01.050Z");
    let a = send(
        addr,
        "POST",
        "/v1/webhooks/toast",
        &[("toast-signature", &toast)],
        body,
    )
    .await;
    assert_eq!(
        (a.status, a.head.contains("retry-after")),
        (503, false),
        "{}",
        a.body
    );
    let metrics = s.metrics.render();
    for route in ["shopify", "square", "toast"] {
        assert!(
            metrics.contains(&format!("route=\"{route}\",code=\"503\"}} 1")),
            "{route}: {metrics}"
        );
    }
}

/// A connection that sends nothing (half a request head, or nothing after its last answer) is
/// closed after the idle timeout instead of holding one of `max_connections` for ever.
#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let (addr, _) = serve(Config::default()).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"POST /v1/events HTTP/1.1\r\nhost: t\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), c.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "still open after 3 s");
}

/// A config whose tokens are `tok-a` for tenant A and `relay` for any tenant.
fn with_tokens() -> Config {
    let digest = |t: &str| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(t));
    let mut cfg = Config::default();
    cfg.serve.tokens.insert(digest("tok-a"), "A".into());
    cfg.serve.tokens.insert(digest("relay"), "*".into());
    cfg
}

const EVENT: &str = r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"test","txn_id":"1","occurred_at":"2026-11-02T10:00:00Z","currency":"USD","lines":[{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"1.00"}]}"#;

/// `EVENT` naming tenant B.
fn event_for_b() -> String {
    EVENT.replacen(r#""store_id""#, r#""tenant_id":"B","store_id""#, 1)
}

/// With tokens configured, the data routes refuse a request without one, or with one not
/// configured, before reading its body: a JSON 401 naming `Authorization`, counted.
#[tokio::test]
async fn with_tokens_the_data_routes_refuse_senders_without_a_known_one() {
    let (addr, s) = serve(with_tokens()).await;
    for (path, auth) in [
        ("/v1/events", None),
        ("/v1/events", Some("Bearer tok-b")),
        ("/v1/events", Some("Basic dG9rLWE=")),
        ("/v1/ingest/canonical", None),
        ("/v1/ingest/nope", Some("Bearer nope")),
    ] {
        let h: Vec<_> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let a = send(addr, "POST", path, &h, EVENT.as_bytes()).await;
        assert_eq!(a.status, 401, "{path} {auth:?}: {}", a.body);
        assert!(is_json_error(&a), "{} {}", a.head, a.body);
        assert_eq!(a.body["field"], "Authorization");
        assert!(a.head.contains("www-authenticate: bearer"), "{}", a.head);
    }
    let metrics = s.metrics.render();
    for (route, n) in [("events", 3), ("ingest", 2)] {
        let line = format!("pos_ingest_http_responses_total{{route=\"{route}\",code=\"401\"}} {n}");
        assert!(metrics.contains(&line), "{metrics}");
    }
    // A method the route does not take is still a 405, token or not.
    assert_eq!(send(addr, "GET", "/v1/events", &[], b"").await.status, 405);
}

/// A token bound to A refuses one event naming B with a 422 naming `tenant_id` (nothing is
/// stored: the committer, whose database is unreachable, is never asked). The same event
/// without `tenant_id`, or naming B with a `"*"` token, reaches the committer (its 503).
#[tokio::test]
async fn a_token_bound_to_a_tenant_refuses_an_event_naming_another() {
    let (addr, _) = serve(with_tokens()).await;
    let b = event_for_b();
    for (path, auth) in [
        ("/v1/events", "bearer tok-a"),
        ("/v1/ingest/canonical", "BEARER tok-a"),
    ] {
        let a = send(addr, "POST", path, &[("authorization", auth)], b.as_bytes()).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some("tenant_id")),
            "{}",
            a.body
        );
        assert!(a.body["kept"].is_null(), "nothing kept: {}", a.body);
    }
    for (body, auth) in [(EVENT, "Bearer tok-a"), (b.as_str(), "Bearer relay")] {
        let a = send(
            addr,
            "POST",
            "/v1/events",
            &[("authorization", auth)],
            body.as_bytes(),
        )
        .await;
        let committer = (a.status, a.head.contains("retry-after"));
        assert_eq!(
            committer,
            (503, true),
            "past the token and the checks: {}",
            a.body
        );
    }
}

/// Without tokens the data routes take any sender, as before; with them the signed webhook
/// routes still answer by their signature alone.
#[tokio::test]
async fn tokens_leave_open_routes_open_without_them_and_webhooks_signed() {
    let (addr, _) = serve(Config::default()).await;
    let a = send(addr, "POST", "/v1/events", &[], event_for_b().as_bytes()).await;
    assert_eq!(a.status, 503, "{}", a.body);
    let mut cfg = with_tokens();
    cfg.shopify.secret = Some("s3cret".into());
    let (addr, _) = serve(cfg).await;
    let body = br#"{"id":1}"#;
    let sig = signature::shopify_sign("s3cret", body);
    let h = [("x-shopify-hmac-sha256", sig.as_str())];
    let a = send(addr, "POST", "/v1/webhooks/shopify", &h, body).await;
    assert_ne!(a.status, 401, "{}", a.body);
}
