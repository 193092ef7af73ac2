-- pg_dump support. Tables created by CREATE EXTENSION belong to the extension, and pg_dump leaves
-- out their rows unless the extension marks them (pg_extension_config_dump). Marked here, last,
-- once every table and every row the install script creates exists:
--   * tables that only ever hold the user's rows: dumped whole;
--   * catalogs that also hold rows made at install (the shipped hypertables, aggregates, jobs):
--     only the rows made later are dumped — CREATE EXTENSION makes the others again on restore;
--   * the sequences behind those tables, the shipped sources' invalidation thresholds and the
--     default chunks (stragglers): their contents.
-- The shipped aggregates' materializations are not dumped: their catalog rows are not either, so
-- after a restore they start over (all invalid) and a refresh fills them (docs/dba.md).
-- Chunks are created after install (never by the install script, see sql/20_facts.sql), so they
-- are ordinary tables and pg_dump writes them, rows included. docs/dba.md shows the restore.
DO $dump$
DECLARE
    t regclass;
    max_job bigint := (SELECT coalesce(max(job_id), 0) FROM pos.job);
    max_cagg integer := (SELECT coalesce(max(cagg_id), 0) FROM pos.continuous_aggregate);
    -- By OID: pg_dump runs with an empty search_path, and the filter lives in this database only
    -- (the restore's CREATE EXTENSION writes its own).
    shipped_hypertables text := (SELECT string_agg(relid::oid::text, ', ') FROM pos.hypertable);
    shipped_sources text := (SELECT string_agg(source::oid::text, ', ') FROM pos.cagg_source);
    shipped_paths text := (SELECT string_agg(view_name::oid::text, ', ') FROM pos.cagg_view_path);
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'pos.store', 'pos.product', 'pos.sku_alias', 'pos.customer', 'pos.identity_link',
        'pos.raw_inbox', 'pos.reject', 'pos.ingest_batch', 'pos.txn_tombstone', 'pos.tenant_access',
        'pos.identity_settings', 'pos.identity_model', 'pos.identity_erasure', 'pos.sku_settings',
        'pos.demand_forecast', 'pos.fraud_settings', 'pos.fraud_baseline', 'pos.fraud_score',
        'pos.fraud_alert', 'pos.chunk', 'pos.cagg_source_invalidation']::regclass[]
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(t, '');
    END LOOP;
    PERFORM pg_catalog.pg_extension_config_dump('pos.job', format('WHERE job_id > %s', max_job));
    PERFORM pg_catalog.pg_extension_config_dump('pos.continuous_aggregate', format('WHERE cagg_id > %s', max_cagg));
    PERFORM pg_catalog.pg_extension_config_dump('pos.cagg_invalidation', format('WHERE cagg_id > %s', max_cagg));
    PERFORM pg_catalog.pg_extension_config_dump('pos.hypertable',
        format('WHERE relid::oid NOT IN (%s)', shipped_hypertables));
    PERFORM pg_catalog.pg_extension_config_dump('pos.cagg_source',
        format('WHERE source::oid NOT IN (%s)', shipped_sources));
    PERFORM pg_catalog.pg_extension_config_dump('pos.cagg_view_path',
        format('WHERE view_name::oid NOT IN (%s)', shipped_paths));
    -- Sequences owned by extension tables (id counters), the shipped sources' threshold
    -- sequences, and the default chunks.
    FOR t IN
        SELECT d.objid::regclass
          FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
         WHERE d.refclassid = 'pg_extension'::regclass AND d.classid = 'pg_class'::regclass
           AND d.deptype = 'e'
           AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pos_analytics')
           AND (c.relkind = 'S' OR c.oid IN (SELECT default_chunk FROM pos.hypertable))
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(t, '');
    END LOOP;
END
$dump$;
