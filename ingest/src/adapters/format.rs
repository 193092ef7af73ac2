//! Picking the adapter for a payload, and turning its output into writer envelopes. Shared by
//! `serve`, `import` and `replay` (which reads the format back from the inbox content type).

use super::{canonical, clover, csv, poslog, shopify, square, toast, Context, PayloadError};
use crate::envelope::{Envelope, RawPayload, Record, Reject};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Canonical,
    Square,
    Shopify,
    Poslog,
    Clover,
    /// Toast orders (a transaction per check) and cash management entries (drawer events).
    Toast,
    /// CSV read with the named mapping from the config.
    Csv(String),
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Ok(match s {
            "canonical" | "ndjson" => Format::Canonical,
            "square" => Format::Square,
            "shopify" => Format::Shopify,
            "poslog" => Format::Poslog,
            "clover" => Format::Clover,
            "toast" => Format::Toast,
            s if s.starts_with("csv:") && s.len() > 4 => Format::Csv(s[4..].to_string()),
            _ => return Err(format!("unknown format `{s}`: use canonical, square, shopify, poslog, clover, toast or csv:<mapping>")),
        })
    }
}

impl Format {
    pub fn content_type(&self) -> String {
        match self {
            Format::Canonical => canonical::CONTENT_TYPE.into(),
            Format::Square => square::CONTENT_TYPE.into(),
            Format::Shopify => shopify::CONTENT_TYPE.into(),
            Format::Poslog => poslog::CONTENT_TYPE.into(),
            Format::Clover => clover::CONTENT_TYPE.into(),
            Format::Toast => toast::CONTENT_TYPE.into(),
            Format::Csv(m) => format!("{}; mapping={m}", csv::CONTENT_TYPE),
        }
    }

    /// The format a stored inbox row was read with.
    pub fn from_content_type(ct: &str) -> Option<Format> {
        let f = ct
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("format="))?;
        match f {
            "canonical-v1" => Some(Format::Canonical),
            "csv-mapping" => ct
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("mapping="))
                .map(|m| Format::Csv(m.to_string())),
            other => other.parse().ok(),
        }
    }
}

/// Extra facts about a payload beyond its bytes.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// Use this event id instead of the one derived from the payload (file chunks).
    pub event_id: Option<String>,
    /// Shopify shop domain (webhook header `X-Shopify-Shop-Domain`).
    pub shop: Option<String>,
    /// Shopify webhook topic (`X-Shopify-Topic`, e.g. `orders/create`).
    pub topic: Option<String>,
    /// Clover merchant a fetched order belongs to (the notification named it; the order
    /// object itself may not).
    pub merchant: Option<String>,
    /// Toast restaurant GUID a bare Toast answer was asked for (the request header
    /// `Toast-Restaurant-External-ID`, which Toast's answers do not repeat).
    pub restaurant: Option<String>,
    /// For a chunk of a CSV file: the file's lines between the chunk's head and its first row,
    /// so that reject reasons name the file's rows (`csv::Plan`).
    pub line_offset: usize,
    /// How a canonical text holds its events.
    pub events: Events,
}

/// How a canonical text holds its events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Events {
    /// A request's body: NDJSON lines or a JSON array (`canonical::events`).
    #[default]
    Body,
    /// NDJSON lines and nothing else (a chunk of an NDJSON file): a line that is a JSON array
    /// is one bad event, as it is in a chunk of several lines, and never read as the events of
    /// the array (`canonical::lines`).
    Lines,
    /// A stored inbox row (`replay`): the one event it was kept as, never split again
    /// (`canonical::stored_events`).
    Stored,
}

