//! `parse_barcode`: what a scanned or keyed code is, in one pass — GTIN of any length, UPC-E,
//! ISBN/ISSN, PLU (plain or padded), or a variable-measure label with its embedded value.

use rust_decimal::Decimal;

use super::check_digit::gs1_is_valid;
use super::cleanup::{clean_digits, Digits, Mode, Repairs};
use super::element_string::{self, TradeItem, WeightUnit};
use super::error::SkuError;
use super::gtin::{fast_path, from_digits, Gtin14, GtinKind, Normalized, SourceForm};
use super::isbn;
use super::plu::{find_plu, Plu, PluForm};
use super::upce::expand_checked;
use super::variable_measure::{Measure, Scheme};

/// What a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarcodeKind {
    Ean8,
    UpcA,
    Ean13,
    Gtin14,
    UpcE,
    Isbn,
    Issn,
    /// A printed-music ISMN: EAN-13 `979-0…` (ISO 10957), the part of 979 ISBNs do not use.
    Ismn,
    Plu,
    VariableMeasure,
    /// A GS1 element string (GS1-128, DataBar Expanded, DataMatrix, QR) or Digital Link.
    ElementString,
    /// Not recognisably a barcode (letters, wrong length…).
    Unknown,
}

impl BarcodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BarcodeKind::Ean8 => "ean8",
            BarcodeKind::UpcA => "upc_a",
            BarcodeKind::Ean13 => "ean13",
            BarcodeKind::Gtin14 => "gtin14",
            BarcodeKind::UpcE => "upc_e",
            BarcodeKind::Isbn => "isbn",
            BarcodeKind::Issn => "issn",
            BarcodeKind::Ismn => "ismn",
            BarcodeKind::Plu => "plu",
            BarcodeKind::VariableMeasure => "variable_measure",
            BarcodeKind::ElementString => "gs1_element_string",
            BarcodeKind::Unknown => "unknown",
        }
    }
}

impl From<GtinKind> for BarcodeKind {
    fn from(k: GtinKind) -> Self {
        match k {
            GtinKind::Ean8 => BarcodeKind::Ean8,
            GtinKind::UpcA => BarcodeKind::UpcA,
            GtinKind::Ean13 => BarcodeKind::Ean13,
            GtinKind::Gtin14 => BarcodeKind::Gtin14,
        }
    }
}

/// The parsed code. Invalid codes keep their best-guess `kind` and say why in `reason`;
/// valid ones list lenient repairs (if any) in `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode {
    pub kind: BarcodeKind,
    /// GTIN-14; for variable-measure labels the item key (value digits zeroed).
    pub gtin14: Option<Gtin14>,
    pub plu: Option<Plu>,
    pub embedded_price: Option<Decimal>,
    pub embedded_weight: Option<Decimal>,
    pub valid: bool,
    pub reason: Option<String>,
}

impl Barcode {
    fn invalid(kind: BarcodeKind, err: &SkuError) -> Barcode {
        Barcode {
            kind,
            gtin14: None,
            plu: None,
            embedded_price: None,
            embedded_weight: None,
            valid: false,
            reason: Some(err.to_string()),
        }
    }

    fn valid(kind: BarcodeKind, gtin14: Option<Gtin14>, note: Option<String>) -> Barcode {
        Barcode {
            kind,
            gtin14,
            plu: None,
            embedded_price: None,
            embedded_weight: None,
            valid: true,
            reason: note,
        }
    }
}

/// What lenient mode did and what the code turned out to be, `None` when there is nothing to
/// say (the common case costs no allocation).
fn note(what: Option<&str>, repairs: &Repairs) -> Option<String> {
    match (what, repairs.any()) {
        (None, false) => None,
        (Some(w), false) => Some(w.to_string()),
        (None, true) => Some(repairs.describe()),
        (Some(w), true) => Some(format!("{w}; {}", repairs.describe())),
    }
}

/// Parse one code with a variable-measure `scheme` (use [`Scheme::gs1_default`] when the tenant
/// has none). Never fails: the verdict is in `valid` / `reason`.
pub fn parse_barcode(raw: &str, scheme: &Scheme, mode: Mode) -> Barcode {
    parse(raw, scheme, mode, Aim::NotRead)
}

