//! Any bytes through the shopify adapter, the way `serve` and `import` call it: it must answer
//! with envelopes or a payload error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_ingest::adapters::format::{map, Format, Meta};
use pos_ingest::adapters::Context;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let ctx = Context::for_tenant("fuzz");
        let _ = map(
            &ctx,
            &HashMap::new(),
            &Format::Shopify,
            text,
            &Meta::default(),
        );
    }
});
