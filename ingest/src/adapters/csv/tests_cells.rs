//! Red-team round s25: cells real exports write that were read as other numbers, merged or
//! signed wrong without a word (thousands and decimal separators of another locale, double
//! negatives, `1€50`, `CR`, cents with a fraction, Excel's scientific ids, a coupon under
//! kind "sale", a refund's unsigned total, a header repeated inside the file). Each is now
//! read right or rejected naming its row and column.

use super::tests::{d, txn};
use super::*;
use pos_core::model::*;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A mapping of `id;at;sku;qty;price` (`;`-delimited, so money may hold commas), with `top`
/// keys and `extra` columns.
fn mapping(top: &str, extra: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n{top}\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\n{extra}\n"
    ))
    .unwrap()
}

/// One transaction per `(qty, price)`, ids 1, 2, …: each one's unit price, or its reject.
fn prices(m: &Mapping, cells: &[(&str, &str)]) -> Vec<Result<Decimal, String>> {
    let mut body = "id;at;sku;qty;price\n".to_string();
    for (i, (q, p)) in cells.iter().enumerate() {
        body.push_str(&format!("{};2026-01-05 10:00;A;{q};{p}\n", i + 1));
    }
    parse(&ctx(), m, &body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(_) => {
                let l = &txn(r).lines[0];
                Ok(l.quantity * l.unit_price)
            }
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

fn rejected(r: &Result<Decimal, String>, column: &str) -> bool {
    matches!(r, Err(e) if e.contains(&format!("column `{column}`")))
}

/// `1.234,567` (a German 1234.567: three decimals, as KWD prices and kilo weights have) in a
/// file mapped `decimal = "."`, `group = ","` read as 1.234567: the comma was taken for a
/// grouping separator after the decimal point. The reverse (`1,234.567` mapped German) was
/// 1.234567 as well; `0,500` (half a kilo) was 500, `,123` was 123, `12 34` was 1234.
#[test]
fn numbers_grouped_as_another_locale_are_refused_not_misread() {
    let us = mapping("group = \",\"", "");
    let got = prices(
        &us,
        &[
            ("1", "1.234,567"),
            ("0,500", "2.00"),
            ("1", ",123"),
            ("1", "12 34"),
            ("1", "1,234.567"),
            ("1", "1 234.50"),
        ],
    );
    assert!(rejected(&got[0], "price"), "{:?}", got[0]);
    assert!(rejected(&got[1], "qty"), "{:?}", got[1]);
    assert!(rejected(&got[2], "price"), "{:?}", got[2]);
    assert!(rejected(&got[3], "price"), "{:?}", got[3]);
    assert_eq!(got[4], Ok(d("1234.567")));
    assert_eq!(got[5], Ok(d("1234.50")));
    let de = mapping("decimal = \",\"\ngroup = \".\"", "");
    let got = prices(&de, &[("1", "1,234.567"), ("1", "1.234,567")]);
    assert!(rejected(&got[0], "price"), "{:?}", got[0]);
    assert_eq!(got[1], Ok(d("1234.567")));
}

/// `-12.50-` and `(-12.50)` carry two negative marks, which cancelled out: a refund of 12.50
/// was read as a sale of 12.50. One mark is read as before; the U+2212 minus sign of
/// typeset numbers (Apple Numbers) is a minus, and a Swiss `1’234.50` groups like `1'234.50`.
#[test]
fn double_negatives_are_refused_and_the_unicode_minus_is_a_minus() {
    let m = mapping("group = \",\"", "");
    let got = prices(
        &m,
        &[
            ("1", "-12.50-"),
            ("1", "(-12.50)"),
            ("1", "\u{2212}12.50"),
            ("1", "(12.50)"),
        ],
    );
    assert!(rejected(&got[0], "price"), "{:?}", got[0]);
    assert!(rejected(&got[1], "price"), "{:?}", got[1]);
    assert_eq!(got[2], Ok(d("-12.50")));
    assert_eq!(got[3], Ok(d("-12.50")));
    let ch = mapping("group = \"'\"", "");
    assert_eq!(prices(&ch, &[("1", "1\u{2019}234.50")]), [Ok(d("1234.50"))]);
}

/// `1€50` (how French hands write 1.50 €) lost its sign and was 150; `12.50 CR` (a credit in
/// accounting reports) lost its mark and was +12.50; `1.5K` (a report's shorthand) was 1.5.
/// All are refused naming the column; signs and codes of the file's currency (`$`, `USD`) are
/// still dropped (s33: of another currency, such as `kr` or `EUR` in this USD file, refused).
#[test]
fn a_currency_sign_between_digits_or_a_credit_mark_is_refused() {
    let m = mapping("group = \",\"", "");
    let got = prices(
        &m,
        &[
            ("1", "1€50"),
            ("1", "12.50 CR"),
            ("1", "1.5K"),
            ("1", "12M"),
        ],
    );
    for g in &got {
        assert!(rejected(g, "price"), "{g:?}");
    }
    let got = prices(
        &m,
        &[("1", "$ 1,500.00"), ("1", "12.50USD"), ("1", "12.50 USD")],
    );
    assert_eq!(got, [Ok(d("1500.00")), Ok(d("12.50")), Ok(d("12.50"))]);
}

/// With `money_unit = "minor"` a cell `12.50` is not cents: the file is in major units. It
/// was read as 0.125, a hundredth of the price. Whole cents (also pandas' `1250.0`) read.
#[test]
fn minor_units_with_a_fraction_are_refused() {
    let m = mapping("money_unit = \"minor\"", "");
    let got = prices(&m, &[("1", "12.50"), ("1", "1250"), ("1", "1250.0")]);
    assert!(
        matches!(&got[0], Err(e) if e.contains("column `price`") && e.contains("minor")),
        "{:?}",
        got[0]
    );
    assert_eq!(got[1..], [Ok(d("12.50")), Ok(d("12.50"))]);
}

/// A file re-saved in Excel writes long ids as `1.23457E+12`: receipts 1234567890123 and
/// 1234571234567 both become that cell and were merged into one transaction, and EANs into
/// one item. The transaction is refused naming the column; an item code such as `12E4` is
/// still a code.
#[test]
fn ids_excel_wrote_in_scientific_notation_are_refused_not_merged() {
    let m = mapping("", "");
    let body = "id;at;sku;qty;price\n\
1.23457E+12;2026-01-05 10:00;A;1;10.00\n\
1.23457E+12;2026-01-05 11:00;A;1;3.00\n\
7;2026-01-05 10:00;4.00638E+12;1;1.00\n\
8;2026-01-05 10:00;12E4;1;1.00\n";
    let p = parse(&ctx(), &m, body).unwrap();
    assert_eq!(p.records.len(), 3);
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("column `id`") && e.reason.contains("scientific"),
        "{}",
        e.reason
    );
    let e = p.records[1].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 4: column `sku`") && e.reason.contains("scientific"),
        "{}",
        e.reason
    );
    assert_eq!(txn(&p.records[2]).lines[0].sku, "12E4");
}

