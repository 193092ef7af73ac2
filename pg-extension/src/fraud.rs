//! SQL face of `pos_core::fraud`: learning baselines from history, scoring transactions,
//! no-sale opens and cashier-days. Context assembly, storage, thresholds, the commit-time trigger
//! and NOTIFY live in sql/80_fraud.sql; the algorithms in core/src/fraud (see docs/fraud.md).
// pgrx spells a set-returning function's SQL columns in its Rust return type
// (TableIterator<(name!(…), …)>); that type *is* the signature, so it stays inline.
#![allow(clippy::type_complexity)]
use crate::args::required;
use crate::json_arg::JsonArg;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgLogLevel, PgSqlErrorCode};
use pos_core::fraud::{
    score_cashier_day, score_in_context, score_no_sale, Baselines, Calibration, CashierDay,
    DaySoFar, Monitor, TxnContext,
};
use pos_core::model::{DrawerEvent, Transaction};
use std::cell::RefCell;
use std::rc::Rc;

#[path = "fraud_gate.rs"]
mod gate;

extension_sql_file!(
    "../../sql/80_fraud.sql",
    name = "fraud_sql",
    requires = [
        "caggs_views",
        fraud_score_json,
        fraud_no_sale_json,
        fraud_cashier_day_json,
        fraud_fit_baseline
    ]
);

fn raise(msg: String, hint: &str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        msg,
        "pos_analytics::fraud",
    )
    .set_hint(hint)
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Deserializes pos-core JSON or raises a clear ERROR (a macro: serde is not a direct dependency).
macro_rules! parse {
    ($what:expr, $v:expr) => {
        serde_json::from_value($v).unwrap_or_else(|e| {
            raise(
                format!("invalid {}: {e}", $what),
                "pass the JSON built by pos.fraud_txn_json / pos.fraud_context_json",
            )
        })
    };
}

/// The tenant's baselines, parsed once per backend and re-read only when refitted.
fn baselines(tenant: &str) -> Rc<Baselines> {
    thread_local! {
        static CACHE: RefCell<Option<(String, String, Rc<Baselines>)>> = const { RefCell::new(None) };
    }
    let fitted = Spi::get_one_with_args::<String>("SELECT fitted_at::text FROM pos.fraud_baseline WHERE tenant_id = $1", &[tenant.into()])
        .ok()
        .flatten()
        .unwrap_or_else(|| raise(format!("tenant {tenant:?} has no fraud baseline"), "learn one from history first: SELECT * FROM pos.fraud_fit_baseline(tenant, from_date, to_date)"));
    if let Some(b) = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(t, f, _)| t == tenant && *f == fitted)
            .map(|x| x.2.clone())
    }) {
        return b;
    }
    let JsonB(v) = Spi::get_one_with_args::<JsonB>(
        "SELECT baselines FROM pos.fraud_baseline WHERE tenant_id = $1",
        &[tenant.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| {
        raise(
            format!("tenant {tenant:?} has no fraud baseline"),
            "run pos.fraud_fit_baseline",
        )
    });
    let b: Baselines = parse!("baseline", v);
    if let Err(e) = b.chain.check_version() {
        raise(e, "refit with pos.fraud_fit_baseline");
    }
    let b = Rc::new(b);
    CACHE.with(|c| *c.borrow_mut() = Some((tenant.to_string(), fitted, b.clone())));
    b
}

fn calibration(txn_offset: f64, cashier_day_offset: f64) -> Calibration {
    Calibration {
        txn_offset,
        cashier_day_offset,
    }
}

/// Scores a transaction (pos-core JSON) in a context (see pos.fraud_context_json) against the
/// tenant's baselines: `{score, evidence, hits, reasons}`. NULL in → NULL out.
#[pg_extern(stable, parallel_safe)]
fn fraud_score_json(
    txn: Option<JsonArg>,
    context: Option<JsonArg>,
    tenant_id: Option<&str>,
    txn_offset: default!(Option<f64>, 9.0),
) -> Option<JsonB> {
    let txn_offset = required(
        txn_offset,
        "pos.fraud_score_json",
        "txn_offset",
        Some("9.0"),
    );
    let (JsonArg(t), JsonArg(c), tenant) = (txn?, context?, tenant_id?);
    let t: Transaction = parse!("transaction", t);
    let ctx: TxnContext = parse!("context", c);
    let b = baselines(tenant);
    let (_, s) = score_in_context(&t, ctx, &b, &calibration(txn_offset, 9.0));
    Some(JsonB(serde_json::to_value(&s).expect("scores serialize")))
}

