//! Materialized paths (pos.cagg_view_path): wherever pos.cagg_require_materialized lets a query
//! through, the path returns exactly the rows of the real-time relation: below the watermark,
//! after late rows made a materialized day stale (the view shows the stale value until a
//! refresh, and so must the path), after a refresh left a late day live, after an aggregate was
//! re-created, and for materialized-only views. Across and above the watermark the guard refuses.
use pos_e2e::{connect, connect_as, fresh_db};

const DB: &str = "e2e_matpath";
/// What the guard says when it refuses.
const STALE: &str = "PCA01";

/// Four days of trading per store, from `first` on, every 97 minutes, in all four fact tables.
fn trade(c: &mut postgres::Client, tag: &str, first: &str, hours: i32) {
    c.batch_execute(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS ev (store_id text, tz text, g int, t timestamptz);
         TRUNCATE ev;
         INSERT INTO ev SELECT s.store_id, s.timezone, g, timestamptz '{first}' + g * interval '97 minutes'
           FROM pos.store s, generate_series(0, {hours} * 60 / 97) g;
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency,
                              gross_amount, discount_amount, net_amount, tax_amount)
         SELECT 't1', store_id, 'pos', '{tag}' || store_id || g, t, (t AT TIME ZONE tz)::date, 'c' || g % 3,
                CASE WHEN g % 7 = 0 THEN 'post_voided' ELSE 'completed' END, 'EUR', 10 + g, g % 2, 10 + g - g % 2, 1 FROM ev;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, txn_status, kind,
                                    sku, raw_item_id, quantity, unit_price, net_amount, currency, cashier_id)
         SELECT 't1', store_id, 'pos', '{tag}' || store_id || g, 1, t, (t AT TIME ZONE tz)::date, CASE WHEN g % 7 = 0 THEN 'post_voided' ELSE 'completed' END,
                k, 'sku' || g % 4, 'r', q, 2.5, 2.5 * q, 'EUR', 'c' || g % 3
           FROM ev, LATERAL (SELECT CASE WHEN g % 5 = 0 THEN 'return' ELSE 'sale' END AS k) kk,
                LATERAL (SELECT CASE WHEN k = 'return' THEN -1 ELSE 1 END * (1 + g % 3) AS q) qq;
         INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
         SELECT 't1', store_id, 'pos', '{tag}' || store_id || g, 1, t, (t AT TIME ZONE tz)::date, CASE WHEN g % 2 = 0 THEN 'cash' ELSE 'card' END,
                11 + g, 'EUR', 'approved' FROM ev;
         INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, amount, currency)
         SELECT 't1', store_id, 'pos', '{tag}' || store_id || g, t, (t AT TIME ZONE tz)::date, 'c' || g % 3, 'no_sale', 0, 'EUR' FROM ev WHERE g % 4 = 0;"
    ))
    .unwrap();
}

fn refresh_all(c: &mut postgres::Client, from: &str, to: &str) {
    let caggs: Vec<String> = c
        .query(
            "SELECT view_name::text FROM pos.continuous_aggregate ORDER BY cagg_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for v in caggs {
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{v}', {from}, {to})"
        ))
        .unwrap();
    }
}

