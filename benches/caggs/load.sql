-- One year of trading for 5 stores: 500 transactions of 4 lines per store-day, one tender each,
-- 10 drawer events per store-day. About 3.65M lines, 0.9M transactions and tenders.
-- One day (all stores) per statement, each day its own transaction: every statement writes one
-- chunk, and the per-row trigger queues (invalidation, fraud scoring at commit) stay small.
SELECT sum(pos.ensure_chunks(h, '2025-10-30', '2026-11-03')) AS chunks
  FROM unnest('{pos.txn,pos.sale_line,pos.tender,pos.drawer_event}'::regclass[]) h;
INSERT INTO pos.store (tenant_id, store_id) SELECT 't1', 's' || s FROM generate_series(1, 5) s;
CREATE PROCEDURE pg_temp.load_day(d int) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, cashier_id, status,
                         currency, line_count, gross_amount, net_amount, tax_amount)
    SELECT 't1', 's' || s, 'bench', d || '-' || i, ts, (ts AT TIME ZONE 'UTC')::date, 'c' || (i % 6),
           CASE WHEN i % 97 = 0 THEN 'post_voided' ELSE 'completed' END, 'USD', 4, 10 + i % 7, 10 + i % 7, 1
      FROM generate_series(1, 5) s, generate_series(1, 500) i,
           LATERAL (SELECT timestamptz '2025-11-01' + d * interval '1 day' + i * interval '150 seconds' + s * interval '7 seconds' AS ts) t;
    INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, txn_status,
                               kind, sku, raw_item_id, quantity, unit_price, net_amount, currency, cashier_id)
    SELECT 't1', 's' || s, 'bench', d || '-' || i, l, ts, (ts AT TIME ZONE 'UTC')::date,
           CASE WHEN i % 97 = 0 THEN 'post_voided' ELSE 'completed' END,
           CASE WHEN l = 4 AND i % 13 = 0 THEN 'return' ELSE 'sale' END, 'sku' || ((i * 4 + l) % 50), 'r',
           CASE WHEN l = 4 AND i % 13 = 0 THEN -1 ELSE 1 + (i + l) % 3 END, 2.5,
           2.5 * CASE WHEN l = 4 AND i % 13 = 0 THEN -1 ELSE 1 + (i + l) % 3 END, 'USD', 'c' || (i % 6)
      FROM generate_series(1, 5) s, generate_series(1, 500) i, generate_series(1, 4) l,
           LATERAL (SELECT timestamptz '2025-11-01' + d * interval '1 day' + i * interval '150 seconds' + s * interval '7 seconds' AS ts) t;
    INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
    SELECT 't1', 's' || s, 'bench', d || '-' || i, 1, ts, (ts AT TIME ZONE 'UTC')::date,
           (ARRAY['cash', 'card', 'gift_card'])[1 + i % 3], 10 + i % 7, 'USD', 'approved'
      FROM generate_series(1, 5) s, generate_series(1, 500) i,
           LATERAL (SELECT timestamptz '2025-11-01' + d * interval '1 day' + i * interval '150 seconds' + s * interval '7 seconds' AS ts) t;
    INSERT INTO pos.drawer_event (tenant_id, store_id, source, source_event_id, occurred_at, business_date, cashier_id, kind, amount, currency)
    SELECT 't1', 's' || s, 'bench', d || '-' || i, ts, (ts AT TIME ZONE 'UTC')::date, 'c' || (i % 6),
           CASE WHEN i % 2 = 0 THEN 'no_sale' ELSE 'paid_out' END, 5, 'USD'
      FROM generate_series(1, 5) s, generate_series(1, 10) i,
           LATERAL (SELECT timestamptz '2025-11-01' + d * interval '1 day' + i * interval '1 hour' AS ts) t;
END
$$;
-- Days loaded: psql variables first_day and last_day (run.sh passes LOAD_DAYS="first last",
-- default the whole year 0..364; day 221 is 2026-06-10, where run.sh overhead writes late rows).
SELECT set_config('bench.first_day', :'first_day', false), set_config('bench.last_day', :'last_day', false) \gset
DO $$
DECLARE
    d int;
BEGIN
    FOR d IN current_setting('bench.first_day')::int .. current_setting('bench.last_day')::int LOOP
        CALL pg_temp.load_day(d);
        COMMIT;
    END LOOP;
END
$$;
