(SELECT tenant_id, store_id, business_date, sum(t)::bigint AS transactions, sum(i) AS items_sold, sum(g) AS gross, sum(n) AS net,
        sum(cash) AS tender_cash, sum(ns)::bigint AS no_sales
   FROM (SELECT tenant_id, store_id, business_date, count(*) FILTER (WHERE status = 'completed') AS t, 0::numeric AS i,
                coalesce(sum(gross_amount) FILTER (WHERE status = 'completed'), 0) AS g,
                coalesce(sum(net_amount) FILTER (WHERE status = 'completed'), 0) AS n, 0::numeric AS cash, 0 AS ns
           FROM pos.txn WHERE tenant_id = 't1' AND store_id = 's3' AND business_date >= '2025-11-01' AND business_date < '2026-11-01'
            AND occurred_at >= '2025-10-30' AND occurred_at < '2026-11-03' GROUP BY 1, 2, 3
         UNION ALL
         SELECT tenant_id, store_id, business_date, 0, coalesce(sum(quantity) FILTER (WHERE kind = 'sale'), 0), 0, 0, 0, 0
           FROM pos.sale_line WHERE tenant_id = 't1' AND store_id = 's3' AND business_date >= '2025-11-01' AND business_date < '2026-11-01'
            AND occurred_at >= '2025-10-30' AND occurred_at < '2026-11-03' AND txn_status = 'completed' GROUP BY 1, 2, 3
         UNION ALL
         SELECT tenant_id, store_id, business_date, 0, 0, 0, 0, coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'cash'), 0), 0
           FROM pos.tender WHERE tenant_id = 't1' AND store_id = 's3' AND business_date >= '2025-11-01' AND business_date < '2026-11-01'
            AND occurred_at >= '2025-10-30' AND occurred_at < '2026-11-03' GROUP BY 1, 2, 3
         UNION ALL
         SELECT tenant_id, store_id, business_date, 0, 0, 0, 0, 0, count(*) FILTER (WHERE kind = 'no_sale')
           FROM pos.drawer_event WHERE tenant_id = 't1' AND store_id = 's3' AND business_date >= '2025-11-01' AND business_date < '2026-11-01'
            AND occurred_at >= '2025-10-30' AND occurred_at < '2026-11-03' GROUP BY 1, 2, 3) s
  GROUP BY 1, 2, 3)
