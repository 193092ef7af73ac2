//! Red team (s18): Clover payloads written by others, reduced to their shapes with our own
//! values (sources in tests/data/real/clover/PROVENANCE.md), and a probe that maps any file.

use super::parse;
use super::tests_fixtures::ctx;
use crate::envelope::Record;
use pos_core::model::*;
use rust_decimal::Decimal;

/// Maps the Clover payload in `RT_FILE` and prints transactions, rejects and the
/// reconciliation (approved tenders against lines + tips, and Clover's own `total`).
/// `RT_FILE=/path/order.json cargo test --release -q -p pos-ingest --lib probe_clover_file
/// -- --ignored --nocapture`
#[test]
#[ignore = "probe: reads RT_FILE"]
fn probe_clover_file() {
    let path = std::env::var("RT_FILE").expect("RT_FILE");
    let body = std::fs::read_to_string(&path).expect("read RT_FILE");
    let merchant = std::env::var("RT_MERCHANT").ok();
    let p = match parse(&ctx(), &body, merchant.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            println!("PAYLOAD ERROR field={:?}: {}", e.field, e.message);
            return;
        }
    };
    println!(
        "event {} fetch {:?} changes {}",
        p.event_id,
        p.fetch,
        p.changes.len()
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let totals: Vec<Option<i64>> = match v.get("elements").and_then(|e| e.as_array()) {
        Some(list) => list.iter().map(|o| o["total"].as_i64()).collect(),
        None => vec![v["total"].as_i64()],
    };
    for (i, r) in p.records.iter().enumerate() {
        match r {
            Ok(Record::Txn(t)) => print_txn(t, totals.get(i).copied().flatten()),
            Ok(other) => println!("record {other:?}"),
            Err(rej) => println!("REJECT {} {}", rej.reason, rej.detail),
        }
    }
}

fn print_txn(t: &Transaction, total: Option<i64>) {
    println!(
        "txn {} store {} status {:?} day {} at {} {}",
        t.key.source_txn_id, t.key.store_id, t.status, t.business_date, t.occurred_at, t.currency
    );
    for l in &t.lines {
        println!(
            "  line {} {:?} {} {:?} q={} unit={} disc={} net={} tax={} orig={:?}",
            l.line_no,
            l.kind,
            l.raw_item_id,
            l.description,
            l.quantity,
            l.unit_price,
            l.discount,
            l.net_amount,
            l.tax,
            l.original_line_no
        );
    }
    for x in &t.tenders {
        println!(
            "  tender {} {:?} {:?} {} bin={:?} entry={:?}",
            x.tender_no, x.method, x.status, x.amount, x.card_bin, x.card_entry
        );
    }
    let lines: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    let paid: Decimal = t
        .tenders
        .iter()
        .filter(|x| x.status == TenderStatus::Approved)
        .map(|x| x.amount)
        .sum();
    let total = total.map(|c| Decimal::new(c, 2));
    println!(
        "  = lines {lines}  approved tenders {paid}  diff {}  clover total {total:?}",
        paid - lines
    );
}

/// The fixture's order with its refunds, whatever day they land on.
fn txn(name: &str) -> Transaction {
    super::tests_fixtures::whole_of(&super::tests_fixtures::fixture(name))
}

fn approved(t: &Transaction) -> Decimal {
    super::tests_fixtures::approved_tenders(t)
}

