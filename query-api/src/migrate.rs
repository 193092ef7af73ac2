//! The service's own schema `pos_query_api`: the API key table and the one function the service's
//! login role may call to resolve a key hash. Kept out of the extension on purpose: keys are the
//! service's concern, BI users browsing schema `pos` never see them, and the service can change
//! them without an extension upgrade. Run by a DBA (`pos-query-api migrate`); idempotent.
use tokio_postgres::Client;

use crate::auth::{generate_key, hash_key};

pub const MIGRATION: &str = r#"
CREATE SCHEMA IF NOT EXISTS pos_query_api;
COMMENT ON SCHEMA pos_query_api IS 'pos-query-api: API keys (hashed). Managed by `pos-query-api migrate` and `pos-query-api keys`.';
REVOKE ALL ON SCHEMA pos_query_api FROM PUBLIC;
CREATE TABLE IF NOT EXISTS pos_query_api.api_key (
    key_id     bigserial PRIMARY KEY,
    key_hash   bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    tenant_id  text NOT NULL,
    role_name  name NOT NULL DEFAULT 'pos_api',
    label      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
COMMENT ON TABLE pos_query_api.api_key IS 'API keys of the query API: SHA-256 of the secret (never the secret), the tenant it reads and the role it runs as.';
CREATE OR REPLACE FUNCTION pos_query_api.authenticate(key_hash bytea)
RETURNS TABLE (tenant_id text, role_name name)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT k.tenant_id, k.role_name FROM pos_query_api.api_key k
     WHERE k.key_hash = $1 AND k.revoked_at IS NULL
$$;
COMMENT ON FUNCTION pos_query_api.authenticate(bytea) IS 'Tenant and role of an active key, given the SHA-256 of its secret.';
REVOKE ALL ON FUNCTION pos_query_api.authenticate(bytea) FROM PUBLIC;
GRANT USAGE ON SCHEMA pos_query_api TO pos_api;
GRANT EXECUTE ON FUNCTION pos_query_api.authenticate(bytea) TO pos_api;
"#;

pub async fn migrate(client: &Client) -> anyhow::Result<()> {
    client.batch_execute(MIGRATION).await?;
    Ok(())
}

/// Creates a key for `tenant` running as `role`, returning the secret (shown once, never stored).
/// The role must be a member of pos_api (only those get `pos.tenant` honoured by row security)
/// and neither a superuser nor BYPASSRLS (row security does not apply to them).
pub async fn create_key(
    client: &Client,
    tenant: &str,
    role: &str,
    label: Option<&str>,
) -> anyhow::Result<String> {
    anyhow::ensure!(!tenant.trim().is_empty(), "tenant must not be empty");
    let found: Option<(bool, bool)> = client
        .query_opt(
            "SELECT pg_has_role(oid, 'pos_api', 'MEMBER'), rolsuper OR rolbypassrls \
               FROM pg_roles WHERE rolname = $1",
            &[&role],
        )
        .await?
        .map(|r| (r.get(0), r.get(1)));
    match found {
        None => anyhow::bail!("role {role:?} does not exist; create it (NOLOGIN) and GRANT pos_api TO it, or use the default role pos_api"),
        // Row-level security does not bind such a role: its key would read every tenant (the
        // API answers it nothing, as it describes no relation to it, but refuse it here).
        Some((_, true)) => anyhow::bail!("role {role:?} is a superuser or has BYPASSRLS, so row-level security would not keep it to tenant {tenant:?}; use pos_api or a NOLOGIN role granted pos_api"),
        Some((false, _)) => anyhow::bail!("role {role:?} is not a member of pos_api; run GRANT pos_api TO {role:?} first"),
        Some((true, false)) => {}
    }
    let key = generate_key();
    client
        .execute(
            "INSERT INTO pos_query_api.api_key (key_hash, tenant_id, role_name, label) VALUES ($1, $2, $3, $4)",
            &[&&hash_key(&key)[..], &tenant, &role, &label],
        )
        .await?;
    Ok(key)
}

/// Revokes a key by its id (see `keys list`); false when no active key has that id.
pub async fn revoke_key(client: &Client, key_id: i64) -> anyhow::Result<bool> {
    let n = client
        .execute(
            "UPDATE pos_query_api.api_key SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL",
            &[&key_id],
        )
        .await?;
    Ok(n > 0)
}

/// One line per key (never the secret): id, tenant, role, label, created, revoked.
pub async fn list_keys(client: &Client) -> anyhow::Result<Vec<String>> {
    let rows = client
        .query(
            "SELECT key_id, tenant_id, role_name::text, coalesce(label, ''), created_at::text, \
                    coalesce(revoked_at::text, 'active') FROM pos_query_api.api_key ORDER BY key_id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let cols: Vec<String> = (1..6).map(|i| r.get::<_, String>(i)).collect();
            format!("{id}\t{}", cols.join("\t"))
        })
        .collect())
}

/// Key id of the key created last for `tenant` (for scripts that just created one).
pub async fn create_key_returning_id(
    client: &Client,
    tenant: &str,
    role: &str,
    label: Option<&str>,
) -> anyhow::Result<(i64, String)> {
    let key = create_key(client, tenant, role, label).await?;
    let row = client
        .query_one(
            "SELECT key_id FROM pos_query_api.api_key WHERE key_hash = $1",
            &[&&hash_key(&key)[..]],
        )
        .await?;
    Ok((row.get(0), key))
}
