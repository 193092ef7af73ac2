//! Canonical events, version 1: our own JSON format (schemas/canonical-event.v1.json), one event
//! per NDJSON line or a JSON array of events. Every other format could be converted to it; the
//! generator and tests speak it. Money is decimal in major units (string or number), times are
//! RFC 3339 with an offset, lines are signed (sale +, return −, void = negative reversal).

use super::{check_time, finish, Context, PayloadError};
use crate::envelope::{Envelope, InventoryRecord, RawPayload, Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub const CONTENT_TYPE: &str = "application/x-ndjson; format=canonical-v1";
pub const SCHEMA_VERSION: u32 = 1;

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let s = String::deserialize(d)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            serde::de::Error::custom(format!(
                "`{s}` is not an RFC 3339 time with offset ({e}), e.g. 2026-01-05T14:03:00-05:00"
            ))
        })
}

fn de_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "de_time")] DateTime<Utc>);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

/// The largest amount (money, stock on hand) and quantity read, as for Shopify: no sale comes
/// near them, and below them no product or sum over a transaction can leave `Decimal`'s range
/// (the writer adds lines up unchecked).
const MAX_AMOUNT: Decimal = Decimal::from_parts(
    super::json::MAX_AMOUNT as u32,
    (super::json::MAX_AMOUNT >> 32) as u32,
    0,
    false,
    0,
);
const MAX_QUANTITY: Decimal = Decimal::from_parts(super::json::MAX_QUANTITY as u32, 0, 0, false, 0);

fn de_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    de_bounded(d, MAX_AMOUNT, "10^12")
}

fn de_quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    de_bounded(d, MAX_QUANTITY, "10^9")
}

fn de_opt_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "de_amount")] Decimal);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

/// A decimal read from its JSON text, within ±`max`. The text is borrowed from the event (every
/// caller reads events from a `&str`), so reading it costs no allocation.
fn de_bounded<'de, D: Deserializer<'de>>(
    d: D,
    max: Decimal,
    max_name: &str,
) -> Result<Decimal, D::Error> {
    let raw = <&serde_json::value::RawValue>::deserialize(d)?.get();
    let v = exact_decimal(raw).map_err(serde::de::Error::custom)?;
    if v.abs() > max {
        return Err(serde::de::Error::custom(format!(
            "{raw} is beyond ±{max_name}"
        )));
    }
    Ok(v)
}

/// The exact value of a decimal written as a JSON string (the schema's `[+-]digits[.digits]`)
/// or a JSON number (exponent allowed). Read from the text because the usual routes round in
/// silence: serde_json (without `arbitrary_precision`) reads a number as an f64, so
/// 12345678901234567.89 was stored as 12345678901234568, and rust_decimal rounds past 28
/// digits, so 1e-30 was stored as 0. Such a value is refused instead.
fn exact_decimal(raw: &str) -> Result<Decimal, String> {
    let Some(quoted) = raw.strip_prefix('"') else {
        return number_decimal(raw);
    };
    let text: std::borrow::Cow<str> = if quoted.contains('\\') {
        serde_json::from_str::<String>(raw)
            .map_err(|e| e.to_string())?
            .into()
    } else {
        quoted.strip_suffix('"').unwrap_or(quoted).into()
    };
    let (_, frac) = split_plain(&text)
        .ok_or_else(|| format!("{raw} is not a decimal number such as \"19.99\" or \"-2\""))?;
    plain_decimal(&text, frac).map_err(|why| format!("{raw} {why}"))
}

/// The integer and fraction digits of `[+-]digits[.digits]`, or `None` for any other text.
fn split_plain(text: &str) -> Option<(&str, &str)> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = !unsigned.contains('.') || !frac.is_empty();
    (!int.is_empty() && frac_ok && all_digits(int) && all_digits(frac)).then_some((int, frac))
}

/// `text` (`[+-]int[.frac]`) as a `Decimal`, or why it cannot be one exactly. rust_decimal
/// rounds a value it cannot hold to fewer decimals, so a scale that came out smaller than
/// the text's tells the rounding (zeros past 28 decimals are dropped first: they lose nothing).
fn plain_decimal(text: &str, frac: &str) -> Result<Decimal, String> {
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut frac_len = frac.len();
    if frac_len > 28 {
        let kept = frac.trim_end_matches('0').len().max(28);
        let cut = frac_len - kept;
        text = text[..text.len() - cut].to_string().into();
        frac_len = kept;
    }
    let d: Decimal = text
        .parse()
        .map_err(|_| "is beyond the range of a decimal".to_string())?;
    if d.scale() as usize != frac_len {
        return Err("has more digits than the 28 a decimal keeps".into());
    }
    // "-0" is zero, not a negative zero that prints as "-0".
    Ok(if d.is_zero() { d.abs() } else { d })
}

/// A JSON number's text (serde_json has checked its grammar) as an exact `Decimal`: an
/// exponent moves the decimal point in the text.
fn number_decimal(raw: &str) -> Result<Decimal, String> {
    let Some(i) = raw.find(['e', 'E']) else {
        let (_, frac) = split_plain(raw).ok_or_else(|| format!("`{raw}` is not a number"))?;
        return plain_decimal(raw, frac).map_err(|why| format!("{raw} {why}"));
    };
    let exp: i32 = match raw[i + 1..].parse() {
        Ok(e) if (-64..=64).contains(&e) => e,
        _ => return Err(format!("{raw}: exponent out of range")),
    };
    let plain = shift_point(&raw[..i], exp);
    let (_, frac) = split_plain(&plain).ok_or_else(|| format!("`{raw}` is not a number"))?;
    plain_decimal(&plain, frac).map_err(|why| format!("{raw} {why}"))
}

