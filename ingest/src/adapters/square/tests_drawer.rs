//! Cash drawer shifts (`square/drawer.rs`): the float, paid-ins and paid-outs of a shift, from
//! fixtures in the API reference's shapes (tests/data/real/square/PROVENANCE.md).

use super::*;
use chrono::NaiveDate;
use pos_core::model::*;

fn fixture(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/square/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
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
        .map(|r| match r {
            Ok(Record::Drawer(d)) => d,
            other => panic!("expected a drawer event, got {other:?}"),
        })
        .collect()
}

fn summary(events: &[&DrawerEvent]) -> Vec<(String, &'static str, String)> {
    events
        .iter()
        .map(|e| {
            (
                e.source_event_id.rsplit('/').next().unwrap().to_string(),
                e.kind.as_str(),
                e.amount.to_string(),
            )
        })
        .collect()
}

#[test]
fn a_closed_shift_gives_its_float_paid_in_paid_out_and_over_short() {
    let p = parse(&ctx(), &fixture("retrieve_cash_drawer_shift_closed.json")).unwrap();
    let events = drawers(&p);
    // Counted 604.16 against 604.66 expected: 0.50 short, kept negative.
    assert_eq!(
        summary(&events),
        [
            ("float".into(), "loan", "150.00".into()),
            ("paid_in".into(), "paid_in", "20.00".into()),
            ("paid_out".into(), "paid_out", "34.50".into()),
            ("over_short".into(), "over_short", "-0.50".into()),
        ]
    );
    let day = NaiveDate::from_ymd_opt(2026, 7, 18).unwrap();
    for e in &events {
        assert_eq!(
            (e.store_id.as_str(), e.currency.as_str()),
            ("austin", "USD")
        );
        assert_eq!(e.register_id.as_deref(), Some("DEVICE-FRONT-1"));
        // Opened 07:02 in Chicago on the 18th, ended 23:31 local: one business day.
        assert_eq!(e.business_date, day, "{e:?}");
    }
    assert_eq!(
        events[0].occurred_at.to_rfc3339(),
        "2026-07-18T12:02:11+00:00"
    );
    assert_eq!(events[0].cashier_id.as_deref(), Some("TMa1B2c3D4e5F6"));
    assert_eq!(
        events[1].occurred_at.to_rfc3339(),
        "2026-07-19T04:31:40+00:00"
    );
    assert_eq!(events[2].cashier_id.as_deref(), Some("TMz9Y8x7W6v5U4"));
    // Found when the drawer was counted (closed_at), charged to whoever ended the shift.
    assert_eq!(
        events[3].occurred_at.to_rfc3339(),
        "2026-07-19T04:36:02+00:00"
    );
    assert_eq!(events[3].cashier_id.as_deref(), Some("TMz9Y8x7W6v5U4"));
    assert_eq!(
        p.event_id,
        "cash_drawer_shift/7F3A2C10-5B6E-4D21-9C8A-0E1F2A3B4C5D/2026-07-19T04:36:02.000Z"
    );
}

#[test]
fn an_open_shift_gives_only_its_float_and_a_page_maps_each_shift_as_alone() {
    let page: Value = serde_json::from_str(&fixture("list_cash_drawer_shifts_page.json")).unwrap();
    let p = parse(&ctx(), &page.to_string()).unwrap();
    let events = drawers(&p);
    // Summaries carry no paid-in/out totals, but the count and the expected cash; the OPEN
    // shift's float is there already, its over/short is not (not counted yet).
    assert_eq!(
        summary(&events),
        [
            ("float".into(), "loan", "150.00".into()),
            ("over_short".into(), "over_short", "-0.50".into()),
            ("float".into(), "loan", "200.00".into()),
        ]
    );
    // The summary's float lands on the row of the full shift's float (the key: store, source,
    // event id, time), with the same money and day; a summary names no device or team member.
    let full = parse(&ctx(), &fixture("retrieve_cash_drawer_shift_closed.json")).unwrap();
    let key = |e: &DrawerEvent| {
        let (store, id, at) = (e.store_id.clone(), e.source_event_id.clone(), e.occurred_at);
        (store, e.source.clone(), id, at, e.amount, e.business_date)
    };
    assert_eq!(key(events[0]), key(drawers(&full)[0]));
    assert_eq!(key(events[1]), key(drawers(&full)[3]));
    assert!(p.event_id.starts_with("cash_drawer_shifts/"));
}

