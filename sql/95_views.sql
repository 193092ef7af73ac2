-- The views the product ships, all continuous aggregates (or sums of them) with real-time tails.
-- Only completed transactions count as sales; post-voided and cancelled ones are counted apart.
-- Transaction counts count completed transactions with lines only (pos.txn_has_lines, 20_facts.sql):
-- a part holding money only is not a second visit.
-- Daily views group by the store's local business_date. Every view runs with the reader's rights
-- (security_invoker), so row-level security on the facts and on the materialization tables keeps
-- each reader to their tenants.

SELECT pos.create_continuous_aggregate(
    name => 'pos.sales_hourly',
    source => 'pos.sale_line',
    bucket_width => '1 hour',
    bucket_column => 'hour',
    group_by => '{tenant_id,store_id,sku,business_date,currency}',
    filter => $$txn_status = 'completed' AND NOT non_revenue$$,
    aggregates => $$sum(quantity) AS quantity,
        sum(net_amount) AS net,
        coalesce(sum(quantity * unit_price) FILTER (WHERE kind = 'sale'), 0) AS gross,
        coalesce(sum(discount) FILTER (WHERE kind = 'sale'), 0) AS discount,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'return'), 0) AS returns,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'void'), 0) AS voids,
        count(*) AS lines,
        count(DISTINCT source || ':' || source_txn_id) AS transactions$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos.sales_daily',
    source => 'pos.sale_line',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id,sku,currency}',
    filter => $$txn_status = 'completed' AND NOT non_revenue$$,
    aggregates => $$sum(quantity) AS quantity,
        sum(net_amount) AS net,
        coalesce(sum(quantity * unit_price) FILTER (WHERE kind = 'sale'), 0) AS gross,
        coalesce(sum(discount) FILTER (WHERE kind = 'sale'), 0) AS discount,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'return'), 0) AS returns,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'void'), 0) AS voids,
        count(*) AS lines,
        count(DISTINCT source || ':' || source_txn_id) AS transactions$$);

-- End-of-day report parts, one per fact table.
SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.store_daily_txn',
    source => 'pos.txn',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id}',
    aggregates => $$count(*) FILTER (WHERE status = 'completed' AND pos.txn_has_lines(line_count, gross_amount,
            discount_amount, return_amount, void_amount, net_amount, tax_amount, non_revenue_amount)) AS transactions,
        coalesce(sum(gross_amount) FILTER (WHERE status = 'completed'), 0) AS gross,
        coalesce(sum(discount_amount) FILTER (WHERE status = 'completed'), 0) AS discounts,
        coalesce(sum(return_amount) FILTER (WHERE status = 'completed'), 0) AS returns,
        coalesce(sum(void_amount) FILTER (WHERE status = 'completed'), 0) AS voids,
        count(*) FILTER (WHERE status = 'post_voided') AS post_voids,
        coalesce(sum(net_amount) FILTER (WHERE status = 'post_voided'), 0) AS post_void_amount,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
        coalesce(sum(net_amount) FILTER (WHERE status = 'completed'), 0) AS net,
        coalesce(sum(tax_amount) FILTER (WHERE status = 'completed'), 0) AS tax,
        coalesce(sum(non_revenue_amount) FILTER (WHERE status = 'completed'), 0) AS non_revenue,
        count(*) FILTER (WHERE status = 'completed' AND pos.txn_has_lines(line_count, gross_amount, discount_amount,
            return_amount, void_amount, net_amount, tax_amount, non_revenue_amount)
            AND (non_revenue_amount = 0 OR gross_amount <> 0 OR return_amount <> 0 OR void_amount <> 0
                 OR net_amount <> 0)) AS basket_transactions$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.store_daily_lines',
    source => 'pos.sale_line',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id}',
    filter => $$txn_status = 'completed' AND NOT non_revenue$$,
    aggregates => $$coalesce(sum(quantity) FILTER (WHERE kind = 'sale'), 0) AS items_sold,
        coalesce(-sum(quantity) FILTER (WHERE kind = 'return'), 0) AS items_returned,
        count(*) FILTER (WHERE kind = 'void') AS void_lines$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.store_daily_tender',
    source => 'pos.tender',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id}',
    aggregates => $$coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'cash'), 0) AS tender_cash,
        coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'card'), 0) AS tender_card,
        coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'gift_card'), 0) AS tender_gift_card,
        coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'store_credit'), 0) AS tender_store_credit,
        coalesce(sum(amount) FILTER (WHERE status = 'approved' AND method = 'other'), 0) AS tender_other,
        count(*) FILTER (WHERE status = 'declined') AS tenders_declined,
        coalesce(sum(tip) FILTER (WHERE status = 'approved'), 0) AS tips$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.store_daily_drawer',
    source => 'pos.drawer_event',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id}',
    aggregates => $$count(*) FILTER (WHERE kind = 'no_sale') AS no_sales,
        coalesce(sum(abs(amount)) FILTER (WHERE kind = 'paid_in'), 0) AS paid_in,
        coalesce(sum(abs(amount)) FILTER (WHERE kind = 'paid_out'), 0) AS paid_out,
        coalesce(sum(abs(amount)) FILTER (WHERE kind = 'loan'), 0) AS loans,
        coalesce(sum(abs(amount)) FILTER (WHERE kind = 'pickup'), 0) AS pickups,
        coalesce(sum(amount) FILTER (WHERE kind = 'over_short'), 0) AS over_short$$);

