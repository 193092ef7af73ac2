//! Refunds of orders paid in another currency than the shop's (s28). REST refund
//! transactions carry `amount` and `currency` in the customer's currency and no
//! `amount_set` (the live POS refund fixture, Shopify's 2025-07 transaction fixtures); the
//! refund's lines, duties and adjustments carry both currencies in their `*_set`. Payloads
//! written here in the REST Refund shape, own values: a USD shop, the customer in CAD.

use super::tests::{d, sums, txns};
use super::*;

/// `{"shop_money": …, "presentment_money": …}` in USD and CAD.
fn bag(usd: &str, cad: &str) -> String {
    format!(
        r#"{{"shop_money":{{"amount":"{usd}","currency_code":"USD"}},"presentment_money":{{"amount":"{cad}","currency_code":"CAD"}}}}"#
    )
}

/// One unit returned (40.00 USD / 54.00 CAD, tax 2.00 / 2.70), its duty given back (3.00 /
/// 4.05) and shipping refunded (−5.00 / −6.75): the customer got 54.00 + 2.70 + 4.05 + 6.75 =
/// 67.50 CAD back, worth 40.00 + 2.00 + 3.00 + 5.00 = 50.00 USD to the shop.
fn refund(transactions: &str) -> String {
    format!(
        r#"{{"id": 71, "order_id": 70, "created_at": "2026-04-03T10:00:00-04:00",
      "refund_line_items": [{{"id": 1, "line_item_id": 701, "quantity": 1, "restock_type": "return",
        "subtotal": "40.00", "total_tax": "2.00", "subtotal_set": {sub}, "total_tax_set": {tax},
        "line_item": {{"id": 701, "sku": "JACKET", "quantity": 1, "price": "40.00",
          "duties": [{{"id": "9001", "price_set": {duty}}}], "tax_lines": [{{"price": "2.00"}}]}}}}],
      "duties": [{{"duty_id": "9001", "amount_set": {duty}}}],
      "order_adjustments": [{{"id": 5, "kind": "shipping_refund", "amount": "-5.00", "tax_amount": "0.00",
        "amount_set": {ship}, "tax_amount_set": {zero}}}],
      "transactions": [{transactions}]}}"#,
        sub = bag("40.00", "54.00"),
        tax = bag("2.00", "2.70"),
        duty = bag("3.00", "4.05"),
        ship = bag("-5.00", "-6.75"),
        zero = bag("0.00", "0.00"),
    )
}

fn cad(id: u32, amount: &str, status: &str) -> String {
    format!(
        r#"{{"id": {id}, "order_id": 70, "kind": "refund", "status": "{status}", "gateway": "shopify_payments",
        "amount": "{amount}", "currency": "CAD", "created_at": "2026-04-03T10:00:00-04:00"}}"#
    )
}

/// The refund nested in its order (a USD shop, the order presented in CAD). It was refused
/// ("is in CAD, not the shop currency USD"): its return line lost, the jacket still sold.
#[test]
fn a_nested_refund_paid_back_in_the_customers_currency_is_booked_in_shop_money() {
    let order = format!(
        r#"{{"order": {{"id": 70, "created_at": "2026-04-01T10:00:00-04:00", "updated_at": "2026-04-03T10:00:00-04:00",
      "currency": "USD", "presentment_currency": "CAD", "financial_status": "partially_refunded",
      "taxes_included": false, "total_price": "55.00",
      "line_items": [{{"id": 701, "sku": "JACKET", "quantity": 1, "price": "40.00",
        "duties": [{{"id": "9001", "price_set": {duty}}}], "tax_lines": [{{"price": "2.00"}}]}}],
      "shipping_lines": [{{"price": "5.00", "tax_lines": []}}],
      "refunds": [{refund}]}}}}"#,
        duty = bag("3.00", "4.05"),
        refund = refund(&cad(81, "67.50", "success")),
    );
    let p = parse(&Context::for_tenant("t"), &order, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(t.len(), 2, "the order and its refund");
    let r = t[1];
    assert_eq!(r.currency, "USD");
    assert_eq!(
        sums(r),
        (1, d("-40.00"), d("-5.00")),
        "the line's tax and its duty"
    );
    assert_eq!(r.tenders[0].amount, d("-50.00"));
}

