//! The webhook signature checks with arbitrary keys, URLs, bodies and headers (base64 or not,
//! any length): they answer true or false, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_ingest::serve::signature::{shopify_valid, square_valid};

fuzz_target!(|data: &[u8]| {
    // key \n url \n header \n body (missing parts are empty)
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let key = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let header = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let _ = square_valid(&key, &url, body, &header);
    let _ = shopify_valid(&key, body, &header);
});
