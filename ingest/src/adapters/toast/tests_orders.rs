//! Toast orders as transactions, one per check, from a page in the shape of Toast's ordersBulk
//! answer (tests/data/real/toast/PROVENANCE.md) and edits of it.

use super::testkit::{ctx, fixture, rejects, txns, RESTAURANT_GUID};
use super::*;
use crate::adapters::format::{map, Format, Meta};
use chrono::{DateTime, NaiveDate};
use pos_core::model::*;
use rust_decimal::Decimal;
use std::collections::HashMap;

const PAGE: &str = "orders_bulk_business_day.json";
const SERVER: &str = "9851e4d5-25f4-4a82-95af-4c654a13d22e";
const SERVER_B: &str = "69701591-42ac-430c-9b90-1e7842d60baa";
/// The order split in two checks, and its checks.
const ORDER: &str = "a1f0c9e2-4b3d-4c5e-9f6a-7b8c9d0e1f2a";
const SPLIT_1: &str = "c11d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const SPLIT_2: &str = "c22e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";
/// The deleted order's check, and the check still open.
const DELETED: &str = "c33f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b";
const OPEN: &str = "c44a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c";

fn page() -> Value {
    fixture(PAGE)
}

fn parsed(v: &Value) -> Parsed {
    parse(&ctx(), &v.to_string()).unwrap()
}

fn txn<'a>(p: &'a Parsed, check: &str) -> &'a Transaction {
    txns(p)
        .into_iter()
        .find(|t| t.key.source_txn_id == check)
        .unwrap_or_else(|| panic!("no transaction for check {check}"))
}

fn line(t: &Transaction, no: i32) -> &Line {
    t.lines.iter().find(|l| l.line_no == no).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn net(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount).sum()
}

fn tax(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.tax).sum()
}

fn paid(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|x| x.amount).sum()
}

fn tips(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|x| x.tip).sum()
}