-- The parts are summed, not joined: a filter on tenant, store or date then reaches every part
-- (and its chunks) through the GROUP BY and the UNION ALL. Every branch spells its zeros with the
-- column's type: with the types equal, PostgreSQL flattens the UNION ALL into one Append of the
-- parts instead of a subquery scan per branch that converts its integers (-9 % PostgreSQL CPU on
-- the API's one-store-one-day request through the materialized path). The same body over the parts'
-- materializations (pos_caggs.store_daily_from_parts) fills the view's materialized path, the
-- table pos_caggs.store_daily_materialized, at every refresh of a part.
SELECT pos._cagg_create_composite('pos.store_daily', $body$
SELECT tenant_id, store_id, business_date,
       sum(transactions)::bigint AS transactions,
       sum(items_sold) AS items_sold,
       sum(items_returned) AS items_returned,
       sum(gross) AS gross,
       sum(discounts) AS discounts,
       sum(returns) AS returns,
       sum(voids) AS voids,
       sum(void_lines)::bigint AS void_lines,
       sum(post_voids)::bigint AS post_voids,
       sum(post_void_amount) AS post_void_amount,
       sum(cancelled)::bigint AS cancelled,
       sum(no_sales)::bigint AS no_sales,
       sum(net) AS net,
       sum(tax) AS tax,
       sum(non_revenue) AS non_revenue,
       sum(tender_cash) AS tender_cash,
       sum(tender_card) AS tender_card,
       sum(tender_gift_card) AS tender_gift_card,
       sum(tender_store_credit) AS tender_store_credit,
       sum(tender_other) AS tender_other,
       sum(tenders_declined)::bigint AS tenders_declined,
       sum(paid_in) AS paid_in,
       sum(paid_out) AS paid_out,
       sum(tender_cash) + sum(paid_in) - sum(paid_out) AS cash_expected,
       sum(loans) AS loans,
       sum(pickups) AS pickups,
       sum(tender_cash) + sum(paid_in) - sum(paid_out) + sum(loans) - sum(pickups) AS cash_in_drawer,
       sum(over_short) AS over_short,
       round(sum(net) / nullif(sum(basket_transactions), 0), 2) AS average_basket,
       -- Last, where ALTER EXTENSION UPDATE from 0.1.0 adds it (CREATE OR REPLACE VIEW appends).
       sum(tips) AS tips
  FROM (SELECT tenant_id, store_id, business_date, transactions, 0::numeric AS items_sold, 0::numeric AS items_returned,
               gross, discounts, returns, voids, 0::bigint AS void_lines, post_voids, post_void_amount, cancelled,
               0::bigint AS no_sales, net, tax, non_revenue, 0::numeric AS tender_cash, 0::numeric AS tender_card,
               0::numeric AS tender_gift_card, 0::numeric AS tender_store_credit, 0::numeric AS tender_other,
               0::bigint AS tenders_declined, 0::numeric AS paid_in, 0::numeric AS paid_out,
               0::numeric AS loans, 0::numeric AS pickups, 0::numeric AS over_short, basket_transactions,
               0::numeric AS tips
          FROM %1$s
        UNION ALL
        SELECT tenant_id, store_id, business_date, 0::bigint, items_sold, items_returned, 0::numeric,
               0::numeric, 0::numeric, 0::numeric, void_lines, 0::bigint, 0::numeric, 0::bigint,
               0::bigint, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric,
               0::numeric, 0::bigint, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::bigint,
               0::numeric
          FROM %2$s
        UNION ALL
        SELECT tenant_id, store_id, business_date, 0::bigint, 0::numeric, 0::numeric, 0::numeric,
               0::numeric, 0::numeric, 0::numeric, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
               0::bigint, 0::numeric, 0::numeric, 0::numeric, tender_cash, tender_card, tender_gift_card,
               tender_store_credit, tender_other, tenders_declined, 0::numeric, 0::numeric,
               0::numeric, 0::numeric, 0::numeric, 0::bigint, tips
          FROM %3$s
        UNION ALL
        SELECT tenant_id, store_id, business_date, 0::bigint, 0::numeric, 0::numeric, 0::numeric,
               0::numeric, 0::numeric, 0::numeric, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
               no_sales, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric,
               0::numeric, 0::numeric, 0::bigint, paid_in, paid_out, loans, pickups, over_short, 0::bigint,
               0::numeric
          FROM %4$s) parts
 GROUP BY tenant_id, store_id, business_date$body$,
    '{pos_caggs.store_daily_txn,pos_caggs.store_daily_lines,pos_caggs.store_daily_tender,pos_caggs.store_daily_drawer}',
    'business_date', '{tenant_id,store_id,business_date}');

-- Cashier risk features, one part per fact table. Lines that are not revenue count here: a gift
-- card sold, voided or refunded without a receipt is money through the cashier's hands, and gift
-- cards are a common way to take it.
SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.cashier_daily_lines',
    source => 'pos.sale_line',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id,cashier_id}',
    filter => $$txn_status = 'completed'$$,
    aggregates => $$count(*) FILTER (WHERE kind = 'sale') AS sale_lines,
        coalesce(sum(net_amount) FILTER (WHERE kind = 'sale'), 0) AS sales,
        count(*) FILTER (WHERE kind = 'void') AS voids,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'void'), 0) AS void_amount,
        count(*) FILTER (WHERE kind = 'return') AS refunds,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'return'), 0) AS refund_amount,
        count(*) FILTER (WHERE kind = 'return' AND original_txn_id IS NULL) AS refunds_without_sale,
        coalesce(-sum(net_amount) FILTER (WHERE kind = 'return' AND original_txn_id IS NULL), 0) AS refund_without_sale_amount,
        count(*) FILTER (WHERE kind = 'sale' AND discount > 0 AND price_override) AS manual_discounts,
        coalesce(sum(discount) FILTER (WHERE kind = 'sale' AND discount > 0 AND price_override), 0) AS manual_discount_amount,
        count(*) FILTER (WHERE entry_method = 'keyed') AS keyed_entries,
        count(*) FILTER (WHERE price_override) AS overrides$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.cashier_daily_txn',
    source => 'pos.txn',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id,cashier_id}',
    aggregates => $$count(*) FILTER (WHERE status = 'completed' AND pos.txn_has_lines(line_count, gross_amount,
            discount_amount, return_amount, void_amount, net_amount, tax_amount, non_revenue_amount)) AS transactions,
        count(*) FILTER (WHERE status = 'completed' AND NOT pos.txn_has_lines(line_count, gross_amount,
            discount_amount, return_amount, void_amount, net_amount, tax_amount, non_revenue_amount)) AS money_only,
        count(*) FILTER (WHERE status = 'post_voided') AS post_voids,
        coalesce(sum(net_amount) FILTER (WHERE status = 'post_voided'), 0) AS post_void_amount,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled$$);

