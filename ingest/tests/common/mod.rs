//! Shared set-up of the database tests: each test gets a fresh database with the extension,
//! created through the server named by `POS_TEST_URL`.

#![allow(dead_code)]

use pos_ingest::adapters::format::{map, Format, Meta};
use pos_ingest::adapters::Context;
use pos_ingest::envelope::Envelope;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio_postgres::{Client, NoTls};

pub const NEEDS_DB: &str =
    "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored";

/// The admin URL of a cluster with the extension available (e.g. `scripts/pg-local url`).
pub fn admin_url() -> String {
    std::env::var("POS_TEST_URL").unwrap_or_else(|_| {
        panic!(
            "POS_TEST_URL is not set: these tests need a PostgreSQL cluster with the pos_analytics extension installed \
             (and preloaded). Start one with `scripts/pg-local start` and run \
             `POS_TEST_URL=$(scripts/pg-local url) cargo test -p pos-ingest -- --ignored`"
        )
    })
}

fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    format!("{base}/{db}{query}")
}

pub async fn connect(url: &str) -> Client {
    let (c, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(conn);
    c
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A new database with the extension; returns its URL.
pub async fn fresh_db(tag: &str) -> String {
    let admin = admin_url();
    let db = format!(
        "ingest_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let c = connect(&admin).await;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .await
        .expect("drop old test database");
    c.batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .expect("create test database");
    let url = with_db(&admin, &db);
    let c = connect(&url).await;
    c.batch_execute("CREATE EXTENSION pos_analytics")
        .await
        .expect("CREATE EXTENSION pos_analytics");
    url
}

/// The checkout running the tests (cargo sets it at run time), not the one that built them: a
/// shared build cache may hold a test binary built in another clone.
pub fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}

pub fn sample(name: &str) -> String {
    let p = format!(
        "{}/../tests/vectors/ingest/pos-formats/{name}",
        manifest_dir()
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A file of `ingest/tests/data/real/` (`square/…json`): payloads in the shapes the POS
/// systems publish (PROVENANCE.md beside them).
pub fn real(path: &str) -> String {
    let p = format!("{}/tests/data/real/{path}", manifest_dir());
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub fn envelopes(ctx: &Context, format: &Format, body: &str) -> Vec<Envelope> {
    map(ctx, &HashMap::new(), format, body, &Meta::default())
        .expect("payload maps")
        .envelopes
}

pub async fn scalar_i64(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// A numeric rendered as text (exact comparison without float noise).
pub async fn scalar_text(c: &Client, sql: &str) -> String {
    let row = c
        .query_one(&format!("SELECT ({sql})::text"), &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.get::<_, Option<String>>(0)
        .unwrap_or_else(|| "NULL".into())
}

/// A canonical transaction event (one line per `(item, qty, price)`).
pub fn event(txn: &str, version: i64, lines: &[(&str, &str, &str)]) -> String {
    let lines: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, (item, q, p))| {
            format!(
                r#"{{"line_no":{},"item_id":"{item}","quantity":"{q}","unit_price":"{p}"}}"#,
                i + 1
            )
        })
        .collect();
    format!(
        r#"{{"schema_version":1,"type":"transaction","store_id":"S1","source":"test","txn_id":"{txn}","version":{version},"occurred_at":"2026-11-02T10:00:00Z","currency":"USD","lines":[{}],"tenders":[{{"tender_no":1,"method":"cash","amount":"1.00"}}]}}"#,
        lines.join(",")
    )
}

/// After a load of `n` two-line events worth 1.75 in all (the kill -9 and restart tests), every
/// event is there exactly once: headers, lines, the net sum and one inbox row each.
pub async fn assert_loaded_exactly_once(db: &Client, n: usize) {
    let n = n as i64;
    assert_eq!(scalar_i64(db, "SELECT count(*) FROM pos.txn").await, n);
    assert_eq!(
        scalar_i64(db, "SELECT count(*) FROM pos.sale_line").await,
        2 * n
    );
    assert_eq!(
        scalar_text(db, "SELECT sum(net_amount) FROM pos.sale_line").await,
        format!("{}.00", n * 175 / 100)
    );
    assert_eq!(
        scalar_i64(db, "SELECT count(*) FROM pos.raw_inbox").await,
        n,
        "one inbox row per event, no duplicates"
    );
}