fn statuses(v: &Value) -> Vec<(String, TxnStatus)> {
    let p = parsed(v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    txns(&p)
        .iter()
        .map(|t| (t.key.source_txn_id.clone(), t.status))
        .collect()
}

#[test]
fn a_business_day_gives_one_transaction_per_check_with_its_statuses() {
    let p = parsed(&page());
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    assert_eq!(
        statuses(&page()),
        vec![
            (SPLIT_1.to_string(), TxnStatus::Completed),
            (SPLIT_2.to_string(), TxnStatus::Completed),
            (DELETED.to_string(), TxnStatus::Cancelled),
            (OPEN.to_string(), TxnStatus::Cancelled),
        ]
    );
    let t = txn(&p, SPLIT_1);
    assert_eq!(
        (t.key.store_id.as_str(), t.key.source.as_str()),
        ("bistro", "toast")
    );
    assert_eq!(t.currency, "USD");
    // The check's opening, not its payment: the stored key must not move between fetches.
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-09T23:02:11.120+00:00");
    // Toast's business day of the order, though the payment was after midnight UTC.
    assert_eq!(
        t.business_date,
        NaiveDate::from_ymd_opt(2026, 10, 9).unwrap()
    );
    assert_eq!(t.cashier_id.as_deref(), Some(SERVER));
    // The split check was opened by another server than the order's.
    assert_eq!(txn(&p, SPLIT_2).cashier_id.as_deref(), Some(SERVER_B));
    // Without `openedBy`, the order's server.
    let mut v = page();
    v["orders"][0]["checks"][1]["openedBy"] = Value::Null;
    assert_eq!(
        txn(&parsed(&v), SPLIT_2).cashier_id.as_deref(),
        Some(SERVER)
    );
    let modified = DateTime::parse_from_rfc3339("2026-10-10T01:15:22.318Z").unwrap();
    assert_eq!(t.source_version, modified.timestamp_millis());
    assert_eq!(txn(&p, SPLIT_2).source_version, t.source_version);
}

/// The lines add up to Toast's own check totals (`amount`, `taxAmount`), the voided
/// selection netting to nothing, and the tenders to those plus the tips, less the refund.
#[test]
fn each_check_balances_with_toasts_totals_and_its_tenders() {
    let v = page();
    let p = parsed(&v);
    for (j, check) in [SPLIT_1, SPLIT_2].into_iter().enumerate() {
        let c = &v["orders"][0]["checks"][j];
        let t = txn(&p, check);
        let sold = |f: fn(&Line) -> Decimal| -> Decimal {
            t.lines
                .iter()
                .filter(|l| l.kind != LineKind::Return)
                .map(f)
                .sum()
        };
        assert_eq!(
            sold(|l| l.net_amount),
            dec(&c["amount"].to_string()),
            "{check}"
        );
        assert_eq!(sold(|l| l.tax), dec(&c["taxAmount"].to_string()), "{check}");
    }
    let a = txn(&p, SPLIT_1);
    // 16 + 8.10 + (8 − 8 voided) + (12 − 12 refunded) + 5 service charge.
    assert_eq!((net(a), tax(a)), (dec("29.10"), dec("2.58")));
    // Cash 20 + card 24.75 with a 6.00 tip − the 13.07 refunded to the card: tenders less
    // their tips are the lines.
    assert_eq!(paid(a), net(a) + tax(a) + dec("6.00"));
    assert_eq!(paid(a) - tips(a), net(a) + tax(a));
    let b = txn(&p, SPLIT_2);
    assert_eq!((net(b), tax(b)), (dec("24.00"), dec("2.13")));
    // The voided card payment is no tender; the tap with its 4.00 tip is.
    assert_eq!(b.tenders.len(), 1);
    assert_eq!(paid(b), dec("30.13"));
}

#[test]
fn a_voided_selection_lands_with_its_void_beside_it() {
    let p = parsed(&page());
    let t = txn(&p, SPLIT_1);
    let (sale, void) = (
        line(t, 3),
        line(t, crate::adapters::poslog::VOID_LINE_OFFSET + 3),
    );
    assert_eq!(
        (sale.kind, sale.quantity, sale.net_amount, sale.tax),
        (LineKind::Sale, dec("1"), dec("8.00"), dec("0.71"))
    );
    assert_eq!(
        (void.kind, void.quantity, void.net_amount, void.tax),
        (LineKind::Void, dec("-1"), dec("-8.00"), dec("-0.71"))
    );
    assert_eq!(void.raw_item_id, sale.raw_item_id);
    assert_eq!(void.description.as_deref(), Some("House IPA"));
}

#[test]
fn selections_keep_price_discount_modifiers_and_item() {
    let p = parsed(&page());
    let t = txn(&p, SPLIT_1);
    let burger = line(t, 1);
    // The bacon modifier is inside Toast's price (16 = 14 + 2), not a line of its own.
    assert_eq!(
        (burger.unit_price, burger.net_amount, burger.discount),
        (dec("16"), dec("16.00"), dec("0"))
    );
    assert_eq!(burger.raw_item_id, "1f2e3d4c-1111-4b5a-9c8d-7e6f5a4b3c21");
    let fries = line(t, 2);
    assert_eq!(
        (
            fries.quantity,
            fries.unit_price,
            fries.discount,
            fries.net_amount
        ),
        (dec("2"), dec("4.5"), dec("0.90"), dec("8.10"))
    );
    assert_eq!(t.lines.len(), 7, "4 selections, a void, a return, a charge");
}

#[test]
fn a_refunded_selection_is_a_return_line_linked_to_it_and_a_negative_tender() {
    let p = parsed(&page());
    let t = txn(&p, SPLIT_1);
    let r = line(t, 200_004);
    assert_eq!(
        (r.kind, r.quantity, r.net_amount, r.tax),
        (LineKind::Return, dec("-1"), dec("-12.00"), dec("-1.07"))
    );
    assert_eq!(
        (r.original_txn_id.as_deref(), r.original_line_no),
        (Some(SPLIT_1), Some(4))
    );
    assert_eq!(r.description.as_deref(), Some("Caesar Salad"));
    let back: Vec<_> = t
        .tenders
        .iter()
        .filter(|x| x.amount < Decimal::ZERO)
        .collect();
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].amount, back[0].method, back[0].card_bin.as_deref()),
        (dec("-13.07"), TenderMethod::Card, Some("476173"))
    );
    assert_eq!(back[0].card_entry, None);
}

/// The return line of the fixture's fries (two of them) refunded by these `refundDetails`.
fn fries_refunded(details: Value) -> Line {
    let mut v = page();
    v["orders"][0]["checks"][0]["selections"][1]["refundDetails"] = details;
    line(txn(&parsed(&v), SPLIT_1), 200_002).clone()
}