SELECT pos.create_continuous_aggregate(
    name => 'pos_caggs.cashier_daily_drawer',
    source => 'pos.drawer_event',
    bucket_date_column => 'business_date',
    group_by => '{tenant_id,store_id,cashier_id}',
    aggregates => $$count(*) FILTER (WHERE kind = 'no_sale') AS no_sales,
        coalesce(sum(amount) FILTER (WHERE kind = 'over_short'), 0) AS over_short$$);

SELECT pos._cagg_create_composite('pos.cashier_daily', $body$
SELECT tenant_id, store_id, cashier_id, business_date,
       sum(transactions)::bigint AS transactions,
       sum(money_only)::bigint AS money_only,
       sum(sale_lines)::bigint AS sale_lines,
       sum(sales) AS sales,
       sum(voids)::bigint AS voids,
       sum(void_amount) AS void_amount,
       sum(post_voids)::bigint AS post_voids,
       sum(post_void_amount) AS post_void_amount,
       sum(cancelled)::bigint AS cancelled,
       sum(refunds)::bigint AS refunds,
       sum(refund_amount) AS refund_amount,
       sum(refunds_without_sale)::bigint AS refunds_without_sale,
       sum(refund_without_sale_amount) AS refund_without_sale_amount,
       sum(no_sales)::bigint AS no_sales,
       sum(manual_discounts)::bigint AS manual_discounts,
       sum(manual_discount_amount) AS manual_discount_amount,
       sum(keyed_entries)::bigint AS keyed_entries,
       sum(overrides)::bigint AS overrides,
       sum(over_short) AS over_short
  FROM (SELECT tenant_id, store_id, cashier_id, business_date, 0::bigint AS transactions, 0::bigint AS money_only,
               sale_lines, sales, voids, void_amount,
               0::bigint AS post_voids, 0::numeric AS post_void_amount, 0::bigint AS cancelled, refunds, refund_amount,
               refunds_without_sale, refund_without_sale_amount, 0::bigint AS no_sales, manual_discounts,
               manual_discount_amount, keyed_entries, overrides, 0::numeric AS over_short
          FROM %1$s
        UNION ALL
        SELECT tenant_id, store_id, cashier_id, business_date, transactions, money_only, 0::bigint, 0::numeric,
               0::bigint, 0::numeric, post_voids, post_void_amount, cancelled, 0::bigint,
               0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
               0::bigint, 0::numeric
          FROM %2$s
        UNION ALL
        SELECT tenant_id, store_id, cashier_id, business_date, 0::bigint, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
               0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
               0::numeric, no_sales, 0::bigint, 0::numeric, 0::bigint, 0::bigint, over_short
          FROM %3$s) parts
 GROUP BY tenant_id, store_id, cashier_id, business_date$body$,
    '{pos_caggs.cashier_daily_lines,pos_caggs.cashier_daily_txn,pos_caggs.cashier_daily_drawer}',
    'business_date', '{tenant_id,store_id,cashier_id,business_date}');

