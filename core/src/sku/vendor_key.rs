//! Vendor SKU match keys: `abc_123`, ` ABC-123 `, `Abc 123` and `ＡＢＣ－１２３` are one product.
//!
//! The key is for matching only; callers always keep the original next to it (`raw_item_id`).
//! Rules (docs/sku.md): full-width ASCII to ASCII, trim, Unicode upper case, every run of
//! separators (whitespace `- _ . / \ : | ,` and Unicode dashes) becomes one `-`, leading and
//! trailing separators go, then one configured prefix is stripped when a separator follows it.
//! Leading zeros are kept: `007` and `7` may well be different items.

/// Which prefixes to strip (e.g. a POS that writes `SKU:` or a vendor code in front).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkuKeyRules {
    /// Already normalized with [`sku_key`]; longest first.
    prefixes: Vec<String>,
}

impl SkuKeyRules {
    pub fn new<S: AsRef<str>>(strip_prefixes: &[S]) -> SkuKeyRules {
        let mut prefixes: Vec<String> = strip_prefixes
            .iter()
            .map(|p| sku_key(p.as_ref()))
            .filter(|p| !p.is_empty())
            .collect();
        prefixes.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        prefixes.dedup();
        SkuKeyRules { prefixes }
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '_' | '.' | '/' | '\\' | ':' | '|' | ',' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// Full-width ASCII block (U+FF01–U+FF5E) to ASCII, ideographic space to space.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The match key of a vendor SKU with no prefixes configured.
pub fn sku_key(raw: &str) -> String {
    let mut key = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for c in raw.chars().map(narrow) {
        if is_separator(c) {
            pending_sep = !key.is_empty();
            continue;
        }
        if pending_sep {
            key.push('-');
            pending_sep = false;
        }
        if c.is_ascii() {
            key.push(c.to_ascii_uppercase());
        } else {
            key.extend(c.to_uppercase());
        }
    }
    key
}

/// The match key with `rules` applied (one configured prefix stripped).
pub fn sku_key_with(raw: &str, rules: &SkuKeyRules) -> String {
    let key = sku_key(raw);
    for p in &rules.prefixes {
        if let Some(rest) = key
            .strip_prefix(p.as_str())
            .and_then(|r| r.strip_prefix('-'))
        {
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_for_many_spellings() {
        for raw in [
            "abc_123",
            " ABC-123 ",
            "Abc 123",
            "ＡＢＣ－１２３",
            "abc--123",
            "abc / 123",
            "-abc.123-",
        ] {
            assert_eq!(sku_key(raw), "ABC-123", "{raw:?}");
        }
        assert_eq!(sku_key("ABC123"), "ABC123");
        assert_eq!(sku_key("007"), "007");
        assert_eq!(sku_key(" \t "), "");
    }

    #[test]
    fn configured_prefixes() {
        let rules = SkuKeyRules::new(&["sku:", "ACME"]);
        assert_eq!(sku_key_with("SKU: abc-1", &rules), "ABC-1");
        assert_eq!(sku_key_with("acme_55", &rules), "55");
        assert_eq!(sku_key_with("ACMEX-55", &rules), "ACMEX-55"); // no separator after the prefix
        assert_eq!(sku_key_with("ACME", &rules), "ACME"); // nothing would be left
    }
}
