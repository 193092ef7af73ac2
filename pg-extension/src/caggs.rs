//! Continuous aggregates: the engine (`sql/90_caggs.sql`: catalog, invalidation triggers, batched
//! refresh, real-time views with a plan-time watermark, policies, statistics) and the views the
//! product ships (`sql/95_views.sql`: `pos.sales_hourly`, `pos.sales_daily`, `pos.store_daily`,
//! `pos.cashier_daily`). The engine is PL/pgSQL: every step is a handful of set-based statements
//! whose cost is in PostgreSQL's executor, so Rust would add FFI without saving work.
use pgrx::prelude::*;

extension_sql_file!(
    "../../sql/90_caggs.sql",
    name = "caggs_sql",
    requires = ["security"]
);
extension_sql_file!(
    "../../sql/95_views.sql",
    name = "caggs_views",
    requires = ["caggs_sql"]
);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// Inserts `n` completed sale lines of store s1 one hour apart, ending `end_ago` before now.
    ///
    /// pgrx runs tests in parallel, each in one transaction. A transaction that writes to a
    /// source holds its threshold lock shared until it ends, and a refresh in the same transaction
    /// raises the threshold under the lock exclusive: two such tests at once deadlock (as two such
    /// transactions would anywhere). So the tests that write here take one lock first.
    fn insert_lines(txn_prefix: &str, n: i32, end_ago: &str) {
        Spi::run("SELECT pg_advisory_xact_lock(hashtext('pos_analytics caggs pg_tests'))").unwrap();
        Spi::run(&format!(
            "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at,
                 business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
             SELECT 't1', 's1', 'test', '{txn_prefix}' || g, 1, t, (t AT TIME ZONE 'UTC')::date, 'sale',
                    'sku' || (g % 3), 'r', 2, 1.5, 3, 'USD'
               FROM generate_series(1, {n}) g, LATERAL (SELECT now() - interval '{end_ago}' - g * interval '1 hour' AS t) x"
        ))
        .unwrap();
        Spi::run(&format!(
            "SELECT pos.ensure_chunks('pos.sale_line', now() - interval '{end_ago}' - {n} * interval '1 hour', now())"
        ))
        .unwrap();
    }

    fn one_i64(sql: &str) -> i64 {
        Spi::get_one::<i64>(sql).unwrap().unwrap()
    }

    fn explain(sql: &str) -> String {
        Spi::connect(|client| {
            let rows = client.select(&format!("EXPLAIN (COSTS OFF) {sql}"), None, &[])?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row.get::<String>(1)?.unwrap_or_default());
            }
            Ok::<_, pgrx::spi::SpiError>(out.join("\n"))
        })
        .unwrap()
    }

    fn one_bool(sql: &str) -> bool {
        Spi::get_one::<bool>(sql).unwrap().unwrap()
    }

    /// The views equal the same aggregation of raw rows: real-time before any refresh, and
    /// materialized afterwards.
    #[pg_test]
    fn shipped_views_match_raw_rows_before_and_after_refresh() {
        insert_lines("a", 60, "1 hour");
        let raw = "SELECT sum(quantity)::bigint FROM pos.sale_line WHERE txn_status = 'completed'";
        assert_eq!(
            one_i64("SELECT sum(quantity)::bigint FROM pos.sales_daily"),
            one_i64(raw)
        );
        assert_eq!(
            one_i64("SELECT sum(quantity)::bigint FROM pos.sales_hourly"),
            one_i64(raw)
        );
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.sales_hourly', NULL, NULL)").unwrap();
        let mat_table = Spi::get_one::<String>("SELECT mat_table::text FROM pos.continuous_aggregate WHERE view_name = 'pos.sales_hourly'::regclass")
            .unwrap()
            .unwrap();
        let mat = one_i64(&format!("SELECT sum(quantity)::bigint FROM {mat_table}"));
        assert!(mat > 0, "the refresh materialized nothing");
        assert_eq!(
            one_i64("SELECT sum(quantity)::bigint FROM pos.sales_hourly"),
            one_i64(raw)
        );
        assert_eq!(
            one_i64("SELECT sum(items_sold)::bigint FROM pos.store_daily"),
            one_i64(raw)
        );
    }

    /// A late row below the watermark is logged once per statement and a refresh repairs its bucket.
    #[pg_test]
    fn late_rows_are_invalidated_and_refreshed() {
        insert_lines("a", 48, "2 hours");
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.sales_hourly', NULL, NULL)").unwrap();
        insert_lines("late", 10, "5 hours");
        // Logged at commit (a refresh flushes its own transaction's spans first): one span per
        // chunk touched (10 rows over at most two days), not one per row.
        Spi::run("SELECT pos._cagg_flush_invalidations()").unwrap();
        let spans = one_i64("SELECT count(*) FROM pos.cagg_source_invalidation WHERE source = 'pos.sale_line'::regclass");
        assert!(
            (1..=2).contains(&spans),
            "{spans} spans logged for one statement"
        );
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.sales_hourly', NULL, NULL)").unwrap();
        let view = "SELECT sum(quantity)::bigint FROM pos.sales_hourly WHERE hour < now() - interval '2 hours'";
        let raw = "SELECT sum(quantity)::bigint FROM pos.sale_line WHERE date_bin('1 hour', occurred_at, '2000-01-03') < now() - interval '2 hours'";
        assert_eq!(one_i64(view), one_i64(raw));
        assert!(one_bool("SELECT watermark > now() - interval '2 hours' FROM pos.continuous_aggregate_stats WHERE continuous_aggregate = 'pos.sales_hourly'::regclass"));
    }

    /// A write rolled back to a savepoint is still logged (harmless: a bucket redone for
    /// nothing), and retention's straggler delete is not tracked (its buckets keep their values).
    #[pg_test]
    fn rolled_back_writes_are_logged_and_retention_is_not() {
        insert_lines("a", 48, "2 hours");
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.sales_hourly', NULL, NULL)").unwrap();
        Spi::run("DELETE FROM pos.cagg_source_invalidation").unwrap();
        Spi::run(
            "DO $$ BEGIN
                 UPDATE pos.sale_line SET quantity = quantity + 1 WHERE source_txn_id = 'a3';
                 RAISE EXCEPTION 'roll back';
             EXCEPTION WHEN raise_exception THEN NULL;
             END $$",
        )
        .unwrap();
        Spi::run("SELECT pos._cagg_flush_invalidations()").unwrap();
        assert_eq!(
            one_i64("SELECT count(*) FROM pos.cagg_source_invalidation"),
            1,
            "a rolled-back write is logged anyway (harmless), once"
        );
        Spi::run("DELETE FROM pos.cagg_source_invalidation").unwrap();
        Spi::run(
            "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
             VALUES ('t1', 's1', 'test', 'straggler', 1, now() - interval '400 days', current_date - 400, 'sale', 'sku1', 'r', 1, 1, 1, 'USD')",
        )
        .unwrap();
        Spi::run("SELECT pos._cagg_flush_invalidations()").unwrap();
        Spi::run("DELETE FROM pos.cagg_source_invalidation").unwrap();
        Spi::run(
            "SELECT count(*) FROM pos.drop_chunks('pos.sale_line', now() - interval '300 days')",
        )
        .unwrap();
        Spi::run("SELECT pos._cagg_flush_invalidations()").unwrap();
        assert_eq!(
            one_i64("SELECT count(*) FROM pos.sale_line WHERE source_txn_id = 'straggler'"),
            0
        );
        assert_eq!(
            one_i64("SELECT count(*) FROM pos.cagg_source_invalidation"),
            0
        );
        // tracking resumes after retention
        Spi::run("DELETE FROM pos.sale_line WHERE source_txn_id = 'a4'").unwrap();
        Spi::run("SELECT pos._cagg_flush_invalidations()").unwrap();
        assert_eq!(
            one_i64("SELECT count(*) FROM pos.cagg_source_invalidation"),
            1
        );
    }

    /// The watermark is a literal in the view: chunks below it are not in the plan at all.
    #[pg_test]
    fn chunks_below_the_watermark_are_pruned_at_plan_time() {
        insert_lines("a", 24 * 5, "1 hour");
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.sales_hourly', NULL, NULL)").unwrap();
        let plan = explain("SELECT * FROM pos.sales_hourly");
        let chunks_before_today =
            one_i64("SELECT count(*) FROM pos.chunk WHERE hypertable = 'pos.sale_line'::regclass AND range_end <= date_trunc('day', now(), 'UTC') - interval '1 day'");
        assert!(chunks_before_today >= 3);
        let old_chunk = Spi::get_one::<String>(
            "SELECT (chunk::regclass)::text FROM pos.chunk WHERE hypertable = 'pos.sale_line'::regclass ORDER BY range_start LIMIT 1",
        )
        .unwrap()
        .unwrap();
        let old_chunk = old_chunk.rsplit('.').next().unwrap().to_string();
        assert!(
            !plan.contains(&old_chunk),
            "chunk {old_chunk} below the watermark is scanned:\n{plan}"
        );
    }

    #[pg_test(error = "\"pos.txn\" is not a continuous aggregate")]
    fn refreshing_a_table_is_an_error() {
        Spi::run("SELECT pos.refresh_continuous_aggregate_in_transaction('pos.txn', NULL, NULL)")
            .unwrap();
    }

    #[pg_test(error = "give exactly one of bucket_width and bucket_date_column")]
    fn a_bucket_must_be_chosen() {
        Spi::run("SELECT pos.create_continuous_aggregate('public.x', 'pos.txn', '{store_id}', 'count(*) AS n')").unwrap();
    }

    #[pg_test(
        error = "bucket width 01:30:00 is not a multiple of the parent's 01:00:00 (with aligned origins)"
    )]
    fn hierarchical_buckets_must_nest() {
        Spi::run(
            "SELECT pos.create_continuous_aggregate('public.x', 'pos.sales_hourly', '{store_id}', 'sum(net) AS net', bucket_width => '90 minutes')",
        )
        .unwrap();
    }
}
