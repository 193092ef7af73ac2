-- pos_analytics 0.1.0 -> 0.2.0 (ALTER EXTENSION pos_analytics UPDATE): tips on tenders.
--
-- 0.1.0 is the extension as built up to commit e37e4fa (pos_analytics--0.1.0.sql beside this file
-- is its install script, kept unchanged). What 0.2.0 adds, exactly as a fresh CREATE EXTENSION makes it
-- (tests/tests/upgrade.rs compares the two catalogs):
--   * pos.tender.tip, the gratuity inside a tender's amount (its last column, 0 for every stored
--     row: sources said nothing of tips before);
--   * tips in pos.fraud_txn_json's tenders;
--   * pos.store_daily.tips (its last column), from a tips column of its tenders part.
-- Materialized rows keep their values: every stored tip is 0, so their tips are 0 as well, and no
-- refresh is needed. The table's CHECK reads every stored tender once (under the ALTER's lock).
-- A view of your own that reads pos.store_daily does not stop the update (columns are appended).
\echo Use "ALTER EXTENSION pos_analytics UPDATE TO '0.2.0'" to load this file. \quit

ALTER TABLE pos.tender ADD COLUMN tip numeric NOT NULL DEFAULT 0
    CHECK (tip = 0 OR (sign(tip) = sign(amount) AND abs(tip) <= abs(amount)));
COMMENT ON COLUMN pos.tender.tip IS 'The gratuity inside amount (same sign, never larger; a refunded tip is negative): the staff''s money, not sales. amount - tip is what the store took for the sale, so tenders less tips reconcile with net + tax + non-revenue. 0 when the source does not say.';

CREATE OR REPLACE FUNCTION pos.fraud_txn_json(p_tenant text, p_store text, p_source text, p_txn text, p_at timestamptz DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET jit = off AS $$
BEGIN
    IF p_at IS NULL THEN
        SELECT t.occurred_at INTO p_at FROM pos.txn t
         WHERE (t.tenant_id, t.store_id, t.source, t.source_txn_id) = (p_tenant, p_store, p_source, p_txn)
         ORDER BY t.source_version DESC LIMIT 1;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN (SELECT jsonb_build_object(
        'key', jsonb_build_object('tenant_id', t.tenant_id, 'store_id', t.store_id, 'source', t.source, 'source_txn_id', t.source_txn_id),
        'source_version', t.source_version, 'occurred_at', t.occurred_at, 'business_date', t.business_date,
        'register_id', t.register_id, 'cashier_id', t.cashier_id, 'customer_id', t.customer_id,
        'status', t.status, 'currency', t.currency,
        'lines', coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'line_no', l.line_no, 'kind', l.kind, 'sku', l.sku, 'gtin', l.gtin, 'raw_item_id', l.raw_item_id,
                    'description', l.description, 'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                    'discount', l.discount::text, 'net_amount', l.net_amount::text, 'tax', l.tax::text,
                    'entry_method', l.entry_method, 'price_override', l.price_override, 'non_revenue', l.non_revenue,
                    'original_txn_id', l.original_txn_id, 'original_line_no', l.original_line_no) ORDER BY l.line_no)
                FROM pos.sale_line l
               WHERE (l.tenant_id, l.store_id, l.source, l.source_txn_id) = (t.tenant_id, t.store_id, t.source, t.source_txn_id) AND l.occurred_at = p_at), '[]'),
        'tenders', coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'tender_no', x.tender_no, 'method', x.method, 'amount', x.amount::text, 'tip', x.tip::text,
                    'status', x.status,
                    'card_fingerprint', x.card_fingerprint, 'card_bin', x.card_bin, 'card_entry', x.card_entry,
                    'occurred_at', x.occurred_at) ORDER BY x.tender_no)
                FROM pos.tender x
               WHERE (x.tenant_id, x.store_id, x.source, x.source_txn_id) = (t.tenant_id, t.store_id, t.source, t.source_txn_id)
                 AND x.occurred_at >= p_at - interval '1 day' AND x.occurred_at < p_at + interval '1 day'), '[]'))
      FROM pos.txn t
     WHERE (t.tenant_id, t.store_id, t.source, t.source_txn_id) = (p_tenant, p_store, p_source, p_txn) AND t.occurred_at = p_at
     ORDER BY t.source_version DESC
     LIMIT 1);