/// The AIM symbology identifier of an EAN/UPC scan, as far as it has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aim {
    /// Not read (yet, or none was sent).
    NotRead,
    /// `]E0`: EAN-13, UPC-A or UPC-E.
    EanUpc,
    /// `]E4`: EAN-8.
    Ean8,
    /// `]E3`: EAN-13, UPC-A or UPC-E with its 2- or 5-digit add-on, in one packet.
    WithAddOn,
    /// `]E1`, `]E2`: a 2- or 5-digit add-on read alone.
    AddOnOnly,
}

/// `aim`: what was read of an AIM `]E0`/`]E4` prefix. A scanner sends one, so after it any
/// further `]` is an ordinary (invalid) character; reading them past one call deep each would
/// also overflow the stack on a long run of them.
fn parse(raw: &str, scheme: &Scheme, mode: Mode, aim: Aim) -> Barcode {
    // Fast path: 12 to 14 clean digits with a good check digit and more than 6 significant
    // digits (so no padded PLU) are a GTIN whatever the mode.
    if raw.len() >= 12 {
        if let Some(gtin) =
            fast_path(raw.as_bytes()).filter(|g| !g.as_str().starts_with("00000000"))
        {
            let n = Normalized {
                gtin,
                source: SourceForm::Gtin,
                repairs: Repairs::default(),
            };
            return from_normalized(Ok(n), scheme, BarcodeKind::Unknown);
        }
    }
    if let Some(found) = element_string::recognise(raw) {
        return from_element_string(found);
    }
    if aim == Aim::NotRead {
        if let Some((symbol, code)) = aim_ean_upc(raw) {
            return match symbol {
                Aim::WithAddOn => aim_with_add_on(code, scheme, mode),
                Aim::AddOnOnly => add_on_alone(),
                _ => parse(code, scheme, mode, symbol),
            };
        }
    }
    if mode == Mode::Lenient {
        if let Some(b) = separated_add_on(raw, scheme) {
            return b;
        }
    }
    if mode == Mode::Lenient {
        if let Some(found) = isbn::labelled_or_issn(raw) {
            return from_normalized(found, scheme, BarcodeKind::Isbn);
        }
    }
    if mode == Mode::Lenient {
        if let Some(rest) = plu_label(raw) {
            return labelled_plu(rest);
        }
    }
    let digits = match clean_digits(raw, mode, true) {
        Ok(d) => d,
        Err(e) => return Barcode::invalid(BarcodeKind::Unknown, &e),
    };
    if digits.check_x {
        let guess = match digits.len() {
            7 => BarcodeKind::Issn,
            _ => BarcodeKind::Isbn,
        };
        return from_normalized(isbn::ending_in_x(&digits, mode), scheme, guess);
    }
    if let Some((plu, form)) = find_plu(digits.as_slice()) {
        return plu_barcode(plu, form, &digits.repairs);
    }
    if digits.len() == 8 {
        // The scanner said which symbol it read: `]E4` is an EAN-8, and `]E0` before eight
        // digits a UPC-E (when it expands; otherwise read as without the identifier).
        let upce = (aim == Aim::EanUpc).then(|| upc_e(&digits, mode)).flatten();
        let b = match aim {
            Aim::Ean8 => None,
            _ => upce.or_else(|| eight_digits(&digits, mode)),
        };
        if let Some(b) = b {
            return b;
        }
    }
    if digits.len() <= 5 {
        let e = SkuError::Length {
            len: digits.len(),
            strict: mode == Mode::Strict,
        };
        let mut b = Barcode::invalid(BarcodeKind::Unknown, &e);
        b.reason = Some(format!(
            "{} digits is neither a PLU (3000-4999, 83000-84999, 93000-94999) nor a GTIN",
            digits.len()
        ));
        return b;
    }
    if mode == Mode::Lenient {
        if let Some(b) = book_or_serial_add_on(&digits, scheme) {
            return b;
        }
    }
    let guess = guess_kind(digits.len());
    from_normalized(from_digits(&digits, mode), scheme, guess)
}

/// The AIM symbology identifier a scanner may put before an EAN/UPC scan (ISO/IEC 15424,
/// 15420): `]E0` EAN-13, UPC-A or UPC-E; `]E4` EAN-8; `]E3` one of the first with its add-on;
/// `]E1`, `]E2` an add-on alone. And the code after it.
fn aim_ean_upc(raw: &str) -> Option<(Aim, &str)> {
    let s = raw.trim_start();
    let code = s.strip_prefix("]E")?;
    let symbol = match code.as_bytes().first()? {
        b'0' => Aim::EanUpc,
        b'4' => Aim::Ean8,
        b'3' => Aim::WithAddOn,
        b'1' | b'2' => Aim::AddOnOnly,
        _ => return None,
    };
    Some((symbol, &code[1..]))
}

