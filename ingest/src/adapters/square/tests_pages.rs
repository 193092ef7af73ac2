//! ListPayments / ListPaymentRefunds pages (`square/pages.rs`): fixtures in the SDK models'
//! shapes (tests/data/real/square/PROVENANCE.md) and inline edits of them.

use super::*;
use pos_core::model::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn fixture(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/square/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn tenders(p: &Parsed) -> Vec<&TenderRecord> {
    p.records
        .iter()
        .map(|r| match r {
            Ok(Record::Tender(t)) => t,
            other => panic!("expected a tender, got {other:?}"),
        })
        .collect()
}

/// Each element of a page, sent alone as `{"<single>": element}`.
fn alone(ctx: &Context, page: &Value, list: &str, single: &str) -> Vec<TenderRecord> {
    page[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|el| {
            let body = serde_json::json!({ single: el }).to_string();
            match &parse(ctx, &body).unwrap().records[0] {
                Ok(Record::Tender(t)) => t.clone(),
                other => panic!("expected a tender, got {other:?}"),
            }
        })
        .collect()
}

/// A page maps each element to the very record the element sent alone gives (same order key,
/// tender number, amount, method, status, version): the backfill and the webhook of one
/// payment or refund write one row.
#[test]
fn page_elements_map_as_the_objects_sent_alone() {
    let ctx = Context::for_tenant("t");
    for (name, list, single) in [
        ("list_payments_page.json", "payments", "payment"),
        ("list_payment_refunds_page.json", "refunds", "refund"),
    ] {
        let body = fixture(name);
        let p = parse(&ctx, &body).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let page: Value = serde_json::from_str(&body).unwrap();
        let want = alone(&ctx, &page, list, single);
        let got: Vec<TenderRecord> = tenders(&p).into_iter().cloned().collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(p.kind, list);
    }
}

/// The fixtures' money, by hand: tip included, refunds negative, a failed card declined.
#[test]
fn list_pages_amounts_and_statuses() {
    let ctx = Context::for_tenant("t");
    let p = parse(&ctx, &fixture("list_payments_page.json")).unwrap();
    let got: Vec<_> = tenders(&p)
        .iter()
        .map(|t| (t.tender.amount, t.tender.method, t.tender.status))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("26.80"), TenderMethod::Card, TenderStatus::Approved),
            (d("11.15"), TenderMethod::Cash, TenderStatus::Approved),
            (d("49.99"), TenderMethod::Card, TenderStatus::Declined),
        ]
    );
    // The first payment's tip_money 3.00 (inside its total_money 26.80) is its tip.
    let tips: Vec<_> = tenders(&p).iter().map(|t| t.tender.tip).collect();
    assert_eq!(tips, vec![d("3.00"), d("0"), d("0")]);
    let p = parse(&ctx, &fixture("list_payment_refunds_page.json")).unwrap();
    let got: Vec<_> = tenders(&p)
        .iter()
        .map(|t| {
            (
                t.key.source_txn_id.as_str(),
                t.tender.amount,
                t.tender.method,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("RetListA1x2y3z4ZY", d("-11.90"), TenderMethod::Card),
            ("RetListB5x6y7z8ZY", d("-5.00"), TenderMethod::Cash),
        ]
    );
}

/// Square answers an empty list page as `{}` or with an empty array: nothing to map, no error.
#[test]
fn an_empty_list_page_maps_to_nothing() {
    let ctx = Context::for_tenant("t");
    for body in [
        r#"{"payments":[]}"#,
        r#"{"refunds":[],"cursor":"c"}"#,
        r#"{}"#,
    ] {
        let p = parse(&ctx, body).unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert!(p.records.is_empty(), "{body}");
    }
}

/// One bad element rejects that element alone, naming its path; the others still land.
#[test]
fn a_bad_page_element_rejects_only_itself_naming_its_path() {
    let mut page: Value = serde_json::from_str(&fixture("list_payments_page.json")).unwrap();
    let payments = page["payments"].as_array_mut().unwrap();
    let mut bad = payments[0].clone();
    let obj = bad.as_object_mut().unwrap();
    obj.remove("amount_money");
    obj.remove("total_money");
    obj.insert("id".into(), "LpBAD".into());
    payments.push(bad);
    let p = parse(&Context::for_tenant("t"), &page.to_string()).unwrap();
    assert_eq!(p.records.len(), 4);
    assert!(p.records[..3]
        .iter()
        .all(|r| matches!(r, Ok(Record::Tender(_)))));
    let r = match &p.records[3] {
        Err(r) => r,
        other => panic!("expected a reject, got {other:?}"),
    };
    assert_eq!(r.detail["field"], "payments[3].amount_money");
    assert!(
        r.reason.contains("payments[3].amount_money"),
        "{}",
        r.reason
    );
    assert!(r.payload.as_deref().unwrap().contains("LpBAD"));
}

