-- Bench data: tenant 'bench', 10 stores, 60 business days, 300 transactions per store and day
-- (180k transactions, 360k lines, 180k tenders), then the continuous aggregates are refreshed so
-- pos.store_daily is served from its materialization (the steady state of a real deployment).
-- Idempotent: deletes the tenant's rows first.
DELETE FROM pos.tender WHERE tenant_id = 'bench';
DELETE FROM pos.sale_line WHERE tenant_id = 'bench';
DELETE FROM pos.txn WHERE tenant_id = 'bench';
DELETE FROM pos.store WHERE tenant_id = 'bench';
INSERT INTO pos.store (tenant_id, store_id, name, timezone, currency)
SELECT 'bench', 'S' || lpad(s::text, 2, '0'), 'Bench store ' || s, 'UTC', 'EUR' FROM generate_series(1, 10) s;
SELECT pos.ensure_chunks(h, '2026-09-01', '2026-11-02') FROM unnest(ARRAY['pos.txn', 'pos.sale_line', 'pos.tender']::regclass[]) h;
INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, line_count,
                     gross_amount, net_amount, tax_amount, tender_amount, cashier_id, register_id)
SELECT 'bench', 'S' || lpad(s::text, 2, '0'), 'bench', d::date || '-' || s || '-' || i,
       d + interval '8 hours' + i * interval '2 minutes', d::date, 'EUR', 2,
       20 + i % 17, 20 + i % 17, round((20 + i % 17) * 0.19, 2), round((20 + i % 17) * 1.19, 2), 'C' || (i % 5), 'R' || (i % 3)
  FROM generate_series(timestamptz '2026-09-01', timestamptz '2026-10-30', interval '1 day') d,
       generate_series(1, 10) s, generate_series(1, 300) i;
INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date, kind, sku,
                           raw_item_id, quantity, unit_price, net_amount, currency, cashier_id)
SELECT t.tenant_id, t.store_id, t.source, t.source_txn_id, l, t.occurred_at, t.business_date, 'sale',
       'SKU' || ((hashtext(t.source_txn_id) & 1023) + l), 'I' || l, 1, t.net_amount / 2, t.net_amount / 2, 'EUR', t.cashier_id
  FROM pos.txn t, generate_series(1, 2) l WHERE t.tenant_id = 'bench';
INSERT INTO pos.tender (tenant_id, store_id, source, source_txn_id, tender_no, occurred_at, business_date, method, amount, currency, status)
SELECT tenant_id, store_id, source, source_txn_id, 1, occurred_at, business_date,
       CASE WHEN hashtext(source_txn_id) % 3 = 0 THEN 'cash' ELSE 'card' END, tender_amount, 'EUR', 'approved'
  FROM pos.txn WHERE tenant_id = 'bench';
ANALYZE pos.txn, pos.sale_line, pos.tender;
