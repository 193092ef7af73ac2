//! Tests of the Shopify adapter: sample and real payloads of orders, refunds and pages.

use super::*;
use crate::adapters::testkit::{rejects_of, sample, txns_of};

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(super) fn txns(p: &Parsed) -> Vec<&Transaction> {
    p.records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => t.as_ref(),
            other => panic!("expected a transaction, got {other:?}"),
        })
        .collect()
}

#[test]
fn order_with_nested_refund() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json"),
        None,
        None,
    )
    .unwrap();
    let t = txns(&p);
    assert_eq!(t.len(), 2, "the order and its refund");
    let (order, refund) = (t[0], t[1]);
    assert_eq!(order.key.source_txn_id, "450789469");
    assert_eq!(order.status, TxnStatus::PostVoided, "cancelled_at is set");
    assert_eq!(
        order.business_date.to_string(),
        "2008-01-10",
        "the shop's local day (-05:00)"
    );
    let net: Decimal = order.lines.iter().map(|l| l.net_amount).sum();
    let tax: Decimal = order.lines.iter().map(|l| l.tax).sum();
    assert_eq!(
        (order.lines.len(), net, tax),
        (3, d("587.00"), d("11.94")),
        "current_subtotal_price and total_tax"
    );
    assert_eq!(order.tenders[0].amount, d("598.94"));
    assert_eq!(refund.key.source_txn_id, "refund:929361465");
    assert_eq!(
        refund.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
        d("-587.00")
    );
    assert_eq!(refund.lines[0].quantity, d("-1"));
    assert_eq!(
        (
            refund.lines[1].original_txn_id.as_deref(),
            refund.lines[1].original_line_no
        ),
        (Some("450789469"), Some(2))
    );
    assert_eq!(refund.tenders[0].amount, d("-10.00"));
    assert_eq!(refund.business_date.to_string(), "2025-07-02");
}

#[test]
fn refund_alone_matches_its_nested_shape() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("shopify_rest_2025-07_refund_from_shopify-api-ruby_test.json"),
        None,
        None,
    )
    .unwrap();
    let t = txns(&p)[0];
    assert_eq!(t.key.source_txn_id, "refund:509562969");
    assert_eq!(t.lines.len(), 2);
    assert_eq!(
        t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
        d("-391.33")
    );
    assert_eq!(t.lines.iter().map(|l| l.tax).sum::<Decimal>(), d("-7.96"));
    assert_eq!(t.tenders[0].amount, d("-209.00"));
    assert_eq!(
        t.lines[0].original_line_no, None,
        "no order in this payload to number its lines"
    );
}

#[test]
fn ids_beyond_2_pow_53_stay_exact() {
    let body = r#"{"id": 9007199254740993, "created_at": "2026-01-01T10:00:00+01:00", "currency": "EUR",
        "line_items": [{"id": 18014398509481985, "sku": "A-1", "quantity": 1, "price": "2.50"}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    assert_eq!(txns(&p)[0].key.source_txn_id, "9007199254740993");
}

/// Without a store zone the day is read in the offset Shopify wrote; a `business_day_start`
/// still applies there: 01:30 at the shop is the evening before's business day.
#[test]
fn a_business_day_start_applies_to_the_day_as_written() {
    let body = r#"{"id": 77, "created_at": "2026-01-10T01:30:00-05:00", "currency": "USD",
        "line_items": [{"id": 1, "sku": "A-1", "quantity": 1, "price": "2.50"}]}"#;
    let day = |ctx: &Context| txns(&parse(ctx, body, None, None).unwrap())[0].business_date;
    let mut bar = Context::for_tenant("t");
    assert_eq!(day(&bar).to_string(), "2026-01-10");
    bar.default_day_start = chrono::Duration::hours(4);
    assert_eq!(day(&bar).to_string(), "2026-01-09");
}

