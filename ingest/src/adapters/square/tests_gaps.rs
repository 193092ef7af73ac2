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
    assert_eq!((r.tender.method, r.tender.amount), (TenderMethod::Other, d("0.02")));
    assert_eq!(r.key, t.key);
    assert_eq!((r.source_version, r.currency.as_str()), (3, "CAD"));
    assert_eq!(r.business_date, t.business_date);
    let (later, none) = txn_and_solo(&full);
    assert!(none.is_empty(), "beside tenders it stays in the order's list");
    let same = later.tenders.iter().find(|x| x.amount == d("0.02")).unwrap();
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
