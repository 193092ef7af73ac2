//! Shared set-up of the integration tests: a fixture of two tenants written once per test binary
//! through the admin URL in POS_TEST_URL, and an in-process server per test that connects as a
//! login role that is a member of pos_api (never as the superuser).
#![allow(dead_code)]
use std::sync::OnceLock;

use pos_query_api::{app, migrate, ServeConfig};
use tokio_postgres::NoTls;

pub const DATE: &str = "2026-11-01";

pub struct Fixture {
    pub admin_url: String,
    pub service_url: String,
    pub tenant_a: String,
    pub tenant_b: String,
    pub key_a: String,
    pub key_b: String,
    pub revoked_key: String,
}

/// The admin URL, or a failure that says how to provide one.
pub fn admin_url() -> String {
    std::env::var("POS_TEST_URL").unwrap_or_else(|_| {
        panic!("POS_TEST_URL is not set: these tests need a PostgreSQL cluster with pos_analytics, e.g. \
                POS_PGDIR=/work/pg-api PGPORT=5563 scripts/pg-local start && export POS_TEST_URL=$(POS_PGDIR=/work/pg-api PGPORT=5563 scripts/pg-local url)")
    })
}

/// `postgresql://old@host/db` → `postgresql://user@host/db` (the clusters here trust local users).
pub fn with_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with scheme");
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    format!("{scheme}://{user}@{rest}")
}

pub async fn admin() -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(&admin_url(), NoTls)
        .await
        .expect("connect to POS_TEST_URL");
    tokio::spawn(conn);
    c
}

/// A name no other test run uses: `prefix`, the process id and the clock's last digits.
pub fn run_id(prefix: &str) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!("{prefix}{}x{}", std::process::id(), ms % 100_000)
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        std::thread::spawn(|| tokio::runtime::Runtime::new().unwrap().block_on(setup()))
            .join()
            .expect("fixture set-up")
    })
}

async fn setup() -> Fixture {
    let c = admin().await;
    c.batch_execute(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pos_api_test_svc') THEN
             CREATE ROLE pos_api_test_svc LOGIN;
           END IF;
         END $$;
         GRANT pos_api TO pos_api_test_svc;",
    )
    .await
    .expect("service role");
    migrate::migrate(&c).await.expect("migrate");
    let run = run_id("qa");
    let (a, b) = (format!("{run}_a"), format!("{run}_b"));
    // Tenant A: store S1 with 25 transactions (net 1..25), S2 with 3; tenant B: store S1 with 7.
    // Same store id in both tenants on purpose: only the tenant separates them.
    let sql = format!(
        "INSERT INTO pos.store (tenant_id, store_id, name) VALUES ('{a}','S1','A main'),('{a}','S2','A second'),('{b}','S1','B main');
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount, gross_amount, register_id)
         SELECT '{a}', 'S1', 'csv', 'a' || lpad(i::text, 3, '0'), timestamptz '{DATE} 09:00+00' + i * interval '1 minute', '{DATE}', 'EUR', i, i,
                CASE WHEN i = 1 THEN 'reg,1\"x' WHEN i = 2 THEN NULL ELSE 'R1' END
           FROM generate_series(1, 25) i;
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount, gross_amount)
         SELECT '{a}', 'S2', 'csv', 'a2-' || i, timestamptz '{DATE} 09:00+00' + i * interval '1 minute', '{DATE}', 'EUR', 100, 100 FROM generate_series(1, 3) i;
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount, gross_amount)
         SELECT '{b}', 'S1', 'csv', 'b' || i, timestamptz '{DATE} 09:00+00' + i * interval '1 minute', '{DATE}', 'USD', 1000, 1000 FROM generate_series(1, 7) i;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         SELECT tenant_id, store_id, source, source_txn_id, 1, occurred_at, business_date, 'sale', 'SKU1', 'SKU1', 1, net_amount, net_amount, currency FROM pos.txn
          WHERE tenant_id IN ('{a}', '{b}');"
    );
    c.batch_execute(&sql).await.expect("fixture rows");
    // One alert per tenant when the fraud module is installed.
    c.batch_execute(&format!(
        "DO $$ BEGIN IF to_regclass('pos.fraud_alert') IS NOT NULL THEN
           INSERT INTO pos.fraud_alert (tenant_id, store_id, level, cashier_id, business_date, score, reasons)
           VALUES ('{a}', 'S1', 'cashier_day', 'C1', '{DATE}', 0.9, '[]'), ('{b}', 'S1', 'cashier_day', 'C1', '{DATE}', 0.8, '[]');
         END IF; END $$"
    ))
    .await
    .expect("fixture alerts");
    // Continuous aggregates are exact up to their last refresh: refresh them so the views (and the
    // end-of-day endpoint) include the fixture whatever the scheduler did before.
    let caggs = c
        .query("SELECT view_name::text FROM pos.continuous_aggregate", &[])
        .await
        .unwrap_or_default();
    for r in caggs {
        let v: String = r.get(0);
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{v}', NULL, NULL)"
        ))
        .await
        .unwrap_or_else(|e| panic!("refresh {v}: {e}"));
    }
    let key = |t: String| {
        let c = &c;
        async move {
            migrate::create_key(c, &t, "pos_api", Some("integration test"))
                .await
                .expect("key")
        }
    };
    let (key_a, key_b) = (key(a.clone()).await, key(b.clone()).await);
    let (id, revoked_key) = migrate::create_key_returning_id(&c, &a, "pos_api", None)
        .await
        .unwrap();
    assert!(migrate::revoke_key(&c, id).await.unwrap());
    let admin_url = admin_url();
    Fixture {
        service_url: with_user(&admin_url, "pos_api_test_svc"),
        admin_url,
        tenant_a: a,
        tenant_b: b,
        key_a,
        key_b,
        revoked_key,
    }
}

