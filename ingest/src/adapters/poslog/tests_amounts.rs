//! Line and transaction amounts from the POSLog review of s24:
//! a price override beside a line discount, VAT-inclusive prices taxed only in the totals with
//! a transaction discount, an absurd `Quantity Units`, voided change, tax and return lines.

use super::tests::d;
use super::*;
use crate::envelope::Record;

fn parsed(xml: &str) -> Parsed {
    let mut c = Context::for_tenant("t");
    c.default_currency = "EUR".into();
    parse(&c, xml).unwrap()
}

fn txn(p: &Parsed) -> &Transaction {
    match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    }
}

/// One transaction of `items` (line items, numbered by the caller) and `totals`.
fn doc(items: &str, totals: &str) -> String {
    format!(
        r#"<POSLog><Transaction><RetailStoreID>100</RetailStoreID><WorkstationID>1</WorkstationID>
 <SequenceNumber>9</SequenceNumber><BusinessDayDate>2024-10-15</BusinessDayDate>
 <BeginDateTime>2024-10-15T10:00:00Z</BeginDateTime><CurrencyCode>EUR</CurrencyCode>
 <RetailTransaction>{items}{totals}</RetailTransaction></Transaction></POSLog>"#
    )
}

fn sale(seq: u32, body: &str) -> String {
    format!("<LineItem><SequenceNumber>{seq}</SequenceNumber><Sale><ItemID>1</ItemID>{body}</Sale></LineItem>")
}

/// NCR Emerald / roqqio: `ExtendedAmount` = actual × quantity, before the line discount. With a
/// price override (8.00 for 10.00) and a discount of 1.00 the line nets 7.00 (it netted 8.00:
/// the extended amount was read as after the discount, against the regular price).
#[test]
fn a_price_override_with_a_line_discount_takes_the_discount_off() {
    let line = sale(
        1,
        "<RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><ActualSalesUnitPrice>8.00</ActualSalesUnitPrice>
         <ExtendedAmount>8.00</ExtendedAmount><ExtendedDiscountAmount>1.00</ExtendedDiscountAmount>
         <Quantity>1</Quantity>",
    );
    let p = parsed(&doc(
        &line,
        r#"<Total TotalType="TransactionGrandAmount">7.00</Total>"#,
    ));
    let l = &txn(&p).lines[0];
    assert_eq!(
        (l.unit_price, l.discount, l.net_amount),
        (d("8.00"), d("1.00"), d("7.00"))
    );
    // A zero-value loyalty reward (NCR writes one nearly always) adds no second discount.
    let reward = "<LineItem><SequenceNumber>2</SequenceNumber><LoyaltyReward><Amount>0</Amount></LoyaltyReward></LineItem>";
    let p = parsed(&doc(
        &format!("{line}{reward}"),
        r#"<Total TotalType="TransactionGrandAmount">7.00</Total>"#,
    ));
    let l = &txn(&p).lines[0];
    assert_eq!((l.discount, l.net_amount), (d("1.00"), d("7.00")));
}

/// The same override whose extended amount is after the discount (SAP, GK: 7.00) still nets 7.00.
#[test]
fn a_price_override_after_its_discount_is_read_so() {
    let line = sale(
        1,
        "<RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><ActualSalesUnitPrice>8.00</ActualSalesUnitPrice>
         <ExtendedAmount>7.00</ExtendedAmount><ExtendedDiscountAmount>1.00</ExtendedDiscountAmount>
         <Quantity>1</Quantity>",
    );
    let p = parsed(&doc(&line, ""));
    let l = &txn(&p).lines[0];
    assert_eq!((l.discount, l.net_amount), (d("1.00"), d("7.00")));
}

/// roqqio: VAT-inclusive prices, the tax only in the totals, a transaction discount of 10.00.
/// The discount is 10.00, not 24.37 (the VAT was booked as discount: the tax was read as on
/// top because the grand total is not the goods).
#[test]
fn inclusive_tax_in_the_totals_with_a_transaction_discount_keeps_the_discount() {
    let items = format!(
        "{}{}{}",
        sale(
            1,
            "<RegularSalesUnitPrice>100.00</RegularSalesUnitPrice><ActualSalesUnitPrice>100.00</ActualSalesUnitPrice>
             <ExtendedAmount>100.00</ExtendedAmount><ExtendedDiscountAmount>0</ExtendedDiscountAmount><Quantity>1</Quantity>"
        ),
        "<LineItem><SequenceNumber>2</SequenceNumber><Discount><Amount>10.00</Amount></Discount></LineItem>",
        r#"<LineItem><SequenceNumber>3</SequenceNumber><Tender TenderType="Cash"><Amount>90.00</Amount></Tender></LineItem>"#,
    );
    let totals = r#"<Total TotalType="TransactionGrandAmount">90.00</Total>
  <Total TotalType="TransactionNetAmount">75.63</Total>
  <Total TotalType="TransactionTaxAmount">14.37</Total>"#;
    let p = parsed(&doc(&items, totals));
    let l = &txn(&p).lines[0];
    assert_eq!(
        (l.discount, l.net_amount, l.tax),
        (d("10.00"), d("75.63"), d("14.37"))
    );
    // Tax on top (US): grand 97.20 = 90.00 + 7.20, the discount stays 10.00.
    let totals = r#"<Total TotalType="TransactionGrandAmount">97.20</Total>
  <Total TotalType="TransactionTaxAmount">7.20</Total>"#;
    let p = parsed(&doc(&items, totals));
    let l = &txn(&p).lines[0];
    assert_eq!(
        (l.discount, l.net_amount, l.tax),
        (d("10.00"), d("90.00"), d("7.20"))
    );
}

