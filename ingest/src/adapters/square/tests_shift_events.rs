//! ListCashDrawerShiftEvents pages (`square/shift_events.rs`): their NO_SALE events as
//! `no_sale` drawer events, from a fixture in the API reference's shape
//! (tests/data/real/square/PROVENANCE.md).

use super::*;
use chrono::NaiveDate;
use pos_core::model::*;

const PAGE: &str = "list_cash_drawer_shift_events_page.json";

fn page() -> Value {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/square/{PAGE}");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A context whose location L8Q2Y5Z6ABCDE is store "austin", in Chicago's zone.
fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.square_locations
        .insert("L8Q2Y5Z6ABCDE".into(), "austin".into());
    c.store_tz
        .insert("austin".into(), chrono_tz::America::Chicago);
    c
}

fn drawers(p: &Parsed) -> Vec<&DrawerEvent> {
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Drawer(d)) => Some(d),
            _ => None,
        })
        .collect()
}

fn rejects(p: &Parsed) -> Vec<&Reject> {
    p.records.iter().filter_map(|r| r.as_ref().err()).collect()
}

fn no_sale_ids(p: &Parsed) -> Vec<&str> {
    drawers(p)
        .iter()
        .map(|d| d.source_event_id.as_str())
        .collect()
}

#[test]
fn a_page_gives_only_its_no_sales_with_cashier_and_the_store_s_day() {
    let p = parse(&ctx(), &page().to_string()).unwrap();
    assert_eq!(p.kind, "cash_drawer_shift_events");
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    // Eight events; the payments, refund, cancelled payment, paid-in and paid-out are not mapped.
    let events = drawers(&p);
    assert_eq!(
        no_sale_ids(&p),
        [
            "4B8D2E17-90AF-4C63-A1D5-6E7F8091A2B3",
            "D6A8C0E2-4B6D-4F8A-8C0E-3A5C7E9B1D24"
        ]
    );
    let day = NaiveDate::from_ymd_opt(2026, 7, 18).unwrap();
    for e in &events {
        assert_eq!(e.kind, DrawerEventKind::NoSale);
        assert_eq!((e.amount, e.currency.as_str()), (Decimal::ZERO, "USD"));
        assert_eq!(
            (e.store_id.as_str(), e.source.as_str()),
            ("austin", "square")
        );
        assert_eq!((e.register_id.as_deref(), e.source_version), (None, 0));
        assert_eq!(e.business_date, day, "{e:?}");
    }
    assert_eq!(events[0].cashier_id.as_deref(), Some("TMa1B2c3D4e5F6"));
    assert_eq!(events[1].cashier_id.as_deref(), Some("TMz9Y8x7W6v5U4"));
    // 02:58 UTC on the 19th is 21:58 on the 18th in Chicago: the store's day, not UTC's.
    assert_eq!(
        events[1].occurred_at.to_rfc3339(),
        "2026-07-19T02:58:40+00:00"
    );
}

#[test]
fn a_page_without_location_id_is_refused_saying_what_to_add() {
    let mut v = page();
    v.as_object_mut().unwrap().remove("location_id");
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("location_id"));
    assert!(
        e.message.contains("beside `cash_drawer_shift_events`"),
        "{e}"
    );
    let mut v = page();
    v["location_id"] = Value::from("");
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("location_id"));
    // Without the optional shift id the page still maps.
    let mut v = page();
    v.as_object_mut().unwrap().remove("cash_drawer_shift_id");
    assert_eq!(drawers(&parse(&ctx(), &v.to_string()).unwrap()).len(), 2);
}

#[test]
fn a_bad_event_rejects_itself_alone() {
    let mut v = page();
    v["cash_drawer_shift_events"][1]["created_at"] = Value::from("yesterday");
    v["cash_drawer_shift_events"][2]
        .as_object_mut()
        .unwrap()
        .remove("event_type");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let fields: Vec<_> = rejects(&p)
        .iter()
        .map(|r| r.detail["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            "cash_drawer_shift_events[1].created_at",
            "cash_drawer_shift_events[2].event_type"
        ]
    );
    assert_eq!(no_sale_ids(&p), ["D6A8C0E2-4B6D-4F8A-8C0E-3A5C7E9B1D24"]);
}

#[test]
fn a_no_sale_in_the_future_is_rejected_naming_its_time() {
    let mut v = page();
    v["cash_drawer_shift_events"][7]["created_at"] = Value::from("2099-01-01T00:00:00Z");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let r = rejects(&p);
    assert_eq!(r.len(), 1);
    assert!(r[0].reason.contains("in the future"), "{}", r[0].reason);
    assert_eq!(
        r[0].detail["field"],
        "cash_drawer_shift_events[7].created_at"
    );
    assert_eq!(drawers(&p).len(), 1);
}

