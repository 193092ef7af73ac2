//! Line ends of real exports: Windows `\r\n` (most spreadsheet and POS exports) and a lone
//! `\r` (Excel for Mac's "CSV (Macintosh)"). Row numbers must be the file's lines whatever
//! the line ends, and a row taken out by a rule must be that row only.

use super::tests::{d, txn};
use super::*;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// `id,at,sku,qty,price`, with a row-scoped rule taking `FEE` rows out.
fn mapping() -> Mapping {
    Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\n\
         datetime_format = \"%Y-%m-%d %H:%M\"\n\
         [columns]\ntxn_id = \"id\"\ndatetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\n\
         unit_price = \"price\"\n\
         [[reject_rows]]\ncolumn = \"sku\"\nvalues = [\"FEE\"]\nreason = \"a fee\"\nscope = \"row\"\n",
    )
    .unwrap()
}

/// A sale of A (10.00) and B (3.00) with a fee row between them, lines ended by `end`.
fn body(end: &str) -> String {
    [
        "id,at,sku,qty,price",
        "1,2026-01-05 10:00,A,1,10.00",
        "1,2026-01-05 10:00,FEE,1,2.00",
        "1,2026-01-05 10:00,B,1,3.00",
        "2,2026-01-05 10:00,C,x,1.00",
        "",
    ]
    .join(end)
}

/// (the sale's line nets, the fee reject's reason, the bad row's reject reason).
fn read(body: &str) -> (Vec<Decimal>, String, String) {
    let p = parse(&ctx(), &mapping(), body).unwrap();
    let nets = txn(&p.records[1])
        .lines
        .iter()
        .map(|l| l.net_amount)
        .collect();
    let reason = |i: usize| p.records[i].as_ref().unwrap_err().reason.clone();
    (nets, reason(0), reason(2))
}

/// Rows were told apart by line number, and in a `\r` file every row was line 1: the fee
/// row taken out took A and B with it, and the sale landed with no lines at all.
#[test]
fn a_row_taken_out_of_a_mac_file_takes_only_itself() {
    let (nets, fee, bad) = read(&body("\r"));
    assert_eq!(nets, [d("10.00"), d("3.00")]);
    assert!(fee.contains("row 3: column `sku`: `FEE`"), "{fee}");
    assert!(bad.contains("row 5: column `qty`"), "{bad}");
}

/// The reader starts a row after `\r\n` at its `\n` and counts lines by `\n`: every row of a
/// Windows export was named one line early (the first row under the header was "row 1").
#[test]
fn rows_of_a_windows_file_are_named_by_their_line() {
    let unix = read(&body("\n"));
    assert_eq!(read(&body("\r\n")), unix);
    assert_eq!(read(&body("\r")), unix);
    assert!(unix.2.contains("row 5: column `qty`"), "{}", unix.2);
    // A quoted cell over two lines, a blank line and Excel's `sep=` line count as lines.
    let quoted = "sep=,\r\nid,at,sku,qty,price\r\n1,2026-01-05 10:00,\"A\r\nB\",1,1.00\r\n\r\n\
                  2,2026-01-05 10:00,C,x,1.00\r\n";
    let p = parse(&ctx(), &mapping(), quoted).unwrap();
    let e = p.records[1].as_ref().unwrap_err();
    assert!(e.reason.contains("row 6: column `qty`"), "{}", e.reason);
}

/// Chunks of a Windows file name the same rows as the whole file.
#[test]
fn chunks_of_a_windows_file_name_the_file_s_rows() {
    let text = body("\r\n");
    let whole = parse(&ctx(), &mapping(), &text).unwrap().records;
    let plan = Plan::new(&mapping(), &text, 1).unwrap();
    assert_eq!(plan.len(), 2);
    let chunked: Vec<_> = plan
        .chunks(&text, 0)
        .flat_map(|c| {
            parse_at(&ctx(), &mapping(), &c.body, c.line_offset)
                .unwrap()
                .records
        })
        .collect();
    assert_eq!(chunked, whole);
}

/// A file of CRLF lines with one lone `\r` (found by the fuzzer): the head every chunk
/// repeats ends in the `\r` of the header's CRLF, which before a chunk that starts after the
/// lone `\r` is a line end of its own. Chunks named the rows after it one line late.
#[test]
fn chunks_of_a_file_with_mixed_line_ends_name_the_file_s_rows() {
    let text = "sep=,\r\nid,at,sku,qty,price\r\n1,2026-01-05 10:00,A,1,10.00\r\
                2,2026-01-05 10:00,C,x,1.00\r\n\
                3,2026-01-05 10:00,C,y,1.00\r\n4,2026-01-05 10:00,C,z,1.00\n";
    let whole = parse(&ctx(), &mapping(), text).unwrap().records;
    let e = whole[1].as_ref().unwrap_err();
    assert!(e.reason.contains("row 4: column `qty`"), "{}", e.reason);
    let e = whole[3].as_ref().unwrap_err();
    assert!(e.reason.contains("row 6: column `qty`"), "{}", e.reason);
    for rows in [1, 2, 3] {
        let plan = Plan::new(&mapping(), text, rows).unwrap();
        let chunked: Vec<_> = plan
            .chunks(text, 0)
            .flat_map(|c| {
                parse_at(&ctx(), &mapping(), &c.body, c.line_offset)
                    .unwrap()
                    .records
            })
            .collect();
        assert_eq!(chunked, whole, "{rows} rows per chunk");
    }
}
