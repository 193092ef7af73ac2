//! s35: `TTC` (tax included) and `HT` (before tax) after a money cell against the mapping's
//! `prices_include_tax`. `TTC` was accepted whatever the mapping said, so `12,50 € TTC` under
//! a mapping of prices before tax (the default) kept the VAT in net sales; `HT` was refused as
//! a word that names no currency. Now a mark that fits the column and the mapping is read, and
//! one that contradicts them rejects the transaction naming the row, the column and the cell.

use super::tests::{d, txn};
use super::*;
use pos_core::model::Transaction;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A EUR mapping (`;`, decimal `,`) of `id;at;sku;qty` and the columns `keys`, each headed by
/// its own key name, with `top` keys before `[columns]` and `tail` tables after them.
fn mapping(top: &str, keys: &[&str], tail: &str) -> Mapping {
    let cols: String = keys.iter().map(|k| format!("{k} = \"{k}\"\n")).collect();
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"EUR\"\ndelimiter = \";\"\n\
         decimal = \",\"\ndatetime_format = \"%Y-%m-%d %H:%M\"\n{top}\n[columns]\n\
         txn_id = \"id\"\ndatetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\n{cols}{tail}"
    ))
    .unwrap()
}

/// Each row of `cells` (the cells of `keys`) as a transaction of its own, quantity 1: the
/// transaction or its reject's reason.
fn read(m: &Mapping, keys: &[&str], cells: &[&[&str]]) -> Vec<Result<Transaction, String>> {
    let mut body = format!("id;at;sku;qty;{}\n", keys.join(";"));
    for (i, row) in cells.iter().enumerate() {
        body.push_str(&format!(
            "{};2026-01-05 10:00;A;1;{}\n",
            i + 1,
            row.join(";")
        ));
    }
    parse(&ctx(), m, &body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(_)) => Ok(txn(r).clone()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

/// The first line's (net amount, tax) of each row, or its reject's reason.
fn nets(m: &Mapping, keys: &[&str], cells: &[&[&str]]) -> Vec<Result<(Decimal, Decimal), String>> {
    read(m, keys, cells)
        .into_iter()
        .map(|r| r.map(|t| (t.lines[0].net_amount, t.lines[0].tax)))
        .collect()
}

/// The reason names the row (its line in the file), the column and the cell, and says `why`.
fn refused(
    got: &Result<impl std::fmt::Debug, String>,
    line: usize,
    col: &str,
    cell: &str,
    why: &str,
) {
    let reason = got.as_ref().expect_err(cell);
    let at = format!("row {line}: column `{col}`: `{cell}`");
    assert!(reason.contains(&at), "{reason:?} lacks {at:?}");
    assert!(reason.contains(why), "{reason:?} lacks {why:?}");
}

const PRICE_TAX: [&str; 2] = ["unit_price", "tax"];

/// Without `prices_include_tax` (or with it false) prices are before tax: a `TTC` price is
/// refused with the setting that reads it, in any case of the mark.
#[test]
fn a_ttc_price_under_a_mapping_of_prices_before_tax_is_refused() {
    for top in ["", "prices_include_tax = false"] {
        let m = mapping(top, &PRICE_TAX, "");
        let cells = ["12,50 € TTC", "12,50 ttc", "12,50 EUR TTC"];
        let rows: Vec<[&str; 2]> = cells.iter().map(|p| [*p, "2,08"]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        for (i, (got, cell)) in nets(&m, &PRICE_TAX, &rows).iter().zip(cells).enumerate() {
            refused(
                got,
                i + 2,
                "unit_price",
                cell,
                "set `prices_include_tax = true`",
            );
        }
    }
}

/// Under `prices_include_tax = true` a `TTC` price is what the mapping reads: its net is the
/// amount less the tax.
#[test]
fn a_ttc_price_reads_under_a_tax_inclusive_mapping() {
    let m = mapping("prices_include_tax = true", &PRICE_TAX, "");
    assert_eq!(
        nets(
            &m,
            &PRICE_TAX,
            &[&["12,50 € TTC", "2,08 €"], &["12,50", "2,08"]]
        ),
        [Ok((d("10.42"), d("2.08"))), Ok((d("10.42"), d("2.08")))]
    );
}

/// `HT` (before tax) is read like `TTC` after the number: it fits a mapping of prices before
/// tax, set or by default, and is refused under `prices_include_tax = true`.
#[test]
fn an_ht_price_reads_before_tax_and_is_refused_under_a_tax_inclusive_mapping() {
    for top in ["", "prices_include_tax = false"] {
        let m = mapping(top, &PRICE_TAX, "");
        assert_eq!(
            nets(
                &m,
                &PRICE_TAX,
                &[&["10,42 € HT", "2,08"], &["10,42ht", "2,08"]]
            ),
            [Ok((d("10.42"), d("2.08"))), Ok((d("10.42"), d("2.08")))]
        );
    }
    let m = mapping("prices_include_tax = true", &PRICE_TAX, "");
    let got = nets(&m, &PRICE_TAX, &[&["10,42 € HT", "2,08"]]);
    refused(
        &got[0],
        2,
        "unit_price",
        "10,42 € HT",
        "set `prices_include_tax = false`",
    );
    // Marked both ways, a price says nothing either way.
    let got = nets(&m, &PRICE_TAX, &[&["10,42 HT TTC", "2,08"]]);
    refused(&got[0], 2, "unit_price", "10,42 HT TTC", "both");
    // Before the number a mark is a word like any other.
    let got = nets(&m, &PRICE_TAX, &[&["TTC 12,50", "2,08"]]);
    refused(&got[0], 2, "unit_price", "TTC 12,50", "names no currency");
}

/// Gross and net amounts and discounts follow the prices: a mark there is checked as on a
/// unit price.
#[test]
fn every_price_column_checks_its_mark() {
    let keys = ["gross_amount", "discount"];
    let before = mapping("", &keys, "");
    let got = nets(
        &before,
        &keys,
        &[&["25,00 TTC", "1,00"], &["25,00", "1,00 TTC"]],
    );
    refused(
        &got[0],
        2,
        "gross_amount",
        "25,00 TTC",
        "prices_include_tax",
    );
    refused(&got[1], 3, "discount", "1,00 TTC", "prices_include_tax");
    let incl = mapping("prices_include_tax = true", &keys, "");
    let got = nets(
        &incl,
        &keys,
        &[&["25,00 TTC", "1,00 TTC"], &["25,00", "1,00 HT"]],
    );
    assert_eq!(got[0], Ok((d("24.00"), d("0"))));
    refused(&got[1], 3, "discount", "1,00 HT", "prices_include_tax");
    // A net after its discounts (no price column), as dunnhumby writes it.
    let keys = ["net_amount", "discount"];
    let got = nets(
        &mapping("", &keys, ""),
        &keys,
        &[&["9,00 TTC", ""], &["9,00 HT", ""]],
    );
    refused(&got[0], 2, "net_amount", "9,00 TTC", "prices_include_tax");
    assert_eq!(got[1], Ok((d("9.00"), d("0"))));
}

/// A tax amount is neither tax-included nor before tax: a mark on it says the column holds
/// a price or a total, whatever the mapping.
#[test]
fn a_tax_cell_takes_no_tax_mark() {
    for top in ["", "prices_include_tax = true"] {
        let m = mapping(top, &PRICE_TAX, "");
        let cells = ["2,08 € TTC", "2,08 HT"];
        let got = nets(
            &m,
            &PRICE_TAX,
            &[&["12,50", cells[0]], &["12,50", cells[1]]],
        );
        for (i, (got, cell)) in got.iter().zip(cells).enumerate() {
            refused(got, i + 2, "tax", cell, "map the column of the tax");
        }
    }
}

/// An amount paid includes its tax whatever the prices: `TTC` there is read under either
/// setting, `HT` is refused.
#[test]
fn an_amount_paid_may_be_ttc_never_ht() {
    let keys = ["unit_price", "tender_method", "tender_amount", "tender_tip"];
    for top in ["", "prices_include_tax = true"] {
        let m = mapping(top, &keys, "[tenders]\ncash = [\"Cash\"]\n");
        let got = read(
            &m,
            &keys,
            &[
                &["12,50", "Cash", "14,00 € TTC", "1,50 TTC"],
                &["12,50", "Cash", "12,50 HT", ""],
                &["12,50", "Cash", "14,00", "1,50 HT"],
            ],
        );
        let paid = got[0].as_ref().expect("read");
        assert_eq!(
            (paid.tenders[0].amount, paid.tenders[0].tip),
            (d("14.00"), d("1.50"))
        );
        refused(&got[1], 3, "tender_amount", "12,50 HT", "amount paid");
        refused(&got[2], 4, "tender_tip", "1,50 HT", "amount paid");
    }
}

/// An order's total is paid (`TTC` fits, `HT` does not); its subtotal and shipping are
/// priced as its lines; its tax takes no mark.
#[test]
fn order_totals_check_their_marks_by_what_they_hold() {
    let keys = [
        "unit_price",
        "order_tax",
        "order_total",
        "order_subtotal",
        "order_shipping",
    ];
    let m = mapping("prices_include_tax = true", &keys, "");
    let got = read(
        &m,
        &keys,
        &[
            &["12,00", "2,00", "12,00 TTC", "12,00 TTC", "0"],
            &["12,00", "2,00", "10,00 HT", "12,00", "0"],
            &["12,00", "2,00", "12,00", "10,00 HT", "0"],
            &["12,00", "2,00", "12,00", "12,00", "1,00 HT"],
            &["12,00", "2,00 TTC", "12,00", "12,00", "0"],
        ],
    );
    assert_eq!(
        got[0].as_ref().expect("read").lines[0].net_amount,
        d("10.00")
    );
    refused(&got[1], 3, "order_total", "10,00 HT", "amount paid");
    refused(
        &got[2],
        4,
        "order_subtotal",
        "10,00 HT",
        "prices_include_tax",
    );
    refused(
        &got[3],
        5,
        "order_shipping",
        "1,00 HT",
        "prices_include_tax",
    );
    refused(
        &got[4],
        6,
        "order_tax",
        "2,00 TTC",
        "map the column of the tax",
    );
}

/// The marks written with dots, as French receipts also write them, read as the marks: `T.T.C.`
/// under a tax-inclusive mapping, `H.T.` under one of prices before tax, and each refused under
/// the other; a dotted word that is no mark (`k.g.`) is still refused.
#[test]
fn dotted_marks_read_as_the_marks() {
    let inclusive = mapping("prices_include_tax = true", &PRICE_TAX, "");
    let before = mapping("", &PRICE_TAX, "");
    assert_eq!(
        nets(
            &inclusive,
            &PRICE_TAX,
            &[&["12,50 € T.T.C.", "2,08"], &["12,50 t.t.c", "2,08"]]
        ),
        [Ok((d("10.42"), d("2.08"))), Ok((d("10.42"), d("2.08")))]
    );
    assert_eq!(
        nets(&before, &PRICE_TAX, &[&["10,42 € H.T.", "2,08"]]),
        [Ok((d("10.42"), d("2.08")))]
    );
    let got = nets(&before, &PRICE_TAX, &[&["12,50 € T.T.C.", "2,08"]]);
    refused(
        &got[0],
        2,
        "unit_price",
        "12,50 € T.T.C.",
        "set `prices_include_tax = true`",
    );
    let got = nets(&before, &PRICE_TAX, &[&["12,50 k.g.", "2,08"]]);
    refused(&got[0], 2, "unit_price", "12,50 k.g.", "names no currency");
}

/// Rupees as South Asian receipts write them, the dot after `Rs` an abbreviation's: read in a
/// rupee file (`Rs.50` is 50, not 0.50), refused in a euro file.
#[test]
fn rupees_with_an_abbreviation_dot_read_as_rupees() {
    let inr = Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"INR\"\ngroup = \",\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"unit_price\"\n",
    )
    .unwrap();
    let body = "id,at,sku,qty,unit_price\n1,2026-01-05 10:00,A,1,Rs.50\n\
                2,2026-01-05 10:00,A,1,\"Rs. 1,250.00\"\n3,2026-01-05 10:00,A,1,1250 Rs\n";
    let got: Vec<Decimal> = parse(&ctx(), &inr, body)
        .unwrap()
        .records
        .iter()
        .map(|r| txn(r).lines[0].unit_price)
        .collect();
    assert_eq!(got, [d("50"), d("1250.00"), d("1250")]);
    let eur = mapping("", &["unit_price"], "");
    let got = nets(&eur, &["unit_price"], &[&["Rs.50"]]);
    refused(
        &got[0],
        2,
        "unit_price",
        "Rs.50",
        "not in the transaction's currency EUR",
    );
}
