//! Chunks while they are written (docs/dba.md): a new chunk gets no insert-driven autovacuum and
//! a low statistics target; the hypertable's maintenance job settles it (defaults back, one full
//! ANALYZE) once its range has closed and it is no longer written, or one chunk interval after
//! its range's end whatever trickles in; settling builds the chunk's settled indexes (sale lines
//! by store and SKU); a DBA can switch the policy off per hypertable, and a setting PostgreSQL
//! refuses never stops chunk creation nor settling.
use pos_e2e::fresh_db;
use postgres::Client;

const CHUNK: &str = "pos_chunks.sale_line_20260105t0000";

/// `n` lines on 2026-01-05 (a closed day) with distinct times, numbered from `from`; then the
/// backend's table counters are flushed, so pg_stat_user_tables shows them to the next statement.
fn write_lines(c: &mut Client, from: i32, n: i32) {
    c.execute(
        "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                    kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         SELECT 't1', 's' || (g % 3), 'gen', 'tx' || g, 1, timestamptz '2026-01-05 00:00+00' + g * interval '1 second',
                '2026-01-05', 'sale', 'sku' || (g % 40), 'sku' || (g % 40), 1, 2.50, 2.50, 'USD'
           FROM generate_series($1::int, $1::int + $2::int - 1) g",
        &[&from, &n],
    )
    .unwrap();
    c.batch_execute("SELECT pg_stat_force_next_flush()")
        .unwrap();
}

