//! Tests of POSLog shapes from further vendors: sales whose goods leave later
//! (`SaleForPickup`, `SaleForDelivery`) and price modifiers given only as a percentage.

use super::tests::{d, sums};
use super::*;
use crate::envelope::Record;

/// A fixture of ingest/tests/data/real/poslog (see PROVENANCE.md there).
fn real(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/poslog/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn the_txn(xml: &str) -> Transaction {
    let p = parse(&Context::for_tenant("t"), xml).unwrap();
    match p.records.as_slice() {
        [Ok(Record::Txn(t))] => t.as_ref().clone(),
        other => panic!("expected one transaction: {other:?}"),
    }
}

#[test]
fn xstore_sale_for_pickup_is_a_sale_line_and_a_percent_modifier_a_discount() {
    let t = the_txn(&real("xstore_sale_for_pickup_percent_modifier.xml"));
    let got: Vec<(i32, LineKind, &str, Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| {
            let id = l.raw_item_id.as_str();
            (l.line_no, l.kind, id, l.discount, l.net_amount, l.tax)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                LineKind::Sale,
                "100231",
                d("20.00"),
                d("60.00"),
                d("4.80")
            ),
            (2, LineKind::Sale, "200877", d("0"), d("150.00"), d("12.00")),
        ]
    );
    assert_eq!(t.lines[1].entry_method, EntryMethod::Keyed);
    assert_eq!(sums(&t), (d("210.00"), d("16.80"), d("226.80")));
    assert_eq!(t.tenders[0].method, TenderMethod::Card);
}

#[test]
fn decathlon_sale_for_delivery_grouping_linked_items_adds_no_line() {
    let t = the_txn(&real("decathlon_web_sale_for_delivery_grouping.xml"));
    assert_eq!(
        t.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(),
        vec![1, 2],
        "the shipment group repeats the sale lines it links to"
    );
    assert_eq!(sums(&t), (d("264.00"), d("0.00"), d("264.00")));
    assert_eq!(t.status, TxnStatus::Completed);
}

/// One transaction holding `item` as line item 1.
fn with_item(item: &str) -> String {
    format!(
        r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
        <EndDateTime>2025-04-01T12:00:00Z</EndDateTime><CurrencyCode>EUR</CurrencyCode>
        <RetailTransaction><LineItem><SequenceNumber>1</SequenceNumber>{item}</LineItem>
        </RetailTransaction></Transaction></POSLog>"#
    )
}

#[test]
fn a_sale_for_delivery_grouping_unlinked_money_is_refused_by_name() {
    let xml = with_item(
        "<SaleForDelivery><ItemID>grp</ItemID><Item><ItemID>7</ItemID>
        <ExtendedAmount>9.99</ExtendedAmount></Item></SaleForDelivery>",
    );
    let p = parse(&Context::for_tenant("t"), &xml).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("<SaleForDelivery>"), "{reason}");
    assert!(reason.contains("<ItemLink>"), "{reason}");
    assert!(reason.contains("LineItem 1"), "{reason}");
}

#[test]
fn percent_modifiers_stack_and_work_with_an_extended_amount_after_the_discount() {
    // 3 × 10.00 = 30.00; 10 % off → 3.00, then 5 % of 27.00 → 1.35: 4.35 off.
    let before = with_item(
        "<Sale><ItemID>1</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>
        <ExtendedAmount>30.00</ExtendedAmount><Quantity>3</Quantity>
        <RetailPriceModifier><Percent>10</Percent></RetailPriceModifier>
        <RetailPriceModifier><Amount/><Percent>5</Percent></RetailPriceModifier></Sale>",
    );
    let l = the_txn(&before).lines[0].clone();
    assert_eq!((l.discount, l.net_amount), (d("4.35"), d("25.65")));
    // GK/SAP write ExtendedAmount after the discount: the net stays 25.65.
    let after = before.replace("<ExtendedAmount>30.00", "<ExtendedAmount>25.65");
    let l = the_txn(&after).lines[0].clone();
    assert_eq!((l.discount, l.net_amount), (d("4.35"), d("25.65")));
    // An Amount wins over the Percent beside it.
    let both = with_item(
        "<Sale><ItemID>1</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>
        <RetailPriceModifier><Amount Action=\"Subtract\">1.50</Amount><Percent>10</Percent>
        </RetailPriceModifier></Sale>",
    );
    assert_eq!(the_txn(&both).lines[0].net_amount, d("8.50"));
}

#[test]
fn a_modifier_percent_above_100_is_refused_by_name() {
    let xml = with_item(
        "<Sale><ItemID>1</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>
        <RetailPriceModifier><Percent>150</Percent></RetailPriceModifier></Sale>",
    );
    let p = parse(&Context::for_tenant("t"), &xml).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(
        reason.contains("<RetailPriceModifier><Percent>"),
        "{reason}"
    );
}

#[test]
fn wincor_void_by_create_ref_takes_back_the_earlier_line_and_pos_identity_ean_is_the_key() {
    let t = the_txn(&real(
        "wincor_tpnet_void_by_create_ref_pos_identity_ean.xml",
    ));
    let got: Vec<(i32, LineKind, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.quantity, l.net_amount))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, LineKind::Sale, d("1"), d("21")),
            (2, LineKind::Sale, d("2"), d("19.00")),
            (VOID_LINE_OFFSET + 1, LineKind::Void, d("-1"), d("-21")),
        ],
        "the voiding line item cancels line 1; it is no sale of its own"
    );
    assert_eq!(sums(&t), (d("19.00"), d("0"), d("19.00")));
    assert_eq!(t.lines[0].raw_item_id, "4711");
    assert_eq!(t.lines[0].gtin.as_deref(), Some("04006381333931"));
    assert_eq!(t.lines[1].gtin.as_deref(), Some("05000112637922"));
}

