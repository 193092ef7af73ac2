-- Native hypertables: declarative RANGE partitions on a time column, created ahead of need and on
-- demand, aligned to a fixed interval, dropped by retention. The SQL surface follows TimescaleDB's
-- (create_hypertable, show_chunks, drop_chunks, add_retention_policy) so its users feel at home.

CREATE TABLE pos.hypertable (
    relid          regclass PRIMARY KEY,
    time_column    name NOT NULL,
    chunk_interval interval NOT NULL,
    origin         timestamptz NOT NULL DEFAULT '2000-01-03 00:00:00+00',
    create_ahead   interval NOT NULL DEFAULT '7 days',
    default_chunk  regclass NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pos.hypertable IS 'Catalog of hypertables: partitioned tables whose chunks pos_analytics manages.';
COMMENT ON COLUMN pos.hypertable.origin IS 'Chunk boundaries are origin + k * chunk_interval (a Monday, so weekly chunks start on Mondays).';
COMMENT ON COLUMN pos.hypertable.create_ahead IS 'Maintenance keeps chunks created up to now() + create_ahead.';
COMMENT ON COLUMN pos.hypertable.default_chunk IS 'Catch-all partition: a row whose chunk does not exist yet lands here and maintenance moves it into its chunk.';

CREATE TABLE pos.chunk (
    hypertable  regclass NOT NULL REFERENCES pos.hypertable (relid) ON DELETE CASCADE,
    chunk       regclass NOT NULL UNIQUE,
    range_start timestamptz NOT NULL,
    range_end   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hypertable, range_start)
);
COMMENT ON TABLE pos.chunk IS 'Catalog of chunks: one range partition of a hypertable each, [range_start, range_end).';

-- Fails with a hint unless `iv` is a positive, month-free interval (months have no fixed length,
-- so chunks could not be aligned by date_bin).
CREATE FUNCTION pos._check_chunk_interval(iv interval) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF iv IS NULL OR extract(month FROM iv) <> 0 OR extract(year FROM iv) <> 0 OR iv <= interval '0' THEN
        RAISE EXCEPTION 'invalid chunk interval: %', coalesce(iv::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a positive interval in days, hours or minutes, e.g. ''1 day'' or ''7 days''; months and years are not allowed.';
    END IF;
END
$$;

-- Schema-qualified, quoted name of a relation. Job configs store names this way: a bare
-- regclass::text depends on the search_path of the session that wrote it.
CREATE FUNCTION pos._qualified_name(rel regclass) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel
$$;

CREATE FUNCTION pos._hypertable(relation regclass) RETURNS pos.hypertable
LANGUAGE plpgsql STABLE AS $$
DECLARE
    h pos.hypertable;
BEGIN
    SELECT * INTO h FROM pos.hypertable WHERE relid = relation;
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is not a hypertable', relation
            USING ERRCODE = 'undefined_object',
                  HINT = 'Call pos.create_hypertable(relation, time_column, chunk_interval) first; pos.hypertable lists the existing ones.';
    END IF;
    RETURN h;
END
$$;

-- The body of pos.create_hypertable: registers the hypertable and schedules its maintenance job
-- (pos.job_maintain_chunks, every 5 minutes). make_chunks = false registers it without chunks:
-- the install script uses it, because tables created by CREATE EXTENSION belong to the extension
-- and pg_dump would leave their rows out (chunks made later, on demand or by the maintenance job,
-- are ordinary tables and are dumped).
CREATE FUNCTION pos._create_hypertable(
    relation regclass,
    time_column name,
    chunk_interval interval,
    create_ahead interval,
    make_chunks boolean
) RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pos AS $$
DECLARE
    att   smallint;
    typ   regtype;
    dflt  regclass;
    dname text;
BEGIN
    IF relation IS NULL OR time_column IS NULL THEN
        RAISE EXCEPTION 'relation and time_column must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM pos._check_chunk_interval(chunk_interval);
    IF EXISTS (SELECT 1 FROM pos.hypertable WHERE relid = relation) THEN
        RAISE EXCEPTION '"%" is already a hypertable', relation
            USING ERRCODE = 'duplicate_object', HINT = 'Use pos.ensure_chunks to add chunks.';
    END IF;
    SELECT a.attnum, a.atttypid::regtype INTO att, typ
      FROM pg_attribute a WHERE a.attrelid = relation AND a.attname = time_column AND NOT a.attisdropped;
    IF att IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in "%"', time_column, relation USING ERRCODE = 'undefined_column';
    END IF;
    IF typ <> 'timestamptz'::regtype THEN
        RAISE EXCEPTION 'time column "%" has type %, expected timestamptz', time_column, typ
            USING ERRCODE = 'datatype_mismatch', HINT = 'Store event times as timestamptz; keep local dates in a separate date column.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table p
                    WHERE p.partrelid = relation AND p.partstrat = 'r' AND p.partnatts = 1 AND p.partattrs[0] = att) THEN
        RAISE EXCEPTION '"%" is not partitioned by RANGE (%)', relation, time_column
            USING ERRCODE = 'wrong_object_type',
                  HINT = format('Create it with CREATE TABLE ... PARTITION BY RANGE (%I), then call pos.create_hypertable.', time_column);
    END IF;
    SELECT c.oid::regclass INTO dflt FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = relation AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';
    IF dflt IS NULL THEN
        dname := left((SELECT relname FROM pg_class WHERE oid = relation), 50) || '_default';
        EXECUTE format('CREATE TABLE pos_chunks.%I PARTITION OF %s DEFAULT', dname, relation);
        dflt := format('pos_chunks.%I', dname)::regclass;
    END IF;
    INSERT INTO pos.hypertable (relid, time_column, chunk_interval, create_ahead, default_chunk)
    VALUES (relation, time_column, chunk_interval, create_ahead, dflt);
    INSERT INTO pos.job (proc, schedule_interval, config)
    VALUES ('pos.job_maintain_chunks', '5 minutes', jsonb_build_object('relation', pos._qualified_name(relation)));
    IF make_chunks THEN
        PERFORM pos.ensure_chunks(relation, now() - chunk_interval, now() + create_ahead);
        PERFORM pos._warn_if_no_scheduler();
    END IF;
    RETURN relation;
