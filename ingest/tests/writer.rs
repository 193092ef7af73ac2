//! The write path against a real database: every sample lands with its rows and totals,
//! replays change nothing, versions converge whatever their order, bad records go to
//! pos.reject while the rest continues, and `replay` re-maps inbox rows.

mod common;

use common::*;
use pos_ingest::adapters::format::Format;
use pos_ingest::adapters::Context;
use pos_ingest::envelope::{prepack, Origin, Packed, Record};
use pos_ingest::writer::{EnvelopeStatus, Writer};

async fn write(
    w: &mut Writer,
    ctx: &Context,
    f: Format,
    body: &str,
) -> pos_ingest::writer::Outcome {
    w.write("test", &envelopes(ctx, &f, body))
        .await
        .expect("batch commits")
}

/// The envelopes of a canonical event as an old, wrong mapping would have stored them: the first
/// line's net amount differs from what the payload says (replay must restore it).
fn mis_mapped(ctx: &Context, body: &str) -> Vec<pos_ingest::envelope::Envelope> {
    let mut envs = envelopes(ctx, &Format::Canonical, body);
    if let Some(Record::Txn(t)) = envs[0].records.first_mut() {
        t.lines[0].net_amount = "999".parse().unwrap();
    }
    envs
}

/// `pos-ingest replay` of every inbox row of source "test".
async fn replay_all(url: &str, ctx: &Context) -> pos_ingest::replay::Summary {
    let args = pos_ingest::replay::ReplayArgs {
        url: url.to_string(),
        source: Some("test".into()),
        status: "all".into(),
        since: None,
        ids: vec![],
        batch: 10,
        until: None,
        reason: None,
        fetch: None,
    };
    pos_ingest::replay::run(args, ctx, &Default::default())
        .await
        .unwrap()
}

/// Per sample: transactions, lines, sum of line net, sum of line tax, sum of tenders (scale trimmed).
/// (file, format, source, transactions, lines, net, tax, tenders)
type Expect = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
    &'static str,
    &'static str,
);

const SAMPLES: &[Expect] = &[
    (
        "square_orders_RetrieveOrderResponse_example.json",
        "square",
        "square",
        1,
        2,
        "5.5",
        "0",
        "0",
    ),
    (
        "shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json",
        "shopify",
        "shopify",
        2,
        6,
        "0",
        "0",
        "588.94",
    ),
    (
        "shopify_rest_2025-07_refund_from_shopify-api-ruby_test.json",
        "shopify",
        "shopify",
        1,
        2,
        "-391.33",
        "-7.96",
        "-209",
    ),
    (
        "poslog_ncr-acs_kjbreil_SMALL.xml",
        "poslog",
        "poslog",
        1,
        1,
        "1.07",
        "0",
        "1.07",
    ),
    (
        "poslog_v6_jugi92_PosLog.xml",
        "poslog",
        "poslog",
        1,
        3,
        "108.73",
        "21.74",
        "130.47",
    ),
    (
        "poslog_v6_roqqio_retoure_with_link.xml",
        "poslog",
        "poslog",
        1,
        1,
        "-1.08",
        "-0.21",
        "-1.29",
    ),
    (
        "poslog_v6_roqqio_sale_with_posStorno.xml",
        "poslog",
        "poslog",
        1,
        2,
        "2.34",
        "0.44",
        "2.78",
    ),
    (
        "poslog_v6_roqqio_sale_with_tenderChange.xml",
        "poslog",
        "poslog",
        1,
        1,
        "22.68",
        "4.31",
        "26.99",
    ),
];

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn every_sample_lands_with_its_rows_and_totals() {
    let url = fresh_db("samples").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    for (i, (file, format, source, txns, lines, net, tax, tender)) in SAMPLES.iter().enumerate() {
        let ctx = Context::for_tenant(&format!("t{i}"));
        let o = write(&mut w, &ctx, format.parse().unwrap(), &sample(file)).await;
        assert_eq!(o.counts.rejects, 0, "{file}");
        let t = format!("tenant_id = 't{i}' AND source = '{source}'");
        assert_eq!(
            scalar_i64(&db, &format!("SELECT count(*) FROM pos.txn WHERE {t}")).await,
            *txns,
            "{file}: transactions"
        );
        assert_eq!(
            scalar_i64(
                &db,
                &format!("SELECT count(*) FROM pos.sale_line WHERE {t}")
            )
            .await,
            *lines,
            "{file}: lines"
        );
        assert_eq!(
            scalar_text(
                &db,
                &format!(
                    "SELECT trim_scale(coalesce(sum(net_amount), 0)) FROM pos.sale_line WHERE {t}"
                )
            )
            .await,
            *net,
            "{file}: net"
        );
        assert_eq!(
            scalar_text(
                &db,
                &format!("SELECT trim_scale(coalesce(sum(tax), 0)) FROM pos.sale_line WHERE {t}")
            )
            .await,
            *tax,
            "{file}: tax"
        );
        assert_eq!(
            scalar_text(
                &db,
                &format!("SELECT trim_scale(coalesce(sum(amount), 0)) FROM pos.tender WHERE {t}")
            )
            .await,
            *tender,
            "{file}: tenders"
        );
        let header_net = scalar_text(
            &db,
            &format!("SELECT trim_scale(coalesce(sum(net_amount), 0)) FROM pos.txn WHERE {t}"),
        )
        .await;
        assert_eq!(
            header_net, *net,
            "{file}: header totals agree with the lines"
        );
        // Read back through the SQL function an analyst uses, whichever form it is stored in.
        let raw = scalar_i64(
            &db,
            &format!(
                "SELECT count(*) FROM pos.raw_inbox i WHERE tenant_id = 't{i}' AND pos.inbox_payload(i) = $${}$$",
                sample(file)
            ),
        )
        .await;
        assert_eq!(raw, 1, "{file}: payload kept verbatim in the inbox");
        if sample(file).len() >= 1024 {
            let packed = scalar_i64(
                &db,
                &format!("SELECT count(payload_zstd) FROM pos.raw_inbox WHERE tenant_id = 't{i}'"),
            )
            .await;
            assert_eq!(
                packed, 1,
                "{file}: a payload of 1 kB or more is stored packed"
            );
        }
    }
    // Payments and refunds from Square are tenders of their orders.
    let ctx = Context::for_tenant("sq");
    for f in [
        "square_payments_GetPaymentResponse_example.json",
        "square_refunds_GetPaymentRefundResponse_example.json",
        "square_webhook_test_notification.body.json",
    ] {
        write(&mut w, &ctx, Format::Square, &sample(f)).await;
    }
    assert_eq!(scalar_text(&db, "SELECT string_agg(source_txn_id || ' ' || amount || ' ' || status || ' ' || coalesce(card_entry, '-'), ', ' ORDER BY amount) FROM pos.tender WHERE tenant_id = 'sq'").await,
        "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY -5.55 approved -, d7eKah653Z579f3gVtjlxpSlmUcZY 5.55 approved keyed");
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.raw_inbox WHERE tenant_id = 'sq'"
        )
        .await,
        3,
        "the test notification lands in the inbox"
    );
    write(
        &mut w,
        &Context::for_tenant("cl"),
        Format::Clover,
        &sample("clover_webhook_notification_docs_example.json"),
    )
    .await;
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.raw_inbox WHERE tenant_id = 'cl'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos_chunks.sale_line_default").await,
        0,
        "chunks were ensured first"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn replays_change_nothing() {
    let url = fresh_db("replay").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let body = format!(
        "{}\n{}\n",
        event("a", 1, &[("4011", "2", "1.50")]),
        event("b", 1, &[("4011", "1", "1.50")])
    );
    let first = write(&mut w, &ctx, Format::Canonical, &body).await;
    assert_eq!(first.counts.duplicates, 0);
    let snapshot = scalar_text(&db, "SELECT string_agg(source_txn_id || line_no || net_amount || batch_id, ',' ORDER BY 1) FROM pos.sale_line").await;
    let second = write(&mut w, &ctx, Format::Canonical, &body).await;
    assert_eq!(
        (second.counts.duplicates, second.counts.rows_written),
        (2, 0)
    );
    assert!(second
        .status
        .iter()
        .all(|s| *s == EnvelopeStatus::Duplicate));
    // Same events under new ids (another sender): the version guard keeps the rows as they are.
    let renamed = body
        .lines()
        .enumerate()
        .map(|(i, l)| l.replacen('{', &format!("{{\"event_id\":\"again-{i}\","), 1))
        .collect::<Vec<_>>()
        .join("\n");
    let third = write(&mut w, &ctx, Format::Canonical, &renamed).await;
    assert_eq!(third.counts.rows_written, 0, "{:?}", third.counts);
    assert_eq!(scalar_text(&db, "SELECT string_agg(source_txn_id || line_no || net_amount || batch_id, ',' ORDER BY 1) FROM pos.sale_line").await, snapshot);
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.txn").await, 2);
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn versions_converge_in_any_order_and_vanished_lines_go() {
    let url = fresh_db("versions").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let v1 = event(
        "x",
        1,
        &[
            ("4011", "1", "1.00"),
            ("4012", "1", "2.00"),
            ("4013", "1", "3.00"),
        ],
    );
    let v2 = event("x", 2, &[("4011", "1", "1.00"), ("4013", "2", "3.00")]);
    let v3 = event("x", 3, &[("4011", "5", "1.00")]);
    for order in [[&v1, &v2, &v3], [&v3, &v1, &v2], [&v2, &v3, &v1]] {
        db.batch_execute("DELETE FROM pos.sale_line; DELETE FROM pos.txn; DELETE FROM pos.tender; DELETE FROM pos.reject; DELETE FROM pos.raw_inbox").await.unwrap();
        for e in order {
            write(&mut w, &ctx, Format::Canonical, e).await;
        }
        assert_eq!(scalar_text(&db, "SELECT string_agg(line_no || ':' || quantity, ',' ORDER BY line_no) FROM pos.sale_line").await, "1:5");
        assert_eq!(
            scalar_text(
                &db,
                "SELECT source_version || ' ' || net_amount || ' ' || line_count FROM pos.txn"
            )
            .await,
            "3 5.00 1"
        );
        assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.tender").await, 1);
    }
    // Two versions inside one batch: the newer wins there too.
    db.batch_execute("DELETE FROM pos.sale_line; DELETE FROM pos.txn; DELETE FROM pos.raw_inbox")
        .await
        .unwrap();
    write(&mut w, &ctx, Format::Canonical, &format!("{v2}\n{v1}\n")).await;
    assert_eq!(scalar_text(&db, "SELECT string_agg(line_no || ':' || quantity, ',' ORDER BY line_no) FROM pos.sale_line").await, "1:1,2:2");
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.txn WHERE batch_id < 0").await,
        0,
        "replaced headers carry their batch id"
    );
}