/// `mantissa` (`[-]int[.frac]`) times 10^`exp`, written without an exponent.
fn shift_point(mantissa: &str, exp: i32) -> String {
    let (sign, unsigned) = match mantissa.strip_prefix('-') {
        Some(u) => ("-", u),
        None => ("", mantissa),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(exp);
    let len = digits.len() as i64;
    if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{sign}{digits}{}", "0".repeat((point - len) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{sign}{a}.{b}")
    }
}

fn ser_time<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxnEvent {
    pub schema_version: u32,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub store_id: String,
    pub source: String,
    pub txn_id: String,
    #[serde(default)]
    pub version: i64,
    #[serde(deserialize_with = "de_time", serialize_with = "ser_time")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashier_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default = "completed")]
    pub status: TxnStatus,
    pub currency: String,
    #[serde(default)]
    pub lines: Vec<LineEvent>,
    #[serde(default)]
    pub tenders: Vec<TenderEvent>,
}

fn completed() -> TxnStatus {
    TxnStatus::Completed
}
fn sale() -> LineKind {
    LineKind::Sale
}
fn scanned() -> EntryMethod {
    EntryMethod::Scanned
}
fn approved() -> TenderStatus {
    TenderStatus::Approved
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(d: &Decimal) -> bool {
    d.is_zero()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineEvent {
    pub line_no: i32,
    #[serde(default = "sale")]
    pub kind: LineKind,
    /// What the POS sent (barcode, PLU, vendor SKU).
    pub item_id: String,
    /// The normalized key, when the sender already has it; otherwise derived from `item_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de_quantity")]
    pub quantity: Decimal,
    #[serde(deserialize_with = "de_amount")]
    pub unit_price: Decimal,
    #[serde(
        default,
        deserialize_with = "de_amount",
        skip_serializing_if = "is_zero"
    )]
    pub discount: Decimal,
    /// Defaults to `quantity × unit_price − discount` (discount reduces the magnitude).
    #[serde(
        default,
        deserialize_with = "de_opt_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_amount: Option<Decimal>,
    #[serde(
        default,
        deserialize_with = "de_amount",
        skip_serializing_if = "is_zero"
    )]
    pub tax: Decimal,
    #[serde(default = "scanned")]
    pub entry_method: EntryMethod,
    #[serde(default, skip_serializing_if = "is_false")]
    pub price_override: bool,
    /// A gift card sold, or another line paid for that is not revenue (see the model's `Line`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub non_revenue: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_txn_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_line_no: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenderEvent {
    pub tender_no: i32,
    pub method: TenderMethod,
    #[serde(deserialize_with = "de_amount")]
    pub amount: Decimal,
    /// The gratuity inside `amount` (see the model's `Tender::tip`).
    #[serde(
        default,
        deserialize_with = "de_amount",
        skip_serializing_if = "Decimal::is_zero"
    )]
    pub tip: Decimal,
    #[serde(default = "approved")]
    pub status: TenderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_bin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_entry: Option<CardEntry>,
    /// Defaults to the transaction's `occurred_at`.
    #[serde(
        default,
        deserialize_with = "de_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawerEventV1 {
    pub schema_version: u32,
    #[serde(rename = "type")]
    pub kind_tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub store_id: String,
    pub source: String,
    pub drawer_event_id: String,
    #[serde(default)]
    pub version: i64,
    #[serde(deserialize_with = "de_time", serialize_with = "ser_time")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashier_id: Option<String>,
    pub kind: DrawerEventKind,
    #[serde(default, deserialize_with = "de_amount")]
    pub amount: Decimal,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryEventV1 {
    pub schema_version: u32,
    #[serde(rename = "type")]
    pub kind_tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    pub store_id: String,
    #[serde(default = "unknown_source")]
    pub source: String,
    pub item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(deserialize_with = "de_amount")]
    pub on_hand: Decimal,
    #[serde(deserialize_with = "de_time", serialize_with = "ser_time")]
    pub as_of: DateTime<Utc>,
    #[serde(default)]
    pub version: i64,
}

fn unknown_source() -> String {
    "unknown".into()
}

/// One decoded event and its dedup id.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub event_id: String,
    pub tenant_id: String,
    pub source: String,
    pub record: Result<Record, Reject>,
}

/// The two fields that decide how an event is read; the others are skipped unread. Reading the
/// event straight into its type afterwards, rather than into a `serde_json::Value` first and the
/// type from that, halves the cost of decoding (a third of the service's CPU before).
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    schema_version: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<Value>,
}

/// serde_json's message without the " at line L column C" it appends when reading text: the
/// field's path says where.
fn message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) if e.line() > 0 => s[..i].to_string(),
        _ => s,
    }
}

/// Deserializes; on failure, again with the JSON path of the failing field in the error.
/// Tracking the path costs an owned copy of every object key read (a third of decoding a
/// valid event), so it is paid only for the events that need the message.
fn typed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PayloadError> {
    serde_json::from_str(text).or_else(|_| typed_with_path(text))
}

/// [`typed`] with the failing field's JSON path in the error.
fn typed_with_path<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PayloadError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        PayloadError::new(
            Some(&path),
            format!("field `{path}`: {}", message(e.inner())),
        )
    })
}

