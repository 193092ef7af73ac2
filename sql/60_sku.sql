-- SKU normalization settings per tenant, alias match keys, resolution and the bulk rebuild.
-- The functions used here (pos.sku_key, pos.item_sku, pos.barcode_scheme_check) are Rust
-- wrappers over pos_core::sku (pg-extension/src/sku.rs); docs/sku.md describes the rules.

CREATE TABLE pos.sku_settings (
    tenant_id      text PRIMARY KEY,
    barcode_scheme jsonb CHECK (pos.barcode_scheme_check(barcode_scheme)),
    strip_prefixes text[] NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pos.sku_settings IS 'Per-tenant SKU rules: the variable-measure barcode scheme (prefix -> layout; NULL = GS1 default) and vendor SKU prefixes to strip. After a change, run pos.rebuild_sku_aliases(tenant).';
ALTER TABLE pos.sku_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON pos.sku_settings FOR SELECT TO pos_analyst, pos_api
    USING (pos.tenant_visible(tenant_id));
CREATE POLICY ingest_all ON pos.sku_settings FOR ALL TO pos_ingest USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON pos.sku_settings TO pos_ingest;
GRANT SELECT ON pos.sku_settings TO pos_analyst, pos_api;

-- match_key: the product key of raw_item_id under the tenant's rules (pos.item_sku), so every
-- spelling of one product finds the alias. origin: 'manual' aliases are never overwritten by a
-- rebuild; 'derived' ones follow the current rules.
ALTER TABLE pos.sku_alias
    ADD COLUMN match_key text,
    ADD COLUMN origin text NOT NULL DEFAULT 'manual' CHECK (origin IN ('manual', 'derived'));
CREATE INDEX sku_alias_match_key ON pos.sku_alias (tenant_id, source, match_key);
COMMENT ON COLUMN pos.sku_alias.match_key IS 'pos.item_sku(raw_item_id) under the tenant''s pos.sku_settings; kept by a trigger and pos.rebuild_sku_aliases.';
COMMENT ON COLUMN pos.sku_alias.origin IS 'manual: mapped by a person, never overwritten; derived: written by pos.rebuild_sku_aliases from the rules.';

CREATE FUNCTION pos.tenant_item_sku(tenant text, raw text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pos.item_sku($2, s.barcode_scheme, s.strip_prefixes)
      FROM (SELECT 1) AS one
      LEFT JOIN pos.sku_settings s ON s.tenant_id = $1
$$;
COMMENT ON FUNCTION pos.tenant_item_sku(text, text) IS 'pos.item_sku under the tenant''s pos.sku_settings (GS1 default scheme, no prefixes when it has none).';

CREATE FUNCTION pos.sku_alias_set_match_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.match_key := pos.tenant_item_sku(NEW.tenant_id, NEW.raw_item_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER set_match_key BEFORE INSERT OR UPDATE OF tenant_id, raw_item_id ON pos.sku_alias
    FOR EACH ROW EXECUTE FUNCTION pos.sku_alias_set_match_key();

CREATE FUNCTION pos.resolve_sku(tenant text, source text, raw text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    WITH k AS (SELECT pos.tenant_item_sku($1, $3) AS key)
    SELECT coalesce(
        (SELECT a.sku FROM pos.sku_alias a
          WHERE a.tenant_id = $1 AND a.source = $2 AND a.raw_item_id = $3),
        (SELECT a.sku FROM pos.sku_alias a, k
          WHERE a.tenant_id = $1 AND a.source = $2 AND a.match_key = k.key
          ORDER BY a.origin = 'derived', a.raw_item_id LIMIT 1),
        (SELECT key FROM k))
$$;
COMMENT ON FUNCTION pos.resolve_sku(text, text, text) IS 'The product key for a raw item id from one source: its alias (exact raw id, else same match key; manual before derived), else the key derived by the tenant''s rules. NULL for NULL or empty ids.';

CREATE FUNCTION pos.rebuild_sku_aliases(tenant text, only_source text DEFAULT NULL)
RETURNS TABLE (added bigint, updated bigint, rekeyed bigint)
LANGUAGE plpgsql AS $$
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'tenant must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'call pos.rebuild_sku_aliases(''<tenant_id>'') once per tenant';
    END IF;
    -- Match keys under the current rules.
    UPDATE pos.sku_alias a SET match_key = pos.tenant_item_sku(a.tenant_id, a.raw_item_id)
     WHERE a.tenant_id = tenant AND (only_source IS NULL OR a.source = only_source)
       AND a.match_key IS DISTINCT FROM pos.tenant_item_sku(a.tenant_id, a.raw_item_id);
    GET DIAGNOSTICS rekeyed = ROW_COUNT;
    -- Derived aliases follow the rules; manual ones are left alone.
    UPDATE pos.sku_alias a SET sku = a.match_key
     WHERE a.tenant_id = tenant AND (only_source IS NULL OR a.source = only_source)
       AND a.origin = 'derived' AND a.match_key IS NOT NULL AND a.sku IS DISTINCT FROM a.match_key;
    GET DIAGNOSTICS updated = ROW_COUNT;
    -- Every raw item id seen in sales gets an alias.
    INSERT INTO pos.sku_alias (tenant_id, source, raw_item_id, sku, origin)
    SELECT r.tenant_id, r.source, r.raw_item_id, pos.tenant_item_sku(r.tenant_id, r.raw_item_id), 'derived'
      FROM (SELECT DISTINCT l.tenant_id, l.source, l.raw_item_id FROM pos.sale_line l
             WHERE l.tenant_id = tenant AND (only_source IS NULL OR l.source = only_source)) r
     WHERE pos.tenant_item_sku(r.tenant_id, r.raw_item_id) IS NOT NULL
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION pos.rebuild_sku_aliases(text, text) IS 'Bulk (re)build of one tenant''s aliases: recomputes match keys under pos.sku_settings, updates derived aliases, and adds a derived alias for every raw item id in pos.sale_line. Manual aliases are never overwritten.';
