//! Review of the Toast adapter (docs/ingest.md → Toast orders, Toast cash entries): each fixed
//! finding with the test that failed before its fix, and probes of edges that held.

use super::testkit::{ctx, rejects, txns, RESTAURANT_GUID};
use super::*;
use crate::envelope::Record;
use crate::writer::rows::totals;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::json;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A page of one order (`o`'s fields over a plain one) of one check (`c`'s fields over a
/// closed one).
fn page_of(o: Value, c: Value) -> Value {
    let mut check = json!({
        "guid": "c-1",
        "paymentStatus": "CLOSED",
        "paidDate": "2026-10-09T23:20:00.000+0000",
        "selections": [],
        "payments": [],
    });
    merge(&mut check, c);
    let mut order = json!({
        "guid": "o-1",
        "modifiedDate": "2026-10-09T23:30:00.000+0000",
        "openedDate": "2026-10-09T23:00:00.000+0000",
        "businessDate": 20261009,
    });
    merge(&mut order, o);
    order["checks"] = json!([check]);
    json!({"restaurantGuid": RESTAURANT_GUID, "orders": [order]})
}

fn merge(into: &mut Value, from: Value) {
    if let Value::Object(m) = from {
        for (k, v) in m {
            into[k] = v;
        }
    }
}

/// A context whose restaurant's store trades in US dollars.
fn usd() -> crate::adapters::Context {
    let mut c = ctx();
    c.store_currency.insert("bistro".into(), "USD".into());
    c
}

fn parsed(v: &Value) -> Parsed {
    parse(&usd(), &v.to_string()).unwrap()
}

fn item(guid: &str, price: Value) -> Value {
    json!({"guid": guid, "item": {"guid": format!("item-{guid}")}, "displayName": "Salmon",
           "price": price, "preDiscountPrice": price, "quantity": 1, "tax": 0})
}

fn card(amount: Value) -> Value {
    json!({"guid": "p-1", "type": "CREDIT", "amount": amount, "tipAmount": 0,
           "paymentStatus": "CAPTURED"})
}

/// The JSON path a reject names.
fn field(r: &Reject) -> Option<&str> {
    r.detail["field"].as_str()
}

/// Fix: Toast voids an order by setting `voided` on the order, its checks *and every
/// selection* ("Void an order": "The selections object's voided value updates to true"), and
/// its payments to VOIDED. Each selection then landed as its sale and a void line beside it, so
/// the post-voided check netted to 0: `post_void_amount` (the sum of the post-voided checks'
/// net) read 0 for a voided 30.00 order, and the item-void figures counted the check's items as
/// voided besides. A voided check's status says it all: its selections stay sales.
#[test]
fn a_voided_paid_order_keeps_its_sales_so_the_post_void_counts_them() {
    let mut s1 = item("s-1", json!(20.0));
    let mut s2 = item("s-2", json!(10.0));
    s1["voided"] = true.into();
    s2["voided"] = true.into();
    s1["tax"] = 0.125.into();
    s2["tax"] = 0.125.into();
    let mut paid = card(json!(30.25));
    paid["paymentStatus"] = "VOIDED".into();
    for voided in [json!({"voided": true}), json!({})] {
        let v = page_of(
            voided.clone(),
            json!({"voided": true, "selections": [s1, s2], "payments": [paid]}),
        );
        let p = parsed(&v);
        assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
        let t = txns(&p)[0];
        assert_eq!(t.status, TxnStatus::PostVoided);
        assert!(t.lines.iter().all(|l| l.kind == LineKind::Sale), "{voided}");
        let sums = totals(t);
        assert_eq!((sums.net, sums.voids), (dec("30.00"), Decimal::ZERO));
        // The check's taxes round together again, as on the check (0.25, not 0.26).
        assert_eq!(sums.tax, dec("0.25"));
        assert!(t.tenders.is_empty());
    }
    // An item voided on a check that stands is still a sale and its void.
    let v = page_of(json!({}), json!({"selections": [s1], "payments": []}));
    let kinds: Vec<_> = txns(&parsed(&v))[0].lines.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, [LineKind::Sale, LineKind::Void]);
}

