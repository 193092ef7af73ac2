//! What counts as a transaction (sql/20_facts.sql, `pos.txn_has_lines`): a completed header with
//! at least one line. Parts that hold money only — a Toast check's payment taken on a later day,
//! a Shopify refund of shipping alone — keep their tenders on their day but are no transaction
//! and no basket in `pos.store_daily`, `pos.cashier_daily` and `pos.forecast_traffic`; a header
//! loaded by hand without its `line_count` but with its amounts still counts. Live and
//! materialized alike.
use pos_e2e::fresh_db;

/// One store (s1, UTC) on 2026-03-02, cashier c1: four transactions with lines and two parts
/// holding money only, each in an hour of its own.
const DAY: &str = "
INSERT INTO pos.store (tenant_id, store_id, timezone) VALUES ('t1', 's1', 'UTC'), ('t1', 's2', 'UTC');
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status, currency,
                     line_count, gross_amount, net_amount, tax_amount, non_revenue_amount, tender_amount)
VALUES -- two items sold
       ('t1', 's1', 'x', 'sale', '2026-03-02 10:00+00', '2026-03-02', 'c1', 'completed', 'USD', 2, 10.00, 10.00, 1.00, 0, 11.00),
       -- one item given away at 0.00: a line, so a transaction and a basket
       ('t1', 's1', 'x', 'free', '2026-03-02 11:00+00', '2026-03-02', 'c1', 'completed', 'USD', 1, 0, 0, 0, 0, 0),
       -- a gift card sold alone: a transaction, no basket (its amount is not revenue)
       ('t1', 's1', 'x', 'gift', '2026-03-02 12:00+00', '2026-03-02', 'c1', 'completed', 'USD', 1, 0, 0, 0, 25.00, 25.00),
       -- loaded by hand without its line_count: its amounts show it has lines
       ('t1', 's1', 'x', 'hand', '2026-03-02 13:00+00', '2026-03-02', 'c1', 'completed', 'USD', 0, 4.00, 4.00, 0, 0, 0),
       -- a check's cash taken on this day, its lines on another (Toast <check>/paid)
       ('t1', 's1', 'x', 'c9/paid', '2026-03-02 15:00+00', '2026-03-02', 'c1', 'completed', 'USD', 0, 0, 0, 0, 0, 20.00),
       -- a refund of shipping alone (Shopify order_adjustments): money back, no goods
       ('t1', 's1', 'x', 'refund:7', '2026-03-02 16:00+00', '2026-03-02', 'c1', 'completed', 'USD', 0, 0, 0, 0, 0, -5.85),
       -- store s2 has only a part holding money only
       ('t1', 's2', 'x', 'c8/paid', '2026-03-02 15:00+00', '2026-03-02', 'c2', 'completed', 'USD', 0, 0, 0, 0, 0, 9.00);
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, cashier_id, kind, sku,
                           raw_item_id, quantity, unit_price, net_amount, tax, currency, non_revenue)
VALUES ('t1', 's1', 'x', 'sale', 1, '2026-03-02 10:00+00', '2026-03-02', 'c1', 'sale', 'a', 'a', 1, 5.00, 5.00, 0.50, 'USD', false),
       ('t1', 's1', 'x', 'sale', 2, '2026-03-02 10:00+00', '2026-03-02', 'c1', 'sale', 'b', 'b', 1, 5.00, 5.00, 0.50, 'USD', false),
       ('t1', 's1', 'x', 'free', 1, '2026-03-02 11:00+00', '2026-03-02', 'c1', 'sale', 'a', 'a', 1, 0, 0, 0, 'USD', false),
       ('t1', 's1', 'x', 'gift', 1, '2026-03-02 12:00+00', '2026-03-02', 'c1', 'sale', 'gc', 'gc', 1, 25.00, 25.00, 0, 'USD', true),
       ('t1', 's1', 'x', 'hand', 1, '2026-03-02 13:00+00', '2026-03-02', 'c1', 'sale', 'b', 'b', 1, 4.00, 4.00, 0, 'USD', false);
INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, cashier_id, method, amount, currency, status)
VALUES ('t1', 's1', 'x', 'sale', 1, '2026-03-02 10:00+00', '2026-03-02', 'c1', 'card', 11.00, 'USD', 'approved'),
       ('t1', 's1', 'x', 'gift', 1, '2026-03-02 12:00+00', '2026-03-02', 'c1', 'card', 25.00, 'USD', 'approved'),
       ('t1', 's1', 'x', 'c9/paid', 1, '2026-03-02 15:00+00', '2026-03-02', 'c1', 'cash', 20.00, 'USD', 'approved'),
       ('t1', 's1', 'x', 'refund:7', 1, '2026-03-02 16:00+00', '2026-03-02', 'c1', 'card', -5.85, 'USD', 'approved'),
       ('t1', 's2', 'x', 'c8/paid', 1, '2026-03-02 15:00+00', '2026-03-02', 'c2', 'cash', 9.00, 'USD', 'approved');
