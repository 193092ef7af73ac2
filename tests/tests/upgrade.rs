//! `ALTER EXTENSION pos_analytics UPDATE` from 0.1.0 (the install script kept in
//! `pg-extension/sql/pos_analytics--0.1.0.sql`) makes what a fresh `CREATE EXTENSION` makes:
//! every relation, column, constraint, index, trigger, policy, function, grant, comment and
//! shipped definition, compared catalog against catalog. And a database that holds rows and
//! materialized aggregates keeps them through the update, answering as before; so does its
//! `pg_dump` archive restored into this build with `scripts/pos-restore`.
use pos_e2e::{connect, db_url, empty_db, fresh_db, fresh_db_at, pg_bin, pos_restore, run_ok};
use std::process::Command;

/// One line per object the extension owns (or that hangs on a table it owns), in a form that is
/// equal in two databases exactly when the objects are: names, definitions, types, comments and
/// privileges, never OIDs or times.
const CATALOG: &str = r#"
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'pos_analytics'),
member AS (SELECT d.classid, d.objid FROM pg_depend d, ext
            WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
rel AS (SELECT c.oid, c.oid::regclass::text AS name, c.relkind FROM pg_class c
          JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid)
SELECT 'relation ' || name || ' ' || c.relkind::text || ' rls=' || c.relrowsecurity || ' acl=' || coalesce(c.relacl::text, '-')
       || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-')
  FROM rel JOIN pg_class c USING (oid)
UNION ALL
SELECT 'column ' || name || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
       || ' comment=' || coalesce(col_description(a.attrelid, a.attnum), '-') || ' acl=' || coalesce(a.attacl::text, '-')
  FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
UNION ALL
SELECT 'constraint ' || name || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
  FROM rel JOIN pg_constraint co ON co.conrelid = rel.oid
UNION ALL
SELECT 'index ' || name || ' ' || pg_get_indexdef(i.indexrelid)
  FROM rel JOIN pg_index i ON i.indrelid = rel.oid
UNION ALL
SELECT 'trigger ' || name || ' ' || pg_get_triggerdef(t.oid)
  FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid AND NOT t.tgisinternal -- foreign keys' are named by OID
UNION ALL
SELECT 'policy ' || name || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || p.polroles::regrole[]::text
       || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
  FROM rel JOIN pg_policy p ON p.polrelid = rel.oid
UNION ALL
SELECT 'view ' || name || ' ' || pg_get_viewdef(rel.oid)
  FROM rel WHERE relkind = 'v'
    AND rel.oid NOT IN (SELECT view_name FROM pos.continuous_aggregate) -- their text holds their state
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' ' || p.prokind::text || ' ' || p.provolatile::text || ' ' || p.prosecdef
       || ' ' || coalesce(p.proconfig::text, '-') || ' ' || coalesce(pg_get_function_result(p.oid), 'procedure') || ' ' || md5(p.prosrc)
       || ' ' || coalesce(p.probin, '-') || ' acl=' || coalesce(p.proacl::text, '-')
       || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
  FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
UNION ALL
SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regprocedure::text || ' ' || e.evtenabled::text
       || ' ' || coalesce(e.evttags::text, '-')
  FROM pg_event_trigger e JOIN member m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid
UNION ALL
SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text
  FROM pg_type t JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
UNION ALL
SELECT 'schema ' || n.nspname || ' acl=' || coalesce(n.nspacl::text, '-') || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
  FROM pg_namespace n JOIN member m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
UNION ALL
SELECT 'dumped ' || coalesce(e.extconfig::regclass[]::text, '-') || ' '
       || coalesce(regexp_replace(e.extcondition::text, '[0-9]{5,}', 'oid', 'g'), '-') -- conditions name OIDs
  FROM pg_extension e WHERE e.extname = 'pos_analytics'
UNION ALL
SELECT 'aggregate ' || view_name::text || ' ' || mat_table::text || ' ' || source::text || ' ' || coalesce(parent_id::text, '-')
       || ' ' || time_column || ' ' || bucket_column || ' ' || bucket_width || ' ' || bucket_origin || ' '
       || coalesce(date_column, '-') || ' ' || date_slack || ' ' || group_by::text || ' ' || aggregates || ' '
       || coalesce(filter, '-') || ' ' || materialized_only || ' ' || batch_interval
  FROM pos.continuous_aggregate
UNION ALL
SELECT 'path ' || view_name::text || ' ' || materialized::text || ' ' || bucket_column || ' ' || parts::text || ' ' || coalesce(from_parts::text, '-')
  FROM pos.cagg_view_path
UNION ALL
SELECT 'job ' || proc::text || ' ' || config::text || ' ' || schedule_interval || ' ' || enabled
  FROM pos.job
UNION ALL
SELECT 'hypertable ' || relid::text || ' ' || time_column || ' ' || chunk_interval || ' ' || origin || ' ' || create_ahead
       || ' ' || default_chunk::text || ' ' || open_chunk_reloptions::text || ' ' || coalesce(open_chunk_statistics::text, '-')
  FROM pos.hypertable
ORDER BY 1"#;

fn catalog(c: &mut postgres::Client) -> Vec<String> {
    c.query(CATALOG, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn text(c: &mut postgres::Client, sql: &str) -> String {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// The version this build installs (pg-extension/Cargo.toml).
const CURRENT: &str = "0.2.4";

#[test]
fn an_updated_0_1_0_database_is_what_a_fresh_install_makes() {
    updated_from_is_fresh("0.1.0", "e2e_upgrade_old");
}

#[test]
fn an_updated_0_2_0_database_is_what_a_fresh_install_makes() {
    updated_from_is_fresh("0.2.0", "e2e_upgrade_old_020");
}

#[test]
fn an_updated_0_2_1_database_is_what_a_fresh_install_makes() {
    updated_from_is_fresh("0.2.1", "e2e_upgrade_old_021");
}

#[test]
fn an_updated_0_2_2_database_is_what_a_fresh_install_makes() {
    updated_from_is_fresh("0.2.2", "e2e_upgrade_old_022");
}

#[test]
fn an_updated_0_2_3_database_is_what_a_fresh_install_makes() {
    updated_from_is_fresh("0.2.3", "e2e_upgrade_old_023");
}

/// A database made at `from` and updated (every step in turn) has the catalog of a fresh install.
fn updated_from_is_fresh(from: &str, db: &str) {
    let mut fresh = fresh_db(&format!("{db}_fresh"));
    let mut old = fresh_db_at(db, from);
    let before = catalog(&mut old);
    old.batch_execute("ALTER EXTENSION pos_analytics UPDATE")
        .unwrap();
    let version = "SELECT extversion FROM pg_extension WHERE extname = 'pos_analytics'";
    assert_eq!(text(&mut old, version), CURRENT);
    assert_eq!(text(&mut fresh, version), CURRENT);
    let (updated, made) = (catalog(&mut old), catalog(&mut fresh));
    assert!(made.len() > 500, "{} catalog lines", made.len());
    assert_ne!(
        before, made,
        "{from} and {CURRENT} differ (the test can tell)"
    );
    let only_updated: Vec<&String> = updated.iter().filter(|l| !made.contains(l)).collect();
    let only_fresh: Vec<&String> = made.iter().filter(|l| !updated.contains(l)).collect();
    assert!(
        only_updated.is_empty() && only_fresh.is_empty(),
        "only after the update: {only_updated:#?}\nonly in a fresh install: {only_fresh:#?}"
    );
}

/// What a DROP TABLE of a hypertable with a continuous aggregate left in 0.2.0's catalogs (rows
/// naming the dropped relations, a threshold sequence) is gone after the update, and from then
/// on such a drop leaves nothing.
#[test]
fn the_update_removes_what_earlier_drops_left_behind() {
    let mut c = fresh_db_at("e2e_upgrade_orphans", "0.2.0");
    let make = "
        CREATE TABLE m (t timestamptz NOT NULL, v int) PARTITION BY RANGE (t);
        SELECT pos.create_hypertable('m', 't', '1 day');
        INSERT INTO m VALUES ('2026-03-02 10:00+00', 3);
        SELECT pos.create_continuous_aggregate('public.m_daily', 'm', '{}', 'sum(v) AS s', bucket_width => '1 day');
        SELECT pos.add_continuous_aggregate_policy('public.m_daily', '7 days', NULL, '1 hour');";
    let left = "SELECT (SELECT count(*) FROM pos.hypertable WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = relid::oid))
                     || '/' || (SELECT count(*) FROM pos.chunk WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = chunk::oid))
                     || '/' || (SELECT count(*) FROM pos.continuous_aggregate WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = view_name::oid))
                     || '/' || (SELECT count(*) FROM pos.job WHERE config->>'relation' = 'public.m' OR config->>'continuous_aggregate' = 'public.m_daily')
                     || '/' || (SELECT count(*) FROM pos.cagg_source WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = source::oid))
                     || '/' || (SELECT count(*) FROM pg_class WHERE relname = 'm_threshold' OR relname LIKE 'm\\_daily\\_mat%')";
    c.batch_execute(make).unwrap();
    c.batch_execute("DROP TABLE m CASCADE").unwrap();
    assert_ne!(
        text(&mut c, left),
        "0/0/0/0/0/0",
        "0.2.0 left rows behind (the test can tell)"
    );
    c.batch_execute("ALTER EXTENSION pos_analytics UPDATE")
        .unwrap();
    assert_eq!(text(&mut c, left), "0/0/0/0/0/0");
    // The same name again, and dropped again: nothing is left, the threshold's name is free.
    c.batch_execute(make).unwrap();
    c.batch_execute("DROP TABLE m CASCADE").unwrap();
    assert_eq!(text(&mut c, left), "0/0/0/0/0/0");
    c.batch_execute(make).unwrap();
}

/// A day of one store: a sale paid by card, its line and tender, before the update.
const DAY: &str = "
SELECT pos.ensure_chunks(h, '2026-03-01', '2026-03-04')
  FROM unnest('{pos.txn,pos.sale_line,pos.tender,pos.drawer_event}'::regclass[]) h;
INSERT INTO pos.store (tenant_id, store_id, timezone) VALUES ('t1', 's1', 'UTC');
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency,
                     line_count, gross_amount, net_amount, tax_amount, tender_amount)