fn lines(t: &Transaction) -> Decimal {
    super::tests_fixtures::lines_total(t)
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Orders fetched with `expand=lineItems,payments` only (no `lineItems.taxRates`): the tax is
/// what the payments' `taxAmount` say, on the lines, so lines + tax = what was paid = `total`.
#[test]
fn tax_rates_not_expanded_take_the_tax_the_payments_record() {
    let body = super::tests_fixtures::fixture("order_tax_rates_not_expanded.json");
    let t = txn("order_tax_rates_not_expanded.json");
    let tax: Decimal = t.lines.iter().map(|l| l.tax).sum();
    assert_eq!(tax, d("1.93"));
    let nets: Vec<Decimal> = t.lines.iter().map(|l| l.net_amount).collect();
    assert_eq!(nets, vec![d("4.50"), d("4.50"), d("12.75")]);
    // Spread by amount: 12.75 of 21.75 carries the larger share.
    assert!(t.lines[2].tax > t.lines[0].tax);
    assert_eq!(lines(&t), super::tests_fixtures::clover_total(&body));
    assert_eq!(approved(&t), lines(&t));
}

/// Once the rates are there, they decide (the payments' tax is not added a second time).
#[test]
fn expanded_tax_rates_still_decide_over_the_payments_tax() {
    let mut v: serde_json::Value = serde_json::from_str(&super::tests_fixtures::fixture(
        "order_tax_rates_not_expanded.json",
    ))
    .unwrap();
    for li in v["lineItems"]["elements"].as_array_mut().unwrap() {
        li["taxRates"] = serde_json::json!({ "elements": [{ "id": "T", "rate": 400000 }] });
    }
    let t = super::tests_fixtures::txn_of(&v.to_string());
    let tax: Decimal = t.lines.iter().map(|l| l.tax).sum();
    assert_eq!(tax, d("0.87"));
}

/// A VAT order whose rates were not expanded: the payments' tax is inside the prices.
#[test]
fn tax_from_the_payments_is_taken_out_of_vat_prices() {
    let mut v: serde_json::Value = serde_json::from_str(&super::tests_fixtures::fixture(
        "order_tax_rates_not_expanded.json",
    ))
    .unwrap();
    v["isVat"] = serde_json::json!(true);
    v["payments"]["elements"][0]["amount"] = serde_json::json!(1088);
    v["payments"]["elements"][0]["cashTendered"] = serde_json::json!(1088);
    v["payments"]["elements"][1]["amount"] = serde_json::json!(1087);
    v["payments"]["elements"][1]["cashTendered"] = serde_json::json!(1087);
    let t = super::tests_fixtures::txn_of(&v.to_string());
    assert_eq!(lines(&t), d("21.75"));
    assert_eq!(approved(&t), lines(&t));
    let tax: Decimal = t.lines.iter().map(|l| l.tax).sum();
    assert_eq!(tax, d("1.93"));
}

/// Tenders given only as `{href, id}` (tender not expanded): `cashTendered` says cash.
#[test]
fn a_payment_with_cash_tendered_and_no_tender_label_is_cash() {
    let t = txn("order_tax_rates_not_expanded.json");
    assert!(t.tenders.iter().all(|x| x.method == TenderMethod::Cash));
    let mut v: serde_json::Value = serde_json::from_str(&super::tests_fixtures::fixture(
        "order_tax_rates_not_expanded.json",
    ))
    .unwrap();
    v["payments"]["elements"][0]["cashTendered"] = serde_json::json!(2000);
    let t = super::tests_fixtures::txn_of(&v.to_string());
    let amounts: Vec<(TenderMethod, Decimal)> =
        t.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(
        amounts,
        vec![
            (TenderMethod::Cash, d("20.00")),
            (TenderMethod::Cash, d("-8.16")),
            (TenderMethod::Cash, d("11.84")),
        ]
    );
}

/// A payment, refund or credit object posted (or a `GET …/payments` page) is not an order:
/// refused naming it, never an empty cancelled order that drops its money.
#[test]
fn payments_refunds_and_credits_posted_as_orders_are_refused() {
    let payment = serde_json::json!({ "id": "PAYALONE00001", "amount": 1250, "tipAmount": 0,
        "taxAmount": 96, "order": { "id": "ORDERWANTED01" }, "result": "SUCCESS",
        "createdTime": 1_781_200_800_000i64,
        "cardTransaction": { "cardType": "MC", "entryType": "EMV_CONTACT", "last4": "0004" } });
    let e = parse(&ctx(), &payment.to_string(), Some("M1")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("amount"));
    assert!(
        e.message.contains("payment of order ORDERWANTED01"),
        "{}",
        e.message
    );
    let credit = serde_json::json!({ "id": "CRDALONE00001", "amount": 500, "taxAmount": 0,
        "createdTime": 1_781_200_800_000i64, "employee": {},
        "cardTransaction": { "type": "NAKEDREFUND", "entryType": "EMV_CONTACT" } });
    let e = parse(&ctx(), &credit.to_string(), Some("M1")).unwrap_err();
    assert!(e.message.contains("credit"), "{}", e.message);
    let page = serde_json::json!({ "elements": [payment] });
    let p = parse(&ctx(), &page.to_string(), Some("M1")).unwrap();
    assert!(matches!(&p.records[..], [Err(r)] if r.detail["field"] == "elements[0].amount"));
}

/// A line-item refund as Clover writes it on the order: the line item `refunded: true` with
/// `refund: {id}`, the refund without `lineItems`: the return is that line item.
#[test]
fn a_refund_named_by_its_line_item_returns_that_item() {
    let t = txn("order_line_refund_named_by_line_item.json");
    let r = t.lines.last().unwrap();
    assert_eq!(r.kind, LineKind::Return);
    assert_eq!(
        (r.raw_item_id.as_str(), r.quantity, r.net_amount, r.tax),
        ("SKU-MITT-RD", d("-1"), d("-14.94"), d("-1.32"))
    );
    assert_eq!(r.original_line_no, Some(2));
    assert_eq!(t.lines.len(), 4);
    let refund = t.tenders.last().unwrap();
    assert_eq!(
        (refund.method, refund.amount, refund.card_bin.as_deref()),
        (TenderMethod::Card, d("-16.26"), Some("411111"))
    );
    assert_eq!(approved(&t), lines(&t));
}

/// `serviceCharge: {}` (Clover's order schema example, all collections empty) is no charge,
/// not a 400 refusing the whole order.
#[test]
fn an_empty_service_charge_object_is_no_service_charge() {
    let mut v: serde_json::Value =
        serde_json::from_str(&super::tests_fixtures::fixture("order_cash_change.json")).unwrap();
    v["serviceCharge"] = serde_json::json!({});
    let t = super::tests_fixtures::txn_of(&v.to_string());
    assert!(t
        .lines
        .iter()
        .all(|l| !l.raw_item_id.starts_with("service_charge")));
    assert_eq!(approved(&t), lines(&t));
}

/// A locked order posted without `payments` expanded and without `paymentState` (Clover left
/// it out on paid orders in public 2016 and 2019 captures) maps as cancelled: a paid sale of
/// 510.00 drops out of the sales without a word. Whether it was paid cannot be told from the
/// order; refusing it would also refuse every open order Clover sends without an empty
/// `payments` list, which is not known either.
#[test]
#[ignore = "red team: payments not expanded and no paymentState read as cancelled; needs a rule Clover documents"]
fn a_locked_order_without_payments_or_payment_state_is_not_silently_cancelled() {
    let mut v: serde_json::Value =
        serde_json::from_str(&super::tests_fixtures::fixture("order_cash_change.json")).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("payments");
    o.remove("paymentState");
    o.insert("state".into(), serde_json::json!("locked"));
    match parse(&ctx(), &v.to_string(), None) {
        Err(e) => assert_eq!(e.field.as_deref(), Some("payments")),
        Ok(p) => match &p.records[..] {
            [Ok(Record::Txn(t))] => assert_ne!(t.status, TxnStatus::Cancelled),
            other => panic!("{other:?}"),
        },
    }
}

/// Refunds listed under their payment (`payments[].refunds`, the Payment object's list) count
/// once each, beside or instead of the order's `refunds`, with the method of that payment.
#[test]
fn refunds_listed_under_their_payment_count_once() {
    let mut v: serde_json::Value = serde_json::from_str(&super::tests_fixtures::fixture(
        "order_line_refund_named_by_line_item.json",
    ))
    .unwrap();
    let refund = v["refunds"]["elements"][0].clone();
    let mut nested = refund.clone();
    nested.as_object_mut().unwrap().remove("payment");
    v["payments"]["elements"][0]["refunds"] = serde_json::json!({ "elements": [nested] });
    // Listed in both places: once.
    let both = super::tests_fixtures::whole_of(&v.to_string());
    assert_eq!(both.tenders.len(), 2);
    // Only under the payment: still there, on the card it came from.
    v.as_object_mut().unwrap().remove("refunds");
    let t = super::tests_fixtures::whole_of(&v.to_string());
    let back = t.tenders.last().unwrap();
    assert_eq!(
        (back.method, back.amount, back.card_bin.as_deref()),
        (TenderMethod::Card, d("-16.26"), Some("411111"))
    );
    assert_eq!(t.lines.last().unwrap().raw_item_id, "SKU-MITT-RD");
    assert_eq!(approved(&t), lines(&t));
}