/// A fixture of ingest/tests/data/real/shopify (see PROVENANCE.md there).
pub(super) fn real(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/shopify/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(super) fn sums(t: &Transaction) -> (usize, Decimal, Decimal) {
    (
        t.lines.len(),
        t.lines.iter().map(|l| l.net_amount).sum(),
        t.lines.iter().map(|l| l.tax).sum(),
    )
}

#[test]
fn test_orders_are_not_sales() {
    let body = real("webhook_orders_create_test_notification_2019.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    assert!(p.records.is_empty(), "test: true maps to nothing");
    assert_eq!(p.event_id, "order/820982911946154508/v1559670786000");
    // The same shape as a real order: a voided authorization, cancelled, never paid.
    let live = body.replace("\"test\": true", "\"test\": false");
    let p = parse(&Context::for_tenant("t"), &live, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(t.key.source_txn_id, "820982911946154508");
    assert_eq!(t.status, TxnStatus::Cancelled, "voided, never paid");
    assert!(t.tenders.is_empty());
    assert_eq!(sums(t), (2, d("393.00"), d("0")));
    assert_eq!(t.lines[1].discount, d("5.00"));
    assert_eq!(t.occurred_at.to_rfc3339(), "2019-06-04T17:53:06+00:00");
}

#[test]
fn pos_order_with_tax_included_prices_custom_item_gift_card_and_tip() {
    let mut ctx = Context::for_tenant("t");
    ctx.shopify_locations
        .insert("71234567890".into(), "BERLIN-1".into());
    let body = real("pos_order_tax_included_custom_giftcard_tip.json");
    let p = parse(&ctx, &body, Some("unlisted.myshopify.com"), None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(t.key.source_txn_id, "5678901234567890123");
    assert_eq!(t.key.store_id, "BERLIN-1", "the POS location's store");
    assert_eq!(t.business_date.to_string(), "2024-12-31", "23:45 +01:00");
    assert_eq!(
        (t.register_id.as_deref(), t.cashier_id.as_deref()),
        (Some("4011"), Some("91000000001"))
    );
    // Net of the VAT inside the prices; the tip is no line; the gift card is.
    assert_eq!(sums(t), (3, d("48.00"), d("4.37")));
    assert_eq!(
        (
            t.lines[0].net_amount,
            t.lines[0].discount,
            t.lines[0].gtin.as_deref()
        ),
        (d("18.00"), d("2.38"), Some("04006381333931"))
    );
    assert_eq!(t.lines[1].raw_item_id, "custom:Custom sale");
    assert_eq!(
        (t.lines[2].raw_item_id.as_str(), t.lines[2].gtin.as_deref()),
        ("variant:40123456789012", None),
        "a 14-digit variant id is no barcode"
    );
    assert_eq!(
        t.lines.iter().map(|l| l.non_revenue).collect::<Vec<_>>(),
        [false, false, true],
        "the gift card sold is paid for but not revenue"
    );
    assert_eq!(
        (t.tenders[0].method, t.tenders[0].amount),
        (TenderMethod::Cash, d("55.37")),
        "the tender holds the tip"
    );
    // The tip line (3.00, `tip_payment_gateway` cash; `total_tip_received` 3.00) is the
    // tender's tip: the tender less it is the lines, 48.00 + 4.37.
    assert_eq!(t.tenders[0].tip, d("3.00"));
    assert_eq!(t.tenders[0].amount - t.tenders[0].tip, d("52.37"));
}

#[test]
fn edited_order_with_line_shipping_and_goodwill_refunds() {
    let body = real("rest_order_edited_partial_refund_shipping_goodwill.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(t.len(), 4, "the order and three refunds");
    let order = t[0];
    // 3 ordered, 1 removed by an edit, 1 refunded: 2 sold, at 2/3 of discount and tax.
    assert_eq!(order.lines[0].quantity, d("2"));
    assert_eq!(sums(order), (2, d("48.00"), d("3.84")));
    assert_eq!(order.tenders[0].amount, d("57.24"));
    let r = t[1];
    assert_eq!(sums(r), (1, d("-18.00"), d("-1.44")));
    assert_eq!(
        (r.lines[0].quantity, r.lines[0].original_line_no),
        (d("-1"), Some(1))
    );
    assert_eq!(r.tenders[0].amount, d("-19.44"));
    for (r, amount) in [(t[2], "-5.40"), (t[3], "-10.00")] {
        assert!(r.lines.is_empty(), "shipping and goodwill are no goods");
        assert_eq!(r.tenders[0].amount, d(amount));
        assert_eq!(r.status, TxnStatus::Completed);
    }
    assert_eq!(t[3].tenders[0].method, TenderMethod::Other, "manual");
}

#[test]
fn current_quantity_without_listed_refunds_is_not_taken_for_an_edit() {
    let body = real("rest_order_edited_partial_refund_shipping_goodwill.json");
    let mut v: Value = serde_json::from_str(&body).unwrap();
    v["order"].as_object_mut().unwrap().remove("refunds");
    let p = parse(&Context::for_tenant("t"), &v.to_string(), None, None).unwrap();
    assert_eq!(txns(&p)[0].lines[0].quantity, d("3"));
}

#[test]
fn refunds_of_a_cancelled_order_are_not_subtracted_again() {
    let body = sample("shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(t[1].status, TxnStatus::PostVoided, "as its order");
    // Shopify stamps the cancellation and its refund with one instant: the nested refund must
    // still be newer than the refund delivered alone (its created_at), so it replaces it.
    let v: Value = serde_json::from_str(&body).unwrap();
    let created = time(&v["order"]["refunds"][0], "", "created_at").unwrap();
    assert_eq!(t[0].source_version, utc(created).timestamp_millis());
    assert!(
        t[1].source_version > utc(created).timestamp_millis(),
        "newer than the refund alone (created_at), so it replaces it"
    );
    // Units refunded before they shipped (`restock_type: cancel`) are a return of a live
    // order, not a cancellation: out of net sales and tax.
    let alone = r#"{"refund": {"id": 7, "order_id": 8, "created_at": "2026-01-02T10:00:00-05:00",
        "refund_line_items": [{"line_item_id": 9, "quantity": 1, "restock_type": "cancel", "subtotal": "5.00", "total_tax": "0.40",
          "subtotal_set": {"shop_money": {"amount": "5.00", "currency_code": "CAD"}},
          "line_item": {"id": 9, "sku": "A-1", "quantity": 1, "price": "5.00"}}],
        "transactions": []}}"#;
    let p = parse(&Context::for_tenant("t"), alone, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(
        (t.status, t.currency.as_str()),
        (TxnStatus::Completed, "CAD")
    );
    assert_eq!(sums(t), (1, d("-5.00"), d("-0.40")));
}

#[test]
fn a_refund_alone_learns_tax_included_prices_from_its_transactions() {
    let body = r#"{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00+01:00",
        "refund_line_items": [{"line_item_id": 3, "quantity": 1, "subtotal": "11.90", "total_tax": "1.90",
          "line_item": {"id": 3, "sku": "B-2", "quantity": 2, "price": "11.90"}}],
        "transactions": [{"kind": "refund", "status": "success", "amount": "11.90", "currency": "EUR", "gateway": "shopify_payments"}]}"#;
    let t = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let t = txns(&t)[0].clone();
    assert_eq!(sums(&t), (1, d("-10.00"), d("-1.90")));
    assert_eq!(t.currency, "EUR");
    let exclusive = body.replace("\"11.90\", \"currency\"", "\"13.80\", \"currency\"");
    let t = parse(&Context::for_tenant("t"), &exclusive, None, None).unwrap();
    assert_eq!(sums(txns(&t)[0]), (1, d("-11.90"), d("-1.90")));
}

#[test]
fn refund_in_the_customers_currency_needs_its_shop_amount() {
    let body = r#"{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00+01:00",
        "refund_line_items": [{"line_item_id": 3, "quantity": 1, "subtotal": "10.00",
          "subtotal_set": {"shop_money": {"amount": "10.00", "currency_code": "EUR"}, "presentment_money": {"amount": "10.80", "currency_code": "USD"}},
          "line_item": {"id": 3, "sku": "B-2", "quantity": 1, "price": "10.00"}}],
        "transactions": [{"kind": "refund", "status": "success", "amount": "10.80", "currency": "USD"}]}"#;
    // s28: the line's `subtotal_set` says what 10.80 USD was in shop money (before, an error).
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    assert_eq!(txns(&p)[0].tenders[0].amount, d("-10.00"));
    // A transaction the refund's parts do not account for has no shop amount to take.
    let unexplained = body.replace("\"10.80\", \"currency\"", "\"11.80\", \"currency\"");
    let e = parse(&Context::for_tenant("t"), &unexplained, None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("transactions[0].amount"));
    assert!(e.message.contains("not the shop currency EUR"), "{e}");
    let with_shop = unexplained.replace(
        "\"currency\": \"USD\"}",
        "\"currency\": \"USD\", \"amount_set\": {\"shop_money\": {\"amount\": \"10.00\", \"currency_code\": \"EUR\"}}}",
    );
    let p = parse(&Context::for_tenant("t"), &with_shop, None, None).unwrap();
    assert_eq!(txns(&p)[0].tenders[0].amount, d("-10.00"));
}

#[test]
fn a_bad_nested_refund_rejects_itself_not_the_order() {
    let body = r#"{"id": 5, "created_at": "2026-01-01T10:00:00Z", "currency": "EUR", "financial_status": "partially_refunded",
        "total_price": "4.00",
        "line_items": [{"id": 6, "sku": "A-1", "quantity": 2, "current_quantity": 1, "price": "2.00"}],
        "refunds": [{"id": 7, "created_at": "2026-01-02T10:00:00Z",
          "refund_line_items": [{"line_item_id": 6, "quantity": "one", "subtotal": "2.00"}], "transactions": []}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let order = match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("the order stands: {other:?}"),
    };
    assert_eq!(
        order.lines[0].quantity,
        d("2"),
        "an unreadable refund is no edit"
    );
    match &p.records[1] {
        Err(r) => assert_eq!(
            r.detail["field"], "refunds[0].refund_line_items[0].quantity",
            "{}",
            r.reason
        ),
        other => panic!("expected a reject, got {other:?}"),
    }
    let body = body.replace(
        "\"quantity\": \"one\", \"subtotal\": \"2.00\"}], \"transactions\": []",
        "\"quantity\": 1, \"subtotal\": \"2.00\"}], \"transactions\": [{\"kind\": \"refund\", \"status\": \"success\", \"amount\": \"2.00\"}]",
    );
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(
        (t[1].lines[0].original_line_no, t[1].lines[0].sku.as_str()),
        (Some(1), "A1"),
        "the order's line, when the refund omits line_item"
    );
    assert_eq!(t[1].tenders[0].amount, d("-2.00"));
}

#[test]
fn order_discount_without_allocations_is_spread_over_the_lines() {
    let body = r#"{"id": 1, "created_at": "2018-05-01T10:00:00-04:00", "currency": "USD", "total_discounts": "10.00",
        "line_items": [{"id": 2, "sku": "A", "quantity": 2, "price": "30.00", "total_discount": "0.00"},
                       {"id": 3, "sku": "B", "quantity": 1, "price": "40.00", "total_discount": "0.00"}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(
        t.lines.iter().map(|l| l.discount).collect::<Vec<_>>(),
        vec![d("6.00"), d("4.00")]
    );
    assert_eq!(sums(t).1, d("90.00"));
}

#[test]
fn financial_status_decides_status_and_tender() {
    let order = |fin: &str, cancelled: &str| {
        format!(
            r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "financial_status": "{fin}",
            "cancelled_at": {cancelled}, "total_price": "10.00", "total_outstanding": "4.00",
            "payment_gateway_names": ["shopify_payments"],
            "line_items": [{{"id": 2, "sku": "A", "quantity": 1, "price": "10.00"}}]}}"#
        )
    };
    let cases = [
        ("authorized", "null", TxnStatus::Completed, None),
        ("pending", "null", TxnStatus::Completed, None),
        ("partially_paid", "null", TxnStatus::Completed, Some("6.00")),
        ("paid", "null", TxnStatus::Completed, Some("10.00")),
        ("voided", "null", TxnStatus::Cancelled, None),
        (
            "authorized",
            "\"2026-01-01T11:00:00Z\"",
            TxnStatus::Cancelled,
            None,
        ),
        (
            "refunded",
            "\"2026-01-01T11:00:00Z\"",
            TxnStatus::PostVoided,
            Some("10.00"),
        ),
    ];
    for (fin, cancelled, status, tender) in cases {
        let p = parse(
            &Context::for_tenant("t"),
            &order(fin, cancelled),
            None,
            None,
        )
        .unwrap();
        let t = txns(&p)[0];
        assert_eq!(t.status, status, "{fin} {cancelled}");
        assert_eq!(
            t.tenders.first().map(|x| x.amount),
            tender.map(d),
            "{fin} {cancelled}"
        );
    }
}

#[test]
fn a_rest_page_of_orders_maps_each() {
    let body = r#"{"orders": [
        {"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}]},
        {"id": 3, "created_at": "2026-01-01T11:00:00Z", "currency": "USD", "line_items": [{"id": 4, "sku": "B", "quantity": 1, "price": "2.00"}]}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let ids: Vec<_> = txns(&p)
        .iter()
        .map(|t| t.key.source_txn_id.clone())
        .collect();
    assert_eq!(ids, vec!["1", "3"]);
    assert!(
        p.event_id.starts_with("orders[2]:order/1/"),
        "{}",
        p.event_id
    );
}

/// One unreadable order of a REST page is rejected alone, its path named; the orders around it
/// land (the whole page used to be refused, losing every good order on it).
#[test]
fn a_bad_order_on_a_page_is_rejected_alone() {
    let body = r#"{"orders": [
        {"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}]},
        {"id": 5, "created_at": "not a time", "currency": "USD", "line_items": []},
        {"id": 3, "created_at": "2026-01-01T11:00:00Z", "currency": "USD", "line_items": [{"id": 4, "sku": "B", "quantity": 1, "price": "2.00"}]}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let ids: Vec<_> = txns_of(&p.records)
        .iter()
        .map(|t| t.key.source_txn_id.clone())
        .collect();
    assert_eq!(ids, vec!["1", "3"]);
    let rejects = rejects_of(&p.records);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0].detail["field"], "orders[1].created_at");
    assert!(rejects[0]
        .payload
        .as_deref()
        .unwrap()
        .contains("not a time"));
    let again = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    assert_eq!(p.event_id, again.event_id, "the same page: one event");
}

/// A page fetched again after an order in its middle changed is a new event: with the first
/// and last only it was taken for a duplicate, and the change was never mapped.
#[test]
fn a_page_whose_middle_order_changed_is_a_new_event() {
    let page = |middle: &str| {
        let order = |id: u32, updated: &str| {
            format!(
                r#"{{"id": {id}, "created_at": "2026-01-01T10:00:00Z", "updated_at": "{updated}", "currency": "USD",
                "line_items": [{{"id": {id}, "sku": "A", "quantity": 1, "price": "1.00"}}]}}"#
            )
        };
        let v1 = "2026-01-01T10:00:00Z";
        let orders = [order(1, v1), order(2, middle), order(3, v1)];
        format!(r#"{{"orders": [{}]}}"#, orders.join(","))
    };
    let ctx = Context::for_tenant("t");
    let first = parse(&ctx, &page("2026-01-01T10:00:00Z"), None, None).unwrap();
    let again = parse(&ctx, &page("2026-01-01T10:00:00Z"), None, None).unwrap();
    let changed = parse(&ctx, &page("2026-01-02T09:00:00Z"), None, None).unwrap();
    assert_eq!(first.event_id, again.event_id, "the same page: a duplicate");
    assert_ne!(
        first.event_id, changed.event_id,
        "order 2 has a new version"
    );
    let refunds = |created: &str| {
        format!(
            r#"{{"refunds": [{{"id": 1, "order_id": 9, "created_at": "2026-01-01T10:00:00Z", "refund_line_items": [], "transactions": []}},
            {{"id": 2, "order_id": 9, "created_at": "{created}", "refund_line_items": [], "transactions": []}},
            {{"id": 3, "order_id": 9, "created_at": "2026-01-01T10:00:00Z", "refund_line_items": [], "transactions": []}}]}}"#
        )
    };
    let a = parse(&ctx, &refunds("2026-01-01T10:00:00Z"), None, None).unwrap();
    let b = parse(&ctx, &refunds("2026-01-01T11:00:00Z"), None, None).unwrap();
    assert_ne!(a.event_id, b.event_id, "refunds pages alike");
}