/// `]E3`: the main code and its add-on in one packet, 15 or 18 digits (the main code as
/// EAN-13, ISO/IEC 15420); 14 or 17 when the decoder sends a UPC-A as 12 digits; lenient mode
/// also takes a space before the add-on (which some decoders put there, also after a UPC-E).
/// The main code is the product; the add-on (an issue number, a price) is reported only.
fn aim_with_add_on(code: &str, scheme: &Scheme, mode: Mode) -> Barcode {
    let split = match mode {
        Mode::Lenient => split_at_space(code).or_else(|| split_packet(code.trim())),
        Mode::Strict => split_packet(code),
    };
    match split {
        Some((main, add_on)) => noted_add_on(parse(main, scheme, mode, Aim::EanUpc), add_on),
        None => {
            let mut b = Barcode::invalid(BarcodeKind::Unknown, &SkuError::Empty);
            b.reason = Some(
                "AIM ]E3 is an EAN/UPC with a 2- or 5-digit add-on, 15 or 18 digits in all: the add-on is missing".into(),
            );
            b
        }
    }
}

fn add_on_alone() -> Barcode {
    let mut b = Barcode::invalid(BarcodeKind::Unknown, &SkuError::Empty);
    b.reason = Some(
        "an EAN/UPC add-on read alone (AIM ]E1, ]E2): the product's own code was not scanned"
            .into(),
    );
    b
}

/// One packet of digits: the last 2 (14 or 15 digits) or 5 (17 or 18) are the add-on.
fn split_packet(code: &str) -> Option<(&str, &str)> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let add_on = match code.len() {
        14 | 15 => 2,
        17 | 18 => 5,
        _ => return None,
    };
    Some(code.split_at(code.len() - add_on))
}

/// `9780306406157 51299`: a code, whitespace, then 2 or 5 digits.
fn split_at_space(code: &str) -> Option<(&str, &str)> {
    let (main, add_on) = code.trim().rsplit_once(char::is_whitespace)?;
    let main = main.trim_end();
    let digits = matches!(add_on.len(), 2 | 5) && add_on.bytes().all(|b| b.is_ascii_digit());
    (digits && !main.is_empty()).then_some((main, add_on))
}

/// Lenient, without an AIM identifier: a valid 12- or 13-digit GTIN, a space, 2 or 5 digits
/// is a code with its add-on as a decoder writes it.
fn separated_add_on(raw: &str, scheme: &Scheme) -> Option<Barcode> {
    let (main, add_on) = split_at_space(raw)?;
    let digits = clean_digits(main, Mode::Lenient, false).ok()?;
    if !matches!(digits.len(), 12 | 13) {
        return None;
    }
    let b = parse(main, scheme, Mode::Lenient, Aim::EanUpc);
    (b.valid && b.gtin14.is_some()).then(|| noted_add_on(b, add_on))
}

/// Lenient, bare 15 or 18 digits (no GTIN has that many; starting with 9 they are no padded
/// GTIN either): a book's or periodical's EAN-13 (977 ISSN, 978-979 ISBN, ISMN) and its
/// add-on, when the first 13 pass their check digit. Other prefixes are left alone: 15 or 18
/// digits are as often an id of the POS's own, and 1 in 10 of those would pass.
fn book_or_serial_add_on(digits: &Digits, scheme: &Scheme) -> Option<Barcode> {
    let v = digits.as_slice();
    if !matches!(v.len(), 15 | 18) || !matches!(v[..3], [9, 7, 7..=9]) || !gs1_is_valid(&v[..13]) {
        return None;
    }
    let text = |d: &[u8]| d.iter().map(|x| char::from(b'0' + x)).collect::<String>();
    let b = parse(&text(&v[..13]), scheme, Mode::Lenient, Aim::EanUpc);
    Some(noted_add_on(b, &text(&v[13..])))
}

/// The add-on in the reason of a valid main code.
fn noted_add_on(mut b: Barcode, add_on: &str) -> Barcode {
    if b.valid {
        let what = format!(
            "{}-digit add-on {add_on}, not part of the key",
            add_on.len()
        );
        b.reason = Some(b.reason.map_or(what.clone(), |r| format!("{r}; {what}")));
    }
    b
}

