-- pos_analytics 0.2.2 -> 0.2.3 (ALTER EXTENSION pos_analytics UPDATE): the fraud context in
-- constant time, receipt numbers per store, no JIT for the fraud fit and the forecast job.
--
-- 0.2.2 is the extension as built up to commit b215029 (pos_analytics--0.2.2.sql beside this file
-- is its install script, kept unchanged). What 0.2.3 changes, exactly as a fresh CREATE EXTENSION
-- makes it (tests/tests/upgrade.rs compares the two catalogs): the settings of two functions,
-- the body of a third.
--   * pos.fraud_context_json finds the sales a return cites one receipt id at a time, in windows
--     going back from the return (8, 40, 400 days, then the rest), and reads each sale found
--     by its own time; it reads the cashier's scored transactions of the day by key. Same
--     context, and its cost no longer grows with the number of chunks or the store's day.
--   * A receipt id rung at several stores is read as a per-store number: the return cites its
--     own store's sale, and only returns at that store count as having refunded it.
--   * pos.fraud_fit_baseline and pos.forecast_all run with jit = off: JIT compiled their reads of
--     the history for longer than the reads ran (on a year of daily chunks, a 60-day fit 11.7 s
--     -> 5.2 s, forecasting 900 series 14.3 s -> 9.0 s).
\echo Use "ALTER EXTENSION pos_analytics UPDATE TO '0.2.3'" to load this file. \quit

ALTER FUNCTION pos.fraud_fit_baseline(text, date, date) SET jit = off;
ALTER FUNCTION pos.forecast_all(text, integer, integer, double precision, text, integer, date) SET jit = off;

CREATE OR REPLACE FUNCTION pos.fraud_context_json(p_txn jsonb) RETURNS jsonb
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