/// The page's event id follows its content: the same page twice is one event, a page whose
/// payment has a newer version is another (so a re-read backfill picks up the change).
#[test]
fn a_page_event_id_follows_its_elements_versions() {
    let ctx = Context::for_tenant("t");
    let body = fixture("list_payments_page.json");
    let first = parse(&ctx, &body).unwrap().event_id;
    assert_eq!(parse(&ctx, &body).unwrap().event_id, first);
    assert!(first.starts_with("payments/"), "{first}");
    let newer = body.replace("2026-02-10T17:05:15.902Z", "2026-02-11T09:00:00.000Z");
    assert_ne!(parse(&ctx, &newer).unwrap().event_id, first);
}

/// s27: Square sandbox records as Airbyte's Square connector expects them in its acceptance
/// test (tests/data/real/square/PROVENANCE.md), each stream's records wrapped as the API page.
#[test]
fn airbyte_sandbox_payments_page_a_canceled_payment_is_a_voided_card_tender() {
    let body = fixture("airbyte_sandbox_list_payments_page_canceled_voided_card.json");
    let p = parse(&Context::for_tenant("t"), &body).unwrap();
    let got: Vec<(&str, TenderStatus, Decimal, Option<&str>)> = tenders(&p)
        .iter()
        .map(|t| {
            (
                t.key.source_txn_id.as_str(),
                t.tender.status,
                t.tender.amount,
                t.tender.card_bin.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // status CANCELED, card_details.status VOIDED: authorized, never captured.
            (
                "BFkIiV4W7baTDDx2CGGhdEzvTOCZY",
                TenderStatus::Voided,
                d("5.00"),
                Some("540988")
            ),
            (
                "jyopZ3JZqETa2DVeYRJ0Q2aL7aSZY",
                TenderStatus::Approved,
                d("1.00"),
                Some("453275")
            ),
            (
                "1L6QiJjgk1gEfpBDEpipJI3Ks3QZY",
                TenderStatus::Approved,
                d("88.03"),
                Some("453275")
            ),
        ]
    );
    assert!(tenders(&p)
        .iter()
        .all(|t| t.key.store_id == "LH2XR7AMG39HX"));
}

/// s27: the refunds of the same sandbox: 14.85 (the tax of a 113.85 card sale) and 5.00 from
/// one payment, each a negative card tender of its own return order, on its own day.
#[test]
fn airbyte_sandbox_refunds_page_lands_on_the_return_orders() {
    let body = fixture("airbyte_sandbox_list_payment_refunds_page_return_orders.json");
    let p = parse(&Context::for_tenant("t"), &body).unwrap();
    let got: Vec<(&str, String, Decimal, TenderMethod)> = tenders(&p)
        .iter()
        .map(|t| {
            (
                t.key.source_txn_id.as_str(),
                t.business_date.to_string(),
                t.tender.amount,
                t.tender.method,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "NpZRjYMGKOKeTe0BTp7N5r8kM0LZY",
                "2021-06-18".into(),
                d("-14.85"),
                TenderMethod::Card
            ),
            (
                "BFkIiV4W7baTDDx2CGGhdEzvTOCZY",
                "2021-06-22".into(),
                d("-5.00"),
                TenderMethod::Card
            ),
        ]
    );
}

/// s27: Square's ListPaymentRefunds example as the Ruby SDK's model docs print it
/// (PROVENANCE.md): one COMPLETED refund of 5.55 whose `destination_type` is generator filler
/// ("destination_type2") and whose `destination_details` holds card, cash (in MKD and XBD)
/// and external details at once, with an `errors` list beside `refunds`. Square's `errors` and
/// `refunds` are never both present; here the refund lands and the filler errors are not taken
/// for an error answer. An unknown `destination_type` names no method Square defines, so the
/// refund is `other` (the three details do not tell one place), and the filler currencies of
/// the cash details are not read: the refund is its `amount_money`, −5.55 USD.
#[test]
fn sdk_refunds_page_example_unknown_destination_type_is_an_other_refund() {
    let body = fixture("sdk_doc_list_payment_refunds_page_destination_details_and_errors.json");
    let p = parse(&Context::for_tenant("t"), &body).unwrap();
    let got: Vec<_> = tenders(&p)
        .iter()
        .map(|t| {
            (
                t.key.source_txn_id.as_str(),
                t.currency.as_str(),
                t.tender.amount,
                t.tender.method,
                t.tender.status,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY",
            "USD",
            d("-5.55"),
            TenderMethod::Other,
            TenderStatus::Approved
        )]
    );
}