/// Scores a no-sale drawer open given the cashier's no-sales and transactions earlier that day.
#[pg_extern(stable, parallel_safe)]
fn fraud_no_sale_json(
    tenant_id: Option<&str>,
    store_id: Option<&str>,
    no_sales_before: Option<i32>,
    transactions_before: Option<i32>,
    txn_offset: default!(Option<f64>, 9.0),
) -> Option<JsonB> {
    let txn_offset = required(
        txn_offset,
        "pos.fraud_no_sale_json",
        "txn_offset",
        Some("9.0"),
    );
    let b = baselines(tenant_id?);
    let day = DaySoFar {
        transactions: transactions_before?.max(0) as u32,
        no_sales: no_sales_before?.max(0) as u32,
        ..DaySoFar::default()
    };
    let s = score_no_sale(&day, b.store(store_id?), &calibration(txn_offset, 9.0));
    Some(JsonB(serde_json::to_value(&s).expect("scores serialize")))
}

/// Scores a cashier-day summary `{transactions, hits: {family: n}, no_sales, max_txn_evidence,
/// over_short}` (`over_short` optional: counted − expected at close, summed).
#[pg_extern(stable, parallel_safe)]
fn fraud_cashier_day_json(
    tenant_id: Option<&str>,
    store_id: Option<&str>,
    day: Option<JsonArg>,
    cashier_day_offset: default!(Option<f64>, 6.0),
    txn_offset: default!(Option<f64>, 9.0),
) -> Option<JsonB> {
    const F: &str = "pos.fraud_cashier_day_json";
    let cashier_day_offset = required(cashier_day_offset, F, "cashier_day_offset", Some("6.0"));
    let txn_offset = required(txn_offset, F, "txn_offset", Some("9.0"));
    let b = baselines(tenant_id?);
    let JsonArg(d) = day?;
    let d: CashierDay = parse!("cashier-day summary", d);
    let s = score_cashier_day(
        &d,
        b.store(store_id?),
        Some(&b.chain),
        &calibration(txn_offset, cashier_day_offset),
    );
    Some(JsonB(serde_json::to_value(&s).expect("scores serialize")))
}

