//! pos.visible_tenants() keeps its list for one statement at most (pg-extension/src/tenancy.rs):
//! every change that can change the list — a grant or revoke committed by another session, a
//! new statement in the same transaction, the role, the pos.tenant setting — is seen at the next
//! statement, exactly as the uncached function sees it; within a repeatable-read transaction the
//! snapshot, and so the list, stays put.
use pos_e2e::{connect_as, fresh_db};

const DB: &str = "e2e_visible_tenants";

fn list(c: &mut impl postgres::GenericClient) -> Vec<String> {
    c.query_one("SELECT pos.visible_tenants()", &[])
        .unwrap()
        .get(0)
}

/// Tenants of the rows the role can read in pos.store (row security through the function).
fn stores(c: &mut impl postgres::GenericClient) -> Vec<String> {
    c.query("SELECT tenant_id FROM pos.store ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn the_tenant_list_follows_every_change_at_the_next_statement() {
    let mut owner = fresh_db(DB);
    owner
        .batch_execute(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vt_reader') THEN CREATE ROLE vt_reader LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vt_api') THEN CREATE ROLE vt_api LOGIN; END IF;
             END $$;
             GRANT pos_api TO vt_api;
             REVOKE vt_reader FROM vt_api; -- granted below; roles outlive the database
             SELECT pos.grant_tenant_access('vt_reader', 'a');
             SELECT pos.grant_tenant_access('vt_reader', 'b');
             INSERT INTO pos.store (tenant_id, store_id) VALUES ('a', 's'), ('b', 's'), ('c', 's');",
        )
        .unwrap();
    let mut reader = connect_as(DB, "vt_reader");

    // Read committed: a revoke committed between two statements of one transaction counts at once.
    let mut tx = reader.transaction().unwrap();
    assert_eq!(list(&mut tx), ["a", "b"]);
    assert_eq!(stores(&mut tx), ["a", "b"]);
    owner
        .batch_execute("SELECT pos.revoke_tenant_access('vt_reader', 'b')")
        .unwrap();
    assert_eq!(list(&mut tx), ["a"]);
    assert_eq!(stores(&mut tx), ["a"]);
    tx.commit().unwrap();

    // Repeatable read: one snapshot, one list, whatever commits meanwhile.
    let mut tx = reader
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .unwrap();
    assert_eq!(stores(&mut tx), ["a"]);
    owner
        .batch_execute("SELECT pos.grant_tenant_access('vt_reader', 'c')")
        .unwrap();
    assert_eq!(list(&mut tx), ["a"]);
    tx.commit().unwrap();
    assert_eq!(list(&mut reader), ["a", "c"]);

    // The API role: the list is pos.tenant, switched between statements of one transaction, and
    // the statement's own SET changes what the next statement sees.
    let mut api = connect_as(DB, "vt_api");
    let mut tx = api.transaction().unwrap();
    assert!(list(&mut tx).is_empty());
    tx.batch_execute("SET LOCAL pos.tenant = 'b'").unwrap();
    assert_eq!(stores(&mut tx), ["b"]);
    tx.batch_execute("SET LOCAL pos.tenant = 'c'").unwrap();
    assert_eq!(stores(&mut tx), ["c"]);
    // A role change within the session: the reader's list, not the API's.
    tx.batch_execute("RESET pos.tenant").unwrap();
    tx.commit().unwrap();
    owner.batch_execute("GRANT vt_reader TO vt_api").unwrap();
    api.batch_execute("SET pos.tenant = 'b'; SET ROLE vt_reader")
        .unwrap();
    assert_eq!(list(&mut api), ["a", "c"]);
    api.batch_execute("RESET ROLE").unwrap();
    assert_eq!(
        list(&mut api),
        ["a", "b", "c"],
        "vt_api: its member role's grants plus pos.tenant"
    );

    // Row security does not apply to the owner (a superuser): every row, also of roles that do not
    // exist; lists of several tenants come sorted in the database's collation.
    owner
        .batch_execute(
            "SELECT pos.grant_tenant_access('vt_reader', 'B');
             SELECT pos.grant_tenant_access('vt_reader', 'a-1');
             INSERT INTO pos.tenant_access (role_name, tenant_id) VALUES ('vt_no_such_role', 'z');",
        )
        .unwrap();
    assert_eq!(list(&mut reader).len(), 4, "a, a-1, B, c");
    assert!(list(&mut owner).contains(&"z".to_string()));
    assert!(!list(&mut reader).contains(&"z".to_string()));

    // Every answer equals the uncached function's.
    for c in [&mut reader, &mut api, &mut owner] {
        let r = c
            .query_one(
                "SELECT pos.visible_tenants() = pos._visible_tenants_uncached()",
                &[],
            )
            .unwrap();
        assert!(r.get::<_, bool>(0));
    }
}
