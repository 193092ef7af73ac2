-- The chunk autovacuum policy switched off (docs/dba.md "Chunks while they are written"): new
-- chunks get autovacuum's defaults, as before the policy. For before/after runs:
--   SETUP=benches/ingest/chunks-autovacuum-defaults.sql SECS=60 benches/ingest/tail-probe.sh URL
UPDATE pos.hypertable SET open_chunk_reloptions = '{}', open_chunk_statistics = NULL;
ALTER TABLE pos.raw_inbox ALTER COLUMN payload SET STATISTICS -1, ALTER COLUMN payload_zstd SET STATISTICS -1;
