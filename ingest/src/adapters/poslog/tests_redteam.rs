//! Red-team tests: shapes seen in public POSLog documents (NCR ACS exports published with the
//! `kjbreil/poslog` Go parser, NCR RES mobile-POS journalization tests), written anew with our
//! own ids and amounts. Failing ones are ignored with the reason. Round two (s16): a Chilean
//! kiosk TLOG (CLP, IVA on the pre-discount price) and Wincor TP.net (IKEA Portugal, its POSLog
//! XSLT).

use super::tests::d;
use super::*;
use crate::envelope::Record;

fn one_txn(xml: &str) -> Transaction {
    let mut c = Context::for_tenant("t");
    c.default_currency = "USD".into();
    let p = parse(&c, xml).unwrap();
    let txns: Vec<Transaction> = p
        .records
        .into_iter()
        .filter_map(|r| match r {
            Ok(Record::Txn(t)) => Some(*t),
            Err(e) => panic!("rejected: {e:?}"),
            _ => None,
        })
        .collect();
    assert_eq!(txns.len(), 1);
    txns.into_iter().next().unwrap()
}

fn wrap(body: &str, grand: &str) -> String {
    format!(
        r#"<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
<RetailStoreID>7</RetailStoreID><WorkstationID>2</WorkstationID><SequenceNumber>55</SequenceNumber>
<BusinessDayDate>2026-03-02</BusinessDayDate><EndDateTime>2026-03-02T15:15:27</EndDateTime>
<CurrencyCode>USD</CurrencyCode><RetailTransaction Version="2.1">{body}
<Total TotalType="TransactionGrandAmount">{grand}</Total></RetailTransaction></Transaction></POSLog>"#
    )
}

/// NCR ACS writes a deal price ("2 for 6.00": one unit at 3.00) as `ExtendedAmount` below
/// quantity × `RegularSalesUnitPrice`, with no discount element at all. The money is right
/// (net 3.00), but the line must still add up: quantity × unit price − discount = net, or
/// gross sales are overstated by the deal (here by 3.00 on a 3.00 sale).
#[test]
fn deal_priced_line_adds_up() {
    let xml = wrap(
        r#"<LineItem EntryMethod="Keyed"><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock">
<ItemID>00000000042251</ItemID><Description>AVOCADO</Description>
<RegularSalesUnitPrice>6.00</RegularSalesUnitPrice><ExtendedAmount>3.00</ExtendedAmount>
<DiscountAmount>0.00</DiscountAmount><ExtendedDiscountAmount>0.00</ExtendedDiscountAmount>
<Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>3.00</Amount></Tender></LineItem>"#,
        "3.00",
    );
    let t = one_txn(&xml);
    let l = &t.lines[0];
    assert_eq!(l.net_amount, d("3.00"));
    assert_eq!(l.quantity * l.unit_price - l.discount, l.net_amount);
    assert_eq!(l.unit_price, d("3.00"));
    assert!(l.price_override, "charged below the regular price");
}

/// A weighed item's `ExtendedAmount` is quantity × price rounded to the cent: a gap below one
/// cent is that rounding, not a deal, and the regular price stays the unit price.
#[test]
fn a_weighed_line_rounded_to_the_cent_is_no_deal() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale ItemType="Stock">
<ItemID>00000000042251</ItemID><RegularSalesUnitPrice>2.99</RegularSalesUnitPrice>
<ExtendedAmount>1.03</ExtendedAmount><Quantity>0.345</Quantity></Sale></LineItem>"#,
        "1.03",
    );
    let l = &one_txn(&xml).lines[0];
    assert_eq!((l.unit_price, l.net_amount), (d("2.99"), d("1.03")));
    assert!(!l.price_override);
}

/// NCR RES (Japan) writes a line's consumption tax as two `Tax` elements: the rate's tax with
/// its `TaxableAmount` (33 on 422) and a rounding part with `Amount` only
/// (`NormalTaxType="Exceptional"`, 1). Prices include the tax: 556 − 101 = 455 = 421 + 34.
/// Comparing the taxable amount with the sum of both amounts (422 + 34 ≠ 455) misses that the
/// line is tax-inclusive, and the line is booked at 455 + 34: 34 more than was paid.
#[test]
fn inclusive_line_with_an_extra_rounding_tax() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale TaxableFlag="True">
<ItemID Type="Code128">0000000000050</ItemID><Description>Item B5</Description>
<RegularSalesUnitPrice>556</RegularSalesUnitPrice><ActualSalesUnitPrice>556</ActualSalesUnitPrice>
<ExtendedAmount>556</ExtendedAmount><ExtendedDiscountAmount>101</ExtendedDiscountAmount><Quantity>1</Quantity>
<Tax TaxType="Sales"><Amount>33</Amount><Percent>8</Percent><TaxableAmount TaxIncludedInTaxableAmountFlag="false">422</TaxableAmount></Tax>
<Tax TaxType="Sales" NormalTaxType="Exceptional"><Amount>1</Amount></Tax></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>455</Amount></Tender></LineItem>"#,
        "455",
    );
    let t = one_txn(&xml);
    let l = &t.lines[0];
    assert_eq!(l.tax, d("34"));
    assert_eq!(l.net_amount + l.tax, d("455"));
}

