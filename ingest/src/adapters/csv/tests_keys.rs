//! Mapping keys the public datasets needed: `columns.discount_rate` (Superstore),
//! `money_decimal` (the French bakery), `date_format` as a list (Maven's Coffee Shop Sales),
//! `row_quantity` (exports with one row per item sold, such as a pizzeria's order lines).

use super::tests::d;
use super::tests_datasets::{ctx, split};
use super::*;

const RATED: &str = r#"
source = "t"
store_id = "S"
date_format = "%Y-%m-%d"
[columns]
txn_id = "Id"
date = "Day"
item_id = "Item"
quantity = "Qty"
net_amount = "Sales"
discount_rate = "Off"
"#;

/// (quantity, unit price, discount, net) of each line of the transaction read from `body`.
fn rated(m: &Mapping, body: &str) -> Result<Vec<(Decimal, Decimal, Decimal, Decimal)>, String> {
    let p = parse(&ctx(), m, body).unwrap();
    match &p.records[0] {
        Ok(Record::Txn(t)) => Ok(t
            .lines
            .iter()
            .map(|l| (l.quantity, l.unit_price, l.discount, l.net_amount))
            .collect()),
        Err(e) => Err(e.reason.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_discount_rate_with_only_a_net_gives_the_list_price_and_keeps_the_net() {
    let m = Mapping::from_toml(RATED).unwrap();
    let body = "Id,Day,Item,Qty,Sales,Off\n\
                1,2026-01-05,A,3,10,0.3\n\
                1,2026-01-05,B,2,8,\n\
                1,2026-01-05,C,-1,-4.5,0.1\n";
    assert_eq!(
        rated(&m, body).unwrap(),
        [
            // 10 / 0.7 = 14.285714…: kept to 4 places, the net as written.
            (d("3"), d("4.7619"), d("4.2857"), d("10")),
            // A blank rate is no discount.
            (d("2"), d("4"), d("0"), d("8")),
            // A returned line: its list amount is 5, its discount 0.5, its net stays −4.5.
            (d("-1"), d("5"), d("0.5"), d("-4.5")),
        ]
    );
}

#[test]
fn a_discount_rate_with_a_unit_price_takes_the_rate_of_the_list_amount() {
    let toml = RATED.replace("net_amount = \"Sales\"", "unit_price = \"Price\"");
    let m = Mapping::from_toml(&toml).unwrap();
    let body = "Id,Day,Item,Qty,Price,Off\n1,2026-01-05,A,3,1.99,0.15\n";
    // 3 × 1.99 = 5.97; 15 % of it is 0.8955, a discount of 0.90 in dollars.
    assert_eq!(
        rated(&m, body).unwrap(),
        [(d("3"), d("1.99"), d("0.90"), d("5.07"))]
    );
}

#[test]
fn a_discount_rate_outside_0_to_1_or_100_percent_off_a_paid_net_is_rejected() {
    let m = Mapping::from_toml(RATED).unwrap();
    for (off, why) in [
        ("1.5", "not a fraction from 0 to 1"),
        ("-0.2", "not a fraction from 0 to 1"),
        ("20%", "not a number"),
        ("1", "no list price fits both"),
    ] {
        let body = format!("Id,Day,Item,Qty,Sales,Off\n1,2026-01-05,A,1,10,{off}\n");
        let e = rated(&m, &body).unwrap_err();
        assert!(
            e.contains("row 2") && e.contains("`Off`") && e.contains(why),
            "{off}: {e}"
        );
    }
    // 100 % off a line that cost nothing is a free line.
    let body = "Id,Day,Item,Qty,Sales,Off\n1,2026-01-05,A,1,0,1\n";
    assert_eq!(rated(&m, body).unwrap(), [(d("1"), d("0"), d("0"), d("0"))]);
}

#[test]
fn a_mapping_prices_lines_by_a_net_only_with_a_rate_and_takes_one_discount() {
    let no_rate = RATED.replace("discount_rate = \"Off\"\n", "");
    let e = Mapping::from_toml(&no_rate).unwrap_err();
    assert!(e.contains("name the price"), "{e}");
    let both = RATED.replace(
        "discount_rate = \"Off\"",
        "discount_rate = \"Off\"\ndiscount = \"D\"",
    );
    let e = Mapping::from_toml(&both).unwrap_err();
    assert!(
        e.contains("discount_rate") && e.contains("discount both"),
        "{e}"
    );
}

const EURO: &str = r#"
source = "t"
store_id = "S"
currency = "EUR"
money_decimal = ","
[columns]
txn_id = "Id"
date = "Day"
item_id = "Item"
quantity = "Qty"
unit_price = "Price"
"#;

#[test]
fn money_decimal_reads_prices_with_a_comma_beside_quantities_with_a_dot() {
    let body = "Id,Day,Item,Qty,Price\n\
                1,2026-01-05,A,2.0,\"1,20 €\"\n\
                1,2026-01-05,B,1.5,\"3,50\"\n";
    let e = Mapping::from_toml(&format!("group = \",\"\n{EURO}")).unwrap_err();
    assert!(e.contains("money_decimal must differ from group"), "{e}");
    let m = Mapping::from_toml(EURO).unwrap();
    let p = parse(&ctx(), &m, body).unwrap();
    let (ok, rejects) = split(&p);
    assert_eq!(rejects, []);
    let l: Vec<(Decimal, Decimal, Decimal)> = ok["1"]
        .lines
        .iter()
        .map(|l| (l.quantity, l.unit_price, l.net_amount))
        .collect();
    assert_eq!(
        l,
        [
            (d("2.0"), d("1.20"), d("2.400")),
            (d("1.5"), d("3.50"), d("5.250"))
        ]
    );
    // Without the key the price is read with the quantities' dot, and refused.
    let plain = Mapping::from_toml(&EURO.replace("money_decimal = \",\"\n", "")).unwrap();
    let p = parse(&ctx(), &plain, body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("`Price`") && e.reason.contains("1,20"),
        "{}",
        e.reason
    );
}

#[test]
fn a_date_format_list_is_tried_in_order_and_must_name_one() {
    let m = Mapping::from_toml(&EURO.replace(
        "money_decimal = \",\"",
        "money_decimal = \",\"\ndate_format = [\"%d.%m.%Y\", \"%Y-%m-%d\"]",
    ))
    .unwrap();
    let body = "Id,Day,Item,Qty,Price\n1,05.01.2026,A,1,\"1,00\"\n2,2026-01-06,A,1,\"1,00\"\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let (ok, _) = split(&p);
    let days: Vec<String> = ok.values().map(|t| t.business_date.to_string()).collect();
    assert_eq!(days, ["2026-01-05", "2026-01-06"]);
    let e = Mapping::from_toml(&EURO.replace(
        "money_decimal = \",\"",
        "money_decimal = \",\"\ndate_format = []",
    ))
    .unwrap_err();
    assert!(e.contains("date_format"), "{e}");
}

const PER_UNIT: &str = r#"
source = "pizzeria"
currency = "USD"
store_id = "P1"
date_format = "%Y-%m-%d"
row_quantity = 1
[columns]
txn_id = "order_id"
date = "date"
time = "time"
item_id = "name"
description = "type"
unit_price = "price"
"#;

/// A pizzeria's order lines (the shape of the `pizzaplace` sample data: one row per pizza, no
/// quantity column): every row is one unit, two rows of one pizza are two units of it.
#[test]
fn row_quantity_reads_exports_with_one_row_per_item_sold() {
    let m = Mapping::from_toml(PER_UNIT).unwrap();
    let body = "order_id,date,time,name,size,type,price\n\
                2015-000001,2015-01-01,11:38:36,hawaiian,M,classic,13.25\n\
                2015-000002,2015-01-01,11:57:40,classic_dlx,M,classic,16.00\n\
                2015-000002,2015-01-01,11:57:40,mexicana,M,veggie,16.00\n\
                2015-000002,2015-01-01,11:57:40,mexicana,M,veggie,16.00\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(rejects.is_empty(), "{rejects:?}");
    let t = ok["2015-000002"];
    assert_eq!(t.lines.len(), 3);
    assert!(t.lines.iter().all(|l| l.quantity == d("1")));
    let net: Decimal = t.lines.iter().map(|l| l.net_amount).sum();
    assert_eq!(net, d("48.00"));
    assert_eq!(ok["2015-000001"].lines[0].net_amount, d("13.25"));
}

#[test]
fn the_quantity_is_named_once_either_way() {
    let none = Mapping::from_toml(&PER_UNIT.replace("row_quantity = 1\n", "")).unwrap_err();
    assert!(
        none.contains("columns.quantity, or row_quantity = 1"),
        "{none}"
    );
    let both = PER_UNIT.replace("price = \"price\"", "price = \"price\"\nquantity = \"qty\"");
    let both = Mapping::from_toml(&both).unwrap_err();
    assert!(both.contains("not both"), "{both}");
    let zero =
        Mapping::from_toml(&PER_UNIT.replace("row_quantity = 1", "row_quantity = 0")).unwrap_err();
    assert!(zero.contains("positive"), "{zero}");
}