/// Decodes one event. `Err` only when the text is not a version-1 event at all.
pub fn decode(ctx: &Context, text: &str) -> Result<Decoded, PayloadError> {
    no_nul(text)?;
    let decoded = match in_one_pass(ctx, text) {
        Some(decoded) => decoded,
        None => decode_by_head(ctx, text),
    }?;
    if decoded.event_id.trim().is_empty() {
        // The inbox deduplicates by it: every event sent with `""` would be one event.
        return Err(PayloadError::new(
            Some("event_id"),
            "field `event_id` is blank: leave it out to have it derived",
        ));
    }
    if ctx.tenant_bound && decoded.tenant_id != ctx.tenant_id {
        return Ok(other_tenant(ctx, decoded, text));
    }
    Ok(decoded)
}

/// An event naming a tenant other than the one its sender's token is bound to: a reject kept
/// under the bound tenant (the inbox row and the reject are the sender's own), never a write
/// into the tenant it named.
fn other_tenant(ctx: &Context, d: Decoded, text: &str) -> Decoded {
    let reason = format!(
        "field `tenant_id`: `{}` is not the tenant this sender's token may write (`{}`): leave \
         `tenant_id` out, or send with that tenant's token",
        d.tenant_id, ctx.tenant_id
    );
    let mut j = reject(&ctx.tenant_id, &d.source, &d.event_id, text, reason);
    j.detail = serde_json::json!({ "field": "tenant_id" });
    Decoded {
        tenant_id: ctx.tenant_id.clone(),
        record: Err(j),
        ..d
    }
}

/// Refuses an event with a `\u0000` escape in any string: PostgreSQL text cannot hold U+0000,
/// and the service checks only some fields (a cashier id holding one failed the whole batch
/// in the database). A literal NUL byte is refused with the body; the escape is looked for in
/// the text first, so only an event that has one is parsed again to name the field.
fn no_nul(text: &str) -> Result<(), PayloadError> {
    if !text.contains("u0000") {
        return Ok(());
    }
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Ok(()); // Not JSON: the decoder says so.
    };
    match nul_path(&v, String::new()) {
        Some(path) => Err(PayloadError::new(
            Some(&path),
            format!("field `{path}` holds U+0000 (NUL), which PostgreSQL text cannot hold"),
        )),
        None => Ok(()),
    }
}

/// The JSON path (as serde_path_to_error writes it) of the first string or key holding NUL.
fn nul_path(v: &Value, at: String) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() { ".".into() } else { at }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_path(x, format!("{at}[{i}]"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                return Some(path);
            }
            nul_path(x, path)
        }),
        _ => None,
    }
}

/// Reading an event as the type its text names, in one pass, saves the pass over it that
/// reading [`Head`] first costs. The type is guessed from the text (`"type":"…"` written the
/// usual way, as every sender we know does), so an event of another type is not half-read as a
/// transaction first. `None` when the guess fails or the event does not read as that type,
/// valid or not; [`decode_by_head`] then reads, or explains, it as it always did. Whatever is
/// accepted here it would have accepted there, with the same fields: the struct read checks
/// the type and version itself.
fn in_one_pass(ctx: &Context, text: &str) -> Option<Result<Decoded, PayloadError>> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    if text.contains(r#""type":"transaction""#) {
        let e: TxnEvent = serde_json::from_str(text).ok()?;
        let ok = e.schema_version == SCHEMA_VERSION && e.kind == "transaction";
        return ok.then(|| decode_txn(ctx, e, text));
    }
    if text.contains(r#""type":"inventory_level""#) {
        let e: InventoryEventV1 = serde_json::from_str(text).ok()?;
        let ok = e.schema_version == SCHEMA_VERSION && e.kind_tag == "inventory_level";
        return ok.then(|| decode_inventory(ctx, e, text));
    }
    if text.contains(r#""type":"drawer_event""#) {
        let e: DrawerEventV1 = serde_json::from_str(text).ok()?;
        let ok = e.schema_version == SCHEMA_VERSION && e.kind_tag == "drawer_event";
        return ok.then(|| decode_drawer(ctx, e, text));
    }
    None
}

/// Reads the event's `schema_version` and `type` first, then the event as that type.
fn decode_by_head(ctx: &Context, text: &str) -> Result<Decoded, PayloadError> {
    let head: Head = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data if message(&e).starts_with("invalid type") => {
            PayloadError::new(None, "an event must be a JSON object")
        }
        serde_json::error::Category::Data => PayloadError::new(None, message(&e)),
        _ => PayloadError::new(None, format!("not JSON: {e}")),
    })?;
    // serde reads a struct from an array too.
    if !text.trim_start().starts_with('{') {
        return Err(PayloadError::new(None, "an event must be a JSON object"));
    }
    check_version(head.schema_version.as_ref())?;
    match head.kind.as_ref().and_then(Value::as_str) {
        Some("transaction") => decode_txn(ctx, typed(text)?, text),
        Some("drawer_event") => decode_drawer(ctx, typed(text)?, text),
        Some("inventory_level") => decode_inventory(ctx, typed(text)?, text),
        Some(t) => Err(PayloadError::new(
            Some("type"),
            format!(
                "unknown event type `{t}`: expected transaction, drawer_event or inventory_level"
            ),
        )),
        None if matches!(head.kind, None | Some(Value::Null)) => {
            Err(PayloadError::new(Some("type"), "field `type` is missing"))
        }
        // Said to be missing before, though it was there.
        None => Err(PayloadError::new(
            Some("type"),
            format!(
                "type {} is not supported: write \"transaction\", \"drawer_event\" or \"inventory_level\"",
                head.kind.as_ref().map(Value::to_string).unwrap_or_default()
            ),
        )),
    }
}

