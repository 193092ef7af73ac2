//! Tests of the money an order carries besides its lines and tenders: cash rounding, gift
//! card and custom amount lines, apportioned service charges.

use super::*;
use pos_core::model::*;

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/data/real/square/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(super) fn mapped(body: &str) -> Transaction {
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    match p.records.into_iter().next() {
        Some(Ok(Record::Txn(t))) => *t,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

/// `fixture` with `edit` applied to its `order`.
fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> Transaction {
    let mut v: Value = serde_json::from_str(&fixture(name)).unwrap();
    edit(&mut v["order"]);
    mapped(&v.to_string())
}

pub(super) fn due(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

pub(super) fn paid(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|t| t.amount).sum()
}

fn amounts(t: &Transaction) -> Vec<(TenderMethod, Decimal)> {
    t.tenders.iter().map(|t| (t.method, t.amount)).collect()
}

#[test]
fn cash_rounded_down_gets_a_rounding_tender_so_tenders_meet_the_lines() {
    let t = mapped(&fixture("retrieve_order_cad_cash_rounding_gift_card.json"));
    assert_eq!(due(&t), d("41.12"));
    assert_eq!(
        amounts(&t),
        vec![
            (TenderMethod::Cash, d("41.10")),
            (TenderMethod::Other, d("0.02"))
        ],
        "the cash handed over stays as it was; the rounding is a tender of its own"
    );
    assert_eq!(paid(&t), due(&t));
    assert_ne!(t.tenders[0].tender_no, t.tenders[1].tender_no);
    assert_eq!(t.tenders[1].status, TenderStatus::Approved);
}

#[test]
fn the_rounding_tender_keeps_its_number_across_versions() {
    let v4 = mapped(&fixture("retrieve_order_cad_cash_rounding_gift_card.json"));
    let v5 = edited("retrieve_order_cad_cash_rounding_gift_card.json", |o| {
        o["version"] = 5.into();
        o["updated_at"] = "2026-02-14T18:00:00Z".into();
    });
    assert_eq!(v4.tenders[1].tender_no, v5.tenders[1].tender_no);
    assert_eq!(v4.tenders[1].occurred_at, v5.tenders[1].occurred_at);
}

#[test]
fn an_unsigned_rounding_amount_takes_its_direction_from_the_total() {
    // Rounded down, but the amount written without a sign: the total (41.10, lines 41.12) says
    // which way.
    let t = edited("retrieve_order_cad_cash_rounding_gift_card.json", |o| {
        o["rounding_adjustment"]["amount_money"]["amount"] = 2.into();
    });
    assert_eq!(t.tenders[1].amount, d("0.02"));
    // Without a total to compare with, the amount is taken as signed: +0.03 means the
    // customer paid 0.03 more than the lines, which the rounding tender takes back.
    let t = edited("retrieve_order_cad_cash_rounding_gift_card.json", |o| {
        o.as_object_mut().unwrap().remove("total_money");
        o["rounding_adjustment"]["amount_money"]["amount"] = 3.into();
        o["tenders"][0]["amount_money"]["amount"] = 4115.into();
    });
    assert_eq!(t.tenders[1].amount, d("-0.03"));
    assert_eq!(paid(&t), due(&t));
}

#[test]
fn the_tip_is_not_taken_for_a_rounding() {
    // A 2.00 tip on the cash: the total is lines + tip − 0.02, still rounded down.
    let t = edited("retrieve_order_cad_cash_rounding_gift_card.json", |o| {
        o["rounding_adjustment"]["amount_money"]["amount"] = 2.into();
        o["total_tip_money"]["amount"] = 200.into();
        o["total_money"]["amount"] = 4310.into();
        o["tenders"][0]["amount_money"]["amount"] = 4310.into();
        o["tenders"][0]["tip_money"] = serde_json::json!({"amount": 200, "currency": "CAD"});
    });
    assert_eq!(t.tenders[1].amount, d("0.02"));
    assert_eq!(paid(&t), due(&t) + d("2.00"));
    // The tip is the cash tender's; the rounding tender has none.
    let tips: Vec<_> = t.tenders.iter().map(|x| x.tip).collect();
    assert_eq!(tips, vec![d("2.00"), d("0")]);
}

#[test]
fn a_rounding_in_another_currency_names_the_field() {
    let mut v: Value =
        serde_json::from_str(&fixture("retrieve_order_cad_cash_rounding_gift_card.json")).unwrap();
    v["order"]["rounding_adjustment"]["amount_money"]["currency"] = "USD".into();
    let e = parse(&Context::for_tenant("t"), &v.to_string()).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.rounding_adjustment.amount_money.currency")
    );
}

#[test]
fn an_order_listing_no_tenders_gets_no_lone_rounding_tender() {
    // Its payments come on their own; a tender list holding only the rounding would make
    // the writer drop them.
    let t = edited("retrieve_order_cad_cash_rounding_gift_card.json", |o| {
        o.as_object_mut().unwrap().remove("tenders");
    });
    assert!(t.tenders.is_empty());
}

#[test]
fn a_cash_refund_rounded_up_gets_a_rounding_tender_on_the_return() {
    let t = mapped(&fixture("return_order_aud_cash_rounding.json"));
    assert_eq!(due(&t), d("-22.18"), "GST included in the prices");
    assert_eq!(
        amounts(&t),
        vec![
            (TenderMethod::Other, d("-22.20")),
            (TenderMethod::Other, d("0.02"))
        ],
        "22.20 handed back for 22.18 of goods"
    );
    assert_eq!(paid(&t), due(&t));
    // Rounded down instead (22.15 handed back), the amount signed the other way.
    let t = edited("return_order_aud_cash_rounding.json", |o| {
        let r = &mut o["returns"][0];
        r["rounding_adjustment"]["amount_money"]["amount"] = (-3).into();
        r["return_amounts"]["total_money"]["amount"] = 2215.into();
        o["refunds"][0]["amount_money"]["amount"] = 2215.into();
    });
    assert_eq!(t.tenders[1].amount, d("-0.03"));
    assert_eq!(paid(&t), due(&t));
}

#[test]
fn a_gift_card_sold_is_a_non_revenue_line_and_a_custom_amount_a_sale() {
    // Selling a gift card is money owed rather than revenue: Square reports it apart from
    // net sales, and so do our views. A custom amount is a sale like any item.
    let t = mapped(&fixture("retrieve_order_cad_cash_rounding_gift_card.json"));
    let got: Vec<_> = t
        .lines
        .iter()
        .map(|l| {
            let item = l.raw_item_id.as_str();
            (l.kind, item, l.net_amount, l.tax, l.non_revenue)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (LineKind::Sale, "VAR-TEA-TIN", d("12.97"), d("0.65"), false),
            (LineKind::Sale, "Bake sale", d("2.50"), d("0"), false),
            (LineKind::Sale, "Gift Card", d("25.00"), d("0"), true),
        ]
    );
}

#[test]
fn a_returned_gift_card_is_a_non_revenue_return_line() {
    let t = edited("return_order_with_refunds.json", |o| {
        o["returns"][0]["return_line_items"][0]["item_type"] = "GIFT_CARD".into();
    });
    // The first returned item made a gift card (a gift card sale refunded); the beans and the
    // returned delivery fee stay sales.
    assert!(t.lines.iter().all(|l| l.kind == LineKind::Return));
    let flags: Vec<_> = t.lines.iter().map(|l| l.non_revenue).collect();
    assert_eq!(flags, [true, false, false]);
}

const APPORTIONED: &str = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
    "line_items":[{"uid":"li","name":"A","quantity":"2","base_price_money":{"amount":1000,"currency":"USD"},
      "gross_sales_money":{"amount":2000,"currency":"USD"},
      "applied_service_charges":[{"uid":"asc","service_charge_uid":"sc","applied_money":{"amount":360,"currency":"USD"}}],
      "total_service_charge_money":{"amount":360,"currency":"USD"},"total_tax_money":{"amount":0,"currency":"USD"},
      "total_money":{"amount":2360,"currency":"USD"}}],
    "service_charges":[{"uid":"sc","name":"Large party","percentage":"18","calculation_phase":"APPORTIONED_PERCENTAGE_PHASE",
      "applied_money":{"amount":360,"currency":"USD"},"total_money":{"amount":360,"currency":"USD"}}],
    "total_money":{"amount":2360,"currency":"USD"}}}"#;

