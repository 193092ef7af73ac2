//! Phone numbers to E.164 (`+4420...`). Each source writes numbers its own way (national format,
//! spaces, `00` prefixes, extensions); the tenant's default region says how to read a number that
//! carries no country code. Parsing and validation come from the `phonenumber` crate, a port of
//! Google's libphonenumber with its per-country metadata.

use super::error::{IdentityError, Result};
use phonenumber::{country, Mode};
use std::str::FromStr;

/// Parses `raw` (read as a number of `default_region` unless it starts with `+` or an
/// international prefix) and returns it in E.164. Numbers that do not exist in the numbering
/// plan are rejected rather than guessed: a wrong phone would link two different people.
pub fn normalize_phone(raw: &str, default_region: &str) -> Result<String> {
    let region = parse_region(default_region)?;
    let trimmed = raw.trim();
    if !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return Err(bad(raw, "it contains no digits"));
    }
    if trimmed.chars().filter(|c| c.is_alphabetic()).count() > 3 {
        // A few letters are extensions ("ext", "x"); more is a name or a note in the phone field.
        return Err(bad(raw, "it contains letters"));
    }
    let number = phonenumber::parse(Some(region), trimmed)
        .map_err(|e| bad(raw, &format!("it could not be parsed ({e})")))?;
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
