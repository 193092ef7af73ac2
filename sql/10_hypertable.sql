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
    created_at     timestamptz NOT NULL DEFAULT now(),
    open_chunk_reloptions text[] NOT NULL DEFAULT '{autovacuum_vacuum_insert_threshold=-1}',
    open_chunk_statistics integer DEFAULT 10 CHECK (open_chunk_statistics BETWEEN 0 AND 10000),
    settled_chunk_indexes text[] NOT NULL DEFAULT '{}'
        CONSTRAINT settled_chunk_indexes_one_definition_each CHECK (array_to_string(settled_chunk_indexes, ' ') !~ ';')
);
COMMENT ON TABLE pos.hypertable IS 'Catalog of hypertables: partitioned tables whose chunks pos_analytics manages.';
COMMENT ON COLUMN pos.hypertable.origin IS 'Chunk boundaries are origin + k * chunk_interval (a Monday, so weekly chunks start on Mondays).';
COMMENT ON COLUMN pos.hypertable.create_ahead IS 'Maintenance keeps chunks created up to now() + create_ahead.';
COMMENT ON COLUMN pos.hypertable.open_chunk_reloptions IS 'Storage parameters a new chunk gets while it is written (default: no insert-driven autovacuum); its maintenance job resets them once the chunk is closed and quiet. ''{}'' gives new chunks none.';
COMMENT ON COLUMN pos.hypertable.open_chunk_statistics IS 'Statistics target of every column of a new chunk while it is written (default 10: analyzing samples 3 000 rows instead of 30 000); reset to the hypertable''s own targets when the chunk is settled. NULL leaves the targets alone.';
COMMENT ON COLUMN pos.hypertable.settled_chunk_indexes IS 'Indexes a chunk gets when it is settled instead of while it is written, each as what follows CREATE INDEX ON <chunk>, e.g. ''(tenant_id, store_id, sku, occurred_at)'': built in one sorted pass, not maintained row by row on the write path. Changes apply to chunks settled from then on.';
COMMENT ON COLUMN pos.hypertable.default_chunk IS 'Catch-all partition: a row whose chunk does not exist yet lands here and maintenance moves it into its chunk.';

CREATE TABLE pos.chunk (
    hypertable  regclass NOT NULL REFERENCES pos.hypertable (relid) ON DELETE CASCADE,
    chunk       regclass NOT NULL UNIQUE,
    range_start timestamptz NOT NULL,
    range_end   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    open_reloptions text[],
    open_statistics integer,
    writes_seen bigint,
    settled_at  timestamptz,
    PRIMARY KEY (hypertable, range_start)
);
COMMENT ON TABLE pos.chunk IS 'Catalog of chunks: one range partition of a hypertable each, [range_start, range_end).';
COMMENT ON COLUMN pos.chunk.open_reloptions IS 'The storage parameters the chunk got for the time it is written (pos.hypertable.open_chunk_reloptions); NULL once settled.';
COMMENT ON COLUMN pos.chunk.open_statistics IS 'The statistics target its columns got for that time; NULL once settled.';
COMMENT ON COLUMN pos.chunk.writes_seen IS 'Rows inserted, updated and deleted in the chunk (pg_stat_user_tables) when the maintenance job last looked: unchanged at the next look means it is no longer written.';
COMMENT ON COLUMN pos.chunk.settled_at IS 'When pos.settle_chunk handed the chunk back to autovacuum''s defaults and analyzed it in full; NULL while it is open.';

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

-- Chunks while they are written: a chunk that grows by thousands of rows a second would have
-- autovacuum VACUUM ANALYZE it about once a minute (each pass crosses the insert and analyze
-- thresholds again), and on a busy host each pass takes CPU the writers need. So a new chunk
-- gets the hypertable's open_chunk_reloptions (by default no insert-driven vacuum: the pages are
-- vacuumed once, after the chunk is closed) and a low statistics target on every column whose
-- target the hypertable leaves at the default (autovacuum still analyzes it as often as ever, so
-- fresh rows keep fresh statistics, from a 3 000-row sample instead of 30 000). The maintenance
-- job settles the chunk once its range has closed and it is no longer written
-- (pos._settle_quiet_chunks): parameters and targets back to the defaults, one full ANALYZE, and
-- autovacuum vacuums it once. A setting PostgreSQL refuses leaves the chunk with the defaults and
-- a warning: a DBA's typo must not stop ingestion. Returns whether the chunk was opened.
CREATE FUNCTION pos._open_chunk(h pos.hypertable, chunk regclass) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    IF h.open_chunk_statistics IS NOT NULL THEN
        SELECT string_agg(format('ALTER COLUMN %I SET STATISTICS %s', a.attname, h.open_chunk_statistics), ', ' ORDER BY a.attnum)
          INTO cols
          FROM pg_attribute a
         WHERE a.attrelid = h.relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget = -1;
    END IF;
    IF h.open_chunk_reloptions = '{}' AND cols IS NULL THEN
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('ALTER TABLE %s %s', chunk, concat_ws(', ',
            CASE WHEN h.open_chunk_reloptions <> '{}' THEN format('SET (%s)', array_to_string(h.open_chunk_reloptions, ', ')) END,
            cols));
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'chunk "%" keeps autovacuum''s defaults: %', chunk, SQLERRM
            USING HINT = format('Check pos.hypertable.open_chunk_reloptions of "%s" (%s).', h.relid, h.open_chunk_reloptions);
        RETURN false;
    END;
    RETURN true;
