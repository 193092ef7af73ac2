//! Tips on tenders (s30): a paid order's one tender holds its tip lines (`tip_payment_gateway`,
//! else `total_tip_received`) as its `tip`; a refund that gives a tip line back puts it on its
//! one refund tender, negative; payment transactions do not say their tip (0). Payloads
//! hand-made in the REST 2024-10 `Order` / `Refund` / `Transaction` shapes.

use super::tests::{d, sums, txns};
use super::*;
use serde_json::json;

/// A paid card order: one shirt of 40.00 with 3.20 tax, and a 6.00 tip line; `total_price`
/// 49.20 holds the tip. `edit` changes the order before it is mapped.
fn tipped_order(edit: impl FnOnce(&mut Value)) -> String {
    let mut o = json!({
        "id": 8801, "created_at": "2026-11-20T12:00:00-05:00",
        "updated_at": "2026-11-20T12:00:05-05:00", "currency": "USD",
        "financial_status": "paid", "total_price": "49.20", "total_outstanding": "0.00",
        "total_tip_received": "6.00", "payment_gateway_names": ["shopify_payments"],
        "line_items": [
            { "id": 11, "sku": "SHIRT", "quantity": 1, "price": "40.00",
              "tax_lines": [{ "price": "3.20" }] },
            { "id": 12, "title": "Tip", "quantity": 1, "price": "6.00", "product_id": null,
              "variant_id": null, "tip_payment_gateway": "shopify_payments",
              "tip_payment_method": "card", "tax_lines": [] }
        ],
        "refunds": []
    });
    edit(&mut o);
    o.to_string()
}

fn order_of(body: &str) -> Transaction {
    let p = parse(&Context::for_tenant("t"), body, None, None).unwrap();
    txns(&p)[0].clone()
}

fn lines(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount + l.tax).sum()
}

fn less_tips(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|x| x.amount - x.tip).sum()
}

#[test]
fn a_paid_order_tender_holds_its_tip_lines_and_less_tips_is_the_lines() {
    let t = order_of(&tipped_order(|_| {}));
    assert_eq!(sums(&t), (1, d("40.00"), d("3.20")), "the tip is no line");
    assert_eq!(
        (t.tenders[0].amount, t.tenders[0].tip),
        (d("49.20"), d("6.00"))
    );
    assert_eq!(less_tips(&t), lines(&t), "43.20");
}

#[test]
fn an_untipped_paid_order_has_tip_zero() {
    let t = order_of(&tipped_order(|o| {
        o["line_items"].as_array_mut().unwrap().pop();
        o["total_price"] = json!("43.20");
        o["total_tip_received"] = json!("0.00");
    }));
    assert_eq!(
        (t.tenders[0].amount, t.tenders[0].tip),
        (d("43.20"), d("0"))
    );
    let without_total = order_of(&tipped_order(|o| {
        o["line_items"].as_array_mut().unwrap().pop();
        o["total_price"] = json!("43.20");
        o.as_object_mut().unwrap().remove("total_tip_received");
    }));
    assert_eq!(without_total.tenders[0].tip, d("0"));
}

/// A payload trimmed of its tip line still says its tip in `total_tip_received`.
#[test]
fn without_tip_lines_the_tip_is_total_tip_received() {
    let t = order_of(&tipped_order(|o| {
        o["line_items"].as_array_mut().unwrap().pop();
    }));
    assert_eq!(t.tenders[0].tip, d("6.00"));
    assert_eq!(less_tips(&t), lines(&t));
}

/// Several tip lines (a tip added at the till, another one later) add up.
#[test]
fn two_tip_lines_add_up_on_the_one_tender() {
    let t = order_of(&tipped_order(|o| {
        let mut second = o["line_items"][1].clone();
        second["id"] = json!(13);
        second["price"] = json!("1.50");
        o["line_items"].as_array_mut().unwrap().push(second);
        o["total_price"] = json!("50.70");
        o["total_tip_received"] = json!("7.50");
    }));
    assert_eq!(t.tenders[0].tip, d("7.50"));
    assert_eq!(less_tips(&t), lines(&t));
}

/// A partially paid order's tender is what was received so far; whether the tip is in it is
/// not said, so its tip is 0 rather than a guess.
#[test]
fn a_partially_paid_order_tender_has_tip_zero() {
    let t = order_of(&tipped_order(|o| {
        o["financial_status"] = json!("partially_paid");
        o["total_outstanding"] = json!("20.00");
    }));
    assert_eq!(
        (t.tenders[0].amount, t.tenders[0].tip),
        (d("29.20"), d("0"))
    );
}

#[test]
fn a_tip_beyond_the_order_total_is_refused_naming_the_tip_line() {
    let e = parse(
        &Context::for_tenant("t"),
        &tipped_order(|o| o["line_items"][1]["price"] = json!("60.00")),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("line_items[1].price"), "{e}");
    assert!(e.message.contains("is not part of its amount 49.20"), "{e}");
    let e = parse(
        &Context::for_tenant("t"),
        &tipped_order(|o| {
            o["line_items"].as_array_mut().unwrap().pop();
            o["total_tip_received"] = json!("60.00");
        }),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("total_tip_received"), "{e}");
}

