//! Tips on tenders (s30): an order's `tenders[].tip_money` and a payment's `tip_money` are the
//! tender's `tip`, the gratuity inside its amount; refunds say nothing of a tip (0). Payloads
//! hand-made in the shapes of the Orders API `Order` / `Tender` and the Payments API `Payment`
//! / `PaymentRefund` (developer.squareup.com/reference/square/objects/…).

use super::tests_money::{d, due, mapped, paid};
use super::*;
use pos_core::model::*;
use serde_json::json;

fn usd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "USD" })
}

/// A COMPLETED order of a 20.00 dinner with 1.60 tax, paid 13.60 by card (a 2.00 tip in it)
/// and 10.00 in cash (no tip); `edit` changes the order before it is mapped.
fn dinner(edit: impl FnOnce(&mut Value)) -> String {
    let mut o = json!({
        "id": "ORD-TIP-1", "location_id": "L1", "version": 4, "state": "COMPLETED",
        "created_at": "2026-11-20T19:00:00Z", "closed_at": "2026-11-20T20:10:00Z",
        "line_items": [{ "uid": "li1", "name": "Dinner", "quantity": "1",
            "base_price_money": usd(2000), "total_tax_money": usd(160),
            "total_discount_money": usd(0), "total_money": usd(2160) }],
        "total_money": usd(2360), "total_tax_money": usd(160), "total_tip_money": usd(200),
        "net_amount_due_money": usd(0),
        "tenders": [
            { "id": "PAY-TIP-CARD", "payment_id": "PAY-TIP-CARD", "type": "CARD",
              "created_at": "2026-11-20T20:09:00Z",
              "amount_money": usd(1360), "tip_money": usd(200),
              "card_details": { "status": "CAPTURED", "entry_method": "EMV",
                  "card": { "card_brand": "VISA", "bin": "411111" } } },
            { "id": "PAY-TIP-CASH", "payment_id": "PAY-TIP-CASH", "type": "CASH",
              "created_at": "2026-11-20T20:10:00Z", "amount_money": usd(1000) }
        ]
    });
    edit(&mut o);
    json!({ "order": o }).to_string()
}

fn tips(t: &Transaction) -> Vec<Decimal> {
    t.tenders.iter().map(|x| x.tip).collect()
}

fn less_tips(t: &Transaction) -> Decimal {
    t.tenders.iter().map(|x| x.amount - x.tip).sum()
}

#[test]
fn an_order_tender_takes_its_tip_money_and_tenders_less_tips_are_the_lines() {
    let t = mapped(&dinner(|_| {}));
    assert_eq!(tips(&t), vec![d("2.00"), d("0")], "card tipped, cash not");
    assert_eq!(
        t.tenders[0].amount,
        d("13.60"),
        "the amount still holds the tip"
    );
    assert_eq!(paid(&t), d("23.60"));
    assert_eq!(less_tips(&t), due(&t), "21.60 = net 20.00 + tax 1.60");
}

#[test]
fn an_untipped_order_tender_has_tip_zero_whether_tip_money_is_absent_or_zero() {
    let t = mapped(&dinner(|o| {
        o["tenders"][0]["tip_money"] = usd(0);
        o["tenders"][0]["amount_money"] = usd(1160);
        o["total_money"] = usd(2160);
        o["total_tip_money"] = usd(0);
    }));
    assert_eq!(tips(&t), vec![d("0"), d("0")]);
    assert_eq!(less_tips(&t), due(&t));
}

/// The payment sent alone and the order's tender are one row: both say the same tip.
#[test]
fn the_payment_sent_alone_gives_its_order_tender_row_the_same_tip() {
    let order = mapped(&dinner(|_| {}));
    let payment = json!({ "payment": {
        "id": "PAY-TIP-CARD", "created_at": "2026-11-20T20:09:00.412Z",
        "updated_at": "2026-11-20T20:09:02.000Z", "location_id": "L1", "order_id": "ORD-TIP-1",
        "status": "COMPLETED", "source_type": "CARD",
        "amount_money": usd(1160), "tip_money": usd(200), "total_money": usd(1360),
        "card_details": { "status": "CAPTURED", "entry_method": "EMV",
            "card": { "card_brand": "VISA", "bin": "411111" } } } });
    let p = parse(&Context::for_tenant("t"), &payment.to_string()).unwrap();
    let alone = match &p.records[..] {
        [Ok(Record::Tender(x))] => x.tender.clone(),
        other => panic!("expected one tender, got {other:?}"),
    };
    let t = &order.tenders[0];
    assert_eq!(
        (alone.tender_no, alone.occurred_at, alone.amount, alone.tip),
        (t.tender_no, t.occurred_at, t.amount, t.tip)
    );
    assert_eq!(alone.tip, d("2.00"));
}

