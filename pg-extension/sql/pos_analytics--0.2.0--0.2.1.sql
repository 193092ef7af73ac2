-- pos_analytics 0.2.0 -> 0.2.1 (ALTER EXTENSION pos_analytics UPDATE): fixes in SQL functions.
--
-- 0.2.0 is the extension as built up to commit 338b2b5 (pos_analytics--0.2.0.sql beside this file
-- is its install script, kept unchanged). What 0.2.1 changes, exactly as a fresh CREATE EXTENSION
-- makes it (tests/tests/upgrade.rs compares the two catalogs); no table changes:
--   * pos.move_stragglers (and so each hypertable's maintenance job) leaves rows at -infinity or
--     infinity in the default chunk and moves the others (one such row failed every run);
--   * continuous aggregates over a hypertable holding rows at -infinity, infinity or at the ends
--     of timestamptz materialize the other rows: taken into the data's bounds, such rows made a
--     refresh materialize nothing, or fail on every run (pos._cagg_data_bounds leaves out what
--     lies outside the new pos._cagg_time_domain);
--   * pos.create_continuous_aggregate refuses aggregates or a filter that call a volatile
--     function (random(), clock_timestamp()…), through the new pos._cagg_refuse_volatile;
--   * pos.fraud_context_json gives the store's UTC offset at the transaction's time
--     (utc_offset_seconds), so that fraud dayparts and weekends are the store's local ones, and
--     pos.cashier_risk a cashier's drawer counts per currency (new
--     pos._fraud_over_short_by_currency), so that money of two currencies is never added, and
--     pos.score_transaction one more column, notes (what was not judged and why);
--   * DROP TABLE of a hypertable or a chunk and DROP VIEW of a continuous aggregate leave nothing
--     behind in pos_analytics' catalogs (jobs, chunks, the aggregate's table, log and threshold):
--     an event trigger on sql_drop (pos._forget_dropped, with pos._cagg_forget and
--     pos._cagg_forget_source, which pos.drop_continuous_aggregate now shares); what drops made
--     before this update left behind is removed at the end of this script.
\echo Use "ALTER EXTENSION pos_analytics UPDATE TO '0.2.1'" to load this file. \quit

CREATE OR REPLACE FUNCTION pos.move_stragglers(relation regclass) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    h     pos.hypertable := pos._hypertable(relation);
    lo    timestamptz;
    n     bigint;
    total bigint := 0;
BEGIN
    -- The creators' lock first (see ensure_chunks), before the default chunk is read: holding
    -- the default chunk while queueing for it deadlocked with a creator, which holds it and
    -- goes on to lock the default chunk.
    EXECUTE format('LOCK TABLE ONLY %s IN SHARE UPDATE EXCLUSIVE MODE', h.relid);
    -- Rows at -infinity or infinity belong to no chunk (chunks cover finite ranges), nor do rows
    -- so near the ends of timestamptz that their chunk's end is out of range: they stay in the
    -- default chunk, and the other rows still move (one such row used to fail every run).
    FOR lo IN EXECUTE format('SELECT DISTINCT date_bin($1, %I, $2) FROM %s WHERE isfinite(%I)',
                             h.time_column, h.default_chunk, h.time_column)
              USING h.chunk_interval, h.origin LOOP
        BEGIN
            EXECUTE format('SELECT count(*) FROM %s WHERE %I >= $1 AND %I < $2', h.default_chunk, h.time_column, h.time_column)
                INTO n USING lo, lo + h.chunk_interval;
            PERFORM pos.ensure_chunks(relation, lo, lo);
            total := total + n;
        EXCEPTION WHEN datetime_field_overflow THEN
            RAISE NOTICE 'rows of % at % stay in the default chunk: their chunk would end past the last timestamptz', relation, lo;
        END;
    END LOOP;
    RETURN total;
END
$$;

COMMENT ON FUNCTION pos.move_stragglers(regclass) IS
'Creates the chunks missing for rows that landed in the default chunk and moves them there. Returns the number of rows moved. Rows at -infinity or infinity stay in the default chunk.';

CREATE FUNCTION pos._cagg_refuse_volatile(c pos.continuous_aggregate) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    probe text := format('pg_temp.%I', '_pos_cagg_probe_' || c.cagg_id);
    bad   text;