/// The trade item of an element string: its GTIN, and the weight or price the label carries.
fn from_element_string(found: Result<TradeItem, SkuError>) -> Barcode {
    let t = match found {
        Ok(t) => t,
        Err(e) => return Barcode::invalid(BarcodeKind::ElementString, &e),
    };
    let Some(gtin) = t.gtin14 else {
        let mut b = Barcode::invalid(BarcodeKind::ElementString, &SkuError::Empty);
        b.reason = Some(without_gtin(&t));
        return b;
    };
    let mut what = t.form.describe().to_string();
    if let Some((w, unit)) = t.weight {
        let unit = match unit {
            WeightUnit::Kilogram => "kg",
            WeightUnit::Pound => "lb",
        };
        what.push_str(&format!(", net weight {w} {unit}"));
    }
    if let Some(c) = &t.currency {
        what.push_str(&format!(", price in ISO 4217 currency {c}"));
    }
    let mut b = Barcode::valid(BarcodeKind::ElementString, Some(gtin), Some(what));
    b.embedded_weight = t.weight.map(|(w, _)| w);
    b.embedded_price = t.price;
    b
}

/// Why an element string keys no trade item; a Digital Link says what its key names instead
/// (a GIAI names an asset, a GDTI a document…), since that is what the data's owner must see
/// to know the scan is no product.
fn without_gtin(t: &TradeItem) -> String {
    let form = t.form.describe();
    match t
        .primary_key
        .as_deref()
        .and_then(|ai| Some((ai, element_string::key_name(ai)?)))
    {
        Some((ai, name)) => {
            format!("{form} of {name} (AI {ai}), without a GTIN (AI 01): no trade item to key")
        }
        None => format!("{form} without a GTIN (AI 01): no trade item to key"),
    }
}

/// `PLU 4011`, `plu:94011`, `PLU#4011`: the rest after a PLU label.
fn plu_label(raw: &str) -> Option<&str> {
    let text = raw.trim_start();
    let rest = text
        .get(..3)
        .filter(|l| l.eq_ignore_ascii_case("PLU"))
        .map(|_| &text[3..])?;
    // Any whitespace, as clean-up takes it elsewhere (a no-break space from a spreadsheet).
    let separator = |c: char| matches!(c, ':' | '#' | '-') || c.is_whitespace();
    let label_ends = |c: char| c.is_ascii_digit() || separator(c);
    rest.starts_with(label_ends)
        .then(|| rest.trim_start_matches(separator))
}

/// A labelled code must be a PLU; anything else is invalid, never a GTIN.
fn labelled_plu(rest: &str) -> Barcode {
    let digits = match clean_digits(rest, Mode::Lenient, false) {
        Ok(d) => d,
        Err(e) => return Barcode::invalid(BarcodeKind::Plu, &e),
    };
    match find_plu(digits.as_slice()) {
        Some((plu, form)) => {
            let mut b = plu_barcode(plu, form, &digits.repairs);
            b.reason = Some(
                b.reason
                    .map_or("PLU label".into(), |r| format!("PLU label; {r}")),
            );
            b
        }
        None => {
            let mut b = Barcode::invalid(BarcodeKind::Plu, &SkuError::Empty);
            b.reason = Some(format!(
                "labelled PLU {} is outside the IFPS ranges (3000-4999, 83000-84999, 93000-94999)",
                digits.to_ascii()
            ));
            b
        }
    }
}

fn plu_barcode(plu: Plu, form: PluForm, repairs: &Repairs) -> Barcode {
    let form_note = match form {
        PluForm::Plain => None,
        PluForm::Padded => Some("PLU padded with zeros"),
        PluForm::PaddedWithCheck => Some("PLU padded with zeros and a check digit"),
    };
    let mut b = Barcode::valid(BarcodeKind::Plu, None, note(form_note, repairs));
    b.plu = Some(plu);
    b
}

