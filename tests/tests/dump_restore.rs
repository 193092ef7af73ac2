//! pg_dump and scripts/pos-restore of a database using the extension, as docs/dba.md ("Backup and
//! restore") tells a DBA to do it: every row comes back (facts in chunks and in the default
//! chunk, reference data, the inbox, the user's own hypertables, aggregates and jobs), the restore
//! reports no error, and the restored database keeps working: chunks, ingest, invalidation of
//! a user's aggregate by a late row written before the dump, refreshes.
use pos_e2e::{connect, db_url, empty_db, fresh_db, pg_bin, pos_restore, run_ok};
use std::process::Command;

const SRC: &str = "e2e_dump_src";
const DST: &str = "e2e_dump_dst";

const DATA: &str = r#"
INSERT INTO pos.store (tenant_id, store_id, name, timezone) VALUES ('t1', 's1', 'Main St', 'Europe/Berlin');
INSERT INTO pos.product (tenant_id, sku, gtin, description, unit_price, currency)
VALUES ('t1', 'sku1', '00012345678905', 'Coffee', 3.50, 'EUR');
INSERT INTO pos.sku_alias (tenant_id, source, raw_item_id, sku) VALUES ('t1', 'square', 'ITEM-1', 'sku1');
INSERT INTO pos.customer (tenant_id, source, source_customer_id, email, full_name)
VALUES ('t1', 'square', 'c1', 'ann@example.com', 'Ann Lee');
INSERT INTO pos.raw_inbox (tenant_id, source, source_event_id, payload) VALUES ('t1', 'square', 'ev1', '{"id": "ev1"}');
INSERT INTO pos.reject (tenant_id, source, source_event_id, payload, reason) VALUES ('t1', 'csv', 'row 7', 'x;y', 'bad date');
SELECT pos.ensure_chunks('pos.txn', '2026-01-05', '2026-01-07');
SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-07');
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount)
SELECT 't1', 's1', 'square', 'tx' || g, timestamptz '2026-01-05 09:00+00' + g * interval '1 hour',
       date '2026-01-05' + g / 24, 'EUR', 3.50 * g
  FROM generate_series(0, 47) g;
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
SELECT 't1', 's1', 'square', 'tx' || g, 1, timestamptz '2026-01-05 09:00+00' + g * interval '1 hour',
       date '2026-01-05' + g / 24, 'sale', 'sku1', 'ITEM-1', g, 3.50, 3.50 * g, 'EUR'
  FROM generate_series(0, 47) g;
-- A straggler: no chunk covers 30 December, so it waits in the default chunk.
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
VALUES ('t1', 's1', 'square', 'old', 1, '2025-12-30 10:00+00', '2025-12-30', 'sale', 'sku1', 'ITEM-1', 1, 2, 2, 'EUR');

-- The user's own hypertable, aggregate over a shipped source, and policy.
CREATE SCHEMA mine;
CREATE TABLE mine.reading (sensor text NOT NULL, at timestamptz NOT NULL, value numeric NOT NULL,
                           PRIMARY KEY (sensor, at))
    PARTITION BY RANGE (at);
SELECT pos.create_hypertable('mine.reading', 'at', '1 day');
CREATE INDEX reading_value_idx ON mine.reading (value);
-- An index of the user's own on a shipped hypertable.
CREATE INDEX sale_line_customer_idx ON pos.sale_line (customer_id);
INSERT INTO mine.reading SELECT 'door', now() - g * interval '1 minute', g FROM generate_series(0, 99) g;
SELECT pos.create_continuous_aggregate(
    name => 'mine.sku_daily', source => 'pos.sale_line', bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id,sku}', aggregates => 'sum(net_amount) AS net, count(*) AS lines');
SELECT pos.add_continuous_aggregate_policy('mine.sku_daily', '30 days', '1 hour', '1 hour');
"#;

