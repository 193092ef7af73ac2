//! The fixtures of tests/data/real/clover (Clover REST order shapes, see PROVENANCE.md there):
//! rows and totals, and tenders = net + tax (+ tips) as Clover's own `total` says.

use super::parse;
use crate::adapters::Context;
use crate::envelope::Record;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

pub(super) const MERCHANT: &str = "7XK2PJ9ZQ4M1A";

pub(super) fn fixture(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/clover/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(super) fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.store_tz
        .insert("S-NYC".into(), chrono_tz::America::New_York);
    c.clover_merchants.insert(MERCHANT.into(), "S-NYC".into());
    c
}

pub(super) fn txn_of(body: &str) -> Transaction {
    let p = parse(&ctx(), body, None).unwrap();
    match p.records.into_iter().next() {
        Some(Ok(Record::Txn(t))) => *t,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

/// The order of `body` with its refunds made on other days (their own transactions) merged
/// back in, lines and tenders: for tests of what a refund maps to, not of the day it lands on.
pub(super) fn whole_of(body: &str) -> Transaction {
    let p = parse(&ctx(), body, None).unwrap();
    let mut ts = p.records.into_iter().map(|r| match r {
        Ok(Record::Txn(t)) => *t,
        other => panic!("expected a transaction, got {other:?}"),
    });
    let mut t = ts.next().expect("a transaction");
    for r in ts {
        t.lines.extend(r.lines);
        t.tenders.extend(r.tenders);
    }
    t.lines.sort_by_key(|l| l.line_no);
    t
}

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(super) fn lines_total(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

pub(super) fn approved_tenders(t: &Transaction) -> Decimal {
    t.tenders
        .iter()
        .filter(|x| x.status == TenderStatus::Approved)
        .map(|x| x.amount)
        .sum()
}

/// The tips of the approved tenders summed.
pub(super) fn approved_tips(t: &Transaction) -> Decimal {
    t.tenders
        .iter()
        .filter(|x| x.status == TenderStatus::Approved)
        .map(|x| x.tip)
        .sum()
}

/// Clover's `total` of the order in major units, to check our arithmetic against Clover's.
pub(super) fn clover_total(body: &str) -> Decimal {
    let v: Value = serde_json::from_str(body).unwrap();
    Decimal::new(v["total"].as_i64().unwrap(), 2)
}

#[test]
fn card_sale_prices_modifiers_weights_line_and_order_discounts_and_tax_per_rate() {
    let body = fixture("order_card_tax_discounts.json");
    let t = txn_of(&body);
    assert_eq!(t.key.store_id, "S-NYC");
    assert_eq!(t.key.source_txn_id, "QK4ZT1M8A2B3C");
    assert_eq!(t.source_version, 1_780_027_843_000);
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(t.cashier_id.as_deref(), Some("EMPL0RIVERA01"));
    assert_eq!(t.customer_id.as_deref(), Some("CUSTMAYA00001"));
    assert!(t.register_id.is_some());
    // Rung up at 23:50 New York time, paid at 00:10: the day it was paid.
    assert_eq!(t.business_date.to_string(), "2026-05-29");
    let net: Vec<Decimal> = t.lines.iter().map(|l| l.net_amount).collect();
    assert_eq!(net, vec![d("4.48"), d("3.35"), d("25.47")]);
    let tax: Vec<Decimal> = t.lines.iter().map(|l| l.tax).collect();
    assert_eq!(tax, vec![d("0.37"), d("0.28"), d("0")]);
    let l = &t.lines[0];
    assert_eq!(
        (l.unit_price, l.discount, l.sku.as_str()),
        (d("5.25"), d("0.77"), "00012345678905")
    );
    assert_eq!(
        (t.lines[2].quantity, t.lines[2].unit_price),
        (d("1.5"), d("18.00"))
    );
    assert_eq!(lines_total(&t), clover_total(&body));
    let card = &t.tenders[0];
    assert_eq!((card.method, card.amount), (TenderMethod::Card, d("38.95")));
    assert_eq!(card.card_bin.as_deref(), Some("424242"));
    assert_eq!(card.card_entry, Some(CardEntry::Chip));
    // Tenders exceed the lines by the tip, the card's `tipAmount` 500.
    assert_eq!(card.tip, d("5.00"));
    assert_eq!(approved_tenders(&t) - approved_tips(&t), lines_total(&t));
}

#[test]
fn cash_sale_gives_change_as_a_negative_cash_tender() {
    let body = fixture("order_cash_change.json");
    let t = txn_of(&body);
    let amounts: Vec<Decimal> = t.tenders.iter().map(|x| x.amount).collect();
    assert_eq!(amounts, vec![d("20.00"), d("-8.11")]);
    assert!(t.tenders.iter().all(|x| x.method == TenderMethod::Cash));
    assert_eq!(t.lines[1].sku, "00078000002539");
    assert_eq!(lines_total(&t), clover_total(&body));
    assert_eq!(approved_tenders(&t), lines_total(&t));
}

#[test]
fn split_tender_with_debit_cash_back_charges_the_card_and_pays_the_cash_out() {
    let body = fixture("order_split_cash_debit_cashback.json");
    let t = txn_of(&body);
    let got: Vec<(TenderMethod, Decimal)> =
        t.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(
        got,
        vec![
            (TenderMethod::Cash, d("10.00")),
            (TenderMethod::Card, d("37.80")),
            (TenderMethod::Cash, d("-20.00")),
        ]
    );
    assert_eq!(t.tenders[1].card_entry, Some(CardEntry::Contactless));
    assert_eq!(lines_total(&t), clover_total(&body));
    assert_eq!(approved_tenders(&t), lines_total(&t));
    let nos: std::collections::HashSet<i32> = t.tenders.iter().map(|x| x.tender_no).collect();
    assert_eq!(nos.len(), 3, "every tender has its own number");
}

#[test]
fn partial_refund_of_a_line_item_is_a_return_line_and_a_refund_to_the_card() {
    let body = fixture("order_partial_refund.json");
    let t = whole_of(&body);
    assert_eq!(t.lines.len(), 3);
    let r = &t.lines[2];
    assert_eq!(r.kind, LineKind::Return);
    assert_eq!(
        (r.quantity, r.net_amount, r.tax),
        (d("-1"), d("-20.00"), d("-1.20"))
    );
    assert_eq!(r.raw_item_id, "SKU-CAP-BLK");
    assert_eq!(r.original_txn_id.as_deref(), Some("RFND9H2J4K6LM"));
    assert_eq!(r.original_line_no, Some(2));
    let refund = &t.tenders[1];
    assert_eq!(
        (refund.method, refund.amount),
        (TenderMethod::Card, d("-21.20"))
    );
    assert_eq!(refund.card_bin.as_deref(), Some("545454"));
    assert_eq!(approved_tenders(&t), lines_total(&t));
    assert_eq!(lines_total(&t), clover_total(&body) - d("21.20"));
}

#[test]
fn voided_card_payment_stays_as_a_voided_tender_beside_the_cash_that_paid() {
    let body = fixture("order_voided_payment.json");
    let t = txn_of(&body);
    assert_eq!(t.status, TxnStatus::Completed);
    let got: Vec<(TenderStatus, Decimal)> =
        t.tenders.iter().map(|x| (x.status, x.amount)).collect();
    assert_eq!(
        got,
        vec![
            (TenderStatus::Voided, d("5.00")),
            (TenderStatus::Approved, d("5.00"))
        ]
    );
    assert_eq!(t.tenders[0].card_entry, Some(CardEntry::Keyed));
    assert_eq!(approved_tenders(&t), lines_total(&t));
    // Without the cash payment, the sale was paid and voided: post-voided.
    let mut v: Value = serde_json::from_str(&body).unwrap();
    v["payments"]["elements"].as_array_mut().unwrap().pop();
    assert_eq!(txn_of(&v.to_string()).status, TxnStatus::PostVoided);
}

#[test]
fn every_fixture_maps_and_a_page_of_them_maps_each() {
    let names = [
        "order_card_tax_discounts.json",
        "order_cash_change.json",
        "order_split_cash_debit_cashback.json",
        "order_partial_refund.json",
        "order_voided_payment.json",
        "order_service_charge_split.json",
        "order_card_surcharge.json",
    ];
    let orders: Vec<Value> = names
        .iter()
        .map(|n| serde_json::from_str(&fixture(n)).unwrap())
        .collect();
    let page = serde_json::json!({ "elements": orders, "href": "https://api.clover.com/v3/merchants/x/orders" });
    let p = parse(&ctx(), &page.to_string(), None).unwrap();
    // Seven orders, and the partial refund made two days after its order: a transaction of
    // its own on that day.
    assert_eq!(p.records.len(), 8);
    assert!(p.records.iter().all(|r| matches!(r, Ok(Record::Txn(_)))));
    assert!(p.event_id.starts_with("clover/orders/"));
}

/// The fixture's refund was made two days after the sale (2026-06-07 12:30 in New York): it
/// lands on that day as a transaction of its own, the order keeping its sale on the 5th; each
/// balances. The same refund made on the sale's day stays in the order.
#[test]
fn a_refund_made_on_a_later_day_lands_on_that_day() {
    let body = fixture("order_partial_refund.json");
    let p = parse(&ctx(), &body, None).unwrap();
    let ts = crate::adapters::testkit::txns_of(&p.records);
    assert_eq!(ts.len(), p.records.len(), "no rejects");
    let [sale, back] = ts[..] else {
        panic!("expected the order and its refund, got {ts:?}")
    };
    assert_eq!(
        (
            sale.key.source_txn_id.as_str(),
            sale.business_date.to_string()
        ),
        ("RFND9H2J4K6LM", "2026-06-05".into())
    );
    assert_eq!(
        (
            back.key.source_txn_id.as_str(),
            back.business_date.to_string()
        ),
        ("RFND9H2J4K6LM/refund/REFCAP0000001", "2026-06-07".into())
    );
    assert_eq!(back.occurred_at.timestamp_millis(), 1_780_849_800_000);
    assert_eq!(
        (back.status, back.source_version),
        (sale.status, sale.source_version)
    );
    assert!(sale.lines.iter().all(|l| l.kind == LineKind::Sale));
    assert_eq!(
        (lines_total(sale), approved_tenders(sale)),
        (d("68.90"), d("68.90"))
    );
    assert_eq!(
        (lines_total(back), approved_tenders(back)),
        (d("-21.20"), d("-21.20"))
    );
    assert_eq!(
        back.lines[0].original_txn_id.as_deref(),
        Some("RFND9H2J4K6LM")
    );
    // Made the same day (an hour after the sale): one transaction, as before.
    let mut v: Value = serde_json::from_str(&body).unwrap();
    v["refunds"]["elements"][0]["createdTime"] = serde_json::json!(1_780_693_200_000i64);
    let p = parse(&ctx(), &v.to_string(), None).unwrap();
    // One transaction, and the retraction of the refund's own transaction, which an earlier
    // version (made before the order's day moved, say) may have written.
    assert_eq!(p.records.len(), 2);
    let Ok(Record::Retract(r)) = &p.records[1] else {
        panic!("{:?}", p.records[1])
    };
    assert_eq!(
        (
            r.key.source_txn_id.as_str(),
            r.occurred_at.map(|t| t.timestamp_millis())
        ),
        (
            "RFND9H2J4K6LM/refund/REFCAP0000001",
            Some(1_780_693_200_000)
        )
    );
    assert_eq!(r.source_version, sale.source_version);
    assert_eq!(lines_total(&txn_of(&v.to_string())), d("47.70"));
}

/// A tab opened days before it was paid is stored at its payment (the daily views of the day
/// it counts on look two days around it) and retracts the row an unpaid version stored at its
/// opening.
#[test]
fn an_order_paid_days_after_it_was_opened_is_stored_at_its_payment() {
    let mut v: Value = serde_json::from_str(&fixture("order_partial_refund.json")).unwrap();
    let paid = v["payments"]["elements"][0]["createdTime"]
        .as_i64()
        .unwrap();
    v["createdTime"] = json!(paid - 5 * 86_400_000);
    let p = parse(&ctx(), &v.to_string(), None).unwrap();
    let ts = crate::adapters::testkit::txns_of(&p.records);
    assert_eq!(ts[0].occurred_at.timestamp_millis(), paid);
    assert_eq!(ts[0].business_date.to_string(), "2026-06-05");
    let back: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Retract(x)) if x.key == ts[0].key => Some((x.occurred_at, x.source_version)),
            _ => None,
        })
        .collect();
    assert_eq!(back, [(None, ts[0].source_version)]);
}