/// The history as pos-core's canonical JSON, oldest first. Set-based on purpose: one pass over
/// the lines and tenders of the window (grouped per transaction) instead of `pos.fraud_txn_json`
/// per transaction, which plans three partitioned lookups per row (≈ 30 ms each: a 40k-transaction
/// window took over 10 minutes; this takes seconds). Tenders are matched within a day either side
/// of the window, as `pos.fraud_txn_json` matches them within a day of the transaction.
const HISTORY: &str = "
SELECT kind, j, utc_offset FROM (
    SELECT 'txn' AS kind, x.occurred_at, x.source_txn_id AS id,
        (SELECT extract(epoch FROM (x.occurred_at AT TIME ZONE st.timezone) - (x.occurred_at AT TIME ZONE 'UTC'))::integer
           FROM pos.store st WHERE (st.tenant_id, st.store_id) = (x.tenant_id, x.store_id)) AS utc_offset,
        jsonb_build_object(
        'key', jsonb_build_object('tenant_id', x.tenant_id, 'store_id', x.store_id, 'source', x.source, 'source_txn_id', x.source_txn_id),
        'source_version', x.source_version, 'occurred_at', x.occurred_at, 'business_date', x.business_date,
        'register_id', x.register_id, 'cashier_id', x.cashier_id, 'customer_id', x.customer_id,
        'status', x.status, 'currency', x.currency,
        'lines', coalesce(l.lines, '[]'), 'tenders', coalesce(t.tenders, '[]')) AS j
      FROM pos.txn x
      LEFT JOIN (SELECT l.store_id, l.source, l.source_txn_id, l.occurred_at, jsonb_agg(jsonb_build_object(
                'line_no', l.line_no, 'kind', l.kind, 'sku', l.sku, 'gtin', l.gtin, 'raw_item_id', l.raw_item_id,
                'description', l.description, 'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                'discount', l.discount::text, 'net_amount', l.net_amount::text, 'tax', l.tax::text,
                'entry_method', l.entry_method, 'price_override', l.price_override, 'non_revenue', l.non_revenue,
                'original_txn_id', l.original_txn_id, 'original_line_no', l.original_line_no) ORDER BY l.line_no) AS lines
           FROM pos.sale_line l WHERE l.tenant_id = $1 AND l.business_date BETWEEN $2 AND $3
          GROUP BY 1, 2, 3, 4) l USING (store_id, source, source_txn_id, occurred_at)
      LEFT JOIN (SELECT t.store_id, t.source, t.source_txn_id, jsonb_agg(jsonb_build_object(
                'tender_no', t.tender_no, 'method', t.method, 'amount', t.amount::text, 'status', t.status,
                'card_fingerprint', t.card_fingerprint, 'card_bin', t.card_bin, 'card_entry', t.card_entry,
                'occurred_at', t.occurred_at) ORDER BY t.tender_no) AS tenders
           FROM pos.tender t WHERE t.tenant_id = $1 AND t.business_date BETWEEN $2 - 1 AND $3 + 1
          GROUP BY 1, 2, 3) t USING (store_id, source, source_txn_id)
     WHERE x.tenant_id = $1 AND x.business_date BETWEEN $2 AND $3
    UNION ALL
    SELECT 'drawer', d.occurred_at, d.source_event_id, NULL::integer, jsonb_build_object('tenant_id', d.tenant_id, 'store_id', d.store_id,
           'source', d.source, 'source_event_id', d.source_event_id, 'register_id', d.register_id, 'cashier_id', d.cashier_id,
           'kind', d.kind, 'amount', d.amount::text, 'currency', d.currency, 'occurred_at', d.occurred_at, 'business_date', d.business_date)
      FROM pos.drawer_event d WHERE d.tenant_id = $1 AND d.business_date BETWEEN $2 AND $3
) z ORDER BY occurred_at, id";

/// Learns the tenant's baselines (per store and chain-wide) from the transactions and drawer
/// events of [from_date, to_date] and stores them in pos.fraud_baseline. History may contain
/// some fraud: the baselines are robust to it. Returns what each store was trained on.
#[pg_extern(volatile, strict)]
fn fraud_fit_baseline(
    tenant_id: &str,
    from_date: pgrx::datum::Date,
    to_date: pgrx::datum::Date,
) -> TableIterator<
    'static,
    (
        name!(store_id, String),
        name!(transactions, i64),
        name!(cashier_days, i64),
    ),