#[test]
fn paid_outs_written_negative_count_the_same_and_zero_totals_are_no_events() {
    let body = fixture("retrieve_cash_drawer_shift_closed.json")
        .replace(r#""amount": 3450"#, r#""amount": -3450"#)
        .replace(r#""amount": 2000"#, r#""amount": 0"#);
    let p = parse(&ctx(), &body).unwrap();
    assert_eq!(
        summary(&drawers(&p)),
        [
            ("float".into(), "loan", "150.00".into()),
            ("paid_out".into(), "paid_out", "34.50".into()),
            ("over_short".into(), "over_short", "-0.50".into()),
        ]
    );
}

#[test]
fn a_shift_without_location_or_state_is_refused_naming_the_field() {
    let without = |key: &str| {
        let mut v: Value =
            serde_json::from_str(&fixture("retrieve_cash_drawer_shift_closed.json")).unwrap();
        v["cash_drawer_shift"].as_object_mut().unwrap().remove(key);
        v.to_string()
    };
    let e = parse(&ctx(), &without("location_id")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cash_drawer_shift.location_id"));
    assert!(e.message.contains("cannot be placed in a store"), "{e}");
    let e = parse(&ctx(), &without("state")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cash_drawer_shift.state"));
    let e = parse(&ctx(), &without("ended_at")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cash_drawer_shift.ended_at"));
}

#[test]
fn a_bad_shift_on_a_page_rejects_itself_alone() {
    let mut page: Value =
        serde_json::from_str(&fixture("list_cash_drawer_shifts_page.json")).unwrap();
    page["cash_drawer_shifts"][0]["opened_at"] = Value::from("yesterday");
    let p = parse(&ctx(), &page.to_string()).unwrap();
    assert_eq!(p.records.len(), 2);
    let reject = p.records[0].as_ref().unwrap_err();
    assert_eq!(reject.detail["field"], "cash_drawer_shifts[0].opened_at");
    assert!(
        matches!(p.records[1], Ok(Record::Drawer(ref d)) if d.amount == "200.00".parse().unwrap())
    );
}

#[test]
fn over_short_waits_for_the_count_and_an_exact_count_is_no_event() {
    let closed = fixture("retrieve_cash_drawer_shift_closed.json");
    let kinds = |body: &str| -> Vec<(String, String)> {
        let p = parse(&ctx(), body).unwrap();
        let events = drawers(&p);
        events
            .iter()
            .filter(|e| e.kind == DrawerEventKind::OverShort)
            .map(|e| (e.amount.to_string(), e.occurred_at.to_rfc3339()))
            .collect()
    };
    // ENDED: the drawer is not counted yet (closed_cash_money is the audit's).
    assert!(kinds(&closed.replace(r#""state": "CLOSED""#, r#""state": "ENDED""#)).is_empty());
    // Counted exactly what was expected.
    assert!(kinds(&closed.replace("60416", "60466")).is_empty());
    // Over by 1.25; without closed_at it is dated at the end of the shift.
    let over = closed
        .replace("60416", "60591")
        .replace(r#""closed_at": "2026-07-19T04:36:02.000Z","#, "");
    assert_eq!(
        kinds(&over),
        [("1.25".to_string(), "2026-07-19T04:31:40+00:00".to_string())]
    );
    // A count without the expected cash gives no over/short.
    let no_expected = closed.replace(
        r#""expected_cash_money": { "amount": 60466, "currency": "USD" },"#,
        "",
    );
    assert!(kinds(&no_expected).is_empty());
}

#[test]
fn a_count_in_another_currency_than_the_expected_cash_is_refused() {
    let body = fixture("retrieve_cash_drawer_shift_closed.json").replace(
        r#""closed_cash_money": { "amount": 60416, "currency": "USD" }"#,
        r#""closed_cash_money": { "amount": 60416, "currency": "CAD" }"#,
    );
    let e = parse(&ctx(), &body).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("cash_drawer_shift.closed_cash_money")
    );
}

#[test]
fn the_full_shift_outranks_its_summary_and_a_later_state_outranks_both() {
    let full = parse(&ctx(), &fixture("retrieve_cash_drawer_shift_closed.json")).unwrap();
    let page = parse(&ctx(), &fixture("list_cash_drawer_shifts_page.json")).unwrap();
    let (full, summary) = (drawers(&full)[0], drawers(&page)[0]);
    assert_eq!(full.source_event_id, summary.source_event_id);
    // Same updated_at: the full shift (device, team member) wins over the summary's blanks.
    assert!(full.source_version > summary.source_version);
    assert_eq!(full.source_version - summary.source_version, 1);
    // A later state of the shift, even as a summary, wins over both.
    let later = fixture("list_cash_drawer_shifts_page.json").replacen(
        r#""updated_at": "2026-07-19T04:36:02.000Z""#,
        r#""updated_at": "2026-07-19T04:36:03.000Z""#,
        1,
    );
    let later = parse(&ctx(), &later).unwrap();
    assert!(drawers(&later)[0].source_version > full.source_version);
}

/// A Friday shift ended after midnight and counted by the auditor on Monday: its paid-in stays
/// at its end (the next day, within reach), its over/short, found on Monday, is timed at the
/// end of Saturday (store time), so that Friday's figures hold it: timed Monday, no day's
/// views would reach it.
#[test]
fn a_shift_audited_days_later_keeps_its_over_short_within_reach_of_its_day() {
    let body = r#"{"cash_drawer_shift":{"id":"S1","location_id":"L8Q2Y5Z6ABCDE","state":"CLOSED",
      "opened_at":"2026-03-06T20:00:00Z","ended_at":"2026-03-07T07:00:00Z",
      "closed_at":"2026-03-09T14:00:00Z","updated_at":"2026-03-09T14:00:00Z",
      "opened_cash_money":{"amount":20000,"currency":"USD"},
      "cash_paid_in_money":{"amount":500,"currency":"USD"},
      "expected_cash_money":{"amount":60466,"currency":"USD"},
      "closed_cash_money":{"amount":60416,"currency":"USD"}}}"#;
    let p = parse(&ctx(), body).unwrap();
    let got: Vec<_> = drawers(&p)
        .iter()
        .map(|e| (e.kind, e.amount.to_string(), e.occurred_at.to_rfc3339()))
        .collect();
    assert_eq!(
        got,
        [
            (
                DrawerEventKind::Loan,
                "200.00".into(),
                "2026-03-06T20:00:00+00:00".into()
            ),
            (
                DrawerEventKind::PaidIn,
                "5.00".into(),
                "2026-03-07T07:00:00+00:00".into()
            ),
            // Chicago's Sunday 00:00 is 06:00 UTC (CST), less one second.
            (
                DrawerEventKind::OverShort,
                "-0.50".into(),
                "2026-03-08T05:59:59+00:00".into()
            ),
        ]
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
    assert!(drawers(&p).iter().all(|e| e.business_date == day));
}
