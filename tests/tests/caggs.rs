//! Continuous aggregates end to end: a random sequence of inserts, COPYs, updates (values, status
//! and time moves across chunks), deletes, late rows, replays (newer and older versions),
//! straggler moves and refreshes with random windows, over four stores in four time zones. After
//! every refresh the refreshed aggregate must equal its definition run on the raw rows, and the
//! table of each composite over it (pos.store_daily, pos.cashier_daily) the composite's body over
//! the parts' materializations, whatever order the parts were refreshed in; at the end every view
//! equals hand-written queries on the raw tables, materialized and real-time alike, and each
//! composite's table its view.
//!
//! The operation count defaults to 2,000 (CI); the full proof is
//! `POS_CAGGS_OPS=10000 cargo test -p pos-e2e --release --test caggs -- --nocapture`
//! (with POS_TEST_URL set, see scripts/test). POS_CAGGS_SEED picks the random sequence.
use pos_e2e::{connect, fresh_db};
use std::time::{Duration, Instant};

const DB: &str = "e2e_caggs";
const STORES: [(&str, &str); 4] = [
    ("s1", "UTC"),
    ("s2", "America/New_York"),
    ("s3", "Asia/Kolkata"),
    ("s4", "Pacific/Kiritimati"),
];

/// xorshift64*: a reproducible sequence without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One generated transaction: its rows as SQL VALUES tuples for each fact table.
struct Txn {
    id: String,
    store: usize,
    /// Minutes relative to the base time.
    minute: i64,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `occurred_at` and `business_date` expressions for a minute offset in a store's time zone.
fn when(minute: i64, store: usize) -> (String, String) {
    let ts = format!("(timestamptz '2026-03-02 00:00+00' + {minute} * interval '1 minute')");
    let date = format!("({ts} AT TIME ZONE '{}')::date", STORES[store].1);
    (ts, date)
}

fn txn_sql(rng: &mut Rng, t: &Txn, version: i64) -> String {
    let (ts, date) = when(t.minute, t.store);
    let store = STORES[t.store].0;
    let status = match rng.below(20) {
        0 => "post_voided",
        1 => "cancelled",
        _ => "completed",
    };
    let cashier = format!("c{}", rng.below(4));
    let mut lines = Vec::new();
    let (mut net_total, mut non_revenue_total) = (0i64, 0i64);
    for line_no in 1..=rng.range(1, 5) {
        let kind = match rng.below(10) {
            0 => "return",
            1 => "void",
            _ => "sale",
        };
        let qty = if kind == "sale" {
            rng.range(1, 5)
        } else {
            -rng.range(1, 3)
        };
        let cents = rng.range(50, 2000);
        let discount = if kind == "sale" && rng.chance(20) {
            rng.range(1, 40)
        } else {
            0
        };
        let net = qty * cents - discount;
        // A gift card sold now and then: out of the sales, in the non-revenue amount.
        let non_revenue = rng.chance(8);
        if non_revenue {
            non_revenue_total += net;
        } else {
            net_total += net;
        }
        let original = if kind == "return" && rng.chance(50) {
            "'orig'"
        } else {
            "NULL"
        };
        let entry = if rng.chance(10) { "keyed" } else { "scanned" };
        let overridden = rng.chance(10);
        lines.push(format!(
            "('t1','{store}','gen','{id}',{line_no},{ts},{date},{version},'{status}','{kind}','sku{sku}','r',{qty},{price},{disc},{net},{tax},'USD','{entry}',{overridden},{non_revenue},'{cashier}',{original})",
            id = t.id,
            sku = rng.below(6),
            price = cents as f64 / 100.0,
            disc = discount as f64 / 100.0,
            net = net as f64 / 100.0,
            tax = (net.abs() / 10) as f64 / 100.0,
        ));
    }
    let net = net_total as f64 / 100.0;
    let non_revenue = non_revenue_total as f64 / 100.0;
    let method = ["cash", "card", "gift_card", "store_credit", "other"][rng.below(5) as usize];
    let tender_status = if rng.chance(10) {
        "declined"
    } else {
        "approved"
    };
    format!(
        "INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, source_version, cashier_id, status, currency, line_count, gross_amount, net_amount, tax_amount, non_revenue_amount)
         VALUES ('t1','{store}','gen','{id}',{ts},{date},{version},'{cashier}','{status}','USD',{n},{net},{net},{tax},{non_revenue})
         ON CONFLICT (tenant_id, store_id, source, source_txn_id, occurred_at) DO UPDATE
            SET status = excluded.status, net_amount = excluded.net_amount, gross_amount = excluded.gross_amount,
                non_revenue_amount = excluded.non_revenue_amount,
                source_version = excluded.source_version, cashier_id = excluded.cashier_id
          WHERE pos.txn.source_version < excluded.source_version;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, source_version,
                txn_status, kind, sku, raw_item_id, quantity, unit_price, discount, net_amount, tax, currency, entry_method,
                price_override, non_revenue, cashier_id, original_txn_id)
         VALUES {lines}
         ON CONFLICT (tenant_id, store_id, source, source_txn_id, line_no, occurred_at) DO UPDATE
            SET quantity = excluded.quantity, net_amount = excluded.net_amount, kind = excluded.kind,
                txn_status = excluded.txn_status, source_version = excluded.source_version, sku = excluded.sku,
                unit_price = excluded.unit_price, discount = excluded.discount, non_revenue = excluded.non_revenue
          WHERE pos.sale_line.source_version < excluded.source_version;
         INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, source_version, method, amount, currency, status, cashier_id)
         VALUES ('t1','{store}','gen','{id}',1,{ts},{date},{version},'{method}',{net},'USD','{tender_status}','{cashier}')
         ON CONFLICT DO NOTHING;",
        id = t.id,
        n = lines.len(),
        tax = (net.abs() / 10.0 * 100.0).round() / 100.0,
        lines = lines.join(","),
    )
}

