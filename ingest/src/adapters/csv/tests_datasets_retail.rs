//! Famous public retail datasets analysts load first (Tableau Superstore, the French bakery's
//! tickets, Maven's Coffee Shop Sales, Kaggle's Retail Sales Dataset) with their ready
//! mappings, read from fixtures in their shapes (`tests/data/real/datasets/PROVENANCE.md`).

use super::tests::d;
use super::tests_datasets::{ctx, lines, net, real, split};
use super::*;
use pos_core::model::*;

const SUPERSTORE: &str = include_str!("../../../mappings/tableau_superstore_orders.toml");
const BAKERY: &str = include_str!("../../../mappings/french_bakery_sales.toml");
const COFFEE: &str = include_str!("../../../mappings/maven_coffee_shop_sales.toml");
const RETAIL: &str = include_str!("../../../mappings/kaggle_retail_sales_dataset.toml");

fn date(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// (discount, tax) of each line.
fn discounts(t: &Transaction) -> Vec<(Decimal, Decimal)> {
    t.lines.iter().map(|l| (l.discount, l.tax)).collect()
}

#[test]
fn superstore_lines_keep_sales_as_net_and_get_list_price_and_discount_from_the_rate() {
    let m = Mapping::from_toml(SUPERSTORE).unwrap();
    let p = parse(&ctx(), &m, &real("superstore_orders.csv")).unwrap();
    assert_eq!(p.rows, 14);
    let (ok, rejects) = split(&p);
    assert_eq!(rejects, []);
    let ids: Vec<&str> = ok.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "CA-2014-143336",
            "CA-2015-129714",
            "CA-2016-138275",
            "CA-2017-100111",
            "CA-2017-117415",
            "CA-2017-152660",
            "US-2015-108222"
        ]
    );
    let t = ok["CA-2016-138275"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str()),
        ("superstore", "USD")
    );
    assert_eq!(t.customer_id.as_deref(), Some("MR-17545"));
    // `6/12/2016`, no time: local midnight (the store's zone, New York here) of that day.
    assert_eq!(t.business_date, date(2016, 6, 12));
    assert_eq!(t.occurred_at.to_rfc3339(), "2016-06-12T04:00:00+00:00");
    // Sales 41.904 after 20 % off: list 52.38 = 3 × 17.46, discount 10.476.
    assert_eq!(
        lines(t),
        [
            (
                LineKind::Sale,
                "OFF-BI-10003910",
                d("3"),
                d("17.46"),
                d("41.904")
            ),
            (
                LineKind::Sale,
                "TEC-PH-10002033",
                d("2"),
                d("539.97"),
                d("863.952")
            ),
        ]
    );
    assert_eq!(
        discounts(t),
        [(d("10.476"), d("0")), (d("215.988"), d("0"))]
    );
    // 45 %, 80 %, 60 % and 50 % off; a line without discount has none.
    let t = ok["US-2015-108222"];
    assert_eq!(
        (t.lines[0].unit_price, t.lines[0].discount),
        (d("261.75"), d("353.3625"))
    );
    let t = ok["CA-2017-117415"];
    assert_eq!(
        lines(t)[0],
        (
            LineKind::Sale,
            "OFF-BI-10000756",
            d("4"),
            d("4.77"),
            d("3.816")
        )
    );
    assert_eq!(t.lines[0].discount, d("15.264"));
    assert_eq!(
        t.lines[0].description.as_deref(),
        Some("Acco Pressboard Covers with Storage Hooks, 14 7/8\" x 11\", Light Blue")
    );
    assert_eq!(
        (t.lines[2].unit_price, t.lines[2].discount),
        (d("37.11"), d("22.266"))
    );
    assert_eq!(net(t), d("54.660"));
    assert_eq!(ok["CA-2015-129714"].lines[1].discount, d("6799.9"));
    assert_eq!(discounts(ok["CA-2017-100111"])[0], (d("0"), d("0")));
    assert_eq!(ok["CA-2017-100111"].lines[0].unit_price, d("109.99"));
    // The same product twice in one order: two lines.
    assert_eq!(
        lines(ok["CA-2017-152660"]),
        [
            (
                LineKind::Sale,
                "OFF-PA-10001804",
                d("2"),
                d("6.16"),
                d("12.32")
            ),
            (
                LineKind::Sale,
                "OFF-PA-10001804",
                d("1"),
                d("6.16"),
                d("6.16")
            ),
        ]
    );
    assert!(ok.values().all(|t| t.tenders.is_empty()));
}