/// Lines and tenders of a new header are copied straight into the hypertables; when a stored
/// row is in the way after all (here: lines and a tender left behind by a deleted header),
/// the batch is written again through staging and still lands, version-guarded.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn rows_in_the_way_of_the_direct_copy_fall_back_to_the_upsert() {
    let url = fresh_db("direct").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let v1 = event("y", 1, &[("4011", "1", "1.00"), ("4012", "1", "2.00")]);
    let o = write(&mut w, &ctx, Format::Canonical, &v1).await;
    assert_eq!((o.counts.txns_written, o.counts.lines_written), (1, 2));
    db.batch_execute("DELETE FROM pos.txn; DELETE FROM pos.raw_inbox")
        .await
        .unwrap();
    let v2 = event("y", 2, &[("4011", "3", "1.00")]);
    let o = write(&mut w, &ctx, Format::Canonical, &v2).await;
    assert_eq!(o.counts.rejects, 0);
    assert_eq!(o.counts.txns_written, 1);
    assert_eq!(scalar_text(&db, "SELECT string_agg(line_no || ':' || quantity || ':' || source_version, ',' ORDER BY line_no) FROM pos.sale_line").await, "1:3:2,2:1:1",
        "the colliding line is replaced by the newer version; line 2 was not this header's, so it stays");
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.tender").await, 1);
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.reject").await, 0);
}

