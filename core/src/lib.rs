//! pos_analytics algorithms, written once and called from the PostgreSQL extension, the ingest
//! service and the query API. Nothing here knows about pgrx or tokio, so every algorithm is unit
//! tested and benchmarked without a database.
//!
//! One folder per capability: [`model`] (the canonical POS model every adapter maps to),
//! [`sku`], [`identity`], [`forecast`], [`fraud`], [`caggs`] (continuous aggregates' write-path
//! bookkeeping), [`synth`] (a labelled synthetic chain) and [`raw_payload`] (how the raw inbox
//! stores payloads: zstd frames, unpacked by the ingest service and by SQL).

pub mod caggs;
pub mod forecast;
pub mod fraud;
pub mod identity;
pub mod model;
pub mod raw_payload;
pub mod sku;
pub mod synth;
pub mod worker_threads;
