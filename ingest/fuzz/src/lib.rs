//! What every parser target does with libFuzzer's bytes: the way `serve` and `import` call an
//! adapter, which must answer with envelopes or a payload error, never panic.
use pos_ingest::adapters::format::{map, Format, Meta};
use pos_ingest::adapters::Context;
use std::collections::HashMap;

/// Maps `data` (when it is UTF-8, as every HTTP body and file the service accepts must be) with
/// the adapter of `format`, for a fixed tenant and no mappings; the result is dropped.
pub fn map_bytes(format: &Format, data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let ctx = Context::for_tenant("fuzz");
        let _ = map(&ctx, &HashMap::new(), format, text, &Meta::default());
    }
}
