//! Reading the parts of a Toast cash entry that the shared JSON readers do not: its time, whose
//! offset Toast writes without a colon, and references to other Toast objects.

use crate::adapters::json::{err, get, join, opt_text, req};
use crate::adapters::PayloadError;
use chrono::{DateTime, Utc};
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
