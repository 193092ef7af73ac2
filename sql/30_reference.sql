-- Reference data, the raw inbox, rejects and the ingest audit.

CREATE TABLE pos.product (
    tenant_id   text NOT NULL,
    sku         text NOT NULL,
    gtin        text,
    description text,
    category    text,
    unit_price  numeric,
    currency    text CHECK (pos.is_currency_code(currency)),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sku)
);
COMMENT ON TABLE pos.product IS 'Products per tenant, keyed by the normalized SKU.';

CREATE TABLE pos.sku_alias (
    tenant_id   text NOT NULL,
    source      text NOT NULL,
    raw_item_id text NOT NULL,
    sku         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, raw_item_id)
);
COMMENT ON TABLE pos.sku_alias IS 'How each source names a product: its raw item id mapped to the normalized SKU.';

CREATE TABLE pos.customer (
    tenant_id          text NOT NULL,
    source             text NOT NULL,
    source_customer_id text NOT NULL,
    email              text,
    phone              text,
    full_name          text,
    address            text,
    postcode           text,
    country            text,
    date_of_birth      date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, source_customer_id)
);
COMMENT ON TABLE pos.customer IS 'Customer records as each source knows them. Holds PII: restricted to the ingest role and the owner; analysts use customer_key from pos.identity_link.';

CREATE TABLE pos.identity_link (
    tenant_id          text NOT NULL,
    source             text NOT NULL,
    source_customer_id text NOT NULL,
    customer_key       text NOT NULL,
    match_probability  double precision CHECK (match_probability BETWEEN 0 AND 1),
    linked_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, source_customer_id)
);
CREATE INDEX ON pos.identity_link (tenant_id, customer_key);
COMMENT ON TABLE pos.identity_link IS 'Resolved identities: each source customer mapped to a pseudonymous customer_key shared by all records of one person.';

CREATE TABLE pos.raw_inbox (
    inbox_id        bigserial PRIMARY KEY,
    tenant_id       text NOT NULL,
    source          text NOT NULL,
    source_event_id text NOT NULL,
    content_type    text NOT NULL DEFAULT 'application/json',
    payload         text,
    payload_zstd    bytea,
    received_at     timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'processed', 'rejected', 'erased')),
    processed_at    timestamptz,
    batch_id        bigint,
    UNIQUE (source_event_id, tenant_id, source),  -- the id first: see 20_facts.sql
    CHECK ((payload IS NULL) <> (payload_zstd IS NULL))
);
-- Small statistics: the inbox is one table that grows for good, and autovacuum analyzes it at
-- every 10 % of growth, each time sampling 300 rows per unit of the largest target. Its queries
-- look rows up by id, event id or batch, or filter on a handful of statuses, sources and tenants,
-- which a target of 10 (a 3 000-row sample) describes well; the payloads get none at all: no
-- query compares them with a value (erasure searches them through a function).
ALTER TABLE pos.raw_inbox
    ALTER COLUMN inbox_id SET STATISTICS 10, ALTER COLUMN tenant_id SET STATISTICS 10,
    ALTER COLUMN source SET STATISTICS 10, ALTER COLUMN source_event_id SET STATISTICS 10,
    ALTER COLUMN content_type SET STATISTICS 10, ALTER COLUMN received_at SET STATISTICS 10,
    ALTER COLUMN status SET STATISTICS 10, ALTER COLUMN processed_at SET STATISTICS 10,
    ALTER COLUMN batch_id SET STATISTICS 10,
    ALTER COLUMN payload SET STATISTICS 0, ALTER COLUMN payload_zstd SET STATISTICS 0;
COMMENT ON TABLE pos.raw_inbox IS 'Every accepted payload verbatim (vendor extensions included), deduplicated by the source''s event id, so it can be re-processed after a mapping fix. Read it with pos.inbox_payload(r).';
COMMENT ON COLUMN pos.raw_inbox.payload IS 'The payload as text, when stored unpacked (short payloads, erasure markers); NULL when payload_zstd holds it.';
COMMENT ON COLUMN pos.raw_inbox.payload_zstd IS 'The payload''s exact UTF-8 bytes as a zstd frame (with a content checksum), when pos-ingest packed it; pos.inbox_payload(r) unpacks.';

CREATE TABLE pos.reject (
    reject_id       bigserial PRIMARY KEY,
    tenant_id       text,
    source          text NOT NULL,
    source_event_id text,
    inbox_id        bigint REFERENCES pos.raw_inbox (inbox_id) ON DELETE SET NULL,
    payload         text,
    reason          text NOT NULL,
    detail          jsonb,
    rejected_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pos.reject IS 'Records that could not be mapped or stored, with the reason: nothing is dropped silently.';

CREATE TABLE pos.ingest_batch (
    batch_id    bigserial PRIMARY KEY,
    tenant_id   text,
    source      text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    accepted    integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    duplicates  integer NOT NULL DEFAULT 0,
    rows_written bigint NOT NULL DEFAULT 0,
    checksum    text,
    duration_ms double precision
);
COMMENT ON TABLE pos.ingest_batch IS 'Audit of every ingest batch: source, counts, payload checksum and duration.';