/// A cheap item's tax is within the tolerance of both readings (taxable 0.10 = net, and
/// taxable + tax 0.11 near the net): the nearer one decides, so the exclusive line is not
/// taken as inclusive and its net is not lowered by its tax; the inclusive one still is.
#[test]
fn a_tax_of_one_cent_is_told_inclusive_or_exclusive_by_the_nearer_amount() {
    let line = |net: &str| {
        wrap(
            &format!(
                r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>00000000067591</ItemID>
<RegularSalesUnitPrice>{net}</RegularSalesUnitPrice><ExtendedAmount>{net}</ExtendedAmount><Quantity>1</Quantity>
<Tax><Amount>0.01</Amount><TaxableAmount>0.10</TaxableAmount></Tax></Sale></LineItem>"#
            ),
            net,
        )
    };
    let exclusive = one_txn(&line("0.10"));
    assert_eq!(exclusive.lines[0].net_amount, d("0.10"));
    let inclusive = one_txn(&line("0.11"));
    assert_eq!(inclusive.lines[0].net_amount, d("0.10"));
    assert_eq!(inclusive.lines[0].tax, d("0.01"));
}

/// A transaction-level `Tax` whose `TaxableAmount` (2.30) is only the taxable lines' total
/// (NCR ACS marks them with `acs:Itemizers Tax1="true"`): the tax belongs to those lines, not
/// to the groceries beside them. Spreading it over every line by net puts tax on untaxed
/// food. Totals stay right; per-line and per-category tax do not.
#[test]
fn transaction_tax_goes_to_the_lines_its_taxable_amount_covers() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Tax><TaxableAmount>2.30</TaxableAmount><Amount>0.23</Amount><Percent>10</Percent></Tax></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>00000000090162</ItemID><RegularSalesUnitPrice>2.30</RegularSalesUnitPrice><ExtendedAmount>2.30</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>3</SequenceNumber><Sale><ItemID>00000000067591</ItemID><RegularSalesUnitPrice>4.00</RegularSalesUnitPrice><ExtendedAmount>4.00</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
<LineItem><SequenceNumber>4</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>6.53</Amount></Tender></LineItem>"#,
        "6.53",
    );
    let t = one_txn(&xml);
    let taxes: Vec<Decimal> = t.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, vec![d("0.23"), d("0")]);
}

/// Two lines of the same net, one taxed: the taxable amount alone cannot tell them apart, the
/// taxable flags can (NCR ACS `acs:Itemizers Tax1="true"`, ARTS `Sale TaxableFlag`).
#[test]
fn taxable_flags_tell_which_of_two_equal_lines_bears_the_transaction_tax() {
    let sale = |seq: u8, mark: &str| {
        format!(
            r#"<LineItem><SequenceNumber>{seq}</SequenceNumber><Sale{}><ItemID>0000000009016{seq}</ItemID>
<RegularSalesUnitPrice>1.15</RegularSalesUnitPrice><ExtendedAmount>1.15</ExtendedAmount><Quantity>1</Quantity>{}</Sale></LineItem>"#,
            if mark == "arts" {
                r#" TaxableFlag="false""#
            } else {
                ""
            },
            match mark {
                "acs" =>
                    r#"<acs:Itemizers xmlns:acs="urn:x-acs" Tax1="true" Itemizer1="true">113</acs:Itemizers>"#,
                "acs-untaxed" =>
                    r#"<acs:Itemizers xmlns:acs="urn:x-acs" FoodStampable="true">112</acs:Itemizers>"#,
                _ => "",
            }
        )
    };
    let tax = r#"<LineItem><SequenceNumber>1</SequenceNumber><Tax><TaxableAmount>1.15</TaxableAmount><Amount>0.12</Amount></Tax></LineItem>"#;
    let ncr = wrap(
        &format!("{tax}{}{}", sale(2, "acs-untaxed"), sale(3, "acs")),
        "2.42",
    );
    let taxes: Vec<Decimal> = one_txn(&ncr).lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, vec![d("0"), d("0.12")]);
    // ARTS: the flag says which line is not taxed; the other one then makes up 1.15.
    let arts = wrap(&format!("{tax}{}{}", sale(2, ""), sale(3, "arts")), "2.42");
    let taxes: Vec<Decimal> = one_txn(&arts).lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, vec![d("0.12"), d("0")]);
}

