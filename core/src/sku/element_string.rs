//! GS1 element strings and Digital Link URIs: what GS1-128, GS1 DataBar Expanded, GS1
//! DataMatrix and GS1 QR Code scans carry. Retail scanning is moving to these symbols (GS1's
//! "Sunrise 2027" for 2D codes at the till), and a POS passes the scan on as its item id:
//! `(01)09501101530003(3103)000750`, or as a scanner sends it, `]e00109501101530003` +
//! `3103000750`. The product key is the GTIN of application identifier (AI) 01; a weight or a
//! price the label carries comes with it.
//!
//! Rules from the GS1 General Specifications: the first two digits of an AI give its length
//! (2, 3 or 4 digits) and whether its value has a predefined length; any other value ends at
//! FNC1 (ASCII 29, "GS", in scanner output) or at the end of the string. Three forms are read:
//! bracketed (`(01)…(10)…`), scanned (digits with GS, after an optional AIM symbology
//! identifier of a GS1 symbol: `]C1`, `]e0`, `]d2`, `]Q3`, `]J1`), and Digital Link URIs
//! (`https://id.gs1.org/01/09506000134352/10/ABC?3103=000195`, after `]Q1` or `]d1` or none).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::cleanup::Mode;
use super::error::SkuError;
use super::gtin::{normalize_gtin, Gtin14};
use super::key_qualifiers::check_qualifiers;

/// FNC1 as scanners transmit it: the ASCII group separator.
const GS: char = '\u{1d}';

/// AIM symbology identifiers of the GS1 symbols that carry element strings.
const GS1_SYMBOLOGIES: [&str; 5] = ["]C1", "]e0", "]d2", "]Q3", "]J1"];

/// How the element string was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Bracketed,
    Scanned,
    DigitalLink,
}

impl Form {
    pub fn describe(self) -> &'static str {
        match self {
            Form::Bracketed => "GS1 element string",
            Form::Scanned => "GS1 element string as scanned",
            Form::DigitalLink => "GS1 Digital Link",
        }
    }
}

/// A unit of weight a label can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightUnit {
    /// AI 310n: net weight in kilograms.
    Kilogram,
    /// AI 320n: net weight in pounds.
    Pound,
}

/// What an element string says about a product at the till. Other AIs (batch, expiry,
/// serial…) are read past, not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeItem {
    pub form: Form,
    /// AI 01.
    pub gtin14: Option<Gtin14>,
    /// AI 310n or 320n, with its decimals applied.
    pub weight: Option<(Decimal, WeightUnit)>,
    /// AI 392n (amount payable), or 393n (with an ISO 4217 numeric currency).
    pub price: Option<Decimal>,
    /// The ISO 4217 numeric currency of AI 393n, e.g. `978` for the euro.
    pub currency: Option<String>,
    /// The AI of a Digital Link's primary key (`01`, or `8004` for a GIAI…): a key other than
    /// a GTIN names what the link identifies instead of a trade item.
    pub primary_key: Option<String>,
}

/// `None` when `raw` is not written as an element string; otherwise what it says, or why it
/// cannot be read. Bare digits count only when they read completely as AIs starting with 01
/// (sixteen digits or more, so no GTIN is ever taken for one).
pub fn recognise(raw: &str) -> Option<Result<TradeItem, SkuError>> {
    let s = raw.trim();
    if let Some(rest) = GS1_SYMBOLOGIES.iter().find_map(|id| s.strip_prefix(id)) {
        return Some(scanned(rest).and_then(|e| trade_item(Form::Scanned, &e)));
    }
    if s.starts_with('(') && s[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some(bracketed(s).and_then(|e| trade_item(Form::Bracketed, &e)));
    }
    // A Digital Link in a QR Code or Data Matrix is plain text (AIM `]Q1`, `]d1`), not GS1
    // mode.
    let url = ["]Q1", "]d1"]
        .iter()
        .find_map(|id| s.strip_prefix(id))
        .unwrap_or(s);
    let scheme = |p: &str| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    if scheme("https://") || scheme("http://") {
        return digital_link(url).map(|r| r.and_then(|e| trade_item(Form::DigitalLink, &e)));
    }
    if s.contains(GS) {
        return Some(scanned(s).and_then(|e| trade_item(Form::Scanned, &e)));
    }
    if s.len() >= 16 && s.starts_with("01") && s.bytes().all(|b| b.is_ascii_digit()) {
        return scanned(s)
            .and_then(|e| trade_item(Form::Scanned, &e))
            .ok()
            .map(Ok);
    }
    None
}

/// How many digits an AI starting with these two has; `None` for no assigned AI.
fn ai_digits(first: u8, second: u8) -> Option<usize> {
    match (first, second) {
        (b'0', b'0'..=b'4') | (b'1', _) | (b'2', b'0'..=b'2') | (b'3', b'0' | b'7') | (b'9', _) => {
            Some(2)
        }
        (b'2', b'3'..=b'5') | (b'4', b'0'..=b'2') | (b'7', b'1') => Some(3),
        (b'3', b'1'..=b'6' | b'9') | (b'4', b'3') | (b'7', b'0' | b'2') | (b'8', b'0'..=b'2') => {
            Some(4)
        }
        _ => None,
    }
}

