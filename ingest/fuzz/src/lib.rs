//! What every parser target does with libFuzzer's bytes: the way `serve` and `import` call an
//! adapter (decode the body, then map it), which must answer with envelopes or a payload error,
//! never panic.
use pos_ingest::adapters::csv::Mapping;
use pos_ingest::adapters::format::{map_unguarded, text_of, Format, Meta};
use pos_ingest::adapters::Context;
use std::collections::HashMap;

/// Maps `data` with the adapter of `format`, for a fixed tenant and no mappings.
pub fn map_bytes(format: &Format, data: &[u8]) {
    map_with(&HashMap::new(), format, data)
}

/// Decodes `data` as `serve` and `import` do (POSLog by its declaration, CSV by its mapping,
/// the rest as UTF-8) and maps the text; the result is dropped.
pub fn map_with(mappings: &HashMap<String, Mapping>, format: &Format, data: &[u8]) {
    map_in(&Context::for_tenant("fuzz"), mappings, format, data)
}

/// [`map_with`] under a given context (e.g. Shopify with `tenders = "transactions"`).
pub fn map_in(ctx: &Context, mappings: &HashMap<String, Mapping>, format: &Format, data: &[u8]) {
    if let Ok(text) = text_of(mappings, format, data) {
        let _ = map_unguarded(ctx, mappings, format, &text, &Meta::default());
    }
}

/// A CSV cut into chunks as `import` cuts it (`csv::Plan`, here after every transaction it
/// can) maps to the same records as the whole text, rejects naming the same rows: panics if not.
pub fn chunks_agree(mappings: &HashMap<String, Mapping>, name: &str, data: &[u8]) {
    use pos_ingest::adapters::csv::{parse, parse_at, Plan};
    let format = Format::Csv(name.into());
    let (Ok(text), Some(m)) = (text_of(mappings, &format, data), mappings.get(name)) else {
        return;
    };
    let ctx = Context::for_tenant("fuzz");
    let Ok(plan) = Plan::new(m, &text, 1) else {
        return;
    };
    let whole = parse(&ctx, m, &text).expect("a text the plan read is read whole too");
    let mut chunked = Vec::new();
    for c in plan.chunks(&text, 0) {
        let p = parse_at(&ctx, m, &c.body, c.line_offset).expect("a chunk is read as the whole");
        chunked.extend(p.records);
    }
    assert_eq!(chunked, whole.records, "chunks map as the whole text");
}
