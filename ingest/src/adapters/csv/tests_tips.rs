//! `tender_tip`: the tip of a transaction's one tender, read as `tender_amount` is (on any
//! row, the one amount its rows write), inside the tender's amount. Hand-made files.

use super::tests::{d, txn};
use super::*;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A mapping of `id;at;sku;qty;price;pay;tip` (cash or card), with `extra` columns.
fn mapping(extra: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\n\
         tender_method = \"pay\"\ntender_tip = \"tip\"\n{extra}\n\
         [tenders]\ncash = [\"Cash\"]\ncard = [\"Card\"]\n"
    ))
    .unwrap()
}

/// (amount, tip) of each transaction's tender, or its reject's reason.
fn tenders(m: &Mapping, body: &str) -> Vec<Result<(Decimal, Decimal), String>> {
    parse(&ctx(), m, body)
        .unwrap()
        .records
        .iter()
        .map(|r| match r {
            Ok(_) => {
                let x = &txn(r).tenders[0];
                Ok((x.amount, x.tip))
            }
            Err(e) => Err(e.reason.clone()),
        })
        .collect()
}

/// Without `tender_amount` the tender is the lines plus the tip: tenders less tips are the
/// lines again. An empty or 0 cell is no tip; the tip may sit on any one row, or be repeated.
#[test]
fn a_tip_is_added_to_a_tender_made_of_the_lines() {
    let m = mapping("");
    let body = "id;at;sku;qty;price;pay;tip\n\
1;2026-01-05 10:00;A;1;10.00;Card;1.50\n\
1;2026-01-05 10:00;B;1;3.00;Card;\n\
2;2026-01-05 10:00;A;2;10.00;Cash;\n\
3;2026-01-05 10:00;A;1;10.00;Cash;0\n\
4;2026-01-05 10:00;A;1;10.00;Card;\n\
4;2026-01-05 10:00;B;1;3.00;Card;2.00\n\
5;2026-01-05 10:00;A;1;10.00;Card;2.00\n\
5;2026-01-05 10:00;B;1;3.00;Card;2.00\n";
    let got = tenders(&m, body);
    assert_eq!(
        got,
        [
            Ok((d("14.50"), d("1.50"))),
            Ok((d("20.00"), d("0"))),
            Ok((d("10.00"), d("0"))),
            Ok((d("15.00"), d("2.00"))),
            Ok((d("15.00"), d("2.00"))),
        ]
    );
    let p = parse(&ctx(), &m, body).unwrap();
    for r in &p.records {
        let t = txn(r);
        let lines: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
        let x = &t.tenders[0];
        assert_eq!(x.amount - x.tip, lines, "{}", t.key.source_txn_id);
        assert!(t.lines.iter().all(|l| l.raw_item_id != "tip"));
    }
}

/// With `tender_amount` the amount written is the money charged, tip inside: it is not
/// added again.
#[test]
fn a_tip_is_inside_a_tender_amount_written() {
    let m = mapping("tender_amount = \"total\"");
    let body = "id;at;sku;qty;price;pay;tip;total\n\
1;2026-01-05 10:00;A;1;10.00;Card;1.50;11.50\n\
2;2026-01-05 10:00;A;1;10.00;Cash;;10.00\n";
    assert_eq!(
        tenders(&m, body),
        [Ok((d("11.50"), d("1.50"))), Ok((d("10.00"), d("0")))]
    );
}

/// A refund (lines below 0) with its tip written without a sign gives the tip back: a
/// negative tip on the negative tender, with or without `tender_amount`; written negative it
/// is taken as signed.
#[test]
fn a_refunded_tip_is_negative_on_the_refund_tender() {
    let m = mapping("");
    let body = "id;at;sku;qty;price;pay;tip\n\
1;2026-01-05 10:00;A;-1;10.00;Card;1.50\n\
2;2026-01-05 10:00;A;-1;10.00;Card;-1.50\n";
    assert_eq!(
        tenders(&m, body),
        [Ok((d("-11.50"), d("-1.50"))), Ok((d("-11.50"), d("-1.50")))]
    );
    let m = mapping("tender_amount = \"total\"");
    let body = "id;at;sku;qty;price;pay;tip;total\n\
1;2026-01-05 10:00;A;-1;10.00;Card;1.50;11.50\n";
    assert_eq!(tenders(&m, body), [Ok((d("-11.50"), d("-1.50")))]);
}

/// A tip of the other sign than its tender, or above a written amount, is no part of it:
/// the transaction is rejected with the reason naming the tip and the amount. Rows that
/// write different tips are refused naming the column, as `tender_amount` is.
#[test]
fn a_tip_outside_its_amount_is_rejected_with_the_reason() {
    let m = mapping("tender_amount = \"total\"");
    let body = "id;at;sku;qty;price;pay;tip;total\n\
1;2026-01-05 10:00;A;1;10.00;Card;12.00;11.50\n\
2;2026-01-05 10:00;A;1;10.00;Card;-1.00;10.00\n\
3;2026-01-05 10:00;A;1;10.00;Card;1.00;11.00\n\
3;2026-01-05 10:00;B;1;0.00;Card;2.00;11.00\n";
    let got = tenders(&m, body);
    let reason = |i: usize| got[i].clone().unwrap_err();
    assert!(
        reason(0).contains("tip 12.00 is not part of its amount 11.50"),
        "{}",
        reason(0)
    );
    assert!(
        reason(1).contains("tip -1.00 is not part of its amount 10.00"),
        "{}",
        reason(1)
    );
    assert!(reason(2).contains("column `tip`"), "{}", reason(2));
}

/// A mapping with a tip column and no method column is refused when loaded; a file without
/// the mapped tip column is a 400 naming it; a mapping without `tender_tip` reads tips as 0.
#[test]
fn the_tip_column_needs_a_method_and_is_not_read_unless_mapped() {
    let e = Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ndatetime_format = \"%Y-%m-%d %H:%M\"\n\
         [columns]\ntxn_id = \"id\"\ndatetime = \"at\"\n\
         item_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\ntender_tip = \"tip\"\n",
    )
    .unwrap_err();
    assert!(e.contains("tender_tip needs columns.tender_method"), "{e}");
    let m = mapping("");
    let e = parse(
        &ctx(),
        &m,
        "id;at;sku;qty;price;pay\n1;2026-01-05 10:00;A;1;10.00;Card\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("tip"), "{e}");
    let plain = Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\ndelimiter = \";\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n[columns]\ntxn_id = \"id\"\ndatetime = \"at\"\n\
         item_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\ntender_method = \"pay\"\n\
         [tenders]\ncard = [\"Card\"]\n",
    )
    .unwrap();
    let body = "id;at;sku;qty;price;pay;tip\n1;2026-01-05 10:00;A;1;10.00;Card;1.50\n";
    assert_eq!(tenders(&plain, body), [Ok((d("10.00"), d("0")))]);
}
