//! What the Toast unit tests share: the fixtures (tests/data/real/toast, PROVENANCE.md there)
//! and a context that places their restaurant.

use super::Parsed;
use crate::adapters::Context;
use crate::envelope::Reject;
use pos_core::model::Transaction;
use serde_json::Value;

/// The restaurant of every fixture.
pub(super) const RESTAURANT_GUID: &str = "8d3f5c21-6b0e-4a7f-9c52-1e4d7a9b3f60";

/// The fixture `name` of tests/data/real/toast, parsed.
pub(super) fn fixture(name: &str) -> Value {
    // The checkout running the tests, not the one that built them (see `testkit::sample`).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/toast/{name}");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A context whose restaurant is store "bistro", in New York's zone.
pub(super) fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.toast_restaurants
        .insert(RESTAURANT_GUID.into(), "bistro".into());
    c.store_tz
        .insert("bistro".into(), chrono_tz::America::New_York);
    c
}

/// The transactions a page mapped to.
pub(super) fn txns(p: &Parsed) -> Vec<&Transaction> {
    crate::adapters::testkit::txns_of(&p.records)
}

/// What a page rejected.
pub(super) fn rejects(p: &Parsed) -> Vec<&Reject> {
    crate::adapters::testkit::rejects_of(&p.records)
}
