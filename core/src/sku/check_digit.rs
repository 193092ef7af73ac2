//! The GS1 mod-10 check digit shared by EAN-8, UPC-A, EAN-13 and GTIN-14.
//!
//! Weights run from the rightmost data digit: 3, 1, 3, 1, … so a code keeps its check digit when
//! zeros are added on the left. That property is what makes every GTIN fit one 14-digit key.

/// Check digit for `data` (digit values 0..=9, check digit excluded).
pub fn gs1_check_digit(data: &[u8]) -> u8 {
    let mut sum: u32 = 0;
    for (i, &d) in data.iter().rev().enumerate() {
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum += u32::from(d) * weight;
    }
    ((10 - sum % 10) % 10) as u8
}

/// True when the last digit of `code` (digit values) is its GS1 check digit.
pub fn gs1_is_valid(code: &[u8]) -> bool {
    match code.split_last() {
        Some((&check, data)) if !data.is_empty() => gs1_check_digit(data) == check,
        _ => false,
    }
}

/// Check character of an ISBN-10 or ISSN body: `weights_from` is 10 for ISBN-10 (9 digits),
/// 8 for ISSN (7 digits). Returns 0..=10, where 10 is written `X`.
pub fn mod11_check(data: &[u8], weights_from: u32) -> u8 {
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (weights_from - i as u32))
        .sum();
    ((11 - sum % 11) % 11) as u8
}

/// Digit values of an ASCII string of digits; `None` if any byte is not `0..=9`.
pub fn digit_values(s: &str) -> Option<Vec<u8>> {
    s.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_check_digits() {
        // Coca-Cola 12 oz can, UPC-A 049000028904 (GS1 US example).
        assert_eq!(gs1_check_digit(&digit_values("04900002890").unwrap()), 4);
        // EAN-13 of ISBN 978-0-306-40615-7.
        assert_eq!(gs1_check_digit(&digit_values("978030640615").unwrap()), 7);
        assert_eq!(gs1_check_digit(&digit_values("9638507").unwrap()), 4); // EAN-8 96385074
        assert!(gs1_is_valid(&digit_values("96385074").unwrap()));
        assert!(!gs1_is_valid(&digit_values("96385075").unwrap()));
        assert!(!gs1_is_valid(&[]));
        assert!(!gs1_is_valid(&[0]));
    }

    #[test]
    fn mod11_isbn_and_issn() {
        assert_eq!(mod11_check(&digit_values("030640615").unwrap(), 10), 2);
        assert_eq!(mod11_check(&digit_values("080442957").unwrap(), 10), 10); // ...X
        assert_eq!(mod11_check(&digit_values("0378595").unwrap(), 8), 5); // ISSN 0378-5955
    }
}
