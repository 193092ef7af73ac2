//! Real-time fraud alerts end to end: a clearly fraudulent transaction written through the normal
//! tables (a cash refund citing a receipt that was never rung) must, at its COMMIT, leave a row in
//! `pos.fraud_alert` and deliver `NOTIFY pos_fraud_alert` to a listener within 1 s; an ordinary
//! sale must not. Latency is measured over `POS_FRAUD_COMMITS` commits (default 50) and printed
//! (`cargo test -p pos-e2e --test fraud_alerts -- --nocapture`, with POS_TEST_URL set).
use pos_e2e::{connect, fresh_db};
use postgres::fallible_iterator::FallibleIterator;
use std::time::{Duration, Instant};

const DB: &str = "e2e_fraud";

/// Two weeks of honest card sales by three cashiers (504 transactions), and the baseline learned
/// from them: the trigger scores only tenants that have one.
fn honest_history(c: &mut postgres::Client) {
    c.batch_execute(
        "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, customer_id, status, currency)
         SELECT 'acme', 'berlin', 'pos', format('h-%s-%s-%s', d, c, i),
                timestamptz '2026-03-02 08:00+00' + d * interval '1 day' + c * interval '3 hours' + i * interval '7 minutes',
                date '2026-03-02' + d, 'cashier-' || c, CASE WHEN i % 3 = 0 THEN 'cust-' || (d * 100 + c * 10 + i) END, 'completed', 'EUR'
           FROM generate_series(0, 13) d, generate_series(1, 3) c, generate_series(1, 12) i;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, cashier_id)
         SELECT tenant_id, store_id, source, source_txn_id, n, occurred_at, business_date, 'sale',
                '0400638133393' || n, '400638133393' || n, 1, 2.5 * n, 2.5 * n, 'EUR', cashier_id
           FROM pos.txn, generate_series(1, 3) n WHERE tenant_id = 'acme';
         INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status, card_fingerprint, card_bin, card_entry)
         SELECT tenant_id, store_id, source, source_txn_id, 1, occurred_at + interval '1 minute', business_date, 'card', 15, 'EUR', 'approved', md5(source_txn_id), '411111', 'chip'
           FROM pos.txn WHERE tenant_id = 'acme';
         SELECT * FROM pos.fraud_fit_baseline('acme', '2026-03-02', '2026-03-15');",
    )
    .unwrap();
}

/// Writes one POS transaction (header, one line, one tender) in one database transaction, the
/// way the ingest service does; returns when COMMIT was sent and how long it took (the trigger
/// scores inside it).
/// `refund`: 4 × 7.50 returned in cash citing receipt `h-99-9-9`, which does not exist.
fn write(c: &mut postgres::Client, id: &str, minute: u32, refund: bool) -> (Instant, Duration) {
    let at = format!("2026-03-16 {:02}:{:02}+00", 8 + minute / 60, minute % 60);
    let (kind, qty, amount, method, original) = if refund {
        ("return", "-4", "-30", "cash", "'h-99-9-9'")
    } else {
        ("sale", "1", "5", "card", "NULL")
    };
    let mut tx = c.transaction().unwrap();
    tx.batch_execute(&format!(
        "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency)
         VALUES ('acme', 'berlin', 'pos', '{id}', '{at}', '2026-03-16', 'cashier-2', 'completed', 'EUR');
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, original_txn_id)
         VALUES ('acme', 'berlin', 'pos', '{id}', 1, '{at}', '2026-03-16', '{kind}', '04006381333933', '4006381333933', {qty}, 7.5, {amount}, 'EUR', {original});
         INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
         VALUES ('acme', 'berlin', 'pos', '{id}', 1, '{at}', '2026-03-16', '{method}', {amount}, 'EUR', 'approved');"
    ))
    .unwrap();
    let t0 = Instant::now();
    tx.commit().unwrap();
    (t0, t0.elapsed())
}

/// Waits up to `limit` for the next notification on the listener's connection.
fn next_alert(listener: &mut postgres::Client, limit: Duration) -> Option<String> {
    let mut n = listener.notifications();
    let mut it = n.timeout_iter(limit);
    it.next()
        .unwrap()
        .map(|m| format!("{}|{}", m.channel(), m.payload()))
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[test]
fn a_fraudulent_commit_alerts_within_a_second_and_an_ordinary_sale_does_not() {
    let mut c = fresh_db(DB);
    honest_history(&mut c);
    let mut listener = connect(DB);
    listener.batch_execute("LISTEN pos_fraud_alert").unwrap();
    let mut reader = connect(DB);

    write(&mut c, "s-0", 0, false);
    assert!(next_alert(&mut listener, Duration::from_millis(300)).is_none());
    let quiet: i64 = reader
        .query_one(
            "SELECT count(*) FROM pos.fraud_alert WHERE source_txn_id = 's-0'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(quiet, 0, "an ordinary sale raised an alert");

    let commits: usize = std::env::var("POS_FRAUD_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let (mut latency, mut commit_time) = (vec![], vec![]);
    for k in 1..=commits {
        let id = format!("r-{k}");
        // The clock starts when COMMIT is sent: latency covers scoring inside the commit, the
        // notification's delivery and the listener reading it.
        let (t0, commit) = write(&mut c, &id, k as u32, true);
        commit_time.push(commit);
        let got = next_alert(&mut listener, Duration::from_secs(1));
        let dt = t0.elapsed();
        let msg = got.unwrap_or_else(|| panic!("no NOTIFY within 1 s of committing {id}"));
        assert!(msg.starts_with("pos_fraud_alert|"), "{msg}");
        assert!(
            msg.contains(&format!("\"source_txn_id\": \"{id}\"")),
            "{msg}"
        );
        let row = reader
            .query_one(
                "SELECT level, score, reasons->0->>'code' FROM pos.fraud_alert WHERE tenant_id = 'acme' AND source_txn_id = $1",
                &[&id],
            )
            .unwrap();
        let (level, score, code): (String, f64, String) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(level, "transaction");
        assert!(score >= 0.5, "{id}: {score}");
        assert!(code.contains("refund"), "{id}: top reason {code}");
        latency.push(dt);
    }
    latency.sort();
    commit_time.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "fraud alert latency over {commits} commits: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (COMMIT alone: p50 {:.1} ms, p99 {:.1} ms)",
        ms(quantile(&latency, 0.5)),
        ms(quantile(&latency, 0.99)),
        ms(latency[latency.len() - 1]),
        ms(quantile(&commit_time, 0.5)),
        ms(quantile(&commit_time, 0.99)),
    );
    assert!(latency[latency.len() - 1] < Duration::from_secs(1));
}
