//! GTIN validation and normalization to GTIN-14, the one key every GS1 code fits.
//!
//! EAN-8, UPC-A (GTIN-12), EAN-13 and GTIN-14 are the same number space: zero-padded on the left
//! to 14 digits they keep their check digit. So a UPC-A with or without its leading zero, an EAN-13
//! and an NCR-style padded GTIN-14 of one product all give the same [`Gtin14`].

use std::fmt;

use super::check_digit::{gs1_check_digit, gs1_is_valid};
use super::cleanup::{clean_digits, Digits, Mode, Repairs};
use super::error::SkuError;
use super::isbn;

/// A valid GTIN, zero-padded to 14 ASCII digits. The check digit has been verified.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin14([u8; 14]);

/// Which GTIN format a value belongs to, decided by its value (GS1 rules), not by how it was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GtinKind {
    /// GTIN-8: the first six of the 14 digits are zeros.
    Ean8,
    /// GTIN-12: the first two digits are zeros.
    UpcA,
    /// GTIN-13: the indicator digit is zero.
    Ean13,
    /// GTIN-14 proper (non-zero indicator / packaging level).
    Gtin14,
}

impl GtinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GtinKind::Ean8 => "ean8",
            GtinKind::UpcA => "upc_a",
            GtinKind::Ean13 => "ean13",
            GtinKind::Gtin14 => "gtin14",
        }
    }

    /// Significant length of this format (8, 12, 13 or 14). A format is never "empty", so the
    /// `is_empty` companion clippy asks for would be meaningless.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            GtinKind::Ean8 => 8,
            GtinKind::UpcA => 12,
            GtinKind::Ean13 => 13,
            GtinKind::Gtin14 => 14,
        }
    }
}

impl Gtin14 {
    /// From digit values whose last digit is a verified check digit (at most 14 of them).
    pub(crate) fn from_valid_digits(values: &[u8]) -> Gtin14 {
        debug_assert!(values.len() <= 14 && gs1_is_valid(values));
        let mut out = [b'0'; 14];
        for (slot, v) in out[14 - values.len()..].iter_mut().zip(values) {
            *slot = b'0' + v;
        }
        Gtin14(out)
    }

    /// From data digits (at most 13); the check digit is computed. Only for codes we build
    /// ourselves (ISBN → EAN, UPC-E expansion, zeroed variable-measure keys), never for input.
    pub(crate) fn with_computed_check(data: &[u8]) -> Gtin14 {
        let mut values = [0u8; 14];
        let start = 13 - data.len();
        values[start..13].copy_from_slice(data);
        values[13] = gs1_check_digit(&values[..13]);
        Gtin14::from_valid_digits(&values)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("Gtin14 holds ASCII digits")
    }

    /// Digit values 0..=9.
    pub fn values(&self) -> [u8; 14] {
        self.0.map(|b| b - b'0')
    }

    pub fn kind(&self) -> GtinKind {
        match self.0 {
            [b'0', b'0', b'0', b'0', b'0', b'0', ..] => GtinKind::Ean8,
            [b'0', b'0', ..] => GtinKind::UpcA,
            [b'0', ..] => GtinKind::Ean13,
            _ => GtinKind::Gtin14,
        }
    }

    /// The code in its own format's length: `036000291452` for a UPC-A.
    pub fn short_form(&self) -> &str {
        &self.as_str()[14 - self.kind().len()..]
    }
}

impl fmt::Display for Gtin14 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Gtin14 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin14({})", self.as_str())
    }
}

/// What the input was written as, before it became a GTIN-14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceForm {
    Gtin,
    Isbn10,
    Isbn13,
    Issn,
}

/// A normalized GTIN and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalized {
    pub gtin: Gtin14,
    pub source: SourceForm,
    pub repairs: Repairs,
}

/// Validate and normalize any GTIN (EAN-8, UPC-A, EAN-13, GTIN-14), ISBN-10/13 or ISSN to
/// GTIN-14. Eight digits are EAN-8 here; UPC-E is expanded only by [`super::upce`] and
/// [`super::barcode::parse_barcode`], which know to look for it.
pub fn normalize_gtin(raw: &str, mode: Mode) -> Result<Normalized, SkuError> {
    if let Some(gtin) = fast_path(raw.as_bytes()) {
        let repairs = Repairs::default();
        return Ok(Normalized {
            gtin,
            source: SourceForm::Gtin,
            repairs,
        });
    }
    if mode == Mode::Lenient {
        if let Some(found) = isbn::labelled_or_issn(raw) {
            return found;
        }
    }
    let digits = clean_digits(raw, mode, true)?;
    if digits.check_x {
        return isbn::ending_in_x(&digits, mode);
    }
    from_digits(&digits, mode)
}

/// Lenient normalization to the GTIN-14 alone (what most callers want).
pub fn normalize_gtin14(raw: &str) -> Result<Gtin14, SkuError> {
    normalize_gtin(raw, Mode::Lenient).map(|n| n.gtin)
}

