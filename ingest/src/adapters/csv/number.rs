//! Number cells checked before `money::parse_formatted` reads them: the shapes it would read
//! as some other number without a word. A cell that does not say one number plainly is
//! refused (the transaction is rejected naming the column), never guessed.

use crate::adapters::money::{parse_formatted, NumberFormat};
use rust_decimal::Decimal;

/// The minus sign of typeset numbers (Apple Numbers, some Nordic and Swiss locales).
const UNICODE_MINUS: char = '\u{2212}';

/// The apostrophe Swiss locales group digits with in newer Windows (`1’234.50`).
const TYPOGRAPHIC_APOSTROPHE: char = '\u{2019}';

/// A number cell in format `f`, refused when its grouping or its sign is not one plain
/// reading of it (see [`check_grouping`] and [`check_sign`]).
pub(super) fn read_number(cell: &str, f: NumberFormat) -> Result<Decimal, String> {
    let mut text = cell.replace(UNICODE_MINUS, "-");
    if f.group == Some('\'') {
        // Swiss grouping as Windows 10 and later write it: a typographic apostrophe.
        text = text.replace(TYPOGRAPHIC_APOSTROPHE, "'");
    }
    check_sign(cell, &text)?;
    if check_grouping(cell, &text, f)? {
        // Lakh groups of two, which `parse_formatted` (groups of three) would refuse.
        text.retain(|c| Some(c) != f.group);
    }
    parse_formatted(&text, f)
}

/// A quantity or rate cell holds its number only. Real exports write the unit of a weighed
/// item in a column of its own (Square's `Unit`, Clover's `Item Unit`), never in the
/// quantity, and the mapping has no unit to check a word against; so a word (`1.5 kg`,
/// `2 pcs`, `3 x`) or a currency sign (`$2`, read as 2 units before) is refused naming the
/// cell rather than dropped. Grams sold by the kilo are `quantity_divisor = 1000`.
pub(super) fn check_plain_number(cell: &str) -> Result<(), String> {
    if let Some(w) = cell
        .split(|c: char| !c.is_alphabetic())
        .find(|w| !w.is_empty())
    {
        return Err(format!(
            "`{cell}` holds `{w}`: a quantity or rate cell holds a number only (a unit of \
             measure goes in the mapping, e.g. quantity_divisor = 1000 for grams)"
        ));
    }
    if let Some(sign) = cell.chars().find(|c| is_currency_sign(*c)) {
        return Err(format!(
            "`{cell}` holds the currency sign `{sign}`: a quantity or rate cell holds a number \
             only"
        ));
    }
    Ok(())
}

/// Currency signs (`Sc` in Unicode: `$`, `€`, `£`, `¥`, `¢`, `₹`…).
fn is_currency_sign(c: char) -> bool {
    matches!(
        c,
        '$' | '¢' | '£' | '¤' | '¥' | '\u{20a0}'..='\u{20cf}' | '฿'
    )
}

/// One negative mark at most: `-12.50-` or `(-12.50)` cancelled out to +12.50, a refund read
/// as a sale. Such a cell says nothing plain, so it is refused.
fn check_sign(cell: &str, text: &str) -> Result<(), String> {
    let t = text.trim();
    if !t.contains(|c: char| c.is_ascii_digit()) {
        return Ok(()); // no number at all: `parse_formatted` says so
    }
    let paren = t.starts_with('(') && t.ends_with(')');
    let inner = t.trim_start_matches('(').trim_end_matches(')').trim();
    let trailing = inner.ends_with('-');
    let leading = inner
        .trim_start_matches(|c: char| !c.is_ascii_digit() && !"+-".contains(c))
        .starts_with(['-', '+']);
    if [paren, trailing, leading].iter().filter(|&&b| b).count() > 1 {
        return Err(format!(
            "`{cell}` carries more than one sign (parentheses, a leading or a trailing minus)"
        ));
    }
    Ok(())
}

