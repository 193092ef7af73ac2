-- Identity resolution: per-tenant settings, trained models, the erasure audit and
-- pos.forget_customer. The base tables pos.customer (PII) and pos.identity_link are in
-- 30_reference.sql; the algorithms are Rust functions (pg-extension/src/identity.rs).

CREATE TABLE pos.identity_settings (
    tenant_id       text PRIMARY KEY,
    default_region  text NOT NULL DEFAULT 'US' CHECK (default_region ~ '^[A-Z]{2}$'),
    date_order      text NOT NULL DEFAULT 'day_first' CHECK (date_order IN ('day_first', 'month_first')),
    match_threshold double precision CHECK (match_threshold > 0 AND match_threshold < 1)
);
COMMENT ON TABLE pos.identity_settings IS 'How a tenant''s customer data is read: phone/postcode region when a record has no country, how slashed birth dates are read, and an optional match-probability threshold that overrides the model''s.';

CREATE TABLE pos.identity_model (
    tenant_id  text PRIMARY KEY,
    model      jsonb NOT NULL,
    records    integer NOT NULL,
    trained_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pos.identity_model IS 'The Fellegi-Sunter model trained by pos.train_identity_model(tenant): m/u probabilities per field and level, prior, threshold, blocking rules. Holds no PII.';

CREATE TABLE pos.identity_erasure (
    erasure_id            bigserial PRIMARY KEY,
    tenant_id             text NOT NULL,
    customer_key          text NOT NULL,
    customer_records      integer NOT NULL DEFAULT 0,
    links_removed         integer NOT NULL DEFAULT 0,
    inbox_payloads_erased integer NOT NULL DEFAULT 0,
    rejects_erased        integer NOT NULL DEFAULT 0,
    fact_rows_detached    integer NOT NULL DEFAULT 0,
    erased_by             text NOT NULL DEFAULT current_user,
    erased_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pos.identity_erasure IS 'Audit of right-to-erasure requests executed by pos.forget_customer: what was removed, by whom, when. Holds no PII.';

-- Payload rows that mention one of the person's identifiers. Over-matching is safe (a payload
-- erased too many loses only its re-processing copy); under-matching would leave PII behind, so
-- emails and names match case-insensitively and phone numbers by their digits.
CREATE FUNCTION pos.identity_payload_mentions(payload text, needles text[], digit_needles text[], id_patterns text[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT payload IS NOT NULL AND (
           EXISTS (SELECT 1 FROM unnest(needles) n WHERE strpos(lower(payload), lower(n)) > 0)
        OR EXISTS (SELECT 1 FROM unnest(digit_needles) d WHERE strpos(regexp_replace(payload, '\D', '', 'g'), d) > 0)
        OR EXISTS (SELECT 1 FROM unnest(id_patterns) p WHERE payload ~ p))
$$;

CREATE FUNCTION pos.forget_customer(tenant text, customer_key text)
RETURNS pos.identity_erasure
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    audit        pos.identity_erasure;
    members      record;
    needles      text[];
    digit_needles text[];
    id_patterns  text[];
    marker       text;
    n            integer;
BEGIN
    IF tenant IS NULL OR customer_key IS NULL THEN
        RAISE EXCEPTION 'pos.forget_customer needs a tenant and a customer_key'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'pass both, e.g. pos.forget_customer(''t1'', ''ck_…'')';
    END IF;
    SELECT count(*) AS n,
           array_agg(l.source) AS sources,
           array_agg(l.source_customer_id) AS ids
      INTO members
      FROM pos.identity_link l
     WHERE l.tenant_id = tenant AND l.customer_key = forget_customer.customer_key;
    IF members.n = 0 THEN
        RAISE EXCEPTION 'no customer with key % in tenant %', customer_key, tenant
            USING ERRCODE = 'no_data_found', HINT = 'look the key up in pos.identity_link; run pos.resolve_identities(tenant) if the customer was loaded after the last resolution';
    END IF;

    INSERT INTO pos.identity_erasure (tenant_id, customer_key) VALUES (tenant, customer_key) RETURNING * INTO audit;
    marker := jsonb_build_object('erased', true, 'erasure_id', audit.erasure_id)::text;

    -- Everything the person's records say about them, to find copies in payloads.
    SELECT array_agg(DISTINCT v) FILTER (WHERE length(v) >= 4),
           -- the last 9 digits: the subscriber number without country code or trunk prefix
           array_agg(DISTINCT right(regexp_replace(c.phone, '\D', '', 'g'), 9)) FILTER (WHERE length(regexp_replace(c.phone, '\D', '', 'g')) >= 7),
           array_agg(DISTINCT '(^|[^A-Za-z0-9_-])' || regexp_replace(c.source_customer_id, '([^A-Za-z0-9])', '\\\1', 'g') || '($|[^A-Za-z0-9_-])')
      INTO needles, digit_needles, id_patterns
      FROM pos.customer c
      CROSS JOIN LATERAL unnest(ARRAY[c.email, c.phone, c.full_name, c.address]) AS v
     WHERE c.tenant_id = tenant
       AND (c.source, c.source_customer_id) IN (SELECT * FROM unnest(members.sources, members.ids));
    -- Source ids also identify the person in payloads of customers already deleted from pos.customer.
    id_patterns := coalesce(id_patterns, '{}') || ARRAY(
        SELECT '(^|[^A-Za-z0-9_-])' || regexp_replace(i, '([^A-Za-z0-9])', '\\\1', 'g') || '($|[^A-Za-z0-9_-])'
          FROM unnest(members.ids) AS i);

    -- Packed payloads are searched unpacked; the marker replaces either form.
    UPDATE pos.raw_inbox r SET payload = marker, payload_zstd = NULL, status = 'erased'
     WHERE r.tenant_id = tenant AND r.status <> 'erased'
       AND (pos.identity_payload_mentions(pos.inbox_payload(r), coalesce(needles, '{}'), coalesce(digit_needles, '{}'), '{}')
            OR (r.source = ANY (members.sources) AND pos.identity_payload_mentions(pos.inbox_payload(r), '{}', '{}', id_patterns)));
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.inbox_payloads_erased := n;

    UPDATE pos.reject j SET payload = marker, detail = jsonb_build_object('erased', true, 'erasure_id', audit.erasure_id)
     WHERE j.tenant_id = tenant
       AND (pos.identity_payload_mentions(j.payload, coalesce(needles, '{}'), coalesce(digit_needles, '{}'), '{}')
            OR pos.identity_payload_mentions(j.detail::text, coalesce(needles, '{}'), coalesce(digit_needles, '{}'), '{}')
            OR (j.source = ANY (members.sources) AND pos.identity_payload_mentions(j.payload, '{}', '{}', id_patterns)));
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.rejects_erased := n;

    -- Sales stay (they are the retailer's books) but no longer point at the person.
    UPDATE pos.txn t SET customer_id = NULL
     WHERE t.tenant_id = tenant AND (t.source, t.customer_id) IN (SELECT * FROM unnest(members.sources, members.ids));
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.fact_rows_detached := n;
    UPDATE pos.sale_line s SET customer_id = NULL
     WHERE s.tenant_id = tenant AND (s.source, s.customer_id) IN (SELECT * FROM unnest(members.sources, members.ids));
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.fact_rows_detached := audit.fact_rows_detached + n;

    DELETE FROM pos.customer c
     WHERE c.tenant_id = tenant AND (c.source, c.source_customer_id) IN (SELECT * FROM unnest(members.sources, members.ids));
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.customer_records := n;
    DELETE FROM pos.identity_link l WHERE l.tenant_id = tenant AND l.customer_key = forget_customer.customer_key;
    GET DIAGNOSTICS n = ROW_COUNT;
    audit.links_removed := n;

    UPDATE pos.identity_erasure e
       SET customer_records = audit.customer_records, links_removed = audit.links_removed,
           inbox_payloads_erased = audit.inbox_payloads_erased, rejects_erased = audit.rejects_erased,
           fact_rows_detached = audit.fact_rows_detached
     WHERE e.erasure_id = audit.erasure_id;
    RETURN audit;
END
$$;
COMMENT ON FUNCTION pos.forget_customer(text, text) IS 'Right to erasure: deletes the person''s customer records and identity links, replaces raw inbox and reject payloads that mention them with an erasure marker, detaches their sales, and writes an audit row (returned).';

-- Tenant isolation like every other pos table; customer data functions are for the ingest role.
DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['identity_settings', 'identity_model', 'identity_erasure'] LOOP
        EXECUTE format('ALTER TABLE pos.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY ingest_all ON pos.%I FOR ALL TO pos_ingest USING (true) WITH CHECK (true)', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON pos.%I TO pos_ingest', t);
    END LOOP;
END
$rls$;
GRANT USAGE ON SEQUENCE pos.identity_erasure_erasure_id_seq TO pos_ingest;
REVOKE EXECUTE ON FUNCTION pos.forget_customer(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.train_identity_model(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.resolve_identities(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pos.forget_customer(text, text), pos.train_identity_model(text), pos.resolve_identities(text) TO pos_ingest;
