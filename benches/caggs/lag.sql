-- A 1-second continuous aggregate of the lines pgbench writes, and a refresh that records its lag
-- (re-created on every run).
SELECT pos.drop_continuous_aggregate(to_regclass('bench.per_second')) WHERE to_regclass('bench.per_second') IS NOT NULL;
DROP TABLE IF EXISTS bench.lag;
DROP PROCEDURE IF EXISTS bench.refresh_and_record();
SELECT pos.create_continuous_aggregate('bench.per_second', 'pos.sale_line', '{store_id}', 'count(*) AS lines',
       bucket_width => '1 second', filter => $$source = 'pgbench'$$, with_data => false);
-- The chunks the scheduler's maintenance job would have created ahead (no job runs in this
-- database): without them every line lands in the default chunk.
SELECT pos.ensure_chunks('pos.sale_line', now() - interval '1 day', now() + interval '1 day');
CREATE TABLE bench.lag (at timestamptz, refresh_ms numeric, lag_ms numeric, lines_per_s numeric);
CREATE PROCEDURE bench.refresh_and_record() LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    w  timestamptz;
    n  numeric;
BEGIN
    CALL pos.refresh_continuous_aggregate('bench.per_second', t0 - interval '1 minute', t0);
    SELECT watermark INTO w FROM pos.continuous_aggregate WHERE view_name = 'bench.per_second'::regclass;
    EXECUTE format('SELECT coalesce(sum(lines), 0) / 5.0 FROM %s WHERE bucket >= $1 - interval ''5 seconds''',
                   (SELECT mat_table FROM pos.continuous_aggregate WHERE view_name = 'bench.per_second'::regclass)) INTO n USING w;
    -- lag: age, when the refresh ends, of the oldest second not yet materialized
    INSERT INTO bench.lag VALUES (t0, extract(epoch FROM clock_timestamp() - t0) * 1000,
                                  extract(epoch FROM clock_timestamp() - w) * 1000, n);
END
$$;
