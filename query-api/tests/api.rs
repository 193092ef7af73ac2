//! Integration tests of pos-query-api against a real cluster (POS_TEST_URL, admin rights).
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5563/pos cargo test -p pos-query-api --test api
mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;

/// Every relation the key can see, from /v1/views.
async fn view_names(s: &Server, key: &str) -> Vec<String> {
    let (st, v) = s.json("/v1/views", key).await;
    assert_eq!(st, 200, "{v}");
    rows(&v)
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn keys_missing_bad_or_revoked_are_401() {
    let (f, s) = (fixture(), server().await);
    let none = s
        .http
        .get(format!("{}/v1/views", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    for key in [
        f.revoked_key.as_str(),
        "pak_0000000000000000000000000000000000000000000000000000000000000000",
        "nonsense",
        "pak_' OR '1'='1",
    ] {
        for path in [
            "/v1/views",
            "/v1/views/txn",
            "/v1/alerts",
            "/v1/alerts/stream",
            "/v1/stores/S1/end-of-day?date=2026-11-01",
        ] {
            let (st, body) = s.json(path, key).await;
            assert_eq!(st, 401, "{path} with {key}: {body}");
            assert_eq!(body["code"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn catalog_serves_tenant_views_and_hides_pii() {
    let (f, s) = (fixture(), server().await);
    let names = view_names(&s, &f.key_a).await;
    for expected in [
        "txn",
        "sale_line",
        "store",
        "store_daily",
        "sales_daily",
        "cashier_daily",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} missing from {names:?}"
        );
    }
    // Not granted to pos_api (PII, raw payloads, the API's own keys): never served.
    for hidden in [
        "customer",
        "raw_inbox",
        "reject",
        "api_key",
        "tenant_access",
    ] {
        assert!(
            !names.contains(&hidden.to_string()),
            "{hidden} must not be served"
        );
        let (st, _) = s.json(&format!("/v1/views/{hidden}"), &f.key_a).await;
        assert_eq!(st, 404, "{hidden}");
    }
    let (_, v) = s.json("/v1/views", &f.key_a).await;
    let daily = rows(&v)
        .iter()
        .find(|r| r["name"] == "store_daily")
        .unwrap();
    assert!(
        daily["description"]
            .as_str()
            .unwrap()
            .contains("End-of-day"),
        "COMMENT carried: {daily}"
    );
    assert!(daily["columns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "business_date" && c["type"] == "date"));
}

#[tokio::test]
async fn tenant_isolation_on_every_endpoint() {
    let (f, s) = (fixture(), server().await);
    for (key, mine, theirs) in [
        (&f.key_a, &f.tenant_a, &f.tenant_b),
        (&f.key_b, &f.tenant_b, &f.tenant_a),
    ] {
        for view in view_names(&s, key).await {
            for accept in ["application/json", "text/csv"] {
                let r = s
                    .http
                    .get(format!("{}/v1/views/{view}?select=tenant_id", s.base))
                    .bearer_auth(key)
                    .header("accept", accept)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{view}: {}", r.status());
                let body = r.text().await.unwrap();
                assert!(
                    !body.contains(theirs.as_str()),
                    "{view} ({accept}) leaked {theirs}: {body}"
                );
            }
            // Asking for the other tenant explicitly, or for everything but mine, yields nothing.
            for q in [
                format!("tenant_id=eq.{theirs}"),
                format!("tenant_id=neq.{mine}"),
                format!("tenant_id=in.({theirs},{mine})&tenant_id=not.eq.{mine}"),
            ] {
                let (st, v) = s.json(&format!("/v1/views/{view}?{q}"), key).await;
                assert_eq!((st, rows(&v).len()), (200, 0), "{view}?{q}: {v}");
            }
        }
        // End of day: the same store id exists in both tenants; each key sees its own numbers.
        let (st, v) = s
            .json(&format!("/v1/stores/S1/end-of-day?date={DATE}"), key)
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["tenant_id"], mine.as_str());
        let expected = if mine == &f.tenant_a { 25 } else { 7 };
        assert_eq!(v["transactions"], expected, "{v}");
        // Alerts: a table other helpers ship; isolated when installed, 404 until then.
        let r = s.get("/v1/alerts", key).await;
        let st = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(st == 200 || st == 404, "/v1/alerts: {st} {body}");
        assert!(
            !body.contains(theirs.as_str()),
            "/v1/alerts leaked {theirs}"
        );
        if st == 200 {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(rows(&v).len(), 1, "{v}");
        }
    }
    // Functions take the tenant from the key: B cannot forecast or reorder A's store S2.
    for (path, ok) in [
        ("/v1/forecast?store=S1&sku=SKU1&horizon=3", f.key_a.as_str()),
        ("/v1/reorder?store=S1", f.key_a.as_str()),
    ] {
        let mine = s.get(path, ok).await.status().as_u16();
        assert!([200, 404].contains(&mine), "{path}: {mine}");
        let theirs = s.get(&path.replace("S1", "S2"), &f.key_b).await;
        let st = theirs.status().as_u16();
        let body = theirs.text().await.unwrap();
        assert!(
            st == 404 || (st == 200 && body == "[]"),
            "{path} for B on A's store: {st} {body}"
        );
        let forced = s
            .get(&format!("{path}&tenant={}", f.tenant_a), &f.key_b)
            .await
            .status()
            .as_u16();
        assert!(
            [400, 404].contains(&forced),
            "{path} with tenant=: {forced}"
        );
    }
    // A store only tenant A has is invisible to B.
    let (st, v) = s
        .json(&format!("/v1/stores/S2/end-of-day?date={DATE}"), &f.key_b)
        .await;
    assert_eq!(st, 404, "{v}");
    let (st, v) = s.json("/v1/views/txn?store_id=eq.S2", &f.key_b).await;
    assert_eq!((st, rows(&v).len()), (200, 0));
}

/// Hostile input in every parameter: path, column, operator, value, select, order, limit, offset,
/// Range, Prefer, Accept, date. Each is refused (4xx) or treated as a plain value (no rows).
#[tokio::test]
async fn injection_attempts_in_every_parameter() {
    let (f, s) = (fixture(), server().await);
    let evil = [
        "'; DROP TABLE pos.store; --",
        "1 OR 1=1",
        "\" OR \"\"=\"",
        "S1' OR tenant_id <> '",
        "$1",
        "); SELECT pg_sleep(5); --",
    ];
    let enc = |x: &str| form_urlencoded::byte_serialize(x.as_bytes()).collect::<String>();
    let mut cases: Vec<(String, Vec<u16>)> = Vec::new();
    for e in evil {
        let x = enc(e);
        cases.push((
            format!("/v1/views/{}", enc(e).replace('+', "%20")),
            vec![404],
        ));
        cases.push((format!("/v1/views/txn?{x}=eq.1"), vec![400]));
        cases.push((format!("/v1/views/txn?store_id={x}.1"), vec![400]));
        cases.push((format!("/v1/views/txn?store_id=eq.{x}"), vec![200]));
        // A list element that starts with `"` is a quoted string and must end the element
        // (`" OR ""="` does not: 400 invalid_list); elsewhere a quote is a character.
        cases.push((
            format!("/v1/views/txn?store_id=in.({x},S1)&select=store_id"),
            vec![if e.starts_with('"') { 400 } else { 200 }],
        ));
        cases.push((format!("/v1/views/txn?net_amount=gt.{x}"), vec![400]));
        cases.push((format!("/v1/views/txn?select={x}"), vec![400]));
        cases.push((format!("/v1/views/txn?order={x}"), vec![400]));
        cases.push((format!("/v1/views/txn?order=net_amount.{x}"), vec![400]));
        cases.push((format!("/v1/views/txn?limit={x}"), vec![400]));
        cases.push((format!("/v1/views/txn?offset={x}"), vec![400]));
        cases.push((
            format!(
                "/v1/stores/{}/end-of-day?date={DATE}",
                enc(e).replace('+', "%20")
            ),
            vec![404],
        ));
        cases.push((format!("/v1/stores/S1/end-of-day?date={x}"), vec![400]));
        cases.push((
            format!("/v1/stores/S1/end-of-day?date={DATE}&{x}=1"),
            vec![400],
        ));
    }
    for (path, ok) in &cases {
        let r = s.get(path, &f.key_a).await;
        let st = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(ok.contains(&st), "{path}: {st} {body}");
        assert!(
            !body.contains(f.tenant_b.as_str()),
            "{path} leaked tenant B"
        );
        if st == 200 && path.contains("/v1/views/") {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(
                rows(&v)
                    .iter()
                    .all(|r| r.get("tenant_id").is_none_or(|t| t == f.tenant_a.as_str())),
                "{path}: {body}"
            );
        }
    }
    for (name, value) in [
        ("range", "0-5; DROP TABLE pos.store"),
        ("range", "-1-5"),
        ("prefer", "count=exact; DROP TABLE x"),
        ("accept", "text/csv'; --"),
    ] {
        let r = s
            .http
            .get(format!("{}/v1/views/txn", s.base))
            .bearer_auth(&f.key_a)
            .header(name, value)
            .send()
            .await
            .unwrap();
        // 406: `text/csv'` is no media type the API produces.
        assert!(
            [200, 400, 406, 416].contains(&r.status().as_u16()),
            "{name}: {value}: {}",
            r.status()
        );
    }
    // Nothing was dropped, nothing slept, and tenant A's data is intact.
    let c = admin().await;
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM pos.store WHERE tenant_id = $1",
            &[&f.tenant_a],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

async fn page(s: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<String>) {
    let r = s.get_with(path, &fixture().key_a, headers).await;
    let st = r.status().as_u16();
    let cr = r
        .headers()
        .get("content-range")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let v: serde_json::Value = r.json().await.unwrap();
    let ids = if v.is_array() {
        rows(&v)
            .iter()
            .map(|r| r["source_txn_id"].as_str().unwrap().to_string())
            .collect()
    } else {
        vec![]
    };
    (st, cr, ids)
}

#[tokio::test]
async fn pagination_and_content_range() {
    let s = server_at(&fixture().service_url, |c| c.max_rows = 20).await;
    let base = "/v1/views/txn?store_id=eq.S1&select=source_txn_id&order=source_txn_id";
    let exact = [("prefer", "count=exact")];
    assert_eq!(
        page(&s, &format!("{base}&limit=10"), &[]).await,
        (
            200,
            "0-9/*".into(),
            (1..=10).map(|i| format!("a{i:03}")).collect()
        )
    );
    let (st, cr, first) = page(&s, &format!("{base}&limit=10"), &exact).await;
    assert_eq!((st, cr.as_str(), first.len()), (206, "0-9/25", 10));
    let (st, cr, second) = page(&s, &format!("{base}&limit=10&offset=10"), &exact).await;
    assert_eq!((st, cr.as_str()), (206, "10-19/25"));
    let (st, cr, third) = page(&s, base, &[("range", "20-29"), ("prefer", "count=exact")]).await;
    assert_eq!((st, cr.as_str(), third.len()), (206, "20-24/25", 5));
    let all: Vec<String> = [first, second, third].concat();
    assert_eq!(all.len(), 25);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        25,
        "pages overlap"
    );
    assert!(all.windows(2).all(|w| w[0] < w[1]), "pages out of order");
    // The server caps the page (max_rows = 20) whatever the client asks for.
    let (st, cr, capped) = page(&s, &format!("{base}&limit=1000"), &exact).await;
    assert_eq!((st, cr.as_str(), capped.len()), (206, "0-19/25", 20));
    // Past the end: 416 with the total.
    let (st, cr, _) = page(&s, &format!("{base}&offset=30"), &exact).await;
    assert_eq!((st, cr.as_str()), (416, "*/25"));
    // ... with a JSON error body, as PostgREST (it was an empty `[]` page with status 416).
    let r = s
        .http
        .get(format!("{}{base}&offset=30", s.base))
        .bearer_auth(&fixture().key_a)
        .header("prefer", "count=exact")
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (st, v["code"].as_str()),
        (416, Some("invalid_range")),
        "{v}"
    );
    // Right at the end: an empty page of a known total, as PostgREST (was 416).
    let (st, cr, ids) = page(&s, &format!("{base}&offset=25"), &exact).await;
    assert_eq!((st, cr.as_str(), ids.len()), (206, "*/25", 0));
    // A huge Range end is capped like any other (the server panicked on the overflow).
    let (st, cr, ids) = page(
        &s,
        base,
        &[
            ("range", "0-9223372036854775807"),
            ("prefer", "count=exact"),
        ],
    )
    .await;
    assert_eq!((st, cr.as_str(), ids.len()), (206, "0-19/25", 20));
    // Whole result in one page: 200 and the full range.
    let (st, cr, _) = page(
        &s,
        "/v1/views/txn?store_id=eq.S2&select=source_txn_id",
        &exact,
    )
    .await;
    assert_eq!((st, cr.as_str()), (200, "0-2/3"));
    // Estimated count is a number (the planner's), not '*'.
    let (_, cr, _) = page(
        &s,
        &format!("{base}&limit=5"),
        &[("prefer", "count=estimated")],
    )
    .await;
    assert!(
        cr.starts_with("0-4/") && cr[4..].parse::<i64>().is_ok(),
        "{cr}"
    );
    // Range and limit together are ambiguous.
    let (st, _) = {
        let r = s
            .http
            .get(format!("{}{base}&limit=5", s.base))
            .bearer_auth(&fixture().key_a)
            .header("range", "0-1")
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(st, 400);
}

#[tokio::test]
async fn csv_output() {
    let (f, s) = (fixture(), server().await);
    let r = s
        .http
        .get(format!(
            "{}/v1/views/txn?store_id=eq.S1&select=source_txn_id,register_id,net_amount&order=source_txn_id&limit=3",
            s.base
        ))
        .bearer_auth(&f.key_a)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(r.headers()["content-range"], "0-2/*");
    let body = r.text().await.unwrap();
    // Quotes and commas escaped per RFC 4180, records end with CRLF; NULL is an empty field.
    assert_eq!(
        body,
        "source_txn_id,register_id,net_amount\r\na001,\"reg,1\"\"x\",1\r\na002,,2\r\na003,R1,3\r\n"
    );
}

/// A CSV page with `Prefer: count=exact` carries its total in its own statement (an extra
/// column the body leaves out), and an empty page asks for it on its own.
#[tokio::test]
async fn csv_pages_carry_the_exact_total() {
    let (f, s) = (fixture(), server().await);
    let get = |q: String| {
        let s = &s;
        async move {
            let r = s
                .http
                .get(format!(
                    "{}/v1/views/txn?store_id=eq.S1&select=source_txn_id&order=source_txn_id{q}",
                    s.base
                ))
                .bearer_auth(&f.key_a)
                .header("accept", "text/csv")
                .header("prefer", "count=exact")
                .send()
                .await
                .unwrap();
            let cr = r.headers()["content-range"].to_str().unwrap().to_string();
            (r.status().as_u16(), cr, r.text().await.unwrap())
        }
    };
    let (st, cr, body) = get("&limit=2".into()).await;
    assert_eq!((st, cr.as_str()), (206, "0-1/25"));
    assert_eq!(body, "source_txn_id\r\na001\r\na002\r\n");
    let (st, cr, body) = get("&offset=24".into()).await;
    assert_eq!(
        (st, cr.as_str(), body.as_str()),
        (206, "24-24/25", "source_txn_id\r\na025\r\n")
    );
    let (st, cr, body) = get("&offset=25".into()).await;
    assert_eq!(
        (st, cr.as_str(), body.as_str()),
        (206, "*/25", "source_txn_id\r\n")
    );
    let (st, cr, _) = get("&offset=30".into()).await;
    assert_eq!((st, cr.as_str()), (416, "*/25"));
}

#[tokio::test]
async fn filters_and_types() {
    let (f, s) = (fixture(), server().await);
    let count = |q: &'static str| {
        let s = &s;
        async move {
            let (st, v) = s
                .json(&format!("/v1/views/txn?select=source_txn_id&{q}"), &f.key_a)
                .await;
            assert_eq!(st, 200, "{q}: {v}");
            rows(&v).len()
        }
    };
    assert_eq!(count("store_id=eq.S1").await, 25);
    assert_eq!(count("store_id=neq.S1").await, 3);
    assert_eq!(count("store_id=eq.S1&net_amount=gt.20").await, 5);
    assert_eq!(
        count("store_id=eq.S1&net_amount=gte.20&net_amount=lte.21").await,
        2
    );
    assert_eq!(count("net_amount=lt.3").await, 2);
    assert_eq!(count("net_amount=in.(1,2,100)").await, 5);
    assert_eq!(count("register_id=is.null").await, 4);
    assert_eq!(count("register_id=not.is.null").await, 24);
    assert_eq!(count("business_date=eq.2026-11-01&store_id=eq.S2").await, 3);
    assert_eq!(count("occurred_at=lt.2026-11-01T09:03:30Z").await, 6);
    let (st, v) = s
        .json(
            "/v1/views/txn?store_id=eq.S1&order=net_amount.desc&limit=1&select=net_amount",
            &f.key_a,
        )
        .await;
    assert_eq!(
        (st, v[0]["net_amount"].as_i64()),
        (200, Some(25)),
        "numbers stay numbers"
    );
    for (q, code) in [
        ("nope=eq.1", "unknown_column"),
        ("store_id=like.S%", "unknown_operator"),
        ("business_date=eq.2026-13-45", "invalid_value"),
    ] {
        let (st, v) = s.json(&format!("/v1/views/txn?{q}"), &f.key_a).await;
        assert_eq!((st, v["code"].as_str()), (400, Some(code)), "{q}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        // PostgreSQL's message comes after the parameter that carried the value.
        if code == "invalid_value" {
            assert!(
                v["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("business_date: "),
                "{v}"
            );
        }
    }
}

#[tokio::test]
async fn sse_delivers_new_alerts_to_their_tenant_only() {
    let (f, s) = (fixture(), server().await);
    let open = |key: &str| {
        s.http
            .get(format!("{}/v1/alerts/stream", s.base))
            .bearer_auth(key)
            .send()
    };
    let (ra, rb) = (open(&f.key_a).await.unwrap(), open(&f.key_b).await.unwrap());
    assert_eq!(ra.status(), 200);
    assert_eq!(ra.headers()["content-type"], "text/event-stream");
    let (mut sa, mut sb) = (ra.bytes_stream(), rb.bytes_stream());
    tokio::time::sleep(Duration::from_millis(300)).await; // the listener is up before we notify
    let c = admin().await;
    let notify = |t: &str, id: i64| {
        format!("SELECT pg_notify('pos_fraud_alert', json_build_object('tenant_id', '{t}', 'alert_id', {id}, 'reason', 'test')::text)")
    };
    c.batch_execute(&notify(&f.tenant_b, 41)).await.unwrap();
    c.batch_execute(&notify(&f.tenant_a, 42)).await.unwrap();
    let got_a = read_event(&mut sa).await;
    assert!(
        got_a.contains("event: alert") && got_a.contains("\"alert_id\" : 42"),
        "{got_a}"
    );
    assert!(got_a.contains("id: 42"), "{got_a}");
    assert!(
        !got_a.contains(f.tenant_b.as_str()),
        "A received B's alert: {got_a}"
    );
    let got_b = read_event(&mut sb).await;
    assert!(
        got_b.contains(f.tenant_b.as_str()) && !got_b.contains(f.tenant_a.as_str()),
        "{got_b}"
    );
}

/// Reads the stream until one `event: alert` block arrived (5 s at most).
async fn read_event(
    s: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
) -> String {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !(buf.contains("event: alert") && buf.contains("\n\n")) {
        match tokio::time::timeout_at(deadline, s.next()).await {
            Ok(Some(Ok(b))) => buf.push_str(&String::from_utf8_lossy(&b)),
            other => panic!(
                "no alert within 5 s (got {buf:?}, {:?})",
                other.map(|o| o.map(|r| r.is_ok()))
            ),
        }
    }
    buf
}

#[tokio::test]
async fn openapi_is_valid_and_lists_every_view() {
    let (f, s) = (fixture(), server().await);
    let r = s
        .http
        .get(format!("{}/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // It is an OpenAPI 3 document that utoipa's own model accepts.
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let _: utoipa::openapi::OpenApi = serde_json::from_str(&text).expect("parses as OpenAPI");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/views",
        "/v1/views/{view}",
        "/v1/alerts",
        "/v1/alerts/stream",
        "/v1/forecast",
        "/v1/reorder",
        "/v1/stores/{store_id}/end-of-day",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    for v in view_names(&s, &f.key_a).await {
        let op = &paths[&format!("/v1/views/{v}")]["get"];
        assert!(op["responses"]["200"].is_object(), "{v}");
        assert!(
            op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "tenant_id"),
            "{v}"
        );
    }
    // Every operation has responses; operation ids are unique; every $ref resolves.
    let mut ids = HashSet::new();
    for (p, item) in paths {
        for (m, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{m} {p}"
            );
            if let Some(id) = op["operationId"].as_str() {
                assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let ptr = r.strip_prefix('#').expect("local ref");
        assert!(doc.pointer(ptr).is_some(), "dangling $ref {r}");
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // The document is public: relations served to no role (PII) are not described in it.
    for hidden in ["customer", "raw_inbox", "reject"] {
        assert!(
            !paths.contains_key(&format!("/v1/views/{hidden}")),
            "{hidden} described in the public OpenAPI document"
        );
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                out.push(r.to_string());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn health_metrics_and_readiness() {
    let (f, s) = (fixture(), server().await);
    assert_eq!(
        s.http
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.http
            .get(format!("{}/readyz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.get("/v1/views/txn?limit=1", &f.key_a).await;
    let m = s.metrics().await;
    assert!(
        m.contains("pos_api_requests_total{route=\"/v1/views/{view}\",status=\"200\"}"),
        "{m}"
    );
    assert!(m.contains("pos_api_request_seconds_bucket{route=\"/v1/views/{view}\",le=\"+Inf\"}"));
    assert!(m.contains("pos_api_pool_connections"));
}

/// Row-level security itself (not only the API's tenant predicate) confines a request: a query
/// without any tenant filter, run the way every request runs, sees one tenant. The next request
/// on the same connection for another tenant and timeout gets its own settings; writes are refused.
#[tokio::test]
async fn requests_run_as_the_key_role_under_row_security() {
    use pos_query_api::{auth::Principal, db};
    let f = fixture();
    let mut cfg = pos_query_api::ServeConfig::with_url(&f.service_url);
    cfg.pool_size = 1;
    let pool = db::make_pool(&cfg).unwrap();
    let probe = || {
        db::Stmt {
        sql: "SELECT current_user::text, current_setting('pos.tenant'), current_setting('statement_timeout'), \
              array(SELECT DISTINCT tenant_id FROM pos.txn)::text[], (SELECT count(*) FROM pos.txn)"
            .into(),
        types: vec![],
        params: vec![],
    }
    };
    for (tenant, timeout, count) in [
        (&f.tenant_a, 1234, 28),
        (&f.tenant_b, 4321, 7),
        (&f.tenant_a, 1234, 28),
    ] {
        let who = Principal {
            tenant: tenant.as_str().into(),
            role: "pos_api".into(),
        };
        let rows = db::tenant_query(&pool, &who, timeout, &[probe()])
            .await
            .unwrap();
        let r = &rows[0][0];
        assert_eq!(r.get::<_, String>(0), "pos_api");
        assert_eq!(&r.get::<_, String>(1), tenant);
        assert_eq!(r.get::<_, String>(2), format!("{timeout}ms"));
        assert_eq!(r.get::<_, Vec<String>>(3), vec![tenant.clone()]);
        assert_eq!(r.get::<_, i64>(4), count);
        // A write is refused: every transaction of the service is read-only.
        let ins = db::Stmt {
            sql: "DELETE FROM pos.txn".into(),
            types: vec![],
            params: vec![],
        };
        let err = db::tenant_query(&pool, &who, timeout, &[ins])
            .await
            .unwrap_err();
        assert!(err.message.contains("read-only"), "{err:?}");
    }
    // The service's own queries run as its login role again, whatever the last key's role was.
    let c = pool.get_as_service().await.unwrap();
    let row = c.query_one("SELECT current_user::text", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "pos_api_test_svc");
}

/// When the settings cannot be applied (here: a role the service may not switch to), the request
/// fails and its statements' results are never read, although PostgreSQL ran them right after
/// under the connection's previous settings; that connection is closed, and the next request gets
/// a fresh one with its own settings.
#[tokio::test]
async fn failed_settings_fail_the_request_and_close_the_connection() {
    use pos_query_api::{auth::Principal, db};
    let f = fixture();
    let mut cfg = pos_query_api::ServeConfig::with_url(&f.service_url);
    cfg.pool_size = 1;
    let pool = db::make_pool(&cfg).unwrap();
    let count = || db::Stmt {
        sql: "SELECT count(*), pg_backend_pid() FROM pos.txn".into(),
        types: vec![],
        params: vec![],
    };
    let a = Principal {
        tenant: f.tenant_a.as_str().into(),
        role: "pos_api".into(),
    };
    let rows = db::tenant_query(&pool, &a, 5000, &[count()]).await.unwrap();
    let pid: i32 = rows[0][0].get(1);
    let stranger = Principal {
        tenant: f.tenant_b.as_str().into(),
        role: "pg_read_all_data".into(),
    };
    let err = db::tenant_query(&pool, &stranger, 5000, &[count()])
        .await
        .unwrap_err();
    assert_eq!(err.status, 403, "{err:?}");
    let b = Principal {
        tenant: f.tenant_b.as_str().into(),
        role: "pos_api".into(),
    };
    let rows = db::tenant_query(&pool, &b, 5000, &[count()]).await.unwrap();
    assert_eq!(rows[0][0].get::<_, i64>(0), 7);
    assert_ne!(
        rows[0][0].get::<_, i32>(1),
        pid,
        "the connection was replaced"
    );
}

/// The API plans each query shape once per connection (plan_cache_mode = force_generic_plan) and
/// reuses that plan for every key: row security must still separate tenants, because the policy's
/// tenant list is computed when the plan runs, not when it is made. One connection, two tenants,
/// alternating, with no tenant predicate in the query.
#[tokio::test]
async fn one_cached_generic_plan_serves_each_tenant_its_own_rows() {
    use pos_query_api::{auth::Principal, db, ServeConfig};
    let f = fixture();
    let mut cfg = ServeConfig::with_url(&f.service_url);
    cfg.pool_size = 1;
    let pool = db::make_pool(&cfg).unwrap();
    let sql = "SELECT coalesce(sum(transactions), 0)::bigint FROM pos.store_daily WHERE store_id = $1::text";
    for round in 0..6 {
        for (tenant, expected) in [(&f.tenant_a, 25), (&f.tenant_b, 7)] {
            let who = Principal {
                tenant: tenant.as_str().into(),
                role: "pos_api".into(),
            };
            let stmt = db::Stmt {
                sql: sql.into(),
                types: vec![tokio_postgres::types::Type::TEXT],
                params: vec![db::Param::Text("S1".into())],
            };
            let rows = db::tenant_query(&pool, &who, 5000, &[stmt]).await.unwrap();
            assert_eq!(
                rows[0][0].get::<_, i64>(0),
                expected,
                "round {round}, {tenant}"
            );
        }
    }
    let c = pool.get().await.unwrap();
    let plans = c
        .query_one(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
            &[&sql],
        )
        .await
        .unwrap();
    assert_eq!(
        (plans.get::<_, i64>(0), plans.get::<_, i64>(1)),
        (12, 0),
        "every execution used the one generic plan"
    );
}

/// Requests of one key share a busy connection (pipelined), and never one set up for another key:
/// one pooled connection, set up for tenant A, then a burst of both tenants' requests all in
/// flight at once (A's first takes the connection; the next As join it, the rest wait for it).
/// Every answer must come from its own tenant's session, a failing statement must fail only its
/// own request, an abandoned request must give its share back, and sharing must actually have
/// happened (and must not with a depth of 1).
#[tokio::test]
async fn concurrent_requests_share_connections_only_within_their_session() {
    use pos_query_api::{auth::Principal, db, ServeConfig};
    let f = fixture();
    let who = |tenant: &str| Principal {
        tenant: tenant.into(),
        role: "pos_api".into(),
    };
    // Other tests add rows to the fixture's tenants: counts are lower bounds.
    let ok = "SELECT count(*), current_setting('pos.tenant'), current_user::text FROM pos.txn";
    let bad = "SELECT 1 / (count(*) - count(*)), '', '' FROM pos.txn";
    let stmt = |sql: &str| db::Stmt {
        sql: sql.into(),
        types: vec![],
        params: vec![],
    };
    let (a, b) = ((&f.tenant_a, 25), (&f.tenant_b, 7));
    let burst = [a, b, a, b, a, a, b, a, b, b, a, b];
    for depth in [4, 1] {
        let mut cfg = ServeConfig::with_url(&f.service_url);
        cfg.pool_size = 1;
        cfg.pipeline_depth = depth;
        let pool = db::make_pool(&cfg).unwrap();
        for round in 0..4 {
            db::tenant_query(&pool, &who(a.0), 5000, &[stmt(ok)])
                .await
                .unwrap();
            let calls = burst.iter().enumerate().map(|(i, &(tenant, expected))| {
                let (pool, who, fails) = (&pool, who(tenant), i % 5 == 2);
                async move {
                    let sql = if fails { bad } else { ok };
                    match (
                        fails,
                        db::tenant_query(pool, &who, 5000, &[stmt(sql)]).await,
                    ) {
                        (true, Err(e)) => assert_eq!(e.status, 400, "{e:?}"),
                        (false, Ok(rows)) => {
                            let r = &rows[0][0];
                            let (n, set, role): (i64, String, String) =
                                (r.get(0), r.get(1), r.get(2));
                            assert_eq!((set.as_str(), role.as_str()), (tenant.as_str(), "pos_api"));
                            assert!(n >= expected, "round {round}, request {i}: {n} rows");
                        }
                        (fails, got) => panic!("round {round}, request {i} ({fails}): {got:?}"),
                    }
                }
            });
            // One more of A, given up (its client went away) while in flight.
            let (gone_who, gone_stmt) = (who(a.0), [stmt(ok)]);
            let gone = tokio::time::timeout(
                std::time::Duration::from_micros(1),
                db::tenant_query(&pool, &gone_who, 5000, &gone_stmt),
            );
            let (_, _) = tokio::join!(futures_util::future::join_all(calls), gone);
        }
        // Every use was counted off, the abandoned ones too: the connection is back in the pool.
        let s = pool.status();
        assert_eq!((s.size, s.available), (1, 1));
        if depth > 1 {
            assert!(pool.joined() > 0, "no request shared a connection");
        } else {
            assert_eq!(pool.joined(), 0);
        }
    }
}

/// A request cancelled mid-query (client gone, a timeout) leaves its connection acting for the
/// key, with the pool no longer sure of the session. The service's own queries (key lookups, the
/// catalog) must still run as the service's login role: `get_as_service` reset the role only when
/// it knew a key's session was set, and ran them as the key's role here.
#[tokio::test]
async fn service_queries_reset_the_role_after_a_cancelled_request() {
    use futures_util::FutureExt;
    use pos_query_api::{auth::Principal, db, ServeConfig};
    let f = fixture();
    let mut cfg = ServeConfig::with_url(&f.service_url);
    cfg.pool_size = 1;
    cfg.pipeline_depth = 1;
    let pool = db::make_pool(&cfg).unwrap();
    let who = Principal {
        tenant: f.tenant_a.as_str().into(),
        role: "pos_api".into(),
    };
    let stmt = || db::Stmt {
        sql: "SELECT current_user::text".into(),
        types: vec![],
        params: vec![],
    };
    let rows = db::tenant_query(&pool, &who, 5000, &[stmt()])
        .await
        .unwrap();
    assert_eq!(rows[0][0].get::<_, String>(0), "pos_api");
    // The same key again, dropped while its query is in flight (polled once, like a request whose
    // client disconnects).
    assert!(db::tenant_query(&pool, &who, 5000, &[stmt()])
        .now_or_never()
        .is_none());
    let c = pool.get_as_service().await.unwrap();
    let row = c.query_one("SELECT current_user::text", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "pos_api_test_svc");
}

/// Every client error is JSON with a code, including those axum answers itself (unknown path,
/// wrong method, an undecodable path segment), and an end-of-day date is `YYYY-MM-DD` only.
#[tokio::test]
async fn client_errors_are_json_with_a_code() {
    let (f, s) = (fixture(), server().await);
    for (method, path, status, code) in [
        ("GET", "/v1/nope", 404, "unknown_path"),
        ("GET", "/v1/views/txn/extra", 404, "unknown_path"),
        ("POST", "/v1/views/txn", 405, "method_not_allowed"),
        ("DELETE", "/v1/alerts", 405, "method_not_allowed"),
        ("GET", "/v1/views/%FF", 400, "invalid_path"),
        (
            "GET",
            "/v1/stores/%FF/end-of-day?date=2026-11-01",
            400,
            "invalid_path",
        ),
        // PostgreSQL read these per DateStyle (MDY here) and answered 200 with Nov 1.
        (
            "GET",
            "/v1/stores/S1/end-of-day?date=11/01/2026",
            400,
            "invalid_date",
        ),
        (
            "GET",
            "/v1/stores/S1/end-of-day?date=20261101",
            400,
            "invalid_date",
        ),
        (
            "GET",
            "/v1/stores/S1/end-of-day?date=2026-11-01&date=x",
            400,
            "duplicate_parameter",
        ),
    ] {
        let r = s
            .http
            .request(method.parse().unwrap(), format!("{}{path}", s.base))
            .bearer_auth(&f.key_a)
            .send()
            .await
            .unwrap();
        let st = r.status().as_u16();
        let body = r.text().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|_| panic!("{method} {path}: {st} not JSON: {body:?}"));
        assert_eq!(
            (st, v["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test]
async fn keys_are_refused_for_roles_row_security_does_not_bind() {
    let f = fixture();
    let (c, conn) = tokio_postgres::connect(&f.admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    c.batch_execute(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pos_api_test_bypass') THEN
             CREATE ROLE pos_api_test_bypass NOLOGIN BYPASSRLS;
           END IF;
         END $$;
         GRANT pos_api TO pos_api_test_bypass;",
    )
    .await
    .unwrap();
    for role in ["pos_api_test_bypass", "postgres"] {
        let e = pos_query_api::migrate::create_key(&c, &f.tenant_a, role, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("row-level security"), "{role}: {e}");
    }
    let ok = pos_query_api::migrate::create_key(&c, &f.tenant_a, "pos_api", None).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn a_stream_ends_soon_after_its_key_is_revoked() {
    let f = fixture();
    let s = server_at(&f.service_url, |cfg| cfg.key_cache_s = 1).await;
    let c = admin().await;
    let (id, key) =
        pos_query_api::migrate::create_key_returning_id(&c, &f.tenant_a, "pos_api", None)
            .await
            .unwrap();
    let r = s
        .http
        .get(format!("{}/v1/alerts/stream", s.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream();
    assert!(pos_query_api::migrate::revoke_key(&c, id).await.unwrap());
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(b))) => buf.push_str(&String::from_utf8_lossy(&b)),
            Ok(None) => break, // the stream ended
            other => panic!(
                "the stream of a revoked key went on: {buf:?} {:?}",
                other.map(|o| o.map(|r| r.is_ok()))
            ),
        }
    }
    assert!(buf.contains("event: revoked"), "{buf}");
}

#[tokio::test]
async fn a_reconnecting_stream_gets_its_tenant_s_missed_alerts_first() {
    let (f, s) = (fixture(), server().await);
    let r = s
        .http
        .get(format!("{}/v1/alerts/stream", s.base))
        .bearer_auth(&f.key_a)
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = read_event(&mut r.bytes_stream()).await;
    assert!(
        got.contains("event: alert") && got.contains(f.tenant_a.as_str()),
        "{got}"
    );
    assert!(
        got.contains("\"level\": \"cashier_day\"") && got.contains("\"score\": 0.9"),
        "the payload a notification carries: {got}"
    );
    assert!(
        !got.contains(f.tenant_b.as_str()),
        "A received B's alert: {got}"
    );
}
