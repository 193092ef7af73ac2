//! ISBN-10/13 and ISSN to GTIN: books carry their ISBN as an EAN-13 with prefix 978/979
//! (ISBN-10 body + new GS1 check digit), serials their ISSN as 977 + 7 digits + issue `00`.

use super::check_digit::{gs1_is_valid, mod11_check};
use super::cleanup::{clean_digits, Digits, Mode};
use super::error::SkuError;
use super::gtin::{verify, Gtin14, Normalized, SourceForm};

fn mod11_char(v: u8) -> char {
    if v == 10 {
        'X'
    } else {
        char::from(b'0' + v)
    }
}

/// ISBN-10 (nine digits + check 0..=10) to its EAN-13 `978…` as GTIN-14.
pub fn isbn10_to_gtin(body: &[u8], check: u8) -> Result<Gtin14, SkuError> {
    let expected = mod11_check(body, 10);
    if expected != check {
        let (expected, found) = (mod11_char(expected), mod11_char(check));
        return Err(SkuError::Mod11Check {
            what: "ISBN-10",
            expected,
            found,
        });
    }
    let mut data = [9, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    data[3..].copy_from_slice(body);
    Ok(Gtin14::with_computed_check(&data))
}

/// ISSN (seven digits + check 0..=10) to its EAN-13 `977…00` (issue code 00) as GTIN-14.
pub fn issn_to_gtin(body: &[u8], check: u8) -> Result<Gtin14, SkuError> {
    let expected = mod11_check(body, 8);
    if expected != check {
        let (expected, found) = (mod11_char(expected), mod11_char(check));
        return Err(SkuError::Mod11Check {
            what: "ISSN",
            expected,
            found,
        });
    }
    let mut data = [9, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    data[3..10].copy_from_slice(body);
    Ok(Gtin14::with_computed_check(&data))
}

/// Ten characters ending in `X`, or nine digits + `X`: only an ISBN-10 can be that.
pub(crate) fn isbn10_from_digits(digits: &Digits, _mode: Mode) -> Result<Normalized, SkuError> {
    let values = digits.as_slice();
    let (body, check) = match (values.len(), digits.check_x) {
        (9, true) => (values, 10),
        (10, false) => (&values[..9], values[9]),
        (len, _) => {
            return Err(SkuError::Length {
                len: len + 1,
                strict: false,
            })
        }
    };
    let gtin = isbn10_to_gtin(body, check)?;
    Ok(Normalized {
        gtin,
        source: SourceForm::Isbn10,
        repairs: digits.repairs,
    })
}

/// Ten bare digits: an ISBN-10, or (lenient) a GTIN-12 that lost two leading zeros.
/// Strict mode pads nothing, so there it is an ISBN-10. Lenient takes whichever check passes
/// and refuses to guess when both do.
pub(crate) fn ten_digits(digits: &Digits, mode: Mode) -> Result<Normalized, SkuError> {
    let values = digits.as_slice();
    let as_isbn = isbn10_from_digits(digits, mode);
    // Strict pads nothing; separators mean someone typed an ISBN (number columns have none).
    if mode == Mode::Strict || digits.repairs.separators {
        return as_isbn;
    }
    match (as_isbn, values[0] != 0 && gs1_is_valid(values)) {
        (Ok(_), true) => Err(SkuError::AmbiguousTenDigits {
            digits: digits.to_ascii(),
        }),
        (Ok(n), false) => Ok(n),
        (Err(_), true) => {
            let mut repairs = digits.repairs;
            repairs.zeros = 2;
            Ok(Normalized {
                gtin: Gtin14::from_valid_digits(values),
                source: SourceForm::Gtin,
                repairs,
            })
        }
        (Err(e), false) if values[0] == 0 => Err(e),
        (Err(_), false) => Err(verify(values, values).expect_err("checked invalid above")),
    }
}

/// Lenient only: `ISBN 0-306-40615-2`, `isbn-13: 978…`, `ISSN 0378-5955` or the bare ISSN shape
/// `NNNN-NNNC`. `None` when `raw` has neither a label nor the ISSN shape.
pub(crate) fn labelled_or_issn(raw: &str) -> Option<Result<Normalized, SkuError>> {
    let text = raw.trim();
    let label = |name: &str| text.get(..4).is_some_and(|l| l.eq_ignore_ascii_case(name));
    let found = if label("ISBN") {
        let rest = strip_label(&text[4..]);
        labelled_isbn(rest).map_err(|e| placed_in(e, raw, rest))
    } else if label("ISSN") {
        let rest = strip_label(&text[4..]);
        issn(rest).map_err(|e| placed_in(e, raw, rest))
    } else if is_issn_shape(text) {
        issn(text).map_err(|e| placed_in(e, raw, text))
    } else {
        return None;
    };
    Some(found)
}

/// After `ISBN`: `-13`, `13`, ` 13` (or 10) when a `:` or a space follows, as spreadsheets
/// write the label, then `:` and blanks.
fn strip_label(rest: &str) -> &str {
    let length = rest.strip_prefix(['-', ' ']).unwrap_or(rest);
    let after_length = ["13", "10"]
        .iter()
        .find_map(|n| length.strip_prefix(n))
        .filter(|r| r.starts_with(|c: char| c == ':' || c.is_whitespace()));
    let rest = match after_length {
        Some(r) => r,
        // `ISBN-13978…`: the old `-13` label with nothing after it.
        None => rest
            .strip_prefix("-13")
            .or_else(|| rest.strip_prefix("-10"))
            .unwrap_or(rest),
    };
    rest.trim_start_matches(|c: char| c == ':' || c.is_whitespace())
}

/// A bad character's position in the whole input, not in the part after the label.
fn placed_in(e: SkuError, raw: &str, part: &str) -> SkuError {
    match e {
        SkuError::Character { ch, pos, fixable } => {
            // `part` is a slice of `raw` (after trimming and the label): its byte offset.
            let before = (part.as_ptr() as usize).saturating_sub(raw.as_ptr() as usize);
            let offset = raw.get(..before).map_or(0, |b| b.chars().count());
            SkuError::Character {
                ch,
                pos: pos + offset,
                fixable,
            }
        }
        other => other,
    }
}

/// `0378-5955`, `2434-561X`: four digits, a dash, three digits, a digit or X.
fn is_issn_shape(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 9
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..8]).all(u8::is_ascii_digit)
        && (b[8].is_ascii_digit() || b[8] == b'X' || b[8] == b'x')
}

