//! Phone numbers to E.164 (`+4420...`). Each source writes numbers its own way (national format,
//! spaces, `00` prefixes, extensions); the tenant's default region says how to read a number that
//! carries no country code. Parsing and validation come from the `phonenumber` crate, a port of
//! Google's libphonenumber with its per-country metadata.

use super::error::{IdentityError, Result};
use phonenumber::{country, Mode, PhoneNumber};
use std::str::FromStr;

/// Parses `raw` (read as a number of `default_region` unless it starts with `+` or an
/// international prefix: the region's own, or `00`, which most of the world dials and which no
/// national number that fails to read starts with) and returns it in E.164.
///
/// Also read: a `tel:` URI prefix, RFC 3966 parameters (`;ext=` as an extension,
/// `;phone-context=+44-20` as the prefix of a local number, a domain context and `;isub=`
/// ignored), a short label before the number ("Tel", "M:"), full-width and Arabic-Indic digits,
/// and keypad letters in a North American number (`1-800-FLOWERS`, each letter run at least three
/// long). Other letters inside a number are rejected, not converted: a letter O typed for a zero
/// would become a keypad 6, and a note after a number ("mob") would become digits.
///
/// Numbers that do not exist in the numbering plan are rejected rather than guessed: a wrong
/// phone would link two different people.
pub fn normalize_phone(raw: &str, default_region: &str) -> Result<String> {
    let region = parse_region(default_region)?;
    let folded = fold_digits(raw.trim());
    let uri_free = tel_uri_parameters(strip_tel_scheme(&folded));
    let trimmed = without_type_labels(&uri_free);
    if !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return Err(bad(raw, "it contains no digits"));
    }
    let letters = Letters::of(trimmed);
    if letters.label > 3 || !letters.keypad_word_runs() {
        // Beyond a short label, an extension marker and keypad words, letters are a name, a note
        // or a letter typed for a digit.
        return Err(bad(raw, "it contains letters"));
    }
    let number = match read_valid(region, trimmed) {
        Ok(n) => n,
        Err(first) => match after_00(trimmed).map(|plus| read_valid(region, &plus)) {
            Some(Ok(n)) => n,
            _ => return Err(bad(raw, &first)),
        },
    };
    if letters.in_number > 0 && number.code().value() != 1 {
        return Err(bad(raw, "it contains letters"));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// The number `text` reads as in `region`, if it is valid in the numbering plan; else why not.
fn read_valid(region: country::Id, text: &str) -> std::result::Result<PhoneNumber, String> {
    let mut number = phonenumber::parse(Some(region), text)
        .map_err(|e| format!("it could not be parsed ({e})"))?;
    if !phonenumber::is_valid(&number) {
        // The parser strips a national prefix written after the country code ("+44 (0)20 …")
        // by the default region's rules, not the number's own: read it again as a number of the
        // country its code names.
        let own = number.country().id().filter(|id| *id != region);
        if let Some(again) = own.and_then(|id| phonenumber::parse(Some(id), text).ok()) {
            if phonenumber::is_valid(&again) && again.code() == number.code() {
                number = again;
            }
        }
    }
    if phonenumber::is_valid(&number) {
        Ok(number)
    } else {
        Err(format!(
            "it is not a valid number in the numbering plan (read with region {})",
            region.as_ref()
        ))
    }
}

/// `0044 20 7946 0018` as `+44 20 7946 0018`: the number after a leading `00`, the international
/// prefix of most countries, for regions whose own prefix differs (the US dials 011). Only tried
/// when the number does not read as written.
fn after_00(s: &str) -> Option<String> {
    let start = s.find(|c: char| c.is_ascii_digit() || c == '+')?;
    s[start..].strip_prefix("00").map(|rest| format!("+{rest}"))
}

/// Full-width (U+FF10…) and Arabic-Indic digits, and the full-width plus, as ASCII.
fn fold_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            let zero = match c {
                '\u{FF10}'..='\u{FF19}' => 0xFF10,
                '\u{0660}'..='\u{0669}' => 0x0660,
                '\u{06F0}'..='\u{06F9}' => 0x06F0,
                '\u{0966}'..='\u{096F}' => 0x0966,
                '\u{FF0B}' => return '+',
                _ => return c,
            };
            char::from(b'0' + (c as u32 - zero) as u8)
        })
        .collect()
}

