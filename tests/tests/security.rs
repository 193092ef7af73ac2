//! Tenancy and privileges end to end: row-level security between two tenants for direct users
//! and for the API role, no widening through settings, no PII for analysts.
use pos_e2e::{connect_as, fresh_db};

const DB: &str = "e2e_security";
/// The second test's own database: tests run in parallel, and two fresh_db of one name collide.
const DB_PII: &str = "e2e_security_pii";

fn setup(db: &str) -> postgres::Client {
    let mut c = fresh_db(db);
    c.batch_execute(
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_acme') THEN CREATE ROLE bi_acme LOGIN; END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'api_svc') THEN CREATE ROLE api_svc LOGIN; END IF;
         END $$;
         SELECT pos.grant_tenant_access('bi_acme', 'acme');
         GRANT pos_api TO api_svc;
         SELECT pos.ensure_chunks('pos.txn', now() - interval '1 day', now());
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount)
         SELECT t, 's1', 'test', t || g, now() - g * interval '1 hour', current_date, 'USD', g
           FROM unnest(ARRAY['acme', 'globex']) t, generate_series(1, 10) g;
         INSERT INTO pos.customer (tenant_id, source, source_customer_id, email, full_name)
         VALUES ('acme', 'test', 'c1', 'jane@example.com', 'Jane Roe');
         INSERT INTO pos.identity_link (tenant_id, source, source_customer_id, customer_key)
         VALUES ('acme', 'test', 'c1', 'k1'), ('globex', 'test', 'c9', 'k9');",
    )
    .unwrap();
    c
}

fn tenants(c: &mut postgres::Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn tenants_are_isolated_and_settings_cannot_widen_access() {
    let mut owner = setup(DB);
    let n: i64 = owner
        .query_one("SELECT count(*) FROM pos.txn", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 20);

    let mut bi = connect_as(DB, "bi_acme");
    let seen = tenants(&mut bi, "SELECT DISTINCT tenant_id FROM pos.txn ORDER BY 1");
    assert_eq!(seen, ["acme"]);
    // The session setting is for the trusted API only: a direct user cannot use it to widen access.
    bi.batch_execute("SET pos.tenant = 'globex'").unwrap();
    let seen = tenants(&mut bi, "SELECT DISTINCT tenant_id FROM pos.txn ORDER BY 1");
    assert_eq!(seen, ["acme"]);
    // Nor can it write the mapping, nor read the chunks directly (which carry no policies).
    let err = bi
        .batch_execute("INSERT INTO pos.tenant_access VALUES ('bi_acme', 'globex')")
        .unwrap_err();
    assert!(err
        .as_db_error()
        .unwrap()
        .message()
        .contains("permission denied"));
    let chunk: String = owner
        .query_one(
            "SELECT chunk::text FROM pos.show_chunks('pos.txn') LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let err = bi
        .batch_execute(&format!("SELECT * FROM {chunk}"))
        .unwrap_err();
    assert!(err
        .as_db_error()
        .unwrap()
        .message()
        .contains("permission denied"));

    // The API role sees exactly the tenant the service sets, and nothing without it.
    let mut api = connect_as(DB, "api_svc");
    assert!(tenants(&mut api, "SELECT DISTINCT tenant_id FROM pos.txn").is_empty());
    api.batch_execute("SET pos.tenant = 'globex'").unwrap();
    let seen = tenants(
        &mut api,
        "SELECT DISTINCT tenant_id FROM pos.identity_link ORDER BY 1",
    );
    assert_eq!(seen, ["globex"]);
    let seen = tenants(
        &mut api,
        "SELECT DISTINCT tenant_id FROM pos.txn ORDER BY 1",
    );
    assert_eq!(seen, ["globex"]);
}

#[test]
fn analysts_cannot_read_pii() {
    let _owner = setup(DB_PII);
    let mut bi = connect_as(DB_PII, "bi_acme");
    for sql in [
        "SELECT email FROM pos.customer",
        "SELECT full_name FROM pos.customer",
        "SELECT payload FROM pos.raw_inbox",
        "SELECT payload_zstd FROM pos.raw_inbox",
        "SELECT pos.inbox_payload(i) FROM pos.raw_inbox i",
    ] {
        let err = bi.batch_execute(sql).expect_err(sql);
        assert!(
            err.as_db_error()
                .unwrap()
                .message()
                .contains("permission denied"),
            "{sql}"
        );
    }
    // …but they do see the pseudonymous key of their own tenant.
    let keys = tenants(
        &mut bi,
        "SELECT customer_key FROM pos.identity_link ORDER BY 1",
    );
    assert_eq!(keys, ["k1"]);
}

/// The policy's index condition is a range, first to last visible tenant (tenant_policy.rs): a
/// reader of tenants `a` and `c` must not see `b`, which lies between them, through whatever
/// plan; nor anything when it may read no tenant.
#[test]
fn a_reader_of_two_tenants_never_sees_the_one_between() {
    const DB_RANGE: &str = "e2e_security_range";
    let mut owner = fresh_db(DB_RANGE);
    owner
        .batch_execute(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_ac') THEN CREATE ROLE bi_ac LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_none') THEN CREATE ROLE bi_none LOGIN; END IF;
             END $$;
             SELECT pos.grant_tenant_access('bi_ac', 'a'), pos.grant_tenant_access('bi_ac', 'c');
             GRANT pos_analyst TO bi_none;
             SELECT pos.ensure_chunks('pos.txn', now() - interval '1 day', now());
             INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency, net_amount)
             SELECT t, 's' || g % 3, 'test', t || g, now() - g * interval '1 minute', current_date, 'USD', g
               FROM unnest(ARRAY['a', 'b', 'c']) t, generate_series(1, 300) g;
             ANALYZE pos.txn;",
        )
        .unwrap();
    let mut bi = connect_as(DB_RANGE, "bi_ac");
    let all = "SELECT DISTINCT tenant_id FROM pos.txn ORDER BY 1";
    let range = "SELECT DISTINCT tenant_id FROM pos.txn WHERE tenant_id BETWEEN 'a' AND 'c' AND store_id = 's1' ORDER BY 1";
    for plan in [
        "",
        "SET enable_seqscan = off; SET enable_bitmapscan = off;",
        "SET enable_indexscan = off; SET enable_seqscan = off;",
    ] {
        bi.batch_execute(&format!("RESET ALL; {plan}")).unwrap();
        assert_eq!(tenants(&mut bi, all), ["a", "c"], "plan settings: {plan}");
        assert_eq!(tenants(&mut bi, range), ["a", "c"], "plan settings: {plan}");
    }
    // The index path exists and is the range (else the loop above proved less than it says).
    bi.batch_execute("SET enable_seqscan = off; SET enable_bitmapscan = off;")
        .unwrap();
    let plan: Vec<String> = tenants(&mut bi, &format!("EXPLAIN {range}"));
    assert!(
        plan.iter()
            .any(|l| l.contains("pos._visible_tenants_first()")),
        "no range index condition: {plan:?}"
    );
    let mut none = connect_as(DB_RANGE, "bi_none");
    none.batch_execute("SET enable_seqscan = off").unwrap();
    assert!(tenants(&mut none, all).is_empty());
    assert!(tenants(&mut none, range).is_empty());
}
