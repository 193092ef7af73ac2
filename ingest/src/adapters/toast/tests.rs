//! Toast cash entries as drawer events, from a business day of entries in the shape of Toast's
//! reference (tests/data/real/toast/PROVENANCE.md) and edits of it.

use super::testkit::{ctx, fixture, RESTAURANT_GUID};
use super::*;
use crate::adapters::format::{map, Format, Meta};
use chrono::NaiveDate;
use pos_core::model::{DrawerEvent, DrawerEventKind};
use rust_decimal::Decimal;
use std::collections::HashMap;

const PAGE: &str = "cashmgmt_entries_business_day.json";
const CASHIER_A: &str = "9851e4d5-25f4-4a82-95af-4c654a13d22e";
const CASHIER_B: &str = "69701591-42ac-430c-9b90-1e7842d60baa";
const MANAGER: &str = "d5a262c8-4495-4e11-b7cf-5a6c53ce530e";
const DRAWER_1: &str = "e539a78b-c8ef-4346-8b12-ae6ead581e57";

fn page() -> Value {
    fixture(PAGE)
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

/// The event of the entry `guid`, if it gave one.
fn event<'a>(p: &'a Parsed, guid: &str) -> Option<&'a DrawerEvent> {
    drawers(p).into_iter().find(|d| d.source_event_id == guid)
}

/// `(kind, amount)` of the entry `guid`'s event.
fn kind_amount(p: &Parsed, guid: &str) -> Option<(DrawerEventKind, Decimal)> {
    event(p, guid).map(|d| (d.kind, d.amount))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// One entry with the fields this mapping reads, in Toast's form.
fn entry(guid: &str, kind: &str, amount: f64, undoes: Option<&str>) -> Value {
    serde_json::json!({
        "guid": guid, "entityType": "CashEntry", "type": kind, "amount": amount,
        "date": "2026-10-09T22:00:00.000+0000", "reason": "", "undoes": undoes,
        "cashDrawer": {"guid": DRAWER_1, "entityType": "CashDrawer"},
        "employee1": {"guid": CASHIER_A, "entityType": "RestaurantUser", "externalId": null},
        "employee2": null, "payoutReason": null, "noSaleReason": null
    })
}

fn page_of(entries: Vec<Value>) -> String {
    serde_json::json!({ "restaurantGuid": RESTAURANT_GUID, "entries": entries }).to_string()
}

#[test]
fn a_business_day_gives_each_type_its_drawer_event() {
    let p = parse(&ctx(), &page().to_string()).unwrap();
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let m = |g| kind_amount(&p, g);
    use DrawerEventKind::*;
    // NO_SALE, PAY_OUT, CASH_IN, CASH_OUT, TIP_OUT, DRIVER_REIMBURSEMENT.
    assert_eq!(
        m("12de1bfb-bbc4-4a50-9db8-60ca6378c977"),
        Some((NoSale, dec("0")))
    );
    assert_eq!(
        m("044d2cc9-6a18-4505-9936-bcaecd954f46"),
        Some((PaidOut, dec("25")))
    );
    assert_eq!(
        m("6c558429-ba5d-4f63-943f-b835196f8d86"),
        Some((PaidIn, dec("40")))
    );
    assert_eq!(
        m("70b796dd-6564-4802-9a50-dff4c17323a5"),
        Some((Pickup, dec("200")))
    );
    assert_eq!(
        m("921bcb24-4c8e-4782-bd3d-028ca885a5b2"),
        Some((PaidOut, dec("36.5")))
    );
    assert_eq!(
        m("8c1650ee-1ac9-4f1b-be49-17c1a05654cc"),
        Some((PaidOut, dec("8.4")))
    );
    // The counts at close: signed, counted − expected.
    assert_eq!(
        m("9819159b-7ad1-4059-a7e9-af60745a1a5e"),
        Some((OverShort, dec("-4.25")))
    );
    assert_eq!(
        m("d3182d47-7aed-44ae-852a-2f461eab2154"),
        Some((OverShort, dec("1.1")))
    );
    // CLOSE_OUT_EXACT found nothing; CASH_COLLECTED is the orders' cash handed in.
    assert_eq!(m("6da513ed-5e7b-48a4-be76-e952800458c3"), None);
    assert_eq!(m("2894b7ef-d574-4df4-8096-cb87ea367564"), None);
    assert_eq!(drawers(&p).len(), 13);
}

#[test]
fn events_carry_cashier_drawer_store_currency_and_the_store_s_day() {
    let p = parse(&ctx(), &page().to_string()).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 10, 9).unwrap();
    for e in drawers(&p) {
        assert_eq!(
            (e.store_id.as_str(), e.source.as_str(), e.currency.as_str()),
            ("bistro", "toast", "USD")
        );
        assert_eq!((e.tenant_id.as_str(), e.source_version), ("t", 0));
        assert_eq!(e.business_date, day, "{e:?}");
        assert!(e.register_id.is_some() && e.cashier_id.is_some(), "{e:?}");
    }
    let no_sale = event(&p, "12de1bfb-bbc4-4a50-9db8-60ca6378c977").unwrap();
    assert_eq!(
        (
            no_sale.cashier_id.as_deref(),
            no_sale.register_id.as_deref()
        ),
        (Some(CASHIER_A), Some(DRAWER_1))
    );
    assert_eq!(
        no_sale.occurred_at.to_rfc3339(),
        "2026-10-09T22:02:13.512+00:00"
    );
    // 03:58 UTC on the 10th is 23:58 on the 9th in New York: the store's day, not UTC's.
    let late = event(&p, "f4fc29f0-01c7-4bc1-b544-08ebb49276b0").unwrap();
    assert_eq!(
        late.occurred_at.to_rfc3339(),
        "2026-10-10T03:58:27.640+00:00"
    );
    assert_eq!(
        (late.business_date, late.cashier_id.as_deref()),
        (day, Some(CASHIER_B))
    );
    // A tip-out made at a shift review is charged to the reviewer, `employee1`.
    let tip_out = event(&p, "921bcb24-4c8e-4782-bd3d-028ca885a5b2").unwrap();
    assert_eq!(tip_out.cashier_id.as_deref(), Some(MANAGER));
}

