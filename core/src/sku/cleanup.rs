//! Input clean-up: from what a POS or spreadsheet sent to bare digit values.
//!
//! Strict mode accepts bare ASCII digits only (and a final `X` where an ISBN-10/ISSN allows it).
//! Lenient mode repairs what is unambiguous and nothing else (docs/sku.md, "Clean-up rules"):
//! surrounding whitespace, one leading `'` (spreadsheet text marker), a trailing `.0`/`.00`
//! (spreadsheet float), full-width digits, and spaces/tabs/dashes anywhere. Letters, other
//! punctuation and scientific notation are rejected. Lost leading zeros are a length question
//! and are handled by the GTIN stage.

use super::error::SkuError;

/// How forgiving normalization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Bare digits of a valid length, nothing repaired.
    Strict,
    /// Unambiguous repairs (documented), never an invented check digit.
    Lenient,
}

/// Longest input (in characters) and digit count we look at; real codes are far shorter.
pub const MAX_CHARS: usize = 64;
pub const MAX_DIGITS: usize = 32;

/// Repairs lenient mode made, reported back so nothing is changed silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Repairs {
    pub trimmed: bool,
    pub separators: bool,
    pub full_width: bool,
    pub decimal_suffix: bool,
    pub apostrophe: bool,
    /// Leading zeros restored (lost leading zeros), or excess leading zeros dropped (negative).
    pub zeros: i8,
}

impl Repairs {
    pub fn any(&self) -> bool {
        *self != Repairs::default()
    }

    /// Human-readable list, e.g. `removed separators, restored 1 leading zero`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let flags = [
            (self.trimmed, "trimmed whitespace"),
            (self.apostrophe, "removed leading apostrophe"),
            (self.decimal_suffix, "removed .0 suffix"),
            (self.full_width, "converted full-width digits"),
            (self.separators, "removed separators"),
        ];
        parts.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
        match self.zeros {
            z if z > 0 => parts.push(format!("restored {z} leading zero{}", plural(z))),
            z if z < 0 => parts.push(format!("dropped {} extra leading zero{}", -z, plural(z))),
            _ => {}
        }
        parts.join(", ")
    }
}

fn plural(n: i8) -> &'static str {
    if n.abs() == 1 {
        ""
    } else {
        "s"
    }
}

/// Digit values (0..=9) of a cleaned code, on the stack.
#[derive(Debug, Clone, Copy)]
pub struct Digits {
    buf: [u8; MAX_DIGITS],
    len: usize,
    /// The code ended in `X`/`x` (ISBN-10 / ISSN check character 10); only when allowed.
    pub check_x: bool,
    pub repairs: Repairs,
}

impl Digits {
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// ASCII rendering of the digits (for messages).
    pub fn to_ascii(&self) -> String {
        self.as_slice()
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect()
    }

    fn push(&mut self, d: u8) -> Result<(), SkuError> {
        if self.len == MAX_DIGITS {
            return Err(SkuError::TooLong {
                len: MAX_DIGITS + 1,
            });
        }
        self.buf[self.len] = d;
        self.len += 1;
        Ok(())
    }

    fn empty() -> Self {
        Digits {
            buf: [0; MAX_DIGITS],
            len: 0,
            check_x: false,
            repairs: Repairs::default(),
        }
    }
}

/// Separators lenient mode drops: whitespace and dashes (ASCII, Unicode and full-width).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}')
}

/// Full-width digit `０`..`９` to its value.
fn full_width_digit(c: char) -> Option<u8> {
    ('\u{FF10}'..='\u{FF19}')
        .contains(&c)
        .then(|| (c as u32 - 0xFF10) as u8)
}

/// Clean `raw` to digit values. `allow_x`: a final `X` is the mod-11 check character 10.
pub fn clean_digits(raw: &str, mode: Mode, allow_x: bool) -> Result<Digits, SkuError> {
    let bytes = raw.as_bytes();
    if !bytes.is_empty() && bytes.len() <= MAX_DIGITS && bytes.iter().all(u8::is_ascii_digit) {
        let mut d = Digits::empty();
        for (slot, b) in d.buf.iter_mut().zip(bytes) {
            *slot = b - b'0';
        }
        d.len = bytes.len();
        return Ok(d);
    }
    match mode {
        Mode::Strict => clean_strict(raw, allow_x),
        Mode::Lenient => clean_lenient(raw, allow_x),
    }
}

