//! What the Toast unit tests share: the fixtures (tests/data/real/toast, PROVENANCE.md there)
//! and a context that places their restaurant.

use super::{parse, Parsed};
use crate::adapters::Context;
use crate::envelope::Reject;
use chrono::NaiveDate;
use pos_core::model::Transaction;
use rust_decimal::Decimal;
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

/// A page as `ctx` maps it; any reject fails the test.
pub(super) fn parsed_clean(v: &Value) -> Parsed {
    let p = parse(&ctx(), &v.to_string()).unwrap();
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    p
}

/// The transaction `id` of a page, if it mapped to one.
pub(super) fn txn_by_id<'a>(p: &'a Parsed, id: &str) -> Option<&'a Transaction> {
    txns(p).into_iter().find(|t| t.key.source_txn_id == id)
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}