#[test]
fn money_only_in_set_objects_and_bad_values_name_the_field() {
    let body = r#"{"id": 1, "created_at": "2026-01-01T10:00:00Z", "total_price_set": {"shop_money": {"amount": "3.00", "currency_code": "GBP"}},
        "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price_set": {"shop_money": {"amount": "3.00", "currency_code": "GBP"}, "presentment_money": {"amount": "3.50", "currency_code": "EUR"}}}]}"#;
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(
        (t.currency.as_str(), t.lines[0].unit_price),
        ("GBP", d("3.00"))
    );
    let bad = body.replace(
        "\"amount\": \"3.00\", \"currency_code\": \"GBP\"}, \"presentment",
        "\"amount\": \"three\", \"currency_code\": \"GBP\"}, \"presentment",
    );
    let e = parse(&Context::for_tenant("t"), &bad, None, None).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("line_items[0].price_set.shop_money.amount")
    );
    let nothing = r#"{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD",
        "line_items": [{"id": 2, "sku": null, "variant_id": null, "product_id": null, "title": " ", "quantity": 1, "price": "1.00"}]}"#;
    let e = parse(&Context::for_tenant("t"), nothing, None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("line_items[0].sku"));
}

/// Merchants type `-` for "no SKU": the line is the variant's, not a reason to refuse the
/// order (or, in a REST page, every order of the page).
#[test]
fn a_sku_of_separators_only_falls_through_to_the_variant() {
    let order = |sku: &str| {
        format!(
            r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD",
            "line_items": [{{"id": 2, "sku": "{sku}", "variant_id": 4100, "product_id": 41, "quantity": 1, "price": "5.00"}}]}}"#
        )
    };
    for sku in ["-", " . ", "/", "--"] {
        let p = parse(&Context::for_tenant("t"), &order(sku), None, None).unwrap();
        assert_eq!(txns(&p)[0].lines[0].raw_item_id, "variant:4100", "{sku:?}");
    }
    let p = parse(&Context::for_tenant("t"), &order("A-1"), None, None).unwrap();
    assert_eq!(txns(&p)[0].lines[0].raw_item_id, "A-1", "a real SKU stays");
}

