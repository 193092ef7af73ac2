//! Tests of drawer movements: loans, pickups, blind drops and several paid-ins
//! ([`super::drawer`]).

use super::tests::d;
use super::*;
use crate::envelope::Record;

fn eur() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::Berlin;
    c.default_currency = "EUR".into();
    c
}

fn real(name: &str) -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let p = format!("{dir}/tests/data/real/poslog/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn events(p: &Parsed) -> Vec<(String, DrawerEventKind, Decimal, String)> {
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Drawer(e)) => Some((
                e.source_event_id.clone(),
                e.kind,
                e.amount,
                e.currency.clone(),
            )),
            Ok(_) => None,
            Err(e) => panic!("rejected: {e:?}"),
        })
        .collect()
}

#[test]
fn loans_pickups_drops_and_paid_ins_in_vendor_shapes_are_drawer_events() {
    let p = parse(&eur(), &real("tender_control_loans_pickups_drops.xml")).unwrap();
    let eur = || "EUR".to_string();
    assert_eq!(
        events(&p),
        vec![
            // Lines 100 + 50; the voided 20 moved nothing.
            (
                "0412-3-2025-03-14-7001".into(),
                DrawerEventKind::Loan,
                d("150.00"),
                eur()
            ),
            // Lines directly under TenderControlTransaction: 200 + 60.
            (
                "0412-3-2025-03-14-7042".into(),
                DrawerEventKind::Pickup,
                d("260.00"),
                eur()
            ),
            (
                "0412-4-2025-03-14-118".into(),
                DrawerEventKind::Loan,
                d("75.50"),
                eur()
            ),
            // Two PaidIn entries in one transaction: both count.
            (
                "0412-5-3310".into(),
                DrawerEventKind::PaidIn,
                d("15.50"),
                eur()
            ),
            (
                "0412-5-3318".into(),
                DrawerEventKind::Pickup,
                d("500.00"),
                eur()
            ),
        ]
    );
    assert_eq!(
        p.skipped, 1,
        "the till settlement is day totals, not a movement"
    );
}

/// A tender control transaction of store 9 holding `body`.
fn tct(body: &str) -> String {
    format!(
        r#"<POSLog><Transaction><RetailStoreID>9</RetailStoreID><WorkstationID>1</WorkstationID>
        <SequenceNumber>5</SequenceNumber><CurrencyCode>EUR</CurrencyCode>
        <BeginDateTime>2025-03-14T09:00:00</BeginDateTime>
        <TenderControlTransaction>{body}</TenderControlTransaction></Transaction></POSLog>"#
    )
}

fn reason(xml: &str) -> String {
    let p = parse(&eur(), xml).unwrap();
    match p.records.as_slice() {
        [Err(r)] => r.reason.clone(),
        other => panic!("expected one reject: {other:?}"),
    }
}

#[test]
fn a_pickup_of_a_non_cash_tender_or_a_foreign_amount_is_refused_by_name() {
    let line = |ty: &str, amount: &str| {
        format!(
            "<TenderControlTransactionTenderLineItem><SequenceNumber>2</SequenceNumber>\
             <TenderTypeCode>{ty}</TenderTypeCode>{amount}</TenderControlTransactionTenderLineItem>"
        )
    };
    let cash = line("Cash", "<Amount>40.00</Amount>");
    let card = line("CreditDebit", "<Amount>12.00</Amount>");
    let r = reason(&tct(&format!("<TenderPickup>{cash}{card}</TenderPickup>")));
    assert!(
        r.contains("TenderTypeCode") && r.contains("CreditDebit"),
        "{r}"
    );
    let usd = line("Cash", r#"<Amount Currency="USD">40.00</Amount>"#);
    let r = reason(&tct(&format!("<TenderPickup>{usd}</TenderPickup>")));
    assert!(r.contains("USD") && r.contains("EUR"), "{r}");
    let none = line("Cash", "");
    let r = reason(&tct(&format!("<TenderLoan>{none}</TenderLoan>")));
    assert!(r.contains("without <Amount>"), "{r}");
}

#[test]
fn a_loan_without_any_amount_or_mixing_kinds_is_refused_by_name() {
    let r = reason(&tct("<TenderLoan><SafeID>S1</SafeID></TenderLoan>"));
    assert!(r.contains("<TenderLoan> gives no amount"), "{r}");
    let r = reason(&tct(
        "<PaidIn><Amount>5</Amount></PaidIn><TenderPickup><Amount>5</Amount></TenderPickup>",
    ));
    assert!(r.contains("paid_in") && r.contains("pickup"), "{r}");
    let r = reason(&tct(
        "<Totals><Amount>1O0</Amount></Totals><TenderLoan><SafeID>S1</SafeID></TenderLoan>",
    ));
    assert!(r.contains("<Amount> `1O0`"), "{r}");
}

#[test]
fn a_negative_pickup_amount_is_the_money_moved() {
    // Some tills write money leaving the drawer as negative; the event carries the size.
    let p = parse(
        &eur(),
        &tct("<TenderPickup><Totals><Amount>-80.00</Amount></Totals></TenderPickup>"),
    )
    .unwrap();
    assert_eq!(events(&p)[0].2, d("80.00"));
}

#[test]
fn a_paid_out_whose_amount_sits_beside_it_keeps_that_amount() {
    // The total of the control transaction, not inside the PaidOut: read as before.
    let p = parse(
        &eur(),
        &tct("<Totals><Amount>25.00</Amount></Totals><PaidOut><Reason>Window cleaner</Reason></PaidOut>"),
    )
    .unwrap();
    assert_eq!(events(&p)[0].1, DrawerEventKind::PaidOut);
    assert_eq!(events(&p)[0].2, d("25.00"));
    let p = parse(
        &eur(),
        &tct("<PaidOut><Reason>no amount</Reason></PaidOut>"),
    )
    .unwrap();
    assert_eq!(
        events(&p)[0].2,
        d("0"),
        "a paid-out without amount is 0, as before"
    );
}
