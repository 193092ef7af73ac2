//! Reading the parts of Toast's objects that the shared JSON readers do not: times, whose
//! offset Toast writes without a colon, business dates, flags, amounts (doubles), and
//! references to other Toast objects.

pub(super) use crate::adapters::json::{amount, quantity};
use crate::adapters::json::{err, get, join, opt_amount, opt_text, req};
use crate::adapters::PayloadError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// A time as Toast writes it: `2019-09-17T15:32:49.844+0000` (ISO 8601 with the offset in the
/// basic form, which RFC 3339 does not allow), or RFC 3339 (`…Z`, `…+00:00`) as Toast's
/// OpenAPI examples and other clients write it.
pub(super) fn toast_time(v: &Value, path: &str, key: &str) -> Result<DateTime<Utc>, PayloadError> {
    let p = join(path, key);
    let Value::String(s) = req(v, path, key)? else {
        return Err(err(&p, "expected an ISO 8601 time string"));
    };
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            err(
                &p,
                format!("`{s}` is not an ISO 8601 time with an offset (e.g. 2026-10-09T18:38:00.000+0000)"),
            )
        })
}

/// The `guid` of a reference to another Toast object (`{"guid": …, "entityType": …}`);
/// `None` when the reference is absent, `null` or has no GUID. Anything but an object is an
/// error naming the field.
pub(super) fn reference(v: &Value, path: &str, key: &str) -> Result<Option<String>, PayloadError> {
    let Some(r) = get(v, key) else {
        return Ok(None);
    };
    let p = join(path, key);
    if !r.is_object() {
        return Err(err(
            &p,
            format!("expected an object with a `guid`, got {r}"),
        ));
    }
    Ok(opt_text(r, &p, "guid")?.filter(|g| !g.is_empty()))
}

/// A Toast boolean (`deleted`, `voided`): absent or `null` is false, anything but a boolean an
/// error naming the field.
pub(super) fn flag(v: &Value, path: &str, key: &str) -> Result<bool, PayloadError> {
    match get(v, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(err(
            &join(path, key),
            format!("expected true or false, got {other}"),
        )),
    }
}

/// A time that may be absent (`null` or missing); present, it must read as `toast_time` does.
pub(super) fn opt_toast_time(
    v: &Value,
    path: &str,
    key: &str,
) -> Result<Option<DateTime<Utc>>, PayloadError> {
    match get(v, key) {
        None => Ok(None),
        Some(_) => toast_time(v, path, key).map(Some),
    }
}

/// A business date as Toast writes it, the integer `yyyyMMdd` (`20261009`); a string of the
/// same digits is read too. `None` when absent, and for `0` or `""`: the placeholder Toast's
/// own reference shows for a date not set (its tender examples' `refundBusinessDate: 0`),
/// which would otherwise reject the whole check.
pub(super) fn business_date(
    v: &Value,
    path: &str,
    key: &str,
) -> Result<Option<NaiveDate>, PayloadError> {
    let Some(d) = get(v, key) else {
        return Ok(None);
    };
    if d.as_i64() == Some(0) || d.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Ok(None);
    }
    let digits = match d {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    NaiveDate::parse_from_str(&digits, "%Y%m%d")
        .ok()
        .filter(|_| digits.len() == 8)
        .map(Some)
        .ok_or_else(|| {
            err(
                &join(path, key),
                format!("`{d}` is not a business date yyyyMMdd (e.g. 20261009)"),
            )
        })
}

/// Toast amounts are JSON doubles in the restaurant's currency (`12.5`, and at times binary
/// noise such as `10.799999999999999` from its own arithmetic): read by their printed digits
/// and rounded to the currency's minor unit, half away from zero.
#[derive(Debug, Clone, Copy)]
pub(super) struct Amounts {
    pub(super) dp: u32,
}

impl Amounts {
    pub(super) fn of(currency: &str) -> Amounts {
        Amounts {
            dp: crate::adapters::money::exponent(currency),
        }
    }

    pub(super) fn req(&self, v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
        amount(v, path, key).map(|d| self.round(d))
    }

    pub(super) fn opt(
        &self,
        v: &Value,
        path: &str,
        key: &str,
    ) -> Result<Option<Decimal>, PayloadError> {
        Ok(opt_amount(v, path, key)?.map(|d| self.round(d)))
    }

    pub(super) fn or_zero(
        &self,
        v: &Value,
        path: &str,
        key: &str,
    ) -> Result<Decimal, PayloadError> {
        Ok(self.opt(v, path, key)?.unwrap_or_default())
    }

    /// The amount at `key` as written, not rounded (absent or `null`: zero), for sums that are
    /// rounded once as a whole.
    pub(super) fn exact_or_zero(
        &self,
        v: &Value,
        path: &str,
        key: &str,
    ) -> Result<Decimal, PayloadError> {
        Ok(opt_amount(v, path, key)?.unwrap_or_default())
    }

    /// `a + b`, or an error naming `field` when the sum leaves `Decimal`'s range (a sender's
    /// 28-digit amount must be a reject, never a panic).
    pub(super) fn add(&self, a: Decimal, b: Decimal, field: &str) -> Result<Decimal, PayloadError> {
        a.checked_add(b)
            .ok_or_else(|| err(field, "makes the amounts overflow: check the amounts"))
    }

    pub(super) fn round(&self, d: Decimal) -> Decimal {
        d.round_dp_with_strategy(self.dp, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// The store's (else the tenant's) configured currency: Toast amounts name none. Neither
/// configured is an error naming `field`, the amount that cannot be stored.
pub(super) fn currency(
    ctx: &crate::adapters::Context,
    store: &str,
    field: &str,
) -> Result<String, PayloadError> {
    let configured = ctx.currency_of(store);
    if configured.is_empty() {
        return Err(err(
            field,
            format!(
                "carries no currency (Toast amounts are in the restaurant's) and none is \
                 configured for store `{store}`: set [stores.{store}] currency or the tenant's \
                 `currency`"
            ),
        ));
    }
    Ok(configured)
}
