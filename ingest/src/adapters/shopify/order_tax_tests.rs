//! Tests of order-level taxes: an order whose tax is on the order, not on its line items.

use super::tests::d;
use super::*;

fn order_txn(body: &str) -> Transaction {
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    match p.records.into_iter().next() {
        Some(Ok(Record::Txn(t))) => *t,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

/// An order with two lines (30.00 and 10.00 after discounts), its tax given on the order
/// only; `extra` adds fields to the order, `second` to the second line.
fn body(extra: &str, second: &str) -> String {
    format!(
        r##"{{"order":{{"id":7001,"created_at":"2026-03-02T10:00:00-05:00","currency":"USD",
      "financial_status":"paid","total_price":"43.00","total_discounts":"0.00",{extra}
      "line_items":[
        {{"id":1,"sku":"A-1","quantity":1,"price":"30.00","discount_allocations":[]}},
        {{"id":2,"sku":"B-2","quantity":2,"price":"5.00","discount_allocations":[]{second}}}]}}}}"##
    )
}

fn taxes(t: &Transaction) -> Vec<(Decimal, Decimal)> {
    t.lines.iter().map(|l| (l.net_amount, l.tax)).collect()
}

#[test]
fn order_tax_is_spread_over_the_lines_by_net() {
    let t = order_txn(&body(r#""total_tax":"3.00","taxes_included":false,"#, ""));
    assert_eq!(
        taxes(&t),
        vec![(d("30.00"), d("2.25")), (d("10.00"), d("0.75"))]
    );
}

#[test]
fn order_tax_without_total_tax_comes_from_the_order_tax_lines() {
    let extra =
        r#""tax_lines":[{"price":"2.00","title":"State"},{"price":"1.00","title":"City"}],"#;
    let tax: Decimal = order_txn(&body(extra, ""))
        .lines
        .iter()
        .map(|l| l.tax)
        .sum();
    assert_eq!(tax, d("3.00"));
}

#[test]
fn tax_included_in_prices_leaves_the_nets() {
    // VAT inside the prices: 40.00 paid for goods holding 4.00 of tax.
    let t = order_txn(&body(r#""total_tax":"4.00","taxes_included":true,"#, ""));
    assert_eq!(
        taxes(&t),
        vec![(d("27.00"), d("3.00")), (d("9.00"), d("1.00"))]
    );
}

#[test]
fn shipping_tax_stays_with_the_shipping() {
    let extra = r#""total_tax":"3.50","shipping_lines":[{"price":"5.00",
        "tax_lines":[{"price":"0.50","title":"State"}]}],"#;
    let tax: Decimal = order_txn(&body(extra, ""))
        .lines
        .iter()
        .map(|l| l.tax)
        .sum();
    assert_eq!(tax, d("3.00"), "0.50 of the order's tax is the shipping's");
}

#[test]
fn untaxable_lines_get_none_of_the_order_tax() {
    let t = order_txn(&body(r#""total_tax":"3.00","#, r#","taxable":false"#));
    assert_eq!(
        taxes(&t),
        vec![(d("30.00"), d("3.00")), (d("10.00"), d("0.00"))]
    );
}

#[test]
fn lines_with_their_own_tax_lines_are_not_taxed_twice() {
    let second = r#","tax_lines":[{"price":"0.80","title":"State"}]"#;
    let t = order_txn(&body(r#""total_tax":"0.80","#, second));
    assert_eq!(
        taxes(&t),
        vec![(d("30.00"), d("0.00")), (d("10.00"), d("0.80"))]
    );
}
