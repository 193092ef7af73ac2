//! Tests of refunds (review s24): a refund delivered alone and the same refund nested in its
//! order must be one row with the order's view, and their money and tenders read right.

use super::tests::{d, sums, txns};
use super::*;

/// A refund delivered alone (`refunds/create`), with one refund transaction through `gateway`.
fn alone_through(gateway: &str) -> String {
    format!(
        r#"{{"id": 7, "order_id": 1, "created_at": "2026-03-02T10:00:00-05:00",
        "refund_line_items": [{{"line_item_id": 11, "quantity": 1, "subtotal": "10.00", "total_tax": "0.80",
          "line_item": {{"id": 11, "sku": "A", "quantity": 2, "price": "10.00"}}}}],
        "transactions": [{{"kind": "refund", "status": "success", "amount": "10.80", "currency": "USD", "gateway": "{gateway}"}}]}}"#
    )
}

#[test]
fn a_refund_to_shopify_store_credit_is_store_credit() {
    let p = parse(
        &Context::for_tenant("t"),
        &alone_through("shopify_store_credit"),
        None,
        None,
    )
    .unwrap();
    let x = &txns(&p)[0].tenders[0];
    assert_eq!(
        (x.method, x.amount),
        (TenderMethod::StoreCredit, d("-10.80"))
    );
}

/// The review's order: 2 × 10.00 (0.80 tax each), one unit refunded before it shipped
/// (`restock_type: cancel`), the order still live.
const UNFULFILLED_REFUND: &str = r#"{"id": 1, "created_at": "2026-03-01T10:00:00-05:00", "updated_at": "2026-03-02T10:00:00-05:00",
    "currency": "USD", "financial_status": "partially_refunded", "total_price": "21.60", "cancelled_at": null,
    "line_items": [{"id": 11, "sku": "A", "quantity": 2, "current_quantity": 1, "price": "10.00",
      "tax_lines": [{"price": "1.60"}]}],
    "refunds": [{"id": 7, "order_id": 1, "created_at": "2026-03-02T10:00:00-05:00",
      "refund_line_items": [{"line_item_id": 11, "quantity": 1, "restock_type": "cancel",
        "subtotal": "10.00", "total_tax": "0.80",
        "line_item": {"id": 11, "sku": "A", "quantity": 2, "price": "10.00", "tax_lines": [{"price": "1.60"}]}}],
      "transactions": [{"kind": "refund", "status": "success", "amount": "10.80", "currency": "USD", "gateway": "shopify_payments"}]}]}"#;

/// `restock_type: cancel` is Shopify's word for restocking unfulfilled units, not for a
/// cancelled order: the refund is a return, and the order's sale less it is what was sold.
#[test]
fn a_refund_of_unfulfilled_items_is_a_return() {
    let p = parse(&Context::for_tenant("t"), UNFULFILLED_REFUND, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(sums(t[0]), (1, d("20.00"), d("1.60")), "the order sold 2");
    assert_eq!(t[1].status, TxnStatus::Completed, "a return, not a void");
    assert_eq!(sums(t[1]), (1, d("-10.00"), d("-0.80")));
    let net = sums(t[0]).1 + sums(t[1]).1;
    let tax = sums(t[0]).2 + sums(t[1]).2;
    assert_eq!((net, tax), (d("10.00"), d("0.80")));
    let tenders = t[0].tenders[0].amount + t[1].tenders[0].amount;
    assert_eq!(tenders, net + tax, "lines and tenders agree");
}

/// The refund nested in an order, taken out and sent alone (`refunds/create`).
fn nested_refund_alone(order: &str) -> String {
    let v: Value = serde_json::from_str(order).unwrap();
    let o = v.get("order").unwrap_or(&v);
    let mut r = o["refunds"][0].clone();
    for x in r["transactions"].as_array_mut().unwrap() {
        x["test"] = Value::Bool(false); // the SDK sample's refund is a test one
    }
    serde_json::json!({ "refund": r }).to_string()
}

/// Whichever webhook comes first, the order's view of a refund must win: the writer keeps a
/// row unless a strictly newer version comes.
#[test]
fn a_nested_refund_is_newer_than_the_same_refund_alone() {
    let ctx = Context::for_tenant("t");
    let order = crate::adapters::testkit::sample(
        "shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json",
    );
    let alone = parse(&ctx, &nested_refund_alone(&order), None, None).unwrap();
    let alone = txns(&alone)[0];
    let nested = parse(&ctx, &order, None, None).unwrap();
    let nested = txns(&nested)[1];
    assert_eq!(alone.key, nested.key, "one row");
    assert_eq!(
        alone.status,
        TxnStatus::Completed,
        "alone: the cancel is unknown"
    );
    assert_eq!(nested.status, TxnStatus::PostVoided);
    assert!(nested.source_version > alone.source_version);
    // A live order too: its refunds take its taxes_included, which the refund alone may lack.
    let live = parse(&ctx, UNFULFILLED_REFUND, None, None).unwrap();
    let alone = parse(&ctx, &nested_refund_alone(UNFULFILLED_REFUND), None, None).unwrap();
    assert!(txns(&live)[1].source_version > txns(&alone)[0].source_version);
}

/// The review's tax-inclusive case: a 119.00 item (19.00 VAT inside) refunded with 5.95 of
/// shipping that the 2024-10 webhook leaves out of `order_adjustments`. Alone it cannot be
/// read as tax-inclusive; nested, with a newer version, the order's `taxes_included` fixes it.
#[test]
fn a_nested_refund_replaces_a_tax_inclusive_refund_misread_alone() {
    let order = r#"{"id": 2, "created_at": "2026-03-01T10:00:00+01:00", "updated_at": "2026-03-02T10:00:00+01:00",
        "currency": "EUR", "financial_status": "refunded", "total_price": "124.95", "taxes_included": true,
        "line_items": [{"id": 21, "sku": "V", "quantity": 1, "current_quantity": 0, "price": "119.00",
          "tax_lines": [{"price": "19.00"}]}],
        "refunds": [{"id": 8, "order_id": 2, "created_at": "2026-03-02T10:00:00+01:00",
          "refund_line_items": [{"line_item_id": 21, "quantity": 1, "restock_type": "return",
            "subtotal": "119.00", "total_tax": "19.00",
            "line_item": {"id": 21, "sku": "V", "quantity": 1, "price": "119.00"}}],
          "order_adjustments": [],
          "transactions": [{"kind": "refund", "status": "success", "amount": "124.95", "currency": "EUR", "gateway": "shopify_payments"}]}]}"#;
    let ctx = Context::for_tenant("t");
    let alone = parse(&ctx, &nested_refund_alone(order), None, None).unwrap();
    let alone = txns(&alone)[0];
    assert_eq!(
        sums(alone),
        (1, d("-119.00"), d("-19.00")),
        "the documented limit"
    );
    let nested = parse(&ctx, order, None, None).unwrap();
    let nested = txns(&nested)[1];
    assert_eq!(sums(nested), (1, d("-100.00"), d("-19.00")));
    assert!(
        nested.source_version > alone.source_version,
        "so it replaces it"
    );
}

