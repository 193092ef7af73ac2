-- Forecasting: where demand comes from, where batch forecasts go, and the SQL functions that
-- read sales and date the forecasts. The algorithms are Rust functions (pg-extension/src/forecast.rs).

-- Daily demand per tenant, store, SKU and local business day: units sold net of voids and
-- returns, never below zero (a day of net returns is no demand, not negative demand).
-- THE ONE LINE TO CHANGE to forecast from another source: the FROM below. It reads the
-- continuous aggregate pos.sales_daily (completed transactions only); the raw equivalent is
--   FROM (SELECT tenant_id, store_id, sku, business_date, quantity FROM pos.sale_line
--          WHERE txn_status = 'completed') s
CREATE VIEW pos.demand_daily WITH (security_invoker = true) AS
SELECT tenant_id, store_id, sku, business_date, greatest(sum(quantity), 0)::float8 AS units
  FROM pos.sales_daily
 GROUP BY tenant_id, store_id, sku, business_date;
COMMENT ON VIEW pos.demand_daily IS 'Units sold per tenant, store, SKU and business day (net of returns and voids, floored at 0): the input of every demand forecast. Days without sales are absent; pos.demand_history fills them with zeros.';
GRANT SELECT ON pos.demand_daily TO pos_analyst, pos_api;
COMMENT ON COLUMN pos.demand_daily.tenant_id IS 'Tenant (retailer): a reader sees only the tenants granted to it (row security).';
COMMENT ON COLUMN pos.demand_daily.store_id IS 'Store (location) as the source POS names it.';
COMMENT ON COLUMN pos.demand_daily.sku IS 'Normalized product key (GTIN-14, PLU or vendor SKU key; see pos.sale_line.sku).';
COMMENT ON COLUMN pos.demand_daily.business_date IS 'The store''s local trading day (the POS''s business date where it sends one).';
COMMENT ON COLUMN pos.demand_daily.units IS 'Units sold net of returns and voids, floored at 0 (a day of net returns is no demand).';

CREATE TABLE pos.demand_forecast (
    tenant_id     text NOT NULL,
    store_id      text NOT NULL,
    sku           text NOT NULL,
    business_date date NOT NULL,
    step          integer NOT NULL CHECK (step >= 1),
    yhat          float8 NOT NULL CHECK (yhat >= 0),
    lo            float8 NOT NULL,
    hi            float8 NOT NULL,
    sigma         float8 NOT NULL,
    level         float8 NOT NULL,
    method        text NOT NULL,
    as_of         date NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, store_id, sku, business_date)
);
COMMENT ON TABLE pos.demand_forecast IS 'Daily unit forecasts per SKU and store written by pos.forecast_all (one run replaces the tenant''s rows).';
COMMENT ON COLUMN pos.demand_forecast.yhat IS 'Expected units sold that business day.';
COMMENT ON COLUMN pos.demand_forecast.lo IS 'Lower bound of the central prediction interval at level (whole units for count data).';
COMMENT ON COLUMN pos.demand_forecast.hi IS 'Upper bound of the central prediction interval at level.';
COMMENT ON COLUMN pos.demand_forecast.sigma IS 'Standard deviation of the forecast error that day (used for safety stock).';
COMMENT ON COLUMN pos.demand_forecast.method IS 'The method that made the forecast (auto resolves to one per series).';
COMMENT ON COLUMN pos.demand_forecast.as_of IS 'Last business day of the history the forecast was made from.';
ALTER TABLE pos.demand_forecast ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON pos.demand_forecast FOR SELECT TO pos_analyst, pos_api
    USING (pos.tenant_visible(tenant_id));
GRANT SELECT ON pos.demand_forecast TO pos_analyst, pos_api;

-- forecast_all rewrites a tenant's forecasts: the DBA or the scheduler runs it, not readers.
REVOKE EXECUTE ON FUNCTION pos.forecast_all(text, integer, integer, double precision, text, integer, date) FROM PUBLIC;
-- Its reads of a tenant's whole demand history cost enough for JIT, which took longer to compile
-- them than they ran: a year of 3 stores × 300 SKUs forecast in 14.3 s with JIT, 9.0 s without.
ALTER FUNCTION pos.forecast_all(text, integer, integer, double precision, text, integer, date) SET jit = off;

