-- Tenancy and privileges. Direct users (BI tools, analysts) are bound to tenants by
-- pos.tenant_access, which only the DBA writes; a setting the user controls can never widen it.
-- The pos.tenant setting is honoured only for members of pos_api (the trusted query API sets it
-- per request after authenticating the caller's key).

CREATE TABLE pos.tenant_access (
    role_name  name NOT NULL,
    tenant_id  text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, tenant_id)
);
COMMENT ON TABLE pos.tenant_access IS 'Which tenants a database role may read. Written by the DBA (pos.grant_tenant_access); readable only for one''s own roles.';
ALTER TABLE pos.tenant_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_roles ON pos.tenant_access FOR SELECT
    USING (role_name IN (SELECT r.rolname FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')));
GRANT SELECT ON pos.tenant_access TO pos_analyst, pos_api;

-- PL/pgSQL, not SQL: a SQL function with a FROM clause is never inlined, so every call parsed,
-- rewrote (row security of tenant_access) and planned its body again, ~0.35 ms per call, and a
-- query over a real-time view calls it once per table reference (one InitPlan each: eight for
-- pos.store_daily). PL/pgSQL keeps the plan for the session (re-planned when the role changes,
-- as row security requires), which makes a call ~15x cheaper. Same result as before.
CREATE FUNCTION pos._visible_tenants_uncached() RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    tenants text[];
    api     text;
BEGIN
    -- Row security on tenant_access keeps this to the current role's own rows.
    tenants := ARRAY(SELECT a.tenant_id FROM pos.tenant_access a);
    IF pg_has_role(current_user, 'pos_api', 'MEMBER') THEN
        api := nullif(current_setting('pos.tenant', true), '');
        IF api IS NOT NULL THEN
            tenants := tenants || api;
        END IF;
    END IF;
    -- Sorted and without duplicates, as before; only sorted when there is something to sort
    -- (a DISTINCT on every call cost a quarter of the function).
    IF cardinality(tenants) > 1 THEN
        tenants := ARRAY(SELECT DISTINCT t FROM unnest(tenants) t ORDER BY t);
    END IF;
    RETURN tenants;
END
$$;
COMMENT ON FUNCTION pos._visible_tenants_uncached() IS 'What pos.visible_tenants() returns, computed afresh on every call.';

-- What the policies use (through pos.tenant_visible below): the list above, computed once per
-- statement (pg-extension/src/tenancy.rs), by reading pos.tenant_access directly under the same
-- rules (the policy own_roles, or none where row security does not apply to the user) instead of
-- running the query above (~60 µs). Each table a query reads asks for it, and the list can only
-- change with the user, pos.tenant, or the snapshot: the last list is reused while all three are
-- unchanged (same transaction, snapshot and command).
CREATE FUNCTION pos.visible_tenants() RETURNS text[]
LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pos_visible_tenants';
COMMENT ON FUNCTION pos.visible_tenants() IS 'Tenants the current role may read: its pos.tenant_access rows, plus pos.tenant when the role is a member of pos_api.';

-- The policy of every tenant table (pg-extension/src/tenant_policy.rs): tenant_id is one of
-- pos.visible_tenants(). It replaces `tenant_id = ANY ((SELECT pos.visible_tenants())::text[])`,
-- whose InitPlan array the planner costs as ten index descents, so that it preferred a date
-- index plus a filter (or a sequential scan) to an index on (tenant_id, …). The function is
-- checked on every row; its support function gives the planner a lossy index condition on
-- tenant_id, between the first and the last visible tenant (exact for one tenant, as for every
-- API key), which it costs as one range.
CREATE FUNCTION pos._visible_tenants_first() RETURNS text
LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pos_visible_tenants_first';
COMMENT ON FUNCTION pos._visible_tenants_first() IS 'The first of pos.visible_tenants() (NULL if none): the lower bound of the index condition of pos.tenant_visible.';
CREATE FUNCTION pos._visible_tenants_last() RETURNS text
LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pos_visible_tenants_last';
COMMENT ON FUNCTION pos._visible_tenants_last() IS 'The last of pos.visible_tenants() (NULL if none): the upper bound of the index condition of pos.tenant_visible.';
CREATE FUNCTION pos._tenant_visible_support(internal) RETURNS internal
LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pos_tenant_visible_support';
COMMENT ON FUNCTION pos._tenant_visible_support(internal) IS 'Planner support of pos.tenant_visible: a lossy btree condition tenant_id BETWEEN pos._visible_tenants_first() AND pos._visible_tenants_last().';
CREATE FUNCTION pos.tenant_visible(tenant text) RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE SUPPORT pos._tenant_visible_support AS 'MODULE_PATHNAME', 'pos_tenant_visible';
COMMENT ON FUNCTION pos.tenant_visible(text) IS 'Row-security policy of tenant tables: whether tenant is one of pos.visible_tenants().';

CREATE FUNCTION pos.grant_tenant_access(role_name name, tenant_id text, base_role name DEFAULT 'pos_analyst')
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF role_name IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION 'role_name and tenant_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name
            USING ERRCODE = 'undefined_object', HINT = format('CREATE ROLE %I LOGIN PASSWORD ...; first.', role_name);
    END IF;
    IF base_role NOT IN ('pos_analyst', 'pos_api') THEN
        RAISE EXCEPTION 'base_role must be pos_analyst or pos_api, got %', base_role USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('GRANT %I TO %I', base_role, role_name);
    INSERT INTO pos.tenant_access (role_name, tenant_id) VALUES (role_name, tenant_id) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION pos.grant_tenant_access(name, text, name) IS 'One line for a DBA: lets role_name read tenant_id (granting pos_analyst, or pos_api, to it).';

CREATE FUNCTION pos.revoke_tenant_access(role_name name, tenant_id text) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM pos.tenant_access a WHERE a.role_name = $1 AND a.tenant_id = $2 RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM d)
$$;
COMMENT ON FUNCTION pos.revoke_tenant_access(name, text) IS 'Stops role_name from reading tenant_id; false if it could not before.';

-- Row-level security on every tenant table: readers see their tenants, the ingest role sees all.
DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['store', 'txn', 'sale_line', 'tender', 'drawer_event', 'inventory_level',
                             'product', 'sku_alias', 'identity_link', 'customer', 'raw_inbox', 'reject', 'ingest_batch',
                             'txn_tombstone'] LOOP
        EXECUTE format('ALTER TABLE pos.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_read ON pos.%I FOR SELECT TO pos_analyst, pos_api USING (pos.tenant_visible(tenant_id))', t);
        EXECUTE format('CREATE POLICY ingest_all ON pos.%I FOR ALL TO pos_ingest USING (true) WITH CHECK (true)', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON pos.%I TO pos_ingest', t);
    END LOOP;
    -- Readers: facts and reference data, never PII (pos.customer) nor raw payloads.
    FOREACH t IN ARRAY ARRAY['store', 'txn', 'sale_line', 'tender', 'drawer_event', 'inventory_level',
                             'product', 'sku_alias', 'identity_link'] LOOP
        EXECUTE format('GRANT SELECT ON pos.%I TO pos_analyst, pos_api', t);
    END LOOP;
END
$rls$;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA pos TO pos_ingest;
GRANT EXECUTE ON FUNCTION pos.ensure_chunks(regclass, timestamptz, timestamptz) TO pos_ingest;
GRANT SELECT ON pos.hypertable, pos.chunk, pos.job_status TO pos_analyst, pos_api, pos_ingest;

-- SECURITY DEFINER functions create and drop tables as the extension owner: nobody but the owner
-- (and roles granted explicitly above) may call them.
REVOKE EXECUTE ON FUNCTION pos.create_hypertable(regclass, name, interval, interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.ensure_chunks(regclass, timestamptz, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.drop_chunks(regclass, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.drop_chunks(regclass, interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.move_stragglers(regclass) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.run_job(bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.run_due_jobs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pos.ensure_chunks(regclass, timestamptz, timestamptz) TO pos_ingest;
