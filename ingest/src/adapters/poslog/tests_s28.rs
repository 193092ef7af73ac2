//! s28: POSLog documents found in public repositories that earlier sessions had not tried
//! (tests/data/real/poslog/PROVENANCE.md, the s28 table): a Swedish digital receipt (ARTS 6,
//! `DigitalReceipt` root) whose line `Tax` gives an `Amount` and a `Percent` but no
//! `TaxableAmount`, and an NCR Emerald (Retalix R10) sale from a UK supermarket.

use super::tests::{d, discount_net_tax, only_txn as one, sums, zoned};
use super::*;

fn swedish() -> Context {
    zoned(chrono_tz::Europe::Stockholm, "SEK")
}

/// The shape of a Swedish digital receipt (ARTS DigitalReceipt 2.0 over POSLog 6, the
/// `etnetwork.org` extension), our own values: each line's `Tax` holds `Amount` (five
/// decimals) and `Percent`, no `TaxableAmount`; the per-rate summary `Tax` line items and the
/// totals say the prices include the VAT.
fn digital_receipt(line_tax: [(&str, &str); 2], summary: &str, totals: &str) -> String {
    let [(a1, p1), (a2, p2)] = line_tax;
    format!(
        r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<DigitalReceipt MajorVersion="6" MinorVersion="0" FixVersion="0" xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
  <Transaction>
    <BusinessUnit><UnitID Name="Kiosk">555555-0000</UnitID></BusinessUnit>
    <WorkstationID WorkstationLocation="1" TypeCode="POS" Mode="Retail">4</WorkstationID>
    <SequenceNumber>31</SequenceNumber>
    <POSLogDateTime>2024-03-01T09:15:00</POSLogDateTime>
    <OperatorID>OP1</OperatorID>
    <CurrencyCode>SEK</CurrencyCode>
    <ReceiptDateTime>2024-03-01T09:15:00</ReceiptDateTime>
    <RetailTransaction>
      <LineItem CancelFlag="false">
        <Sale>
          <ItemID Name="Kaffe" Type="GTIN">101</ItemID>
          <RegularSalesUnitPrice>25.0000</RegularSalesUnitPrice>
          <ActualSalesUnitPrice>25.0000</ActualSalesUnitPrice>
          <ExtendedAmount>25.00000</ExtendedAmount>
          <Quantity Units="1.00" UnitOfMeasureCode="EA">1.00000</Quantity>
          <Tax TaxSubType="Standard" TaxType="VAT"><Amount>{a1}</Amount><Percent>{p1}</Percent></Tax>
        </Sale>
        <SequenceNumber>1</SequenceNumber>
      </LineItem>
      <LineItem CancelFlag="false">
        <Sale>
          <ItemID Name="Paraply" Type="GTIN">102</ItemID>
          <RegularSalesUnitPrice>40.0000</RegularSalesUnitPrice>
          <ActualSalesUnitPrice>40.0000</ActualSalesUnitPrice>
          <ExtendedAmount>80.00000</ExtendedAmount>
          <Quantity Units="1.00" UnitOfMeasureCode="EA">2.00000</Quantity>
          <Tax TaxSubType="Standard" TaxType="VAT"><Amount>{a2}</Amount><Percent>{p2}</Percent></Tax>
        </Sale>
        <SequenceNumber>2</SequenceNumber>
      </LineItem>
      {summary}
      {totals}
    </RetailTransaction>
  </Transaction>
</DigitalReceipt>"#
    )
}