/// Whether an AI (digits, as many as [`ai_digits`] gives) is assigned in the GS1 General
/// Specifications, as the GS1 Barcode Syntax Dictionary (2025) lists them. Reading past an
/// unassigned AI would guess its value's length, so it makes the string unreadable; an AI
/// GS1 assigns later needs adding here.
fn assigned(ai: &[u8]) -> bool {
    let n = ai
        .iter()
        .fold(0u32, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0')));
    match ai.len() {
        2 => matches!(n, 0..=3 | 10..=13 | 15..=17 | 20..=22 | 30 | 37 | 90..=99),
        3 => matches!(
            n,
            235 | 240..=243 | 250 | 251 | 253..=255 | 400..=403 | 410..=417 | 420..=427 | 710..=716
        ),
        4 => match ai {
            [b'3', b'1'..=b'6' | b'9', ..] => measure_or_amount(ai),
            _ => matches!(
                n,
                4300..=4326
                    | 4330..=4333
                    | 7001..=7011
                    | 7020..=7023
                    | 7030..=7041
                    | 7230..=7242
                    | 7250..=7259
                    | 8001..=8014
                    | 8017..=8020
                    | 8026
                    | 8030
                    | 8110..=8112
                    | 8200
            ),
        },
        _ => false,
    }
}

/// The measure (31nn to 36nn) and amount (39nn) families: measures take n = 0 to 5 decimals,
/// and only 310-316, 320-329, 330-337, 340-349, 350-357 and 360-369 are measures; amounts are
/// 3900-3939, 3940-3943 (percentage off) and 3950-3955 (price per unit of measure).
fn measure_or_amount(ai: &[u8]) -> bool {
    match *ai {
        [b'3', family @ b'1'..=b'6', third, n] => {
            let last_third = match family {
                b'1' => b'6',
                b'3' | b'5' => b'7',
                _ => b'9',
            };
            third <= last_third && n <= b'5'
        }
        [b'3', b'9', third, n] => match third {
            b'0'..=b'3' => true,
            b'4' => n <= b'3',
            b'5' => n <= b'5',
            _ => false,
        },
        _ => false,
    }
}

/// The value length of the AIs whose length is predefined (no FNC1 after them).
fn predefined_length(first: u8, second: u8) -> Option<usize> {
    match (first, second) {
        (b'0', b'0') => Some(18),
        (b'0', b'1'..=b'3') => Some(14),
        (b'0', b'4') => Some(16),
        // Dates (11 to 19) are six digits; AI 10, batch or lot, is up to 20 characters and
        // ends at FNC1 like any other variable value.
        (b'1', b'1'..=b'9') => Some(6),
        (b'2', b'0') => Some(2),
        (b'3', b'1'..=b'6') => Some(6),
        (b'4', b'1') => Some(13),
        _ => None,
    }
}

fn bad(detail: impl Into<String>) -> SkuError {
    SkuError::ElementString {
        detail: detail.into(),
    }
}

/// How many characters of a value or of the rest of a scan an error quotes.
const QUOTED: usize = 24;

/// A value or the rest of a scan as an error quotes it: whole when short, else its first
/// characters and its length. A scan has no length limit, and the message goes to a log, a
/// reject file and the SQL `reason` column.
fn quoted(s: &str) -> String {
    match s.char_indices().nth(QUOTED) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// What stands where an AI was expected, as `(…)` and `/…/` show it: whole when short.
fn shown_ai(s: &str) -> String {
    match s.char_indices().nth(QUOTED) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}… ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// AI and value pairs of the scanned form.
fn scanned(s: &str) -> Result<Vec<(String, String)>, SkuError> {
    let mut rest = s.trim_start_matches(GS);
    let mut out = Vec::new();
    while !rest.is_empty() {
        let b = rest.as_bytes();
        let (f, g) = match b {
            [f, g, ..] if f.is_ascii_digit() && g.is_ascii_digit() => (*f, *g),
            _ => {
                return Err(bad(format!(
                    "expected an application identifier at {}",
                    quoted(rest)
                )))
            }
        };
        let n = ai_digits(f, g).ok_or_else(|| {
            bad(format!(
                "no application identifier starts with {}{}",
                f as char, g as char
            ))
        })?;
        let ai = rest
            .get(..n)
            .filter(|a| a.bytes().all(|c| c.is_ascii_digit()));
        let ai = ai.ok_or_else(|| {
            bad(format!(
                "application identifier cut short at {}",
                quoted(rest)
            ))
        })?;
        if !assigned(ai.as_bytes()) {
            return Err(bad(format!("({ai}) is not a GS1 application identifier")));
        }
        rest = &rest[n..];
        let value = match predefined_length(f, g) {
            Some(len) => {
                let v = rest.get(..len).ok_or_else(|| {
                    bad(format!(
                        "AI ({ai}) needs {len} characters, {} left",
                        rest.len()
                    ))
                })?;
                rest = &rest[len..];
                v
            }
            None => {
                let end = rest.find(GS).unwrap_or(rest.len());
                let v = &rest[..end];
                rest = &rest[end..];
                v
            }
        };
        out.push((ai.to_string(), value.to_string()));
        rest = rest.trim_start_matches(GS);
    }
    Ok(out)
}

/// True for the digits of an assigned AI of the right length.
fn is_ai(ai: &str) -> bool {
    match ai.as_bytes() {
        [f, g, ..] if ai.bytes().all(|c| c.is_ascii_digit()) => {
            ai_digits(*f, *g) == Some(ai.len()) && assigned(ai.as_bytes())
        }
        _ => false,
    }
}

/// AI and value pairs of the bracketed form.
fn bracketed(s: &str) -> Result<Vec<(String, String)>, SkuError> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(after) = rest.strip_prefix('(') {
        let close = after
            .find(')')
            .ok_or_else(|| bad(format!("unclosed '(' at {}", quoted(rest))))?;
        let ai = &after[..close];
        if !is_ai(ai) {
            let ai = shown_ai(ai);
            return Err(bad(format!("({ai}) is not a GS1 application identifier")));
        }
        let body = &after[close + 1..];
        let end = body.find('(').unwrap_or(body.len());
        // No GS1 character set has a space: whitespace around a value is layout of the
        // printed text, `(01) 09501101530003 (17) 140704`.
        out.push((ai.to_string(), body[..end].trim().to_string()));
        rest = &body[end..];
    }
    if !rest.is_empty() {
        return Err(bad(format!(
            "text outside (AI)value pairs: {}",
            quoted(rest)
        )));
    }
    Ok(out)
}

/// AI and value pairs of a Digital Link URI: its path from the primary key on, then its numeric
/// query parameters. After the key the path holds that key's qualifiers only, in the
/// standard's order ([`check_qualifiers`]); the query's data attributes come in any order. `None` for a URI without a GS1 key (any other web address). A fragment, a
/// trailing slash and a path prefix of the domain's own (which may hold a `01` segment, a date)
/// are not part of the key; a key other than a GTIN (a GLN, an SSCC, a GIAI…) keys no trade
/// item, and says so as an element string without AI 01 does. The key's value is checked
/// against its AI's format here ([`check_key`]): nothing else reads it, and a mistyped asset or
/// document number must not pass as a key.
fn digital_link(s: &str) -> Option<Result<Vec<(String, String)>, SkuError>> {
    let s = s.split_once('#').map_or(s, |(uri, _)| uri);
    let (path, query) = s.split_once('?').unwrap_or((s, ""));
    let path = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments
        .windows(2)
        .position(|w| is_primary_key(w[0], w[1]))?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut pairs = segments[at..].chunks(2);
    for pair in pairs.by_ref() {
        match pair {
            [ai, _] if !is_ai(ai) => {
                return Some(Err(bad(format!(
                    "/{}/ in the URI path is not a GS1 application identifier",
                    shown_ai(ai)
                ))))
            }
            [ai, value] => out.push((ai.to_string(), percent_decoded(value))),
            [ai] => {
                let ai = shown_ai(ai);
                return Some(Err(bad(format!("AI ({ai}) has no value in the URI path"))));
            }
            _ => unreachable!("chunks of two"),
        }
    }
    let in_path = out.len();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        if is_ai(k) {
            out.push((k.to_string(), percent_decoded(v)));
        }
    }
    if let Some(Err(e)) = out.first().map(|(ai, value)| check_key(ai, value)) {
        return Some(Err(e));
    }
    if let Err(e) = one_primary_key(&out) {
        return Some(Err(e));
    }
    let qualifiers: Vec<&str> = out[1..in_path].iter().map(|(ai, _)| ai.as_str()).collect();
    if let Err(e) = check_qualifiers(&out[0].0, &qualifiers) {
        return Some(Err(e));
    }
    // A GTIN key may be written in its own length (8, 12 or 13 digits) in a URI.
    if let Some((_, g)) = out.first_mut().filter(|(ai, _)| ai == "01") {
        if matches!(g.len(), 8 | 12 | 13) {
            *g = format!("{g:0>14}");
        }
    }
    Some(Ok(out))
}