#[test]
fn an_order_tender_tip_beyond_its_amount_or_of_the_other_sign_is_refused_naming_it() {
    for (tip, why) in [
        (1400, "beyond the 13.60 taken"),
        (-200, "negative on a payment"),
    ] {
        let body = dinner(|o| o["tenders"][0]["tip_money"] = usd(tip));
        let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("order.tenders[0].tip_money"),
            "{why}: {e}"
        );
        assert!(e.message.contains("is not part of its amount 13.60"), "{e}");
    }
}

#[test]
fn an_order_tender_tip_in_another_currency_is_refused_naming_it() {
    let body = dinner(|o| o["tenders"][0]["tip_money"]["currency"] = "CAD".into());
    let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("order.tenders[0].tip_money.currency")
    );
}

/// In a SearchOrders page the order with the bad tip is rejected alone.
#[test]
fn a_bad_tip_in_a_search_page_rejects_that_order_alone() {
    let good: Value = serde_json::from_str(&dinner(|_| {})).unwrap();
    let bad: Value = serde_json::from_str(&dinner(|o| {
        o["id"] = "ORD-TIP-2".into();
        o["tenders"][0]["tip_money"] = usd(1400);
    }))
    .unwrap();
    let page = json!({ "orders": [good["order"], bad["order"]] });
    let p = parse(&Context::for_tenant("t"), &page.to_string()).unwrap();
    assert!(matches!(&p.records[0], Ok(Record::Txn(_))));
    match &p.records[1] {
        Err(r) => assert_eq!(r.detail["field"], "orders[1].tenders[0].tip_money", "{r:?}"),
        other => panic!("expected a reject, got {other:?}"),
    }
}

fn payment(edit: impl FnOnce(&mut Value)) -> Value {
    let mut p = json!({
        "id": "PAY-ALONE-1", "created_at": "2026-11-21T12:00:00.250Z",
        "updated_at": "2026-11-21T12:00:01.000Z", "location_id": "L1", "order_id": "ORD-ALONE-1",
        "status": "COMPLETED", "source_type": "CARD",
        "amount_money": usd(2500), "tip_money": usd(450), "total_money": usd(2950),
        "card_details": { "status": "CAPTURED", "entry_method": "CONTACTLESS",
            "card": { "card_brand": "MASTERCARD", "bin": "555555" } }
    });
    edit(&mut p);
    p
}

fn payment_tender(p: Value) -> Result<Tender, PayloadError> {
    let body = json!({ "payment": p }).to_string();
    let parsed = parse(&Context::for_tenant("t"), &body)?;
    match &parsed.records[..] {
        [Ok(Record::Tender(x))] => Ok(x.tender.clone()),
        other => panic!("expected one tender, got {other:?}"),
    }
}

#[test]
fn a_payment_takes_its_tip_money_inside_total_money() {
    let t = payment_tender(payment(|_| {})).unwrap();
    assert_eq!((t.amount, t.tip), (d("29.50"), d("4.50")));
    let untipped = payment_tender(payment(|p| {
        p.as_object_mut().unwrap().remove("tip_money");
        p["total_money"] = usd(2500);
    }))
    .unwrap();
    assert_eq!((untipped.amount, untipped.tip), (d("25.00"), d("0")));
}

#[test]
fn a_payment_tip_beyond_its_total_is_refused_naming_tip_money() {
    // total_money says 25.00 were taken, yet the tip alone is 30.00.
    let e = payment_tender(payment(|p| {
        p["tip_money"] = usd(3000);
        p["total_money"] = usd(2500);
    }))
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("payment.tip_money"), "{e}");
    // The same without total_money: amount + tip is the total, so a negative tip is the one
    // that can fall outside it.
    let e = payment_tender(payment(|p| {
        p.as_object_mut().unwrap().remove("total_money");
        p["tip_money"] = usd(-100);
    }))
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("payment.tip_money"), "{e}");
}

/// Beside `total_money` a tip in another currency is not needed for the amount, and is no
/// share of it: tip 0, the payment lands (the SDK docs' example has such a filler tip).
/// Without `total_money` it would have to be added: refused naming its currency.
#[test]
fn a_payment_tip_in_another_currency_is_tip_zero_beside_total_money_else_refused() {
    let t = payment_tender(payment(|p| p["tip_money"]["currency"] = "EUR".into())).unwrap();
    assert_eq!((t.amount, t.tip), (d("29.50"), d("0")));
    let e = payment_tender(payment(|p| {
        p.as_object_mut().unwrap().remove("total_money");
        p["tip_money"]["currency"] = "EUR".into();
    }))
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("payment.tip_money.currency"));
    assert!(
        e.message.contains("is EUR but amount_money is in USD"),
        "{e}"
    );
}

/// On a ListPayments page the payment with the bad tip is rejected alone, its path named.
#[test]
fn a_bad_payment_tip_on_a_list_page_rejects_that_payment_alone() {
    let good = payment(|_| {});
    let bad = payment(|p| {
        p["id"] = "PAY-ALONE-2".into();
        p["tip_money"] = usd(3000);
    });
    let page = json!({ "payments": [good, bad] });
    let p = parse(&Context::for_tenant("t"), &page.to_string()).unwrap();
    match &p.records[0] {
        Ok(Record::Tender(x)) => assert_eq!(x.tender.tip, d("4.50")),
        other => panic!("expected a tender, got {other:?}"),
    }
    match &p.records[1] {
        Err(r) => assert_eq!(r.detail["field"], "payments[1].tip_money", "{r:?}"),
        other => panic!("expected a reject, got {other:?}"),
    }
}

