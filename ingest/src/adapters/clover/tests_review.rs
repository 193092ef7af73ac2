//! Review (s25): discounts in `percentageDecimal`, tax summarised per tax rate (by id, as
//! Clover's `Calc.TaxSummary` does), flat tax rates (`taxAmount`), exchanged line items,
//! amounts Clover never writes negative, discounts below zero, rounding cents on free lines,
//! and the version of an order whose payment changed. Clover's own `OrderCalcTest` (Android
//! SDK) for the conventions: `Discount.setPercentageDecimal(3985)` is 0.3985 %, `TaxRate`
//! `rate` 0 with `taxAmount` 20 is a flat 0.20, and `OrderCalc.getTotal` leaves exchanged
//! items out. Each test failed before its fix (checked against the committed adapter).

use super::parse;
use super::tests_fixtures::{approved_tenders, ctx, d, fixture, lines_total, txn_of, whole_of};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn base() -> Value {
    serde_json::from_str(&fixture("order_cash_change.json")).unwrap()
}

fn err_field(v: &Value) -> Option<String> {
    parse(&ctx(), &v.to_string(), None).unwrap_err().field
}

fn taxes(t: &Transaction) -> Vec<Decimal> {
    t.lines.iter().map(|l| l.tax).collect()
}

fn rate(id: &str, rate: i64) -> Value {
    json!({ "id": id, "name": id, "rate": rate })
}

/// Two line items priced `a` and `b` minor units with the given tax rates, no payments.
fn two_items(a: i64, ra: Vec<Value>, b: i64, rb: Vec<Value>) -> Value {
    let mut v = base();
    v["payments"] = json!({ "elements": [] });
    v["lineItems"]["elements"] = json!([
        { "id": "L1", "name": "A", "price": a, "taxRates": { "elements": ra } },
        { "id": "L2", "name": "B", "price": b, "taxRates": { "elements": rb } },
    ]);
    v
}

#[test]
fn a_discount_given_as_percentage_decimal_is_applied() {
    // 12.5 % of 8.99 = 1.12375: 1.12 off, on the line and on the order alike.
    let mut v = base();
    v["lineItems"]["elements"][0]["discounts"] =
        json!({ "elements": [{ "id": "D1", "name": "12.5 %", "percentageDecimal": 125000 }] });
    assert_eq!(txn_of(&v.to_string()).lines[0].discount, d("1.12"));
    let mut v = base();
    v["discounts"] =
        json!({ "elements": [{ "id": "D2", "name": "12.5 %", "percentageDecimal": 125000 }] });
    let t = txn_of(&v.to_string());
    let off: Vec<Decimal> = t.lines.iter().map(|l| l.discount).collect();
    // 12.5 % of 8.99 and of 1.99 (0.24875).
    assert_eq!(off, vec![d("1.12"), d("0.25")]);
}

#[test]
fn a_discount_percentage_decimal_beyond_100_percent_is_refused_naming_it() {
    let mut v = base();
    v["discounts"] = json!({ "elements": [{ "id": "D", "percentageDecimal": 1_250_000_000i64 }] });
    assert_eq!(
        err_field(&v).as_deref(),
        Some("discounts.elements[0].percentageDecimal")
    );
}

#[test]
fn tax_is_rounded_once_per_tax_rate_not_per_sum_of_rates() {
    // A: state 6 % and city 2 %; B: state only; 0.10 each. Clover: state 6 % of 0.20 = 0.012
    // → 0.01, city 2 % of 0.10 → 0.00: 0.01 in all (per summed rate it was 0.01 + 0.01).
    let v = two_items(
        10,
        vec![rate("STATE", 600_000), rate("CITY", 200_000)],
        10,
        vec![rate("STATE", 600_000)],
    );
    let t = txn_of(&v.to_string());
    assert_eq!(taxes(&t).iter().copied().sum::<Decimal>(), d("0.01"));
    // Two taxes of 5 % each on 0.30: 0.015 → 0.02 each, 0.04 (one 10 % would be 0.03).
    let v = two_items(
        30,
        vec![rate("A5", 500_000), rate("B5", 500_000)],
        0,
        vec![],
    );
    let t = txn_of(&v.to_string());
    assert_eq!(taxes(&t), vec![d("0.04"), d("0")]);
}