VALUES ('t1', 's1', 'x', 'a', '2026-03-02 10:00+00', '2026-03-02', 'c1', 'completed', 'USD', 1, 40.00, 40.00, 4.00, 44.00);
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, cashier_id, kind, sku,
                           raw_item_id, quantity, unit_price, net_amount, tax, currency)
VALUES ('t1', 's1', 'x', 'a', 1, '2026-03-02 10:00+00', '2026-03-02', 'c1', 'sale', 'k', 'k', 1, 40.00, 40.00, 4.00, 'USD');
INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, cashier_id, method, amount, currency, status)
VALUES ('t1', 's1', 'x', 'a', 1, '2026-03-02 10:00+00', '2026-03-02', 'c1', 'card', 44.00, 'USD', 'approved');
";

/// Every continuous aggregate refreshed over all time (a statement of its own: the refresh commits).
const REFRESH: &str = "
DO $$ DECLARE v regclass; BEGIN
    FOR v IN SELECT view_name FROM pos.continuous_aggregate ORDER BY cagg_id LOOP
        CALL pos.refresh_continuous_aggregate(v, NULL, NULL);
    END LOOP;
END $$;
";

const STORE_DAY: &str =
    "SELECT transactions || '/' || net || '/' || tax || '/' || tender_card || '/' || average_basket
                           FROM pos.store_daily WHERE business_date = '2026-03-02'";

