//! Toast's own published order payloads, and public test data of a Toast integration, mapped
//! as they were written (tests/data/real/toast/PROVENANCE.md, "Public Toast order payloads"),
//! and the fixes they led to. Every expected figure is derived by hand from the payload, as
//! each test's comments say.

use super::testkit::{ctx, fixture, rejects, txns, RESTAURANT_GUID};
use super::*;
use crate::adapters::Context;
use chrono::{DateTime, NaiveDate};
use pos_core::model::*;
use rust_decimal::Decimal;

/// The restaurant of the developer guide's examples (its curl's Toast-Restaurant-External-ID).
const DOCS_RESTAURANT: &str = "4622e7a9-b4be-3fef-9220-b3dad273e0b4";
/// The restaurant of the orders webhook sample (one hex digit too many: as Toast printed it).
const WEBHOOK_RESTAURANT: &str = "0cd990c9-fd74-461d-8468-de2a0919ccbba";
/// The two locations of the integration's test data.
const CXI_OTHER: &str = "f987f24a-2ee9-4550-8e76-1fad471c1136";
const CXI_REWARD: &str = "d8858e8e-67bc-4bd5-9b48-be29682aa03d";
/// Ours: Toast's Postman collection names its restaurant only as `{{location_guid}}`.
const POSTMAN_RESTAURANT: &str = "0d7c2a51-5d1b-4c0e-9a55-0a1b2c3d4e5f";

/// The context of the other Toast tests, with every restaurant above in its store "bistro".
fn rt_ctx() -> Context {
    let mut c = ctx();
    for r in [
        DOCS_RESTAURANT,
        WEBHOOK_RESTAURANT,
        CXI_OTHER,
        CXI_REWARD,
        POSTMAN_RESTAURANT,
    ] {
        c.toast_restaurants.insert(r.into(), "bistro".into());
    }
    assert!(c.toast_restaurants.contains_key(RESTAURANT_GUID));
    c
}

fn parsed(v: &Value) -> Parsed {
    parse(&rt_ctx(), &v.to_string()).unwrap()
}

/// The JSON path a reject names.
fn field(r: &Reject) -> Option<&str> {
    r.detail["field"].as_str()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn millis(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

/// (net, tax, tenders) of a transaction.
fn money(t: &Transaction) -> (Decimal, Decimal, Decimal) {
    (
        t.lines.iter().map(|l| l.net_amount).sum(),
        t.lines.iter().map(|l| l.tax).sum(),
        t.tenders.iter().map(|x| x.amount).sum(),
    )
}

#[test]
fn docs_get_order_is_one_completed_card_sale_that_balances() {
    // One order, one CLOSED check: selection "test" `price` 1 (`preDiscountPrice` 1, quantity
    // 1, `tax` 0.06); check `amount` 1.0, `taxAmount` 0.06, `totalAmount` 1.06; one CREDIT
    // payment `amount` 1.06, `tipAmount` 0, CAPTURED, `cardEntryMode` PRE_AUTHED.
    let p = parsed(&fixture("docs_get_order_closed_credit.json"));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p);
    assert_eq!(t.len(), 1);
    let t = t[0];
    assert_eq!(t.key.source_txn_id, "9f42438a-a375-4983-9f80-c0dae5c33196");
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(money(t), (dec("1.00"), dec("0.06"), dec("1.06")));
    assert_eq!(t.lines.len(), 1);
    assert_eq!(t.lines[0].discount, Decimal::ZERO);
    let tender = &t.tenders[0];
    assert_eq!(
        (tender.method, tender.status, tender.card_entry),
        (
            TenderMethod::Card,
            TenderStatus::Approved,
            Some(CardEntry::Other)
        )
    );
    assert_eq!(tender.card_bin, None); // no `first6Digits` in the payload
    assert_eq!(tender.tip, Decimal::ZERO); // `tipAmount` 0
    assert_eq!(
        t.business_date,
        NaiveDate::from_ymd_opt(2019, 2, 24).unwrap()
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2019-02-24T13:48:44.206+00:00");
    assert_eq!(
        t.cashier_id.as_deref(),
        Some("5c305143-183f-49cf-b4d5-49a610826822")
    );
    // The customer object of the sample has no `guid` (names and contacts only).
    assert_eq!(t.customer_id, None);
    // Order and check `modifiedDate` 2019-02-25T11:05:00.024, the selection's earlier.
    assert_eq!(t.source_version, millis("2019-02-25T11:05:00.024Z"));
}

#[test]
fn docs_orders_bulk_api_order_still_open_is_cancelled_with_its_item() {
    // The first order of the ordersBulk sample (the other two are "[contents omitted]" there):
    // an API order for the next day, its one check OPEN, no payments; selection "Rejected"
    // `price` 111, `tax` 0, `taxInclusion` INCLUDED, no applied taxes; check `amount` 111 =
    // `totalAmount` 111, `taxAmount` 0; `deletedDate` null rather than the epoch.
    let p = parsed(&fixture("docs_orders_bulk_open_api_order.json"));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p);
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].key.source_txn_id,
        "df38b30c-04b3-4eb3-923e-7cec05357674"
    );
    assert_eq!(t[0].status, TxnStatus::Cancelled);
    assert_eq!(money(t[0]), (dec("111"), Decimal::ZERO, Decimal::ZERO));
    assert_eq!(
        t[0].business_date,
        NaiveDate::from_ymd_opt(2020, 3, 2).unwrap()
    );
    // The check's `modifiedDate` (…02.609) is before the order's (…02.612).
    assert_eq!(t[0].source_version, millis("2020-03-02T19:17:02.612Z"));
}

