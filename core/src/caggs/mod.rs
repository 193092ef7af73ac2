//! Continuous aggregates: the parts of the engine that are plain algorithms. The engine itself is
//! SQL (`sql/90_caggs.sql`); its write-path bookkeeping is here so that it is unit tested without
//! a database.
//!
//! * [`invalidation`]: what one transaction wrote below a source's invalidation threshold, kept
//!   as one `[min, max]` time span per chunk-sized slot, flushed once at commit.

pub mod invalidation;

pub use invalidation::TouchedSpans;
