//! Red-team round four (s33): shapes from Square's Orders, Payments and Refunds references and
//! its "Everything is an Order" post (sales, returns and exchanges as orders), written anew with
//! our own ids and amounts; only the cases that failed are here.

use super::*;
use crate::adapters::testkit::negative_zeros;
use pos_core::model::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn only_txn(body: &str) -> Transaction {
    match &parse(&Context::for_tenant("t"), body).unwrap().records[0] {
        Ok(Record::Txn(t)) => (**t).clone(),
        other => panic!("expected a transaction, got {other:?}"),
    }
}

/// The exchange of Square's "Everything is an Order" post: a 5.00 Americano returned for a
/// 3.00 coffee, the 2.00 difference refunded, nothing taxed; and a free cookie given with the
/// Americano comes back too (a return line of 0.00). Square writes returned money as positive
/// amounts and the adapter negates them: `-x` of a zero is a negative zero in `Decimal`,
/// written out as "-0.00" (the return lines' tax, the cookie's net), as the Clover and Shopify
/// adapters no longer do.
#[test]
fn an_untaxed_or_free_return_line_has_no_negative_zero() {
    let usd = |n: i64| format!(r#"{{"amount":{n},"currency":"USD"}}"#);
    let item = |name: &str, cents: i64, gross: &str| {
        format!(
            r#"{{"uid":"{name}","name":"{name}","quantity":"1","base_price_money":{p},
            "{gross}":{p},"total_tax_money":{z},"total_discount_money":{z},"total_money":{p}}}"#,
            p = usd(cents),
            z = usd(0)
        )
    };
    let body = format!(
        r#"{{"order":{{"id":"EXCH-1","location_id":"L1","state":"COMPLETED","version":2,
      "created_at":"2026-03-03T15:00:00Z","closed_at":"2026-03-03T15:00:00Z",
      "line_items":[{coffee}],
      "returns":[{{"uid":"r1","source_order_id":"SALE-1",
        "return_line_items":[{americano},{cookie}]}}],
      "total_money":{t300},"return_amounts":{{"total_money":{t500}}},
      "net_amounts":{{"total_money":{{"amount":-200,"currency":"USD"}}}},
      "refunds":[{{"id":"PAY-1_REF-1","tender_id":"PAY-1","location_id":"L1","status":"APPROVED",
        "created_at":"2026-03-03T15:00:00Z","amount_money":{t200}}}]}}}}"#,
        coffee = item("Coffee", 300, "gross_sales_money"),
        americano = item("Americano", 500, "gross_return_money"),
        cookie = item("Cookie", 0, "gross_return_money"),
        t300 = usd(300),
        t500 = usd(500),
        t200 = usd(200),
    );
    let t = only_txn(&body);
    let kinds: Vec<_> = t.lines.iter().map(|l| (l.kind, l.net_amount)).collect();
    assert_eq!(
        kinds,
        vec![
            (LineKind::Sale, d("3.00")),
            (LineKind::Return, d("-5.00")),
            (LineKind::Return, d("0.00"))
        ]
    );
    let goods: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
    let paid: Decimal = t.tenders.iter().map(|x| x.amount).sum();
    assert_eq!((goods, paid), (d("-2.00"), d("-2.00")));
    assert_eq!(negative_zeros(&t), Vec::<String>::new());
}
