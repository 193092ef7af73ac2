//! A file written day-first under a month-first mapping, or the reverse (see `day_month`):
//! every cell up to the 12th was booked on the wrong date without a word, only the later days
//! rejected. The file is refused whole now, naming the column, the row, the cell and the fix,
//! also in chunks, before the first chunk is mapped.

use super::*;
use chrono::NaiveDate;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A mapping of `id,Date,sku,qty,price` (one transaction per row) with `top` keys (a
/// `date_format`).
fn mapping(top: &str) -> Mapping {
    Mapping::from_toml(&format!(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\n{top}\n[columns]\n\
         txn_id = \"id\"\ndate = \"Date\"\nitem_id = \"sku\"\nquantity = \"qty\"\n\
         unit_price = \"price\"\n"
    ))
    .unwrap()
}

/// A file with a row (and transaction) per date cell, from line 2.
fn file(dates: &[&str]) -> String {
    let mut body = "id,Date,sku,qty,price\n".to_string();
    for (i, d) in dates.iter().enumerate() {
        body.push_str(&format!("{},{d},A,1,1.00\n", i + 1));
    }
    body
}

/// Each row's business date, or its reject.
fn days(m: &Mapping, body: &str) -> Vec<Result<NaiveDate, String>> {
    parse(&ctx(), m, body)
        .unwrap()
        .records
        .into_iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => Ok(t.business_date),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.reason),
        })
        .collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn refusal(m: &Mapping, body: &str) -> PayloadError {
    parse(&ctx(), m, body).expect_err("the file is refused")
}

#[test]
fn a_day_first_file_under_a_month_first_mapping_is_refused_naming_row_value_and_fix() {
    let m = mapping("date_format = \"%m/%d/%Y\"");
    // Rows 2 and 3 read (as March 4th and May 6th, wrongly); row 4 only day-first.
    let body = file(&["03/04/2024", "05/06/2024", "25/03/2024", "07/08/2024"]);
    let e = refusal(&m, &body);
    assert_eq!(e.field.as_deref(), Some("Date"));
    assert_eq!(
        e.message,
        "column \"Date\": row 4 has \"25/03/2024\", which is not %m/%d/%Y but reads as \
         %d/%m/%Y; this file writes the day first: set date_format = \"%d/%m/%Y\" in the mapping"
    );
    // Mapped as the message says, the file reads whole, on the right days.
    let fixed = mapping("date_format = \"%d/%m/%Y\"");
    assert_eq!(
        days(&fixed, &body),
        [
            Ok(day(2024, 4, 3)),
            Ok(day(2024, 6, 5)),
            Ok(day(2024, 3, 25)),
            Ok(day(2024, 8, 7))
        ]
    );
}

#[test]
fn a_month_first_file_under_a_day_first_mapping_is_refused() {
    let m = mapping("date_format = \"%d/%m/%Y\"");
    let e = refusal(&m, &file(&["1/2/2024", "12/31/2024", "11/30/2024"]));
    assert_eq!(
        e.message,
        "column \"Date\": row 3 has \"12/31/2024\", which is not %d/%m/%Y but reads as \
         %m/%d/%Y; this file writes the month first: set date_format = \"%m/%d/%Y\" in the \
         mapping"
    );
}

/// Days up to the 12th only: nothing tells the order, the mapping's is taken (the docs say so).
#[test]
fn a_file_whose_dates_read_both_ways_follows_the_mapping() {
    let body = file(&["03/04/2024", "12/01/2024"]);
    let month_first = mapping("date_format = \"%m/%d/%Y\"");
    assert_eq!(
        days(&month_first, &body),
        [Ok(day(2024, 3, 4)), Ok(day(2024, 12, 1))]
    );
    let day_first = mapping("date_format = \"%d/%m/%Y\"");
    assert_eq!(
        days(&day_first, &body),
        [Ok(day(2024, 4, 3)), Ok(day(2024, 1, 12))]
    );
}

/// Cells that read only day-first beside cells that read only month-first: no form reads the
/// file, and which of its days up to the 12th are which cannot be told. Refused naming one
/// of each, whichever comes first.
#[test]
fn a_file_of_both_orders_is_refused_naming_one_cell_of_each() {
    let m = mapping("date_format = \"%m/%d/%Y\"");
    for (dates, swapped_row, mapped_row) in [
        (["03/04/2024", "25/03/2024", "03/25/2024"], 3, 4),
        (["03/25/2024", "03/04/2024", "25/03/2024"], 4, 2),
    ] {
        let e = refusal(&m, &file(&dates));
        assert_eq!(e.field.as_deref(), Some("Date"));
        let want = format!(
            "column \"Date\" writes dates in both orders: row {swapped_row} has \
             \"25/03/2024\", which reads only as %d/%m/%Y (the day first), and row \
             {mapped_row} has \"03/25/2024\", which reads only as %m/%d/%Y (the month first)"
        );
        assert!(e.message.starts_with(&want), "{}", e.message);
        assert!(
            e.message.contains("correct the file's dates"),
            "{}",
            e.message
        );
    }
}