/// Runs the sale_line maintenance job as the scheduler would; it must succeed.
fn run_maintenance(c: &mut Client) {
    let status: String = c
        .query_one(
            "SELECT pos.run_job(job_id) FROM pos.job
              WHERE proc = 'pos.job_maintain_chunks'::regproc AND config->>'relation' = 'pos.sale_line'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(status, "success");
}

/// The chunk's storage parameters, the distinct statistics targets of its columns, and whether
/// the catalog calls it settled.
fn state(c: &mut Client, chunk: &str) -> (Option<Vec<String>>, Vec<i32>, bool) {
    let r = c
        .query_one(
            "SELECT (SELECT reloptions FROM pg_class WHERE oid = $1::text::regclass),
                    ARRAY(SELECT DISTINCT attstattarget::int FROM pg_attribute
                           WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY 1),
                    (SELECT settled_at IS NOT NULL FROM pos.chunk WHERE chunk = $1::text::regclass)",
            &[&chunk],
        )
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

/// The definitions of the chunk's indexes, from `(` on, sorted.
fn indexes(c: &mut Client, chunk: &str) -> Vec<String> {
    c.query(
        "SELECT substr(indexdef, strpos(indexdef, ' USING btree (') + 13) FROM pg_indexes
          WHERE schemaname || '.' || tablename = $1 ORDER BY 1",
        &[&chunk],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

const BY_SKU: &str = "(tenant_id, store_id, sku, occurred_at)";
/// The lines' key, led by the time column so that it is also the index refreshes read.
const KEY: &str = "(occurred_at, source_txn_id, tenant_id, store_id, source, line_no)";
/// Lines by the sale they cite (the fraud context), partial: only lines citing a receipt.
const CITING: &str = "(tenant_id, original_txn_id) WHERE (original_txn_id IS NOT NULL)";

/// How many bounds the histogram of the chunk's occurred_at has: 11 with a statistics target of
/// 10, 101 with the default 100 (the lines' times are all distinct).
fn histogram_bounds(c: &mut Client, chunk: &str) -> i32 {
    c.query_one(
        "SELECT coalesce(array_length(histogram_bounds::text::text[], 1), 0) FROM pg_stats
          WHERE schemaname || '.' || tablename = $1 AND attname = 'occurred_at'",
        &[&chunk],
    )
    .unwrap()
    .get(0)
}

/// The plan of `query`, one string.
fn explain(c: &mut Client, query: &str) -> String {
    c.query(&format!("EXPLAIN {query}"), &[])
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn new_chunk_is_opened_and_settled_once_closed_and_quiet() {
    let mut c = fresh_db("e2e_chunk_autovacuum");
    c.batch_execute("SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-05')")
        .unwrap();
    let (opts, targets, settled) = state(&mut c, CHUNK);
    assert_eq!(
        opts,
        Some(vec!["autovacuum_vacuum_insert_threshold=-1".to_string()])
    );
    assert_eq!(targets, vec![10], "every column samples for a target of 10");
    assert!(!settled);
    assert!(
        !indexes(&mut c, CHUNK).contains(&BY_SKU.to_string()),
        "the by-SKU index waits for the chunk to settle: {:?}",
        indexes(&mut c, CHUNK)
    );
    assert_eq!(
        indexes(&mut c, CHUNK),
        vec![KEY.to_string(), CITING.to_string()],
        "a line written descends one B-tree: its key, no separate time index (and a line citing \
         a receipt the partial sale_line_original)"
    );

    write_lines(&mut c, 0, 2000);
    c.batch_execute(&format!("ANALYZE {CHUNK}")).unwrap();
    // A refresh's read of a few seconds of the open chunk goes through the key.
    let plan = explain(
        &mut c,
        "SELECT count(*) FROM pos.sale_line
          WHERE occurred_at >= '2026-01-05 00:10+00' AND occurred_at < '2026-01-05 00:10:20+00'",
    );
    assert!(plan.contains("sale_line_20260105t0000_pkey"), "{plan}");
    assert_eq!(
        histogram_bounds(&mut c, CHUNK),
        11,
        "the open chunk's small sample"
    );

    // First look: the job notes the writes; a closed range alone does not settle a written chunk.
    run_maintenance(&mut c);
    assert!(!state(&mut c, CHUNK).2);
    write_lines(&mut c, 2000, 500);
    run_maintenance(&mut c);
    assert!(!state(&mut c, CHUNK).2, "written since the last look");

    // Nothing written since: settled, with the defaults back and a full ANALYZE.
    run_maintenance(&mut c);
    let (opts, targets, settled) = state(&mut c, CHUNK);
    assert!(settled);
    assert_eq!(opts, None);
    assert_eq!(targets, vec![-1]);
    assert_eq!(histogram_bounds(&mut c, CHUNK), 101);
    assert!(indexes(&mut c, CHUNK).contains(&BY_SKU.to_string()));
    // …and a store's lines of one SKU are found through it.
    let plan: Vec<String> = {
        let mut t = c.transaction().unwrap();
        t.batch_execute("SET LOCAL enable_seqscan = off").unwrap();
        let rows = t
            .query(
                "EXPLAIN SELECT sum(quantity) FROM pos.sale_line
                  WHERE tenant_id = 't1' AND store_id = 's1' AND sku = 'sku7'
                    AND occurred_at >= '2026-01-05' AND occurred_at < '2026-01-06'",
                &[],
            )
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    };
    assert!(
        plan.iter()
            .any(|l| l.contains("sale_line_20260105t0000_tenant_id_store_id_sku_occurred_at_idx")),
        "{}",
        plan.join("\n")
    );
    assert!(!c
        .query_one("SELECT pos.settle_chunk($1::text::regclass)", &[&CHUNK])
        .unwrap()
        .get::<_, bool>(0));

    // Today's chunk stays open however quiet it is: its range has not closed.
    // (the job made it: it keeps chunks up to a week ahead).
    let today: String = c
        .query_one(
            "SELECT chunk::text FROM pos.chunk WHERE hypertable = 'pos.sale_line'::regclass
                AND now() <@ tstzrange(range_start, range_end)",
            &[],
        )
        .unwrap()
        .get(0);
    run_maintenance(&mut c);
    run_maintenance(&mut c);
    assert!(!state(&mut c, &today).2, "{today} is still being written");
}

#[test]
fn a_trickle_of_late_rows_does_not_keep_a_chunk_open_forever() {
    let mut c = fresh_db("e2e_chunk_autovacuum_trickle");
    c.batch_execute("SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-05')")
        .unwrap();
    write_lines(&mut c, 0, 100);
    run_maintenance(&mut c);
    write_lines(&mut c, 100, 100);
    run_maintenance(&mut c);
    assert!(!state(&mut c, CHUNK).2);
    // Made a day ago (a day is the chunk interval): settled although it was written again.
    c.execute(
        "UPDATE pos.chunk SET created_at = now() - interval '1 day' WHERE chunk = $1::text::regclass",
        &[&CHUNK],
    )
    .unwrap();
    write_lines(&mut c, 200, 100);
    run_maintenance(&mut c);
    assert!(state(&mut c, CHUNK).2);
}

#[test]
fn policy_can_be_switched_off_and_a_refused_setting_only_warns() {
    let mut c = fresh_db("e2e_chunk_autovacuum_off");
    c.batch_execute(
        "UPDATE pos.hypertable SET open_chunk_reloptions = '{}', open_chunk_statistics = NULL
          WHERE relid = 'pos.txn'::regclass;
         SELECT pos.ensure_chunks('pos.txn', '2026-01-05', '2026-01-05')",
    )
    .unwrap();
    let (opts, targets, settled) = state(&mut c, "pos_chunks.txn_20260105t0000");
    assert_eq!((opts, targets, settled), (None, vec![-1], true));

    c.batch_execute(
        "UPDATE pos.hypertable SET open_chunk_reloptions = '{autovacuum_no_such_thing=1}'
          WHERE relid = 'pos.tender'::regclass;
         SELECT pos.ensure_chunks('pos.tender', '2026-01-05', '2026-01-05')",
    )
    .unwrap();
    let (opts, targets, settled) = state(&mut c, "pos_chunks.tender_20260105t0000");
    assert_eq!((opts, targets, settled), (None, vec![-1], true));

    // The inbox: small statistics, none on its payloads.
    let targets: Vec<(String, i32)> = c
        .query(
            "SELECT attname::text, attstattarget::int FROM pg_attribute
              WHERE attrelid = 'pos.raw_inbox'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (col, target) in &targets {
        let want = if col.starts_with("payload") { 0 } else { 10 };
        assert_eq!(*target, want, "statistics target of raw_inbox.{col}");
    }
}

#[test]
fn settled_indexes_are_built_once_and_a_refused_one_only_warns() {
    let mut c = fresh_db("e2e_chunk_settled_indexes");
    // A definition with a statement after it is refused outright.
    let err = c
        .batch_execute(
            "UPDATE pos.hypertable SET settled_chunk_indexes = '{\"(sku); DROP TABLE pos.store\"}'
              WHERE relid = 'pos.sale_line'::regclass",
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::CHECK_VIOLATION),
        "{err}"
    );
    // One PostgreSQL refuses (no such column) next to a good one: the chunk settles with the good.
    c.batch_execute(
        "UPDATE pos.hypertable SET settled_chunk_indexes = settled_chunk_indexes || '{\"(no_such_column)\", \"(sku)\"}'
          WHERE relid = 'pos.sale_line'::regclass;
         SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-05')",
    )
    .unwrap();
    write_lines(&mut c, 0, 300);
    let before = indexes(&mut c, CHUNK);
    assert!(c
        .query_one("SELECT pos.settle_chunk($1::text::regclass)", &[&CHUNK])
        .unwrap()
        .get::<_, bool>(0));
    let after = indexes(&mut c, CHUNK);
    assert_eq!(after.len(), before.len() + 2, "{before:?} → {after:?}");
    assert!(after.contains(&BY_SKU.to_string()) && after.contains(&"(sku)".to_string()));
    assert!(!c
        .query_one("SELECT pos.settle_chunk($1::text::regclass)", &[&CHUNK])
        .unwrap()
        .get::<_, bool>(0));
    assert_eq!(indexes(&mut c, CHUNK), after, "built once");

    // With the policy off a chunk is settled at creation, and gets its settled indexes then.
    c.batch_execute(
        "UPDATE pos.hypertable SET open_chunk_reloptions = '{}', open_chunk_statistics = NULL
          WHERE relid = 'pos.sale_line'::regclass;
         SELECT pos.ensure_chunks('pos.sale_line', '2026-01-06', '2026-01-06')",
    )
    .unwrap();
    let made = indexes(&mut c, "pos_chunks.sale_line_20260106t0000");
    assert!(made.contains(&BY_SKU.to_string()), "{made:?}");
}