#[test]
fn docs_webhook_sample_is_two_empty_open_checks_versioned_by_the_latest_check() {
    // The orders webhook sample: a new order with two OPEN checks, no selections, no
    // payments, every amount 0. The order's `modifiedDate` is 15:10:59.817, its checks'
    // 15:10:59.833 and 15:10:59.829: the version is the latest of them.
    let p = parsed(&fixture("docs_webhook_order_updated_empty_checks.json"));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    assert_eq!(
        p.event_id,
        "toast_event/534bf25a-b657-45aa-9a63-47f8f35400d6"
    );
    let t = txns(&p);
    let checks: Vec<_> = t.iter().map(|t| t.key.source_txn_id.as_str()).collect();
    assert_eq!(
        checks,
        [
            "cd39b62e-363b-4029-98f1-f3dc91f00df4",
            "3b3efd41-5b71-476f-9119-ac2eca247444"
        ]
    );
    for t in &t {
        assert_eq!(t.status, TxnStatus::Cancelled);
        assert!(t.lines.is_empty() && t.tenders.is_empty());
        assert_eq!(t.key.store_id, "bistro");
        assert_eq!(t.source_version, millis("2024-04-01T15:10:59.833Z"));
        assert_eq!(
            t.business_date,
            NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()
        );
    }
}

#[test]
fn integration_test_orders_without_modified_date_are_rejected_naming_it() {
    // Both orders of the integration's test data were trimmed by its authors: no
    // `modifiedDate`, so no version to keep the newest fetch by; each is one reject.
    for (name, check) in [
        (
            "cxi_order_other_tender.json",
            "2370f247-2ef9-4b2b-a074-6773c5a4b76a",
        ),
        (
            "cxi_order_rewardcard_tender.json",
            "1d820fc7-14ff-4c78-b293-b46d8d687c34",
        ),
    ] {
        let p = parsed(&fixture(name));
        assert!(txns(&p).is_empty(), "{name}");
        let r = rejects(&p);
        assert_eq!(r.len(), 1, "{name}");
        assert_eq!(field(r[0]), Some("orders[0].modifiedDate"), "{name}");
        assert!(r[0].payload.as_deref().unwrap().contains(check), "{name}");
    }
}

/// Fix: the order's `modifiedDate` alone versioned its checks, and the webhook sample shows
/// a check modified after its order. A check paid later whose order's date did not move came
/// with the same version, which the writer drops as a replay: the sale stayed cancelled.
#[test]
fn a_check_changed_after_its_order_gets_a_newer_version() {
    let open = fixture("docs_webhook_order_updated_empty_checks.json");
    let mut paid = open.clone();
    paid["guid"] = "2d7f5a0e-1c1b-4c55-9b8e-5f2a7c3e9d10".into();
    let check = &mut paid["details"]["order"]["checks"][1];
    check["paymentStatus"] = "CLOSED".into();
    check["modifiedDate"] = "2024-04-01T15:40:02.114+0000".into();
    let before = parsed(&open);
    let after = parsed(&paid);
    let (b, a) = (txns(&before)[1], txns(&after)[1]);
    assert_eq!(
        (b.status, a.status),
        (TxnStatus::Cancelled, TxnStatus::Completed)
    );
    assert!(a.source_version > b.source_version);
    assert_eq!(a.source_version, millis("2024-04-01T15:40:02.114Z"));
}

