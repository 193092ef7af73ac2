//! Why a code was rejected, worded for the person who has to fix the data.
//!
//! Every variant renders a message (what was wrong, with which value) and a [`SkuError::hint`]
//! (what to do). The SQL face turns them into `ERROR` + `HINT`, the ingest service into a reject
//! reason, `pos.parse_barcode` into its `reason` column.

use super::cleanup::MAX_DIGITS;
use std::fmt;

/// A rejected barcode or item id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkuError {
    /// Nothing left after trimming.
    Empty,
    /// A character that is not part of a code. `fixable` means lenient mode would have repaired it.
    Character { ch: char, pos: usize, fixable: bool },
    /// `3.6E+11`: a spreadsheet turned the code into a float and digits are gone for good.
    ScientificNotation,
    /// Digit count fits no GTIN (8, 12, 13, 14; 9 to 11 in lenient mode).
    Length { len: usize, strict: bool },
    /// 7 or 11 digits that cannot be lost leading zeros: likely a GTIN whose check digit the
    /// source dropped. We say what the full code would be but never complete it.
    Incomplete { digits: String },
    /// More than 14 digits and the extra leading ones are not zeros.
    TooLong { len: usize },
    /// The GS1 check digit does not match. `digits` is the code as cleaned, before padding.
    CheckDigit {
        digits: String,
        expected: u8,
        found: u8,
    },
    /// ISBN-10 / ISSN mod-11 check character mismatch (`X` stands for 10).
    Mod11Check {
        what: &'static str,
        expected: char,
        found: char,
    },
    /// Ten digits valid both as an ISBN-10 and as a GTIN that lost two leading zeros.
    AmbiguousTenDigits { digits: String },
    /// UPC-E input that cannot be expanded.
    UpcE { detail: String },
    /// A GS1 element string or Digital Link that does not read as application identifiers.
    ElementString { detail: String },
}

impl fmt::Display for SkuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkuError::Empty => write!(f, "empty code"),
            SkuError::Character { ch, pos, .. } => {
                write!(f, "character {ch:?} at position {pos} is not part of a barcode")
            }
            SkuError::ScientificNotation => write!(
                f,
                "code is in scientific notation (like 3.6E+11): its last digits were lost by a spreadsheet"
            ),
            SkuError::Length { len, .. } => write!(
                f,
                "{len} digits is not a GTIN length (8, 12, 13 or 14 digits)"
            ),
            SkuError::Incomplete { digits } => write!(
                f,
                "{digits} has {} digits: no GTIN has that many, and lost leading zeros cannot explain it",
                digits.len()
            ),
            // Clean-up stops counting past MAX_DIGITS: the count is then a lower bound.
            SkuError::TooLong { len } if *len > MAX_DIGITS => write!(
                f,
                "more than {MAX_DIGITS} digits: longer than a GTIN-14 and the extra leading digits are not zeros"
            ),
            SkuError::TooLong { len } => write!(
                f,
                "{len} digits: longer than a GTIN-14 and the extra leading digits are not zeros"
            ),
            SkuError::CheckDigit { digits, expected, found } => write!(
                f,
                "check digit of {digits} is {found}, expected {expected}"
            ),
            SkuError::Mod11Check { what, expected, found } => {
                write!(f, "{what} check character is {found}, expected {expected}")
            }
            SkuError::AmbiguousTenDigits { digits } => write!(
                f,
                "{digits} is valid both as an ISBN-10 and as a GTIN that lost two leading zeros"
            ),
            SkuError::UpcE { detail } => write!(f, "not a UPC-E code: {detail}"),
            SkuError::ElementString { detail } => {
                write!(f, "unreadable GS1 element string: {detail}")
            }
        }
    }
}

impl std::error::Error for SkuError {}

impl SkuError {
    /// What the user can do about it (the SQL `HINT`).
    pub fn hint(&self) -> String {
        match self {
            SkuError::Empty => "pass NULL for a missing code".into(),
            SkuError::Character { fixable: true, .. } => {
                "strict mode takes bare digits; lenient mode (the default) removes spaces, dashes, tabs, full-width digits and a spreadsheet .0 suffix".into()
            }
            SkuError::Character { .. } => {
                "a GTIN holds digits only; vendor SKUs are matched with pos.sku_key".into()
            }
            SkuError::ScientificNotation => {
                "re-export the column as text; the lost digits cannot be recovered".into()
            }
            SkuError::Length { strict: true, .. } => {
                "strict mode takes exactly 8, 12, 13 or 14 digits; lenient mode restores lost leading zeros".into()
            }
            SkuError::Length { .. } => {
                "shorter codes are PLUs, UPC-E or store codes: use pos.parse_barcode, pos.upce_to_upca or pos.sku_key".into()
            }
            SkuError::TooLong { .. } => "a GTIN has at most 14 digits".into(),
            SkuError::CheckDigit { digits, .. } | SkuError::Incomplete { digits } => {
                check_digit_hint(digits)
            }
            SkuError::Mod11Check { .. } => {
                "a digit was mistyped or misread; check the code on the item".into()
            }
            SkuError::AmbiguousTenDigits { .. } => {
                "write an ISBN with its hyphens or an ISBN prefix, or a GTIN with its leading zeros".into()
            }
            SkuError::UpcE { .. } => {
                "UPC-E has 8 digits (number system 0 or 1, six digits, check digit) or 6 digits for number system 0".into()
            }
            SkuError::ElementString { .. } => {
                "a GS1 element string is application identifiers with their values, e.g. (01)09501101530003(3103)000750; as scanned, a value of variable length ends at FNC1 (ASCII 29)".into()
            }
        }
    }
}

/// A POS that drops check digits leaves 7 or 11 digits; say what the code would be, never apply it.
fn check_digit_hint(digits: &str) -> String {
    let base = "a digit was mistyped or misread; check digits are never repaired";
    if digits.len() == 7 || digits.len() == 11 {
        if let Some(values) = super::check_digit::digit_values(digits) {
            let guess = super::check_digit::gs1_check_digit(&values);
            return format!(
                "{base}. If the source dropped the check digit, the full code is {digits}{guess}: map it explicitly (pos.sku_alias)"
            );
        }
    }
    base.into()
}