/// A Digital Link has one primary key: a GTIN (AI 01) in the path or the query of a link keyed
/// on something else is no qualifier or attribute of that key, and reading it would make a
/// GIAI or GDTI link key a trade item.
fn one_primary_key(pairs: &[(String, String)]) -> Result<(), SkuError> {
    match pairs.split_first() {
        Some(((key, _), rest)) if key != "01" && rest.iter().any(|(ai, _)| ai == "01") => {
            Err(bad(format!(
                "AI (01) in a GS1 Digital Link keyed on AI ({key}): a link has one primary key"
            )))
        }
        _ => Ok(()),
    }
}

/// A GS1 Digital Link primary key segment and its value (GS1 Digital Link URI syntax: the AIs
/// marked `dlpkey` in the GS1 Barcode Syntax Dictionary). The numeric keys are taken in their
/// fixed shape, the others when they start as every GS1 key does, with a GS1 Company Prefix
/// (four digits or more), so an ordinary web path (`/00/intro`, `/414/about`, `/401/faq`) is
/// not read as one. A key taken here is then checked against its format ([`check_key`]).
fn is_primary_key(ai: &str, value: &str) -> bool {
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    let len = value.len();
    match ai {
        "01" => digits && matches!(len, 8 | 12 | 13 | 14),
        "00" | "8006" | "8017" | "8018" => digits && len == 18,
        "414" | "415" | "417" => digits && len == 13,
        "402" => digits && len == 17,
        _ => key_format(ai).is_some() && starts_with_company_prefix(&percent_decoded(value)),
    }
}

/// The four digits a GS1 Company Prefix has at least: the start of every GS1 key (the
/// `key` rule of the GS1 Barcode Syntax Dictionary).
fn starts_with_company_prefix(value: &str) -> bool {
    value
        .as_bytes()
        .get(..4)
        .is_some_and(|p| p.iter().all(u8::is_ascii_digit))
}

/// The GS1 character sets of the values read here: 82 (the printable ASCII GS1 allows) and 39
/// (digits, capitals, `#`, `-`, `/`), and digits alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Digits,
    Set39,
    Set82,
}

/// GS1 character set 82 in its own order: a character's place is its value in a check
/// character pair.
const SET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

impl Charset {
    fn holds(self, c: char) -> bool {
        match self {
            Charset::Digits => c.is_ascii_digit(),
            Charset::Set39 => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            Charset::Set82 => SET82.contains(c),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Charset::Digits => "digits",
            Charset::Set39 => "GS1 character set 39 (digits, capitals, # - /)",
            Charset::Set82 => "GS1 character set 82",
        }
    }
}

/// The format of a Digital Link primary key other than a GTIN, from the GS1 Barcode Syntax
/// Dictionary (2025): `digits` leading digits ending in a GS1 check digit (0 for none),
/// then `min..=max` characters of `rest`.
#[derive(Debug, Clone, Copy)]
struct KeyFormat {
    /// What the key identifies, with its article, for the reason of a link that keys no
    /// trade item.
    name: &'static str,
    digits: usize,
    /// GRAI: the first of its 14 digits is a filler zero.
    zero_first: bool,
    min: usize,
    max: usize,
    rest: Charset,
    /// GMN: the last two characters are a GS1 check character pair.
    check_pair: bool,
}

impl KeyFormat {
    const fn numeric(name: &'static str, digits: usize) -> KeyFormat {
        KeyFormat {
            name,
            digits,
            zero_first: false,
            min: 0,
            max: 0,
            rest: Charset::Digits,
            check_pair: false,
        }
    }

    const fn text(name: &'static str, max: usize, rest: Charset) -> KeyFormat {
        KeyFormat {
            name,
            digits: 0,
            zero_first: false,
            // Never empty: a key is taken only when it starts with a company prefix.
            min: 0,
            max,
            rest,
            check_pair: false,
        }
    }
}

/// The primary keys of a GS1 Digital Link other than AI 01, with their formats.
fn key_format(ai: &str) -> Option<KeyFormat> {
    let f = match ai {
        "00" => KeyFormat::numeric("an SSCC, a logistic unit", 18),
        "414" => KeyFormat::numeric("a GLN, a location", 13),
        "415" => KeyFormat::numeric("the GLN of an invoicing party", 13),
        "417" => KeyFormat::numeric("a party GLN", 13),
        "402" => KeyFormat::numeric("a GSIN, a shipment", 17),
        "8017" | "8018" => KeyFormat::numeric("a GSRN, a service relation", 18),
        "8006" => KeyFormat {
            min: 4,
            max: 4,
            ..KeyFormat::numeric("an ITIP, a piece of a trade item", 14)
        },
        "8003" => KeyFormat {
            zero_first: true,
            max: 16,
            rest: Charset::Set82,
            ..KeyFormat::numeric("a GRAI, a returnable asset", 14)
        },
        "253" => KeyFormat {
            max: 17,
            rest: Charset::Set82,
            ..KeyFormat::numeric("a GDTI, a document", 13)
        },
        "255" => KeyFormat {
            max: 12,
            ..KeyFormat::numeric("a GCN, a coupon", 13)
        },
        "8004" => KeyFormat::text("a GIAI, an individual asset", 30, Charset::Set82),
        "401" => KeyFormat::text("a GINC, a consignment", 30, Charset::Set82),
        "8010" => KeyFormat::text("a CPID, a component or part", 30, Charset::Set39),
        "8013" => KeyFormat {
            check_pair: true,
            ..KeyFormat::text("a GMN, a product model", 25, Charset::Set82)
        },
        _ => return None,
    };
    Some(f)
}

