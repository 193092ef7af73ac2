//! Tests of the Square adapter on samples and hand-written payloads.

use super::*;
use crate::adapters::number_from_id;
use crate::adapters::testkit::sample;
use pos_core::model::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn txn(p: &Parsed) -> &Transaction {
    match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

fn tender(p: &Parsed) -> &TenderRecord {
    match &p.records[0] {
        Ok(Record::Tender(t)) => t,
        other => panic!("expected a tender, got {other:?}"),
    }
}

#[test]
fn order_sample_lines_and_totals() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("square_orders_RetrieveOrderResponse_example.json"),
    )
    .unwrap();
    let t = txn(&p);
    assert_eq!(p.event_id, "order/CAISENgvlJ6jLWAzERDzjyHVybY/v1");
    assert_eq!(t.key.store_id, "D7AVYMEAPJ3A3");
    assert_eq!(
        t.status,
        TxnStatus::Cancelled,
        "an OPEN order is not a sale yet"
    );
    assert_eq!(t.lines.len(), 2);
    assert_eq!(
        (
            t.lines[1].quantity,
            t.lines[1].unit_price,
            t.lines[1].discount,
            t.lines[1].net_amount
        ),
        (d("2"), d("3.00"), d("3.00"), d("3.00"))
    );
    let net: Decimal = t.lines.iter().map(|l| l.net_amount).sum();
    let discount: Decimal = t.lines.iter().map(|l| l.discount).sum();
    assert_eq!(
        (net, discount),
        (d("5.50"), d("5.50")),
        "matches net_amounts.total_money and discount_money"
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2020-05-18T16:30:49.614+00:00");
    assert_eq!(
        t.lines[0].sku, "ITEM1",
        "an ad-hoc item is keyed by its name (vendor key: case folded, separators dropped)"
    );
}

#[test]
fn payment_sample_is_a_keyed_card_tender_of_its_order() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("square_payments_GetPaymentResponse_example.json"),
    )
    .unwrap();
    let r = tender(&p);
    assert_eq!(r.key.source_txn_id, "d7eKah653Z579f3gVtjlxpSlmUcZY");
    assert_eq!(r.tender.amount, d("5.55"));
    assert_eq!(r.tender.method, TenderMethod::Card);
    assert_eq!(r.tender.card_entry, Some(CardEntry::Keyed));
    assert_eq!(r.tender.card_bin.as_deref(), Some("411111"));
    assert_eq!(r.cashier_id.as_deref(), Some("TMoK_ogh6rH1o4dV"));
    assert_eq!(r.tender.status, TenderStatus::Approved);
}

#[test]
fn refund_sample_is_negative_and_keyed_by_the_return_order() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("square_refunds_GetPaymentRefundResponse_example.json"),
    )
    .unwrap();
    let r = tender(&p);
    assert_eq!(r.key.source_txn_id, "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY");
    assert_eq!(r.tender.amount, d("-5.55"));
}

#[test]
fn test_notification_lands_with_nothing_to_map() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("square_webhook_test_notification.body.json"),
    )
    .unwrap();
    assert_eq!(p.event_id, "ac3ac95b-f97d-458c-a6e6-18981597e05f");
    assert!(p.records.is_empty() && p.fetch_orders.is_empty());
}

#[test]
fn order_updated_notification_asks_for_a_fetch() {
    let body = r#"{"merchant_id":"M","type":"order.updated","event_id":"e1","created_at":"2026-01-01T00:00:00Z",
            "data":{"type":"order_updated","id":"O1","object":{"order_updated":{"order_id":"O1","version":3,"location_id":"L","state":"COMPLETED"}}}}"#;
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    assert_eq!(p.fetch_orders, vec!["O1".to_string()]);
}

