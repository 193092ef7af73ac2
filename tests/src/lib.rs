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
    let url = test_url();
    let mut admin =
        postgres::Client::connect(&url, postgres::NoTls).expect("connect to POS_TEST_URL");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut c = connect(name);
    c.batch_execute("CREATE EXTENSION pos_analytics").unwrap();
    c
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
