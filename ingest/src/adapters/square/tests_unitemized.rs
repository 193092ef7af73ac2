//! Orders paid without line items (a custom amount keyed at the Point of Sale, an API order
//! holding only totals): their goods are one unitemized line. Payloads hand-made in the shape
//! of the Orders API `Order` (developer.squareup.com/reference/square/objects/Order).

use super::tests_money::{d, due, mapped, paid};
use super::*;
use pos_core::model::*;
use serde_json::json;

fn usd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "USD" })
}

/// A COMPLETED order of 12.90 paid by card: 10.00 of goods, 0.90 tax, a 2.00 tip, no
/// `line_items`; `edit` changes it before it is mapped.
fn order_without_items(edit: impl FnOnce(&mut Value)) -> String {
    let mut o = json!({
        "id": "ORDNOITEMS01", "location_id": "LOC1", "version": 3, "state": "COMPLETED",
        "created_at": "2026-03-05T15:00:00Z", "closed_at": "2026-03-05T15:00:05Z",
        "total_money": usd(1290), "total_tax_money": usd(90), "total_tip_money": usd(200),
        "total_discount_money": usd(0), "total_service_charge_money": usd(0),
        "net_amount_due_money": usd(0),
        "tenders": [{ "id": "TNDNOITEMS01", "payment_id": "PAYNOITEMS01",
            "created_at": "2026-03-05T15:00:04Z", "type": "CARD",
            "amount_money": usd(1290), "tip_money": usd(200),
            "card_details": { "status": "CAPTURED", "entry_method": "EMV",
                "card": { "card_brand": "VISA", "bin": "411111" } } }]
    });
    edit(&mut o);
    json!({ "order": o }).to_string()
}