/// A shipping-only refund alone (no shop money on lines or adjustments) of a USD shop whose
/// customer paid in CAD: the transaction's `currency` is the customer's, not the shop's.
#[test]
fn a_refund_alone_without_shop_money_takes_the_configured_currency() {
    let body = r#"{"id": 3, "order_id": 2, "created_at": "2026-03-02T10:00:00-05:00",
        "refund_line_items": [], "order_adjustments": [],
        "transactions": [{"kind": "refund", "status": "success", "amount": "13.50", "currency": "CAD", "gateway": "shopify_payments"}]}"#;
    let mut ctx = Context::for_tenant("t");
    ctx.shopify_default_store = "WEB".into();
    ctx.store_currency.insert("WEB".into(), "USD".into());
    let e = parse(&ctx, body, None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("transactions[0].amount"));
    assert!(e.message.contains("not the shop currency USD"), "{e}");
    let with_shop = body.replace(
        "\"currency\": \"CAD\",",
        "\"currency\": \"CAD\", \"amount_set\": {\"shop_money\": {\"amount\": \"10.00\", \"currency_code\": \"USD\"}},",
    );
    let p = parse(&ctx, &with_shop, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(
        (t.currency.as_str(), t.tenders[0].amount),
        ("USD", d("-10.00"))
    );
    // No configured currency: the transactions' is all there is.
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    assert_eq!(txns(&p)[0].currency, "CAD");
}

/// A POS sale at a mapped location (6001 → S01) refunded with `location` on the refund's
/// transaction and `restock` on its line (each a JSON value).
fn pos_order_refunded(location: &str, restock: &str) -> String {
    format!(
        r#"{{"id": 5001, "location_id": 6001, "created_at": "2026-03-01T10:00:00-05:00", "updated_at": "2026-03-03T10:00:00-05:00",
        "currency": "USD", "financial_status": "refunded", "total_price": "20.00",
        "line_items": [{{"id": 1, "sku": "A", "quantity": 1, "current_quantity": 0, "price": "20.00", "tax_lines": []}}],
        "refunds": [{{"id": 9001, "order_id": 5001, "created_at": "2026-03-03T10:00:00-05:00",
          "refund_line_items": [{{"line_item_id": 1, "quantity": 1, "restock_type": "no_restock", "location_id": {restock},
            "subtotal": "20.00", "total_tax": "0.00",
            "line_item": {{"id": 1, "sku": "A", "quantity": 1, "price": "20.00", "tax_lines": []}}}}],
          "transactions": [{{"kind": "refund", "status": "success", "amount": "20.00", "currency": "USD",
            "gateway": "shopify_payments", "location_id": {location}}}]}}]}}"#
    )
}

/// The refund delivered alone (`refunds/create`) and nested in its order (`orders/updated`)
/// must be one row: the store is part of the key, and two rows count the return twice.
#[test]
fn a_refund_alone_and_nested_land_in_one_store() {
    let cfg = crate::config::Config::parse(
        "[shopify]\ndefault_store = \"ONLINE\"\nshops = { \"acme.myshopify.com\" = \"WEB\" }\nlocations = { \"6001\" = \"S01\", \"6002\" = \"S02\" }\n",
    )
    .unwrap();
    let ctx = Context::from_config(&cfg).unwrap();
    let shop = Some("acme.myshopify.com");
    let cases = [
        (
            "null",
            "null",
            "WEB",
            "refunded in the admin: the shop's store",
        ),
        ("6001", "null", "S01", "refunded at the POS: its location"),
        (
            "null",
            "6002",
            "WEB",
            "a restock location is not where it was refunded",
        ),
        (
            "7777",
            "null",
            "WEB",
            "an unlisted location: the shop's store",
        ),
    ];
    for (location, restock, store, why) in cases {
        let order = pos_order_refunded(location, restock);
        let nested = parse(&ctx, &order, shop, Some("orders/updated")).unwrap();
        let nested = txns(&nested);
        assert_eq!(nested[0].key.store_id, "S01", "the sale is the till's");
        let alone = nested_refund_alone(&order);
        let alone = parse(&ctx, &alone, shop, Some("refunds/create")).unwrap();
        let alone = txns(&alone)[0];
        assert_eq!(nested[1].key, alone.key, "one row: {why}");
        assert_eq!(alone.key.store_id, store, "{why}");
    }
}