/// `schema_version` must be the number 1. A version written otherwise (`"1"`, `1.0`, `-1`) was
/// reported as missing, which sent the sender looking for a field that is there.
fn check_version(v: Option<&Value>) -> Result<(), PayloadError> {
    let err = |m: String| Err(PayloadError::new(Some("schema_version"), m));
    match v {
        Some(v) if v.as_u64() == Some(1) => Ok(()),
        Some(v) if v.is_u64() => err(format!(
            "schema_version {v} is not supported; this service reads version {SCHEMA_VERSION}"
        )),
        Some(Value::Null) | None => err("field `schema_version` is missing: set it to 1".into()),
        Some(v) => err(format!(
            "schema_version {v} is not supported: write the number {SCHEMA_VERSION}"
        )),
    }
}

/// `quantity × unit_price − discount`, the discount reducing the magnitude. Checked although
/// the bounds on amounts and quantities keep it in range: an overflow here panicked and took
/// the whole body down with it.
fn net_of(l: &LineEvent) -> Result<Decimal, String> {
    let gross = l.quantity.checked_mul(l.unit_price);
    let net = if l.quantity < Decimal::ZERO {
        gross.and_then(|g| g.checked_add(l.discount))
    } else {
        gross.and_then(|g| g.checked_sub(l.discount))
    };
    net.ok_or_else(|| {
        format!(
            "line {}: quantity × unit_price − discount is beyond the range of a decimal",
            l.line_no
        )
    })
}

/// Moves the event's strings into the model rather than copying them: a transaction's
/// strings are most of what decoding allocates.
fn decode_txn(ctx: &Context, e: TxnEvent, text: &str) -> Result<Decoded, PayloadError> {
    let tenant = e.tenant_id.unwrap_or_else(|| ctx.tenant_id.clone());
    let event_id = e.event_id.unwrap_or_else(|| {
        let [source, store, txn] = [&e.source, &e.store_id, &e.txn_id].map(|s| id_part(s));
        format!("{source}/{store}/{txn}/v{}", e.version)
    });
    let mut lines = Vec::with_capacity(e.lines.len());
    for l in e.lines {
        match line_of(l) {
            Ok(line) => lines.push(line),
            Err(reason) => {
                let j = reject(&tenant, &e.source, &event_id, text, reason);
                return Ok(Decoded {
                    event_id,
                    tenant_id: tenant,
                    source: e.source,
                    record: Err(j),
                });
            }
        }
    }
    let tenders = e
        .tenders
        .into_iter()
        .map(|x| Tender {
            tender_no: x.tender_no,
            method: x.method,
            amount: x.amount,
            status: x.status,
            card_fingerprint: x.card_fingerprint,
            card_bin: x.card_bin,
            card_entry: x.card_entry,
            occurred_at: x.occurred_at.unwrap_or(e.occurred_at),
            tip: x.tip,
        })
        .collect();
    let business_date = e
        .business_date
        .unwrap_or_else(|| ctx.business_date(&e.store_id, e.occurred_at));
    let source = e.source.clone();
    let t = Transaction {
        key: TxnKey {
            tenant_id: tenant.clone(),
            store_id: e.store_id,
            source: e.source,
            source_txn_id: e.txn_id,
        },
        source_version: e.version,
        occurred_at: e.occurred_at,
        business_date,
        register_id: e.register_id,
        cashier_id: e.cashier_id,
        customer_id: e.customer_id,
        status: e.status,
        currency: e.currency,
        lines,
        tenders,
    };
    let record = match given_date_near(e.business_date, e.occurred_at) {
        Ok(()) => finish(ctx, t, Some(&event_id), text),
        Err(reason) => Err(reject(&tenant, &source, &event_id, text, reason)),
    };
    Ok(Decoded {
        event_id,
        tenant_id: tenant,
        source,
        record,
    })
}

/// The model line of an event line; `Err` is the reason when its item id holds no usable code.
/// The item id is normalized only when the sender did not give the `sku`.
fn line_of(l: LineEvent) -> Result<Line, String> {
    if l.discount < Decimal::ZERO {
        // Gross is net + discount everywhere downstream: a negative one would shrink gross
        // below what was charged and count a surcharge as a negative discount.
        return Err(format!(
            "line {}: discount {} is negative: a discount is the positive amount taken off the \
             line (a surcharge belongs in the price, or on a line of its own)",
            l.line_no, l.discount
        ));
    }
    let net_amount = match l.net_amount {
        Some(net) => net,
        None => net_of(&l)?,
    };
    let (sku, gtin) = match l.sku {
        Some(sku) if sku.trim().is_empty() => {
            return Err(format!("line {}: `sku` is blank", l.line_no))
        }
        Some(sku) => (sku, l.gtin),
        None => match item_key(&l.item_id) {
            Some(k) => (k.sku, l.gtin.or(k.gtin)),
            None => {
                return Err(format!(
                    "line {}: item_id `{}` holds no usable item code",
                    l.line_no, l.item_id
                ))
            }
        },
    };
    Ok(Line {
        line_no: l.line_no,
        kind: l.kind,
        sku,
        gtin,
        raw_item_id: l.item_id,
        description: l.description,
        quantity: l.quantity,
        unit_price: l.unit_price,
        discount: l.discount,
        net_amount,
        tax: l.tax,
        entry_method: l.entry_method,
        price_override: l.price_override,
        non_revenue: l.non_revenue,
        original_txn_id: l.original_txn_id,
        original_line_no: l.original_line_no,
    })
}

