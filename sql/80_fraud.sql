-- Fraud scoring: settings and baselines per tenant, a score per transaction, alerts raised as
-- transactions commit. Algorithms live in pos-core (core/src/fraud); see docs/fraud.md.
--
-- Real-time path (chosen: a trigger, not the ingest service, so every writer is covered — COPY,
-- psql, the ingest service, replays): a DEFERRABLE INITIALLY DEFERRED constraint trigger on
-- pos.txn fires at COMMIT of the writing transaction, when the header's lines and tenders are in
-- place; it scores the transaction, stores the score, and for a score at or above the tenant's
-- threshold inserts a pos.fraud_alert row and sends NOTIFY pos_fraud_alert. Alert and data commit
-- atomically, so an alert is visible the moment the transaction is. A newer version of a
-- transaction (UPDATE, e.g. a post-void arriving later) is re-scored.

CREATE TABLE pos.fraud_settings (
    tenant_id               text PRIMARY KEY,
    alert_threshold         double precision NOT NULL DEFAULT 0.5 CHECK (alert_threshold > 0 AND alert_threshold <= 1),
    cashier_alert_threshold double precision NOT NULL DEFAULT 0.5 CHECK (cashier_alert_threshold > 0 AND cashier_alert_threshold <= 1),
    realtime                boolean NOT NULL DEFAULT true,
    txn_offset              double precision NOT NULL DEFAULT 9 CHECK (txn_offset > 0),
    cashier_day_offset      double precision NOT NULL DEFAULT 6 CHECK (cashier_day_offset > 0)
);
COMMENT ON TABLE pos.fraud_settings IS 'Per-tenant fraud thresholds (score in [0,1] that raises an alert), real-time switch and calibration offsets (nats of evidence that make a score of 0.5). Tenants without a row use the defaults.';

CREATE TABLE pos.fraud_baseline (
    tenant_id    text PRIMARY KEY,
    fitted_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    trained_from date NOT NULL,
    trained_to   date NOT NULL,
    transactions bigint NOT NULL,
    baselines    jsonb NOT NULL
);
COMMENT ON TABLE pos.fraud_baseline IS 'What honest looks like per store and chain-wide, learned by pos.fraud_fit_baseline from history (versioned JSON from pos-core).';
-- The fit reads its history in one query over every chunk of three hypertables; its plan costs
-- enough for JIT, which compiled expressions for longer than the query ran (a 60-day fit on a
-- year of daily chunks: 11.7 s with JIT, 5.2 s without).
ALTER FUNCTION pos.fraud_fit_baseline(text, date, date) SET jit = off;

CREATE TABLE pos.fraud_score (
    tenant_id     text NOT NULL,
    store_id      text NOT NULL,
    source        text NOT NULL,
    source_txn_id text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    business_date date NOT NULL,
    cashier_id    text,
    score         double precision NOT NULL,
    evidence      double precision NOT NULL,
    hits          text[] NOT NULL DEFAULT '{}',
    reasons       jsonb NOT NULL DEFAULT '[]',
    scored_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, store_id, source, source_txn_id)
);
CREATE INDEX ON pos.fraud_score (tenant_id, store_id, cashier_id, business_date);
-- A return cites its sale by id alone (possibly from another store): scoring it at commit needs
-- that lookup to be an index probe, not a scan of the tenant's transactions. pos.txn's key leads
-- with (source_txn_id, tenant_id), so the key's index is that probe (sql/20_facts.sql).
COMMENT ON TABLE pos.fraud_score IS 'The latest fraud score of every scored transaction, with reasons; hits are the signal families that fired (they feed the cashier''s day).';

CREATE TABLE pos.fraud_alert (
    alert_id        bigserial PRIMARY KEY,
    tenant_id       text NOT NULL,
    store_id        text NOT NULL,
    level           text NOT NULL CHECK (level IN ('transaction', 'no_sale', 'cashier_day')),
    source          text,
    source_txn_id   text,
    source_event_id text,
    cashier_id      text,
    business_date   date NOT NULL,
    occurred_at     timestamptz,
    score           double precision NOT NULL,
    reasons         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    acknowledged_at timestamptz
);
CREATE UNIQUE INDEX fraud_alert_once ON pos.fraud_alert (tenant_id, store_id, level, (coalesce(source_txn_id, source_event_id, cashier_id, '')), business_date);
CREATE INDEX ON pos.fraud_alert (tenant_id, created_at);
COMMENT ON TABLE pos.fraud_alert IS 'Fraud alerts, one per transaction, no-sale event or cashier-day; each insert is announced by NOTIFY pos_fraud_alert with a JSON payload.';