/// A Chilean kiosk POSLog (2.2, CLP, IVA 19 % in the price) computes a discounted line's tax
/// on the regular price: `TaxableAmount` + `Amount` = `RegularSaleUnitPrice`, not the
/// `ExtendedAmount` after the promotion (`RetailPriceModifier` with `Action="SB"`). The line
/// is still VAT-inclusive: the customer paid the `ExtendedAmount`, tax included. Read as
/// exclusive, the tax came on top: net + tax exceeded what was paid by the whole tax.
#[test]
fn inclusive_tax_computed_before_the_line_discount() {
    let xml = r#"<POSLog><Transaction CancelFlag="false" TrainingModeFlag="false">
<RetailStoreID>310</RetailStoreID><WorkstationID>21</WorkstationID><SequenceNumber>904</SequenceNumber>
<BusinessDayDate>2021-04-09</BusinessDayDate><BeginDateTime>2021-04-09T11:05:10</BeginDateTime>
<CurrencyCode>CLP</CurrencyCode><RetailTransaction Version="2.2">
<LineItem EntryMethod="Keyed"><SequenceNumber>1</SequenceNumber><Sale>
<ItemID>2204518</ItemID><ItemDesc>Velador Nogal</ItemDesc><Quantity Units="" UnitOfMeasureCode="UN">1</Quantity>
<RegularSaleUnitPrice>50000</RegularSaleUnitPrice><TotalDiscountLine>5000</TotalDiscountLine>
<ExtendedAmount>45000</ExtendedAmount>
<Tax TaxType="VAT" TypeCode="Sale"><Amount>7983</Amount>
<TaxableAmount TaxIncludedInTaxableAmountFlag="true">42017</TaxableAmount><Percent>19</Percent></Tax>
<RetailPriceModifier MethodCode="PM"><SequenceNumber>1</SequenceNumber><Amount Action="SB">5000</Amount></RetailPriceModifier>
</Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="cDIN" TypeCode="Sale"><Amount>45000</Amount></Tender></LineItem>
<Total TotalType="TransactionTaxAmount">7983</Total>
<Total TotalType="TransactionAmountTotal">45000</Total>
</RetailTransaction></Transaction></POSLog>"#;
    let t = one_txn(xml);
    let l = &t.lines[0];
    assert_eq!((l.tax, l.discount), (d("7983"), d("5000")));
    assert_eq!(l.net_amount, d("37017"), "45000 paid, 7983 of it IVA");
    assert_eq!(l.net_amount + l.tax, t.tenders[0].amount);
}

/// A Wincor TP.net line `Tax` as IKEA Portugal writes it (2.2): `TaxableAmount
/// TaxIncludedInTaxableAmountFlag="true"` is the VAT-inclusive price itself and `Amount` the
/// VAT inside it (27.99 at 23 % → 5.2339). Taxable = net used to read as tax on top: net
/// sales kept the VAT, and the tax came again on top (or, with a transaction `Discount`
/// present, the difference was spread over the lines as an invented discount). The rate
/// tells which: amount = taxable × 23 / 123.
#[test]
fn tax_inside_the_taxable_amount_is_told_by_the_rate() {
    let xml = wrap(
        r#"<LineItem EntryMethod="Scanned"><SequenceNumber>5</SequenceNumber><Sale ItemType="Stock">
<ItemID>40330127</ItemID><POSIdentity POSIDType="EAN"><POSItemID>40330127</POSItemID></POSIdentity>
<UnitListPrice>12.30</UnitListPrice><RegularSalesUnitPrice>12.30</RegularSalesUnitPrice>
<ActualSalesUnitPrice>12.30</ActualSalesUnitPrice><ExtendedAmount>12.30</ExtendedAmount>
<Quantity Units="1" UnitOfMeasureCode="EA">1</Quantity>
<Tax TaxType="VAT"><SequenceNumber>1</SequenceNumber><TaxAuthority>PT</TaxAuthority>
<TaxableAmount TaxIncludedInTaxableAmountFlag="true">12.30</TaxableAmount>
<TaxablePercentage>100</TaxablePercentage><Amount>2.3000</Amount><Percent>23</Percent></Tax></Sale></LineItem>
<LineItem><SequenceNumber>6</SequenceNumber><Discount><Amount>0.10</Amount>
<PriceDerivationRule Reference="Customer"><PriceDerivationRuleID/></PriceDerivationRule></Discount></LineItem>
<LineItem><SequenceNumber>7</SequenceNumber><Tender TenderType="CreditDebit" TypeCode="Sale"><Amount>12.30</Amount></Tender></LineItem>"#,
        "12.30",
    );
    let t = one_txn(&xml);
    let l = &t.lines[0];
    assert_eq!(
        (l.net_amount, l.tax, l.discount),
        (d("10.00"), d("2.30"), d("0"))
    );
}

