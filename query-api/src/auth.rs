//! API keys: random secrets shown once, stored as SHA-256 hashes that map to a tenant and a
//! database role. Lookups are cached briefly so authentication costs no round trip per request.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::Pool;
use crate::error::ApiError;

/// Who a request acts for: the key's tenant and the database role its queries run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenant: Arc<str>,
    pub role: Arc<str>,
}

/// Keys look like `pak_` + 64 hex digits (256 random bits).
pub const KEY_PREFIX: &str = "pak_";

pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The bearer token of a request, or 401 saying what is missing.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization header"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not ASCII"))?;
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer`/`BEARER` are as good as `Bearer`.
    let key = value
        .trim_start()
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <api key>`"))?
        .1
        .trim();
    if !key.starts_with(KEY_PREFIX) || key.len() != KEY_PREFIX.len() + 64 {
        return Err(ApiError::unauthorized("malformed API key"));
    }
    Ok(key)
}

/// Time-bounded cache of key lookups, including misses (so a flood of bad keys does not become a
/// flood of queries). Bounded: cleared when it grows past `MAX_ENTRIES`.
pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<KeyHash, CacheEntry>>,
}

type KeyHash = [u8; 32];
/// The principal (None: unknown key) and when it was looked up.
type CacheEntry = (Option<Principal>, Instant);

const MAX_ENTRIES: usize = 10_000;
const MISS_TTL: Duration = Duration::from_secs(2);

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Resolves a request's key to its principal; 401 for unknown or revoked keys.
    pub async fn authenticate(
        &self,
        pool: &Pool,
        headers: &HeaderMap,
    ) -> Result<Principal, ApiError> {
        let hash = hash_key(bearer(headers)?);
        if let Some(hit) = self.cached(&hash) {
            return hit.ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"));
        }
        let found = lookup(pool, &hash).await?;
        self.store(hash, found.clone());
        found.ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"))
    }

    /// Whether the key whose hash is `hash` still holds (for a stream opened with it): from
    /// the cache while fresh, else looked up again. A failed lookup is `Unknown`, not revoked.
    pub async fn recheck(&self, pool: &Pool, hash: &[u8; 32]) -> crate::alerts::KeyState {
        use crate::alerts::KeyState;
        let found = match self.cached(hash) {
            Some(hit) => hit,
            None => match lookup(pool, hash).await {
                Ok(found) => {
                    self.store(*hash, found.clone());
                    found
                }
                Err(_) => return KeyState::Unknown,
            },
        };
        match found {
            Some(_) => KeyState::Valid,
            None => KeyState::Revoked,
        }
    }

    /// How long a key lookup is trusted.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn cached(&self, hash: &[u8; 32]) -> Option<Option<Principal>> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (p, at) = map.get(hash)?;
        let ttl = if p.is_some() { self.ttl } else { MISS_TTL };
        (at.elapsed() < ttl).then(|| p.clone())
    }

    fn store(&self, hash: [u8; 32], p: Option<Principal>) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(hash, (p, Instant::now()));
    }
}

async fn lookup(pool: &Pool, hash: &[u8; 32]) -> Result<Option<Principal>, ApiError> {
    let client = pool.get_as_service().await?;
    let st = client
        .prepare_cached("SELECT tenant_id, role_name::text FROM pos_query_api.authenticate($1)")
        .await?;
    let row = client.query_opt(&st, &[&&hash[..]]).await?;
    Ok(row.map(|r| Principal {
        tenant: Arc::from(r.get::<_, String>(0)),
        role: Arc::from(r.get::<_, String>(1)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_well_formed() {
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a, b);
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {a}").parse().unwrap(),
        );
        assert_eq!(bearer(&h).unwrap(), a);
        assert_ne!(hash_key(&a), hash_key(&b));
        // The auth scheme is case-insensitive (was a 401 for anything but `Bearer `).
        for scheme in ["bearer", "BEARER", "Bearer  "] {
            h.insert(
                header::AUTHORIZATION,
                format!("{scheme} {a}").parse().unwrap(),
            );
            assert_eq!(bearer(&h).unwrap(), a, "{scheme}");
        }
        h.insert(
            header::AUTHORIZATION,
            format!("Bearerx {a}").parse().unwrap(),
        );
        assert_eq!(bearer(&h).unwrap_err().status, 401);
    }

    #[test]
    fn malformed_authorization_is_401() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h).unwrap_err().status, 401);
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h).unwrap_err().status, 401);
        h.insert(
            header::AUTHORIZATION,
            "Bearer pak_' OR 1=1 --".parse().unwrap(),
        );
        assert_eq!(bearer(&h).unwrap_err().status, 401);
    }
}
