-- A closed day already written under the open-chunk policy (1.2 M lines, 400 000 transactions),
-- to settle in the middle of a run: SETUP=benches/ingest/settle-filled-day.sql tail-probe.sh URL,
-- and 27 s in: SELECT pos.settle_chunk('pos_chunks.sale_line_20260919t0000'), pos.settle_chunk('pos_chunks.txn_20260919t0000').
SELECT pos.ensure_chunks(t, '2026-09-19', '2026-09-19') FROM unnest('{pos.txn,pos.sale_line}'::regclass[]) t;
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                           kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
SELECT 't1', 's' || (g % 40), 'gen', 'tx' || (g / 3), g % 3, timestamptz '2026-09-19 00:00+00' + g * interval '70 ms', '2026-09-19',
       'sale', 'sku' || (g % 3000), 'sku' || (g % 3000), 1, 2.50, 2.50, 'USD'
  FROM generate_series(0, 1199999) g;
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount)
SELECT 't1', 's' || (g * 3 % 40), 'gen', 'tx' || g, timestamptz '2026-09-19 00:00+00' + g * interval '210 ms', '2026-09-19', 'USD', 7.50
  FROM generate_series(0, 399999) g;