-- Readers: the four product views and the parts they read.
GRANT SELECT ON pos.sales_hourly, pos.sales_daily, pos.store_daily, pos.cashier_daily TO pos_analyst, pos_api;
GRANT SELECT ON pos_caggs.store_daily_txn, pos_caggs.store_daily_lines, pos_caggs.store_daily_tender, pos_caggs.store_daily_drawer,
                pos_caggs.cashier_daily_lines, pos_caggs.cashier_daily_txn, pos_caggs.cashier_daily_drawer TO pos_analyst, pos_api;
-- ... and their materialized paths, tables with the parts' row security (the parts' materialization
-- tables are granted with theirs).
GRANT SELECT ON pos_caggs.store_daily_materialized, pos_caggs.cashier_daily_materialized TO pos_analyst, pos_api;

-- Refreshed every minute over the last week (late and replayed rows), up to now; the views add
-- the newest rows live, so they are current whatever the schedule.
DO $policies$
DECLARE
    quiet text := current_setting('client_min_messages');
BEGIN
    -- add_job's notice about a missing scheduler is for people, not for CREATE EXTENSION (x9)
    PERFORM set_config('client_min_messages', 'warning', true);
    PERFORM pos.add_continuous_aggregate_policy(c.view_name, '7 days', NULL, '1 minute')
       FROM pos.continuous_aggregate c ORDER BY c.cagg_id;
    PERFORM set_config('client_min_messages', quiet, true);
