//! Toast: cash management entries (`GET /cashmgmt/v1/entries?businessDate=yyyyMMdd`), what
//! moved through a restaurant's cash drawers outside of guests' payments: no-sales, pay-outs,
//! tip-outs, cash in and out, and the close-out of a drawer (exact, over or short). They become
//! drawer events (`entry`); guests' cash payments are not among them: Toast's orders
//! (`GET /orders/v2/ordersBulk`) carry those, and become one transaction per check (`orders`).
//!
//! Toast answers a bare array and names the restaurant only in the request's
//! `Toast-Restaurant-External-ID` header, so the caller wraps the array with the restaurant it
//! asked for: `{"restaurantGuid": "<guid>", "entries": [CashEntry…]}` or
//! `{"restaurantGuid": "<guid>", "orders": [Order…]}`, one of the two per body. The store is
//! that restaurant's, via `[toast] restaurants` (an unlisted restaurant keeps its GUID). A body
//! without the restaurant is refused rather than put in a default store: one tenant's
//! restaurants would all land in one store, and their no-sales on the wrong cashiers' days.

mod check;
mod days;
mod entry;
mod lines;
mod orders;
mod paid;
mod payments;
mod read;
mod refunds;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bare;
#[cfg(test)]
mod tests_orders;
#[cfg(test)]
mod tests_paid;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_refunds;
#[cfg(test)]
mod tests_review;
#[cfg(test)]
mod tests_tips;
#[cfg(test)]
mod tests_webhook;
mod webhook;

use super::json::{err, get, opt_text};
use super::{drawer_page, Context, PayloadError};
use crate::envelope::{Record, Reject};
use serde_json::Value;

pub const SOURCE: &str = "toast";
pub const CONTENT_TYPE: &str = "application/json; format=toast";

const ENTRIES: &str = "entries";
const ORDERS: &str = "orders";
const RESTAURANT: &str = "restaurantGuid";
/// The request header naming the restaurant an answer was asked for.
const RESTAURANT_HEADER: &str = "Toast-Restaurant-External-ID";

/// What a page of Toast cash entries or orders holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// Dedup key: a hash of the restaurant and the entries' GUIDs, or of the orders' GUIDs and
    /// versions.
    pub event_id: String,
    pub records: Vec<Result<Record, Reject>>,
}

/// Maps a page of cash entries or of orders; a bad entry, order or check rejects itself
/// alone. The page's event id hashes the restaurant and what identifies its elements (a bad one
/// counts by its hashed text), so the same page fetched twice is one inbox row, and one with
/// more entries, or a newer version of an order, is another.
pub fn parse(ctx: &Context, body: &str) -> Result<Parsed, PayloadError> {
    parse_for(ctx, body, None)
}

/// [`parse`], also taking Toast's answer bare (the array as Toast sent it) when `restaurant`
/// says which restaurant it was asked for: the request's `Toast-Restaurant-External-ID`
/// header, which a relay passes on (`POST /v1/ingest/toast`). A wrapped body naming another
/// restaurant than the header is refused: one of the two is wrong, and a guess would put a
/// restaurant's day in another's store.
pub fn parse_for(
    ctx: &Context,
    body: &str,
    restaurant: Option<&str>,
) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
    if webhook::is_message(&v) {
        return webhook::message(ctx, &v);
    }
    let (restaurant, page) = match &v {
        Value::Array(list) => (bare_restaurant(restaurant)?, bare_page(list)),
        _ => (wrapped_restaurant(&v, restaurant)?, page(&v)?),
    };
    let store = store_of(ctx, &restaurant);
    match page {
        Page::Orders(list) => Ok(orders::page(ctx, &store, restaurant, list)),
        Page::Entries(list) => {
            let (records, hash) = drawer_page(
                ctx,
                SOURCE,
                list,
                (ENTRIES, "guid"),
                vec![restaurant],
                |e, path| entry::drawer_event(ctx, &store, e, path),
            );
            Ok(Parsed {
                event_id: format!("toast_cash_entries/{hash}"),
                records,
            })
        }
    }
}

