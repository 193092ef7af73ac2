//! Tests of the POSLog adapter on vendor samples and hand-written edge cases.

use super::*;
use crate::adapters::testkit::sample;
use crate::envelope::Record;

pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Tenant `t` with a store zone and currency for documents that name neither.
pub(super) fn zoned(tz: chrono_tz::Tz, currency: &str) -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = tz;
    c.default_currency = currency.into();
    c
}

fn berlin() -> Context {
    zoned(chrono_tz::Europe::Berlin, "EUR")
}

/// The one transaction of a parse; a reject or a second transaction fails the test.
pub(super) fn only_txn(p: &Parsed) -> &Transaction {
    let txns: Vec<&Transaction> = p
        .records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Txn(t)) => Some(t.as_ref()),
            Err(e) => panic!("rejected: {e:?}"),
            _ => None,
        })
        .collect();
    assert_eq!(txns.len(), 1);
    txns[0]
}

/// (discount, net, tax) of each line.
pub(super) fn discount_net_tax(t: &Transaction) -> Vec<(Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .map(|l| (l.discount, l.net_amount, l.tax))
        .collect()
}

pub(super) fn sums(t: &Transaction) -> (Decimal, Decimal, Decimal) {
    let net = t.lines.iter().map(|l| l.net_amount).sum();
    let tax = t.lines.iter().map(|l| l.tax).sum();
    let tender = t.tenders.iter().map(|x| x.amount).sum();
    (net, tax, tender)
}