/// Toast's business day runs to the closeout hour: with the store's `business_day_start`, an
/// entry after midnight stays on the evening's day (without it, the calendar day).
#[test]
fn a_business_day_start_keeps_an_entry_after_midnight_on_the_evening_s_day() {
    let mut v = page();
    let late = "f4fc29f0-01c7-4bc1-b544-08ebb49276b0";
    for e in v["entries"].as_array_mut().unwrap() {
        if e["guid"] == late {
            e["date"] = "2026-10-10T05:40:00.000+0000".into(); // 01:40 in New York
        }
    }
    let (ninth, tenth) = (
        NaiveDate::from_ymd_opt(2026, 10, 9).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 10).unwrap(),
    );
    let calendar = parse(&ctx(), &v.to_string()).unwrap();
    assert_eq!(event(&calendar, late).unwrap().business_date, tenth);
    let mut c = ctx();
    c.store_day_start
        .insert("bistro".into(), chrono::Duration::hours(4));
    let bar = parse(&c, &v.to_string()).unwrap();
    assert_eq!(event(&bar, late).unwrap().business_date, ninth);
    assert!(drawers(&bar).iter().all(|e| e.business_date == ninth));
}

#[test]
fn over_short_takes_its_sign_from_the_type_whatever_the_amount_s_sign() {
    let p = parse(
        &ctx(),
        &page_of(vec![
            entry("e-over-neg", "CLOSE_OUT_OVERAGE", -2.5, None),
            entry("e-short-pos", "CLOSE_OUT_SHORTAGE", 3.0, None),
            entry("e-short-neg", "CLOSE_OUT_SHORTAGE", -0.75, None),
            entry("e-payout-pos", "PAY_OUT", 9.99, None),
            entry("e-exact", "CLOSE_OUT_EXACT", 0.0, None),
        ]),
    )
    .unwrap();
    let os = DrawerEventKind::OverShort;
    assert_eq!(kind_amount(&p, "e-over-neg"), Some((os, dec("2.5"))));
    assert_eq!(kind_amount(&p, "e-short-pos"), Some((os, dec("-3"))));
    assert_eq!(kind_amount(&p, "e-short-neg"), Some((os, dec("-0.75"))));
    // Moved cash counts by absolute value: the kind gives the direction.
    let out = DrawerEventKind::PaidOut;
    assert_eq!(kind_amount(&p, "e-payout-pos"), Some((out, dec("9.99"))));
    assert_eq!(kind_amount(&p, "e-exact"), None);
    assert_eq!(p.records.len(), 4);
}