/// A voided or failed refund moved no money: on another day it does not become an empty
/// transaction there (one more "sale" in that day's count); it stays a tender of the order.
#[test]
fn a_refund_that_did_not_go_through_stays_with_its_order() {
    let mut v: Value = serde_json::from_str(&fixture("order_partial_refund.json")).unwrap();
    for (field, value) in [("voided", json!(true)), ("status", json!("FAIL"))] {
        let mut w = v.clone();
        w["refunds"]["elements"][0][field] = value;
        let p = parse(&ctx(), &w.to_string(), None).unwrap();
        let ts = crate::adapters::testkit::txns_of(&p.records);
        assert_eq!(ts.len(), 1, "{field}: {ts:?}");
        assert!(ts[0].lines.iter().all(|l| l.kind == LineKind::Sale));
        assert!(ts[0]
            .tenders
            .iter()
            .any(|x| x.amount == d("-21.20") && x.status != TenderStatus::Approved));
    }
    // And a refund that went through still splits (the fixture as it is).
    v["refunds"]["elements"][0]["status"] = json!("SUCCESS");
    assert_eq!(
        parse(&ctx(), &v.to_string(), None).unwrap().records.len(),
        2
    );
}

/// A refund timed in seconds (read as 1970) is not split off into a transaction of its own that
/// would be refused alone while the order landed without it: the order keeps it and the whole
/// is refused, naming the time.
#[test]
fn a_refund_with_a_time_out_of_range_is_refused_with_its_order() {
    let mut v: Value = serde_json::from_str(&fixture("order_partial_refund.json")).unwrap();
    v["refunds"]["elements"][0]["createdTime"] = json!(1_780_849_800i64);
    let p = parse(&ctx(), &v.to_string(), None).unwrap();
    let txns = crate::adapters::testkit::txns_of(&p.records);
    let rejects = crate::adapters::testkit::rejects_of(&p.records);
    assert!(txns.is_empty(), "{txns:?}");
    assert_eq!(rejects.len(), 1);
    assert!(rejects[0].reason.contains("1990"), "{}", rejects[0].reason);
}