#[test]
fn roqqio_tender_change_vat_inclusive() {
    let p = parse(
        &berlin(),
        &sample("poslog_v6_roqqio_sale_with_tenderChange.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.key.source_txn_id, "100-10001-2024-07-31-3");
    assert_eq!(t.currency, "EUR");
    assert_eq!(
        sums(t),
        (d("22.68"), d("4.31"), d("26.99")),
        "net + tax = grand 26.99, tender 27.00 − change 0.01"
    );
    assert_eq!(t.tenders[1].amount, d("-0.01"));
    assert_eq!(
        t.occurred_at.to_rfc3339(),
        "2024-07-31T10:21:14.639+00:00",
        "BeginDateTime with Z wins over local POSLogDateTime"
    );
    assert_eq!(
        t.source_version,
        chrono::DateTime::parse_from_rfc3339("2024-07-31T10:21:47.539Z")
            .unwrap()
            .timestamp_millis(),
        "local 12:21:47.539 in Berlin (CEST)"
    );
    assert_eq!(t.lines[0].sku, "08718824914435");
}

#[test]
fn roqqio_return_linked_to_its_sale() {
    let p = parse(&berlin(), &sample("poslog_v6_roqqio_retoure_with_link.xml")).unwrap();
    let t = only_txn(&p);
    let l = &t.lines[0];
    assert_eq!((l.kind, l.quantity), (LineKind::Return, d("-1")));
    assert_eq!(
        l.original_txn_id.as_deref(),
        Some("100-10001-2024-10-15-3569")
    );
    assert_eq!(l.original_line_no, Some(4));
    assert_eq!(sums(t), (d("-1.08"), d("-0.21"), d("-1.29")));
    assert_eq!(t.customer_id.as_deref(), Some("22000129"));
}

#[test]
fn roqqio_dropped_void_leaves_a_gap_and_is_not_counted() {
    let p = parse(
        &berlin(),
        &sample("poslog_v6_roqqio_sale_with_posStorno.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(
        t.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(),
        vec![11, 12]
    );
    let (net, tax, tender) = sums(t);
    assert_eq!(net + tax, d("2.78"));
    assert_eq!(tax, d("0.44"));
    assert_eq!(tender, d("2.78"));
}

#[test]
fn jugi_v6_gtin_serials_vat_and_offsets() {
    let p = parse(
        &Context::for_tenant("t"),
        &sample("poslog_v6_jugi92_PosLog.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.key.source_txn_id, "7-240-240-20170621133911-101-1966");
    assert_eq!(t.key.store_id, "7-240-240");
    assert_eq!(t.currency, "GBP");
    assert_eq!(t.lines.len(), 3);
    assert_eq!(t.lines[0].raw_item_id, "1607701");
    assert_eq!(
        t.lines[0].gtin.as_deref(),
        Some("03583788755593"),
        "SerialNumber Type=GTIN is the product key"
    );
    assert_eq!(sums(t), (d("108.73"), d("21.74"), d("130.47")));
    assert_eq!(t.business_date.to_string(), "2017-06-21");
    assert_eq!(t.tenders[0].method, TenderMethod::Card);
}

#[test]
fn ncr_weighed_keyed_item_reward_and_business_day_before_midnight() {
    let mut ctx = Context::for_tenant("t");
    ctx.default_tz = chrono_tz::America::New_York;
    let p = parse(&ctx, &sample("poslog_ncr-acs_kjbreil_SMALL.xml")).unwrap();
    assert_eq!(
        p.skipped, 1,
        "the sign-on control transaction maps to nothing"
    );
    let t = only_txn(&p);
    let l = &t.lines[0];
    assert_eq!(
        (l.quantity, l.unit_price, l.entry_method),
        (d("0.42"), d("2.99"), EntryMethod::Keyed)
    );
    assert_eq!(
        (l.discount, l.net_amount),
        (d("0.19"), d("1.07")),
        "the 0.19 reward counted once"
    );
    assert_eq!(sums(t), (d("1.07"), d("0"), d("1.07")));
    assert_eq!(t.business_date.to_string(), "2017-09-30");
    assert_eq!(
        t.occurred_at.to_rfc3339(),
        "2017-10-01T06:02:54+00:00",
        "02:02:54 EDT"
    );
    assert_eq!(t.tenders[0].card_entry, Some(CardEntry::Swipe));
    assert_eq!(t.customer_id.as_deref(), Some("0000000000000040000066677"));
}

#[test]
fn void_flag_adds_a_reversal_line() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>1</RetailStoreID><WorkstationID>2</WorkstationID>
            <SequenceNumber>7</SequenceNumber><BusinessDayDate>2026-01-05</BusinessDayDate>
            <EndDateTime>2026-01-05T10:00:00Z</EndDateTime><CurrencyCode>USD</CurrencyCode><RetailTransaction>
            <LineItem VoidFlag="true"><SequenceNumber>1</SequenceNumber><Sale><ItemID>4011</ItemID>
            <RegularSalesUnitPrice>2.00</RegularSalesUnitPrice><Quantity>1</Quantity></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>4011</ItemID>
            <RegularSalesUnitPrice>2.00</RegularSalesUnitPrice><Quantity>1</Quantity></Sale></LineItem>
            </RetailTransaction></Transaction></POSLog>"#;
    let p = parse(&Context::for_tenant("t"), xml).unwrap();
    let t = only_txn(&p);
    let kinds: Vec<(i32, LineKind)> = t.lines.iter().map(|l| (l.line_no, l.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (1, LineKind::Sale),
            (100_001, LineKind::Void),
            (2, LineKind::Sale)
        ]
    );
    assert_eq!(sums(t).0, d("2.00"));
}

/// A fixture of ingest/tests/data/real/poslog (see PROVENANCE.md there).
pub(super) fn real(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/poslog/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn txns(p: &Parsed) -> Vec<&Transaction> {
    p.records
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Txn(t)) => Some(t.as_ref()),
            Err(e) => panic!("rejected: {e:?}"),
            _ => None,
        })
        .collect()
}

#[test]
fn emerald_wrapper_offset_attribute_vat_inclusive_and_rounding_tender() {
    let p = parse(
        &Context::for_tenant("t"),
        &real("ncr_emerald_r10_wrapped_offsets_vat_inclusive.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.key.source_txn_id, "8UJUEBVZ2O");
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str()),
        ("1101", "THB")
    );
    assert_eq!(
        t.occurred_at.to_rfc3339(),
        "2023-12-19T04:42:40.973+00:00",
        "11:42:40.973 at the r10Ex:Offset +07:00, not in the store zone (UTC here)"
    );
    let l = &t.lines[0];
    assert_eq!(
        (l.unit_price, l.discount, l.net_amount, l.tax),
        (d("159.00"), d("27.05"), d("131.95"), d("0.00")),
        "ExtendedAmount before the discount"
    );
    assert_eq!(l.gtin.as_deref(), Some("08850187000018"));
    assert_eq!(l.description.as_deref(), Some("Jasmine rice 5kg"));
    assert_eq!(
        (t.lines[1].net_amount, t.lines[1].tax),
        (d("48.60"), d("3.40")),
        "VAT-inclusive: TaxableAmount + Amount = the line's price"
    );
    assert_eq!(sums(t), (d("311.62"), d("12.58"), d("324.20")));
    let amounts: Vec<(i32, TenderMethod, Decimal)> = t
        .tenders
        .iter()
        .map(|x| (x.tender_no, x.method, x.amount))
        .collect();
    assert_eq!(
        amounts,
        vec![
            (4, TenderMethod::Cash, d("500.00")),
            (5, TenderMethod::Cash, d("-175.75")),
            (6, TenderMethod::Other, d("-0.05")),
        ],
        "change inside a zero tender, rounding up is given back"
    );
}

#[test]
fn ns2_prefixes_extended_after_discount_units_and_cash_back() {
    let p = parse(
        &Context::for_tenant("t"),
        &real("gk_sap_ns2_prefixed_extended_after_discount.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.key.source_txn_id, "0815-3-2025-03-01-4711");
    assert_eq!(t.business_date.to_string(), "2025-03-01");
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-01T17:59:02.500+00:00");
    let m = &t.lines[0];
    assert_eq!(m.raw_item_id, "COFFEE_MACHINE");
    assert_eq!(
        m.gtin.as_deref(),
        Some("04006381333931"),
        "typed GTIN is the key"
    );
    assert_eq!((m.net_amount, m.tax), (d("84.03"), d("15.97")));
    let free = &t.lines[1];
    assert_eq!(
        (free.quantity, free.discount, free.net_amount),
        (d("3"), d("30.00"), d("0.00")),
        "ExtendedAmount 0 is after the 30.00 discount: free, not -30"
    );
    let banana = &t.lines[2];
    assert_eq!(
        (banana.quantity, banana.net_amount),
        (d("0.532"), d("1.06")),
        "1 package of Units=0.532 kg"
    );
    assert_eq!(sums(t), (d("85.09"), d("15.97"), d("101.06")));
    assert_eq!(t.tenders[1].amount, d("-30.00"), "cash back paid out");
    assert_eq!(t.tenders[0].card_entry, Some(CardEntry::Other));
}

#[test]
fn mixed_document_training_cancel_suspend_resume_and_return() {
    let p = parse(
        &Context::for_tenant("t"),
        &real("xstore_mixed_training_cancel_suspend.xml"),
    )
    .unwrap();
    assert_eq!(p.skipped, 1, "the training sale is not stored");
    let drawers = p
        .records
        .iter()
        .filter(|r| matches!(r, Ok(Record::Drawer(_))))
        .count();
    assert_eq!(drawers, 1);
    let t = txns(&p);
    let ids: Vec<(&str, TxnStatus)> = t
        .iter()
        .map(|x| (x.key.source_txn_id.as_str(), x.status))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("101-1-2025-06-02-901", TxnStatus::Completed),
            ("101-1-2025-06-02-902", TxnStatus::Cancelled),
            ("101-1-2025-06-02-903", TxnStatus::Cancelled),
            ("101-2-2025-06-02-55", TxnStatus::Completed),
            ("101-2-2025-06-02-56", TxnStatus::Completed),
        ]
    );
    let sale = t[0];
    assert_eq!(sale.lines[0].raw_item_id, "54437934");
    assert_eq!(sale.lines[0].gtin.as_deref(), Some("00036000291452"));
    assert!(sale.lines[0].price_override);
    assert_eq!(sale.lines[0].description, None, "whitespace-only is absent");
    assert_eq!(
        sale.lines.iter().map(|l| l.kind).collect::<Vec<_>>(),
        vec![LineKind::Sale, LineKind::Sale, LineKind::Void],
        "<VoidFlag>true</VoidFlag> as an element"
    );
    assert_eq!(sums(sale), (d("20.00"), d("1.60"), d("21.60")));
    assert_eq!(
        sale.tenders.iter().map(|x| x.amount).collect::<Vec<_>>(),
        vec![d("30.00"), d("-8.40")],
        "change inside the cash tender"
    );
    assert_eq!(t[3].tenders[0].method, TenderMethod::Cash, "x:TTID1000CASH");
    let ret = t[4];
    assert_eq!(
        (
            ret.lines[0].kind,
            ret.lines[0].quantity,
            ret.lines[0].net_amount
        ),
        (LineKind::Return, d("-1"), d("-10.00"))
    );
    assert_eq!(
        ret.lines[0].original_txn_id.as_deref(),
        Some("101-1-2025-06-02-901")
    );
    assert_eq!(
        (ret.tenders[0].method, ret.tenders[0].amount),
        (TenderMethod::Card, d("-10.00")),
        "a negative Amount is a refund even without TypeCode"
    );
}

#[test]
fn one_transaction_as_root_and_an_unknown_root_without_transactions() {
    let one = r#"<Transaction xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><BusinessUnit><UnitID>9</UnitID></BusinessUnit>
            <SequenceNumber>3</SequenceNumber><BusinessDayDate>2025-02-03</BusinessDayDate>
            <EndDateTime>2025-02-03T23:59:59.999-05:00</EndDateTime><RetailTransaction><LineItem><SequenceNumber>1</SequenceNumber>
            <Sale><ItemID>4011</ItemID><RegularSalesUnitPrice>1.00</RegularSalesUnitPrice><Quantity> </Quantity></Sale>
            </LineItem></RetailTransaction></Transaction>"#;
    let p = parse(&Context::for_tenant("t"), one).unwrap();
    let t = only_txn(&p);
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-02-04T04:59:59.999+00:00");
    assert_eq!(
        (t.lines[0].quantity, t.lines[0].net_amount),
        (d("1"), d("1.00"))
    );
    let e = parse(&Context::for_tenant("t"), "<Envelope><Body/></Envelope>").unwrap_err();
    assert!(
        e.message.contains("<Envelope> holds no <Transaction>"),
        "{}",
        e.message
    );
}

#[test]
fn a_foreign_currency_tender_does_not_set_the_currency() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00+02:00</EndDateTime><RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>99</ItemID>
            <RegularSalesUnitPrice>20.00</RegularSalesUnitPrice></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>20.00</Amount>
            <ForeignCurrency><OriginalFaceAmount Currency="CHF">19.00</OriginalFaceAmount>
            <ExchangeRate>1.0526</ExchangeRate></ForeignCurrency></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">20.00</Total></RetailTransaction></Transaction></POSLog>"#;
    let p = parse(&berlin(), xml).unwrap();
    let t = only_txn(&p);
    assert_eq!(
        t.currency, "EUR",
        "the store's currency, not the tourist's CHF"
    );
    assert_eq!(sums(t), (d("20.00"), d("0"), d("20.00")));
}

#[test]
fn huge_numbers_are_refused_by_name_not_a_panic() {
    let xml = r#"<Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00Z</EndDateTime><RetailTransaction><LineItem><Sale><ItemID>9</ItemID>
            <RegularSalesUnitPrice>79228162514264337593543950</RegularSalesUnitPrice>
            <Quantity>79228162514264337593543950</Quantity></Sale></LineItem></RetailTransaction></Transaction>"#;
    let p = parse(&Context::for_tenant("t"), xml).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("out of range"), "{reason}");
    assert!(reason.contains("LineItem 1"), "{reason}");
}