/// The aggregate's own definition run on its source (for children: on the parent's view), and
/// the view itself, compared as multisets.
fn mismatches(c: &mut postgres::Client, cagg: &str) -> i64 {
    let oracle: String = c
        .query_one(
            "SELECT pos._cagg_select_sql(c, c.source, 'true') FROM pos.continuous_aggregate c WHERE view_name = $1::text::regclass",
            &[&cagg],
        )
        .unwrap()
        .get(0);
    c.query_one(
        &format!(
            "SELECT count(*) FROM ((SELECT * FROM {cagg} EXCEPT ALL {oracle}) UNION ALL ({oracle} EXCEPT ALL SELECT * FROM {cagg})) d"
        ),
        &[],
    )
    .unwrap()
    .get(0)
}

/// Rows that differ between the table of every composite over `part` (pos.cagg_view_path with
/// from_parts: pos.store_daily, pos.cashier_daily) and its body over the parts' materializations,
/// compared as multisets; with `view`, between the table and the real-time view instead.
fn composite_mismatches(c: &mut postgres::Client, part: &str, view: bool) -> Vec<(String, i64)> {
    let composites: Vec<(String, String, String)> = c
        .query(
            "SELECT p.view_name::text, p.materialized::text, p.from_parts::text FROM pos.cagg_view_path p
              WHERE p.from_parts IS NOT NULL
                AND (SELECT cagg_id FROM pos.continuous_aggregate WHERE view_name = $1::text::regclass) = ANY (p.parts)",
            &[&part],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    composites
        .into_iter()
        .map(|(name, table, from_parts)| {
            let other = if view { &name } else { &from_parts };
            let n: i64 = c
                .query_one(
                    &format!(
                        "SELECT count(*) FROM ((TABLE {table} EXCEPT ALL TABLE {other}) UNION ALL (TABLE {other} EXCEPT ALL TABLE {table})) d"
                    ),
                    &[],
                )
                .unwrap()
                .get(0);
            (name, n)
        })
        .collect()
}

fn setup() -> (postgres::Client, Vec<String>) {
    let mut c = fresh_db(DB);
    for (store, tz) in STORES {
        c.execute(
            "INSERT INTO pos.store (tenant_id, store_id, timezone) VALUES ('t1', $1, $2)",
            &[&store, &tz],
        )
        .unwrap();
    }
    // Chunks for most of the span; the rest lands in the default chunk (stragglers).
    c.batch_execute(
        "SELECT pos.ensure_chunks(h, '2026-02-20', '2026-03-25') FROM unnest(ARRAY['pos.txn','pos.sale_line','pos.tender','pos.drawer_event']::regclass[]) h;
         DELETE FROM pos.job; -- policies would refresh behind the test's back
         SELECT pos.create_continuous_aggregate('public.sales_6h', 'pos.sales_hourly', '{tenant_id,store_id,sku}',
                'sum(quantity) AS quantity, sum(net) AS net, sum(transactions) AS transactions', bucket_width => '6 hours');
         SELECT pos.create_continuous_aggregate('public.store_day_from_hourly', 'pos.sales_hourly', '{tenant_id,store_id}',
                'sum(net) AS net, sum(lines) AS lines', bucket_date_column => 'business_date');",
    )
    .unwrap();
    let caggs = c
        .query(
            "SELECT view_name::text FROM pos.continuous_aggregate ORDER BY cagg_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    (c, caggs)
}

/// Refreshes one aggregate over a random window (its parent first, fully) and checks it.
fn refresh_and_check(c: &mut postgres::Client, rng: &mut Rng, cagg: &str) {
    let parent: Option<String> = c
        .query_one(
            "SELECT p.view_name::text FROM pos.continuous_aggregate c LEFT JOIN pos.continuous_aggregate p ON p.cagg_id = c.parent_id
              WHERE c.view_name = $1::text::regclass",
            &[&cagg],
        )
        .unwrap()
        .get(0);
    if let Some(p) = parent {
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{p}', NULL, '2026-04-30')"
        ))
        .unwrap();
    }
    let day = |rng: &mut Rng| {
        format!(
            "'2026-03-02'::timestamptz + interval '{} hours'",
            rng.range(-30 * 24, 30 * 24)
        )
    };
    let (from, to) = match rng.below(4) {
        0 => ("NULL".to_string(), "'2026-04-30'".to_string()),
        1 => ("NULL".to_string(), day(rng)),
        _ => {
            let a = day(rng);
            (
                a.clone(),
                format!("{a} + interval '{} hours'", rng.range(1, 15 * 24)),
            )
        }
    };
    c.batch_execute(&format!(
        "CALL pos.refresh_continuous_aggregate('{cagg}', {from}, {to})"
    ))
    .unwrap();
    let bad = mismatches(c, cagg);
    assert_eq!(
        bad, 0,
        "{cagg} differs from its raw rows in {bad} row(s) after a refresh of [{from}, {to})"
    );
    for (composite, bad) in composite_mismatches(c, cagg, false) {
        assert_eq!(
            bad, 0,
            "{composite}'s table differs from its parts in {bad} row(s) after {cagg} was refreshed over [{from}, {to})"
        );
    }
}