#[test]
fn bad_quantity_names_the_field() {
    let body = sample("square_orders_RetrieveOrderResponse_example.json")
        .replace("\"quantity\": \"2\"", "\"quantity\": \"two\"");
    let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("order.line_items[1].quantity"));
}
/// A fixture reproducing a real Square payload (see tests/data/real/square/PROVENANCE.md).
fn real_text(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/square/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn real(name: &str) -> Parsed {
    let body = real_text(name);
    parse(&Context::for_tenant("t"), &body).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn txns(p: &Parsed) -> Vec<&Transaction> {
    crate::adapters::testkit::txns_of(&p.records)
}

#[test]
fn completed_order_maps_modifiers_weights_adhoc_items_and_service_charges() {
    let p = real("retrieve_order_completed_mixed.json");
    let t = txn(&p);
    assert_eq!(t.status, TxnStatus::Completed);
    let got: Vec<_> = t
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price, l.discount, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("2"), d("5.25"), d("1.95"), d("8.55"), d("0.76")),
            (d("1.5"), d("24.00"), d("3.60"), d("32.40"), d("0")),
            (d("1"), d("3.00"), d("0.30"), d("2.70"), d("0.24")),
            (d("1"), d("5.00"), d("0"), d("5.00"), d("0.44")),
        ],
        "unit price includes the oat-milk modifier; 1.5 kg of beans; the delivery fee is a line"
    );
    assert_eq!(t.lines[0].description.as_deref(), Some("Latte (12 oz)"));
    assert_eq!(t.lines[2].raw_item_id, "Gift wrap");
    assert_eq!(t.lines[3].raw_item_id, "service_charge:Delivery fee");
    let net: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    assert_eq!(net, d("50.09"), "order total 52.09 less the 2.00 tip");
}

#[test]
fn order_tenders_keep_tips_ignore_cash_handed_over_and_share_the_payment_row() {
    let p = real("retrieve_order_completed_mixed.json");
    let t = txn(&p);
    let got: Vec<_> = t
        .tenders
        .iter()
        .map(|x| (x.method, x.amount, x.status, x.card_entry))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                TenderMethod::Card,
                d("32.09"),
                TenderStatus::Approved,
                Some(CardEntry::Contactless)
            ),
            (TenderMethod::Cash, d("20.00"), TenderStatus::Approved, None),
        ]
    );
    // The card tender's `tip_money` 2.00 is its tip; the cash tender has none.
    let tips: Vec<_> = t.tenders.iter().map(|x| x.tip).collect();
    assert_eq!(tips, vec![d("2.00"), d("0")]);
    let less_tips: Decimal = t.tenders.iter().map(|x| x.amount - x.tip).sum();
    let lines: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    assert_eq!(less_tips, lines, "tenders less tips are the lines: 50.09");
    assert_eq!(t.tenders[0].tender_no, number_from_id("PAY-CARD-1"));
    assert_eq!(t.tenders[0].card_bin.as_deref(), Some("411111"));
}

#[test]
fn an_order_closed_after_midnight_belongs_to_the_closing_day_but_keeps_its_key_time() {
    let t = txn(&real("retrieve_order_completed_mixed.json")).clone();
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-01T23:58:10.120+00:00");
    assert_eq!(t.business_date.to_string(), "2025-03-02");
}

/// An invoice or open ticket paid days after it was opened: stored at its (latest) payment,
/// where the daily views of its day look, and retracting the row an earlier, open version
/// stored at its opening.
#[test]
fn an_order_paid_days_after_it_was_opened_is_stored_at_its_payment() {
    let body = real_text("retrieve_order_completed_mixed.json").replace(
        r#""created_at": "2025-03-01T23:58:10.120Z""#,
        r#""created_at": "2025-02-24T23:58:10.120Z""#,
    );
    let p = parse(&Context::for_tenant("t"), &body).unwrap();
    let t = txn(&p);
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-02T00:03:40+00:00");
    assert_eq!(t.business_date.to_string(), "2025-03-02");
    let back: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Retract(x)) => Some((x.key.clone(), x.occurred_at, x.source_version)),
            _ => None,
        })
        .collect();
    assert_eq!(back, [(t.key.clone(), None, t.source_version)]);
    // Closed the next day (after midnight): its opening time, and nothing to retract.
    let p = real("retrieve_order_completed_mixed.json");
    assert!(!p
        .records
        .iter()
        .any(|r| matches!(r, Ok(Record::Retract(_)))));
}