/// New rows go in by COPY; a batch with one stored row in it is written again through the
/// upserts (stock levels, a header and inbox rows here) and converges to the same state as
/// before: newer versions replace, older ones and repeated deliveries change nothing.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn stored_rows_in_a_fresh_batch_fall_back_to_the_upserts() {
    let url = fresh_db("fresh").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let level = |v: i64, on_hand: &str, id: &str| {
        format!(
            r#"{{"schema_version":1,"type":"inventory_level","event_id":"{id}","store_id":"S1","source":"test","item_id":"4011","on_hand":"{on_hand}","as_of":"2026-11-02T10:00:00Z","version":{v}}}"#
        )
    };
    let o = write(
        &mut w,
        &ctx,
        Format::Canonical,
        &format!(
            "{}\n{}\n",
            level(1, "5", "i1"),
            event("z", 1, &[("4011", "1", "1.00")])
        ),
    )
    .await;
    assert_eq!(
        (o.counts.rows_written, o.counts.duplicates),
        (4, 0),
        "level, header, line, tender"
    );
    let ids = scalar_text(&db, "SELECT string_agg(source_event_id || '=' || (inbox_id > 0)::text || processed_at::text, ',' ORDER BY 1) FROM pos.raw_inbox").await;
    assert!(!ids.contains("false"), "{ids}");
    // The stored level and header are in the way of a second fresh batch: newer versions replace
    // them, an older one and a repeated delivery change nothing.
    let body = format!(
        "{}\n{}\n{}\n",
        level(3, "7", "i3"),
        level(2, "6", "i2"),
        event("z", 2, &[("4011", "2", "1.00")])
    );
    let o = write(&mut w, &ctx, Format::Canonical, &body).await;
    assert_eq!(o.counts.duplicates, 0);
    assert_eq!(
        scalar_text(
            &db,
            "SELECT on_hand::text || '@' || source_version FROM pos.inventory_level"
        )
        .await,
        "7@3"
    );
    assert_eq!(scalar_text(&db, "SELECT string_agg(line_no || ':' || quantity || ':' || source_version, ',') FROM pos.sale_line").await, "1:2:2");
    let o = write(&mut w, &ctx, Format::Canonical, &level(1, "5", "i1")).await;
    assert_eq!((o.counts.duplicates, o.counts.rows_written), (1, 0));
    let o = write(&mut w, &ctx, Format::Canonical, &level(1, "5", "i1-again")).await;
    assert_eq!((o.counts.duplicates, o.counts.rows_written), (0, 0));
    assert_eq!(
        scalar_text(
            &db,
            "SELECT on_hand::text || '@' || source_version FROM pos.inventory_level"
        )
        .await,
        "7@3"
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.raw_inbox").await,
        6
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(DISTINCT batch_id) FROM pos.raw_inbox").await,
        3
    );
    // One complete audit row per committed batch (written with the COMMIT, so an attempt
    // rolled back for a collision leaves none), and every inbox row points at one.
    assert_eq!(
        scalar_text(&db, "SELECT string_agg(accepted || '/' || duplicates || '/' || (checksum IS NOT NULL) || '/' || (finished_at >= started_at), ',' ORDER BY batch_id) FROM pos.ingest_batch").await,
        "2/0/true/true,3/0/true/true,0/1/false/true,1/0/true/true"
    );
    assert_eq!(
        scalar_i64(&db, "SELECT count(*) FROM pos.raw_inbox i WHERE NOT EXISTS (SELECT FROM pos.ingest_batch b WHERE b.batch_id = i.batch_id)").await,
        0
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn bad_records_are_rejected_and_the_rest_continues() {
    let url = fresh_db("rejects").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let good = event("g", 1, &[("4011", "1", "1.00")]);
    let bad_qty = event("q", 1, &[("4011", "oops", "1.00")]);
    let bad_sign = event("s", 1, &[("4011", "-1", "1.00")]);
    let o = write(
        &mut w,
        &ctx,
        Format::Canonical,
        &format!("{good}\n{bad_qty}\nnot json\n{bad_sign}\n"),
    )
    .await;
    assert_eq!(o.counts.rejects, 3);
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.txn").await, 1);
    let reasons = scalar_text(
        &db,
        "SELECT string_agg(reason, ' | ' ORDER BY reject_id) FROM pos.reject",
    )
    .await;
    assert!(
        reasons.contains("lines[0].quantity")
            && reasons.contains("not JSON")
            && reasons.contains("sign must be positive"),
        "{reasons}"
    );
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.raw_inbox WHERE status = 'rejected'"
        )
        .await,
        3,
        "rejected payloads are kept for replay"
    );
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.reject r JOIN pos.raw_inbox i USING (inbox_id)"
        )
        .await,
        3
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn replay_rewrites_rows_of_the_same_version_from_the_inbox() {
    let url = fresh_db("remap").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    // Simulate an old, wrong mapping: the stored facts differ from what the payload says.
    let envs = mis_mapped(&ctx, &event("r", 7, &[("4011", "2", "1.25")]));
    assert!(matches!(envs[0].origin, Origin::New(_)));
    w.write("test", &envs).await.unwrap();
    assert_eq!(
        scalar_text(&db, "SELECT net_amount FROM pos.sale_line").await,
        "999"
    );
    let s = replay_all(&url, &ctx).await;
    assert_eq!((s.rows, s.counts.txns_written), (1, 1));
    assert_eq!(
        scalar_text(&db, "SELECT net_amount FROM pos.sale_line").await,
        "2.50"
    );
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.ingest_batch WHERE source = 'replay'"
        )
        .await,
        1
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn packed_payloads_are_replayed_and_read_back_exactly() {
    let url = fresh_db("packed").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let lines: Vec<(&str, &str, &str)> = (0..12).map(|_| ("4011", "1", "0.50")).collect();
    let body = event("p", 3, &lines);
    let envs = mis_mapped(&ctx, &body);
    w.write("test", &envs).await.unwrap();
    assert_eq!(
        scalar_i64(
            &db,
            "SELECT count(*) FROM pos.raw_inbox WHERE payload IS NULL AND payload_zstd IS NOT NULL"
        )
        .await,
        1,
        "a {}-byte event is stored packed",
        body.len()
    );
    let back: String = db
        .query_one("SELECT pos.inbox_payload(i) FROM pos.raw_inbox i", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        back, body,
        "unpacked in SQL byte for byte, vendor extension included"
    );
    let damaged = db
        .query_one(
            "SELECT pos.unpack_payload(substr(payload_zstd, 1, 20)) FROM pos.raw_inbox",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        damaged.code(),
        Some(&tokio_postgres::error::SqlState::DATA_CORRUPTED)
    );
    let s = replay_all(&url, &ctx).await;
    assert_eq!((s.rows, s.unreadable, s.counts.txns_written), (1, 0, 1));
    assert_eq!(
        scalar_text(&db, "SELECT sum(net_amount) FROM pos.sale_line").await,
        "6.00",
        "replay re-mapped the packed payload"
    );
}

/// The writer packs with pos_core's inbox dictionary once it has seen the database unpack such a
/// frame; against an extension library that cannot (one built before the dictionary), it packs
/// without it, so every payload stays readable in SQL.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn payloads_are_packed_with_the_dictionary_only_where_the_database_reads_it() {
    let ctx = Context::for_tenant("t");
    let lines: Vec<(&str, &str, &str)> = (0..12).map(|_| ("4011", "1", "0.50")).collect();
    let body = event("d", 1, &lines);
    for old_library in [false, true] {
        let url = fresh_db(if old_library { "dict_old" } else { "dict_new" }).await;
        let db = connect(&url).await;
        if old_library {
            // What an extension library built before the dictionary answers for such a frame.
            db.batch_execute(
                "CREATE OR REPLACE FUNCTION pos.unpack_payload(frame bytea) RETURNS text \
                 LANGUAGE plpgsql IMMUTABLE STRICT AS $$ BEGIN \
                 RAISE EXCEPTION 'pos.unpack_payload: not a valid zstd frame: Dictionary mismatch' \
                 USING ERRCODE = 'data_corrupted'; END $$",
            )
            .await
            .unwrap();
        }
        let mut w = Writer::connect(&url).await.unwrap();
        w.write("test", &mis_mapped(&ctx, &body)).await.unwrap();
        let frame: Vec<u8> = db
            .query_one("SELECT payload_zstd FROM pos.raw_inbox", &[])
            .await
            .unwrap()
            .get(0);
        let want = (!old_library).then_some(pos_core::raw_payload::DICTIONARY_ID);
        assert_eq!(pos_core::raw_payload::frame_dictionary(&frame), want);
        assert_eq!(pos_core::raw_payload::unpack_zstd(&frame).unwrap(), body);
        if !old_library {
            let back: String = db
                .query_one("SELECT pos.inbox_payload(i) FROM pos.raw_inbox i", &[])
                .await
                .unwrap()
                .get(0);
            assert_eq!(back, body, "the extension unpacks the dictionary's frames");
        }
    }
}