fn random_op(
    c: &mut postgres::Client,
    rng: &mut Rng,
    txns: &mut Vec<Txn>,
    caggs: &[String],
) -> &'static str {
    let pick = |rng: &mut Rng, txns: &Vec<Txn>| rng.below(txns.len().max(1) as u64) as usize;
    match rng.below(100) {
        0..=34 => {
            let t = Txn {
                id: format!("x{}", txns.len()),
                store: rng.below(4) as usize,
                minute: rng.range(-20 * 1440, 3 * 1440),
            };
            c.batch_execute(&txn_sql(rng, &t, 1)).unwrap();
            txns.push(t);
            "insert"
        }
        35..=39 => {
            // late: weeks before everything else, into the default chunk
            let t = Txn {
                id: format!("x{}", txns.len()),
                store: rng.below(4) as usize,
                minute: rng.range(-60 * 1440, -25 * 1440),
            };
            c.batch_execute(&txn_sql(rng, &t, 1)).unwrap();
            txns.push(t);
            "late"
        }
        40..=47 if !txns.is_empty() => {
            // replay: a newer version wins, an older one changes nothing
            let i = pick(rng, txns);
            let version = if rng.chance(50) {
                rng.range(2, 1000)
            } else {
                0
            };
            let t = Txn {
                id: txns[i].id.clone(),
                store: txns[i].store,
                minute: txns[i].minute,
            };
            c.batch_execute(&txn_sql(rng, &t, version)).unwrap();
            "replay"
        }
        48..=57 if !txns.is_empty() => {
            let id = &txns[pick(rng, txns)].id;
            c.batch_execute(&format!(
                "UPDATE pos.sale_line SET quantity = quantity + 1, net_amount = net_amount + unit_price WHERE source_txn_id = '{id}' AND kind = 'sale'"
            ))
            .unwrap();
            "update"
        }
        58..=62 if !txns.is_empty() => {
            let i = pick(rng, txns);
            let status = ["completed", "post_voided", "cancelled"][rng.below(3) as usize];
            let id = &txns[i].id;
            c.batch_execute(&format!(
                "UPDATE pos.sale_line SET txn_status = '{status}' WHERE source_txn_id = '{id}';
                 UPDATE pos.txn SET status = '{status}' WHERE source_txn_id = '{id}';"
            ))
            .unwrap();
            "status"
        }
        63..=67 if !txns.is_empty() => {
            // move a transaction in time, across chunks and business days
            let i = pick(rng, txns);
            let shift = rng.range(-3 * 1440, 3 * 1440);
            txns[i].minute += shift;
            let (ts, date) = when(txns[i].minute, txns[i].store);
            let id = &txns[i].id;
            c.batch_execute(&format!(
                "UPDATE pos.sale_line SET occurred_at = {ts}, business_date = {date} WHERE source_txn_id = '{id}';
                 UPDATE pos.txn SET occurred_at = {ts}, business_date = {date} WHERE source_txn_id = '{id}';
                 UPDATE pos.tender SET occurred_at = {ts}, business_date = {date} WHERE source_txn_id = '{id}';"
            ))
            .unwrap();
            "move"
        }
        68..=72 if !txns.is_empty() => {
            let id = txns[pick(rng, txns)].id.clone();
            let table = ["sale_line", "txn", "tender"][rng.below(3) as usize];
            c.batch_execute(&format!(
                "DELETE FROM pos.{table} WHERE source_txn_id = '{id}'"
            ))
            .unwrap();
            "delete"
        }
        73..=77 => {
            let store = rng.below(4) as usize;
            let (ts, date) = when(rng.range(-20 * 1440, 3 * 1440), store);
            let kinds = [
                "no_sale",
                "paid_in",
                "paid_out",
                "loan",
                "pickup",
                "over_short",
            ];
            let kind = kinds[rng.below(6) as usize];
            // An over/short is signed (short is negative); cash moved is written either way.
            let amount = if kind == "over_short" {
                rng.range(-25, 25)
            } else {
                rng.range(0, 50)
            };
            c.batch_execute(&format!(
                "INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, amount, currency)
                 VALUES ('t1', '{}', 'gen', 'd{}', {ts}, {date}, 'c{}', '{kind}', {amount}, 'USD')",
                STORES[store].0,
                rng.next(),
                rng.below(4),
            ))
            .unwrap();
            "drawer"
        }
        78..=80 => {
            // COPY goes through the same statement trigger
            let store = rng.below(4) as usize;
            let minute = rng.range(-20 * 1440, 3 * 1440);
            let (ts, date) = stamp(c, minute, STORES[store].1);
            let mut w = c.copy_in(
                "COPY pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency) FROM STDIN",
            )
            .unwrap();
            let mut data = String::new();
            for n in 1..=rng.range(1, 20) {
                data.push_str(&format!(
                    "t1\t{}\tcopy\tk{}\t{n}\t{ts}\t{}\tsale\tsku{}\tr\t1\t2.50\t2.50\tUSD\n",
                    STORES[store].0,
                    rng.next(),
                    date,
                    rng.below(6)
                ));
            }
            std::io::Write::write_all(&mut w, data.as_bytes()).unwrap();
            w.finish().unwrap();
            "copy"
        }
        81..=81 => {
            c.batch_execute("SELECT pos.move_stragglers(h) FROM unnest(ARRAY['pos.txn','pos.sale_line','pos.tender']::regclass[]) h")
                .unwrap();
            "stragglers"
        }
        _ => {
            let cagg = caggs[rng.below(caggs.len() as u64) as usize].clone();
            refresh_and_check(c, rng, &cagg);
            "refresh"
        }
    }
}