/// The inbox id of a drawer event sent without `event_id`: a larger version is news, the same
/// one again a duplicate (version 0 keeps the id it had before drawer events had versions).
fn drawer_event_id(e: &DrawerEventV1) -> String {
    let [source, store, id] = [&e.source, &e.store_id, &e.drawer_event_id].map(|s| id_part(s));
    let id = format!("{source}/{store}/drawer/{id}");
    match e.version {
        0 => id,
        v => format!("{id}/v{v}"),
    }
}

fn decode_drawer(ctx: &Context, e: DrawerEventV1, text: &str) -> Result<Decoded, PayloadError> {
    let tenant = e.tenant_id.clone().unwrap_or_else(|| ctx.tenant_id.clone());
    let event_id = e.event_id.clone().unwrap_or_else(|| drawer_event_id(&e));
    let d = DrawerEvent {
        tenant_id: tenant.clone(),
        store_id: e.store_id.clone(),
        source: e.source.clone(),
        source_event_id: e.drawer_event_id,
        source_version: e.version,
        register_id: e.register_id,
        cashier_id: e.cashier_id,
        kind: e.kind,
        amount: e.amount,
        currency: e.currency,
        occurred_at: e.occurred_at,
        business_date: e
            .business_date
            .unwrap_or_else(|| ctx.business_date(&e.store_id, e.occurred_at)),
    };
    let record = check_drawer(ctx, &d, e.business_date.is_some())
        .map(|_| Record::Drawer(d))
        .map_err(|reason| reject(&tenant, &e.source, &event_id, text, reason));
    Ok(Decoded {
        event_id,
        tenant_id: tenant,
        source: e.source,
        record,
    })
}

fn decode_inventory(
    ctx: &Context,
    e: InventoryEventV1,
    text: &str,
) -> Result<Decoded, PayloadError> {
    let tenant = e.tenant_id.clone().unwrap_or_else(|| ctx.tenant_id.clone());
    let event_id = e.event_id.clone().unwrap_or_else(|| {
        let [source, store, item] = [&e.source, &e.store_id, &e.item_id].map(|s| id_part(s));
        format!(
            "{source}/{store}/inventory/{item}/{}",
            e.as_of.timestamp_micros()
        )
    });
    let level = InventoryLevel {
        tenant_id: tenant.clone(),
        store_id: e.store_id,
        sku: match inventory_sku(e.sku, &e.item_id) {
            Ok(s) => s,
            Err(reason) => {
                let j = reject(&tenant, &e.source, &event_id, text, reason);
                return Ok(Decoded {
                    event_id,
                    tenant_id: tenant,
                    source: e.source,
                    record: Err(j),
                });
            }
        },
        on_hand: e.on_hand,
        as_of: e.as_of,
    };
    let record = check_inventory(ctx, &level, &e.source)
        .map(|_| {
            Record::Inventory(InventoryRecord {
                level,
                source: e.source.clone(),
                source_version: e.version,
            })
        })
        .map_err(|reason| reject(&tenant, &e.source, &event_id, text, reason));
    Ok(Decoded {
        event_id,
        tenant_id: tenant,
        source: e.source,
        record,
    })
}

/// The stock level's key: the `sku` sent, else the item id normalized. A blank `sku` would
/// put every such item under one key.
fn inventory_sku(sku: Option<String>, item_id: &str) -> Result<String, String> {
    match sku {
        Some(s) if s.trim().is_empty() => Err("`sku` is blank".into()),
        Some(s) => Ok(s),
        None => item_key(item_id)
            .map(|k| k.sku)
            .ok_or_else(|| format!("item_id `{item_id}` holds no usable item code")),
    }
}

/// A drawer event's own checks, as `check_transaction` makes for a transaction: before them a
/// lower-case currency or an empty id reached the database, whose CHECK then failed the whole
/// batch, not this event.
fn check_drawer(ctx: &Context, d: &DrawerEvent, date_given: bool) -> Result<(), String> {
    not_blank(&[
        ("tenant_id", &d.tenant_id),
        ("store_id", &d.store_id),
        ("source", &d.source),
        ("drawer_event_id", &d.source_event_id),
    ])?;
    if !is_currency_code(&d.currency) {
        return Err(format!(
            "currency `{}` is not a 3-letter ISO 4217 code",
            d.currency
        ));
    }
    if date_given {
        given_date_near(Some(d.business_date), d.occurred_at)?;
    }
    check_time(ctx, "occurred_at", d.occurred_at)
}

/// A stock level's own checks: its key's texts are not blank, its time is in range.
fn check_inventory(ctx: &Context, l: &InventoryLevel, source: &str) -> Result<(), String> {
    not_blank(&[
        ("tenant_id", &l.tenant_id),
        ("store_id", &l.store_id),
        ("source", source),
    ])?;
    check_time(ctx, "as_of", l.as_of)
}

