//! PostgreSQL restarted under load: the service answers 503 with Retry-After while the server
//! is down (and for the groups whose connection broke mid-write), reconnects by itself, and
//! once the at-least-once client has retried everything, every event is stored exactly once.
//!
//! The test stops and starts a server, so it runs its own throwaway cluster (through
//! `scripts/pg-local`, on a free port under /var/tmp) instead of the shared test cluster, and
//! lives in its own test binary so no other test shares that cluster. `POS_TEST_URL` must be
//! set like for every database test (the extension must be installed).

mod common;

use common::*;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// A cluster of our own, removed on drop.
struct Cluster {
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    fn script() -> PathBuf {
        PathBuf::from(common::manifest_dir()).join("../scripts/pg-local")
    }

    fn run(&self, what: &str) {
        let out = Command::new(Self::script())
            .arg(what)
            .env("POS_PGDIR", &self.dir)
            .env("PGPORT", self.port.to_string())
            .env("POS_DB", "pos")
            .output()
            .expect("run scripts/pg-local");
        assert!(
            out.status.success(),
            "scripts/pg-local {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self) -> String {
        format!("postgresql://postgres@localhost:{}/pos", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .arg("destroy")
            .env("POS_PGDIR", &self.dir)
            .env("PGPORT", self.port.to_string())
            .output();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_service(url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pos-ingest"))
        .args([
            "serve",
            "--url",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("POS_INGEST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pos-ingest serve")
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn postgres_restart_during_load_gives_503_then_every_event_lands_once() {
    let _ = admin_url(); // the same precondition as every database test
    let cluster = Cluster {
        dir: std::env::temp_dir().join(format!("pos-ingest-pg-restart-{}", std::process::id())),
        port: free_port(),
    };
    let _ = std::fs::remove_dir_all(&cluster.dir);
    cluster.run("start");
    let port = free_port();
    let mut service = spawn_service(&cluster.url(), port);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    const N: usize = 600;
    let mut tasks = Vec::new();
    for i in 0..N {
        let (http, base, refused) = (http.clone(), base.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            let body = event(
                &format!("r{i}"),
                1,
                &[("4011", "1", "1.00"), ("4012", "3", "0.25")],
            );
            // An at-least-once sender: retry until acknowledged, after Retry-After.
            for _ in 0..600 {
                match http
                    .post(format!("{base}/v1/events"))
                    .body(body.clone())
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => return,
                    Ok(r) if r.status() == 503 => {
                        assert!(
                            r.headers().contains_key("retry-after"),
                            "503 without Retry-After"
                        );
                        refused.fetch_add(1, Relaxed);
                    }
                    Ok(r) => panic!("event r{i}: unexpected {}", r.status()),
                    Err(_) => {}
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("event r{i} never acknowledged");
        }));
        tokio::time::sleep(Duration::from_millis(2)).await;
        if i == N / 3 {
            cluster.run("stop");
            tokio::time::sleep(Duration::from_millis(700)).await;
            cluster.run("start");
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    service.kill().ok();
    service.wait().ok();
    assert!(
        refused.load(Relaxed) > 0,
        "requests sent while PostgreSQL was down must be refused with 503"
    );
    let db = connect(&cluster.url()).await;
    assert_loaded_exactly_once(&db, N).await;
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM (SELECT 1 FROM pos.sale_line GROUP BY source_txn_id, line_no HAVING count(*) > 1) d"
        )
        .await,
        0,
        "no line twice"
    );
}
