//! The alert stream against a real cluster (POS_TEST_URL, admin rights): an open stream catches
//! up on what was raised while the service's LISTEN connection was down.
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5563/pos cargo test -p pos-query-api --test alerts
mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;

type Body = std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>>>>;

/// Opens `/v1/alerts/stream` with `key`.
async fn open(s: &Server, key: &str) -> Body {
    let r = s.get("/v1/alerts/stream", key).await;
    assert_eq!(r.status(), 200);
    Box::pin(r.bytes_stream())
}

/// Reads the stream until an event with `id: <until>` has arrived (10 s at most); returns all
/// that was read.
async fn read_until(body: &mut Body, until: i64) -> String {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let end = format!("id: {until}\n");
    while !buf.contains(&end) {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(b))) => buf.push_str(&String::from_utf8_lossy(&b)),
            other => panic!(
                "no alert {until} within 10 s (got {buf:?}, {:?})",
                other.map(|o| o.map(|r| r.is_ok()))
            ),
        }
    }
    buf
}

/// Waits until the server's LISTEN connection (the one with `app` as application_name) is up.
async fn listener_up(c: &tokio_postgres::Client, app: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'",
                &[&app],
            )
            .await
            .unwrap()
            .get(0);
        if n == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no LISTEN connection"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Inserts one alert for `tenant` (a plain insert sends no NOTIFY) and returns its id.
async fn insert_alert(c: &tokio_postgres::Client, tenant: &str, cashier: &str) -> i64 {
    c.query_one(
        "INSERT INTO pos.fraud_alert (tenant_id, store_id, level, cashier_id, business_date, score, reasons)
         VALUES ($1, 'S1', 'cashier_day', $2, '2026-11-02', 0.95, '[]') RETURNING alert_id",
        &[&tenant, &cashier],
    )
    .await
    .expect("insert an alert (is the fraud module installed?)")
    .get(0)
}

/// Streams left open while the LISTEN connection is killed get, once it is back, the alerts of
/// their own tenant raised meanwhile, once each, then the live ones.
#[tokio::test]
async fn open_streams_catch_up_on_alerts_raised_while_listen_was_down() {
    let f = fixture();
    // Only this server's listener carries this name (the pool names its connections itself).
    let app = format!("pos_api_test_sse_{}", std::process::id());
    let url = format!("{}?application_name={app}", f.service_url);
    let s = server_at(&url, |_| {}).await;
    let c = admin().await;
    let (mut sa, mut sb) = (open(&s, &f.key_a).await, open(&s, &f.key_b).await);
    listener_up(&c, &app).await;

    // The listener goes down; alerts are raised before it is back (250 ms later at the
    // earliest), so no notification of them reaches it.
    c.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        &[&app],
    )
    .await
    .unwrap();
    let a = insert_alert(&c, &f.tenant_a, "C-down").await;
    let b = insert_alert(&c, &f.tenant_b, "C-down").await;
    let got_a = read_until(&mut sa, a).await;
    assert!(got_a.contains(&format!("\"alert_id\": {a}")), "{got_a}");
    let got_b = read_until(&mut sb, b).await;
    let b_id = format!("id: {b}\n");
    for (got, theirs) in [
        (&got_a, &f.tenant_b),
        (&got_a, &b_id),
        (&got_b, &f.tenant_a),
    ] {
        assert!(
            !got.contains(theirs.as_str()),
            "another tenant's alert: {got}"
        );
    }

    // Back live: a late notification of the alert already sent is skipped, a new one is sent.
    listener_up(&c, &app).await;
    let next = insert_alert(&c, &f.tenant_a, "C-up").await;
    for id in [a, next] {
        c.execute(
            "SELECT pg_notify('pos_fraud_alert', json_build_object('tenant_id', $1::text, 'alert_id', $2::bigint)::text)",
            &[&f.tenant_a, &id],
        )
        .await
        .unwrap();
    }
    let rest = got_a + &read_until(&mut sa, next).await;
    assert_eq!(rest.matches(&format!("id: {a}\n")).count(), 1, "{rest}");
    assert_eq!(rest.matches("event: alert\n").count(), 2, "{rest}");
}