/// A coupon or a deposit refund rung up as an item at -2.00, in a file whose kind column
/// calls every row a sale: the sign was dropped and it was +2.00 of sales. A negative amount
/// is money paid out, as it already was without a kind column: a return line.
#[test]
fn a_negative_amount_under_kind_sale_is_a_return_not_a_sale() {
    let m = mapping("", "kind = \"k\"");
    let body = "id;at;sku;qty;price;k\n\
1;2026-01-05 10:00;A;1;10.00;sale\n\
1;2026-01-05 10:00;COUPON;1;-2.00;sale\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let t = txn(&p.records[0]);
    let got: Vec<_> = t.lines.iter().map(|l| (l.kind, l.net_amount)).collect();
    assert_eq!(
        got,
        [(LineKind::Sale, d("10.00")), (LineKind::Return, d("-2.00"))]
    );
}

/// A refund's total written without a sign (`Total` 5.00 on a return) was a tender of +5.00:
/// cash paid back counted as cash taken in the payment mix. The lines tell it is a refund.
#[test]
fn a_refund_s_unsigned_tender_amount_is_money_paid_out() {
    let m = mapping(
        "",
        "tender_method = \"pay\"\ntender_amount = \"total\"\n[tenders]\ncash = [\"Cash\"]",
    );
    let body = "id;at;sku;qty;price;pay;total\n\
1;2026-01-05 10:00;A;-1;5.00;Cash;5.00\n\
2;2026-01-05 10:00;A;2;5.00;Cash;10.00\n\
3;2026-01-05 10:00;A;-1;5.00;Cash;-5.00\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let amounts: Vec<_> = p.records.iter().map(|r| txn(r).tenders[0].amount).collect();
    assert_eq!(amounts, [d("-5.00"), d("10.00"), d("-5.00")]);
}