/// The timestamp and the store's local date of a minute offset, computed by PostgreSQL.
fn stamp(c: &mut postgres::Client, minute: i64, tz: &str) -> (String, String) {
    let r = c
        .query_one(
            "SELECT t::text, (t AT TIME ZONE $2)::date::text FROM (SELECT timestamptz '2026-03-02 00:00+00' + $1::int * interval '1 minute' AS t) x",
            &[&(minute as i32), &tz],
        )
        .unwrap();
    (r.get(0), r.get(1))
}

/// Hand-written queries on the raw tables for the shipped views (not the engine's own SQL).
fn check_shipped_views(c: &mut postgres::Client) {
    let pairs = [
        (
            "SELECT store_id, business_date, sku, quantity, net, lines, transactions FROM pos.sales_daily",
            "SELECT store_id, business_date, sku, sum(quantity), sum(net_amount), count(*), count(DISTINCT source_txn_id)
               FROM pos.sale_line WHERE txn_status = 'completed' AND NOT non_revenue GROUP BY 1, 2, 3",
        ),
        (
            "SELECT store_id, hour, sku, business_date, quantity, gross, returns FROM pos.sales_hourly",
            "SELECT store_id, date_trunc('hour', occurred_at, 'UTC'), sku, business_date, sum(quantity),
                    coalesce(sum(quantity * unit_price) FILTER (WHERE kind = 'sale'), 0), coalesce(-sum(net_amount) FILTER (WHERE kind = 'return'), 0)
               FROM pos.sale_line WHERE txn_status = 'completed' AND NOT non_revenue GROUP BY 1, 2, 3, 4",
        ),
        (
            "SELECT store_id, business_date, transactions, items_sold, net, non_revenue, tender_card, no_sales FROM pos.store_daily",
            "SELECT store_id, business_date, sum(t), sum(i), sum(n), sum(nr), sum(card), sum(ns) FROM (
                SELECT store_id, business_date, count(*) FILTER (WHERE status = 'completed') t, 0 i,
                       coalesce(sum(net_amount) FILTER (WHERE status = 'completed'), 0) n,
                       coalesce(sum(non_revenue_amount) FILTER (WHERE status = 'completed'), 0) nr, 0 card, 0 ns FROM pos.txn GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, 0, coalesce(sum(quantity) FILTER (WHERE kind = 'sale'), 0), 0, 0, 0, 0
                  FROM pos.sale_line WHERE txn_status = 'completed' AND NOT non_revenue GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, 0, 0, 0, 0, coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'card'), 0), 0
                  FROM pos.tender GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, 0, 0, 0, 0, 0, count(*) FILTER (WHERE kind = 'no_sale') FROM pos.drawer_event GROUP BY 1, 2) s
              GROUP BY 1, 2",
        ),
        (
            "SELECT store_id, business_date, paid_in, paid_out, loans, pickups, cash_expected, cash_in_drawer, over_short FROM pos.store_daily",
            "SELECT store_id, business_date, sum(pi), sum(po), sum(l), sum(pk), sum(c) + sum(pi) - sum(po), sum(c) + sum(pi) - sum(po) + sum(l) - sum(pk), sum(os) FROM (
                SELECT store_id, business_date, 0 c, 0 pi, 0 po, 0 l, 0 pk, 0 os FROM pos.txn GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, 0, 0, 0, 0, 0, 0 FROM pos.sale_line WHERE txn_status = 'completed' AND NOT non_revenue GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'cash'), 0), 0, 0, 0, 0, 0
                  FROM pos.tender GROUP BY 1, 2
                UNION ALL SELECT store_id, business_date, 0, coalesce(sum(abs(amount)) FILTER (WHERE kind = 'paid_in'), 0), coalesce(sum(abs(amount)) FILTER (WHERE kind = 'paid_out'), 0),
                       coalesce(sum(abs(amount)) FILTER (WHERE kind = 'loan'), 0), coalesce(sum(abs(amount)) FILTER (WHERE kind = 'pickup'), 0),
                       coalesce(sum(amount) FILTER (WHERE kind = 'over_short'), 0) FROM pos.drawer_event GROUP BY 1, 2) s
              GROUP BY 1, 2",
        ),
        (
            "SELECT store_id, cashier_id, business_date, voids, refunds_without_sale, keyed_entries, post_voids, no_sales, over_short FROM pos.cashier_daily",
            "SELECT store_id, cashier_id, business_date, sum(v), sum(r), sum(k), sum(p), sum(ns), sum(os) FROM (
                SELECT store_id, cashier_id, business_date, count(*) FILTER (WHERE kind = 'void') v,
                       count(*) FILTER (WHERE kind = 'return' AND original_txn_id IS NULL) r, count(*) FILTER (WHERE entry_method = 'keyed') k, 0 p, 0 ns, 0 os
                  FROM pos.sale_line WHERE txn_status = 'completed' GROUP BY 1, 2, 3
                UNION ALL SELECT store_id, cashier_id, business_date, 0, 0, 0, count(*) FILTER (WHERE status = 'post_voided'), 0, 0 FROM pos.txn GROUP BY 1, 2, 3
                UNION ALL SELECT store_id, cashier_id, business_date, 0, 0, 0, 0, count(*) FILTER (WHERE kind = 'no_sale'),
                       coalesce(sum(amount) FILTER (WHERE kind = 'over_short'), 0) FROM pos.drawer_event GROUP BY 1, 2, 3) s
              GROUP BY 1, 2, 3",
        ),
    ];
    for (view, raw) in pairs {
        let n: i64 = c
            .query_one(&format!("SELECT count(*) FROM (({view} EXCEPT ALL {raw}) UNION ALL ({raw} EXCEPT ALL {view})) d"), &[])
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{n} rows differ between\n  {view}\nand\n  {raw}");
    }
}