/// Summed by hand: 25.00 at 12 % holds 25 × 12 / 112 = 2.67857 → net 22.32, tax 2.68; 80.00 at
/// 25 % holds 80 × 25 / 125 = 16.00 → net 64.00. Net 86.32 + tax 18.68 = 105.00, the cash
/// paid and the grand total. Before, the lines read as exclusive (no `TaxableAmount`, no flag):
/// net 105.00 and tax 18.68, the VAT counted twice against 105.00 paid.
#[test]
fn digital_receipt_line_tax_with_only_amount_and_percent_is_inside_the_price() {
    let summary = r#"<LineItem CancelFlag="false"><Tender TenderType="Cash"><Amount>105.00000</Amount></Tender><SequenceNumber>3</SequenceNumber></LineItem>
      <LineItem CancelFlag="false"><Tax TaxType="VAT"><TaxableAmount TaxIncludedInTaxableAmountFlag="false">22.32000</TaxableAmount><Amount>2.68000</Amount><Percent>12.00</Percent></Tax><SequenceNumber>4</SequenceNumber></LineItem>
      <LineItem CancelFlag="false"><Tax TaxType="VAT"><TaxableAmount TaxIncludedInTaxableAmountFlag="false">64.00000</TaxableAmount><Amount>16.00000</Amount><Percent>25.00</Percent></Tax><SequenceNumber>5</SequenceNumber></LineItem>"#;
    let totals = r#"<Total CurrencyCode="SEK" TotalType="TransactionNetAmount">86.3200</Total>
      <Total CurrencyCode="SEK" TotalType="TransactionGrandAmount">105.00000</Total>
      <Total CurrencyCode="SEK" TotalType="TransactionTaxAmount">18.68000</Total>"#;
    let xml = digital_receipt(
        [("2.67857", "12.00"), ("16.00000", "25.00")],
        summary,
        totals,
    );
    let p = parse(&swedish(), &xml).unwrap();
    let t = one(&p);
    assert_eq!(t.currency, "SEK");
    let got: Vec<(Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.quantity, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("1"), d("22.32"), d("2.68")),
            (d("2"), d("64.00"), d("16.00"))
        ]
    );
    assert_eq!(sums(t), (d("86.32"), d("18.68"), d("105.00")));
}

/// The same shape with the tax on top (25.00 × 12 / 100 = 3.00, 80.00 × 25 / 100 = 20.00):
/// the rate says exclusive, so the nets stay 25.00 and 80.00 and 128.00 is paid.
#[test]
fn line_tax_with_only_amount_and_percent_on_top_stays_exclusive() {
    let summary = r#"<LineItem><Tender TenderType="Cash"><Amount>128.00</Amount></Tender><SequenceNumber>3</SequenceNumber></LineItem>"#;
    let totals = r#"<Total TotalType="TransactionGrandAmount">128.00</Total>"#;
    let xml = digital_receipt([("3.00", "12.00"), ("20.00", "25.00")], summary, totals);
    let t = one(&parse(&swedish(), &xml).unwrap()).clone();
    assert_eq!(sums(&t), (d("105.00"), d("23.00"), d("128.00")));
}

/// s28: NCR Emerald / Retalix R10 POSLog 6.0 of a UK supermarket, as published in a public
/// Apache-2.0 example (PROVENANCE.md). Summed by hand: 2.59 (0 % VAT, `TaxableAmount` 2.59 +
/// 0.00) + 1.99 + 1.99 (20 % inside: 1.66 + 0.33 each) = 6.57 = cash 6.57 = the grand total;
/// net 2.59 + 1.66 + 1.66 = 5.91, tax 0.66 (the summary `Tax` line items restate it and add
/// nothing). The cola line carries two `Quantity`s (1 EA, then 0.127 Kg): the first counts.
/// The `TotalKey` line item (an `r10Ex` subtotal) is no line.
#[test]
fn ncr_emerald_gbp_sale_with_two_quantities_and_tax_summary_lines() {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::London;
    let xml = super::tests::real("ncr_emerald_r10_gbp_two_quantities_tax_summary_lines.xml");
    let p = parse(&c, &xml).unwrap();
    let t = one(&p);
    assert_eq!(t.key.source_txn_id, "119EKZ37QD");
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str()),
        ("0610", "GBP")
    );
    assert_eq!(t.business_date.to_string(), "2016-08-22");
    assert_eq!(
        t.occurred_at,
        chrono::DateTime::parse_from_rfc3339("2016-08-22T15:21:49.3991907+01:00").unwrap()
    );
    let got: Vec<(i32, &str, Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| {
            (
                l.line_no,
                l.raw_item_id.as_str(),
                l.quantity,
                l.net_amount,
                l.tax,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "48", d("1"), d("2.59"), d("0.00")),
            (2, "123", d("1"), d("1.66"), d("0.33")),
            (3, "321", d("1"), d("1.66"), d("0.33")),
        ]
    );
    let tenders: Vec<(i32, TenderMethod, Decimal)> = t
        .tenders
        .iter()
        .map(|x| (x.tender_no, x.method, x.amount))
        .collect();
    assert_eq!(tenders, vec![(5, TenderMethod::Cash, d("6.57"))]);
    assert_eq!(sums(t), (d("5.91"), d("0.66"), d("6.57")));
}

