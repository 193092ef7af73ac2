//! A TCP listener with a bound on open connections. Under overload an open-loop sender opens a
//! new connection for every request it cannot pipeline, and each connection holds buffers and
//! a task: without a bound, memory grows with the overload rather than with the work. Beyond
//! the bound a connection is answered at once with a canned 503 + Retry-After and closed once
//! the sender has finished sending (see [`refuse`]).
//!
//! An accepted connection that neither sends nor takes a byte for the idle timeout (a request
//! head or body that stops coming, a keep-alive connection left open, a sender that stops
//! reading its answer) is closed: otherwise `max_connections` such connections, opened by
//! anyone who can reach a webhook route, would hold every slot for ever.

use super::metrics::Metrics;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\n\
content-length: 63\r\nconnection: close\r\n\r\n{\"error\":\"too many open connections; retry later\",\"field\":null}";

/// Refused connections being read to their end at once, at most; beyond it a refused
/// connection is closed right after its answer (a connection flood must not hold sockets).
const LINGERING: usize = 64;
/// How long, and how much, a refused sender may go on sending before it is closed anyway: a
/// request of the default `max_body_bytes` on a slow link.
const LINGER_FOR: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 16 << 20;

pub struct Limited {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    lingering: Arc<Semaphore>,
    idle: Duration,
    metrics: Arc<Metrics>,
}

impl Limited {
    /// At most `max_connections` open, each closed once idle for `idle`.
    pub fn new(
        inner: TcpListener,
        max_connections: usize,
        idle: Duration,
        metrics: Arc<Metrics>,
    ) -> Limited {
        Limited {
            inner,
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
            lingering: Arc::new(Semaphore::new(LINGERING)),
            idle,
            metrics,
        }
    }
}

/// An accepted connection holding its slot until it closes.
pub struct Conn {
    io: TcpStream,
    _slot: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
    idle: Duration,
    /// The last byte read or written; the timer is moved to `last + idle` only when it fires,
    /// so a busy connection does not reset a timer for every read.
    last: tokio::time::Instant,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl Conn {
    fn active(&mut self) {
        self.last = tokio::time::Instant::now();
    }

    /// With the read or write pending: an error once nothing moved for `idle`.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let due = self.last + self.idle;
            if due <= tokio::time::Instant::now() {
                return Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle for longer than [serve] idle_timeout_secs",
                ));
            }
            self.timer.as_mut().reset(due);
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.metrics.connections_open.fetch_sub(1, Relaxed);
    }
}