#[test]
fn superstore_copies_with_excel_amounts_or_iso_dates_read_the_same() {
    let m = Mapping::from_toml(SUPERSTORE).unwrap();
    let text = real("superstore_orders.csv");
    // Excel's display of amounts, a pandas copy's ISO dates, and the two-digit years of
    // copies saved with a short date (`11/8/16`; `%Y` alone read them as the year 16).
    let shown = text
        .replace(",863.952,", ",\"$863.952\",")
        .replace(",6799.9,", ",\"6,799.90\",")
        .replace(",6/12/2016,", ",2016-06-12,")
        .replace(",11/8/2017,", ",11/8/17,");
    let (a, b) = (
        parse(&ctx(), &m, &text).unwrap(),
        parse(&ctx(), &m, &shown).unwrap(),
    );
    assert!(shown.contains(",11/8/17,") && shown.contains(",2016-06-12,"));
    assert_eq!(a.records, b.records);
}

#[test]
fn superstore_csv_is_read_as_windows_1252() {
    let mut ms = std::collections::HashMap::new();
    ms.insert("s".to_string(), Mapping::from_toml(SUPERSTORE).unwrap());
    let mut bytes = real("superstore_orders.csv")
        .replace("Newell 341", "Newell 341 Pencil\u{00ae}")
        .into_bytes();
    // The `®` as Windows-1252 writes it: one byte.
    let at = bytes.windows(2).position(|w| w == [0xc2, 0xae]).unwrap();
    bytes.splice(at..at + 2, [0xae]);
    let text = crate::adapters::format::text_of(
        &ms,
        &crate::adapters::format::Format::Csv("s".into()),
        &bytes,
    )
    .unwrap();
    let p = parse(&ctx(), &ms["s"], &text).unwrap();
    let (ok, _) = split(&p);
    assert_eq!(
        ok["CA-2014-143336"].lines[0].description.as_deref(),
        Some("Newell 341 Pencil\u{00ae}")
    );
}

#[test]
fn bakery_tickets_french_prices_negative_rows_and_the_placeholder_article() {
    let m = Mapping::from_toml(BAKERY).unwrap();
    let p = parse(&ctx(), &m, &real("bakery_sales.csv")).unwrap();
    assert_eq!(p.rows, 16);
    let (ok, rejects) = split(&p);
    // `159810.0` is ticket 159810.
    let ids: Vec<&str> = ok.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        ["159810", "159811", "159812", "159813", "170022", "170024", "288911"]
    );
    let t = ok["159810"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), net(t)),
        ("french-bakery", "EUR", d("6.95"))
    );
    assert_eq!(
        lines(t)[0],
        (
            LineKind::Sale,
            "TRADITIONAL BAGUETTE",
            d("2"),
            d("1.20"),
            d("2.40")
        )
    );
    // Paris: 08:05 is 07:05 UTC in March (CET), 18:55 is 16:55 UTC in August (CEST).
    assert_eq!(t.occurred_at.to_rfc3339(), "2021-03-14T07:05:00+00:00");
    assert_eq!(
        ok["170022"].occurred_at.to_rfc3339(),
        "2021-08-21T16:55:00+00:00"
    );
    assert_eq!(ok["288911"].business_date, date(2022, 9, 30));
    // An item taken off its ticket: a return line beside the sale, the ticket nets it out.
    assert_eq!(
        lines(ok["159811"]),
        [
            (LineKind::Sale, "BANETTE", d("1"), d("1.05"), d("1.05")),
            (LineKind::Sale, "CAMPAGNE", d("1"), d("2.10"), d("2.10")),
            (LineKind::Return, "BANETTE", d("-1"), d("1.05"), d("-1.05")),
        ]
    );
    assert_eq!(net(ok["159811"]), d("2.10"));
    // A ticket of negative rows only: a return.
    assert_eq!(
        lines(ok["159812"]),
        [(
            LineKind::Return,
            "TRADITIONAL BAGUETTE",
            d("-2"),
            d("1.20"),
            d("-2.40")
        )]
    );
    assert_eq!(net(ok["170022"]), d("51.00"));
    // A free article moves units, no money.
    assert_eq!(
        lines(ok["170024"])[1],
        (LineKind::Sale, "BAGUETTE", d("1"), d("0.00"), d("0.00"))
    );
    assert!(ok.values().all(|t| discounts(t)
        .iter()
        .all(|&(x, y)| x.is_zero() && y.is_zero())));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].0, "170023");
    assert!(
        rejects[0].1.contains("`article`") && rejects[0].1.contains("placeholder"),
        "{}",
        rejects[0].1
    );
}