-- Same access model as the facts (sql/40_security.sql): readers see their tenants' rows; the
-- scoring functions that write run as SECURITY DEFINER so any writer of pos.txn can trigger them.
DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fraud_settings', 'fraud_baseline', 'fraud_score', 'fraud_alert'] LOOP
        EXECUTE format('ALTER TABLE pos.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_read ON pos.%I FOR SELECT TO pos_analyst, pos_api USING (pos.tenant_visible(tenant_id))', t);
        EXECUTE format('GRANT SELECT ON pos.%I TO pos_analyst, pos_api', t);
    END LOOP;
END
$rls$;

-- The ingest service deletes the score of a transaction it retracts, in the same statement
-- (ingest/src/writer/retract.rs); a DELETE that matches on columns needs to see them too.
CREATE POLICY ingest_forget ON pos.fraud_score FOR ALL TO pos_ingest USING (true);
GRANT SELECT, DELETE ON pos.fraud_score TO pos_ingest;

CREATE FUNCTION pos.fraud_setting(p_tenant text) RETURNS pos.fraud_settings
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT s FROM pos.fraud_settings s WHERE s.tenant_id = p_tenant),
                    ROW(p_tenant, 0.5, 0.5, true, 9, 6)::pos.fraud_settings)
$$;

-- One transaction as pos-core's canonical JSON (numbers as text keep numeric exact). With its
-- occurred_at (the commit trigger knows it) every lookup prunes to one chunk; without it the
-- header's time is first found by key in every chunk (pos.score_transaction by hand). Generic plans on
-- purpose: they are pruned at executor start-up in well under a millisecond, where re-planning
-- the statements over every chunk for each call cost 50+ ms (measured with 164 chunks). No JIT:
-- a generic plan over every chunk costs enough to trigger it, and compiling the expressions of
-- all chunks took 20-35 s for a lookup that reads one row.
CREATE FUNCTION pos.fraud_txn_json(p_tenant text, p_store text, p_source text, p_txn text, p_at timestamptz DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET jit = off AS $$
BEGIN
    IF p_at IS NULL THEN
        SELECT t.occurred_at INTO p_at FROM pos.txn t
         WHERE (t.tenant_id, t.store_id, t.source, t.source_txn_id) = (p_tenant, p_store, p_source, p_txn)
         ORDER BY t.source_version DESC LIMIT 1;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN (SELECT jsonb_build_object(
        'key', jsonb_build_object('tenant_id', t.tenant_id, 'store_id', t.store_id, 'source', t.source, 'source_txn_id', t.source_txn_id),
        'source_version', t.source_version, 'occurred_at', t.occurred_at, 'business_date', t.business_date,
        'register_id', t.register_id, 'cashier_id', t.cashier_id, 'customer_id', t.customer_id,
        'status', t.status, 'currency', t.currency,
        'lines', coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'line_no', l.line_no, 'kind', l.kind, 'sku', l.sku, 'gtin', l.gtin, 'raw_item_id', l.raw_item_id,
                    'description', l.description, 'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                    'discount', l.discount::text, 'net_amount', l.net_amount::text, 'tax', l.tax::text,
                    'entry_method', l.entry_method, 'price_override', l.price_override, 'non_revenue', l.non_revenue,
                    'original_txn_id', l.original_txn_id, 'original_line_no', l.original_line_no) ORDER BY l.line_no)
                FROM pos.sale_line l
               WHERE (l.tenant_id, l.store_id, l.source, l.source_txn_id) = (t.tenant_id, t.store_id, t.source, t.source_txn_id) AND l.occurred_at = p_at), '[]'),
        'tenders', coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'tender_no', x.tender_no, 'method', x.method, 'amount', x.amount::text, 'tip', x.tip::text,
                    'status', x.status,
                    'card_fingerprint', x.card_fingerprint, 'card_bin', x.card_bin, 'card_entry', x.card_entry,
                    'occurred_at', x.occurred_at) ORDER BY x.tender_no)
                FROM pos.tender x
               WHERE (x.tenant_id, x.store_id, x.source, x.source_txn_id) = (t.tenant_id, t.store_id, t.source, t.source_txn_id)
                 AND x.occurred_at >= p_at - interval '1 day' AND x.occurred_at < p_at + interval '1 day'), '[]'))
      FROM pos.txn t
     WHERE (t.tenant_id, t.store_id, t.source, t.source_txn_id) = (p_tenant, p_store, p_source, p_txn) AND t.occurred_at = p_at
     ORDER BY t.source_version DESC
     LIMIT 1);