#[test]
fn a_flat_tax_rate_is_taxed_by_its_amount() {
    // A flat 0.20 (rate 0, `taxAmount` 20) beside 8.25 % (0.91 over both lines, 0.75 of it on
    // the 8.99): 0.95.
    let mut v = base();
    v["lineItems"]["elements"][0]["taxRates"]["elements"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "FLAT20", "name": "Bottle deposit", "rate": 0, "taxAmount": 20 }));
    v["payments"]["elements"][0]["amount"] = json!(1209);
    let t = txn_of(&v.to_string());
    assert_eq!(taxes(&t), vec![d("0.95"), d("0.16")]);
    assert_eq!(lines_total(&t), d("12.09"));
    // VAT: the flat tax comes out of the price first (Clover: 350 with 10 % + 20 % + flat 20
    // is 254 without VAT).
    let mut v = two_items(
        350,
        vec![
            rate("P10", 1_000_000),
            rate("P20", 2_000_000),
            json!({ "id": "F", "rate": 0, "taxAmount": 20 }),
        ],
        0,
        vec![],
    );
    v["isVat"] = json!(true);
    let t = txn_of(&v.to_string());
    assert_eq!(
        (t.lines[0].net_amount, t.lines[0].tax),
        (d("2.54"), d("0.96"))
    );
}

#[test]
fn a_negative_flat_tax_is_refused_naming_it() {
    let mut v = base();
    v["lineItems"]["elements"][0]["taxRates"]["elements"][0]["taxAmount"] = json!(-20);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[0].taxRates.elements[0].taxAmount")
    );
}

#[test]
fn an_exchanged_line_item_is_not_paid_for() {
    // The water (1.99 + 0.16) exchanged: the order's total and its payment are the sandwich's.
    let mut v = base();
    v["lineItems"]["elements"][1]["exchanged"] = json!(true);
    v["payments"]["elements"][0]["amount"] = json!(973);
    v["payments"]["elements"][0]["taxAmount"] = json!(74);
    let t = whole_of(&v.to_string());
    assert_eq!(lines_total(&t), d("9.73"));
    assert_eq!(approved_tenders(&t), lines_total(&t));
}

#[test]
fn amounts_clover_never_writes_negative_are_refused_naming_them() {
    for key in ["tipAmount", "cashbackAmount", "taxAmount"] {
        let mut v = base();
        v["payments"]["elements"][0][key] = json!(-100);
        assert_eq!(
            err_field(&v),
            Some(format!("payments.elements[0].{key}")),
            "{key}"
        );
    }
}

/// A negative payment (a manual transaction's) may carry a negative tax, not a positive one.
#[test]
fn a_payment_tax_takes_the_sign_of_its_amount() {
    let mut v = base();
    v["manualTransaction"] = json!(true);
    v["lineItems"]["elements"] = json!([{ "id": "L1", "name": "Return", "price": -1000,
        "taxRates": { "elements": [rate("TX8250SALES01", 825_000)] } }]);
    v["payments"]["elements"][0]["amount"] = json!(-1083);
    v["payments"]["elements"][0]["taxAmount"] = json!(-83);
    v["payments"]["elements"][0]["cashTendered"] = json!(0);
    let t = txn_of(&v.to_string());
    assert_eq!(lines_total(&t), d("-10.83"));
    v["payments"]["elements"][0]["taxAmount"] = json!(83);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("payments.elements[0].taxAmount")
    );
}

#[test]
fn a_negative_service_charge_a_payment_recorded_is_refused_naming_it() {
    let mut v: Value = serde_json::from_str(&fixture("order_service_charge_split.json")).unwrap();
    v["payments"]["elements"][0]["serviceCharge"]["amount"] = json!(-284);
    assert_eq!(
        err_field(&v).as_deref(),
        Some("payments.elements[0].serviceCharge.amount")
    );
}