> {
    if from_date > to_date {
        raise(
            format!("the date range {from_date} to {to_date} is reversed"),
            "pass the first business date of the history, then the last",
        );
    }
    let mut mon = Monitor::new(None);
    let seen = Spi::connect(|client| {
        let mut n = 0u64;
        for row in client.select(
            HISTORY,
            None,
            &[tenant_id.into(), from_date.into(), to_date.into()],
        )? {
            let kind: String = row.get(1)?.unwrap_or_default();
            let Some(JsonB(j)) = row.get::<JsonB>(2)? else {
                continue;
            };
            if kind == "txn" {
                let t: Transaction = parse!("transaction", j);
                // the store's UTC offset then: dayparts and weekends on its own clock
                mon.observe_txn_local(&t, row.get::<i32>(3)?);
                n += 1;
            } else {
                let e: DrawerEvent = parse!("drawer event", j);
                mon.observe_drawer(&e);
            }
        }
        Ok::<u64, pgrx::spi::Error>(n)
    })
    .unwrap_or_else(|e| {
        raise(
            format!("reading history failed: {e}"),
            "check pos.txn and pos.drawer_event",
        )
    });
    if seen < 200 {
        raise(
            format!("tenant {tenant_id:?} has {seen} transactions between {from_date} and {to_date}; a baseline needs at least 200"),
            "widen the date range (two to eight weeks of history work well)",
        );
    }
    let b = mon.start_scoring().clone();
    let summary: Vec<(String, i64, i64)> = b
        .stores
        .iter()
        .map(|(s, x)| (s.clone(), x.transactions as i64, x.cashier_days as i64))
        .collect();
    Spi::run_with_args(
        "INSERT INTO pos.fraud_baseline (tenant_id, trained_from, trained_to, transactions, baselines) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET fitted_at = clock_timestamp(), trained_from = EXCLUDED.trained_from,
             trained_to = EXCLUDED.trained_to, transactions = EXCLUDED.transactions, baselines = EXCLUDED.baselines",
        &[tenant_id.into(), from_date.into(), to_date.into(), (seen as i64).into(), JsonB(serde_json::to_value(&b).expect("baselines serialize")).into()],
    )
    .unwrap_or_else(|e| raise(format!("storing the baseline failed: {e}"), "check pos.fraud_baseline"));
    TableIterator::new(summary)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// A reversed range is an error, not "0 transactions" (which sent the reader to widen it).
    #[pg_test(error = "the date range 2026-01-18 to 2026-01-05 is reversed")]
    fn fit_baseline_refuses_a_reversed_range() {
        Spi::run("SELECT * FROM pos.fraud_fit_baseline('t', '2026-01-18', '2026-01-05')").unwrap();
    }

    #[pg_test(error = "the date range 2026-01-18 to 2026-01-05 is reversed")]
    fn scan_refuses_a_reversed_range() {
        Spi::run("SELECT pos.fraud_scan('t', '2026-01-18', '2026-01-05')").unwrap();
    }

    /// Loads a small honest history for tenant t: 3 cashiers × 14 days × 12 card sales, a few
    /// no-sales; then fits the baseline.
    fn history() {
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, customer_id, status, currency)
             SELECT 't', 's1', 'test', format('h-%s-%s-%s', d, c, i), timestamptz '2026-01-05 09:00+00' + d * interval '1 day' + c * interval '3 hours' + i * interval '7 minutes',
                    date '2026-01-05' + d, 'c' || c, CASE WHEN i % 3 = 0 THEN 'cust' || (d * 100 + c * 10 + i) END, 'completed', 'USD'
               FROM generate_series(0, 13) d, generate_series(1, 3) c, generate_series(1, 12) i;
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, txn_status, kind, sku, raw_item_id, quantity, unit_price, discount, net_amount, currency, entry_method, cashier_id)
             SELECT t.tenant_id, t.store_id, t.source, t.source_txn_id, n, t.occurred_at, t.business_date, 'completed', 'sale',
                    '0001234567890' || n, 'x', 1, 2.5 * n, 0, 2.5 * n, 'USD', 'scanned', t.cashier_id
               FROM pos.txn t, generate_series(1, 3) n WHERE t.tenant_id = 't';
             INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status, card_fingerprint, card_bin, card_entry)
             SELECT t.tenant_id, t.store_id, t.source, t.source_txn_id, 1, t.occurred_at + interval '1 minute', t.business_date, 'card', 15, 'USD', 'approved', md5(t.source_txn_id), '411111', 'chip'
               FROM pos.txn t WHERE t.tenant_id = 't';
             INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, currency)
             SELECT 't', 's1', 'test', format('ns-%s-%s', d, c), timestamptz '2026-01-05 10:00+00' + d * interval '1 day' + c * interval '3 hours', date '2026-01-05' + d, 'c' || c, 'no_sale', 'USD'
               FROM generate_series(0, 13) d, generate_series(1, 3) c WHERE (d + c) % 2 = 0;
             INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, amount, currency)
             SELECT 't', 's1', 'test', format('count-%s-%s', d, c), timestamptz '2026-01-05 20:00+00' + d * interval '1 day', date '2026-01-05' + d, 'c' || c, 'over_short', ((d * 7 + c * 3) % 9 - 5) * 0.45, 'USD'
               FROM generate_series(0, 13) d, generate_series(1, 3) c WHERE (d * 7 + c * 3) % 9 <> 5;",
        )
        .unwrap();
        let n = Spi::get_one::<i64>("SELECT sum(transactions)::bigint FROM pos.fraud_fit_baseline('t', '2026-01-05', '2026-01-18')").unwrap();
        assert_eq!(n, Some(504));
    }

    #[pg_test]
    fn an_honest_sale_scores_low_and_a_refund_without_sale_raises_an_alert_with_notify() {
        history();
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency)
             VALUES ('t', 's1', 'test', 'ok-1', '2026-01-19 10:00+00', '2026-01-19', 'c1', 'completed', 'USD'),
                    ('t', 's1', 'test', 'bad-1', '2026-01-19 10:05+00', '2026-01-19', 'c1', 'completed', 'USD');
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, original_txn_id)
             VALUES ('t', 's1', 'test', 'ok-1', 1, '2026-01-19 10:00+00', '2026-01-19', 'sale', '00012345678902', 'x', 1, 5, 5, 'USD', NULL),
                    ('t', 's1', 'test', 'bad-1', 1, '2026-01-19 10:05+00', '2026-01-19', 'return', '00012345678903', 'x', -4, 7.5, -30, 'USD', 'no-such-receipt');
             INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
             VALUES ('t', 's1', 'test', 'ok-1', 1, '2026-01-19 10:01+00', '2026-01-19', 'card', 5, 'USD', 'approved'),
                    ('t', 's1', 'test', 'bad-1', 1, '2026-01-19 10:06+00', '2026-01-19', 'cash', -30, 'USD', 'approved');",
        )
        .unwrap();
        // Inside one test transaction the deferred trigger has not fired: score directly.
        let ok = Spi::get_one::<f64>(
            "SELECT score FROM pos.score_transaction('t', 's1', 'test', 'ok-1')",
        )
        .unwrap()
        .unwrap();
        let bad = Spi::get_one::<f64>(
            "SELECT score FROM pos.score_transaction('t', 's1', 'test', 'bad-1')",
        )
        .unwrap()
        .unwrap();
        assert!(ok < 0.1, "honest sale scored {ok}");
        assert!(bad >= 0.5, "refund without sale scored {bad}");
        let code = Spi::get_one::<String>(
            "SELECT reasons->0->>'code' FROM pos.score_transaction('t', 's1', 'test', 'bad-1')",
        )
        .unwrap()
        .unwrap();
        assert!(code.starts_with("refund"), "{code}");
        // What the commit-time trigger runs: score, store, alert.
        Spi::run("SET CONSTRAINTS ALL IMMEDIATE").unwrap();
        let alerts = Spi::get_one::<i64>("SELECT count(*) FROM pos.fraud_alert WHERE source_txn_id = 'bad-1' AND level = 'transaction'").unwrap();
        assert_eq!(alerts, Some(1));
        let scored = Spi::get_one::<i64>("SELECT count(*) FROM pos.fraud_score WHERE tenant_id = 't' AND business_date = '2026-01-19'").unwrap();
        assert_eq!(scored, Some(2));
        let risk = Spi::get_one::<String>(
            "SELECT cashier_id FROM pos.cashier_risk('t', 's1', '2026-01-19') LIMIT 1",
        )
        .unwrap();
        assert_eq!(risk.as_deref(), Some("c1"));
    }

    /// A receipt backs what it sold once: the context gives each cited sale's value sold and
    /// what completed returns before refunded citing it, so the second full cash refund of one
    /// sale with no customer alerts while the first, the same refund, is routine (and a
    /// post-voided one, which gave nothing back, does not count; of two returns at one instant
    /// the one with the smaller id is the earlier).
    #[pg_test]
    fn a_receipt_refunded_twice_alerts_on_the_second_refund() {
        history();
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, customer_id, status, currency)
             VALUES ('t', 's1', 'test', 'sold-1', '2026-01-19 10:00+00', '2026-01-19', 'c1', 'cust-9', 'completed', 'USD'),
                    ('t', 's1', 'test', 'back-0', '2026-01-20 10:00+00', '2026-01-20', 'c2', NULL, 'post_voided', 'USD'),
                    ('t', 's1', 'test', 'back-1', '2026-01-20 11:00+00', '2026-01-20', 'c2', NULL, 'completed', 'USD'),
                    ('t', 's1', 'test', 'back-1b', '2026-01-20 11:00+00', '2026-01-20', 'c4', NULL, 'completed', 'USD'),
                    ('t', 's1', 'test', 'back-2', '2026-01-21 11:00+00', '2026-01-21', 'c3', NULL, 'completed', 'USD');
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, txn_status, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, original_txn_id, original_line_no)
             SELECT 't', 's1', 'test', 'sold-1', n, '2026-01-19 10:00+00', '2026-01-19', 'completed', 'sale', '0001234567890' || n, 'x', 1, 10 * n, 10 * n, 'USD', NULL, NULL
               FROM generate_series(1, 2) n
             UNION ALL
             SELECT 't', 's1', 'test', r.id, n, r.at, r.at::date, r.status, 'return', '0001234567890' || n, 'x', -1, 10 * n, -10 * n, 'USD', 'sold-1', n
               FROM (VALUES ('back-0', timestamptz '2026-01-20 10:00+00', 'post_voided'), ('back-1', '2026-01-20 11:00+00', 'completed'),
                            ('back-2', '2026-01-21 11:00+00', 'completed')) r(id, at, status), generate_series(1, 2) n
             UNION ALL
             SELECT 't', 's1', 'test', 'back-1b', 1, '2026-01-20 11:00+00', '2026-01-20', 'completed', 'return', '00012345678901', 'x', -1, 10, -10, 'USD', 'sold-1', 1;
             INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
             VALUES ('t', 's1', 'test', 'sold-1', 1, '2026-01-19 10:01+00', '2026-01-19', 'cash', 30, 'USD', 'approved'),
                    ('t', 's1', 'test', 'back-0', 1, '2026-01-20 10:01+00', '2026-01-20', 'cash', -30, 'USD', 'approved'),
                    ('t', 's1', 'test', 'back-1', 1, '2026-01-20 11:01+00', '2026-01-20', 'cash', -30, 'USD', 'approved'),
                    ('t', 's1', 'test', 'back-1b', 1, '2026-01-20 11:01+00', '2026-01-20', 'cash', -10, 'USD', 'approved'),
                    ('t', 's1', 'test', 'back-2', 1, '2026-01-21 11:01+00', '2026-01-21', 'cash', -30, 'USD', 'approved');",
        )
        .unwrap();
        let context = |id: &str| {
            Spi::get_one::<String>(&format!(
                "SELECT (c->'originals'->'sold-1'->>'sold') || '/' || (c->'originals'->'sold-1'->>'refunded')
                   FROM pos.fraud_context_json(pos.fraud_txn_json('t', 's1', 'test', '{id}')) c"
            ))
            .unwrap()
            .unwrap()
        };
        assert_eq!(context("back-1"), "30/0");
        // Two returns at one instant: the one with the smaller id counts as the earlier.
        assert_eq!(context("back-1b"), "30/30");
        assert_eq!(context("back-2"), "30/40");
        let score = |id: &str| {
            Spi::get_one::<f64>(&format!(
                "SELECT score FROM pos.score_transaction('t', 's1', 'test', '{id}')"
            ))
            .unwrap()
            .unwrap()
        };
        assert!(
            score("back-1") < 0.1,
            "the first refund scored {}",
            score("back-1")
        );
        assert!(
            score("back-2") >= 0.5,
            "the second refund scored {}",
            score("back-2")
        );
        let codes = Spi::get_one::<String>(
            "SELECT string_agg(r->>'code', ',') FROM pos.score_transaction('t', 's1', 'test', 'back-2'), jsonb_array_elements(reasons) r",
        )
        .unwrap()
        .unwrap();
        assert!(codes.starts_with("refund_"), "{codes}");
        let detail = Spi::get_one::<String>(
            "SELECT reasons->0->>'detail' FROM pos.score_transaction('t', 's1', 'test', 'back-2')",
        )
        .unwrap()
        .unwrap();
        assert!(
            detail.ends_with("; receipt sold-1 sold 30.00 and had 40.00 refunded before"),
            "{detail}"
        );
    }

    /// The sales a return cites are found however old they are (the lookup searches windows
    /// going back from the return: 8, 40, 400 days, then the rest), each at most once: of two
    /// sales with one receipt id the later one before the return, never one after it.
    #[pg_test]
    fn a_return_finds_the_sales_it_cites_at_any_age() {
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, status, currency)
             SELECT 't', 's1', 'test', id, at, at::date, 'completed', 'USD'
               FROM (VALUES ('days', timestamptz '2026-01-18 09:00+00'), ('edge', '2026-01-12 12:00+00'),
                            ('months', '2025-10-12 09:00+00'), ('years', '2024-09-07 09:00+00'),
                            ('dup', '2026-01-17 09:00+00'), ('dup', '2025-03-26 09:00+00'),
                            ('later', '2026-01-21 09:00+00'), ('back', '2026-01-20 12:00+00')) v(id, at);
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, original_txn_id)
             SELECT t.tenant_id, t.store_id, t.source, t.source_txn_id, 1, t.occurred_at, t.business_date, 'sale', '00012345678905', 'x', 1,
                    extract(day FROM t.occurred_at), extract(day FROM t.occurred_at), 'USD', NULL
               FROM pos.txn t WHERE t.source_txn_id <> 'back'
             UNION ALL
             SELECT 't', 's1', 'test', 'back', n, '2026-01-20 12:00+00', '2026-01-20', 'return', '00012345678905', 'x', -1, 1, -1, 'USD', id
               FROM unnest(ARRAY['days', 'edge', 'months', 'years', 'dup', 'later', 'never-rung']) WITH ORDINALITY c(id, n);",
        )
        .unwrap();
        let found = Spi::get_one::<String>(
            "SELECT string_agg(k || '=' || (c->'originals'->k->>'sold'), ',' ORDER BY k)
               FROM pos.fraud_context_json(pos.fraud_txn_json('t', 's1', 'test', 'back')) c, jsonb_object_keys(c->'originals') k",
        )
        .unwrap()
        .unwrap();
        assert_eq!(found, "days=18,dup=17,edge=12,months=12,years=7");
    }

    /// Tills that number receipts per store: receipt 1001 rung at two stores is read as each
    /// store's own. A return cites its own store's sale even when the other store's is later, and
    /// returns at the other store citing 1001 refunded that store's receipt, not this one. An id
    /// rung at one store only is the chain's: a return at another store cites it, and refunds
    /// citing it count wherever they were made.
    #[pg_test]
    fn a_receipt_number_rung_at_two_stores_is_read_as_each_stores_own() {
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, status, currency)
             SELECT 't', st, 'test', id, at, at::date, 'completed', 'USD'
               FROM (VALUES ('s1', '1001', timestamptz '2026-01-10 09:00+00'), ('s2', '1001', '2026-01-12 09:00+00'),
                            ('s2', 'back-s2', '2026-01-13 09:00+00'), ('s1', 'back-s1', '2026-01-14 09:00+00'),
                            ('s1', 'G-7', '2026-01-10 10:00+00'), ('s2', 'back-g1', '2026-01-11 10:00+00'),
                            ('s3', 'back-g2', '2026-01-14 10:00+00')) v(st, id, at);
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, original_txn_id)
             SELECT 't', st, 'test', id, 1, at, at::date, kind, '00012345678905', 'x', q, 10, q * amount, 'USD', cited
               FROM (VALUES ('s1', '1001', timestamptz '2026-01-10 09:00+00', 'sale', 1, 40, NULL), ('s2', '1001', '2026-01-12 09:00+00', 'sale', 1, 25, NULL),
                            ('s2', 'back-s2', '2026-01-13 09:00+00', 'return', -1, 25, '1001'), ('s1', 'back-s1', '2026-01-14 09:00+00', 'return', -1, 40, '1001'),
                            ('s1', 'G-7', '2026-01-10 10:00+00', 'sale', 1, 30, NULL), ('s2', 'back-g1', '2026-01-11 10:00+00', 'return', -1, 10, 'G-7'),
                            ('s3', 'back-g2', '2026-01-14 10:00+00', 'return', -1, 30, 'G-7')) v(st, id, at, kind, q, amount, cited);",
        )
        .unwrap();
        let cited = |store: &str, id: &str, receipt: &str| {
            Spi::get_one::<String>(&format!(
                "SELECT (c->'originals'->'{receipt}'->>'sold') || '/' || (c->'originals'->'{receipt}'->>'refunded')
                   FROM pos.fraud_context_json(pos.fraud_txn_json('t', '{store}', 'test', '{id}')) c"
            ))
            .unwrap()
            .unwrap()
        };
        // s1's own 1001 (40), not s2's later one (25); s2's return refunded s2's receipt.
        assert_eq!(cited("s1", "back-s1", "1001"), "40/0");
        assert_eq!(cited("s2", "back-s2", "1001"), "25/0");
        // G-7 was rung at s1 only: cited from s3, with what s2's return refunded before.
        assert_eq!(cited("s3", "back-g2", "G-7"), "30/10");
    }

    /// A transaction in another currency than the baseline's is not judged by its amounts, and
    /// pos.score_transaction says so in `notes`; one in the baseline's currency has none.
    #[pg_test]
    fn a_foreign_currency_refund_is_noted_as_not_judged_by_amounts() {
        history();
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency)
             VALUES ('t', 's1', 'test', 'jpy-1', '2026-01-19 10:05+00', '2026-01-19', 'c1', 'completed', 'JPY'),
                    ('t', 's1', 'test', 'usd-1', '2026-01-19 10:09+00', '2026-01-19', 'c1', 'completed', 'USD');
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
             VALUES ('t', 's1', 'test', 'jpy-1', 1, '2026-01-19 10:05+00', '2026-01-19', 'sale', '00012345678902', 'x', 1, 3000, 3000, 'JPY'),
                    ('t', 's1', 'test', 'usd-1', 1, '2026-01-19 10:09+00', '2026-01-19', 'sale', '00012345678902', 'x', 1, 5, 5, 'USD');
             INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
             VALUES ('t', 's1', 'test', 'jpy-1', 1, '2026-01-19 10:06+00', '2026-01-19', 'cash', 3000, 'JPY', 'approved'),
                    ('t', 's1', 'test', 'usd-1', 1, '2026-01-19 10:10+00', '2026-01-19', 'card', 5, 'USD', 'approved');",
        )
        .unwrap();
        let notes = |id: &str| {
            Spi::get_one::<String>(&format!(
                "SELECT string_agg(n->>'code', ',') FROM pos.score_transaction('t', 's1', 'test', '{id}'), jsonb_array_elements(notes) n"
            ))
            .unwrap()
        };
        assert_eq!(notes("jpy-1").as_deref(), Some("amounts_not_judged"));
        assert_eq!(notes("usd-1"), None);
    }

    /// The history's counts are at most 2.25 off: 90.00 short is a reason, 1.80 short is not.
    #[pg_test]
    fn a_drawer_counted_far_short_at_close_is_a_cashier_day_reason() {
        history();
        Spi::run(
            "INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, amount, currency)
             VALUES ('t', 's1', 'test', 'count-skim', '2026-01-19 20:00+00', '2026-01-19', 'c2', 'over_short', -90.00, 'USD'),
                    ('t', 's1', 'test', 'count-ok', '2026-01-19 20:00+00', '2026-01-19', 'c3', 'over_short', -1.80, 'USD')",
        )
        .unwrap();
        let (code, short, alert) = Spi::get_three::<String, pgrx::AnyNumeric, bool>(
            "SELECT reasons->0->>'code', over_short, alert FROM pos.cashier_risk('t', 's1', '2026-01-19') WHERE cashier_id = 'c2'",
        )
        .unwrap();
        assert_eq!(code.as_deref(), Some("drawer_short"));
        assert_eq!(short.map(|x| x.to_string()).as_deref(), Some("-90.00"));
        assert_eq!(alert, Some(true));
        let ok = Spi::get_one::<i64>(
            "SELECT jsonb_array_length(reasons)::bigint FROM pos.cashier_risk('t', 's1', '2026-01-19') WHERE cashier_id = 'c3'",
        )
        .unwrap();
        assert_eq!(ok, Some(0), "an honest miscount is no reason");
    }

    #[pg_test]
    #[should_panic(expected = "has no fraud baseline")]
    fn scoring_without_a_baseline_is_a_clear_error() {
        Spi::run(
            "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, status, currency)
             VALUES ('u', 's1', 'test', '1', '2026-01-19 10:00+00', '2026-01-19', 'completed', 'USD')",
        )
        .unwrap();
        Spi::run("SELECT * FROM pos.score_transaction('u', 's1', 'test', '1')").unwrap();
    }
}
