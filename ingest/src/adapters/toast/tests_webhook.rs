//! Toast webhook messages (`toast/webhook.rs`): an `order_updated` message maps as a page of
//! its one order; built from the ordersBulk fixture's orders in the shape of Toast's "Orders
//! webhook sample message".

use super::testkit::{ctx, fixture, RESTAURANT_GUID};
use super::*;
use serde_json::json;

fn bulk() -> Value {
    fixture("orders_bulk_business_day.json")
}

/// An `order_updated` message delivering the fixture's order `i`.
fn message(guid: &str, i: usize) -> Value {
    json!({
        "timestamp": "2026-10-10T01:15:23.050Z",
        "eventCategory": "order_updated",
        "eventType": "order_updated",
        "guid": guid,
        "details": {"restaurantGuid": RESTAURANT_GUID, "order": bulk()["orders"][i].clone()}
    })
}

fn parsed(v: &Value) -> Parsed {
    parse(&ctx(), &v.to_string()).unwrap()
}

#[test]
fn an_order_updated_message_maps_as_a_page_of_its_order() {
    let mut page = bulk();
    let first = page["orders"][0].clone();
    page["orders"] = json!([first]);
    let from_page = parsed(&page);
    let from_hook = parsed(&message("534bf25a-b657-45aa-9a63-47f8f35400d6", 0));
    let txns = |p: &Parsed| {
        p.records
            .iter()
            .filter(|r| matches!(r, Ok(Record::Txn(_))))
            .count()
    };
    assert_eq!(txns(&from_hook), 2, "the order's two checks");
    assert_eq!(from_hook.records, from_page.records);
    match &from_hook.records[0] {
        Ok(Record::Txn(t)) => assert_eq!(t.key.store_id, "bistro"),
        other => panic!("{other:?}"),
    }
    // channel_order_updated (orders of online-ordering channels) alike.
    let mut channel = message("e-2", 0);
    channel["eventType"] = "channel_order_updated".into();
    assert_eq!(parsed(&channel).records, from_page.records);
}

#[test]
fn a_message_is_identified_by_its_guid_so_a_retry_is_a_duplicate() {
    let id = |v: &Value| parsed(v).event_id;
    assert_eq!(id(&message("e-1", 0)), "toast_event/e-1");
    assert_eq!(id(&message("e-1", 0)), id(&message("e-1", 0)));
    assert_ne!(id(&message("e-1", 0)), id(&message("e-2", 0)));
}

#[test]
fn messages_of_other_event_types_are_kept_and_map_nothing() {
    let stock = json!({"timestamp": "2026-10-10T01:00:00.000Z", "eventCategory": "stock",
        "eventType": "low_quantity", "guid": "s-1", "details": {"restaurantGuid": RESTAURANT_GUID}});
    let p = parsed(&stock);
    assert_eq!(
        (p.event_id.as_str(), p.records.len()),
        ("toast_event/s-1", 0)
    );
}

#[test]
fn a_message_without_its_restaurant_order_or_guid_is_refused_naming_the_field() {
    let field = |v: &Value| parse(&ctx(), &v.to_string()).unwrap_err().field;
    let mut v = message("e-1", 0);
    v["details"]
        .as_object_mut()
        .unwrap()
        .remove("restaurantGuid");
    assert_eq!(field(&v).as_deref(), Some("details.restaurantGuid"));
    let mut v = message("e-1", 0);
    v["details"].as_object_mut().unwrap().remove("order");
    assert_eq!(field(&v).as_deref(), Some("details.order"));
    let mut v = message("e-1", 0);
    v["details"] = json!("order");
    assert_eq!(field(&v).as_deref(), Some("details"));
    let mut v = message("e-1", 0);
    v.as_object_mut().unwrap().remove("guid");
    assert_eq!(field(&v).as_deref(), Some("guid"));
}

#[test]
fn a_bad_check_in_a_message_is_rejected_alone_naming_its_path() {
    let mut v = message("e-1", 0);
    v["details"]["order"]["checks"][1]["openedDate"] = "2026-10-09 23:40".into();
    let p = parsed(&v);
    let rejects: Vec<_> = p.records.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        rejects[0].detail["field"],
        "details.order.checks[1].openedDate"
    );
    // The other check, and the retraction of its `/refunds` (a refund on its own day).
    assert_eq!(p.records.len(), 3);
}
