//! Makes sure the chunks (partitions) a batch needs exist before the batch is written, so rows
//! land in their chunk and not in the default partition. Known chunks are remembered per
//! connection; a chunk dropped later by retention only means a straggler in the default
//! partition, which maintenance moves, never a lost row.

use crate::envelope::Record;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use tokio_postgres::{Client, Statement};

const DAY_SECS: i64 = 86_400;

#[derive(Default)]
pub struct ChunkCache {
    known: HashSet<(&'static str, i64)>,
    pending: Vec<(&'static str, i64)>,
}

fn day(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(DAY_SECS)
}

/// The distinct UTC days each hypertable needs for these records.
pub fn days_needed<'a>(
    records: impl IntoIterator<Item = &'a Record>,
) -> BTreeMap<&'static str, BTreeSet<i64>> {
    let mut need: BTreeMap<&'static str, BTreeSet<i64>> = BTreeMap::new();
    for r in records {
        match r {
            Record::Tender(x) => {
                need.entry("pos.tender")
                    .or_default()
                    .insert(day(x.tender.occurred_at));
            }
            Record::Txn(t) => {
                need.entry("pos.txn")
                    .or_default()
                    .insert(day(t.occurred_at));
                if !t.lines.is_empty() {
                    need.entry("pos.sale_line")
                        .or_default()
                        .insert(day(t.occurred_at));
                }
                for x in &t.tenders {
                    need.entry("pos.tender")
                        .or_default()
                        .insert(day(x.occurred_at));
                }
            }
            // Deletes only: nothing to make room for.
            Record::Retract(_) => {}
            Record::Drawer(d) => {
                need.entry("pos.drawer_event")
                    .or_default()
                    .insert(day(d.occurred_at));
            }
            Record::Inventory(i) => {
                need.entry("pos.inventory_level")
                    .or_default()
                    .insert(day(i.level.as_of));
            }
        }
    }
    need
}

impl ChunkCache {
    /// Calls `pos.ensure_chunks` for the days not known yet, one short statement per table
    /// outside the batch transaction, all sent at once (one round trip: a backfill needs new
    /// days in every table for most batches). Each statement is its own transaction, so a
    /// table's creation lock is never held while another table's is awaited. The days count
    /// as known once the batch commits.
    pub async fn ensure<'a>(
        &mut self,
        client: &Client,
        statement: &Statement,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Result<(), tokio_postgres::Error> {
        self.pending.clear();
        let mut calls = Vec::new();
        for (table, days) in days_needed(records) {
            let missing: Vec<DateTime<Utc>> = days
                .into_iter()
                .filter(|d| !self.known.contains(&(table, *d)))
                .map(|d| {
                    self.pending.push((table, d));
                    DateTime::from_timestamp(d * DAY_SECS, 0).expect("day within range")
                })
                .collect();
            if !missing.is_empty() {
                calls.push((table, missing));
            }
        }
        // tokio-postgres pipelines the queries of futures polled together on one connection.
        try_join_all(calls.iter().map(|(table, missing)| async move {
            client.query_one(statement, &[table, missing]).await
        }))
        .await?;
        Ok(())
    }

    pub fn commit(&mut self) {
        self.known.extend(self.pending.drain(..));
    }
}