/// Fix (s26): a selection voided on its own, minutes before its whole check was voided, was a
/// plain sale of the post-voided check: the post-void figure counted an item already taken
/// back, and the item-void figures missed it. Its `voidDate` well before the check's now keeps
/// its void line; a selection the whole void stamped (same time, or within the minute Toast
/// needs), or one without dates, stays a sale as before.
#[test]
fn an_item_voided_before_its_check_keeps_its_void_line() {
    let at = |hms: &str| json!(format!("2026-10-09T{hms}.000+0000"));
    let with_void = |guid: &str, price: f64, when: Option<&str>| {
        let mut s = item(guid, json!(price));
        s["voided"] = true.into();
        s["voidDate"] = when.map_or(Value::Null, at);
        s
    };
    let mut paid = card(json!(30.0));
    paid["paymentStatus"] = "VOIDED".into();
    let check = |earlier: Option<&str>, check_at: Option<&str>| {
        let c = json!({"voided": true, "voidDate": check_at.map_or(Value::Null, at),
                       "selections": [with_void("s-1", 20.0, Some("19:30:00")),
                                      with_void("s-2", 10.0, earlier)],
                       "payments": [paid.clone()]});
        let p = parsed(&page_of(json!({}), c));
        assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
        let t = txns(&p)[0].clone();
        assert_eq!(t.status, TxnStatus::PostVoided);
        let kinds: Vec<_> = t.lines.iter().map(|l| l.kind).collect();
        (kinds, totals(&t).net, totals(&t).voids)
    };
    use LineKind::{Sale, Void};
    // s-2 voided at 19:05, the check at 19:30: the post-void is the 20.00 left.
    assert_eq!(
        check(Some("19:05:00"), Some("19:30:00")),
        (vec![Sale, Sale, Void], dec("20.00"), dec("10.00"))
    );
    // Stamped by the whole void (20 s apart at most): both stay sales of the post-void.
    for (own, whole) in [
        (Some("19:30:00"), Some("19:30:00")),
        (Some("19:29:40"), Some("19:30:00")),
    ] {
        assert_eq!(
            check(own, whole),
            (vec![Sale, Sale], dec("30.00"), Decimal::ZERO)
        );
    }
    // A date missing on either side: nothing tells them apart, as before.
    for (own, whole) in [(None, Some("19:30:00")), (Some("19:05:00"), None)] {
        assert_eq!(
            check(own, whole),
            (vec![Sale, Sale], dec("30.00"), Decimal::ZERO)
        );
    }
}

/// Fix: a service charge of Toast's `serviceChargeCategory` FUNDRAISING_CAMPAIGN (a donation
/// the guest adds, which goes to the charity: the ServiceCharge's `destination` THIRD_PARTY)
/// was booked as revenue, so net sales held money the restaurant passes on. Toast's net sales
/// leave out "amounts that are paid to other entities, such as gratuity service charges".
#[test]
fn a_fundraising_charge_is_not_revenue() {
    let charge = |category: &str| {
        json!({"guid": "sc-1", "serviceCharge": {"guid": "cfg-1"}, "name": "Round up",
               "chargeAmount": 0.75, "gratuity": false, "serviceChargeCategory": category})
    };
    let non_revenue = |category: &str| {
        let v = page_of(
            json!({}),
            json!({"selections": [item("s-1", json!(9.25))],
                   "appliedServiceCharges": [charge(category)],
                   "payments": [card(json!(10.0))]}),
        );
        let p = parsed(&v);
        assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
        let sums = totals(txns(&p)[0]);
        (sums.net, sums.non_revenue)
    };
    assert_eq!(
        non_revenue("FUNDRAISING_CAMPAIGN"),
        (dec("9.25"), dec("0.75"))
    );
    // The restaurant keeps the others: a card surcharge, cash rounding, a delivery fee.
    for kept in ["SERVICE_CHARGE", "CREDIT_CARD_SURCHARGE", "CASH_ROUNDING"] {
        assert_eq!(non_revenue(kept), (dec("10.00"), Decimal::ZERO), "{kept}");
    }
}

