//! `pos-ingest import` of NDJSON files against a real database: chunks are committed in file
//! order with their offsets saved after each commit, an unreadable line stops the import only
//! after every chunk before it is committed, and a second run resumes after the last committed
//! chunk without writing anything twice.

mod common;

use common::*;
use pos_ingest::adapters::Context;
use pos_ingest::import::{run, ImportArgs, Summary};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Event `i` of the test files: one transaction of two lines, one inbox row.
fn line(i: usize) -> String {
    event(
        &format!("IMP-{i:03}"),
        1,
        &[("A", "1", "1.00"), ("B", "1", "0.75")],
    ) + "\n"
}

async fn import(url: &str, file: &Path, state: &Path) -> anyhow::Result<Summary> {
    import_with(url, file, state, 5, 2).await
}

async fn import_with(
    url: &str,
    file: &Path,
    state: &Path,
    batch: usize,
    writers: usize,
) -> anyhow::Result<Summary> {
    let args = ImportArgs {
        url: url.to_string(),
        files: vec![file.to_path_buf()],
        format: None,
        batch,
        writers,
        state_dir: Some(state.to_path_buf()),
        progress: false,
    };
    run(args, &Context::for_tenant("t_import"), &HashMap::new()).await
}

/// An empty directory of this test's own under the system's temporary directory.
fn scratch_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pos-ingest-import-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