/// (relation, its path, bucket column, the bucket column's type) of every registered path.
fn paths(c: &mut postgres::Client) -> Vec<(String, String, String, String)> {
    c.query(
        "SELECT pos._qualified_name(p.view_name), pos._qualified_name(p.materialized), p.bucket_column::text, format_type(a.atttypid, NULL)
           FROM pos.cagg_view_path p JOIN pg_attribute a ON a.attrelid = p.view_name AND a.attname = p.bucket_column
          ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

/// Rows of `view` with buckets in [lo, hi] (dates; midnight UTC for time buckets), read through
/// the path under its guard and from the view: `Some(rows that differ)`, or `None` if the guard
/// refused. Also checks that the range has rows, so that equality means something.
fn compare(c: &mut postgres::Client, view: &str, lo: &str, hi: &str) -> Option<i64> {
    let (_, path, col, ty) = paths(c).into_iter().find(|p| p.0 == view).expect("a path");
    let (lo, hi) = match ty.as_str() {
        "date" => (format!("'{lo}'::date"), format!("'{hi}'::date")),
        _ => (
            format!("'{lo} 00:00+00'::timestamptz"),
            format!("'{hi} 23:59:59+00'::timestamptz"),
        ),
    };
    let cond = format!("{col} BETWEEN {lo} AND {hi}");
    let fast = format!(
        "SELECT * FROM {path} WHERE {cond} AND pos.cagg_require_materialized('{view}', {lo}, {hi})"
    );
    let slow = format!("SELECT * FROM {view} WHERE {cond}");
    match c.query_one(
        &format!("SELECT count(*) FROM (({fast} EXCEPT ALL {slow}) UNION ALL ({slow} EXCEPT ALL {fast})) d"),
        &[],
    ) {
        Ok(r) => {
            let n: i64 = c.query_one(&format!("SELECT count(*) FROM ({slow}) s"), &[]).unwrap().get(0);
            assert!(n > 0 || lo > hi, "{view} has no rows in [{lo}, {hi}]: the comparison proves nothing");
            Some(r.get(0))
        }
        Err(e) if e.code().map(|s| s.code()) == Some(STALE) => None,
        Err(e) => panic!("{view} [{lo}, {hi}]: {e}"),
    }
}

/// Every path over [lo, hi]: `want` = Some(0) (used, identical) or None (refused).
fn expect_all(c: &mut postgres::Client, lo: &str, hi: &str, want: Option<i64>, when: &str) {
    for (view, ..) in paths(c) {
        if view.starts_with("public.") {
            continue;
        }
        assert_eq!(
            compare(c, &view, lo, hi),
            want,
            "{view} over [{lo}, {hi}] {when}"
        );
    }
}

/// Store s1's end-of-day row as text.
fn store_daily(c: &mut postgres::Client, date: &str) -> String {
    c.query_one(
        "SELECT d::text FROM pos.store_daily d WHERE store_id = 's1' AND business_date = $1::text::date",
        &[&date],
    )
    .unwrap()
    .get(0)
}

/// A fresh database `DB_suffix` (tests run in parallel) with ten days of trading, refreshed up
/// to 2026-03-08.
fn setup(suffix: &str) -> postgres::Client {
    let mut c = fresh_db(&format!("{DB}_{suffix}"));
    c.batch_execute(
        "INSERT INTO pos.store (tenant_id, store_id, timezone) VALUES ('t1', 's1', 'UTC'), ('t1', 's2', 'America/New_York'), ('t1', 's3', 'Asia/Kolkata');
         SELECT pos.ensure_chunks(h, '2026-02-25', '2026-03-20') FROM unnest('{pos.txn,pos.sale_line,pos.tender,pos.drawer_event}'::regclass[]) h;
         DELETE FROM pos.job; -- no policy refreshes behind the test's back",
    )
    .unwrap();
    trade(&mut c, "a", "2026-03-01 00:00+00", 10 * 24);
    refresh_all(&mut c, "NULL", "'2026-03-08'");
    c
}

#[test]
fn the_path_returns_what_the_view_returns_wherever_its_guard_lets_a_query_through() {
    let mut c = setup("eq");
    // Every shipped view (and each part) has a path.
    let names: Vec<String> = paths(&mut c).into_iter().map(|p| p.0).collect();
    for v in [
        "pos.sales_hourly",
        "pos.sales_daily",
        "pos.store_daily",
        "pos.cashier_daily",
        "pos_caggs.store_daily_txn",
    ] {
        assert!(names.iter().any(|n| n == v), "{v} has no path: {names:?}");
    }

    // Below the watermark (2026-03-08): the path is used and identical; across and above, refused.
    expect_all(
        &mut c,
        "2026-03-02",
        "2026-03-02",
        Some(0),
        "below the watermark",
    );
    expect_all(
        &mut c,
        "2026-03-01",
        "2026-03-07",
        Some(0),
        "below the watermark",
    );
    expect_all(
        &mut c,
        "2026-03-06",
        "2026-03-09",
        None,
        "across the watermark",
    );
    expect_all(
        &mut c,
        "2026-03-09",
        "2026-03-09",
        None,
        "above the watermark",
    );
    expect_all(
        &mut c,
        "2026-03-05",
        "2026-03-04",
        Some(0),
        "over an empty range",
    );

    // A late row for 2 March: until a refresh, the view shows the materialized (stale) day and
    // so does the path.
    let before = store_daily(&mut c, "2026-03-02");
    trade(&mut c, "late", "2026-03-02 12:00+00", 1);
    assert_eq!(
        store_daily(&mut c, "2026-03-02"),
        before,
        "stale until refreshed"
    );
    expect_all(
        &mut c,
        "2026-03-01",
        "2026-03-07",
        Some(0),
        "after a late row, before a refresh",
    );

    // A refresh whose window leaves 2 March out: the view aggregates that day live now, so the
    // guard refuses it, and keeps letting the refreshed days through.
    refresh_all(&mut c, "'2026-03-06'", "'2026-03-08'");
    assert_ne!(
        store_daily(&mut c, "2026-03-02"),
        before,
        "live after the refresh"
    );
    expect_all(
        &mut c,
        "2026-03-02",
        "2026-03-02",
        None,
        "a late day left live",
    );
    expect_all(
        &mut c,
        "2026-03-06",
        "2026-03-07",
        Some(0),
        "refreshed days next to a live one",
    );

    // A full refresh materializes it again.
    refresh_all(&mut c, "NULL", "'2026-03-08'");
    expect_all(
        &mut c,
        "2026-03-01",
        "2026-03-07",
        Some(0),
        "after a full refresh",
    );
    assert_ne!(store_daily(&mut c, "2026-03-02"), before);
}

/// Two transactions refreshing two parts of pos.store_daily for the same days at once: each
/// rewrites the composite's table from all four parts, so without the composite's lock the
/// later one would keep a sum that misses the other's change (or collide with its rows). With
/// it the second waits until the first commits, then reads both parts as they are.
#[test]
fn concurrent_refreshes_of_two_parts_lose_no_update() {
    let db = format!("{DB}_concurrent");
    let mut c = setup("concurrent");
    let before = store_daily(&mut c, "2026-03-03");
    // Late rows for 3 March in all four fact tables: every part of the day is stale.
    trade(&mut c, "late", "2026-03-03 06:00+00", 12);
    let refresh = |part: &str| {
        format!("SELECT pos.refresh_continuous_aggregate_in_transaction('pos_caggs.store_daily_{part}', NULL, '2026-03-08')")
    };
    let mut first = connect(&db);
    first
        .batch_execute(&format!("BEGIN; {}", refresh("txn")))
        .unwrap();
    let second = {
        let (db, sql) = (db.clone(), refresh("tender"));
        std::thread::spawn(move || connect(&db).batch_execute(&sql))
    };
    let waited = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        n > 0
    });
    assert!(waited, "the second refresh did not wait for the first");
    first.batch_execute("COMMIT").unwrap();
    second.join().unwrap().expect("the second refresh");
    c.batch_execute(&format!("{}; {}", refresh("lines"), refresh("drawer")))
        .unwrap();
    let stale: i64 = c
        .query_one(
            "SELECT count(*) FROM ((TABLE pos_caggs.store_daily_materialized EXCEPT ALL TABLE pos_caggs.store_daily_from_parts)
                                   UNION ALL (TABLE pos_caggs.store_daily_from_parts EXCEPT ALL TABLE pos_caggs.store_daily_materialized)) d",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        stale, 0,
        "rows of the composite's table that differ from its parts"
    );
    assert_ne!(
        store_daily(&mut c, "2026-03-03"),
        before,
        "the late rows count"
    );
    assert_eq!(
        compare(&mut c, "pos.store_daily", "2026-03-01", "2026-03-07"),
        Some(0),
        "the path after concurrent refreshes"
    );
}