impl axum::serve::Listener for Limited {
    type Io = Conn;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Conn, Self::Addr) {
        loop {
            let (io, addr) = match self.inner.accept().await {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.slots.clone().try_acquire_owned() {
                Ok(slot) => {
                    let _ = io.set_nodelay(true);
                    self.metrics.connections_accepted.fetch_add(1, Relaxed);
                    self.metrics.connections_open.fetch_add(1, Relaxed);
                    let metrics = self.metrics.clone();
                    let now = tokio::time::Instant::now();
                    return (
                        Conn {
                            io,
                            _slot: slot,
                            metrics,
                            idle: self.idle,
                            last: now,
                            timer: Box::pin(tokio::time::sleep_until(now + self.idle)),
                        },
                        addr,
                    );
                }
                Err(_) => {
                    self.metrics.overloaded.fetch_add(1, Relaxed);
                    match self.lingering.clone().try_acquire_owned() {
                        Ok(permit) => drop(tokio::spawn(refuse(io, permit))),
                        // Best effort, without waiting: the socket buffer takes these few bytes.
                        Err(_) => drop(io.try_write(REFUSED)),
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Answers a refused connection with the canned 503, then reads and drops what the sender is
/// still sending until it closes (within [`LINGER_FOR`] and [`LINGER_BYTES`]). Closed at once,
/// a socket with unread data sends a reset: a sender still writing its body (curl and most
/// clients send the whole request before reading) then fails on the write and never reads the
/// 503 and its Retry-After.
async fn refuse(mut io: TcpStream, _lingering: OwnedSemaphorePermit) {
    let answer_and_drain = async {
        io.write_all(REFUSED).await?;
        io.shutdown().await?;
        let mut buf = vec![0u8; 64 << 10];
        let mut left = LINGER_BYTES;
        while left > 0 {
            match io.read(&mut buf).await? {
                0 => break,
                n => left = left.saturating_sub(n),
            }
        }
        io::Result::Ok(())
    };
    // Whatever happens (a sender that never stops, a write that cannot finish), the socket
    // is closed when the time is up.
    let _ = tokio::time::timeout(LINGER_FOR, answer_and_drain).await;
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.active();
                }
                Poll::Ready(r)
            }
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write(cx, buf) {
            Poll::Ready(r) => {
                if matches!(r, Ok(n) if n > 0) {
                    self.active();
                }
                Poll::Ready(r)
            }
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                if matches!(r, Ok(n) if n > 0) {
                    self.active();
                }
                Poll::Ready(r)
            }
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canned_answer_has_the_length_it_declares() {
        let text = std::str::from_utf8(REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}

#[cfg(test)]
mod counting {
    use super::*;
    use axum::serve::Listener as _;

    /// A listener on a free local port with room for one connection.
    async fn one_slot() -> (Limited, std::net::SocketAddr, Arc<Metrics>) {
        let metrics = Arc::new(Metrics::default());
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let idle = Duration::from_millis(300);
        (Limited::new(tcp, 1, idle, metrics.clone()), addr, metrics)
    }

    #[tokio::test]
    async fn accepted_and_open_connections_are_counted_and_closing_gives_the_count_back() {
        let (mut l, addr, metrics) = one_slot().await;
        let _a = TcpStream::connect(addr).await.unwrap();
        let _b = TcpStream::connect(addr).await.unwrap();
        let (first, _) = l.accept().await;
        assert_eq!(metrics.connections_accepted.load(Relaxed), 1);
        assert_eq!(metrics.connections_open.load(Relaxed), 1);
        drop(first);
        assert_eq!(metrics.connections_open.load(Relaxed), 0);
        // The slot came back with the close: the second connection gets it.
        let (_second, _) = l.accept().await;
        assert_eq!(metrics.connections_accepted.load(Relaxed), 2);
        assert_eq!(metrics.connections_open.load(Relaxed), 1);
        assert_eq!(metrics.overloaded.load(Relaxed), 0);
    }

    /// A refused sender that sends its whole request before reading (as curl and most clients
    /// do) reads the 503. Closing a socket with unread data sends a reset, which fails the
    /// sender's writes, and then it never reads the answer.
    #[tokio::test]
    async fn a_refused_sender_can_finish_its_request_and_read_the_503() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut l, addr, _) = one_slot().await;
        let _held = TcpStream::connect(addr).await.unwrap();
        let (_first, _) = l.accept().await;
        let acceptor = tokio::spawn(async move { l.accept().await });
        let body = vec![b'x'; 4 << 20];
        for attempt in 0..3 {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let sent = async {
                c.write_all(head.as_bytes()).await?;
                c.write_all(&body).await
            }
            .await;
            assert!(sent.is_ok(), "attempt {attempt}: sending failed: {sent:?}");
            let mut answer = Vec::new();
            let read = c.read_to_end(&mut answer).await;
            assert!(
                answer.starts_with(b"HTTP/1.1 503"),
                "attempt {attempt}: {read:?}, {:?}",
                String::from_utf8_lossy(&answer)
            );
        }
        acceptor.abort();
    }

    /// A connection that sends nothing is closed after the idle timeout; one that keeps
    /// sending, however slowly, is not.
    #[tokio::test]
    async fn an_idle_connection_times_out_and_a_trickling_one_does_not() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut l, addr, _) = one_slot().await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        let (mut conn, _) = l.accept().await;
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut buf = [0u8; 16];
            loop {
                match conn.read(&mut buf).await {
                    Ok(0) => return Ok(got),
                    Ok(n) => got += n,
                    Err(e) => return Err((got, e.kind())),
                }
            }
        });
        for _ in 0..8 {
            c.write_all(b"x").await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(3), reader)
            .await
            .expect("closed within 3 s")
            .unwrap();
        assert_eq!(
            r,
            Err((8, io::ErrorKind::TimedOut)),
            "800 ms of trickle, then idle"
        );
        assert!(started.elapsed() >= Duration::from_millis(150));
    }
}
