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
    "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba",
];

/// Folds a name to ASCII lower-case tokens in "given … family" order, without titles and suffixes.
/// `"Müller, José"` and `"José Müller"` both become `"jose muller"`.
pub fn normalize_name(raw: &str) -> Result<String> {
    Ok(name_tokens(raw)?.join(" "))
}

/// The tokens of [`normalize_name`]; callers comparing names use these to ignore token order.
pub fn name_tokens(raw: &str) -> Result<Vec<String>> {
    let reordered = match raw.split_once(',') {
        // "Family, Given" is the only comma form we reorder; "Given Family, Jr." keeps its order.
        Some((family, given)) if !is_suffix_only(given) => format!("{given} {family}"),
        Some((name, _suffix)) => name.to_string(),
        None => raw.to_string(),
    };
    let folded = deunicode::deunicode(&reordered).to_lowercase();
    let tokens: Vec<String> = folded
        .split(|c: char| c.is_whitespace() || c == '-' || c == '/' || c == '&')
        .map(|t| {
            t.chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let kept = strip_titles_and_suffixes(tokens);
    if kept.is_empty() {
        return Err(IdentityError::new(
            format!("invalid person name \"{raw}\": no name left after removing titles, digits and punctuation"),
            "pass the person's name (e.g. 'Jane Doe'), or NULL when the source has none",
        ));
    }
    Ok(kept)
}

fn is_suffix_only(part: &str) -> bool {
    let t: String = part
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    !t.is_empty() && SUFFIXES.contains(&t.as_str())
}

/// Titles are dropped only at the front and suffixes only at the back, so that a person really
/// called "Miss" or a family name "Sen" in the middle survives, and a name that is nothing but a
/// title keeps its last token.
fn strip_titles_and_suffixes(mut tokens: Vec<String>) -> Vec<String> {
    while tokens.len() > 1 && TITLES.contains(&tokens[0].as_str()) {
        tokens.remove(0);
    }
    while tokens.len() > 1 && SUFFIXES.contains(&tokens[tokens.len() - 1].as_str()) {
        tokens.pop();
    }
    if tokens.len() == 1
        && (TITLES.contains(&tokens[0].as_str()) || SUFFIXES.contains(&tokens[0].as_str()))
    {
        tokens.clear();
    }
    tokens
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
    fn bad_input_is_rejected() {
        for raw in ["", "   ", "Mr.", "12345", "!!!", "Dr, PhD"] {
            let e = normalize_name(raw).unwrap_err();
            assert!(e.message.contains("invalid person name"), "{raw}: {e}");
        }
    }
}