/// The sale line items of the Swedish digital receipt standard's description ("ARTS DR version
/// 200 with swedish extension", its `LineItem - Sale` example; PROVENANCE.md), our own values:
/// `ActualSalesUnitPrice` and `ExtendedAmount` with `Action="Add"`, `DiscountAmount` per unit
/// and `ExtendedDiscountAmount` for the line, and a `Tax` holding only a `Percent`: no amount,
/// no taxable amount, no `TaxIncludedInPriceFlag`.
fn swedish_rate_only(summary: &str, totals: &str) -> String {
    format!(
        r#"<nam:DigitalReceipt MajorVersion="6" MinorVersion="0" FixVersion="0" se:copy="false"
    xmlns:nam="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:se="http://www.swestandard.se/schemas/namespace/se">
  <nam:Transaction>
    <se:BusinessUnit><nam:UnitID Name="Butik">b-7</nam:UnitID></se:BusinessUnit>
    <nam:WorkstationID SerialNumber="X1" Mode="Retail" TypeCode="POS">12</nam:WorkstationID>
    <nam:SequenceNumber>88</nam:SequenceNumber>
    <nam:OperatorID OperatorType="Cashier">K1</nam:OperatorID>
    <nam:CurrencyCode>SEK</nam:CurrencyCode>
    <nam:ReceiptDateTime>2024-05-02T10:00:00+02:00</nam:ReceiptDateTime>
    <nam:RetailTransaction>
      <nam:LineItem>
        <nam:Sale ItemType="Stock" TaxableFlag="true" ReturnableFlag="true">
          <nam:ItemID Type="GTIN">07350000000019</nam:ItemID>
          <nam:POSIdentity><nam:POSItemID>1001</nam:POSItemID></nam:POSIdentity>
          <nam:Description>Rep</nam:Description>
          <nam:UnitCostPrice Currency="SEK" Quantity="1" UnitOfMeasureCode="EA">50.00</nam:UnitCostPrice>
          <nam:ActualSalesUnitPrice Currency="SEK" Action="Add">69.00</nam:ActualSalesUnitPrice>
          <nam:ExtendedAmount Currency="SEK" Action="Add">138.00</nam:ExtendedAmount>
          <nam:DiscountAmount>10</nam:DiscountAmount>
          <nam:ExtendedDiscountAmount>20</nam:ExtendedDiscountAmount>
          <nam:Quantity Units="1" UnitOfMeasureCode="EA">2</nam:Quantity>
          <nam:Tax><nam:Percent>25</nam:Percent></nam:Tax>
        </nam:Sale>
        <nam:SequenceNumber>1</nam:SequenceNumber>
      </nam:LineItem>
      <nam:LineItem>
        <nam:Sale ItemType="Stock">
          <nam:ItemID Type="GTIN">07350000000026</nam:ItemID>
          <nam:Description>Bröd</nam:Description>
          <nam:ActualSalesUnitPrice Currency="SEK">30.00</nam:ActualSalesUnitPrice>
          <nam:ExtendedAmount Currency="SEK">30.00</nam:ExtendedAmount>
          <nam:Quantity Units="1" UnitOfMeasureCode="EA">1</nam:Quantity>
          <nam:Tax><nam:Percent>12</nam:Percent></nam:Tax>
        </nam:Sale>
        <nam:SequenceNumber>2</nam:SequenceNumber>
      </nam:LineItem>
      {summary}
      <nam:LineItem>
        <nam:Tender TypeCode="Sale" TenderType="Cash"><nam:Amount Currency="SEK">200.00</nam:Amount></nam:Tender>
        <nam:SequenceNumber>5</nam:SequenceNumber>
      </nam:LineItem>
      <nam:LineItem>
        <nam:TenderChange TenderType="Cash"><nam:Amount Currency="SEK">52.00</nam:Amount></nam:TenderChange>
        <nam:SequenceNumber>6</nam:SequenceNumber>
      </nam:LineItem>
      {totals}
    </nam:RetailTransaction>
  </nam:Transaction>
</nam:DigitalReceipt>"#
    )
}