#[test]
fn pos_locations_come_from_the_configuration() {
    let cfg = crate::config::Config::parse(
        "[shopify]\ndefault_store = \"WEB\"\nlocations = { \"655441491\" = \"S07\" }\n",
    )
    .unwrap();
    let ctx = Context::from_config(&cfg).unwrap();
    let order = |loc: &str| {
        format!(
            r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "location_id": {loc},
            "line_items": [{{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}}]}}"#
        )
    };
    let store = |loc: &str| {
        let p = parse(&ctx, &order(loc), None, None).unwrap();
        txns(&p)[0].key.store_id.clone()
    };
    assert_eq!(store("655441491"), "S07");
    assert_eq!(
        store("1"),
        "WEB",
        "an unlisted location keeps the shop's store"
    );
    assert_eq!(store("null"), "WEB");
}

/// Topics that carry no order or refund are acknowledged with no facts (a 400 would make
/// Shopify retry them and, after repeated failures, drop the subscription); mapped topics and
/// payloads without a topic are read as before.
#[test]
fn unmapped_webhook_topics_are_kept_without_facts() {
    let ctx = Context::for_tenant("t");
    let deleted = r#"{"id": 820982911946154508}"#;
    let p = parse(&ctx, deleted, None, Some("orders/delete")).unwrap();
    assert!(p.records.is_empty());
    assert_eq!(p.event_id, "topic/orders/delete/820982911946154508");
    let customer = r#"{"id": 706405506930370084, "email": "bob@example.com"}"#;
    assert!(parse(&ctx, customer, None, Some("customers/create"))
        .unwrap()
        .records
        .is_empty());
    assert!(
        parse(&ctx, customer, None, None).is_err(),
        "no topic: not a Shopify payload"
    );
    let order = sample("shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json");
    let with_topic = parse(&ctx, &order, None, Some("orders/updated")).unwrap();
    assert_eq!(with_topic, parse(&ctx, &order, None, None).unwrap());
    assert_eq!(with_topic.records.len(), 2);
}

