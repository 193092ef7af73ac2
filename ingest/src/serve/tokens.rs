//! Bearer tokens for the unsigned data routes (`POST /v1/events`, `POST /v1/ingest/{format}`),
//! each bound to the tenant it may write. Without them any sender that reaches the port writes
//! into any tenant, since a canonical event's `tenant_id` wins over the configured one.
//!
//! `[serve.tokens]` maps the SHA-256 hex digest of each token to its tenant, or to `"*"` for a
//! trusted relay that may write any tenant. Only digests are configured, so the config file (or
//! a leaked copy of it) gives no token away. A token bound to tenant T makes T the request's
//! tenant for every adapter, and a canonical event naming another tenant is refused as a record
//! (see `Context::tenant_bound`). With no tokens configured the routes stay open, as before.

use crate::adapters::Context;
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The tenant of a token that may write any tenant.
pub const ANY_TENANT: &str = "*";

/// What a request's token lets it write.
#[derive(Debug, Clone)]
pub enum Grant {
    /// Any tenant, as without tokens: no tokens configured, or a `"*"` token.
    Any,
    /// Only this context's tenant (its `tenant_bound` is set).
    Tenant(Arc<Context>),
}

impl Grant {
    /// The adapters' context for the request: the service's, or the bound tenant's.
    pub fn context<'a>(&'a self, base: &'a Context) -> &'a Context {
        match self {
            Grant::Any => base,
            Grant::Tenant(ctx) => ctx,
        }
    }
}

/// Why a request was refused (answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Missing,
    NotBearer,
    Unknown,
}

impl Refused {
    pub fn message(self) -> &'static str {
        match self {
            Refused::Missing => "missing header Authorization: send `Authorization: Bearer <token>` with a token of [serve.tokens]",
            Refused::NotBearer => "Authorization is not `Bearer <token>`",
            Refused::Unknown => "the bearer token is not one of [serve.tokens]",
        }
    }
}

/// The configured tokens: each digest with what it grants.
#[derive(Debug, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Grant)>,
}

impl Tokens {
    /// The tokens of `[serve.tokens]`; the tenants' contexts are `base` bound to each tenant,
    /// built once here rather than per request (a context holds the deployment's maps).
    pub fn new(table: &HashMap<String, String>, base: &Context) -> anyhow::Result<Tokens> {
        let mut bound: HashMap<&str, Arc<Context>> = HashMap::new();
        let mut entries = Vec::with_capacity(table.len());
        for (key, tenant) in table {
            let grant = match tenant.as_str() {
                ANY_TENANT => Grant::Any,
                t => Grant::Tenant(bound.entry(t).or_insert_with(|| bind(base, t)).clone()),
            };
            entries.push((parse_digest(key)?, grant));
        }
        Ok(Tokens { entries })
    }

    /// No tokens configured: the routes take any sender, as before tokens.
    pub fn is_open(&self) -> bool {
        self.entries.is_empty()
    }

    /// What the request's `Authorization: Bearer <token>` grants.
    pub fn grant(&self, headers: &HeaderMap) -> Result<Grant, Refused> {
        if self.is_open() {
            return Ok(Grant::Any);
        }
        let token = bearer(headers)?;
        self.lookup(&Sha256::digest(token).into())
            .cloned()
            .ok_or(Refused::Unknown)
    }

    /// The grant of `digest`. Every entry is compared, each in constant time, so how long the
    /// lookup takes says nothing about how much of a digest a guess got right.
    fn lookup(&self, digest: &[u8; 32]) -> Option<&Grant> {
        let mut found = None;
        for (d, grant) in &self.entries {
            if bool::from(d.ct_eq(digest)) {
                found = Some(grant);
            }
        }
        found
    }
}

