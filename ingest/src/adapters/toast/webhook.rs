//! Toast's webhook messages (Toast's "Message data schema"): `{"timestamp", "eventCategory",
//! "eventType", "guid", "details": {…}}`. The orders webhook (`order_updated`, and
//! `channel_order_updated` for orders of online-ordering channels) carries the whole order,
//! as `GET /orders/v2/orders/{guid}` answers it, with its restaurant:
//! `"details": {"restaurantGuid": …, "order": {Order}}`. It maps as an ordersBulk page of that
//! one order, so a webhook and a later bulk fetch of the same version land on the same rows.
//!
//! The message's `guid` is the delivery's identity: Toast retries a message it thinks was not
//! delivered, and the retry is a duplicate in the inbox. Messages of other event types (stock,
//! partners, …) are kept in the inbox and map nothing.

use super::orders::map_orders;
use super::Parsed;
use crate::adapters::json::{err, get, join, opt_text, text};
use crate::adapters::{Context, PayloadError};
use serde_json::Value;

const DETAILS: &str = "details";

/// Whether `v` is a webhook message rather than a wrapped API answer.
pub(super) fn is_message(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.contains_key("eventType") && o.contains_key(DETAILS))
}

/// Maps a webhook message; see the module docs.
pub(super) fn message(ctx: &Context, v: &Value) -> Result<Parsed, PayloadError> {
    let guid = text(v, "", "guid")?;
    let event_id = format!("toast_event/{guid}");
    let event_type = text(v, "", "eventType")?;
    if !matches!(
        event_type.as_str(),
        "order_updated" | "channel_order_updated"
    ) {
        return Ok(Parsed {
            event_id,
            records: Vec::new(),
        });
    }
    let details = match get(v, DETAILS) {
        Some(d) if d.is_object() => d,
        other => {
            return Err(err(
                DETAILS,
                format!(
                    "expected an object with `restaurantGuid` and `order`, got {}",
                    other.unwrap_or(&Value::Null)
                ),
            ))
        }
    };
    let restaurant = opt_text(details, DETAILS, "restaurantGuid")?
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            err(
                &join(DETAILS, "restaurantGuid"),
                "is missing: an order_updated message names the restaurant of its order there",
            )
        })?;
    let order = get(details, "order").ok_or_else(|| {
        err(
            &join(DETAILS, "order"),
            "is missing: the updated order goes here",
        )
    })?;
    let store = super::store_of(ctx, &restaurant);
    let path = join(DETAILS, "order");
    let (records, _) = map_orders(ctx, &store, restaurant, std::iter::once((path, order)));
    Ok(Parsed { event_id, records })
}