/// A `PaymentRefund` has only `amount_money`: a refund of the whole tipped payment gives the tip
/// back, but how much of it was tip is not said, so its tip is 0 (never a guess).
#[test]
fn a_refund_sent_alone_has_tip_zero_even_when_it_refunds_a_tipped_payment() {
    let body = json!({ "refund": {
        "id": "PAY-ALONE-1_RFD-1", "payment_id": "PAY-ALONE-1", "order_id": "RET-ALONE-1",
        "location_id": "L1", "status": "COMPLETED", "created_at": "2026-11-22T09:00:00Z",
        "updated_at": "2026-11-22T09:00:02Z", "amount_money": usd(2950) } });
    let p = parse(&Context::for_tenant("t"), &body.to_string()).unwrap();
    match &p.records[..] {
        [Ok(Record::Tender(x))] => {
            assert_eq!((x.tender.amount, x.tender.tip), (d("-29.50"), d("0")))
        }
        other => panic!("expected one tender, got {other:?}"),
    }
}

/// A return order whose return gives the tip back (`return_amounts.tip_money`): its refund is
/// still tip 0, as the same refund sent alone is (one row, one tip), and the return order's
/// tenders less tips then exceed its lines by that tip.
#[test]
fn an_order_refund_has_tip_zero_even_when_its_return_gives_a_tip_back() {
    let body = json!({ "order": {
        "id": "RET-TIP-1", "location_id": "L1", "version": 1, "state": "COMPLETED",
        "created_at": "2026-11-22T09:00:00Z", "closed_at": "2026-11-22T09:00:05Z",
        "returns": [{ "uid": "r1", "source_order_id": "ORD-TIP-1",
            "return_line_items": [{ "uid": "rli1", "name": "Dinner", "quantity": "1",
                "base_price_money": usd(2000), "total_tax_money": usd(160),
                "total_money": usd(2160) }],
            "return_amounts": { "total_money": usd(2360), "tax_money": usd(160),
                "tip_money": usd(200) } }],
        "refunds": [{ "id": "RFD-1", "tender_id": "PAY-TIP-CARD", "location_id": "L1",
            "created_at": "2026-11-22T09:00:04Z", "amount_money": usd(2360),
            "status": "APPROVED" }],
        "return_amounts": { "total_money": usd(2360), "tax_money": usd(160),
            "tip_money": usd(200) }
    } });
    let t = mapped(&body.to_string());
    assert_eq!(
        t.tenders
            .iter()
            .map(|x| (x.amount, x.tip))
            .collect::<Vec<_>>(),
        vec![(d("-23.60"), d("0"))]
    );
    assert_eq!(due(&t), d("-21.60"));
}

/// A cash rounding tender carries no tip; the tipped cash tender keeps its tip, and tenders
/// less tips still add up to the lines with the rounding.
#[test]
fn a_rounding_tender_has_no_tip_and_the_tipped_tender_keeps_its_own() {
    let t = mapped(&dinner(|o| {
        for k in [
            "total_money",
            "total_tax_money",
            "total_tip_money",
            "net_amount_due_money",
        ] {
            o[k]["currency"] = "CAD".into();
        }
        for k in [
            "base_price_money",
            "total_tax_money",
            "total_discount_money",
            "total_money",
        ] {
            o["line_items"][0][k]["currency"] = "CAD".into();
        }
        // 21.62 due + a 2.00 tip = 23.62, paid in cash rounded to the nickel: 23.60.
        o["line_items"][0]["total_tax_money"]["amount"] = 162.into();
        o["line_items"][0]["total_money"]["amount"] = 2162.into();
        o["total_tax_money"]["amount"] = 162.into();
        o["total_money"]["amount"] = 2360.into();
        o["rounding_adjustment"] = json!({ "uid": "ra1", "name": "Cash rounding",
            "amount_money": { "amount": -2, "currency": "CAD" } });
        o["tenders"] = json!([{ "id": "PAY-CASH-R", "payment_id": "PAY-CASH-R", "type": "CASH",
            "created_at": "2026-11-20T20:10:00Z",
            "amount_money": { "amount": 2360, "currency": "CAD" },
            "tip_money": { "amount": 200, "currency": "CAD" } }]);
    }));
    let got: Vec<_> = t
        .tenders
        .iter()
        .map(|x| (x.method, x.amount, x.tip))
        .collect();
    assert_eq!(
        got,
        vec![
            (TenderMethod::Cash, d("23.60"), d("2.00")),
            (TenderMethod::Other, d("0.02"), d("0")),
        ]
    );
    assert_eq!(less_tips(&t), due(&t), "21.62 = 23.60 − 2.00 + 0.02");
}