/// Money given back without naming line items is a return of goods, unless the order sold
/// nothing but non-revenue items (a gift card): then it gives those back.
#[test]
fn an_amount_refund_of_an_order_of_gift_cards_only_is_not_revenue() {
    let mut v: Value = serde_json::from_str(&fixture("order_partial_refund.json")).unwrap();
    v["refunds"]["elements"][0]
        .as_object_mut()
        .unwrap()
        .remove("lineItems");
    for li in v["lineItems"]["elements"].as_array_mut().unwrap() {
        li.as_object_mut().unwrap().remove("refunded");
        li.as_object_mut().unwrap().remove("refund");
    }
    let back = |v: &Value| -> (i32, bool) {
        let p = parse(&ctx(), &v.to_string(), None).unwrap();
        let ts = crate::adapters::testkit::txns_of(&p.records);
        let r = ts[1]
            .lines
            .iter()
            .find(|l| l.kind == LineKind::Return)
            .unwrap();
        (ts[1].lines.len() as i32, r.non_revenue)
    };
    assert_eq!(
        back(&v),
        (1, false),
        "revenue items sold: a return of goods"
    );
    v["lineItems"]["elements"][0]["isRevenue"] = json!(false);
    assert_eq!(back(&v), (1, false), "one revenue item left: still goods");
    v["lineItems"]["elements"][1]["isRevenue"] = json!(false);
    assert_eq!(back(&v), (1, true), "gift cards only");
}