/// `base` for tenant `t` only.
fn bind(base: &Context, t: &str) -> Arc<Context> {
    let mut ctx = base.clone();
    ctx.tenant_id = t.to_string();
    ctx.tenant_bound = true;
    Arc::new(ctx)
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case, RFC 9110 §11.1).
fn bearer(headers: &HeaderMap) -> Result<&[u8], Refused> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Refused::Missing)?
        .as_bytes()
        .trim_ascii();
    let (scheme, token) = match value.iter().position(|b| *b == b' ') {
        Some(i) => (&value[..i], value[i + 1..].trim_ascii()),
        None => (value, &b""[..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") || token.is_empty() {
        return Err(Refused::NotBearer);
    }
    Ok(token)
}

/// A `[serve.tokens]` key as the digest it must be: 64 lowercase hex digits. The key is named
/// by its first characters only: one that is no digest may be a token written in clear, and
/// the error goes to the logs.
pub fn parse_digest(key: &str) -> anyhow::Result<[u8; 32]> {
    let hex_ok = key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let mut out = [0u8; 32];
    if !hex_ok || hex::decode_to_slice(key, &mut out).is_err() {
        anyhow::bail!(
            "[serve.tokens] key {:?} ({} characters) is not a SHA-256 digest: write 64 lowercase hex digits, from `printf %s \"$TOKEN\" | sha256sum`",
            shown(key),
            key.chars().count()
        );
    }
    Ok(out)
}

/// The first 8 characters of `key`, with `…` when there are more.
fn shown(key: &str) -> String {
    match key.char_indices().nth(8) {
        Some((i, _)) => format!("{}…", &key[..i]),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::Value;

    /// The tokens in clear; the table holds their digests.
    const A: &str = "s3cret-a";
    const RELAY: &str = "relay-token";

    fn digest(token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }

    fn tokens() -> Tokens {
        let table = HashMap::from([
            (digest(A), "A".to_string()),
            (digest(RELAY), ANY_TENANT.to_string()),
        ]);
        Tokens::new(&table, &Context::for_tenant("default")).unwrap()
    }

    fn auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    fn tenant(g: &Grant) -> (String, bool) {
        let base = Context::for_tenant("default");
        let ctx = g.context(&base);
        (ctx.tenant_id.clone(), ctx.tenant_bound)
    }

    #[test]
    fn a_bound_token_grants_its_tenant_only_and_the_scheme_is_any_case() {
        let t = tokens();
        for v in ["Bearer s3cret-a", "bearer s3cret-a", "BEARER   s3cret-a "] {
            let g = t.grant(&auth(v)).unwrap();
            assert_eq!(tenant(&g), ("A".into(), true), "{v}");
        }
    }

    #[test]
    fn a_star_token_grants_any_tenant_as_before() {
        let g = tokens().grant(&auth("Bearer relay-token")).unwrap();
        assert_eq!(tenant(&g), ("default".into(), false));
    }

    #[test]
    fn missing_malformed_and_unknown_tokens_are_refused() {
        let t = tokens();
        assert_eq!(t.grant(&HeaderMap::new()).unwrap_err(), Refused::Missing);
        for v in [
            "Basic czNjcmV0LWE=",
            "Bearer",
            "Bearer   ",
            "s3cret-a",
            "Bearers3cret-a",
        ] {
            assert_eq!(t.grant(&auth(v)).unwrap_err(), Refused::NotBearer, "{v}");
        }
        // The digest itself is no token: a copy of the config file lets no one in.
        let the_digest = format!("Bearer {}", digest(A));
        for v in ["Bearer s3cret-b", "Bearer S3CRET-A", the_digest.as_str()] {
            assert_eq!(t.grant(&auth(v)).unwrap_err(), Refused::Unknown, "{v}");
        }
    }

    #[test]
    fn without_tokens_every_request_is_granted_any_tenant() {
        let t = Tokens::new(&HashMap::new(), &Context::for_tenant("default")).unwrap();
        assert!(t.is_open());
        assert!(matches!(t.grant(&HeaderMap::new()), Ok(Grant::Any)));
        assert!(!tokens().is_open());
    }

    #[test]
    fn tenants_share_one_bound_context() {
        let table = HashMap::from([(digest("x"), "A".into()), (digest("y"), "A".into())]);
        let t = Tokens::new(&table, &Context::for_tenant("default")).unwrap();
        let ctx = |tok: &str| match t.grant(&auth(&format!("Bearer {tok}"))).unwrap() {
            Grant::Tenant(c) => c,
            Grant::Any => panic!("bound"),
        };
        assert!(Arc::ptr_eq(&ctx("x"), &ctx("y")));
    }

    /// A canonical transaction, naming `tenant` when given.
    fn event(tenant: Option<&str>) -> String {
        let tenant = tenant
            .map(|t| format!(r#""tenant_id":"{t}","#))
            .unwrap_or_default();
        format!(
            r#"{{"schema_version":1,"type":"transaction",{tenant}"store_id":"S1","source":"test","txn_id":"1","occurred_at":"2026-11-02T10:00:00Z","currency":"USD","lines":[{{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"1.00"}}]}}"#
        )
    }

    /// The record's tenant, or the reject's reason and field.
    fn decoded(ctx: &Context, tenant: Option<&str>) -> Result<String, (String, Value)> {
        let d = crate::adapters::canonical::decode(ctx, &event(tenant)).unwrap();
        match d.record {
            Ok(crate::envelope::Record::Txn(t)) => {
                assert_eq!(
                    d.tenant_id, t.key.tenant_id,
                    "the inbox row's tenant is the record's"
                );
                Ok(t.key.tenant_id)
            }
            Ok(r) => panic!("not a transaction: {r:?}"),
            Err(j) => {
                assert_eq!(j.tenant_id.as_deref(), Some(d.tenant_id.as_str()));
                Err((j.reason, j.detail["field"].clone()))
            }
        }
    }

    #[test]
    fn a_bound_tenant_refuses_events_naming_another_and_a_star_lets_them_through() {
        let t = tokens();
        let base = Context::for_tenant("default");
        let bound = t.grant(&auth("Bearer s3cret-a")).unwrap();
        let ctx = bound.context(&base);
        assert_eq!(decoded(ctx, None), Ok("A".into()));
        assert_eq!(decoded(ctx, Some("A")), Ok("A".into()));
        let (reason, field) = decoded(ctx, Some("B")).unwrap_err();
        assert_eq!(field, "tenant_id");
        assert!(reason.contains("`B`") && reason.contains("`A`"), "{reason}");
        assert_eq!(decoded(ctx, Some("")).unwrap_err().1, "tenant_id");
        let any = t.grant(&auth("Bearer relay-token")).unwrap();
        assert_eq!(decoded(any.context(&base), Some("B")), Ok("B".into()));
        assert_eq!(decoded(any.context(&base), None), Ok("default".into()));
    }

    #[test]
    fn a_key_that_is_not_a_lowercase_sha256_digest_is_refused_naming_it() {
        let good = digest(A);
        assert!(parse_digest(&good).is_ok());
        for bad in [
            good.to_uppercase(),
            good[..63].to_string(),
            format!("{good}0"),
            format!("{}g", &good[..63]),
            A.to_string(),
            String::new(),
        ] {
            let e = parse_digest(&bad).unwrap_err().to_string();
            assert!(e.contains(&shown(&bad)) && e.contains("sha256sum"), "{e}");
            assert!(
                bad.len() <= 8 || !e.contains(&bad),
                "a key is not shown whole: {e}"
            );
        }
    }
}