/// POS cash rounding: the tender becomes the cash taken, the tip stays its own, and the rounding
/// tender carries none.
#[test]
fn a_cash_rounded_order_keeps_its_tip_on_the_cash_tender() {
    let t = order_of(&tipped_order(|o| {
        o["currency"] = json!("CAD");
        o["payment_gateway_names"] = json!(["cash"]);
        o["line_items"][1]["tip_payment_gateway"] = json!("cash");
        o["total_price"] = json!("49.22");
        o["line_items"][0]["tax_lines"][0]["price"] = json!("3.22");
        o["total_cash_rounding_payment_adjustment_set"] = json!({
            "shop_money": { "amount": "-0.02", "currency_code": "CAD" },
            "presentment_money": { "amount": "-0.02", "currency_code": "CAD" } });
    }));
    let got: Vec<_> = t
        .tenders
        .iter()
        .map(|x| (x.method, x.amount, x.tip))
        .collect();
    assert_eq!(
        got,
        vec![
            (TenderMethod::Cash, d("49.20"), d("6.00")),
            (TenderMethod::Other, d("0.02"), d("0")),
        ]
    );
    assert_eq!(less_tips(&t), lines(&t), "43.22");
}

/// With `tenders = "transactions"` the order maps no tender, and a payment transaction does not
/// say how much of it was a tip: 0.
#[test]
fn a_payment_transaction_has_tip_zero() {
    let mut ctx = Context::for_tenant("t");
    ctx.shopify_tenders = crate::config::ShopifyTenders::Transactions;
    let body = r#"{"id": 5001, "order_id": 8801, "kind": "sale", "status": "success",
        "gateway": "shopify_payments", "amount": "49.20", "currency": "USD",
        "created_at": "2026-11-20T12:00:03-05:00", "processed_at": "2026-11-20T12:00:03-05:00"}"#;
    let p = parse(&ctx, body, None, Some("order_transactions/create")).unwrap();
    match &p.records[..] {
        [Ok(Record::Tender(x))] => {
            assert_eq!((x.tender.amount, x.tender.tip), (d("49.20"), d("0")))
        }
        other => panic!("expected one tender, got {other:?}"),
    }
    let order = parse(&ctx, &tipped_order(|_| {}), None, None).unwrap();
    assert!(txns(&order)[0].tenders.is_empty());
}

/// A refund of the shirt and the tip, delivered alone: the tip line comes back as a tip on the
/// refund's one tender (negative), not as a return line.
fn refund_with_tip(edit: impl FnOnce(&mut Value)) -> String {
    let mut r = json!({
        "id": 9901, "order_id": 8801, "created_at": "2026-11-21T10:00:00-05:00",
        "refund_line_items": [
            { "line_item_id": 11, "quantity": 1, "subtotal": "40.00", "total_tax": "3.20",
              "line_item": { "id": 11, "sku": "SHIRT", "quantity": 1, "price": "40.00",
                  "tax_lines": [{ "price": "3.20" }] } },
            { "line_item_id": 12, "quantity": 1, "subtotal": "6.00", "total_tax": "0.00",
              "line_item": { "id": 12, "title": "Tip", "quantity": 1, "price": "6.00",
                  "product_id": null, "variant_id": null,
                  "tip_payment_gateway": "shopify_payments" } }
        ],
        "transactions": [{ "id": 7001, "kind": "refund", "status": "success",
            "amount": "49.20", "currency": "USD", "gateway": "shopify_payments" }]
    });
    edit(&mut r);
    r.to_string()
}

fn refund_of(body: &str) -> Result<Transaction, PayloadError> {
    let p = parse(&Context::for_tenant("t"), body, None, None)?;
    Ok(txns(&p)[0].clone())
}

#[test]
fn a_refund_giving_back_a_tip_line_puts_it_on_its_refund_tender_negative() {
    let t = refund_of(&refund_with_tip(|_| {})).unwrap();
    assert_eq!(
        sums(&t),
        (1, d("-40.00"), d("-3.20")),
        "the tip is no return line"
    );
    assert_eq!(
        (t.tenders[0].amount, t.tenders[0].tip),
        (d("-49.20"), d("-6.00"))
    );
    assert_eq!(less_tips(&t), lines(&t), "−43.20");
}

#[test]
fn a_refund_without_a_tip_line_has_tip_zero() {
    let t = refund_of(&refund_with_tip(|r| {
        r["refund_line_items"].as_array_mut().unwrap().pop();
        r["transactions"][0]["amount"] = json!("43.20");
    }))
    .unwrap();
    assert_eq!(
        (t.tenders[0].amount, t.tenders[0].tip),
        (d("-43.20"), d("0"))
    );
}

/// Older refund lines without `subtotal`: the tip's price × the refunded quantity.
#[test]
fn a_tip_line_without_subtotal_gives_back_its_price() {
    let t = refund_of(&refund_with_tip(|r| {
        r["refund_line_items"][1]
            .as_object_mut()
            .unwrap()
            .remove("subtotal");
    }))
    .unwrap();
    assert_eq!(t.tenders[0].tip, d("-6.00"));
}

