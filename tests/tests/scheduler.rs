//! The background worker runs due jobs in the cluster's configured database (`pos`, the one
//! scripts/pg-local creates), and records failures without stopping other jobs.
use pos_e2e::connect;
use std::time::{Duration, Instant};

#[test]
fn background_worker_runs_due_jobs_and_records_failures() {
    let mut c = connect("pos");
    c.batch_execute(
        "DROP TABLE IF EXISTS e2e_ticks;
         CREATE TABLE e2e_ticks (job_id bigint, at timestamptz DEFAULT now());
         CREATE OR REPLACE FUNCTION e2e_tick(job_id bigint, config jsonb) RETURNS void
           LANGUAGE sql AS $$ INSERT INTO e2e_ticks (job_id) VALUES (job_id) $$;
         CREATE OR REPLACE FUNCTION e2e_fail(job_id bigint, config jsonb) RETURNS void
           LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom %', config->>'n'; END $$;",
    )
    .unwrap();
    let ok: i64 = c
        .query_one("SELECT pos.add_job('e2e_tick', '1 hour')", &[])
        .unwrap()
        .get(0);
    let bad: i64 = c
        .query_one(
            "SELECT pos.add_job('e2e_fail', '1 hour', '{\"n\": 7}')",
            &[],
        )
        .unwrap()
        .get(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = c
            .query_one(
                "SELECT (SELECT last_status FROM pos.job WHERE job_id = $1),
                        (SELECT last_status FROM pos.job WHERE job_id = $2),
                        (SELECT last_error FROM pos.job WHERE job_id = $2)",
                &[&ok, &bad],
            )
            .unwrap();
        let (s1, s2, e2): (Option<String>, Option<String>, Option<String>) =
            (row.get(0), row.get(1), row.get(2));
        if s1.is_some() && s2.is_some() {
            assert_eq!(s1.as_deref(), Some("success"));
            assert_eq!(s2.as_deref(), Some("failed"));
            assert_eq!(e2.as_deref(), Some("boom 7"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduler did not run the jobs within 30 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let ticks: i64 = c
        .query_one("SELECT count(*) FROM e2e_ticks WHERE job_id = $1", &[&ok])
        .unwrap()
        .get(0);
    assert_eq!(ticks, 1);
    c.batch_execute(&format!(
        "SELECT pos.delete_job({ok}); SELECT pos.delete_job({bad});"
    ))
    .unwrap();
}
