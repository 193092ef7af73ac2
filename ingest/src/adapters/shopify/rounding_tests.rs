//! POS cash rounding (`rounding.rs`) in both tender modes. Orders in the REST shape of 2025
//! payloads (`total_cash_rounding_*_adjustment_set` beside `total_price_set`), own values.

use super::tests::d;
use super::*;
use crate::config::ShopifyTenders;
use crate::envelope::TenderRecord;

/// A POS cash order of `total` (one line of `price` + 5 % GST `tax`) whose payment rounding is
/// `adj` in shop money (`currency` on the set).
fn cash_order(total: &str, price: &str, tax: &str, adj: &str, currency: &str) -> String {
    format!(
        r##"{{"order":{{"id":8801,"name":"#8801","created_at":"2025-06-04T11:00:00-04:00",
      "updated_at":"2025-06-04T11:00:03-04:00","currency":"CAD","financial_status":"paid",
      "source_name":"pos","location_id":5791,"taxes_included":false,"test":false,
      "payment_gateway_names":["cash"],"total_price":"{total}","total_tax":"{tax}",
      "total_cash_rounding_payment_adjustment_set":{{"shop_money":{{"amount":"{adj}","currency_code":"{currency}"}},
        "presentment_money":{{"amount":"{adj}","currency_code":"{currency}"}}}},
      "total_cash_rounding_refund_adjustment_set":{{"shop_money":{{"amount":"0.00","currency_code":"CAD"}},
        "presentment_money":{{"amount":"0.00","currency_code":"CAD"}}}},
      "line_items":[{{"id":1,"sku":"TEA-1","title":"Tea","quantity":1,"price":"{price}",
        "total_discount":"0.00","discount_allocations":[],"taxable":true,
        "tax_lines":[{{"price":"{tax}","rate":0.05,"title":"GST"}}]}}]}}}}"##
    )
}

fn ctx(mode: ShopifyTenders) -> Context {
    let mut ctx = Context::for_tenant("t");
    ctx.shopify_tenders = mode;
    ctx
}

fn split(p: &Parsed) -> (Vec<&Transaction>, Vec<&TenderRecord>) {
    let mut txns = Vec::new();
    let mut tenders = Vec::new();
    for r in &p.records {
        match r {
            Ok(Record::Txn(t)) => txns.push(&**t),
            Ok(Record::Tender(t)) => tenders.push(t),
            other => panic!("unexpected record {other:?}"),
        }
    }
    (txns, tenders)
}

