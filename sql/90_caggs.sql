-- Continuous aggregates: per-bucket aggregates of a hypertable, kept up to date incrementally.
--
-- The design follows TimescaleDB's (tsl/src/continuous_aggs), rebuilt on plain PostgreSQL 15:
--   * a materialization table per aggregate holds FINALIZED values per bucket (no partial states);
--   * a row-level AFTER trigger written in C (Rust, pg-extension/src/caggs_invalidation.rs),
--     cloned onto every chunk, compares each row's time with the source's invalidation threshold
--     (locked once per transaction; kept by each backend until a raise moves a shared change
--     counter, pg-extension/src/caggs_threshold.rs) and widens an in-memory [min, max] span per chunk-sized slot;
--     at commit the spans go into pos.cagg_source_invalidation (one row per transaction and
--     slot, never one per row). Only rows below the threshold count: what lies above it has
--     never been materialized and needs no bookkeeping;
--   * a refresh raises that threshold, moves the source log into one log per aggregate (in
--     bucket space), cuts it against the refresh window and re-materializes only invalid buckets,
--     in batches of bounded width, each its own transaction when called with CALL;
--   * the view is materialized buckets below the watermark UNION ALL live aggregation of raw rows
--     at or above it, the watermark written into the view as a literal after each refresh, so the
--     planner prunes chunks at plan time.
--
-- Key spaces. Each aggregate has a "key" per bucket, a timestamptz: the bucket start for time
-- buckets (date_bin(width, time, origin)), or midnight UTC of the bucket date for date buckets
-- (the store's local business_date). Logs of an aggregate and its watermark are in key space.
-- A date bucket D gathers rows whose time column lies within date_slack of D (default 2 days,
-- far more than any time-zone offset plus business-day cut-off): that bound lets a refresh of
-- dates scan only the chunks that can hold them.
--
-- Why a structured definition (source, group_by, aggregates, bucket) instead of a query text:
-- the engine must add its own predicates to the query three ways (the refresh range, the live
-- part above the watermark, and the bucket expression it keys logs on). With the parts given
-- separately it does so exactly, without parsing SQL; PostgreSQL itself still checks the parts
-- (the materialization table is created from them with CREATE TABLE AS ... WITH NO DATA).

CREATE SCHEMA IF NOT EXISTS pos_caggs;
COMMENT ON SCHEMA pos_caggs IS 'pos_analytics internal: materialization tables, invalidation triggers and the parts of composite views. Query the views in schema pos instead.';
REVOKE ALL ON SCHEMA pos_caggs FROM PUBLIC;
GRANT USAGE ON SCHEMA pos_caggs TO pos_analyst, pos_api;

CREATE TABLE pos.continuous_aggregate (
    cagg_id           serial PRIMARY KEY,
    view_name         regclass NOT NULL UNIQUE,
    mat_table         regclass NOT NULL UNIQUE,
    source            regclass NOT NULL,
    parent_id         integer REFERENCES pos.continuous_aggregate (cagg_id),
    refresh_source    regclass NOT NULL,
    time_column       name NOT NULL,
    bucket_column     name NOT NULL,
    bucket_width      interval NOT NULL,
    bucket_origin     timestamptz NOT NULL,
    date_column       name,
    date_slack        interval NOT NULL,
    group_by          name[] NOT NULL,
    aggregates        text NOT NULL,
    filter            text,
    materialized_only boolean NOT NULL DEFAULT false,
    batch_interval    interval NOT NULL,
    watermark         timestamptz NOT NULL DEFAULT '-infinity',
    invalid           tstzmultirange NOT NULL DEFAULT '{(,)}',
    view_invalid      tstzmultirange,
    view_live         tstzmultirange,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_refresh_started_at  timestamptz,
    last_refresh_finished_at timestamptz,
    last_refresh_window      tstzrange,
    last_refresh_batches     integer,
    last_refresh_buckets     bigint,
    total_refreshes          bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE pos.continuous_aggregate IS 'Catalog of continuous aggregates: definition, materialization table, watermark and last refresh.';
COMMENT ON COLUMN pos.continuous_aggregate.source IS 'The hypertable aggregated, or the parent aggregate''s view for a hierarchical aggregate.';
COMMENT ON COLUMN pos.continuous_aggregate.date_column IS 'When set, buckets are the values of this date column (e.g. business_date) instead of date_bin(bucket_width, time_column, bucket_origin).';
COMMENT ON COLUMN pos.continuous_aggregate.watermark IS 'Bucket key from which nothing is materialized (the start of the last, unbounded, invalid range).';
COMMENT ON COLUMN pos.continuous_aggregate.invalid IS 'Bucket keys that were invalid at the last refresh (late rows outside its window, and everything from the watermark on): the view aggregates raw rows there and reads the materialization elsewhere.';
COMMENT ON COLUMN pos.continuous_aggregate.view_invalid IS 'The invalid ranges currently written into the view (differs from invalid only if the view could not be locked).';
COMMENT ON COLUMN pos.continuous_aggregate.view_live IS 'Bucket keys the view currently aggregates from raw rows (view_invalid, merged to at most 16 ranges; empty when materialized only). Everywhere else it returns exactly the materialized rows.';

-- One row per hypertable (or parent aggregate) that feeds continuous aggregates.
CREATE TABLE pos.cagg_source (
    source        regclass PRIMARY KEY,
    threshold_seq regclass,
    trigger_fn    regprocedure
);
COMMENT ON TABLE pos.cagg_source IS 'Sources of continuous aggregates with their invalidation threshold (a sequence, so that writers see a raised threshold before the refresh commits) and trigger function (pos._cagg_invalidate for hypertables).';

CREATE TABLE pos.cagg_source_invalidation (
    source regclass NOT NULL,
    lo     timestamptz NOT NULL,
    hi     timestamptz NOT NULL
);
-- No index: each refresh takes every row of its source out of the log (a whole-table scan of a
-- table its refreshes keep small), while an index would cost every late single-line transaction
-- a second index insert: ~2 % of its CPU (benches/caggs/RESULTS.md).
COMMENT ON TABLE pos.cagg_source_invalidation IS 'Invalidation log of sources: [lo, hi] time spans modified by one transaction below the threshold (one row per chunk-sized slot), not yet moved to the aggregates'' logs.';

CREATE TABLE pos.cagg_invalidation (
    cagg_id integer NOT NULL REFERENCES pos.continuous_aggregate (cagg_id) ON DELETE CASCADE,
    keys    tstzrange NOT NULL
);
CREATE INDEX ON pos.cagg_invalidation (cagg_id);
COMMENT ON TABLE pos.cagg_invalidation IS 'Invalidation log of each aggregate, in bucket-key space: buckets that must be re-materialized. Always ends with [threshold, unbounded).';

-- The materialized path of each real-time relation readers query: a continuous aggregate's view,
-- or a view over several (pos.store_daily sums four). Wherever none of its parts aggregates live
-- (pos.continuous_aggregate.view_live), the relation returns exactly what `materialized` returns,
-- and reading that skips planning and starting the live parts' scans of raw chunks, most of the
-- cost of a small query. pos.cagg_require_materialized checks that condition inside the query.
-- For a view over several aggregates, `materialized` is a table of its own that each refresh of
-- a part rewrites for the buckets it re-materialized (pos._cagg_rewrite_composites), so that a
-- read is one index scan instead of the parts' scans and the regrouping.
CREATE TABLE pos.cagg_view_path (
    view_name     regclass PRIMARY KEY,
    materialized  regclass NOT NULL UNIQUE,
    bucket_column name NOT NULL,
    parts         integer[] NOT NULL,
    from_parts    regclass
);
COMMENT ON TABLE pos.cagg_view_path IS 'Real-time relations over continuous aggregates and their materialized paths: the same columns and, outside the parts'' live buckets, the same rows (see pos.cagg_require_materialized).';
COMMENT ON COLUMN pos.cagg_view_path.materialized IS 'A continuous aggregate''s materialization table, or a composite''s own table, which every refresh of a part keeps equal to from_parts.';
COMMENT ON COLUMN pos.cagg_view_path.from_parts IS 'For a relation over several aggregates: its body over the parts'' materialization tables, of which materialized holds the rows. NULL for a single aggregate.';
COMMENT ON COLUMN pos.cagg_view_path.bucket_column IS 'The column of view_name holding the parts'' bucket (a date or the bucket start).';
COMMENT ON COLUMN pos.cagg_view_path.parts IS 'cagg_id of every continuous aggregate the relation reads.';

---------------------------------------------------------------------------------------------------
-- Key-space arithmetic. Unbounded range ends are NULL, never ±infinity values, so that range
-- algebra never leaves slivers such as (unbounded, -infinity).

CREATE FUNCTION pos._cagg_fin(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN isfinite(t) THEN t END $$;

-- Key of the bucket holding time t (time buckets) or the UTC-midnight key of date t (date buckets).
CREATE FUNCTION pos._cagg_floor(c pos.continuous_aggregate, t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t IS NULL OR NOT isfinite(t) THEN t
                WHEN c.date_column IS NULL THEN date_bin(c.bucket_width, t, c.bucket_origin)
                ELSE date_trunc('day', t, 'UTC') END
$$;

CREATE FUNCTION pos._cagg_step(c pos.continuous_aggregate) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN c.date_column IS NULL THEN c.bucket_width ELSE interval '1 day' END $$;

-- Keys of every bucket a row with time in [lo, hi] can belong to.
CREATE FUNCTION pos._cagg_keys_for(c pos.continuous_aggregate, lo timestamptz, hi timestamptz) RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c.date_column IS NULL
                THEN tstzrange(pos._cagg_fin(pos._cagg_floor(c, lo)), pos._cagg_fin(pos._cagg_floor(c, hi) + c.bucket_width))
                ELSE tstzrange(pos._cagg_fin(pos._cagg_floor(c, lo - c.date_slack)),
                               pos._cagg_fin(pos._cagg_floor(c, hi + c.date_slack) + interval '1 day')) END
$$;

-- Times a refresh of keys [k1, k2) must scan.
CREATE FUNCTION pos._cagg_scan_range(c pos.continuous_aggregate, keys tstzrange) RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c.date_column IS NULL THEN keys
                ELSE tstzrange(lower(keys) - c.date_slack, upper(keys) + c.date_slack) END
$$;

CREATE FUNCTION pos._cagg_key_date(k timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (k AT TIME ZONE 'UTC')::date $$;

CREATE FUNCTION pos._cagg_nbuckets(c pos.continuous_aggregate, keys tstzrange) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(extract(epoch FROM upper(keys) - lower(keys)) / extract(epoch FROM pos._cagg_step(c)))::bigint
$$;

-- Thresholds live in sequences as microseconds since the epoch (bigint minimum = -infinity).
CREATE FUNCTION pos._cagg_micros(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t = '-infinity' THEN -9223372036854775808
                WHEN t = 'infinity' THEN 9223372036854775807
                ELSE (extract(epoch FROM t) * 1000000)::bigint END
$$;

CREATE FUNCTION pos._cagg_from_micros(v bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v = -9223372036854775808 THEN '-infinity'::timestamptz
                WHEN v = 9223372036854775807 THEN 'infinity'::timestamptz
                ELSE timestamptz 'epoch' + v * interval '1 microsecond' END
$$;

---------------------------------------------------------------------------------------------------
-- Catalog look-ups and the SQL each aggregate runs.

CREATE FUNCTION pos._cagg(cagg regclass) RETURNS pos.continuous_aggregate
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c pos.continuous_aggregate;
BEGIN
    SELECT * INTO c FROM pos.continuous_aggregate WHERE view_name = cagg;
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is not a continuous aggregate', cagg
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create one with pos.create_continuous_aggregate; pos.continuous_aggregate_stats lists the existing ones.';
    END IF;
    RETURN c;
END
$$;

-- "bucket expression AS bucket, dims…, aggregates FROM rel WHERE <where> GROUP BY 1..n"
CREATE FUNCTION pos._cagg_select_sql(c pos.continuous_aggregate, rel regclass, where_sql text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('SELECT %s AS %I%s, %s FROM %s WHERE %s%s GROUP BY %s',
                  CASE WHEN c.date_column IS NULL
                       THEN format('date_bin(%L::interval, %I, %L::timestamptz)', c.bucket_width, c.time_column, c.bucket_origin)
                       ELSE quote_ident(c.date_column) END,
                  c.bucket_column,
                  (SELECT string_agg(', ' || quote_ident(g), '' ORDER BY o) FROM unnest(c.group_by) WITH ORDINALITY u(g, o)),
                  c.aggregates, rel, where_sql,
                  CASE WHEN c.filter IS NOT NULL THEN format(' AND (%s)', c.filter) ELSE '' END,
                  (SELECT string_agg(i::text, ', ') FROM generate_series(1, 1 + cardinality(c.group_by)) i))
$$;

-- At most this many invalid ranges are written into a view; closer ones are merged beyond that.
CREATE FUNCTION pos._cagg_coarsen(m tstzmultirange, max_ranges integer) RETURNS tstzmultirange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH r AS (SELECT x, row_number() OVER (ORDER BY lower(x) NULLS FIRST) AS i FROM unnest(m) x),
         g AS (SELECT i, x, lower(x) - lag(upper(x)) OVER (ORDER BY i) AS gap FROM r),
         cut AS (SELECT i FROM g WHERE gap IS NOT NULL ORDER BY gap DESC LIMIT greatest(max_ranges - 1, 0)),
         grp AS (SELECT x, (SELECT count(*) FROM cut WHERE cut.i <= g.i) AS k FROM g)
    SELECT coalesce(range_agg(merged), '{}')
      FROM (SELECT range_merge(range_agg(x)) AS merged FROM grp GROUP BY k) s
$$;

-- Keys the view aggregates live: the invalid ranges, merged to at most 16 (a view with many more
-- OR-ed ranges would cost more to plan than the few buckets merging makes it recompute), none when
-- the view is materialized only.
CREATE FUNCTION pos._cagg_live_keys(c pos.continuous_aggregate) RETURNS tstzmultirange
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN c.materialized_only THEN '{}'::tstzmultirange ELSE pos._cagg_coarsen(c.invalid, 16) END
$$;

-- SQL condition "column lies in one of these ranges" (keys or times), with literal bounds.
CREATE FUNCTION pos._cagg_in_ranges(col text, m tstzmultirange, as_date boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(
               '(' || concat_ws(' AND ',
                   CASE WHEN NOT lower_inf(x) THEN format('%s >= %L::%s', col,
                        CASE WHEN as_date THEN pos._cagg_key_date(lower(x))::text ELSE lower(x)::text END,
                        CASE WHEN as_date THEN 'date' ELSE 'timestamptz' END) END,
                   CASE WHEN NOT upper_inf(x) THEN format('%s < %L::%s', col,
                        CASE WHEN as_date THEN pos._cagg_key_date(upper(x))::text ELSE upper(x)::text END,
                        CASE WHEN as_date THEN 'date' ELSE 'timestamptz' END) END,
                   CASE WHEN lower_inf(x) AND upper_inf(x) THEN 'true' END) || ')',
               ' OR ' ORDER BY lower(x) NULLS FIRST), 'false')
      FROM unnest(m) x
$$;

-- The view: the materialization outside the invalid ranges, live aggregation of raw rows inside
-- them (typically one range: from the watermark on). The ranges are literals, so chunks outside
-- them are pruned when the query is planned.
CREATE FUNCTION pos._cagg_view_sql(c pos.continuous_aggregate) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cols  text := (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                     FROM pg_attribute a WHERE a.attrelid = c.mat_table AND a.attnum > 0 AND NOT a.attisdropped);
    inv   tstzmultirange := pos._cagg_live_keys(c);
    dated boolean := c.date_column IS NOT NULL;
    live  text;
BEGIN
    IF c.materialized_only THEN
        RETURN format('SELECT %s FROM %s', cols, c.mat_table);
    END IF;
    IF NOT dated THEN
        live := pos._cagg_in_ranges(quote_ident(c.time_column), inv, false);
    ELSE
        -- per range: its dates, and the times that can hold them (for pruning)
        SELECT coalesce(string_agg(format('(%s AND %s)', pos._cagg_in_ranges(quote_ident(c.date_column), tstzmultirange(x), true),
                                          pos._cagg_in_ranges(quote_ident(c.time_column), tstzmultirange(pos._cagg_scan_range(c, x)), false)),
                                   ' OR '), 'false')
          INTO live FROM unnest(inv) x;
    END IF;
    RETURN format('SELECT %s FROM %s WHERE NOT (%s) UNION ALL %s', cols, c.mat_table,
                  pos._cagg_in_ranges(quote_ident(c.bucket_column), inv, dated),
                  pos._cagg_select_sql(c, c.source, '(' || live || ')'));
END
$$;

-- Rewrites the view with the current watermark. A reader holding the view makes this wait; after
-- lock_timeout it gives up (the old view stays correct, only with a lower watermark) and the next
-- refresh tries again.
CREATE FUNCTION pos._cagg_rebuild_view(id integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    c   pos.continuous_aggregate;
    old text := current_setting('lock_timeout');
BEGIN
    SELECT * INTO c FROM pos.continuous_aggregate WHERE cagg_id = id;
    IF c.view_invalid IS NOT DISTINCT FROM c.invalid THEN
        RETURN true;
    END IF;
    PERFORM set_config('lock_timeout', '2s', true);
    BEGIN
        EXECUTE format('CREATE OR REPLACE VIEW %s WITH (security_invoker = true) AS %s', c.view_name, pos._cagg_view_sql(c));
        UPDATE pos.continuous_aggregate SET view_invalid = c.invalid, view_live = pos._cagg_live_keys(c) WHERE cagg_id = id;
    EXCEPTION WHEN lock_not_available THEN
        RAISE NOTICE 'continuous aggregate "%": view is busy, it keeps its previous invalid ranges until the next refresh', c.view_name;
        PERFORM set_config('lock_timeout', old, true);
        RETURN false;
    END;
    PERFORM set_config('lock_timeout', old, true);
    RETURN true;
END
$$;

---------------------------------------------------------------------------------------------------
-- Invalidation: one trigger function in C for every source (pg-extension/src/caggs_invalidation.rs),
-- on three row-level triggers (cloned onto every chunk, present and future) and a statement-level
-- TRUNCATE trigger. Its arguments: the source, its threshold sequence, the time column, and the
-- slots spans are kept per (the chunk interval and origin, in microseconds since the Unix epoch).

CREATE FUNCTION pos._cagg_invalidate() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'pos_cagg_invalidate';
COMMENT ON FUNCTION pos._cagg_invalidate() IS 'Invalidation trigger of continuous aggregate sources: logs, at commit, the time spans a transaction wrote below the source''s invalidation threshold.';
REVOKE EXECUTE ON FUNCTION pos._cagg_invalidate() FROM PUBLIC;

CREATE FUNCTION pos._cagg_flush_invalidations() RETURNS void
LANGUAGE c AS 'MODULE_PATHNAME', 'pos_cagg_flush_invalidations';
COMMENT ON FUNCTION pos._cagg_flush_invalidations() IS 'Writes the spans this transaction wrote so far into pos.cagg_source_invalidation now instead of at commit (a refresh calls it to see its own transaction''s writes).';

CREATE FUNCTION pos._cagg_forget_threshold(src regclass) RETURNS void
LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pos_cagg_forget_threshold';
COMMENT ON FUNCTION pos._cagg_forget_threshold(regclass) IS 'Called under the exclusive threshold lock before raising the threshold of src: the value this backend''s trigger cached for the transaction, and the values every backend keeps across transactions, are out of date.';

CREATE FUNCTION pos._cagg_pause_invalidation(paused boolean) RETURNS boolean
LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pos_cagg_pause_invalidation';
COMMENT ON FUNCTION pos._cagg_pause_invalidation(boolean) IS 'Stops (true) or resumes (false) invalidation tracking for the rest of the transaction and returns the previous state: retention deletes rows whose materialized buckets keep their values.';
REVOKE EXECUTE ON FUNCTION pos._cagg_pause_invalidation(boolean) FROM PUBLIC;

-- The threshold lock of a source is a lock on its threshold sequence: writers hold ROW EXCLUSIVE
-- from their first tracked row until they end (a fast-path lock, unlike the advisory lock it
-- replaced), a raise takes SHARE ROW EXCLUSIVE at session level for an instant (this function).
CREATE FUNCTION pos._cagg_lock_threshold(seq regclass, lock boolean) RETURNS void
LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pos_cagg_lock_threshold';
COMMENT ON FUNCTION pos._cagg_lock_threshold(regclass, boolean) IS 'Takes (true) or releases (false) the session-level SHARE ROW EXCLUSIVE lock on a threshold sequence under which pos._cagg_raise_threshold moves it; it waits for every transaction that wrote to the source with the old threshold.';
REVOKE EXECUTE ON FUNCTION pos._cagg_lock_threshold(regclass, boolean) FROM PUBLIC;

-- A refresh re-aggregates a time range of the source: without an index leading with the time
-- column it reads whole chunks (the current chunk over and over, while it fills: a 1-second
-- aggregate refreshed every second under 16k lines/s spent 450 ms per refresh scanning today's
-- chunk). A b-tree on the time column, as TimescaleDB creates on every hypertable, makes a
-- refresh read only the rows of its buckets, and the view's live part only the rows above the
-- watermark. Created on the partitioned table, so on every chunk, present and future.
CREATE FUNCTION pos._cagg_ensure_time_index(h pos.hypertable) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = h.relid AND a.attname = h.time_column) THEN
        EXECUTE format('CREATE INDEX ON %s (%I)', h.relid, h.time_column);
    END IF;
END
$$;

CREATE FUNCTION pos._cagg_register_hypertable(h pos.hypertable) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel  text := (SELECT relname FROM pg_class WHERE oid = h.relid);
    seq  text := left(rel, 40) || '_threshold';
    args text;
    spec text;
BEGIN
    IF EXISTS (SELECT 1 FROM pos.cagg_source WHERE source = h.relid) THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE SEQUENCE pos_caggs.%I MINVALUE -9223372036854775808 START -9223372036854775808', seq);
    args := format('%L, %L, %L, %L, %L', pos._qualified_name(h.relid), format('pos_caggs.%I', seq), h.time_column,
                   (extract(epoch FROM h.chunk_interval) * 1000000)::bigint, pos._cagg_micros(h.origin));
    FOREACH spec IN ARRAY ARRAY['insert AFTER INSERT', 'update AFTER UPDATE', 'delete AFTER DELETE'] LOOP
        EXECUTE format('CREATE TRIGGER cagg_invalidate_%s ON %s FOR EACH ROW EXECUTE FUNCTION pos._cagg_invalidate(%s)',
                       spec, h.relid, args);
    END LOOP;
    EXECUTE format('CREATE TRIGGER cagg_invalidate_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION pos._cagg_invalidate(%s)',
                   h.relid, args);
    INSERT INTO pos.cagg_source (source, threshold_seq, trigger_fn)
    VALUES (h.relid, format('pos_caggs.%I', seq)::regclass, 'pos._cagg_invalidate()'::regprocedure);
    PERFORM pos._cagg_ensure_time_index(h);
END
$$;

CREATE FUNCTION pos._cagg_unregister_source(src regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s pos.cagg_source;
    op text;
BEGIN
    SELECT * INTO s FROM pos.cagg_source WHERE source = src;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM pos.continuous_aggregate WHERE source = src) THEN
        RETURN;
    END IF;
    IF s.trigger_fn IS NOT NULL THEN
        FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS cagg_invalidate_%s ON %s', op, src);
        END LOOP;
        EXECUTE format('DROP SEQUENCE %s', s.threshold_seq);
    END IF;
    DELETE FROM pos.cagg_source_invalidation WHERE source = src;
    DELETE FROM pos.cagg_source WHERE source = src;
END
$$;

CREATE FUNCTION pos._cagg_threshold(src regclass) RETURNS timestamptz
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    seq regclass := (SELECT threshold_seq FROM pos.cagg_source WHERE source = src);
    v   bigint;
BEGIN
    IF seq IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT last_value FROM %s', seq) INTO v;
    RETURN pos._cagg_from_micros(v);
END
$$;

-- Raises the threshold of a hypertable to t. The exclusive threshold lock (on the sequence, see
-- pos._cagg_lock_threshold) waits until every transaction that ran the trigger with the old
-- threshold has committed (so a refresh's later snapshots see their rows), and writers arriving
-- after it see the new value at once (sequences are not transactional), so every write is either
-- logged or visible to the refresh. The trigger caches the threshold for the transaction, which
-- is sound because writers hold their weaker lock on the sequence until they end; this backend
-- alone can hold it too, so it tells its own trigger to read it again.
-- Backends also keep thresholds across transactions while a shared change counter stands still:
-- pos._cagg_forget_threshold bumps it, under the exclusive lock and before setval, so a writer
-- taking the lock after this raise sees the counter moved and reads the sequence again (see
-- pg-extension/src/caggs_invalidation.rs). Never setval the sequence any other way. Waiting is
-- done in 100 ms tries so that writers queued behind the request are never held up for long.
CREATE FUNCTION pos._cagg_raise_threshold(src regclass, t timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    seq   regclass := (SELECT threshold_seq FROM pos.cagg_source WHERE source = src);
    want  bigint := pos._cagg_micros(t);
    old   text := current_setting('lock_timeout');
    tries integer := 0;
BEGIN
    IF seq IS NULL OR t IS NULL OR want <= pos._cagg_micros(pos._cagg_threshold(src)) THEN
        RETURN;
    END IF;
    PERFORM set_config('lock_timeout', '100ms', true);
    LOOP
        BEGIN
            PERFORM pos._cagg_lock_threshold(seq, true);
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            tries := tries + 1;
            IF tries >= 3000 THEN
                PERFORM set_config('lock_timeout', old, true);
                RAISE EXCEPTION 'could not raise the invalidation threshold of "%": a writing transaction has been open for over 5 minutes', src
                    USING ERRCODE = 'lock_not_available',
                          HINT = 'Find it in pg_stat_activity (state ''idle in transaction'') and end it, then refresh again.';
            END IF;
            PERFORM pg_sleep(0.02);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', old, true);
    BEGIN
        IF want > pos._cagg_micros(pos._cagg_threshold(src)) THEN
            -- first: thresholds cached by writers are out of date from now on, even if setval fails
            PERFORM pos._cagg_forget_threshold(src);
            PERFORM setval(seq, want);
        END IF;
        PERFORM pos._cagg_lock_threshold(seq, false);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pos._cagg_lock_threshold(seq, false);
        RAISE;
    END;
END
$$;

---------------------------------------------------------------------------------------------------
-- Definition.

CREATE FUNCTION pos._cagg_check_columns(rel regclass, cols name[]) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    missing name;
BEGIN
    SELECT g INTO missing FROM unnest(cols) g
     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = g AND a.attnum > 0 AND NOT a.attisdropped)
     LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in "%"', missing, rel
            USING ERRCODE = 'undefined_column', HINT = 'group_by, time_column and bucket_date_column name columns of the source.';
    END IF;
END
$$;

-- Validates and fills in a new catalog row from the source: a hypertable, or another aggregate.
CREATE FUNCTION pos._cagg_resolve_source(c pos.continuous_aggregate, time_column name) RETURNS pos.continuous_aggregate
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p pos.continuous_aggregate;
    h pos.hypertable;
BEGIN
    SELECT * INTO p FROM pos.continuous_aggregate WHERE view_name = c.source;
    IF FOUND THEN
        IF p.date_column IS NOT NULL THEN
            RAISE EXCEPTION 'continuous aggregate "%" has date buckets and cannot be the source of another one', p.view_name
                USING ERRCODE = 'feature_not_supported', HINT = 'Define the parent with time buckets (bucket_width), e.g. hourly, and the child by date or a wider width.';
        END IF;
        c.parent_id := p.cagg_id;
        c.refresh_source := p.mat_table;
        c.time_column := p.bucket_column;
        IF c.date_column IS NULL THEN
            IF extract(epoch FROM c.bucket_width)::numeric % extract(epoch FROM p.bucket_width)::numeric <> 0
               OR extract(epoch FROM c.bucket_origin - p.bucket_origin)::numeric % extract(epoch FROM p.bucket_width)::numeric <> 0 THEN
                RAISE EXCEPTION 'bucket width % is not a multiple of the parent''s % (with aligned origins)', c.bucket_width, p.bucket_width
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Each parent bucket must fall into exactly one child bucket.';
            END IF;
        ELSE
            -- a parent bucket starts up to one width before its rows' times
            c.date_slack := c.date_slack + p.bucket_width;
        END IF;
        RETURN c;
    END IF;
    SELECT * INTO h FROM pos.hypertable WHERE relid = c.source;
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is neither a hypertable nor a continuous aggregate', c.source
            USING ERRCODE = 'wrong_object_type', HINT = 'Turn the table into a hypertable with pos.create_hypertable first.';
    END IF;
    IF time_column IS NOT NULL AND time_column <> h.time_column THEN
        RAISE EXCEPTION 'time_column must be the hypertable''s partition column "%", got "%"', h.time_column, time_column
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Invalidations are tracked on the partition column; leave time_column out.';
    END IF;
    c.time_column := h.time_column;
    c.refresh_source := h.relid;
    RETURN c;
END
$$;

-- Materialization table: its columns and types come from the definition itself.
CREATE FUNCTION pos._cagg_create_mat(c pos.continuous_aggregate, mat_name text) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    mat  regclass;
    msg  text;
    dims text := (SELECT string_agg(quote_ident(g), ', ') FROM unnest(c.group_by[1:2]) g);
BEGIN
    BEGIN
        EXECUTE format('CREATE TABLE pos_caggs.%I AS %s WITH NO DATA', mat_name, pos._cagg_select_sql(c, c.refresh_source, 'false'));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE EXCEPTION 'invalid continuous aggregate definition: %', msg
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'aggregates is a select list of aggregate expressions with names, e.g. ''sum(net_amount) AS net, count(*) AS lines''; filter a boolean expression on the source''s columns.';
    END;
    mat := format('pos_caggs.%I', mat_name)::regclass;
    EXECUTE format('CREATE INDEX ON %s (%I)', mat, c.bucket_column);
    IF dims IS NOT NULL THEN
        EXECUTE format('CREATE INDEX ON %s (%s, %I)', mat, dims, c.bucket_column);
    END IF;
    -- Not marked for pg_dump when made by CREATE EXTENSION: a restore re-creates the shipped
    -- aggregates from scratch (sql/99_dump.sql). Made later, it is an ordinary table and dumped.
    RETURN mat;
END
$$;

-- A volatile function (random(), clock_timestamp(), nextval()) gives another answer at every
-- refresh: the materialized buckets and the live ones would disagree for no change in the data,
-- and a refresh could not tell what to redo. Like TimescaleDB, refuse the definition. The select
-- list and filter are compiled once into a temporary view, whose stored query tree names every
-- function, aggregate, operator's function and window function it calls (pg_depend would not:
-- it records no dependency on built-in functions such as random()). Functions called inside
-- other functions are not seen.
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

-- Readers see the materialized rows of their tenants only, like the raw rows (40_security.sql).
CREATE FUNCTION pos._cagg_secure_mat(c pos.continuous_aggregate) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = c.refresh_source) THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', c.mat_table);
    IF 'tenant_id' = ANY (c.group_by) THEN
        EXECUTE format('CREATE POLICY tenant_read ON %s FOR SELECT TO pos_analyst, pos_api USING (pos.tenant_visible(tenant_id))', c.mat_table);
        EXECUTE format('GRANT SELECT ON %s TO pos_analyst, pos_api', c.mat_table);
    ELSE
        RAISE NOTICE 'the source of "%" has row-level security but the aggregate has no tenant_id: only its owner can read it', c.view_name
            USING HINT = 'Add tenant_id to group_by to let pos_analyst and pos_api read their tenants.';
    END IF;
END
$$;

CREATE FUNCTION pos.create_continuous_aggregate(
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
COMMENT ON FUNCTION pos.create_continuous_aggregate(text, regclass, name[], text, interval, name, text, name, timestamptz, name, interval, boolean, interval, boolean) IS
'Defines a continuous aggregate: the view `name` = SELECT bucket, group_by…, aggregates FROM source [WHERE filter] GROUP BY bucket, group_by…, with buckets date_bin(bucket_width, time, bucket_origin) or the values of bucket_date_column. The source is a hypertable, or another continuous aggregate (hierarchical). with_data refreshes it at once.';

---------------------------------------------------------------------------------------------------
-- Refresh.

-- The refresh window in key space: only whole buckets inside [window_start, window_end). A NULL
-- start means from the beginning; a NULL end means up to the bucket holding now(). A child never
-- goes past what its parent has materialized.
CREATE FUNCTION pos._cagg_window(c pos.continuous_aggregate, window_start timestamptz, window_end timestamptz) RETURNS tstzrange
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lo timestamptz;
    hi timestamptz;
    p  pos.continuous_aggregate;
BEGIN
    IF window_end IS NOT NULL AND NOT isfinite(window_end) OR window_start = 'infinity' THEN
        RAISE EXCEPTION 'the refresh window must end at a finite time, got [%, %)', window_start, window_end
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass NULL as window_end to refresh up to now().';
    END IF;
    IF window_start IS NOT NULL AND window_end IS NOT NULL AND window_start >= window_end THEN
        RAISE EXCEPTION 'the refresh window [%, %) is empty', window_start, window_end
            USING ERRCODE = 'invalid_parameter_value', HINT = 'window_start must be before window_end.';
    END IF;
    lo := pos._cagg_fin(pos._cagg_floor(c, window_start));
    IF lo IS NOT NULL AND lo < window_start THEN
        lo := lo + pos._cagg_step(c);
    END IF;
    hi := pos._cagg_floor(c, coalesce(window_end, now()));
    IF c.parent_id IS NOT NULL THEN
        SELECT * INTO p FROM pos.continuous_aggregate WHERE cagg_id = c.parent_id;
        hi := least(hi, pos._cagg_floor(c, p.watermark - CASE WHEN c.date_column IS NULL THEN interval '0' ELSE c.date_slack END));
    END IF;
    IF lo >= hi OR NOT isfinite(hi) THEN
        RETURN 'empty';
    END IF;
    RETURN tstzrange(lo, hi);
END
$$;

-- The times buckets can hold: a bucket's width, a date's slack and a batch are added to and taken
-- from them, which must stay inside timestamptz (4713 BC to 294276 AD). Rows outside (and at
-- -infinity or infinity) belong to no bucket.
CREATE FUNCTION pos._cagg_time_domain() RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT tstzrange('4000-01-01 00:00:00+00 BC', '200000-01-01 00:00:00+00')
$$;

-- Keys that can hold any row, raw or materialized: outside them there is nothing to redo.
-- Locks a hypertable (not its chunks) for reading. A chunk's creation locks the hypertable, then
-- its default chunk; a reader of the default chunk itself must take the hypertable first, or it
-- holds the default chunk while waiting for the hypertable and the two deadlock (seen: a refresh
-- against the scheduler's maintenance job). Held to the end of the transaction, as every lock.
CREATE FUNCTION pos._cagg_lock_hypertable(h regclass) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    EXECUTE format('SELECT FROM ONLY %s LIMIT 0', h);
END
$$;

CREATE FUNCTION pos._cagg_data_bounds(c pos.continuous_aggregate) RETURNS tstzrange
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

-- The parts of keys that may hold rows, raw (a chunk's range, a straggler in the default chunk)
-- or materialized (to be deleted); re-materializing the rest would change nothing. Without this a
-- first refresh over history with gaps (one stray old row, a POS clock wrong for a day) walks
-- every empty bucket in between, batch after batch: five years of hourly buckets took 1,773
-- batches and 29 s.
CREATE FUNCTION pos._cagg_occupied(c pos.continuous_aggregate, keys tstzmultirange) RETURNS tstzmultirange
LANGUAGE plpgsql STABLE AS $$
DECLARE
    h      pos.hypertable := pos._hypertable(c.source);
    scan   tstzrange := pos._cagg_scan_range(c, range_merge(keys));
    raw    tstzmultirange;
    strays tstzmultirange;
    occ    tstzmultirange;
    gap    tstzrange;
    found  boolean;
    probe  text := 'SELECT EXISTS (SELECT 1 FROM %s WHERE ($1 IS NULL OR %I >= $1) AND ($2 IS NULL OR %I < $2))';
BEGIN
    IF isempty(keys) THEN
        RETURN keys;
    END IF;
    SELECT coalesce(range_agg(pos._cagg_keys_for(c, range_start, range_end - interval '1 microsecond')), '{}')
      INTO raw FROM pos.chunk
     WHERE hypertable = h.relid AND tstzrange(range_start, range_end) && scan;
    -- One span per bucket step, not per row: the keys of a step's first and last row cover those
    -- of every row between them (with 600,000 rows in the default chunk a call per row took 32 s).
    PERFORM pos._cagg_lock_hypertable(h.relid);
    EXECUTE format('SELECT coalesce(range_agg(pos._cagg_keys_for($1, lo, hi)), ''{}'')
                      FROM (SELECT min(%I) AS lo, max(%I) AS hi FROM %s WHERE %I <@ $2
                             GROUP BY date_bin($3, %I, $4)) d',
                   h.time_column, h.time_column, h.default_chunk, h.time_column, h.time_column)
       INTO strays USING c, scan, pos._cagg_step(c), c.bucket_origin;
    occ := (raw + strays) * keys;
    FOR gap IN SELECT x FROM unnest(keys - occ) x LOOP
        IF c.date_column IS NULL THEN
            EXECUTE format(probe, c.mat_table, c.bucket_column, c.bucket_column) INTO found USING lower(gap), upper(gap);
        ELSE
            EXECUTE format(probe, c.mat_table, c.bucket_column, c.bucket_column) INTO found
              USING pos._cagg_key_date(lower(gap)), pos._cagg_key_date(upper(gap));
        END IF;
        IF found THEN
            occ := occ + tstzmultirange(gap);
        END IF;
    END LOOP;
    RETURN occ;
END
$$;

-- Moves a source's log into the logs of all its aggregates, as bucket keys; first the spans the
-- current transaction wrote, which the trigger would log only at commit.
CREATE FUNCTION pos._cagg_move_invalidations(src regclass) RETURNS void
LANGUAGE sql AS $$
    SELECT pos._cagg_flush_invalidations();
    WITH moved AS (DELETE FROM pos.cagg_source_invalidation WHERE source = src RETURNING lo, hi)
    INSERT INTO pos.cagg_invalidation (cagg_id, keys)
    SELECT c.cagg_id, r
      FROM pos.continuous_aggregate c,
           LATERAL unnest((SELECT range_agg(pos._cagg_keys_for(c, m.lo, m.hi)) FROM moved m)) r
     WHERE c.source = src
$$;

-- A composite's table (pos.cagg_view_path.from_parts IS NOT NULL) must stay equal to its body over
-- the parts' materializations. Each transaction re-materializing a part rewrites the composite's
-- rows of the same buckets from the parts (pos._cagg_rewrite_composites), holding this lock — the
-- composite's row in pos.cagg_view_path — from before its first write to a part until it ends.
-- Without it, two transactions refreshing two parts would each read the other's part as it was
-- before (READ COMMITTED, neither committed) and the later commit would keep a sum missing the
-- earlier one's change. With it, the second waits until the first commits, and its rewrite, a
-- later statement, reads both parts as they are. Taken before the part's rows so that one
-- transaction refreshing several parts of a composite cannot deadlock with another refreshing one.
CREATE FUNCTION pos._cagg_lock_composites(id integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM pos.cagg_view_path WHERE id = ANY (parts) AND from_parts IS NOT NULL ORDER BY view_name FOR NO KEY UPDATE;
END
$$;

-- Rewrites the buckets [lo, hi) (keys) of every composite table over aggregate c from the parts'
-- materializations, after c's were rewritten in this transaction (under pos._cagg_lock_composites).
-- Each composite row is a sum over the parts' rows of the same bucket, so these buckets' rows
-- are all that can have changed.
CREATE FUNCTION pos._cagg_rewrite_composites(c pos.continuous_aggregate, keys tstzrange) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    p    pos.cagg_view_path;
    -- The bucket column holds the bucket's start ($1, $2) or, for a date bucket, its date ($3, $4).
    cond text := CASE WHEN c.date_column IS NULL THEN '%I >= $1 AND %I < $2' ELSE '%I >= $3 AND %I < $4' END;
BEGIN
    FOR p IN SELECT * FROM pos.cagg_view_path WHERE c.cagg_id = ANY (parts) AND from_parts IS NOT NULL LOOP
        EXECUTE format('DELETE FROM %s WHERE ' || cond, p.materialized, p.bucket_column, p.bucket_column)
            USING lower(keys), upper(keys), pos._cagg_key_date(lower(keys)), pos._cagg_key_date(upper(keys));
        EXECUTE format('INSERT INTO %s SELECT * FROM %s WHERE ' || cond, p.materialized, p.from_parts,
                       p.bucket_column, p.bucket_column)
            USING lower(keys), upper(keys), pos._cagg_key_date(lower(keys)), pos._cagg_key_date(upper(keys));
    END LOOP;
END
$$;

-- Re-materializes the buckets [lo, hi) of one aggregate, and of the composites over it.
CREATE FUNCTION pos._cagg_materialize(c pos.continuous_aggregate, keys tstzrange) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    scan tstzrange := pos._cagg_scan_range(c, keys);
    cond text := format('%I >= $1 AND %I < $2', c.time_column, c.time_column);
BEGIN
    PERFORM pos._cagg_lock_composites(c.cagg_id);
    IF c.date_column IS NULL THEN
        EXECUTE format('DELETE FROM %s WHERE %I >= $1 AND %I < $2', c.mat_table, c.bucket_column, c.bucket_column)
            USING lower(keys), upper(keys);
    ELSE
        EXECUTE format('DELETE FROM %s WHERE %I >= $1 AND %I < $2', c.mat_table, c.bucket_column, c.bucket_column)
            USING pos._cagg_key_date(lower(keys)), pos._cagg_key_date(upper(keys));
        cond := cond || format(' AND %I >= $3 AND %I < $4', c.date_column, c.date_column);
    END IF;
    EXECUTE format('INSERT INTO %s %s', c.mat_table, pos._cagg_select_sql(c, c.refresh_source, cond))
        USING lower(scan), upper(scan), pos._cagg_key_date(lower(keys)), pos._cagg_key_date(upper(keys));
    PERFORM pos._cagg_rewrite_composites(c, keys);
    -- Children re-read what changed here.
    IF EXISTS (SELECT 1 FROM pos.continuous_aggregate WHERE parent_id = c.cagg_id) THEN
        INSERT INTO pos.cagg_source_invalidation VALUES (c.view_name, lower(keys), upper(keys) - interval '1 microsecond');
    END IF;
END
$$;

-- One batch: re-materializes the lowest invalid buckets inside the window, batch_interval worth
-- at most (several ranges if they are short), writes back what is still invalid and the new
-- watermark. Returns the keys done (NULL when none were left) and whether invalid buckets are
-- left in the window for another batch.
CREATE FUNCTION pos._cagg_refresh_step(id integer, win tstzrange, OUT done tstzmultirange, OUT more boolean)
LANGUAGE plpgsql AS $$
DECLARE
    c      pos.continuous_aggregate;
    inv    tstzmultirange;
    todo   tstzmultirange;
    todo_rows tstzmultirange;
    bounds tstzrange;
    r      tstzrange;
    piece  tstzrange;
    budget interval;
BEGIN
    done := '{}';
    SELECT * INTO c FROM pos.continuous_aggregate WHERE cagg_id = id FOR UPDATE;
    PERFORM pos._cagg_move_invalidations(c.source);
    WITH d AS (DELETE FROM pos.cagg_invalidation WHERE cagg_id = id RETURNING keys)
    SELECT coalesce(range_agg(keys), '{}') INTO inv FROM d;
    bounds := pos._cagg_data_bounds(c);
    -- Below every raw and materialized row, and inside the window above them, nothing can be
    -- wrong: drop those parts of the log (the window lies under the threshold, so later writes
    -- there are logged again).
    IF isempty(bounds) THEN
        inv := inv - tstzmultirange(tstzrange(NULL, upper(win)));
    ELSE
        inv := inv - tstzmultirange(tstzrange(NULL, lower(bounds))) - tstzmultirange(win * tstzrange(upper(bounds), NULL));
    END IF;
    todo := inv * tstzmultirange(win);
    IF c.parent_id IS NULL AND NOT isempty(todo) THEN
        -- parts without a raw or materialized row are valid as they are: out of the log
        todo_rows := pos._cagg_occupied(c, todo);
        inv := inv - (todo - todo_rows);
        todo := todo_rows;
    END IF;
    IF c.parent_id IS NOT NULL THEN
        -- never materialize from parent buckets that are stale themselves: they stay live
        todo := todo - (SELECT coalesce(range_agg(pos._cagg_keys_for(c, lower(x), upper(x) - interval '1 microsecond')), '{}')
                          FROM pos.continuous_aggregate p, unnest(p.invalid) x WHERE p.cagg_id = c.parent_id);
    END IF;
    budget := c.batch_interval;
    FOR r IN SELECT x FROM unnest(todo) x ORDER BY lower(x) LOOP
        EXIT WHEN budget <= interval '0';
        piece := tstzrange(lower(r), least(upper(r), lower(r) + budget));
        PERFORM pos._cagg_materialize(c, piece);
        done := done + tstzmultirange(piece);
        budget := budget - (upper(piece) - lower(piece));
    END LOOP;
    inv := inv - done;
    more := NOT isempty(todo - done);
    INSERT INTO pos.cagg_invalidation (cagg_id, keys) SELECT id, x FROM unnest(inv) x;
    UPDATE pos.continuous_aggregate
       SET invalid = inv,
           watermark = coalesce((SELECT coalesce(lower(x), '-infinity') FROM unnest(inv) x WHERE upper_inf(x)), 'infinity')
     WHERE cagg_id = id;
    IF isempty(done) THEN
        done := NULL;
    END IF;
END
$$;

CREATE FUNCTION pos._cagg_count_buckets(id integer, keys tstzmultirange) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT sum(pos._cagg_nbuckets(c, x))::bigint FROM pos.continuous_aggregate c, unnest(keys) x WHERE c.cagg_id = id
$$;

-- Checks, resolves the window and raises the source's threshold to its end.
CREATE FUNCTION pos._cagg_refresh_prepare(cagg regclass, window_start timestamptz, window_end timestamptz,
                                          OUT id integer, OUT win tstzrange)
LANGUAGE plpgsql AS $$
DECLARE
    c pos.continuous_aggregate := pos._cagg(cagg);
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'refreshing a continuous aggregate needs READ COMMITTED, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state',
                  HINT = 'Its snapshot must see the rows written before the threshold moved; run it outside REPEATABLE READ/SERIALIZABLE transactions.';
    END IF;
    id := c.cagg_id;
    win := pos._cagg_window(c, window_start, window_end);
    IF c.parent_id IS NULL AND NOT isempty(win) THEN
        PERFORM pos._cagg_raise_threshold(c.source, upper(pos._cagg_scan_range(c, win)));
    END IF;
    UPDATE pos.continuous_aggregate SET last_refresh_started_at = clock_timestamp(), last_refresh_window = win WHERE cagg_id = id;
END
$$;

CREATE FUNCTION pos._cagg_refresh_finish(id integer, batches integer, buckets bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pos.continuous_aggregate
       SET last_refresh_finished_at = clock_timestamp(), last_refresh_batches = batches,
           last_refresh_buckets = buckets, total_refreshes = total_refreshes + 1
     WHERE cagg_id = id;
    PERFORM pos._cagg_rebuild_view(id);
END
$$;

-- Each batch commits, so that locks and memory stay bounded however much is invalid; a refresh
-- with one batch or none (the frequent small refresh) is a single transaction: preparing,
-- materializing and rewriting the view commit together, once.
CREATE PROCEDURE pos.refresh_continuous_aggregate(cagg regclass, window_start timestamptz, window_end timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    p       record;
    s       record;
    batches integer := 0;
    buckets bigint := 0;
BEGIN
    SELECT * INTO p FROM pos._cagg_refresh_prepare(cagg, window_start, window_end);
    LOOP
        SELECT * INTO s FROM pos._cagg_refresh_step(p.id, p.win);
        IF s.done IS NOT NULL THEN
            batches := batches + 1;
            buckets := buckets + pos._cagg_count_buckets(p.id, s.done);
        END IF;
        EXIT WHEN NOT s.more;
        COMMIT;
    END LOOP;
    PERFORM pos._cagg_refresh_finish(p.id, batches, buckets);
    COMMIT;
END
$$;
COMMENT ON PROCEDURE pos.refresh_continuous_aggregate(regclass, timestamptz, timestamptz) IS
'CALL it to re-materialize the invalid buckets of a continuous aggregate that lie wholly in [window_start, window_end) (NULL = unbounded start / now()), in batches that each commit. Inside a transaction block use pos.refresh_continuous_aggregate_in_transaction.';

CREATE FUNCTION pos.refresh_continuous_aggregate_in_transaction(cagg regclass, window_start timestamptz, window_end timestamptz,
                                                                max_batches integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    p       record;
    s       record;
    batches integer := 0;
    buckets bigint := 0;
BEGIN
    SELECT * INTO p FROM pos._cagg_refresh_prepare(cagg, window_start, window_end);
    LOOP
        EXIT WHEN batches >= max_batches;
        SELECT * INTO s FROM pos._cagg_refresh_step(p.id, p.win);
        IF s.done IS NOT NULL THEN
            batches := batches + 1;
            buckets := buckets + pos._cagg_count_buckets(p.id, s.done);
        END IF;
        EXIT WHEN NOT s.more;
    END LOOP;
    PERFORM pos._cagg_refresh_finish(p.id, batches, buckets);
    RETURN buckets;
END
$$;
COMMENT ON FUNCTION pos.refresh_continuous_aggregate_in_transaction(regclass, timestamptz, timestamptz, integer) IS
'Like CALL pos.refresh_continuous_aggregate, but inside the caller''s transaction (all batches commit together), at most max_batches batches (NULL = all; the rest stays invalid for the next run). Returns the number of buckets re-materialized.';

---------------------------------------------------------------------------------------------------
-- Materialized paths (pos.cagg_view_path).

-- A view over several continuous aggregates and its materialized path, from one body: a SELECT
-- reading the parts as %1$s, %2$s, … (format() placeholders, in the order of parts) and grouping
-- by `key` (the bucket column included). The same body over the parts' materialization tables is
-- pos_caggs.<name>_from_parts; the path is the table pos_caggs.<name>_materialized holding its
-- rows, which every re-materialization of a part rewrites for the same buckets in the same
-- transaction (pos._cagg_materialize). Where no part aggregates a bucket live, the view is the
-- parts' materializations summed, so the table holds exactly the view's rows there. Reading one
-- row of it is one index scan: as the body over the four parts' tables, PostgreSQL started an
-- Append of four scans and a regrouping of 27 sums for it, and checked EXECUTE on each aggregate,
-- per statement; the table cut PostgreSQL's CPU for the API's one-store-one-day request of
-- pos.store_daily by 42-47 % (benches/api/RESULTS.md).
-- Call it in the transaction that creates the parts (as sql/95_views.sql does), or while no
-- refresh of them runs: a refresh that looked for composites before this one committed would not
-- rewrite it. The parts' tables are locked meanwhile so that no refresh writes them under it.
-- The view and from_parts run with the reader's rights; the table has the parts' row security.
CREATE FUNCTION pos._cagg_create_composite(name text, body text, parts regclass[], bucket_column name, key name[]) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    ids   integer[];
    views text[];
    mats  text[];
    base  text := (parse_ident(name))[2];
    fresh text := format('pos_caggs.%I', base || '_from_parts');
    path  text := format('pos_caggs.%I', base || '_materialized');
BEGIN
    SELECT array_agg(c.cagg_id ORDER BY u.o), array_agg(c.view_name::text ORDER BY u.o), array_agg(c.mat_table::text ORDER BY u.o)
      INTO ids, views, mats
      FROM unnest(parts) WITH ORDINALITY u(p, o) JOIN pos.continuous_aggregate c ON c.view_name = u.p;
    IF cardinality(ids) IS DISTINCT FROM cardinality(parts) THEN
        RAISE EXCEPTION 'every part of "%" must be a continuous aggregate: %', name, parts USING ERRCODE = 'wrong_object_type';
    END IF;
    IF (SELECT count(DISTINCT c.date_column IS NULL) FROM pos.continuous_aggregate c WHERE c.cagg_id = ANY (ids)) > 1
       OR NOT bucket_column = ANY (key) THEN
        RAISE EXCEPTION 'the parts of "%" must share one kind of bucket, and its key % must hold the bucket column %', name, key, bucket_column
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', name, format(body, VARIADIC views));
    EXECUTE format('CREATE VIEW %s WITH (security_invoker = true) AS %s', fresh, format(body, VARIADIC mats));
    EXECUTE format('COMMENT ON VIEW %s IS %L', fresh,
                   format('The rows of %s computed from its parts'' materializations (refresh copies them into %s).', name, path));
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', array_to_string(mats, ', '));
    EXECUTE format('CREATE TABLE %s AS SELECT * FROM %s', path, fresh);
    EXECUTE format('CREATE UNIQUE INDEX ON %s (%s)', path, (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key) k));
    EXECUTE format('CREATE INDEX ON %s (%I)', path, bucket_column);
    EXECUTE format('COMMENT ON TABLE %s IS %L', path,
                   format('Materialized path of %s (pos.cagg_view_path): %s, kept by each refresh of a part.', name, fresh));
    IF EXISTS (SELECT 1 FROM pg_class m WHERE m.oid = ANY (mats::regclass[]) AND m.relrowsecurity) THEN
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', path);
        IF 'tenant_id' = ANY (key) THEN
            EXECUTE format('CREATE POLICY tenant_read ON %s FOR SELECT TO pos_analyst, pos_api USING (pos.tenant_visible(tenant_id))', path);
        END IF;
    END IF;
    INSERT INTO pos.cagg_view_path (view_name, materialized, bucket_column, parts, from_parts)
    VALUES (name::regclass, path::regclass, bucket_column, ids, fresh::regclass);
    RETURN name::regclass;
END
$$;

-- The guard of a materialized path, meant as a condition of the query reading it (PostgreSQL
-- evaluates such a condition once, before reading anything, in the query's own snapshot): true
-- when no part of rel aggregates live any bucket in [lo, hi] (NULL: unbounded), so that the path
-- returns exactly what rel returns for rows of those buckets; otherwise it raises SQLSTATE PCA01
-- and the caller reads rel instead. Which buckets are live changes at each refresh, and can grow
-- (late rows outside a refresh window, an aggregate re-created), so a cached answer is only a hint.
-- The test is in C (pos._cagg_path_covered, pg-extension/src/caggs_guard.rs: it reads the two
-- tables below directly, in the query's snapshot, with the caller's privileges), because every API
-- request through a path runs it and as PL/pgSQL it cost ~80 µs per call, a fifth of such a
-- request. It answers as this query would (true or NULL: some bucket is live):
--   SELECT count(*) <> min(cardinality(p.parts)) OR bool_or(c.view_live IS NULL OR c.view_live && tstzrange(lo, hi, '[]'))
--     FROM pos.cagg_view_path p JOIN pos.continuous_aggregate c ON c.cagg_id = ANY (p.parts)
--    WHERE p.view_name = rel
-- The guard stays a SQL function, which PostgreSQL inlines into the query, so that the error
-- keeps its SQLSTATE (raised from Rust, PCA01 would reach the client as XX000).
CREATE FUNCTION pos._cagg_path_covered(rel regclass, lo timestamptz, hi timestamptz) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'pos_cagg_path_covered';
COMMENT ON FUNCTION pos._cagg_path_covered(regclass, timestamptz, timestamptz) IS 'Whether the materialized path of rel returns what rel returns for buckets in [lo, hi] (the test of pos.cagg_require_materialized).';

-- Its answer is kept across statements while the two tables provably did not change for the
-- statement's snapshot (pg-extension/src/caggs_coverage.rs): every statement writing either of
-- them first runs this trigger, which moves a change epoch in shared memory, and so does the end
-- of its transaction. ENABLE ALWAYS: it fires under session_replication_role = replica too.
-- pos_analytics.cagg_guard_cache = off tests afresh in every statement.
CREATE FUNCTION pos._cagg_coverage_changed() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'pos_cagg_coverage_changed';
COMMENT ON FUNCTION pos._cagg_coverage_changed() IS 'Statement trigger on pos.continuous_aggregate and pos.cagg_view_path: the answers pos._cagg_path_covered keeps are out of date.';
CREATE TRIGGER coverage_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pos.continuous_aggregate
    FOR EACH STATEMENT EXECUTE FUNCTION pos._cagg_coverage_changed();
CREATE TRIGGER coverage_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON pos.cagg_view_path
    FOR EACH STATEMENT EXECUTE FUNCTION pos._cagg_coverage_changed();
ALTER TABLE pos.continuous_aggregate ENABLE ALWAYS TRIGGER coverage_changed;
ALTER TABLE pos.cagg_view_path ENABLE ALWAYS TRIGGER coverage_changed;

CREATE FUNCTION pos._cagg_path_refused(rel regclass, lo timestamptz, hi timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'the materialized path of % does not cover the buckets [%, %]', rel, coalesce(lo::text, '-infinity'), coalesce(hi::text, 'infinity')
        USING ERRCODE = 'PCA01', HINT = 'Some of them are aggregated live: read the real-time relation itself.';
END
$$;
COMMENT ON FUNCTION pos._cagg_path_refused(regclass, timestamptz, timestamptz) IS 'Raises the PCA01 of pos.cagg_require_materialized.';

CREATE FUNCTION pos.cagg_require_materialized(rel regclass, lo timestamptz, hi timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pos._cagg_path_covered(rel, lo, hi) THEN true ELSE pos._cagg_path_refused(rel, lo, hi) END
$$;
COMMENT ON FUNCTION pos.cagg_require_materialized(regclass, timestamptz, timestamptz) IS
'Guard of a materialized path (pos.cagg_view_path): true if no part of rel aggregates live a bucket in [lo, hi] (NULL = unbounded), else SQLSTATE PCA01. Use it as a condition of the query reading the path.';

-- Date buckets: the key of date d is midnight UTC.
CREATE FUNCTION pos.cagg_require_materialized(rel regclass, lo date, hi date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pos.cagg_require_materialized(rel, lo::timestamp AT TIME ZONE 'UTC', hi::timestamp AT TIME ZONE 'UTC')
$$;
COMMENT ON FUNCTION pos.cagg_require_materialized(regclass, date, date) IS
'Guard of a materialized path for date buckets: see pos.cagg_require_materialized(regclass, timestamptz, timestamptz).';
GRANT SELECT ON pos.cagg_view_path TO pos_analyst, pos_api;

---------------------------------------------------------------------------------------------------
-- Policies, administration, statistics.

CREATE FUNCTION pos.job_refresh_continuous_aggregate(job_id bigint, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pos.refresh_continuous_aggregate_in_transaction(
        (config->>'continuous_aggregate')::regclass,
        now() - (config->>'start_offset')::interval,
        now() - coalesce((config->>'end_offset')::interval, interval '0'),
        (config->>'max_batches_per_run')::integer);
END
$$;
COMMENT ON FUNCTION pos.job_refresh_continuous_aggregate(bigint, jsonb) IS 'Job run by a continuous aggregate policy: refreshes [now() - start_offset, now() - end_offset).';

CREATE FUNCTION pos.add_continuous_aggregate_policy(cagg regclass, start_offset interval, end_offset interval,
                                                    schedule_interval interval DEFAULT '1 hour',
                                                    max_batches_per_run integer DEFAULT 200)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    c    pos.continuous_aggregate := pos._cagg(cagg);
    keep interval;
BEGIN
    IF start_offset IS NOT NULL AND coalesce(end_offset, interval '0') >= start_offset THEN
        RAISE EXCEPTION 'start_offset (%) must be larger than end_offset (%)', start_offset, end_offset
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The policy refreshes [now() - start_offset, now() - end_offset).';
    END IF;
    IF EXISTS (SELECT 1 FROM pos.job WHERE proc = 'pos.job_refresh_continuous_aggregate'::regproc
                                       AND config->>'continuous_aggregate' = pos._qualified_name(c.view_name)) THEN
        RAISE EXCEPTION 'continuous aggregate "%" already has a refresh policy', c.view_name
            USING ERRCODE = 'duplicate_object', HINT = 'Remove it first with pos.remove_continuous_aggregate_policy.';
    END IF;
    SELECT (config->>'drop_after')::interval INTO keep FROM pos.job
     WHERE proc = 'pos.job_retention'::regproc AND config->>'relation' = pos._qualified_name(c.source);
    IF keep IS NOT NULL AND (start_offset IS NULL OR start_offset > keep) THEN
        RAISE WARNING 'the refresh window of "%" reaches past the retention of "%" (%)', c.view_name, c.source, keep
            USING HINT = 'Buckets whose raw rows were dropped keep their values unless a late row invalidates them; a start_offset below the retention avoids re-materializing them from partial data.';
    END IF;
    RETURN pos.add_job('pos.job_refresh_continuous_aggregate', schedule_interval,
                       jsonb_build_object('continuous_aggregate', pos._qualified_name(c.view_name), 'start_offset', start_offset::text,
                                          'end_offset', end_offset::text, 'max_batches_per_run', max_batches_per_run));
END
$$;
COMMENT ON FUNCTION pos.add_continuous_aggregate_policy(regclass, interval, interval, interval, integer) IS
'Schedules a refresh of [now() - start_offset, now() - end_offset) every schedule_interval (start_offset NULL = all history), at most max_batches_per_run batches per run. Returns the job id.';

CREATE FUNCTION pos.remove_continuous_aggregate_policy(cagg regclass, if_exists boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM pos.job WHERE proc = 'pos.job_refresh_continuous_aggregate'::regproc AND config->>'continuous_aggregate' = pos._qualified_name(cagg);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 AND NOT if_exists THEN
        RAISE EXCEPTION 'continuous aggregate "%" has no refresh policy', cagg
            USING ERRCODE = 'undefined_object', HINT = 'Pass if_exists => true to ignore this.';
    END IF;
    RETURN n > 0;
END
$$;
COMMENT ON FUNCTION pos.remove_continuous_aggregate_policy(regclass, boolean) IS 'Removes the refresh policy of a continuous aggregate; false (or an error unless if_exists) if it had none.';

CREATE FUNCTION pos.alter_continuous_aggregate(cagg regclass, materialized_only boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c pos.continuous_aggregate := pos._cagg(cagg);
BEGIN
    IF materialized_only IS NULL THEN
        RAISE EXCEPTION 'materialized_only must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE pos.continuous_aggregate SET materialized_only = $2, view_invalid = NULL WHERE cagg_id = c.cagg_id;
    IF NOT pos._cagg_rebuild_view(c.cagg_id) THEN
        RAISE EXCEPTION 'the view "%" is in use', c.view_name USING ERRCODE = 'lock_not_available', HINT = 'Try again when its readers are done.';
    END IF;
END
$$;
COMMENT ON FUNCTION pos.alter_continuous_aggregate(regclass, boolean) IS
'materialized_only => true makes the view read the materialization only (fast, as fresh as the last refresh); false adds live aggregation above the watermark (real time).';

CREATE FUNCTION pos.drop_continuous_aggregate(cagg regclass) RETURNS void
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
COMMENT ON FUNCTION pos.drop_continuous_aggregate(regclass) IS 'Drops a continuous aggregate: its view, materialization, log and policy (and the source''s triggers if it was the last one). DROP VIEW of its view does the same.';

---------------------------------------------------------------------------------------------------
-- Drops done with plain DDL.

-- What a continuous aggregate leaves once its view is gone: its path, catalog row and log, its
-- materialization, and its source's triggers and threshold if it was the source's last one.
-- Idempotent: pos.drop_continuous_aggregate and the event trigger may both call it.
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

-- A dropped source's log and threshold (its triggers went with it).
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

-- DROP TABLE of a hypertable or a chunk, DROP VIEW of a continuous aggregate (or a CASCADE that
-- reaches them) leave nothing behind in the catalogs: rows naming a dropped relation by its OID
-- kept its jobs failing at every run, blocked a new relation of the same name (its threshold
-- sequence was still there) and went into every pg_dump.
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
CREATE EVENT TRIGGER pos_analytics_forget_dropped ON sql_drop EXECUTE FUNCTION pos._forget_dropped();

CREATE VIEW pos.continuous_aggregate_stats AS
SELECT c.view_name AS continuous_aggregate,
       c.source,
       CASE WHEN c.date_column IS NULL THEN c.bucket_width::text ELSE c.date_column::text END AS bucket,
       c.materialized_only,
       c.watermark,
       c.invalid - tstzmultirange(tstzrange(c.watermark, NULL)) AS invalid_below_watermark,
       c.view_invalid IS NOT DISTINCT FROM c.invalid AS view_is_current,
       CASE WHEN isfinite(c.watermark) THEN now() - c.watermark END AS lag,
       pos._cagg_threshold(c.source) AS invalidation_threshold,
       (SELECT range_agg(i.keys) FROM pos.cagg_invalidation i WHERE i.cagg_id = c.cagg_id) AS invalid_buckets,
       (SELECT count(*) FROM pos.cagg_source_invalidation s WHERE s.source = c.source) AS unprocessed_invalidations,
       (SELECT greatest(m.reltuples, 0)::bigint FROM pg_class m WHERE m.oid = c.mat_table) AS materialized_rows_estimate,
       pg_total_relation_size(c.mat_table) AS materialized_bytes,
       c.last_refresh_started_at, c.last_refresh_finished_at,
       c.last_refresh_finished_at - c.last_refresh_started_at AS last_refresh_duration,
       c.last_refresh_window, c.last_refresh_batches, c.last_refresh_buckets, c.total_refreshes,
       j.job_id, j.schedule_interval, j.last_finished_at AS job_last_run, j.last_status AS job_last_status,
       j.last_error AS job_last_error, j.next_start AS job_next_start
  FROM pos.continuous_aggregate c
  LEFT JOIN pos.job j ON j.proc = 'pos.job_refresh_continuous_aggregate'::regproc
                     AND j.config->>'continuous_aggregate' = pos._qualified_name(c.view_name);
COMMENT ON VIEW pos.continuous_aggregate_stats IS
'One row per continuous aggregate: watermark and lag, invalid buckets waiting for a refresh, size, last refresh (window, batches, buckets, duration) and its policy job (last run, status, error).';
GRANT SELECT ON pos.continuous_aggregate_stats TO pos_analyst, pos_api;
COMMENT ON COLUMN pos.continuous_aggregate_stats.continuous_aggregate IS 'The continuous aggregate (its view).';
COMMENT ON COLUMN pos.continuous_aggregate_stats.source IS 'The hypertable it aggregates.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.bucket IS 'Bucket width, or the date column that buckets by day.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.materialized_only IS 'True: the view shows the materialization alone, without the live rows above the watermark.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.watermark IS 'Bucket key from which nothing is materialized: the view aggregates the source''s rows live from here on.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.invalid_below_watermark IS 'Invalid ranges below the watermark (rows written late, outside a refresh window): the view aggregates raw rows there until a refresh re-materializes them.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.view_is_current IS 'False when the view could not be locked at the last refresh, so the ranges it aggregates live are not yet the current invalid ones (fixed at the next refresh).';
COMMENT ON COLUMN pos.continuous_aggregate_stats.lag IS 'now() - watermark: how far behind the materialization is.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.invalidation_threshold IS 'Writes to the source before this time are logged as invalidations; writes after it need none (nothing there is materialized).';
COMMENT ON COLUMN pos.continuous_aggregate_stats.invalid_buckets IS 'Bucket keys logged as invalid (rows written below the watermark) and waiting for a refresh.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.unprocessed_invalidations IS 'Invalidation log entries of the source not yet moved to its aggregates.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.materialized_rows_estimate IS 'Rows of the materialization table (planner estimate).';
COMMENT ON COLUMN pos.continuous_aggregate_stats.materialized_bytes IS 'Size of the materialization table with its indexes and TOAST.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_started_at IS 'Start of the last refresh.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_finished_at IS 'End of the last refresh.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_duration IS 'How long the last refresh took.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_window IS 'The time window the last refresh covered.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_batches IS 'Batches the last refresh was split into.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.last_refresh_buckets IS 'Buckets the last refresh materialized.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.total_refreshes IS 'Refreshes since the aggregate was created.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.job_id IS 'The job of its refresh policy (NULL without a policy).';
COMMENT ON COLUMN pos.continuous_aggregate_stats.schedule_interval IS 'How often the policy refreshes.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.job_last_run IS 'End of the policy job''s last run.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.job_last_status IS 'success or failed: the outcome of the policy job''s last run.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.job_last_error IS 'The error of the policy job''s last failed run.';
COMMENT ON COLUMN pos.continuous_aggregate_stats.job_next_start IS 'When the policy runs next.';
GRANT SELECT ON pos.continuous_aggregate TO pos_analyst, pos_api;

-- Only owners and the DBA define, refresh or drop aggregates.
REVOKE EXECUTE ON FUNCTION pos.create_continuous_aggregate(text, regclass, name[], text, interval, name, text, name, timestamptz, name, interval, boolean, interval, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.refresh_continuous_aggregate_in_transaction(regclass, timestamptz, timestamptz, integer) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE pos.refresh_continuous_aggregate(regclass, timestamptz, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.drop_continuous_aggregate(regclass) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.alter_continuous_aggregate(regclass, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.add_continuous_aggregate_policy(regclass, interval, interval, interval, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pos.remove_continuous_aggregate_policy(regclass, boolean) FROM PUBLIC;