/// The store of a restaurant, via `[toast] restaurants` (an unlisted one keeps its GUID).
fn store_of(ctx: &Context, restaurant: &str) -> String {
    ctx.toast_restaurants
        .get(restaurant)
        .cloned()
        .unwrap_or_else(|| restaurant.to_string())
}

/// Which of Toast's answers a body wraps.
enum Page<'a> {
    Entries(&'a [Value]),
    Orders(&'a [Value]),
}

/// The `entries` or the `orders` array: exactly one of them. Both would make one inbox row
/// of two pages that are fetched, and replayed, apart; neither is a body of nothing.
fn page(v: &Value) -> Result<Page<'_>, PayloadError> {
    const BOTH: &str = "entries|orders";
    match (get(v, ENTRIES), get(v, ORDERS)) {
        (Some(_), Some(_)) => Err(PayloadError::new(
            Some(BOTH),
            "fields `entries` and `orders` are both present: send each answer in a body of its \
             own, the cash entries endpoint's under `entries`, the ordersBulk endpoint's under \
             `orders`",
        )),
        (None, None) => Err(PayloadError::new(
            Some(BOTH),
            "fields `entries` and `orders` are both missing: put the cash entries endpoint's \
             answer (an array) under `entries`, or the ordersBulk endpoint's under `orders` \
             (an empty page is `[]`)",
        )),
        (Some(_), None) => array_of(v, ENTRIES, "cash entries").map(Page::Entries),
        (None, Some(_)) => array_of(v, ORDERS, "orders").map(Page::Orders),
    }
}

/// The restaurant of a bare answer: the header's, which it cannot do without.
fn bare_restaurant(header: Option<&str>) -> Result<String, PayloadError> {
    header
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            PayloadError::new(
                Some(RESTAURANT_HEADER),
                "is missing: a bare Toast answer names no restaurant; send the request's \
                 Toast-Restaurant-External-ID header along, or wrap the answer as \
                 {\"restaurantGuid\": \"<GUID>\", \"orders\": [...]} (or \"entries\")",
            )
        })
}

/// Which answer a bare array is: orders when an element is one (it has `checks`, or Toast's
/// `entityType` says so), else cash entries (an empty page maps nothing either way).
fn bare_page(list: &[Value]) -> Page<'_> {
    let is_order = |o: &Value| {
        o.get("checks").is_some() || o.get("entityType").and_then(Value::as_str) == Some("Order")
    };
    if list.iter().any(is_order) {
        Page::Orders(list)
    } else {
        Page::Entries(list)
    }
}

/// The restaurant a wrapped body names, checked against the header's when there is one.
fn wrapped_restaurant(v: &Value, header: Option<&str>) -> Result<String, PayloadError> {
    let named = restaurant(v)?;
    match header.filter(|h| !h.is_empty()) {
        Some(h) if h != named => Err(err(
            RESTAURANT,
            format!(
                "is `{named}` but the Toast-Restaurant-External-ID header says `{h}`: \
                 send each restaurant's answer with its own GUID"
            ),
        )),
        _ => Ok(named),
    }
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
            "is missing: Toast's cash entries and orders do not name their restaurant; send \
             {\"restaurantGuid\": \"<the Toast-Restaurant-External-ID of the request>\", \
             \"entries\": [<the entries endpoint's answer>]} (or \"orders\": [<the \
             ordersBulk endpoint's answer>])",
        )
    })
}

/// The array under `key` (present: `page` looked), naming what it should hold otherwise.
fn array_of<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a [Value], PayloadError> {
    match get(v, key) {
        Some(Value::Array(a)) => Ok(a),
        other => Err(err(
            key,
            format!(
                "expected the array of {what}, got {}",
                other.unwrap_or(&Value::Null)
            ),
        )),
    }
}
