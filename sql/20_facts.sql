-- Fact hypertables. Natural keys hold tenant_id and store_id (so a Citus distribution by tenant or
-- store stays possible) and include the partition column, as PostgreSQL requires for unique keys on
-- partitioned tables. They lead with the transaction's (or event's) own id: every insert descends
-- the key's index, and a comparison that the first column decides costs one string comparison
-- instead of three equal ones (tenant, store, source) and then the id; this took 10-14 % off
-- PostgreSQL's CPU per ingested line (benches/ingest/RESULTS.md). Every lookup by the key (the
-- upserts, a return citing its sale by tenant and id alone) gives the leading columns; scans by
-- tenant and store use the secondary indexes below.
-- Sale lines are the exception: their key leads with the time column. Every lookup of a line
-- gives its transaction's occurred_at too, and a key led by time serves the continuous
-- aggregates' refreshes (which need an index leading with it, pos._cagg_ensure_time_index), so
-- the lines, several times as many rows as the headers, descend one B-tree per insert instead of
-- two: -10 to -15 % of the WAL and -3 to -10 % of PostgreSQL's CPU per ingested line
-- (benches/ingest/RESULTS.md, 2026-11-30, 10:45). Lines of one moment sit together, so a live
-- stream's inserts land near the index's right edge whatever the POS's ids look like.
-- Sign convention: sale lines +, returns -, voids are negative reversals of a line rung earlier in
-- the same transaction (see core/src/model). Money is numeric in major units.