#[test]
fn a_void_flag_without_a_matching_create_ref_still_voids_in_place() {
    // CreateRefNumber 9 names no line: the flagged line is voided where it stands.
    let xml = with_item(
        "<CreateRefNumber>9</CreateRefNumber><Sale><ItemID>1</ItemID>
        <RegularSalesUnitPrice>4.00</RegularSalesUnitPrice></Sale>",
    )
    .replace("<LineItem>", "<LineItem VoidFlag=\"true\">");
    let t = the_txn(&xml);
    let got: Vec<(i32, LineKind, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.net_amount))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, LineKind::Sale, d("4.00")),
            (VOID_LINE_OFFSET + 1, LineKind::Void, d("-4.00")),
        ]
    );
}

#[test]
fn a_modifier_amount_is_read_whatever_the_percent_beside_it_says() {
    let xml = with_item(
        "<Sale><ItemID>1</ItemID><RegularSalesUnitPrice>10.00</RegularSalesUnitPrice>
        <RetailPriceModifier><Amount>2.00</Amount><Percent>n/a</Percent></RetailPriceModifier></Sale>",
    );
    assert_eq!(the_txn(&xml).lines[0].net_amount, d("8.00"));
}

#[test]
fn unit_price_spellings_let_the_extended_amount_after_discount_be_told() {
    // RegularSaleUnitPrice / ActualUnitPrice: 2 × 10.00 less 2.00 is the ExtendedAmount 18.00.
    let t = the_txn(&real("ticket_xslt_sale_unit_price_spellings.xml"));
    let got: Vec<(Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.unit_price, l.discount, l.net_amount))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("10.00"), d("2.00"), d("18.00")),
            (d("5.50"), d("0"), d("5.50"))
        ]
    );
    assert_eq!(sums(&t), (d("23.50"), d("0"), d("23.50")));
    // UnitRetailPrice (an ARTS 6.5 KLog) is a price when nothing else gives one.
    let klog = with_item("<Sale><ItemID>9</ItemID><UnitRetailPrice>5.25</UnitRetailPrice></Sale>");
    assert_eq!(the_txn(&klog).lines[0].net_amount, d("5.25"));
}

#[test]
fn a_foreign_cash_tender_counts_its_local_amount_and_local_change() {
    // 50.00 USD at 0.9174 = 45.87 EUR handed over, 5.97 EUR back: 39.90 paid.
    let t = the_txn(&real("foreign_currency_tender_local_amount.xml"));
    assert_eq!(t.currency, "EUR");
    let got: Vec<(TenderMethod, Decimal)> =
        t.tenders.iter().map(|x| (x.method, x.amount)).collect();
    assert_eq!(
        got,
        vec![
            (TenderMethod::Cash, d("45.87")),
            (TenderMethod::Cash, d("-5.97"))
        ]
    );
    assert_eq!(sums(&t), (d("32.70"), d("7.20"), d("39.90")));
}

#[test]
fn a_tender_amount_written_in_the_foreign_currency_is_refused_by_name() {
    let xml = real("foreign_currency_tender_local_amount.xml").replace(
        r#"<Amount Currency="EUR">45.87</Amount>"#,
        r#"<Amount Currency="USD">50.00</Amount>"#,
    );
    let p = parse(&Context::for_tenant("t"), &xml).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(
        reason.contains(r#"<Tender><Amount Currency="USD">"#) && reason.contains("EUR"),
        "{reason}"
    );
    // Nothing else names the currency: the tender's USD must not become the transaction's.
    let bare = xml
        .replace(r#" Currency="EUR""#, "")
        .replace(r#" CurrencyCode="EUR""#, "");
    let mut ctx = Context::for_tenant("t");
    ctx.default_currency = "EUR".into();
    let p = parse(&ctx, &bare).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("USD") && reason.contains("EUR"), "{reason}");
}

#[test]
fn orders_and_layaways_sell_when_completed_and_deposits_stay_tenders() {
    let p = parse(
        &Context::for_tenant("t"),
        &real("orders_layaways_deposit_pickup.xml"),
    )
    .unwrap();
    let txns: Vec<&Transaction> = p
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => t.as_ref(),
            other => panic!("expected transactions: {other:?}"),
        })
        .collect();
    let lines = |t: &Transaction| -> Vec<(String, LineKind, Decimal, Decimal)> {
        t.lines
            .iter()
            .map(|l| (l.raw_item_id.clone(), l.kind, l.net_amount, l.tax))
            .collect()
    };
    let paid = |t: &Transaction| t.tenders.iter().map(|x| x.amount).sum::<Decimal>();
    // Order placed: nothing sold yet, the 40.00 deposit is money taken.
    assert_eq!(lines(txns[0]), vec![]);
    assert_eq!(paid(txns[0]), d("40.00"));
    // TP.net's SaleForPickUp sells now; its CustomerOrderForPickUp line does not.
    assert_eq!(
        lines(txns[1]),
        vec![("331907".into(), LineKind::Sale, d("79.90"), d("0"))]
    );
    assert_eq!(txns[1].lines[0].gtin.as_deref(), Some("04012345000016"));
    // Layaway payment: money only; completion: the kettle is sold, at its full price.
    assert_eq!((lines(txns[2]), paid(txns[2])), (vec![], d("3000")));
    assert_eq!(
        lines(txns[3]),
        vec![(
            "4901234567894".into(),
            LineKind::Sale,
            d("10000"),
            d("1000")
        )]
    );
    assert_eq!(
        paid(txns[3]),
        d("8000"),
        "the balance; the deposits were counted when paid"
    );
}
