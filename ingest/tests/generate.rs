//! `pos-ingest generate` against a real database: `--encode-first` (events encoded before the
//! clock starts, for benchmarks) writes exactly what the ordinary run writes, and a second run
//! changes nothing.

mod common;

use common::*;
use pos_ingest::generate::{run, GenerateArgs};

fn args(url: &str, encode_first: bool) -> GenerateArgs {
    GenerateArgs {
        url: url.to_string(),
        stores: 2,
        skus: 40,
        days: 3,
        seed: 11,
        tenant: "gen".into(),
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2),
        batch: 100,
        writers: 2,
        progress: false,
        encode_first,
    }
}

/// Every fact table's rows and money, and the inbox's rows, in one comparable line.
async fn footprint(url: &str) -> String {
    let db = connect(url).await;
    scalar_text(
        &db,
        "SELECT concat_ws(' | ',
            (SELECT count(*) || ' txns ' || sum(net_amount) || ' net ' || sum(tax_amount) || ' tax' FROM pos.txn),
            (SELECT count(*) || ' lines ' || sum(net_amount) || ' net ' || sum(quantity) || ' units' FROM pos.sale_line),
            (SELECT count(*) || ' tenders ' || sum(amount) FROM pos.tender),
            (SELECT count(*) || ' drawer events ' || coalesce(sum(amount), 0) FROM pos.drawer_event),
            (SELECT count(*) || ' stock rows ' || sum(on_hand) FROM pos.inventory_level),
            (SELECT count(*) || ' inbox rows' FROM pos.raw_inbox))",
    )
    .await
}

#[tokio::test]
#[ignore = "needs PostgreSQL (POS_TEST_URL)"]
async fn encoding_first_writes_what_the_ordinary_run_writes() {
    let plain = fresh_db("gen_plain").await;
    let first = fresh_db("gen_encode_first").await;
    let a = run(args(&plain, false)).await.unwrap();
    let b = run(args(&first, true)).await.unwrap();
    assert!(
        a.lines > 0 && a.counts.lines_written as usize == a.lines,
        "{a}"
    );
    assert_eq!(
        (a.transactions, a.lines, a.drawer_events, a.inventory_rows),
        (b.transactions, b.lines, b.drawer_events, b.inventory_rows)
    );
    let want = footprint(&plain).await;
    assert_eq!(footprint(&first).await, want);
    // Again into the same database: every payload is a duplicate, nothing changes.
    let again = run(args(&first, true)).await.unwrap();
    assert_eq!(again.counts.lines_written, 0, "{again}");
    assert_eq!(footprint(&first).await, want);
}
