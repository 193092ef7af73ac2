//! Any bytes through the toast adapter (see `pos_ingest_fuzz::map_bytes`), as a wrapped body
//! or webhook message, and again with a `Toast-Restaurant-External-ID` header (which
//! `Meta::restaurant` carries), so that bare answers are mapped instead of refused.
#![no_main]

use pos_ingest::adapters::format::{map_unguarded, text_of, Format, Meta};
use pos_ingest::adapters::Context;
use std::collections::HashMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pos_ingest_fuzz::map_bytes(&Format::Toast, data);
    let meta = Meta {
        restaurant: Some("8d3f5c21-6b0e-4a7f-9c52-1e4d7a9b3f60".into()),
        ..Meta::default()
    };
    let mappings = HashMap::new();
    if let Ok(text) = text_of(&mappings, &Format::Toast, data) {
        let _ = map_unguarded(
            &Context::for_tenant("fuzz"),
            &mappings,
            &Format::Toast,
            &text,
            &meta,
        );
    }
});
