//! s33: GK POSLog (Structure v3) shapes: a return's `ReturnTransactionLink`; a line void
//! flagged `VoidFlag` whose `ItemLink` names the line it voids; the loyalty customer in the
//! `Transaction`'s own `LoyaltyAccount`; totals written as magnitudes with `NegativeTotalFlag`;
//! a transaction-level tax given back (`TypeCode="Refund"`); a `Voids` line item naming the
//! line it voids (`Voids/ItemLink/LineItemSequenceNumber`, as the same GK mapper reads it);
//! a transaction-level discount on a return (the refund is the goods less it).
//!
//! The documents are hand-made, our own values, with the elements a public Groovy mapper of
//! "GK POSLog Structure v3" reads: `Return` carries its link to the sale in
//! `ReturnTransactionLink` (`RetailStoreID`, `WorkstationID`, `SequenceNumber`,
//! `BusinessDayDate`, `LineItemSequenceNumber`), where ARTS and roqqio write `TransactionLink`.
//! A line void is a line item of its own, flagged `VoidFlag`, whose `Sale`/`Return` `ItemLink`
//! holds the `SequenceNumber` of the line it voids (left unflagged): a public loss-prevention
//! pipeline over GK POSLog derives a line's void so, joining `ItemLink` of flagged line items
//! to `LineItemSequenceNumber`.

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

/// Two sales (A 5.00, B 3.00) and a flagged line item of `voider` (a `Sale`), paid 3.00.
fn gk_void(voider: &str) -> String {
    wrap(&format!(
        r#"<RetailTransaction>
<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A</ItemID>
<RegularSalesUnitPrice>5.00</RegularSalesUnitPrice><ExtendedAmount>5.00</ExtendedAmount>
<Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>B</ItemID>
<RegularSalesUnitPrice>3.00</RegularSalesUnitPrice><ExtendedAmount>3.00</ExtendedAmount>
<Quantity>1</Quantity></Sale></LineItem>
<LineItem VoidFlag="true"><SequenceNumber>3</SequenceNumber>{voider}</LineItem>
<LineItem><SequenceNumber>4</SequenceNumber><Tender TenderType="Cash"><Amount>3.00</Amount>
</Tender></LineItem>
<Total TotalType="TransactionGrandAmount">3.00</Total></RetailTransaction>"#
    ))
}

/// (line number, kind, net) of each line.
fn kinds(t: &Transaction) -> Vec<(i32, LineKind, Decimal)> {
    t.lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.net_amount))
        .collect()
}