/// The same refund delivered alone, paid back in two transactions (40.50 + 27.00 CAD): the
/// 50.00 USD shared in proportion, 30.00 and 20.00; a declined third attempt of 13.50 CAD at
/// the same rate, 10.00. Prices read as tax-exclusive from the shop amounts, as for any refund
/// alone.
#[test]
fn a_refund_alone_in_two_customer_currency_transactions_shares_its_shop_value() {
    let txs = [
        cad(82, "40.50", "success"),
        cad(83, "27.00", "success"),
        cad(84, "13.50", "failure"),
    ]
    .join(",");
    let p = parse(&Context::for_tenant("t"), &refund(&txs), None, None).unwrap();
    let r = txns(&p)[0];
    let amounts: Vec<_> = r.tenders.iter().map(|x| (x.amount, x.status)).collect();
    assert_eq!(
        amounts,
        vec![
            (d("-30.00"), TenderStatus::Approved),
            (d("-20.00"), TenderStatus::Approved),
            (d("-10.00"), TenderStatus::Declined),
        ]
    );
    assert_eq!(sums(r), (1, d("-40.00"), d("-5.00")));
}

/// A tax-inclusive shop (EUR, the customer in GBP): the transaction is the subtotal, tax
/// inside (21.00 GBP = 24.00 EUR with 4.00 of VAT), not subtotal plus tax.
#[test]
fn a_tax_inclusive_refund_in_the_customers_currency_matches_its_subtotals() {
    let eur_gbp = |eur: &str, gbp: &str| {
        format!(
            r#"{{"shop_money":{{"amount":"{eur}","currency_code":"EUR"}},"presentment_money":{{"amount":"{gbp}","currency_code":"GBP"}}}}"#
        )
    };
    let body = format!(
        r#"{{"id": 72, "order_id": 73, "created_at": "2026-04-03T10:00:00+02:00",
      "refund_line_items": [{{"line_item_id": 731, "quantity": 1, "subtotal": "24.00", "total_tax": "4.00",
        "subtotal_set": {sub}, "total_tax_set": {tax},
        "line_item": {{"id": 731, "sku": "SCARF", "quantity": 1, "price": "24.00", "tax_lines": [{{"price": "4.00"}}]}}}}],
      "transactions": [{{"id": 85, "kind": "refund", "status": "success", "gateway": "shopify_payments",
        "amount": "21.00", "currency": "GBP"}}]}}"#,
        sub = eur_gbp("24.00", "21.00"),
        tax = eur_gbp("4.00", "3.50"),
    );
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let r = txns(&p)[0];
    assert_eq!(
        (r.currency.as_str(), r.tenders[0].amount),
        ("EUR", d("-24.00"))
    );
    assert_eq!(
        sums(r),
        (1, d("-20.00"), d("-4.00")),
        "read as tax-inclusive"
    );
}

/// When the parts do not add up to the transactions in the customer's currency (here the
/// shipping refund is left out, as the `refunds/create` webhook does since 2024-10), there is
/// nothing exact to book: an error naming the amount, as before.
#[test]
fn a_customer_currency_refund_whose_parts_do_not_add_up_is_still_refused() {
    let body = refund(&cad(86, "67.50", "success")).replace(
        r#""order_adjustments": [{"id": 5"#,
        r#""order_adjustments_left_out": [{"id": 5"#,
    );
    let e = parse(&Context::for_tenant("t"), &body, None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("transactions[0].amount"));
    assert!(e.message.contains("not the shop currency USD"), "{e}");
}