/// Fix: Toast's amounts were read with no bound, unlike every other adapter's (10^12 money,
/// 10^9 quantities). Two selections priced 5·10^28 mapped to a transaction whose lines the
/// writer adds up unchecked (`writer::rows::totals`): a panic there, not a reject. And a
/// quantity of 10^-27 made the unit price overflow, which silently fell back to the whole
/// price. Both are now a reject of the check naming the field.
#[test]
fn amounts_beyond_any_sale_are_rejected_naming_the_field() {
    let huge = page_of(
        json!({}),
        json!({"selections": [item("s-1", json!(5e28)), item("s-2", json!(5e28))]}),
    );
    let p = parsed(&huge);
    assert!(txns(&p).is_empty());
    assert_eq!(
        field(rejects(&p)[0]),
        Some("orders[0].checks[0].selections[0].price")
    );
    let mut tiny = item("s-1", json!(1e10));
    tiny["quantity"] = 1e-27.into();
    let p = parsed(&page_of(json!({}), json!({"selections": [tiny]})));
    assert!(txns(&p).is_empty());
    let f = field(rejects(&p)[0]).unwrap().to_string();
    assert!(f.starts_with("orders[0].checks[0].selections[0]."), "{f}");
    for (key, value) in [("quantity", json!(2e9)), ("tax", json!(-3e12))] {
        let mut s = item("s-1", json!(1.0));
        s[key] = value;
        let p = parsed(&page_of(json!({}), json!({"selections": [s]})));
        assert_eq!(
            field(rejects(&p)[0]),
            Some(format!("orders[0].checks[0].selections[0].{key}").as_str())
        );
    }
    let mut tip = card(json!(1.0));
    tip["tipAmount"] = 7e27.into();
    let p = parsed(&page_of(json!({}), json!({"payments": [tip]})));
    assert_eq!(
        field(rejects(&p)[0]),
        Some("orders[0].checks[0].payments[0].tipAmount")
    );
    // A weighed item keeps its fractional quantity; 0.1 + 0.2 rounds to the cent.
    let mut fish = item("s-1", json!(0.1 + 0.2));
    fish["quantity"] = 0.25.into();
    let p = parsed(&page_of(
        json!({}),
        json!({"selections": [fish], "payments": [card(json!(0.1 + 0.2))]}),
    ));
    let t = txns(&p)[0];
    assert_eq!(t.lines[0].net_amount, dec("0.30"));
    assert_eq!(t.lines[0].unit_price, dec("1.2"));
    assert_eq!(t.tenders[0].amount, dec("0.30"));
}

/// The drawer events of a page of cash entries, and what it rejected.
fn drawer(entries: Value) -> (Vec<Decimal>, Vec<String>) {
    let v = json!({"restaurantGuid": RESTAURANT_GUID, "entries": entries});
    let p = parsed(&v);
    let amounts = p
        .records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Drawer(d)) => Some(d.amount),
            _ => None,
        })
        .collect();
    let fields = rejects(&p)
        .iter()
        .filter_map(|r| field(r).map(str::to_string))
        .collect();
    (amounts, fields)
}

