//! Tests of the gaps closed in session 16: refunds take the method of the tender they name,
//! cash rounding on an order version without tenders, service charges and tips.

use super::*;
use pos_core::model::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn fixture(name: &str) -> Value {
    let p = format!(
        "{}/tests/data/real/square/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let body = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_json::from_str(&body).unwrap()
}

fn records(body: &Value) -> Vec<Record> {
    let p = parse(&Context::for_tenant("t"), &body.to_string()).unwrap();
    p.records.into_iter().map(|r| r.unwrap()).collect()
}

fn mapped(body: &Value) -> Transaction {
    match records(body).into_iter().next() {
        Some(Record::Txn(t)) => *t,
        other => panic!("expected a transaction, got {other:?}"),
    }
}

/// A refund as Square lists it on an order (`Order.refunds[]`).
fn refund(id: &str, tender_id: &str, cents: i64) -> Value {
    serde_json::json!({
        "id": id, "location_id": "L1", "transaction_id": "ORDER-MIXED-1",
        "tender_id": tender_id, "created_at": "2025-03-02T01:00:00Z", "reason": "Returned goods",
        "amount_money": {"amount": cents, "currency": "USD"}, "status": "APPROVED"
    })
}

#[test]
fn an_order_refund_takes_the_method_and_card_of_the_tender_it_names() {
    let mut v = fixture("retrieve_order_completed_mixed.json");
    v["order"]["refunds"] = serde_json::json!([
        refund("PAY-CARD-1_R1", "PAY-CARD-1", 500),
        refund("PAY-CASH-1_R2", "PAY-CASH-1", 300),
        refund("PAY-ELSEWHERE_R3", "PAY-ELSEWHERE", 100),
    ]);
    let t = mapped(&v);
    let back: Vec<_> = t
        .tenders
        .iter()
        .filter(|x| x.amount < Decimal::ZERO)
        .map(|x| (x.method, x.amount, x.card_bin.as_deref(), x.card_entry))
        .collect();
    assert_eq!(
        back,
        vec![
            (TenderMethod::Card, d("-5.00"), Some("411111"), None),
            (TenderMethod::Cash, d("-3.00"), None, None),
            (TenderMethod::Other, d("-1.00"), None, None),
        ],
        "back to the card and out of the drawer; a tender not in the order says nothing"
    );
    let card = t.tenders.iter().find(|x| x.amount == d("-5.00")).unwrap();
    assert_eq!(card.card_fingerprint.as_deref(), Some("sq-1-abcDEF"));
}

#[test]
fn an_order_refund_finds_its_tender_by_payment_id_too() {
    // Transactions-API-era tenders have an id of their own beside `payment_id`; a refund may
    // name either.
    let mut v = fixture("retrieve_order_completed_mixed.json");
    v["order"]["tenders"][1]["id"] = "TENDER-CASH-LEGACY".into();
    v["order"]["refunds"] = serde_json::json!([refund("R9", "PAY-CASH-1", 200)]);
    let t = mapped(&v);
    let r = t.tenders.last().unwrap();
    assert_eq!((r.method, r.amount), (TenderMethod::Cash, d("-2.00")));
}

/// The order's records: its transaction and the tenders it writes on their own.
fn txn_and_solo(body: &Value) -> (Transaction, Vec<TenderRecord>) {
    let mut txn = None;
    let mut solo = Vec::new();
    for r in records(body) {
        match r {
            Record::Txn(t) => txn = Some(*t),
            Record::Tender(x) => solo.push(x),
            other => panic!("unexpected {other:?}"),
        }
    }
    (txn.expect("a transaction"), solo)
}

#[test]
fn rounding_on_a_version_without_tenders_is_a_tender_of_its_own_on_the_same_row() {
    let full = fixture("retrieve_order_cad_cash_rounding_gift_card.json");
    let mut bare = full.clone();
    bare["order"]["tenders"] = serde_json::json!([]);
    bare["order"]["version"] = 3.into();
    let (t, solo) = txn_and_solo(&bare);
    assert!(t.tenders.is_empty(), "the payments sent apart stay stored");
    assert_eq!(solo.len(), 1, "the rounding is not dropped");
    let r = &solo[0];
    assert_eq!(
        (r.tender.method, r.tender.amount),
        (TenderMethod::Other, d("0.02"))
    );
    assert_eq!(r.key, t.key);
    assert_eq!((r.source_version, r.currency.as_str()), (3, "CAD"));
    assert_eq!(r.business_date, t.business_date);
    let (later, none) = txn_and_solo(&full);
    assert!(
        none.is_empty(),
        "beside tenders it stays in the order's list"
    );
    let same = later
        .tenders
        .iter()
        .find(|x| x.amount == d("0.02"))
        .unwrap();
    assert_eq!(
        (same.tender_no, same.occurred_at),
        (r.tender.tender_no, r.tender.occurred_at),
        "the version with tenders replaces the same row"
    );
}

#[test]
fn an_order_without_tenders_or_rounding_writes_no_tender() {
    let mut v = fixture("retrieve_order_cad_cash_rounding_gift_card.json");
    v["order"]["tenders"] = serde_json::json!([]);
    v["order"]
        .as_object_mut()
        .unwrap()
        .remove("rounding_adjustment");
    let (_, solo) = txn_and_solo(&v);
    assert!(solo.is_empty());
}

/// An order with one taxed item, a tip, and a service charge of each kind Square documents:
/// CUSTOM in SUBTOTAL_PHASE taxed by an ADDITIVE tax, AUTO_GRATUITY in TOTAL_PHASE (never
/// taxable), and a CUSTOM charge taxed by an INCLUSIVE tax (`applied_money` holds that tax,
/// so `total_money` = `applied_money`, not `applied_money` + tax).
fn charges_order() -> Value {
    let usd = |a: i64| serde_json::json!({"amount": a, "currency": "USD"});
    serde_json::json!({"order": {
        "id": "ORDER-SC-1", "location_id": "L1", "state": "COMPLETED", "version": 3,
        "created_at": "2025-05-02T19:00:00Z", "closed_at": "2025-05-02T19:40:00Z",
        "taxes": [
            {"uid": "t-add", "name": "Sales tax", "type": "ADDITIVE", "percentage": "8", "scope": "LINE_ITEM"},
            {"uid": "t-inc", "name": "VAT", "type": "INCLUSIVE", "percentage": "10", "scope": "LINE_ITEM"}
        ],
        "line_items": [{"uid": "li1", "name": "Pasta", "quantity": "1", "base_price_money": usd(1000),
            "applied_taxes": [{"uid": "a1", "tax_uid": "t-add", "applied_money": usd(80)}],
            "gross_sales_money": usd(1000), "total_tax_money": usd(80), "total_discount_money": usd(0),
            "total_money": usd(1080)}],
        "service_charges": [
            {"uid": "sc-del", "name": "Delivery", "type": "CUSTOM", "amount_money": usd(200),
             "applied_money": usd(200), "calculation_phase": "SUBTOTAL_PHASE", "taxable": true,
             "treatment_type": "LINE_ITEM_TREATMENT",
             "applied_taxes": [{"uid": "a2", "tax_uid": "t-add", "applied_money": usd(16)}],
             "total_tax_money": usd(16), "total_money": usd(216)},
            {"uid": "sc-grat", "name": "Gratuity", "type": "AUTO_GRATUITY", "percentage": "18",
             "applied_money": usd(233), "calculation_phase": "TOTAL_PHASE", "taxable": false,
             "total_tax_money": usd(0), "total_money": usd(233)},
            {"uid": "sc-pack", "name": "Packaging", "type": "CUSTOM", "amount_money": usd(110),
             "applied_money": usd(110), "calculation_phase": "SUBTOTAL_PHASE", "taxable": true,
             "applied_taxes": [{"uid": "a3", "tax_uid": "t-inc", "applied_money": usd(10)}],
             "total_tax_money": usd(10), "total_money": usd(110)}
        ],
        "tenders": [{"id": "PAY-1", "type": "CARD", "amount_money": usd(1739), "tip_money": usd(100),
            "payment_id": "PAY-1", "card_details": {"status": "CAPTURED", "card": {"card_brand": "VISA"}}}],
        "total_money": usd(1639), "total_tax_money": usd(106), "total_tip_money": usd(100),
        "total_service_charge_money": usd(543), "net_amount_due_money": usd(0)
    }})
}

fn charge_lines(t: &Transaction) -> Vec<(&str, Decimal, Decimal)> {
    t.lines
        .iter()
        .map(|l| (l.raw_item_id.as_str(), l.net_amount, l.tax))
        .collect()
}

#[test]
fn service_charges_of_each_phase_and_tax_kind_are_net_of_their_tax_and_tenders_hold_the_tip() {
    let t = mapped(&charges_order());
    let want = vec![
        ("Pasta", d("10.00"), d("0.80")),
        ("service_charge:Delivery", d("2.00"), d("0.16")),
        ("service_charge:Gratuity", d("2.33"), d("0")),
        ("service_charge:Packaging", d("1.00"), d("0.10")),
    ];
    assert_eq!(charge_lines(&t), want);
    let lines: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    assert_eq!(lines, d("16.39"), "the order's total_money");
    let paid: Decimal = t.tenders.iter().map(|x| x.amount).sum();
    assert_eq!(
        paid - lines,
        d("1.00"),
        "the tenders exceed the lines by the tip"
    );
    // The auto-gratuity is a charge of the order (a line), not the tender's tip.
    assert_eq!(t.tenders[0].tip, d("1.00"), "the tender's tip_money");
    let less_tips: Decimal = t.tenders.iter().map(|x| x.amount - x.tip).sum();
    assert_eq!(less_tips, lines, "tenders less tips are the lines");
}

#[test]
fn a_service_charge_without_total_money_takes_its_inclusive_tax_out_of_applied_money() {
    let mut v = charges_order();
    for sc in v["order"]["service_charges"].as_array_mut().unwrap() {
        sc.as_object_mut().unwrap().remove("total_money");
    }
    let t = mapped(&v);
    let nets: Vec<_> = charge_lines(&t)[1..].iter().map(|c| c.1).collect();
    assert_eq!(
        nets,
        vec![d("2.00"), d("2.33"), d("1.00")],
        "the VAT inside Packaging's applied_money is its tax, not net as well"
    );
}

#[test]
fn a_payment_without_total_money_adds_its_tip_to_amount_money() {
    let mut v = fixture("payment_cash_tip.json");
    v["payment"].as_object_mut().unwrap().remove("total_money");
    match &records(&v)[..] {
        [Record::Tender(x)] => assert_eq!(
            (x.tender.amount, x.tender.tip),
            (d("1.50"), d("0.50")),
            "1.00 + 0.50 tip; the tip is tip_money"
        ),
        other => panic!("expected one tender, got {other:?}"),
    }
}

#[test]
fn a_payment_tip_in_another_currency_names_the_field() {
    let mut v = fixture("payment_cash_tip.json");
    v["payment"].as_object_mut().unwrap().remove("total_money");
    v["payment"]["tip_money"]["currency"] = "CAD".into();
    let e = parse(&Context::for_tenant("t"), &v.to_string()).unwrap_err();
    assert!(e.to_string().contains("tip_money.currency"), "{e}");
}