/// `tel:+44-20-7946-0018` (an RFC 3966 URI, scheme in any case) is the number after the scheme.
fn strip_tel_scheme(s: &str) -> &str {
    match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => s[4..].trim_start(),
        _ => s,
    }
}

/// RFC 3966 parameters after the number, names in any case: `;ext=123` as ` ext. 123` (the
/// spelling the parser reads as an extension wherever it appears), `;phone-context=+44-20` put
/// before a local number as its prefix (as libphonenumber does), a domain context and `;isub=`
/// dropped, and so are other `name=value` parameters. Text after a `;` that is no parameter (a
/// note) is left in place for the letter check.
fn tel_uri_parameters(s: &str) -> String {
    let Some((number, params)) = s.split_once(';') else {
        return s.to_string();
    };
    let (mut ext, mut context) = (None, None);
    for param in params.split(';') {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "ext" => ext = Some(value.trim()),
            "phone-context" => context = Some(value.trim()),
            "isub" => {}
            // Another parameter RFC 3966 allows for (name=value) says nothing about the number.
            other if param.contains('=') && is_parameter_name(other) => {}
            _ => return s.to_string(),
        }
    }
    let number = number.trim();
    let mut out = match context {
        Some(prefix) if prefix.starts_with('+') && !number.starts_with('+') => {
            format!("{prefix}-{number}")
        }
        _ => number.to_string(),
    };
    if let Some(ext) = ext {
        out.push_str(" ext. ");
        out.push_str(ext);
    }
    out
}

/// Words that say which phone a number is ("Phone:", "cell", "(mobile)", "Home phone"), as CRM
/// and loyalty exports write them; the number is read without them. The short ones ("Tel", "M:")
/// pass as a label anyway; these longer ones made the field "contain letters".
const TYPE_WORDS: [&str; 27] = [
    "phone",
    "ph",
    "tel",
    "tele",
    "telephone",
    "téléphone",
    "telefon",
    "teléfono",
    "telefono",
    "mobile",
    "mob",
    "mobil",
    "cell",
    "cellular",
    "cellphone",
    "handy",
    "home",
    "work",
    "office",
    "business",
    "main",
    "direct",
    "landline",
    "day",
    "evening",
    "private",
    "number",
];

/// Whether `w` (trailing `.`/`:` ignored, any case) is a [`TYPE_WORDS`] word; `single_letter`
/// also takes the one-letter abbreviations h, w, m, c, o (only inside brackets after a number).
fn is_type_word(w: &str, single_letter: bool) -> bool {
    let w = w.trim_end_matches(['.', ':']).to_lowercase();
    TYPE_WORDS.contains(&w.as_str())
        || (single_letter && ["h", "w", "m", "c", "o"].contains(&w.as_str()))
}

/// `s` without phone-type words before the number ("Home phone: 020 …") and after it
/// ("… (mobile)", "… cell", "… (h)"). Anything else stays for the letter check.
fn without_type_labels(s: &str) -> &str {
    let mut s = s.trim();
    while let Some((word, rest)) = s.split_once(|c: char| c.is_whitespace() || c == ':') {
        if !is_type_word(word, false) {
            break;
        }
        s = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '-');
    }
    loop {
        let Some(cut) = s.trim_end().rfind(char::is_whitespace) else {
            return s;
        };
        let (rest, word) = (&s[..cut], s[cut..].trim());
        let bracketed = word.len() > 2
            && matches!(
                (word.chars().next(), word.chars().last()),
                (Some('('), Some(')')) | (Some('['), Some(']'))
            );
        let inner = if bracketed {
            &word[1..word.len() - 1]
        } else {
            word
        };
        if !is_type_word(inner, bracketed) {
            return s;
        }
        s = rest.trim_end_matches(|c: char| c.is_whitespace() || c == '-' || c == ',' || c == '/');
    }
}