#[test]
fn a_refund_alone_paid_back_by_test_transactions_is_a_test_refund() {
    let body = sample("shopify_rest_2025-07_refund_from_shopify-api-ruby_test.json");
    let test = body.replace("\"test\": false", "\"test\": true");
    assert_ne!(
        test, body,
        "the sample's refund transaction says test: false"
    );
    let p = parse(
        &Context::for_tenant("t"),
        &test,
        None,
        Some("refunds/create"),
    )
    .unwrap();
    assert!(
        p.records.is_empty(),
        "a test order's refund is not a return"
    );
    let live = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    assert_eq!(
        p.event_id, live.event_id,
        "the same refund, kept in the inbox"
    );
    // No transaction at all (a restock only) cannot be told: it is mapped.
    let mut v: Value = serde_json::from_str(&test).unwrap();
    let r = if v.get("refund").is_some() {
        &mut v["refund"]
    } else {
        &mut v
    };
    r["transactions"] = serde_json::json!([]);
    let p = parse(&Context::for_tenant("t"), &v.to_string(), None, None).unwrap();
    assert_eq!(txns(&p).len(), 1);
}

/// Amounts and quantities no sale comes near are refused naming the field: the arithmetic on
/// them (a line's gross, an order's sums, a refund's share of a line) would leave `Decimal`'s
/// range and panic, dropping the request instead of keeping it as a reject.
#[test]
fn extreme_amounts_are_refused_naming_the_field_not_a_panic() {
    let order = |qty: &str, price: &str| {
        format!(
            r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD",
            "line_items": [{{"id": 2, "sku": "A", "quantity": {qty}, "price": "{price}"}}]}}"#
        )
    };
    let field = |body: &str| {
        let e = parse(&Context::for_tenant("t"), body, None, None).unwrap_err();
        assert!(e.message.contains("beyond"), "{e}");
        e.field.unwrap_or_default()
    };
    let max = "79228162514264337593543950335";
    assert_eq!(field(&order("10", max)), "line_items[0].price");
    assert_eq!(
        field(&order("100000000000000000000", "1.00")),
        "line_items[0].quantity"
    );
    let big = "1000000000000.01";
    assert_eq!(field(&order("1", big)), "line_items[0].price");
    let ok = parse(
        &Context::for_tenant("t"),
        &order("1000", "1000000000000.00"),
        None,
        None,
    );
    assert!(
        ok.is_ok(),
        "the largest amount and a large quantity still map"
    );
    // An order discount spread over a line of -(10^21 - 1) and one of 10^21: each line's
    // share is near `Decimal`'s limit, and the second line's own discount pushes it beyond.
    let spread = r#"{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD",
        "total_discounts": "100079228162.5142643375",
        "line_items": [{"id": 2, "sku": "A", "quantity": -1000000000, "price": "999999999999.999999999"},
          {"id": 3, "sku": "B", "quantity": 1000000000, "price": "1000000000000", "total_discount": "100000000000"}]}"#;
    assert_eq!(field(spread), "total_discounts");
    // A refund of one unit of a line of a tiny quantity: its share of the line overflows.
    let refund = r#"{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00Z",
        "refund_line_items": [{"line_item_id": 3, "quantity": 1,
          "line_item": {"id": 3, "sku": "B", "quantity": "0.0000000000000000000000000001", "price": "10.00", "total_discount": "10.00"}}],
        "transactions": []}"#;
    assert_eq!(field(refund), "refund_line_items[0].quantity");
    // Two refund transactions each within `Decimal` whose sum is not.
    let tender = format!(
        r#"{{"kind": "refund", "status": "success", "amount": "{}", "currency": "USD"}}"#,
        &max[..29]
    );
    let refund = format!(
        r#"{{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00Z",
        "refund_line_items": [{{"line_item_id": 3, "quantity": 1, "subtotal": "1.00", "total_tax": "0.10",
          "line_item": {{"id": 3, "sku": "B", "quantity": 1, "price": "1.00"}}}}],
        "transactions": [{tender}, {tender}]}}"#
    );
    assert_eq!(field(&refund), "transactions[0].amount");
}