impl Meta {
    /// The headers' facts as content-type parameters (`; shop=…; topic=…`), stored with the
    /// payload in the inbox so that `replay` maps it as it was first mapped (the shop decides
    /// the store). A value with characters outside `[A-Za-z0-9._/-]` is left out rather than
    /// let it break the parameter list.
    pub fn content_type_params(&self) -> String {
        let mut out = String::new();
        for (key, value) in [
            ("shop", &self.shop),
            ("topic", &self.topic),
            ("merchant", &self.merchant),
            ("restaurant", &self.restaurant),
        ] {
            if let Some(v) = value.as_deref().filter(|v| is_token(v)) {
                out.push_str(&format!("; {key}={v}"));
            }
        }
        if self.line_offset > 0 {
            out.push_str(&format!("; line_offset={}", self.line_offset));
        }
        out
    }

    /// The facts of a chunk of a CSV file: where in the file it starts.
    pub fn of_chunk(c: &csv::Chunk) -> Meta {
        Meta {
            line_offset: c.line_offset,
            ..Meta::default()
        }
    }

    /// The facts a stored content type carries (see [`Meta::content_type_params`]).
    pub fn from_content_type(ct: &str) -> Meta {
        let param = |key: &str| {
            ct.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        Meta {
            event_id: None,
            shop: param("shop"),
            topic: param("topic"),
            merchant: param("merchant"),
            restaurant: param("restaurant"),
            line_offset: param("line_offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            events: Events::Body,
        }
    }
}

fn is_token(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-'))
}

/// What mapping a payload gave: envelopes to write, and Square and Clover orders to fetch.
#[derive(Debug, Default)]
pub struct Mapped {
    pub envelopes: Vec<Envelope>,
    pub fetch_orders: Vec<String>,
    /// Clover `(merchant, order id)` named by a notification.
    pub fetch_clover: Vec<(String, String)>,
    /// Clover `(merchant, payment id)` named by a notification: their orders are fetched.
    pub fetch_clover_payments: Vec<(String, String)>,
    /// Records read (facts + rejects), for progress and metrics.
    pub records: usize,
}

fn one(
    ctx: &Context,
    source: &str,
    format: &Format,
    event_id: String,
    body: &str,
    recs: Vec<Result<Record, Reject>>,
) -> Envelope {
    let raw = RawPayload {
        tenant_id: ctx.tenant_id.clone(),
        source: source.into(),
        event_id,
        content_type: format.content_type(),
        payload: body.to_string(),
        packed: None,
    };
    let mut env = Envelope::new(raw);
    for r in recs {
        match r {
            Ok(rec) => env.records.push(rec),
            Err(j) => env.rejects.push(j),
        }
    }
    env
}

/// The text of a payload received as bytes. POSLog says its encoding in its XML declaration; a
/// CSV mapping may name one (`encoding`, with a byte-order mark winning over it); everything
/// else is UTF-8.
pub fn text_of<'a>(
    mappings: &HashMap<String, csv::Mapping>,
    format: &Format,
    bytes: &'a [u8],
) -> Result<Cow<'a, str>, PayloadError> {
    let declared = match format {
        Format::Poslog => return poslog::decode(bytes),
        Format::Csv(name) => mappings.get(name).and_then(|m| m.encoding.as_deref()),
        _ => None,
    };
    let label = declared.unwrap_or("utf-8");
    let encoding = Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        PayloadError::new(
            Some("encoding"),
            format!("`{label}` is not an encoding label"),
        )
    })?;
    if let Some(text) = utf8_copy_of_single_byte_export(encoding, bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let (text, used, bad) = encoding.decode(bytes);
    if bad {
        let hint = match format {
            Format::Csv(name) if declared.is_none() => format!(
                "; if the file is in another encoding, name it in mapping `{name}` (e.g. encoding = \"windows-1252\")"
            ),
            _ => String::new(),
        };
        return Err(PayloadError::new(
            Some("encoding"),
            format!("the body is not valid {}{hint}", used.name()),
        ));
    }
    Ok(text)
}