/// An RFC 3966 parameter name: letters, digits and hyphens.
fn is_parameter_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Where the letters of a phone field are: in a label before the number ("Tel", "M:"), and in
/// the number itself (the marker of a trailing extension, "ext", "extn", "extension" or "x" in
/// any case, not counted), with the lengths of its letter runs.
struct Letters {
    label: usize,
    in_number: usize,
    runs: Vec<usize>,
    ascii: bool,
}

impl Letters {
    fn of(s: &str) -> Letters {
        let start = s
            .find(|c: char| c.is_ascii_digit() || c == '+')
            .unwrap_or(s.len());
        let (label, number) = s.split_at(start);
        let number = without_extension_marker(number);
        let (mut runs, mut run, mut ascii) = (Vec::new(), 0, true);
        for c in number.chars().chain([' ']) {
            if c.is_alphabetic() {
                run += 1;
                ascii &= c.is_ascii();
            } else if run > 0 {
                runs.push(run);
                run = 0;
            }
        }
        Letters {
            label: label.chars().filter(|c| c.is_alphabetic()).count(),
            in_number: runs.iter().sum(),
            runs,
            ascii,
        }
    }

    /// Whether the letters in the number, if any, can be keypad words: ASCII, each run at least
    /// three letters long.
    fn keypad_word_runs(&self) -> bool {
        self.ascii && self.runs.iter().all(|r| *r >= 3)
    }
}

/// The number without a trailing extension marker and the digits after it.
fn without_extension_marker(s: &str) -> &str {
    let before_digits = s.trim_end_matches(|c: char| c.is_ascii_digit());
    let before_marker = before_digits.trim_end_matches([' ', '-', '.', ':', '=']);
    ["extension", "extn", "ext", "x"]
        .iter()
        .find_map(|m| {
            let cut = before_marker.len().checked_sub(m.len())?;
            let (rest, tail) = (before_marker.get(..cut)?, before_marker.get(cut..)?);
            tail.eq_ignore_ascii_case(m).then_some(rest)
        })
        .filter(|rest| !rest.ends_with(|c: char| c.is_alphabetic()))
        .unwrap_or(s)
}

/// Reads an ISO 3166-1 alpha-2 region code such as `GB` or `us`.
pub fn parse_region(region: &str) -> Result<country::Id> {
    let code = region.trim().to_ascii_uppercase();
    if code.len() == 2 {
        if let Ok(id) = country::Id::from_str(&code) {
            return Ok(id);
        }
    }
    Err(IdentityError::new(
        format!("unknown phone region \"{region}\""),
        "pass an ISO 3166-1 alpha-2 country code such as 'US', 'GB' or 'DE'",
    ))
}