#[test]
fn random_writes_and_refreshes_match_raw_rows() {
    let ops = env_usize("POS_CAGGS_OPS", 2000);
    let seed = env_usize("POS_CAGGS_SEED", 20_260_302) as u64;
    let (mut c, caggs) = setup();
    let mut rng = Rng(seed.max(1));
    let mut txns = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let started = Instant::now();
    for _ in 0..ops {
        *counts
            .entry(random_op(&mut c, &mut rng, &mut txns, &caggs))
            .or_default() += 1;
    }
    // Rarely hit by chance: TRUNCATE invalidates everything below the threshold.
    c.batch_execute("TRUNCATE pos.drawer_event").unwrap();
    for cagg in &caggs {
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{cagg}', NULL, '2026-04-30')"
        ))
        .unwrap();
        assert_eq!(mismatches(&mut c, cagg), 0, "{cagg} after a full refresh");
    }
    check_shipped_views(&mut c);
    // Everything is materialized now: each composite's table is its real-time view.
    for cagg in &caggs {
        for (composite, bad) in composite_mismatches(&mut c, cagg, true) {
            assert_eq!(
                bad, 0,
                "{composite}'s table against the view after full refreshes"
            );
        }
    }
    // Materialized-only: the materialization alone is complete below the watermark.
    for cagg in &caggs {
        c.batch_execute(&format!(
            "SELECT pos.alter_continuous_aggregate('{cagg}', materialized_only => true)"
        ))
        .unwrap();
        assert_eq!(mismatches(&mut c, cagg), 0, "{cagg}, materialized only");
        c.batch_execute(&format!(
            "SELECT pos.alter_continuous_aggregate('{cagg}', materialized_only => false)"
        ))
        .unwrap();
    }
    let lines: i64 = c
        .query_one("SELECT count(*) FROM pos.sale_line", &[])
        .unwrap()
        .get(0);
    eprintln!(
        "{ops} operations ({counts:?}) over {lines} lines, seed {seed}, in {:.1?}",
        started.elapsed()
    );
}

