//! HTTP semantics a PostgREST client relies on, from a second red-team pass: content negotiation
//! (`Accept` with weights, 406), `Range` units, `Prefer` as RFC 7240 defines it, parameters given
//! twice, and the behaviours that were found right (HEAD, `*/0`, open ranges, repeated filters).
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5544/pos cargo test -p pos-query-api --test http_semantics
mod common;

use common::*;

const TXN: &str = "/v1/views/txn?store_id=eq.S1&select=source_txn_id&order=source_txn_id";

/// Status, Content-Type, Content-Range and body of a GET with these headers (key A).
async fn get(s: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, String, String, String) {
    let r = s.get_with(path, &fixture().key_a, headers).await;
    let h = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (st, ct, cr) = (r.status().as_u16(), h("content-type"), h("content-range"));
    (st, ct, cr, r.text().await.unwrap())
}

fn code(body: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body:?}"));
    v["code"].as_str().unwrap_or_default().to_string()
}

/// `Accept` is weighed (RFC 9110): `q=0` refuses, the better weight wins, and a request that
/// accepts nothing the endpoint has is a JSON 406. Before, any `text/csv…` range meant CSV
/// (`text/csv;q=0` included) and anything else JSON: `application/xml` or PostgREST's
/// `application/vnd.pgrst.object+json` got a JSON array, and an end-of-day report asked for as
/// CSV came back as JSON with 200.
#[tokio::test]
async fn accept_is_negotiated_and_what_cannot_be_served_is_406() {
    let s = server().await;
    let page = format!("{TXN}&limit=2");
    for (accept, status, ctype) in [
        ("*/*", 200, "application/json"),
        ("application/json; charset=utf-8", 200, "application/json"),
        ("TEXT/CSV", 200, "text/csv"),
        ("text/csv;q=0, application/json", 200, "application/json"),
        ("application/json, text/csv;q=0.5", 200, "application/json"),
        ("application/json;q=0.5, text/csv", 200, "text/csv"),
        ("text/csv;q=0, */*", 200, "application/json"),
        ("application/xml", 406, "application/json"),
        ("application/vnd.pgrst.object+json", 406, "application/json"),
        ("application/json;q=0", 406, "application/json"),
    ] {
        let (st, ct, _, body) = get(&s, &page, &[("accept", accept)]).await;
        assert_eq!(st, status, "{accept}: {body}");
        assert!(ct.starts_with(ctype), "{accept}: {ct}");
        if st == 406 {
            assert_eq!(code(&body), "not_acceptable", "{accept}");
        } else if ctype == "text/csv" {
            assert_eq!(body, "source_txn_id\r\na001\r\na002\r\n", "{accept}");
        }
    }
    // JSON-only endpoints: 406 when JSON is not acceptable, JSON otherwise.
    for path in [
        format!("/v1/stores/S1/end-of-day?date={DATE}"),
        "/v1/views".to_string(),
        "/v1/forecast?store=S1&sku=SKU1&horizon=3".to_string(),
        "/v1/reorder?store=S1".to_string(),
    ] {
        let (st, _, _, body) = get(&s, &path, &[("accept", "text/csv")]).await;
        assert_eq!(
            (st, code(&body).as_str()),
            (406, "not_acceptable"),
            "{path}"
        );
        let (st, ct, _, body) = get(&s, &path, &[("accept", "text/csv, */*;q=0.1")]).await;
        assert!(
            st != 406 && ct.starts_with("application/json"),
            "{path}: {st} {ct} {body}"
        );
    }
}

/// `Range: bytes=…` (a download tool resuming) is not a range of rows: ignored, as RFC 9110
/// requires and PostgREST does. It was a 416 "malformed Range header".
#[tokio::test]
async fn a_range_in_another_unit_is_ignored() {
    let s = server().await;
    let (st, _, cr, body) = get(
        &s,
        TXN,
        &[("range", "bytes=0-1"), ("prefer", "count=exact")],
    )
    .await;
    assert_eq!((st, cr.as_str()), (200, "0-24/25"), "{body}");
    let (st, _, cr, _) = get(
        &s,
        TXN,
        &[("range", "items=2-3"), ("prefer", "count=exact")],
    )
    .await;
    assert_eq!((st, cr.as_str()), (206, "2-3/25"));
}