#[test]
fn malformed_xml_and_missing_store_are_explained() {
    assert!(parse(&Context::for_tenant("t"), "<POSLog><Transaction>")
        .unwrap_err()
        .message
        .contains("not well-formed"));
    let p = parse(
        &Context::for_tenant("t"),
        "<POSLog><Transaction><RetailTransaction/></Transaction></POSLog>",
    )
    .unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("RetailStoreID"), "{reason}");
}

/// A one-transaction document with the given line items and grand total, in EUR.
fn txn_with(items: &str, grand: &str) -> String {
    format!(
        r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
        <EndDateTime>2025-04-01T12:00:00+02:00</EndDateTime><CurrencyCode>EUR</CurrencyCode>
        <RetailTransaction>{items}
        <Total TotalType="TransactionGrandAmount">{grand}</Total></RetailTransaction></Transaction></POSLog>"#
    )
}

#[test]
fn tax_given_only_as_a_percent_is_computed_inclusive_or_exclusive() {
    // VAT-inclusive 11.90 at 19 %, no TaxableAmount: 11.90 × 19 / 119 = 1.90.
    // Exclusive 20.00 with TaxableAmount 20.00 at 8 %: 1.60.
    // TaxableAmount 8.41 (without tax) of a 10.01 line at 19 %: 8.41 × 1.19 = 10.0079 → inclusive,
    // tax 8.41 × 0.19 = 1.5979 → 1.60.
    let xml = txn_with(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale TaxIncludedInPriceFlag="true">
        <ItemID>1</ItemID><RegularSalesUnitPrice>11.90</RegularSalesUnitPrice>
        <Tax TaxType="VAT"><Percent>19</Percent></Tax></Sale></LineItem>
        <LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>2</ItemID>
        <RegularSalesUnitPrice>20.00</RegularSalesUnitPrice>
        <Tax TaxType="Sales"><TaxableAmount>20.00</TaxableAmount><Amount/><Percent>8</Percent></Tax></Sale></LineItem>
        <LineItem><SequenceNumber>3</SequenceNumber><Sale><ItemID>3</ItemID>
        <RegularSalesUnitPrice>10.01</RegularSalesUnitPrice>
        <Tax><TaxableAmount>8.41</TaxableAmount><Percent>19.0000</Percent></Tax></Sale></LineItem>
        <LineItem><SequenceNumber>4</SequenceNumber><Tender TenderType="Cash"><Amount>43.51</Amount></Tender></LineItem>"#,
        "43.51",
    );
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    let got: Vec<(Decimal, Decimal)> = t.lines.iter().map(|l| (l.net_amount, l.tax)).collect();
    assert_eq!(
        got,
        vec![
            (d("10.00"), d("1.90")),
            (d("20.00"), d("1.60")),
            (d("8.41"), d("1.60"))
        ]
    );
    assert_eq!(
        sums(&t),
        (d("38.41"), d("5.10"), d("43.51")),
        "net + tax = grand"
    );
}

#[test]
fn percent_tax_rounds_to_the_currency_and_a_transaction_discount_still_balances() {
    // JPY has no minor unit: 1000 × 10 / 110 = 90.909… → 91. A transaction discount of 100
    // is spread over the net so that net + tax is still the grand total.
    let xml = txn_with(
        r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale TaxIncludedInPriceFlag="true">
        <ItemID>1</ItemID><RegularSalesUnitPrice>1000</RegularSalesUnitPrice>
        <Tax><Percent>10</Percent></Tax></Sale></LineItem>
        <LineItem><SequenceNumber>2</SequenceNumber><Discount><Amount>100</Amount></Discount></LineItem>"#,
        "900",
    )
    .replace("EUR", "JPY");
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    assert_eq!(t.lines[0].tax, d("91"));
    let (net, tax, _) = sums(&t);
    assert_eq!(net + tax, d("900"));
}