/// TP.net's customer price: `RetailPriceModifier` with `Amount Action="Replace"` 1.50 and
/// `PreviousPrice` 2.00 on a line of 3 whose `ActualSalesUnitPrice` is 1.50 and
/// `ExtendedAmount` 4.50. The amount is the new unit price, not 1.50 off: read as a discount
/// the line said 3 × 1.50 − 1.50 = 4.50 (discount reports +1.50 that nobody gave).
#[test]
fn replace_price_modifier_is_a_price_not_a_discount() {
    let xml = wrap(
        r#"<LineItem EntryMethod="Keyed"><SequenceNumber>9</SequenceNumber><Sale ItemType="Stock">
<ItemID>17228340</ItemID><UnitListPrice>2.00</UnitListPrice><RegularSalesUnitPrice>2.00</RegularSalesUnitPrice>
<ActualSalesUnitPrice>1.50</ActualSalesUnitPrice><ExtendedAmount>4.50</ExtendedAmount>
<Quantity Units="3" UnitOfMeasureCode="EA">3</Quantity>
<RetailPriceModifier MethodCode="WN:CustomerPrice"><SequenceNumber>6</SequenceNumber>
<Amount Action="Replace">1.50</Amount><PreviousPrice>2.00</PreviousPrice><ReasonCode>Customer_Price</ReasonCode>
</RetailPriceModifier></Sale></LineItem>
<LineItem><SequenceNumber>10</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>4.50</Amount></Tender></LineItem>"#,
        "4.50",
    );
    let l = &one_txn(&xml).lines[0];
    assert_eq!((l.net_amount, l.discount), (d("4.50"), d("0")));
    assert_eq!(l.quantity * l.unit_price - l.discount, l.net_amount);
    assert!(l.price_override);
}

/// TP.net writes line taxes to four places (0.4675 for the 0.47 printed): kept so, the
/// lines' taxes did not add up to `TransactionTaxAmount` and the net held fractions of a
/// cent. Rounded to the currency, as the receipt shows it.
#[test]
fn a_line_tax_finer_than_the_currency_is_rounded_to_it() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>7</SequenceNumber><Sale ItemType="Stock"><ItemID>80240505</ItemID>
<RegularSalesUnitPrice>2.50</RegularSalesUnitPrice><ExtendedAmount>2.50</ExtendedAmount><Quantity>1</Quantity>
<Tax TaxType="VAT"><TaxableAmount TaxIncludedInTaxableAmountFlag="false">2.0325</TaxableAmount>
<Amount>0.4675</Amount><Percent>23</Percent></Tax></Sale></LineItem>
<LineItem><SequenceNumber>8</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>2.50</Amount></Tender></LineItem>"#,
        "2.50",
    );
    let l = &one_txn(&xml).lines[0];
    assert_eq!((l.net_amount, l.tax), (d("2.03"), d("0.47")));
}

/// TP.net writes a `RetailTransaction` with no line item at all (only vendor extensions) for
/// a till's sign-on; mapped, it was a completed sale of nothing that counted as a basket.
#[test]
fn a_retail_transaction_without_line_items_is_no_sale() {
    let xml = r#"<POSLog xmlns:V="urn:vendor"><Transaction><RetailStoreID>88</RetailStoreID>
<WorkstationID>3</WorkstationID><SequenceNumber>41</SequenceNumber><BusinessDayDate>2024-02-10</BusinessDayDate>
<BeginDateTime>2024-02-10T08:01:00</BeginDateTime><CurrencyCode>EUR</CurrencyCode>
<RetailTransaction Version="2.2"><V:TransactionSpecifics><V:Flag>false</V:Flag></V:TransactionSpecifics></RetailTransaction>
</Transaction></POSLog>"#;
    let p = parse(&Context::for_tenant("t"), xml).unwrap();
    assert!(p.records.is_empty(), "{:?}", p.records);
    assert_eq!(p.skipped, 1);
}