#[test]
fn recreated_and_materialized_only_aggregates() {
    let mut c = setup("recreated");
    // Over rows already there, with_data would materialize everything up to now: refreshes here
    // are by hand.
    let create = |c: &mut postgres::Client, with_data: bool| {
        c.batch_execute(&format!(
            "SELECT pos.create_continuous_aggregate('public.lines_daily', 'pos.sale_line', '{{tenant_id,store_id}}',
                    'count(*) AS lines, sum(quantity) AS units', bucket_date_column => 'business_date', with_data => {with_data})"
        ))
        .unwrap();
    };
    create(&mut c, false);
    c.batch_execute(
        "CALL pos.refresh_continuous_aggregate('public.lines_daily', NULL, '2026-03-08')",
    )
    .unwrap();
    assert_eq!(
        compare(&mut c, "public.lines_daily", "2026-03-01", "2026-03-07"),
        Some(0)
    );
    assert_eq!(
        compare(&mut c, "public.lines_daily", "2026-03-08", "2026-03-08"),
        None
    );
    // Re-created empty: its watermark went back to -infinity, every bucket is live again.
    c.batch_execute("SELECT pos.drop_continuous_aggregate('public.lines_daily')")
        .unwrap();
    create(&mut c, false);
    assert_eq!(
        compare(&mut c, "public.lines_daily", "2026-03-01", "2026-03-01"),
        None
    );
    // Materialized only: the view is its materialization, the path is always right.
    c.batch_execute(
        "CALL pos.refresh_continuous_aggregate('public.lines_daily', NULL, '2026-03-05')",
    )
    .unwrap();
    c.batch_execute(
        "SELECT pos.alter_continuous_aggregate('public.lines_daily', materialized_only => true)",
    )
    .unwrap();
    assert_eq!(
        compare(&mut c, "public.lines_daily", "2026-03-01", "2026-03-04"),
        Some(0)
    );
    // above its watermark too (rows of 4 March and before only, in both)
    assert_eq!(
        compare(&mut c, "public.lines_daily", "2026-03-03", "2026-03-09"),
        Some(0)
    );
    c.batch_execute("SELECT pos.drop_continuous_aggregate('public.lines_daily')")
        .unwrap();
    assert_eq!(
        c.query_one(
            "SELECT count(*) FROM pos.cagg_view_path WHERE view_name::text LIKE 'public.%'",
            &[]
        )
        .unwrap()
        .get::<_, i64>(0),
        0,
        "dropping an aggregate drops its path"
    );
}

