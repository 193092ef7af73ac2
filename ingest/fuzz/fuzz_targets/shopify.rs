//! Any bytes through the shopify adapter (see `pos_ingest_fuzz::map_bytes`), with the
//! order's own tender and again with payment transactions as tenders
//! (`[shopify] tenders = "transactions"`), which maps transaction payloads instead of only
//! keeping them.
#![no_main]

use pos_ingest::adapters::format::Format;
use pos_ingest::adapters::Context;
use pos_ingest::config::ShopifyTenders;
use std::collections::HashMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pos_ingest_fuzz::map_bytes(&Format::Shopify, data);
    let mut ctx = Context::for_tenant("fuzz");
    ctx.shopify_tenders = ShopifyTenders::Transactions;
    pos_ingest_fuzz::map_in(&ctx, &HashMap::new(), &Format::Shopify, data);
});
