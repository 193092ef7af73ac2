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

/// `{"shop_money": …, "presentment_money": …}` in USD and CAD.
fn bag(usd: &str, cad: &str) -> String {
    format!(
        r#"{{"shop_money":{{"amount":"{usd}","currency_code":"USD"}},"presentment_money":{{"amount":"{cad}","currency_code":"CAD"}}}}"#
    )
}

/// The one transaction of a refund alone.
fn refund_alone(body: &str) -> Transaction {
    let mut ts = txns(body);
    assert_eq!(ts.len(), 1);
    ts.remove(0)
}

/// Since 2024-10 a refund's shipping is no `order_adjustments` entry but a
/// `refund_shipping_lines[]` entry (`subtotal_amount_set`, `tax_amount_set`), as in Shopify's
/// own 2025-04 and 2025-07 REST Refund fixtures (shopify-api-js, shopify-api-ruby). A
/// tax-inclusive shop's refund delivered alone: a 119.00 item (19.00 VAT inside) and 5.95 of
/// shipping (0.95 VAT inside) back, 124.95 paid back. Its transactions are its subtotals
/// (shipping's included), so its prices include tax: net −100.00, tax −19.00. Reading no
/// shipping, the 5.95 matched neither reading and the refund was read as tax-exclusive, its
/// return line's net −119.00 (the tax counted in net sales as well as in tax).
#[test]
fn a_refund_alone_reads_its_shipping_lines_when_it_infers_tax_included_prices() {
    let body = r#"{"refund":{"id":8,"order_id":2,"created_at":"2026-03-02T10:00:00+01:00",
      "refund_line_items":[{"id":1,"line_item_id":21,"quantity":1,"restock_type":"return",
        "subtotal":"119.00","total_tax":"19.00",
        "line_item":{"id":21,"sku":"V","quantity":1,"price":"119.00","tax_lines":[{"price":"19.00"}]}}],
      "refund_shipping_lines":[{"id":623,"shipping_line_id":369,
        "subtotal_amount_set":{"shop_money":{"amount":"5.95","currency_code":"EUR"},"presentment_money":{"amount":"5.95","currency_code":"EUR"}},
        "tax_amount_set":{"shop_money":{"amount":"0.95","currency_code":"EUR"},"presentment_money":{"amount":"0.95","currency_code":"EUR"}}}],
      "order_adjustments":[],
      "transactions":[{"id":9,"kind":"refund","status":"success","gateway":"shopify_payments",
        "amount":"124.95","currency":"EUR"}]}}"#;
    let r = refund_alone(body);
    let l = &r.lines[0];
    assert_eq!((l.net_amount, l.tax), (d("-100.00"), d("-19.00")));
}

/// The same 2024-10 shape paid back in the customer's currency (a USD shop, the customer in
/// CAD): one jacket (40.00 USD / 54.00 CAD, tax 2.00 / 2.70) and shipping (5.00 / 6.75) back,
/// 63.45 CAD. The refund's parts add up to its transaction only with the shipping line; without
/// it the whole refund was refused ("is in CAD, not the shop currency USD"), its return line
/// lost with it, nested in its order as well as alone.
#[test]
fn a_customer_currency_refund_counts_its_shipping_lines_among_its_parts() {
    let body = format!(
        r#"{{"refund":{{"id":71,"order_id":70,"created_at":"2026-04-03T10:00:00-04:00",
      "refund_line_items":[{{"id":1,"line_item_id":701,"quantity":1,"restock_type":"return",
        "subtotal":"40.00","total_tax":"2.00","subtotal_set":{sub},"total_tax_set":{tax},
        "line_item":{{"id":701,"sku":"JACKET","quantity":1,"price":"40.00","tax_lines":[{{"price":"2.00"}}]}}}}],
      "refund_shipping_lines":[{{"id":5,"shipping_line_id":6,"subtotal_amount_set":{ship},
        "tax_amount_set":{zero}}}],
      "order_adjustments":[],
      "transactions":[{{"id":81,"order_id":70,"kind":"refund","status":"success",
        "gateway":"shopify_payments","amount":"63.45","currency":"CAD"}}]}}}}"#,
        sub = bag("40.00", "54.00"),
        tax = bag("2.00", "2.70"),
        ship = bag("5.00", "6.75"),
        zero = bag("0.00", "0.00"),
    );
    let r = refund_alone(&body);
    assert_eq!(r.currency, "USD");
    assert_eq!(
        (r.lines[0].net_amount, r.lines[0].tax),
        (d("-40.00"), d("-2.00"))
    );
    assert_eq!(r.tenders[0].amount, d("-47.00"), "40.00 + 2.00 + 5.00 USD");
}