/// The fields read since this review at their extremes: an error naming them or a mapping,
/// never a panic.
#[test]
fn new_fields_at_an_extreme_do_not_panic() {
    for x in [i64::MAX, i64::MIN, -1, 0, 1] {
        let mut v = base();
        let li = &mut v["lineItems"]["elements"][0];
        li["discounts"] = json!({ "elements": [{ "percentageDecimal": x }, { "percentage": x }] });
        li["exchanged"] = json!(true);
        li["price"] = json!(x);
        li["taxRates"]["elements"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "id": "F", "rate": x, "taxAmount": x }));
        v["discounts"] = json!({ "elements": [{ "percentageDecimal": x }] });
        v["isVat"] = json!(x % 2 == 0);
        let _ = parse(&ctx(), &v.to_string(), None);
        let mut v = base();
        v["refunds"] = json!({ "elements": [{ "id": "R", "amount": x, "taxAmount": x,
            "tipAmount": x }] });
        let _ = parse(&ctx(), &v.to_string(), None);
    }
}

#[test]
fn a_refund_whose_tax_and_tip_exceed_its_amount_is_refused_naming_it() {
    let mut v = base();
    v["refunds"] = json!({ "elements": [{ "id": "R1", "amount": 100, "taxAmount": 150,
        "payment": { "id": "PAYCASH000001" } }] });
    assert_eq!(
        err_field(&v).as_deref(),
        Some("refunds.elements[0].taxAmount")
    );
}

/// Tax known only from the payments (rates not expanded) falls on the goods, not on an
/// order-fee line item (a service charge, never taxed): before, the fee took a share of it.
#[test]
fn tax_known_from_the_payments_is_not_put_on_an_order_fee() {
    let mut v: Value = serde_json::from_str(&fixture("order_tax_rates_not_expanded.json")).unwrap();
    v["lineItems"]["elements"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "LIFEE", "name": "Delivery fee", "price": 300, "isOrderFee": true }));
    v["payments"]["elements"][1]["amount"] = json!(1484);
    let t = txn_of(&v.to_string());
    let fee = t.lines.last().unwrap();
    assert_eq!(
        (fee.raw_item_id.as_str(), fee.tax),
        ("service_charge:Delivery fee", d("0"))
    );
    assert_eq!(taxes(&t).iter().copied().sum::<Decimal>(), d("1.93"));
}

/// A tip adjusted on the payment after the sale, the order's own `modifiedTime` unchanged: the
/// fetch after it is a newer version under a new event id, not a duplicate of the one before.
#[test]
fn a_tip_adjusted_on_a_payment_makes_a_newer_version() {
    let body = fixture("order_card_tax_discounts.json");
    let before = parse(&ctx(), &body, None).unwrap();
    let mut v: Value = serde_json::from_str(&body).unwrap();
    v["payments"]["elements"][0]["tipAmount"] = json!(900);
    v["payments"]["elements"][0]["modifiedTime"] = json!(1_780_060_000_000i64);
    let after = parse(&ctx(), &v.to_string(), None).unwrap();
    assert_ne!(after.event_id, before.event_id);
    let t = txn_of(&v.to_string());
    assert_eq!(t.source_version, 1_780_060_000_000);
    // A child's time in the far future, or no time at all, is not taken (nor refused).
    for bad in [json!(32_000_000_000_000i64), json!(i64::MAX), json!("soon")] {
        v["payments"]["elements"][0]["modifiedTime"] = bad;
        assert_eq!(txn_of(&v.to_string()).source_version, 1_780_027_843_000);
    }
}

/// Discounts beyond a line item's price are refused naming them (Clover charges no negative
/// price outside a manual transaction); before, they made negative sales lines.
#[test]
fn discounts_beyond_the_price_are_refused_naming_them_unless_manual() {
    let mut v = base();
    v["discounts"] = json!({ "elements": [{ "id": "D", "amount": -2000 }] });
    assert_eq!(err_field(&v).as_deref(), Some("discounts"));
    let mut v = base();
    v["lineItems"]["elements"][1]["discounts"] =
        json!({ "elements": [{ "id": "D", "percentage": 100 }, { "id": "E", "amount": -1 }] });
    assert_eq!(
        err_field(&v).as_deref(),
        Some("lineItems.elements[1].discounts")
    );
    // A whole comp is no excess; a manual transaction may go below zero.
    v["lineItems"]["elements"][1]["discounts"] =
        json!({ "elements": [{ "id": "D", "percentage": 100 }] });
    assert_eq!(txn_of(&v.to_string()).lines[1].net_amount, d("0"));
    v["manualTransaction"] = json!(true);
    v["discounts"] = json!({ "elements": [{ "id": "D", "amount": -2000 }] });
    assert!(txn_of(&v.to_string()).lines[0].net_amount < Decimal::ZERO);
}