/// A cell no order reads is a bad cell, not a sign of the other order: its transaction is
/// rejected naming the row, as before, and the others land.
#[test]
fn a_date_no_order_reads_stays_a_reject_of_its_row() {
    let m = mapping("date_format = \"%m/%d/%Y\"");
    let got = days(
        &m,
        &file(&["03/04/2024", "32/13/2024", "03/25/2024", "2024-03-04"]),
    );
    assert_eq!(got[0], Ok(day(2024, 3, 4)));
    assert!(
        matches!(&got[1], Err(r) if r.contains("row 3") && r.contains("32/13/2024")),
        "{:?}",
        got[1]
    );
    assert_eq!(got[2], Ok(day(2024, 3, 25)));
    assert!(
        matches!(&got[3], Err(r) if r.contains("row 5")),
        "{:?}",
        got[3]
    );
}

/// An ISO file with a typo (`2024-13-05`) is not taken for a file written year, day, month:
/// the cell is a reject of its row and the file lands.
#[test]
fn an_iso_date_that_is_a_typo_stays_a_reject_of_its_row() {
    let m = mapping("date_format = \"%Y-%m-%d\"");
    let got = days(&m, &file(&["2024-03-04", "2024-13-05"]));
    assert_eq!(got[0], Ok(day(2024, 3, 4)));
    assert!(
        matches!(&got[1], Err(r) if r.contains("row 3")),
        "{:?}",
        got[1]
    );
}

/// A date-time column is watched with its `datetime_format`; a list of forms of one order is
/// watched with all of them and the fix swaps each.
#[test]
fn date_times_and_lists_of_one_order_are_watched_too() {
    let m = Mapping::from_toml(
        "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\n\
         datetime_format = [\"%m/%d/%y %I:%M %p\", \"%m/%d/%Y %H:%M:%S\"]\n[columns]\n\
         txn_id = \"id\"\ndatetime = \"at\"\nitem_id = \"sku\"\nquantity = \"qty\"\n\
         unit_price = \"price\"\n",
    )
    .unwrap();
    let body = "id,at,sku,qty,price\n1,01/02/26 5:18 PM,A,1,1.00\n\
                2,13/02/2026 17:18:00,A,1,1.00\n";
    let e = refusal(&m, body);
    assert_eq!(e.field.as_deref(), Some("at"));
    assert!(
        e.message.contains(
            "row 3 has \"13/02/2026 17:18:00\", which is not %m/%d/%y %I:%M %p or \
             %m/%d/%Y %H:%M:%S but reads as %d/%m/%Y %H:%M:%S"
        ) && e.message.ends_with(
            "set datetime_format = [\"%d/%m/%y %I:%M %p\", \"%d/%m/%Y %H:%M:%S\"] in the mapping"
        ),
        "{}",
        e.message
    );
    let list = mapping("date_format = [\"%m/%d/%y\", \"%m/%d/%Y\", \"excel\"]");
    let e = refusal(&list, &file(&["45292", "1/2/24", "31/1/24"]));
    assert!(
        e.message.contains("row 4 has \"31/1/24\"")
            && e.message
                .contains("date_format = [\"%d/%m/%y\", \"%d/%m/%Y\", \"excel\"]"),
        "{}",
        e.message
    );
}

/// `import` maps a large file chunk by chunk and commits each: the first chunks of a file
/// whose first day past the 12th stands further on were written before any chunk could see
/// it. Planning reads the whole file and refuses it as `parse` does (same row: the file's
/// line, after Excel's `sep=` line and CRLF ends), so no chunk is mapped and the file goes
/// the whole-file way, kept as a refused payload with the message.
#[test]
fn a_file_in_chunks_is_refused_before_its_first_chunk() {
    let m = mapping("date_format = \"%m/%d/%Y\"");
    let mut dates = vec!["01/02/2024"; 40];
    dates.push("13/02/2024");
    let body = format!("sep=,\r\n{}", file(&dates).replace('\n', "\r\n"));
    // Alone, the first chunk would read (every day on the wrong date).
    let first_rows = format!("sep=,\r\n{}", file(&dates[..10]).replace('\n', "\r\n"));
    assert!(parse(&ctx(), &m, &first_rows).is_ok());
    let planned = Plan::new(&m, &body, 10).expect_err("refused when planned");
    let whole = refusal(&m, &body);
    assert_eq!(planned, whole);
    assert!(
        whole.message.contains("row 43 has \"13/02/2024\""),
        "{}",
        whole.message
    );
    // A file that tells nothing is planned into chunks as before.
    assert!(Plan::new(&m, &first_rows, 3).unwrap().len() > 1);
}
