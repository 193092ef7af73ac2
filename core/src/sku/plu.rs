//! Produce PLU codes (IFPS): 4 digits 3000–4999; organic = `9` + the 4-digit PLU; the `8` prefix
//! (83000–84999) is IFPS's extension range and is kept whole. POS systems that store every item
//! id as a GTIN pad PLUs with zeros, with or without a GS1 check digit; both are recognised.

use std::fmt;

use super::check_digit::gs1_is_valid;

/// A produce PLU. `number` is the 4-digit base (3000–4999) or an 8-prefix 5-digit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Plu {
    pub number: u32,
    pub organic: bool,
}

/// How the PLU was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluForm {
    /// `4011`, `94011`.
    Plain,
    /// `00000000004011`: zero-padded, no check digit.
    Padded,
    /// `00000000040112`: zero-padded with a GS1 check digit appended.
    PaddedWithCheck,
}

impl Plu {
    /// The base PLU as text (`4011` for organic bananas too).
    pub fn base(&self) -> String {
        self.number.to_string()
    }

    /// The product key: organic produce is a different product, so it keeps its `9` prefix.
    pub fn key(&self) -> String {
        if self.organic {
            format!("9{}", self.number)
        } else {
            self.number.to_string()
        }
    }
}

impl fmt::Display for Plu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

fn value(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, &x| acc * 10 + u32::from(x))
}

/// A PLU from its significant digits (no leading zeros), 4 or 5 of them.
pub fn plu_from_significant(d: &[u8]) -> Option<Plu> {
    if !(4..=5).contains(&d.len()) {
        return None;
    }
    let n = value(d);
    match d.len() {
        4 if (3000..=4999).contains(&n) => Some(Plu {
            number: n,
            organic: false,
        }),
        5 if (93000..=94999).contains(&n) => Some(Plu {
            number: n - 90000,
            organic: true,
        }),
        5 if (83000..=84999).contains(&n) => Some(Plu {
            number: n,
            organic: false,
        }),
        _ => None,
    }
}

/// Recognise a PLU in cleaned digits: plain (4–5 digits) or zero-padded to 6+ digits.
pub fn find_plu(digits: &[u8]) -> Option<(Plu, PluForm)> {
    if digits.len() <= 5 {
        return plu_from_significant(digits).map(|p| (p, PluForm::Plain));
    }
    let start = digits.iter().position(|&d| d != 0)?;
    let sig = &digits[start..];
    if let Some(p) = plu_from_significant(sig) {
        return Some((p, PluForm::Padded));
    }
    let with_check = sig.len() >= 5 && gs1_is_valid(digits);
    with_check
        .then(|| plu_from_significant(&sig[..sig.len() - 1]))
        .flatten()
        .map(|p| (p, PluForm::PaddedWithCheck))
}

#[cfg(test)]
mod tests {
    use super::super::check_digit::digit_values;
    use super::*;

    fn find(s: &str) -> Option<(String, bool, PluForm)> {
        find_plu(&digit_values(s).unwrap()).map(|(p, f)| (p.base(), p.organic, f))
    }

    #[test]
    fn plu_forms() {
        assert_eq!(find("4011"), Some(("4011".into(), false, PluForm::Plain)));
        assert_eq!(find("94011"), Some(("4011".into(), true, PluForm::Plain)));
        assert_eq!(find("84011"), Some(("84011".into(), false, PluForm::Plain)));
        assert_eq!(
            find("00000000004011"),
            Some(("4011".into(), false, PluForm::Padded))
        );
        assert_eq!(
            find("00000000040112"),
            Some(("4011".into(), false, PluForm::PaddedWithCheck))
        );
        assert_eq!(
            find("0000000094011"),
            Some(("4011".into(), true, PluForm::Padded))
        );
        assert_eq!(find("2011"), None);
        assert_eq!(find("54011"), None);
        assert_eq!(find("00000000040113"), None); // check digit wrong and 40113 is no PLU
    }
}