/// Nested in its order, a refund line of the tip may not nest the tip's `line_item`: the
/// order's tip line is known (it is no sale line), and the refund line's `subtotal` (else the
/// order's tip price) is the tip given back.
#[test]
fn a_nested_refund_of_the_orders_tip_line_takes_the_tip_from_the_order() {
    for subtotal in [true, false] {
        let body = tipped_order(|o| {
            o["financial_status"] = json!("refunded");
            let mut r: Value = serde_json::from_str(&refund_with_tip(|_| {})).unwrap();
            let tip_line = r["refund_line_items"][1].as_object_mut().unwrap();
            tip_line.remove("line_item");
            if !subtotal {
                tip_line.remove("subtotal");
            }
            o["refunds"] = json!([r]);
        });
        let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
        let t = txns(&p);
        assert_eq!(t.len(), 2, "the order and its refund");
        assert_eq!(t[0].tenders[0].tip, d("6.00"), "the sale's tip");
        assert_eq!(
            (t[1].tenders[0].amount, t[1].tenders[0].tip),
            (d("-49.20"), d("-6.00")),
            "subtotal given: {subtotal}"
        );
        let tips: Decimal = t.iter().flat_map(|x| &x.tenders).map(|x| x.tip).sum();
        assert_eq!(tips, d("0"), "the tip was given back");
    }
}

/// Two refund transactions (part to the card, part in cash): which one gave the tip back is not
/// said, so neither carries it.
#[test]
fn a_refund_with_two_tenders_leaves_the_tip_unplaced() {
    let t = refund_of(&refund_with_tip(|r| {
        r["transactions"] = json!([
            { "id": 7001, "kind": "refund", "status": "success", "amount": "40.00",
              "currency": "USD", "gateway": "shopify_payments" },
            { "id": 7002, "kind": "refund", "status": "success", "amount": "9.20",
              "currency": "USD", "gateway": "cash" }
        ]);
    }))
    .unwrap();
    let tips: Vec<_> = t.tenders.iter().map(|x| x.tip).collect();
    assert_eq!(tips, vec![d("0"), d("0")]);
}

/// A declined attempt beside the refund that went through: the tip is on the approved one.
#[test]
fn a_declined_refund_attempt_does_not_take_the_tip() {
    let t = refund_of(&refund_with_tip(|r| {
        let failed = json!({ "id": 7000, "kind": "refund", "status": "failure",
            "amount": "49.20", "currency": "USD", "gateway": "shopify_payments" });
        r["transactions"].as_array_mut().unwrap().insert(0, failed);
    }))
    .unwrap();
    let got: Vec<_> = t.tenders.iter().map(|x| (x.status, x.tip)).collect();
    assert_eq!(
        got,
        vec![
            (TenderStatus::Declined, d("0")),
            (TenderStatus::Approved, d("-6.00"))
        ]
    );
}

#[test]
fn a_tip_given_back_beyond_the_refund_tender_is_refused_naming_it() {
    let e = refund_of(&refund_with_tip(|r| {
        r["refund_line_items"][1]["subtotal"] = json!("60.00");
    }))
    .unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("refund_line_items[1].subtotal"),
        "{e}"
    );
    assert!(
        e.message.contains("is not part of its amount -49.20"),
        "{e}"
    );
}

/// A refund alone is read as tax-inclusive when its transactions are its subtotals: less the
/// tip they give back, since the tip is no line. Before s30 the tip made such a refund look
/// tax-exclusive, and its return lines kept the VAT in their net.
#[test]
fn a_tip_given_back_does_not_hide_that_prices_include_tax() {
    let t = refund_of(&refund_with_tip(|r| {
        // 40.00 with 6.39 VAT inside (19 %), and the 6.00 tip: 46.00 back.
        r["refund_line_items"][0]["total_tax"] = json!("6.39");
        r["transactions"][0]["amount"] = json!("46.00");
    }))
    .unwrap();
    assert_eq!(
        sums(&t),
        (1, d("-33.61"), d("-6.39")),
        "net of the VAT inside"
    );
    assert_eq!(less_tips(&t), lines(&t), "−40.00");
}

/// Nested in its order, a refund line naming a line item the order does not have (neither a
/// sale line nor a tip line) is not known to be a tip: the refund tender's tip stays 0.
#[test]
fn a_nested_refund_line_of_an_unknown_line_item_is_no_tip() {
    let body = tipped_order(|o| {
        o["financial_status"] = json!("partially_refunded");
        let mut r: Value = serde_json::from_str(&refund_with_tip(|_| {})).unwrap();
        let line = r["refund_line_items"][1].as_object_mut().unwrap();
        line.remove("line_item");
        line.insert("line_item_id".into(), json!(99));
        o["refunds"] = json!([r]);
    });
    let p = parse(&Context::for_tenant("t"), &body, None, None).unwrap();
    let t = txns(&p);
    assert_eq!(t[1].tenders[0].tip, d("0"));
}