/// Writers inserting right at the threshold while refreshes keep raising it: nothing is lost,
/// and no writer waits long.
#[test]
fn concurrent_writers_are_never_lost_nor_blocked_long() {
    let mut c = fresh_db("e2e_caggs_concurrency");
    // One-second buckets refreshed up to the current instant: writers race the threshold.
    c.batch_execute(
        "DELETE FROM pos.job;
         SELECT pos.create_continuous_aggregate('public.per_second', 'pos.sale_line', '{source}', 'count(*) AS lines',
                bucket_width => '1 second', with_data => false);",
    )
    .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = connect("e2e_caggs_concurrency");
                let mut worst = Duration::ZERO;
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = Instant::now();
                    // Each transaction writes twice, so it holds the threshold lock across a pause.
                    c.batch_execute(&format!(
                        "BEGIN;
                         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
                         VALUES ('t1', 's1', 'w{w}', 'a{n}', 1, clock_timestamp(), current_date, 'sale', 'sku1', 'r', 1, 1, 1, 'USD');
                         SELECT pg_sleep(0.002);
                         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
                         VALUES ('t1', 's1', 'w{w}', 'b{n}', 1, clock_timestamp(), current_date, 'sale', 'sku1', 'r', 1, 1, 1, 'USD');
                         COMMIT;"
                    ))
                    .unwrap();
                    worst = worst.max(t.elapsed());
                    n += 1;
                }
                (n, worst)
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut refreshes = 0;
    while Instant::now() < deadline {
        c.batch_execute(
            "CALL pos.refresh_continuous_aggregate('public.per_second', NULL, clock_timestamp())",
        )
        .unwrap();
        refreshes += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let results: Vec<(i32, Duration)> = writers.into_iter().map(|h| h.join().unwrap()).collect();
    c.batch_execute("CALL pos.refresh_continuous_aggregate('public.per_second', NULL, now() + interval '1 minute')").unwrap();
    assert_eq!(
        mismatches(&mut c, "public.per_second"),
        0,
        "a concurrent write was lost"
    );
    c.batch_execute(
        "SELECT pos.alter_continuous_aggregate('public.per_second', materialized_only => true)",
    )
    .unwrap();
    let (mat, raw): (i64, i64) = {
        let r = c
            .query_one("SELECT (SELECT sum(lines)::bigint FROM public.per_second), (SELECT count(*) FROM pos.sale_line)", &[])
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(mat, raw, "materialized lines vs raw lines");
    let worst = results.iter().map(|r| r.1).max().unwrap();
    eprintln!(
        "{refreshes} refreshes, writer transactions {:?}, slowest {worst:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(worst < Duration::from_secs(2), "a writer waited {worst:?}");
}

/// A fresh database with chunks for 2026-03-01..04 of `pos.sale_line`, no scheduled jobs, and
/// `public.per_hour` (lines per store and hour) created empty.
fn per_hour_db(name: &str) -> postgres::Client {
    let mut c = fresh_db(name);
    c.batch_execute(
        "DELETE FROM pos.job;
         SELECT pos.ensure_chunks('pos.sale_line', '2026-03-01', '2026-03-04');
         SELECT pos.create_continuous_aggregate('public.per_hour', 'pos.sale_line', '{store_id}', 'count(*) AS lines',
                bucket_width => '1 hour', with_data => false);",
    )
    .unwrap();
    c
}

/// One completed sale line of tenant t1, store s1 at `at` (UTC).
fn one_line(id: &str, at: &str) -> String {
    format!(
        "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         VALUES ('t1', 's1', 'x', '{id}', 1, '{at}+00', '2026-03-02', 'sale', 'sku1', 'r', 1, 1, 1, 'USD')"
    )
}

/// The threshold lock a writer takes belongs to its whole transaction: rolling back to a
/// savepoint must not release it while the threshold the trigger cached is still in use, or a
/// refresh could raise the threshold past rows this transaction then writes without logging.
#[test]
fn savepoint_rollback_keeps_the_threshold_lock() {
    let mut c = per_hour_db("e2e_caggs_savepoint");
    c.batch_execute(
        "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         VALUES ('t1', 's1', 'x', 'a', 1, '2026-03-02 10:00', '2026-03-02', 'sale', 'sku1', 'r', 1, 1, 1, 'USD');",
    )
    .unwrap();
    c.batch_execute("CALL pos.refresh_continuous_aggregate('public.per_hour', NULL, '2026-03-03')")
        .unwrap();
    c.batch_execute(
        "BEGIN;
         SAVEPOINT s;
         UPDATE pos.sale_line SET quantity = 2 WHERE source_txn_id = 'a';
         ROLLBACK TO SAVEPOINT s;",
    )
    .unwrap();
    // The threshold lock: ROW EXCLUSIVE on the threshold sequence, owned by the top transaction.
    let locks: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pos.cagg_source s ON l.relation = s.threshold_seq
              WHERE s.source = 'pos.sale_line'::regclass AND l.locktype = 'relation'
                AND l.pid = pg_backend_pid() AND l.mode = 'RowExclusiveLock' AND l.granted",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(locks, 1, "the threshold lock went with the savepoint");
    // A refresh from another session cannot raise the threshold until this transaction ends.
    let mut other = connect("e2e_caggs_savepoint");
    other.batch_execute("SET lock_timeout = '300ms'").unwrap();
    let err = other
        .batch_execute(
            "SELECT pos._cagg_lock_threshold(threshold_seq, true) FROM pos.cagg_source
              WHERE source = 'pos.sale_line'::regclass",
        )
        .expect_err("a refresh could take the threshold lock");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE),
        "{err}"
    );
    c.batch_execute(
        "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         VALUES ('t1', 's1', 'x', 'b', 1, '2026-03-02 11:00', '2026-03-02', 'sale', 'sku1', 'r', 1, 1, 1, 'USD');
         COMMIT;",
    )
    .unwrap();
    other
        .batch_execute(
            "CALL pos.refresh_continuous_aggregate('public.per_hour', NULL, '2026-03-03')",
        )
        .unwrap();
    assert_eq!(mismatches(&mut other, "public.per_hour"), 0);
}