/// What a Digital Link's primary key identifies: `None` for a GTIN or no known key.
pub(crate) fn key_name(ai: &str) -> Option<&'static str> {
    key_format(ai).map(|f| f.name)
}

/// A Digital Link primary key's value against its AI's format: length, character set, check
/// digit of its leading digits, check character pair. A GTIN is checked as every AI 01 is.
fn check_key(ai: &str, value: &str) -> Result<(), SkuError> {
    let Some(f) = key_format(ai) else {
        return Ok(());
    };
    let (digits, rest) = value.split_at_checked(f.digits).unwrap_or((value, ""));
    if digits.len() < f.digits || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!(
            "AI ({ai}) starts with {} digits, got {}",
            f.digits,
            quoted(value)
        )));
    }
    if f.zero_first && !digits.starts_with('0') {
        return Err(bad(format!(
            "AI ({ai}) starts with a filler digit 0, got {}",
            quoted(value)
        )));
    }
    check_digit_of(digits)?;
    check_rest(ai, &f, rest)?;
    if f.check_pair {
        check_pair(ai, value)?;
    }
    Ok(())
}

/// The GS1 check digit closing the leading digits of a key (none when there are none).
fn check_digit_of(digits: &str) -> Result<(), SkuError> {
    let Some(values) = super::check_digit::digit_values(digits).filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let (&found, data) = values.split_last().expect("not empty");
    let expected = super::check_digit::gs1_check_digit(data);
    if found == expected {
        return Ok(());
    }
    Err(SkuError::CheckDigit {
        digits: digits.to_string(),
        expected,
        found,
    })
}

/// The part of a key after its leading digits: its length and character set.
fn check_rest(ai: &str, f: &KeyFormat, rest: &str) -> Result<(), SkuError> {
    let n = rest.chars().count();
    if n < f.min || n > f.max {
        let what = match f.digits {
            0 => String::new(),
            d => format!(" after its {d} digits"),
        };
        let want = match (f.min, f.max) {
            (0, max) => format!("at most {max}"),
            (min, max) if min == max => format!("{max}"),
            (min, max) => format!("{min} to {max}"),
        };
        return Err(bad(format!(
            "AI ({ai}) takes {want} characters{what}, got {n}: {}",
            quoted(rest)
        )));
    }
    match rest.chars().position(|c| !f.rest.holds(c)) {
        Some(at) => Err(bad(format!(
            "AI ({ai}) holds {} only: {:?} at position {} of {}",
            f.rest.describe(),
            rest.chars().nth(at).unwrap_or_default(),
            f.digits + at + 1,
            quoted(rest)
        ))),
        None => Ok(()),
    }
}

/// GS1 character set 32, the check characters of a check character pair, in value order.
const SET32: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The first primes, the weights of a check character pair from the right.
const PRIMES: [u32; 24] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
];

/// The check character pair closing a GMN (GS1 General Specifications, check character
/// calculation for alphanumeric keys): the set-82 values of the characters before it, weighted
/// by the primes from the right, modulo 1021, written as two set-32 characters of five bits.
fn check_pair(ai: &str, value: &str) -> Result<(), SkuError> {
    // The value is set-82 ASCII by now; a split inside a character still reads as no pair.
    let (data, pair) = value
        .split_at_checked(value.len().saturating_sub(2))
        .unwrap_or((value, ""));
    let sum = data
        .chars()
        .rev()
        .zip(PRIMES)
        .map(|(c, w)| SET82.find(c).map_or(0, |v| v as u32) * w)
        .sum::<u32>()
        % 1021;
    let expected: String = [SET32[(sum >> 5) as usize], SET32[(sum & 31) as usize]]
        .iter()
        .map(|&b| char::from(b))
        .collect();
    if pair == expected {
        return Ok(());
    }
    Err(bad(format!(
        "check character pair of AI ({ai}) {} is {pair:?}, expected {expected:?}",
        quoted(value)
    )))
}

/// `%2F` and the like in a URI segment; a malformed escape stays as written.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // Two hex digits: `from_str_radix` alone would also take a sign (`%+1`).
        let hex = b
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The trade item of the pairs: AI 01 checked, weight and price read; an AI given twice with
/// two values, or two weights (price) of one unit in different decimals, is an error, as GS1
/// requires.
fn trade_item(form: Form, pairs: &[(String, String)]) -> Result<TradeItem, SkuError> {
    let mut item = TradeItem {
        form,
        gtin14: None,
        weight: None,
        price: None,
        currency: None,
        primary_key: None,
    };
    if form == Form::DigitalLink {
        item.primary_key = pairs.first().map(|(ai, _)| ai.clone());
    }
    // Each AI's first value, looked up once per pair (a long scan stays linear).
    let mut seen: HashMap<&str, &str> = HashMap::with_capacity(pairs.len());
    // The first AI of each group of AIs that GS1 lists as invalid pairings of each other.
    let mut paired: HashMap<&str, &str> = HashMap::new();
    for (ai, value) in pairs {
        if *seen.entry(ai).or_insert(value) != value {
            return Err(bad(format!(
                "AI ({ai}) appears twice with different values"
            )));
        }
        if let Some(group) = pairing_group(ai) {
            let first = *paired.entry(group).or_insert(ai);
            if first != ai {
                return Err(bad(format!(
                    "AI ({first}) and ({ai}) together are an invalid pairing: one {} per label",
                    if group == "39" { "price" } else { "weight" }
                )));
            }
        }
        match (ai.as_str(), ai.as_bytes().get(3)) {
            ("01", _) => item.gtin14 = Some(gtin(value)?),
            (a, Some(&d)) if a.starts_with("310") => {
                item.weight = Some((decimal(ai, value, d, 6)?, WeightUnit::Kilogram));
            }
            (a, Some(&d)) if a.starts_with("320") => {
                item.weight = Some((decimal(ai, value, d, 6)?, WeightUnit::Pound));
            }
            (a, Some(&d)) if a.starts_with("392") => item.price = Some(decimal(ai, value, d, 0)?),
            (a, Some(&d)) if a.starts_with("393") => {
                let (currency, amount) = value
                    .split_at_checked(3)
                    .filter(|(c, _)| c.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        bad(format!("AI ({ai}) starts with a 3-digit ISO 4217 currency"))
                    })?;
                item.price = Some(decimal(ai, amount, d, 0)?);
                item.currency = Some(currency.to_string());
            }
            _ => {}
        }
    }
    Ok(item)
}