#[test]
fn a_percent_outside_0_to_100_is_refused_by_name() {
    for p in ["-19", "1900", "79228162514264"] {
        let xml = txn_with(
            &format!(
                r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>1</ItemID>
                <RegularSalesUnitPrice>10.00</RegularSalesUnitPrice><Tax><Percent>{p}</Percent></Tax>
                </Sale></LineItem>"#
            ),
            "10.00",
        );
        let p = parse(&berlin(), &xml).unwrap();
        let reason = &p.records[0].as_ref().unwrap_err().reason;
        assert!(reason.contains("Percent"), "{reason}");
    }
}

/// Tender numbers and amounts of the only transaction of `xml`.
fn tenders_of(xml: &str) -> Vec<(i32, TenderMethod, Decimal)> {
    let p = parse(&berlin(), xml).unwrap();
    only_txn(&p)
        .tenders
        .iter()
        .map(|x| (x.tender_no, x.method, x.amount))
        .collect()
}

/// A 9.98 sale paid with `tender`.
fn sale_998(tender: &str) -> String {
    txn_with(
        &format!(
            r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>1</ItemID>
            <RegularSalesUnitPrice>9.98</RegularSalesUnitPrice></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber>{tender}</LineItem>"#
        ),
        "9.98",
    )
}

#[test]
fn a_rounding_inside_a_cash_tender_left_out_of_its_amount_becomes_a_tender() {
    let up = sale_998(
        r#"<Tender TenderType="Cash"><Amount>9.98</Amount>
        <Rounding RoundingDirection="Up">0.02</Rounding></Tender>"#,
    );
    assert_eq!(
        tenders_of(&up),
        vec![
            (2, TenderMethod::Cash, d("10.00")),
            (400_002, TenderMethod::Other, d("-0.02"))
        ],
        "9.98 rounded up: the customer paid 10.00, and the rounding brings it back to 9.98"
    );
    let down = sale_998(
        r#"<Tender TenderType="Cash"><Amount>9.98</Amount>
        <Rounding>0.03</Rounding></Tender>"#,
    );
    assert_eq!(
        tenders_of(&down),
        vec![
            (2, TenderMethod::Cash, d("9.95")),
            (400_002, TenderMethod::Other, d("0.03"))
        ],
        "no direction is down, as for rounding tenders"
    );
}

#[test]
fn a_rounding_already_inside_the_tendered_amount_is_not_counted_twice() {
    let xml = sale_998(
        r#"<Tender TenderType="Cash"><Amount>20.00</Amount>
        <Rounding RoundingDirection="Up">0.02</Rounding>
        <TenderChange><Amount>10.00</Amount></TenderChange></Tender>"#,
    );
    assert_eq!(
        tenders_of(&xml),
        vec![
            (2, TenderMethod::Cash, d("20.00")),
            (200_002, TenderMethod::Cash, d("-10.00")),
            (400_002, TenderMethod::Other, d("-0.02"))
        ],
        "20.00 − 10.00 change is what the customer paid; the tenders add up to the 9.98 total"
    );
}

#[test]
fn a_bad_rounding_inside_a_tender_is_refused_by_name() {
    let xml = sale_998(
        r#"<Tender TenderType="Cash"><Amount>9.98</Amount><Rounding>x</Rounding></Tender>"#,
    );
    let p = parse(&berlin(), &xml).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("Rounding"), "{reason}");
}

/// The body with every `xmlns:prefix="…"` declaration removed (the default namespace stays),
/// as a middleware stripping the root's declarations leaves it.
fn strip_prefix_declarations(body: &str) -> String {
    let mut out = body.to_string();
    while let Some(i) = out.find(" xmlns:") {
        let q = i + out[i..].find('"').unwrap();
        let end = q + 1 + out[q + 1..].find('"').unwrap() + 1;
        out.replace_range(i..end, "");
    }
    out
}

#[test]
fn undeclared_prefixes_map_as_the_declared_document_does() {
    for name in [
        "gk_sap_ns2_prefixed_extended_after_discount.xml",
        "ncr_emerald_r10_wrapped_offsets_vat_inclusive.xml",
        "xstore_mixed_training_cancel_suspend.xml",
    ] {
        let body = real(name);
        let stripped = strip_prefix_declarations(&body);
        assert!(roxmltree::Document::parse(&stripped).is_err(), "{name}");
        let want = parse(&berlin(), &body).unwrap();
        let got = parse(&berlin(), &stripped).unwrap();
        assert_eq!(got.records, want.records, "{name}");
        assert_eq!(got.skipped, want.skipped, "{name}");
    }
}

#[test]
fn undeclared_prefixes_keep_the_raw_payload_as_received() {
    let ok = r#"<x:Transaction dtv:Mode="1"><x:RetailStoreID>5</x:RetailStoreID><x:SequenceNumber>8</x:SequenceNumber>
        <x:EndDateTime>2025-04-01T12:00:00Z</x:EndDateTime><x:RetailTransaction/></x:Transaction>"#;
    let bad = r#"<x:Transaction dtv:Mode="2"><x:SequenceNumber>9</x:SequenceNumber><x:RetailTransaction/></x:Transaction>"#;
    for body in [
        bad.to_string(),
        format!("<?xml version=\"1.0\"?>\n<!-- export --><x:POSLog>{ok}\n{bad}</x:POSLog>"),
    ] {
        let p = parse(&Context::for_tenant("t"), &body).unwrap();
        let reject = p.records.last().unwrap().as_ref().unwrap_err();
        assert_eq!(reject.payload.as_deref(), Some(bad), "{body}");
        assert!(reject.reason.contains("RetailStoreID"), "{}", reject.reason);
    }
    let e = parse(
        &Context::for_tenant("t"),
        "<x:POSLog><x:Transaction></x:POSLog>",
    )
    .unwrap_err();
    assert!(e.message.contains("not well-formed"), "{}", e.message);
}

/// Two sale lines of 59.50 and 10.70 (VAT-inclusive prices) and the given summary line items.
fn two_lines_with(summary: &str, grand: &str) -> String {
    txn_with(
        &format!(
            r#"<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>1</ItemID>
        <RegularSalesUnitPrice>59.50</RegularSalesUnitPrice></Sale></LineItem>
        <LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>2</ItemID>
        <RegularSalesUnitPrice>10.70</RegularSalesUnitPrice></Sale></LineItem>{summary}"#
        ),
        grand,
    )
}