END
$$;

-- What the scorer needs beyond the transaction: the sales its returns cite (with what each sold
-- and what earlier returns refunded citing it), the store's card attempts in the 10 minutes
-- before it, and its cashier's business day so far. PL/pgSQL with the key in variables, and
-- every time range bounded on both sides, so each lookup prunes to the chunks it needs and uses
-- an index: this runs at every commit, its cost must not grow with the table (a business day
-- spans at most two calendar days either side of its transactions; earlier returns of a sale lie
-- between it and this return, found by sale_line_original).
-- A cited sale's time is not known, so its header is looked for in windows going back from the
-- return (8, 40 and 400 days back, then all the rest): most receipts come back within days, and
-- only a receipt not found in the recent chunks (never rung, or years old) costs a probe of older
-- ones; a sale found in one window is not looked for in the next. Each sale found is then read
-- by its own time, so its lookups start up on its own chunk only: one query over every cited
-- sale would take their times as run-time values and start up a scan of every chunk, three
-- times over (60 ms per return on a year of daily chunks).
-- A receipt id names no store. Where ids are unique in the chain (Square, Shopify, POSLog's
-- store-workstation-day-sequence) any store's sale and returns count; an id rung at several
-- stores in the window is a per-store number (tills that count from 1 in each store), and then
-- the return's own store's sale is the one it cites, and only returns at that sale's store
-- refunded it: otherwise another store's receipt 1001 would back, or be refunded by, this one.
-- Generic plans for the same reason as pos.fraud_txn_json.
CREATE FUNCTION pos.fraud_context_json(p_txn jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET jit = off AS $$
DECLARE
    v_tenant  text := p_txn->'key'->>'tenant_id';
    v_store   text := p_txn->'key'->>'store_id';
    v_txn     text := p_txn->'key'->>'source_txn_id';
    v_at      timestamptz := (p_txn->>'occurred_at')::timestamptz;
    v_bd      date := (p_txn->>'business_date')::date;
    v_cashier text := p_txn->>'cashier_id';
    v_missing text[] := ARRAY(SELECT DISTINCT l->>'original_txn_id' FROM jsonb_array_elements(p_txn->'lines') l
                                WHERE l->>'original_txn_id' IS NOT NULL);
    v_id      text;
    v_back    interval;
    v_lo      timestamptz;
    v_hi      timestamptz := v_at;
    o         record;
    c         record;
    v_sale_store text;
    v_many    boolean;
    v_originals jsonb := '{}';
    v_recent  jsonb;
    v_day     jsonb;
    v_offset  integer;
BEGIN
    FOREACH v_back IN ARRAY ARRAY[interval '8 days', interval '40 days', interval '400 days', NULL] LOOP
        EXIT WHEN cardinality(v_missing) = 0;
        v_lo := CASE WHEN v_back IS NULL THEN '-infinity' ELSE v_at - v_back END;
        FOREACH v_id IN ARRAY v_missing LOOP
            -- The latest sale with this id in the window, the return's own store's if it has one
            -- (the loop keeps the last row); an id rung at several stores is a per-store number.
            v_sale_store := NULL;
            v_many := false;
            FOR o IN SELECT t.store_id, t.source, t.source_txn_id, t.occurred_at, t.customer_id FROM pos.txn t
                      WHERE t.tenant_id = v_tenant AND t.source_txn_id = v_id AND t.status = 'completed'
                        AND t.occurred_at >= v_lo AND t.occurred_at <= v_hi
                      ORDER BY t.store_id = v_store, t.occurred_at LOOP
                v_many := v_many OR o.store_id <> coalesce(v_sale_store, o.store_id);
                v_sale_store := o.store_id;
                c := o;
            END LOOP;
            CONTINUE WHEN v_sale_store IS NULL;
            v_originals := v_originals || jsonb_build_object(c.source_txn_id, jsonb_build_object(
                'tender_methods', coalesce((SELECT jsonb_agg(DISTINCT x.method) FROM pos.tender x
                                             WHERE (x.tenant_id, x.store_id, x.source, x.source_txn_id) = (v_tenant, c.store_id, c.source, c.source_txn_id)
                                               AND x.occurred_at >= c.occurred_at - interval '1 day' AND x.occurred_at < c.occurred_at + interval '1 day'
                                               AND x.status = 'approved' AND x.amount > 0), '[]'),
                'customer_id', c.customer_id,
                -- The most a return can give back citing it (lines of the same row time)…
                'sold', (SELECT greatest(coalesce(sum(l.net_amount), 0), 0) FROM pos.sale_line l
                          WHERE l.occurred_at = c.occurred_at AND l.kind IN ('sale', 'void')
                            AND (l.source_txn_id, l.tenant_id, l.store_id, l.source) = (c.source_txn_id, v_tenant, c.store_id, c.source)),
                -- … and what completed returns before this one gave back citing it (at the
                -- same instant, the one with the smaller id counts as before); a per-store
                -- number is cited by returns at its own store only.
                'refunded', (SELECT coalesce(sum(greatest(-r.net_amount, 0)), 0) FROM pos.sale_line r
                              WHERE r.tenant_id = v_tenant AND r.original_txn_id = c.source_txn_id
                                AND (NOT v_many OR r.store_id = c.store_id)
                                AND r.occurred_at >= c.occurred_at AND r.occurred_at <= v_at
                                AND (r.occurred_at, r.source_txn_id) < (v_at, v_txn)
                                AND r.kind = 'return' AND r.txn_status = 'completed')));
        END LOOP;
        v_missing := ARRAY(SELECT unnest(v_missing) EXCEPT SELECT jsonb_object_keys(v_originals));
        v_hi := v_lo - interval '1 microsecond';
    END LOOP;
    SELECT coalesce(jsonb_agg(jsonb_build_object('occurred_at', x.occurred_at, 'status', x.status, 'bin', x.card_bin,
                                                 'fingerprint', x.card_fingerprint) ORDER BY x.occurred_at), '[]')
      INTO v_recent
      FROM pos.tender x
     WHERE x.tenant_id = v_tenant AND x.store_id = v_store AND x.method = 'card'
       AND x.occurred_at >= v_at - interval '10 minutes' AND x.occurred_at < v_at AND x.source_txn_id <> v_txn;
    -- The cashier's scored transactions so far, each with its header looked up by key (LIMIT 1
    -- keeps the lookup a per-score probe: joined, the planner read every header of the store's
    -- last two days against every score, 2 ms per transaction at 300 a store-day).
    WITH earlier AS (
        SELECT s.hits, t.customer_id
          FROM pos.fraud_score s
         CROSS JOIN LATERAL (
               SELECT t.customer_id FROM pos.txn t
                WHERE (t.source_txn_id, t.tenant_id, t.store_id, t.source, t.occurred_at) = (s.source_txn_id, s.tenant_id, s.store_id, s.source, s.occurred_at)
                  AND t.occurred_at >= v_at - interval '2 days' AND t.occurred_at < v_at
                LIMIT 1) t
         WHERE s.tenant_id = v_tenant AND s.store_id = v_store AND s.cashier_id = v_cashier
           AND s.business_date = v_bd AND s.occurred_at < v_at AND s.source_txn_id <> v_txn
    )
    SELECT jsonb_build_object(
        'transactions', (SELECT count(*) FROM earlier),
        'hits', coalesce((SELECT jsonb_object_agg(h, n) FROM (SELECT h, count(*) AS n FROM earlier, unnest(hits) h GROUP BY h) z), '{}'),
        'customers', coalesce((SELECT jsonb_object_agg(customer_id, n) FROM (SELECT customer_id, count(*) AS n FROM earlier WHERE customer_id IS NOT NULL GROUP BY customer_id) z), '{}'),
        'no_sales', (SELECT count(*) FROM pos.drawer_event d
                      WHERE d.tenant_id = v_tenant AND d.store_id = v_store AND d.cashier_id = v_cashier AND d.business_date = v_bd
                        AND d.kind = 'no_sale' AND d.occurred_at >= v_at - interval '2 days' AND d.occurred_at < v_at))
      INTO v_day;
    -- The store's offset from UTC at that moment, so that dayparts and weekends are the store's
    -- own (a UTC-5 store's Friday evening is Saturday morning in UTC); null without a store row.
    SELECT extract(epoch FROM (v_at AT TIME ZONE s.timezone) - (v_at AT TIME ZONE 'UTC'))::integer
      INTO v_offset
      FROM pos.store s WHERE s.tenant_id = v_tenant AND s.store_id = v_store;
    RETURN jsonb_build_object('originals', v_originals, 'reference_prices', '{}'::jsonb,
                              'recent_card_attempts', v_recent, 'day', v_day, 'utc_offset_seconds', v_offset);
END
$$;

CREATE FUNCTION pos.score_transaction(tenant_id text, store_id text, source text, source_txn_id text,
                                      OUT score double precision, OUT alert boolean, OUT evidence double precision,
                                      OUT hits text[], OUT reasons jsonb, OUT notes jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t jsonb := pos.fraud_txn_json(tenant_id, store_id, source, source_txn_id);
    s pos.fraud_settings := pos.fraud_setting(tenant_id);
    r jsonb;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'transaction (%, %, %, %) not found', tenant_id, store_id, source, source_txn_id
              USING ERRCODE = 'no_data_found', HINT = 'pass the tenant_id, store_id, source and source_txn_id of a row in pos.txn';
    END IF;
    r := pos.fraud_score_json(t, pos.fraud_context_json(t), tenant_id, s.txn_offset);
    score := (r->>'score')::float8;
    alert := score >= s.alert_threshold;
    evidence := (r->>'evidence')::float8;
    hits := ARRAY(SELECT jsonb_array_elements_text(r->'hits'));
    reasons := r->'reasons';
    notes := coalesce(r->'notes', '[]');
END
$$;
COMMENT ON FUNCTION pos.score_transaction(text, text, text, text) IS 'Fraud score in [0,1] of one transaction in its context (cited sales, recent card attempts at the store, the cashier''s day so far), with reasons (code, contribution in nats, detail). notes say what was not judged and why (code, detail), e.g. amounts_not_judged: the transaction''s currency is not its baseline''s. Needs pos.fraud_fit_baseline first.';

CREATE FUNCTION pos.fraud_record(p_tenant text, p_store text, p_source text, p_txn text, p_alert boolean DEFAULT true,
                                 p_at timestamptz DEFAULT NULL)
RETURNS double precision LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pos.fraud_settings := pos.fraud_setting(p_tenant);
    t jsonb := pos.fraud_txn_json(p_tenant, p_store, p_source, p_txn, p_at);
    r jsonb;
    v_score float8;
    v_at timestamptz;
    v_bd date;
    v_cashier text;
    id bigint;
BEGIN
    IF t IS NULL AND p_at IS NOT NULL THEN
        -- a later version in the same database transaction moved it to another time, or deleted it
        t := pos.fraud_txn_json(p_tenant, p_store, p_source, p_txn);
        IF t IS NULL THEN
            RETURN NULL;
        END IF;
    ELSIF t IS NULL THEN
        RAISE EXCEPTION 'transaction (%, %, %, %) not found', p_tenant, p_store, p_source, p_txn
              USING ERRCODE = 'no_data_found', HINT = 'pass the tenant_id, store_id, source and source_txn_id of a row in pos.txn';
    END IF;
    r := pos.fraud_score_json(t, pos.fraud_context_json(t), p_tenant, s.txn_offset);
    v_score := (r->>'score')::float8;
    v_at := (t->>'occurred_at')::timestamptz;
    v_bd := (t->>'business_date')::date;
    v_cashier := t->>'cashier_id';
    INSERT INTO pos.fraud_score (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, score, evidence, hits, reasons)
    VALUES (p_tenant, p_store, p_source, p_txn, v_at, v_bd, v_cashier, v_score, (r->>'evidence')::float8,
            ARRAY(SELECT jsonb_array_elements_text(r->'hits')), r->'reasons')
    ON CONFLICT ON CONSTRAINT fraud_score_pkey DO UPDATE
       SET score = EXCLUDED.score, evidence = EXCLUDED.evidence, hits = EXCLUDED.hits, reasons = EXCLUDED.reasons,
           occurred_at = EXCLUDED.occurred_at, business_date = EXCLUDED.business_date, cashier_id = EXCLUDED.cashier_id, scored_at = EXCLUDED.scored_at;
    IF p_alert AND v_score >= s.alert_threshold THEN
        INSERT INTO pos.fraud_alert (tenant_id, store_id, level, source, source_txn_id, cashier_id, business_date, occurred_at, score, reasons)
        VALUES (p_tenant, p_store, 'transaction', p_source, p_txn, v_cashier, v_bd, v_at, v_score, r->'reasons')
        ON CONFLICT DO NOTHING RETURNING alert_id INTO id;
        IF id IS NOT NULL THEN
            PERFORM pg_notify('pos_fraud_alert', jsonb_build_object('alert_id', id, 'tenant_id', p_tenant, 'store_id', p_store,
                'level', 'transaction', 'source_txn_id', p_txn, 'cashier_id', v_cashier, 'score', round(v_score::numeric, 4))::text);
        END IF;
    END IF;
    RETURN v_score;
END
$$;

CREATE FUNCTION pos.fraud_on_txn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s pos.fraud_settings := pos.fraud_setting(NEW.tenant_id);
BEGIN
    IF s.realtime AND EXISTS (SELECT 1 FROM pos.fraud_baseline b WHERE b.tenant_id = NEW.tenant_id) THEN
        PERFORM pos.fraud_record(NEW.tenant_id, NEW.store_id, NEW.source, NEW.source_txn_id, true, NEW.occurred_at);
    END IF;
    RETURN NULL;
END
$$;
-- Only rows of tenants that real-time scoring applies to are queued for the commit-time call:
-- checked as the row is written (the function above checks again at commit). Queuing every header
-- and finding nothing to do at commit cost ~20 µs per header, half of writing it. The check is
-- answered once per statement and tenant (pg-extension/src/fraud_gate.rs). A baseline fitted by
-- another session after the row was written but before it commits is not seen for that row;
-- pos.fraud_scan scores such rows afterwards. PL/pgSQL, not SQL: the gate calls it through a
-- fresh function lookup once per statement, and a SQL function is parsed and planned on every such
-- call (3.5 % of PostgreSQL's CPU in the ingest service's COPYs), where PL/pgSQL keeps its plan for
-- the session.
CREATE FUNCTION pos._fraud_realtime_uncached(p_tenant text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pos.fraud_baseline b WHERE b.tenant_id = p_tenant)
       AND (pos.fraud_setting(p_tenant)).realtime;
END
$$;
COMMENT ON FUNCTION pos._fraud_realtime_uncached(text) IS 'Whether commit-time fraud scoring applies to the tenant: a baseline fitted and real-time on (what pos._fraud_realtime caches).';
CREATE FUNCTION pos._fraud_realtime(p_tenant text) RETURNS boolean
LANGUAGE c STABLE STRICT AS 'MODULE_PATHNAME', 'pos_fraud_realtime';
COMMENT ON FUNCTION pos._fraud_realtime(text) IS 'Whether commit-time fraud scoring applies to the tenant (real-time on and a baseline fitted): pos._fraud_realtime_uncached, answered once per statement and tenant.';
CREATE CONSTRAINT TRIGGER fraud_score_on_commit AFTER INSERT OR UPDATE ON pos.txn
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (pos._fraud_realtime(NEW.tenant_id))
    EXECUTE FUNCTION pos.fraud_on_txn();

CREATE FUNCTION pos.fraud_on_drawer_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s pos.fraud_settings := pos.fraud_setting(NEW.tenant_id);
    r jsonb;
    id bigint;
BEGIN
    IF NEW.kind <> 'no_sale' OR NOT s.realtime OR NOT EXISTS (SELECT 1 FROM pos.fraud_baseline b WHERE b.tenant_id = NEW.tenant_id) THEN
        RETURN NULL;
    END IF;
    r := pos.fraud_no_sale_json(NEW.tenant_id, NEW.store_id,
            (SELECT count(*)::int FROM pos.drawer_event d WHERE (d.tenant_id, d.store_id, d.cashier_id, d.business_date) = (NEW.tenant_id, NEW.store_id, NEW.cashier_id, NEW.business_date)
                AND d.kind = 'no_sale' AND d.occurred_at >= NEW.occurred_at - interval '2 days' AND d.occurred_at < NEW.occurred_at),
            (SELECT count(*)::int FROM pos.fraud_score f WHERE (f.tenant_id, f.store_id, f.cashier_id, f.business_date) = (NEW.tenant_id, NEW.store_id, NEW.cashier_id, NEW.business_date)
                AND f.occurred_at >= NEW.occurred_at - interval '2 days' AND f.occurred_at < NEW.occurred_at),
            s.txn_offset);
    IF (r->>'score')::float8 >= s.alert_threshold THEN
        INSERT INTO pos.fraud_alert (tenant_id, store_id, level, source, source_event_id, cashier_id, business_date, occurred_at, score, reasons)
        VALUES (NEW.tenant_id, NEW.store_id, 'no_sale', NEW.source, NEW.source_event_id, NEW.cashier_id, NEW.business_date, NEW.occurred_at, (r->>'score')::float8, r->'reasons')
        ON CONFLICT DO NOTHING RETURNING alert_id INTO id;
        IF id IS NOT NULL THEN
            PERFORM pg_notify('pos_fraud_alert', jsonb_build_object('alert_id', id, 'tenant_id', NEW.tenant_id, 'store_id', NEW.store_id,
                'level', 'no_sale', 'source_event_id', NEW.source_event_id, 'cashier_id', NEW.cashier_id, 'score', round((r->>'score')::numeric, 4))::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER fraud_no_sale_on_commit AFTER INSERT ON pos.drawer_event
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pos.fraud_on_drawer_event();

-- Batch path (backfills, realtime = false): scores a date range in time order, no alerts.
CREATE FUNCTION pos.fraud_scan(p_tenant text, p_from date, p_to date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    n bigint := 0;
BEGIN
    IF p_from > p_to THEN
        RAISE EXCEPTION 'the date range % to % is reversed', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the first business date, then the last.';
    END IF;
    FOR t IN SELECT x.store_id, x.source, x.source_txn_id, x.occurred_at FROM pos.txn x
              WHERE x.tenant_id = p_tenant AND x.business_date BETWEEN p_from AND p_to ORDER BY x.occurred_at, x.source_txn_id LOOP
        PERFORM pos.fraud_record(p_tenant, t.store_id, t.source, t.source_txn_id, false, t.occurred_at);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- A cashier's drawer counts of a business day, counted minus expected, summed per currency: a
-- store taking two currencies keeps one drawer total per currency, and money of two currencies
-- is never added (cashier_daily.over_short adds them). A business day lies within two calendar
-- days of its date, which bounds the scan to the chunks that can hold it.
CREATE FUNCTION pos._fraud_over_short_by_currency(p_tenant text, p_store text, p_date date, p_cashier text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(currency, total), '{}')
      FROM (SELECT d.currency, sum(d.amount) AS total
              FROM pos.drawer_event d
             WHERE (d.tenant_id, d.store_id, d.business_date, d.cashier_id) = (p_tenant, p_store, p_date, p_cashier)
               AND d.kind = 'over_short'
               AND d.occurred_at >= p_date::timestamp AT TIME ZONE 'UTC' - interval '2 days'
               AND d.occurred_at < p_date::timestamp AT TIME ZONE 'UTC' + interval '3 days'
             GROUP BY d.currency) z
$$;

-- Risk per cashier for one store and business day: hits from pos.fraud_score, transaction and
-- no-sale counts and the drawers' over/short at close from the pos.cashier_daily view.
CREATE FUNCTION pos.cashier_risk(tenant_id text, store_id text, business_date date)
RETURNS TABLE (cashier_id text, score double precision, alert boolean, transactions bigint, no_sales bigint, over_short numeric, reasons jsonb)
LANGUAGE sql STABLE AS $$
WITH s AS (SELECT pos.fraud_setting(cashier_risk.tenant_id) AS st),
sc AS (
    SELECT f.cashier_id, count(*) AS n, max(f.evidence) AS max_ev,
           coalesce((SELECT jsonb_object_agg(h, c) FROM (SELECT h, count(*) AS c FROM pos.fraud_score g, unnest(g.hits) h
                       WHERE (g.tenant_id, g.store_id, g.business_date) = (cashier_risk.tenant_id, cashier_risk.store_id, cashier_risk.business_date)
                         AND g.cashier_id = f.cashier_id GROUP BY h) z), '{}') AS hits
      FROM pos.fraud_score f
     WHERE (f.tenant_id, f.store_id, f.business_date) = (cashier_risk.tenant_id, cashier_risk.store_id, cashier_risk.business_date)
     GROUP BY f.cashier_id
), cd AS (
    -- every header the cashier wrote, as the baseline learns from and pos.fraud_score scores them:
    -- the parts holding money only (money_only) too, unlike cashier_daily.transactions
    SELECT v.cashier_id, v.transactions + v.money_only + v.post_voids + v.cancelled AS transactions, v.no_sales, v.over_short
      FROM pos.cashier_daily v
     WHERE (v.tenant_id, v.store_id, v.business_date) = (cashier_risk.tenant_id, cashier_risk.store_id, cashier_risk.business_date)
), j AS (
    SELECT coalesce(cd.cashier_id, sc.cashier_id) AS cashier_id,
           greatest(coalesce(cd.transactions, 0), coalesce(sc.n, 0)) AS transactions, coalesce(cd.no_sales, 0) AS no_sales,
           coalesce(cd.over_short, 0) AS over_short,
           pos.fraud_cashier_day_json(cashier_risk.tenant_id, cashier_risk.store_id,
               jsonb_build_object('transactions', greatest(coalesce(cd.transactions, 0), coalesce(sc.n, 0)),
                                  'hits', coalesce(sc.hits, '{}'), 'no_sales', coalesce(cd.no_sales, 0),
                                  'over_short', coalesce(cd.over_short, 0),
                                  'over_short_by_currency', pos._fraud_over_short_by_currency(
                                      cashier_risk.tenant_id, cashier_risk.store_id, cashier_risk.business_date,
                                      coalesce(cd.cashier_id, sc.cashier_id)),
                                  'max_txn_evidence', coalesce(sc.max_ev, 0)),
               (SELECT (st).cashier_day_offset FROM s), (SELECT (st).txn_offset FROM s)) AS r
      FROM cd FULL JOIN sc ON coalesce(sc.cashier_id, '') = coalesce(cd.cashier_id, '')
     WHERE coalesce(cd.cashier_id, sc.cashier_id) IS NOT NULL
)
SELECT j.cashier_id, (j.r->>'score')::float8, (j.r->>'score')::float8 >= (SELECT (st).cashier_alert_threshold FROM s),
       j.transactions, j.no_sales, j.over_short, j.r->'reasons'
  FROM j
 ORDER BY 2 DESC, 1
$$;
COMMENT ON FUNCTION pos.cashier_risk(text, text, date) IS 'Fraud risk per cashier for one store and business day, in [0,1], with reasons: repeated anomalies against what that many transactions would produce at this store, no-sales against the norm, a drawer counted short or over at close by more than honest counts at this store are, the worst transaction. transactions: every header of the cashier''s day, as fraud scores them (completed with or without lines, post-voided, cancelled), so more than pos.cashier_daily.transactions. over_short: counted minus expected, summed over the cashier''s counts (negative short).';