fn labelled_isbn(rest: &str) -> Result<Normalized, SkuError> {
    let digits = clean_digits(rest, Mode::Lenient, true)?;
    let values = digits.as_slice();
    if digits.check_x || values.len() == 10 {
        return isbn10_from_digits(&digits, Mode::Lenient);
    }
    if values.len() == 13 && (values[..3] == [9, 7, 8] || values[..3] == [9, 7, 9]) {
        verify(values, values)?;
        let gtin = Gtin14::from_valid_digits(values);
        return Ok(Normalized {
            gtin,
            source: SourceForm::Isbn13,
            repairs: digits.repairs,
        });
    }
    Err(SkuError::Length {
        len: values.len(),
        strict: false,
    })
}

/// Digits that ended in `X`: an ISBN-10, or (lenient) seven digits and `X`, which only an
/// ISSN can be, written without its hyphen.
pub(crate) fn ending_in_x(digits: &Digits, mode: Mode) -> Result<Normalized, SkuError> {
    if mode == Mode::Lenient && digits.len() == 7 {
        return issn_from_digits(digits);
    }
    isbn10_from_digits(digits, mode)
}

fn issn(rest: &str) -> Result<Normalized, SkuError> {
    issn_from_digits(&clean_digits(rest, Mode::Lenient, true)?)
}

fn issn_from_digits(digits: &Digits) -> Result<Normalized, SkuError> {
    let values = digits.as_slice();
    let (body, check) = match (values.len(), digits.check_x) {
        (7, true) => (values, 10),
        (8, false) => (&values[..7], values[7]),
        (len, x) => {
            return Err(SkuError::Length {
                len: len + usize::from(x),
                strict: false,
            })
        }
    };
    let gtin = issn_to_gtin(body, check)?;
    Ok(Normalized {
        gtin,
        source: SourceForm::Issn,
        repairs: digits.repairs,
    })
}

#[cfg(test)]
mod tests {
    use super::super::gtin::normalize_gtin14;

    #[test]
    fn isbn_and_issn() {
        let isbn = "09780306406157";
        for raw in [
            "0-306-40615-2",
            "0306406152",
            "ISBN 0-306-40615-2",
            "isbn-13: 978-0-306-40615-7",
        ] {
            assert_eq!(normalize_gtin14(raw).unwrap().as_str(), isbn, "{raw}");
        }
        assert_eq!(
            normalize_gtin14("080442957X").unwrap().as_str(),
            "09780804429573"
        );
        assert_eq!(
            normalize_gtin14("0378-5955").unwrap().as_str(),
            "09770378595002"
        );
        assert!(normalize_gtin14("0-306-40615-3").is_err());
    }

    /// Seven digits and an `X` can only be an ISSN (an ISBN-10 has ten characters, an EAN-8
    /// no X): lenient mode reads it without its hyphen too. It said "8 digits is not a GTIN
    /// length (8, 12, 13 or 14 digits)".
    #[test]
    fn issn_ending_in_x_without_hyphen() {
        use super::super::barcode::{parse_barcode, BarcodeKind};
        use super::super::{Mode, Scheme};
        assert_eq!(
            normalize_gtin14("2434561X").unwrap().as_str(),
            "09772434561006"
        );
        let b = parse_barcode("2434561x", &Scheme::gs1_default(), Mode::Lenient);
        assert_eq!((b.kind, b.valid), (BarcodeKind::Issn, true));
        let e = normalize_gtin14("2434562X").unwrap_err();
        assert!(e.to_string().starts_with("ISSN check character"), "{e}");
        assert!(super::super::normalize_gtin("2434561X", Mode::Strict).is_err());
    }

    /// `ISBN13: …`, `ISBN 10 …` are labels as spreadsheets write them, like `ISBN-13:`. The
    /// 13 was read as digits of the code ("character ':' at position 3").
    #[test]
    fn isbn_labels_with_their_length() {
        for raw in [
            "ISBN13: 978-0-306-40615-7",
            "ISBN 13: 9780306406157",
            "isbn13 9780306406157",
            "ISBN10: 0-306-40615-2",
            "ISBN-10 0306406152",
        ] {
            assert_eq!(
                normalize_gtin14(raw).unwrap().as_str(),
                "09780306406157",
                "{raw}"
            );
        }
        // A bad character is placed in the whole input, label included.
        let e = normalize_gtin14(" ISBN: 0-306-4O615-2  ").unwrap_err();
        assert_eq!(
            e.to_string(),
            "character 'O' at position 15 is not part of a barcode"
        );
    }
}
