//! s34: money and quantity cells with words or marks beside the number. Letters before the
//! first or after the last digit of a money cell were dropped whatever they said (`12.50 kg`
//! read as 12.50); now only currency marks may stand there, anything else rejects the row's
//! transaction naming the row, the column and the cell. Quantities hold a number only.

use super::tests::d;
use super::*;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A USD mapping of `id;at;sku;qty;price;disc;tax;pay;tip`.
fn mapping() -> Mapping {
    Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\n\
         discount = \"disc\"\ntax = \"tax\"\ntender_method = \"pay\"\ntender_tip = \"tip\"\n\
         [tenders]\ncash = [\"Cash\"]\n",
    )
    .unwrap()
}

/// Each `(qty, price, disc, tax, tip)` as a transaction of its own: its first line's
/// (quantity, net amount), or its reject's reason.
fn read(rows: &[[&str; 5]]) -> Vec<Result<(Decimal, Decimal), String>> {
    let mut body = "id;at;sku;qty;price;disc;tax;pay;tip\n".to_string();
    for (i, [q, p, di, t, tip]) in rows.iter().enumerate() {
        body.push_str(&format!(
            "{};2026-01-05 10:00;A;{q};{p};{di};{t};Cash;{tip}\n",
            i + 1
        ));
    }
    parse(&ctx(), &mapping(), &body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => Ok((t.lines[0].quantity, t.lines[0].net_amount)),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

/// Each price cell on a row of its own (quantity 1, nothing else): its reject's reason.
fn price_rejects(cells: &[&str]) -> Vec<String> {
    let rows: Vec<[&str; 5]> = cells.iter().map(|p| ["1", p, "", "", ""]).collect();
    read(&rows)
        .into_iter()
        .zip(cells)
        .map(|(got, cell)| got.expect_err(&format!("`{cell}` was read")))
        .collect()
}

/// The reason names the row (its line in the file), the column and the cell.
fn names(reason: &str, line: usize, col: &str, cell: &str) {
    let want = format!("row {line}: column `{col}`: `{cell}`");
    assert!(reason.contains(&want), "{reason:?} lacks {want:?}");
}

fn check_prices_refused(cells: &[&str], why: &str) {
    for (i, (reason, cell)) in price_rejects(cells).iter().zip(cells).enumerate() {
        names(reason, i + 2, "price", cell);
        assert!(reason.contains(why), "{reason}");
    }
}

#[test]
fn a_unit_word_after_a_price_is_refused_not_dropped() {
    check_prices_refused(
        &["12.50 kg", "12.50kg", "12.50 lb", "12.50 pcs", "12.50 ea"],
        "names no currency",
    );
}

#[test]
fn a_times_sign_beside_a_price_is_refused() {
    check_prices_refused(&["12.50 x", "x12.50", "X 12.50"], "names no currency");
}

#[test]
fn a_price_per_unit_is_refused() {
    check_prices_refused(&["12.50/kg", "$12.50/lb"], "price per unit");
    check_prices_refused(&["12.50 per lb", "$12.50 per kg"], "`per`");
}

#[test]
fn a_range_of_prices_is_refused() {
    for (i, (reason, cell)) in price_rejects(&["10-12", "10.00 - 12.00", "10 to 12"])
        .iter()
        .zip(["10-12", "10.00 - 12.00", "10 to 12"])
        .enumerate()
    {
        names(reason, i + 2, "price", cell);
    }
}

#[test]
fn a_note_beside_a_price_is_refused() {
    check_prices_refused(
        &["12.50 (sale)", "sale 12.50", "12.50 promo"],
        "names no currency",
    );
}

#[test]
fn currency_signs_and_codes_are_still_read() {
    let cells = ["$12.50", "12.50 USD", "usd 12.50", "US$12.50", "USD 12.50-"];
    let rows: Vec<[&str; 5]> = cells.iter().map(|p| ["1", p, "", "", ""]).collect();
    let got: Vec<Decimal> = read(&rows).into_iter().map(|r| r.unwrap().1).collect();
    assert_eq!(
        got,
        [d("12.50"), d("12.50"), d("12.50"), d("12.50"), d("-12.50")]
    );
    // A lowercase word that only spells a code of another currency (`all`, the lek) is a word.
    check_prices_refused(&["12.50 all"], "names no currency");
    // Another currency's code is refused as before, naming the currency.
    check_prices_refused(&["12.50 EUR"], "not in the transaction's currency");
}

#[test]
fn a_percentage_in_a_discount_amount_column_is_refused() {
    let got = read(&[
        ["1", "20.00", "10%", "", ""],
        ["1", "20.00", "10 %", "", ""],
    ]);
    for (i, (got, cell)) in got.iter().zip(["10%", "10 %"]).enumerate() {
        let reason = got.as_ref().expect_err(cell);
        names(reason, i + 2, "disc", cell);
        assert!(reason.contains("percentage"), "{reason}");
    }
}

/// Taxes and tips go through the same reading as prices and discounts.
#[test]
fn words_in_tax_discount_and_tip_cells_are_refused() {
    let got = read(&[
        ["1", "20.00", "1.00 off", "", ""],
        ["1", "20.00", "", "1.60 incl", ""],
        ["1", "20.00", "", "", "2.00 tip"],
    ]);
    for (i, (got, (col, cell))) in got
        .iter()
        .zip([
            ("disc", "1.00 off"),
            ("tax", "1.60 incl"),
            ("tip", "2.00 tip"),
        ])
        .enumerate()
    {
        names(got.as_ref().expect_err(cell), i + 2, col, cell);
    }
    assert_eq!(
        read(&[["1", "20.00", "$1.00", "1.60 USD", "$2.00"]]),
        [Ok((d("1"), d("19.00")))]
    );
}

/// SAP and IBM exports write a negative amount with its minus after it: `12.50-` is a refund
/// of 12.50, `2-` two units given back.
#[test]
fn a_trailing_minus_is_a_negative_number() {
    let got = read(&[
        ["1", "12.50-", "", "", ""],
        ["2-", "12.50", "", "", ""],
        ["1", "$12.50-", "", "", ""],
    ]);
    assert_eq!(
        got,
        [
            Ok((d("-1"), d("-12.50"))),
            Ok((d("-2"), d("-25.00"))),
            Ok((d("-1"), d("-12.50")))
        ]
    );
}

/// Exports write the unit of a weighed item in a column of its own; a quantity cell with a
/// word or a currency sign is refused naming it (`$2` was read as 2 units).
#[test]
fn a_quantity_with_a_unit_word_or_a_currency_sign_is_refused() {
    let cells = ["1.5 kg", "2 pcs", "2 ea", "3 x", "x3", "0.750 lb", "$2"];
    let rows: Vec<[&str; 5]> = cells.iter().map(|q| [*q, "4.00", "", "", ""]).collect();
    for (i, (got, cell)) in read(&rows).iter().zip(cells).enumerate() {
        let reason = got.as_ref().expect_err(cell);
        names(reason, i + 2, "qty", cell);
        assert!(reason.contains("number only"), "{reason}");
    }
    assert_eq!(
        read(&[["1.5", "4.00", "", "", ""]]),
        [Ok((d("1.5"), d("6.00")))]
    );
}
