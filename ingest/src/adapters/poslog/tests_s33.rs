//! s33: GK POSLog (Structure v3) shapes: a return's `ReturnTransactionLink`.
//!
//! The documents are hand-made, our own values, with the elements a public Groovy mapper of
//! "GK POSLog Structure v3" reads: `Return` carries its link to the sale in
//! `ReturnTransactionLink` (`RetailStoreID`, `WorkstationID`, `SequenceNumber`,
//! `BusinessDayDate`, `LineItemSequenceNumber`), where ARTS and roqqio write `TransactionLink`.

use super::tests::{d, only_txn, zoned};
use super::*;

fn ctx() -> Context {
    zoned(chrono_tz::Europe::Berlin, "EUR")
}

/// One transaction of store S1, register 2, number 77 on 2026-03-02, holding `body`.
fn wrap(body: &str) -> String {
    format!(
        r#"<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
<RetailStoreID>S1</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>77</SequenceNumber>
<BusinessDayDate>2026-03-02</BusinessDayDate><BeginDateTime>2026-03-02T10:00:00</BeginDateTime>
<CurrencyCode>EUR</CurrencyCode>{body}</Transaction></POSLog>"#
    )
}

/// A receipted return of 11.90 as GK writes it: the link to the sale (register 3, number 55
/// of 2026-02-27, its line 4) in `ReturnTransactionLink`. Before, the link was not read: the
/// return had no `original_txn_id` nor `original_line_no`, as if unreceipted.
#[test]
fn a_gk_return_transaction_link_names_the_sale() {
    let xml = wrap(
        r#"<RetailTransaction TransactionStatus="Finished">
<LineItem><SequenceNumber>1</SequenceNumber><Return ItemType="Stock"><ItemID>4711</ItemID>
<RegularSalesUnitPrice>11.90</RegularSalesUnitPrice><ExtendedAmount>11.90</ExtendedAmount>
<Quantity>1</Quantity>
<ReturnTransactionLink ReasonCode="Return"><RetailStoreID>S1</RetailStoreID>
<WorkstationID>3</WorkstationID><SequenceNumber>55</SequenceNumber>
<BusinessDayDate>2026-02-27</BusinessDayDate><LineItemSequenceNumber>4</LineItemSequenceNumber>
</ReturnTransactionLink></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund">
<Amount>11.90</Amount></Tender></LineItem>
<Total TotalType="TransactionGrandAmount">-11.90</Total></RetailTransaction>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let l = &only_txn(&p).lines[0];
    assert_eq!((l.kind, l.net_amount), (LineKind::Return, d("-11.90")));
    assert_eq!(l.original_txn_id.as_deref(), Some("S1-3-2026-02-27-55"));
    assert_eq!(l.original_line_no, Some(4));
}