/// An order discount's rounding cent goes on the largest line, not on a free line item rung
/// last (a refill at 0.00), which became a negative sale.
#[test]
fn an_order_discount_rounding_cent_never_lands_on_a_free_line() {
    let mut v = base();
    v["payments"] = json!({ "elements": [] });
    v["lineItems"]["elements"] = json!([
        { "id": "L1", "name": "A", "price": 100, "taxRates": [] },
        { "id": "L2", "name": "B", "price": 100, "taxRates": [] },
        { "id": "L3", "name": "C", "price": 100, "taxRates": [] },
        { "id": "L4", "name": "Free refill", "price": 0, "taxRates": [] },
    ]);
    v["discounts"] = json!({ "elements": [{ "id": "D", "amount": -100 }] });
    let t = txn_of(&v.to_string());
    let nets: Vec<Decimal> = t.lines.iter().map(|l| l.net_amount).collect();
    assert_eq!(nets, vec![d("0.67"), d("0.67"), d("0.66"), d("0")]);
}

/// The tax's rounding cent goes on the largest line too: three 0.33 items and a free one at
/// 8.25 %, 0.08 in all; the free item rung last took −0.01 of it.
#[test]
fn a_free_line_item_carries_no_negative_tax() {
    let mut v = base();
    v["payments"] = json!({ "elements": [] });
    let item = |id: &str, price: i64| {
        json!({ "id": id, "name": id, "price": price,
            "taxRates": { "elements": [rate("TX8250SALES01", 825_000)] } })
    };
    v["lineItems"]["elements"] = json!([
        item("L1", 33),
        item("L2", 33),
        item("L3", 33),
        item("L4", 0)
    ]);
    let t = txn_of(&v.to_string());
    assert_eq!(taxes(&t), vec![d("0.03"), d("0.03"), d("0.02"), d("0")]);
}

/// Tax known from the payments only: a gift card sold last takes none of it, not even the
/// rounding cent (three items of 10.00 and a gift card, 1.00 tax paid).
#[test]
fn a_gift_card_sold_last_takes_no_cent_of_the_payments_tax() {
    use super::tax::{paid_tax, Taxed};
    let l = |a: &str, revenue| Taxed {
        amount: d(a),
        rates: vec![],
        flat: Decimal::ZERO,
        revenue,
    };
    let lines = [
        l("10.00", true),
        l("10.00", true),
        l("10.00", true),
        l("50.00", false),
    ];
    let (_, taxes) = paid_tax(&lines, d("1.00"), false, "USD");
    assert_eq!(taxes, vec![d("0.33"), d("0.33"), d("0.34"), d("0")]);
}

/// A refund naming a free line item beside paid ones gives none of its money back on it (its
/// rounding cent went on the line named last).
#[test]
fn a_refund_puts_no_cent_on_a_free_line_item_it_names() {
    let mut v = base();
    let item =
        |id: &str, price: i64| json!({ "id": id, "name": id, "price": price, "taxRates": [] });
    v["lineItems"]["elements"] = json!([
        item("L1", 100),
        item("L2", 100),
        item("L3", 100),
        item("L4", 0)
    ]);
    let named =
        json!({ "elements": [{ "id": "L1" }, { "id": "L2" }, { "id": "L3" }, { "id": "L4" }] });
    v["refunds"] = json!({ "elements": [{ "id": "R1", "amount": 100, "taxAmount": 0,
        "payment": { "id": "PAYCASH000001" }, "lineItems": named }] });
    let t = whole_of(&v.to_string());
    let back: Vec<Decimal> = t.lines[4..].iter().map(|l| l.net_amount).collect();
    assert_eq!(back, vec![d("-0.33"), d("-0.33"), d("-0.34"), d("0")]);
}
