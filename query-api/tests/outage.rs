//! PostgreSQL going away and coming back: the API answers 503 quickly while it is gone and
//! recovers by itself. A TCP proxy in front of the cluster plays the outage.
mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(addr: SocketAddr, upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(addr).await.expect("proxy bind");
        let addr = listener.local_addr().unwrap();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let t2 = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                t2.lock().unwrap().push(conn);
            }
        });
        tasks.lock().unwrap().push(accept);
        Proxy {
            addr,
            upstream,
            tasks,
        }
    }
    /// Drops the listener and every proxied connection: the database is "down".
    fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

fn upstream() -> SocketAddr {
    let cfg: tokio_postgres::Config = admin_url().parse().unwrap();
    let host = match &cfg.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        _ => panic!("POS_TEST_URL must use TCP (host=localhost) for the outage test"),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let host = if host == "localhost" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    format!("{host}:{port}").parse().unwrap()
}

async fn status(s: &Server, path: &str) -> (u16, Duration) {
    let t = Instant::now();
    let st = s
        .http
        .get(format!("{}{path}", s.base))
        .bearer_auth(&fixture().key_a)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    (st, t.elapsed())
}

#[tokio::test]
async fn postgres_down_is_503_then_recovers() {
    let f = fixture();
    let proxy = Proxy::start("127.0.0.1:0".parse().unwrap(), upstream()).await;
    let cfg: tokio_postgres::Config = f.service_url.parse().unwrap();
    let db = cfg.get_dbname().unwrap().to_string();
    let url = format!(
        "postgresql://pos_api_test_svc@{}:{}/{db}",
        proxy.addr.ip(),
        proxy.addr.port()
    );
    let s = server_at(&url, |c| c.pool_timeout_ms = 500).await;
    assert_eq!(status(&s, "/readyz").await.0, 200);
    assert_eq!(status(&s, "/v1/views/txn?limit=1").await.0, 200);

    proxy.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for path in [
        "/readyz",
        "/v1/views/txn?limit=1",
        "/v1/stores/S1/end-of-day?date=2026-11-01",
    ] {
        let (st, took) = status(&s, path).await;
        assert_eq!(st, 503, "{path} while PostgreSQL is down");
        assert!(
            took < Duration::from_secs(3),
            "{path} took {took:?}: 503 must be fast"
        );
    }
    let r = s
        .http
        .get(format!("{}/v1/views/txn", s.base))
        .bearer_auth(&f.key_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "1");

    let back = Proxy::start(proxy.addr, proxy.upstream).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if status(&s, "/v1/views/txn?limit=1").await.0 == 200
            && status(&s, "/readyz").await.0 == 200
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery within 10 s after PostgreSQL came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    back.stop();
}
