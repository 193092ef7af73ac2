//! Hypertables end to end: a million generated lines over 90 days, chunk creation, partition
//! pruning, stragglers into the default chunk and back out, retention.
use pos_e2e::fresh_db;

const LINES_SQL: &str = "
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
SELECT 't1', 's' || (g % 5), 'gen', 'tx' || (g / 4), g % 4, ts, (ts AT TIME ZONE 'UTC')::date,
       'sale', 'sku' || (g % 300), 'sku' || (g % 300), 1 + g % 3, 2.50, 2.50 * (1 + g % 3), 'USD'
  FROM generate_series(0, 1099999) g,
       LATERAL (SELECT timestamptz '2026-01-05 00:00+00' + (g / 4) * (interval '90 days' / 275000) AS ts) t";

#[test]
fn million_lines_chunks_pruning_stragglers_retention() {
    let mut c = fresh_db("e2e_hypertables");
    let created: i32 = c
        .query_one(
            "SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-04-04 23:59')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(created >= 90, "expected a chunk per day, created {created}");
    c.batch_execute(LINES_SQL).unwrap();

    let n: i64 = c
        .query_one("SELECT count(*) FROM pos.sale_line", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1_100_000);
    let in_default: i64 = c
        .query_one("SELECT count(*) FROM pos_chunks.sale_line_default", &[])
        .unwrap()
        .get(0);
    assert_eq!(in_default, 0, "every row has its chunk");
    // Chunks are aligned to UTC days and each holds only its day.
    let bad: i64 = c
        .query_one(
            "SELECT count(*) FROM pos.show_chunks('pos.sale_line') s
              WHERE s.range_end - s.range_start <> interval '1 day' OR s.range_start <> date_trunc('day', s.range_start, 'UTC')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(bad, 0);

    // Pruning: a one-day query scans one chunk, not 90.
    let plan: Vec<String> = c
        .query(
            "EXPLAIN SELECT sum(net_amount) FROM pos.sale_line
              WHERE occurred_at >= '2026-02-01' AND occurred_at < '2026-02-02'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Heap scans name their table after " on "; a bitmap scan also names its index (the time
    // index caggs create), which is not another chunk.
    let scanned = plan
        .iter()
        .filter(|l| l.contains(" on sale_line_") && !l.contains("Index Scan on"))
        .count();
    assert_eq!(
        scanned,
        1,
        "one chunk expected in the plan:\n{}",
        plan.join("\n")
    );

    // A straggler far outside the created range lands in the default chunk, not in an error.
    c.batch_execute(
        "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                    kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         VALUES ('t1', 's1', 'gen', 'late', 1, '2025-06-01 12:00+00', '2025-06-01', 'sale', 'x', 'x', 1, 1, 1, 'USD')",
    )
    .unwrap();
    let in_default: i64 = c
        .query_one("SELECT count(*) FROM pos_chunks.sale_line_default", &[])
        .unwrap()
        .get(0);
    assert_eq!(in_default, 1);
    let moved: i64 = c
        .query_one("SELECT pos.move_stragglers('pos.sale_line')", &[])
        .unwrap()
        .get(0);
    assert_eq!(moved, 1);
    let in_default: i64 = c
        .query_one("SELECT count(*) FROM pos_chunks.sale_line_default", &[])
        .unwrap()
        .get(0);
    assert_eq!(in_default, 0);
    let chunk_rows: i64 = c
        .query_one(
            "SELECT count(*) FROM pos_chunks.sale_line_20250601t0000",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(chunk_rows, 1, "the straggler now sits in its own chunk");

    // Retention drops whole chunks older than the cut-off, and only those.
    let dropped: i64 = c
        .query_one("SELECT count(*) FROM pos.drop_chunks('pos.sale_line', timestamptz '2026-02-04 00:00+00')", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        dropped,
        27 + 3 + 1,
        "5..31 Jan, 1..3 Feb, plus the straggler chunk"
    );
    let oldest: chrono_like::Ts = c
        .query_one("SELECT min(occurred_at)::text FROM pos.sale_line", &[])
        .unwrap()
        .get(0);
    assert!(
        oldest.0.starts_with("2026-02-04"),
        "oldest remaining row: {}",
        oldest.0
    );
}

/// Text wrapper so the test needs no chrono dependency.
mod chrono_like {
    pub struct Ts(pub String);
    impl<'a> postgres::types::FromSql<'a> for Ts {
        fn from_sql(
            ty: &postgres::types::Type,
            raw: &'a [u8],
        ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
            String::from_sql(ty, raw).map(Ts)
        }
        fn accepts(ty: &postgres::types::Type) -> bool {
            <String as postgres::types::FromSql>::accepts(ty)
        }
    }
}

#[test]
fn bad_arguments_give_clear_errors() {
    let mut c = fresh_db("e2e_hypertable_errors");
    let cases = [
        ("SELECT pos.ensure_chunks('pos.store', now(), now())", "is not a hypertable"),
        ("SELECT pos.ensure_chunks('pos.txn', now(), now() - interval '1 day')", "is before range_from"),
        ("SELECT pos.ensure_chunks('pos.txn', NULL, now())", "must not be NULL"),
        ("CREATE TABLE m (t timestamptz) PARTITION BY RANGE (t); SELECT pos.create_hypertable('m', 't', '1 month')", "invalid chunk interval"),
        ("CREATE TABLE p (t timestamptz); SELECT pos.create_hypertable('p', 't')", "is not partitioned by RANGE"),
        ("CREATE TABLE d (t date) PARTITION BY RANGE (t); SELECT pos.create_hypertable('d', 't')", "expected timestamptz"),
        ("SELECT pos.add_retention_policy('pos.txn', '-1 day')", "must be a positive interval"),
        // now() - (-10 years) is a cut-off ten years ahead: every chunk would go
        ("SELECT pos.drop_chunks('pos.txn', interval '-10 years')", "must be a positive age"),
        ("SELECT pos.drop_chunks('pos.txn', interval '0')", "must be a positive age"),
        ("SELECT pos.ensure_chunks('pos.txn', '-infinity', now())", "must be finite"),
        ("SELECT pos.add_job('pos.run_due_jobs', interval '0')", "schedule_interval must be positive"),
    ];
    for (sql, want) in cases {
        let err = c.batch_execute(sql).expect_err(sql);
        let db = err.as_db_error().expect("a database error");
        assert!(db.message().contains(want), "{sql}: {}", db.message());
    }
    let hint = c
        .batch_execute("SELECT pos.ensure_chunks('pos.store', now(), now())")
        .unwrap_err();
    assert!(hint
        .as_db_error()
        .unwrap()
        .hint()
        .unwrap()
        .contains("create_hypertable"));
    // The refused drop dropped nothing; a positive age drops what it says.
    c.batch_execute("SELECT pos.ensure_chunks('pos.txn', now() - interval '3 days', now())")
        .unwrap();
    let count = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT count(*) FROM pos.show_chunks('pos.txn')", &[])
            .unwrap()
            .get(0)
    };
    let before = count(&mut c);
    assert!(before >= 3, "{before}");
    let _ = c.batch_execute("SELECT pos.drop_chunks('pos.txn', interval '-1 day')");
    assert_eq!(count(&mut c), before);
    let dropped: i64 = c
        .query_one(
            "SELECT count(*) FROM pos.drop_chunks('pos.txn', interval '1 day')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(dropped >= 1 && dropped < before, "{dropped} of {before}");
    assert_eq!(count(&mut c), before - dropped);
}

/// Rows at -infinity, infinity or at the end of timestamptz belong to no chunk: they stay in the
/// default chunk, the other stragglers still move, and a continuous aggregate over the table
/// refreshes the rows that have buckets (each such row used to fail every maintenance run, and a
/// row at -infinity made a refresh materialize nothing).
#[test]
fn stragglers_at_the_ends_of_time_stay_and_the_rest_move() {
    let mut c = fresh_db("e2e_hypertable_infinity");
    c.batch_execute(
        "CREATE TABLE m (t timestamptz NOT NULL, v int) PARTITION BY RANGE (t);
         SELECT pos.create_hypertable('m', 't', '1 day');
         INSERT INTO m VALUES ('-infinity', 1), ('infinity', 2), ('294276-12-31 23:59:59+00', 4),
                              ('2026-03-02 10:00+00', 8), ('2026-03-03 10:00+00', 16);
         SELECT pos.create_continuous_aggregate('public.m_daily', 'm', '{}', 'sum(v) AS s', bucket_width => '1 day');",
    )
    .unwrap();
    let moved: i64 = c
        .query_one("SELECT pos.move_stragglers('m')", &[])
        .unwrap()
        .get(0);
    assert_eq!(moved, 2);
    let stayed: String = c
        .query_one(
            "SELECT string_agg(v::text, ',' ORDER BY v) FROM pos_chunks.m_default",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(stayed, "1,2,4");
    // The maintenance job runs it too, and succeeds.
    let outcome: String = c
        .query_one(
            "SELECT pos.run_job(job_id) FROM pos.job
              WHERE proc = 'pos.job_maintain_chunks'::regproc AND config->>'relation' = 'public.m'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(outcome, "success");
    c.batch_execute("CALL pos.refresh_continuous_aggregate('public.m_daily', NULL, '2026-03-05')")
        .unwrap();
    let mat: String = c
        .query_one(
            "SELECT mat_table::text FROM pos.continuous_aggregate WHERE view_name = 'public.m_daily'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    let days: String = c
        .query_one(
            &format!(
                "SELECT string_agg(to_char(bucket AT TIME ZONE 'UTC', 'MM-DD') || '=' || s, ' ' ORDER BY bucket) FROM {mat}"
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(days, "03-02=8 03-03=16");
}

/// Plain DDL keeps the catalogs true: DROP VIEW of a continuous aggregate drops its table, log,
/// policy and its source's threshold; DROP TABLE of a chunk forgets the chunk (a later row for
/// its range gets a new one instead of the default chunk); a default chunk alone, or a parent
/// whose materialized-only child would be left, cannot be dropped.
#[test]
fn drops_by_plain_ddl_leave_the_catalogs_true() {
    let mut c = fresh_db("e2e_hypertable_drops");
    c.batch_execute(
        "CREATE TABLE m (t timestamptz NOT NULL, v int) PARTITION BY RANGE (t);
         SELECT pos.create_hypertable('m', 't', '1 day');
         SELECT pos.ensure_chunks('m', '2026-03-01', '2026-03-03');
         INSERT INTO m VALUES ('2026-03-02 10:00+00', 3);
         SELECT pos.create_continuous_aggregate('public.m_daily', 'm', '{}', 'sum(v) AS s', bucket_width => '1 day');
         SELECT pos.create_continuous_aggregate('public.m_weekly', 'public.m_daily', '{}', 'sum(s) AS s',
                                                bucket_width => '7 days', materialized_only => true);
         SELECT pos.add_continuous_aggregate_policy('public.m_daily', '7 days', NULL, '1 hour');",
    )
    .unwrap();
    let count =
        |c: &mut postgres::Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    let refused = |c: &mut postgres::Client, sql: &str, want: &str| {
        let e = c.batch_execute(sql).expect_err(sql);
        let msg = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default();
        assert!(msg.contains(want), "{sql}: {msg}");
    };
    refused(
        &mut c,
        "DROP TABLE pos_chunks.m_default",
        "the default chunk of hypertable public.m cannot be dropped alone",
    );
    refused(
        &mut c,
        "DROP VIEW m_daily",
        "continuous aggregate public.m_daily is the source of public.m_weekly",
    );
    c.batch_execute("SELECT pos.drop_continuous_aggregate('public.m_weekly'); DROP VIEW m_daily")
        .unwrap();
    let caggs = "SELECT count(*) FROM pos.continuous_aggregate WHERE source = 'm'::regclass OR view_name::text LIKE 'm_%'";
    assert_eq!(count(&mut c, caggs), 0);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pg_class WHERE relname LIKE 'm\\_daily\\_mat%' OR relname LIKE 'm\\_weekly\\_mat%' OR relname = 'm_threshold'"), 0);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pos.job WHERE config->>'continuous_aggregate' = 'public.m_daily'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pos.cagg_source WHERE source = 'm'::regclass"
        ),
        0
    );
    // The same definition again works (its threshold's name is free).
    c.batch_execute("SELECT pos.create_continuous_aggregate('public.m_daily', 'm', '{}', 'sum(v) AS s', bucket_width => '1 day')")
        .unwrap();
    c.batch_execute("DROP TABLE pos_chunks.m_20260302t0000")
        .unwrap();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pos.chunk WHERE chunk::text = 'pos_chunks.m_20260302t0000'"
        ),
        0
    );
    c.batch_execute("SELECT pos.ensure_chunks('m', '2026-03-02', '2026-03-02')")
        .unwrap();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pos.chunk WHERE chunk::text = 'pos_chunks.m_20260302t0000'"
        ),
        1
    );
    // The hypertable itself, its aggregate with it: nothing of either is left.
    c.batch_execute("DROP TABLE m CASCADE").unwrap();
    assert_eq!(count(&mut c, "SELECT count(*) FROM pos.hypertable WHERE relid::text = 'm' OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = relid::oid)"), 0);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pos.chunk WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = chunk::oid)"), 0);
    assert_eq!(count(&mut c, "SELECT count(*) FROM pos.continuous_aggregate WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = view_name::oid)"), 0);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pos.job WHERE config->>'relation' = 'public.m'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname = 'm_threshold'"
        ),
        0
    );
}