";

/// A fresh database holding `DAY`, its jobs removed (no refresh runs behind the test's back).
fn day_db(name: &str) -> postgres::Client {
    let mut c = fresh_db(name);
    c.batch_execute("DELETE FROM pos.job").unwrap();
    c.batch_execute(
        "SELECT pos.ensure_chunks(h, '2026-03-01', '2026-03-04')
           FROM unnest('{pos.txn,pos.sale_line,pos.tender,pos.drawer_event}'::regclass[]) h",
    )
    .unwrap();
    c.batch_execute(DAY).unwrap();
    c
}

fn text(c: &mut postgres::Client, sql: &str) -> String {
    c.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn parts_holding_money_only_are_no_transactions_nor_baskets_but_their_tenders_count() {
    let mut c = day_db("e2e_counts");
    // 4 transactions (sale, free, gift, hand), 3 baskets (not the gift card alone): net 14.00
    // / 3. The cash of c9/paid and the shipping refund are in the tenders.
    let store = "SELECT string_agg(store_id || ':' || transactions || '/' || net || '/' || coalesce(average_basket::text, '-')
                                   || '/' || tender_cash || '/' || tender_card, ',' ORDER BY store_id)
                   FROM pos.store_daily WHERE business_date = '2026-03-02'";
    let expected_store = "s1:4/14.00/4.67/20.00/30.15,s2:0/0/-/9.00/0";
    let cashier = "SELECT string_agg(cashier_id || ':' || transactions || '/' || money_only, ',' ORDER BY cashier_id)
                     FROM pos.cashier_daily WHERE business_date = '2026-03-02'";
    let expected_cashier = "c1:4/2,c2:0/1";
    assert_eq!(text(&mut c, store), expected_store, "live");
    assert_eq!(text(&mut c, cashier), expected_cashier, "live");
    // Materialized (every part refreshed over all time), the same.
    c.batch_execute(
        "DO $$ DECLARE v regclass; BEGIN
             FOR v IN SELECT view_name FROM pos.continuous_aggregate ORDER BY cagg_id LOOP
                 CALL pos.refresh_continuous_aggregate(v, NULL, NULL);
             END LOOP;
         END $$",
    )
    .unwrap();
    // Read from the composites' materialized tables, which hold the 2nd for every part (the
    // guard raises PCA01 otherwise).
    for (view, table) in [
        ("pos.store_daily", "pos_caggs.store_daily_materialized"),
        ("pos.cashier_daily", "pos_caggs.cashier_daily_materialized"),
    ] {
        let covered: bool = c
            .query_one(
                "SELECT pos.cagg_require_materialized($1::text::regclass, '2026-03-02', '2026-03-02')",
                &[&view],
            )
            .unwrap()
            .get(0);
        assert!(covered, "{view}");
        let (sql, expected) = if view == "pos.store_daily" {
            (store, expected_store)
        } else {
            (cashier, expected_cashier)
        };
        assert_eq!(text(&mut c, &sql.replace(view, table)), expected, "{table}");
    }
    assert_eq!(text(&mut c, store), expected_store, "materialized");
    assert_eq!(text(&mut c, cashier), expected_cashier, "materialized");
    // The fraud cashier-day counts every header it scores, money-only parts too.
    let fraud_population = "SELECT (transactions + money_only + post_voids + cancelled)::text
                              FROM pos.cashier_daily WHERE cashier_id = 'c1'";
    assert_eq!(text(&mut c, fraud_population), "6");
}

#[test]
fn traffic_counts_transactions_with_lines_only() {
    let mut c = day_db("e2e_counts_traffic");
    // The last hour is the last transaction's (13:00, 'hand'), not the later parts holding
    // money only (15:00, 16:00); one transaction in each of the four hours 10..13.
    let traffic = "SELECT to_char(last_hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || array_to_string(counts[cardinality(counts) - 3:], ',')
                          || ' ' || (SELECT sum(x) FROM unnest(counts) x)
                     FROM pos._traffic_array('t1', 's1', 1)";
    assert_eq!(text(&mut c, traffic), "2026-03-02 13:00 1,1,1,1 4");
    // A store with money-only parts and no transaction has no traffic to forecast.
    let err = c
        .batch_execute("SELECT * FROM pos.forecast_traffic('t1', 's2', 24)")
        .expect_err("a store without transactions has a traffic forecast");
    let db = err.as_db_error().expect("a database error");
    assert_eq!(
        db.code(),
        &postgres::error::SqlState::NO_DATA_FOUND,
        "{db:?}"
    );
    assert!(
        db.message()
            .contains("no completed transactions with lines"),
        "{db:?}"
    );
    assert!(
        db.hint().is_some_and(|h| h.contains("line_count")),
        "{db:?}"
    );
}