/// A pickup order paid when it was placed and picked up three days later: Square counts the
/// sale when it was paid, and `closed_at` is the pickup. It stays on the day it was paid, at
/// its opening, with nothing to retract.
#[test]
fn an_order_picked_up_days_after_it_was_paid_counts_on_the_day_it_was_paid() {
    let body = r#"{"order":{"id":"O3","location_id":"L1","version":6,"state":"COMPLETED",
      "created_at":"2026-03-02T15:00:00Z","closed_at":"2026-03-05T18:00:00Z",
      "fulfillments":[{"type":"PICKUP","state":"COMPLETED"}],
      "line_items":[{"name":"Cake","quantity":"1","base_price_money":{"amount":5000,"currency":"USD"},
        "total_tax_money":{"amount":0,"currency":"USD"},"total_money":{"amount":5000,"currency":"USD"}}],
      "total_money":{"amount":5000,"currency":"USD"},
      "tenders":[{"id":"P3","payment_id":"P3","created_at":"2026-03-02T15:01:00Z","type":"CARD",
        "amount_money":{"amount":5000,"currency":"USD"},"card_details":{"status":"CAPTURED"}}]}}"#;
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    let t = txn(&p);
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-02T15:00:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-03-02");
    assert!(!p
        .records
        .iter()
        .any(|r| matches!(r, Ok(Record::Retract(_)))));
}

/// A Point of Sale order has no `version` ("Orders not created through the API do not include
/// a version number"): its `updated_at` versions it, so the ticket paid since replaces the open
/// one stored first, and each state is an inbox event of its own.
#[test]
fn an_order_without_version_is_versioned_by_its_update_time() {
    let open = r#"{"order":{"id":"O2","location_id":"L1","state":"OPEN",
      "created_at":"2026-03-02T17:00:00Z","updated_at":"2026-03-02T17:00:00Z",
      "line_items":[{"name":"Tea","quantity":"1","base_price_money":{"amount":500,"currency":"USD"},
        "total_money":{"amount":500,"currency":"USD"}}],"total_money":{"amount":500,"currency":"USD"}}}"#;
    let paid = open
        .replace(
            r#""state":"OPEN""#,
            r#""state":"COMPLETED","closed_at":"2026-03-02T17:20:00Z""#,
        )
        .replace(
            r#""updated_at":"2026-03-02T17:00:00Z""#,
            r#""updated_at":"2026-03-02T17:20:00.250Z""#,
        );
    let ctx = Context::for_tenant("t");
    let (a, b) = (parse(&ctx, open).unwrap(), parse(&ctx, &paid).unwrap());
    assert_eq!(txn(&a).source_version, 1_772_470_800_000);
    assert!(txn(&b).source_version > txn(&a).source_version);
    assert_ne!(a.event_id, b.event_id);
}