#[test]
fn a_transaction_tax_given_as_percent_and_taxable_amount_is_spread_over_the_lines() {
    // 19 % of 50.00 and 7 % of 10.00: 9.50 + 0.70 = 10.20, inside the 70.20 paid.
    let xml = two_lines_with(
        r#"<LineItem><SequenceNumber>3</SequenceNumber><Tax TaxType="VAT"><TaxableAmount>50.00</TaxableAmount>
        <Percent>19</Percent></Tax></LineItem>
        <LineItem><SequenceNumber>4</SequenceNumber><Tax TaxType="VAT"><TaxableAmount>10.00</TaxableAmount>
        <Amount/><Percent>7.00</Percent></Tax></LineItem>"#,
        "70.20",
    );
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    assert_eq!(sums(&t).0 + sums(&t).1, d("70.20"), "net + tax = grand");
    assert_eq!(sums(&t).1, d("10.20"));
    let shares: Vec<Decimal> = t.lines.iter().map(|l| l.tax).collect();
    assert_eq!(shares, vec![d("8.65"), d("1.55")], "spread by net");
}

#[test]
fn a_single_transaction_rate_without_taxable_amount_covers_the_lines() {
    // Exclusive: 70.20 of goods, 8 % on top → 5.62 (5.616), grand 75.82.
    let xml = two_lines_with(
        "<LineItem><Tax><Percent>8</Percent></Tax></LineItem>",
        "75.82",
    );
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    assert_eq!(sums(&t), (d("70.20"), d("5.62"), d("0")));
    // Inclusive: the grand total is the goods, 70.20 × 19 / 119 = 11.21.
    let xml = two_lines_with(
        "<LineItem><Tax><Percent>19</Percent></Tax></LineItem>",
        "70.20",
    );
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    assert_eq!(sums(&t), (d("58.99"), d("11.21"), d("0")));
}

#[test]
fn several_transaction_rates_without_taxable_amounts_keep_the_transaction_without_tax() {
    let xml = two_lines_with(
        "<LineItem><Tax><Percent>19</Percent></Tax></LineItem>
        <LineItem><Tax><Percent>7</Percent></Tax></LineItem>",
        "70.20",
    );
    let t = only_txn(&parse(&berlin(), &xml).unwrap()).clone();
    assert_eq!(sums(&t), (d("70.20"), d("0"), d("0")));
    let bad = two_lines_with(
        "<LineItem><Tax><Percent>190</Percent></Tax></LineItem>",
        "70.20",
    );
    let p = parse(&berlin(), &bad).unwrap();
    let reason = &p.records[0].as_ref().unwrap_err().reason;
    assert!(reason.contains("<Tax><Percent>"), "{reason}");
}

#[test]
fn line_items_that_all_say_sequence_number_1_are_numbered_by_position() {
    let item = |n: &str| {
        format!(
            "<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>{n}</ItemID>\
             <RegularSalesUnitPrice>5.00</RegularSalesUnitPrice></Sale></LineItem>"
        )
    };
    let xml = format!(
        r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00+02:00</EndDateTime><RetailTransaction>{}{}
            <LineItem><SequenceNumber>1</SequenceNumber><Tender TenderType="Cash"><Amount>10.00</Amount></Tender></LineItem>
            </RetailTransaction></Transaction></POSLog>"#,
        item("11"),
        item("12")
    );
    let p = parse(&berlin(), &xml).unwrap();
    let t = only_txn(&p);
    let nos: Vec<i32> = t.lines.iter().map(|l| l.line_no).collect();
    assert_eq!(nos, [1, 2], "both sales kept, numbered by position");
    assert_eq!(t.tenders[0].tender_no, 3);
    assert_eq!(sums(t), (d("10.00"), d("0"), d("10.00")));
}

#[test]
fn distinct_sequence_numbers_are_kept_as_written() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00+02:00</EndDateTime><RetailTransaction>
            <LineItem><SequenceNumber>7</SequenceNumber><Sale><ItemID>11</ItemID>
            <RegularSalesUnitPrice>5.00</RegularSalesUnitPrice></Sale></LineItem>
            <LineItem><SequenceNumber>9</SequenceNumber><Tender TenderType="Cash"><Amount>5.00</Amount></Tender></LineItem>
            </RetailTransaction></Transaction></POSLog>"#;
    let t = only_txn(&parse(&berlin(), xml).unwrap()).clone();
    assert_eq!(t.lines[0].line_no, 7);
    assert_eq!(t.tenders[0].tender_no, 9);
}

#[test]
fn a_local_time_in_the_spring_gap_is_read_with_the_offset_before_it() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-03-30T02:30:00</EndDateTime><RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>11</ItemID>
            <RegularSalesUnitPrice>5.00</RegularSalesUnitPrice></Sale></LineItem>
            </RetailTransaction></Transaction></POSLog>"#;
    let t = only_txn(&parse(&berlin(), xml).unwrap()).clone();
    assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-30T01:30:00+00:00");
}

