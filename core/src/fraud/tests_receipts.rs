//! A receipt backs at most what it sold: a second refund of one sale (receipt reuse) counts
//! as citing a receipt never rung, in the features and in the streaming monitor's context.

use super::features::receipt_facts;
use super::tests::{base, codes, expensive, fixture, refund, repay_cash, score};
use super::*;
use crate::model::*;
use chrono::Duration;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The net value the refund fixture gives back (its lines, tax aside).
fn value_of(t: &Transaction) -> f64 {
    let v: Decimal = t.lines.iter().map(|l| -l.net_amount).sum();
    v.to_f64().unwrap()
}

fn citing(sold: f64, refunded: f64) -> TxnContext {
    let mut ctx = TxnContext::default();
    ctx.originals.insert(
        "sale-1".into(),
        OriginalSale {
            tender_methods: vec![TenderMethod::Cash],
            customer_id: None,
            sold: Some(sold),
            refunded,
        },
    );
    ctx
}

#[test]
fn a_receipt_refunded_already_backs_nothing_more() {
    let t = refund(Some("sale-1"), TenderMethod::Cash);
    let x = value_of(&t);
    let first = extract(&t, &citing(x, 0.0), CheapItems::default());
    assert!(first.values[6..10].iter().all(|v| *v == 0.0), "{first:?}");
    let again = extract(&t, &citing(x, x), CheapItems::default());
    assert!((again.values[6] - x).abs() < 1e-6, "{again:?}");
    assert!((again.values[7] - x).abs() < 1e-6, "{again:?}");
    assert!(again.values[9] > 0.0, "anonymous cash: {again:?}");
    let half = extract(&t, &citing(x, x / 2.0), CheapItems::default());
    assert!((half.values[6] - x / 2.0).abs() < 1e-6, "{half:?}");
    let known = Transaction {
        customer_id: Some("cust-7".into()),
        ..t.clone()
    };
    let s = score(&known, citing(x, x));
    assert!(s.score >= 0.5, "{s:?}");
    let refund_reasons = ["refund_receipt_unknown", "refund_without_sale"];
    assert!(
        codes(&s).iter().any(|c| refund_reasons.contains(c)),
        "{s:?}"
    );
    assert!(score(&known, citing(x, 0.0)).score < 0.5);
}

/// Bringing back the rest of a receipt later (another line, the other half) is routine, and a
/// context without `sold` (made before it was kept) limits nothing.
#[test]
fn the_rest_of_a_receipt_brought_back_later_is_routine() {
    let t = refund(Some("sale-1"), TenderMethod::Cash);
    let x = value_of(&t);
    let rest = extract(&t, &citing(2.0 * x, x), CheapItems::default());
    assert!(rest.values[6..10].iter().all(|v| *v == 0.0), "{rest:?}");
    assert_eq!(score(&t, citing(2.0 * x, x)).evidence, 0.0);
    let mut old = citing(0.0, 0.0);
    old.originals.get_mut("sale-1").unwrap().sold = None;
    let unlimited = extract(&t, &old, CheapItems::default());
    assert!(unlimited.values[6..10].iter().all(|v| *v == 0.0));
    let json = r#"{"tender_methods": ["cash"], "customer_id": null}"#;
    let o: OriginalSale = serde_json::from_str(json).unwrap();
    assert_eq!((o.sold, o.refunded), (None, 0.0));
}

/// Two lines of one return citing the same sale draw on what it sold in turn.
#[test]
fn the_lines_of_one_return_share_what_the_receipt_sold() {
    let t = refund(Some("sale-1"), TenderMethod::Cash);
    let x = value_of(&t);
    let first_line = -t.lines[0].net_amount.to_f64().unwrap();
    let f = extract(&t, &citing(first_line, 0.0), CheapItems::default());
    assert!((f.values[6] - (x - first_line)).abs() < 1e-6, "{f:?}");
}

fn sale(id: &str) -> Transaction {
    let mut s = base();
    s.key.source_txn_id = id.into();
    s.lines = expensive(2);
    repay_cash(&mut s);
    s
}

fn return_of(sale: &Transaction, id: &str, minutes: i64) -> Transaction {
    let mut r = refund(Some(&sale.key.source_txn_id), TenderMethod::Cash);
    r.key.source_txn_id = id.into();
    r.customer_id = Some("cust-7".into());
    r.occurred_at = sale.occurred_at + Duration::minutes(minutes);
    r.lines = sale
        .lines
        .iter()
        .map(|l| Line {
            kind: LineKind::Return,
            quantity: -l.quantity,
            net_amount: -l.net_amount,
            tax: -l.tax,
            original_txn_id: Some(sale.key.source_txn_id.clone()),
            original_line_no: Some(l.line_no),
            ..l.clone()
        })
        .collect();
    repay_cash(&mut r);
    r
}