END
$$;

-- Builds a chunk's settled indexes (pos.hypertable.settled_chunk_indexes). Every row a chunk
-- takes while it is written descends each of its B-trees: in the service's write path that is
-- about half of PostgreSQL's CPU, and an index only analysts' ad-hoc queries read (sale lines by
-- store and SKU) costs every batch its share. Built once the chunk is closed, in one sorted pass,
-- such an index costs a fraction of that; until then those queries scan the open chunk (a day).
-- A definition PostgreSQL refuses only warns (the chunk settles, without that index); a busy lock,
-- a deadlock, a caller who does not own the chunk or a full disk is raised, so the settling is
-- undone and retried whole at the job's next run.
CREATE FUNCTION pos._build_settled_indexes(chunk regclass, defs text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d text;
    n integer := 0;
BEGIN
    FOREACH d IN ARRAY coalesce(defs, '{}') LOOP
        BEGIN
            EXECUTE format('CREATE INDEX ON %s %s', chunk, d);
            n := n + 1;
        EXCEPTION
            WHEN lock_not_available OR deadlock_detected OR insufficient_privilege OR insufficient_resources THEN
                RAISE;
            WHEN OTHERS THEN
                RAISE WARNING 'chunk "%" gets no index %: %', chunk, d, SQLERRM
                    USING HINT = 'Fix pos.hypertable.settled_chunk_indexes, then create it on the chunks already settled with CREATE INDEX ON <chunk> ….';
        END;
    END LOOP;
    RETURN n;
END
$$;

-- Hands a chunk opened by pos._open_chunk back to autovacuum: resets the storage parameters it
-- got, sets the column statistics targets it lowered back to the hypertable's, and analyzes it in
-- full (autovacuum would not: it analyzed the chunk recently, only with a small sample). Its
-- insert-driven vacuum threshold is then long passed, so autovacuum vacuums it at its next visit.
-- Before the ANALYZE, it builds the chunk's settled indexes. Returns false when the chunk was
-- settled already.
CREATE FUNCTION pos.settle_chunk(chunk regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pos AS $$
DECLARE
    c    pos.chunk;
    cols text;
BEGIN
    SELECT * INTO c FROM pos.chunk WHERE pos.chunk.chunk = settle_chunk.chunk FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is not a chunk', chunk USING ERRCODE = 'undefined_object', HINT = 'pos.show_chunks(hypertable) lists the chunks.';
    END IF;
    IF c.settled_at IS NOT NULL THEN
        RETURN false;
    END IF;
    IF c.open_statistics IS NOT NULL THEN
        SELECT string_agg(format('ALTER COLUMN %I SET STATISTICS %s', a.attname, p.attstattarget), ', ' ORDER BY a.attnum)
          INTO cols
          FROM pg_attribute a JOIN pg_attribute p ON p.attrelid = c.hypertable AND p.attname = a.attname
         WHERE a.attrelid = c.chunk AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget = c.open_statistics;
    END IF;
    IF c.open_reloptions IS NOT NULL OR cols IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s %s', c.chunk, concat_ws(', ',
            CASE WHEN c.open_reloptions IS NOT NULL
                 THEN format('RESET (%s)', (SELECT string_agg(split_part(o, '=', 1), ', ') FROM unnest(c.open_reloptions) o)) END,
            cols));
    END IF;
    PERFORM pos._build_settled_indexes(c.chunk, (SELECT h.settled_chunk_indexes FROM pos.hypertable h WHERE h.relid = c.hypertable));
    EXECUTE format('ANALYZE %s', c.chunk);
    UPDATE pos.chunk SET open_reloptions = NULL, open_statistics = NULL, settled_at = now() WHERE pos.chunk.chunk = c.chunk;
    RETURN true;
