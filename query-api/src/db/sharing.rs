//! Pooled connections shared by concurrent requests of one session. tokio-postgres pipelines the
//! queries of every holder of a client on its one connection, so when all connections are busy a
//! request can queue its query behind the one running instead of waiting for a connection: the
//! backend then finds the next query already in its socket when it finishes one, rather than
//! sleeping and being woken for it. On the benchmark's direct loop this cut PostgreSQL's CPU per
//! query by 9–18 % (benches/api/RESULTS.md).
//!
//! The safety rule: a connection is shared only by requests acting for the session (role, tenant,
//! timeout) it already has, confirmed by an earlier request that set it up and succeeded. No
//! settings statement ever enters a shared pipeline, so every query runs under its own request's
//! settings. The cost is head-of-line blocking: a query joins at most `depth - 1` others, and only
//! when no connection is free.
use std::sync::{Arc, Mutex, MutexGuard};

use deadpool_postgres::Object;

use super::Session;

/// A connection lent out for sharing, and the session it is set up for.
pub struct Lent {
    pub client: Object,
    pub session: Session,
}

struct Entry {
    conn: Arc<Lent>,
    in_flight: usize,
}

/// The connections currently lent out, with how many requests use each.
pub struct Lending {
    entries: Mutex<Vec<Entry>>,
    /// The most requests one connection carries at once (1: no sharing).
    pub depth: usize,
}

impl Lending {
    pub fn new(depth: usize) -> Self {
        Self {
            entries: Mutex::new(Vec::new()),
            depth: depth.max(1),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The least busy lent connection set up for `want` with room left in its pipeline, counted
    /// as used once more. Closed connections are dropped on the way (their holders see errors).
    pub fn join(&self, want: &Session) -> Option<Arc<Lent>> {
        let mut entries = self.entries();
        entries.retain(|e| !e.conn.client.is_closed());
        let e = entries
            .iter_mut()
            .filter(|e| e.conn.session == *want && e.in_flight < self.depth)
            .min_by_key(|e| e.in_flight)?;
        e.in_flight += 1;
        Some(e.conn.clone())
    }

    /// Lends `client`, whose session is confirmed to be `session`, to the caller (its first user)
    /// and to later requests of the same session.
    pub fn lend(&self, client: Object, session: Session) -> Arc<Lent> {
        let conn = Arc::new(Lent { client, session });
        self.entries().push(Entry {
            conn: conn.clone(),
            in_flight: 1,
        });
        conn
    }

    /// One user is done with `conn`. True when it was the last: the connection is no longer lent,
    /// and goes back to the pool when the last reference to it is dropped.
    pub fn release(&self, conn: &Arc<Lent>) -> bool {
        let mut entries = self.entries();
        let Some(i) = entries.iter().position(|e| Arc::ptr_eq(&e.conn, conn)) else {
            return false; // already dropped as closed
        };
        entries[i].in_flight -= 1;
        if entries[i].in_flight == 0 {
            entries.swap_remove(i);
            return true;
        }
        false
    }

    /// Whether no connection is lent out now.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }
}