BEGIN
    EXECUTE format('CREATE TEMPORARY VIEW %s AS %s', probe, pos._cagg_select_sql(c, c.refresh_source, 'false'));
    SELECT string_agg(DISTINCT p.oid::regprocedure::text, ', ') INTO bad
      FROM pg_rewrite r,
           regexp_matches(r.ev_action::text, ':(?:funcid|aggfnoid|opfuncid|winfnoid) (\d+)', 'g') m
      JOIN pg_proc p ON p.oid = m[1]::oid
     WHERE r.ev_class = probe::regclass AND p.provolatile = 'v';
    EXECUTE format('DROP VIEW %s', probe);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'a continuous aggregate cannot call volatile functions: %', bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'aggregates and filter must give the same answer at every refresh: use immutable or stable functions of the source''s columns.';
    END IF;
END
$$;

CREATE FUNCTION pos._cagg_time_domain() RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT tstzrange('4000-01-01 00:00:00+00 BC', '200000-01-01 00:00:00+00')
$$;

CREATE OR REPLACE FUNCTION pos._cagg_data_bounds(c pos.continuous_aggregate) RETURNS tstzrange
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t_lo timestamptz;
    t_hi timestamptz;
    m_lo timestamptz;
    m_hi timestamptz;
    raw  tstzrange := 'empty';
    mat  tstzrange := 'empty';
    h    pos.hypertable;
