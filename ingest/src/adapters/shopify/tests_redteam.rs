//! Red-team tests: shapes from Shopify's REST Admin reference and its SDK fixtures
//! (shopify_python_api, shopify-api-js), written anew with our own ids and amounts. Failing
//! ones are ignored with the reason; see /work/notes/s15/redteam-report.md.

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn only_txn(body: &str) -> Transaction {
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let mut txns: Vec<Transaction> = p
        .records
        .into_iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => *t,
            other => panic!("expected a transaction, got {other:?}"),
        })
        .collect();
    assert_eq!(txns.len(), 1);
    txns.remove(0)
}

/// Shopify's Order reference: "When creating an order through the API, tax lines can be
/// specified on the order or the line items but not both." Orders imported that way carry
/// `tax_lines` and `total_tax` on the order and none on the lines; the lines then book no
/// tax at all and 1.20 of the 21.20 paid is nowhere (tenders exceed lines + tax).
#[test]
fn order_level_tax_lines_reach_the_lines() {
    let body = r##"{"order":{"id":5001,"name":"#5001","created_at":"2026-03-02T10:00:00-05:00",
      "updated_at":"2026-03-02T10:00:05-05:00","currency":"USD","financial_status":"paid",
      "taxes_included":false,"test":false,"total_price":"21.20","subtotal_price":"20.00",
      "total_tax":"1.20","total_discounts":"0.00",
      "tax_lines":[{"price":"1.20","rate":0.06,"title":"State Tax"}],
      "line_items":[{"id":1,"sku":"A-1","title":"A","quantity":2,"price":"10.00",
        "total_discount":"0.00","tax_lines":[],"discount_allocations":[]}]}}"##;
    let t = only_txn(body);
    let tax: Decimal = t.lines.iter().map(|l| l.tax).sum();
    let net: Decimal = t.lines.iter().map(|l| l.net_amount).sum();
    assert_eq!((net, tax), (d("20.00"), d("1.20")));
}

/// A POS sale paid partly in cash and partly by card lists both gateways in
/// `payment_gateway_names` (the order names no amounts per gateway). Taking the first name for
/// the whole `total_price` books 21.20 of cash that never went into the drawer: cash over/short
/// and tender-mix reports are wrong. Without the order's transactions the method is unknown
/// (`other`), or the amounts per gateway must come from the transactions.
#[test]
fn split_gateways_are_not_booked_as_all_cash() {
    let body = r##"{"order":{"id":5003,"name":"#5003","created_at":"2026-03-02T10:00:00-05:00",
      "updated_at":"2026-03-02T10:00:05-05:00","currency":"USD","financial_status":"paid",
      "taxes_included":false,"test":false,"total_price":"21.20","subtotal_price":"20.00",
      "total_tax":"1.20","total_discounts":"0.00","source_name":"pos",
      "gateway":"cash","payment_gateway_names":["cash","shopify_payments"],
      "line_items":[{"id":1,"sku":"A-1","title":"A","quantity":2,"price":"10.00",
        "total_discount":"0.00","discount_allocations":[],
        "tax_lines":[{"price":"1.20","rate":0.06,"title":"State Tax"}]}]}}"##;
    let t = only_txn(body);
    let cash: Decimal = t
        .tenders
        .iter()
        .filter(|x| x.method == TenderMethod::Cash)
        .map(|x| x.amount)
        .sum();
    assert!(cash < d("21.20"), "all of the split sale booked as cash");
}

/// A paid order named by `gateways` (a JSON list), its one tender.
fn order_tender_of(gateways: &str) -> Tender {
    let body = format!(
        r##"{{"order":{{"id":5004,"created_at":"2026-03-02T10:00:00-05:00","currency":"USD",
      "financial_status":"paid","total_price":"21.20","gateway":"cash",
      "payment_gateway_names":{gateways},
      "line_items":[{{"id":1,"sku":"A-1","quantity":2,"price":"10.00","discount_allocations":[],
        "tax_lines":[{{"price":"1.20","title":"State Tax"}}]}}]}}}}"##
    );
    let mut t = only_txn(&body);
    assert_eq!(t.tenders.len(), 1);
    t.tenders.remove(0)
}

#[test]
fn a_split_of_unknown_mix_keeps_all_the_money_as_other() {
    let x = order_tender_of(r#"["cash","shopify_payments"]"#);
    assert_eq!((x.method, x.amount), (TenderMethod::Other, d("21.20")));
}

#[test]
fn gateways_of_one_method_keep_it() {
    let x = order_tender_of(r#"["shopify_payments","stripe"]"#);
    assert_eq!(x.method, TenderMethod::Card, "two card gateways: all card");
    let x = order_tender_of(r#"["Cash"]"#);
    assert_eq!(x.method, TenderMethod::Cash);
    let x = order_tender_of("[]");
    assert_eq!(x.method, TenderMethod::Cash, "no list: the older `gateway`");
}