/// s26: the order fixture of Shopify's Python API library, 2008-era (PROVENANCE.md). The
/// fixture is not consistent in itself: three line items of 199.00 but `subtotal_price`
/// 398.00 and `total_tax` 11.94 (6 % of one item). The lines are mapped as listed and the
/// order's tax, with no line carrying `tax_lines`, is spread over them.
#[test]
fn python_api_order_fixture_authorized_with_order_level_tax_only() {
    let body = real("python_api_fixture_order_2008_authorized_order_level_tax.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(
        t.status,
        TxnStatus::Completed,
        "authorized: sold, not paid yet"
    );
    assert!(t.tenders.is_empty());
    assert_eq!(sums(t), (3, d("597.00"), d("11.94")));
}

/// s26: the refund fixture of the same library: `refund_line_items` without `subtotal` or
/// `total_tax` (only the nested `line_item` with its price and `tax_lines`), and one refund
/// transaction whose 209.00 is not the lines' 405.96 (the fixture's own numbers).
#[test]
fn python_api_refund_fixture_lines_from_the_nested_line_items() {
    let body = real("python_api_fixture_refund_lines_without_subtotal.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(sums(t), (2, d("-398.00"), d("-7.96")));
    let paid: Decimal = t.tenders.iter().map(|x| x.amount).sum();
    assert_eq!(paid, d("-209.00"));
}

/// s27: a live Shopify POS return (refunds/create, CAD, Manitoba GST 5 % + RST 7 %) as a
/// public ERPNext connector kept it (PROVENANCE.md). Summed by hand: 4 × 39.99 = 159.96 less
/// the line's 15.99 discount = `subtotal` 143.97; tax 7.20 + 10.08 = `total_tax` 17.28;
/// 143.97 + 17.28 = the `shopify_payments` refund transaction 161.25 to a MasterCard (BIN
/// 552490, `credit_card_bin` of its `payment_details`).
#[test]
fn pos_return_cad_two_taxes_refunded_to_the_card_that_paid() {
    let body = real("webhook_refunds_create_pos_return_cad_gst_rst_card.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p)[0];
    assert_eq!(t.key.source_txn_id, "refund:975224602904");
    assert_eq!(
        (t.currency.as_str(), t.status),
        ("CAD", TxnStatus::Completed)
    );
    assert_eq!(sums(t), (1, d("-143.97"), d("-17.28")));
    let l = &t.lines[0];
    assert_eq!(
        (l.kind, l.quantity, l.unit_price),
        (LineKind::Return, d("-4"), d("39.99"))
    );
    assert_eq!(l.discount, d("15.99"));
    assert_eq!(l.original_txn_id.as_deref(), Some("6022498320664"));
    let x = &t.tenders[0];
    assert_eq!((x.method, x.amount), (TenderMethod::Card, d("-161.25")));
    assert_eq!(
        x.card_bin.as_deref(),
        Some("552490"),
        "the card the money went back to"
    );
    // Rung on the till `device_id` 3292135495 (the transaction's; the refund has none).
    assert_eq!(t.register_id.as_deref(), Some("3292135495"));
    assert_eq!(t.occurred_at.to_rfc3339(), "2024-09-09T17:36:31+00:00");
}

/// s27: an `orders/cancelled` body from a Shopify test shop, as the Activepieces Shopify piece
/// keeps it (PROVENANCE.md). Summed by hand: Powder 699.95 − 10.00 (each) − 103.50 (across) =
/// 586.45; Electric 2 × 699.95 − 209.97 = 1189.93; `subtotal_price` 1776.38 + shipping 30.00
/// = `total_price` 1806.38, paid by the manual gateway. Cancelled after payment and refunded in
/// full (the two lines `no_restock` for their subtotals, the 30.00 shipping as an
/// `order_adjustments` `shipping_refund`): the order is post-voided, and its refund takes the
/// order's status, so neither counts in sales.
#[test]
fn cancelled_and_refunded_order_with_each_and_across_discounts_counts_nowhere() {
    let body = real("webhook_orders_cancelled_refunded_manual_each_and_across_discounts.json");
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(t.len(), 2);
    let (order, refund) = (t[0], t[1]);
    assert_eq!(order.status, TxnStatus::PostVoided);
    assert_eq!(sums(order), (2, d("1776.38"), d("0")));
    let discounts: Vec<Decimal> = order.lines.iter().map(|l| l.discount).collect();
    assert_eq!(discounts, vec![d("113.50"), d("209.97")]);
    let paid: Vec<_> = order.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(paid, vec![(TenderMethod::Other, d("1806.38"))]);
    assert_eq!(refund.key.source_txn_id, "refund:945108681014");
    assert_eq!(
        refund.status,
        TxnStatus::PostVoided,
        "the cancelled order's status"
    );
    assert_eq!(sums(refund), (2, d("-1776.38"), d("0")));
    let back: Decimal = refund.tenders.iter().map(|x| x.amount).sum();
    assert_eq!(back, d("-1806.38"), "lines and the shipping refund");
}
