//! UPC-E (zero-suppressed UPC-A on small packs) to UPC-A and back, number systems 0 and 1.
//!
//! A UPC-E is `N d1 d2 d3 d4 d5 d6 C`: number system, six digits, and the check digit of the
//! *expanded* UPC-A. The last digit d6 says where the zeros go (GS1 General Specifications).

use super::check_digit::{gs1_check_digit, gs1_is_valid};
use super::cleanup::{clean_digits, Mode};
use super::error::SkuError;
use super::gtin::Gtin14;

/// UPC-A data digits (11, without check) for number system `ns` and the six UPC-E digits.
pub fn expand(ns: u8, e: [u8; 6]) -> [u8; 11] {
    let [d1, d2, d3, d4, d5, d6] = e;
    match d6 {
        0..=2 => [ns, d1, d2, d6, 0, 0, 0, 0, d3, d4, d5],
        3 => [ns, d1, d2, d3, 0, 0, 0, 0, 0, d4, d5],
        4 => [ns, d1, d2, d3, d4, 0, 0, 0, 0, 0, d5],
        _ => [ns, d1, d2, d3, d4, d5, 0, 0, 0, 0, d6],
    }
}

/// GS1 forbids the forms that another, shorter rule already covers (e.g. `d6 = 3` with
/// `d3` in 0..=2); they still expand unambiguously, so only strict mode rejects them.
pub fn is_canonical(e: [u8; 6]) -> bool {
    match e[5] {
        3 => e[2] >= 3,
        4 => e[3] != 0,
        5..=9 => e[4] != 0,
        _ => true,
    }
}

/// The UPC-E form of a UPC-A (12 digit values, number system 0 or 1), if it has one.
pub fn compress(upca: &[u8; 12]) -> Option<[u8; 8]> {
    let ns = upca[0];
    if ns > 1 {
        return None;
    }
    let (m, p, check) = (&upca[1..6], &upca[6..11], upca[11]);
    let six = if m[2] <= 2 && m[3..] == [0, 0] && p[..2] == [0, 0] {
        [m[0], m[1], p[2], p[3], p[4], m[2]]
    } else if m[3..] == [0, 0] && p[..3] == [0, 0, 0] {
        [m[0], m[1], m[2], p[3], p[4], 3]
    } else if m[4] == 0 && p[..4] == [0, 0, 0, 0] {
        [m[0], m[1], m[2], m[3], p[4], 4]
    } else if m[4] != 0 && p[..4] == [0, 0, 0, 0] && p[4] >= 5 {
        [m[0], m[1], m[2], m[3], m[4], p[4]]
    } else {
        return None;
    };
    let [a, b, c, d, e, f] = six;
    Some([ns, a, b, c, d, e, f, check])
}

/// UPC-E text to the 12-digit UPC-A. Eight digits are verified against their check digit;
/// lenient mode also takes the six printed digits (number system 0, nothing to verify).
pub fn upce_to_upca(raw: &str, mode: Mode) -> Result<String, SkuError> {
    let digits = clean_digits(raw, mode, false)?;
    let v = digits.as_slice();
    let (ns, six, check) = match v.len() {
        8 => (v[0], [v[1], v[2], v[3], v[4], v[5], v[6]], Some(v[7])),
        6 if mode == Mode::Lenient => (0, [v[0], v[1], v[2], v[3], v[4], v[5]], None),
        len => {
            let detail = format!("{len} digits");
            return Err(SkuError::UpcE { detail });
        }
    };
    let upca = expand_checked(ns, six, check, mode)?;
    Ok(upca.short_form_upca())
}

/// Expand and verify; the result as GTIN-14 (UPC-A zero-padded).
pub fn expand_checked(
    ns: u8,
    six: [u8; 6],
    check: Option<u8>,
    mode: Mode,
) -> Result<Gtin14, SkuError> {
    if ns > 1 {
        let detail = format!("number system {ns} (UPC-E exists for 0 and 1 only)");
        return Err(SkuError::UpcE { detail });
    }
    if mode == Mode::Strict && !is_canonical(six) {
        let detail = "a non-canonical form GS1 does not allow (strict mode)".to_string();
        return Err(SkuError::UpcE { detail });
    }
    let data = expand(ns, six);
    let expected = gs1_check_digit(&data);
    if let Some(found) = check.filter(|&c| c != expected) {
        let mut digits: String = std::iter::once(ns)
            .chain(six)
            .map(|d| char::from(b'0' + d))
            .collect();
        digits.push(char::from(b'0' + found));
        return Err(SkuError::CheckDigit {
            digits,
            expected,
            found,
        });
    }
    let mut full = [0u8; 12];
    full[..11].copy_from_slice(&data);
    full[11] = expected;
    debug_assert!(gs1_is_valid(&full));
    Ok(Gtin14::from_valid_digits(&full))
}

impl Gtin14 {
    /// The last 12 digits (the UPC-A of a GTIN-12).
    pub fn short_form_upca(&self) -> String {
        self.as_str()[2..].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_expansions() {
        // GS1 / common examples: 04252614 -> 042100005264, 01234565 -> 012345000065.
        assert_eq!(
            upce_to_upca("04252614", Mode::Strict).unwrap(),
            "042100005264"
        );
        assert_eq!(
            upce_to_upca("01234565", Mode::Strict).unwrap(),
            "012345000065"
        );
        assert_eq!(
            upce_to_upca("123456", Mode::Lenient).unwrap(),
            "012345000065"
        );
        assert!(upce_to_upca("123456", Mode::Strict).is_err());
        assert!(matches!(
            upce_to_upca("01234566", Mode::Strict),
            Err(SkuError::CheckDigit { .. })
        ));
        assert!(matches!(
            upce_to_upca("21234565", Mode::Lenient),
            Err(SkuError::UpcE { .. })
        ));
    }
}