END
$$;
REVOKE EXECUTE ON FUNCTION pos._create_hypertable(regclass, name, interval, interval, boolean) FROM PUBLIC;

CREATE FUNCTION pos.create_hypertable(
    relation regclass,
    time_column name,
    chunk_interval interval DEFAULT '1 day',
    create_ahead interval DEFAULT '7 days'
) RETURNS regclass
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pos
RETURN pos._create_hypertable(relation, time_column, chunk_interval, create_ahead, true);
COMMENT ON FUNCTION pos.create_hypertable(regclass, name, interval, interval) IS
'Turns a table declared PARTITION BY RANGE (time_column timestamptz) into a hypertable: adds a default chunk for stragglers, registers it, and creates chunks around now().';

-- Creates the chunk [lo, lo + interval) of one hypertable, moving rows that already sit in the
-- default partition into it (PostgreSQL refuses a new partition while the default holds its rows).
CREATE FUNCTION pos._create_chunk(h pos.hypertable, lo timestamptz) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
    hi     timestamptz := lo + h.chunk_interval;
    parent text := (SELECT relname FROM pg_class WHERE oid = h.relid);
    cname  text := left(parent, 40) || '_' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MI');
    tmp    text := 'pos_straggler_' || h.relid::oid;
    moved  bigint := 0;
    has_stragglers boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1 AND %I < $2)', h.default_chunk, h.time_column, h.time_column)
        INTO has_stragglers USING lo, hi;
    IF has_stragglers THEN
        IF to_regclass('pg_temp.' || quote_ident(tmp)) IS NULL THEN
            EXECUTE format('CREATE TEMP TABLE %I (LIKE %s) ON COMMIT DROP', tmp, h.relid);
        END IF;
        EXECUTE format('TRUNCATE %I', tmp);
        EXECUTE format('WITH d AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM d',
                       h.default_chunk, h.time_column, h.time_column, tmp) USING lo, hi;
        GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;
    EXECUTE format('CREATE TABLE pos_chunks.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', cname, h.relid, lo, hi);
    IF moved > 0 THEN
        EXECUTE format('INSERT INTO %s SELECT * FROM %I', h.relid, tmp);
        RAISE NOTICE 'moved % row(s) of "%" from the default chunk into "%"', moved, h.relid, cname;
    END IF;
    INSERT INTO pos.chunk (hypertable, chunk, range_start, range_end)
    VALUES (h.relid, format('pos_chunks.%I', cname)::regclass, lo, hi);
    RETURN format('pos_chunks.%I', cname)::regclass;
END
$$;