/// s26: public POSLog documents copied as published (tests/data/real/poslog/PROVENANCE.md,
/// "Public POSLog documents"); every figure below is summed by hand from the document.
#[test]
fn roqqio_return_without_a_link_refunds_cash_as_its_negative_totals_say() {
    let p = parse(
        &berlin(),
        &real("roqqio_v6_retoure_unlinked_cash_refund.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.currency, "EUR");
    assert!(t.lines[0].original_txn_id.is_none(), "no TransactionLink");
    // Quantity −1 with a positive ExtendedAmount 2.990; Totals: net −2.510, tax −0.480,
    // grand −2.990; the cash tender TypeCode="Refund" 2.990 is money paid out.
    assert_eq!(t.lines[0].quantity, d("-1"));
    assert_eq!(sums(t), (d("-2.51"), d("-0.48"), d("-2.99")));
}

#[test]
fn ncr_acs_full_sample_two_sales_with_a_leading_tax_line_and_deal_prices() {
    let mut ctx = Context::for_tenant("t");
    ctx.default_tz = chrono_tz::America::New_York;
    let p = parse(
        &ctx,
        &real("ncr_acs_kjbreil_two_sales_resume_link_deal_price.xml"),
    )
    .unwrap();
    let t = txns(&p);
    assert_eq!(t.len(), 2);
    // 3.49 + 3.49 + 5.84 (0.65 lb at 8.99) + 1.15 + 4.39 + 1.15 = 19.51, the leading Tax line
    // item 0.94, grand 20.45 = the debit tender.
    assert_eq!(sums(t[0]), (d("19.51"), d("0.94"), d("20.45")));
    assert_eq!(
        t[0].lines.len(),
        6,
        "the Tax and LoyaltyReward line items are no lines"
    );
    // Three items at RegularSalesUnitPrice 6.00 rung for ExtendedAmount 3.00 each (a
    // two-for-six price): 9.00, no tax, the tender 9.00.
    assert_eq!(sums(t[1]), (d("9.00"), d("0"), d("9.00")));
    assert!(t[1].lines.iter().all(|l| l.net_amount == d("3.00")));
}

/// s27: NCR ACS writes a line void as a line item of its own: a `VoidFlag`ged `Sale` of the
/// same item with negative `Quantity` and `ExtendedAmount`, after the unflagged line it takes
/// back (the kjbreil/poslog sample, transaction 376 of register 1: three CASC FROZ VEGIES at
/// 2.79, then the flagged −1 / −2.79; its `acs:GrossNegative` −8.64 counts the −2.79). Read
/// as a voided return it was dropped, and the voided item stayed sold.
#[test]
fn ncr_acs_void_entry_takes_back_the_line_it_voids() {
    let xml = r#"<POSLog xmlns:acs="http://www.ncr.com/rsd/acs/tlog/markup/poslog/2.1"><Transaction>
        <RetailStoreID>9</RetailStoreID><WorkstationID>1</WorkstationID><SequenceNumber>376</SequenceNumber>
        <BusinessDayDate>2017-10-01</BusinessDayDate><EndDateTime>2017-10-01T15:15:41</EndDateTime>
        <CurrencyCode>USD</CurrencyCode><RetailTransaction Version="2.1">
        <LineItem EntryMethod="Scanned"><SequenceNumber>17</SequenceNumber><Sale ItemType="Stock">
        <ItemID>00021908501406</ItemID><RegularSalesUnitPrice>2.79</RegularSalesUnitPrice>
        <ExtendedAmount>2.79</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
        <LineItem VoidFlag="true" EntryMethod="Keyed"><SequenceNumber>18</SequenceNumber><Sale ItemType="Stock">
        <ItemID>00021908501406</ItemID><RegularSalesUnitPrice>2.79</RegularSalesUnitPrice>
        <ExtendedAmount>-2.79</ExtendedAmount><Quantity>-1</Quantity></Sale></LineItem>
        <LineItem EntryMethod="Scanned"><SequenceNumber>19</SequenceNumber><Sale ItemType="Stock">
        <ItemID>00022827109292</ItemID><RegularSalesUnitPrice>3.49</RegularSalesUnitPrice>
        <ExtendedAmount>3.49</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
        <LineItem><SequenceNumber>20</SequenceNumber><Tender TenderType="Cash"><Amount>3.49</Amount></Tender></LineItem>
        <Total TotalType="TransactionGrandAmount">3.49</Total>
        </RetailTransaction></Transaction></POSLog>"#;
    let p = parse(&Context::for_tenant("t"), xml).unwrap();
    let t = only_txn(&p);
    let got: Vec<(i32, LineKind, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.line_no, l.kind, l.quantity, l.net_amount))
        .collect();
    assert_eq!(
        got,
        vec![
            (17, LineKind::Sale, d("1"), d("2.79")),
            (VOID_LINE_OFFSET + 17, LineKind::Void, d("-1"), d("-2.79")),
            (19, LineKind::Sale, d("1"), d("3.49")),
        ]
    );
    assert_eq!(sums(t), (d("3.49"), d("0"), d("3.49")));
}

/// A flagged negative `Sale` with no earlier line of its item to take back is still a voided
/// return: no line at all.
#[test]
fn a_flagged_negative_sale_with_nothing_to_take_back_stays_no_line() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>9</RetailStoreID><WorkstationID>1</WorkstationID>
        <SequenceNumber>5</SequenceNumber><BusinessDayDate>2017-10-01</BusinessDayDate>
        <EndDateTime>2017-10-01T15:15:41</EndDateTime><CurrencyCode>USD</CurrencyCode><RetailTransaction>
        <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>111</ItemID>
        <RegularSalesUnitPrice>3.49</RegularSalesUnitPrice><ExtendedAmount>3.49</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
        <LineItem VoidFlag="true"><SequenceNumber>2</SequenceNumber><Sale><ItemID>222</ItemID>
        <RegularSalesUnitPrice>2.79</RegularSalesUnitPrice><ExtendedAmount>-2.79</ExtendedAmount><Quantity>-1</Quantity></Sale></LineItem>
        </RetailTransaction></Transaction></POSLog>"#;
    let t = only_txn(&parse(&Context::for_tenant("t"), xml).unwrap()).clone();
    let got: Vec<(i32, LineKind)> = t.lines.iter().map(|l| (l.line_no, l.kind)).collect();
    assert_eq!(got, vec![(1, LineKind::Sale)]);
}