/// Eight digits: UPC-E or EAN-8. EAN-8 codes starting with 0 are GS1 restricted-circulation
/// numbers, so a leading 0 is read as UPC-E first; a leading 1 as EAN-8 first. `None` = not
/// decided here (other first digits are EAN-8 only).
fn eight_digits(digits: &Digits, mode: Mode) -> Option<Barcode> {
    let v = digits.as_slice();
    if v[0] > 1 {
        return None;
    }
    let six = [v[1], v[2], v[3], v[4], v[5], v[6]];
    let upce = expand_checked(v[0], six, Some(v[7]), mode);
    let ean8_ok = gs1_is_valid(v);
    match (v[0], upce, ean8_ok) {
        (0, Ok(g), _) | (1, Ok(g), false) => Some(Barcode::valid(
            BarcodeKind::UpcE,
            Some(g),
            note(Some("expanded from UPC-E"), &digits.repairs),
        )),
        (0, Err(e), false) => Some(Barcode::invalid(BarcodeKind::UpcE, &e)),
        _ => None,
    }
}

/// Eight digits known to be a UPC-E: the valid expansion, `None` when they do not expand.
fn upc_e(digits: &Digits, mode: Mode) -> Option<Barcode> {
    let v = digits.as_slice();
    let six = [v[1], v[2], v[3], v[4], v[5], v[6]];
    let g = expand_checked(v[0], six, Some(v[7]), mode).ok()?;
    Some(Barcode::valid(
        BarcodeKind::UpcE,
        Some(g),
        note(Some("expanded from UPC-E"), &digits.repairs),
    ))
}

fn guess_kind(len: usize) -> BarcodeKind {
    match len {
        8 => BarcodeKind::Ean8,
        9..=12 => BarcodeKind::UpcA,
        13 => BarcodeKind::Ean13,
        14 => BarcodeKind::Gtin14,
        _ => BarcodeKind::Unknown,
    }
}

fn from_normalized(
    found: Result<Normalized, SkuError>,
    scheme: &Scheme,
    guess: BarcodeKind,
) -> Barcode {
    let n = match found {
        Ok(n) => n,
        Err(e) => return Barcode::invalid(guess, &e),
    };
    if let Some(vm) = scheme.decode(&n.gtin) {
        let mut what = format!("variable measure, prefix {}", vm.prefix);
        // A value whose own check digit fails is not one to report; the item key is still
        // right, since the GTIN check digit covers every digit.
        let value = match vm.value_check_mismatch {
            None => Some(vm.value),
            Some((found, expected)) => {
                let m = vm.measure.as_str();
                what.push_str(&format!(
                    ", {m} check digit is {found}, expected {expected}: {m} not read"
                ));
                None
            }
        };
        let reason = note(Some(&what), &n.repairs);
        let mut b = Barcode::valid(BarcodeKind::VariableMeasure, Some(vm.item_key), reason);
        match vm.measure {
            Measure::Price => b.embedded_price = value,
            Measure::Weight => b.embedded_weight = value,
        }
        return b;
    }
    let kind = match (n.source, n.gtin.kind(), &n.gtin.as_str()[1..4]) {
        (_, GtinKind::Ean13, "979") if n.gtin.as_str().as_bytes()[4] == b'0' => BarcodeKind::Ismn,
        (SourceForm::Isbn10 | SourceForm::Isbn13, _, _) => BarcodeKind::Isbn,
        (SourceForm::Issn, _, _) => BarcodeKind::Issn,
        (_, GtinKind::Ean13, "978" | "979") => BarcodeKind::Isbn,
        (_, GtinKind::Ean13, "977") => BarcodeKind::Issn,
        (_, k, _) => k.into(),
    };
    let what = not_a_trade_item(&n.gtin);
    Barcode::valid(kind, Some(n.gtin), note(what.as_deref(), &n.repairs))
}