/// A shipping-only refund alone in the 2024-10 shape: its shipping line names the shop
/// currency (USD) in `subtotal_amount_set`, its transaction the customer's (6.75 CAD). With no
/// shop money read, the refund took its transaction's currency and was booked as 6.75 CAD in a
/// USD store's takings; it is 5.00 USD.
#[test]
fn a_shipping_only_refund_takes_the_shop_currency_of_its_shipping_line() {
    let body = format!(
        r#"{{"refund":{{"id":72,"order_id":70,"created_at":"2026-04-04T10:00:00-04:00",
      "refund_line_items":[],
      "refund_shipping_lines":[{{"id":7,"shipping_line_id":6,"subtotal_amount_set":{ship},
        "tax_amount_set":{zero}}}],
      "order_adjustments":[],
      "transactions":[{{"id":82,"order_id":70,"kind":"refund","status":"success",
        "gateway":"shopify_payments","amount":"6.75","currency":"CAD"}}]}}}}"#,
        ship = bag("5.00", "6.75"),
        zero = bag("0.00", "0.00"),
    );
    let r = refund_alone(&body);
    assert_eq!(
        (r.currency.as_str(), r.tenders[0].amount),
        ("USD", d("-5.00"))
    );
}

/// Shopify's 2025-04 REST Refund fixture lists one shipping refund twice: as a
/// `refund_shipping_lines` entry and as an `order_adjustments` entry of kind `shipping_refund`
/// (the shape before 2024-10). It is counted once: the customer-currency refund of
/// `a_customer_currency_refund_counts_its_shipping_lines_among_its_parts` with both still adds
/// up to its transaction.
#[test]
fn a_shipping_refund_listed_both_ways_is_counted_once() {
    let body = format!(
        r#"{{"refund":{{"id":71,"order_id":70,"created_at":"2026-04-03T10:00:00-04:00",
      "refund_line_items":[{{"id":1,"line_item_id":701,"quantity":1,"restock_type":"return",
        "subtotal":"40.00","total_tax":"2.00","subtotal_set":{sub},"total_tax_set":{tax},
        "line_item":{{"id":701,"sku":"JACKET","quantity":1,"price":"40.00","tax_lines":[{{"price":"2.00"}}]}}}}],
      "refund_shipping_lines":[{{"id":5,"shipping_line_id":6,"subtotal_amount_set":{ship}}}],
      "order_adjustments":[{{"id":9,"kind":"shipping_refund","amount":"-5.00","tax_amount":"0.00",
        "amount_set":{back},"tax_amount_set":{zero}}}],
      "transactions":[{{"id":81,"order_id":70,"kind":"refund","status":"success",
        "gateway":"shopify_payments","amount":"63.45","currency":"CAD"}}]}}}}"#,
        sub = bag("40.00", "54.00"),
        tax = bag("2.00", "2.70"),
        ship = bag("5.00", "6.75"),
        back = bag("-5.00", "-6.75"),
        zero = bag("0.00", "0.00"),
    );
    assert_eq!(refund_alone(&body).tenders[0].amount, d("-47.00"));
}

/// An order paid through `gateway` (a name in `payment_gateway_names`): its one tender's
/// method.
fn paid_through(gateway: &str) -> TenderMethod {
    let body = format!(
        r#"{{"order":{{"id":7801,"created_at":"2026-03-02T10:00:00-05:00","currency":"USD",
      "financial_status":"paid","total_price":"20.00","payment_gateway_names":["{gateway}"],
      "line_items":[{{"id":1,"sku":"A","quantity":1,"price":"20.00","tax_lines":[]}}]}}}}"#
    );
    txns(&body)[0].tenders[0].method
}

/// PayPal is the most common gateway after Shopify Payments, and PayPal, Shop Pay Installments
/// and the pay-later gateways (Klarna, Afterpay, Affirm, Sezzle) settle through their own
/// accounts, not the card processor's payouts: a wallet or pay-later payment, `other`, as
/// Square's WALLET and BUY_NOW_PAY_LATER tenders are. As card, each such sale was counted in
/// the card takings that the card payouts are checked against. A payment or refund
/// transaction through them likewise (unless it names a card company).
#[test]
fn paypal_and_pay_later_gateways_are_not_card() {
    for g in [
        "paypal",
        "shopify_installments",
        "klarna",
        "afterpay",
        "affirm",
        "sezzle",
    ] {
        assert_eq!(paid_through(g), TenderMethod::Other, "{g}");
    }
    assert_eq!(paid_through("shopify_payments"), TenderMethod::Card);
    let refund = r#"{"refund":{"id":79,"order_id":7801,"created_at":"2026-03-05T12:00:00-05:00",
      "order_adjustments":[{"amount":"-5.00","tax_amount":"0.00","kind":"refund_discrepancy"}],
      "transactions":[{"id":84,"kind":"refund","status":"success","gateway":"paypal",
        "amount":"5.00","currency":"USD"}]}}"#;
    assert_eq!(txns(refund)[0].tenders[0].method, TenderMethod::Other);
}
