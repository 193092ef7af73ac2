//! The materialized path through the API: a request for materialized days reads the path and
//! answers exactly what the view answers; when a refresh has made a requested day live after the
//! API loaded its catalog (a late row outside the refresh window), the guard refuses the path and
//! the request reads the view, with the late row.
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5563/pos cargo test -p pos-query-api --test matpath
mod common;

use common::*;

/// The counter `name` from /metrics.
async fn metric(s: &Server, name: &str) -> i64 {
    s.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

#[tokio::test]
async fn stale_hints_fall_back_to_the_view() {
    let f = fixture();
    // The fixture refreshed every aggregate up to now: DATE is materialized when these start.
    let (fast, plain) = (
        server().await,
        server_at(&f.service_url, |c| c.materialized_paths = false).await,
    );
    let view = format!("/v1/views/store_daily?store_id=eq.S2&business_date=eq.{DATE}");
    let eod = format!("/v1/stores/S2/end-of-day?date={DATE}");
    let both = |path: String| {
        let (fast, plain) = (&fast, &plain);
        async move {
            let (a, b) = (
                fast.json(&path, &f.key_a).await,
                plain.json(&path, &f.key_a).await,
            );
            assert_eq!(a.0, 200, "{path}: {}", a.1);
            assert_eq!(a, b, "{path}: the path and the view differ");
            a.1
        }
    };
    let before = both(view.clone()).await;
    assert_eq!(before[0]["transactions"], 3);
    assert_eq!(both(eod.clone()).await["transactions"], 3);
    assert_eq!(metric(&fast, "pos_api_materialized_path_total").await, 2);
    assert_eq!(metric(&plain, "pos_api_materialized_path_total").await, 0);

    // A late sale for DATE, and a refresh whose window leaves DATE out: the view now aggregates
    // DATE live (with the late sale), while the API's catalog still says it is materialized.
    let c = admin().await;
    c.batch_execute(&format!(
        "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount, gross_amount)
         VALUES ('{}', 'S2', 'csv', 'late-1', timestamptz '{DATE} 18:00+00', '{DATE}', 'EUR', 100, 100)",
        f.tenant_a
    ))
    .await
    .unwrap();
    for r in c
        .query("SELECT view_name::text FROM pos.continuous_aggregate", &[])
        .await
        .unwrap()
    {
        let v: String = r.get(0);
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{v}', timestamptz '{DATE}' + interval '5 days', timestamptz '{DATE}' + interval '10 days')"
        ))
        .await
        .unwrap();
    }
    let refused = metric(&fast, "pos_api_materialized_path_refused_total").await;
    let after = both(view).await;
    assert_eq!(
        after[0]["transactions"], 4,
        "the late sale is live in the view"
    );
    assert_eq!(both(eod).await["transactions"], 4);
    assert!(metric(&fast, "pos_api_materialized_path_refused_total").await > refused);
}