/// The saved offsets in the state directory (one file per imported file).
fn saved_offsets(state: &Path) -> Vec<u64> {
    std::fs::read_dir(state)
        .expect("state directory")
        .map(|e| {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("offset file");
            text.trim().parse().expect("an offset")
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn import_stops_at_an_unreadable_line_and_resumes_after_the_last_chunk() {
    let url = fresh_db("import").await;
    let db = connect(&url).await;
    let dir = scratch_dir("resume");
    let (file, state) = (dir.join("events.ndjson"), dir.join("state"));

    // 12 events, then a line that is not UTF-8, then 7 more: chunks of 5 are events 1–5 and
    // 6–10; the third chunk meets the bad line after events 11 and 12.
    let good: String = (1..=12).map(line).collect();
    let fixed_line = line(13);
    let bad_line = vec![0xff_u8; fixed_line.len() - 1];
    let tail: String = (14..=20).map(line).collect();
    let mut bytes = good.clone().into_bytes();
    bytes.extend_from_slice(&bad_line);
    bytes.push(b'\n');
    bytes.extend_from_slice(tail.as_bytes());
    std::fs::write(&file, &bytes).expect("write file");

    let err = import(&url, &file, &state)
        .await
        .expect_err("an unreadable line stops the import");
    assert!(
        format!("{err:#}").contains("reading at byte"),
        "the error says where: {err:#}"
    );
    let ten: u64 = (1..=10).map(|i| line(i).len() as u64).sum();
    assert_eq!(saved_offsets(&state), vec![ten], "offset after chunk 2");
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.raw_inbox").await,
        10
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.sale_line").await,
        20
    );

    // The line fixed in place (same length, so the state still matches the file): the import
    // resumes after event 10 and writes events 11 to 20 exactly once.
    let mut fixed = good.into_bytes();
    fixed.extend_from_slice(fixed_line.as_bytes());
    fixed.extend_from_slice(tail.as_bytes());
    assert_eq!(fixed.len(), bytes.len());
    std::fs::write(&file, &fixed).expect("write fixed file");
    let s = import(&url, &file, &state).await.expect("import resumes");
    assert_eq!(s.resumed_files, 1);
    assert_eq!((s.counts.envelopes, s.counts.duplicates), (10, 0));
    assert_eq!(saved_offsets(&state), vec![fixed.len() as u64]);
    assert_loaded_exactly_once(&db, 20).await;

    // Run again: the file is done, nothing is read or written.
    let s = import(&url, &file, &state).await.expect("second run");
    assert_eq!((s.resumed_files, s.counts.envelopes), (1, 0));
    assert_loaded_exactly_once(&db, 20).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn import_keeps_a_malformed_event_as_a_reject_and_a_rerun_stores_nothing_twice() {
    let url = fresh_db("import").await;
    let db = connect(&url).await;
    let dir = scratch_dir("rerun");
    let file = dir.join("events.ndjson");
    // 23 events in chunks of 5 (the last one short), one of them malformed: it is kept as a
    // reject with its reason and the rest continues.
    let mut text: String = (1..=22).map(line).collect();
    text.push_str("{\"schema_version\":1,\"type\":\"transaction\",\"store_id\":\"S1\"}\n");
    std::fs::write(&file, &text).expect("write file");
    for run_no in 0..2 {
        let state = dir.join(format!("state-{run_no}"));
        let s = import(&url, &file, &state).await.expect("import");
        // The malformed line's payload is kept in the inbox too, so the rerun finds all 23.
        let dup = if run_no == 0 { 0 } else { 23 };
        assert_eq!(
            (s.counts.envelopes, s.counts.duplicates),
            (23, dup),
            "run {run_no}"
        );
        assert_eq!(saved_offsets(&state), vec![text.len() as u64]);
    }
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.txn").await, 22);
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.sale_line").await,
        44
    );
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.reject").await, 1);
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.raw_inbox").await,
        23
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Chunks written by several connections may commit in any order: every version of one
/// transaction in its own chunk, three writers, and the newest version is what stays, with the
/// offset at the file's end.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn import_with_several_writers_keeps_the_newest_version_whatever_commits_first() {
    let url = fresh_db("import").await;
    let db = connect(&url).await;
    let dir = scratch_dir("writers");
    let (file, state) = (dir.join("events.ndjson"), dir.join("state"));
    let text: String = (1..=30)
        .map(|v| {
            let price = format!("{v}.00");
            let lines = [("A", "1", price.as_str()), ("B", "2", "0.50")];
            event("VER-1", v, &lines[..if v % 2 == 0 { 2 } else { 1 }]) + "\n"
        })
        .collect();
    std::fs::write(&file, &text).expect("write file");
    let s = import_with(&url, &file, &state, 1, 3)
        .await
        .expect("import");
    assert_eq!((s.counts.envelopes, s.counts.duplicates), (30, 0));
    assert_eq!(saved_offsets(&state), vec![text.len() as u64]);
    assert_eq!(
        scalar_text(
            &db,
            "SELECT source_version || ':' || count(*) OVER () FROM pos.txn"
        )
        .await,
        "30:1"
    );
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(raw_item_id || '=' || net_amount, ',' ORDER BY line_no) FROM pos.sale_line"
        )
        .await,
        "A=30.00,B=1.00"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// POSLog files in the encodings their declarations name are imported; one whose bytes are not
/// UTF-8 and which names no encoding is kept as a reject with the reason, and the files after
/// it are still imported.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn import_reads_declared_encodings_and_keeps_an_undecodable_file_as_a_reject() {
    let url = fresh_db("import").await;
    let db = connect(&url).await;
    let dir = scratch_dir("encodings");
    let doc = |decl: &str, seq: u32, name: &[u8]| {
        let mut b = format!(
            "<?xml version=\"1.0\"{decl}?><POSLog><Transaction><RetailStoreID>1</RetailStoreID>\
             <WorkstationID>1</WorkstationID><SequenceNumber>{seq}</SequenceNumber>\
             <EndDateTime>2025-01-02T10:00:00Z</EndDateTime><RetailTransaction><LineItem>\
             <SequenceNumber>1</SequenceNumber><Sale><ItemID>7</ItemID><Description>"
        )
        .into_bytes();
        b.extend_from_slice(name);
        b.extend_from_slice(
            b"</Description><RegularSalesUnitPrice>2.50</RegularSalesUnitPrice>\
              <Quantity>1</Quantity></Sale></LineItem></RetailTransaction></Transaction></POSLog>",
        );
        b
    };
    let files = [
        ("a.xml", doc(" encoding=\"ISO-8859-1\"", 1, b"K\xe4se")),
        ("b.xml", doc("", 2, b"K\xe4se")),
        (
            "c.xml",
            doc(" encoding=\"windows-1252\"", 3, b"\x80 Gutschein"),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write file");
    }
    let args = ImportArgs {
        url: url.clone(),
        files: files.iter().map(|(n, _)| dir.join(n)).collect(),
        format: None,
        batch: 5,
        writers: 1,
        state_dir: None,
        progress: false,
    };
    let s = run(args, &Context::for_tenant("t_import"), &HashMap::new())
        .await
        .expect("import");
    assert_eq!(s.files, 3);
    assert_eq!(s.payload_errors.len(), 1, "{:?}", s.payload_errors);
    assert!(
        s.payload_errors[0].contains("b.xml"),
        "{:?}",
        s.payload_errors
    );
    let names = db
        .query(
            "SELECT description FROM pos.sale_line ORDER BY source_txn_id",
            &[],
        )
        .await
        .expect("lines");
    let names: Vec<String> = names.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["K\u{e4}se", "\u{20ac} Gutschein"]);
    let reason: String = db
        .query_one("SELECT reason FROM pos.reject", &[])
        .await
        .expect("one reject")
        .get(0);
    assert!(
        reason.contains("b.xml") && reason.contains("names no encoding"),
        "{reason}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CSV file is imported in chunks of whole transactions, each its own inbox row that says
/// where in the file it starts: a transaction whose rows stand apart is never split, a bad
/// row's reject names its line in the file, a rerun writes nothing, and a run resumed after
/// the first chunk writes only the chunks after it.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn import_cuts_a_csv_file_into_whole_transactions_and_resumes_between_them() {
    use pos_ingest::adapters::csv::{Mapping, Plan};
    let url = fresh_db("import").await;
    let db = connect(&url).await;
    let dir = scratch_dir("csv-chunks");
    let (file, state) = (dir.join("journal.csv"), dir.join("state"));
    let mapping = Mapping::from_toml(include_str!("data/kasse.toml")).expect("mapping");
    // Bons 1–30 of two rows each; bon 2's second row stands after bon 9; bon 25 has a bad
    // price (line 51 of the file: the header, two rows per bon, bon 2's second one late).
    let row = |bon: usize, price: &str| format!("{bon};05.01.2026 09:15;4011;A;1.000;{price};V\n");
    let mut text = String::from("Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n");
    for bon in 1..=30 {
        text += &row(bon, "1,00");
        if bon == 9 {
            text += &row(2, "2,00");
        }
        if bon != 2 {
            text += &row(bon, if bon == 25 { "x" } else { "0,50" });
        }
    }
    std::fs::write(&file, &text).expect("write file");
    let plan = Plan::new(&mapping, &text, 4).expect("plan");
    let chunks: Vec<_> = plan.chunks(&text, 0).collect();
    assert!(chunks.len() > 5, "{} chunks", chunks.len());
    let csv_import = |state: Option<PathBuf>| {
        let args = ImportArgs {
            url: url.clone(),
            files: vec![file.clone()],
            format: Some("csv:kasse".parse().expect("format")),
            batch: 4,
            writers: 2,
            state_dir: state,
            progress: false,
        };
        let mappings = HashMap::from([("kasse".to_string(), mapping.clone())]);
        async move { run(args, &Context::for_tenant("t_import"), &mappings).await }
    };

    let s = csv_import(Some(state.clone())).await.expect("import");
    assert_eq!((s.counts.envelopes, s.counts.duplicates), (chunks.len(), 0));
    assert_eq!(saved_offsets(&state), vec![text.len() as u64]);
    let q = "SELECT count(*), count(DISTINCT source_txn_id), sum(net_amount)::text \
             FROM pos.sale_line";
    let totals = |r: tokio_postgres::Row| {
        (
            r.get::<_, i64>(0),
            r.get::<_, i64>(1),
            r.get::<_, String>(2),
        )
    };
    let expected = (58, 29, "45.00".to_string()); // 28 × 1.50, bon 2 3.00; bon 25 rejected
    assert_eq!(totals(db.query_one(q, &[]).await.expect("lines")), expected);
    let reason = scalar_text(&db, "SELECT reason FROM pos.reject").await;
    assert!(reason.contains("row 51: column `Preis`"), "{reason}");
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.raw_inbox WHERE content_type LIKE '%line_offset=%'"
        )
        .await,
        chunks.len() as i64 - 1,
        "every chunk but the first says where it starts"
    );

    // Done: a rerun reads nothing. Resumed after the first chunk: the rest are duplicates.
    let s = csv_import(Some(state.clone())).await.expect("rerun");
    assert_eq!((s.resumed_files, s.counts.envelopes), (1, 0));
    let offset_file = std::fs::read_dir(&state)
        .expect("state")
        .next()
        .expect("one")
        .expect("entry");
    std::fs::write(offset_file.path(), chunks[0].end.to_string()).expect("rewind");
    let s = csv_import(Some(state.clone())).await.expect("resume");
    assert_eq!(
        (s.counts.envelopes, s.counts.duplicates),
        (chunks.len() - 1, chunks.len() - 1)
    );
    let s = csv_import(None).await.expect("without state");
    assert_eq!(s.counts.duplicates, chunks.len());
    assert_eq!(totals(db.query_one(q, &[]).await.expect("lines")), expected);
    let _ = std::fs::remove_dir_all(&dir);
}