const SWEDISH_TAX_LEVELS: &str = r#"<nam:LineItem><nam:Tax><nam:TaxableAmount Currency="SEK" TaxIncludedInTaxableAmountFlag="false">94.40</nam:TaxableAmount><nam:Amount Currency="SEK">23.60</nam:Amount><nam:Percent>25</nam:Percent></nam:Tax><nam:SequenceNumber>3</nam:SequenceNumber></nam:LineItem>
      <nam:LineItem><nam:Tax><nam:TaxableAmount Currency="SEK" TaxIncludedInTaxableAmountFlag="false">26.79</nam:TaxableAmount><nam:Amount Currency="SEK">3.21</nam:Amount><nam:Percent>12</nam:Percent></nam:Tax><nam:SequenceNumber>4</nam:SequenceNumber></nam:LineItem>"#;

/// Summed by hand: 2 × 69.00 = 138.00 less the line's 20.00 = 118.00, 25 % inside: tax 118 × 25
/// / 125 = 23.60, net 94.40; 30.00 at 12 % inside: tax 3.2143 → 3.21, net 26.79. Goods 148.00
/// = the grand total = cash 200.00 − change 52.00, and the summary `Tax` line items state the
/// same (94.40 + 23.60, 26.79 + 3.21). Before, a rate-only line `Tax` without the flag was
/// always on top: tax 29.50 + 3.60, nets 118.00 + 30.00, 181.10 against 148.00 paid.
#[test]
fn rate_only_line_taxes_are_inside_the_prices_when_the_tax_levels_and_total_say_so() {
    let totals =
        r#"<nam:Total TotalType="TransactionGrandAmount" CurrencyCode="SEK">148.00</nam:Total>"#;
    let t =
        one(&parse(&swedish(), &swedish_rate_only(SWEDISH_TAX_LEVELS, totals)).unwrap()).clone();
    assert_eq!(
        discount_net_tax(&t),
        vec![
            (d("20"), d("94.40"), d("23.60")),
            (d("0"), d("26.79"), d("3.21"))
        ]
    );
    assert_eq!(sums(&t), (d("121.19"), d("26.81"), d("148.00")));
}

/// The same receipt with only the grand total (148.00 = the goods, not goods + tax 181.10):
/// the prices hold the tax.
#[test]
fn rate_only_line_taxes_are_inside_the_prices_when_the_grand_total_is_the_goods() {
    let totals =
        r#"<nam:Total TotalType="TransactionGrandAmount" CurrencyCode="SEK">148.00</nam:Total>"#;
    let t = one(&parse(&swedish(), &swedish_rate_only("", totals)).unwrap()).clone();
    assert_eq!(sums(&t), (d("121.19"), d("26.81"), d("148.00")));
}

/// Guards: the grand total is the goods plus the tax on top (118.00 × 25 % = 29.50, 30.00 ×
/// 12 % = 3.60: 181.10), or there is no evidence at all: the lines stay exclusive.
#[test]
fn rate_only_line_taxes_stay_on_top_when_the_total_says_so_or_nothing_tells() {
    let totals =
        r#"<nam:Total TotalType="TransactionGrandAmount" CurrencyCode="SEK">181.10</nam:Total>"#;
    let t = one(&parse(&swedish(), &swedish_rate_only("", totals)).unwrap()).clone();
    assert_eq!(
        discount_net_tax(&t),
        vec![
            (d("20"), d("118.00"), d("29.50")),
            (d("0"), d("30.00"), d("3.60"))
        ]
    );
    let t = one(&parse(&swedish(), &swedish_rate_only("", "")).unwrap()).clone();
    assert_eq!(sums(&t).0, d("148.00"));
}

