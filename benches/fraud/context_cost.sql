-- What pos.fraud_context_json costs per call: for the N latest returns that cite a receipt and for
-- N recent transactions, the shipped function and bench.fraud_context_json_022 (0.2.2's, made by
-- context_cost.sh from the frozen install script) side by side, two rounds each (the first warms
-- the cache), and whether both give the same context for every one of them. The N returns again,
-- citing receipts never rung, for the one case that searches every window.
\set ON_ERROR_STOP on
\if :{?n}
\else
\set n 300
\endif
CREATE TEMP TABLE rr AS
SELECT * FROM (SELECT DISTINCT ON (l.source_txn_id) l.tenant_id, l.store_id, l.source, l.source_txn_id, l.occurred_at
                 FROM pos.sale_line l WHERE l.original_txn_id IS NOT NULL AND l.kind = 'return'
                ORDER BY l.source_txn_id, l.occurred_at DESC) r
 ORDER BY occurred_at DESC LIMIT :n;
CREATE TEMP TABLE ss AS SELECT tenant_id, store_id, source, source_txn_id, occurred_at FROM pos.txn
 WHERE occurred_at > (SELECT max(occurred_at) - interval '20 days' FROM pos.txn) ORDER BY occurred_at DESC LIMIT :n;
CREATE TEMP TABLE j AS SELECT 'return' AS k, pos.fraud_txn_json(tenant_id, store_id, source, source_txn_id) AS t FROM rr
 UNION ALL SELECT 'transaction', pos.fraud_txn_json(tenant_id, store_id, source, source_txn_id) FROM ss;
-- The same returns citing receipts never rung: the one case that searches every window.
INSERT INTO j SELECT 'unknown receipt', jsonb_set(t, '{lines}', (SELECT jsonb_agg(CASE WHEN l->>'original_txn_id' IS NULL THEN l
                                                                   ELSE jsonb_set(l, '{original_txn_id}', to_jsonb('never-rung-' || (l->>'original_txn_id'))) END)
                                                          FROM jsonb_array_elements(t->'lines') l))
  FROM j WHERE k = 'return';
SELECT count(*) AS chunks_of_sale_line FROM pos.show_chunks('pos.sale_line');
DO $$
DECLARE kind text; fn text; t0 timestamptz; n int; found int; x jsonb;
BEGIN
  FOR round IN 1..2 LOOP
  FOREACH fn IN ARRAY ARRAY['pos.fraud_context_json', 'bench.fraud_context_json_022'] LOOP
  FOREACH kind IN ARRAY ARRAY['return', 'transaction', 'unknown receipt'] LOOP
    t0 := clock_timestamp(); n := 0; found := 0;
    FOR x IN EXECUTE format('SELECT %s(t) FROM j WHERE k = $1', fn) USING kind LOOP
      n := n + 1; found := found + (SELECT count(*) FROM jsonb_object_keys(x->'originals'));
    END LOOP;
    RAISE NOTICE 'round % %: % % contexts, % cited sales found, % ms each', round, rpad(fn, 29), n, kind, found,
      round((extract(epoch FROM clock_timestamp() - t0) * 1000 / greatest(n, 1))::numeric, 3);
  END LOOP;
  END LOOP;
  END LOOP;
END $$;
SELECT count(*) FILTER (WHERE pos.fraud_context_json(t) IS DISTINCT FROM bench.fraud_context_json_022(t)) AS contexts_that_differ,
       count(*) AS contexts
  FROM j;