#[test]
fn the_same_page_twice_is_one_inbox_event_and_other_content_another() {
    let id = |v: &Value| parse(&ctx(), &v.to_string()).unwrap().event_id;
    let first = id(&page());
    assert!(first.starts_with("cash_drawer_shift_events/"), "{first}");
    assert_eq!(id(&page()), first);
    // The cursor is where the next page starts, not content.
    let mut v = page();
    v["cursor"] = Value::from("another-cursor");
    assert_eq!(id(&v), first);
    // Another location, or one event fewer, is another page.
    let mut v = page();
    v["location_id"] = Value::from("LOTHERLOCATION");
    assert_ne!(id(&v), first);
    let mut v = page();
    v["cash_drawer_shift_events"].as_array_mut().unwrap().pop();
    assert_ne!(id(&v), first);
}

#[test]
fn employee_id_stands_in_for_team_member_id_and_blank_is_nobody() {
    let mut v = page();
    let ev = v["cash_drawer_shift_events"][7].as_object_mut().unwrap();
    ev.remove("team_member_id");
    ev.insert("employee_id".into(), Value::from("EMP-OLD-7"));
    v["cash_drawer_shift_events"][1]["team_member_id"] = Value::from("");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let events = drawers(&p);
    assert_eq!(events[0].cashier_id, None);
    assert_eq!(events[1].cashier_id.as_deref(), Some("EMP-OLD-7"));
}

#[test]
fn without_event_money_the_configured_currency_else_a_reject_naming_it() {
    let mut v = page();
    v["cash_drawer_shift_events"][1]
        .as_object_mut()
        .unwrap()
        .remove("event_money");
    let mut c = ctx();
    c.default_currency = "CAD".into();
    assert_eq!(
        drawers(&parse(&c, &v.to_string()).unwrap())[0].currency,
        "CAD"
    );
    c.store_currency.insert("austin".into(), "USD".into());
    assert_eq!(
        drawers(&parse(&c, &v.to_string()).unwrap())[0].currency,
        "USD"
    );
    let mut c = ctx();
    c.default_currency = String::new();
    let p = parse(&c, &v.to_string()).unwrap();
    assert_eq!(
        rejects(&p)[0].detail["field"],
        "cash_drawer_shift_events[1].event_money"
    );
    assert_eq!(drawers(&p).len(), 1);
}

#[test]
fn events_that_are_no_no_sale_are_not_read_at_all() {
    // A paid-out without money would be a broken event, but it is not mapped (the shift's
    // totals count it), so it rejects nothing: the page is kept whole in the inbox.
    let mut v = page();
    v["cash_drawer_shift_events"][6]
        .as_object_mut()
        .unwrap()
        .remove("event_money");
    v["cash_drawer_shift_events"][6]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    assert!(rejects(&p).is_empty());
    assert_eq!(p.records.len(), 2);
}

#[test]
fn a_page_under_the_older_events_field_maps_alike() {
    let mut v = page();
    let events = v
        .as_object_mut()
        .unwrap()
        .remove("cash_drawer_shift_events")
        .unwrap();
    v["events"] = events;
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let current = parse(&ctx(), &page().to_string()).unwrap();
    assert_eq!(p.kind, "cash_drawer_shift_events");
    assert_eq!(drawers(&p), drawers(&current));
    // Rejects and errors name the field the page used.
    v["events"][1]["created_at"] = Value::from("yesterday");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    assert_eq!(rejects(&p)[0].detail["field"], "events[1].created_at");
    v.as_object_mut().unwrap().remove("location_id");
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert!(e.message.contains("beside `events`"), "{e}");
    // An empty page of the older field is a page too, when the caller added its location.
    let empty = serde_json::json!({"events": [], "location_id": "L8Q2Y5Z6ABCDE"});
    let p = parse(&ctx(), &empty.to_string()).unwrap();
    assert_eq!(
        (p.kind.as_str(), p.records.len()),
        ("cash_drawer_shift_events", 0)
    );
}

#[test]
fn an_events_api_page_is_not_taken_for_shift_events() {
    // Square's Events API (SearchEvents) also answers `events`, of `{event_id, type, data}`:
    // neither drawer events nor a page this adapter maps, so it is refused as unknown, not
    // read as no-sales (nor refused for a missing `location_id`).
    let body = serde_json::json!({
        "events": [{"merchant_id": "M1", "location_id": "L8Q2Y5Z6ABCDE",
                    "event_id": "e-1", "type": "order.updated",
                    "created_at": "2026-07-18T20:00:00Z", "data": {}}]
    });
    match parse(&ctx(), &body.to_string()) {
        Ok(p) => assert_ne!(p.kind, "cash_drawer_shift_events", "{p:?}"),
        Err(e) => assert_ne!(e.field.as_deref(), Some("location_id"), "{e}"),
    }
}

#[test]
fn no_sales_from_orders_maps_no_shift_event() {
    let mut c = ctx();
    c.square_no_sales = crate::config::SquareNoSales::Orders;
    let p = parse(&c, &page().to_string()).unwrap();
    assert_eq!(
        (p.records.len(), p.kind.as_str()),
        (0, "cash_drawer_shift_events")
    );
    // The page is still kept (its inbox id does not depend on what was mapped).
    assert_eq!(
        p.event_id,
        parse(&ctx(), &page().to_string()).unwrap().event_id
    );
    c.square_no_sales = crate::config::SquareNoSales::ShiftEvents;
    assert_eq!(drawers(&parse(&c, &page().to_string()).unwrap()).len(), 2);
}