/// Fix: a cash entry's `amount` (a double, as the orders' are) was stored as written, binary
/// noise included (`0.30000000000000004`), where the orders' amounts are rounded to the
/// currency's minor unit; and without a bound (`1e28` paid out passed).
#[test]
fn cash_entry_amounts_are_rounded_and_bounded_as_the_orders_are() {
    let entry = |guid: &str, amount: Value| {
        json!({"guid": guid, "type": "PAY_OUT", "amount": amount,
               "date": "2026-10-09T22:02:13.512+0000"})
    };
    let (amounts, fields) = drawer(json!([
        entry("e-1", json!(-(0.1 + 0.2))),
        entry("e-2", json!(1e28)),
    ]));
    assert_eq!(amounts, [dec("0.30")]);
    assert_eq!(fields, ["entries[1].amount"]);
}

/// Probe (held): a refund of the tip alone, on a later day, moves only its negative tender to
/// `<check>/refunds` on that day; the sale stays whole on its own.
#[test]
fn a_tip_only_refund_on_a_later_day_moves_only_the_tip() {
    let mut paid = card(json!(10.0));
    paid["tipAmount"] = 2.0.into();
    paid["refund"] = json!({"refundAmount": 0, "tipRefundAmount": 2.0,
        "refundDate": "2026-10-11T15:00:00.000+0000", "refundBusinessDate": 20261011});
    let v = page_of(
        json!({"modifiedDate": "2026-10-11T15:00:01.000+0000"}),
        json!({"selections": [item("s-1", json!(10.0))], "payments": [paid]}),
    );
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p);
    assert_eq!(t.len(), 2);
    assert_eq!(totals(t[0]).tender, dec("12.00"));
    assert_eq!(totals(t[0]).net, dec("10.00"));
    assert_eq!(t[1].key.source_txn_id, "c-1/refunds");
    assert_eq!(t[1].business_date.to_string(), "2026-10-11");
    assert!(t[1].lines.is_empty());
    assert_eq!(totals(t[1]).tender, dec("-2.00"));
}

/// Fix: Toast's daily excess food order (`excessFood: true`, its waste tracking: "Each
/// selection on the check is discounted to $0 using an item-level 100% discount" named Waste)
/// landed as a completed sale: net 0, but its `preDiscountPrice`s counted as gross sales and
/// as discounts, its items as sold and its check as a transaction. Toast's net sales leave
/// "orders where excessFood is true" out; the order sold nothing, as a deleted one.
#[test]
fn the_excess_food_order_is_no_sale() {
    let mut waste = item("s-1", json!(0.0));
    waste["preDiscountPrice"] = 14.0.into();
    waste["appliedDiscounts"] = json!([{"name": "Waste", "discountAmount": 14.0}]);
    let v = page_of(json!({"excessFood": true}), json!({"selections": [waste]}));
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p)[0];
    assert_eq!(t.status, TxnStatus::Cancelled);
    // The lines stay as Toast wrote them (the cancelled row keeps what was thrown away).
    assert_eq!(totals(t).discount, dec("14.00"));
    let v = page_of(
        json!({"excessFood": false}),
        json!({"selections": [item("s-1", json!(1))]}),
    );
    assert_eq!(txns(&parsed(&v))[0].status, TxnStatus::Completed);
}

/// A `modifiedDate` years ahead would be a version no real change after it could outrank: the
/// order's own is refused naming it, a check's or selection's is passed over.
#[test]
fn a_modified_date_in_the_future_is_no_version() {
    let far = json!({"modifiedDate": "2999-01-01T00:00:00.000+0000"});
    let p = parsed(&page_of(far.clone(), json!({})));
    assert!(txns(&p).is_empty());
    let r = rejects(&p);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].reason.contains("modifiedDate") && r[0].reason.contains("in the future"),
        "{}",
        r[0].reason
    );
    let p = parsed(&page_of(json!({}), far));
    let t = txns(&p);
    assert_eq!(t.len(), 1, "{:?}", rejects(&p));
    let order_modified = chrono::DateTime::parse_from_rfc3339("2026-10-09T23:30:00Z").unwrap();
    assert_eq!(t[0].source_version, order_modified.timestamp_millis());
}