#[test]
fn return_order_gives_signed_return_lines_and_refund_tenders() {
    let p = real("return_order_with_refunds.json");
    let t = txn(&p);
    assert_eq!(t.status, TxnStatus::Completed);
    let got: Vec<_> = t
        .lines
        .iter()
        .map(|l| (l.kind, l.quantity, l.unit_price, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        got,
        vec![
            (LineKind::Return, d("-1"), d("5.25"), d("-4.27"), d("-0.38")),
            (LineKind::Return, d("-0.5"), d("24"), d("-10.80"), d("0")),
            (LineKind::Return, d("-1"), d("5.00"), d("-5.00"), d("-0.44")),
        ],
        "a return line without base_price_money is priced from gross_return_money"
    );
    assert!(t
        .lines
        .iter()
        .all(|l| l.original_txn_id.as_deref() == Some("ORDER-MIXED-1")));
    let refunded: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    assert_eq!(refunded, d("-20.89"), "matches return_amounts.total_money");
    let tenders: Vec<_> = t.tenders.iter().map(|x| (x.amount, x.status)).collect();
    assert_eq!(
        tenders,
        vec![
            (d("-20.89"), TenderStatus::Approved),
            (d("-1.00"), TenderStatus::Declined)
        ]
    );
    assert_eq!(t.tenders[0].tender_no, number_from_id("PAY-CARD-1_REF-A"));
}

#[test]
fn search_page_maps_each_order_by_state_currency_and_tax_kind() {
    let p = real("search_orders_page.json");
    let ts = txns(&p);
    let by_id = |id: &str| *ts.iter().find(|t| t.key.source_txn_id == id).unwrap();
    let status: Vec<_> = ts
        .iter()
        .map(|t| (t.key.source_txn_id.as_str(), t.status))
        .collect();
    assert_eq!(
        status,
        vec![
            ("ORDER-JP-1", TxnStatus::Completed),
            ("ORDER-KW-1", TxnStatus::Completed),
            ("ORDER-ONLINE-1", TxnStatus::Completed),
            ("ORDER-TAB-1", TxnStatus::Cancelled),
            ("ORDER-DRAFT-1", TxnStatus::Cancelled),
            ("ORDER-CANCELED-1", TxnStatus::Cancelled),
        ],
        "a paid OPEN online order is a sale; an unpaid tab, a draft and a cancelled order are not; the no-sale is no transaction"
    );
    let jp = by_id("ORDER-JP-1");
    let jp_lines: Vec<_> = jp
        .lines
        .iter()
        .map(|l| (l.unit_price, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        jp_lines,
        vec![(d("200"), d("545"), d("55")), (d("150"), d("136"), d("14"))],
        "yen have no minor unit; an INCLUSIVE tax is inside the price even without total_money"
    );
    assert_eq!(
        (jp.tenders[0].method, jp.tenders[0].amount),
        (TenderMethod::Cash, d("750")),
        "the cash tender is what was kept, not the 1000 handed over"
    );
    let kw = by_id("ORDER-KW-1");
    assert_eq!(
        (
            kw.currency.as_str(),
            kw.lines[0].unit_price,
            kw.tenders[0].method,
            kw.tenders[0].amount
        ),
        ("KWD", d("1.250"), TenderMethod::GiftCard, d("1.250"))
    );
    let cx = by_id("ORDER-CANCELED-1");
    assert_eq!(cx.tenders[0].status, TenderStatus::Voided);
    assert_eq!(by_id("ORDER-DRAFT-1").lines[0].net_amount, d("36.00"));
}

#[test]
fn no_sale_order_is_a_drawer_event_not_a_transaction() {
    let p = real("search_orders_page.json");
    let drawers: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Drawer(d)) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(drawers.len(), 1);
    assert_eq!(
        (
            drawers[0].kind,
            drawers[0].source_event_id.as_str(),
            drawers[0].store_id.as_str()
        ),
        (DrawerEventKind::NoSale, "NOSALE-T-1", "L1")
    );
    assert_eq!(p.records.len(), 7, "six transactions and one drawer event");
}

#[test]
fn no_sales_from_shift_events_leaves_the_order_s_no_sale_tender_out() {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let body = std::fs::read_to_string(format!(
        "{dir}/tests/data/real/square/search_orders_page.json"
    ))
    .unwrap();
    let mut ctx = Context::for_tenant("t");
    ctx.square_no_sales = crate::config::SquareNoSales::ShiftEvents;
    let p = parse(&ctx, &body).unwrap();
    let drawer = p
        .records
        .iter()
        .filter(|r| matches!(r, Ok(Record::Drawer(_))));
    assert_eq!(drawer.count(), 0);
    // The no-sale order is still no customer transaction: the six others, nothing more.
    assert_eq!(txns(&p).len(), 6);
    assert_eq!(p.records.len(), 6);
    ctx.square_no_sales = crate::config::SquareNoSales::Orders;
    assert_eq!(parse(&ctx, &body).unwrap().records.len(), 7);
}

#[test]
fn empty_search_pages_and_order_entries_are_not_errors() {
    let empty = real("search_orders_empty.json");
    assert!(empty.records.is_empty() && empty.fetch_orders.is_empty());
    assert_eq!(empty.kind, "orders");
    let entries = real("search_orders_entries.json");
    assert_eq!(entries.fetch_orders, vec!["ORDER-ENTRY-1", "ORDER-ENTRY-2"]);
}

#[test]
fn a_square_error_answer_says_what_square_said() {
    let body = r#"{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"NOT_FOUND","detail":"Order not found"}]}"#;
    let e = parse(&Context::for_tenant("t"), body).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("errors"));
    assert!(
        e.message.contains("NOT_FOUND: Order not found"),
        "{}",
        e.message
    );
}