/// An error naming the first of `fields` that is empty or only whitespace (the schema's ids
/// have at least one character that is not whitespace).
fn not_blank(fields: &[(&str, &str)]) -> Result<(), String> {
    match fields.iter().find(|(_, v)| v.trim().is_empty()) {
        Some((name, _)) => Err(format!("field `{name}` is blank")),
        None => Ok(()),
    }
}

/// A `business_date` the sender gave must lie within two days of `occurred_at` (its UTC date):
/// the daily views look for a day's rows only among those timed within `date_slack` (two days)
/// of it (docs/continuous-aggregates.md), so a row dated further away was stored but missing
/// from every daily report. A date the service derives is always near.
fn given_date_near(date: Option<NaiveDate>, at: DateTime<Utc>) -> Result<(), String> {
    let Some(date) = date else { return Ok(()) };
    if (date - at.date_naive()).num_days().abs() <= 2 {
        return Ok(());
    }
    Err(format!(
        "business_date {date} is more than two days from occurred_at {at}: the daily views \
         would never count it"
    ))
}

/// An id as one part of a derived event id: `/` (the separator) and `%` escaped, so store
/// `S/1` with transaction `2` and store `S` with transaction `1/2` no longer both make
/// `pos/S/1/2/v0`, the second then dropped as a duplicate of the first. Ids without either
/// character (all we have seen) keep the event id they always had.
fn id_part(id: &str) -> std::borrow::Cow<'_, str> {
    if !id.contains(['/', '%']) {
        return id.into();
    }
    id.replace('%', "%25").replace('/', "%2F").into()
}

fn reject(tenant: &str, source: &str, event_id: &str, text: &str, reason: String) -> Reject {
    Reject {
        tenant_id: Some(tenant.to_string()),
        source: source.to_string(),
        event_id: Some(event_id.to_string()),
        payload: Some(text.to_string()),
        reason,
        detail: Value::Null,
    }
}

/// One envelope per event line: each event is its own inbox row, deduplicated by its event id.
/// A line that cannot be decoded becomes an envelope holding only a reject (its inbox row is
/// kept with status `rejected`, so `replay` can retry it after a fix). Each comes with its
/// number and its text (the line, or the element of a JSON array): the text is what such a
/// reject keeps, never the body's line of that number, which in an array is another element.
pub fn envelopes<'a>(
    ctx: &Context,
    body: &'a str,
) -> Vec<(usize, &'a str, Result<Envelope, PayloadError>)> {
    envelopes_of(ctx, events(body))
}

/// [`envelopes`] of the events given (numbered, with their text): `events(body)` or
/// `lines(body)`.
pub fn envelopes_of<'a>(
    ctx: &Context,
    events: impl Iterator<Item = (usize, &'a str)>,
) -> Vec<(usize, &'a str, Result<Envelope, PayloadError>)> {
    events
        .map(|(no, text)| {
            let env = decode(ctx, text).map(|d| {
                let raw = RawPayload {
                    tenant_id: d.tenant_id,
                    source: d.source,
                    event_id: d.event_id,
                    content_type: CONTENT_TYPE.into(),
                    payload: text.to_string(),
                    packed: None,
                };
                let mut env = Envelope::new(raw);
                match d.record {
                    Ok(r) => env.records.push(r),
                    Err(j) => env.rejects.push(j),
                }
                env
            });
            (no, text, env)
        })
        .collect()
}

/// All events of `text` in one envelope (one inbox row, `raw.payload` set to `text`): for
/// payloads that belong together, such as a store's end-of-day stock list.
pub fn envelope_of_lines(
    ctx: &Context,
    mut raw: RawPayload,
    text: String,
) -> Result<Envelope, PayloadError> {
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    for (no, line) in events(&text) {
        match decode(ctx, line) {
            Ok(d) => match d.record {
                Ok(r) => records.push(r),
                Err(j) => rejects.push(j),
            },
            Err(e) => {
                return Err(PayloadError {
                    field: e.field,
                    message: format!("event {no}: {}", e.message),
                })
            }
        }
    }
    raw.payload = text;
    Ok(Envelope {
        origin: crate::envelope::Origin::New(raw),
        records,
        rejects,
    })
}

/// An undecodable line as an envelope with one reject; its event id is a hash of its bytes so
/// resending the same bad line is a duplicate, not a second reject.
pub fn rejected_line(
    ctx: &Context,
    source: &str,
    line_no: usize,
    text: &str,
    err: &PayloadError,
) -> Envelope {
    use sha2::{Digest, Sha256};
    let id = format!(
        "rejected/{}",
        hex::encode(&Sha256::digest(text.as_bytes())[..16])
    );
    let raw = RawPayload {
        tenant_id: ctx.tenant_id.clone(),
        source: source.into(),
        event_id: id.clone(),
        content_type: CONTENT_TYPE.into(),
        payload: text.to_string(),
        packed: None,
    };
    let mut env = Envelope::new(raw);
    env.rejects.push(Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: source.into(),
        event_id: Some(id),
        payload: None,
        reason: err.message.clone(),
        detail: serde_json::json!({ "field": err.field, "line": line_no }),
    });
    env
}

/// The events of a body: NDJSON lines (1-based line numbers), or the elements of a JSON array.
/// A byte-order mark starting the body or a line (files concatenated with `cat`) is not part
/// of the event: it made that line "not JSON".
pub fn events(body: &str) -> Box<dyn Iterator<Item = (usize, &str)> + '_> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let trimmed = body.trim_start();
    if trimmed.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(trimmed) {
            return Box::new(items.into_iter().enumerate().map(|(i, r)| (i + 1, r.get())));
        }
        if !first_line_stands_alone(trimmed) {
            return Box::new(std::iter::once((1, body)));
        }
    }
    Box::new(lines(body))
}