pub struct Server {
    pub base: String,
    pub http: reqwest::Client,
}

impl Server {
    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }
    /// A GET with `key` and these extra headers.
    pub async fn get_with(
        &self,
        path: &str,
        key: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut rq = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(key);
        for (k, v) in headers {
            rq = rq.header(*k, *v);
        }
        rq.send().await.expect("request")
    }
    pub async fn json(&self, path: &str, key: &str) -> (u16, serde_json::Value) {
        let r = self.get(path, key).await;
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(serde_json::Value::Null))
    }
    /// Writes `request` (a whole HTTP/1.1 request) on a new connection and reads the answer to
    /// its end: status, head (lower-cased) and body. For requests no client library sends (a
    /// target or headers too long, a malformed head); end the head with `connection: close`.
    pub async fn raw(&self, request: &[u8]) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base.trim_start_matches("http://");
        let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
        c.write_all(request).await.expect("write the request");
        let mut out = Vec::new();
        tokio::time::timeout(std::time::Duration::from_secs(5), c.read_to_end(&mut out))
            .await
            .expect("an answer within 5 s")
            .expect("read the answer");
        let text = String::from_utf8_lossy(&out).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    }
    /// The Prometheus text of /metrics (no key needed).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("metrics text")
    }
}

/// Starts the API on a free port against `url`, with `tweak` applied to the default config.
pub async fn server_at(url: &str, tweak: impl FnOnce(&mut ServeConfig)) -> Server {
    let mut cfg = ServeConfig::with_url(url);
    cfg.pool_timeout_ms = 1000;
    tweak(&mut cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = app::build_state(cfg).await.expect("state");
    tokio::spawn(app::serve(state, listener, std::future::pending()));
    Server {
        base,
        http: reqwest::Client::new(),
    }
}

pub async fn server() -> Server {
    server_at(&fixture().service_url, |_| {}).await
}

/// Rows of a JSON array response.
pub fn rows(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
}