/// `Quantity Units` × quantity × price past `Decimal`'s range panicked, and the whole document
/// was lost; now that transaction alone is refused, naming the attribute.
#[test]
fn an_absurd_quantity_units_rejects_only_its_transaction() {
    let bad = doc(
        &sale(
            1,
            r#"<RegularSalesUnitPrice>100000000</RegularSalesUnitPrice><ExtendedAmount>1</ExtendedAmount>
             <Quantity Units="100000000000">100000000000</Quantity>"#,
        ),
        "",
    );
    let good = doc(
        &sale(1, "<RegularSalesUnitPrice>2.00</RegularSalesUnitPrice>"),
        "",
    )
    .replace("<SequenceNumber>9<", "<SequenceNumber>10<");
    let body = format!(
        "<POSLog>{}{}</POSLog>",
        bad.trim_start_matches("<POSLog>")
            .trim_end_matches("</POSLog>"),
        good.trim_start_matches("<POSLog>")
            .trim_end_matches("</POSLog>"),
    );
    let p = parsed(&body);
    assert_eq!(p.records.len(), 2);
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("<Quantity Units>"), "{reason}");
    assert!(matches!(p.records[1], Ok(Record::Txn(_))));
}

/// A voided change line item gave nothing back (the change counted: 5.00 taken in, not 10.00).
#[test]
fn a_voided_change_line_item_does_not_count() {
    let items = format!(
        "{}{}{}",
        sale(1, "<RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>"),
        r#"<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>20.00</Amount></Tender></LineItem>"#,
        r#"<LineItem VoidFlag="true"><SequenceNumber>3</SequenceNumber><TenderChange TenderType="Cash"><Amount>5.00</Amount></TenderChange></LineItem>
           <LineItem><SequenceNumber>4</SequenceNumber><TenderChange TenderType="Cash"><Amount>10.00</Amount></TenderChange></LineItem>"#,
    );
    let p = parsed(&doc(&items, ""));
    let tendered: Decimal = txn(&p).tenders.iter().map(|x| x.amount).sum();
    assert_eq!(tendered, d("10.00"));
}

/// A voided transaction-level tax line item adds no tax (it was spread over the lines).
#[test]
fn a_voided_tax_line_item_adds_no_tax() {
    let items = format!(
        "{}{}",
        sale(1, "<RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>"),
        r#"<LineItem VoidFlag="true"><SequenceNumber>2</SequenceNumber><Tax><Amount>0.80</Amount></Tax></LineItem>"#,
    );
    let p = parsed(&doc(&items, ""));
    let l = &txn(&p).lines[0];
    assert_eq!((l.tax, l.net_amount), (d("0"), d("10.00")));
}

/// A voided return is no return: no line is left (it was a return of −1 and a void of −1,
/// −2 units of the SKU where the truth is none, and a negative void).
#[test]
fn a_voided_return_leaves_no_units_nor_return() {
    let items = format!(
        "{}{}",
        sale(1, "<RegularSalesUnitPrice>3.00</RegularSalesUnitPrice>"),
        r#"<LineItem VoidFlag="true"><SequenceNumber>2</SequenceNumber><Return><ItemID>1</ItemID>
           <RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><Quantity>1</Quantity></Return></LineItem>"#,
    );
    let p = parsed(&doc(&items, ""));
    let t = txn(&p);
    let got: Vec<(i32, LineKind, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.quantity))
        .collect();
    assert_eq!(got, vec![(1, LineKind::Sale, d("1"))]);
}

/// TP.net voids a line by a line item of its own naming it (`CreateRefNumber`): voiding one of
/// two returned units leaves a return of one, with no void line.
#[test]
fn a_void_by_create_ref_of_part_of_a_return_reduces_it() {
    let ret = |seq: u32, refs: &str, qty: &str, ext: &str| {
        format!(
            "<LineItem{}><SequenceNumber>{seq}</SequenceNumber>{refs}<Return><ItemID>1</ItemID>
             <RegularSalesUnitPrice>5.00</RegularSalesUnitPrice><ExtendedAmount>{ext}</ExtendedAmount>
             <Quantity>{qty}</Quantity></Return></LineItem>",
            if seq == 1 { "" } else { r#" VoidFlag="true""# }
        )
    };
    let items = format!(
        "{}{}",
        ret(1, "<CreateNumber>1</CreateNumber>", "2", "10.00"),
        ret(2, "<CreateRefNumber>1</CreateRefNumber>", "1", "5.00"),
    );
    let p = parsed(&doc(&items, ""));
    let got: Vec<(i32, LineKind, Decimal, Decimal)> = txn(&p)
        .lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.quantity, l.net_amount))
        .collect();
    assert_eq!(got, vec![(1, LineKind::Return, d("-1"), d("-5.00"))]);
}