#[test]
fn rows_and_materialized_aggregates_come_through_the_update_and_tips_land_after_it() {
    let mut c = fresh_db_at("e2e_upgrade_rows", "0.1.0");
    c.batch_execute("DELETE FROM pos.job").unwrap(); // no refresh behind the test's back
    c.batch_execute(DAY).unwrap();
    c.batch_execute(REFRESH).unwrap();
    assert_eq!(text(&mut c, STORE_DAY), "1/40.00/4.00/44.00/40.00");
    c.batch_execute("ALTER EXTENSION pos_analytics UPDATE")
        .unwrap();
    // The same answer, live and from the materialized path the query API reads, with tips 0.
    assert_eq!(text(&mut c, STORE_DAY), "1/40.00/4.00/44.00/40.00");
    let tips = "SELECT tips::text FROM pos.store_daily WHERE business_date = '2026-03-02'";
    assert_eq!(text(&mut c, tips), "0");
    let covered: bool = c
        .query_one(
            "SELECT pos.cagg_require_materialized('pos.store_daily', '2026-03-02'::date, '2026-03-02'::date)",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(covered, "the update left the day materialized");
    assert_eq!(
        text(
            &mut c,
            "SELECT tips::text || '/' || tender_card FROM pos_caggs.store_daily_materialized"
        ),
        "0/44.00"
    );
    assert_eq!(text(&mut c, "SELECT tip::text FROM pos.tender"), "0");
    // A tip written after the update counts, live and once refreshed.
    c.batch_execute("UPDATE pos.tender SET amount = 50.00, tip = 6.00")
        .unwrap();
    c.batch_execute(REFRESH).unwrap();
    assert_eq!(text(&mut c, tips), "6.00");
    assert_eq!(
        text(
            &mut c,
            "SELECT tips::text FROM pos_caggs.store_daily_materialized"
        ),
        "6.00"
    );
    let e = c
        .batch_execute("UPDATE pos.tender SET tip = 60.00")
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&postgres::error::SqlState::CHECK_VIOLATION),
        "{e}"
    );
}

