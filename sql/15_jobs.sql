-- Jobs: what the background worker runs. A job is a function (job_id bigint, config jsonb)
-- called on a schedule; each run is its own transaction and its outcome is recorded, so a failing
-- job never stops the others. Without the preloaded library, nothing runs by itself, but
-- pos.run_job / pos.run_due_jobs can be called by hand or from any external scheduler.

CREATE TABLE pos.job (
    job_id            bigserial PRIMARY KEY,
    proc              regproc NOT NULL,
    config            jsonb NOT NULL DEFAULT '{}',
    schedule_interval interval NOT NULL CHECK (schedule_interval >= interval '1 second'),
    next_start        timestamptz NOT NULL DEFAULT now(),
    enabled           boolean NOT NULL DEFAULT true,
    owner             name NOT NULL DEFAULT current_user,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_started_at   timestamptz,
    last_finished_at  timestamptz,
    last_status       text CHECK (last_status IN ('success', 'failed')),
    last_error        text,
    total_runs        bigint NOT NULL DEFAULT 0,
    total_failures    bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE pos.job IS 'Scheduled jobs (retention, chunk maintenance, refreshes, forecasts) run by the pos_analytics background worker.';
COMMENT ON COLUMN pos.job.proc IS 'A function (job_id bigint, config jsonb) returning anything; its return value is ignored.';

-- Not SECURITY DEFINER: the job runs with the caller's search_path (the scheduler's is the default
-- one) and as the job's owner, so a job can never do more than the role that scheduled it.
CREATE FUNCTION pos.run_job(job bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j   pos.job;
    err text;
BEGIN
    SELECT * INTO j FROM pos.job WHERE pos.job.job_id = run_job.job FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM pos.job WHERE pos.job.job_id = run_job.job) THEN
            RETURN 'busy';
        END IF;
        RAISE EXCEPTION 'job % does not exist', job USING ERRCODE = 'undefined_object', HINT = 'See pos.job_status.';
    END IF;
    UPDATE pos.job SET last_started_at = clock_timestamp() WHERE pos.job.job_id = run_job.job;
    BEGIN
        IF j.owner <> current_user THEN
            EXECUTE format('SET LOCAL ROLE %I', j.owner);
        END IF;
        EXECUTE format('SELECT %s($1, $2)', j.proc) USING j.job_id, j.config;
        IF j.owner <> session_user THEN
            RESET ROLE;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
    END;
    UPDATE pos.job
       SET last_finished_at = clock_timestamp(),
           last_status = CASE WHEN err IS NULL THEN 'success' ELSE 'failed' END,
           last_error = err,
           total_runs = total_runs + 1,
           total_failures = total_failures + (err IS NOT NULL)::int,
           next_start = greatest(next_start + schedule_interval, clock_timestamp())
     WHERE pos.job.job_id = run_job.job;
    IF err IS NOT NULL THEN
        RAISE WARNING 'pos_analytics job % (%) failed: %', job, j.proc, err;
    END IF;
    RETURN CASE WHEN err IS NULL THEN 'success' ELSE 'failed' END;
END
$$;
COMMENT ON FUNCTION pos.run_job(bigint) IS 'Runs one job now and records its outcome (success, or failed with the error). Returns success, failed, or busy if another session is running it.';

CREATE FUNCTION pos.run_due_jobs() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
    n  integer := 0;
BEGIN
    FOR id IN SELECT job_id FROM pos.job WHERE enabled AND next_start <= now() ORDER BY next_start LOOP
        PERFORM pos.run_job(id);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION pos.run_due_jobs() IS 'Runs every enabled job whose next_start has passed, in one transaction; the background worker instead runs each job in its own transaction.';

