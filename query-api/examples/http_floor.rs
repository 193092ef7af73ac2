//! Benchmark floor: what the HTTP stack alone costs per request on this machine. The API's own
//! stack (axum on hyper, tokio's runtime chosen like `serve --threads`, mimalloc) answers every
//! GET with a fixed JSON body of the size the API returns, without a database, a key or a filter.
//! Its CPU per request under wrk, with the flags of the API's benchmark, is a lower bound of what
//! any handler behind this stack costs (at its far higher rate, wake-ups are shared by several
//! requests), so it tells how much of the API's share the stack alone explains
//! (benches/api/floor.sh).
//!   cargo run --release -p pos-query-api --example http_floor -- ADDR BODY_BYTES
use axum::http::header;
use axum::response::IntoResponse;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(a.len() == 2, "usage: http_floor ADDR BODY_BYTES");
    let addr: std::net::SocketAddr = a[0].parse()?;
    let body = fixed_body(a[1].parse()?);
    let threads = match std::env::var("POS_API_THREADS") {
        Ok(v) => v.parse()?,
        Err(_) => 0,
    };
    pos_query_api::config::runtime(threads)?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let app = axum::Router::new().fallback(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
        });
        axum::serve(listener, app).await?;
        Ok(())
    })
}

/// A JSON array of one object whose text is `n` bytes long (at least the 12 of its skeleton).
fn fixed_body(n: usize) -> bytes::Bytes {
    let pad = n.saturating_sub(12);
    bytes::Bytes::from(format!(r#"[{{"x":"{}"}}]"#, "a".repeat(pad)))
}
