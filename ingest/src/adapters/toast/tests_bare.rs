//! Toast answers posted bare (the array as Toast sent it), their restaurant named by the
//! request's `Toast-Restaurant-External-ID` header, which `Meta::restaurant` carries.

use super::testkit::{ctx, fixture, RESTAURANT_GUID};
use super::*;
use crate::adapters::format::{map, Format, Meta};
use std::collections::HashMap;

fn wrapped(name: &str) -> (Value, Value) {
    let v = fixture(name);
    let list = v["orders"].clone();
    let list = if list.is_null() {
        v["entries"].clone()
    } else {
        list
    };
    (v, list)
}

#[test]
fn a_bare_page_of_orders_or_entries_maps_as_its_wrapped_form() {
    for name in [
        "orders_bulk_business_day.json",
        "cashmgmt_entries_business_day.json",
    ] {
        let (v, list) = wrapped(name);
        let bare = parse_for(&ctx(), &list.to_string(), Some(RESTAURANT_GUID)).unwrap();
        let whole = parse(&ctx(), &v.to_string()).unwrap();
        assert!(!whole.records.is_empty(), "{name}");
        assert_eq!(bare, whole, "{name}");
    }
    // An empty page maps nothing.
    let empty = parse_for(&ctx(), "[]", Some(RESTAURANT_GUID)).unwrap();
    assert!(empty.records.is_empty());
}

#[test]
fn a_bare_page_without_the_header_is_refused_saying_how_to_name_its_restaurant() {
    let (_, list) = wrapped("orders_bulk_business_day.json");
    for header in [None, Some("")] {
        let e = parse_for(&ctx(), &list.to_string(), header).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Toast-Restaurant-External-ID"));
        assert!(e.message.contains("restaurantGuid"), "{e}");
    }
}

#[test]
fn a_wrapped_page_naming_another_restaurant_than_the_header_is_refused() {
    let (v, _) = wrapped("orders_bulk_business_day.json");
    let e = parse_for(&ctx(), &v.to_string(), Some("another-restaurant")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("restaurantGuid"));
    assert!(e.message.contains("another-restaurant"), "{e}");
    // The same restaurant in both is fine.
    assert!(parse_for(&ctx(), &v.to_string(), Some(RESTAURANT_GUID)).is_ok());
}

#[test]
fn the_header_s_restaurant_is_stored_with_the_payload_so_replay_places_it_alike() {
    let (_, list) = wrapped("orders_bulk_business_day.json");
    let meta = Meta {
        restaurant: Some(RESTAURANT_GUID.into()),
        ..Meta::default()
    };
    let body = list.to_string();
    let m = map(&ctx(), &HashMap::new(), &Format::Toast, &body, &meta).unwrap();
    let crate::envelope::Origin::New(raw) = &m.envelopes[0].origin else {
        panic!("a new payload");
    };
    let back = Meta::from_content_type(&raw.content_type);
    assert_eq!(back.restaurant.as_deref(), Some(RESTAURANT_GUID));
    let again = map(&ctx(), &HashMap::new(), &Format::Toast, &body, &back).unwrap();
    assert_eq!(again.envelopes[0].records, m.envelopes[0].records);
}