#[test]
fn cash_payment_counts_the_tip_and_not_the_cash_handed_over() {
    let r = tender(&real("payment_cash_tip.json")).clone();
    assert_eq!(
        (r.tender.method, r.tender.amount, r.tender.tip),
        (TenderMethod::Cash, d("1.50"), d("0.50")),
        "total_money 1.50 holds the tip_money 0.50"
    );
}

#[test]
fn payment_and_refund_notifications_map_method_and_status() {
    let ext = tender(&real("webhook_payment_updated_external.json")).clone();
    assert_eq!(
        (
            ext.tender.method,
            ext.tender.amount,
            ext.currency.as_str(),
            ext.cashier_id.as_deref()
        ),
        (TenderMethod::GiftCard, d("25.00"), "EUR", Some("TM-42"))
    );
    let failed = tender(&real("webhook_payment_updated_failed.json")).clone();
    assert_eq!(
        (
            failed.tender.status,
            failed.tender.card_entry,
            failed.tender.card_bin.as_deref()
        ),
        (
            TenderStatus::Declined,
            Some(CardEntry::Swipe),
            Some("371263")
        )
    );
    let rejected = tender(&real("webhook_refund_updated_cash_rejected.json")).clone();
    assert_eq!(
        (
            rejected.tender.method,
            rejected.tender.amount,
            rejected.tender.status
        ),
        (TenderMethod::Cash, d("-7.00"), TenderStatus::Declined)
    );
}

#[test]
fn order_created_notification_asks_for_the_order() {
    let p = real("webhook_order_created.json");
    assert_eq!(p.fetch_orders, vec!["eA3vssLHKJrv9H0IdJCM3gNqfdcZY"]);
    assert!(p.records.is_empty());
}

#[test]
fn a_line_in_another_currency_names_the_field() {
    let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "total_money":{"amount":100,"currency":"USD"},
            "line_items":[{"name":"A","quantity":"1","base_price_money":{"amount":100,"currency":"EUR"}}]}}"#;
    let e = parse(&Context::for_tenant("t"), body).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.line_items[0].base_price_money.currency")
    );
}

#[test]
fn a_nameless_custom_amount_is_kept_not_rejected() {
    let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "line_items":[{"quantity":"1","item_type":"CUSTOM_AMOUNT","base_price_money":{"amount":700,"currency":"USD"},
            "total_money":{"amount":700,"currency":"USD"}}]}}"#;
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    let t = txn(&p);
    assert_eq!(
        (t.lines[0].raw_item_id.as_str(), t.lines[0].net_amount),
        ("CUSTOM_AMOUNT", d("7.00"))
    );
}