CREATE FUNCTION pos.add_job(proc regproc, schedule_interval interval, config jsonb DEFAULT '{}', initial_start timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
BEGIN
    IF proc IS NULL OR schedule_interval IS NULL THEN
        RAISE EXCEPTION 'proc and schedule_interval must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF schedule_interval <= interval '0' THEN
        RAISE EXCEPTION 'schedule_interval must be positive, got %', schedule_interval
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass how often the job runs, e.g. ''1 hour''.';
    END IF;
    INSERT INTO pos.job (proc, schedule_interval, config, next_start)
    VALUES (proc, schedule_interval, coalesce(config, '{}'), coalesce(initial_start, now()))
    RETURNING job_id INTO id;
    PERFORM pos._warn_if_no_scheduler();
    RETURN id;
END
$$;
COMMENT ON FUNCTION pos.add_job(regproc, interval, jsonb, timestamptz) IS 'Schedules proc(job_id, config) every schedule_interval. Returns the job id.';

CREATE FUNCTION pos.delete_job(job bigint) RETURNS boolean
LANGUAGE sql AS $$ WITH d AS (DELETE FROM pos.job j WHERE j.job_id = $1 RETURNING 1) SELECT EXISTS (SELECT 1 FROM d) $$;
COMMENT ON FUNCTION pos.delete_job(bigint) IS 'Removes a job; returns false if it did not exist.';

CREATE FUNCTION pos.scheduler_enabled() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT 'pos_analytics' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
$$;
COMMENT ON FUNCTION pos.scheduler_enabled() IS 'True when the library is preloaded, so the background worker runs scheduled jobs.';

CREATE FUNCTION pos._warn_if_no_scheduler() RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT pos.scheduler_enabled() THEN
        RAISE NOTICE 'the pos_analytics scheduler is not running, so this job will not run by itself'
            USING HINT = 'Add pos_analytics to shared_preload_libraries, set pos_analytics.database to this database and restart PostgreSQL; or call pos.run_due_jobs() from cron.';
    ELSIF current_setting('pos_analytics.database', true) IS DISTINCT FROM current_database() THEN
        RAISE NOTICE 'the pos_analytics scheduler serves database "%", not "%"', current_setting('pos_analytics.database', true), current_database()
            USING HINT = 'Set pos_analytics.database in postgresql.conf and restart, or call pos.run_due_jobs() from cron.';
    END IF;
END
$$;

CREATE VIEW pos.job_status AS
SELECT j.job_id, j.proc, j.config, j.schedule_interval, j.enabled, j.next_start,
       j.last_started_at, j.last_finished_at, j.last_status, j.last_error,
       j.total_runs, j.total_failures,
       now() - j.last_finished_at AS since_last_run,
       greatest(now() - j.next_start, interval '0') AS overdue_by
  FROM pos.job j;
COMMENT ON VIEW pos.job_status IS 'One row per job: schedule, last run, outcome, last error, and how far behind it is.';
COMMENT ON COLUMN pos.job_status.job_id IS 'The job''s id (pos.run_job, pos.delete_job).';
COMMENT ON COLUMN pos.job_status.proc IS 'The function run: proc(job_id, config).';
COMMENT ON COLUMN pos.job_status.config IS 'The job''s settings, passed to proc.';
COMMENT ON COLUMN pos.job_status.schedule_interval IS 'How often the job runs.';
COMMENT ON COLUMN pos.job_status.enabled IS 'False: the scheduler skips the job.';
COMMENT ON COLUMN pos.job_status.next_start IS 'When the scheduler starts the job next.';
COMMENT ON COLUMN pos.job_status.last_started_at IS 'Start of the last run.';
COMMENT ON COLUMN pos.job_status.last_finished_at IS 'End of the last run.';
COMMENT ON COLUMN pos.job_status.last_status IS 'success or failed: the outcome of the last run (NULL before the first).';
COMMENT ON COLUMN pos.job_status.last_error IS 'The error of the last failed run.';
COMMENT ON COLUMN pos.job_status.total_runs IS 'Runs since the job was added.';
COMMENT ON COLUMN pos.job_status.total_failures IS 'Failed runs since the job was added.';
COMMENT ON COLUMN pos.job_status.since_last_run IS 'Time since the last run ended.';
COMMENT ON COLUMN pos.job_status.overdue_by IS 'How far past next_start the job is (0 when on time): a job that stays overdue means the scheduler is not running (pos.scheduler_enabled()).';

-- Retention and chunk maintenance: the two jobs hypertables need.
CREATE FUNCTION pos.job_retention(job_id bigint, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pos.drop_chunks((config->>'relation')::regclass, now() - (config->>'drop_after')::interval);
END
$$;

CREATE FUNCTION pos.add_retention_policy(relation regclass, drop_after interval, schedule_interval interval DEFAULT '1 day')
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    h pos.hypertable := pos._hypertable(relation);
BEGIN
    IF drop_after IS NULL OR drop_after <= interval '0' THEN
        RAISE EXCEPTION 'drop_after must be a positive interval, got %', coalesce(drop_after::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'E.g. pos.add_retention_policy(''pos.sale_line'', ''400 days'').';
    END IF;
    IF EXISTS (SELECT 1 FROM pos.job WHERE proc = 'pos.job_retention'::regproc AND config->>'relation' = pos._qualified_name(h.relid)) THEN
        RAISE EXCEPTION 'a retention policy already exists for "%"', relation
            USING ERRCODE = 'duplicate_object', HINT = 'Remove it first with pos.remove_retention_policy.';
    END IF;
    RETURN pos.add_job('pos.job_retention', schedule_interval,
                       jsonb_build_object('relation', pos._qualified_name(h.relid), 'drop_after', drop_after::text));
END
$$;
COMMENT ON FUNCTION pos.add_retention_policy(regclass, interval, interval) IS 'Schedules drop_chunks(relation, now() - drop_after) every schedule_interval. Returns the job id.';

CREATE FUNCTION pos.remove_retention_policy(relation regclass) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM pos.job WHERE proc = 'pos.job_retention'::regproc AND config->>'relation' = pos._qualified_name(relation) RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM d)
$$;
COMMENT ON FUNCTION pos.remove_retention_policy(regclass) IS 'Removes the retention policy of a hypertable; false if it had none.';

-- One job per hypertable (pos.create_hypertable adds it), never one for all: creating a chunk
-- locks its hypertable until the job's transaction ends, and a job holding one hypertable while
-- it waits for the next could deadlock with a writer that takes the two in the other order (say
-- INSERT INTO pos.tender SELECT ... FROM pos.txn). The job waits at most config.lock_timeout
-- (default 1s) for a lock, so writers queued behind its request are never held up for long; on a
-- timeout it fails, is recorded as such, and tries again at its next start (chunks are made a
-- week ahead, and writers make missing ones on demand).
CREATE FUNCTION pos.job_maintain_chunks(job_id bigint, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel regclass;
    h   pos.hypertable;
BEGIN
    IF config->>'relation' IS NULL THEN
        RAISE EXCEPTION 'job %: the config names no hypertable', job_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Chunk maintenance runs per hypertable: config {"relation": "schema.table"}. pos.create_hypertable adds this job.';
    END IF;
    rel := to_regclass(config->>'relation');
    IF rel IS NULL THEN
        RAISE EXCEPTION 'job %: hypertable "%" does not exist', job_id, config->>'relation'
            USING ERRCODE = 'undefined_table',
                  HINT = format('If it was dropped, remove its row from pos.hypertable and this job with pos.delete_job(%s).', job_id);
    END IF;
    h := pos._hypertable(rel);
    -- Local to the job's transaction (and undone with it if the job fails).
    PERFORM set_config('lock_timeout', coalesce(config->>'lock_timeout', '1s'), true);
    -- First, so the ANALYZEs of settling run before chunk creation locks the hypertable.
    PERFORM pos._settle_quiet_chunks(h);
    PERFORM pos.move_stragglers(h.relid);
    PERFORM pos.ensure_chunks(h.relid, now(), now() + h.create_ahead);
END
$$;
COMMENT ON FUNCTION pos.job_maintain_chunks(bigint, jsonb) IS 'Maintenance job of one hypertable (config.relation): moves stragglers out of its default chunk, creates its chunks up to create_ahead and settles closed chunks that are no longer written (pos.settle_chunk), waiting at most config.lock_timeout (default 1s) for a lock.';