/// The flagged line item 3 voids line 1 (`ItemLink` 1). Before, it was read as voided in
/// place (a sale of 5.00 and its own void) and line 1 stayed sold: net 8.00 against 3.00 paid.
/// Now line 1 has its void: net 3.00.
#[test]
fn a_flagged_line_item_linking_an_earlier_line_voids_that_line() {
    let xml = gk_void(
        r#"<Sale><ItemID>A</ItemID><RegularSalesUnitPrice>5.00</RegularSalesUnitPrice>
<ExtendedAmount>5.00</ExtendedAmount><Quantity>1</Quantity><ItemLink>1</ItemLink></Sale>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let t = only_txn(&p);
    assert_eq!(
        kinds(t),
        vec![
            (1, LineKind::Sale, d("5.00")),
            (2, LineKind::Sale, d("3.00")),
            (100_001, LineKind::Void, d("-5.00")),
        ]
    );
}

/// An `ItemLink` to a line of another item (a deposit linked to its bottle) is no void of
/// that line: the flagged line item is voided in place, line 1 stays sold.
#[test]
fn a_flagged_line_item_linking_another_item_is_voided_in_place() {
    let xml = gk_void(
        r#"<Sale><ItemID>DEPOSIT</ItemID><RegularSalesUnitPrice>0.25</RegularSalesUnitPrice>
<ExtendedAmount>0.25</ExtendedAmount><Quantity>1</Quantity><ItemLink>1</ItemLink></Sale>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let t = only_txn(&p);
    assert_eq!(
        kinds(t),
        vec![
            (1, LineKind::Sale, d("5.00")),
            (2, LineKind::Sale, d("3.00")),
            (3, LineKind::Sale, d("0.25")),
            (100_003, LineKind::Void, d("-0.25")),
        ]
    );
}

/// GK writes the loyalty customer in a `LoyaltyAccount` of the `Transaction` (beside the
/// `RetailTransaction`), with its programs' accounts inside. Before, only the retail
/// transaction's `Customer` / `LoyaltyAccount` were read: the sale had no customer.
#[test]
fn a_gk_loyalty_account_of_the_transaction_names_the_customer() {
    let xml = wrap(
        r#"<LoyaltyAccount><CustomerID>C-42</CustomerID><LoyaltyProgram>
<LoyaltyAccountID>990001</LoyaltyAccountID></LoyaltyProgram></LoyaltyAccount>
<RetailTransaction>
<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A</ItemID>
<RegularSalesUnitPrice>5.00</RegularSalesUnitPrice><ExtendedAmount>5.00</ExtendedAmount>
<Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>5.00</Amount>
</Tender></LineItem>
<Total TotalType="TransactionGrandAmount">5.00</Total></RetailTransaction>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    assert_eq!(only_txn(&p).customer_id.as_deref(), Some("C-42"));
}

/// A return of 11.90 with the VAT (1.90 on 10.00) only in a `Tax` line item, and the totals as
/// GK writes them: magnitudes, `NegativeTotalFlag` true saying the total is below zero.
/// Before, the grand total 11.90 did not match the goods −11.90, so the VAT was read as on
/// top, with the sign of the positive tax total: net −11.90, tax +1.90. Now net −10.00, tax
/// −1.90, as refunded.
#[test]
fn a_negative_total_flag_makes_the_totals_negative() {
    let xml = wrap(
        r#"<RetailTransaction TransactionStatus="Finished">
<LineItem><SequenceNumber>1</SequenceNumber><Return ItemType="Stock"><ItemID>4711</ItemID>
<RegularSalesUnitPrice>11.90</RegularSalesUnitPrice><ExtendedAmount>11.90</ExtendedAmount>
<Quantity>1</Quantity></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tax TaxType="VAT"><TaxableAmount>10.00</TaxableAmount>
<Amount>1.90</Amount><Percent>19</Percent></Tax></LineItem>
<LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund">
<Amount>11.90</Amount></Tender></LineItem>
<Total TotalType="TransactionGrandAmount">11.90</Total>
<Total TotalType="TransactionTaxAmount">1.90</Total>
<NegativeTotalFlag>true</NegativeTotalFlag></RetailTransaction>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let t = only_txn(&p);
    let l = &t.lines[0];
    assert_eq!((l.net_amount, l.tax), (d("-10.00"), d("-1.90")));
}

/// A return of 11.90 with its VAT only in a `Tax` line item that says it is refunded as a
/// refund tender does: `TypeCode="Refund"` on a positive `Amount` (ARTS gives `Tax` the same
/// `TypeCode` as `Tender`), the grand total negative. Before, the 1.90 went onto the return
/// line as +1.90 and came off its net too: net −13.80, tax +1.90. Now net −10.00, tax −1.90.
#[test]
fn a_refund_tax_line_item_is_a_negative_tax() {
    let xml = wrap(
        r#"<RetailTransaction>
<LineItem><SequenceNumber>1</SequenceNumber><Return><ItemID>4711</ItemID>
<RegularSalesUnitPrice>11.90</RegularSalesUnitPrice><ExtendedAmount>11.90</ExtendedAmount>
<Quantity>1</Quantity></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tax TaxType="VAT" TypeCode="Refund">
<TaxableAmount>10.00</TaxableAmount><Amount>1.90</Amount><Percent>19</Percent></Tax></LineItem>
<LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund">
<Amount>11.90</Amount></Tender></LineItem>
<Total TotalType="TransactionGrandAmount">-11.90</Total></RetailTransaction>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let l = &only_txn(&p).lines[0];
    assert_eq!((l.net_amount, l.tax), (d("-10.00"), d("-1.90")));
}

/// A GK `Voids` line item (no money of its own) naming line 1 by `ItemLink`'s
/// `LineItemSequenceNumber`. Before, the line item was skipped and line 1 stayed sold (net
/// 8.00 against 3.00 paid); now line 1 has its void. A line already voided in place keeps its
/// one void.
#[test]
fn a_voids_line_item_voids_the_line_it_names() {
    let voids = r#"<Voids><ItemLink ReasonCode="Voided"><SequenceNumber>1</SequenceNumber>
<LineItemSequenceNumber>1</LineItemSequenceNumber></ItemLink></Voids>"#;
    let xml = gk_void("").replace(r#"<LineItem VoidFlag="true">"#, "<LineItem>");
    let xml = xml.replace(
        "<SequenceNumber>3</SequenceNumber>",
        &format!("<SequenceNumber>3</SequenceNumber>{voids}"),
    );
    let p = parse(&ctx(), &xml).unwrap();
    assert_eq!(
        kinds(only_txn(&p)),
        vec![
            (1, LineKind::Sale, d("5.00")),
            (2, LineKind::Sale, d("3.00")),
            (100_001, LineKind::Void, d("-5.00")),
        ]
    );
    let flagged = xml.replacen("<LineItem>", r#"<LineItem VoidFlag="true">"#, 1);
    let p = parse(&ctx(), &flagged).unwrap();
    assert_eq!(
        kinds(only_txn(&p)),
        vec![
            (1, LineKind::Sale, d("5.00")),
            (100_001, LineKind::Void, d("-5.00")),
            (2, LineKind::Sale, d("3.00")),
        ]
    );
}

/// A return of two items (10.00 and 30.00) bought with a 10 % basket discount: the till
/// refunds 36.00, writing the discount as a transaction-level `Discount` line item and the
/// grand total −36.00. Before, only a sale's lines took a transaction discount: the returns
/// kept −40.00 against −36.00 refunded. Now they net −9.00 and −27.00, discount 1.00 and 3.00.
#[test]
fn a_transaction_discount_on_a_return_comes_off_the_returned_lines() {
    let xml = wrap(
        r#"<RetailTransaction>
<LineItem><SequenceNumber>1</SequenceNumber><Return><ItemID>A</ItemID>
<RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount>
<Quantity>1</Quantity></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Return><ItemID>B</ItemID>
<RegularSalesUnitPrice>30.00</RegularSalesUnitPrice><ExtendedAmount>30.00</ExtendedAmount>
<Quantity>1</Quantity></Return></LineItem>
<LineItem><SequenceNumber>3</SequenceNumber><Discount><Amount>4.00</Amount>
<Percent>10</Percent></Discount></LineItem>
<LineItem><SequenceNumber>4</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund">
<Amount>36.00</Amount></Tender></LineItem>
<Total TotalType="TransactionGrandAmount">-36.00</Total></RetailTransaction>"#,
    );
    let p = parse(&ctx(), &xml).unwrap();
    let t = only_txn(&p);
    let got: Vec<(Decimal, Decimal)> = t.lines.iter().map(|l| (l.discount, l.net_amount)).collect();
    assert_eq!(got, vec![(d("1.00"), d("-9.00")), (d("3.00"), d("-27.00"))]);
    // A grand total written as a magnitude (36.00, no `NegativeTotalFlag`) is a gap of 76.00,
    // more than the returns: no discount, the lines keep their nets.
    let p = parse(&ctx(), &xml.replace("-36.00", "36.00")).unwrap();
    let nets: Vec<Decimal> = only_txn(&p).lines.iter().map(|l| l.net_amount).collect();
    assert_eq!(nets, vec![d("-10.00"), d("-30.00")]);
}