fn bad(raw: &str, why: &str) -> IdentityError {
    IdentityError::new(
        format!("invalid phone number \"{raw}\": {why}"),
        "pass a number with its country code (+44 20 7946 0018) or set the right default region; use NULL when the source has none",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_formats_use_the_default_region() {
        assert_eq!(
            normalize_phone("020 7946 0018", "GB").unwrap(),
            "+442079460018"
        );
        assert_eq!(
            normalize_phone("(202) 555-0143", "us").unwrap(),
            "+12025550143"
        );
        assert_eq!(normalize_phone("030 901820", "DE").unwrap(), "+4930901820");
    }

    #[test]
    fn international_forms_ignore_the_default_region() {
        assert_eq!(
            normalize_phone("+44 20 7946 0018", "US").unwrap(),
            "+442079460018"
        );
        assert_eq!(
            normalize_phone("0044 20 7946 0018", "DE").unwrap(),
            "+442079460018"
        );
        assert_eq!(
            normalize_phone("+1-202-555-0143", "GB").unwrap(),
            "+12025550143"
        );
    }

    #[test]
    fn a_national_prefix_after_the_country_code_does_not_depend_on_the_default_region() {
        for region in ["GB", "US", "DE", "AU"] {
            for raw in [
                "+44 (0)20 7946 0018",
                "+44 (0) 20 7946 0018",
                "+44 020 7946 0018",
            ] {
                assert_eq!(
                    normalize_phone(raw, region).unwrap(),
                    "+442079460018",
                    "{raw} {region}"
                );
            }
            assert_eq!(
                normalize_phone("+49 (0)30 901820", region).unwrap(),
                "+4930901820",
                "{region}"
            );
        }
    }

    #[test]
    fn tel_uris_and_extensions() {
        for (raw, region, want) in [
            ("tel:+44-20-7946-0018", "US", "+442079460018"),
            ("TEL:+1-202-555-0143", "GB", "+12025550143"),
            ("Tel: +44 20 7946 0018", "US", "+442079460018"),
            ("tel:020 7946 0018", "GB", "+442079460018"),
            ("tel:+44-20-7946-0018;ext=123", "US", "+442079460018"),
            ("TEL:+1-202-555-0143;EXT=9", "GB", "+12025550143"),
            ("+44 20 7946 0018;ext=123", "US", "+442079460018"),
            ("020 7946 0018;ext=4567", "GB", "+442079460018"),
            ("(202) 555-0143 ext. 12", "US", "+12025550143"),
            ("(202) 555-0143 x12", "US", "+12025550143"),
            ("(202) 555-0143 extension 12", "US", "+12025550143"),
            ("020 7946 0018 Extn. 12", "GB", "+442079460018"),
        ] {
            assert_eq!(normalize_phone(raw, region).unwrap(), want, "{raw}");
        }
        // Letters other than a URI scheme, an extension marker and a phone-type word still mean
        // it is no number.
        assert!(normalize_phone("020 7946 0018 mobile 2", "GB").is_err());
        assert!(normalize_phone("020 7946 0018 po box 2", "GB").is_err());
    }

    #[test]
    fn tel_uri_phone_context_and_other_parameters() {
        for (raw, region, want) in [
            // A global-number context is the prefix of the local number, whatever the region.
            ("tel:7946-0018;phone-context=+44-20", "US", "+442079460018"),
            ("tel:555-0143;phone-context=+1-202", "GB", "+12025550143"),
            (
                "TEL:555-0143;PHONE-CONTEXT=+1-202;ext=7",
                "GB",
                "+12025550143",
            ),
            // A domain context says nothing about the digits: read with the default region.
            (
                "tel:020-7946-0018;phone-context=example.com",
                "GB",
                "+442079460018",
            ),
            // A global number keeps its own country code; the context is ignored.
            (
                "tel:+44-20-7946-0018;phone-context=example.com",
                "US",
                "+442079460018",
            ),
            ("tel:+1-202-555-0143;isub=1234", "GB", "+12025550143"),
        ] {
            assert_eq!(normalize_phone(raw, region).unwrap(), want, "{raw}");
        }
        // Other parameters are ignored; a note after a semicolon is no parameter.
        assert_eq!(
            normalize_phone("tel:+1-202-555-0143;x-carrier=abc", "US").unwrap(),
            "+12025550143"
        );
        assert!(normalize_phone("202 555 0143; call me after six", "US").is_err());
    }

    /// CRM exports label a number by its kind, before or after it; "Phone: 020 7946 0018" and
    /// "415-555-0100 (mobile)" were refused as containing letters or as invalid numbers (the
    /// label read as keypad digits).
    #[test]
    fn phone_type_words_around_a_number_are_labels() {
        for (raw, region, want) in [
            ("Phone: 020 7946 0018", "GB", "+442079460018"),
            ("Home phone: 020 7946 0018", "GB", "+442079460018"),
            ("cell 415 555 0100", "US", "+14155550100"),
            ("Mobile - 0171 1234567", "DE", "+491711234567"),
            ("415-555-0100 (mobile)", "US", "+14155550100"),
            ("+44 20 7946 0018 home", "GB", "+442079460018"),
            ("tel:+44 20 7946 0018 mobile", "GB", "+442079460018"),
            ("202 555 0143 (h)", "US", "+12025550143"),
            ("202 555 0143 [Work]", "US", "+12025550143"),
            ("Telefon: 030 901820", "DE", "+4930901820"),
            ("(202) 555-0143 ext. 12 (office)", "US", "+12025550143"),
        ] {
            assert_eq!(normalize_phone(raw, region).unwrap(), want, "{raw}");
        }
        // Other words, a single letter outside brackets, or a word inside the number stay errors.
        for (raw, region) in [
            ("call 020 7946 0018", "GB"),
            ("020 7946 0018 ask for Jim", "GB"),
            ("030 901820 mob 2", "DE"),
            ("020 mobile 7946 0018", "GB"),
            ("Phone:", "GB"),
        ] {
            assert!(normalize_phone(raw, region).is_err(), "{raw}");
        }
    }

    #[test]
    fn keypad_words_only_in_north_american_numbers() {
        for (raw, want) in [
            ("1-800-FLOWERS", "+18003569377"),
            ("1 800 flo wers", "+18003569377"),
            ("(202) 555-CALL", "+12025552255"),
            ("(202) 555-0CAL", "+12025550225"),
        ] {
            assert_eq!(normalize_phone(raw, "US").unwrap(), want, "{raw}");
        }
        // One or two letters inside a number are a typo for a digit (O for 0), not a keypad word:
        // converted, they would give another person's number.
        for (raw, region) in [
            ("020 7946 OO18", "GB"),
            ("202 555 O143", "US"),
            ("2O2 555 0143", "US"),
        ] {
            let e = normalize_phone(raw, region).unwrap_err();
            assert!(e.message.ends_with("it contains letters"), "{raw}: {e}");
        }
        // Elsewhere, where numbers vary in length, a note after the number is not read as digits
        // (a phone-type word such as "mob" is a label, see above).
        let e = normalize_phone("030 901820 abc", "DE").unwrap_err();
        assert!(e.message.ends_with("it contains letters"), "{e}");
        // A short label before the number is still skipped.
        assert_eq!(
            normalize_phone("Tel 020 7946 0018", "GB").unwrap(),
            "+442079460018"
        );
    }

    #[test]
    fn a_00_international_prefix_is_read_in_regions_that_dial_another_one() {
        for (raw, region, want) in [
            ("0044 20 7946 0018", "US", "+442079460018"),
            ("00 44 20 7946 0018", "US", "+442079460018"),
            ("0044 (0)20 7946 0018", "US", "+442079460018"),
            ("0049 30 901820", "CA", "+4930901820"),
            ("0061 2 9876 5432", "US", "+61298765432"),
            // 011 is the North American international prefix.
            ("011 44 20 7946 0018", "US", "+442079460018"),
            ("011442079460018", "CA", "+442079460018"),
        ] {
            assert_eq!(
                normalize_phone(raw, region).unwrap(),
                want,
                "{raw} {region}"
            );
        }
        // A national number that reads as written is not reinterpreted.
        assert_eq!(
            normalize_phone("0113 496 0000", "GB").unwrap(),
            "+441134960000"
        );
    }

    #[test]
    fn full_width_and_arabic_indic_digits() {
        for raw in [
            "\u{FF12}\u{FF10}\u{FF12} \u{FF15}\u{FF15}\u{FF15} \u{FF10}\u{FF11}\u{FF14}\u{FF13}",
            "\u{0662}\u{0660}\u{0662}\u{0665}\u{0665}\u{0665}\u{0660}\u{0661}\u{0664}\u{0663}",
            "\u{FF0B}1 202 555 0143",
        ] {
            assert_eq!(normalize_phone(raw, "US").unwrap(), "+12025550143", "{raw}");
        }
    }

    #[test]
    fn bad_numbers_and_regions_are_rejected() {
        for raw in [
            "",
            "n/a",
            "call me maybe",
            "12",
            "+44 20 7946",
            "+999 1234567",
        ] {
            let e = normalize_phone(raw, "GB").unwrap_err();
            assert!(e.message.contains("invalid phone number"), "{raw}: {e}");
        }
        for region in ["", "XX", "GBR", "uk"] {
            let e = normalize_phone("020 7946 0018", region).unwrap_err();
            assert!(e.message.contains("unknown phone region"), "{region}: {e}");
        }
    }
}
