//! Vendor SKU match keys: `bak-0001`, ` BAK 0001 `, `BAK0001`, `bak_0001` and `ＢＡＫ－０００１`
//! are one product.
//!
//! The key is for matching only; callers always keep the original next to it (`raw_item_id`).
//! Rules (docs/sku.md): full-width ASCII to ASCII, Unicode upper case, separators (whitespace
//! `- _ . / \ : | ,` and Unicode dashes) removed. Before they are removed, one configured prefix
//! is stripped when a separator follows it (`ACME-55` → `55`, but `ACMEX55` stays). Leading zeros
//! are kept: `007` and `7` may well be different items.

/// Which prefixes to strip (e.g. a POS that writes `SKU:` or a vendor code in front).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkuKeyRules {
    /// Normalized like keys but with separators as `-`; longest first.
    prefixes: Vec<String>,
}

impl SkuKeyRules {
    pub fn new<S: AsRef<str>>(strip_prefixes: &[S]) -> SkuKeyRules {
        let mut prefixes: Vec<String> = strip_prefixes
            .iter()
            .map(|p| spaced_key(p.as_ref()).trim_end_matches('-').to_string())
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

/// Upper case with every run of separators as one `-`, none at the ends: the form prefixes are
/// matched on (a prefix must be followed by a separator).
fn spaced_key(raw: &str) -> String {
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

/// The match key of a vendor SKU with no prefixes configured.
pub fn sku_key(raw: &str) -> String {
    let mut key = spaced_key(raw);
    key.retain(|c| c != '-');
    key
}

/// The match key with `rules` applied (one configured prefix stripped).
pub fn sku_key_with(raw: &str, rules: &SkuKeyRules) -> String {
    let spaced = spaced_key(raw);
    let mut key = rules
        .prefixes
        .iter()
        .find_map(|p| {
            let rest = spaced.strip_prefix(p.as_str())?.strip_prefix('-')?;
            (!rest.is_empty()).then(|| rest.to_string())
        })
        .unwrap_or(spaced);
    key.retain(|c| c != '-');
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_for_many_spellings() {
        for raw in [
            "bak-0001",
            " BAK 0001 ",
            "BAK0001",
            "bak_0001",
            "ＢＡＫ－０００１",
            "bak / 0001",
            "-bak.0001-",
        ] {
            assert_eq!(sku_key(raw), "BAK0001", "{raw:?}");
        }
        assert_eq!(sku_key("007"), "007");
        assert_eq!(sku_key(" \t "), "");
        assert_eq!(sku_key("straße 1"), "STRASSE1");
    }

    #[test]
    fn configured_prefixes() {
        let rules = SkuKeyRules::new(&["sku:", "ACME"]);
        assert_eq!(sku_key_with("SKU: abc-1", &rules), "ABC1");
        assert_eq!(sku_key_with("acme_55", &rules), "55");
        assert_eq!(sku_key_with("ACMEX-55", &rules), "ACMEX55"); // no separator after the prefix
        assert_eq!(sku_key_with("ACME", &rules), "ACME"); // nothing would be left
    }
}