#[test]
fn an_undo_reverses_what_the_entry_it_undoes_was_mapped_to() {
    use DrawerEventKind::*;
    let p = parse(&ctx(), &page().to_string()).unwrap();
    // PAY_OUT 12.00 then its UNDO_PAY_OUT; CASH_IN 15.00 then a CASH_OUT undoing it.
    assert_eq!(
        kind_amount(&p, "68096042-f433-4645-a317-33c3cabe16a7"),
        Some((PaidOut, dec("12")))
    );
    assert_eq!(
        kind_amount(&p, "939bfedb-8b95-417f-8652-44fb3b9b7ca3"),
        Some((PaidIn, dec("12")))
    );
    assert_eq!(
        kind_amount(&p, "351357e3-cd2d-4a7e-9b93-6545bb3b89fe"),
        Some((PaidIn, dec("15")))
    );
    assert_eq!(
        kind_amount(&p, "2278b5a3-2377-465c-b107-05f463e965b6"),
        Some((PaidOut, dec("15")))
    );
    // Undos arriving without the entry they undo (on another business day's page).
    let p = parse(
        &ctx(),
        &page_of(vec![
            entry("u-cash-in", "CASH_IN", 50.0, Some("an-earlier-cash-out")),
            entry(
                "u-collected",
                "CASH_COLLECTED",
                20.0,
                Some("an-earlier-tip-out"),
            ),
            entry(
                "u-tip-out",
                "TIP_OUT",
                -30.0,
                Some("an-earlier-cash-collected"),
            ),
            entry("u-object", "CASH_OUT", -7.0, None),
        ]),
    )
    .unwrap();
    // Gives back a CASH_OUT's pickup, and a TIP_OUT's paid-out.
    assert_eq!(kind_amount(&p, "u-cash-in"), Some((Loan, dec("50"))));
    assert_eq!(kind_amount(&p, "u-collected"), Some((PaidIn, dec("20"))));
    // Takes back a CASH_COLLECTED, which gave no event.
    assert_eq!(kind_amount(&p, "u-tip-out"), None);
    assert_eq!(kind_amount(&p, "u-object"), Some((Pickup, dec("7"))));
}

#[test]
fn an_undo_named_by_a_reference_object_is_an_undo_too() {
    let mut e = entry("u-ref", "CASH_OUT", -7.0, None);
    e["undoes"] = serde_json::json!({"guid": "a-cash-in", "entityType": "CashEntry"});
    let p = parse(&ctx(), &page_of(vec![e])).unwrap();
    let paid_out = DrawerEventKind::PaidOut;
    assert_eq!(kind_amount(&p, "u-ref"), Some((paid_out, dec("7"))));
    let mut e = entry("u-bad", "CASH_OUT", -7.0, None);
    e["undoes"] = Value::from(17);
    let p = parse(&ctx(), &page_of(vec![e])).unwrap();
    assert_eq!(rejects(&p)[0].detail["field"], "entries[0].undoes");
}

#[test]
fn a_bad_entry_rejects_itself_alone_naming_its_field() {
    let mut v = page();
    v["entries"][1]["date"] = Value::from("yesterday");
    v["entries"][2].as_object_mut().unwrap().remove("amount");
    v["entries"][3]["amount"] = Value::from("lots");
    v["entries"][4].as_object_mut().unwrap().remove("guid");
    v["entries"][5].as_object_mut().unwrap().remove("type");
    v["entries"][6]["employee1"] = Value::from("Ana");
    v["entries"][7]["date"] = Value::from("2099-01-01T00:00:00.000+0000");
    let p = parse(&ctx(), &v.to_string()).unwrap();
    let fields: Vec<_> = rejects(&p)
        .iter()
        .map(|r| r.detail["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            "entries[1].date",
            "entries[2].amount",
            "entries[3].amount",
            "entries[4].guid",
            "entries[5].type",
            "entries[6].employee1",
            "entries[7].date",
        ]
    );
    assert!(
        rejects(&p)[6].reason.contains("in the future"),
        "{:?}",
        rejects(&p)[6]
    );
    assert!(rejects(&p)
        .iter()
        .all(|r| r.source == "toast" && r.payload.is_some()));
    // The other entries land: 13 events less the 6 of entries 1–4, 6 and 7.
    assert_eq!(drawers(&p).len(), 7);
}

#[test]
fn toast_s_offset_without_a_colon_and_rfc_3339_both_read() {
    let mut e = entry("t-1", "NO_SALE", 0.0, None);
    let at = |e: &Value| {
        let p = parse(&ctx(), &page_of(vec![e.clone()])).unwrap();
        drawers(&p)[0].occurred_at.to_rfc3339()
    };
    assert_eq!(at(&e), "2026-10-09T22:00:00+00:00");
    e["date"] = Value::from("2026-10-09T18:00:00.250-0400");
    assert_eq!(at(&e), "2026-10-09T22:00:00.250+00:00");
    e["date"] = Value::from("2026-10-09T22:00:00Z");
    assert_eq!(at(&e), "2026-10-09T22:00:00+00:00");
    e["date"] = Value::from("2026-10-09 22:00");
    let p = parse(&ctx(), &page_of(vec![e])).unwrap();
    let r = rejects(&p);
    assert_eq!(r[0].detail["field"], "entries[0].date");
    assert!(r[0].reason.contains("ISO 8601"), "{}", r[0].reason);
}