/// A 0.1.0 database's archive restored into this build: `scripts/pos-restore` sees that its
/// tender chunks predate `tip` (attaching them to 0.2.0's `pos.tender` would fail), restores into
/// 0.1.0 and updates. The rows, the catalog and the day's report come out as after an update in
/// place.
#[test]
fn a_0_1_0_archive_restores_into_this_build_and_is_updated() {
    let (src, dst) = ("e2e_upgrade_dump_src", "e2e_upgrade_dump_dst");
    let mut c = fresh_db_at(src, "0.1.0");
    c.batch_execute("DELETE FROM pos.job").unwrap();
    c.batch_execute(DAY).unwrap();
    let dump = std::env::temp_dir().join(format!("pos-upgrade-{}.dump", std::process::id()));
    run_ok(
        Command::new(pg_bin("pg_dump"))
            .args(["-Fc", "-f"])
            .arg(&dump)
            .arg(db_url(src)),
    );
    drop(c);
    drop(empty_db(dst));
    let said = run_ok(Command::new(pos_restore()).arg(&dump).arg(db_url(dst)));
    std::fs::remove_file(&dump).ok();
    assert!(
        said.contains(&format!("updated pos_analytics 0.1.0 to {CURRENT}")),
        "{said}"
    );
    let mut r = connect(dst);
    let mut fresh = fresh_db("e2e_upgrade_dump_fresh");
    let (restored, made) = (catalog(&mut r), catalog(&mut fresh));
    let differ: Vec<&String> = restored
        .iter()
        .filter(|l| !made.contains(l))
        .chain(made.iter().filter(|l| !restored.contains(l)))
        .collect();
    assert!(
        differ.is_empty(),
        "restored and updated vs fresh: {differ:#?}"
    );
    r.batch_execute("DELETE FROM pos.job").unwrap();
    r.batch_execute(REFRESH).unwrap();
    assert_eq!(text(&mut r, STORE_DAY), "1/40.00/4.00/44.00/40.00");
    assert_eq!(
        text(
            &mut r,
            "SELECT tableoid::regclass::text || '/' || tip FROM pos.tender"
        ),
        "pos_chunks.tender_20260302t0000/0"
    );
}
