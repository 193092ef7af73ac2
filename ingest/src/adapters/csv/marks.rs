//! Currency marks around a money cell (`€ 3,50`, `12.50 CHF`, `12,50 kr`): the number is read
//! without them (see `cells::strip_currency`), but a mark that names another currency than
//! the transaction's says the number is not in it. A euro export read under a mapping or
//! store in USD booked `€ 1,500.00` as 1 500.00 USD without a word; such a cell is refused.

use super::tax_mark::is_tax_mark;
use std::borrow::Cow;

/// Currencies with a sign or a word of their own, never written with `$` (which names the
/// dollars and pesos of many countries, so it is checked against these only).
const NOT_DOLLAR: [&str; 26] = [
    "EUR", "GBP", "JPY", "CNY", "INR", "KRW", "RUB", "TRY", "ILS", "VND", "PHP", "NGN", "THB",
    "UAH", "KZT", "PYG", "CRC", "GHS", "CHF", "SEK", "NOK", "DKK", "ISK", "PLN", "CZK", "HUF",
];

/// The currencies a sign may name; `None` for `$` and for other characters.
fn of_sign(c: char) -> Option<&'static [&'static str]> {
    Some(match c {
        '€' => &["EUR"],
        '£' => &["GBP", "GIP", "FKP", "SHP", "EGP", "LBP", "SYP", "SSP"],
        '¥' => &["JPY", "CNY"],
        '₹' => &["INR"],
        '₩' => &["KRW", "KPW"],
        '₽' => &["RUB"],
        '₺' => &["TRY"],
        '₪' => &["ILS"],
        '₫' => &["VND"],
        '₱' => &["PHP"],
        '₦' => &["NGN"],
        '฿' => &["THB"],
        '₴' => &["UAH"],
        '₸' => &["KZT"],
        '₲' => &["PYG"],
        '₡' => &["CRC", "SVC"],
        '₵' => &["GHS"],
        _ => return None,
    })
}

/// The dollar (and peso, real) a letter prefix of `$` names: `US$`, `CA$`, `A$`, `NZ$`, `HK$`…
/// A bare `$` names many currencies and is checked as above; a prefixed one names one.
fn of_dollar_prefix(prefix: &str) -> Option<&'static str> {
    Some(match prefix.to_uppercase().as_str() {
        "US" | "U.S." => "USD",
        "CA" | "CAN" => "CAD", // not C$: Nicaragua's córdoba writes it too
        "A" | "AU" => "AUD",
        "NZ" => "NZD",
        "HK" => "HKD",
        "S" | "SG" => "SGD",
        "NT" => "TWD",
        "R" => "BRL",
        "MX" | "MEX" => "MXN",
        _ => return None,
    })
}

/// ISO 4217 codes of currencies in use: three capitals after a price are checked only when
/// they are one (`12,50 € TTC`, all taxes included, names no currency).
const ISO_4217: [&str; 155] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

/// The currencies a word may name: an ISO 4217 code as exports write it (in capitals), and
/// the local words of a few currencies; `None` for any other word (left as before).
fn of_word(w: &str) -> Option<Vec<String>> {
    if ISO_4217.contains(&w) {
        return Some(vec![w.to_string()]);
    }
    let names: &[&str] = match w.to_lowercase().as_str() {
        "kr" => &["SEK", "NOK", "DKK", "ISK", "FOK"],
        "zł" => &["PLN"],
        "kč" => &["CZK"],
        "ft" => &["HUF"],
        // South Asian receipts write `Rs.1,250.00` or `1,250 Rs` (rupees).
        "rs" => &["INR", "PKR", "LKR", "NPR", "MUR", "SCR"],
        _ => return None,
    };
    Some(names.iter().map(|s| s.to_string()).collect())
}

/// `Ok` unless a currency sign or word before the first or after the last digit of `cell`
/// names currencies of which `currency` is none; the error names the mark and `currency`.
pub(super) fn check_currency_mark(cell: &str, currency: &str) -> Result<(), String> {
    let (Some(first), Some(last)) = (
        cell.find(|c: char| c.is_ascii_digit()),
        cell.rfind(|c: char| c.is_ascii_digit()),
    ) else {
        return Ok(());
    };
    let currency = currency.trim().to_uppercase();
    for edge in [&cell[..first], &cell[last + 1..]] {
        if let Some(named) = edge.split_once('$').and_then(|(before, _)| {
            let prefix = before
                .trim_start()
                .rsplit(|c: char| c.is_whitespace())
                .next()?;
            of_dollar_prefix(prefix)
        }) {
            if named != currency {
                return Err(other_currency(cell, edge.trim(), &currency));
            }
        }
        for c in edge.chars() {
            let fits = match of_sign(c) {
                Some(names) => names.contains(&currency.as_str()),
                None => c != '$' || !NOT_DOLLAR.contains(&currency.as_str()),
            };
            if !fits {
                return Err(other_currency(cell, &c.to_string(), &currency));
            }
        }
        for w in edge
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            if of_word(w).is_some_and(|names| !names.contains(&currency)) {
                return Err(other_currency(cell, w, &currency));
            }
        }
    }
    Ok(())
}

