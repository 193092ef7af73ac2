//! Red-team checks of the writer's promises ("never lose or double-count a sale"): replays
//! change nothing, a newer version replaces, an older or equal one never overwrites, and the
//! outcome does not depend on how deliveries were grouped into batches.

mod common;

use common::*;
use pos_ingest::adapters::format::Format;
use pos_ingest::adapters::Context;
use pos_ingest::writer::Writer;

/// `body` (one canonical event) with an explicit event id, so two payloads of one key and
/// version are two deliveries, not one duplicate.
fn with_id(body: &str, id: &str) -> String {
    body.replacen('{', &format!("{{\"event_id\":\"{id}\","), 1)
}

async fn write(w: &mut Writer, ctx: &Context, body: &str) -> pos_ingest::writer::Outcome {
    w.write("test", &envelopes(ctx, &Format::Canonical, body))
        .await
        .expect("batch commits")
}

const LINES: &str =
    "SELECT string_agg(store_id || '/' || source_txn_id || '/' || line_no || ':' || quantity || '@' || source_version || ':' || txn_status, ',' ORDER BY store_id, source_txn_id, line_no) FROM pos.sale_line";

/// Two tenders of one number and time in one transaction make the staged `ON CONFLICT` touch a
/// row twice (SQLSTATE 21000). That must reject the record, as any row PostgreSQL refuses, not
/// fail the whole batch as "unavailable" (a 503 the sender would retry forever, taking the
/// other requests of its group down with it).
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn two_tenders_of_one_number_reject_their_record_and_the_batch_commits() {
    let url = fresh_db("dup_tender").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let bad = event("bad", 1, &[("4011", "1", "3.00")]).replace(
        r#""tenders":[{"tender_no":1,"method":"cash","amount":"1.00"}]"#,
        r#""tenders":[{"tender_no":1,"method":"cash","amount":"1.00"},{"tender_no":1,"method":"card","amount":"2.00"}]"#,
    );
    assert!(bad.contains(r#""method":"card""#));
    let good = event("good", 1, &[("4011", "1", "1.00")]);
    let o = w
        .write(
            "test",
            &envelopes(&ctx, &Format::Canonical, &format!("{good}\n{bad}\n")),
        )
        .await
        .expect("a bad record is a reject, not a failed batch");
    assert_eq!(o.counts.rejects, 1, "{:?}", o.counts);
    assert_eq!(
        scalar_text(&db, "SELECT string_agg(source_txn_id, ',') FROM pos.txn").await,
        "good"
    );
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.tender WHERE source_txn_id = 'bad'"
        )
        .await,
        0,
        "nothing of the refused record is half-written"
    );
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.reject WHERE source_event_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.raw_inbox").await,
        2,
        "both payloads kept"
    );
}

/// Two deliveries of one key at one version with different content: the first stored wins
/// ("an older or equal version changes nothing"), whether they came in two batches or in one.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn equal_versions_keep_the_first_whether_batched_together_or_apart() {
    let ctx = Context::for_tenant("t");
    let a = with_id(&event("x", 4, &[("4011", "1", "1.00")]), "a");
    let b = with_id(
        &event("x", 4, &[("4011", "9", "1.00"), ("4012", "1", "2.00")]),
        "b",
    );
    let apart = {
        let url = fresh_db("eq_apart").await;
        let db = connect(&url).await;
        let mut w = Writer::connect(&url).await.unwrap();
        write(&mut w, &ctx, &a).await;
        write(&mut w, &ctx, &b).await;
        scalar_text(&db, LINES).await
    };
    assert_eq!(apart, "S1/x/1:1@4:completed");
    let url = fresh_db("eq_together").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, &format!("{a}\n{b}\n")).await;
    assert_eq!((o.counts.duplicates, o.counts.superseded), (0, 1));
    assert_eq!(scalar_text(&db, LINES).await, apart);
}