#[test]
fn a_partial_refund_returns_its_share_of_the_quantity() {
    let r = fries_refunded(serde_json::json!({"refundAmount": 4.05, "taxRefundAmount": 0.36}));
    assert_eq!((r.quantity, r.net_amount), (dec("-1"), dec("-4.05")));
}

#[test]
fn a_refund_of_the_tax_alone_returns_no_units() {
    let r = fries_refunded(serde_json::json!({"refundAmount": 0, "taxRefundAmount": 0.36}));
    assert_eq!(
        (r.quantity, r.net_amount, r.tax),
        (Decimal::ZERO, Decimal::ZERO, dec("-0.36"))
    );
}

#[test]
fn an_applied_service_charge_is_a_charge_line_with_its_taxes() {
    let p = parsed(&page());
    let c = line(txn(&p, SPLIT_1), 5);
    assert_eq!(
        (c.kind, c.quantity, c.net_amount, c.tax),
        (LineKind::Sale, dec("1"), dec("5.00"), dec("0.44"))
    );
    assert_eq!(
        c.raw_item_id,
        "service_charge:b0c1d2e3-8888-4f8a-9b0c-1d2e3f4a5b6d"
    );
    assert_eq!(c.description.as_deref(), Some("Event Fee"));
}

/// Gift cards sold, house accounts paid and gratuities are paid for but are not sales:
/// Toast's own net sales leave them out, and so must ours.
#[test]
fn deferred_selections_card_sales_and_gratuities_are_not_revenue() {
    let flags = |v: &Value| -> Vec<bool> {
        let p = parsed(v);
        assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
        [1, 2, 4, 5]
            .iter()
            .map(|&no| line(txn(&p, SPLIT_1), no).non_revenue)
            .collect()
    };
    assert_eq!(flags(&page()), [false; 4], "the fixture sells food only");
    let mut v = page();
    let check = &mut v["orders"][0]["checks"][0];
    check["selections"][0]["deferred"] = true.into();
    check["selections"][1]["selectionType"] = "TOAST_CARD_SELL".into();
    check["selections"][3]["selectionType"] = "HOUSE_ACCOUNT_PAY_BALANCE".into();
    check["appliedServiceCharges"][0]["gratuity"] = true.into();
    assert_eq!(flags(&v), [true; 4]);
    // The refund of a gift card sold is no more a sale than its sale was.
    let p = parsed(&v);
    assert!(line(txn(&p, SPLIT_1), 200_004).non_revenue);
    // Other selection types (an open item, a special request) stay sales.
    let mut v = page();
    v["orders"][0]["checks"][0]["selections"][0]["selectionType"] = "OPEN_ITEM".into();
    assert_eq!(flags(&v), [false; 4]);
}

#[test]
fn tips_are_in_their_tender_and_cards_keep_bin_token_and_entry() {
    let p = parsed(&page());
    let a = txn(&p, SPLIT_1);
    let cash = a
        .tenders
        .iter()
        .find(|x| x.method == TenderMethod::Cash)
        .unwrap();
    assert_eq!(cash.amount, dec("20.00"));
    assert_eq!((cash.card_bin.clone(), cash.card_entry), (None, None));
    let chip = a
        .tenders
        .iter()
        .find(|x| x.method == TenderMethod::Card && x.amount > Decimal::ZERO)
        .unwrap();
    assert_eq!(chip.amount, dec("30.75"), "24.75 + the 6.00 tip");
    assert_eq!((chip.tip, cash.tip), (dec("6.00"), Decimal::ZERO));
    assert_eq!(
        (chip.card_entry, chip.card_fingerprint.clone()),
        (Some(CardEntry::Chip), None)
    );
    let tap = &txn(&p, SPLIT_2).tenders[0];
    assert_eq!((tap.amount, tap.tip), (dec("30.13"), dec("4.00")));
    assert_eq!(
        (tap.card_bin.as_deref(), tap.card_entry, tap.status),
        (
            Some("522222"),
            Some(CardEntry::Contactless),
            TenderStatus::Approved
        )
    );
    assert_eq!(
        tap.card_fingerprint.as_deref(),
        Some("7d9f5b2e-0c4a-4e1b-9a3f-2b6c8d0e4f17")
    );
    assert_eq!(
        tap.tender_no,
        crate::adapters::number_from_id("f1a2b3c4-0004-4d5e-8f6a-7b8c9d0e1f24")
    );
}

