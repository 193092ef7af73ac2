//! dunnhumby "The Complete Journey" with its ready mapping (day numbers, `hhmm` times, two
//! discount columns summed, the net as written) and `discount` as a list of columns read
//! with a net amount. Fixture: `tests/data/real/dunnhumby/` (PROVENANCE.md there).

use super::tests::d;
use super::tests_datasets::{ctx, lines, net, split};
use super::*;
use chrono::Datelike;
use pos_core::model::*;

const DUNNHUMBY: &str = include_str!("../../../mappings/dunnhumby_complete_journey.toml");

fn fixture() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let p = format!("{dir}/tests/data/real/dunnhumby/transaction_data.csv");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The ready mapping with the analyst's day one (top-level, before `[columns]`).
fn with_day_one(day: &str) -> Mapping {
    let text = DUNNHUMBY.replace(
        "date_format = \"day_number\"",
        &format!("date_format = \"day_number\"\nday_one = \"{day}\""),
    );
    Mapping::from_toml(&text).unwrap()
}

fn discounts(t: &Transaction) -> Vec<Decimal> {
    t.lines.iter().map(|l| l.discount).collect()
}

#[test]
fn the_ready_mapping_does_not_load_until_the_analyst_names_day_one() {
    let e = Mapping::from_toml(DUNNHUMBY).unwrap_err();
    assert!(
        e.contains("day_one") && e.contains("the file gives none"),
        "{e}"
    );
    // The commented example is a Tuesday, the weekday the dataset's weeks make DAY 1 when
    // they start on a Sunday (`WEEK_NO = ceil((DAY + 2) / 7)`: DAY 6 begins week 2).
    assert!(DUNNHUMBY.contains("#   day_one = \"2011-03-01\""));
    let one = chrono::NaiveDate::from_ymd_opt(2011, 3, 1).unwrap();
    assert_eq!(one.weekday(), chrono::Weekday::Tue);
}

#[test]
fn complete_journey_baskets_land_on_days_from_day_one_with_discounts_the_store_gave() {
    let m = with_day_one("2011-03-01");
    let p = parse(&ctx(), &m, &fixture()).unwrap();
    assert_eq!(p.rows, 8);
    let (ok, rejects) = split(&p);
    assert_eq!(rejects, []);
    assert_eq!(ok.len(), 4);

    // DAY 1 at 16:31, New York (the store's configured zone): 21:31 UTC.
    let t = ok["28000000011"];
    assert_eq!(
        (
            t.key.store_id.as_str(),
            t.customer_id.as_deref(),
            t.currency.as_str()
        ),
        ("364", Some("1001"), "USD")
    );
    assert_eq!(t.business_date.to_string(), "2011-03-01");
    assert_eq!(t.occurred_at.to_rfc3339(), "2011-03-01T21:31:00+00:00");
    // SALES_VALUE is the net; the list price adds the loyalty and coupon-match discounts
    // back; the manufacturer's coupon (1.00 on 1082185) is no discount of the store's.
    assert_eq!(
        lines(t),
        [
            (LineKind::Sale, "1004906", d("1"), d("1.99"), d("1.39")),
            (LineKind::Sale, "1033142", d("2"), d("3.29"), d("5")),
            (LineKind::Sale, "1082185", d("1"), d("3.39"), d("2.99")),
        ]
    );
    assert_eq!(discounts(t), [d("0.6"), d("1.58"), d("0.4")]);
    assert_eq!(net(t), d("9.38"));
    assert!(t.tenders.is_empty());

    // DAY 6 is the Sunday that begins week 2; `946` is 09:46. A free row is a line at 0.
    let t = ok["28000000012"];
    assert_eq!(t.business_date.to_string(), "2011-03-06");
    assert_eq!(t.business_date.weekday(), chrono::Weekday::Sun);
    assert_eq!(t.occurred_at.to_rfc3339(), "2011-03-06T14:46:00+00:00");
    assert_eq!(
        lines(t),
        [
            (LineKind::Sale, "995242", d("3"), d("0.9"), d("2.7")),
            (LineKind::Sale, "1127831", d("1"), d("0"), d("0")),
        ]
    );

    // DAY 711 at `5` (00:05), another store; a coupon with no store match leaves only the
    // loyalty discount on the line.
    let t = ok["28000000013"];
    assert_eq!(t.key.store_id, "32004");
    assert_eq!(t.business_date.to_string(), "2013-02-08");
    assert_eq!(t.occurred_at.to_rfc3339(), "2013-02-08T05:05:00+00:00");
    assert_eq!(discounts(t), [d("0"), d("0.2")]);
    assert_eq!(t.lines[1].unit_price, d("1.09"));
    assert_eq!(net(t), d("5.47"));

    // DAY 350 at 23:59 (New York in February: UTC−5) stays on its day.
    let t = ok["28000000014"];
    assert_eq!(t.business_date.to_string(), "2012-02-13");
    assert_eq!(t.occurred_at.to_rfc3339(), "2012-02-14T04:59:00+00:00");

    let total: Decimal = ok.values().map(|t| net(t)).sum();
    assert_eq!(total, d("18.44"));
}

#[test]
fn another_day_one_moves_every_basket_by_the_same_days() {
    let m = with_day_one("2011-03-08");
    let p = parse(&ctx(), &m, &fixture()).unwrap();
    let (ok, _) = split(&p);
    let days: Vec<String> = ok.values().map(|t| t.business_date.to_string()).collect();
    assert_eq!(
        days,
        ["2011-03-08", "2011-03-13", "2013-02-15", "2012-02-20"]
    );
}

/// A generic export: a net after two discount columns, no price column.
const NET_AND_DISCOUNTS: &str = r#"
source = "t"
store_id = "S"
[columns]
txn_id = "Id"
date = "Day"
item_id = "Item"
quantity = "Qty"
net_amount = "Net"
discount = ["Loyalty", "Match"]
"#;

#[test]
fn discount_columns_add_up_and_a_net_with_them_names_the_list_price() {
    let m = Mapping::from_toml(NET_AND_DISCOUNTS).unwrap();
    let body = "Id,Day,Item,Qty,Net,Loyalty,Match\n\
                1,2026-01-05,A,4,10.00,-1.00,-1.00\n\
                1,2026-01-05,B,1,3.00,0.50,\n\
                1,2026-01-05,C,0,1.25,,\n\
                2,2026-01-05,D,1,2.00,one,\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let (ok, rejects) = split(&p);
    let t = ok["1"];
    // 10.00 after 2.00 off over 4 units: 3.00 each; a positive discount cell counts the same.
    assert_eq!(
        lines(t),
        [
            (LineKind::Sale, "A", d("4"), d("3"), d("10.00")),
            (LineKind::Sale, "B", d("1"), d("3.5"), d("3.00")),
            // No units: no price per unit, the money kept.
            (LineKind::Sale, "C", d("0"), d("0"), d("1.25")),
        ]
    );
    assert_eq!(discounts(t), [d("2.00"), d("0.50"), d("0")]);
    assert!(
        rejects[0].1.contains("row 5") && rejects[0].1.contains("column `Loyalty`"),
        "{rejects:?}"
    );
    // Every discount column must be in the header.
    let e = parse(
        &ctx(),
        &m,
        "Id,Day,Item,Qty,Net,Loyalty\n1,2026-01-05,A,1,1,0\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("`Match`"), "{e}");
}
