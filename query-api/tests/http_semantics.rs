//! HTTP semantics a PostgREST client relies on, from a second red-team pass: content negotiation
//! (`Accept` with weights, 406).
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5544/pos cargo test -p pos-query-api --test http_semantics
mod common;

use common::*;

const TXN: &str = "/v1/views/txn?store_id=eq.S1&select=source_txn_id&order=source_txn_id";

/// Status, Content-Type, Content-Range and body of a GET with these headers (key A).
async fn get(s: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, String, String, String) {
    let mut rq = s
        .http
        .get(format!("{}{path}", s.base))
        .bearer_auth(&fixture().key_a);
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    let r = rq.send().await.unwrap();
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
            assert_eq!(body, "source_txn_id\na001\na002\n", "{accept}");
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