/// Digit groups as locales write them: a grouping separator (or a space, which many locales
/// group with) stands between digits of the integer part, after a first group of 1–3 digits
/// that is not a lone 0, before groups of exactly three. Anything else is a sign the mapping's
/// separators are not the file's: with `decimal = "."` and `group = ","`, `1.234,567` (a
/// German 1234.567) read as 1.234567 and `0,500` (half a kilo) as 500; `12 34` was 1234.
/// Indian lakh grouping (see [`is_lakh`]) is the one other: `Ok(true)` says the cell has it.
fn check_grouping(cell: &str, text: &str, f: NumberFormat) -> Result<bool, String> {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut groups: Vec<usize> = vec![0];
    let mut after_decimal = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            if !after_decimal {
                *groups.last_mut().expect("never empty") += 1;
            }
            continue;
        }
        if c == f.decimal {
            after_decimal = true;
            continue;
        }
        let between_digits = i > 0 && digit(i - 1) && digit(i + 1);
        let separator = Some(c) == f.group || (c.is_whitespace() && between_digits);
        if !separator {
            continue;
        }
        if after_decimal || !between_digits {
            return Err(misgrouped(cell, f));
        }
        groups.push(0);
    }
    let (first, rest) = groups.split_first().expect("never empty");
    let first_ok = (1..=3).contains(first) && !text.trim_start_matches(not_digit).starts_with('0');
    if rest.is_empty() || (first_ok && rest.iter().all(|&n| n == 3)) {
        Ok(false)
    } else if first_ok && is_lakh(*first, rest) {
        Ok(true)
    } else {
        Err(misgrouped(cell, f))
    }
}

/// Indian grouping by lakh and crore, as en-IN locales, Tally and Indian back offices write
/// rupees: the last three digits, then groups of two (`1,23,456.00` = 123456.00). Refused as
/// misgrouped, every Indian amount from 1,00,000 up was a reject.
fn is_lakh(first: usize, rest: &[usize]) -> bool {
    let Some((last, twos)) = rest.split_last() else {
        return false;
    };
    (1..=2).contains(&first) && *last == 3 && !twos.is_empty() && twos.iter().all(|&n| n == 2)
}

fn not_digit(c: char) -> bool {
    !c.is_ascii_digit()
}

fn misgrouped(cell: &str, f: NumberFormat) -> String {
    let group = f.group.map_or("none".to_string(), |g| format!("`{g}`"));
    format!(
        "`{cell}` is not grouped as the mapping's numbers are (decimal `{}`, group {group}): \
         digit groups of three before the decimal separator only",
        f.decimal
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(decimal: char, group: Option<char>) -> NumberFormat {
        NumberFormat { decimal, group }
    }

    fn ok(cell: &str, fmt: NumberFormat) -> String {
        read_number(cell, fmt)
            .unwrap_or_else(|e| panic!("{cell}: {e}"))
            .to_string()
    }

    #[test]
    fn plain_and_grouped_numbers_read_as_before() {
        let us = f('.', Some(','));
        let de = f(',', Some('.'));
        let fr = f(',', Some(' '));
        assert_eq!(ok("1,234.56", us), "1234.56");
        assert_eq!(ok("1,234,567.8", us), "1234567.8");
        assert_eq!(ok("0.50", us), "0.50");
        assert_eq!(ok("-$1,234.50", us), "-1234.50");
        assert_eq!(ok("(12.50)", us), "-12.50");
        assert_eq!(ok("12.50-", us), "-12.50");
        assert_eq!(ok("- 12.50", us), "-12.50");
        assert_eq!(ok("1 234.56", us), "1234.56");
        assert_eq!(ok("1.234,56", de), "1234.56");
        assert_eq!(ok("1 234,56", de), "1234.56");
        assert_eq!(ok("3,20-", de), "-3.20");
        assert_eq!(ok("1\u{a0}234,56", fr), "1234.56");
        assert_eq!(ok("1\u{202f}234,56", fr), "1234.56");
        assert_eq!(ok("1'234.50", f('.', Some('\''))), "1234.50");
        assert_eq!(ok("1\u{2019}234.50", f('.', Some('\''))), "1234.50");
        assert_eq!(ok("1234.567", f('.', None)), "1234.567");
        assert_eq!(ok("\u{2212}12.50", us), "-12.50");
    }

    #[test]
    fn numbers_the_mapping_would_misread_are_refused() {
        let us = f('.', Some(','));
        let de = f(',', Some('.'));
        for (cell, fmt) in [
            ("1.234,567", us),
            ("0.5,000", us),
            (",123", us),
            ("0,500", us),
            ("1234,567", us),
            ("1,234.567.8", us),
            ("12 34", us),
            ("1,234.567", de),
            ("0,5.000", de),
            ("-12.50-", us),
            ("(-12.50)", us),
            ("(12.50-)", us),
            ("+12.50-", us),
        ] {
            assert!(read_number(cell, fmt).is_err(), "{cell} read as a number");
        }
    }
}