CREATE TABLE pos.store (
    tenant_id  text NOT NULL,
    store_id   text NOT NULL,
    name       text,
    timezone   text NOT NULL DEFAULT 'UTC' CHECK ((timestamptz '2000-01-01 00:00+00' AT TIME ZONE timezone) IS NOT NULL),
    currency   text NOT NULL DEFAULT 'USD' CHECK (pos.is_currency_code(currency)),
    country    text CHECK (country ~ '^[A-Z]{2}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, store_id)
);
COMMENT ON TABLE pos.store IS 'Stores per tenant, with the IANA time zone that defines their business day.';
COMMENT ON COLUMN pos.store.timezone IS 'IANA zone (e.g. Europe/Berlin); business_date is the local date in this zone.';

CREATE TABLE pos.txn (
    tenant_id      text NOT NULL,
    store_id       text NOT NULL,
    source         text NOT NULL,
    source_txn_id  text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    business_date  date NOT NULL,
    source_version bigint NOT NULL DEFAULT 0,
    register_id    text,
    cashier_id     text,
    customer_id    text,
    status         text NOT NULL DEFAULT 'completed' CHECK (status IN ('completed', 'post_voided', 'cancelled')),
    currency       text NOT NULL CHECK (pos.is_currency_code(currency)),
    line_count     integer NOT NULL DEFAULT 0,
    gross_amount   numeric NOT NULL DEFAULT 0,
    discount_amount numeric NOT NULL DEFAULT 0,
    return_amount  numeric NOT NULL DEFAULT 0,
    void_amount    numeric NOT NULL DEFAULT 0,
    net_amount     numeric NOT NULL DEFAULT 0,
    tax_amount     numeric NOT NULL DEFAULT 0,
    tender_amount  numeric NOT NULL DEFAULT 0,
    non_revenue_amount numeric NOT NULL DEFAULT 0,
    batch_id       bigint,
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_txn_id, tenant_id, store_id, source, occurred_at)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE pos.txn IS 'Transaction headers (hypertable on occurred_at): one row per POS transaction, newest source_version wins.';
COMMENT ON COLUMN pos.txn.occurred_at IS 'When the transaction started, as an absolute time; the partition column.';
COMMENT ON COLUMN pos.txn.business_date IS 'The store''s local trading day the transaction belongs to (may differ from the UTC date).';
COMMENT ON COLUMN pos.txn.source_version IS 'Version from the source (Square version, update time in ms…): a replay with an older version never overwrites a newer one.';
COMMENT ON COLUMN pos.txn.status IS 'completed; post_voided (cancelled after completion); cancelled (never completed).';
COMMENT ON COLUMN pos.txn.net_amount IS 'Sum of the signed net amounts of the revenue lines (sales - returns - voids), before tax.';
COMMENT ON COLUMN pos.txn.non_revenue_amount IS 'Sum of the signed net amounts of the non-revenue lines (gift cards sold or reloaded…): paid for, so in tender_amount, but in none of gross, net, returns or voids.';
COMMENT ON COLUMN pos.txn.customer_id IS 'The source''s customer id; resolve to a pseudonymous customer_key through pos.identity_link.';
COMMENT ON COLUMN pos.txn.line_count IS 'Number of the transaction''s lines (sale, return, void and non-revenue lines), as the ingest service writes it. 0: a part with money only (a Toast check''s payment taken on a later day, a Shopify refund of shipping only), which is counted in no transaction count (pos.txn_has_lines).';

-- What a transaction is for counting (store_daily.transactions and basket_transactions,
-- cashier_daily.transactions, pos.forecast_traffic): a completed header with at least one line.
-- Several adapters write headers that carry money only — a Toast check's payment applied on a
-- later business day (`<check>/paid`), a Shopify refund of shipping, duties or fees alone, a
-- POSLog layaway deposit or payment on a customer order — and counting them made one visit two
-- (or counted a visit that sold nothing), inflating traffic and deflating the average basket.
-- Their tenders still count on their own day. The header amounts are made from the lines, so any
-- of them not 0 also proves lines: a header loaded by hand without its line_count (left at the
-- default 0) but with its amounts still counts. A plain SQL function, so it is inlined into the
-- aggregates and plans that use it.
CREATE FUNCTION pos.txn_has_lines(line_count integer, gross_amount numeric, discount_amount numeric,
                                  return_amount numeric, void_amount numeric, net_amount numeric,
                                  tax_amount numeric, non_revenue_amount numeric)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce($1 > 0 OR $2 <> 0 OR $3 <> 0 OR $4 <> 0 OR $5 <> 0 OR $6 <> 0 OR $7 <> 0 OR $8 <> 0, false)
$$;
COMMENT ON FUNCTION pos.txn_has_lines(integer, numeric, numeric, numeric, numeric, numeric, numeric, numeric) IS 'Whether a pos.txn header (line_count, gross_amount, discount_amount, return_amount, void_amount, net_amount, tax_amount, non_revenue_amount) has lines: line_count > 0, or any amount its lines make not 0. A completed header without lines holds money only (a payment taken on another day, a refund of shipping alone) and counts in no transaction count; its tenders count. A NULL argument shows nothing: the others decide, and all NULL is false.';

CREATE TABLE pos.sale_line (
    tenant_id        text NOT NULL,
    store_id         text NOT NULL,
    source           text NOT NULL,
    source_txn_id    text NOT NULL,
    line_no          integer NOT NULL,
    occurred_at      timestamptz NOT NULL,
    business_date    date NOT NULL,
    source_version   bigint NOT NULL DEFAULT 0,
    txn_status       text NOT NULL DEFAULT 'completed' CHECK (txn_status IN ('completed', 'post_voided', 'cancelled')),
    kind             text NOT NULL CHECK (kind IN ('sale', 'return', 'void')),
    sku              text NOT NULL,
    gtin             text,
    raw_item_id      text NOT NULL,
    description      text,
    quantity         numeric NOT NULL,
    unit_price       numeric NOT NULL,
    discount         numeric NOT NULL DEFAULT 0,
    net_amount       numeric NOT NULL,
    tax              numeric NOT NULL DEFAULT 0,
    currency         text NOT NULL CHECK (pos.is_currency_code(currency)),
    entry_method     text NOT NULL DEFAULT 'scanned' CHECK (entry_method IN ('scanned', 'keyed', 'other')),
    price_override   boolean NOT NULL DEFAULT false,
    non_revenue      boolean NOT NULL DEFAULT false,
    register_id      text,
    cashier_id       text,
    customer_id      text,
    original_txn_id  text,
    original_line_no integer,
    batch_id         bigint,
    CHECK ((kind = 'sale' AND quantity >= 0) OR (kind <> 'sale' AND quantity <= 0)),
    PRIMARY KEY (occurred_at, source_txn_id, tenant_id, store_id, source, line_no)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE pos.sale_line IS 'Signed sale lines (hypertable on occurred_at): sale +, return -, void = negative reversal of an earlier line. Header fields are copied so aggregates need no join.';
COMMENT ON COLUMN pos.sale_line.occurred_at IS 'The transaction''s occurred_at (lines share their header''s partition).';
COMMENT ON COLUMN pos.sale_line.sku IS 'Normalized product key (GTIN-14, PLU or vendor SKU key); raw_item_id keeps what the POS sent.';
COMMENT ON COLUMN pos.sale_line.quantity IS 'Signed: positive for sales, negative for returns and voids. Weighed items carry fractional quantities.';
COMMENT ON COLUMN pos.sale_line.discount IS 'Discount on this line as a positive amount (already deducted from net_amount).';
COMMENT ON COLUMN pos.sale_line.net_amount IS 'Signed amount after discount, before tax.';
COMMENT ON COLUMN pos.sale_line.entry_method IS 'scanned, keyed (typed in by the cashier: a loss-prevention signal) or other.';
COMMENT ON COLUMN pos.sale_line.non_revenue IS 'Paid for but not revenue of the period: a gift card sold or reloaded (revenue when redeemed), an item the POS marks as not revenue. Left out of every sales view; store_daily counts it as non_revenue.';
COMMENT ON COLUMN pos.sale_line.original_txn_id IS 'For returns: the source_txn_id of the sale being returned, when the POS links it.';

CREATE TABLE pos.tender (
    tenant_id        text NOT NULL,
    store_id         text NOT NULL,
    source           text NOT NULL,
    source_txn_id    text NOT NULL,
    tender_no        integer NOT NULL,
    occurred_at      timestamptz NOT NULL,
    business_date    date NOT NULL,
    source_version   bigint NOT NULL DEFAULT 0,
    method           text NOT NULL CHECK (method IN ('cash', 'card', 'gift_card', 'store_credit', 'other')),
    amount           numeric NOT NULL,
    currency         text NOT NULL CHECK (pos.is_currency_code(currency)),
    status           text NOT NULL CHECK (status IN ('approved', 'declined', 'voided')),
    card_fingerprint text,
    card_bin         text,
    card_entry       text CHECK (card_entry IN ('chip', 'swipe', 'contactless', 'keyed', 'other')),
    register_id      text,
    cashier_id       text,
    batch_id         bigint,
    -- Last, where ALTER EXTENSION UPDATE from 0.1.0 adds it
    -- (pg-extension/sql/pos_analytics--0.1.0--0.2.0.sql).
    tip              numeric NOT NULL DEFAULT 0
                     CHECK (tip = 0 OR (sign(tip) = sign(amount) AND abs(tip) <= abs(amount))),
    PRIMARY KEY (source_txn_id, tenant_id, store_id, source, tender_no, occurred_at)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE pos.tender IS 'Payment attempts (hypertable on occurred_at): approved, declined or voided; refunds and change are negative amounts.';
COMMENT ON COLUMN pos.tender.card_fingerprint IS 'A stable, non-reversible card token from the processor (never a card number).';
COMMENT ON COLUMN pos.tender.tip IS 'The gratuity inside amount (same sign, never larger; a refunded tip is negative): the staff''s money, not sales. amount - tip is what the store took for the sale, so tenders less tips reconcile with net + tax + non-revenue. 0 when the source does not say.';
COMMENT ON COLUMN pos.tender.occurred_at IS 'When the payment was attempted (card-testing bursts are seconds apart).';

CREATE TABLE pos.drawer_event (
    tenant_id       text NOT NULL,
    store_id        text NOT NULL,
    source          text NOT NULL,
    source_event_id text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    business_date   date NOT NULL,
    source_version  bigint NOT NULL DEFAULT 0,
    register_id     text,
    cashier_id      text,
    kind            text NOT NULL CHECK (kind IN ('no_sale', 'paid_in', 'paid_out', 'loan', 'pickup', 'over_short')),
    amount          numeric NOT NULL DEFAULT 0,
    currency        text NOT NULL CHECK (pos.is_currency_code(currency)),
    batch_id        bigint,
    PRIMARY KEY (tenant_id, store_id, source, source_event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE pos.drawer_event IS 'Cash-drawer events outside sales (hypertable on occurred_at): no-sale opens, paid-in, paid-out, loans into the drawer, pickups out of it, and the over/short a count at close found.';
COMMENT ON COLUMN pos.drawer_event.kind IS 'no_sale (drawer opened without a sale), paid_in / paid_out (cash in or out for a reason other than a sale, e.g. a delivery paid from the till), loan (cash from the safe into the drawer: the opening float, change), pickup (cash from the drawer to the safe during the day), over_short (the count of a drawer at close against what the POS expected it to hold).';
COMMENT ON COLUMN pos.drawer_event.amount IS 'Cash moved; the kind says which way. The views count its absolute value, so a POS that writes money out as negative counts the same. An over_short is signed: counted minus expected, positive when the drawer held more.';

CREATE TABLE pos.inventory_level (
    tenant_id      text NOT NULL,
    store_id       text NOT NULL,
    sku            text NOT NULL,
    as_of          timestamptz NOT NULL,
    on_hand        numeric NOT NULL,
    source         text NOT NULL DEFAULT 'unknown',
    source_version bigint NOT NULL DEFAULT 0,
    batch_id       bigint,
    PRIMARY KEY (tenant_id, store_id, sku, as_of)
) PARTITION BY RANGE (as_of);
COMMENT ON TABLE pos.inventory_level IS 'Stock on hand per store and SKU at a point in time (hypertable on as_of); the latest row per SKU is the current level.';

-- Not a hypertable: one small row per retracted key. A derived transaction (a refund split onto
-- its own day) or an order stored at a moved time is deleted by a newer version of its payload
-- (ingest/src/writer/retract.rs); an older version delivered after that would find no row to lose
-- against and write it back. This row is what it loses against.
CREATE TABLE pos.txn_tombstone (
    tenant_id      text NOT NULL,
    store_id       text NOT NULL,
    source         text NOT NULL,
    source_txn_id  text NOT NULL,
    source_version bigint NOT NULL,
    retracted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, store_id, source, source_txn_id)
);
COMMENT ON TABLE pos.txn_tombstone IS 'Transactions a newer version of their payload retracted: a version of the key older than source_version is not written again (the ingest service checks it for the sources that retract: Square, Clover, Toast).';
COMMENT ON COLUMN pos.txn_tombstone.source_version IS 'The newest retracting version; the same version or a newer one of the key is written, an older one is not.';

-- Pruning: a tombstone is needed as long as some source may still deliver an older version of
-- its key (webhook retries: days; a replayed export: months), which only the DBA knows. So
-- nothing prunes by default; pos.add_tombstone_retention schedules it, like a retention policy.
CREATE FUNCTION pos.prune_tombstones(older_than interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF older_than IS NULL OR older_than < interval '1 day' THEN
        RAISE EXCEPTION 'older_than must be at least 1 day, got %', coalesce(older_than::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A tombstone keeps an older version delivered late from being written back: keep it as long as a source may re-deliver one, e.g. pos.prune_tombstones(''400 days'').';
    END IF;
    DELETE FROM pos.txn_tombstone WHERE retracted_at < now() - older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION pos.prune_tombstones(interval) IS 'Deletes the tombstones retracted more than older_than ago (at least 1 day). Returns how many.';

CREATE FUNCTION pos.job_prune_tombstones(job_id bigint, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pos.prune_tombstones((config->>'keep')::interval);
END
$$;

CREATE FUNCTION pos.add_tombstone_retention(keep interval, schedule_interval interval DEFAULT '1 day')
RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF keep IS NULL OR keep < interval '1 day' THEN
        RAISE EXCEPTION 'keep must be at least 1 day, got %', coalesce(keep::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'E.g. pos.add_tombstone_retention(''400 days''): as long as a source may re-deliver an older version.';
    END IF;
    IF EXISTS (SELECT 1 FROM pos.job WHERE proc = 'pos.job_prune_tombstones'::regproc) THEN
        RAISE EXCEPTION 'tombstones already have a retention job'
            USING ERRCODE = 'duplicate_object', HINT = 'Remove it first with pos.remove_tombstone_retention().';
    END IF;
    RETURN pos.add_job('pos.job_prune_tombstones', schedule_interval, jsonb_build_object('keep', keep::text));
END
$$;
COMMENT ON FUNCTION pos.add_tombstone_retention(interval, interval) IS 'Schedules pos.prune_tombstones(keep) every schedule_interval. Returns the job id.';

CREATE FUNCTION pos.remove_tombstone_retention() RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM pos.job WHERE proc = 'pos.job_prune_tombstones'::regproc RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM d)
$$;
COMMENT ON FUNCTION pos.remove_tombstone_retention() IS 'Removes the tombstone retention job; false if there was none.';

-- Secondary indexes for the common access paths, created on every chunk: a store's transactions
-- by day (forecasts of traffic, fraud scans) and a store's recent card payments (the real-time
-- fraud gate reads the last 10 minutes of the chunk being written).
CREATE INDEX ON pos.txn (tenant_id, store_id, business_date);
CREATE INDEX ON pos.tender (tenant_id, store_id, occurred_at);
-- Return lines by the sale they cite: the fraud context adds up what earlier returns refunded
-- citing a sale (a receipt refunded twice). Partial, so that only lines citing a receipt (a few
-- in a hundred) descend it on the write path.
CREATE INDEX sale_line_original ON pos.sale_line (tenant_id, original_txn_id)
    WHERE original_txn_id IS NOT NULL;

-- No chunks at install (they would belong to the extension and be left out of pg_dump): the
-- writers create them on demand and each hypertable's maintenance job (added by
-- _create_hypertable) creates them ahead of time.
SELECT pos._create_hypertable('pos.txn', 'occurred_at', '1 day', '7 days', false);
SELECT pos._create_hypertable('pos.sale_line', 'occurred_at', '1 day', '7 days', false);
-- A store's lines of one SKU: only ad-hoc queries read sale lines this way (forecasts and reports
-- read the continuous aggregates), so a chunk gets this index when it is settled, built in one
-- pass, instead of every line written descending one more B-tree: −16 % of PostgreSQL's CPU in
-- the ingest service's write path (benches/ingest/RESULTS.md, 2026-11-30). Until then such a
-- query scans the open chunk (docs/dba.md, *Chunks while they are written*).
UPDATE pos.hypertable SET settled_chunk_indexes = '{"(tenant_id, store_id, sku, occurred_at)"}'
 WHERE relid = 'pos.sale_line'::regclass;
SELECT pos._create_hypertable('pos.tender', 'occurred_at', '1 day', '7 days', false);
SELECT pos._create_hypertable('pos.drawer_event', 'occurred_at', '7 days', '7 days', false);
SELECT pos._create_hypertable('pos.inventory_level', 'as_of', '7 days', '7 days', false);

