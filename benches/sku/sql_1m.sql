-- SQL throughput of the sku functions over 1 M rows, one backend, no parallel workers.
-- Run: psql -X -v ON_ERROR_STOP=1 -f benches/sku/sql_1m.sql "$URL"   (see RESULTS.md)
\set QUIET on
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.with_check(d text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT d || (10 - sum(substr(d, i, 1)::int * CASE WHEN (length(d) - i) % 2 = 0 THEN 3 ELSE 1 END) % 10) % 10
      FROM generate_series(1, length(d)) AS i
$$;
-- 1 M valid UPC-As (number system 0, second digit non-zero so that a spreadsheet that drops the
-- leading zero leaves 11 unambiguous digits), a quarter each clean, leading zero lost, ".0", padded GTIN-14.
CREATE TEMP TABLE codes AS
SELECT CASE g % 4 WHEN 0 THEN c WHEN 1 THEN ltrim(c, '0') WHEN 2 THEN c || '.0' ELSE '00' || c END AS raw
  FROM (SELECT g, pg_temp.with_check('0' || (1 + g % 9)::text || lpad(((g::bigint * 7919 * 104729) % 1000000000)::text, 9, '0')) AS c
          FROM generate_series(1, 1000000) AS g) s;
ANALYZE codes;
\set QUIET off
\timing on
\echo 'baseline: upper(raw), a built-in function'
SELECT count(upper(raw)) FROM codes;
\echo 'pos.normalize_gtin (lenient)'
SELECT count(pos.normalize_gtin(raw)) FROM codes;
\echo 'pos.try_normalize_gtin (strict: only the clean quarter and the padded quarter pass)'
SELECT count(pos.try_normalize_gtin(raw, strict_mode => true)) FROM codes;
\echo 'pos.parse_barcode (one row per code)'
SELECT count(*) FILTER (WHERE b.valid) FROM codes, LATERAL pos.parse_barcode(raw) b;
\echo 'pos.item_sku (the ingest key)'
SELECT count(pos.item_sku(raw)) FROM codes;
\echo 'pos.sku_key (vendor SKU key)'
SELECT count(pos.sku_key(raw)) FROM codes;