/// A body in UTF-8 where the mapping names a single-byte encoding: a copy of the export
/// re-saved as UTF-8 (Tableau's Superstore circulates as Windows-1252 and as UTF-8) decodes
/// as Windows-1252 without one bad byte, each `ä` turned into `Ã¤`. Single-byte text whose
/// every non-ASCII byte happens to form a UTF-8 sequence is practically unheard of (it takes
/// mojibake such as `Ã¤` in the original), so such a body is UTF-8. With a byte-order mark,
/// the mark decides, as before.
fn utf8_copy_of_single_byte_export<'a>(
    encoding: &'static Encoding,
    bytes: &'a [u8],
) -> Option<&'a str> {
    let single = encoding.is_single_byte() && Encoding::for_bom(bytes).is_none();
    (single && !bytes.is_ascii())
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten()
}

/// The chunks `import` cuts a CSV text into (at least `rows` rows each, see `csv::Plan`);
/// `None` for other formats, a mapping not in the config, or a CSV the reader refuses, which
/// is then mapped whole so that `map` reports why.
pub fn csv_plan(
    mappings: &HashMap<String, csv::Mapping>,
    format: &Format,
    text: &str,
    rows: usize,
) -> Option<csv::Plan> {
    let Format::Csv(name) = format else {
        return None;
    };
    csv::Plan::new(mappings.get(name)?, text, rows).ok()
}

/// Maps a payload. `Err` when nothing in it can be read (HTTP 400); bad records inside a
/// readable payload come back as rejects in the envelopes.
///
/// An adapter that panics on some input (a bug: they are fuzzed not to) answers an `Err` too,
/// naming the panic, instead of taking the request down with it: a webhook is then kept as
/// refused, for a replay once fixed, an import reports the file. The fuzzers call
/// [`map_unguarded`], where a panic still shows.
pub fn map(
    ctx: &Context,
    mappings: &HashMap<String, csv::Mapping>,
    format: &Format,
    body: &str,
    meta: &Meta,
) -> Result<Mapped, PayloadError> {
    guarded(|| map_unguarded(ctx, mappings, format, body, meta))
}

/// `f()`, or its panic as a payload error naming it.
fn guarded<T>(f: impl FnOnce() -> Result<T, PayloadError>) -> Result<T, PayloadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(PayloadError::new(
            None,
            format!(
                "could not be mapped: the adapter failed ({what}); this is a bug in \
                 pos-ingest, please report it with the payload"
            ),
        ))
    })
}