END
$$;
COMMENT ON FUNCTION pos.settle_chunk(regclass) IS
'Hands a chunk back to autovacuum''s defaults: resets the storage parameters and statistics targets it got while written (pos.hypertable.open_chunk_reloptions, open_chunk_statistics), builds its settled indexes (settled_chunk_indexes) and analyzes it. The maintenance job does this once a closed chunk is no longer written; false if it was settled already.';

-- The maintenance job's part: settles every open chunk of a hypertable whose range has closed and
-- that was not written since the job's previous look (pg_stat_user_tables), or, whatever trickles
-- in, one chunk interval after the later of its range's end and its creation (a history load
-- creates chunks long closed). A chunk that cannot be settled now (its lock is busy) only warns
-- and waits for the next run: the job's other work must not be undone for it. Returns how many
-- chunks were settled.
CREATE FUNCTION pos._settle_quiet_chunks(h pos.hypertable) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    n integer := 0;
BEGIN
    FOR c IN SELECT ch.chunk, ch.writes_seen, ch.created_at, ch.range_end,
                    coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0) AS writes
               FROM pos.chunk ch LEFT JOIN pg_stat_user_tables s ON s.relid = ch.chunk
              WHERE ch.hypertable = h.relid AND ch.settled_at IS NULL AND ch.range_end <= now()
              ORDER BY ch.range_start LOOP
        IF c.writes = c.writes_seen OR greatest(c.created_at, c.range_end) + h.chunk_interval <= now() THEN
            BEGIN
                PERFORM pos.settle_chunk(c.chunk);
                n := n + 1;
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'chunk "%" is not settled yet: %', c.chunk, SQLERRM
                    USING HINT = 'The maintenance job tries again at its next run.';
            END;
        ELSE
            UPDATE pos.chunk SET writes_seen = c.writes WHERE chunk = c.chunk;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

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
    chunk  regclass;
    opened boolean;
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
    chunk := format('pos_chunks.%I', cname)::regclass;
    opened := pos._open_chunk(h, chunk);
    IF moved > 0 THEN
        EXECUTE format('INSERT INTO %s SELECT * FROM %I', h.relid, tmp);
        RAISE NOTICE 'moved % row(s) of "%" from the default chunk into "%"', moved, h.relid, cname;
    END IF;
    IF NOT opened THEN
        -- Settled from the start (the policy is off for this hypertable): its indexes now.
        PERFORM pos._build_settled_indexes(chunk, h.settled_chunk_indexes);
    END IF;
    INSERT INTO pos.chunk (hypertable, chunk, range_start, range_end, open_reloptions, open_statistics, settled_at)
    VALUES (h.relid, chunk, lo, hi,
            CASE WHEN opened THEN nullif(h.open_chunk_reloptions, '{}') END,
            CASE WHEN opened THEN h.open_chunk_statistics END, CASE WHEN NOT opened THEN now() END);
    RETURN chunk;
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
    IF NOT (isfinite(range_from) AND isfinite(range_to)) THEN
        RAISE EXCEPTION 'range_from and range_to must be finite, got % and %', range_from, range_to
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Chunks cover finite times: pass the first and last time of the rows to come.';
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

-- An age that is not positive puts the cut-off at or after now(): every chunk of the table
-- would go, which no retention means. A cut-off in the future stays possible as a timestamptz.
CREATE FUNCTION pos.drop_chunks(relation regclass, older_than interval)
RETURNS SETOF regclass
LANGUAGE plpgsql AS $$
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass an age such as ''400 days'', or a timestamptz cut-off.';
    END IF;
    IF older_than <= interval '0' THEN
        RAISE EXCEPTION 'older_than must be a positive age, got %', older_than
            USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The cut-off is now() - older_than: a zero or negative age would drop every chunk. Pass a timestamptz to cut at a given time.';
    END IF;
    RETURN QUERY SELECT pos.drop_chunks(relation, now() - older_than);
END
$$;
COMMENT ON FUNCTION pos.drop_chunks(regclass, interval) IS 'drop_chunks with a cut-off of now() - older_than (a positive age).';

-- Moves rows out of the default chunk into proper chunks; called by maintenance.
CREATE FUNCTION pos.move_stragglers(relation regclass) RETURNS bigint
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