/// A refresh goes through history with gaps in a few batches (only buckets that may hold raw or
/// materialized rows are re-materialized), and a deleted stray row still leaves the aggregate.
#[test]
fn a_refresh_skips_empty_history_but_not_stale_buckets() {
    let mut c = fresh_db("e2e_caggs_gaps");
    c.batch_execute(
        "DELETE FROM pos.job;
         SELECT pos.ensure_chunks('pos.sale_line', '2026-01-05', '2026-01-06');
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         SELECT 't1', 's1', 'x', 'tx' || g, 1, timestamptz '2026-01-05 09:00+00' + g * interval '1 minute', '2026-01-05',
                'sale', 'sku1', 'sku1', 1, 1, 1, 'EUR' FROM generate_series(0, 299) g;
         -- five years earlier, in no chunk: the default chunk keeps it
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         VALUES ('t1', 's1', 'x', 'stray', 1, '2021-03-01 10:00+00', '2021-03-01', 'sale', 'sku1', 'sku1', 1, 1, 1, 'EUR');",
    )
    .unwrap();
    let batches = |c: &mut postgres::Client, cagg: &str| -> i32 {
        c.query_one(
            "SELECT last_refresh_batches FROM pos.continuous_aggregate WHERE view_name = $1::text::regclass",
            &[&cagg],
        )
        .unwrap()
        .get(0)
    };
    for cagg in ["pos.sales_hourly", "pos.sales_daily"] {
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{cagg}', NULL, NULL)"
        ))
        .unwrap();
        // Before: one batch per day (hourly) or week (daily) of the five empty years.
        assert!(
            batches(&mut c, cagg) <= 4,
            "{cagg}: {} batches",
            batches(&mut c, cagg)
        );
        assert_eq!(mismatches(&mut c, cagg), 0, "{cagg}");
    }
    c.batch_execute("DELETE FROM pos.sale_line WHERE source_txn_id = 'stray'")
        .unwrap();
    for cagg in ["pos.sales_hourly", "pos.sales_daily"] {
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{cagg}', NULL, NULL)"
        ))
        .unwrap();
        assert_eq!(
            mismatches(&mut c, cagg),
            0,
            "{cagg} after the stray row left"
        );
    }
    let mat: String = c
        .query_one(
            "SELECT mat_table::text FROM pos.continuous_aggregate WHERE view_name = 'pos.sales_daily'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    let stray_days: i64 = c
        .query_one(
            &format!("SELECT count(*) FROM {mat} WHERE business_date < '2026-01-01'"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(stray_days, 0);
}

/// A backend keeps a source's threshold across transactions while no threshold moves (the change
/// counter in shared memory, `pg-extension/src/caggs_threshold.rs`). A raise by another session
/// must reach the next transaction of a writer that cached the old value, or rows between the old
/// and the new threshold would be neither logged nor seen by the refresh. Checked with the cache
/// and without it (`pos_analytics.cagg_threshold_cache = off`: the path of clusters that do not
/// preload the library). The raise is called directly: a refresh also rewrites the view, whose
/// relcache invalidation would empty the writer's caches and hide a missing counter bump.
#[test]
fn a_writer_sees_a_threshold_raised_after_it_cached_the_old_one() {
    for cache in ["on", "off"] {
        let db = format!("e2e_caggs_threshold_cache_{cache}");
        let mut c = per_hour_db(&db);
        c.batch_execute("SELECT pos._cagg_raise_threshold('pos.sale_line', '2026-03-02')")
            .unwrap();
        let logged = |c: &mut postgres::Client| -> i64 {
            c.query_one(
                "SELECT count(*) FROM pos.cagg_source_invalidation WHERE source = 'pos.sale_line'::regclass",
                &[],
            )
            .unwrap()
            .get(0)
        };
        let mut writer = connect(&db);
        writer
            .batch_execute(&format!("SET pos_analytics.cagg_threshold_cache = {cache}"))
            .unwrap();
        // The writer reads the threshold (2026-03-02 00:00): a row above it is not logged.
        writer
            .batch_execute(&one_line("a", "2026-03-02 10:00"))
            .unwrap();
        assert_eq!(
            logged(&mut c),
            0,
            "cache {cache}: a row above the threshold was logged"
        );
        c.batch_execute("SELECT pos._cagg_raise_threshold('pos.sale_line', '2026-03-03')")
            .unwrap();
        // Its next transaction writes below the new threshold: that must be logged.
        writer
            .batch_execute(&one_line("b", "2026-03-02 11:00"))
            .unwrap();
        assert_eq!(
            logged(&mut c),
            1,
            "cache {cache}: the writer used the threshold from before the raise"
        );
        c.batch_execute(
            "CALL pos.refresh_continuous_aggregate('public.per_hour', NULL, '2026-03-03')",
        )
        .unwrap();
        assert_eq!(mismatches(&mut c, "public.per_hour"), 0, "cache {cache}");
    }
}

/// The log is written with a bare heap insert while it has no index (as created), and through
/// the index-maintaining path once someone adds one; a partial index is refused rather than
/// left without its entries.
#[test]
fn the_invalidation_log_is_written_with_and_without_an_index() {
    let mut c = per_hour_db("e2e_caggs_log_index");
    c.batch_execute("SELECT pos._cagg_raise_threshold('pos.sale_line', '2026-03-03')")
        .unwrap();
    let logged = |c: &mut postgres::Client, at: &str| -> i64 {
        c.query_one(
            "SELECT count(*) FROM pos.cagg_source_invalidation
              WHERE source = 'pos.sale_line'::regclass AND lo = $1::text::timestamptz AND hi = lo",
            &[&format!("{at}+00")],
        )
        .unwrap()
        .get(0)
    };
    c.batch_execute(&one_line("a", "2026-03-02 10:00")).unwrap();
    assert_eq!(logged(&mut c, "2026-03-02 10:00"), 1, "without an index");
    c.batch_execute("CREATE INDEX log_by_source ON pos.cagg_source_invalidation (source)")
        .unwrap();
    c.batch_execute(&one_line("b", "2026-03-02 11:00")).unwrap();
    assert_eq!(logged(&mut c, "2026-03-02 11:00"), 1, "with an index");
    c.batch_execute("SET enable_seqscan = off").unwrap();
    let by_index: i64 = c
        .query_one(
            "SELECT count(*) FROM pos.cagg_source_invalidation WHERE source = 'pos.sale_line'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(by_index, 2, "the index misses logged rows");
    c.batch_execute(
        "RESET enable_seqscan;
         DROP INDEX pos.log_by_source;
         CREATE INDEX log_partial ON pos.cagg_source_invalidation (source) WHERE hi > lo;",
    )
    .unwrap();
    let err = c
        .batch_execute(&one_line("c", "2026-03-02 12:00"))
        .expect_err("a row was logged without its partial index's entry");
    let message = err.as_db_error().map(|e| e.message().to_string());
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.contains("plain column indexes")),
        "{err:?}"
    );
    c.batch_execute("DROP INDEX pos.log_partial").unwrap();
    c.batch_execute("CALL pos.refresh_continuous_aggregate('public.per_hour', NULL, '2026-03-03')")
        .unwrap();
    assert_eq!(mismatches(&mut c, "public.per_hour"), 0);
}