END
$$;

-- The tenders part of pos.store_daily gets a last aggregate, its materialization a last column
-- (0 where already materialized, then without a default, as CREATE TABLE AS made it), its view
-- the new select list (with the part's current invalid ranges, as a refresh writes it).
DO $upgrade$
DECLARE
    c pos.continuous_aggregate;
BEGIN
    UPDATE pos.continuous_aggregate
       SET aggregates = aggregates || $$,
        coalesce(sum(tip) FILTER (WHERE status = 'approved'), 0) AS tips$$
     WHERE view_name = 'pos_caggs.store_daily_tender'::regclass
    RETURNING * INTO c;
    EXECUTE format('ALTER TABLE %s ADD COLUMN tips numeric DEFAULT 0', c.mat_table);
    EXECUTE format('ALTER TABLE %s ALTER COLUMN tips DROP DEFAULT', c.mat_table);
    EXECUTE format('CREATE OR REPLACE VIEW %s WITH (security_invoker = true) AS %s', c.view_name, pos._cagg_view_sql(c));
    -- As pos._cagg_rebuild_view records it: the view now reads live exactly the invalid ranges.
    UPDATE pos.continuous_aggregate SET view_invalid = c.invalid, view_live = pos._cagg_live_keys(c)
     WHERE cagg_id = c.cagg_id;
END
$upgrade$;

-- pos.store_daily, its body over the parts' materializations and its materialized path: tips
-- appended, as pos._cagg_create_composite makes them from this body (sql/95_views.sql).
DO $upgrade$
DECLARE
    body  text := $body$
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
 GROUP BY tenant_id, store_id, business_date$body$;
    p     pos.cagg_view_path;
    views text[];
    mats  text[];
BEGIN
    SELECT * INTO p FROM pos.cagg_view_path WHERE view_name = 'pos.store_daily'::regclass;
    SELECT array_agg(c.view_name::text ORDER BY u.o), array_agg(c.mat_table::text ORDER BY u.o)
      INTO views, mats
      FROM unnest(p.parts) WITH ORDINALITY u(id, o) JOIN pos.continuous_aggregate c ON c.cagg_id = u.id;
    EXECUTE format('CREATE OR REPLACE VIEW pos.store_daily WITH (security_invoker = true) AS %s', format(body, VARIADIC views));
    EXECUTE format('CREATE OR REPLACE VIEW %s WITH (security_invoker = true) AS %s', p.from_parts, format(body, VARIADIC mats));
    EXECUTE format('ALTER TABLE %s ADD COLUMN tips numeric DEFAULT 0', p.materialized);
    EXECUTE format('ALTER TABLE %s ALTER COLUMN tips DROP DEFAULT', p.materialized);
END
$upgrade$;

COMMENT ON VIEW pos.store_daily IS 'End-of-day report per tenant, store and business day: transactions, items, gross, discounts, returns, voids, post-voids, no-sales, net, tax, non-revenue (gift cards sold), tenders by method, tips, cash expected, drawer loans and pickups, cash in the drawer, over/short at the count, average basket. Sums of four continuous aggregates (transactions, lines, tenders, drawer).';
COMMENT ON COLUMN pos.store_daily.non_revenue IS 'Gift cards sold or reloaded and other lines paid for that are not revenue (net, before tax; refunded ones negative), completed transactions: in the tenders, not in gross, net, items or average basket. So tenders - tips = net + tax + non_revenue (+ cash rounding the POS keeps in its tenders).';
COMMENT ON COLUMN pos.store_daily.tips IS 'Gratuities inside the approved tenders (refunded tips negative): the staff''s money, in the tender_* columns but no sale. 0 for sources that do not split a payment''s tip out (pos.tender.tip).';