/// A change to the order, named for the assertion message.
type Case = (&'static str, Box<dyn FnOnce(&mut Value)>);

fn unitemized(t: &Transaction) -> Vec<(i32, Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .filter(|l| l.raw_item_id == "unitemized")
        .map(|l| (l.line_no, l.quantity, l.net_amount, l.tax))
        .collect()
}

/// Before: a completed transaction with its 12.90 tender and no line, in no net sales and no
/// transaction count.
#[test]
fn a_paid_order_without_line_items_books_its_goods_as_one_unitemized_line() {
    let t = mapped(&order_without_items(|_| {}));
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(unitemized(&t), [(1, d("1"), d("10.00"), d("0.90"))]);
    let l = &t.lines[0];
    assert_eq!((l.kind, l.non_revenue), (LineKind::Sale, false));
    assert_eq!(l.sku, "UNITEMIZED");
    // Tenders = net + tax + tips, as for any Square order; the tip is the tender's own.
    assert_eq!(paid(&t) - d("2.00"), due(&t));
    assert_eq!(t.tenders[0].tip, d("2.00"));
    assert_eq!(paid(&t) - t.tenders[0].tip, due(&t));
}

/// A service charge that is not apportioned is its own line already: it is not goods.
#[test]
fn an_order_without_items_keeps_its_service_charge_apart_from_the_goods() {
    let t = mapped(&order_without_items(|o| {
        o["total_money"] = usd(1440);
        o["total_tax_money"] = usd(100);
        o["total_service_charge_money"] = usd(140);
        o["service_charges"] = json!([{ "uid": "SC1", "name": "Delivery",
            "calculation_phase": "SUBTOTAL_PHASE", "applied_money": usd(140),
            "total_tax_money": usd(10), "total_money": usd(150) }]);
        o["tenders"][0]["amount_money"] = usd(1440);
    }));
    assert_eq!(t.lines[0].raw_item_id, "service_charge:Delivery");
    assert_eq!(unitemized(&t), [(2, d("1"), d("10.00"), d("0.90"))]);
    assert_eq!(paid(&t) - d("2.00"), due(&t));
}

/// Nothing sold yet (open and unpaid, draft, cancelled), nothing to sell (a total of 0, a tip
/// or service charge alone), or money given back (a return order): no unitemized line.
#[test]
fn open_cancelled_zero_and_return_orders_get_no_unitemized_line() {
    let cases: Vec<Case> = vec![
        (
            "open, unpaid",
            Box::new(|o| {
                o["state"] = json!("OPEN");
                o["net_amount_due_money"] = usd(1290);
                o["tenders"] = json!([]);
            }),
        ),
        ("draft", Box::new(|o| o["state"] = json!("DRAFT"))),
        ("canceled", Box::new(|o| o["state"] = json!("CANCELED"))),
        (
            "total 0",
            Box::new(|o| {
                o["total_money"] = usd(0);
                o["total_tax_money"] = usd(0);
                o["total_tip_money"] = usd(0);
                o["tenders"][0]["amount_money"] = usd(0);
                // (s30) its tender's tip too: a 2.00 tip in a tender of 0 is now refused.
                o["tenders"][0]["tip_money"] = usd(0);
            }),
        ),
        (
            "tip alone",
            Box::new(|o| {
                o["total_money"] = usd(200);
                o["total_tax_money"] = usd(0);
                o["tenders"][0]["amount_money"] = usd(200);
            }),
        ),
        (
            "return order",
            Box::new(|o| {
                o["total_money"] = usd(0);
                o["total_tax_money"] = usd(0);
                o["total_tip_money"] = usd(0);
                o["tenders"] = json!([]);
                o["returns"] = json!([{ "uid": "RET1", "source_order_id": "ORDSOLD",
                    "return_line_items": [{ "uid": "RLI1", "name": "Mug", "quantity": "1",
                        "base_price_money": usd(1000), "total_tax_money": usd(90),
                        "total_money": usd(1090) }] }]);
                o["refunds"] = json!([{ "id": "REF1", "tender_id": "TNDSOLD",
                    "amount_money": usd(1090), "status": "APPROVED",
                    "created_at": "2026-03-05T15:00:04Z" }]);
            }),
        ),
    ];
    for (what, edit) in cases {
        let t = mapped(&order_without_items(edit));
        assert_eq!(unitemized(&t), [], "{what}");
    }
}

/// Cash rounding of an order without items (CAD, 0.05): the line is what was due before the
/// rounding (10.02), and the rounding stays a tender of its own, so tenders meet the lines.
#[test]
fn a_cash_rounded_order_without_items_books_the_goods_before_the_rounding() {
    let cad = |amount: i64| json!({ "amount": amount, "currency": "CAD" });
    let t = mapped(&order_without_items(|o| {
        o["total_money"] = cad(1000);
        o["total_tax_money"] = cad(48);
        o["total_tip_money"] = cad(0);
        o["total_discount_money"] = cad(0);
        o["total_service_charge_money"] = cad(0);
        o["net_amount_due_money"] = cad(0);
        o["rounding_adjustment"] = json!({ "uid": "RND1", "name": "Cash rounding",
            "amount_money": cad(-2) });
        o["tenders"] = json!([{ "id": "TNDCASH1", "payment_id": "PAYCASH1",
            "created_at": "2026-03-05T15:00:04Z", "type": "CASH",
            "amount_money": cad(1000),
            "cash_details": { "buyer_tendered_money": cad(1000), "change_back_money": cad(0) } }]);
    }));
    assert_eq!(unitemized(&t), [(1, d("1"), d("9.54"), d("0.48"))]);
    assert_eq!(paid(&t), due(&t));
    assert_eq!(paid(&t), d("10.02"));
}

/// A tax the goods cannot hold is a bad record: refused, naming the field.
#[test]
fn a_tax_above_the_goods_of_an_order_without_items_names_total_tax_money() {
    let body = order_without_items(|o| o["total_tax_money"] = usd(1200));
    let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("order.total_tax_money"), "{e:?}");
    assert!(
        e.message.contains("12.00") && e.message.contains("10.90"),
        "{}",
        e.message
    );
}