/// IXRetail POSLog 1.0, the shape of the ARTS example "Item Purchase from shelf" (the IXRetail
/// Inventory Charter, 2005; PROVENANCE.md), our own values: `Transaction
/// xsi:type="RetailTransactionStockView" Version="1.0"` with the flags as attributes and the
/// `LineItem`s directly inside it (no `RetailTransaction`), `RetailStoreID`, `UnitListPrice`
/// above the regular price. Summed by hand: 2 × 2.50 = 5.00 and 1 × 3.20 = 3.20, net 8.20, no
/// tax, no tender (the example has none). Before, the transaction was dropped without a
/// reject.
fn stock_view(cancel: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Transaction xsi:type="RetailTransactionStockView" Version="1.0" CancelFlag="{cancel}"
    TrainingModeFlag="false" OfflineFlag="false" OutsideSalesFlag="false" SuspendFlag="false">
    <RetailStoreID>Market</RetailStoreID>
    <WorkstationID>POS2</WorkstationID>
    <SequenceNumber>17</SequenceNumber>
    <BusinessDayDate>2024-06-03</BusinessDayDate>
    <BeginDateTime>2024-06-03T09:03:00</BeginDateTime>
    <EndDateTime>2024-06-03T09:05:00</EndDateTime>
    <OperatorID>7</OperatorID>
    <CurrencyCode>USD</CurrencyCode>
    <LineItem VoidFlag="false">
      <SequenceNumber>1</SequenceNumber>
      <Sale ItemType="Stock">
        <POSIdentity><POSItemID>00012345678905</POSItemID></POSIdentity>
        <ItemID>TEA-1</ItemID>
        <MerchandiseHierarchy Level="Department">Tea</MerchandiseHierarchy>
        <Description>Green tea</Description>
        <UnitListPrice>2.75</UnitListPrice>
        <RegularSalesUnitPrice>2.50</RegularSalesUnitPrice>
        <ActualSalesUnitPrice>2.50</ActualSalesUnitPrice>
        <ExtendedAmount>5.00</ExtendedAmount>
        <Quantity>2</Quantity>
      </Sale>
    </LineItem>
    <LineItem VoidFlag="false">
      <SequenceNumber>2</SequenceNumber>
      <Sale ItemType="Stock">
        <ItemID>MUG-4</ItemID>
        <RegularSalesUnitPrice>3.20</RegularSalesUnitPrice>
        <ActualSalesUnitPrice>3.20</ActualSalesUnitPrice>
        <ExtendedAmount>3.20</ExtendedAmount>
        <Quantity>1</Quantity>
      </Sale>
    </LineItem>
  </Transaction>
</POSLog>"#
    )
}

