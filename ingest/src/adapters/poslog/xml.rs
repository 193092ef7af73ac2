//! Reading a POSLog document: elements and attributes by local name, flags, and numbers,
//! times and dates as POSLog vendors write them.

use super::{Bad, Context, R};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use roxmltree::Node;
use rust_decimal::Decimal;
use std::str::FromStr;

pub(super) fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

pub(super) fn children<'a, 'i: 'a>(
    n: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

pub(super) fn text<'a>(n: Node<'a, '_>) -> &'a str {
    n.text().map(str::trim).unwrap_or("")
}

pub(super) fn child_text<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(n, name).map(text).filter(|s| !s.is_empty())
}

/// Numbers beyond this (a trillion) are never real quantities or amounts; refusing them keeps
/// the products and sums below from overflowing `Decimal` (which panics).
pub(super) const MAX_NUMBER: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

pub(super) fn dec(n: Node, what: &str) -> R<Decimal> {
    let s = text(n);
    let v = Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|_| Bad(format!("<{what}> `{s}` is not a decimal number")))?;
    if v.abs() > MAX_NUMBER {
        return Err(Bad(format!("<{what}> `{s}` is out of range")));
    }
    Ok(v)
}

pub(super) fn child_dec(n: Node, name: &str) -> R<Option<Decimal>> {
    child(n, name)
        .filter(|c| !text(*c).is_empty())
        .map(|c| dec(c, name))
        .transpose()
}

/// An xs:dateTime, with or without offset (then local to the store). Also taken: `+0200`
/// offsets without a colon, a space instead of `T`, and a separate offset (NCR Emerald writes
/// local times with an `r10Ex:Offset="07:00:00"` attribute), passed as `offset`.
fn when_with(ctx: &Context, store: &str, s: &str, offset: Option<&str>) -> R<DateTime<Utc>> {
    let s = s.trim();
    let t = s.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&t) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M"))
        .map_err(|_| Bad(format!("`{s}` is not an xs:dateTime")))?;
    if let Some(o) = offset.filter(|o| !o.trim().is_empty()) {
        let fixed = parse_offset(o)
            .ok_or_else(|| Bad(format!("time offset `{o}` (of `{s}`) is not ±HH:MM[:SS]")))?;
        return fixed
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Bad(format!("`{s}` with offset `{o}` is out of range")));
    }
    crate::adapters::local_to_utc(&ctx.tz(store), local).ok_or_else(|| {
        Bad(format!(
            "`{s}` is out of range in time zone {}",
            ctx.tz(store)
        ))
    })
}

/// A time element, honouring an `Offset` attribute in any namespace.
pub(super) fn when_node(ctx: &Context, store: &str, n: Node) -> R<DateTime<Utc>> {
    when_with(ctx, store, text(n), attr(n, "Offset"))
}

/// `07:00:00`, `+07:00`, `-0500`, `Z` → a fixed offset.
pub(super) fn parse_offset(o: &str) -> Option<chrono::FixedOffset> {
    let o = o.trim();
    if o == "Z" {
        return chrono::FixedOffset::east_opt(0);
    }
    let (sign, rest) = match o.as_bytes().first()? {
        b'-' => (-1, &o[1..]),
        b'+' => (1, &o[1..]),
        _ => (1, o),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[0..2].parse().ok()?;
    let m: i32 = digits[2..4].parse().ok()?;
    let sec: i32 = digits.get(4..6).map_or(Some(0), |x| x.parse().ok())?;
    chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60 + sec))
}

/// An attribute by local name, whatever its namespace (`r10Ex:Offset`, `Offset`).
pub(super) fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes().find(|a| a.name() == name).map(|a| a.value())
}

/// An xs:boolean flag written as an attribute or a child element (`true`/`1`).
pub(super) fn flag(n: Node, name: &str) -> bool {
    attr(n, name)
        .or_else(|| child_text(n, name))
        .is_some_and(|v| matches!(v.trim(), "true" | "1" | "True" | "TRUE"))
}

/// An xs:date, tolerating a zone (`2017-06-21Z`, `2017-06-21+01:00`) or a time part: the
/// trading day is the calendar date as written.
pub(super) fn business_day(d: &str) -> R<NaiveDate> {
    d.get(..10)
        .and_then(|x| NaiveDate::parse_from_str(x, "%Y-%m-%d").ok())
        .ok_or_else(|| Bad(format!("<BusinessDayDate> `{d}` is not a date")))
}

/// The local date of a timestamp as written: its own offset if it has one, else the store zone.
pub(super) fn local_date(ctx: &Context, store: &str, s: &str, at: DateTime<Utc>) -> NaiveDate {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) if !ctx.store_tz.contains_key(store) => ctx.business_date_as_written(store, t),
        _ => ctx.business_date(store, at),
    }
}
