-- Helpers for the trigger-overhead benchmark.
-- The chunks the scheduler's maintenance job would have created ahead (no job runs in this
-- database): without them the "above" rows (now) land in the default chunk, whose partition
-- check (NOT of every other chunk's bounds) costs several times a whole single-line transaction.
SELECT pos.ensure_chunks('pos.sale_line', now() - interval '1 day', now() + interval '1 day');
CREATE TABLE IF NOT EXISTS bench.mode (t0 timestamptz);
CREATE SEQUENCE IF NOT EXISTS bench.ovh_seq;
-- Modes: trigger disabled or enabled, rows at now() (above every threshold: nothing to log) or
-- last June (below it: every transaction logs). Each enabled mode is compared with the disabled
-- one writing the same times, hence into the same chunk.
CREATE OR REPLACE FUNCTION bench.setup_mode(mode text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE pos.sale_line %s TRIGGER cagg_invalidate_insert', CASE WHEN mode LIKE 'none%' THEN 'DISABLE' ELSE 'ENABLE' END);
    DELETE FROM bench.mode;
    INSERT INTO bench.mode VALUES (CASE WHEN mode LIKE '%below' THEN timestamptz '2026-06-10' ELSE date_trunc('hour', now()) END);
END
$$;
CREATE OR REPLACE FUNCTION bench.cleanup() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE pos.sale_line DISABLE TRIGGER cagg_invalidate_delete;
    DELETE FROM pos.sale_line WHERE source = 'ovh';
    ALTER TABLE pos.sale_line ENABLE TRIGGER cagg_invalidate_delete;
    ALTER TABLE pos.sale_line ENABLE TRIGGER cagg_invalidate_insert;
    DELETE FROM pos.cagg_source_invalidation;
END
$$;
-- The chunks the benchmark writes (vacuumed between runs so that later runs do not pay for
-- earlier runs' dead rows).
CREATE OR REPLACE FUNCTION bench.chunks() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(chunk::text, ', ') FROM pos.chunk
     WHERE hypertable = 'pos.sale_line'::regclass
       AND (range_start <= now() AND range_end > now() - interval '1 hour' OR range_start <= '2026-06-10' AND range_end > '2026-06-10')
$$;
CREATE OR REPLACE PROCEDURE bench.insert_lines(n int, batch int) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := (SELECT t0 FROM bench.mode);
    k int;
BEGIN
    FOR k IN 0 .. n / batch - 1 LOOP
        INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku,
                                   raw_item_id, quantity, unit_price, net_amount, currency)
        SELECT 't1', 's1', 'ovh', k::text, g, t0 + (k * batch + g) * interval '10 ms', (t0 AT TIME ZONE 'UTC')::date, 'sale',
               'sku' || (g % 50), 'r', 1, 2.5, 2.5, 'USD'
          FROM generate_series(1, batch) g;
    END LOOP;
END
$$;