END
$policies$;

COMMENT ON VIEW pos.sales_hourly IS 'Sales per tenant, store, SKU and hour (UTC-aligned hour buckets, with the local business_date), completed transactions only, lines that are not revenue (gift cards sold) left out. Continuous aggregate: materialized below its watermark, live above.';
COMMENT ON VIEW pos.sales_daily IS 'Sales per tenant, store, SKU and local business day, completed transactions only, lines that are not revenue (gift cards sold) left out. Continuous aggregate: materialized below its watermark, live above.';
COMMENT ON VIEW pos.store_daily IS 'End-of-day report per tenant, store and business day: transactions, items, gross, discounts, returns, voids, post-voids, no-sales, net, tax, non-revenue (gift cards sold), tenders by method, tips, cash expected, drawer loans and pickups, cash in the drawer, over/short at the count, average basket. Sums of four continuous aggregates (transactions, lines, tenders, drawer).';
COMMENT ON VIEW pos.cashier_daily IS 'Risk features per tenant, store, cashier and business day (voids, post-voids, refunds and refunds without a linked sale, no-sales, manual discounts, keyed entries, price overrides, sales) for fraud scoring. Gift cards sold and other lines that are not revenue count here, unlike in the sales views: they are money through the cashier''s hands.';

COMMENT ON COLUMN pos.sales_hourly.hour IS 'Start of the UTC hour (date_bin(''1 hour'', occurred_at)).';
DO $cols$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['pos.sales_hourly', 'pos.sales_daily'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN %1$s.quantity IS 'Signed units: sales minus returns and voids.';
            COMMENT ON COLUMN %1$s.net IS 'Signed net amount after discounts, before tax: what was really sold.';
            COMMENT ON COLUMN %1$s.gross IS 'Sale lines at unit price, before discounts, returns and voids.';
            COMMENT ON COLUMN %1$s.discount IS 'Discounts given on sale lines (positive).';
            COMMENT ON COLUMN %1$s.returns IS 'Amount returned (positive).';
            COMMENT ON COLUMN %1$s.voids IS 'Amount of voided lines (positive).';
            COMMENT ON COLUMN %1$s.lines IS 'Number of lines (sales, returns and voids).';
            COMMENT ON COLUMN %1$s.transactions IS 'Number of distinct transactions with a line of this SKU.';
            COMMENT ON COLUMN %1$s.currency IS 'ISO 4217 currency of the amounts.';$c$, v);
    END LOOP;