#[test]
fn apportioned_service_charges_are_not_counted_twice() {
    let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "line_items":[{"name":"A","quantity":"1","base_price_money":{"amount":1000,"currency":"USD"},
              "total_service_charge_money":{"amount":100,"currency":"USD"},"total_money":{"amount":1100,"currency":"USD"}}],
            "service_charges":[{"uid":"sc","name":"Large party","percentage":"10","treatment_type":"APPORTIONED_TREATMENT",
              "applied_money":{"amount":100,"currency":"USD"},"total_money":{"amount":100,"currency":"USD"}}]}}"#;
    let p = parse(&Context::for_tenant("t"), body).unwrap();
    let t = txn(&p);
    assert_eq!(t.lines.len(), 1);
    assert_eq!(t.lines[0].net_amount, d("11.00"));
}
#[test]
fn a_fractional_minor_amount_names_the_field() {
    let body = sample("square_orders_RetrieveOrderResponse_example.json").replacen(
        "\"amount\": 500,",
        "\"amount\": 5.5,",
        1,
    );
    let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.line_items[0].base_price_money.amount")
    );
}
#[test]
fn an_absurd_quantity_is_an_error_not_a_panic() {
    let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z",
            "line_items":[{"name":"A","quantity":"0.0000000000000000000000000001",
              "gross_sales_money":{"amount":9000000000000000000,"currency":"USD"}}]}}"#;
    let e = parse(&Context::for_tenant("t"), body).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("order.line_items[0].quantity"));
}

/// s26: Square's published examples (tests/data/real/square/PROVENANCE.md, "Square's own
/// examples").
#[test]
fn sdk_pay_order_example_two_card_tenders_and_an_errors_list_beside_the_order() {
    let p = real("sdk_doc_pay_order_two_card_tenders_with_errors.json");
    let t = txn(&p);
    assert_eq!(t.status, TxnStatus::Completed);
    // Item 1 5.00 + Item 2 2 × 7.50 = 20.00 = total_money, no tax; two KEYED VISA tenders of
    // 10.00 each.
    let net: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    assert_eq!(net, d("20.00"));
    let got: Vec<_> = t.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(
        got,
        vec![
            (TenderMethod::Card, d("10.00")),
            (TenderMethod::Card, d("10.00"))
        ]
    );
}

#[test]
fn docs_webhooks_of_a_fulfilment_and_a_revoked_authorization_map_no_sale() {
    let p = real("webhook_order_fulfillment_updated_docs.json");
    assert!(p.records.is_empty());
    assert_eq!(p.fetch_orders, vec!["eA3vssLHKJrv9H0IdJCM3gNqfdcZY"]);
    let p = real("webhook_oauth_authorization_revoked_docs.json");
    assert!(p.records.is_empty() && p.fetch_orders.is_empty());
    assert_eq!(p.kind, "oauth.authorization.revoked");
}

/// s27: Square sandbox orders as Airbyte's connector test expects them (PROVENANCE.md), as a
/// SearchOrders page. Summed by hand: 99.00 + 15 % ADDITIVE tax 14.85 = 113.85 = the KEYED
/// VISA tender; the order's `updated_at` (2021-06-22, version 13) is the day of its later
/// refunds, its business day that of its payment (2021-06-18). Two nameless CUSTOM_AMOUNT
/// orders of 20.56 and 1.00.
#[test]
fn airbyte_sandbox_orders_page_additive_tax_and_nameless_custom_amounts() {
    let p = real("airbyte_sandbox_search_orders_page_additive_tax_custom_amounts.json");
    let t = txns(&p);
    assert_eq!(t.len(), 3);
    let net_tax_paid = |t: &Transaction| {
        (
            t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            t.lines.iter().map(|l| l.tax).sum::<Decimal>(),
            t.tenders.iter().map(|x| x.amount).sum::<Decimal>(),
        )
    };
    assert_eq!(net_tax_paid(t[0]), (d("99.00"), d("14.85"), d("113.85")));
    assert_eq!(
        (t[0].source_version, t[0].business_date.to_string()),
        (13, "2021-06-18".into())
    );
    assert_eq!(
        t[0].lines[0].description.as_deref(),
        Some("Able bit (Analysis)")
    );
    assert_eq!(net_tax_paid(t[1]), (d("20.56"), d("0.00"), d("20.56")));
    assert_eq!(
        t[1].lines[0].raw_item_id, "CUSTOM_AMOUNT",
        "no catalog id, no name"
    );
    assert_eq!(net_tax_paid(t[2]), (d("1.00"), d("0.00"), d("1.00")));
    assert!(t.iter().all(|t| t.status == TxnStatus::Completed
        && t.tenders.iter().all(|x| x.method == TenderMethod::Card)));
}

