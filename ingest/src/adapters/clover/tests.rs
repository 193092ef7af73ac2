//! Clover order shapes built inline (own values, edits of the fixtures): status, VAT, tax
//! removed, amount refunds and credits, merchants, and bad fields named.

use super::parse;
use super::tests_fixtures::{
    approved_tenders, ctx, d, fixture, lines_total, txn_of, whole_of, MERCHANT,
};
use crate::adapters::format::{map, Format, Meta};
use crate::envelope::{Origin, Record};
use pos_core::model::*;
use serde_json::{json, Value};

fn base() -> Value {
    serde_json::from_str(&fixture("order_cash_change.json")).unwrap()
}

fn err_field(v: &Value) -> Option<String> {
    parse(&ctx(), &v.to_string(), None).unwrap_err().field
}

#[test]
fn an_open_order_never_paid_is_cancelled_until_a_newer_paid_version_replaces_it() {
    let mut open = base();
    open["payments"] = json!({ "elements": [] });
    open["paymentState"] = json!("OPEN");
    open["state"] = json!("open");
    open["modifiedTime"] = json!(1_780_412_700_000i64);
    let t = txn_of(&open.to_string());
    assert_eq!(t.status, TxnStatus::Cancelled);
    let paid = txn_of(&base().to_string());
    assert_eq!(paid.status, TxnStatus::Completed);
    assert!(paid.source_version > t.source_version);
}

#[test]
fn payments_not_expanded_take_the_payment_state_and_test_orders_are_cancelled() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("payments");
    let t = txn_of(&v.to_string());
    assert_eq!((t.status, t.tenders.len()), (TxnStatus::Completed, 0));
    let mut test = base();
    test["testMode"] = json!(true);
    assert_eq!(txn_of(&test.to_string()).status, TxnStatus::Cancelled);
}

#[test]
fn vat_prices_include_the_tax_and_tax_removed_orders_carry_none() {
    let mut v = base();
    v["isVat"] = json!(true);
    v["currency"] = json!("EUR");
    v["lineItems"]["elements"] = json!([{ "id": "L1", "name": "Teller", "price": 1190,
        "taxRates": { "elements": [{ "id": "MWST", "rate": 1_900_000 }] } }]);
    v["payments"] = json!({ "elements": [] });
    let t = txn_of(&v.to_string());
    assert_eq!(
        (t.lines[0].net_amount, t.lines[0].tax),
        (d("10.00"), d("1.90"))
    );
    assert_eq!(t.currency, "EUR");
    let mut removed = base();
    removed["taxRemoved"] = json!(true);
    let t = txn_of(&removed.to_string());
    assert!(t.lines.iter().all(|l| l.tax.is_zero()));
    assert_eq!(lines_total(&t), d("10.98"));
}

#[test]
fn an_amount_refund_is_one_return_line_without_the_tip_and_a_credit_another() {
    let mut v = base();
    v["refunds"] = json!({ "elements": [{ "id": "R1", "amount": 700, "taxAmount": 46,
        "tipAmount": 100, "payment": { "id": "PAYCASH000001" }, "createdTime": 1_780_500_000_000i64 }] });
    v["credits"] = json!({ "elements": [{ "id": "C1", "amount": 300,
        "tender": { "labelKey": "com.clover.tender.cash" } }] });
    let t = whole_of(&v.to_string());
    let back: Vec<(&str, Decimal, Decimal)> = t.lines[2..]
        .iter()
        .map(|l| (l.raw_item_id.as_str(), l.net_amount, l.tax))
        .collect();
    assert_eq!(
        back,
        vec![
            ("refund", d("-5.54"), d("-0.46")),
            ("credit", d("-3.00"), d("0"))
        ]
    );
    assert!(t.lines[2..]
        .iter()
        .all(|l| l.kind == LineKind::Return && l.quantity == d("-1")));
    let mut refunds: Vec<(TenderMethod, Decimal)> = t.tenders[2..]
        .iter()
        .map(|x| (x.method, x.amount))
        .collect();
    refunds.sort_by_key(|r| r.1);
    assert_eq!(
        refunds,
        vec![
            (TenderMethod::Cash, d("-7.00")),
            (TenderMethod::Cash, d("-3.00"))
        ]
    );
    // The refunded tip leaves through the tender only.
    assert_eq!(approved_tenders(&t), lines_total(&t) - d("1.00"));
    let tips: Vec<(Decimal, Decimal)> = t.tenders[2..].iter().map(|x| (x.amount, x.tip)).collect();
    assert!(tips.contains(&(d("-7.00"), d("-1.00"))), "{tips:?}");
    assert!(tips.contains(&(d("-3.00"), d("0"))), "{tips:?}");
}

use rust_decimal::Decimal;