/// Written after the user's aggregate was materialized: logged as an invalidation that only a
/// refresh after the restore will apply.
const LATE_ROW: &str = r#"
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
VALUES ('t1', 's1', 'square', 'late', 1, '2026-01-05 12:30+00', '2026-01-05', 'sale', 'sku1', 'ITEM-1', 1, 100, 100, 'EUR');
"#;

/// docs/dba.md: refresh every aggregate once after a restore (parents before the aggregates on them).
const REFRESH_ALL: &str = r#"
DO $$ DECLARE v regclass; BEGIN
  FOR v IN SELECT view_name FROM pos.continuous_aggregate ORDER BY cagg_id LOOP
    CALL pos.refresh_continuous_aggregate(v, NULL, NULL);
  END LOOP; END $$;
"#;

/// One fingerprint per table of the user's data: name and md5 of its rows in a stable order.
const FINGERPRINTS: &str = r#"
SELECT c.oid::regclass::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('pos', 'pos_chunks', 'pos_caggs', 'mine')
   -- not the catalogs whose shipped rows start over, nor the shipped aggregates' tables
   AND c.oid::regclass::text NOT IN ('pos.job', 'pos.continuous_aggregate', 'pos.cagg_invalidation')
   AND (n.nspname <> 'pos_caggs'
        OR NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'))
 ORDER BY 1
"#;

fn fingerprints(c: &mut postgres::Client) -> Vec<(String, i64, String)> {
    let tables: Vec<String> = c
        .query(FINGERPRINTS, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            // The shipped hypertables' rows are made again by the restore's CREATE EXTENSION,
            // a little later.
            let row_text = match t.as_str() {
                "pos.hypertable" => "(to_jsonb(x) - 'created_at')::text",
                _ => "x::text",
            };
            let row = c
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(md5(string_agg({row_text}, '|' ORDER BY {row_text})), '')
                           FROM {t} x"
                    ),
                    &[],
                )
                .unwrap();
            (t, row.get(0), row.get(1))
        })
        .collect()
}

fn one_i64(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// The user's aggregate against its definition run on the raw rows (rows that differ, both ways).
const SKU_DAILY_DIFF: &str = r#"
WITH raw AS (SELECT tenant_id, store_id, sku, business_date, sum(net_amount) AS net, count(*) AS lines
               FROM pos.sale_line GROUP BY 1, 2, 3, 4),
     agg AS (SELECT tenant_id, store_id, sku, business_date, net, lines FROM mine.sku_daily)
SELECT (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM agg) a)
     + (SELECT count(*) FROM (SELECT * FROM agg EXCEPT ALL SELECT * FROM raw) b)
"#;