BEGIN
    IF c.parent_id IS NULL THEN
        h := pos._hypertable(c.source);
        -- Rows outside the time domain (at -infinity or infinity, or at the ends of timestamptz,
        -- where a bucket's end cannot be written) belong to no bucket: bounds taken with them
        -- made the refresh materialize nothing, or fail on every run.
        SELECT min(range_start), max(range_end) INTO t_lo, t_hi FROM pos.chunk
         WHERE hypertable = h.relid AND tstzrange(range_start, range_end) && pos._cagg_time_domain();
        PERFORM pos._cagg_lock_hypertable(h.relid);
        EXECUTE format('SELECT least($1, min(%I)), greatest($2, max(%I)) FROM %s WHERE %I <@ $3',
                       h.time_column, h.time_column, h.default_chunk, h.time_column)
           INTO t_lo, t_hi USING t_lo, t_hi, pos._cagg_time_domain();
    ELSE
        EXECUTE format('SELECT min(%I), max(%I) FROM %s', c.time_column, c.time_column, c.refresh_source) INTO t_lo, t_hi;
    END IF;
    IF t_lo IS NOT NULL THEN
        raw := pos._cagg_keys_for(c, greatest(t_lo, lower(pos._cagg_time_domain())), least(t_hi, upper(pos._cagg_time_domain())));
    END IF;
    IF c.date_column IS NULL THEN
        EXECUTE format('SELECT min(%I), max(%I) FROM %s', c.bucket_column, c.bucket_column, c.mat_table) INTO m_lo, m_hi;
    ELSE
        EXECUTE format('SELECT min(%I)::timestamp AT TIME ZONE ''UTC'', max(%I)::timestamp AT TIME ZONE ''UTC'' FROM %s',
                       c.bucket_column, c.bucket_column, c.mat_table) INTO m_lo, m_hi;
    END IF;
    IF m_lo IS NOT NULL THEN
        mat := tstzrange(m_lo, m_hi + pos._cagg_step(c));
    END IF;
    RETURN CASE WHEN isempty(raw) THEN mat WHEN isempty(mat) THEN raw ELSE range_merge(raw, mat) END;
END
$$;

CREATE OR REPLACE FUNCTION pos.create_continuous_aggregate(
    name               text,
    source             regclass,
    group_by           name[],
    aggregates         text,
    bucket_width       interval DEFAULT NULL,
    bucket_date_column name DEFAULT NULL,
    filter             text DEFAULT NULL,
    time_column        name DEFAULT NULL,
    bucket_origin      timestamptz DEFAULT '2000-01-03 00:00:00+00',
    bucket_column      name DEFAULT NULL,
    date_slack         interval DEFAULT '2 days',
    materialized_only  boolean DEFAULT false,
    batch_interval     interval DEFAULT NULL,
    with_data          boolean DEFAULT true
) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    c     pos.continuous_aggregate;
    ident text[];
    vname text;
    has_rows boolean;
BEGIN
    IF name IS NULL OR source IS NULL OR aggregates IS NULL THEN
        RAISE EXCEPTION 'name, source and aggregates must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (bucket_width IS NULL) = (bucket_date_column IS NULL) THEN
        RAISE EXCEPTION 'give exactly one of bucket_width and bucket_date_column'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'bucket_width => ''1 hour'' buckets by time; bucket_date_column => ''business_date'' buckets by the store''s local day.';
    END IF;
    IF bucket_width IS NOT NULL AND (bucket_width <= interval '0' OR extract(month FROM bucket_width) <> 0 OR extract(year FROM bucket_width) <> 0) THEN
        RAISE EXCEPTION 'invalid bucket width: %', bucket_width
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use a positive interval of days, hours or minutes; for months, bucket by a date column.';
    END IF;
    ident := parse_ident(name);
    IF cardinality(ident) <> 2 THEN
        RAISE EXCEPTION 'name must be schema-qualified, got "%"', name USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. ''analytics.sales_by_hour''.';
    END IF;
    vname := format('%I.%I', ident[1], ident[2]);
    IF to_regclass(vname) IS NOT NULL THEN
        RAISE EXCEPTION 'relation % already exists', vname USING ERRCODE = 'duplicate_table';
    END IF;
    c.cagg_id := nextval(pg_get_serial_sequence('pos.continuous_aggregate', 'cagg_id'));
    c.source := source;
    c.group_by := coalesce(group_by, '{}');
    c.aggregates := aggregates;
    c.filter := filter;
    c.date_column := bucket_date_column;
    c.bucket_width := coalesce(bucket_width, interval '1 day');
    c.bucket_origin := coalesce(bucket_origin, '2000-01-03 00:00:00+00');
    c.date_slack := coalesce(date_slack, interval '2 days');
    c.bucket_column := coalesce(bucket_column, bucket_date_column, 'bucket');
    c.materialized_only := coalesce(materialized_only, false);
    c := pos._cagg_resolve_source(c, time_column);
    PERFORM pos._cagg_check_columns(c.refresh_source, c.group_by || c.time_column || coalesce(c.date_column, c.time_column));
    -- batches are whole buckets: about a day of hourly buckets, a week of days
    c.batch_interval := coalesce(batch_interval,
        CASE WHEN c.date_column IS NULL THEN c.bucket_width * ceil(extract(epoch FROM interval '1 day') / extract(epoch FROM c.bucket_width))
             ELSE interval '7 days' END);
    IF extract(epoch FROM c.batch_interval)::numeric % extract(epoch FROM pos._cagg_step(c))::numeric <> 0 OR c.batch_interval <= interval '0' THEN
        RAISE EXCEPTION 'batch_interval % is not a positive multiple of the bucket width %', c.batch_interval, pos._cagg_step(c)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    c.mat_table := pos._cagg_create_mat(c, left(ident[2], 40) || '_mat_' || c.cagg_id);
    PERFORM pos._cagg_refuse_volatile(c);
    c.view_name := c.mat_table; -- placeholder until the view exists
    c.watermark := '-infinity';
    c.invalid := '{(,)}';
    c.created_at := now();
    c.total_refreshes := 0;
    INSERT INTO pos.continuous_aggregate SELECT c.*;
    EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', vname, pos._cagg_view_sql(c));
    UPDATE pos.continuous_aggregate SET view_name = vname::regclass, view_invalid = c.invalid, view_live = pos._cagg_live_keys(c)
     WHERE cagg_id = c.cagg_id;
    c.view_name := vname::regclass;
    INSERT INTO pos.cagg_view_path (view_name, materialized, bucket_column, parts)
    VALUES (c.view_name, c.mat_table, c.bucket_column, ARRAY[c.cagg_id]);
    PERFORM pos._cagg_secure_mat(c);
    IF c.parent_id IS NULL THEN
        PERFORM pos._cagg_register_hypertable(pos._hypertable(c.source));
    ELSE
        INSERT INTO pos.cagg_source (source) VALUES (c.source) ON CONFLICT DO NOTHING;
    END IF;
    -- Nothing is materialized yet: every bucket is invalid.
    INSERT INTO pos.cagg_invalidation (cagg_id, keys) VALUES (c.cagg_id, tstzrange(NULL, NULL));
    -- Over an empty source there is nothing to materialize, and leaving the threshold where it
    -- is keeps rows loaded later (history included) live in the view until a refresh.
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', c.refresh_source) INTO has_rows;
    IF with_data AND has_rows THEN
        PERFORM pos.refresh_continuous_aggregate_in_transaction(c.view_name, NULL, NULL);
    END IF;
    RETURN c.view_name;
END
$$;

CREATE OR REPLACE FUNCTION pos.fraud_context_json(p_txn jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET jit = off AS $$
DECLARE
    v_tenant  text := p_txn->'key'->>'tenant_id';
    v_store   text := p_txn->'key'->>'store_id';
    v_txn     text := p_txn->'key'->>'source_txn_id';
    v_at      timestamptz := (p_txn->>'occurred_at')::timestamptz;
    v_bd      date := (p_txn->>'business_date')::date;
    v_cashier text := p_txn->>'cashier_id';
    v_cited   text[] := ARRAY(SELECT DISTINCT l->>'original_txn_id' FROM jsonb_array_elements(p_txn->'lines') l
                               WHERE l->>'original_txn_id' IS NOT NULL);
    v_originals jsonb := '{}';
    v_recent  jsonb;
    v_day     jsonb;
    v_offset  integer;
BEGIN
    IF cardinality(v_cited) > 0 THEN
        SELECT coalesce(jsonb_object_agg(o.source_txn_id, jsonb_build_object(
                   'tender_methods', coalesce((SELECT jsonb_agg(DISTINCT x.method) FROM pos.tender x
                                                WHERE (x.tenant_id, x.store_id, x.source, x.source_txn_id) = (o.tenant_id, o.store_id, o.source, o.source_txn_id)
                                                  AND x.occurred_at >= o.occurred_at - interval '1 day' AND x.occurred_at < o.occurred_at + interval '1 day'
                                                  AND x.status = 'approved' AND x.amount > 0), '[]'),
                   'customer_id', o.customer_id)), '{}')
          INTO v_originals
          FROM pos.txn o
         WHERE o.tenant_id = v_tenant AND o.source_txn_id = ANY (v_cited) AND o.status = 'completed' AND o.occurred_at <= v_at;
    END IF;
    SELECT coalesce(jsonb_agg(jsonb_build_object('occurred_at', x.occurred_at, 'status', x.status, 'bin', x.card_bin,
                                                 'fingerprint', x.card_fingerprint) ORDER BY x.occurred_at), '[]')
      INTO v_recent
      FROM pos.tender x
     WHERE x.tenant_id = v_tenant AND x.store_id = v_store AND x.method = 'card'
       AND x.occurred_at >= v_at - interval '10 minutes' AND x.occurred_at < v_at AND x.source_txn_id <> v_txn;
    WITH earlier AS (
        SELECT s.hits, t.customer_id
          FROM pos.fraud_score s
          JOIN pos.txn t ON (t.tenant_id, t.store_id, t.source, t.source_txn_id, t.occurred_at) = (s.tenant_id, s.store_id, s.source, s.source_txn_id, s.occurred_at)
                        AND t.occurred_at >= v_at - interval '2 days' AND t.occurred_at < v_at
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

CREATE OR REPLACE FUNCTION pos.cashier_risk(tenant_id text, store_id text, business_date date)
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

CREATE OR REPLACE FUNCTION pos.drop_continuous_aggregate(cagg regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c pos.continuous_aggregate := pos._cagg(cagg);
BEGIN
    IF EXISTS (SELECT 1 FROM pos.continuous_aggregate WHERE parent_id = c.cagg_id) THEN
        RAISE EXCEPTION 'continuous aggregate "%" is the source of others', c.view_name
            USING ERRCODE = 'dependent_objects_still_exist', HINT = 'Drop the aggregates defined on it first.';
    END IF;
    PERFORM pos.remove_continuous_aggregate_policy(c.view_name, true);
    EXECUTE format('DROP VIEW %s', c.view_name);
    -- pos._forget_dropped has done the rest as the view went; again, in case event triggers
    -- did not fire (single-user mode): it does nothing twice.
    PERFORM pos._cagg_forget(c);
END
$$;

CREATE FUNCTION pos._cagg_forget(c pos.continuous_aggregate) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pos.cagg_view_path WHERE view_name = c.view_name;
    DELETE FROM pos.continuous_aggregate WHERE cagg_id = c.cagg_id;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = c.mat_table) THEN
        EXECUTE format('DROP TABLE %s', c.mat_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = c.source) THEN
        PERFORM pos._cagg_unregister_source(c.source);
    ELSE
        PERFORM pos._cagg_forget_source(c.source);
    END IF;
END
$$;

CREATE FUNCTION pos._cagg_forget_source(src oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    seq regclass;
BEGIN
    IF EXISTS (SELECT 1 FROM pos.continuous_aggregate WHERE source::oid = src) THEN
        RETURN;
    END IF;
    DELETE FROM pos.cagg_source_invalidation WHERE source::oid = src;
    FOR seq IN DELETE FROM pos.cagg_source WHERE source::oid = src RETURNING threshold_seq LOOP
        IF seq IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class WHERE oid = seq) THEN
            EXECUTE format('DROP SEQUENCE %s', seq);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION pos._forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    d       record;
    c       pos.continuous_aggregate;
    dropped oid[] := ARRAY(SELECT objid FROM pg_event_trigger_dropped_objects()
                            WHERE classid = 'pg_class'::regclass AND objsubid = 0 AND object_type IN ('table', 'view'));
    orphan  record;
    kept    regclass;
BEGIN
    -- Without its default chunk a hypertable refuses every row whose chunk is missing.
    SELECT h.relid INTO kept FROM pos.hypertable h
     WHERE h.default_chunk::oid = ANY (dropped) AND NOT h.relid::oid = ANY (dropped) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the default chunk of hypertable % cannot be dropped alone', kept
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Rows whose chunk does not exist yet land there; drop the hypertable itself, or its chunks with pos.drop_chunks.';
    END IF;
    -- A materialized-only child reads its own table alone, so its parent's view can go without it.
    SELECT k.view_name::text AS child,
           (SELECT o.object_identity FROM pg_event_trigger_dropped_objects() o WHERE o.objid = p.view_name::oid) AS parent
      INTO orphan
      FROM pos.continuous_aggregate k JOIN pos.continuous_aggregate p ON p.cagg_id = k.parent_id
     WHERE p.view_name::oid = ANY (dropped) AND NOT k.view_name::oid = ANY (dropped) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'continuous aggregate % is the source of %', orphan.parent, orphan.child
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop the aggregates defined on it first: SELECT pos.drop_continuous_aggregate(…).';
    END IF;
    -- children before their parents (a child is made after its parent)
    FOR c IN SELECT * FROM pos.continuous_aggregate WHERE view_name::oid = ANY (dropped) ORDER BY cagg_id DESC LOOP
        PERFORM pos._cagg_forget(c);
    END LOOP;
    FOR d IN SELECT objid, object_identity FROM pg_event_trigger_dropped_objects()
              WHERE classid = 'pg_class'::regclass AND objsubid = 0 AND object_type IN ('table', 'view') LOOP
        DELETE FROM pos.job
         WHERE (proc = 'pos.job_refresh_continuous_aggregate'::regproc AND config->>'continuous_aggregate' = d.object_identity)
            OR (proc IN ('pos.job_maintain_chunks'::regproc, 'pos.job_retention'::regproc) AND config->>'relation' = d.object_identity);
        DELETE FROM pos.hypertable WHERE relid::oid = d.objid; -- its chunks' rows cascade
        DELETE FROM pos.chunk WHERE chunk::oid = d.objid;
        PERFORM pos._cagg_forget_source(d.objid);
    END LOOP;
END
$$;

COMMENT ON FUNCTION pos.drop_continuous_aggregate(regclass) IS 'Drops a continuous aggregate: its view, materialization, log and policy (and the source''s triggers if it was the last one). DROP VIEW of its view does the same.';

CREATE EVENT TRIGGER pos_analytics_forget_dropped ON sql_drop EXECUTE FUNCTION pos._forget_dropped();

-- One more output column (notes): a changed result type, so dropped and made again.
DROP FUNCTION pos.score_transaction(text, text, text, text);
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

-- What drops made before this update left behind: catalog rows naming relations that are gone.
DO $$
DECLARE
    c pos.continuous_aggregate;
    s oid;
BEGIN
    FOR c IN SELECT * FROM pos.continuous_aggregate
              WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = view_name::oid) ORDER BY cagg_id DESC LOOP
        PERFORM pos._cagg_forget(c);
    END LOOP;
    DELETE FROM pos.job
     WHERE (proc = 'pos.job_refresh_continuous_aggregate'::regproc AND to_regclass(config->>'continuous_aggregate') IS NULL)
        OR (proc IN ('pos.job_maintain_chunks'::regproc, 'pos.job_retention'::regproc) AND to_regclass(config->>'relation') IS NULL);
    DELETE FROM pos.hypertable WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = relid::oid);
    DELETE FROM pos.chunk WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = chunk::oid);
    FOR s IN SELECT source::oid FROM pos.cagg_source WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = source::oid) LOOP
        PERFORM pos._cagg_forget_source(s);
    END LOOP;
END
$$;