#[test]
fn an_apportioned_charge_without_treatment_type_is_not_counted_twice() {
    // Payloads from before `treatment_type` existed say "apportioned" by the phase only.
    let t = mapped(APPORTIONED);
    assert_eq!(t.lines.len(), 1);
    assert_eq!(due(&t), d("23.60"));
}

#[test]
fn a_subtotal_phase_charge_without_treatment_type_is_still_a_line() {
    let t = mapped(&APPORTIONED.replace("APPORTIONED_PERCENTAGE_PHASE", "SUBTOTAL_PHASE"));
    assert_eq!(t.lines.len(), 2);
    assert_eq!(t.lines[1].raw_item_id, "service_charge:Large party");
}

#[test]
fn a_line_without_total_money_keeps_its_apportioned_charge() {
    // Net from gross − discount − inclusive tax must add the charge apportioned to the line,
    // since the charge's own entry is skipped.
    let body = APPORTIONED.replace(
        r#","total_money":{"amount":2360,"currency":"USD"}}],"#,
        "}],",
    );
    let t = mapped(&body);
    assert_eq!(t.lines.len(), 1);
    assert_eq!(t.lines[0].net_amount, d("23.60"));
}

#[test]
fn an_apportioned_charge_on_a_return_is_not_counted_twice() {
    let body = r#"{"order":{"id":"R","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
        "returns":[{"uid":"r","source_order_id":"O",
          "return_line_items":[{"uid":"rli","name":"A","quantity":"1","base_price_money":{"amount":1000,"currency":"USD"},
            "total_service_charge_money":{"amount":180,"currency":"USD"},"total_tax_money":{"amount":0,"currency":"USD"},
            "total_money":{"amount":1180,"currency":"USD"}}],
          "return_service_charges":[{"uid":"rsc","source_service_charge_uid":"sc","name":"Large party",
            "treatment_type":"APPORTIONED_TREATMENT","calculation_phase":"APPORTIONED_PERCENTAGE_PHASE",
            "applied_money":{"amount":180,"currency":"USD"},"total_money":{"amount":180,"currency":"USD"}}]}]}}"#;
    let t = mapped(body);
    assert_eq!(t.lines.len(), 1);
    assert_eq!(due(&t), d("-11.80"));
}

/// Two lines each within `Decimal`'s range whose sum is not (6·10^11 × the largest price):
/// the order is refused naming the quantity, not a panic that drops the request.
#[test]
fn amounts_beyond_any_sale_are_refused_not_a_panic() {
    let line = r#"{"name":"X","quantity":"600000000000","base_price_money":{"amount":9000000000000000000,"currency":"USD"}}"#;
    let body = format!(
        r#"{{"order":{{"id":"X","location_id":"L1","state":"COMPLETED","created_at":"2026-03-02T10:00:00Z",
          "line_items":[{line},{line}]}}}}"#
    );
    let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
    assert!(e.to_string().contains("line_items[0].quantity"), "{e}");
}