/// The events of NDJSON: its non-blank lines (1-based line numbers), each without a leading
/// byte-order mark. A line that is a JSON array is one (bad) event here.
pub fn lines(body: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    body.lines()
        .map(|l| l.strip_prefix('\u{feff}').unwrap_or(l))
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
}

/// The events of a canonical inbox row, read as the row was stored: a row holds one event (a
/// line, an element of a JSON array, a body that was one broken event), which is that event
/// whatever its text looks like, or the lines of a stock list ([`envelope_of_lines`]). Read as a
/// body ([`events`]), a kept line `[1,2]` came back as two events and a pretty-printed element
/// as one "not JSON" reject per line. A single line or a single JSON value is one event; only a
/// text of several lines that is no one JSON value is read as a body.
pub fn stored_events(payload: &str) -> Box<dyn Iterator<Item = (usize, &str)> + '_> {
    let one_line = !payload.trim().contains('\n');
    if one_line || serde_json::from_str::<&serde_json::value::RawValue>(payload).is_ok() {
        return Box::new(std::iter::once((1, payload)));
    }
    events(payload)
}

/// Whether a canonical body opens a JSON array (after a byte-order mark and blanks): such a
/// body, or file, is read whole ([`events`]); cut into chunks of lines it is no JSON.
pub fn opens_array(head: &str) -> bool {
    head.strip_prefix('\u{feff}')
        .unwrap_or(head)
        .trim_start()
        .starts_with('[')
}

/// Whether a body that is no JSON array is NDJSON whose first line happens to be one (`[1,2]`,
/// a bad event): that line is then one reject and the lines after it are read, where the
/// whole body was one reject (an import chunk of 5 000 events lost to its first line). A
/// pretty-printed array with an error in it opens with a line that is no JSON on its own
/// (`[`), and stays one reject saying the array is broken.
fn first_line_stands_alone(body: &str) -> bool {
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    !rest.trim().is_empty() && serde_json::from_str::<&serde_json::value::RawValue>(first).is_ok()
}

/// The canonical event of a model transaction (used by the generator and round-trip tests).
pub fn encode_transaction(t: &Transaction) -> TxnEvent {
    TxnEvent {
        schema_version: SCHEMA_VERSION,
        kind: "transaction".into(),
        event_id: None,
        tenant_id: Some(t.key.tenant_id.clone()),
        store_id: t.key.store_id.clone(),
        source: t.key.source.clone(),
        txn_id: t.key.source_txn_id.clone(),
        version: t.source_version,
        occurred_at: t.occurred_at,
        business_date: Some(t.business_date),
        register_id: t.register_id.clone(),
        cashier_id: t.cashier_id.clone(),
        customer_id: t.customer_id.clone(),
        status: t.status,
        currency: t.currency.clone(),
        lines: t
            .lines
            .iter()
            .map(|l| LineEvent {
                line_no: l.line_no,
                kind: l.kind,
                item_id: l.raw_item_id.clone(),
                sku: Some(l.sku.clone()),
                gtin: l.gtin.clone(),
                description: l.description.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                discount: l.discount,
                net_amount: Some(l.net_amount),
                tax: l.tax,
                entry_method: l.entry_method,
                price_override: l.price_override,
                non_revenue: l.non_revenue,
                original_txn_id: l.original_txn_id.clone(),
                original_line_no: l.original_line_no,
            })
            .collect(),
        tenders: t
            .tenders
            .iter()
            .map(|x| TenderEvent {
                tender_no: x.tender_no,
                method: x.method,
                amount: x.amount,
                tip: x.tip,
                status: x.status,
                card_fingerprint: x.card_fingerprint.clone(),
                card_bin: x.card_bin.clone(),
                card_entry: x.card_entry,
                occurred_at: (x.occurred_at != t.occurred_at).then_some(x.occurred_at),
            })
            .collect(),
    }
}

pub fn encode_drawer(d: &DrawerEvent) -> DrawerEventV1 {
    DrawerEventV1 {
        schema_version: SCHEMA_VERSION,
        kind_tag: "drawer_event".into(),
        event_id: None,
        tenant_id: Some(d.tenant_id.clone()),
        store_id: d.store_id.clone(),
        source: d.source.clone(),
        drawer_event_id: d.source_event_id.clone(),
        version: d.source_version,
        occurred_at: d.occurred_at,
        business_date: Some(d.business_date),
        register_id: d.register_id.clone(),
        cashier_id: d.cashier_id.clone(),
        kind: d.kind,
        amount: d.amount,
        currency: d.currency.clone(),
    }
}

