//! Shapes of the public ticket-to-POSLog stylesheet and of Decathlon's and Xstore's documents
//! (a review in s24): transaction flags instead of a status, discounts
//! without a grand total, the message time beside the transaction's.

use super::tests::d;
use super::*;
use crate::envelope::Record;

fn parsed(xml: &str) -> Parsed {
    let mut c = Context::for_tenant("t");
    c.default_currency = "USD".into();
    parse(&c, xml).unwrap()
}

fn txns(p: &Parsed) -> Vec<&Transaction> {
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Txn(t)) => Some(&**t),
            Err(e) => panic!("rejected: {e:?}"),
            _ => None,
        })
        .collect()
}

/// A sale of 100.00 as the stylesheet writes it: flags on `Transaction`, a transaction
/// discount as a `LineItem/Discount`, and no `TransactionGrandAmount` among its totals.
fn xslt_ticket(flags: &str, discount: &str, cash: &str) -> String {
    format!(
        r#"<PosLog><Transaction CancelFlag="false" TrainingModeFlag="false" {flags}>
 <RetailStoreID>42</RetailStoreID><WorkstationID>3</WorkstationID><SequenceNumber>118</SequenceNumber>
 <BusinessDayDate>2025-06-09</BusinessDayDate><BeginDateTime>2025-06-09T11:02:40-03:00</BeginDateTime>
 <RetailTransaction Version="2.2">
  <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A-1002</ItemID>
    <Quantity Units="1" UnitOfMeasureCode="UN">1</Quantity>
    <RegularSaleUnitPrice>100.00</RegularSaleUnitPrice><ActualUnitPrice>100.00</ActualUnitPrice>
    <ExtendedAmount>100.00</ExtendedAmount></Sale></LineItem>
  <LineItem><SequenceNumber>2</SequenceNumber><Discount TypeCode="Manual"><Amount>{discount}</Amount></Discount></LineItem>
  <LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>{cash}</Amount></Tender></LineItem>
  <Total TotalType="TransactionTotalDiscount" CancelFlag="false">{discount}</Total>
  <Total TotalType="TransactionNetAmount" CancelFlag="false">{cash}</Total>
 </RetailTransaction></Transaction></PosLog>"#
    )
}

/// Without a grand total, the transaction discount is what the tenders say was taken off, up to
/// the discount's stated amount: net 90.00, discount 10.00 (it was lost: net 100.00, and the
/// lines disagreed with the tenders by the discount).
#[test]
fn a_transaction_discount_without_a_grand_total_comes_off_the_lines() {
    let p = parsed(&xslt_ticket("", "10.00", "90.00"));
    let t = txns(&p)[0];
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(
        (t.lines[0].net_amount, t.lines[0].discount),
        (d("90.00"), d("10.00"))
    );
    // Paid 95.00 (a partial payment, say): no more than what the tenders leave, 5.00.
    let p = parsed(&xslt_ticket("", "10.00", "95.00"));
    assert_eq!(txns(&p)[0].lines[0].net_amount, d("95.00"));
    // Paid 80.00: no more than the discount stated, 10.00.
    let p = parsed(&xslt_ticket("", "10.00", "80.00"));
    assert_eq!(txns(&p)[0].lines[0].net_amount, d("90.00"));
}

/// The stylesheet marks a suspended or voided ticket only by `SuspendedFlag` / `VoidedFlag`
/// (no `TransactionStatus`): neither is a sale.
#[test]
fn suspended_and_voided_flags_are_no_sales() {
    let p = parsed(&xslt_ticket(
        r#"SuspendedFlag="true" VoidedFlag="false""#,
        "10.00",
        "90.00",
    ));
    assert_eq!(txns(&p)[0].status, TxnStatus::Cancelled);
    let p = parsed(&xslt_ticket(
        r#"SuspendedFlag="false" VoidedFlag="true""#,
        "10.00",
        "90.00",
    ));
    assert_eq!(txns(&p)[0].status, TxnStatus::PostVoided);
    let p = parsed(&xslt_ticket(
        r#"SuspendedFlag="false" VoidedFlag="false""#,
        "10.00",
        "90.00",
    ));
    assert_eq!(txns(&p)[0].status, TxnStatus::Completed);
}

/// A cancelled paid-out (Xstore and the stylesheet write `CancelFlag` on every transaction) is
/// no drawer movement: skipped, kept in the inbox. The same one not cancelled is a `paid_out`.
#[test]
fn a_cancelled_control_transaction_moves_no_cash() {
    let doc = |cancel: &str| {
        format!(
            r#"<POSLog><Transaction CancelFlag="{cancel}" TrainingModeFlag="false">
 <RetailStoreID>7</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>55</SequenceNumber>
 <BusinessDayDate>2025-06-09</BusinessDayDate><BeginDateTime>2025-06-09T15:00:00Z</BeginDateTime>
 <CurrencyCode>USD</CurrencyCode>
 <TenderControlTransaction><PaidOut><Amount>40.00</Amount><Reason>Supplies</Reason></PaidOut></TenderControlTransaction>
</Transaction></POSLog>"#
        )
    };
    let p = parsed(&doc("true"));
    assert!(p.records.is_empty(), "{:?}", p.records);
    assert_eq!(p.skipped, 1);
    let p = parsed(&doc("false"));
    let kinds: Vec<_> = p
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Drawer(e)) => (e.kind, e.amount),
            other => panic!("expected a drawer event, got {other:?}"),
        })
        .collect();
    assert_eq!(kinds, [(DrawerEventKind::PaidOut, d("40.00"))]);
}

/// Decathlon writes the transaction's time first and the message's after it: the message time
/// is the version, so a resend (its status changed) is newer than the first message.
#[test]
fn the_message_time_versions_a_resend() {
    let doc = |message: &str| {
        format!(
            r#"<POSLog><Transaction>
 <RetailStoreID>7</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>56</SequenceNumber>
 <BusinessDayDate>2025-03-02</BusinessDayDate>
 <POSLogDateTime TypeCode="Transaction">2025-03-02T10:45:00+08:00</POSLogDateTime>
 <POSLogDateTime TypeCode="Message">{message}</POSLogDateTime>
 <CurrencyCode>USD</CurrencyCode><RetailTransaction>
  <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>1</ItemID>
   <RegularSalesUnitPrice>5.00</RegularSalesUnitPrice><ExtendedAmount>5.00</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
  <Total TotalType="TransactionGrandAmount">5.00</Total>
 </RetailTransaction></Transaction></POSLog>"#
        )
    };
    let first = parsed(&doc("2025-03-04T09:00:12+08:00"));
    let resent = parsed(&doc("2025-03-06T09:00:00+08:00"));
    let (a, b) = (txns(&first)[0], txns(&resent)[0]);
    assert_eq!(a.occurred_at.to_rfc3339(), "2025-03-02T02:45:00+00:00");
    assert_eq!(a.source_version, 1_741_050_012_000);
    assert!(b.source_version > a.source_version);
}
