//! `pos-ingest`: POS payloads in, idempotent upserts into the `pos` hypertables out.
//!
//! The flow is one-way: a source payload is kept verbatim ([`envelope::RawPayload`]), an adapter
//! maps it to the canonical model of `pos_core::model` ([`adapters`]), and the [`writer`] stores
//! the payload, the facts, the rejects and an audit row in one PostgreSQL transaction. The CLI
//! (`generate`, `import`, `replay`) and the HTTP service (`serve`) all go through that one writer;
//! `check` maps files as `import` does and writes nothing.

// A `Reject` (reason, payload, JSON detail) travels in `Err` on the cold path only; boxing it
// everywhere would cost more clarity than the bytes it saves.
#![allow(clippy::result_large_err)]

pub mod adapters;
pub mod check;
pub mod config;
pub mod envelope;
pub mod generate;
pub mod import;
pub mod memory;
pub mod replay;
pub mod serve;
pub mod sku;
pub mod writer;
