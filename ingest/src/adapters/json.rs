//! Reading provider JSON with errors that name the field (`order.line_items[1].quantity`).

use super::PayloadError;
use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// A JSON value with the path it was found at.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub v: &'a Value,
    pub path: &'a str,
}

pub fn err(path: &str, msg: impl std::fmt::Display) -> PayloadError {
    PayloadError::new(Some(path), format!("field `{path}`: {msg}"))
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The first `bytes` bytes of the SHA-256 of `s`, in hex: page and element ids that stay the
/// same for the same content (the length is part of ids already stored: keep each caller's).
pub fn hash_hex(s: &str, bytes: usize) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..bytes])
}

/// A page element's share of the page's dedup id: its `key` (an id), else (an element of a
/// type that is not read may lack one) its hashed text.
pub fn element_identity(e: &Value, key: &str) -> String {
    match get(e, key).and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => format!("raw:{}", hash_hex(&e.to_string(), 12)),
    }
}

pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

pub fn req<'a>(v: &'a Value, path: &str, key: &str) -> Result<&'a Value, PayloadError> {
    get(v, key).ok_or_else(|| err(&join(path, key), "is missing"))
}

/// Text from a string or a number (ids beyond 2^53 arrive as JSON integers; serde_json keeps
/// them exact as u64/i64, and we store them as text).
pub fn text(v: &Value, path: &str, key: &str) -> Result<String, PayloadError> {
    opt_text(v, path, key)?.ok_or_else(|| err(&join(path, key), "is missing"))
}

pub fn opt_text(v: &Value, path: &str, key: &str) -> Result<Option<String>, PayloadError> {
    match get(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(other) => Err(err(
            &join(path, key),
            format!("expected a string or an integer id, got {other}"),
        )),
    }
}

/// The largest amount (money, in the currency's major units: dong and rupiah included) and
/// quantity the JSON adapters read. No sale comes near them, and below them no sum, product or
/// share of a transaction's money can leave `Decimal`'s range (±7.9·10^28), whose operators
/// panic. A payload beyond them is refused naming the field (a reject, kept), not a panic that
/// drops the request or aborts an import.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// The decimal at `key` within ±[`MAX_AMOUNT`].
pub fn amount(v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    bounded(
        decimal(v, path, key)?,
        MAX_AMOUNT,
        "10^12",
        &join(path, key),
    )
}

/// [`amount`] when the field is present (not `null`).
pub fn opt_amount(v: &Value, path: &str, key: &str) -> Result<Option<Decimal>, PayloadError> {
    get(v, key).map(|_| amount(v, path, key)).transpose()
}

/// The decimal at `key` (a count, or a weight) within ±[`MAX_QUANTITY`].
pub fn quantity(v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    bounded(
        decimal(v, path, key)?,
        MAX_QUANTITY,
        "10^9",
        &join(path, key),
    )
}

fn bounded(x: Decimal, max: i64, shown: &str, field: &str) -> Result<Decimal, PayloadError> {
    if x.abs() > Decimal::from(max) {
        return Err(err(
            field,
            format!("{x} is beyond ±{shown}, more than any sale: check the field's unit"),
        ));
    }
    Ok(x)
}

/// A decimal from a JSON string ("199.00") or number (195.66, taken by its printed digits).
pub fn decimal(v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    let p = join(path, key);
    match req(v, path, key)? {
        Value::String(s) => Decimal::from_str(s.trim())
            .map_err(|_| err(&p, format!("`{s}` is not a decimal number"))),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map_err(|_| err(&p, format!("{n} is not a decimal number"))),
        other => Err(err(&p, format!("expected a decimal, got {other}"))),
    }
}

pub fn opt_decimal(v: &Value, path: &str, key: &str) -> Result<Option<Decimal>, PayloadError> {
    if get(v, key).is_none() {
        return Ok(None);
    }
    decimal(v, path, key).map(Some)
}

pub fn int(v: &Value, path: &str, key: &str) -> Result<i64, PayloadError> {
    let p = join(path, key);
    match req(v, path, key)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| err(&p, format!("{n} is not an integer"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| err(&p, format!("`{s}` is not an integer"))),
        other => Err(err(&p, format!("expected an integer, got {other}"))),
    }
}

/// An RFC 3339 time; keeps the sender's offset (Shopify sends the shop's local offset).
pub fn time(v: &Value, path: &str, key: &str) -> Result<DateTime<FixedOffset>, PayloadError> {
    let p = join(path, key);
    match req(v, path, key)? {
        Value::String(s) => DateTime::parse_from_rfc3339(s).map_err(|e| {
            err(
                &p,
                format!("`{s}` is not an RFC 3339 time with offset ({e})"),
            )
        }),
        other => Err(err(
            &p,
            format!("expected an RFC 3339 time string, got {other}"),
        )),
    }
}

pub fn utc(t: DateTime<FixedOffset>) -> DateTime<Utc> {
    t.with_timezone(&Utc)
}

pub fn array<'a>(v: &'a Value, path: &str, key: &str) -> Result<&'a [Value], PayloadError> {
    match get(v, key) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(err(
            &join(path, key),
            format!("expected an array, got {other}"),
        )),
    }
}
