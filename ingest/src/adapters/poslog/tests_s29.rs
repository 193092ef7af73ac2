//! s29: a gift card sold or reloaded (`StoredValueFundSale`) is a non-revenue line; an NCR RES
//! post-void record replaces the sale it restates (at the end).
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

/// An NCR RES sale and its post-void record, hand-made in the shape of NCR RES 2012 POSLog
/// (`CustomerOrderTransaction`, yen, no `POSLogDateTime`; the record's `Voider…` elements as
/// NCR's `SQLServerConsolidationDAO` reads them), our own values. `void` adds the record's
/// status and particulars; the header is the sale's, as NCR journals it.
fn ncr_res(void: &str) -> String {
    format!(
        r#"<POSLog><Transaction><RetailStoreID>000051</RetailStoreID><WorkstationID>4021</WorkstationID>
<SequenceNumber>0207</SequenceNumber><BusinessDayDate>2013-06-11</BusinessDayDate>
<BeginDateTime>2013-06-11T10:12:40</BeginDateTime><OperatorID>305</OperatorID>
<CustomerOrderTransaction{void}<ItemCount>1</ItemCount>
<LineItem><SequenceNumber>1</SequenceNumber><Sale TaxableFlag="true"><ItemID>4900000000993</ItemID>
<ActualSalesUnitPrice>630.0</ActualSalesUnitPrice><ExtendedAmount>630</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>630</Amount></Tender></LineItem>
<LineItem><SequenceNumber>3</SequenceNumber><Tax TaxType="Sales"><TaxableAmount>600</TaxableAmount><Amount>30</Amount><Percent>5.00</Percent></Tax></LineItem>
</CustomerOrderTransaction></Transaction></POSLog>"#
    )
}

const VOIDER: &str = r#" Version="2.2" TransactionStatus="Voided">
<VoiderBusinessDayDate>2013-06-11</VoiderBusinessDayDate><VoiderBeginDateTime>2013-06-11T10:20:05</VoiderBeginDateTime>
<VoiderRetailStoreID>000051</VoiderRetailStoreID><VoiderWorkstationID>4021</VoiderWorkstationID>
<VoiderOperatorID>412</VoiderOperatorID><VoiderSequenceNumber>0209</VoiderSequenceNumber>"#;

fn tokyo() -> Context {
    zoned(chrono_tz::Asia::Tokyo, "JPY")
}

/// The post-void record has the sale's key and time and is post-voided, and it is newer than
/// the sale, so it replaces it (only a strictly newer version replaces a stored transaction).
/// Before, both had version 0: the record was stored as nothing newer and the sale stayed
/// counted beside a void of itself.
#[test]
fn an_ncr_res_post_void_record_replaces_the_sale_it_restates() {
    let sale = parse(&tokyo(), &ncr_res(">")).unwrap();
    let void = parse(&tokyo(), &ncr_res(VOIDER)).unwrap();
    let (sale, void) = (only_txn(&sale), only_txn(&void));
    assert_eq!(void.key, sale.key);
    assert_eq!(void.occurred_at, sale.occurred_at);
    assert_eq!(
        (sale.status, void.status),
        (TxnStatus::Completed, TxnStatus::PostVoided)
    );
    assert!(
        void.source_version > sale.source_version,
        "{} after {}",
        void.source_version,
        sale.source_version
    );
}

/// A voided transaction without the void's time keeps its version, and a void time that is
/// no time rejects the transaction naming the element.
#[test]
fn a_post_void_record_without_or_with_a_bad_void_time() {
    let plain = ncr_res(r#" TransactionStatus="Voided">"#);
    let p = parse(&tokyo(), &plain).unwrap();
    assert_eq!(only_txn(&p).source_version, 0);
    let bad = ncr_res(&VOIDER.replace("2013-06-11T10:20:05", "10:20 Uhr"));
    let p = parse(&tokyo(), &bad).unwrap();
    let rejects = crate::adapters::testkit::rejects_of(&p.records);
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0].reason.contains("VoiderBeginDateTime"),
        "{}",
        rejects[0].reason
    );
}