END
$cols$;
COMMENT ON COLUMN pos.sales_daily.business_date IS 'The store''s local trading day.';
COMMENT ON COLUMN pos.store_daily.transactions IS 'Completed transactions with at least one line (sale, return, void or non-revenue; pos.txn_has_lines): the store''s traffic. A completed part holding money only — a check''s payment taken on a later day (Toast <check>/paid), a refund of shipping alone (Shopify), a layaway deposit (POSLog) — is no transaction: its visit, if any, counts where its goods do; its tenders count on this day.';
COMMENT ON COLUMN pos.store_daily.gross IS 'Sum of the completed transactions'' gross amounts (before discounts).';
COMMENT ON COLUMN pos.store_daily.voids IS 'Line voids inside completed transactions, as carried on the headers.';
COMMENT ON COLUMN pos.store_daily.post_voids IS 'Transactions cancelled after completion (not in the sales figures).';
COMMENT ON COLUMN pos.store_daily.no_sales IS 'Drawer opened without a sale.';
COMMENT ON COLUMN pos.store_daily.net IS 'Net sales of completed transactions, before tax.';
COMMENT ON COLUMN pos.store_daily.non_revenue IS 'Gift cards sold or reloaded and other lines paid for that are not revenue (net, before tax; refunded ones negative), completed transactions: in the tenders, not in gross, net, items or average basket. So tenders - tips = net + tax + non_revenue (+ cash rounding the POS keeps in its tenders).';
COMMENT ON COLUMN pos.store_daily.cash_expected IS 'Cash that should have entered the drawer: approved cash tenders (change is negative) + paid-in - paid-out, excluding the opening float.';
COMMENT ON COLUMN pos.store_daily.loans IS 'Cash put into drawers from the safe (opening floats, change), when the POS records it.';
COMMENT ON COLUMN pos.store_daily.pickups IS 'Cash taken from drawers to the safe during the day (skims, drops).';
COMMENT ON COLUMN pos.store_daily.cash_in_drawer IS 'What a count of the drawers at close should find: cash_expected + loans - pickups (the opening float included only when it was recorded as a loan).';
COMMENT ON COLUMN pos.store_daily.over_short IS 'What the counts of the drawers at close found against what the POS expected them to hold, summed: positive over, negative short (0 when no count was recorded).';
COMMENT ON COLUMN pos.store_daily.average_basket IS 'net / the baskets: the completed transactions with lines (as in transactions) and with revenue. A transaction that only sold gift cards or other non-revenue lines is left out, as its amount is; a part holding money only (no line) is no basket either.';
COMMENT ON COLUMN pos.cashier_daily.transactions IS 'Completed transactions with at least one line, as in pos.store_daily.transactions.';
COMMENT ON COLUMN pos.cashier_daily.money_only IS 'Completed transactions without lines, holding money only (a payment taken on a later day, a refund of shipping alone): no transaction of the day''s count, but scored for fraud like any other, so pos.cashier_risk counts them.';
COMMENT ON COLUMN pos.cashier_daily.refunds_without_sale IS 'Return lines that name no original transaction: the classic refund-fraud signal.';
COMMENT ON COLUMN pos.cashier_daily.manual_discounts IS 'Sale lines with a discount entered through a price override.';
COMMENT ON COLUMN pos.cashier_daily.keyed_entries IS 'Lines whose item was typed in rather than scanned.';
COMMENT ON COLUMN pos.cashier_daily.overrides IS 'Lines with a manual price override.';
COMMENT ON COLUMN pos.cashier_daily.over_short IS 'What the counts of this cashier''s drawers at close found against what the POS expected, summed: positive over, negative short. A cashier short day after day is a loss-prevention lead.';

-- Every column of the product views is described: BI tools and GET /v1/views show these.
DO $keys$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['pos.sales_hourly', 'pos.sales_daily', 'pos.store_daily', 'pos.cashier_daily'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN %1$s.tenant_id IS 'Tenant (retailer): a reader sees only the tenants granted to it (row security).';
            COMMENT ON COLUMN %1$s.store_id IS 'Store (location) as the source POS names it.';
            COMMENT ON COLUMN %1$s.business_date IS 'The store''s local trading day (the POS''s business date where it sends one).';$c$, v);
    END LOOP;
    FOREACH v IN ARRAY ARRAY['pos.sales_hourly', 'pos.sales_daily'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN %1$s.sku IS 'Normalized product key (GTIN-14, PLU or vendor SKU key; see pos.sale_line.sku).';$c$, v);
    END LOOP;
END
$keys$;