#[test]
fn a_voided_refund_returns_nothing_and_a_credit_alone_is_a_completed_return() {
    let mut v = base();
    v["refunds"] = json!({ "elements": [{ "id": "R1", "amount": 700, "voided": true }] });
    let t = txn_of(&v.to_string());
    assert_eq!(t.lines.len(), 2);
    assert_eq!(t.tenders[2].status, TenderStatus::Voided);
    let mut credit = base();
    credit["lineItems"] = json!({ "elements": [] });
    credit["payments"] = json!({ "elements": [] });
    credit["paymentState"] = json!("CREDITED");
    credit["manualTransaction"] = json!(true);
    credit["credits"] = json!({ "elements": [{ "id": "C9", "amount": 2450,
        "cardTransaction": { "first6": "411111", "entryType": "EMV_CONTACT" } }] });
    let t = txn_of(&credit.to_string());
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(
        (t.tenders[0].method, t.tenders[0].amount),
        (TenderMethod::Card, d("-24.50"))
    );
    assert_eq!(lines_total(&t), d("-24.50"));
}

#[test]
fn the_merchant_comes_from_the_caller_the_reference_or_the_href_and_is_required() {
    let mut v = base();
    let with = |v: &Value, m: Option<&str>| {
        let p = parse(&ctx(), &v.to_string(), m).unwrap();
        match p.records.into_iter().next() {
            Some(Ok(Record::Txn(t))) => t.key.store_id,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        with(&v, None),
        "S-NYC",
        "from href, mapped by [clover] merchants"
    );
    assert_eq!(with(&v, Some("OTHERMERCHANT")), "OTHERMERCHANT");
    v.as_object_mut().unwrap().remove("href");
    v["merchant"] = json!({ "id": MERCHANT });
    assert_eq!(with(&v, None), "S-NYC");
    v.as_object_mut().unwrap().remove("merchant");
    assert_eq!(err_field(&v).as_deref(), Some("merchant.id"));
}

#[test]
fn bad_fields_are_named() {
    let mut v = base();
    v["lineItems"]["elements"][1]["price"] = json!("a lot");
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[1].price")
    );
    let mut v = base();
    v["lineItems"]["elements"][0]["discounts"] = json!({ "elements": [{ "amount": 50 }] });
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[0].discounts.elements[0].amount")
    );
    let mut v = base();
    v["payments"]["elements"][0]["result"] = json!("MAYBE");
    assert_eq!(
        err_field(&v).as_deref(),
        Some("payments.elements[0].result")
    );
    let mut v = base();
    v["lineItems"]["elements"][0]["taxRates"]["elements"][0]["rate"] = json!(825_000_000i64);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[0].taxRates.elements[0].rate")
    );
    let mut v = base();
    v["lineItems"]["elements"][0]["price"] = json!(i64::MAX);
    v["lineItems"]["elements"][0]["unitQty"] = json!(i64::MAX);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[0].price")
    );
    assert_eq!(
        parse(&ctx(), "{\"foo\":1}", None)
            .unwrap_err()
            .field
            .as_deref(),
        Some("id")
    );
}