/// [`map`] without its guard against an adapter's panic.
pub fn map_unguarded(
    ctx: &Context,
    mappings: &HashMap<String, csv::Mapping>,
    format: &Format,
    body: &str,
    meta: &Meta,
) -> Result<Mapped, PayloadError> {
    let mut out = Mapped::default();
    match format {
        Format::Canonical => {
            let envs = match meta.events {
                Events::Body => canonical::envelopes(ctx, body),
                Events::Lines => canonical::envelopes_of(ctx, canonical::lines(body)),
                Events::Stored => canonical::envelopes_of(ctx, canonical::stored_events(body)),
            };
            for (no, text, env) in envs {
                // The event's own text: in a JSON array, "line `no`" of the body was the whole
                // array (one line: every bad element kept under one hash, all but the first
                // counted as duplicates, their rejects never written) or another element.
                let env = env
                    .unwrap_or_else(|e| canonical::rejected_line(ctx, "canonical", no, text, &e));
                out.records += env.records.len() + env.rejects.len();
                out.envelopes.push(env);
            }
        }
        Format::Square => {
            let p = square::parse(ctx, body)?;
            out.records = p.records.len();
            out.fetch_orders = p.fetch_orders;
            out.envelopes.push(one(
                ctx,
                square::SOURCE,
                format,
                meta.event_id.clone().unwrap_or(p.event_id),
                body,
                p.records,
            ));
        }
        Format::Shopify => {
            let p = shopify::parse(ctx, body, meta.shop.as_deref(), meta.topic.as_deref())?;
            out.records = p.records.len();
            let mut env = one(
                ctx,
                shopify::SOURCE,
                format,
                meta.event_id.clone().unwrap_or(p.event_id),
                body,
                p.records,
            );
            if let crate::envelope::Origin::New(raw) = &mut env.origin {
                raw.content_type.push_str(&meta.content_type_params());
            }
            out.envelopes.push(env);
        }
        Format::Poslog => {
            let p = poslog::parse(ctx, body)?;
            out.records = p.records.len();
            out.envelopes.push(one(
                ctx,
                poslog::SOURCE,
                format,
                meta.event_id.clone().unwrap_or(p.event_id),
                body,
                p.records,
            ));
        }
        Format::Clover => {
            let p = clover::parse(ctx, body, meta.merchant.as_deref())?;
            out.records = p.records.len();
            out.fetch_clover = p.fetch;
            out.fetch_clover_payments = p.fetch_payments;
            let mut env = one(
                ctx,
                clover::SOURCE,
                format,
                meta.event_id.clone().unwrap_or(p.event_id),
                body,
                p.records,
            );
            // The merchant a fetched order came for, so that `replay` maps it to the same store.
            if let crate::envelope::Origin::New(raw) = &mut env.origin {
                raw.content_type.push_str(&meta.content_type_params());
            }
            out.envelopes.push(env);
        }
        Format::Toast => {
            let p = toast::parse_for(ctx, body, meta.restaurant.as_deref())?;
            out.records = p.records.len();
            let mut env = one(
                ctx,
                toast::SOURCE,
                format,
                meta.event_id.clone().unwrap_or(p.event_id),
                body,
                p.records,
            );
            // The restaurant a bare answer was asked for, so that `replay` places it alike.
            if let crate::envelope::Origin::New(raw) = &mut env.origin {
                raw.content_type.push_str(&meta.content_type_params());
            }
            out.envelopes.push(env);
        }
        Format::Csv(name) => {
            let m = mappings.get(name).ok_or_else(|| {
                PayloadError::new(
                    Some("mapping"),
                    format!("no CSV mapping named `{name}` in the config ([csv.{name}])"),
                )
            })?;
            let p = csv::parse_at(ctx, m, body, meta.line_offset)?;
            out.records = p.records.len();
            use sha2::{Digest, Sha256};
            let id = meta.event_id.clone().unwrap_or_else(|| {
                format!(
                    "csv/{}",
                    hex::encode(&Sha256::digest(body.as_bytes())[..16])
                )
            });
            let mut env = one(ctx, &m.source, format, id, body, p.records);
            if let crate::envelope::Origin::New(raw) = &mut env.origin {
                raw.content_type.push_str(&meta.content_type_params());
            }
            out.envelopes.push(env);
        }
    }
    Ok(out)
}

/// A payload nothing could be read from, kept as it came (in the inbox, under a hash of its
/// bytes) with one reject saying why, so that `replay` can map it after a fix. `detail` is
/// merged with the error's field.
pub fn unreadable(
    ctx: &Context,
    source: &str,
    content_type: String,
    body: String,
    reason: String,
    mut detail: serde_json::Value,
) -> Envelope {
    let raw = RawPayload {
        tenant_id: ctx.tenant_id.clone(),
        source: source.into(),
        event_id: String::new(),
        content_type,
        payload: body,
        packed: None,
    };
    let mut env = Envelope::new(raw);
    if !detail.is_object() {
        detail = serde_json::json!({});
    }
    env.rejects.push(Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: source.into(),
        event_id: None,
        payload: None,
        reason,
        detail,
    });
    let mut envs = [env];
    quarantine_rejected(&mut envs);
    let [env] = envs;
    env
}

