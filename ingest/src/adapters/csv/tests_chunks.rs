//! A file cut into chunks (`Plan`) maps exactly as the whole file: the same records in the same
//! order, and rejects naming the same rows of the file.

use super::tests::real;
use super::*;

const KASSE: &str = include_str!("../../../tests/data/kasse.toml");

fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::Berlin;
    c
}

/// The records of each chunk, one after the other, and how many chunks there were.
fn by_chunks(m: &Mapping, text: &str, rows: usize) -> (Vec<Result<Record, Reject>>, usize) {
    let plan = Plan::new(m, text, rows).unwrap();
    let mut out = vec![];
    for c in plan.chunks(text, 0) {
        out.extend(parse_at(&ctx(), m, &c.body, c.line_offset).unwrap().records);
    }
    (out, plan.len())
}

fn assert_same_as_whole(m: &Mapping, text: &str) -> usize {
    let whole = parse(&ctx(), m, text).unwrap().records;
    let mut most = 0;
    for rows in [1, 2, 3, 7, 100_000] {
        let (chunked, n) = by_chunks(m, text, rows);
        assert_eq!(chunked, whole, "{rows} rows per chunk");
        most = most.max(n);
    }
    most
}

#[test]
fn every_real_export_maps_the_same_in_chunks() {
    let files = [
        (
            "square_item_sales",
            "square/items-2026-07-18-2026-07-20.csv",
        ),
        ("shopify_orders_export", "shopify/orders_export_1.csv"),
        ("de_kassenjournal", "de-kasse/kassenjournal.csv"),
        ("uci_online_retail", "datasets/online_retail.csv"),
        ("uci_online_retail_ii", "datasets/online_retail_II.csv"),
        ("kaggle_supermarket_sales", "datasets/supermarket_sales.csv"),
        (
            "toast_item_selection_details",
            "toast/ItemSelectionDetails.csv",
        ),
        (
            "loyverse_receipts_by_item",
            "loyverse/receipts-by-item-2026-08-17-2026-08-17.csv",
        ),
        (
            "tableau_superstore_orders",
            "datasets/superstore_orders.csv",
        ),
        ("french_bakery_sales", "datasets/bakery_sales.csv"),
        ("maven_coffee_shop_sales", "datasets/coffee_shop_sales.csv"),
        (
            "kaggle_retail_sales_dataset",
            "datasets/retail_sales_dataset.csv",
        ),
        (
            "lightspeed_x_sales_history",
            "lightspeed-x/sales-history-2026-03-14-2026-03-15.csv",
        ),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings");
    for (mapping, file) in files {
        let toml = std::fs::read_to_string(format!("{dir}/{mapping}.toml")).unwrap();
        let m = Mapping::from_toml(&toml).unwrap();
        let chunks = assert_same_as_whole(&m, &real(file));
        assert!(chunks > 1, "{file} was never cut");
    }
}

#[test]
fn a_transaction_split_across_the_file_is_never_cut() {
    let m = Mapping::from_toml(KASSE).unwrap();
    let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1;05.01.2026 09:15;4011;A;1.000;1,00;V\n\
2;05.01.2026 09:16;4011;B;1.000;2,00;V\n\
1;05.01.2026 09:15;4011;C;1.000;3,00;V\n\
3;05.01.2026 09:17;4011;D;1.000;4,00;V\n\
3;05.01.2026 09:17;4011;E;1.000;5,00;V\n";
    let plan = Plan::new(&m, body, 1).unwrap();
    let ends: Vec<_> = plan
        .chunks(body, 0)
        .map(|c| c.body.lines().count())
        .collect();
    assert_eq!(ends, [4, 3], "1 and 2 stay together; 3 after them");
    assert_eq!(assert_same_as_whole(&m, body), 2);
}

#[test]
fn rejects_name_the_rows_of_the_file_and_quoted_newlines_count() {
    let m = Mapping::from_toml(KASSE).unwrap();
    let body = "sep=;\nBon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1;05.01.2026 09:15;4011;\"two\nlines\";1.000;1,00;V\n\
\n\
2;05.01.2026 09:16;4011;B;1.000;2,00;V\n\
3;05.01.2026 09:17;4011;C;1.000;x;V\n";
    let (chunked, n) = by_chunks(&m, body, 1);
    assert_eq!(n, 3);
    let whole = parse(&ctx(), &m, body).unwrap().records;
    assert_eq!(chunked, whole);
    let reason = &chunked[2].as_ref().unwrap_err().reason;
    assert!(reason.contains(": row 7: column `Preis`"), "{reason}");
}

#[test]
fn a_resumed_import_gets_the_chunks_after_the_saved_end() {
    let m = Mapping::from_toml(KASSE).unwrap();
    let body = "\u{feff}Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1;05.01.2026 09:15;4011;A;1.000;1,00;V\n\
2;05.01.2026 09:16;4011;B;1.000;2,00;V\n\
3;05.01.2026 09:17;4011;C;1.000;3,00;V";
    let plan = Plan::new(&m, body, 1).unwrap();
    let all: Vec<Chunk> = plan.chunks(body, 0).collect();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|c| c.body.starts_with("\u{feff}Bon;")));
    assert_eq!(all[2].end, body.len(), "the last row has no newline");
    assert!(plan.starts_at(all[0].end) && !plan.starts_at(all[0].end + 1));
    let rest: Vec<Chunk> = plan.chunks(body, all[0].end).collect();
    assert_eq!(rest, all[1..]);
    assert_eq!(plan.chunks(body, body.len()).count(), 0);
}

#[test]
fn a_header_only_file_is_one_chunk_and_a_bad_header_is_refused() {
    let m = Mapping::from_toml(KASSE).unwrap();
    let head = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n";
    let plan = Plan::new(&m, head, 5).unwrap();
    let chunks: Vec<Chunk> = plan.chunks(head, 0).collect();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].body, head);
    let e = Plan::new(&m, "Bon;Zeit\n1;2\n", 5).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("EAN"));
}

/// Rows a spreadsheet quoted whole (see `wrapped.rs`) are read as their cells when the file is
/// planned too, so an order's quoted first row and its plain second row stay in one chunk.
#[test]
fn rows_quoted_whole_map_the_same_in_chunks() {
    let m =
        Mapping::from_toml(include_str!("../../../mappings/shopify_orders_export.toml")).unwrap();
    let text = "Name,Financial Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Notes\n\
\"#1,paid,CLP,300,0,0,300,0,2026-01-20 09:44:09 -0300,1,A,100,A-1,\"\"a, note\"\"\"\n\
#1,,,,,,,,2026-01-20 09:44:09 -0300,1,B,200,B-1,\n\
\"#2,paid,CLP,50,0,0,50,0,2026-01-21 10:00:00 -0300,1,A,50,A-1,\"\"\"\"\"\n\
#2,,,,,,,,2026-01-21 10:00:00 -0300,1,C,0,C-1,\n";
    let whole = parse(&ctx(), &m, text).unwrap().records;
    assert_eq!(whole.len(), 2, "{whole:?}");
    assert!(
        whole
            .iter()
            .all(|r| matches!(r, Ok(Record::Txn(t)) if t.currency == "CLP" && t.lines.len() == 2)),
        "{whole:?}"
    );
    assert_eq!(assert_same_as_whole(&m, text), 2);
}