fn other_currency(cell: &str, mark: &str, currency: &str) -> String {
    format!(
        "`{cell}` is written in `{mark}`, not in the transaction's currency {currency}: name the \
         file's currency (the mapping's `currency`, a `currency` column or the store's)"
    )
}

/// `Ok` when every word before the first or after the last digit of the money cell `cell`
/// names a currency: letters there used to be dropped whatever they said, so `12.50 kg`,
/// `12.50 per lb`, `x12.50` or `12.50 ea` were read as 12.50 without a word (a price per
/// kilo booked as the price of the line). A word that is no currency mark refuses the cell;
/// whether a currency word is the transaction's is [`check_currency_mark`]'s to say.
pub(super) fn check_money_words(cell: &str, currency: &str) -> Result<(), String> {
    let (Some(first), Some(last)) = (
        cell.find(|c: char| c.is_ascii_digit()),
        cell.rfind(|c: char| c.is_ascii_digit()),
    ) else {
        return Ok(());
    };
    if cell.contains('%') {
        return Err(format!(
            "`{cell}` is a percentage, not an amount: a discount given as a fraction of the \
             price goes in `discount_rate` (0.1 for 10 %)"
        ));
    }
    for (edge, after) in [(&cell[..first], false), (&cell[last + 1..], true)] {
        let edge = &undot(edge);
        if edge.contains('/') {
            return Err(format!(
                "`{cell}` is a price per unit, not an amount: a money cell holds a number and \
                 its currency sign or code only"
            ));
        }
        for (at, w) in words(edge) {
            let before_dollar = edge[at + w.len()..].starts_with('$');
            if !is_money_word(w, before_dollar, after, currency) {
                return Err(format!(
                    "`{cell}` holds `{w}`, which names no currency: a money cell holds a number \
                     and its currency sign or code only"
                ));
            }
        }
    }
    Ok(())
}

/// `edge` with the dots of abbreviations dropped (a dot right after a letter), so that
/// `T.T.C.` and `H.T.` read as the words `TTC` and `HT`, and `kr.` as `kr`: French receipts write
/// the tax marks either way. A dot elsewhere stays a separator.
pub(super) fn undot(edge: &str) -> Cow<'_, str> {
    if !edge.contains('.') {
        return Cow::Borrowed(edge);
    }
    let mut out = String::with_capacity(edge.len());
    let mut prev_letter = false;
    for c in edge.chars() {
        if !(c == '.' && prev_letter) {
            out.push(c);
        }
        prev_letter = c.is_alphabetic();
    }
    Cow::Owned(out)
}

/// The runs of letters of `edge` with their byte offsets.
pub(super) fn words(edge: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in edge.char_indices().chain([(edge.len(), ' ')]) {
        if c.is_alphabetic() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &edge[s..i]));
        }
    }
    out
}

/// Whether `w` may stand beside an amount in `currency`: an ISO 4217 code in capitals (or the
/// transaction's own code in any case, as `usd 12.50`), a currency's local word (`kr`, `zł`),
/// a letter prefix of `$` (`US$`, `CA$`, and `C$` in Canadian dollars or córdobas), or, after
/// the number, a tax mark, `TTC` or `HT` (French exports write `12,50 € TTC`, tax included, and
/// `10,42 € HT`, before tax: the number is the amount as written, and whether the mark fits the
/// column and the mapping is `tax_mark::check_tax_mark`'s to say).
fn is_money_word(w: &str, before_dollar: bool, after: bool, currency: &str) -> bool {
    let currency = currency.trim().to_uppercase();
    let dollar_prefix = before_dollar
        && (of_dollar_prefix(w).is_some()
            || (w.eq_ignore_ascii_case("C") && ["CAD", "NIO"].contains(&currency.as_str())));
    ISO_4217.contains(&w)
        || w.eq_ignore_ascii_case(&currency)
        || of_word(w).is_some()
        || dollar_prefix
        || (after && is_tax_mark(w))
}