/// Fix: a selection's `modifiedDate` counts too, and a nested date that does not read is
/// passed over rather than rejecting the order (the order's own is the one required).
#[test]
fn the_version_reads_selection_dates_and_passes_over_unreadable_ones() {
    let mut v = fixture("docs_get_order_closed_credit.json");
    v["orders"][0]["checks"][0]["selections"][0]["modifiedDate"] =
        "2019-02-26T08:00:00.000+0000".into();
    v["orders"][0]["checks"][0]["modifiedDate"] = "yesterday".into();
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    assert_eq!(
        txns(&p)[0].source_version,
        millis("2019-02-26T08:00:00.000Z")
    );
}

/// Fix: a check without `selections` (the integration's trimmed test data, given the
/// `modifiedDate` it lacks) landed as a completed sale of nothing with its 16.25 tender:
/// net 0 where the check says `amount` 14.74. Toast always sends the array; its absence is a
/// reject naming it.
#[test]
fn a_check_without_its_selections_is_rejected_not_booked_as_a_sale_of_nothing() {
    let mut v = fixture("cxi_order_rewardcard_tender.json");
    v["orders"][0]["modifiedDate"] = "2022-04-28T16:54:24.775+0000".into();
    let p = parsed(&v);
    assert!(txns(&p).is_empty());
    let r = rejects(&p);
    assert_eq!(r.len(), 1);
    assert_eq!(field(r[0]), Some("orders[0].checks[0].selections"));
    // With the array, even empty, the check lands: its REWARDCARD payment a gift card tender.
    v["orders"][0]["checks"][0]["selections"] = serde_json::json!([]);
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p)[0];
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(t.tenders[0].method, TenderMethod::GiftCard);
    assert_eq!(t.tenders[0].amount, dec("16.25"));
}

/// Fix: each line's tax was rounded alone. Toast writes a selection's `tax` as computed: its
/// own Check JSON (developer guide, loyalty "Example 10.8") has selections taxed 5.49612811 and
/// 0.59387189 under a `taxAmount` of 6.09. Two $2 items at the sample's 6.25 % are taxed 0.125
/// each, 0.25 on the check (`totalAmount` 4.25, paid 4.25); rounded alone they made 0.26, and
/// the check's tenders no longer matched its net and tax.
#[test]
fn selection_taxes_round_together_to_the_checks_tax() {
    let mut v = fixture("docs_get_order_closed_credit.json");
    let check = &mut v["orders"][0]["checks"][0];
    let mut item = check["selections"][0].clone();
    for (k, value) in [
        ("price", 2.0),
        ("preDiscountPrice", 2.0),
        ("receiptLinePrice", 2.0),
        ("tax", 0.125),
    ] {
        item[k] = value.into();
    }
    item["appliedTaxes"][0]["taxAmount"] = 0.125.into();
    let mut second = item.clone();
    second["guid"] = "7f0c2f0e-2b55-4a8e-9d3a-0c6b8f1e2d44".into();
    check["selections"] = serde_json::json!([item, second]);
    check["amount"] = 4.0.into();
    check["taxAmount"] = 0.25.into();
    check["totalAmount"] = 4.25.into();
    check["payments"][0]["amount"] = 4.25.into();
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p)[0];
    assert_eq!(money(t), (dec("4.00"), dec("0.25"), dec("4.25")));
    let taxes: Vec<_> = t.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, [dec("0.13"), dec("0.12")]);
    // Toast's own loyalty example rounds to its 6.09 either way.
    let check = &mut v["orders"][0]["checks"][0];
    check["selections"][0]["tax"] = 5.49612811.into();
    check["selections"][1]["tax"] = 0.59387189.into();
    let t = parsed(&v);
    let taxes: Vec<_> = txns(&t)[0].lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, [dec("5.50"), dec("0.59")]);
}

