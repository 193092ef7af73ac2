//! The statements of one batch transaction, sent with as few round trips as the protocol allows.
//!
//! A batch is mostly binary COPYs (inbox, headers, lines, tenders). Done one by one, each COPY
//! costs three round trips: Parse of the COPY statement, Bind/Execute up to `CopyInResponse`,
//! and CopyDone up to `CommandComplete`. On two cores shared with the HTTP side and PostgreSQL
//! each round trip is a wake-up of both processes, worth milliseconds of queueing when the
//! machine is busy, and a request waits for all of them. So:
//!
//! * COPY statements are prepared once per connection (no Parse per batch);
//! * the batch's last COPY is left open when its rows are written and ends in the same round
//!   trip as the audit row and COMMIT (see `Writer::write_once`): tokio-postgres keeps requests
//!   in order on the connection and sends a later one right behind a finished COPY stream.
//!
//! A COPY does *not* start in the round trip of the previous one's end: should the previous one
//! fail (a unique violation, the signal to write the batch again through the upserts), the next
//! one's start is refused in the aborted transaction, and tokio-postgres then still sends the
//! CopyFail and Sync of the refused COPY, whose extra ReadyForQuery no request is waiting for:
//! the connection is dropped as out of step. Plain statements behind a failed COPY are safe
//! (each gets its error and its ReadyForQuery).
//!
//! Every statement of a batch goes through [`Copier::sql`], which ends an open COPY first: a
//! statement queued behind a COPY nobody finishes would wait forever.

use std::collections::HashMap;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Statement};

pub type Sink = std::pin::Pin<Box<BinaryCopyInWriter>>;

/// COPY statements prepared on a connection, by their text.
#[derive(Default)]
pub struct CopyStatements(HashMap<String, Statement>);

pub struct Copier<'a> {
    client: &'a Client,
    prepared: &'a mut CopyStatements,
    open: Option<Sink>,
}

impl<'a> Copier<'a> {
    pub fn new(client: &'a Client, prepared: &'a mut CopyStatements) -> Copier<'a> {
        Copier {
            client,
            prepared,
            open: None,
        }
    }

    /// Starts a binary COPY into `table`'s `cols`, once an open one has ended.
    pub async fn copy(
        &mut self,
        table: &str,
        cols: &str,
        types: &[Type],
    ) -> Result<Sink, tokio_postgres::Error> {
        let text = format!("COPY {table} ({cols}) FROM STDIN BINARY");
        self.end().await?;
        let stmt = match self.prepared.0.get(&text) {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(&text).await?;
                self.prepared.0.insert(text, s.clone());
                s
            }
        };
        let sink = self.client.copy_in(&stmt).await?;
        Ok(Box::pin(BinaryCopyInWriter::new(sink, types)))
    }

    /// Leaves a COPY whose rows are all written to end with the next request.
    pub fn park(&mut self, sink: Sink) {
        debug_assert!(self.open.is_none(), "a COPY was left open twice");
        self.open = Some(sink);
    }

    /// The client for a statement, once an open COPY has ended.
    pub async fn sql(&mut self) -> Result<&'a Client, tokio_postgres::Error> {
        self.end().await?;
        Ok(self.client)
    }

    /// Hands over the open COPY, if any, for the caller to end together with later statements.
    pub fn take_open(&mut self) -> Option<Sink> {
        self.open.take()
    }

    async fn end(&mut self) -> Result<(), tokio_postgres::Error> {
        if let Some(mut s) = self.open.take() {
            s.as_mut().finish().await?;
        }
        Ok(())
    }
}

/// Ends `open` (if any) and returns the result of `then`, whose requests (plain statements, no
/// COPY) are sent right behind it. The COPY's error comes first: a unique violation there is
/// what the caller acts on, the statements behind it then only report the aborted transaction.
pub async fn end_with<T>(
    open: Option<Sink>,
    then: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, tokio_postgres::Error> {
    let mut open = open;
    let end = async {
        match open.as_mut() {
            Some(s) => s.as_mut().finish().await.map(|_| ()),
            None => Ok(()),
        }
    };
    let (ended, r) = tokio::join!(end, then);
    ended?;
    r
}
