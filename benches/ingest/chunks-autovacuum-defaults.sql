-- The autovacuum settings of docs/dba.md "Chunks while they are written" switched off: new chunks
-- and the inbox get autovacuum's and ANALYZE's defaults, as before. For before/after runs:
--   SETUP=benches/ingest/chunks-autovacuum-defaults.sql SECS=60 benches/ingest/tail-probe.sh URL
UPDATE pos.hypertable SET open_chunk_reloptions = '{}', open_chunk_statistics = NULL;
DO $$
BEGIN
    EXECUTE (SELECT 'ALTER TABLE pos.raw_inbox ' || string_agg(format('ALTER COLUMN %I SET STATISTICS -1', attname), ', ')
               FROM pg_attribute WHERE attrelid = 'pos.raw_inbox'::regclass AND attnum > 0 AND NOT attisdropped);
END
$$;