/// The running rounding leaves a voided selection out (the check's tax does not hold it; its
/// void line reverses exactly what its sale line booked) and goes on into the service charges.
#[test]
fn voided_selections_stay_out_of_the_tax_rounding_and_charges_join_it() {
    let mut v = fixture("docs_get_order_closed_credit.json");
    let check = &mut v["orders"][0]["checks"][0];
    let mut voided = check["selections"][0].clone();
    voided["guid"] = "0b5e8a51-7d0c-4f3e-8a0f-3c9d2e1b7a66".into();
    voided["voided"] = true.into();
    voided["tax"] = 0.125.into();
    check["selections"][0]["tax"] = 0.125.into();
    check["selections"] = serde_json::json!([voided, check["selections"][0].clone()]);
    check["appliedServiceCharges"] = serde_json::json!([{
        "guid": "5a1f3c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
        "entityType": "AppliedServiceCharge",
        "name": "Delivery",
        "chargeAmount": 2.0,
        "appliedTaxes": [{"taxAmount": 0.125}]
    }]);
    let p = parsed(&v);
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p)[0];
    let taxes: Vec<_> = t.lines.iter().map(|l| (l.kind, l.tax)).collect();
    assert_eq!(
        taxes,
        [
            (LineKind::Sale, dec("0.13")),
            (LineKind::Void, dec("-0.13")),
            (LineKind::Sale, dec("0.13")),
            (LineKind::Sale, dec("0.12")),
        ]
    );
}

/// s26: the developer guide's "Orders endpoint response for a dine-in order with an
/// alternative payment" (Example 3.13): `deletedDate` null on the order and the check, an
/// OTHER payment with `amountTendered`. Crab cakes 8.99 + 6.25 % state tax 0.56 = 9.55 paid.
#[test]
fn docs_dine_in_order_paid_with_an_alternative_payment_balances() {
    let p = parsed(&fixture("docs_order_dine_in_other_payment.json"));
    assert!(rejects(&p).is_empty());
    let t = txns(&p);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].status, TxnStatus::Completed);
    assert_eq!(money(t[0]), (dec("8.99"), dec("0.56"), dec("9.55")));
    assert_eq!(t[0].tenders[0].method, TenderMethod::Other);
}

/// (net, tax, non-revenue) of a transaction's lines.
fn net_tax_non_revenue(t: &Transaction) -> (Decimal, Decimal, Decimal) {
    let sum = |f: &dyn Fn(&Line) -> Decimal| t.lines.iter().map(f).sum::<Decimal>();
    (
        sum(&|l| {
            if l.non_revenue {
                Decimal::ZERO
            } else {
                l.net_amount
            }
        }),
        sum(&|l| l.tax),
        sum(&|l| {
            if l.non_revenue {
                l.net_amount
            } else {
                Decimal::ZERO
            }
        }),
    )
}

/// s27: Toast's `POST /orders/v2/orders` answer saved in Toast's Orders API Postman collection
/// (PROVENANCE.md, "Toast's Postman collection"). Summed by hand from the payload: a check-level
/// OPEN_FIXED discount of 2.37 is already spread into the selections' `price` (Sandwich 9.99 →
/// 9.20, Crab Cakes 20 → 18.42: 0.79 + 1.58 = 2.37), so net 27.62 = the check's `amount`; tax
/// 0.58 (6.25 % of 9.20) + 1.15 (6.25 % of 18.42) + 1.00 (a FIXED local tax) = 2.73 = its
/// `taxAmount`; a `gratuity: true` "Delivery" charge of 3.00 (10 % of 29.99 before the
/// discount) is the staff's, not a sale, and is left out of `amount`; the AUTHORIZED VISA
/// payment 33.35 = 27.62 + 2.73 + 3.00, plus its 6.67 tip = `totalAmount` 40.02.
#[test]
fn postman_order_spreads_the_check_discount_books_two_taxes_and_a_gratuity_charge_apart() {
    let p = parsed(&fixture(
        "postman_post_order_check_discount_two_taxes_gratuity_authorized_card.json",
    ));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p);
    assert_eq!(t.len(), 1);
    let t = t[0];
    assert_eq!(t.key.source_txn_id, "fad46c3f-1241-4979-81f4-70812c3aa262");
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(
        net_tax_non_revenue(t),
        (dec("27.62"), dec("2.73"), dec("3.00"))
    );
    let got: Vec<_> = t
        .lines
        .iter()
        .map(|l| (l.unit_price, l.discount, l.net_amount, l.tax, l.non_revenue))
        .collect();
    assert_eq!(
        got,
        vec![
            (dec("9.99"), dec("0.79"), dec("9.20"), dec("0.58"), false),
            (dec("20"), dec("1.58"), dec("18.42"), dec("2.15"), false),
            (dec("3"), Decimal::ZERO, dec("3"), Decimal::ZERO, true),
        ]
    );
    assert_eq!(
        t.lines[2].raw_item_id,
        "service_charge:32e07b03-4ec7-479b-9815-accda777f41c"
    );
    assert_eq!(t.tenders.len(), 1);
    let x = &t.tenders[0];
    assert_eq!(
        (
            x.method,
            x.status,
            x.amount,
            x.card_entry,
            x.card_bin.as_deref()
        ),
        (
            TenderMethod::Card,
            TenderStatus::Approved,
            dec("40.02"),
            None,
            None
        )
    );
    // The 6.67 tip is in the tender; the 3.00 gratuity charge is a non-revenue line, no tip.
    assert_eq!(x.tip, dec("6.67"));
    assert_eq!(
        t.business_date,
        NaiveDate::from_ymd_opt(2022, 3, 3).unwrap()
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2022-03-03T16:00:08.527+00:00");
    // The order's `modifiedDate` (…08.623) is later than the check's (…08.619).
    assert_eq!(t.source_version, millis("2022-03-03T16:00:08.623Z"));
    // The customer kept only its GUID (names and contacts removed, PROVENANCE.md).
    assert_eq!(
        t.customer_id.as_deref(),
        Some("368cd001-bef7-4744-a124-469d4ef2721f")
    );
}