fn clean_strict(raw: &str, allow_x: bool) -> Result<Digits, SkuError> {
    if raw.is_empty() {
        return Err(SkuError::Empty);
    }
    let mut d = Digits::empty();
    let count = raw.chars().count();
    for (i, c) in raw.chars().enumerate() {
        match c {
            '0'..='9' => d.push(c as u8 - b'0')?,
            'X' | 'x' if allow_x && i + 1 == count && i > 0 => d.check_x = true,
            _ => {
                let fixable =
                    is_separator(c) || full_width_digit(c).is_some() || matches!(c, '.' | '\'');
                return Err(SkuError::Character {
                    ch: c,
                    pos: i + 1,
                    fixable,
                });
            }
        }
    }
    Ok(d)
}

fn clean_lenient(raw: &str, allow_x: bool) -> Result<Digits, SkuError> {
    let mut repairs = Repairs::default();
    let trimmed = raw.trim();
    repairs.trimmed = trimmed.len() != raw.len();
    let mut body = trimmed;
    if let Some(rest) = body.strip_prefix('\'') {
        repairs.apostrophe = true;
        body = rest;
    }
    if is_scientific(body) {
        return Err(SkuError::ScientificNotation);
    }
    if let Some(dot) = body.rfind('.') {
        let tail = &body[dot + 1..];
        if !tail.is_empty() && tail.bytes().all(|b| b == b'0') && dot > 0 {
            repairs.decimal_suffix = true;
            body = &body[..dot];
        }
    }
    let leading = raw.len() - raw.trim_start().len();
    let offset = raw[..leading].chars().count() + usize::from(repairs.apostrophe);
    let mut d = Digits::empty();
    let count = body.chars().count();
    for (i, c) in body.chars().enumerate() {
        if let Some(v) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            d.push(v as u8)?;
        } else if let Some(v) = full_width_digit(c) {
            repairs.full_width = true;
            d.push(v)?;
        } else if is_separator(c) {
            repairs.separators = true;
        } else if matches!(c, 'X' | 'x') && allow_x && i + 1 == count && !d.is_empty() {
            d.check_x = true;
        } else {
            return Err(SkuError::Character {
                ch: c,
                pos: offset + i + 1,
                fixable: false,
            });
        }
    }
    if d.is_empty() && !d.check_x {
        return Err(SkuError::Empty);
    }
    d.repairs = repairs;
    Ok(d)
}

/// `3.6E+11`, `3,60000E+11`, `1e12`: digits, optional decimal part, exponent.
fn is_scientific(s: &str) -> bool {
    let Some(e) = s.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, exp) = (&s[..e], &s[e + 1..]);
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let mantissa_ok = !mantissa.is_empty()
        && mantissa
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        && mantissa.as_bytes()[0].is_ascii_digit();
    mantissa_ok && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(s: &str) -> Result<String, SkuError> {
        clean_digits(s, Mode::Lenient, false).map(|d| d.to_ascii())
    }

    #[test]
    fn lenient_repairs() {
        assert_eq!(lenient(" 0 36000-29145\t2 ").unwrap(), "036000291452");
        assert_eq!(lenient("36000291452.0").unwrap(), "36000291452");
        assert_eq!(lenient("'036000291452").unwrap(), "036000291452");
        assert_eq!(lenient("０３６０００２９１４５２").unwrap(), "036000291452");
        assert_eq!(lenient("036000\u{2013}291452").unwrap(), "036000291452");
    }

    #[test]
    fn lenient_rejects() {
        assert_eq!(lenient("3.60003E+11"), Err(SkuError::ScientificNotation));
        assert_eq!(lenient("   "), Err(SkuError::Empty));
        assert!(matches!(
            lenient("03600A291452"),
            Err(SkuError::Character {
                ch: 'A',
                pos: 6,
                ..
            })
        ));
        assert!(matches!(
            lenient("036.5"),
            Err(SkuError::Character { ch: '.', .. })
        ));
    }

    #[test]
    fn strict_rejects_what_lenient_fixes() {
        let e = clean_digits("036000 291452", Mode::Strict, false).unwrap_err();
        assert_eq!(
            e,
            SkuError::Character {
                ch: ' ',
                pos: 7,
                fixable: true
            }
        );
        assert!(
            clean_digits("080442957X", Mode::Strict, true)
                .unwrap()
                .check_x
        );
        assert!(clean_digits("080442957X", Mode::Strict, false).is_err());
    }
}