/// Exports appended to one another repeat the header at each join. The copy was read as a
/// transaction named after the id column (a reject), and in chunk planning its id spanned
/// the file, so nothing could be cut: the whole file was one chunk.
#[test]
fn a_header_repeated_inside_the_file_is_skipped_and_does_not_stop_chunking() {
    let m = mapping("", "");
    let part = |id: u32| format!("id;at;sku;qty;price\n{id};2026-01-05 10:00;A;1;1.00\n");
    let body = format!("{}{}{}", part(1), part(2), part(3));
    let p = parse(&ctx(), &m, &body).unwrap();
    assert_eq!(p.rows, 3);
    let ids: Vec<_> = p
        .records
        .iter()
        .map(|r| txn(r).key.source_txn_id.clone())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let plan = Plan::new(&m, &body, 1).unwrap();
    assert_eq!(plan.len(), 3, "one chunk per transaction");
    let rows: usize = plan
        .chunks(&body, 0)
        .map(|c| parse_at(&ctx(), &m, &c.body, c.line_offset).unwrap().rows)
        .sum();
    assert_eq!(rows, 3);
}

/// A `tender_amount` column holding each line's total (`Total` of a line-item export) gave
/// the transaction the first line's total as its payment: 10.00 of a 13.00 sale. Rows that
/// write different amounts are refused naming the column; one total repeated on every row,
/// or written on the first row with 0 or nothing on the others, is the payment.
#[test]
fn a_tender_amount_that_differs_between_rows_is_refused() {
    let m = mapping(
        "",
        "tender_method = \"pay\"\ntender_amount = \"total\"\n[tenders]\ncash = [\"Cash\"]",
    );
    let body = "id;at;sku;qty;price;pay;total\n\
1;2026-01-05 10:00;A;1;10.00;Cash;10.00\n\
1;2026-01-05 10:00;B;1;3.00;Cash;3.00\n\
2;2026-01-05 10:00;A;1;10.00;Cash;13.00\n\
2;2026-01-05 10:00;B;1;3.00;Cash;13.00\n\
3;2026-01-05 10:00;A;1;10.00;Cash;0.00\n\
3;2026-01-05 10:00;B;1;3.00;Cash;13.00\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(e.reason.contains("row 3: column `total`"), "{}", e.reason);
    assert_eq!(txn(&p.records[1]).tenders[0].amount, d("13.00"));
    assert_eq!(txn(&p.records[2]).tenders[0].amount, d("13.00"));
}

/// A quantity divided by a tiny `quantity_divisor` beyond `Decimal`'s range panicked (the
/// adapter's panic is a payload error for the whole file); it is the row's reject now.
#[test]
fn a_quantity_divided_beyond_range_is_a_reject_not_a_panic() {
    let m = mapping("quantity_divisor = \"0.0000000000000000000000000001\"", "");
    let got = prices(&m, &[("10", "1.00")]);
    assert!(rejected(&got[0], "qty"), "{:?}", got[0]);
}