#[test]
fn a_body_without_its_restaurant_is_refused_saying_what_to_add() {
    let entries = page()["entries"].clone();
    // The bare answer: its restaurant is the request header's (`tests_bare`), or the wrapper's.
    let e = parse(&ctx(), &entries.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("Toast-Restaurant-External-ID"));
    assert!(e.message.contains("restaurantGuid"), "{e}");
    for restaurant in [Value::Null, Value::from("")] {
        let mut v = page();
        v["restaurantGuid"] = restaurant;
        let e = parse(&ctx(), &v.to_string()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("restaurantGuid"));
    }
    let e = parse(
        &ctx(),
        &format!("{{\"restaurantGuid\":\"{RESTAURANT_GUID}\"}}"),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("entries|orders"));
    let e = parse(&ctx(), "[").unwrap_err();
    assert!(e.message.starts_with("not JSON"), "{e}");
}

#[test]
fn an_unlisted_restaurant_keeps_its_guid_as_the_store() {
    let p = parse(&Context::for_tenant("t"), &page().to_string()).unwrap();
    assert!(drawers(&p).iter().all(|d| d.store_id == RESTAURANT_GUID));
}

#[test]
fn without_a_configured_currency_each_mapped_entry_is_rejected_naming_its_amount() {
    let mut c = ctx();
    c.default_currency = String::new();
    let p = parse(
        &c,
        &page_of(vec![
            entry("c-1", "PAY_OUT", -5.0, None),
            entry("c-2", "CLOSE_OUT_EXACT", 0.0, None),
        ]),
    )
    .unwrap();
    let r = rejects(&p);
    assert_eq!((r.len(), p.records.len()), (1, 1));
    assert_eq!(r[0].detail["field"], "entries[0].amount");
    assert!(
        r[0].reason.contains("[stores.bistro] currency"),
        "{}",
        r[0].reason
    );
    c.store_currency.insert("bistro".into(), "CAD".into());
    let p = parse(&c, &page_of(vec![entry("c-1", "PAY_OUT", -5.0, None)])).unwrap();
    assert_eq!(drawers(&p)[0].currency, "CAD");
}

#[test]
fn an_unknown_type_is_kept_without_an_event_or_a_reject() {
    let mut odd = entry("x-1", "SAFE_DROP", -80.0, None);
    odd.as_object_mut().unwrap().remove("date");
    let p = parse(
        &ctx(),
        &page_of(vec![odd, entry("x-2", "NO_SALE", 0.0, None)]),
    )
    .unwrap();
    assert_eq!(p.records.len(), 1);
    assert_eq!(drawers(&p)[0].source_event_id, "x-2");
    // The unknown entry still counts in the page's identity.
    let alone = parse(&ctx(), &page_of(vec![entry("x-2", "NO_SALE", 0.0, None)])).unwrap();
    assert_ne!(alone.event_id, p.event_id);
}

#[test]
fn the_same_page_twice_is_one_event_id_and_other_content_another() {
    let id = |v: &Value| parse(&ctx(), &v.to_string()).unwrap().event_id;
    let first = id(&page());
    assert!(first.starts_with("toast_cash_entries/"), "{first}");
    assert_eq!(id(&page()), first);
    // Formatting and keys other than the entries' GUIDs are not content.
    let mut v = page();
    v["businessDate"] = Value::from("20261010");
    assert_eq!(id(&v), first);
    // A page fetched again later, holding one more entry, is news.
    let mut v = page();
    let more = entry("late-no-sale", "NO_SALE", 0.0, None);
    v["entries"].as_array_mut().unwrap().push(more);
    assert_ne!(id(&v), first);
    // Another restaurant's page of the same entries is another page.
    let mut v = page();
    v["restaurantGuid"] = Value::from("another-restaurant");
    assert_ne!(id(&v), first);
}

#[test]
fn the_toast_format_is_read_written_and_mapped_through_format() {
    let f: Format = "toast".parse().unwrap();
    assert_eq!(f, Format::Toast);
    assert_eq!(
        Format::from_content_type(&f.content_type()),
        Some(Format::Toast)
    );
    let e = "tost".parse::<Format>().unwrap_err();
    assert!(e.contains("toast"), "{e}");
    let body = page().to_string();
    let m = map(&ctx(), &HashMap::new(), &f, &body, &Meta::default()).unwrap();
    assert_eq!((m.envelopes.len(), m.records), (1, 13));
    let env = &m.envelopes[0];
    let crate::envelope::Origin::New(raw) = &env.origin else {
        panic!()
    };
    assert_eq!(
        (raw.source.as_str(), raw.payload.as_str()),
        ("toast", body.as_str())
    );
    assert!(
        raw.event_id.starts_with("toast_cash_entries/"),
        "{}",
        raw.event_id
    );
}
