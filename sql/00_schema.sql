-- pos_analytics: schemas and roles. Installed first (bootstrap) by CREATE EXTENSION.
-- The schema `pos` itself is created by CREATE EXTENSION (control file: schema = pos).

COMMENT ON SCHEMA pos IS 'pos_analytics: canonical retail POS facts (hypertables), reference data, views and functions. Stable surface.';

CREATE SCHEMA IF NOT EXISTS pos_experimental;
COMMENT ON SCHEMA pos_experimental IS 'pos_analytics functions whose signature may still change between releases.';

-- Chunks (partitions) live apart so that nobody reads them directly: row-level security is defined
-- on the hypertable parents, and only the owner may use this schema.
CREATE SCHEMA IF NOT EXISTS pos_chunks;
COMMENT ON SCHEMA pos_chunks IS 'pos_analytics internal: hypertable chunks (range partitions). Query the parent tables in schema pos instead.';
REVOKE ALL ON SCHEMA pos_chunks FROM PUBLIC;

-- Roles are cluster-wide and outlive DROP EXTENSION; create them only when missing.
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pos_ingest', 'pos_analyst', 'pos_api'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;

COMMENT ON ROLE pos_ingest IS 'pos_analytics: writes facts, inbox, rejects and reference data (the ingest service). Not subject to tenant row filters.';
COMMENT ON ROLE pos_analyst IS 'pos_analytics: reads facts and views of the tenants mapped to the user in pos.tenant_access; never PII.';
COMMENT ON ROLE pos_api IS 'pos_analytics: the query API; reads as pos_analyst for the one tenant the trusted service sets in pos.tenant.';

GRANT USAGE ON SCHEMA pos TO pos_ingest, pos_analyst, pos_api;
GRANT USAGE ON SCHEMA pos_experimental TO pos_analyst, pos_api;