/// The monitor keeps what each return refunded citing each sale: a second full return of one
/// sale is not backed, a replay or a newer version of the first is not counted against itself,
/// and a return post-voided since gave nothing back.
#[test]
fn the_monitor_counts_what_earlier_returns_refunded() {
    let mut mon = Monitor::new(Some(fixture().0.clone()));
    let s = sale("sale-twice");
    mon.observe_txn(&s);
    let first = return_of(&s, "return-1", 60);
    let (f, _) = mon.observe_txn(&first).expect("scored");
    assert!(f.values[6..10].iter().all(|v| *v == 0.0), "{f:?}");
    let mut again = first.clone();
    again.source_version += 1;
    let (f, _) = mon.observe_txn(&again).expect("a newer version is scored");
    assert!(f.values[6..10].iter().all(|v| *v == 0.0), "{f:?}");
    let second = return_of(&s, "return-2", 120);
    assert_eq!(
        mon.context(&second).originals["sale-twice"].refunded,
        value_of(&first)
    );
    let (f, sc) = mon.observe_txn(&second).expect("scored");
    assert!((f.values[6] - value_of(&second)).abs() < 1e-6, "{f:?}");
    assert!(sc.score >= 0.5, "{sc:?}");
    assert!(
        codes(&sc).iter().any(|c| c.starts_with("refund_")),
        "{sc:?}"
    );
    let mut voided = again.clone();
    voided.source_version += 1;
    voided.status = TxnStatus::PostVoided;
    mon.observe_txn(&voided);
    let third = return_of(&s, "return-3", 180);
    let ctx = mon.context(&third);
    assert_eq!(ctx.originals["sale-twice"].refunded, value_of(&second));
}

/// A scorer started mid-stream learns earlier returns with the sales (`remember_sale`).
#[test]
fn a_scorer_started_mid_stream_learns_earlier_returns() {
    let mut mon = Monitor::new(Some(fixture().0.clone()));
    let s = sale("sale-before");
    let first = return_of(&s, "return-before", 30);
    mon.remember_sale(&s);
    mon.remember_sale(&first);
    mon.remember_sale(&first);
    let second = return_of(&s, "return-after", 90);
    let o = &mon.context(&second).originals["sale-before"];
    assert_eq!(o.refunded, value_of(&first));
    assert_eq!(o.sold, Some(value_of(&first)));
}

/// Money summed as f64 is not exact: a return of 78.98 and 23.96 against a sale of the two
/// (102.94) is backed in full, not beyond by a rounding error.
#[test]
fn a_full_return_is_backed_whatever_the_float_rounding() {
    let mut t = refund(Some("sale-1"), TenderMethod::Cash);
    t.customer_id = Some("cust-7".into());
    t.lines.truncate(2);
    t.lines[0].net_amount = Decimal::new(-7898, 2);
    t.lines[1].net_amount = Decimal::new(-2396, 2);
    repay_cash(&mut t);
    let sold = (Decimal::new(7898, 2) + Decimal::new(2396, 2))
        .to_f64()
        .unwrap();
    let f = extract(&t, &citing(sold, 0.0), CheapItems::default());
    assert!(f.values[6..10].iter().all(|v| *v == 0.0), "{f:?}");
}

/// A refund inside the sale's own transaction (a Toast check or Clover order refunded the same
/// day) cites that transaction: the monitor backs it with the transaction's own sale lines, as
/// the database context does, and a later refund of the rest of it is backed by what is left.
#[test]
fn a_refund_inside_its_own_check_is_backed_by_the_check() {
    let mut mon = Monitor::new(Some(fixture().0.clone()));
    let mut check = sale("check-1");
    check.customer_id = None;
    let first = check.lines[0].clone();
    check.lines.push(Line {
        line_no: 99,
        kind: LineKind::Return,
        quantity: -first.quantity,
        net_amount: -first.net_amount,
        tax: -first.tax,
        original_txn_id: Some("check-1".into()),
        original_line_no: Some(first.line_no),
        ..first.clone()
    });
    repay_cash(&mut check);
    let ctx = mon.context(&check);
    let o = &ctx.originals["check-1"];
    assert_eq!((o.sold.is_some(), o.refunded), (true, 0.0));
    let (f, _) = mon.observe_txn(&check).expect("scored");
    assert!(f.values[6..10].iter().all(|v| *v == 0.0), "{f:?}");
    let mut whole = return_of(&sale("check-1"), "check-1/refund-2", 60);
    whole.customer_id = None;
    let left = mon.context(&whole).originals["check-1"].clone();
    assert_eq!(left.refunded, first.net_amount.to_f64().unwrap());
}

/// A refund reason names the receipt to pull and why it backs nothing: refunded already, or
/// never rung; a receipt that backs its return is not named.
#[test]
fn refund_reasons_name_the_receipt_and_why() {
    let t = refund(Some("sale-1"), TenderMethod::Cash);
    let x = value_of(&t);
    let (_, again) = score_in_context(&t, citing(x, x), &fixture().0, &Calibration::default());
    let details: Vec<&str> = again.reasons.iter().map(|r| r.detail.as_str()).collect();
    let said = format!("receipt sale-1 sold {x:.2} and had {x:.2} refunded before");
    assert!(details.iter().any(|d| d.ends_with(&said)), "{details:?}");
    let unknown = refund(Some("no-such-receipt"), TenderMethod::Cash);
    let (_, s) = score_in_context(
        &unknown,
        TxnContext::default(),
        &fixture().0,
        &Calibration::default(),
    );
    assert!(
        s.reasons.iter().any(|r| r
            .detail
            .ends_with("; receipt no-such-receipt was never rung")),
        "{s:?}"
    );
    assert!(receipt_facts(&t, &citing(x, 0.0)).is_empty());
}
