-- For A/B runs (serve-probe.sh SETUP=…): pos.sale_line as main had it until 2026-11-30 11:40 UTC,
-- its key led by the transaction's id, and a separate time index.
ALTER TABLE pos.sale_line DROP CONSTRAINT sale_line_pkey;
ALTER TABLE pos.sale_line ADD PRIMARY KEY (source_txn_id, tenant_id, store_id, source, line_no, occurred_at);
CREATE INDEX ON pos.sale_line (occurred_at);