fn goods(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

fn cash(tenders: &[Tender]) -> Decimal {
    tenders
        .iter()
        .filter(|x| x.method == TenderMethod::Cash)
        .map(|x| x.amount)
        .sum()
}

/// Rounded up (10.03 → 10.05): the drawer took more than the goods; the rounding tender is
/// negative so that the tenders are still the goods.
#[test]
fn rounding_up_takes_more_cash_and_a_negative_rounding_tender() {
    let body = cash_order("10.03", "9.55", "0.48", "0.02", "CAD");
    let p = parse(&ctx(ShopifyTenders::Order), &body, None, None).unwrap();
    let (txns, _) = split(&p);
    let t = txns[0];
    let all: Decimal = t.tenders.iter().map(|x| x.amount).sum();
    assert_eq!(goods(t), d("10.03"));
    assert_eq!(cash(&t.tenders), d("10.05"));
    assert_eq!(all, d("10.03"));
    let other: Vec<_> = t
        .tenders
        .iter()
        .filter(|x| x.method == TenderMethod::Other)
        .map(|x| x.amount)
        .collect();
    assert_eq!(other, vec![d("-0.02")]);
}

/// Every 2025 order carries the sets, zero when nothing was rounded (cards, online): no
/// rounding tender then, the one tender stays the total.
#[test]
fn a_zero_adjustment_adds_no_tender() {
    let body = cash_order("10.03", "9.55", "0.48", "0.00", "CAD");
    let p = parse(&ctx(ShopifyTenders::Order), &body, None, None).unwrap();
    let (txns, _) = split(&p);
    assert_eq!(txns[0].tenders.len(), 1);
    assert_eq!(txns[0].tenders[0].amount, d("10.03"));
}

/// Every version of the order writes the same rounding row (numbered from the order id).
#[test]
fn the_rounding_tender_is_the_same_row_in_every_version() {
    let body = cash_order("10.02", "9.54", "0.48", "-0.02", "CAD");
    let later = body.replace("2025-06-04T11:00:03-04:00", "2025-06-05T09:00:00-04:00");
    let no = |b: &str| {
        let p = parse(&ctx(ShopifyTenders::Order), b, None, None).unwrap();
        let (txns, _) = split(&p);
        let r: Vec<i32> = txns[0]
            .tenders
            .iter()
            .filter(|x| x.method == TenderMethod::Other)
            .map(|x| x.tender_no)
            .collect();
        r
    };
    assert_eq!(no(&body), no(&later));
    assert_eq!(no(&body).len(), 1);
}

/// `tenders = "transactions"`: the cash sale transaction (10.02, before rounding) is a tender
/// of its own; the order adds the cash correction (−0.02) and the rounding (+0.02) as tenders
/// of its own, so the cash is what the drawer holds and the tenders are the goods.
#[test]
fn transactions_mode_adds_the_cash_correction_and_the_rounding_beside_the_order() {
    let c = ctx(ShopifyTenders::Transactions);
    let body = cash_order("10.02", "9.54", "0.48", "-0.02", "CAD");
    let p = parse(&c, &body, None, None).unwrap();
    let (txns, beside) = split(&p);
    assert!(txns[0].tenders.is_empty(), "the order itself lists none");
    let sale = r#"{"transaction":{"id":99001,"order_id":8801,"kind":"sale","status":"success",
      "gateway":"cash","amount":"10.02","currency":"CAD","location_id":5791,
      "created_at":"2025-06-04T11:00:01-04:00","processed_at":"2025-06-04T11:00:01-04:00"}}"#;
    let px = parse(&c, sale, None, None).unwrap();
    let (_, paid) = split(&px);
    let mut all: Vec<Tender> = paid.iter().map(|r| r.tender.clone()).collect();
    all.extend(beside.iter().map(|r| r.tender.clone()));
    let total: Decimal = all.iter().map(|x| x.amount).sum();
    assert_eq!(cash(&all), d("10.00"), "the drawer");
    assert_eq!(total, goods(txns[0]), "tenders are the goods");
    assert!(beside.iter().all(|r| r.key == txns[0].key));
    assert_eq!(beside.len(), 2);
    assert_ne!(beside[0].tender.tender_no, beside[1].tender.tender_no);
}

/// In order mode nothing is written beside the order, and in transactions mode an order
/// without rounding writes nothing beside it either.
#[test]
fn nothing_beside_the_order_without_rounding_or_in_order_mode() {
    let rounded = cash_order("10.02", "9.54", "0.48", "-0.02", "CAD");
    let p = parse(&ctx(ShopifyTenders::Order), &rounded, None, None).unwrap();
    assert_eq!(split(&p).1.len(), 0);
    let plain = cash_order("10.02", "9.54", "0.48", "0.00", "CAD");
    let p = parse(&ctx(ShopifyTenders::Transactions), &plain, None, None).unwrap();
    assert_eq!(split(&p).1.len(), 0);
}

/// A rounding that is not a number, or in another currency than the order, is an error naming
/// the field, never a guess.
#[test]
fn a_bad_adjustment_is_an_error_naming_the_field() {
    let c = ctx(ShopifyTenders::Order);
    let bad = cash_order("10.02", "9.54", "0.48", "two cents", "CAD");
    let e = parse(&c, &bad, None, None).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.total_cash_rounding_payment_adjustment_set.shop_money.amount")
    );
    let other = cash_order("10.02", "9.54", "0.48", "-0.02", "USD");
    let e = parse(&c, &other, None, None).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.total_cash_rounding_payment_adjustment_set.shop_money.currency_code")
    );
}