CREATE FUNCTION pos.ensure_chunks(relation regclass, range_from timestamptz, range_to timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    h       pos.hypertable := pos._hypertable(relation);
    lo      timestamptz;
    created integer := 0;
    locked  boolean := false;
BEGIN
    IF range_from IS NULL OR range_to IS NULL THEN
        RAISE EXCEPTION 'range_from and range_to must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF range_to < range_from THEN
        RAISE EXCEPTION 'range_to (%) is before range_from (%)', range_to, range_from USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (range_to - range_from) > h.chunk_interval * 10000 THEN
        RAISE EXCEPTION 'refusing to create more than 10000 chunks at once'
            USING ERRCODE = 'program_limit_exceeded', HINT = 'Narrow the range or use a larger chunk interval.';
    END IF;
    lo := date_bin(h.chunk_interval, range_from, h.origin);
    WHILE lo <= range_to LOOP
        IF NOT EXISTS (SELECT 1 FROM pos.chunk c WHERE c.hypertable = h.relid AND c.range_start = lo) THEN
            -- Creators of a hypertable's chunks take turns: the lock is self-conflicting but lets
            -- writers and readers through, and it is taken before anything else a creation locks,
            -- so two creators of overlapping ranges queue instead of deadlocking. Re-check once
            -- it is ours.
            IF NOT locked THEN
                EXECUTE format('LOCK TABLE ONLY %s IN SHARE UPDATE EXCLUSIVE MODE', h.relid);
                locked := true;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pos.chunk c WHERE c.hypertable = h.relid AND c.range_start = lo) THEN
                PERFORM pos._create_chunk(h, lo);
                created := created + 1;
            END IF;
        END IF;
        lo := lo + h.chunk_interval;
    END LOOP;
    RETURN created;
END
$$;
COMMENT ON FUNCTION pos.ensure_chunks(regclass, timestamptz, timestamptz) IS
'Creates every missing chunk covering [range_from, range_to] (boundaries aligned to the chunk interval), moving matching rows out of the default chunk. Returns how many chunks were created.';

CREATE FUNCTION pos.show_chunks(relation regclass, older_than timestamptz DEFAULT NULL, newer_than timestamptz DEFAULT NULL)
RETURNS TABLE (chunk regclass, range_start timestamptz, range_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.chunk, c.range_start, c.range_end
      FROM pos.chunk c
     WHERE c.hypertable = (pos._hypertable(relation)).relid
       AND (older_than IS NULL OR c.range_end <= older_than)
       AND (newer_than IS NULL OR c.range_start >= newer_than)
     ORDER BY c.range_start
$$;
COMMENT ON FUNCTION pos.show_chunks(regclass, timestamptz, timestamptz) IS
'Lists the chunks of a hypertable with their ranges; older_than keeps chunks ending at or before it, newer_than chunks starting at or after it.';

CREATE FUNCTION pos.drop_chunks(relation regclass, older_than timestamptz)
RETURNS SETOF regclass
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    h pos.hypertable := pos._hypertable(relation);
    c record;
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass a timestamptz, or an interval meaning now() - interval.';
    END IF;
    FOR c IN SELECT * FROM pos.chunk WHERE hypertable = h.relid AND range_end <= older_than ORDER BY range_start LOOP
        EXECUTE format('DROP TABLE %s', c.chunk);
        DELETE FROM pos.chunk WHERE chunk = c.chunk;
        RETURN NEXT c.chunk;
    END LOOP;
    -- Stragglers below the cut-off are subject to retention too. Like dropped chunks, they keep
    -- the buckets they were materialized into: continuous aggregates do not track this delete.
    BEGIN
        PERFORM pos._cagg_pause_invalidation(true);
        EXECUTE format('DELETE FROM %s WHERE %I < $1', h.default_chunk, h.time_column) USING older_than;
        PERFORM pos._cagg_pause_invalidation(false);
    EXCEPTION WHEN OTHERS THEN
        PERFORM pos._cagg_pause_invalidation(false);
        RAISE;
    END;
END
$$;
COMMENT ON FUNCTION pos.drop_chunks(regclass, timestamptz) IS
'Drops every chunk that ends at or before older_than (whole partitions, no row-by-row delete) and deletes older stragglers from the default chunk. Returns the dropped chunks.';

CREATE FUNCTION pos.drop_chunks(relation regclass, older_than interval)
RETURNS SETOF regclass
LANGUAGE sql AS $$ SELECT pos.drop_chunks(relation, now() - older_than) $$;
COMMENT ON FUNCTION pos.drop_chunks(regclass, interval) IS 'drop_chunks with a cut-off of now() - older_than.';

-- Moves rows out of the default chunk into proper chunks; called by maintenance.
CREATE FUNCTION pos.move_stragglers(relation regclass) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pos AS $$
DECLARE
    h     pos.hypertable := pos._hypertable(relation);
    lo    timestamptz;
    n     bigint;
    total bigint := 0;
BEGIN
    FOR lo IN EXECUTE format('SELECT DISTINCT date_bin($1, %I, $2) FROM %s', h.time_column, h.default_chunk)
              USING h.chunk_interval, h.origin LOOP
        EXECUTE format('SELECT count(*) FROM %s WHERE %I >= $1 AND %I < $2', h.default_chunk, h.time_column, h.time_column)
            INTO n USING lo, lo + h.chunk_interval;
        PERFORM pos.ensure_chunks(relation, lo, lo);
        total := total + n;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION pos.move_stragglers(regclass) IS
'Creates the chunks missing for rows that landed in the default chunk and moves them there. Returns the number of rows moved.';