/// `Prefer` as RFC 7240: the first count preference counts, a quoted value or a parameter is
/// fine, and PostgREST's `count=planned` is the planner's estimate (each was 400, or the last
/// count preference won).
#[tokio::test]
async fn prefer_is_read_as_rfc_7240_defines_it() {
    let s = server().await;
    let page = format!("{TXN}&limit=10");
    for prefer in [
        "count=\"exact\"",
        "count=exact; strict",
        "Count=exact",
        "count=exact, count=bogus",
        "return=representation, count=exact, handling=lenient",
    ] {
        let (st, _, cr, body) = get(&s, &page, &[("prefer", prefer)]).await;
        assert_eq!((st, cr.as_str()), (206, "0-9/25"), "{prefer}: {body}");
    }
    let (st, _, cr, body) = get(&s, &page, &[("prefer", "count=planned")]).await;
    assert!(
        st != 400 && cr.starts_with("0-9/") && cr[4..].parse::<i64>().is_ok(),
        "{st} {cr} {body}"
    );
    // A count we cannot give is ignored (RFC 7240, PostgREST's default); 400 only when asked.
    let (st, _, cr, body) = get(&s, &page, &[("prefer", "count=bogus")]).await;
    assert_eq!((st, cr.as_str()), (200, "0-9/*"), "{body}");
    let (st, _, _, body) = get(&s, &page, &[("prefer", "handling=strict, count=bogus")]).await;
    assert_eq!((st, code(&body).as_str()), (400, "invalid_prefer"));
}

/// select, order, limit and offset once each: `limit=2&limit=20` served 20 rows, `order=a&order=b`
/// ordered by b alone. Filters given twice stay two filters, ANDed (as PostgREST).
#[tokio::test]
async fn shaping_parameters_given_twice_are_400_and_filters_are_anded() {
    let s = server().await;
    for q in [
        "&limit=2&limit=20",
        "&offset=1&offset=2",
        "&order=net_amount.desc",
        "&select=store_id",
    ] {
        let (st, _, _, body) = get(&s, &format!("{TXN}{q}"), &[]).await;
        assert_eq!(
            (st, code(&body).as_str()),
            (400, "duplicate_parameter"),
            "{q}"
        );
    }
    let (st, _, _, body) = get(
        &s,
        "/v1/forecast?store=S1&sku=SKU1&horizon=3&limit=1&limit=2",
        &[],
    )
    .await;
    assert_eq!((st, code(&body).as_str()), (400, "duplicate_parameter"));
    // Two filters on one column: both apply.
    let (st, _, cr, body) = get(
        &s,
        "/v1/views/txn?store_id=eq.S1&store_id=eq.S2&select=source_txn_id",
        &[("prefer", "count=exact")],
    )
    .await;
    assert_eq!((st, cr.as_str(), body.as_str()), (200, "*/0", "[]"));
    let (_, _, cr, _) = get(
        &s,
        "/v1/views/txn?store_id=eq.S1&net_amount=gt.5&net_amount=lte.7&select=source_txn_id",
        &[("prefer", "count=exact")],
    )
    .await;
    assert_eq!(cr, "0-1/2");
}

/// What a demanding client sees and was found right: HEAD is the GET without a body, an open
/// range runs to the end, an empty result is `*/0` (or `*/*` uncounted), a quoted `in.` element
/// keeps its comma while `%2C` is a separator (URL decoding comes first, as in PostgREST), an
/// unencoded `+` of a UTC offset is a space (form encoding) and a 400 with PostgreSQL's message,
/// `%2B` is the offset, and other methods are a JSON 405 with `Allow`.
#[tokio::test]
async fn what_a_postgrest_client_expects_holds() {
    let s = server().await;
    let r = s
        .http
        .head(format!("{}{TXN}&limit=3", s.base))
        .bearer_auth(&fixture().key_a)
        .header("prefer", "count=exact")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "0-2/25");
    assert!(r.text().await.unwrap().is_empty());
    let (st, _, cr, _) = get(&s, TXN, &[("range", "20-"), ("prefer", "count=exact")]).await;
    assert_eq!((st, cr.as_str()), (206, "20-24/25"));
    let (st, _, cr, body) = get(&s, "/v1/views/txn?store_id=eq.nope", &[]).await;
    assert_eq!((st, cr.as_str(), body.as_str()), (200, "*/*", "[]"));
    let (_, _, cr, _) = get(
        &s,
        "/v1/views/txn?select=source_txn_id&register_id=in.(%22reg,1%5C%22x%22,nope)",
        &[("prefer", "count=exact")],
    )
    .await;
    assert_eq!(cr, "0-0/1");
    let (_, _, cr, _) = get(
        &s,
        "/v1/views/txn?select=source_txn_id&source_txn_id=in.(a001%2Ca002)",
        &[("prefer", "count=exact")],
    )
    .await;
    assert_eq!(cr, "0-1/2");
    let (st, _, _, body) = get(
        &s,
        "/v1/views/txn?select=source_txn_id&occurred_at=lt.2026-11-01T10:03:30+01:00",
        &[],
    )
    .await;
    assert_eq!((st, code(&body).as_str()), (400, "invalid_value"), "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["message"].as_str().unwrap().starts_with("occurred_at: "),
        "{body}"
    );
    let (st, _, cr, _) = get(
        &s,
        "/v1/views/txn?store_id=eq.S1&select=source_txn_id&occurred_at=lt.2026-11-01T10:03:30%2B01:00",
        &[("prefer", "count=exact")],
    )
    .await;
    assert_eq!((st, cr.as_str()), (200, "0-2/3"));
    for method in ["OPTIONS", "PUT", "PATCH"] {
        let r = s
            .http
            .request(method.parse().unwrap(), format!("{}{TXN}", s.base))
            .bearer_auth(&fixture().key_a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET, HEAD", "{method}");
        assert_eq!(code(&r.text().await.unwrap()), "method_not_allowed");
    }
    // An end-of-day date PostgreSQL has no year for is ours to refuse, with our code.
    let (st, _, _, body) = get(&s, "/v1/stores/S1/end-of-day?date=0000-01-01", &[]).await;
    assert_eq!((st, code(&body).as_str()), (400, "invalid_date"));
}