/// s27: Square's CreateOrder example as the Ruby SDK's model docs print it (PROVENANCE.md):
/// an OPEN order with two ORDER-scope percentage discounts apportioned to the lines, a
/// LINE_ITEM `$1.00 off`, a 9 % ADDITIVE tax and a modifier. Summed by hand: 15.99 − (0.08 +
/// 0.79) = 15.12 + tax 1.36 = 16.48; 2 × (22.00 + 0.50 "Well") = 45.00 − (0.22 + 2.24 + 1.00)
/// = 41.54 + tax 3.74 = 45.28; 16.48 + 45.28 = `total_money` 61.76. Open and unpaid: not a sale
/// yet (cancelled until a paid version replaces it).
#[test]
fn sdk_create_order_example_open_with_apportioned_discounts_and_a_modifier() {
    let p = real("sdk_doc_create_order_open_apportioned_discounts_modifier_additive_tax.json");
    let t = txn(&p);
    assert_eq!(t.status, TxnStatus::Cancelled);
    assert!(t.tenders.is_empty());
    let got: Vec<(Decimal, Decimal, Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price, l.discount, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("1"), d("15.99"), d("0.87"), d("15.12"), d("1.36")),
            (d("2"), d("22.50"), d("3.46"), d("41.54"), d("3.74")),
        ]
    );
    assert_eq!(
        t.lines[1].description.as_deref(),
        Some("New York Steak (Larger)")
    );
}

/// s27: Square's CompletePayment example as the Ruby SDK's model docs print it
/// (PROVENANCE.md): a KEYED VISA debit payment of 5.55 with `total_money` 5.55 and a
/// generator-filler `tip_money` of 190 in ZMK beside an `errors` list. `total_money` ("amount +
/// tip") is what the card paid, so the foreign tip refuses nothing; since s30 a payment's tip is
/// its `tip_money`, but one in another currency is no share of the payment: tip 0. The same
/// tip in USD is the tip.
#[test]
fn sdk_complete_payment_example_takes_total_money_over_a_filler_tip_in_another_currency() {
    let body = real_text("sdk_doc_complete_payment_keyed_debit_tip_in_other_currency.json")
        .replace(
            r#""tip_money": {"amount": 190, "currency": "ZMK"}"#,
            r#""tip_money": {"amount": 55, "currency": "USD"}"#,
        );
    let in_usd = parse(&Context::for_tenant("t"), &body).unwrap();
    assert_eq!(tender(&in_usd).tender.tip, d("0.55"));
    let p = real("sdk_doc_complete_payment_keyed_debit_tip_in_other_currency.json");
    let x = tender(&p);
    assert_eq!(x.tender.tip, d("0"), "190 ZMK is no part of 5.55 USD");
    assert_eq!(x.key.source_txn_id, "d7eKah653Z579f3gVtjlxpSlmUcZY");
    assert_eq!((x.currency.as_str(), x.tender.amount), ("USD", d("5.55")));
    assert_eq!(
        (
            x.tender.method,
            x.tender.status,
            x.tender.card_entry,
            x.tender.card_bin.as_deref()
        ),
        (
            TenderMethod::Card,
            TenderStatus::Approved,
            Some(CardEntry::Keyed),
            Some("411111")
        )
    );
    assert_eq!(x.cashier_id.as_deref(), Some("TMoK_ogh6rH1o4dV"));
}
