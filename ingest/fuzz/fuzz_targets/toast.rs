//! Any bytes through the toast adapter (see `pos_ingest_fuzz::map_bytes`).
#![no_main]

use pos_ingest::adapters::format::Format;

libfuzzer_sys::fuzz_target!(|data: &[u8]| pos_ingest_fuzz::map_bytes(&Format::Toast, data));
