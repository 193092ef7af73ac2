//! Red-team round two (s26): a retailer's analyst's cases (POS exchanges, manual payment
//! methods).

use super::duty_tests::{goods, paid, txns as all};
use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A Shopify POS exchange (the community and integrators' payloads: a `refund` transaction
/// of gateway `exchange-credit` on the old order, the new order paid through the same
/// gateway). No card moved: as card, every exchange added its value to card refunds and card
/// sales that the processor never settled.
#[test]
fn a_pos_exchange_credit_is_store_credit_not_card() {
    let refund = r##"{"refund":{"id":78,"order_id":9102,"created_at":"2026-05-04T12:00:00+02:00",
      "refund_line_items":[{"id":6,"line_item_id":1,"quantity":1,"restock_type":"return",
        "subtotal":"20.00","total_tax":"3.80",
        "line_item":{"id":1,"sku":"A","quantity":1,"price":"20.00","discount_allocations":[],
          "tax_lines":[{"price":"3.80"}]}}],
      "transactions":[{"id":83,"kind":"refund","status":"success","gateway":"exchange-credit",
        "amount":"23.80","currency":"EUR"}]}}"##;
    let r = &all(refund)[0];
    assert_eq!(
        (r.tenders[0].method, r.tenders[0].amount),
        (TenderMethod::StoreCredit, d("-23.80"))
    );
    assert_eq!(goods(r), paid(r));
    let order = r##"{"order":{"id":9103,"created_at":"2026-05-04T12:01:00+02:00","currency":"EUR",
      "financial_status":"paid","total_price":"23.80","source_name":"pos",
      "payment_gateway_names":["exchange-credit"],
      "line_items":[{"id":3,"sku":"A-L","quantity":1,"price":"20.00","discount_allocations":[],
        "tax_lines":[{"price":"3.80"}]}]}}"##;
    let o = &all(order)[0];
    assert_eq!(o.tenders[0].method, TenderMethod::StoreCredit);
}

/// Shopify's built-in manual payment methods (`Bank Deposit`, `Money Order`) and any manual
/// method a merchant names (a transaction with `manual_payment_gateway: true`: "Invoice",
/// "Cheque") took no card: they were booked as card.
#[test]
fn manual_payment_methods_are_not_card() {
    let order = r##"{"order":{"id":9104,"created_at":"2026-05-04T12:01:00+02:00","currency":"EUR",
      "financial_status":"paid","total_price":"23.80","payment_gateway_names":["Bank Deposit"],
      "line_items":[{"id":3,"sku":"A","quantity":1,"price":"23.80","discount_allocations":[],
        "tax_lines":[]}]}}"##;
    assert_eq!(all(order)[0].tenders[0].method, TenderMethod::Other);
    let refund = r##"{"refund":{"id":79,"order_id":9104,"created_at":"2026-05-05T12:00:00+02:00",
      "order_adjustments":[{"amount":"-5.00","tax_amount":"0.00","kind":"refund_discrepancy"}],
      "transactions":[{"id":84,"kind":"refund","status":"success","gateway":"Invoice",
        "manual_payment_gateway":true,"amount":"5.00","currency":"EUR"}]}}"##;
    assert_eq!(all(refund)[0].tenders[0].method, TenderMethod::Other);
}