/// True when [`normalize_gtin`] accepts `raw` in `mode`.
pub fn gtin_is_valid(raw: &str, mode: Mode) -> bool {
    normalize_gtin(raw, mode).is_ok()
}

/// The common case in one pass over the bytes: 8, 12, 13 or 14 ASCII digits with a correct
/// check digit. Anything else (including every error) takes the full path, which explains.
pub(crate) fn fast_path(b: &[u8]) -> Option<Gtin14> {
    if !matches!(b.len(), 8 | 12 | 13 | 14) {
        return None;
    }
    let mut out = [b'0'; 14];
    out[14 - b.len()..].copy_from_slice(b);
    let mut sum = 0u32;
    for (i, &c) in out[..13].iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // Weight 3 on the data digit next to the check digit, then alternating (GS1).
        sum += u32::from(d) * if i % 2 == 0 { 3 } else { 1 };
    }
    let check = out[13].wrapping_sub(b'0');
    (u32::from(check) == (10 - sum % 10) % 10).then_some(Gtin14(out))
}

pub(crate) fn from_digits(digits: &Digits, mode: Mode) -> Result<Normalized, SkuError> {
    let values = digits.as_slice();
    let mut repairs = digits.repairs;
    let strict = mode == Mode::Strict;
    let code = match values.len() {
        8 | 12 | 13 | 14 => values,
        10 => return isbn::ten_digits(digits, mode),
        // Lost leading zeros: 9 to 11 digits fit no format; padding keeps the check digit. A
        // number column cannot keep a leading zero, so digits that start with 0 lost none.
        9 | 11 if !strict && values[0] != 0 => {
            repairs.zeros = (12 - values.len()) as i8;
            values
        }
        n if n > 14 && !strict => {
            let extra = n - 14;
            if values[..extra].iter().any(|&d| d != 0) {
                return Err(SkuError::TooLong { len: n });
            }
            repairs.zeros = -(extra as i8);
            &values[extra..]
        }
        7 | 11 if !strict => {
            return Err(SkuError::Incomplete {
                digits: digits.to_ascii(),
            })
        }
        len => return Err(SkuError::Length { len, strict }),
    };
    verify(code, values)?;
    Ok(Normalized {
        gtin: Gtin14::from_valid_digits(code),
        source: SourceForm::Gtin,
        repairs,
    })
}

/// Check-digit verification, reporting the digits as cleaned so the user recognises them.
pub(crate) fn verify(code: &[u8], shown: &[u8]) -> Result<(), SkuError> {
    if gs1_is_valid(code) {
        return Ok(());
    }
    let (&found, data) = code.split_last().ok_or(SkuError::Empty)?;
    Err(SkuError::CheckDigit {
        digits: shown.iter().map(|d| char::from(b'0' + d)).collect(),
        expected: gs1_check_digit(data),
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(s: &str) -> Result<String, SkuError> {
        normalize_gtin14(s).map(|g| g.to_string())
    }

    #[test]
    fn one_product_one_key() {
        for raw in [
            "036000291452",
            "36000291452",
            "0036000291452",
            "00036000291452",
            "0 36000 29145 2",
        ] {
            assert_eq!(lenient(raw).unwrap(), "00036000291452", "{raw}");
        }
    }

    #[test]
    fn kinds_by_value() {
        let g = normalize_gtin14("96385074").unwrap();
        assert_eq!((g.kind(), g.short_form()), (GtinKind::Ean8, "96385074"));
        assert_eq!(
            normalize_gtin14("4006381333931").unwrap().kind(),
            GtinKind::Ean13
        );
        assert_eq!(
            normalize_gtin14("0036000291452").unwrap().kind(),
            GtinKind::UpcA
        );
        assert_eq!(
            normalize_gtin14("10036000291459").unwrap().kind(),
            GtinKind::Gtin14
        );
    }

    #[test]
    fn strict_is_strict() {
        assert!(normalize_gtin("036000291452", Mode::Strict).is_ok());
        let e = normalize_gtin("36000291452", Mode::Strict).unwrap_err();
        assert_eq!(
            e,
            SkuError::Length {
                len: 11,
                strict: true
            }
        );
    }

    #[test]
    fn never_invents_a_check_digit() {
        // 03600029145 is UPC-A 036000291452 minus its check digit: it kept its leading zero, so
        // it did not lose zeros, and the missing check digit is named but not added.
        let e = normalize_gtin14("03600029145").unwrap_err();
        assert!(matches!(e, SkuError::Incomplete { .. }), "{e}");
        assert!(e.hint().contains("036000291452"), "{}", e.hint());
    }

    #[test]
    fn excess_zeros_and_too_long() {
        assert_eq!(lenient("0000036000291452").unwrap(), "00036000291452");
        assert_eq!(
            lenient("1000036000291452"),
            Err(SkuError::TooLong { len: 16 })
        );
        // Clean-up stops counting at 33: the message must not claim that is the length.
        let e = lenient(&"9".repeat(100)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "more than 32 digits: longer than a GTIN-14 and the extra leading digits are not zeros"
        );
    }
}