#[test]
fn paths_keep_row_security() {
    let mut c = setup("rls");
    c.batch_execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'matpath_reader') THEN CREATE ROLE matpath_reader LOGIN; END IF; END $$;
         SELECT pos.grant_tenant_access('matpath_reader', 't2');",
    )
    .unwrap();
    let mut r = connect_as(&format!("{DB}_rls"), "matpath_reader");
    for (view, path, ..) in paths(&mut c) {
        let n: i64 = r
            .query_one(&format!("SELECT count(*) FROM {path}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{path} (path of {view}) shows another tenant's rows");
    }
}

/// The guard's test is C (pg-extension/src/caggs_guard.rs) written to answer as the SQL join did:
/// a path whose parts are empty, NULL, unknown or listed twice never lets a query through.
#[test]
fn the_guard_refuses_paths_with_missing_or_repeated_parts() {
    let mut c = fresh_db(&format!("{DB}_parts"));
    c.batch_execute(
        "DELETE FROM pos.job;
         UPDATE pos.continuous_aggregate SET view_live = '{}' WHERE cagg_id = 1;
         CREATE VIEW public.g AS SELECT 1 AS x;
         CREATE VIEW public.g_m AS SELECT 1 AS x;
         INSERT INTO pos.cagg_view_path VALUES ('public.g', 'public.g_m', 'x', '{1}');",
    )
    .unwrap();
    let guard = |c: &mut postgres::Client| {
        c.query_one(
            "SELECT pos.cagg_require_materialized('public.g', '2026-03-01'::date, '2026-03-02'::date)",
            &[],
        )
        .map(|r| r.get::<_, bool>(0))
        .map_err(|e| e.code().map(|s| s.code().to_string()))
    };
    assert_eq!(guard(&mut c), Ok(true), "one materialized part");
    for parts in ["{}", "{1,1}", "{1,NULL}", "{1,2147483647}"] {
        c.execute(
            "UPDATE pos.cagg_view_path SET parts = $1::text::integer[] WHERE view_name = 'public.g'::regclass",
            &[&parts],
        )
        .unwrap();
        assert_eq!(guard(&mut c), Err(Some(STALE.into())), "parts {parts}");
    }
    c.batch_execute(
        "UPDATE pos.cagg_view_path SET parts = '{1}' WHERE view_name = 'public.g'::regclass;
         UPDATE pos.continuous_aggregate SET view_live = '{[2026-03-02 00:00+00,)}' WHERE cagg_id = 1;",
    )
    .unwrap();
    assert_eq!(
        guard(&mut c),
        Err(Some(STALE.into())),
        "a live bucket at the upper bound"
    );
}

