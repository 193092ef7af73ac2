//! Red-team round three (s33): fields of the REST Admin 2025-07 `Order` (as Shopify's own
//! library fixtures carry them) that the mapping did not read, written anew with our own ids
//! and amounts.

use super::duty_tests::{goods, paid, txns};
use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// `{"shop_money": …, "presentment_money": …}` of one amount in USD.
fn usd(a: &str) -> String {
    format!(
        r#"{{"shop_money":{{"amount":"{a}","currency_code":"USD"}},"presentment_money":{{"amount":"{a}","currency_code":"USD"}}}}"#
    )
}

/// A USD shop whose market includes duties in its prices (`duties_included: true`, as every
/// 2025-07 REST order states, `false` in Shopify's fixture): a jacket at 54.00 with a duty of
/// 4.00 inside its price, 2.70 of tax on top, `total_price` 56.70 (no duty added at checkout).
/// One jacket comes back with its tax and duty: 56.70 refunded.
fn duties_in_price(included: bool) -> String {
    format!(
        r##"{{"order":{{"id":7701,"created_at":"2026-03-02T10:00:00-05:00",
      "updated_at":"2026-03-09T10:00:00-05:00","currency":"USD","financial_status":"refunded",
      "taxes_included":false,"duties_included":{included},"total_price":"56.70",
      "total_tax":"2.70","payment_gateway_names":["shopify_payments"],
      "original_total_duties_set":{duty},"current_total_duties_set":{zero},
      "line_items":[{{"id":11,"sku":"JKT-1","quantity":1,"current_quantity":0,"price":"54.00",
        "discount_allocations":[],"tax_lines":[{{"price":"2.70","rate":0.05,"title":"GST"}}],
        "duties":[{{"id":"901","harmonized_system_code":"620193","price_set":{duty},"tax_lines":[]}}]}}],
      "refunds":[{{"id":81,"order_id":7701,"created_at":"2026-03-09T10:00:00-05:00",
        "refund_line_items":[{{"id":3,"line_item_id":11,"quantity":1,"restock_type":"return",
          "subtotal":"54.00","total_tax":"2.70"}}],
        "duties":[{{"duty_id":"901","amount_set":{duty}}}],
        "transactions":[{{"id":91,"kind":"refund","status":"success","gateway":"shopify_payments",
          "amount":"56.70","currency":"USD"}}]}}]}}}}"##,
        duty = usd("4.00"),
        zero = usd("0.00"),
    )
}

/// With `duties_included` the duty is inside the line's price, as tax is with
/// `taxes_included`: it comes out of the net (50.00) and stays in the line's tax (2.70 +
/// 4.00), so the line is what was paid, 56.70, and net sales hold no duty. Read as added on
/// top, the line came to 60.70 against 56.70 paid (the duty counted twice: in the net and in
/// the tax), and its return likewise.
#[test]
fn duties_included_in_prices_come_out_of_the_net_as_included_taxes_do() {
    let ts = txns(&duties_in_price(true));
    let (order, refund) = (&ts[0], &ts[1]);
    let line = &order.lines[0];
    assert_eq!((line.net_amount, line.tax), (d("50.00"), d("6.70")));
    assert_eq!(goods(order), paid(order));
    let back = &refund.lines[0];
    assert_eq!((back.net_amount, back.tax), (d("-50.00"), d("-6.70")));
    assert_eq!(goods(refund), paid(refund));
    // Duties added at checkout (the default) are unchanged: on top of the price.
    let ts = txns(&duties_in_price(false));
    assert_eq!(
        (ts[0].lines[0].net_amount, ts[0].lines[0].tax),
        (d("54.00"), d("6.70"))
    );
}