/// A payload that yielded only rejects is stored under a hash of its bytes instead of its
/// event id, so that the corrected payload, resent with the same event id, is not taken for a
/// duplicate of the rejected one.
pub fn quarantine_rejected(envs: &mut [Envelope]) {
    use sha2::{Digest, Sha256};
    for env in envs {
        if let crate::envelope::Origin::New(raw) = &mut env.origin {
            if env.records.is_empty()
                && !env.rejects.is_empty()
                && !raw.event_id.starts_with("rejected/")
            {
                raw.event_id = format!(
                    "rejected/{}",
                    hex::encode(&Sha256::digest(raw.payload.as_bytes())[..16])
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    /// An adapter's panic (a bug) is an error naming it, not the end of the request; a result
    /// passes through.
    #[test]
    fn a_panicking_adapter_is_a_payload_error() {
        let e = guarded::<()>(|| panic!("index out of bounds")).unwrap_err();
        assert!(e.to_string().contains("index out of bounds"), "{e}");
        assert!(e.to_string().contains("bug in pos-ingest"), "{e}");
        let owned = guarded::<()>(|| panic!("{} too large", 7)).unwrap_err();
        assert!(owned.to_string().contains("7 too large"), "{owned}");
        assert_eq!(guarded(|| Ok(3)).unwrap(), 3);
    }

    /// The kasse mapping of the CSV tests, optionally with an `encoding`.
    fn kasse(encoding: Option<&str>) -> HashMap<String, csv::Mapping> {
        let mut m = csv::Mapping::from_toml(include_str!("../../tests/data/kasse.toml")).unwrap();
        m.encoding = encoding.map(str::to_string);
        HashMap::from([("kasse".to_string(), m)])
    }

    /// Superstore as an npm sample-data package ships it: UTF-8 without a byte-order mark,
    /// read with the ready mapping's `encoding = "windows-1252"`.
    #[test]
    fn a_utf8_copy_of_a_windows_1252_export_is_read_as_utf8() {
        let csv = Format::Csv("kasse".into());
        let row = "Order ID,Product Name,Sales\nCA-2015-100041,M\u{f6}bius Tr\u{e4}ger 1\u{bd}\u{201d},9.5\n";
        let text = text_of(&kasse(Some("windows-1252")), &csv, row.as_bytes()).unwrap();
        assert_eq!(text, row);
        // The same row in Windows-1252 still reads as Windows-1252.
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(row);
        let text = text_of(&kasse(Some("windows-1252")), &csv, &cp1252).unwrap();
        assert_eq!(text, row);
    }

    #[test]
    fn text_of_decodes_a_mapped_csv_encoding_and_says_how_to_name_one() {
        let csv = Format::Csv("kasse".into());
        let cp1252 = b"Bon;Artikel\n1;K\xe4se 3,50 \x80\n";
        let text = text_of(&kasse(Some("windows-1252")), &csv, cp1252).unwrap();
        assert_eq!(text, "Bon;Artikel\n1;K\u{e4}se 3,50 \u{20ac}\n");
        // A byte-order mark wins over the mapping, and is not part of the text.
        let utf8 = "\u{feff}Bon\n1;K\u{e4}se\n".as_bytes();
        let text = text_of(&kasse(Some("windows-1252")), &csv, utf8).unwrap();
        assert_eq!(text, "Bon\n1;K\u{e4}se\n");
        let e = text_of(&kasse(None), &csv, cp1252).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("encoding"));
        assert!(
            e.message.contains("not valid UTF-8")
                && e.message.contains("encoding = \"windows-1252\""),
            "{}",
            e.message
        );
        let e = text_of(&HashMap::new(), &Format::Canonical, b"{\"a\":\"\xe4\"}").unwrap_err();
        assert!(
            e.message.contains("not valid UTF-8") && !e.message.contains("mapping"),
            "{}",
            e.message
        );
        let borrowed = text_of(&HashMap::new(), &Format::Shopify, b"{}").unwrap();
        assert!(
            matches!(borrowed, Cow::Borrowed("{}")),
            "UTF-8 is not copied"
        );
    }

    #[test]
    fn webhook_headers_survive_the_content_type_and_odd_values_are_left_out() {
        let meta = Meta {
            event_id: Some("webhook/1".into()),
            shop: Some("shop-a.myshopify.com".into()),
            topic: Some("orders/create".into()),
            ..Meta::default()
        };
        let ct = format!(
            "{}{}",
            Format::Shopify.content_type(),
            meta.content_type_params()
        );
        assert_eq!(
            ct,
            "application/json; format=shopify; shop=shop-a.myshopify.com; topic=orders/create"
        );
        assert_eq!(Format::from_content_type(&ct), Some(Format::Shopify));
        let back = Meta::from_content_type(&ct);
        assert_eq!(
            (back.shop, back.topic, back.event_id),
            (meta.shop, meta.topic, None)
        );
        let odd = Meta {
            shop: Some("a.myshopify.com; format=csv-mapping".into()),
            topic: Some("".into()),
            ..Meta::default()
        };
        assert_eq!(odd.content_type_params(), "");
        let chunk = Meta {
            line_offset: 5000,
            ..Meta::default()
        };
        let ct = format!(
            "{}{}",
            Format::Csv("x".into()).content_type(),
            chunk.content_type_params()
        );
        assert_eq!(
            ct,
            "text/csv; format=csv-mapping; mapping=x; line_offset=5000"
        );
        assert_eq!(Meta::from_content_type(&ct).line_offset, 5000);
        assert_eq!(
            Format::from_content_type(&ct),
            Some(Format::Csv("x".into()))
        );
        assert_eq!(
            Meta::from_content_type(Format::Shopify.content_type().as_str()).shop,
            None
        );
    }

    #[test]
    fn a_mapping_naming_an_unknown_encoding_is_refused() {
        let toml = format!(
            "encoding = \"latin-x\"\n{}",
            include_str!("../../tests/data/kasse.toml")
        );
        let e = csv::Mapping::from_toml(&toml).unwrap_err();
        assert!(e.contains("latin-x"), "{e}");
    }

    #[test]
    fn every_sample_file_maps_without_rejects() {
        let ctx = Context::for_tenant("t");
        let files = [
            (
                "square_orders_RetrieveOrderResponse_example.json",
                Format::Square,
                1,
            ),
            (
                "square_payments_GetPaymentResponse_example.json",
                Format::Square,
                1,
            ),
            (
                "square_refunds_GetPaymentRefundResponse_example.json",
                Format::Square,
                1,
            ),
            (
                "square_webhook_test_notification.body.json",
                Format::Square,
                0,
            ),
            (
                "shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json",
                Format::Shopify,
                2,
            ),
            (
                "shopify_rest_2025-07_refund_from_shopify-api-ruby_test.json",
                Format::Shopify,
                1,
            ),
            ("poslog_ncr-acs_kjbreil_SMALL.xml", Format::Poslog, 1),
            ("poslog_v6_jugi92_PosLog.xml", Format::Poslog, 1),
            ("poslog_v6_roqqio_retoure_with_link.xml", Format::Poslog, 1),
            (
                "poslog_v6_roqqio_sale_with_posStorno.xml",
                Format::Poslog,
                1,
            ),
            (
                "poslog_v6_roqqio_sale_with_tenderChange.xml",
                Format::Poslog,
                1,
            ),
            (
                "clover_webhook_notification_docs_example.json",
                Format::Clover,
                0,
            ),
        ];
        for (file, format, facts) in files {
            let m = map(
                &ctx,
                &HashMap::new(),
                &format,
                &sample(file),
                &Meta::default(),
            )
            .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(m.envelopes.len(), 1, "{file}");
            let env = &m.envelopes[0];
            assert!(env.rejects.is_empty(), "{file}: {:?}", env.rejects);
            assert_eq!(env.records.len(), facts, "{file}");
            let crate::envelope::Origin::New(raw) = &env.origin else {
                panic!()
            };
            assert_eq!(
                Format::from_content_type(&raw.content_type).as_ref(),
                Some(&format),
                "{file}"
            );
            assert_eq!(
                raw.payload,
                sample(file),
                "the raw payload is kept verbatim"
            );
        }
    }
}
