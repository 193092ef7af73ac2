//! Phone numbers to E.164 (`+4420...`). Each source writes numbers its own way (national format,
//! spaces, `00` prefixes, extensions); the tenant's default region says how to read a number that
//! carries no country code. Parsing and validation come from the `phonenumber` crate, a port of
//! Google's libphonenumber with its per-country metadata.

use super::error::{IdentityError, Result};
use phonenumber::{country, Mode};
use std::str::FromStr;

/// Parses `raw` (read as a number of `default_region` unless it starts with `+` or an
/// international prefix; a `tel:` URI prefix is removed, `;ext=` read as an extension) and returns
/// it in E.164. Numbers that do not exist in the numbering plan are rejected rather than guessed:
/// a wrong phone would link two different people.
pub fn normalize_phone(raw: &str, default_region: &str) -> Result<String> {
    let region = parse_region(default_region)?;
    let uri_free = rfc3966_extension_spelled_out(strip_tel_scheme(raw.trim()));
    let trimmed = uri_free.as_str();
    if !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return Err(bad(raw, "it contains no digits"));
    }
    if letters_outside_extension(trimmed) > 3 {
        // Beyond an extension marker ("ext", "x") and a stray letter or two, letters are a name or
        // a note in the phone field.
        return Err(bad(raw, "it contains letters"));
    }
    let mut number = phonenumber::parse(Some(region), trimmed)
        .map_err(|e| bad(raw, &format!("it could not be parsed ({e})")))?;
    if !phonenumber::is_valid(&number) {
        // The parser strips a national prefix written after the country code ("+44 (0)20 …")
        // by the default region's rules, not the number's own: read it again as a number of the
        // country its code names.
        let own = number.country().id().filter(|id| *id != region);
        if let Some(again) = own.and_then(|id| phonenumber::parse(Some(id), trimmed).ok()) {
            if phonenumber::is_valid(&again) && again.code() == number.code() {
                number = again;
            }
        }
    }
    if !phonenumber::is_valid(&number) {
        return Err(bad(
            raw,
            &format!(
                "it is not a valid number in the numbering plan (read with region {})",
                region.as_ref()
            ),
        ));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// `tel:+44-20-7946-0018` (an RFC 3966 URI, scheme in any case) is the number after the scheme.
fn strip_tel_scheme(s: &str) -> &str {
    match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => s[4..].trim_start(),
        _ => s,
    }
}

/// `;ext=123` (RFC 3966, any case) as ` ext. 123`, the spelling the parser reads as an extension
/// wherever it appears (it reads `;ext=` only in a URI without spaces).
fn rfc3966_extension_spelled_out(s: &str) -> String {
    match s.to_ascii_lowercase().find(";ext=") {
        Some(i) => format!("{} ext. {}", &s[..i], &s[i + 5..]),
        None => s.to_string(),
    }
}

/// Letters in the number, not counting the marker of a trailing extension: "ext", "extn",
/// "extension", "x" (any case), which the parser reads as an extension.
fn letters_outside_extension(s: &str) -> usize {
    let letters = |t: &str| t.chars().filter(|c| c.is_alphabetic()).count();
    let lower = s.to_ascii_lowercase();
    let before_digits = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    if before_digits.len() == lower.len() {
        return letters(s);
    }
    let before_marker = before_digits.trim_end_matches([' ', '-', '.', ':', '=']);
    ["extension", "extn", "ext", "x"]
        .iter()
        .find_map(|m| before_marker.strip_suffix(m))
        .filter(|rest| !rest.ends_with(|c: char| c.is_alphabetic()))
        .map_or(letters(s), letters)
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
        // Letters other than a URI scheme and an extension marker still mean it is no number.
        assert!(normalize_phone("tel:+44 20 7946 0018 mobile", "GB").is_err());
        assert!(normalize_phone("020 7946 0018 mobile 2", "GB").is_err());
        assert!(normalize_phone("020 7946 0018 po box 2", "GB").is_err());
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