/// Wincor TP.net (its POSLog XSLT, `TransactionLink ReasonCode="Return"`) links a returned
/// item to its sale by `RetailStoreID`, `WorkstationID`, `SequenceNumber`,
/// `LineItemSequenceNumber` and the sale's `BeginDateTime`, with no `BusinessDayDate` and
/// no `TransactionID`. The link came out as an empty `original_txn_id`: the return claimed an
/// original that is no transaction. It must name the sale as the sale itself was keyed.
#[test]
fn a_return_linked_by_begin_time_names_its_sale() {
    let sale = r#"<POSLog><Transaction><RetailStoreID>502</RetailStoreID><WorkstationID>2</WorkstationID>
<SequenceNumber>2729</SequenceNumber><BusinessDayDate>2018-07-14</BusinessDayDate>
<BeginDateTime>2018-07-14T14:25:04</BeginDateTime><CurrencyCode>AED</CurrencyCode>
<RetailTransaction Version="2.2"><LineItem><SequenceNumber>3</SequenceNumber><Sale ItemType="Stock">
<ItemID>32</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount>
<Quantity>1</Quantity></Sale></LineItem></RetailTransaction></Transaction></POSLog>"#;
    let ret = r#"<POSLog><Transaction><RetailStoreID>502</RetailStoreID><WorkstationID>4</WorkstationID>
<SequenceNumber>118</SequenceNumber><BusinessDayDate>2018-07-20</BusinessDayDate>
<BeginDateTime>2018-07-20T10:02:00</BeginDateTime><CurrencyCode>AED</CurrencyCode>
<RetailTransaction Version="2.2"><LineItem><SequenceNumber>1</SequenceNumber><Return ItemType="Stock">
<ItemID>32</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount>
<Quantity>1</Quantity>
<TransactionLink ReasonCode="Return"><RetailStoreID>502</RetailStoreID><WorkstationID>2</WorkstationID>
<SequenceNumber>2729</SequenceNumber><LineItemSequenceNumber>3</LineItemSequenceNumber>
<BeginDateTime>2018-07-14T14:25:04</BeginDateTime></TransactionLink></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>10.00</Amount></Tender></LineItem>
</RetailTransaction></Transaction></POSLog>"#;
    let sold = one_txn(sale);
    let back = one_txn(ret);
    let l = &back.lines[0];
    assert_eq!(
        l.original_txn_id.as_deref(),
        Some(sold.key.source_txn_id.as_str())
    );
    assert_eq!(l.original_line_no, Some(3));
}

/// A `TransactionLink` that names no transaction (no sequence number, no id) gives no
/// original, rather than an empty one.
#[test]
fn a_link_naming_nothing_gives_no_original() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Return><ItemID>32</ItemID>
<RegularSalesUnitPrice>4.00</RegularSalesUnitPrice><ExtendedAmount>4.00</ExtendedAmount><Quantity>1</Quantity>
<TransactionLink ReasonCode="Return"><RetailStoreID>7</RetailStoreID></TransactionLink></Return></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Refund"><Amount>4.00</Amount></Tender></LineItem>"#,
        "-4.00",
    );
    assert_eq!(one_txn(&xml).lines[0].original_txn_id, None);
}

/// The rate tells a tax inside `TaxableAmount` from one on top only when the two readings
/// differ by more than a minor unit: 0.30 at 7 % is 0.0196 inside or 0.021 on top, both 0.02
/// when rounded. Such a line keeps the plain reading (taxable = net → tax on top) rather
/// than losing 0.02 of net sales to a guess.
#[test]
fn a_rate_too_small_to_tell_keeps_taxable_equal_to_net_exclusive() {
    let xml = wrap(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>5011</ItemID>
<RegularSalesUnitPrice>0.30</RegularSalesUnitPrice><ExtendedAmount>0.30</ExtendedAmount><Quantity>1</Quantity>
<Tax TaxType="Sales"><TaxableAmount>0.30</TaxableAmount><Amount>0.02</Amount><Percent>7</Percent></Tax></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash" TypeCode="Sale"><Amount>0.32</Amount></Tender></LineItem>"#,
        "0.32",
    );
    let l = &one_txn(&xml).lines[0];
    assert_eq!((l.net_amount, l.tax), (d("0.30"), d("0.02")));
}
