//! Red-team tests: the ready Shopify mapping on export shapes seen in public Shopify
//! `orders_export.csv` headers (2012–2025: online-only shops without the POS columns, shops
//! whose prices include tax), written anew with our own orders. All three were fixed in s15
//! (`optional`, `order_total`/`order_subtotal`, the written offset's business day).

use super::tests::d;
use super::*;

const SHOPIFY: &str = include_str!("../../../mappings/shopify_orders_export.toml");

fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_currency = "EUR".into();
    c
}

/// The header of an online-only shop's export (a 2025 export from a shop without Shopify
/// POS): no `Employee`, `Location`, `Device ID`, `Cancelled at` or `Tax N` columns.
const ONLINE_HEADER: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Notes,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Id,Tags,Risk Level,Source,Lineitem discount";

/// Shopify leaves the POS columns out of the export of a shop that has no POS locations; the
/// ready mapping names `Location` for the store, so the whole file is a 400 and no order of
/// it lands. A missing optional column should fall back to the mapping's `store_id`, as
/// missing `item_id` columns are skipped.
#[test]
fn online_only_export_without_location_lands_in_the_default_store() {
    let csv = format!(
        "{ONLINE_HEADER}\n#2001,a@example.com,paid,2025-10-02 17:09:34 -0300,fulfilled,,yes,USD,30.00,0.00,0.00,30.00,,0.00,Standard,2025-10-02 17:09:33 -0300,2,Mug,15.00,,MUG-1,true,true,fulfilled,,Card,ref,0.00,Shop,0.00,6866149310695,,Low,web,0.00\n"
    );
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&ctx(), &m, &csv).expect("an online-only export is readable");
    let t = match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    };
    assert_eq!(t.key.store_id, "online");
    assert_eq!(t.lines[0].net_amount, d("30.00"));
}

/// A shop whose prices include VAT (EU, UK, AU): `Lineitem price` is gross of VAT and the
/// order's `Taxes` is the VAT inside `Total` (Total = Subtotal + Shipping, not + Taxes).
/// Lines then carry VAT in their net: 119.00 of net sales for 100.00 of goods at 19 %. The
/// mapping can tell from the order's columns and should put the VAT in the lines' tax.
#[test]
fn tax_inclusive_export_books_net_without_vat() {
    let csv = format!(
        "{ONLINE_HEADER},Location\n#3001,b@example.com,paid,2026-10-04 10:00:00 +0200,fulfilled,,no,EUR,119.00,0.00,19.00,119.00,,0.00,Standard,2026-10-04 10:00:00 +0200,1,Lamp,119.00,,LAMP-1,true,true,fulfilled,,Card,ref,0.00,Shop,0.00,1,,Low,web,0.00,\n"
    );
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&ctx(), &m, &csv).unwrap();
    let t = match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    };
    assert_eq!(t.lines[0].net_amount, d("100.00"));
    assert_eq!(t.lines[0].tax, d("19.00"));
}

/// A Shopify export writes each time with the shop's offset (`-0300`); an order at 21:24 in
/// Santiago is on the 8th there. Without a zone configured for the store, the business day is
/// taken in the tenant's zone (UTC here: the 9th), while the Shopify API adapter keeps the
/// shop's offset: the same order lands on two different days depending on the channel.
#[test]
fn business_day_follows_the_written_offset() {
    let csv = format!(
        "{ONLINE_HEADER},Location\n#4001,c@example.com,paid,2025-10-08 21:24:40 -0300,fulfilled,,no,EUR,10.00,0.00,0.00,10.00,,0.00,Standard,2025-10-08 21:24:39 -0300,1,Cup,10.00,,CUP-1,true,true,fulfilled,,Card,ref,0.00,Shop,0.00,2,,Low,web,0.00,\n"
    );
    let m = Mapping::from_toml(SHOPIFY).unwrap();
    let p = parse(&ctx(), &m, &csv).unwrap();
    let t = match &p.records[0] {
        Ok(Record::Txn(t)) => t,
        other => panic!("not a transaction: {other:?}"),
    };
    assert_eq!(
        t.business_date,
        chrono::NaiveDate::from_ymd_opt(2025, 10, 8).unwrap()
    );
}

/// Found by the csv fuzz target (session 16): two lines whose 28-digit taxes overflowed when
/// added up panicked in the order-tax step, even for a mapping without an order tax column.
/// Cells beyond ±10^12 are now refused by name, as POSLog refuses them; and the order steps
/// add with checked arithmetic (`money::spread` is tested at Decimal's limit itself).
#[test]
fn taxes_too_large_to_add_up_are_a_reject_not_a_panic() {
    let m = Mapping::from_toml(include_str!("../../../mappings/de_kassenjournal.toml")).unwrap();
    let big = "50.000.000.000.000.000.000.000.000.000,00";
    let body = format!(
        "Filiale;Kasse;BelegNr;Datum;Uhrzeit;Bediener;ArtNr;ArtikelText;Menge;Einzelpreis;Rabatt;Betrag;MwSt;BelegNr_Storno\n\
         B1;K1;1;01.10.2026;08:15:03;A;4011;X;1;1,00;;1,00;{big};\n\
         B1;K1;1;01.10.2026;08:15:03;A;4011;Y;1;1,00;;1,00;{big};\n"
    );
    let p = parse(&ctx(), &m, &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 2: column `MwSt`") && e.reason.contains("out of range"),
        "{}",
        e.reason
    );
    let body = body.replace(big, "1.000.000.000.000,00");
    assert!(
        parse(&ctx(), &m, &body).unwrap().records[0].is_ok(),
        "10^12 itself is taken"
    );
    let b = "70000000000000000000000000000";
    let row = |sku: &str| {
        format!("#2001,a@example.com,paid,2025-10-02 17:09:34 -0300,fulfilled,,yes,USD,30.00,0.00,1.00,31.00,,0.00,Standard,2025-10-02 17:09:33 -0300,1,Mug,{b},,{sku},true,true,fulfilled,,Card,ref,0.00,Shop,0.00,6866149310695,,Low,web,0.00\n")
    };
    let body = format!("{ONLINE_HEADER}\n{}{}", row("A"), row("B"));
    let p = parse(&ctx(), &Mapping::from_toml(SHOPIFY).unwrap(), &body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(e.reason.contains("out of range"), "{}", e.reason);
}
