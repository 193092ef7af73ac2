-- Demo: demand forecast with intervals for the best seller of one store, and reorder suggestions.
-- Variables: :tenant, :store.
SELECT sku AS best_seller FROM pos.demand_daily WHERE tenant_id = :'tenant' AND store_id = :'store'
 GROUP BY sku ORDER BY sum(units) DESC LIMIT 1 \gset
\echo 'next 14 days of' :best_seller 'at' :store '(95 % intervals in whole units):'
SELECT business_date, to_char(business_date, 'Dy') AS day, round(yhat::numeric, 1) AS units, lo, hi, method
  FROM pos.forecast_demand(:'tenant', :'store', :'best_seller', 14);
\echo 'reorder suggestions (lead time 3 days, weekly review, 95 % service), largest orders first:'
SELECT sku, on_hand, round(lead_time_demand::numeric, 1) AS lead_time_demand, round(safety_stock::numeric, 1) AS safety_stock,
       round(reorder_point::numeric, 1) AS reorder_point, suggested_qty, method
  FROM pos.reorder_suggestions(:'tenant', :'store', lead_time_days => 3, service_level => 0.95, review_days => 7)
 ORDER BY suggested_qty DESC, sku LIMIT 8;
