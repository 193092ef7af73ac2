//! Toast: cash management entries (`GET /cashmgmt/v1/entries?businessDate=yyyyMMdd`), what
//! moved through a restaurant's cash drawers outside of guests' payments: no-sales, pay-outs,
//! tip-outs, cash in and out, and the close-out of a drawer (exact, over or short). They become
//! drawer events (`entry`); guests' cash payments are not among them (Toast's orders carry
//! those).
//!
//! Toast answers a bare array and names the restaurant only in the request's
//! `Toast-Restaurant-External-ID` header, so the caller wraps the array with the restaurant it
//! asked for: `{"restaurantGuid": "<guid>", "entries": [CashEntry…]}`. The store is that
//! restaurant's, via `[toast] restaurants` (an unlisted restaurant keeps its GUID). A body
//! without the restaurant is refused rather than put in a default store: one tenant's
//! restaurants would all land in one store, and their no-sales on the wrong cashiers' days.

mod entry;
mod read;
#[cfg(test)]
mod tests;

use super::json::{err, get, opt_text};
use super::{drawer_page, Context, PayloadError};
use crate::envelope::{Record, Reject};
use serde_json::Value;

pub const SOURCE: &str = "toast";
pub const CONTENT_TYPE: &str = "application/json; format=toast";

const ENTRIES: &str = "entries";
const RESTAURANT: &str = "restaurantGuid";

/// What a page of Toast cash entries holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// Dedup key: a hash of the restaurant and the entries' GUIDs.
    pub event_id: String,
    pub records: Vec<Result<Record, Reject>>,
}

/// Maps a page of cash entries; a bad entry rejects itself alone. The page's event id hashes
/// the restaurant and its entries' GUIDs (a bad entry counts by its hashed text), so the same
/// page fetched twice is one inbox row, and one with more entries since is another.
pub fn parse(ctx: &Context, body: &str) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
    let restaurant = restaurant(&v)?;
    let store = ctx
        .toast_restaurants
        .get(&restaurant)
        .cloned()
        .unwrap_or_else(|| restaurant.clone());
    let (records, hash) = drawer_page(
        ctx,
        SOURCE,
        entries(&v)?,
        (ENTRIES, "guid"),
        vec![restaurant],
        |e, path| entry::drawer_event(ctx, &store, e, path),
    );
    Ok(Parsed {
        event_id: format!("toast_cash_entries/{hash}"),
        records,
    })
}

/// The restaurant the caller put beside the entries; without it (or `""`) the whole body is
/// refused, saying how to add it.
fn restaurant(v: &Value) -> Result<String, PayloadError> {
    let given = match v {
        Value::Object(_) => opt_text(v, "", RESTAURANT)?.filter(|r| !r.is_empty()),
        _ => None,
    };
    given.ok_or_else(|| {
        err(
            RESTAURANT,
            "is missing: Toast's cash entries do not name their restaurant; send \
             {\"restaurantGuid\": \"<the Toast-Restaurant-External-ID of the request>\", \
             \"entries\": [<the entries endpoint's answer>]}",
        )
    })
}

/// The `entries` array; its absence is an error (an empty page is `"entries": []`).
fn entries(v: &Value) -> Result<&[Value], PayloadError> {
    match get(v, ENTRIES) {
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(err(
            ENTRIES,
            format!("expected the array of cash entries, got {other}"),
        )),
        None => Err(err(
            ENTRIES,
            "is missing: put the entries endpoint's answer (an array) under `entries`",
        )),
    }
}