pub fn encode_inventory(l: &InventoryLevel, source: &str, version: i64) -> InventoryEventV1 {
    InventoryEventV1 {
        schema_version: SCHEMA_VERSION,
        kind_tag: "inventory_level".into(),
        event_id: None,
        tenant_id: Some(l.tenant_id.clone()),
        store_id: l.store_id.clone(),
        source: source.into(),
        item_id: l.sku.clone(),
        sku: Some(l.sku.clone()),
        on_hand: l.on_hand,
        as_of: l.as_of,
        version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> PayloadError {
        match decode(&Context::for_tenant("t"), text) {
            Err(e) => e,
            Ok(_) => panic!("{text} was read"),
        }
    }

    #[test]
    fn one_pass_reads_each_type_as_reading_the_head_first_does() {
        let ctx = Context::for_tenant("t");
        let events = [
            r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"pos","txn_id":"7","occurred_at":"2026-01-05T10:00:00Z","currency":"USD","lines":[{"line_no":1,"item_id":"4011","quantity":"2","unit_price":"1.50"}],"tenders":[{"tender_no":1,"method":"cash","amount":"3"}]}"#,
            r#"{"schema_version":1,"type":"inventory_level","store_id":"S1","item_id":"4011","on_hand":"12","as_of":"2026-01-05T10:00:00Z"}"#,
            r#"{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"pos","drawer_event_id":"d1","occurred_at":"2026-01-05T10:00:00Z","kind":"no_sale","currency":"USD"}"#,
        ];
        for text in events {
            let one = in_one_pass(&ctx, text).expect("read in one pass");
            assert_eq!(one, decode_by_head(&ctx, text), "{text}");
            assert!(one.unwrap().record.is_ok(), "{text}");
            // Written another way, the type is not guessed; the event reads the same.
            let spaced = text.replacen(r#""type":""#, r#""type": ""#, 1);
            assert!(in_one_pass(&ctx, &spaced).is_none());
            let (a, b) = (decode(&ctx, &spaced).unwrap(), decode(&ctx, text).unwrap());
            assert_eq!((a.event_id, a.record), (b.event_id, b.record));
        }
        // Named a transaction but of another version: explained as before.
        let v2 = events[0].replacen(r#""schema_version":1"#, r#""schema_version":2"#, 1);
        assert!(in_one_pass(&ctx, &v2).is_none());
        assert!(err(&v2)
            .message
            .contains("schema_version 2 is not supported"));
    }

    #[test]
    fn errors_name_the_field_without_a_text_position() {
        let e = err(
            r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"s","txn_id":"1",
                "occurred_at":"2026-01-05T10:00:00Z","currency":"USD",
                "lines":[{"line_no":1,"item_id":"4011","quantity":"two","unit_price":"1"}]}"#,
        );
        assert_eq!(e.field.as_deref(), Some("lines[0].quantity"));
        assert!(
            e.message.starts_with("field `lines[0].quantity`: "),
            "{}",
            e.message
        );
        assert!(!e.message.contains(" at line "), "{}", e.message);
    }

    #[test]
    fn what_is_not_an_event_says_so() {
        assert_eq!(err("[1, 2]").message, "an event must be a JSON object");
        assert!(err("{\"schema_version\":1,")
            .message
            .starts_with("not JSON: "));
        assert_eq!(
            err(r#"{"type":"transaction"}"#).field.as_deref(),
            Some("schema_version")
        );
        assert_eq!(
            err(r#"{"schema_version":1}"#).message,
            "field `type` is missing"
        );
        assert_eq!(
            err(r#"{"schema_version":1,"type":7}"#).message,
            r#"type 7 is not supported: write "transaction", "drawer_event" or "inventory_level""#
        );
        let e = err(
            r#"{"schema_version":1,"type":"inventory_level","store_id":"S1","item_id":"x","on_hand":"1","as_of":"2026-01-05T10:00:00Z","colour":"red"}"#,
        );
        assert!(
            e.message.contains("unknown field `colour`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_drawer_events_version_is_read_and_names_a_new_delivery() {
        let ctx = Context::for_tenant("t");
        let event = |version: &str| {
            let text = format!(
                r#"{{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"pos","drawer_event_id":"d1",{version}"occurred_at":"2026-01-05T10:00:00Z","kind":"over_short","amount":"-0.40","currency":"USD"}}"#
            );
            let d = decode(&ctx, &text).unwrap();
            let Ok(Record::Drawer(e)) = d.record else {
                panic!("{text}: not a drawer event")
            };
            assert_eq!(encode_drawer(&e).version, e.source_version);
            (d.event_id, e.source_version, e.amount)
        };
        let unversioned = event("");
        assert_eq!(unversioned.0, "pos/S1/drawer/d1");
        assert_eq!(
            (unversioned.1, unversioned.2.to_string()),
            (0, "-0.40".into())
        );
        let corrected = event(r#""version":3,"#);
        assert_eq!(
            (corrected.0.as_str(), corrected.1),
            ("pos/S1/drawer/d1/v3", 3)
        );
    }

    #[test]
    fn a_non_revenue_line_is_read_and_written_back_and_omitted_when_false() {
        let ctx = Context::for_tenant("t");
        let text = r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"pos","txn_id":"g1","occurred_at":"2026-01-05T10:00:00Z","currency":"USD","lines":[{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"2"},{"line_no":2,"item_id":"GIFT-25","quantity":"1","unit_price":"25","non_revenue":true}]}"#;
        let Ok(Record::Txn(t)) = decode(&ctx, text).unwrap().record else {
            panic!("{text}: not a transaction")
        };
        let flags: Vec<_> = t.lines.iter().map(|l| l.non_revenue).collect();
        assert_eq!(flags, [false, true]);
        let back = serde_json::to_value(encode_transaction(&t)).unwrap();
        assert_eq!(back["lines"][1]["non_revenue"], true);
        assert!(back["lines"][0].get("non_revenue").is_none());
        let again = decode(&ctx, &back.to_string()).unwrap().record.unwrap();
        assert_eq!(again, Record::Txn(t));
    }
}

#[cfg(test)]
#[path = "canonical_tests.rs"]
mod review_tests;
