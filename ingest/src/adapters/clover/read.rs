//! Reading Clover's JSON: expanded collections come as `{"elements":[…]}` (a bare array is
//! taken too, as the Android SDK's `Order` JSON writes some), references as `{"id":…}`, money as
//! integer minor units, times as milliseconds since the epoch.

use crate::adapters::json::{err, get, int, join, opt_text};
use crate::adapters::money::from_minor;
use crate::adapters::PayloadError;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

/// The elements of an expanded collection, with the path of the array
/// (`lineItems.elements`); absent or null is empty (the collection was not expanded).
pub fn elements<'a>(
    v: &'a Value,
    path: &str,
    key: &str,
) -> Result<(&'a [Value], String), PayloadError> {
    let p = join(path, key);
    match get(v, key) {
        None => Ok((&[], p)),
        Some(Value::Array(a)) => Ok((a, p)),
        Some(Value::Object(o)) => match o.get("elements") {
            None | Some(Value::Null) => Ok((&[], format!("{p}.elements"))),
            Some(Value::Array(a)) => Ok((a, format!("{p}.elements"))),
            Some(other) => Err(err(
                &format!("{p}.elements"),
                format!("expected an array, got {other}"),
            )),
        },
        Some(other) => Err(err(
            &p,
            format!("expected {{\"elements\": [...]}}, got {other}"),
        )),
    }
}

/// The `id` of a reference (`"employee": {"id": "…"}`), if any.
pub fn ref_id(v: &Value, path: &str, key: &str) -> Result<Option<String>, PayloadError> {
    match get(v, key) {
        None => Ok(None),
        Some(r @ Value::Object(_)) => opt_text(r, &join(path, key), "id"),
        Some(other) => Err(err(
            &join(path, key),
            format!("expected a reference {{\"id\": ...}}, got {other}"),
        )),
    }
}

/// A required amount in minor units, in major units of `currency`.
pub fn money(v: &Value, path: &str, key: &str, currency: &str) -> Result<Decimal, PayloadError> {
    Ok(from_minor(int(v, path, key)?, currency))
}

/// An optional amount in minor units (absent or null is zero).
pub fn opt_money(
    v: &Value,
    path: &str,
    key: &str,
    currency: &str,
) -> Result<Decimal, PayloadError> {
    match get(v, key) {
        None => Ok(Decimal::ZERO),
        Some(_) => money(v, path, key, currency),
    }
}

/// An optional amount Clover never writes negative (a tip, cash back, tax): absent or null is
/// zero; a negative one is refused naming it rather than taken off the tender or the tax.
pub fn opt_positive_money(
    v: &Value,
    path: &str,
    key: &str,
    currency: &str,
) -> Result<Decimal, PayloadError> {
    let x = opt_money(v, path, key, currency)?;
    if x < Decimal::ZERO {
        return Err(err(
            &join(path, key),
            format!("{x} is negative: Clover writes it as a positive amount"),
        ));
    }
    Ok(x)
}

/// An optional integer (absent or null is `None`).
pub fn opt_int(v: &Value, path: &str, key: &str) -> Result<Option<i64>, PayloadError> {
    match get(v, key) {
        None => Ok(None),
        Some(_) => int(v, path, key).map(Some),
    }
}

/// A time in milliseconds since the epoch (`createdTime`, `modifiedTime`).
pub fn millis(v: &Value, path: &str, key: &str) -> Result<Option<DateTime<Utc>>, PayloadError> {
    match opt_int(v, path, key)? {
        None => Ok(None),
        Some(ms) => DateTime::from_timestamp_millis(ms)
            .map(Some)
            .ok_or_else(|| err(&join(path, key), format!("{ms} ms is out of range"))),
    }
}

/// A flag (`refunded`, `taxRemoved`); absent or null is false.
pub fn flag(v: &Value, path: &str, key: &str) -> Result<bool, PayloadError> {
    match get(v, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(other) => Err(err(
            &join(path, key),
            format!("expected true or false, got {other}"),
        )),
    }
}