#[test]
fn ixretail_1_0_transaction_holding_its_line_items_is_read() {
    let mut c = Context::for_tenant("t");
    c.default_currency = "USD".into();
    let t = one(&parse(&c, &stock_view("false")).unwrap()).clone();
    assert_eq!(t.key.source_txn_id, "Market-POS2-2024-06-03-17");
    assert_eq!(t.status, TxnStatus::Completed);
    let got: Vec<(&str, Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| {
            (
                l.raw_item_id.as_str(),
                l.quantity,
                l.unit_price,
                l.net_amount,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("TEA-1", d("2"), d("2.50"), d("5.00")),
            ("MUG-4", d("1"), d("3.20"), d("3.20"))
        ]
    );
    assert_eq!(sums(&t), (d("8.20"), d("0"), d("0")));
    let t = one(&parse(&c, &stock_view("true")).unwrap()).clone();
    assert_eq!(
        t.status,
        TxnStatus::Cancelled,
        "CancelFlag on the Transaction"
    );
}

/// The Swedish standard's cash tender example: `Amount` 55.50 (the bill), `AmountAppliedToBill`
/// 55.00 (what was taken, rounded to whole kronor), `Rounding` 0.50, with the grand total after
/// rounding (55.00) and a summary `Tax` of the goods (44.40 + 11.10 = 55.50); our own item.
/// Summed by hand: the rate-only line holds its 25 % (tax 55.50 × 25 / 125 = 11.10, net 44.40,
/// told by the summary tax since the grand total is neither the goods nor goods + tax); the cash
/// is 55.00 and the rounding, written down, a tender `other` of +0.50, so the tenders are the
/// goods 55.50.
#[test]
fn swedish_cash_rounding_with_amount_applied_to_bill() {
    let xml = r#"<DigitalReceipt MajorVersion="6" xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
<BusinessUnit><UnitID>b-1</UnitID></BusinessUnit><WorkstationID>1</WorkstationID><SequenceNumber>5</SequenceNumber>
<CurrencyCode>SEK</CurrencyCode><ReceiptDateTime>2024-05-02T10:00:00+02:00</ReceiptDateTime>
<RetailTransaction>
<LineItem><Sale><ItemID>1</ItemID><ActualSalesUnitPrice>55.50</ActualSalesUnitPrice><ExtendedAmount>55.50</ExtendedAmount><Quantity>1</Quantity><Tax><Percent>25</Percent></Tax></Sale><SequenceNumber>1</SequenceNumber></LineItem>
<LineItem><Tax><TaxableAmount TaxIncludedInTaxableAmountFlag="false">44.40</TaxableAmount><Amount>11.10</Amount><Percent>25</Percent></Tax><SequenceNumber>2</SequenceNumber></LineItem>
<LineItem><Tender TypeCode="Sale" TenderType="Cash"><Amount Currency="SEK">55.50</Amount><AmountAppliedToBill Currency="SEK">55.00</AmountAppliedToBill><Rounding Currency="SEK">0.50</Rounding></Tender><SequenceNumber>3</SequenceNumber></LineItem>
<Total TotalType="TransactionGrandAmount" CurrencyCode="SEK">55.00</Total>
</RetailTransaction></Transaction></DigitalReceipt>"#;
    let t = one(&parse(&swedish(), xml).unwrap()).clone();
    assert_eq!(sums(&t), (d("44.40"), d("11.10"), d("55.50")));
    let tenders: Vec<(i32, TenderMethod, Decimal)> = t
        .tenders
        .iter()
        .map(|x| (x.tender_no, x.method, x.amount))
        .collect();
    assert_eq!(
        tenders,
        vec![
            (3, TenderMethod::Cash, d("55.00")),
            (400_003, TenderMethod::Other, d("0.50"))
        ]
    );
}

/// Oracle MICROS POSLog (read by a public order-management integration, PROVENANCE.md) flags
/// every `RetailPriceModifier` with `VoidFlag`; a voided one was taken back at the till. Our own
/// values: regular 50.00, a voided 10.00 markdown and a live 5.00 one, `ExtendedAmount` 45.00,
/// cash 45.00 = the grand total. Summed by hand: discount 5.00, net 45.00. Before, the voided
/// modifier counted too (discount 15.00).
#[test]
fn a_voided_price_modifier_is_no_discount() {
    let xml = r#"<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
<RetailStoreID>S1</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>40</SequenceNumber>
<BusinessDayDate>2024-07-01</BusinessDayDate><EndDateTime>2024-07-01T12:00:00+09:00</EndDateTime><CurrencyCode>EUR</CurrencyCode>
<RetailTransaction TransactionStatus="Delivered">
<LineItem VoidFlag="false"><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock"><ItemID>BAG-1</ItemID>
<RegularSalesUnitPrice>50.00</RegularSalesUnitPrice><ExtendedAmount>45.00</ExtendedAmount><Quantity>1</Quantity>
<RetailPriceModifier VoidFlag="true"><SequenceNumber>1</SequenceNumber><PromotionID>P1</PromotionID><Amount Action="Subtract">10.00</Amount></RetailPriceModifier>
<RetailPriceModifier VoidFlag="false"><SequenceNumber>2</SequenceNumber><PromotionID>P2</PromotionID><Amount Action="Subtract">5.00</Amount></RetailPriceModifier>
</Sale></LineItem>
<LineItem VoidFlag="false"><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>45.00</Amount></Tender></LineItem>
<Total TotalType="TransactionGrandAmount">45.00</Total>
</RetailTransaction></Transaction></POSLog>"#;
    let mut c = Context::for_tenant("t");
    c.default_currency = "EUR".into();
    let t = one(&parse(&c, xml).unwrap()).clone();
    let l = &t.lines[0];
    assert_eq!((l.discount, l.net_amount), (d("5.00"), d("45.00")));
    assert_eq!(sums(&t), (d("45.00"), d("0"), d("45.00")));
}

/// FGL Sports' EAI "ARTS" messages (an `eai:Exchange` wrapping `eai:POSLog`, elements in the
/// `http://www.fgl.com/ARTS` namespace; a public test stub, PROVENANCE.md), our own values: the
/// store as `BusinessUnit/BusinessUnitNumber` (no `UnitID`), the item as `Item/ItemNumber` with
/// `UPCNumber` and `ItemName` (no `ItemID`), no `ExtendedAmount`, Canadian GST 5 % as a line
/// `Tax` with `Amount` and `Percent` (on top: 2 × 40.00 × 5 / 100 = 4.00), a summary `Tax`
/// line item, cash 84.00. Before, the transaction was refused for want of a store, and then of
/// an item id.
#[test]
fn fgl_eai_business_unit_number_and_item_number() {
    let xml = r#"<eai:Exchange MajorVersion="2" xmlns:eai="http://www.fgl.com/exchange/" xmlns:arts="http://www.fgl.com/ARTS"><eai:Messages><eai:POSLog>
<arts:Count>1</arts:Count>
<arts:Transaction TypeCode="SaleTransaction">
<arts:BusinessUnit><arts:Index>1</arts:Index><arts:BusinessUnitNumber>17</arts:BusinessUnitNumber><arts:BusinessUnitTypeCode>RT</arts:BusinessUnitTypeCode></arts:BusinessUnit>
<arts:WorkstationID>101</arts:WorkstationID><arts:SequenceNumber>000009</arts:SequenceNumber>
<arts:BeginDateTime>2024-10-04T10:02:51-06:00</arts:BeginDateTime><arts:OperatorID>7</arts:OperatorID>
<arts:RetailTransaction><arts:LineItemCount>3</arts:LineItemCount>
<arts:LineItem VoidFlag="false"><arts:Index>1</arts:Index><arts:SequenceNumber>1</arts:SequenceNumber>
<arts:Sale TaxableFlag="true" ItemType="Stock"><arts:TaxCount>1</arts:TaxCount>
<arts:Item><arts:ItemNumber>555001</arts:ItemNumber><arts:ItemName>SKI POLES</arts:ItemName><arts:UPCNumber>036000291452</arts:UPCNumber></arts:Item>
<arts:RegularSalesUnitPrice>40.00</arts:RegularSalesUnitPrice><arts:ActualSalesUnitPrice>40.00</arts:ActualSalesUnitPrice>
<arts:DiscountAmount>0.00</arts:DiscountAmount><arts:Quantity>2</arts:Quantity>
<arts:Tax TypeCode="Sale" TaxType="GST"><arts:Index>1</arts:Index><arts:Amount>4.00</arts:Amount><arts:Percent>5</arts:Percent></arts:Tax>
</arts:Sale><arts:LineItemSubtypeCode>Sale</arts:LineItemSubtypeCode></arts:LineItem>
<arts:LineItem><arts:Index>2</arts:Index><arts:SequenceNumber>2</arts:SequenceNumber>
<arts:Tax TypeCode="Sale" TaxType="GST"><arts:Index>1</arts:Index><arts:Amount>4.00</arts:Amount><arts:Percent>5</arts:Percent></arts:Tax>
<arts:LineItemSubtypeCode>Tax</arts:LineItemSubtypeCode></arts:LineItem>
<arts:LineItem><arts:Index>3</arts:Index><arts:SequenceNumber>3</arts:SequenceNumber>
<arts:Tender TypeCode="Sale" TenderType="Cash" SubTenderType="CAD"><arts:Amount>84.00</arts:Amount></arts:Tender>
<arts:LineItemSubtypeCode>Tender</arts:LineItemSubtypeCode></arts:LineItem>
<arts:Total TotalType="TransactionGrossAmount">84.00</arts:Total><arts:Total TotalType="TransactionSubtotal">80.00</arts:Total>
</arts:RetailTransaction><arts:TransactionSubtypeCode>RetailTransaction</arts:TransactionSubtypeCode>
</arts:Transaction></eai:POSLog></eai:Messages></eai:Exchange>"#;
    let mut c = Context::for_tenant("t");
    c.default_currency = "CAD".into();
    let t = one(&parse(&c, xml).unwrap()).clone();
    assert_eq!(t.key.store_id, "17");
    let l = &t.lines[0];
    assert_eq!(
        (
            l.raw_item_id.as_str(),
            l.gtin.as_deref(),
            l.description.as_deref()
        ),
        ("555001", Some("00036000291452"), Some("SKI POLES"))
    );
    assert_eq!(
        (l.quantity, l.net_amount, l.tax),
        (d("2"), d("80.00"), d("4.00"))
    );
    assert_eq!(sums(&t), (d("80.00"), d("4.00"), d("84.00")));
}

/// The same FGL dialect's service return (PROVENANCE.md), our own values: a `Return` of a
/// `NonSKUItem` (`ServiceItemTypeCode`, no item number) at 20.00 with two line taxes on top
/// (5 % = 1.00 and 9 % = 1.80: 2.80, the rates summed, 14 % of 20.00), a `TransactionLink` to the
/// sale naming its store by `BusinessUnitNumber`, a cash refund of 22.80. Before, the
/// transaction was refused for want of an item id.
#[test]
fn fgl_eai_service_return_of_a_non_sku_item() {
    let xml = r#"<eai:Exchange MajorVersion="2" xmlns:eai="http://www.fgl.com/exchange/" xmlns:arts="http://www.fgl.com/ARTS"><eai:Messages><eai:POSLog>
<arts:Transaction TypeCode="ReturnTransaction">
<arts:BusinessUnit><arts:BusinessUnitNumber>17</arts:BusinessUnitNumber></arts:BusinessUnit>
<arts:WorkstationID>1</arts:WorkstationID><arts:SequenceNumber>2522</arts:SequenceNumber>
<arts:BeginDateTime>2024-08-10T13:47:47Z</arts:BeginDateTime><arts:OperatorID>1</arts:OperatorID>
<arts:RetailTransaction>
<arts:LineItem VoidFlag="false"><arts:Index>1</arts:Index><arts:SequenceNumber>1</arts:SequenceNumber>
<arts:Return ItemType="Service" TaxableFlag="true"><arts:TaxCount>2</arts:TaxCount>
<arts:NonSKUItem><arts:ServiceItemTypeCode>REPAIRS</arts:ServiceItemTypeCode><arts:ServiceItemTypeDescriptionText>Repairs</arts:ServiceItemTypeDescriptionText></arts:NonSKUItem>
<arts:RegularSalesUnitPrice>20.00</arts:RegularSalesUnitPrice><arts:ActualSalesUnitPrice>20.00</arts:ActualSalesUnitPrice>
<arts:DiscountAmount>0</arts:DiscountAmount><arts:Quantity>1</arts:Quantity>
<arts:Tax TaxType="HSTF" TypeCode="Refund"><arts:Index>1</arts:Index><arts:Amount>1.00</arts:Amount><arts:Percent>5</arts:Percent></arts:Tax>
<arts:Tax TaxType="HSTP" TypeCode="Refund"><arts:Index>2</arts:Index><arts:Amount>1.80</arts:Amount><arts:Percent>9</arts:Percent></arts:Tax>
<arts:TransactionLink><arts:BusinessUnit><arts:BusinessUnitNumber>380</arts:BusinessUnitNumber></arts:BusinessUnit>
<arts:WorkstationID>1</arts:WorkstationID><arts:SequenceNumber>4856</arts:SequenceNumber>
<arts:BeginDateTime>2024-03-01T00:00:00Z</arts:BeginDateTime></arts:TransactionLink>
<arts:NonVerifiedReturnFlag>true</arts:NonVerifiedReturnFlag><arts:ReasonCode>DEFECTIVE</arts:ReasonCode>
</arts:Return><arts:LineItemSubtypeCode>Return</arts:LineItemSubtypeCode></arts:LineItem>
<arts:LineItem><arts:Index>2</arts:Index><arts:SequenceNumber>2</arts:SequenceNumber>
<arts:Tender TenderType="Cash" SubTenderType="CAD" TypeCode="Refund"><arts:Amount>22.80</arts:Amount></arts:Tender>
<arts:LineItemSubtypeCode>Tender</arts:LineItemSubtypeCode></arts:LineItem>
</arts:RetailTransaction></arts:Transaction></eai:POSLog></eai:Messages></eai:Exchange>"#;
    let mut c = Context::for_tenant("t");
    c.default_currency = "CAD".into();
    let t = one(&parse(&c, xml).unwrap()).clone();
    let l = &t.lines[0];
    assert_eq!(
        (l.kind, l.raw_item_id.as_str(), l.description.as_deref()),
        (LineKind::Return, "REPAIRS", Some("Repairs"))
    );
    assert_eq!(
        (l.quantity, l.net_amount, l.tax),
        (d("-1"), d("-20.00"), d("-2.80"))
    );
    assert_eq!(l.original_txn_id.as_deref(), Some("380-1-2024-03-01-4856"));
    assert_eq!(sums(&t), (d("-20.00"), d("-2.80"), d("-22.80")));
}