/// s27: the shape of the same ACS transaction (tests/data/real/poslog/PROVENANCE.md): the void
/// entry, wines flagged `Tax1` with item-level `PercentOff` rewards (`acs:RewardLevel` Item,
/// `acs:ExtendedRewardAmount` −2.00 … naming the wine by `acs:OperatorSequenceReference`), and
/// the leading `Tax` line item whose `TaxableAmount` 52.65 is the wines after their rewards.
/// Every figure summed by hand from the document.
#[test]
fn ncr_acs_item_rewards_sit_on_their_lines_so_the_tax_finds_the_wines() {
    let mut ctx = Context::for_tenant("t");
    ctx.default_tz = chrono_tz::America::Los_Angeles;
    let p = parse(
        &ctx,
        &real("ncr_acs_void_entry_negative_sale_item_rewards.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    let by_no = |no: i32| t.lines.iter().find(|l| l.line_no == no).unwrap();
    // Groceries 3 × 2.79 with the third voided: 5.58, no tax (not flagged Tax1).
    assert_eq!(by_no(VOID_LINE_OFFSET + 17).net_amount, d("-2.79"));
    for no in [15, 16, 17] {
        assert_eq!((by_no(no).discount, by_no(no).tax), (d("0"), d("0")));
    }
    // Wines 20.00 + 11.50 + 13.50 + 13.50 less their 10 % rewards 2.00 + 1.15 + 1.35 + 1.35:
    // 18.00 + 10.35 + 12.15 + 12.15 = 52.65 = TaxableAmount; the tax 5.32 on them alone.
    let wines: Vec<(Decimal, Decimal)> = [72, 73, 74, 75]
        .iter()
        .map(|no| (by_no(*no).discount, by_no(*no).net_amount))
        .collect();
    assert_eq!(
        wines,
        vec![
            (d("2.00"), d("18.00")),
            (d("1.15"), d("10.35")),
            (d("1.35"), d("12.15")),
            (d("1.35"), d("12.15")),
        ]
    );
    let wine_tax: Decimal = [72, 73, 74, 75].iter().map(|no| by_no(*no).tax).sum();
    assert_eq!(wine_tax, d("5.32"));
    // The donation rung at 0.00 × 4 takes no share of anything.
    assert_eq!((by_no(76).net_amount, by_no(76).tax), (d("0"), d("0")));
    // 5.58 + 52.65 = 58.23 net, tax 5.32, grand 63.55 = the MasterCard tender.
    assert_eq!(sums(t), (d("58.23"), d("5.32"), d("63.55")));
}

/// s27: roqqio/Futura's `sale_floatprice.xml` as published: a zero `ExtendedDiscountAmount`
/// in currency `XXX` ("no currency") beside EUR prices, the VAT only in the totals, and a
/// loyalty customer.
#[test]
fn roqqio_sale_with_a_zero_discount_in_currency_xxx_and_tax_only_in_the_totals() {
    let p = parse(
        &berlin(),
        &real("roqqio_v6_sale_discount_currency_xxx_customer.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.currency, "EUR");
    // ExtendedAmount 79.990 = grand; TransactionNetAmount 67.220 + TransactionTaxAmount 12.770.
    assert_eq!(sums(t), (d("67.22"), d("12.77"), d("79.99")));
    assert_eq!(t.lines[0].discount, d("0"));
    assert_eq!(t.customer_id.as_deref(), Some("22000129"));
    assert_eq!(t.occurred_at.to_rfc3339(), "2024-07-31T09:42:26.010+00:00");
}

/// s27: ACS writes a member's percentage off the basket (`acs:RewardLevel` Transaction) once per
/// line it reduces, each naming its line (the kjbreil/poslog sample: `PercentOff` −0.70 on
/// ELLENOS GREEK YOGURT 6.99, `AmountUsed` 6.29). A line it does not name (here a bottle
/// deposit) keeps its price: spread by gross, 0.24 of the 1.25 fell on the deposit.
#[test]
fn ncr_acs_transaction_rewards_naming_their_lines_come_off_those_lines_only() {
    let reward = |seq: u32, amt: &str, op: u32| {
        format!(
            r#"<LineItem EntryMethod="acs:Auto"><SequenceNumber>{seq}</SequenceNumber><LoyaltyReward>
            <acs:RewardLevel>Transaction</acs:RewardLevel><acs:RewardCategory>Monetary</acs:RewardCategory>
            <acs:RewardType>PercentOff</acs:RewardType><acs:ExtendedRewardAmount>{amt}</acs:ExtendedRewardAmount>
            <acs:OperatorSequenceReference>{op}</acs:OperatorSequenceReference></LoyaltyReward></LineItem>"#
        )
    };
    let item = |seq: u32, id: &str, price: &str| {
        format!(
            r#"<LineItem><SequenceNumber>{seq}</SequenceNumber><Sale><ItemID>{id}</ItemID>
            <RegularSalesUnitPrice>{price}</RegularSalesUnitPrice><ExtendedAmount>{price}</ExtendedAmount>
            <Quantity>1</Quantity><acs:OperatorSequence>{seq}</acs:OperatorSequence></Sale></LineItem>"#
        )
    };
    let xml = format!(
        r#"<POSLog xmlns:acs="http://www.ncr.com/rsd/acs/tlog/markup/poslog/2.1"><Transaction>
        <RetailStoreID>9</RetailStoreID><WorkstationID>3</WorkstationID><SequenceNumber>12</SequenceNumber>
        <BusinessDayDate>2017-10-01</BusinessDayDate><EndDateTime>2017-10-01T16:00:00</EndDateTime>
        <CurrencyCode>USD</CurrencyCode><RetailTransaction Version="2.1">{}{}{}
        <LineItem><SequenceNumber>4</SequenceNumber><Tender TenderType="Cash"><Amount>13.23</Amount></Tender></LineItem>
        {}{}<Total TotalType="TransactionGrandAmount">13.23</Total></RetailTransaction></Transaction></POSLog>"#,
        item(1, "00638267947143", "6.99"),
        item(2, "00718738546331", "5.49"),
        item(3, "00000000001052", "2.00"),
        reward(5, "-0.70", 1),
        reward(6, "-0.55", 2),
    );
    let p = parse(&Context::for_tenant("t"), &xml).unwrap();
    let t = only_txn(&p);
    let got: Vec<(Decimal, Decimal)> = t.lines.iter().map(|l| (l.discount, l.net_amount)).collect();
    assert_eq!(
        got,
        vec![
            (d("0.70"), d("6.29")),
            (d("0.55"), d("4.94")),
            (d("0"), d("2.00"))
        ]
    );
    assert_eq!(sums(t), (d("13.23"), d("0"), d("13.23")));
}

/// s27: an NCR RES (Japan) POSLog as published in a public test (PROVENANCE.md; the red-team
/// test above took its first line only). Yen, consumption tax 8 % inside the prices. Summed by
/// hand: 556 − (51 + 50) = 455 = 421 + tax 33 + 1 ("Exceptional"); 545 − (50 + 49) = 446 =
/// 413 + 33; 1440 − (720 + 73) = 647 = 600 + 47; net 1434, tax 114, grand 1548 = cash 2000 −
/// change 452. The 10 % `Discount` line item (172 = 50 + 49 + 73, the lines' `ApplicationType
/// Total` modifiers) and the trailing `Tax` line item (114 on 1434) restate what the lines hold:
/// neither counts twice.
#[test]
fn ncr_res_japan_inclusive_tax_markdowns_and_restated_totals() {
    let p = parse(
        &tokyo_yen(),
        &real("ncr_res_jp_inclusive_tax_markdowns_total_discount_change.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    assert_eq!(t.currency, "JPY");
    let got = discount_net_tax(t);
    assert_eq!(
        got,
        vec![
            (d("101"), d("421"), d("34")),
            (d("99"), d("413"), d("33")),
            (d("793"), d("600"), d("47")),
        ]
    );
    assert_eq!(sums(t), (d("1434"), d("114"), d("1548")));
    assert_eq!(t.tenders[1].amount, d("-452"), "the change");
}

/// A store in Tokyo selling in yen, as the NCR RES 2012 documents' store.
fn tokyo_yen() -> Context {
    let mut ctx = Context::for_tenant("t");
    ctx.default_tz = chrono_tz::Asia::Tokyo;
    ctx.default_currency = "JPY".into();
    ctx
}

/// s27: an NCR RES (Japan, 2012) POSLog as published in a public test data set (PROVENANCE.md):
/// the goods and money sit in a `CustomerOrderTransaction`, not a `RetailTransaction`, and each
/// line writes its discount in `DiscountAmount` and the amount after it in
/// `ExtendedDiscountAmount`. Summed by hand: 20 × 440 = 8800 − 1320 = 7480; 40 × 440 = 17600 −
/// 2640 = 14960; goods 22440 = the cash tendered. The trailing `Tax` line item (5 %, `Amount`
/// 1069 on `TaxableAmount` 21371; 21371 + 1069 = 22440) is inside the prices, and there is no
/// `Total`: by net, 1069 × 7480 / 22440 = 356.33 → 356 and the rest 713, so nets 7124 and
/// 14247. Before, the transaction was skipped as an unknown kind (no sale, no tender, no
/// reject); read as a `RetailTransaction` it took 7480 and 14960 off as discounts and put the
/// tax on top.
#[test]
fn ncr_res_2012_customer_order_transaction_with_discount_and_amount_after_it() {
    let p = parse(
        &tokyo_yen(),
        &real("ncr_res_2012_customer_order_transaction_discount_amount_net_after.xml"),
    )
    .unwrap();
    assert_eq!(p.skipped, 0);
    let t = only_txn(&p);
    assert_eq!(t.key.source_txn_id, "000031-9999-2012-02-07-0107");
    assert_eq!(
        (t.currency.as_str(), t.status),
        ("JPY", TxnStatus::Completed)
    );
    assert_eq!(t.occurred_at.to_rfc3339(), "2012-02-07T05:00:56+00:00");
    assert_eq!(t.cashier_id.as_deref(), Some("1110"));
    let got: Vec<(Decimal, Decimal, Decimal, Decimal, Decimal)> = t
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price, l.discount, l.net_amount, l.tax))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("20"), d("440"), d("1320"), d("7124"), d("356")),
            (d("40"), d("440"), d("2640"), d("14247"), d("713")),
        ]
    );
    assert_eq!(sums(t), (d("21371"), d("1069"), d("22440")));
    assert_eq!(t.tenders[0].method, TenderMethod::Cash);
}

/// ARTS's own reading of the two discount elements stays: `ExtendedDiscountAmount` = the
/// `DiscountAmount` × quantity is the line's discount, even when it also happens to equal
/// `ExtendedAmount` − `DiscountAmount` (3 × 2.50 = 7.50 off 10.00 − 2.50).
#[test]
fn extended_discount_that_is_the_unit_discount_times_quantity_stays_the_discount() {
    let xml = r#"<POSLog><Transaction><RetailStoreID>1</RetailStoreID><WorkstationID>1</WorkstationID>
<SequenceNumber>9</SequenceNumber><BusinessDayDate>2026-03-02</BusinessDayDate>
<EndDateTime>2026-03-02T10:00:00</EndDateTime><RetailTransaction><LineItem><SequenceNumber>1</SequenceNumber>
<Sale><ItemID>42</ItemID><RegularSalesUnitPrice>3.3333</RegularSalesUnitPrice><ExtendedAmount>10.00</ExtendedAmount>
<Quantity>3</Quantity><DiscountAmount>2.50</DiscountAmount><ExtendedDiscountAmount>7.50</ExtendedDiscountAmount></Sale></LineItem>
<LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>2.50</Amount></Tender></LineItem>
</RetailTransaction></Transaction></POSLog>"#;
    let p = parse(&berlin(), xml).unwrap();
    let l = &only_txn(&p).lines[0];
    assert_eq!((l.discount, l.net_amount), (d("7.50"), d("2.50")));
}

/// s27: the same NCR RES 2012 data sets (PROVENANCE.md): a 10 % `Discount` line item of 44 on
/// the transaction, no `Total`, cash 1000 with a nested `TenderChange` of 604 (paid 396), and
/// the 5 % tax inside the prices after the discount: `TaxableAmount` 377 + `Amount` 19 = 396 =
/// 440 − 44. So discount 44, net 377, tax 19, tenders 1000 − 604 = 396.
#[test]
fn ncr_res_2012_transaction_discount_with_the_tax_inside_the_discounted_price() {
    let p = parse(
        &tokyo_yen(),
        &real("ncr_res_2012_customer_order_transaction_transaction_discount_change.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    let l = &t.lines[0];
    assert_eq!(
        (l.quantity, l.unit_price, l.discount, l.net_amount, l.tax),
        (d("1"), d("440"), d("44"), d("377"), d("19"))
    );
    assert_eq!(sums(t), (d("377"), d("19"), d("396")));
    assert_eq!(t.tenders[1].amount, d("-604"), "the change");
}

/// s27: NCR RES 2012 with both kinds of discount (PROVENANCE.md). Summed by hand: 20 × 440 =
/// 8800 − 880 = 7920; 40 × 440 = 17600 − 2640 = 14960; goods 22880, less the transaction
/// `Discount` 2288 = 20592 = cash 25000 − change 4408 = `TaxableAmount` 19611 + tax 981. The
/// tax goes by net (981 × 7920 / 22880 = 339.6 → 340, the rest 641), then the 2288 by the nets
/// left (7580, 14319: 792 and 1496), so nets 6788 + 12823 = 19611.
#[test]
fn ncr_res_2012_line_and_transaction_discounts_add_up_to_the_cash_taken() {
    let p = parse(
        &tokyo_yen(),
        &real("ncr_res_2012_line_discounts_and_transaction_discount_change.xml"),
    )
    .unwrap();
    let t = only_txn(&p);
    let got = discount_net_tax(t);
    assert_eq!(
        got,
        vec![
            (d("1672"), d("6788"), d("340")),
            (d("4136"), d("12823"), d("641")),
        ]
    );
    assert_eq!(sums(t), (d("19611"), d("981"), d("20592")));
    for l in &t.lines {
        assert_eq!(l.quantity * l.unit_price - l.discount, l.net_amount + l.tax);
    }
}