#[test]
fn a_voided_check_is_post_voided_when_paid_and_cancelled_when_not() {
    let mut v = page();
    v["orders"][0]["checks"][0]["voided"] = Value::Bool(true);
    v["orders"][2]["checks"][0]["voided"] = Value::Bool(true);
    let s = statuses(&v);
    assert_eq!(s[0], (SPLIT_1.to_string(), TxnStatus::PostVoided));
    assert_eq!(s[3], (OPEN.to_string(), TxnStatus::Cancelled));
    // A deleted check of a paid order, and a paid check of a deleted order, are no sale.
    let mut v = page();
    v["orders"][0]["checks"][1]["deleted"] = Value::Bool(true);
    assert_eq!(statuses(&v)[1].1, TxnStatus::Cancelled);
    let mut v = page();
    v["orders"][0]["deleted"] = Value::Bool(true);
    assert!(statuses(&v)[..2]
        .iter()
        .all(|(_, s)| *s == TxnStatus::Cancelled));
}

#[test]
fn the_open_check_is_cancelled_until_a_later_version_pays_it() {
    let mut v = page();
    let c = &mut v["orders"][2]["checks"][0];
    c["paymentStatus"] = Value::from("CLOSED");
    c["paidDate"] = Value::from("2026-10-10T03:05:00.000+0000");
    v["orders"][2]["modifiedDate"] = Value::from("2026-10-10T03:05:01.000+0000");
    let (before, after) = (parsed(&page()), parsed(&v));
    let (open, paid) = (txn(&before, OPEN), txn(&after, OPEN));
    assert_eq!(
        (open.status, paid.status),
        (TxnStatus::Cancelled, TxnStatus::Completed)
    );
    assert!(paid.source_version > open.source_version);
    // Same stored key: the paid version replaces the open one's row.
    assert_eq!((paid.occurred_at, &paid.key), (open.occurred_at, &open.key));
    let mut v = page();
    v["orders"][2]["checks"][0]["paymentStatus"] = Value::from("SETTLED");
    let r = rejects(&parsed(&v))[0].detail["field"].clone();
    assert_eq!(r, "orders[2].checks[0].paymentStatus");
}

#[test]
fn a_newer_fetch_has_a_higher_version_and_is_another_page() {
    let first = parsed(&page());
    assert!(
        first.event_id.starts_with("toast_orders/"),
        "{}",
        first.event_id
    );
    // Formatting and keys that are not the orders' identity are not content.
    let mut v = page();
    v["businessDate"] = Value::from(20261010);
    assert_eq!(parsed(&v).event_id, first.event_id);
    let version = |v: &Value| txn(&parsed(v), SPLIT_1).source_version;
    let mut newer = page();
    newer["orders"][0]["modifiedDate"] = Value::from("2026-10-10T02:00:00.000+0000");
    let mut older = page();
    older["orders"][0]["modifiedDate"] = Value::from("2026-10-09T23:59:00.000+0000");
    assert!(version(&newer) > version(&page()));
    assert!(version(&older) < version(&page()));
    assert_ne!(parsed(&newer).event_id, first.event_id);
    let mut other = page();
    other["restaurantGuid"] = Value::from("another-restaurant");
    assert_ne!(parsed(&other).event_id, first.event_id);
}

#[test]
fn a_bad_check_rejects_itself_alone_naming_its_path() {
    let mut v = page();
    v["orders"][0]["checks"][1]["selections"][0]["price"] = Value::from("lots");
    let p = parsed(&v);
    let r = rejects(&p);
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].detail["field"],
        "orders[0].checks[1].selections[0].price"
    );
    assert!(r[0].payload.as_deref().unwrap().contains(SPLIT_2));
    let landed: Vec<_> = txns(&p)
        .iter()
        .map(|t| t.key.source_txn_id.clone())
        .collect();
    assert_eq!(landed, vec![SPLIT_1, DELETED, OPEN]);
    // A bad order takes its checks with it, and only them.
    let mut v = page();
    v["orders"][1].as_object_mut().unwrap().remove("guid");
    let p = parsed(&v);
    assert_eq!(rejects(&p)[0].detail["field"], "orders[1].guid");
    assert_eq!(txns(&p).len(), 3);
}