CREATE FUNCTION pos.demand_history(tenant text, store text, sku text, as_of date DEFAULT NULL,
                                   history_days integer DEFAULT 365)
RETURNS TABLE (business_date date, units float8)
LANGUAGE sql STABLE AS $$
    WITH last_day AS (
        SELECT coalesce(demand_history.as_of, max(d.business_date)) AS d
          FROM pos.demand_daily d
         WHERE d.tenant_id = demand_history.tenant AND d.store_id = demand_history.store
    ), first_day AS (
        SELECT min(d.business_date) AS d
          FROM pos.demand_daily d, last_day l
         WHERE d.tenant_id = demand_history.tenant AND d.store_id = demand_history.store
           AND d.sku = demand_history.sku
           AND d.business_date > l.d - demand_history.history_days AND d.business_date <= l.d
    )
    SELECT g.day::date, coalesce(d.units, 0)
      FROM first_day f, last_day l, generate_series(f.d, l.d, interval '1 day') AS g(day)
      LEFT JOIN pos.demand_daily d
        ON d.tenant_id = demand_history.tenant AND d.store_id = demand_history.store
       AND d.sku = demand_history.sku AND d.business_date = g.day::date
     ORDER BY 1
$$;
COMMENT ON FUNCTION pos.demand_history(text, text, text, date, integer) IS 'Daily units of one SKU at one store from its first sale in the window to the store''s last business day (or as_of), days without sales as 0: what pos.forecast_demand forecasts from.';

-- plpgsql forbids an argument and an output column of the same name (method), so the functions
-- that return `method` are SQL over a plpgsql helper that reads the history and raises the errors.
CREATE FUNCTION pos._demand_array(tenant text, store text, sku text, as_of date, history_days integer)
RETURNS TABLE (history float8[], last_day date)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF tenant IS NULL OR store IS NULL OR sku IS NULL THEN
        RETURN;
    END IF;
    IF history_days IS NULL OR history_days NOT BETWEEN 1 AND 3660 THEN
        RAISE EXCEPTION 'history_days % is out of range', history_days
            USING ERRCODE = 'invalid_parameter_value', HINT = 'history_days is how many days of sales to read, between 1 and 3660';
    END IF;
    SELECT array_agg(h.units ORDER BY h.business_date), max(h.business_date) INTO history, last_day
      FROM pos.demand_history(tenant, store, sku, as_of, history_days) h;
    IF history IS NULL THEN
        RAISE EXCEPTION 'no sales of sku "%" at store "%" of tenant "%" in the % days to %',
                        sku, store, tenant, history_days, coalesce(as_of::text, 'the last business day')
            USING ERRCODE = 'no_data_found',
                  HINT = 'check the ids against pos.demand_daily, or widen history_days';
    END IF;
    RETURN NEXT;
END
$$;

CREATE FUNCTION pos.forecast_demand(tenant text, store text, sku text, horizon integer,
                                    season_length integer DEFAULT 7, level float8 DEFAULT 0.95,
                                    method text DEFAULT 'auto', history_days integer DEFAULT 365,
                                    as_of date DEFAULT NULL)
RETURNS TABLE (business_date date, yhat float8, lo float8, hi float8, method text)
LANGUAGE sql STABLE AS $$
    SELECT h.last_day + f.step, f.yhat, f.lo, f.hi, f.method
      FROM pos._demand_array($1, $2, $3, $9, $8) h,
           pos.forecast(h.history, $4, $5, $6, $7) f
     ORDER BY f.step
$$;
COMMENT ON FUNCTION pos.forecast_demand(text, text, text, integer, integer, float8, text, integer, date) IS 'Daily unit forecast for one SKU at one store, horizon days past the store''s last business day (or as_of), with a central prediction interval at level. Reads pos.demand_daily, missing days as zero.';