/// Payloads packed where they were decoded (HTTP threads, import's reader) are stored in the
/// form decided there, and read back exactly like the ones the writer packs itself.
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn payloads_packed_upstream_are_stored_as_decided_and_read_back_exactly() {
    let url = fresh_db("prepacked").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    let ctx = Context::for_tenant("t");
    let lines: Vec<(&str, &str, &str)> = (0..12).map(|_| ("4011", "1", "0.50")).collect();
    let bodies = [
        event("a", 1, &lines),
        event("b", 1, &lines),
        event("c", 1, &lines),
    ];
    let mut envs: Vec<_> = bodies
        .iter()
        .flat_map(|b| envelopes(&ctx, &Format::Canonical, b))
        .collect();
    // "a" packed upstream, "b" left to the writer, "c" decided upstream to stay text.
    prepack(&mut envs[..1]);
    if let Origin::New(p) = &mut envs[2].origin {
        p.packed = Some(Packed::Text);
    }
    w.write("test", &envs).await.unwrap();
    let rows = db
        .query(
            "SELECT payload IS NULL AND payload_zstd IS NOT NULL, pos.inbox_payload(i) \
             FROM pos.raw_inbox i ORDER BY inbox_id",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(bool, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let want: Vec<(bool, String)> = [true, true, false]
        .into_iter()
        .zip(bodies.iter().cloned())
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_drawer_event_sent_again_is_stored_once() {
    let url = fresh_db("drawer").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let drawer = |id: &str| {
        format!(
            r#"{{"schema_version":1,"type":"drawer_event","event_id":"{id}","store_id":"S1","source":"test","drawer_event_id":"d1","occurred_at":"2026-11-02T10:00:00Z","kind":"paid_out","amount":"-5.00","currency":"USD"}}"#
        )
    };
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Canonical, &drawer("e1")).await;
    assert_eq!(
        o.counts.rows_written, 1,
        "copied straight into pos.drawer_event"
    );
    let first = o.batch_id;
    // Under another event id it is no inbox duplicate: a fresh writer's COPY meets the stored
    // row, and the batch is written again through the upsert, which keeps the stored row.
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Canonical, &drawer("e2")).await;
    assert_eq!((o.counts.duplicates, o.counts.rows_written), (0, 0));
    assert_eq!(
        scalar_text(
            &db,
            "SELECT count(*) || '/' || min(batch_id) || '/' || min(amount) FROM pos.drawer_event"
        )
        .await,
        format!("1/{first}/-5.00")
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_newer_drawer_event_version_replaces_the_stored_one_and_an_older_never_does() {
    let url = fresh_db("drawer_versions").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let event = |version: i64, cashier: &str, amount: &str| {
        format!(
            r#"{{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"till","drawer_event_id":"shift-9/over_short","version":{version},"cashier_id":"{cashier}","occurred_at":"2026-11-02T22:00:00Z","kind":"over_short","amount":"{amount}","currency":"USD"}}"#
        )
    };
    let stored = || async {
        scalar_text(
            &db,
            "SELECT count(*) || '/' || min(source_version) || '/' || min(cashier_id) || '/' || min(amount) FROM pos.drawer_event",
        )
        .await
    };
    let mut w = Writer::connect(&url).await.unwrap();
    write(&mut w, &ctx, Format::Canonical, &event(1, "", "-1.00")).await;
    assert_eq!(stored().await, "1/1//-1.00");
    // A recount tells the cashier and corrects the amount.
    write(&mut w, &ctx, Format::Canonical, &event(2, "ann", "-0.40")).await;
    assert_eq!(stored().await, "1/2/ann/-0.40");
    // The first state delivered late changes nothing.
    let late =
        event(1, "", "-1.00").replace(r#""version":1,"#, r#""version":1,"event_id":"late","#);
    let o = write(&mut w, &ctx, Format::Canonical, &late).await;
    assert_eq!((o.counts.duplicates, o.counts.rows_written), (0, 0));
    assert_eq!(stored().await, "1/2/ann/-0.40");
    // Two versions in one batch: the newer wins there too, in either order.
    let batch = format!("{}\n{}", event(4, "bob", "0.10"), event(3, "cy", "0.30"));
    write(&mut w, &ctx, Format::Canonical, &batch).await;
    assert_eq!(stored().await, "1/4/bob/0.10");
    assert_eq!(
        scalar_text(&db, "SELECT over_short::text FROM pos.store_daily").await,
        "0.10"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn drawer_loans_pickups_and_over_short_land_and_count_in_the_cash_at_close() {
    let url = fresh_db("drawer_cash").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let body = [
        ("l1", "loan", "150.00", "08:00"),
        ("p1", "pickup", "200.00", "13:00"),
        ("o1", "paid_out", "4.50", "14:00"),
        ("c1", "over_short", "-1.25", "22:00"),
    ]
    .map(|(id, kind, amount, at)| {
        format!(
            r#"{{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"till","drawer_event_id":"{id}","occurred_at":"2026-11-02T{at}:00Z","kind":"{kind}","amount":"{amount}","currency":"USD"}}"#
        )
    })
    .join("\n");
    let sale = r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"till","txn_id":"1","occurred_at":"2026-11-02T12:00:00Z","currency":"USD","lines":[{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"300"}],"tenders":[{"tender_no":1,"method":"cash","amount":"300"}]}"#;
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Canonical, &format!("{body}\n{sale}")).await;
    assert_eq!((o.counts.rejects, o.counts.envelopes), (0, 5));
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(kind || '=' || amount, ',' ORDER BY kind) FROM pos.drawer_event"
        )
        .await,
        "loan=150.00,over_short=-1.25,paid_out=4.50,pickup=200.00"
    );
    // 300 cash taken, 4.50 paid out, the 150 float loaned in, 200 picked up to the safe; the
    // count at close found 1.25 less than the POS expected, kept negative.
    assert_eq!(
        scalar_text(
            &db,
            "SELECT cash_expected || '/' || loans || '/' || pickups || '/' || cash_in_drawer || '/' || over_short FROM pos.store_daily"
        )
        .await,
        "295.50/150.00/200.00/245.50/-1.25"
    );
}

/// A context placing the Toast fixtures' restaurant as store "bistro" in New York's zone, and
/// the fixture `name` of tests/data/real/toast.
fn toast_bistro(name: &str) -> (Context, String) {
    let mut ctx = Context::for_tenant("t");
    ctx.toast_restaurants.insert(
        "8d3f5c21-6b0e-4a7f-9c52-1e4d7a9b3f60".into(),
        "bistro".into(),
    );
    ctx.store_tz
        .insert("bistro".into(), chrono_tz::America::New_York);
    (ctx, real(&format!("toast/{name}")))
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn toast_cash_entries_give_no_sales_and_over_short_per_cashier_and_refetching_adds_only_news()
{
    let url = fresh_db("toast_cash").await;
    let db = connect(&url).await;
    let (ctx, page) = toast_bistro("cashmgmt_entries_business_day.json");
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Toast, &page).await;
    assert_eq!(o.counts.rejects, 0);
    // 15 entries, 13 events (CASH_COLLECTED and CLOSE_OUT_EXACT give none), all on the New York
    // day: the no-sale at 03:58 UTC is 23:58 the evening before.
    let per_cashier = "SELECT string_agg(cashier_id || '=' || no_sales || '/' || over_short, ',' ORDER BY cashier_id) FROM pos.cashier_daily WHERE store_id = 'bistro' AND business_date = '2026-10-09'";
    assert_eq!(
        scalar_text(&db, per_cashier).await,
        "69701591-42ac-430c-9b90-1e7842d60baa=1/1.1,\
         9851e4d5-25f4-4a82-95af-4c654a13d22e=1/-4.25,\
         d5a262c8-4495-4e11-b7cf-5a6c53ce530e=0/0"
    );
    // Undo pairs net to zero in the cash; paid-ins and paid-outs each show both halves.
    let store = "SELECT no_sales || '/' || paid_in || '/' || paid_out || '/' || pickups || '/' || over_short FROM pos.store_daily WHERE store_id = 'bistro'";
    assert_eq!(scalar_text(&db, store).await, "2/67/96.9/200/-3.15");
    // The same day fetched again is an inbox duplicate; fetched after one more no-sale, a new
    // page whose old entries land on their rows and only the new one adds.
    let o = write(&mut w, &ctx, Format::Toast, &page).await;
    assert_eq!(o.counts.duplicates, 1);
    let mut v: serde_json::Value = serde_json::from_str(&page).unwrap();
    v["entries"].as_array_mut().unwrap().push(serde_json::json!({
        "guid": "0c7e2f1a-58d4-4b6e-a913-2f8b6d0e4c77", "entityType": "CashEntry",
        "date": "2026-10-09T23:30:00.000+0000", "type": "NO_SALE", "amount": 0, "undoes": null,
        "cashDrawer": {"guid": "e539a78b-c8ef-4346-8b12-ae6ead581e57", "entityType": "CashDrawer"},
        "employee1": {"guid": "9851e4d5-25f4-4a82-95af-4c654a13d22e", "entityType": "RestaurantUser", "externalId": null}
    }));
    let o = write(&mut w, &ctx, Format::Toast, &v.to_string()).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert_eq!(
        scalar_text(&db, "SELECT count(*) FROM pos.drawer_event").await,
        "14"
    );
    assert_eq!(scalar_text(&db, store).await, "3/67/96.9/200/-3.15");
}

/// The Toast page with its first order modified at `modified` and its card payment's refund
/// made at `at` on business day `business`.
fn toast_refunded(page: &serde_json::Value, modified: &str, business: u32, at: &str) -> String {
    let mut v = page.clone();
    v["orders"][0]["modifiedDate"] = modified.into();
    let r = &mut v["orders"][0]["checks"][0]["payments"][1]["refund"];
    r["refundBusinessDate"] = business.into();
    r["refundDate"] = at.into();
    v.to_string()
}

/// Materializes the parts of `pos.store_daily` over all time.
async fn refresh_store_daily(db: &tokio_postgres::Client) {
    for cagg in [
        "pos_caggs.store_daily_txn",
        "pos_caggs.store_daily_lines",
        "pos_caggs.store_daily_tender",
    ] {
        let sql = format!("CALL pos.refresh_continuous_aggregate('{cagg}', NULL, NULL)");
        db.batch_execute(&sql).await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn toast_orders_land_a_check_each_and_a_newer_fetch_replaces_an_open_check() {
    let url = fresh_db("toast_orders").await;
    let db = connect(&url).await;
    let (ctx, page) = toast_bistro("orders_bulk_business_day.json");
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Toast, &page).await;
    assert_eq!(o.counts.rejects, 0);
    // Of the fixture's four checks, two are paid; the deleted order's and an open one are
    // cancelled. Net: 16 + 8.10 + 12 + 5 (service charge; the voided IPA is out) − 12 refunded,
    // and 24. Tax 3.65 − 1.07 refunded, and 2.13. Cash 20; cards 24.75 + 6 tip − 13.07
    // refunded, and 26.13 + 4 tip (the voided attempt is no tender).
    let day = "SELECT transactions || '/' || cancelled || '/' || net || '/' || tax || '/' || \
               tender_cash || '/' || tender_card || '/' || void_lines \
               FROM pos.store_daily WHERE store_id = 'bistro' AND business_date = '2026-10-09'";
    assert_eq!(scalar_text(&db, day).await, "2/2/53.1/4.71/20.0/47.81/1");
    // Fetched again: a duplicate page; the open check paid since: a newer version replaces it
    // in place (same key: the time is the check's opening), and the older page changes nothing.
    let o = write(&mut w, &ctx, Format::Toast, &page).await;
    assert_eq!(o.counts.duplicates, 1);
    let mut v: serde_json::Value = serde_json::from_str(&page).unwrap();
    let order = &mut v["orders"][2];
    order["modifiedDate"] = "2026-10-10T03:05:00.000+0000".into();
    let check = &mut order["checks"][0];
    check["paymentStatus"] = "CLOSED".into();
    check["paidDate"] = "2026-10-10T03:04:00.000+0000".into();
    check["closedDate"] = "2026-10-10T03:04:30.000+0000".into();
    check["payments"] = serde_json::json!([{
        "guid": "f1e2d3c4-0000-4aaa-8bbb-123456789abc", "entityType": "OrderPayment",
        "type": "CASH", "amount": 15.24, "tipAmount": 0.0, "paidDate": "2026-10-10T03:04:00.000+0000"
    }]);
    let o = write(&mut w, &ctx, Format::Toast, &v.to_string()).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert_eq!(scalar_text(&db, day).await, "3/1/67.1/5.95/35.24/47.81/1");
    // The open check's older version, on a page of its own (so no inbox duplicate).
    let mut older: serde_json::Value = serde_json::from_str(&page).unwrap();
    let open_order = older["orders"][2].clone();
    older["orders"] = serde_json::json!([open_order]);
    let o = write(&mut w, &ctx, Format::Toast, &older.to_string()).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert_eq!(scalar_text(&db, day).await, "3/1/67.1/5.95/35.24/47.81/1");
    assert_eq!(
        scalar_text(
            &db,
            "SELECT count(*) FROM pos.txn WHERE store_id = 'bistro'"
        )
        .await,
        "4"
    );
    // The salad refunded three days later instead: a newer version of the order moves the
    // refund (12.00 + 1.07 tax back on the card) off the 9th, onto the 12th.
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    let at = |modified: &str, business: u32, refund: &str| {
        toast_refunded(&page, modified, business, refund)
    };
    let refund_day = day.replace("2026-10-09", "2026-10-12");
    let moved = "1/0/-12.0/-1.07/0/-13.07/0";
    for (version, expected) in [
        // Split off onto the 12th.
        (
            at(
                "2026-10-12T18:05:00.000+0000",
                20261012,
                "2026-10-12T18:00:00.000+0000",
            ),
            moved,
        ),
        // A version older than that, saying the 9th, arrives late: its retraction is older than
        // the stored `/refunds` and deletes nothing.
        (
            at(
                "2026-10-12T18:01:00.000+0000",
                20261009,
                "2026-10-12T18:00:00.000+0000",
            ),
            moved,
        ),
    ] {
        let o = write(&mut w, &ctx, Format::Toast, &version).await;
        assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
        assert_eq!(scalar_text(&db, &refund_day).await, expected);
    }
    assert_eq!(scalar_text(&db, day).await, "3/1/79.1/7.02/35.24/60.88/1");
    // Corrected again: the refund was made on the 9th after all. The check takes it back, and
    // the transaction the last version split off on the 12th goes, lines and tender with it:
    // left there, the refund would count on both days.
    let back = at(
        "2026-10-12T19:00:00.000+0000",
        20261009,
        "2026-10-09T21:00:00.000+0000",
    );
    // The split's fraud score (as the commit-time scoring would have written it) goes with it.
    db.batch_execute(
        "INSERT INTO pos.fraud_score (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, score, evidence)
         SELECT tenant_id, store_id, source, source_txn_id, occurred_at, business_date, 0.1, 0.0
           FROM pos.txn WHERE source_txn_id LIKE '%/refunds'",
    )
    .await
    .unwrap();
    let o = write(&mut w, &ctx, Format::Toast, &back).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert_eq!(scalar_text(&db, day).await, "3/1/67.1/5.95/35.24/47.81/1");
    let split = "SELECT (SELECT count(*) FROM pos.txn WHERE source_txn_id LIKE '%/refunds') || '/' || \
                 (SELECT count(*) FROM pos.sale_line WHERE source_txn_id LIKE '%/refunds') || '/' || \
                 (SELECT count(*) FROM pos.tender WHERE source_txn_id LIKE '%/refunds') || '/' || \
                 (SELECT count(*) FROM pos.fraud_score WHERE source_txn_id LIKE '%/refunds')";
    assert_eq!(scalar_text(&db, split).await, "0/0/0/0");
    // A version older than that correction but newer than the first split, delivered only now,
    // splits the refund off again: its `/refunds` is a key no stored row guards, but the
    // correction's tombstone outranks it, and it is not written back.
    let late = at(
        "2026-10-12T18:30:00.000+0000",
        20261012,
        "2026-10-12T18:00:00.000+0000",
    );
    let o = write(&mut w, &ctx, Format::Toast, &late).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert!(o.counts.superseded >= 1, "{:?}", o.counts);
    assert_eq!(scalar_text(&db, split).await, "0/0/0/0");
    assert_eq!(scalar_text(&db, day).await, "3/1/67.1/5.95/35.24/47.81/1");
    let rows_of_12th = "SELECT count(*) FROM pos.store_daily WHERE store_id = 'bistro' AND business_date = '2026-10-12'";
    assert_eq!(scalar_text(&db, rows_of_12th).await, "0");
    // Refunded three weeks later after all: the refund's transaction is timed on its own day, so
    // the daily views find it there once materialized too (they look two days either side).
    let weeks = at(
        "2026-10-30T18:05:00.000+0000",
        20261030,
        "2026-10-30T18:00:00.000+0000",
    );
    let o = write(&mut w, &ctx, Format::Toast, &weeks).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    refresh_store_daily(&db).await;
    assert_eq!(scalar_text(&db, day).await, "3/1/79.1/7.02/35.24/60.88/1");
    let weeks_day = day.replace("2026-10-09", "2026-10-30");
    assert_eq!(scalar_text(&db, &weeks_day).await, moved);
    assert_eq!(scalar_text(&db, split).await, "1/1/1/0");
    // The refund voided the next day: Toast drops it from the check, which shows no refund at
    // all. Modified after its own day, the check still retracts the split, and the refund no
    // longer counts anywhere.
    let mut voided = page.clone();
    voided["orders"][0]["modifiedDate"] = "2026-10-31T10:00:00.000+0000".into();
    let check = &mut voided["orders"][0]["checks"][0];
    check["payments"][1]
        .as_object_mut()
        .unwrap()
        .remove("refund");
    for s in check["selections"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("refundDetails");
    }
    let o = write(&mut w, &ctx, Format::Toast, &voided.to_string()).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert_eq!(scalar_text(&db, split).await, "0/0/0/0");
    refresh_store_daily(&db).await;
    let rows_of_30th = rows_of_12th.replace("2026-10-12", "2026-10-30");
    assert_eq!(scalar_text(&db, &rows_of_30th).await, "0");
    // The 9th as with the refund on another day: the sale without it.
    assert_eq!(scalar_text(&db, day).await, "3/1/79.1/7.02/35.24/60.88/1");
}

/// The Toast page with its first order modified at `modified` and its first check's cash
/// payment (20.00) applied on business day `business` at `at`, with `status`.
fn toast_cash_paid(
    page: &serde_json::Value,
    modified: &str,
    (business, at): (u32, &str),
    status: Option<&str>,
) -> String {
    let mut v = page.clone();
    v["orders"][0]["modifiedDate"] = modified.into();
    let p = &mut v["orders"][0]["checks"][0]["payments"][0];
    p["paidBusinessDate"] = business.into();
    p["paidDate"] = at.into();
    if let Some(s) = status {
        p["paymentStatus"] = s.into();
    }
    v.to_string()
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn toast_cash_paid_on_a_later_day_counts_in_that_day_s_cash_and_a_void_takes_it_back() {
    let url = fresh_db("toast_paid").await;
    let db = connect(&url).await;
    let (ctx, page) = toast_bistro("orders_bulk_business_day.json");
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    let mut w = Writer::connect(&url).await.unwrap();
    let day = |d: &str| {
        format!(
            "SELECT transactions || '/' || net || '/' || tax || '/' || tender_cash || '/' || \
             tender_card || '/' || cash_expected || '/' || coalesce(average_basket::text, '-') \
             FROM pos.store_daily WHERE store_id = 'bistro' AND business_date = '{d}'"
        )
    };
    let cashier_10th =
        "SELECT string_agg(transactions || '/' || money_only, ',') FROM pos.cashier_daily \
                        WHERE store_id = 'bistro' AND business_date = '2026-10-10'";
    let rows_of = |d: &str| {
        format!("SELECT count(*) FROM pos.store_daily WHERE store_id = 'bistro' AND business_date = '{d}'")
    };
    // The first check's 20.00 cash taken on the 10th (19:30 in New York), a tab settled after
    // the closeout. The 9th keeps its sales (net 53.10, tax 4.71, two paid checks) and its
    // cards (24.75 + 6 tip − 13.07 refunded, and 26.13 + 4 tip = 47.81), without that cash;
    // the 10th has the cash, in its drawer's expected cash, and no sale. Before, the 9th had
    // cash 20.0 and the 10th no row.
    let v1 = toast_cash_paid(
        &page,
        "2026-10-10T23:31:00.000+0000",
        (20261010, "2026-10-10T23:30:00.000+0000"),
        None,
    );
    let o = write(&mut w, &ctx, Format::Toast, &v1).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    // The 9th keeps its two checks as its transactions and baskets (53.10 / 2).
    let ninth = "2/53.1/4.71/0/47.81/0/26.55";
    let tenth = "0/0/0/20.0/0/20.0/-";
    assert_eq!(scalar_text(&db, &day("2026-10-09")).await, ninth);
    // The `/paid` transaction is a completed one of no line, holding money only: its cash is
    // the 10th's, but it is no transaction and no basket there (the check was counted on the
    // 9th). Before s29 the 10th counted 1 transaction with an average basket of 0.00.
    assert_eq!(scalar_text(&db, &day("2026-10-10")).await, tenth);
    // Per cashier too: no transaction, one part holding money only.
    assert_eq!(scalar_text(&db, cashier_10th).await, "0/1");
    // Materialized, the same.
    refresh_store_daily(&db).await;
    assert_eq!(scalar_text(&db, &day("2026-10-09")).await, ninth);
    assert_eq!(scalar_text(&db, &day("2026-10-10")).await, tenth);
    // Replayed: nothing changes.
    let o = write(&mut w, &ctx, Format::Toast, &v1).await;
    assert_eq!(o.counts.duplicates, 1);
    assert_eq!(scalar_text(&db, &day("2026-10-10")).await, tenth);
    // The cash payment voided the next day (Toast keeps it on the check, VOIDED, with its
    // day): the newer version retracts `/paid`, and the cash counts nowhere.
    let voided = toast_cash_paid(
        &page,
        "2026-10-11T15:00:00.000+0000",
        (20261010, "2026-10-10T23:30:00.000+0000"),
        Some("VOIDED"),
    );
    let o = write(&mut w, &ctx, Format::Toast, &voided).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    let paid = "SELECT (SELECT count(*) FROM pos.txn WHERE source_txn_id LIKE '%/paid') || '/' || \
                (SELECT count(*) FROM pos.tender WHERE source_txn_id LIKE '%/paid')";
    assert_eq!(scalar_text(&db, paid).await, "0/0");
    refresh_store_daily(&db).await;
    assert_eq!(scalar_text(&db, &rows_of("2026-10-10")).await, "0");
    assert_eq!(scalar_text(&db, &day("2026-10-09")).await, ninth);
    // A version between the two, delivered only now, would split the cash off again: the
    // void's tombstone outranks it.
    let late = toast_cash_paid(
        &page,
        "2026-10-11T09:00:00.000+0000",
        (20261010, "2026-10-10T23:30:00.000+0000"),
        None,
    );
    let o = write(&mut w, &ctx, Format::Toast, &late).await;
    assert_eq!((o.counts.duplicates, o.counts.rejects), (0, 0));
    assert!(o.counts.superseded >= 1, "{:?}", o.counts);
    assert_eq!(scalar_text(&db, paid).await, "0/0");
    assert_eq!(scalar_text(&db, &rows_of("2026-10-10")).await, "0");
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn square_shift_event_no_sales_count_per_cashier_on_the_store_s_day() {
    let url = fresh_db("square_no_sales").await;
    let db = connect(&url).await;
    let mut ctx = Context::for_tenant("t");
    ctx.square_locations
        .insert("L8Q2Y5Z6ABCDE".into(), "austin".into());
    ctx.store_tz
        .insert("austin".into(), chrono_tz::America::Chicago);
    let page = real("square/list_cash_drawer_shift_events_page.json");
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Square, &page).await;
    assert_eq!(o.counts.rejects, 0);
    // Only the two NO_SALE events land; the second, at 02:58 UTC, on the Chicago evening before.
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(kind || ':' || cashier_id || '@' || business_date, ',' ORDER BY occurred_at) FROM pos.drawer_event"
        )
        .await,
        "no_sale:TMa1B2c3D4e5F6@2026-07-18,no_sale:TMz9Y8x7W6v5U4@2026-07-18"
    );
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(cashier_id || '=' || no_sales, ',' ORDER BY cashier_id) FROM pos.cashier_daily"
        )
        .await,
        "TMa1B2c3D4e5F6=1,TMz9Y8x7W6v5U4=1"
    );
    // The same page fetched again is an inbox duplicate.
    let o = write(&mut w, &ctx, Format::Square, &page).await;
    assert_eq!(o.counts.duplicates, 1);
    assert_eq!(
        scalar_text(&db, "SELECT count(*) FROM pos.drawer_event").await,
        "2"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_gift_card_sold_is_in_the_tenders_and_out_of_the_sales() {
    let url = fresh_db("gift_card").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let body = real("square/retrieve_order_cad_cash_rounding_gift_card.json");
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Square, &body).await;
    assert_eq!(o.counts.rejects, 0);
    // Tea 12.97 + bake sale 2.50 are sales; the 25.00 gift card is money owed, not revenue.
    assert_eq!(
        scalar_text(
            &db,
            "SELECT net_amount || '/' || gross_amount || '/' || tax_amount || '/' || non_revenue_amount FROM pos.txn"
        )
        .await,
        "15.47/15.47/0.65/25.00"
    );
    assert_eq!(
        scalar_text(
            &db,
            "SELECT string_agg(line_no || ':' || non_revenue, ',' ORDER BY line_no) FROM pos.sale_line"
        )
        .await,
        "1:false,2:false,3:true"
    );
    let day = "SELECT transactions || '/' || items_sold || '/' || net || '/' || tax || '/' || non_revenue || '/' || average_basket FROM pos.store_daily";
    assert_eq!(scalar_text(&db, day).await, "1/2/15.47/0.65/25.00/15.47");
    assert_eq!(
        scalar_text(
            &db,
            "SELECT count(*) || '/' || sum(net) FROM pos.sales_daily"
        )
        .await,
        "2/15.47"
    );
    // Refreshed into the materialization, the figures are the same.
    for cagg in [
        "pos_caggs.store_daily_txn",
        "pos_caggs.store_daily_lines",
        "pos_caggs.store_daily_tender",
        "pos.sales_daily",
    ] {
        let sql = format!(
            "CALL pos.refresh_continuous_aggregate('{cagg}', NULL, now() + interval '1 day')"
        );
        db.batch_execute(&sql).await.unwrap();
    }
    let stored = "SELECT count(*) || '/' || sum(non_revenue) FROM pos_caggs.store_daily_txn";
    assert_eq!(scalar_text(&db, stored).await, "1/25.00");
    assert_eq!(scalar_text(&db, day).await, "1/2/15.47/0.65/25.00/15.47");
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn an_order_paid_days_after_it_was_opened_moves_onto_its_payment_once() {
    let url = fresh_db("paid_later").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let completed = real("square/retrieve_order_completed_mixed.json").replace(
        r#""created_at": "2025-03-01T23:58:10.120Z""#,
        r#""created_at": "2025-02-24T23:58:10.120Z""#,
    );
    // The same order while it was still open (an invoice sent, not paid yet): no closing, no
    // tenders, an earlier version. Stored at its opening.
    let mut open: serde_json::Value = serde_json::from_str(&completed).unwrap();
    let o = open["order"].as_object_mut().unwrap();
    o.insert("state".into(), "OPEN".into());
    o.insert("version".into(), 2.into());
    o.remove("closed_at");
    o.remove("tenders");
    let mut w = Writer::connect(&url).await.unwrap();
    let o = write(&mut w, &ctx, Format::Square, &open.to_string()).await;
    assert_eq!(o.counts.rejects, 0);
    let rows = "SELECT string_agg(occurred_at::text || ' ' || business_date || ' ' || status, ',') FROM pos.txn";
    assert_eq!(
        scalar_text(&db, rows).await,
        "2025-02-24 23:58:10.12+00 2025-02-24 cancelled"
    );
    // Paid a week later: one row, at its payment, on that day; the open row and its lines go.
    let o = write(&mut w, &ctx, Format::Square, &completed).await;
    assert_eq!(o.counts.rejects, 0);
    assert_eq!(
        scalar_text(&db, rows).await,
        "2025-03-02 00:03:40+00 2025-03-02 completed"
    );
    let lines = "SELECT count(DISTINCT occurred_at) || '/' || count(*) FROM pos.sale_line";
    assert_eq!(scalar_text(&db, lines).await, "1/4");
    // An open version older than the paid one (5) but not seen before, delivered only now: at
    // its opening it would be a new row, but the paid version's tombstone outranks it.
    open["order"]["version"] = 3.into();
    let o = write(&mut w, &ctx, Format::Square, &open.to_string()).await;
    assert_eq!(
        (o.counts.duplicates, o.counts.rejects, o.counts.superseded),
        (0, 0, 1)
    );
    assert_eq!(
        scalar_text(&db, rows).await,
        "2025-03-02 00:03:40+00 2025-03-02 completed"
    );
    assert_eq!(scalar_text(&db, lines).await, "1/4");
    // In the daily view of that day, also once materialized.
    refresh_store_daily(&db).await;
    assert_eq!(
        scalar_text(
            &db,
            "SELECT business_date || ':' || transactions FROM pos.store_daily"
        )
        .await,
        "2025-03-02:1"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_declined_square_payment_outlives_the_newer_order_versions_that_never_list_it() {
    let url = fresh_db("declined_kept").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let v5 = real("square/retrieve_order_completed_mixed.json");
    let v4 = v5.replace(r#""version": 5"#, r#""version": 4"#);
    // A card declined at the till before the card that went through: Square reports it as a
    // FAILED payment of the order, never among the order's tenders.
    let declined = real("square/webhook_payment_updated_failed.json")
        .replace("ORDER-FAIL-1", "ORDER-MIXED-1")
        .replace("2025-05-02T11:00:00.000Z", "2025-03-02T00:02:00.000Z")
        .replace("2025-05-02T11:00:01.500Z", "2025-03-02T00:02:01.500Z");
    let tenders =
        "SELECT string_agg(status || ' ' || amount, ',' ORDER BY occurred_at) FROM pos.tender";
    let want = "declined 19.99,approved 32.09,approved 20.00";
    let mut w = Writer::connect(&url).await.unwrap();
    for body in [&v4, &declined, &v5] {
        let o = write(&mut w, &ctx, Format::Square, body).await;
        assert_eq!(o.counts.rejects, 0);
    }
    assert_eq!(scalar_text(&db, tenders).await, want);
    // Whatever the order of delivery, the same rows.
    let url = fresh_db("declined_kept_2").await;
    let db = connect(&url).await;
    let mut w = Writer::connect(&url).await.unwrap();
    for body in [&v4, &v5, &declined] {
        write(&mut w, &ctx, Format::Square, body).await;
    }
    assert_eq!(scalar_text(&db, tenders).await, want);
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn an_older_version_waits_for_a_concurrent_retraction_and_then_loses_to_it() {
    let url = fresh_db("retract_race").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    // The open version (2) of an order that a paid version (5), written by another batch not
    // yet committed, has moved: that batch holds the retraction locks and its tombstone.
    let mut open: serde_json::Value =
        serde_json::from_str(&real("square/retrieve_order_completed_mixed.json")).unwrap();
    let o = open["order"].as_object_mut().unwrap();
    o.insert("state".into(), "OPEN".into());
    o.insert("version".into(), 2.into());
    o.remove("closed_at");
    o.remove("tenders");
    let other = connect(&url).await;
    other
        .batch_execute(
            "BEGIN;
             SELECT count(pg_advisory_xact_lock(7368563, b)) FROM generate_series(0, 31) b;
             INSERT INTO pos.txn_tombstone (tenant_id, store_id, source, source_txn_id, source_version)
             VALUES ('t', 'L1', 'square', 'ORDER-MIXED-1', 5);",
        )
        .await
        .unwrap();
    let envs = envelopes(&ctx, &Format::Square, &open.to_string());
    let mut w = Writer::connect(&url).await.unwrap();
    let batch = tokio::spawn(async move { w.write("test", &envs).await.unwrap() });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !batch.is_finished(),
        "the older version waits for the retracting batch"
    );
    other.batch_execute("COMMIT").await.unwrap();
    let o = batch.await.unwrap();
    assert_eq!((o.counts.rejects, o.counts.superseded), (0, 1));
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM pos.txn").await, 0);
}

/// A canonical sale of 40.00 paid 47.50 by card, 7.50 of it the tip, at `version`.
fn tipped(txn: &str, version: i64, amount: &str, tip: &str) -> String {
    event(txn, version, &[("4011", "2", "20.00")]).replace(
        r#""tenders":[{"tender_no":1,"method":"cash","amount":"1.00"}]"#,
        &format!(
            r#""tenders":[{{"tender_no":1,"method":"card","amount":"{amount}","tip":"{tip}"}}]"#
        ),
    )
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn tips_land_on_their_tenders_follow_versions_and_sum_apart_from_the_sales() {
    let url = fresh_db("tips").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let mut w = Writer::connect(&url).await.unwrap();
    // A tip adjusted after the sale (a newer version), and a second sale without a tip.
    for body in [
        tipped("a", 1, "47.50", "7.50"),
        tipped("a", 2, "49.00", "9.00"),
        tipped("a", 1, "47.50", "7.50"), // the older version again: changes nothing
        tipped("b", 1, "40.00", "0"),
    ] {
        let o = write(&mut w, &ctx, Format::Canonical, &body).await;
        assert_eq!(o.counts.rejects, 0, "{body}");
    }
    let tenders = "SELECT string_agg(source_txn_id || ':' || amount || '/' || tip, ',' ORDER BY source_txn_id) FROM pos.tender";
    assert_eq!(scalar_text(&db, tenders).await, "a:49.00/9.00,b:40.00/0");
    let day = "SELECT net || '/' || tender_card || '/' || tips FROM pos.store_daily";
    assert_eq!(scalar_text(&db, day).await, "80.00/89.00/9.00");
    refresh_store_daily(&db).await;
    assert_eq!(scalar_text(&db, day).await, "80.00/89.00/9.00");
    // A tip outside its amount is a reject with the tender named; the rest of the body lands.
    let body = format!(
        "{}\n{}",
        tipped("c", 1, "40.00", "41.00"),
        tipped("d", 1, "45.00", "5.00")
    );
    let o = write(&mut w, &ctx, Format::Canonical, &body).await;
    assert_eq!(o.counts.rejects, 1);
    let why = scalar_text(&db, "SELECT reason FROM pos.reject").await;
    assert!(why.contains("tender 1: tip 41.00"), "{why}");
    assert_eq!(
        scalar_text(&db, tenders).await,
        "a:49.00/9.00,b:40.00/0,d:45.00/5.00"
    );
    // The table refuses one written by hand too.
    let e = db
        .batch_execute(
            "INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at,
                                     business_date, method, amount, tip, currency, status)
             VALUES ('t', 'S1', 'test', 'e', 1, '2026-11-02 10:00+00', '2026-11-02', 'card', -5.00, 1.00, 'USD', 'approved')",
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION),
        "{e}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn a_database_without_the_extension_or_with_an_older_one_is_refused_saying_what_to_run() {
    let url = fresh_db("outdated").await;
    let db = connect(&url).await;
    db.batch_execute(
        "DROP EXTENSION pos_analytics CASCADE; CREATE EXTENSION pos_analytics VERSION '0.1.0'",
    )
    .await
    .unwrap();
    let refused = |r: Result<Writer, pos_ingest::writer::WriteError>| match r {
        Ok(_) => panic!("a writer connected"),
        Err(e) => e.to_string(),
    };
    let why = refused(Writer::connect(&url).await);
    assert!(
        why.contains("pos_analytics 0.1.0") && why.contains("ALTER EXTENSION pos_analytics UPDATE"),
        "{why}"
    );
    db.batch_execute("ALTER EXTENSION pos_analytics UPDATE")
        .await
        .unwrap();
    let mut w = Writer::connect(&url).await.expect("connects once updated");
    let ctx = Context::for_tenant("t");
    let o = write(
        &mut w,
        &ctx,
        Format::Canonical,
        &tipped("a", 1, "47.50", "7.50"),
    )
    .await;
    assert_eq!(o.counts.rejects, 0);
    drop(w);
    db.batch_execute("DROP EXTENSION pos_analytics CASCADE")
        .await
        .unwrap();
    let why = refused(Writer::connect(&url).await);
    assert!(why.contains("no pos_analytics extension"), "{why}");
}

/// After the update to 0.2.0, tips of payloads stored before it (mapped by a build that read no
/// tip) come from `replay` of the inbox: same version, so the rows are rewritten, tip and all,
/// and the day's report follows at the next refresh (docs/dba.md, Upgrading).
#[tokio::test]
#[ignore = "needs PostgreSQL with pos_analytics: set POS_TEST_URL and run with --ignored"]
async fn replay_fills_the_tips_an_older_mapping_left_out() {
    let url = fresh_db("tip_replay").await;
    let db = connect(&url).await;
    let ctx = Context::for_tenant("t");
    let mut envs = envelopes(&ctx, &Format::Canonical, &tipped("a", 3, "47.50", "7.50"));
    if let Some(Record::Txn(t)) = envs[0].records.first_mut() {
        t.tenders[0].tip = "0".parse().unwrap(); // as a build before tips mapped it
    }
    let mut w = Writer::connect(&url).await.unwrap();
    w.write("test", &envs).await.unwrap();
    refresh_store_daily(&db).await;
    let day = "SELECT (SELECT tip FROM pos.tender) || '/' || tips FROM pos.store_daily";
    assert_eq!(scalar_text(&db, day).await, "0/0");
    let s = replay_all(&url, &ctx).await;
    assert_eq!((s.rows, s.counts.txns_written), (1, 1));
    // The day was materialized: the rewrite is logged as an invalidation, and the next refresh
    // (the policy's, every minute) brings the tip into the report.
    refresh_store_daily(&db).await;
    assert_eq!(scalar_text(&db, day).await, "7.50/7.50");
}