#[test]
fn dump_and_restore_keep_every_row_and_keep_working() {
    let mut src = fresh_db(SRC);
    src.batch_execute(DATA).unwrap();
    src.batch_execute("CALL pos.refresh_continuous_aggregate('mine.sku_daily', NULL, NULL)")
        .unwrap();
    for v in ["pos.sales_daily", "pos_caggs.store_daily_lines"] {
        src.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{v}', NULL, NULL)"
        ))
        .unwrap();
    }
    src.batch_execute(LATE_ROW).unwrap();
    assert_eq!(
        one_i64(
            &mut src,
            "SELECT count(*) FROM pos.cagg_source_invalidation"
        ),
        1,
        "the late row is logged, not yet applied"
    );
    let before = fingerprints(&mut src);
    let store_daily_src = one_i64(
        &mut src,
        "SELECT count(*) FROM pos.store_daily WHERE net IS NOT NULL",
    );

    // Dump; restore into a new database with scripts/pos-restore, as docs/dba.md says.
    let dir = std::env::temp_dir().join(format!("pos-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("pos.dump");
    run_ok(
        Command::new(pg_bin("pg_dump"))
            .args(["-Fc", "-f"])
            .arg(&dump)
            .arg(db_url(SRC)),
    );
    drop(src);
    drop(empty_db(DST));
    let restore = pos_restore();
    run_ok(Command::new(&restore).arg(&dump).arg(db_url(DST)));
    // Into a database that is not empty, it refuses.
    let again = Command::new(&restore)
        .arg(&dump)
        .arg(db_url(DST))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    std::fs::remove_dir_all(&dir).unwrap();

    let mut dst = connect(DST);
    let after = fingerprints(&mut dst);
    assert_eq!(before.len(), after.len(), "the same tables");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "table {} differs after the restore", b.0);
    }
    assert!(before
        .iter()
        .any(|t| t.0 == "pos_chunks.sale_line_default" && t.1 == 1));
    assert!(before.iter().any(|t| t.0 == "pos.raw_inbox" && t.1 == 1));
    // The user's aggregate and policy came back; the shipped ones exist once.
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pos.continuous_aggregate WHERE view_name = 'mine.sku_daily'::regclass"
        ),
        1
    );
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pos.job WHERE config->>'continuous_aggregate' = 'mine.sku_daily'"
        ),
        1
    );
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) - count(DISTINCT view_name) FROM pos.continuous_aggregate"
        ),
        0
    );
    // The shipped views answer as before (real-time until their first refresh).
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pos.store_daily WHERE net IS NOT NULL"
        ),
        store_daily_src
    );

    // It keeps working: the late row logged before the dump reaches the user's aggregate, chunks
    // are known (none is created twice), new days get chunks, the default chunk drains.
    dst.batch_execute("CALL pos.refresh_continuous_aggregate('mine.sku_daily', NULL, NULL)")
        .unwrap();
    assert_eq!(one_i64(&mut dst, SKU_DAILY_DIFF), 0);
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-07')::bigint"
        ),
        0
    );
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT pos.ensure_chunks('pos.sale_line', '2025-12-30', '2025-12-30')::bigint"
        ),
        1
    );
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pos_chunks.sale_line_default"
        ),
        0
    );
    dst.batch_execute(LATE_ROW.replace("'late'", "'later'").as_str())
        .unwrap();
    dst.batch_execute("CALL pos.refresh_continuous_aggregate('mine.sku_daily', NULL, NULL)")
        .unwrap();
    assert_eq!(one_i64(&mut dst, SKU_DAILY_DIFF), 0);
    assert_eq!(one_i64(&mut dst, "SELECT count(*) FROM mine.reading"), 100);
    // Every index is valid, and present on every chunk, as in the source.
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
        ),
        0
    );
    for (parent, index) in [
        ("pos.sale_line", "sale_line_customer_idx"),
        ("mine.reading", "reading_value_idx"),
        ("mine.reading", "reading_pkey"),
        ("pos.sale_line", "sale_line_pkey"),
    ] {
        let chunks_without = one_i64(
            &mut dst,
            &format!(
                "SELECT count(*) FROM pg_inherits i
                  WHERE i.inhparent = '{parent}'::regclass
                    AND NOT EXISTS (SELECT 1 FROM pg_inherits x JOIN pg_index ix ON ix.indexrelid = x.inhrelid
                                     WHERE x.inhparent = (SELECT oid FROM pg_class WHERE relname = '{index}')
                                       AND ix.indrelid = i.inhrelid)"
            ),
        );
        assert_eq!(chunks_without, 0, "{index} is on every chunk of {parent}");
    }
    dst.batch_execute(REFRESH_ALL).unwrap();
    assert_eq!(
        one_i64(
            &mut dst,
            "SELECT count(*) FROM pos.continuous_aggregate WHERE watermark = '-infinity'"
        ),
        0,
        "every aggregate was refreshed"
    );
    assert_eq!(
        one_i64(&mut dst, "SELECT sum(lines)::bigint FROM pos.sales_daily"),
        one_i64(&mut dst, "SELECT count(*) FROM pos.sale_line"),
        "the shipped daily view holds every line (the late ones and the straggler too)"
    );
}