COMMENT ON COLUMN pos.store_daily.items_sold IS 'Units on sale lines of completed transactions (lines that are not revenue, such as gift cards sold, left out).';
COMMENT ON COLUMN pos.store_daily.items_returned IS 'Units on return lines of completed transactions, positive (non-revenue lines left out).';
COMMENT ON COLUMN pos.store_daily.discounts IS 'Discounts given on the sale lines of completed transactions, positive.';
COMMENT ON COLUMN pos.store_daily.returns IS 'Net amount of the return lines of completed transactions, before tax, positive.';
COMMENT ON COLUMN pos.store_daily.void_lines IS 'Number of lines voided inside completed transactions.';
COMMENT ON COLUMN pos.store_daily.post_void_amount IS 'Net amount of the transactions voided after completion (in none of the sales figures).';
COMMENT ON COLUMN pos.store_daily.cancelled IS 'Transactions cancelled before completion (in none of the sales figures).';
COMMENT ON COLUMN pos.store_daily.tax IS 'Tax on the completed transactions (refunded tax negative).';
COMMENT ON COLUMN pos.store_daily.tender_cash IS 'Approved cash tenders on the day they were taken (change given and cash refunds negative).';
COMMENT ON COLUMN pos.store_daily.tender_card IS 'Approved card tenders (credit and debit; refunds to cards negative).';
COMMENT ON COLUMN pos.store_daily.tender_gift_card IS 'Approved tenders paid with gift cards (redemptions; refunds onto gift cards negative).';
COMMENT ON COLUMN pos.store_daily.tender_store_credit IS 'Approved tenders paid with store credit (refunds as store credit negative).';
COMMENT ON COLUMN pos.store_daily.tender_other IS 'Approved tenders of every other method (checks, wallets the POS does not call cards, vouchers…).';
COMMENT ON COLUMN pos.store_daily.tenders_declined IS 'Number of tender attempts the processor declined.';
COMMENT ON COLUMN pos.store_daily.tips IS 'Gratuities inside the approved tenders (refunded tips negative): the staff''s money, in the tender_* columns but no sale. 0 for sources that do not split a payment''s tip out (pos.tender.tip).';
COMMENT ON COLUMN pos.store_daily.paid_in IS 'Cash put into drawers for a reason other than a sale (paid-ins), positive.';
COMMENT ON COLUMN pos.store_daily.paid_out IS 'Cash taken from drawers for a reason other than a sale (paid-outs: a delivery paid from the till, petty cash), positive.';

COMMENT ON COLUMN pos.cashier_daily.cashier_id IS 'Cashier (employee) as the POS names it; NULL for transactions without one.';
COMMENT ON COLUMN pos.cashier_daily.sale_lines IS 'Number of sale lines, completed transactions (gift cards sold included).';
COMMENT ON COLUMN pos.cashier_daily.sales IS 'Net amount of the sale lines, before tax (gift cards sold included).';
COMMENT ON COLUMN pos.cashier_daily.voids IS 'Number of lines voided inside completed transactions.';
COMMENT ON COLUMN pos.cashier_daily.void_amount IS 'Net amount of the voided lines, positive.';
COMMENT ON COLUMN pos.cashier_daily.post_voids IS 'Transactions voided after completion.';
COMMENT ON COLUMN pos.cashier_daily.post_void_amount IS 'Net amount of the transactions voided after completion.';
COMMENT ON COLUMN pos.cashier_daily.cancelled IS 'Transactions cancelled before completion.';
COMMENT ON COLUMN pos.cashier_daily.refunds IS 'Number of return lines, completed transactions.';
COMMENT ON COLUMN pos.cashier_daily.refund_amount IS 'Net amount of the return lines, before tax, positive.';
COMMENT ON COLUMN pos.cashier_daily.refund_without_sale_amount IS 'Net amount of the return lines that name no original transaction, positive.';
COMMENT ON COLUMN pos.cashier_daily.no_sales IS 'Drawer opened without a sale (count).';
COMMENT ON COLUMN pos.cashier_daily.manual_discount_amount IS 'Discount amount on the sale lines counted in manual_discounts, positive.';
