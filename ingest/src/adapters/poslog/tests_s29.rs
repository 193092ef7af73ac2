//! s29: a gift card sold or reloaded (`StoredValueFundSale`) is a non-revenue line.
//!
//! No POSLog document holding a `StoredValueFundSale` was found in public material (the
//! library's `find_string` for `<StoredValueFundSale` finds none; no ARTS POSLog XSD holding
//! it is in the index either). The documents below are hand-made, our own values, with the
//! element's structure as a public ARTS-derived model gives it: the JPA entity
//! `StoredValueFundSale` of package `fr.integrum.ob.nike.retailmodels` (`ItemType`, `Action`,
//! `TypeCode`, `UnitListPrice`, `Item`, `Description`, `RegularSalesUnitPrice`,
//! `ActualSalesUnitPrice`, `ExtendedAmount`, `Quantity`, `Tax`, `GiftReceiptFlag`), held by a
//! `LineItem` beside `Sale` and `Return`. The header is the plain ARTS 2.x one of the other
//! tests.

use super::tests::{d, only_txn, zoned};
use super::*;

fn ctx() -> Context {
    zoned(chrono_tz::America::New_York, "USD")
}

/// A transaction selling `lines` (line item bodies, numbered from 1), paid `cash`, with
/// `level` (transaction-level line items) and `total` as `TransactionGrandAmount`.
fn doc(lines: &[&str], level: &str, cash: &str, total: &str) -> String {
    let items: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "<LineItem>{l}<SequenceNumber>{}</SequenceNumber></LineItem>",
                i + 1
            )
        })
        .collect();
    format!(
        r#"<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
  <Transaction>
    <RetailStoreID>S1</RetailStoreID>
    <WorkstationID>2</WorkstationID>
    <SequenceNumber>77</SequenceNumber>
    <BeginDateTime>2026-03-02T10:00:00-05:00</BeginDateTime>
    <CurrencyCode>USD</CurrencyCode>
    <RetailTransaction>
      {items}
      {level}
      <LineItem><Tender TenderType="Cash"><Amount>{cash}</Amount></Tender><SequenceNumber>90</SequenceNumber></LineItem>
      <Total TotalType="TransactionGrandAmount">{total}</Total>
    </RetailTransaction>
  </Transaction>
</POSLog>"#
    )
}

const MUG: &str = r#"<Sale><ItemID>MUG-1</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>
  <ExtendedAmount>10.00</ExtendedAmount><Quantity>1</Quantity></Sale>"#;

/// A gift card loaded with 25.00: the element's sale-like children, no `ItemID` (the card is
/// an account, not a product).
const CARD: &str = r#"<StoredValueFundSale ItemType="GiftCard" Action="Issue">
  <TypeCode>GiftCard</TypeCode><Description>Gift card</Description>
  <UnitListPrice>25.00</UnitListPrice><RegularSalesUnitPrice>25.00</RegularSalesUnitPrice>
  <ActualSalesUnitPrice>25.00</ActualSalesUnitPrice><ExtendedAmount>25.00</ExtendedAmount>
  <Quantity>1</Quantity><GiftReceiptFlag>false</GiftReceiptFlag></StoredValueFundSale>"#;

/// (raw item id, kind, net, tax, non_revenue) of each line.
fn rows(t: &Transaction) -> Vec<(&str, LineKind, Decimal, Decimal, bool)> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.raw_item_id.as_str(),
                l.kind,
                l.net_amount,
                l.tax,
                l.non_revenue,
            )
        })
        .collect()
}

/// Before, the `StoredValueFundSale` line item was skipped: one line of 10.00 against 35.00
/// paid, the card's money nowhere. Now it is a line, paid for and not revenue.
#[test]
fn a_stored_value_fund_sale_is_a_non_revenue_line() {
    let p = parse(&ctx(), &doc(&[MUG, CARD], "", "35.00", "35.00")).unwrap();
    let t = only_txn(&p);
    assert_eq!(
        rows(t),
        [
            ("MUG-1", LineKind::Sale, d("10.00"), d("0"), false),
            ("stored_value", LineKind::Sale, d("25.00"), d("0"), true),
        ]
    );
    assert_eq!(t.lines[1].description.as_deref(), Some("Gift card"));
}

/// A card sold with an `ItemID` (a gift card product of the catalog) keeps it.
#[test]
fn a_stored_value_fund_sale_naming_its_item_keeps_it() {
    let card = CARD.replace("<TypeCode>", "<ItemID>GC-25</ItemID><TypeCode>");
    let p = parse(&ctx(), &doc(&[&card], "", "25.00", "25.00")).unwrap();
    assert_eq!(
        rows(only_txn(&p)),
        [("GC-25", LineKind::Sale, d("25.00"), d("0"), true)]
    );
}

/// A sales tax and a discount given only at transaction level fall on the goods, not on the
/// card: money loaded on a card is owed, neither taxed nor discounted as goods are (Clover's
/// mapping keeps the payments' tax off `isRevenue: false` items alike).
#[test]
fn transaction_level_tax_and_discount_leave_the_card_alone() {
    let level = r#"<LineItem><Tax><TaxableAmount>9.00</TaxableAmount><Amount>0.72</Amount></Tax><SequenceNumber>50</SequenceNumber></LineItem>
      <LineItem><Discount><Amount>1.00</Amount></Discount><SequenceNumber>51</SequenceNumber></LineItem>"#;
    let p = parse(&ctx(), &doc(&[MUG, CARD], level, "34.72", "34.72")).unwrap();
    assert_eq!(
        rows(only_txn(&p)),
        [
            ("MUG-1", LineKind::Sale, d("9.00"), d("0.72"), false),
            ("stored_value", LineKind::Sale, d("25.00"), d("0"), true),
        ]
    );
}

/// A stored-value amount that is not a number is refused naming the element, as a sale's.
#[test]
fn a_bad_amount_of_a_stored_value_fund_sale_is_refused_naming_it() {
    let card = CARD.replace(
        "<ExtendedAmount>25.00</ExtendedAmount>",
        "<ExtendedAmount>25,00x</ExtendedAmount>",
    );
    let p = parse(&ctx(), &doc(&[&card], "", "25.00", "25.00")).unwrap();
    let rejects = crate::adapters::testkit::rejects_of(&p.records);
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0].reason.contains("ExtendedAmount"),
        "{}",
        rejects[0].reason
    );
}
