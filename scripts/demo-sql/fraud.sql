-- Demo: fit the fraud baseline on the first eight weeks, score the last three days, show the
-- riskiest transactions and cashier-days with their reasons. Variables: :tenant.
SELECT min(business_date) AS first_day, max(business_date) AS last_day FROM pos.txn WHERE tenant_id = :'tenant' \gset
SELECT count(*) > 0 AS baseline_fitted
  FROM pos.fraud_fit_baseline(:'tenant', :'first_day', (:'first_day'::date + 55));
SELECT pos.fraud_scan(:'tenant', (:'last_day'::date - 2), :'last_day') AS transactions_scored;
\echo 'riskiest transactions of the last three days:'
SELECT store_id, source_txn_id, cashier_id, business_date, round(score::numeric, 3) AS score,
       reasons->0->>'code' AS top_reason, left(reasons->0->>'detail', 70) AS detail
  FROM pos.fraud_score WHERE tenant_id = :'tenant' ORDER BY score DESC, source_txn_id LIMIT 8;
\echo 'riskiest cashier-days of the last three days:'
SELECT d.store_id, d.business_date, r.cashier_id, round(r.score::numeric, 3) AS score, r.alert, r.transactions,
       r.no_sales, r.over_short, r.reasons->0->>'code' AS top_reason, left(r.reasons->0->>'detail', 60) AS detail
  FROM (SELECT DISTINCT store_id, business_date FROM pos.txn
         WHERE tenant_id = :'tenant' AND business_date > :'last_day'::date - 3) d,
       LATERAL pos.cashier_risk(:'tenant', d.store_id, d.business_date) r
 ORDER BY r.score DESC LIMIT 8;
