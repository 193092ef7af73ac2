//! Money in the forms sources send it: integer minor units (Square), decimal strings
//! (Shopify, POSLog), and locale-formatted numbers (CSV exports).

use rust_decimal::Decimal;
use std::str::FromStr;

/// Digits after the decimal point of an ISO 4217 currency (the minor-unit exponent).
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Splits `amount` in proportion to `weights` (signed), each share rounded to `dp` decimals and
/// the last line of non-zero weight taking the rest (the last line when every weight is 0), so
/// the shares always add up to `amount` exactly: how a transaction-level discount or tax is
/// put on the lines. A line of weight 0 (a free item, a donation rung at 0.00 after the goods)
/// takes nothing, not even a rounding cent that would leave it a net of −0.01. Amounts near
/// `Decimal`'s limit (a fuzzer's 28-digit cells) never panic: a share that cannot be computed
/// is 0 and the rest-taking line takes it, so the sum still holds.
pub fn spread(amount: Decimal, weights: &[Decimal], dp: u32) -> Vec<Decimal> {
    let sum = checked_sum(weights.iter().copied());
    let rest_at = weights
        .iter()
        .rposition(|w| !w.is_zero())
        .unwrap_or(weights.len().saturating_sub(1));
    let mut out = vec![Decimal::ZERO; weights.len()];
    let mut left = amount;
    for (k, w) in weights.iter().enumerate() {
        if k == rest_at {
            continue;
        }
        let share = sum
            .filter(|s| !s.is_zero())
            .and_then(|s| amount.checked_mul(*w)?.checked_div(s))
            .map(|x| x.round_dp(dp))
            .filter(|x| left.checked_sub(*x).is_some())
            .unwrap_or(Decimal::ZERO);
        left -= share;
        out[k] = share;
    }
    if let Some(x) = out.get_mut(rest_at) {
        *x = left;
    }
    out
}

/// `x`, a zero without its sign: `-x` of a zero is a negative zero in `Decimal`, written out
/// as "-0.00" (a zero return line or refund printed so in the facts and their exports).
pub fn unsigned_zero(x: Decimal) -> Decimal {
    if x.is_zero() {
        x.abs()
    } else {
        x
    }
}

/// `-x`, but never a negative zero (see [`unsigned_zero`]).
pub fn negated(x: Decimal) -> Decimal {
    unsigned_zero(-x)
}

/// The sum of `values`, or `None` when it would overflow `Decimal`.
pub fn checked_sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
}

/// `amount` minor units of `currency` in major units: 550 USD cents → 5.50; 550 JPY → 550.
pub fn from_minor(amount: i64, currency: &str) -> Decimal {
    Decimal::new(amount, exponent(currency))
}

/// A plain decimal string ("26.990", "-1.0000", "1e3" is refused).
pub fn parse_plain(s: &str) -> Result<Decimal, String> {
    Decimal::from_str(s.trim()).map_err(|_| format!("`{s}` is not a decimal number"))
}

/// How a CSV export writes numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberFormat {
    /// '.' or ','.
    pub decimal: char,
    /// Grouping separator to ignore (',', '.', ' ', '\'' or none).
    pub group: Option<char>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            decimal: '.',
            group: None,
        }
    }
}

/// Parses "1.234,50", "(12.00)" (accounting negative), "12.00-" (trailing minus), "€ 3,20".
pub fn parse_formatted(s: &str, f: NumberFormat) -> Result<Decimal, String> {
    let t = s.trim();
    let (neg_paren, t) = match t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, t),
    };
    let (neg_trail, t) = match t.strip_suffix('-') {
        Some(x) => (true, x.trim()),
        None => (false, t),
    };
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '-' | '+' if out.is_empty() => out.push(c),
            c if c == f.decimal => out.push('.'),
            // A grouping separator must be followed by exactly three digits: "12.5" in a
            // comma-decimal format is a mistake, not 125.
            c if Some(c) == f.group => {
                let three = chars
                    .get(i + 1..i + 4)
                    .is_some_and(|w| w.iter().all(char::is_ascii_digit));
                if !three || chars.get(i + 4).is_some_and(char::is_ascii_digit) {
                    return Err(format!("`{s}`: grouping separator `{c}` not followed by three digits (decimal separator is `{}`)", f.decimal));
                }
            }
            c if c.is_whitespace() || "$€£¥".contains(c) => {}
            _ => {
                return Err(format!(
                    "`{s}` is not a number in this format (decimal `{}`)",
                    f.decimal
                ))
            }
        }
    }
    if out.is_empty() || out == "-" || out == "+" {
        return Err(format!("`{s}` holds no number"));
    }
    let d = Decimal::from_str(&out).map_err(|_| {
        format!(
            "`{s}` is not a number in this format (decimal `{}`)",
            f.decimal
        )
    })?;
    Ok(if neg_paren ^ neg_trail { -d } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn spread_rounds_each_share_and_the_last_takes_the_rest() {
        let shares = spread(d("10.00"), &[d("1"), d("1"), d("1")], 2);
        assert_eq!(shares, [d("3.33"), d("3.33"), d("3.34")]);
        assert_eq!(spread(d("100"), &[d("2"), d("1")], 0), [d("67"), d("33")]);
        assert_eq!(spread(d("5"), &[d("0"), d("0")], 2), [d("0"), d("5")]);
        // Near Decimal's limit: no panic, and the shares still add up to the amount.
        let big = Decimal::MAX;
        let shares = spread(big, &[big, big, d("1")], 2);
        assert_eq!(checked_sum(shares.iter().copied()), Some(big));
        assert_eq!(
            shares[0],
            Decimal::ZERO,
            "the weights' sum overflows: the last takes all"
        );
        assert_eq!(checked_sum([big, d("1")]), None);
    }

    /// s27: a line of weight 0 after the others (an ACS donation rung at 0.00 × 4 after the
    /// goods) took the rounding rest and so a net of −0.01; the last line of weight takes it.
    #[test]
    fn a_line_of_weight_zero_takes_no_rounding_rest() {
        let shares = spread(d("8.64"), &[d("2.79"), d("2.79"), d("58.50"), d("0")], 2);
        assert_eq!(shares[3], d("0"));
        assert_eq!(shares.iter().copied().sum::<Decimal>(), d("8.64"));
        assert_eq!(
            spread(d("1.00"), &[d("1"), d("0"), d("2"), d("0")], 2),
            [d("0.33"), d("0"), d("0.67"), d("0")]
        );
    }

    #[test]
    fn minor_units_follow_the_currency_exponent() {
        assert_eq!(from_minor(550, "USD"), d("5.50"));
        assert_eq!(from_minor(550, "JPY"), d("550"));
        assert_eq!(from_minor(-1234, "KWD"), d("-1.234"));
    }

    #[test]
    fn locale_formats_and_accounting_negatives() {
        let de = NumberFormat {
            decimal: ',',
            group: Some('.'),
        };
        assert_eq!(parse_formatted("1.234,50", de).unwrap(), d("1234.50"));
        assert_eq!(parse_formatted("(12,00)", de).unwrap(), d("-12.00"));
        assert_eq!(parse_formatted("3,20-", de).unwrap(), d("-3.20"));
        assert_eq!(
            parse_formatted(
                "$ 1,234.5",
                NumberFormat {
                    decimal: '.',
                    group: Some(',')
                }
            )
            .unwrap(),
            d("1234.5")
        );
        assert!(
            parse_formatted("12.5", de).is_err(),
            "a dot is not the decimal separator here"
        );
        assert!(parse_formatted("", de).is_err());
    }
}