CREATE FUNCTION pos._traffic_array(tenant text, store text, history_days integer)
RETURNS TABLE (counts float8[], last_hour timestamptz, seasons integer[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF tenant IS NULL OR store IS NULL THEN
        RETURN;
    END IF;
    IF history_days IS NULL OR history_days NOT BETWEEN 1 AND 3660 THEN
        RAISE EXCEPTION 'history_days % is out of range', history_days
            USING ERRCODE = 'invalid_parameter_value', HINT = 'history_days is how many days of transactions to read, between 1 and 3660';
    END IF;
    -- Traffic is the store's transaction count (pos.txn_has_lines): a part holding money only (a
    -- payment taken on a later day) is no visit of its own.
    SELECT date_trunc('hour', max(t.occurred_at)) INTO last_hour
      FROM pos.txn t WHERE t.tenant_id = tenant AND t.store_id = store AND t.status = 'completed'
       AND pos.txn_has_lines(t.line_count, t.gross_amount, t.discount_amount, t.return_amount, t.void_amount,
                             t.net_amount, t.tax_amount, t.non_revenue_amount);
    IF last_hour IS NULL THEN
        RAISE EXCEPTION 'no completed transactions with lines at store "%" of tenant "%"', store, tenant
            USING ERRCODE = 'no_data_found',
                  HINT = 'check the ids against pos.txn; a header counts when its line_count is above 0 (or its amounts are not 0)';
    END IF;
    SELECT array_agg(coalesce(c.n, 0)::float8 ORDER BY g.h) INTO counts
      FROM generate_series(last_hour - make_interval(days => history_days) + interval '1 hour', last_hour, interval '1 hour') AS g(h)
      LEFT JOIN (SELECT date_trunc('hour', t.occurred_at) AS h, count(*) AS n
                   FROM pos.txn t
                  WHERE t.tenant_id = tenant AND t.store_id = store AND t.status = 'completed'
                    AND pos.txn_has_lines(t.line_count, t.gross_amount, t.discount_amount, t.return_amount,
                                          t.void_amount, t.net_amount, t.tax_amount, t.non_revenue_amount)
                    AND t.occurred_at > last_hour - make_interval(days => history_days)
                  GROUP BY 1) c ON c.h = g.h;
    -- daily and weekly cycles; the weekly one only once two weeks are there to show it
    seasons := CASE WHEN history_days >= 14 THEN ARRAY[24, 168] ELSE ARRAY[24] END;
    RETURN NEXT;
END
$$;

CREATE FUNCTION pos.forecast_traffic(tenant text, store text, horizon_hours integer DEFAULT 168,
                                     level float8 DEFAULT 0.95, history_days integer DEFAULT 56,
                                     method text DEFAULT 'mstl')
RETURNS TABLE (hour timestamptz, yhat float8, lo float8, hi float8, method text)
LANGUAGE sql STABLE AS $$
    SELECT t.last_hour + make_interval(hours => f.step), f.yhat, f.lo, f.hi, f.method
      FROM pos._traffic_array($1, $2, $5) t,
           pos.forecast_multiseason(t.counts, $3, t.seasons, $4, $6) f
     ORDER BY f.step
$$;
COMMENT ON FUNCTION pos.forecast_traffic(text, text, integer, float8, integer, text) IS 'Completed transactions with lines (as pos.store_daily.transactions counts them) per hour at one store for the next horizon_hours (for staffing), with daily and weekly seasonality (MSTL by default) and a prediction interval at level.';

CREATE FUNCTION pos.job_forecast_all(job_id bigint, config jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF config->>'tenant' IS NULL THEN
        RAISE EXCEPTION 'job % has no tenant in its config', job_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'config is like {"tenant": "t1", "horizon": 28, "history_days": 365}';
    END IF;
    RETURN pos.forecast_all(config->>'tenant',
                            coalesce((config->>'horizon')::int, 28),
                            coalesce((config->>'season_length')::int, 7),
                            coalesce((config->>'level')::float8, 0.95),
                            coalesce(config->>'method', 'auto'),
                            coalesce((config->>'history_days')::int, 365));
END
$$;
COMMENT ON FUNCTION pos.job_forecast_all(bigint, jsonb) IS 'Job procedure: pos.forecast_all with the tenant and options from the job config. Schedule with SELECT pos.add_job(''pos.job_forecast_all'', ''1 day'', ''{"tenant": "t1"}'').';
REVOKE EXECUTE ON FUNCTION pos.job_forecast_all(bigint, jsonb) FROM PUBLIC;