/// GS1 prefixes that number something other than a trade item (GS1 General Specifications,
/// GS1 prefix table): 99 coupons, 981-984 coupons in a common currency area, 980 refund
/// receipts. Such a code is read and keyed like any other (a till scans it as a line), and
/// says what it is. (UPC number system 5, once coupons, is GS1 US "reserved" now.)
fn not_a_trade_item(gtin: &Gtin14) -> Option<String> {
    if gtin.kind() != GtinKind::Ean13 {
        return None;
    }
    let g = gtin.as_str();
    let what = match (&g[1..3], &g[1..4]) {
        ("99", _) => ("GS1 coupon number", &g[1..3]),
        (_, "981" | "982" | "983" | "984") => ("GS1 coupon number", &g[1..4]),
        (_, "980") => ("refund receipt number", &g[1..4]),
        _ => return None,
    };
    Some(format!("{} (prefix {}), not a trade item", what.0, what.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Barcode {
        parse_barcode(s, &Scheme::gs1_default(), Mode::Lenient)
    }

    #[test]
    fn kinds() {
        assert_eq!(parse("036000291452").kind, BarcodeKind::UpcA);
        assert_eq!(parse("4006381333931").kind, BarcodeKind::Ean13);
        assert_eq!(parse("9780306406157").kind, BarcodeKind::Isbn);
        assert_eq!(parse("0-306-40615-2").kind, BarcodeKind::Isbn);
        assert_eq!(parse("96385074").kind, BarcodeKind::Ean8);
        let e = parse("04252614");
        assert_eq!(
            (e.kind, e.gtin14.unwrap().as_str()),
            (BarcodeKind::UpcE, "00042100005264")
        );
        let p = parse("94011");
        assert_eq!(
            (p.kind, p.plu.unwrap().base(), p.plu.unwrap().organic),
            (BarcodeKind::Plu, "4011".into(), true)
        );
        let v = parse("212345105993");
        assert_eq!(v.kind, BarcodeKind::VariableMeasure);
        assert_eq!(v.embedded_price, Some(Decimal::new(599, 2)));
    }

    #[test]
    fn element_strings_and_aim_prefixes() {
        let e = parse("]e001995012345678943103000750\u{1d}3922449");
        assert_eq!(
            (e.kind, e.gtin14.unwrap().as_str(), e.valid),
            (BarcodeKind::ElementString, "99501234567894", true)
        );
        assert_eq!(e.embedded_weight, Some(Decimal::new(750, 3)));
        assert_eq!(e.embedded_price, Some(Decimal::new(449, 2)));
        assert_eq!(
            e.reason.as_deref(),
            Some("GS1 element string as scanned, net weight 0.750 kg")
        );
        let sscc = parse("(00)106141411234567897");
        assert_eq!((sscc.kind, sscc.valid), (BarcodeKind::ElementString, false));
        assert!(sscc.reason.unwrap().contains("without a GTIN"));
        let bad = parse("(01)09501101530004");
        assert_eq!((bad.kind, bad.valid), (BarcodeKind::ElementString, false));
        // A Digital Link keyed on another GS1 key says what it names.
        let giai = parse("https://id.gs1.org/8004/0950110153A%2FB7");
        assert_eq!((giai.kind, giai.valid), (BarcodeKind::ElementString, false));
        assert_eq!(
            giai.reason.as_deref(),
            Some("GS1 Digital Link of a GIAI, an individual asset (AI 8004), without a GTIN (AI 01): no trade item to key")
        );
        assert_eq!(parse("]E04006381333931").kind, BarcodeKind::Ean13);
        assert_eq!(parse("]E496385074").kind, BarcodeKind::Ean8);
    }

    /// 979-0 is the ISMN (printed music, ISO 10957), not an ISBN: ISBNs use 978 and 979-1
    /// to 979-9. The GTIN is the key either way; only the kind said "isbn".
    #[test]
    fn ismn_is_not_an_isbn() {
        for raw in [
            "9790230671187",
            "979-0-2306-7118-7",
            "ISBN 979-0-2306-7118-7",
        ] {
            let b = parse(raw);
            assert_eq!(
                (b.kind, b.gtin14.unwrap().as_str(), b.valid),
                (BarcodeKind::Ismn, "09790230671187", true),
                "{raw}"
            );
        }
        assert_eq!(parse("9791032305690").kind, BarcodeKind::Isbn);
        assert_eq!(BarcodeKind::Ismn.as_str(), "ismn");
    }

    /// The AIM identifier says which symbol was scanned: `]E4` is an EAN-8, never a UPC-E;
    /// `]E0` before eight digits is a UPC-E (ISO/IEC 15424: `]E0` EAN-13, UPC-A or UPC-E;
    /// `]E4` EAN-8). Bare, 01234565 is valid both ways and stays UPC-E first.
    #[test]
    fn aim_identifier_decides_ean8_or_upce() {
        let b = parse("]E401234565");
        assert_eq!(
            (b.kind, b.gtin14.unwrap().as_str()),
            (BarcodeKind::Ean8, "00000001234565")
        );
        let b = parse("]E001234565");
        assert_eq!(
            (b.kind, b.gtin14.unwrap().as_str()),
            (BarcodeKind::UpcE, "00012345000065")
        );
        assert_eq!(parse("01234565").kind, BarcodeKind::UpcE);
        // 1 first: EAN-8 first when bare, UPC-E after ]E0. 11234562 is valid both ways.
        assert_eq!(parse("11234562").kind, BarcodeKind::Ean8);
        let b = parse("]E011234562");
        assert_eq!(
            (b.kind, b.gtin14.unwrap().as_str()),
            (BarcodeKind::UpcE, "00112345000062")
        );
        // Not a UPC-E after all: read as before.
        assert_eq!(parse("]E096385074").kind, BarcodeKind::Ean8);
    }

    /// A scanner puts one AIM identifier before a scan: only one is read past, and any more
    /// are ordinary (invalid) characters. Stripping them one call deep each overflowed the
    /// stack on a long run of them, which kills the PostgreSQL backend.
    #[test]
    fn only_one_aim_prefix_is_read_past() {
        for repeated in ["]E0", "]E4", " ]E0"] {
            let b = parse(&repeated.repeat(100_000));
            assert_eq!(
                (b.kind, b.valid),
                (BarcodeKind::Unknown, false),
                "{repeated}"
            );
            assert!(b.reason.unwrap().contains("']'"));
        }
        let b = parse("]E0]E04006381333931");
        assert_eq!((b.kind, b.valid), (BarcodeKind::Unknown, false));
        assert!(!parse("]E4]E496385074").valid);
        assert_eq!(parse(" ]E04006381333931").kind, BarcodeKind::Ean13);
    }

    /// Books and periodicals carry a 2- or 5-digit add-on (issue number, price) next to their
    /// EAN-13 or UPC-A. A scanner sends it after the code: `]E3` and 15 or 18 digits (ISO/IEC
    /// 15420; some decoders send the UPC-A as 12 digits, or a space before the add-on). The
    /// main code is the product and is keyed; the add-on is reported, never keyed.
    #[test]
    fn add_ons_key_the_main_code() {
        for (raw, kind, gtin, add_on) in [
            (
                "]E3978030640615751299",
                BarcodeKind::Isbn,
                "09780306406157",
                "5-digit add-on 51299",
            ),
            (
                "]E3977037859500205",
                BarcodeKind::Issn,
                "09770378595002",
                "2-digit add-on 05",
            ),
            (
                "]E3003600029145212",
                BarcodeKind::UpcA,
                "00036000291452",
                "2-digit add-on 12",
            ),
            (
                "]E303600029145212",
                BarcodeKind::UpcA,
                "00036000291452",
                "2-digit add-on 12",
            ),
            (
                "]E303600029145290000",
                BarcodeKind::UpcA,
                "00036000291452",
                "5-digit add-on 90000",
            ),
            (
                "]E3036000291452 12",
                BarcodeKind::UpcA,
                "00036000291452",
                "2-digit add-on 12",
            ),
            (
                "978030640615751299",
                BarcodeKind::Isbn,
                "09780306406157",
                "5-digit add-on 51299",
            ),
            (
                "977037859500205",
                BarcodeKind::Issn,
                "09770378595002",
                "2-digit add-on 05",
            ),
            (
                "9780306406157 51299",
                BarcodeKind::Isbn,
                "09780306406157",
                "5-digit add-on 51299",
            ),
            (
                "036000291452 12",
                BarcodeKind::UpcA,
                "00036000291452",
                "2-digit add-on 12",
            ),
            (
                "4006381333931 05",
                BarcodeKind::Ean13,
                "04006381333931",
                "2-digit add-on 05",
            ),
        ] {
            let b = parse(raw);
            assert_eq!(
                (b.kind, b.gtin14.map(|g| g.to_string()).as_deref(), b.valid),
                (kind, Some(gtin), true),
                "{raw}: {b:?}"
            );
            assert!(
                b.reason.as_deref().unwrap_or("").contains(add_on),
                "{raw}: {b:?}"
            );
        }
        // The scanner's own statement holds in strict mode too.
        let b = parse_barcode(
            "]E3978030640615751299",
            &Scheme::gs1_default(),
            Mode::Strict,
        );
        assert_eq!((b.kind, b.valid), (BarcodeKind::Isbn, true));
        // The main code's check digit still decides.
        let b = parse("]E3978030640615851299");
        assert_eq!((b.kind, b.valid), (BarcodeKind::Ean13, false), "{b:?}");
        // ]E3 without an add-on's length, and an add-on scanned alone, key nothing.
        for raw in ["]E3036000291452", "]E112", "]E251299"] {
            let b = parse(raw);
            assert_eq!((b.kind, b.valid), (BarcodeKind::Unknown, false), "{raw}");
            assert!(b.reason.unwrap().contains("add-on"), "{raw}");
        }
        // Bare, only a book or periodical (977-979) is read as one: other 15 or 18 digits
        // are too often an id of the POS's own.
        assert!(!parse("400638133393105").valid);
        assert!(!parse("400638133393151299").valid);
        assert_eq!(
            crate::sku::normalize_item_id("978030640615751299").sku,
            "09780306406157"
        );
    }

    /// A price whose own check digit fails is not reported; the item is still keyed.
    #[test]
    fn variable_measure_value_check_digit() {
        let b = parse("212345605998");
        assert_eq!(
            (
                b.kind,
                b.gtin14.unwrap().as_str(),
                b.valid,
                b.embedded_price
            ),
            (BarcodeKind::VariableMeasure, "00212345000007", true, None)
        );
        assert_eq!(
            b.reason.as_deref(),
            Some("variable measure, prefix 02, price check digit is 6, expected 1: price not read")
        );
        let b = parse("212345105993");
        assert_eq!(b.embedded_price, Some(Decimal::new(599, 2)));
        assert_eq!(b.reason.as_deref(), Some("variable measure, prefix 02"));
    }

    /// GS1 prefix 99 (coupons), 981-984 (coupons in a common currency) and 980 (refund
    /// receipts) number no trade item: the code is still read and keyed (a till scans them
    /// as line items), but `reason` says what it is instead of passing it off as a product.
    #[test]
    fn coupons_and_refund_receipts_say_so() {
        let with_check = |data: &str| {
            let values = super::super::check_digit::digit_values(data).unwrap();
            format!(
                "{data}{}",
                super::super::check_digit::gs1_check_digit(&values)
            )
        };
        for (data, what) in [
            (
                "991234567890",
                "GS1 coupon number (prefix 99), not a trade item",
            ),
            (
                "981376503001",
                "GS1 coupon number (prefix 981), not a trade item",
            ),
            (
                "984000000001",
                "GS1 coupon number (prefix 984), not a trade item",
            ),
            (
                "980123456789",
                "refund receipt number (prefix 980), not a trade item",
            ),
        ] {
            let b = parse(&with_check(data));
            assert_eq!((b.kind, b.valid), (BarcodeKind::Ean13, true), "{data}");
            assert_eq!(b.reason.as_deref(), Some(what), "{data}");
        }
        // Their neighbours are products (or books) as before.
        assert_eq!(parse(&with_check("985000000001")).reason, None);
        assert_eq!(parse("9780306406157").reason, None);
        // UPC number system 5 is GS1 US "reserved for future use" now, no longer coupons.
        assert_eq!(parse(&with_check("51234567890")).reason, None);
    }

    /// A `PLU` label takes the separators every other code takes: any whitespace (a
    /// no-break space from a spreadsheet, an ideographic space), not only ASCII space and tab.
    #[test]
    fn plu_label_with_any_whitespace() {
        for raw in ["PLU\u{a0}4011", "PLU\u{3000}94011", "plu:\u{a0}4011"] {
            let b = parse(raw);
            assert_eq!(
                (b.kind, b.valid),
                (BarcodeKind::Plu, true),
                "{raw:?}: {b:?}"
            );
        }
    }

    #[test]
    fn invalid_codes_say_why() {
        let b = parse("036000291453");
        assert_eq!((b.kind, b.valid), (BarcodeKind::UpcA, false));
        assert_eq!(
            b.reason.unwrap(),
            "check digit of 036000291453 is 3, expected 2"
        );
        assert_eq!(parse("ABC-1").kind, BarcodeKind::Unknown);
        let labelled = parse("PLU 94011");
        assert_eq!(
            (labelled.kind, labelled.plu.unwrap().key()),
            (BarcodeKind::Plu, "94011".to_string())
        );
        assert!(!parse("plu: 1234").valid);
        assert_eq!(parse("PLUM-1").kind, BarcodeKind::Unknown);
        assert!(parse("1234").reason.unwrap().contains("neither a PLU"));
    }
}