/// In-lists quote as PostgREST (only an element starting with `"` is quoted), PostgREST's
/// `is.unknown` works on booleans, a limit past a bigint is capped, and the alert stream refuses
/// filters it would ignore. Before: `in.(a001,a"002")` also returned a002 (the quotes were
/// dropped), `is.unknown` and `limit=99999999999999999999` were 400, and
/// `/v1/alerts/stream?store_id=eq.S2` streamed every store's alerts.
#[tokio::test]
async fn lists_trilean_big_integers_and_stream_parameters() {
    let s = server().await;
    let counted = [("prefer", "count=exact")];
    let (st, _, cr, body) = get(
        &s,
        "/v1/views/txn?select=source_txn_id&source_txn_id=in.(a001,a%22002%22)",
        &counted,
    )
    .await;
    assert_eq!((st, cr.as_str()), (200, "0-0/1"), "{body}");
    let (st, _, unknown, body) = get(
        &s,
        "/v1/views/sale_line?select=source_txn_id&price_override=is.unknown",
        &counted,
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let (_, _, null, _) = get(
        &s,
        "/v1/views/sale_line?select=source_txn_id&price_override=is.null",
        &counted,
    )
    .await;
    assert_eq!(unknown, null);
    let (st, _, cr, body) = get(&s, &format!("{TXN}&limit=99999999999999999999"), &counted).await;
    assert_eq!((st, cr.as_str()), (200, "0-24/25"), "{body}");
    let (st, _, _, body) = get(&s, "/v1/alerts/stream?store_id=eq.S2", &[]).await;
    assert_eq!((st, code(&body).as_str()), (400, "unknown_parameter"));
}

/// A server whose database cannot be reached: for what is answered before a key is looked up.
async fn server_without_db() -> Server {
    server_at("postgresql://nobody@127.0.0.1:1/none", |_| {}).await
}

/// A GET of `target` with `headers` (lines without their end), read raw.
async fn raw_get(s: &Server, target: &str, headers: &[String]) -> (u16, String, String) {
    let mut req = format!("GET {target} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    s.raw(req.as_bytes()).await
}

/// A request target or headers over our limits (`head_limits`) are a JSON 414 or 431 with a
/// code and a hint, counted, before routing and the key. hyper's own limits are far higher:
/// under them such a request went on (here, to the 401 of a missing key).
#[tokio::test]
async fn a_long_target_or_large_headers_are_a_json_414_or_431() {
    let s = server_without_db().await;
    let list = "S1,".repeat(pos_query_api::head_limits::MAX_URI_BYTES / 3);
    let (st, head, body) = raw_get(&s, &format!("/v1/views/txn?store_id=in.({list})"), &[]).await;
    assert_eq!((st, code(&body).as_str()), (414, "uri_too_long"), "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let big: Vec<String> = (0..5)
        .map(|i| format!("x-big-{i}: {}", "v".repeat(8 * 1024)))
        .collect();
    let (st, _, body) = raw_get(&s, "/v1/views/txn", &big).await;
    assert_eq!(
        (st, code(&body).as_str()),
        (431, "headers_too_large"),
        "{body}"
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["hint"].is_string(), "{body}");
    let metrics = s.metrics().await;
    for status in [414, 431] {
        assert!(
            metrics.contains(&format!("status=\"{status}\"}} 1")),
            "{metrics}"
        );
    }
}

/// What hyper answers itself, before any code of ours runs, has no body: hyper 1.x writes the
/// head of its automatic answer with nothing after it and has no hook to change it. Listed in
/// docs/api.md; this test says when that changes.
#[tokio::test]
async fn what_hyper_refuses_itself_is_a_bare_status() {
    let s = server_without_db().await;
    let two_lengths = ["content-length: 0".to_string(), "content-length: 2".into()];
    let (st, _, body) = raw_get(&s, "/v1/views", &two_lengths).await;
    assert_eq!((st, body.as_str()), (400, ""));
    let many: Vec<String> = (0..101).map(|i| format!("x-{i}: 1")).collect();
    let (st, _, body) = raw_get(&s, "/v1/views", &many).await;
    assert_eq!((st, body.as_str()), (431, ""));
    let (st, _, body) = raw_get(&s, &format!("/v1/views?x={}", "a".repeat(70_000)), &[]).await;
    assert_eq!((st, body.as_str()), (414, ""));
}