/// The group of the AIs read here that may not appear together (GS1 General Specifications,
/// invalid pairings): 3100-3105, 3200-3205, and 3920-3929 with 3930-3939.
fn pairing_group(ai: &str) -> Option<&'static str> {
    match ai.get(..3)? {
        _ if ai.len() != 4 => None,
        "310" => Some("310"),
        "320" => Some("320"),
        "392" | "393" => Some("39"),
        _ => None,
    }
}

/// AI 01's value: exactly 14 digits, then the GTIN rules every code goes through (strict:
/// nothing to repair inside an element string).
fn gtin(value: &str) -> Result<Gtin14, SkuError> {
    if !(value.len() == 14 && value.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad(format!(
            "AI (01) must be 14 digits, got {}",
            quoted(value)
        )));
    }
    normalize_gtin(value, Mode::Strict).map(|n| n.gtin)
}

/// A measure or amount: digits with the decimals the AI's last digit gives. `exact`: the
/// number of digits the AI requires (0: 1 to 15).
fn decimal(ai: &str, value: &str, decimals: u8, exact: usize) -> Result<Decimal, SkuError> {
    let ok_len = if exact > 0 {
        value.len() == exact
    } else {
        (1..=15).contains(&value.len())
    };
    let n = value
        .parse::<i64>()
        .ok()
        .filter(|_| ok_len && value.bytes().all(|b| b.is_ascii_digit()));
    let want = if exact > 0 {
        format!("{exact} digits")
    } else {
        "1 to 15 digits".into()
    };
    let n = n.ok_or_else(|| bad(format!("AI ({ai}) needs {want}, got {}", quoted(value))))?;
    // The AI is all digits and assigned, so its last one is the number of decimals (0 to 5
    // for a measure, 0 to 9 for an amount).
    Ok(Decimal::new(n, u32::from(decimals - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(s: &str) -> TradeItem {
        recognise(s).expect("an element string").expect("readable")
    }

    fn error(s: &str) -> String {
        recognise(s)
            .expect("an element string")
            .unwrap_err()
            .to_string()
    }

    /// The GS1 General Specifications' own example, in every form a POS may pass it on.
    #[test]
    fn one_item_four_ways() {
        for s in [
            "(01)09501101530003(17)140704(10)AB-123",
            "]C101095011015300031714070410AB-123",
            "\u{1d}01095011015300031714070410AB-123",
            "https://id.gs1.org/01/09501101530003/10/AB-123?17=140704",
        ] {
            let t = item(s);
            assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003", "{s}");
            assert_eq!((t.weight, t.price), (None, None), "{s}");
        }
    }

    #[test]
    fn weight_and_price_come_with_the_gtin() {
        // A DataBar Expanded label of a weighed item: indicator 9, 0.750 kg, 4.49 payable.
        let t = item("]e001995012345678943103000750\u{1d}3922449");
        assert_eq!(t.gtin14.unwrap().as_str(), "99501234567894");
        assert_eq!(t.weight, Some((Decimal::new(750, 3), WeightUnit::Kilogram)));
        assert_eq!(t.price, Some(Decimal::new(449, 2)));
        let lb = item("(01)99501234567894(3202)000165(3932)840599");
        assert_eq!(lb.weight, Some((Decimal::new(165, 2), WeightUnit::Pound)));
        assert_eq!(
            (lb.price, lb.currency.as_deref()),
            (Some(Decimal::new(599, 2)), Some("840"))
        );
        // Variable-length values end at GS; predefined ones need none.
        let d = item("]d2010950110153000310LOT42\u{1d}21SN-7\u{1d}3103000125");
        assert_eq!(d.weight, Some((Decimal::new(125, 3), WeightUnit::Kilogram)));
    }

    /// AI 10 (batch or lot) is variable: a lot of any length up to 20 ends at GS or at the
    /// end, and the AI after it is read as an AI, not as the rest of the lot.
    #[test]
    fn batch_of_any_length() {
        for s in [
            "]C101095011015300031714070410ABCD1234\u{1d}2110",
            "\u{1d}0109501101530003101\u{1d}3103000750",
            "]d2010950110153000310A1B2C3D4E5F6G7H8I9J0\u{1d}17140704",
            "0109501101530003171407041012345",
        ] {
            let t = item(s);
            assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003", "{s}");
        }
        let t = item("\u{1d}0109501101530003101\u{1d}3103000750");
        assert_eq!(t.weight, Some((Decimal::new(750, 3), WeightUnit::Kilogram)));
        // A lot that swallowed the next AI would leave this weight unread.
        let t = item("]C10109501101530003107LOT\u{1d}3102012345");
        assert_eq!(
            t.weight,
            Some((Decimal::new(12345, 2), WeightUnit::Kilogram))
        );
    }

    #[test]
    fn digital_link_short_gtin_and_escapes() {
        let t =
            item("HTTPS://example.com/shop/01/9501101530003/21/A%2FB?3103=000189&linkType=gs1:pip");
        assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003");
        assert_eq!(t.weight, Some((Decimal::new(189, 3), WeightUnit::Kilogram)));
        assert!(recognise("https://example.com/products/42").is_none());
        assert!(recognise("https://example.com/news/2026/01/15/").is_none());
        let q = item("]Q1https://id.gs1.org/01/09501101530003");
        assert_eq!(
            (q.form, q.gtin14.unwrap().as_str()),
            (Form::DigitalLink, "09501101530003")
        );
    }

    #[test]
    fn what_is_not_an_element_string() {
        for s in [
            "036000291452",
            "09501101530003",
            "0109501101530003X",
            "(PLU) 4011",
            "]E04006381333931",
            "",
        ] {
            assert!(recognise(s).is_none(), "{s}");
        }
        // Sixteen digits or more that do not read as AIs stay whatever they were.
        assert!(recognise("0109501101530004").is_none(), "bad check digit");
        assert_eq!(
            item("0109501101530003").gtin14.unwrap().as_str(),
            "09501101530003"
        );
    }

    #[test]
    fn bad_element_strings_say_why() {
        assert_eq!(
            error("(01)09501101530004"),
            "check digit of 09501101530004 is 4, expected 3"
        );
        assert!(error("(01)0950110153000").contains("must be 14 digits"));
        assert!(error("(99x)1").contains("not a GS1 application identifier"));
        assert!(error("(3103)75").contains("needs 6 digits"));
        assert!(error("(3922)4.49").contains("needs 1 to 15 digits"));
        assert!(error("]C10109501101530003(17)").contains("expected an application identifier"));
        assert!(error("]C1380").contains("no application identifier starts with 38"));
        assert!(error("(01)09501101530003(01)09501101530010").contains("twice"));
        assert!(error("]C1011234").contains("needs 14 characters"));
        assert!(error("https://id.gs1.org/01/09501101530003/10").contains("no value"));
        assert!(recognise("https://id.gs1.org/01").is_none());
        assert!(error("https://x.io/01/09501101530003/310x/000750").contains("/310x/"));
        // Query keys that are not AIs (linkType, 310x) are read past.
        let t = item("https://x.io/01/09501101530003?310x=1&31034=2&linkType=all");
        assert_eq!(t.weight, None);
    }

    /// Digital Links as they are printed and typed: a trailing slash, a fragment, an empty
    /// query, and a path prefix of the brand's own that has a `01` segment (a date) before the
    /// GTIN key. Each read as "not an element string" or as an AI without a value.
    #[test]
    fn digital_link_as_written_in_the_wild() {
        for s in [
            "https://id.gs1.org/01/09501101530003/",
            "https://id.gs1.org/01/09501101530003/10/AB-123/",
            "https://id.gs1.org/01/09501101530003#nutrition",
            "https://id.gs1.org/01/09501101530003/?17=140704",
            "https://brand.example/2026/01/01/09501101530003/10/AB-123",
        ] {
            assert_eq!(item(s).gtin14.unwrap().as_str(), "09501101530003", "{s}");
        }
        let t = item("https://id.gs1.org/01/09501101530003/10/AB-123/?3103=000189#x");
        assert_eq!(t.weight, Some((Decimal::new(189, 3), WeightUnit::Kilogram)));
    }

    /// A Digital Link keyed on another GS1 key (a GLN `/414/`, an SSCC `/00/`, a piece of a
    /// trade item `/8006/`) is a GS1 Digital Link naming no trade item, like the element string
    /// `(00)…`: recognised, without a GTIN. It was not recognised at all, and the URI was
    /// reported as a barcode with a bad character 'h'.
    #[test]
    fn digital_link_with_another_primary_key() {
        for s in [
            "https://id.gs1.org/414/9520123456788",
            "https://id.gs1.org/00/106141411234567897",
            "https://id.gs1.org/8006/095011015300030102/21/7",
        ] {
            let t = item(s);
            assert_eq!((t.form, t.gtin14), (Form::DigitalLink, None), "{s}");
        }
        assert!(recognise("https://example.com/414/about").is_none());
    }

    /// A Digital Link keyed on an alphanumeric GS1 key (GS1 Digital Link URI syntax 1.2):
    /// GRAI, GIAI, GINC, CPID, GMN, GDTI, GCN. Each reads, as its AI and value with escapes
    /// decoded, and keys no trade item. They were not recognised, and the URI was reported as
    /// a barcode with a bad character 'h'.
    #[test]
    fn digital_link_with_an_alphanumeric_key() {
        for (s, ai, value) in [
            (
                "https://id.gs1.org/8003/03870585000552987",
                "8003",
                "03870585000552987",
            ),
            (
                "https://id.gs1.org/8003/03870585000552",
                "8003",
                "03870585000552",
            ),
            (
                "https://id.gs1.org/8004/0950110153A%2FB7",
                "8004",
                "0950110153A/B7",
            ),
            (
                "https://id.gs1.org/401/0950110153ABC-12",
                "401",
                "0950110153ABC-12",
            ),
            (
                "https://id.gs1.org/8010/0950110153%23AB-1%2F2/8011/7",
                "8010",
                "0950110153#AB-1/2",
            ),
            (
                "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K",
                "8013",
                "1987654Ad4X4bL5ttr2310c2K",
            ),
            (
                "https://id.gs1.org/253/4602443000331XYZ",
                "253",
                "4602443000331XYZ",
            ),
            (
                "https://id.gs1.org/255/081123456789012345",
                "255",
                "081123456789012345",
            ),
        ] {
            let pairs = digital_link(s).expect("a Digital Link").expect("readable");
            assert_eq!(pairs[0], (ai.to_string(), value.to_string()), "{s}");
            let t = item(s);
            assert_eq!((t.form, t.gtin14), (Form::DigitalLink, None), "{s}");
            assert_eq!(t.primary_key.as_deref(), Some(ai), "{s}");
        }
        // Query attributes come with the key; a web path is not taken for one.
        let t = item("https://id.gs1.org/8004/0950110153ABC?17=140704&3103=000750&linkType=all");
        assert_eq!(t.weight, Some((Decimal::new(750, 3), WeightUnit::Kilogram)));
        for s in [
            "https://example.com/401/faq",
            "https://example.com/8004/about-us",
            "https://example.com/253/12",
        ] {
            assert!(recognise(s).is_none(), "{s}");
        }
    }

    /// Each key's value against its format: the check digit of the leading digits of GRAI,
    /// GDTI and GCN, GMN's check character pair, lengths, character sets, GRAI's filler zero.
    #[test]
    fn digital_link_keys_are_checked() {
        let cases = [
            (
                "8003/03870585000553987",
                "check digit of 03870585000553 is 3, expected 2",
            ),
            ("8003/13870585000552987", "filler digit 0"),
            (
                "253/4602443000332XYZ",
                "check digit of 4602443000332 is 2, expected 1",
            ),
            (
                "255/0811234567891",
                "check digit of 0811234567891 is 1, expected 0",
            ),
            (
                "414/9520123456787",
                "check digit of 9520123456787 is 7, expected 8",
            ),
            (
                "8013/1987654Ad4X4bL5ttr2310cXK",
                "is \"XK\", expected \"2K\"",
            ),
            (
                "8003/03870585000552ABCDEFGHIJKLMNOPQ",
                "at most 16 characters after its 14 digits, got 17",
            ),
            (
                "253/4602443000331ABCDEFGHIJKLMNOPQR",
                "at most 17 characters after its 13 digits",
            ),
            (
                "255/08112345678901234567890123",
                "at most 12 characters after its 13 digits",
            ),
            ("255/0811234567890AB", "digits only: 'A' at position 14"),
            (
                "8004/0950110153ABCDEFGHIJKLMNOPQRSTU",
                "at most 30 characters, got 31",
            ),
            (
                "401/0950110153ABCDEFGHIJKLMNOPQRSTU",
                "at most 30 characters, got 31",
            ),
            (
                "8013/0950110153ABCDEFGHIJKLMNOP",
                "at most 25 characters, got 26",
            ),
            (
                "8010/0950110153ab",
                "character set 39 (digits, capitals, # - /) only: 'a' at position 11",
            ),
            (
                "8004/0950110153%20A",
                "character set 82 only: ' ' at position 11",
            ),
            ("253/46024430003", "starts with 13 digits"),
        ];
        for (path, want) in cases {
            let e = recognise(&format!("https://id.gs1.org/{path}"))
                .expect("an element string")
                .expect_err(path)
                .to_string();
            assert!(e.contains(want), "{path}: {e}");
        }
    }

    /// A GTIN in a link keyed on a GIAI, in its query or its path, would have keyed a trade
    /// item: a link has one primary key.
    #[test]
    fn digital_link_with_a_gtin_beside_another_key() {
        for s in [
            "https://id.gs1.org/8004/0950110153ABC?01=09501101530003",
            "https://id.gs1.org/8004/0950110153ABC/01/09501101530003",
            "https://id.gs1.org/414/9520123456788?01=09501101530003",
        ] {
            assert!(error(s).contains("one primary key"), "{s}: {}", error(s));
        }
        // A GTIN link repeating its own GTIN in the query reads as before.
        let t = item("https://id.gs1.org/01/09501101530003?01=09501101530003");
        assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003");
    }

    /// After the key, the path holds the key's qualifiers in the standard's order (GTIN: 22,
    /// 10, 21), any left out; one out of order, repeated, or no qualifier of the key makes the
    /// link unreadable, naming the AI. They were read in any order, as any AI. Data attributes
    /// in the query string read in any order, as before.
    #[test]
    fn digital_link_qualifiers_in_the_standards_order() {
        let gtin = "https://id.gs1.org/01/09501101530003";
        for path in [
            "/21/y",
            "/10/z/21/y",
            "/22/v/10/z/21/y",
            "/22/v",
            "/10/z/235/t",
        ] {
            let t = item(&format!("{gtin}{path}?3103=000189&17=140704"));
            assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003", "{path}");
            assert_eq!(t.weight, Some((Decimal::new(189, 3), WeightUnit::Kilogram)));
        }
        let t = item(&format!("{gtin}/10/z?17=140704&3103=000189&10=z"));
        assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003");
        for (path, want) in [
            ("/21/y/10/z", "AI (10) after AI (21)"),
            ("/10/z/22/v", "AI (22) after AI (10)"),
            ("/10/z/10/z", "AI (10) twice"),
            ("/21/y/235/t", "one of 21 or 235"),
            ("/17/140704", "AI (17) in the path"),
            ("/10/z/3103/000189", "AI (3103) in the path"),
        ] {
            let e = error(&format!("{gtin}{path}"));
            assert!(e.contains(want), "{path}: {e}");
        }
        let itip = "https://id.gs1.org/8006/095011015300030102";
        assert!(item(&format!("{itip}/22/v/10/z/21/7")).gtin14.is_none());
        assert!(error(&format!("{itip}/21/7/10/z")).contains("AI (10) after AI (21)"));
        let cpid = "https://id.gs1.org/8010/0950110153AB";
        assert!(item(&format!("{cpid}/8011/7")).primary_key.is_some());
        assert!(error(&format!("{cpid}/21/7")).contains("AI (21) in the path"));
        assert!(error("https://id.gs1.org/414/9520123456788/10/z").contains("no qualifier"));
        assert!(item("https://id.gs1.org/414/9520123456788/254/7")
            .gtin14
            .is_none());
    }

    /// An AI GS1 has not assigned, after the key, is refused naming the segment: its value's
    /// format is unknown. A query key that is no AI (`linkType`) is read past, as before.
    #[test]
    fn digital_link_with_an_unknown_ai() {
        let e = error("https://id.gs1.org/8004/0950110153ABC/8015/1");
        assert!(
            e.contains("/8015/ in the URI path is not a GS1 application identifier"),
            "{e}"
        );
        let e = error("https://id.gs1.org/253/4602443000331/x9/1");
        assert!(e.contains("/x9/"), "{e}");
        assert!(
            item("https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K?linkType=gs1:pip")
                .primary_key
                .is_some()
        );
    }

    /// GMN check character pairs of the GS1 General Specifications and Barcode Syntax Tests.
    #[test]
    fn gmn_check_character_pair() {
        for v in [
            "1987654Ad4X4bL5ttr2310c2K",
            "12345678901234567890123NT",
            "12345_ABCDEFGHIJKLMCP",
            "12345_!\"%&'()*+,-./LC",
            "00000!HV",
            "99999zzzzzzzzzzzzzzzzzzT2",
        ] {
            assert!(check_pair("8013", v).is_ok(), "{v}");
        }
        assert!(check_pair("8013", "1987654Ad4X4bL5ttr2310c2X").is_err());
        // Text outside set 82 is refused, never split inside a character.
        assert!(check_pair("8013", "0950110153é1").is_err());
        let e = error("https://id.gs1.org/8013/0950110153AB%C3%A9");
        assert!(e.contains("character set 82 only: 'é'"), "{e}");
    }

    /// `u8::from_str_radix` takes a leading `+`: `%+1` is no escape and stays as written.
    #[test]
    fn percent_escapes_are_two_hex_digits() {
        assert_eq!(percent_decoded("A%2FB%+1%2"), "A/B%+1%2");
    }

    /// A scan has no length limit before it reaches here, and the reason goes to a log, a
    /// reject file and the SQL `reason` column: errors quote a bounded part of what they
    /// point at, with its length, never the whole input.
    #[test]
    fn errors_quote_a_bounded_part_of_the_input() {
        let long = "A".repeat(100_000);
        for s in [
            format!("]C1{long}"),
            format!("]C101{long}"),
            format!("(0{long}"),
            format!("(0{long})1"),
            format!("(01)09501101530003{long}"),
            format!("(01){long}"),
            format!("(01)09501101530003(3922){long}"),
            format!("(01)09501101530003(3932)978{long}"),
            format!("https://id.gs1.org/01/09501101530003/{long}/1"),
            format!("https://id.gs1.org/01/09501101530003/10/1/{long}"),
        ] {
            let e = error(&s);
            assert!(e.len() < 200, "{} characters: {}…", e.len(), &e[..200]);
        }
        assert!(error(&format!("(01){long}")).contains("(100000 characters)"));
        // Short values are still quoted whole.
        assert!(error("(3922)4.49").contains("got \"4.49\""));
    }

    /// Only assigned AIs read (GS1 General Specifications AI table, as the GS1 Barcode Syntax
    /// Dictionary lists it): 04, 14, 18, 19, 230-234, 236-239, 244-249, 252, 256-259,
    /// 404-409, 418, 419, 428, 429, 717-719, 4327-4329, 4334+, 7000, 7012-7019, 7024-7029,
    /// 7042+, 7200-7229, 7243-7249, 8000, 8015, 8016, 8021-8025, 8027-8029, 8031+, 8100-8109,
    /// 8113+, 8201+ are none. Their value length is unknown, so reading past one guesses.
    #[test]
    fn unassigned_ais_are_refused() {
        for ai in [
            "04", "14", "18", "19", "230", "236", "244", "249", "252", "256", "404", "418", "428",
            "717", "4327", "4334", "7000", "7012", "7024", "7042", "7200", "7243", "8000", "8015",
            "8021", "8027", "8031", "8100", "8113", "8201",
        ] {
            let e = error(&format!("(01)09501101530003({ai})1"));
            assert!(e.contains(&format!("({ai}) is not a GS1")), "{ai}: {e}");
            let e = error(&format!("]C10109501101530003{ai}1"));
            assert!(e.contains(&format!("({ai}) is not a GS1")), "{ai}: {e}");
        }
        // Assigned ones, the newest included (03 MTO GTIN, 716, 7041, 7250-7259, 8014, 8030).
        for ai in [
            "02", "03", "11", "17", "20", "22", "235", "243", "255", "403", "417", "427", "716",
            "4326", "4333", "7011", "7023", "7041", "7242", "7259", "8014", "8020", "8026", "8030",
            "8112", "8200", "90", "99",
        ] {
            let value = match ai {
                "02" | "03" => "09501101530003",
                "11" | "17" => "140704",
                "20" => "01",
                _ => "1",
            };
            let s = format!("(01)09501101530003({ai}){value}");
            assert!(recognise(&s).unwrap().is_ok(), "{ai}: {:?}", recognise(&s));
        }
    }

    /// The text printed under a symbol is often copied with spaces between the pairs or after
    /// each AI. No AI's value holds a space (GS1 character sets 82, 39 and 64 have none), so
    /// whitespace around a value is layout, not data. It made the GTIN 15 characters.
    #[test]
    fn bracketed_with_spaces() {
        let t = item("(01) 09501101530003 (17) 140704 (10) AB-123");
        assert_eq!(t.gtin14.unwrap().as_str(), "09501101530003");
        let t = item("(01)99501234567894 (3103)000750\t(3922) 449");
        assert_eq!(t.weight, Some((Decimal::new(750, 3), WeightUnit::Kilogram)));
        assert_eq!(t.price, Some(Decimal::new(449, 2)));
    }

    /// A Digital Link URI is plain text in a Data Matrix too: AIM `]d1` (ECC 200, no FNC1)
    /// as `]Q1` in a QR Code. GS1 General Specifications allow both symbols to carry one.
    #[test]
    fn digital_link_in_a_data_matrix() {
        let t = item("]d1https://id.gs1.org/01/09501101530003/10/AB-123?3103=000189");
        assert_eq!(
            (t.form, t.gtin14.unwrap().as_str()),
            (Form::DigitalLink, "09501101530003")
        );
        assert_eq!(t.weight, Some((Decimal::new(189, 3), WeightUnit::Kilogram)));
        assert!(recognise("]d1https://example.com/products/42").is_none());
    }

    /// One measure or price per label: GS1 lists 3100-3105 as invalid pairings of each other
    /// (likewise 3200-3205), and 3920-3929 with 3930-3939. The last one used to win silently.
    #[test]
    fn one_weight_and_one_price_per_label() {
        for s in [
            "(01)99501234567894(3102)000075(3103)000750",
            "(01)99501234567894(3202)000165(3201)001650",
            "(01)99501234567894(3103)000750(3922)449(3921)4490",
            "(01)99501234567894(3103)000750(3922)449(3932)978449",
            "]C10199501234567894392244\u{1d}3932978449",
        ] {
            assert!(error(s).contains("invalid pairing"), "{s}: {}", error(s));
        }
        // kg and lb together are not an invalid pairing; the same AI twice with one value is
        // no conflict either.
        assert!(recognise("(01)99501234567894(3103)000750(3202)000165")
            .unwrap()
            .is_ok());
        let t = item("(01)99501234567894(3922)449(3922)449");
        assert_eq!(t.price, Some(Decimal::new(449, 2)));
    }

    /// The duplicate-AI check looks each AI up once: scanning every earlier pair made a long
    /// scan (no length limit reaches here) quadratic, minutes of one backend's CPU.
    #[test]
    fn many_pairs_are_checked_in_linear_time() {
        let many = format!("]C10109501101530003{}", "2012".repeat(200_000));
        let started = std::time::Instant::now();
        assert_eq!(item(&many).gtin14.unwrap().as_str(), "09501101530003");
        let late = format!("{many}2013");
        assert!(error(&late).contains("(20) appears twice"));
        // Quadratic took minutes here; linear takes milliseconds (debug build, shared CPU).
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    /// The measure AIs 31nn to 36nn have decimal-point indicators n = 0 to 5 only, and not
    /// every third digit is a family; 39nn amounts are 3900-3939, 3940-3943, 3950-3955 (GS1
    /// General Specifications, section 3.2, AI table). 3106 is no AI: it must not read as a
    /// net weight of six decimals.
    #[test]
    fn measure_ais_have_decimals_0_to_5() {
        for ai in [
            "3106", "3109", "3206", "3209", "3306", "3409", "3506", "3609", "3170", "3195", "3380",
            "3390", "3580", "3595", "3944", "3956", "3960", "3999",
        ] {
            let e = error(&format!("(01)09501101530003({ai})000750"));
            assert!(e.contains(&format!("({ai}) is not a GS1")), "{ai}: {e}");
            let e = error(&format!("]C10109501101530003{ai}000750"));
            assert!(e.contains(&format!("({ai}) is not a GS1")), "{ai}: {e}");
            let e = error(&format!("https://id.gs1.org/01/09501101530003/{ai}/000750"));
            assert!(e.contains(&format!("/{ai}/")), "{ai}: {e}");
            // In a Digital Link query, a key that is not an AI is read past.
            let q = item(&format!("https://id.gs1.org/01/09501101530003?{ai}=000750"));
            assert_eq!((q.weight, q.price), (None, None), "{ai}");
        }
        // The last assigned decimal indicator of each family still reads.
        for ai in [
            "3105", "3165", "3205", "3295", "3375", "3495", "3575", "3695", "3909", "3939", "3943",
            "3955",
        ] {
            assert!(
                recognise(&format!("(01)09501101530003({ai})000750"))
                    .unwrap()
                    .is_ok(),
                "{ai}"
            );
        }
        let t = item("(01)09501101530003(3105)075000");
        assert_eq!(
            t.weight,
            Some((Decimal::new(75000, 5), WeightUnit::Kilogram))
        );
    }
}
