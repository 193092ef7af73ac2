//! Person names. The same person is "Dr. José  MÜLLER-Lüdenscheidt", "Mueller, Jose" and
//! "jose muller": folding must remove case, accents, punctuation, titles and suffixes, and keep the
//! tokens so that order differences ("Last, First") can be compared token by token.

use super::error::{IdentityError, Result};

/// Salutations and academic or honorific titles that say nothing about who a person is.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "fr",
    "herr",
    "frau",
    "mme",
    "mlle",
    "sr",
    "sra",
    "srta",
    "dott",
    "ing",
];

/// Generational and professional suffixes. `sr` is listed as a title (Señor) and as a suffix;
/// both are dropped.
const SUFFIXES: &[&str] = &[
    "jr", "jnr", "sr", "snr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba",
];

/// Folds a name to ASCII lower-case tokens in "given … family" order, without titles and suffixes.
/// `"Müller, José"` and `"José Müller"` both become `"jose muller"`.
pub fn normalize_name(raw: &str) -> Result<String> {
    Ok(name_tokens(raw)?.join(" "))
}

/// The tokens of [`normalize_name`]; callers comparing names use these to ignore token order.
pub fn name_tokens(raw: &str) -> Result<Vec<String>> {
    let folded = deunicode::deunicode(&reorder(raw)).to_lowercase();
    let kept = strip_titles_and_suffixes(tokens(&folded));
    if kept.is_empty() {
        return Err(IdentityError::new(
            format!("invalid person name \"{raw}\": no name left after removing titles, digits and punctuation"),
            "pass the person's name (e.g. 'Jane Doe'), or NULL when the source has none",
        ));
    }
    Ok(kept)
}

/// Puts a comma form in "given … family" order (empty comma parts ignored). Trailing comma parts made only of suffixes are
/// dropped ("John Smith, Jr., PhD"); what is left is either one part (kept as it is) or
/// "Family, Given[, …]": parts after the second comma are suffixes and are dropped, and so are
/// suffixes at the end of the given part, which would otherwise land in the middle of the name.
fn reorder(raw: &str) -> String {
    let mut parts: Vec<&str> = raw.split(',').filter(|p| !p.trim().is_empty()).collect();
    while parts.len() > 1 && is_suffix_only(parts[parts.len() - 1]) {
        parts.pop();
    }
    match parts.as_slice() {
        [family, given, ..] => {
            let mut given: Vec<&str> = given.split_whitespace().collect();
            while given.len() > 1 && is_suffix_only(given[given.len() - 1]) {
                given.pop();
            }
            format!("{} {family}", given.join(" "))
        }
        _ => parts.join(","),
    }
}

/// Lower-case ASCII letter tokens of a folded name. A generation ordinal ("3rd", "2nd") is kept
/// whole so that it is recognised as a suffix; anywhere else digits are dropped.
fn tokens(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| c.is_whitespace() || c == '-' || c == '/' || c == '&')
        .map(|t| {
            let t = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            if is_ordinal(t) {
                return t.to_string();
            }
            t.chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// "2nd", "3rd", "4th": digits followed by an English ordinal ending.
fn is_ordinal(t: &str) -> bool {
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && ["st", "nd", "rd", "th"].contains(&&t[digits..])
}

fn is_suffix(t: &str) -> bool {
    SUFFIXES.contains(&t) || is_ordinal(t)
}

/// Whether a comma part (or one word) is made only of suffixes: "Jr.", "III", "Jr. PhD", "3rd".
fn is_suffix_only(part: &str) -> bool {
    let t = tokens(&deunicode::deunicode(part).to_lowercase());
    !t.is_empty() && t.iter().all(|t| is_suffix(t))
}

/// Titles are dropped only at the front and suffixes only at the back, so that a person really
/// called "Miss" or a family name "Sen" in the middle survives, and a name that is nothing but a
/// title keeps its last token.
fn strip_titles_and_suffixes(mut tokens: Vec<String>) -> Vec<String> {
    while tokens.len() > 1 && TITLES.contains(&tokens[0].as_str()) {
        tokens.remove(0);
    }
    while tokens.len() > 1 && is_suffix(&tokens[tokens.len() - 1]) {
        tokens.pop();
    }
    if tokens.len() == 1 && (TITLES.contains(&tokens[0].as_str()) || is_suffix(&tokens[0])) {
        tokens.clear();
    }
    // An ordinal that is not at the end keeps only its letters, as every other token does.
    tokens
        .into_iter()
        .map(|t| t.chars().filter(|c| c.is_ascii_alphabetic()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(normalize_name("  JOSÉ   Müller ").unwrap(), "jose muller");
        assert_eq!(
            normalize_name("Zoë O'Brien-Smyth").unwrap(),
            "zoe obrien smyth"
        );
        assert_eq!(normalize_name("Łukasz Żółć").unwrap(), "lukasz zolc");
        assert_eq!(normalize_name("Søren Ærø").unwrap(), "soren aero");
    }

    #[test]
    fn drops_titles_and_suffixes() {
        assert_eq!(normalize_name("Dr. Jane Doe PhD").unwrap(), "jane doe");
        assert_eq!(normalize_name("Mr John Smith Jr.").unwrap(), "john smith");
        assert_eq!(normalize_name("John Smith, Jr.").unwrap(), "john smith");
        assert_eq!(normalize_name("Amartya Sen").unwrap(), "amartya sen");
    }

    #[test]
    fn family_comma_given_is_reordered() {
        assert_eq!(normalize_name("Müller, José").unwrap(), "jose muller");
        assert_eq!(normalize_name("Doe, Dr. Jane").unwrap(), "jane doe");
    }

    #[test]
    fn parts_after_a_second_comma_are_suffixes() {
        for raw in [
            "Smith, John, Jr.",
            "SMITH, John, III",
            "Smith, John, Jr., PhD",
            "Smith, Dr. John, MD",
            "Smith, John Jr.",
            "John Smith, Jr., PhD",
            "John Smith, Jr. PhD",
        ] {
            assert_eq!(normalize_name(raw).unwrap(), "john smith", "{raw}");
        }
        assert_eq!(
            name_tokens("Müller-Lüdenscheidt, José, Sr.").unwrap(),
            ["jose", "muller", "ludenscheidt"]
        );
    }

    #[test]
    fn british_and_ordinal_generation_suffixes_are_dropped() {
        for raw in [
            "John Smith Jnr",
            "John Smith Snr.",
            "John Smith 3rd",
            "John Smith 2nd",
            "John Smith, 4th",
            "Smith, John, Jnr",
        ] {
            assert_eq!(normalize_name(raw).unwrap(), "john smith", "{raw}");
        }
    }

    #[test]
    fn bad_input_is_rejected() {
        for raw in ["", "   ", "Mr.", "12345", "!!!", "Dr, PhD"] {
            let e = normalize_name(raw).unwrap_err();
            assert!(e.message.contains("invalid person name"), "{raw}: {e}");
        }
    }
}