#[test]
fn a_bad_order_in_a_page_is_a_reject_naming_its_path_and_the_rest_lands() {
    let mut bad = base();
    bad["lineItems"]["elements"][0]
        .as_object_mut()
        .unwrap()
        .remove("price");
    let page = json!({ "elements": [bad, base()] });
    let p = parse(&ctx(), &page.to_string(), None).unwrap();
    match &p.records[0] {
        Err(r) => assert_eq!(r.detail["field"], "elements[0].lineItems.elements[0].price"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(p.records[1], Ok(Record::Txn(_))));
}

#[test]
fn format_maps_orders_with_the_fetching_merchant_and_asks_to_fetch_notified_orders() {
    let meta = Meta {
        merchant: Some("M-FETCHED".into()),
        ..Meta::default()
    };
    let m = map(
        &ctx(),
        &Default::default(),
        &Format::Clover,
        &fixture("order_cash_change.json"),
        &meta,
    )
    .unwrap();
    assert_eq!(m.records, 1);
    let env = &m.envelopes[0];
    match &env.records[0] {
        Record::Txn(t) => assert_eq!(t.key.store_id, "M-FETCHED"),
        other => panic!("{other:?}"),
    }
    match &env.origin {
        Origin::New(raw) => {
            assert!(raw
                .content_type
                .ends_with("format=clover; merchant=M-FETCHED"));
            assert_eq!(raw.event_id, "clover/order/CASH7N3W0X5YZ/1780412706000");
            // Replay reads the merchant back from the stored content type.
            assert_eq!(
                Meta::from_content_type(&raw.content_type)
                    .merchant
                    .as_deref(),
                Some("M-FETCHED")
            );
        }
        other => panic!("{other:?}"),
    }
    let note = r#"{"appId":"A","merchants":{"M1":[{"objectId":"O:ORD1","type":"UPDATE","ts":1}]}}"#;
    let m = map(
        &ctx(),
        &Default::default(),
        &Format::Clover,
        note,
        &Meta::default(),
    )
    .unwrap();
    assert_eq!(m.fetch_clover, vec![("M1".to_string(), "ORD1".to_string())]);
    assert!(m.envelopes[0].records.is_empty());
}

#[test]
fn the_webhook_verification_post_is_kept_without_facts() {
    let body = r#"{"verificationCode":"0b7c2f4e-8a1d-4c55-9e3a-2f6d1b0a9c77"}"#;
    let p = parse(&ctx(), body, None).unwrap();
    assert!(p.records.is_empty() && p.fetch.is_empty());
    assert!(p.event_id.starts_with("clover/"));
}

#[test]
fn the_fuzz_seeds_map() {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let mut n = 0;
    for e in std::fs::read_dir(format!("{dir}/fuzz/seeds/clover")).unwrap() {
        let body = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let p = parse(&ctx(), &body, None).unwrap();
        assert!(p.records.iter().all(|r| r.is_ok()), "{body}");
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn a_vat_order_with_a_percent_line_discount_an_order_discount_and_a_refund() {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let body =
        std::fs::read_to_string(format!("{dir}/fuzz/seeds/clover/vat_order_refund.json")).unwrap();
    let t = txn_of(&body);
    // 11.90 − 5 % (0.60) − 1.00 = 10.30 incl. 19 % VAT: 1.64 tax, 8.66 net.
    let l = &t.lines[0];
    assert_eq!(
        (l.discount, l.net_amount, l.tax),
        (d("1.60"), d("8.66"), d("1.64"))
    );
    assert_eq!(t.key.store_id, "EUMERCHANT001");
    // Cash 20.00 handed over, 9.70 change; 5.00 refunded (0.80 of it VAT).
    let amounts: Vec<Decimal> = t.tenders.iter().map(|x| x.amount).collect();
    assert_eq!(amounts, vec![d("20.00"), d("-9.70"), d("-5.00")]);
    assert_eq!(
        (t.lines[1].net_amount, t.lines[1].tax),
        (d("-4.20"), d("-0.80"))
    );
    assert_eq!(approved_tenders(&t), lines_total(&t));
}

/// Every number of every fixture set to an extreme, one at a time: an error or a mapping,
/// never a panic (the fuzz target's concern, checked here on every run).
#[test]
fn no_number_at_an_extreme_panics() {
    fn numbers(v: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Number(_) => out.push(path),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| numbers(x, [path.clone(), vec![i.to_string()]].concat(), out)),
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| numbers(x, [path.clone(), vec![k.clone()]].concat(), out)),
            _ => {}
        }
    }
    for name in [
        "order_card_tax_discounts.json",
        "order_partial_refund.json",
        "order_split_cash_debit_cashback.json",
        "order_service_charge_split.json",
        "order_card_surcharge.json",
    ] {
        let v: Value = serde_json::from_str(&fixture(name)).unwrap();
        let mut paths = Vec::new();
        numbers(&v, vec![], &mut paths);
        for p in paths {
            for x in [
                json!(i64::MAX),
                json!(i64::MIN),
                json!(-1),
                json!(0),
                json!(1e300),
            ] {
                let mut w = v.clone();
                let mut at = &mut w;
                for k in &p {
                    at = match at {
                        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
                        other => &mut other[k.as_str()],
                    };
                }
                *at = x;
                let _ = parse(&ctx(), &w.to_string(), None);
            }
        }
    }
}

/// `isRevenue: false` (a gift card, a donation, a deposit) is paid for but is no sale; its
/// refund is no return of a sale either. Absent or `true`, a line is revenue.
#[test]
fn a_line_item_not_revenue_is_a_non_revenue_line_and_so_is_its_refund() {
    let flags = |v: &Value| -> Vec<bool> {
        txn_of(&v.to_string())
            .lines
            .iter()
            .map(|l| l.non_revenue)
            .collect()
    };
    assert_eq!(flags(&base()), [false, false]);
    let mut v = base();
    v["lineItems"]["elements"][1]["isRevenue"] = json!(false);
    assert_eq!(flags(&v), [false, true]);
    v["lineItems"]["elements"][1]
        .as_object_mut()
        .unwrap()
        .remove("isRevenue");
    assert_eq!(flags(&v), [false, false]);
    let mut v: Value =
        serde_json::from_str(&fixture("order_line_refund_named_by_line_item.json")).unwrap();
    v["lineItems"]["elements"][1]["isRevenue"] = json!(false);
    let t = whole_of(&v.to_string());
    let got: Vec<_> = t.lines.iter().map(|l| (l.kind, l.non_revenue)).collect();
    assert_eq!(
        got,
        [
            (LineKind::Sale, false),
            (LineKind::Sale, true),
            (LineKind::Sale, false),
            (LineKind::Return, true)
        ]
    );
    v["lineItems"]["elements"][1]["isRevenue"] = json!("no");
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[1].isRevenue")
    );
}
