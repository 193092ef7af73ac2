//! Shared helpers for the end-to-end tests and the docs SQL runner. The tests need a running
//! cluster with the extension: scripts/test starts a fresh one and exports POS_TEST_URL.

pub mod docs;

/// The URL of the test cluster. Panics with instructions when unset: these tests cannot pass
/// without a database, and silently skipping them would hide that.
pub fn test_url() -> String {
    std::env::var("POS_TEST_URL").unwrap_or_else(|_| {
        panic!("POS_TEST_URL is not set: run the end-to-end tests through scripts/test, or start a cluster with scripts/pg-local start and export POS_TEST_URL=$(scripts/pg-local url)")
    })
}

/// A fresh database with the extension, dropped first if it exists; returns a client on it.
pub fn fresh_db(name: &str) -> postgres::Client {
    let mut c = empty_db(name);
    c.batch_execute("CREATE EXTENSION pos_analytics").unwrap();
    c
}

/// A fresh database holding `pos_analytics` at `version` (an earlier one, whose install script
/// `scripts/setup` installs, for update tests).
pub fn fresh_db_at(name: &str, version: &str) -> postgres::Client {
    let mut c = empty_db(name);
    c.batch_execute(&format!(
        "CREATE EXTENSION pos_analytics VERSION '{version}'"
    ))
    .unwrap_or_else(|e| panic!("CREATE EXTENSION pos_analytics VERSION '{version}': {e:?}"));
    c
}

/// A new, empty database `name` (dropped first if it exists); returns a client on it.
pub fn empty_db(name: &str) -> postgres::Client {
    let url = test_url();
    let mut admin =
        postgres::Client::connect(&url, postgres::NoTls).expect("connect to POS_TEST_URL");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    connect(name)
}

/// A new connection to database `name` of the test cluster.
pub fn connect(name: &str) -> postgres::Client {
    let url = test_url();
    let base = url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(url);
    postgres::Client::connect(&format!("{base}/{name}"), postgres::NoTls).expect("connect")
}

/// A connection to database `name` as `role` (created LOGIN if missing; trust auth on the test cluster).
pub fn connect_as(name: &str, role: &str) -> postgres::Client {
    let url = test_url();
    let base = url.rsplit_once('@').map(|(_, b)| b.to_string()).unwrap();
    let host = base.rsplit_once('/').map(|(h, _)| h.to_string()).unwrap();
    postgres::Client::connect(
        &format!("postgresql://{role}@{host}/{name}"),
        postgres::NoTls,
    )
    .expect("connect as role")
}

/// A PostgreSQL client program (`pg_dump`, `psql`) of the cluster's version: `POS_PG_BIN`, else
/// Debian's PostgreSQL 15.
pub fn pg_bin(name: &str) -> String {
    let dir =
        std::env::var("POS_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".to_string());
    format!("{dir}/{name}")
}

/// The URL of database `name` of the test cluster.
pub fn db_url(name: &str) -> String {
    let url = test_url();
    let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    format!("{base}/{name}")
}

/// Runs `cmd`, failing the test with its stderr unless it succeeds; returns its stdout.
pub fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("run a program");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `scripts/pos-restore` of the checkout running the test (cargo sets the manifest dir at run
/// time), not of the one that built it: a shared build cache may hold a test binary built in
/// another clone.
pub fn pos_restore() -> String {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    format!("{manifest}/../scripts/pos-restore")
}