#[test]
fn coffee_shop_rows_are_transactions_of_three_stores_in_new_york_time() {
    let m = Mapping::from_toml(COFFEE).unwrap();
    let p = parse(&ctx(), &m, &real("coffee_shop_sales.csv")).unwrap();
    assert_eq!(p.rows, 10);
    let (ok, rejects) = split(&p);
    assert_eq!((ok.len(), rejects.len()), (10, 0));
    let t = ok["1"];
    assert_eq!((t.key.store_id.as_str(), t.currency.as_str()), ("5", "USD"));
    assert_eq!(lines(t), [(LineKind::Sale, "30", d("2"), d("3"), d("6"))]);
    assert_eq!(t.lines[0].description.as_deref(), Some("Ethiopia Sm"));
    // `7:04:18` in January is EST; 20:58 on June 30 is EDT and already July 1 in UTC, but
    // the business day is the shop's.
    assert_eq!(t.occurred_at.to_rfc3339(), "2023-01-01T12:04:18+00:00");
    let late = ok["10"];
    assert_eq!(late.occurred_at.to_rfc3339(), "2023-07-01T00:58:02+00:00");
    assert_eq!(
        (late.business_date, late.key.store_id.as_str()),
        (date(2023, 6, 30), "3")
    );
    assert_eq!(ok["6"].business_date, date(2023, 1, 1));
    assert_eq!(ok["4"].key.store_id, "8");
    assert_eq!(net(ok["4"]), d("144"));
    assert_eq!(net(ok["8"]), d("0.8"));
    let total: Decimal = ok.values().map(|t| net(t)).sum();
    assert_eq!(total, d("184.95"));
    assert!(ok.values().all(|t| discounts(t) == [(d("0"), d("0"))]));
}

#[test]
fn coffee_shop_dates_in_each_form_the_copies_have_are_one_day() {
    let m = Mapping::from_toml(COFFEE).unwrap();
    let head = "transaction_id,transaction_date,transaction_time,transaction_qty,store_id,\
                store_location,product_id,unit_price,product_category,product_type,product_detail\n";
    for day in ["3/12/23", "3/12/2023", "2023-03-12", "03/12/2023"] {
        let body = format!("{head}7,{day},07:15:00,1,5,Lower Manhattan,61,4.75,a,b,c\n");
        let p = parse(&ctx(), &m, &body).unwrap();
        let (ok, rejects) = split(&p);
        assert_eq!(rejects, [], "{day}");
        // March 12, 2023 is the day New York moves to EDT: 07:15 is 11:15 UTC.
        assert_eq!(
            (ok["7"].business_date, ok["7"].occurred_at.to_rfc3339()),
            (date(2023, 3, 12), "2023-03-12T11:15:00+00:00".to_string()),
            "{day}"
        );
    }
    let body = format!("{head}7,12.03.2023,07:15:00,1,5,x,61,4.75,a,b,c\n");
    let e = parse(&ctx(), &m, &body).unwrap().records[0]
        .clone()
        .unwrap_err();
    assert!(
        e.reason.contains("`transaction_date`")
            && e.reason.contains("`%m/%d/%y` or `%m/%d/%Y` or `%Y-%m-%d`"),
        "{}",
        e.reason
    );
}

#[test]
fn retail_sales_dataset_one_category_line_per_transaction() {
    let m = Mapping::from_toml(RETAIL).unwrap();
    let text = real("retail_sales_dataset.csv");
    let p = parse(&ctx(), &m, &text).unwrap();
    let (ok, rejects) = split(&p);
    assert_eq!((p.rows, ok.len(), rejects.len()), (6, 6, 0));
    let t = ok["1"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str()),
        ("retail-sales-dataset", "USD")
    );
    assert_eq!(t.customer_id.as_deref(), Some("CUST001"));
    assert_eq!(
        lines(t),
        [(LineKind::Sale, "Electronics", d("2"), d("300"), d("600"))]
    );
    assert_eq!(ok["5"].business_date, date(2024, 1, 1));
    // Each net is the row's `Total Amount`, the column the mapping does not read.
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(net(ok[cells[0]]), d(cells[8]), "{row}");
    }
    assert!(ok.values().all(|t| discounts(t) == [(d("0"), d("0"))]));
}
