//! Rows a spreadsheet quoted whole. A CSV opened in a spreadsheet that splits on another
//! character (Excel in a locale whose list separator is `;`) is read one line per cell; saved
//! back, each line holding a quote comes out as one quoted cell, its quotes doubled
//! (`"#1001,,paid,…,""""",0,…"`), while a line without one stays as it was. Read as written,
//! such a row is one cell: its transaction id is the whole line, and the order's other rows
//! land as an order of their own without its first row's cells (currency, totals, status).

/// `rec` as the cells it holds when it is one cell, of a header of more, that reads with the
/// file's `delimiter` as exactly one row of the header's number of cells; otherwise `rec` as
/// read. Its position (the row's line in the file) is kept.
pub(super) fn unwrapped(
    delimiter: u8,
    header: &csv::StringRecord,
    rec: csv::StringRecord,
) -> csv::StringRecord {
    if header.len() < 2 || rec.len() != 1 || !rec[0].as_bytes().contains(&delimiter) {
        return rec;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(rec[0].as_bytes());
    let mut inner = rdr.records();
    match (inner.next(), inner.next()) {
        (Some(Ok(mut cells)), None) if cells.len() == header.len() => {
            cells.set_position(rec.position().cloned());
            cells
        }
        _ => rec,
    }
}