/// s27: Toast's `GET /orders/v2/orders/{guid}` answer in the same collection: an in-store
/// dine-in order of 2019 (New Jersey, 6.625 %) whose three Bloody Marys are `taxInclusion`
/// INCLUDED. Their `price` 6.57 is before tax, and `receiptLinePrice` 7 is the menu price with
/// its tax (6.57 + 0.43): the first real order showing what the adapter assumed, that `price` is
/// net of tax whatever `taxInclusion` says. Modifier upcharges are inside their burger's price
/// (Golfer Burger 12 + Caramelized Onions 0.50 = 12.50, taxed 0.83; 12 + Raw Onion 0.50 + an
/// "Onion Rings" SPECIAL_REQUEST 2.00 = 14.50, taxed 0.96) and are not counted again. Summed by
/// hand: the twelve selections' prices 124.69, their taxes 8.25 (= the check's `taxAmount`);
/// the swiped MASTERCARD 130.94 + tip 30.00 = 160.94. The publisher altered identifiers by a
/// digit (the order's `guid` 707df649 is 707df679 in the request and the payment) and the
/// check's `amount` 121.69, the payment's 130.94 and `totalAmount` 161.94 are each one digit
/// from what the selections give (124.69, 132.94, 162.94): the tender is mapped as published,
/// 2.00 short of lines + tip.
#[test]
fn postman_in_store_order_tax_included_drinks_book_price_as_net_and_modifiers_once() {
    let p = parsed(&fixture(
        "postman_get_order_in_store_tax_included_drinks_modifiers_swiped.json",
    ));
    assert!(rejects(&p).is_empty(), "{:?}", rejects(&p));
    let t = txns(&p);
    assert_eq!(t.len(), 1);
    let t = t[0];
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(money(t), (dec("124.69"), dec("8.25"), dec("160.94")));
    assert_eq!(t.lines.len(), 12);
    let drinks: Vec<_> = t
        .lines
        .iter()
        .filter(|l| l.description.as_deref() == Some("Bloody Mary"))
        .map(|l| (l.net_amount, l.tax, l.net_amount + l.tax))
        .collect();
    assert_eq!(drinks, vec![(dec("6.57"), dec("0.43"), dec("7.00")); 3]);
    let burgers: Vec<_> = t
        .lines
        .iter()
        .filter(|l| l.description.as_deref() == Some("The Golfer Burger"))
        .map(|l| (l.quantity, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        burgers,
        vec![
            (Decimal::ONE, dec("12.5"), dec("0.83")),
            (Decimal::ONE, dec("14.5"), dec("0.96"))
        ]
    );
    let x = &t.tenders[0];
    assert_eq!(
        (x.method, x.card_entry, x.card_fingerprint.as_deref()),
        (
            TenderMethod::Card,
            Some(CardEntry::Swipe),
            Some("r2yBB5MbHFrRNG6T1vkVOiFN1AofPoJgV+iFOobz7xQ=")
        )
    );
    assert_eq!((x.amount, x.tip), (dec("160.94"), dec("30.00")));
    assert_eq!(
        t.business_date,
        NaiveDate::from_ymd_opt(2019, 7, 13).unwrap()
    );
    // `deletedDate` the epoch: not deleted. The order's `modifiedDate` is its version.
    assert_eq!(t.source_version, millis("2019-07-13T18:17:30.496Z"));
    assert_eq!(
        t.cashier_id.as_deref(),
        Some("1c80f223-cac5-4abe-a61c-47a9969496e3")
    );
}