/// completed → post_voided: the header and every line carry the new status; the older
/// completed version delivered again changes nothing.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_post_void_reaches_header_and_lines_and_an_older_completed_does_not_undo_it() {
    let url = fresh_db("post_void").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let v1 = event("x", 1, &[("4011", "1", "1.00"), ("4012", "1", "2.00")]);
    let v2 = v1
        .replace(r#""version":1"#, r#""version":2,"status":"post_voided""#)
        .replace(
            r#""tenders":[{"tender_no":1,"#,
            r#""tenders":[{"tender_no":1,"status":"voided","#,
        );
    write(&mut w, &ctx, &v1).await;
    write(&mut w, &ctx, &v2).await;
    write(&mut w, &ctx, &with_id(&v1, "v1-again")).await;
    assert_eq!(
        scalar_text(&db, "SELECT status || '@' || source_version FROM pos.txn").await,
        "post_voided@2"
    );
    assert_eq!(
        scalar_text(&db, LINES).await,
        "S1/x/1:1@2:post_voided,S1/x/2:1@2:post_voided"
    );
    assert_eq!(
        scalar_text(&db, "SELECT string_agg(status, ',') FROM pos.tender").await,
        "voided"
    );
}

/// One transaction id in two stores is two transactions: a batch replacing it in one store and
/// writing it new in the other touches each alone.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn one_txn_id_in_two_stores_is_replaced_in_one_and_new_in_the_other() {
    let url = fresh_db("two_stores").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let s1v1 = event("x", 1, &[("4011", "1", "1.00"), ("4012", "1", "2.00")]);
    write(&mut w, &ctx, &s1v1).await;
    let s1v2 = event("x", 2, &[("4011", "3", "1.00")]);
    let s2v1 = event("x", 1, &[("4011", "7", "1.00"), ("4012", "7", "2.00")])
        .replace(r#""store_id":"S1""#, r#""store_id":"S2""#);
    let o = write(&mut w, &ctx, &format!("{s2v1}\n{s1v2}\n")).await;
    assert_eq!(o.counts.txns_written, 2);
    assert_eq!(
        scalar_text(&db, LINES).await,
        "S1/x/1:3@2:completed,S2/x/1:7@1:completed,S2/x/2:7@1:completed"
    );
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.tender").await, 2);
}

/// Versions at the ends of i64: the largest is never overwritten, the smallest loses to all.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn versions_at_the_ends_of_i64_compare_as_numbers() {
    let url = fresh_db("extremes").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let (min, max) = (i64::MIN, i64::MAX);
    write(&mut w, &ctx, &event("x", min, &[("4011", "1", "1.00")])).await;
    write(&mut w, &ctx, &event("x", max, &[("4011", "2", "1.00")])).await;
    write(&mut w, &ctx, &event("x", max - 1, &[("4011", "3", "1.00")])).await;
    write(&mut w, &ctx, &event("x", 0, &[("4011", "4", "1.00")])).await;
    write(
        &mut w,
        &ctx,
        &with_id(&event("x", max, &[("4011", "5", "1.00")]), "again"),
    )
    .await;
    assert_eq!(
        scalar_text(&db, LINES).await,
        format!("S1/x/1:2@{max}:completed")
    );
    // Both ends inside one batch, in either order.
    let body = format!(
        "{}\n{}\n",
        event("y", max, &[("4011", "6", "1.00")]),
        event("y", min, &[("4011", "7", "1.00")])
    );
    write(&mut w, &ctx, &body).await;
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(quantity::text, ',') FROM pos.sale_line WHERE source_txn_id = 'y'"
        )
        .await,
        "6"
    );
}

/// The documented limit (docs/ingest.md, canonical events): the time is part of the stored
/// key, so a newer version of a transaction at another time is stored beside the old one and
/// both count. A sender keeps `occurred_at` as first sent.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_version_at_another_time_is_another_transaction_as_documented() {
    let url = fresh_db("moved").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    write(&mut w, &ctx, &event("m", 1, &[("4011", "1", "1.00")])).await;
    let moved = event("m", 2, &[("4011", "1", "1.00")]).replace("T10:00:00Z", "T11:00:00Z");
    write(&mut w, &ctx, &moved).await;
    let sales = "SELECT count(*) FROM pos.txn WHERE source_txn_id = 'm' AND status = 'completed'";
    assert_eq!(scalar_i64(&db, sales).await, 2);
}
