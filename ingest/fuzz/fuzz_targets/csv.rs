//! Any bytes as a CSV export read with a mapping (German number format, grams, kinds): it
//! must answer with envelopes or a payload error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_ingest::adapters::csv::Mapping;
use pos_ingest::adapters::format::{map, Format, Meta};
use pos_ingest::adapters::Context;
use std::collections::HashMap;

const MAPPING: &str = include_str!("../../tests/data/kasse.toml");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let ctx = Context::for_tenant("fuzz");
        let mappings = HashMap::from([(
            "kasse".to_string(),
            Mapping::from_toml(MAPPING).expect("the mapping is valid"),
        )]);
        let _ = map(
            &ctx,
            &mappings,
            &Format::Csv("kasse".into()),
            text,
            &Meta::default(),
        );
    }
});