#[test]
fn a_time_without_its_offset_is_rejected_naming_the_field() {
    let mut v = page();
    v["orders"][0]["checks"][0]["openedDate"] = Value::from("2026-10-09T23:02:11.120");
    v["orders"][2]["modifiedDate"] = Value::from("2026-10-10T02:31:12.009");
    let p = parsed(&v);
    let r = rejects(&p);
    let fields: Vec<_> = r.iter().map(|r| r.detail["field"].clone()).collect();
    assert_eq!(
        fields,
        vec!["orders[0].checks[0].openedDate", "orders[2].modifiedDate"]
    );
    assert!(r[0].reason.contains("ISO 8601"), "{}", r[0].reason);
    assert_eq!(txns(&p).len(), 2);
}

#[test]
fn without_a_currency_every_check_is_rejected_naming_its_amount() {
    let mut c = ctx();
    c.default_currency = String::new();
    let p = parse(&c, &page().to_string()).unwrap();
    let fields: Vec<_> = rejects(&p)
        .iter()
        .map(|r| r.detail["field"].clone())
        .collect();
    assert_eq!(fields.len(), 4);
    assert_eq!(fields[0], "orders[0].checks[0].amount");
    assert!(rejects(&p)[0].reason.contains("[stores.bistro] currency"));
    c.store_currency.insert("bistro".into(), "CAD".into());
    let p = parse(&c, &page().to_string()).unwrap();
    assert!(txns(&p).iter().all(|t| t.currency == "CAD"));
}

#[test]
fn a_body_names_its_restaurant_and_one_of_entries_or_orders() {
    let mut v = page();
    v.as_object_mut().unwrap().remove("restaurantGuid");
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("restaurantGuid"));
    assert!(e.message.contains("\"orders\""), "{e}");
    let mut v = page();
    v["entries"] = serde_json::json!([]);
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("entries|orders"));
    assert!(e.message.contains("both present"), "{e}");
    let e = parse(
        &ctx(),
        &format!("{{\"restaurantGuid\":\"{RESTAURANT_GUID}\"}}"),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("entries|orders"));
    assert!(e.message.contains("ordersBulk"), "{e}");
    let mut v = page();
    v["orders"] = serde_json::json!({"guid": ORDER});
    let e = parse(&ctx(), &v.to_string()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("orders"));
    let empty = parse(&ctx(), r#"{"restaurantGuid":"x","orders":[]}"#).unwrap();
    assert!(empty.records.is_empty());
}

#[test]
fn orders_go_through_the_toast_format() {
    let body = page().to_string();
    let m = map(
        &ctx(),
        &HashMap::new(),
        &Format::Toast,
        &body,
        &Meta::default(),
    )
    .unwrap();
    // The checks' transactions, and the retraction of the refunded check's `/refunds` (its
    // refund was made on its own day: see tests_refunds).
    assert_eq!((m.envelopes.len(), m.records), (1, 5));
    let crate::envelope::Origin::New(raw) = &m.envelopes[0].origin else {
        panic!()
    };
    assert!(
        raw.event_id.starts_with("toast_orders/"),
        "{}",
        raw.event_id
    );
}

#[test]
fn amounts_beyond_decimal_range_are_rejects_not_panics() {
    let mut v = page();
    let c = &mut v["orders"][0]["checks"][1];
    c["selections"][0]["preDiscountPrice"] = serde_json::json!(7.9e28);
    c["selections"][0]["price"] = serde_json::json!(-7.9e28);
    let mut w = page();
    w["orders"][0]["checks"][1]["payments"][1]["amount"] = serde_json::json!(7.9e28);
    w["orders"][0]["checks"][1]["payments"][1]["tipAmount"] = serde_json::json!(7.9e28);
    // Each is beyond the 10^12 any amount is held to (see `read::MAX_AMOUNT`), so the first
    // read is the one named.
    for (body, field) in [
        (v, "orders[0].checks[1].selections[0].price"),
        (w, "orders[0].checks[1].payments[1].amount"),
    ] {
        let p = parsed(&body);
        assert_eq!(rejects(&p)[0].detail["field"], field);
        assert_eq!(txns(&p).len(), 3);
    }
}