/// The guard's answer for store_daily on `day` as seen by `c`: Ok(true) or the SQLSTATE.
fn guard_on(c: &mut postgres::Client, day: &str) -> Result<bool, Option<String>> {
    c.query_one(
        "SELECT pos.cagg_require_materialized('pos.store_daily', $1::text::date, $1::text::date)",
        &[&day],
    )
    .map(|r| r.get::<_, bool>(0))
    .map_err(|e| e.code().map(|s| s.code().to_string()))
}

/// Makes `day` live (or not) in store_daily's first part, as a refresh or a late row would.
const SET_LIVE: &str = "UPDATE pos.continuous_aggregate SET view_live = $1::text::tstzmultirange
     WHERE cagg_id = (SELECT parts[1] FROM pos.cagg_view_path WHERE view_name = 'pos.store_daily'::regclass)";

/// Answers are kept across statements (pg-extension/src/caggs_coverage.rs); a kept "covered"
/// must never outlive a change another session commits, nor be reused by a snapshot older than
/// a change.
#[test]
fn a_kept_guard_answer_follows_every_committed_change() {
    let mut a = setup("kept");
    let mut b = connect(&format!("{DB}_kept"));
    let live = "{[2026-03-02 00:00+00,2026-03-03 00:00+00)}";
    let ok = Ok(true);
    let refused = Err(Some(STALE.to_string()));
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "materialized");
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "asked again");

    // Uncommitted, the change is not seen; committed, it is, by the next statement.
    let mut t = b.transaction().unwrap();
    let before: String = t
        .query_one("SELECT view_live::text FROM pos.continuous_aggregate WHERE cagg_id = (SELECT parts[1] FROM pos.cagg_view_path WHERE view_name = 'pos.store_daily'::regclass)", &[])
        .unwrap()
        .get(0);
    t.execute(SET_LIVE, &[&live]).unwrap();
    assert_eq!(
        guard_on(&mut a, "2026-03-02"),
        ok,
        "while the change is uncommitted"
    );
    t.commit().unwrap();
    assert_eq!(
        guard_on(&mut a, "2026-03-02"),
        refused,
        "after it committed"
    );
    assert_eq!(guard_on(&mut a, "2026-03-03"), ok, "the next day");
    assert_eq!(guard_on(&mut a, "2026-03-02"), refused, "asked again");

    // A snapshot exported while the day was live, imported after it was materialized again and
    // after this backend saw it materialized: the old snapshot still refuses.
    let mut old = connect(&format!("{DB}_kept"));
    old.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .unwrap();
    let snap: String = old
        .query_one("SELECT pg_export_snapshot()", &[])
        .unwrap()
        .get(0);
    b.execute(SET_LIVE, &[&before]).unwrap();
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "materialized again");
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "asked again");
    a.batch_execute(&format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '{snap}'"
    ))
    .unwrap();
    assert_eq!(
        guard_on(&mut a, "2026-03-02"),
        refused,
        "in the older snapshot"
    );
    a.batch_execute("ROLLBACK").unwrap();
    old.batch_execute("COMMIT").unwrap();
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "back in a new snapshot");

    // A change rolled back changes nothing; the session's own uncommitted change is seen.
    let mut t = b.transaction().unwrap();
    t.execute(SET_LIVE, &[&live]).unwrap();
    t.rollback().unwrap();
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "after a rollback");
    a.batch_execute("BEGIN").unwrap();
    a.execute(SET_LIVE, &[&live]).unwrap();
    assert_eq!(
        guard_on(&mut a, "2026-03-02"),
        refused,
        "own uncommitted change"
    );
    a.batch_execute("ROLLBACK").unwrap();
    assert_eq!(guard_on(&mut a, "2026-03-02"), ok, "after its rollback");
}
