//! Street addresses and postcodes. Sources disagree on case, punctuation and whether "Street" is
//! spelled out; folding these to one form lets comparisons see the real differences (house number,
//! street name). Postcodes get per-country rules because their shape is national.

use super::error::{IdentityError, Result};

/// Common street-type and direction words and their postal abbreviations (USPS / Royal Mail /
/// Australia Post usage), applied per token.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("street", "st"),
    ("strasse", "str"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("road", "rd"),
    ("drive", "dr"),
    ("lane", "ln"),
    ("court", "ct"),
    ("place", "pl"),
    ("boulevard", "blvd"),
    ("crescent", "cres"),
    ("terrace", "tce"),
    ("highway", "hwy"),
    ("parade", "pde"),
    ("circuit", "cct"),
    ("close", "cl"),
    ("square", "sq"),
    ("parkway", "pkwy"),
    ("mount", "mt"),
    ("saint", "st"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("northeast", "ne"),
    ("northwest", "nw"),
    ("southeast", "se"),
    ("southwest", "sw"),
    ("apartment", "apt"),
    ("unit", "apt"),
    ("flat", "apt"),
    ("suite", "ste"),
    ("floor", "fl"),
    ("building", "bldg"),
    ("number", "no"),
    ("nr", "no"),
];

/// Folds an address line: ASCII, lower case, punctuation to spaces, street words abbreviated
/// (directions too, "North East" and "N.E." as "ne"), German "…straße" compounds split so
/// "Hauptstraße" and "Hauptstr." agree.
pub fn normalize_address(raw: &str) -> Result<String> {
    let folded = join_dotted_directions(&deunicode::deunicode(raw).to_lowercase());
    let mut spaced = String::with_capacity(folded.len());
    for c in folded.chars() {
        match c {
            // "St Mark's Rd" and "St Marks Rd": an apostrophe joins, it does not separate.
            '\'' | '`' => {}
            '#' => spaced.push_str(" # "),
            c if c.is_ascii_alphanumeric() => spaced.push(c),
            _ => spaced.push(' '),
        }
    }
    let words: Vec<String> = spaced
        .split_whitespace()
        .flat_map(split_german_street)
        .collect();
    let mut tokens: Vec<String> = Vec::new();
    for t in join_direction_words(fold_po_box(words))
        .into_iter()
        .map(abbreviate)
    {
        if t != "#" {
            tokens.push(t);
        } else if !tokens
            .last()
            .is_some_and(|p| UNIT_DESIGNATORS.contains(&p.as_str()))
        {
            // "12 Main St #4" is "12 Main St Apt 4"; in "Apt #4" or "Ste #4" it repeats the word.
            tokens.push("apt".into());
        }
    }
    if !tokens
        .iter()
        .any(|t| t.chars().any(|c| c.is_ascii_alphabetic()))
    {
        return Err(IdentityError::new(
            format!("invalid address \"{raw}\": it has no street or place name"),
            "pass the street address (e.g. '10 Downing Street'), or NULL when the source has none",
        ));
    }
    Ok(tokens.join(" "))
}

/// Words (after abbreviation) that name a unit within a building; a `#` after one of them adds
/// nothing, a `#` alone stands for one (USPS Publication 28: `#` is a secondary unit designator).
const UNIT_DESIGNATORS: &[&str] = &[
    "apt", "ste", "fl", "bldg", "no", "rm", "room", "dept", "lot",
];

/// Post office boxes written as "P.O. Box", "P O Box", "POB", "PO-Box", "Post Office Box" or
/// "POBox" all become "po box".
fn fold_po_box(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let at = |k: usize| words.get(i + k).map(String::as_str);
        let len = match (at(0), at(1), at(2)) {
            (Some("p"), Some("o"), Some("box")) | (Some("post"), Some("office"), Some("box")) => 3,
            (Some("po"), Some("box"), _) => 2,
            (Some("pob" | "pobox"), _, _) => 1,
            _ => 0,
        };
        if len == 0 {
            out.push(words[i].clone());
            i += 1;
        } else {
            out.extend(["po".to_string(), "box".to_string()]);
            i += len;
        }
    }
    out
}

/// "N.E." / "s.w" (a single-letter direction pair written with dots) becomes one word, "ne", before
/// punctuation turns the dots into spaces. Undotted "N E" is left alone: "40 N E Street" is North
/// E Street.
fn join_dotted_directions(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        let starts_word = i == 0 || !c[i - 1].is_ascii_alphanumeric();
        let ends_word = |k: usize| k >= c.len() || !c[k].is_ascii_alphanumeric();
        if starts_word
            && i + 2 < c.len()
            && matches!(c[i], 'n' | 's')
            && c[i + 1] == '.'
            && matches!(c[i + 2], 'e' | 'w')
            && ends_word(i + 3)
        {
            out.push(c[i]);
            out.push(c[i + 2]);
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// "north east" / "south-west" (two words once punctuation is gone) become "northeast" /
/// "southwest", which abbreviate to "ne" / "sw" like "north" does to "n".
fn join_direction_words(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for w in words {
        let joins = matches!(w.as_str(), "east" | "west")
            && out
                .last()
                .is_some_and(|p| matches!(p.as_str(), "north" | "south"));
        match out.last_mut() {
            Some(prev) if joins => prev.push_str(&w),
            _ => out.push(w),
        }
    }
    out
}

fn split_german_street(token: &str) -> Vec<String> {
    for suffix in ["strasse", "str"] {
        if let Some(stem) = token.strip_suffix(suffix) {
            if stem.len() >= 3 && stem.chars().all(|c| c.is_ascii_alphabetic()) {
                return vec![stem.to_string(), "str".to_string()];
            }
        }
    }
    vec![token.to_string()]
}

fn abbreviate(token: String) -> String {
    match ABBREVIATIONS.iter().find(|(long, _)| *long == token) {
        Some((_, short)) => short.to_string(),
        None => token,
    }
}

/// Normalizes a postcode for `country` (ISO alpha-2). Known countries are validated and written in
/// their canonical form (`SW1A 1AA`, `K1A 0B1`, US ZIP+4 reduced to the 5-digit ZIP, which is what
/// most sources carry); other countries get upper case without spaces or dashes.
pub fn normalize_postcode(raw: &str, country: &str) -> Result<String> {
    let compact: String = without_float_fraction(raw)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let cc = country.trim().to_ascii_uppercase();
    let shaped = match cc.as_str() {
        "US" => us_zip(raw),
        "GB" | "UK" => gb_postcode(&compact),
        "CA" => shape(&compact, "ANANAN").then(|| format!("{} {}", &compact[..3], &compact[3..])),
        "NL" => shape(&compact, "NNNNAA").then(|| format!("{} {}", &compact[..4], &compact[4..])),
        "DE" | "FR" | "ES" | "IT" | "FI" => shape(&compact, "NNNNN").then(|| compact.clone()),
        "AU" | "AT" | "BE" | "CH" | "DK" | "NO" | "NZ" => {
            shape(&compact, "NNNN").then(|| compact.clone())
        }
        "SE" => shape(&compact, "NNNNN").then(|| format!("{} {}", &compact[..3], &compact[3..])),
        _ if cc.len() == 2 && cc.chars().all(|c| c.is_ascii_alphabetic()) => {
            (!compact.is_empty() && compact.len() <= 10).then(|| compact.clone())
        }
        _ => {
            return Err(IdentityError::new(
                format!("unknown country \"{country}\" for postcode \"{raw}\""),
                "pass an ISO 3166-1 alpha-2 country code such as 'US', 'GB' or 'DE'",
            ))
        }
    };
    shaped.ok_or_else(|| {
        IdentityError::new(
            format!("invalid postcode \"{raw}\" for country {cc}"),
            "check the postcode and the country code, or pass NULL when the source has none",
        )
    })
}

/// `A` = ASCII letter, `N` = digit.
fn shape(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.chars().zip(pattern.chars()).all(|(c, p)| match p {
            'A' => c.is_ascii_alphabetic(),
            _ => c.is_ascii_digit(),
        })
}

/// A postcode that went through a number column or a spreadsheet comes back as `2134.0`: the
/// digits before a fraction of zeros. Anything else is returned unchanged.
fn without_float_fraction(raw: &str) -> &str {
    let t = raw.trim();
    match t.split_once('.') {
        Some((int, frac))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => t,
    }
}

/// The 5-digit ZIP of a ZIP or ZIP+4. A ZIP stored as a number loses its leading zeros (New
/// England's 02134 becomes 2134, 00501 becomes 501): 3 or 4 digits, or 7 or 8 digits without a
/// separator (a ZIP+4), are zero-padded back, and so is the ZIP part before a separator.
fn us_zip(raw: &str) -> Option<String> {
    let groups: Vec<&str> = without_float_fraction(raw)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|g| !g.is_empty())
        .collect();
    if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let zip5 = |z: &str| (3..=5).contains(&z.len()).then(|| format!("{z:0>5}"));
    match groups.as_slice() {
        [zip] if (7..=9).contains(&zip.len()) => zip5(&zip[..zip.len() - 4]),
        [zip] => zip5(zip),
        [zip, plus4] if plus4.len() == 4 => zip5(zip),
        _ => None,
    }
}

/// UK postcodes: an outward code of 2-4 characters starting with a letter, then an inward code of
/// a digit and two letters.
fn gb_postcode(c: &str) -> Option<String> {
    if c == "GIR0AA" {
        return Some("GIR 0AA".into()); // the one postcode of another shape (Girobank)
    }
    if !(5..=7).contains(&c.len()) {
        return None;
    }
    let (outward, inward) = c.split_at(c.len() - 3);
    let outward_ok = outward.starts_with(|ch: char| ch.is_ascii_alphabetic())
        && outward.chars().any(|ch| ch.is_ascii_digit());
    (outward_ok && shape(inward, "NAA")).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fold_to_one_form() {
        assert_eq!(
            normalize_address("10, Downing Street").unwrap(),
            "10 downing st"
        );
        assert_eq!(
            normalize_address("10 DOWNING ST.").unwrap(),
            "10 downing st"
        );
        assert_eq!(
            normalize_address("Flat 3, 22 North Road").unwrap(),
            "apt 3 22 n rd"
        );
        assert_eq!(normalize_address("Hauptstraße 5").unwrap(), "haupt str 5");
        assert_eq!(normalize_address("Hauptstr. 5").unwrap(), "haupt str 5");
    }

    #[test]
    fn intercardinal_directions_fold_like_the_cardinal_ones() {
        for (raw, want) in [
            ("100 Main Street NE", "100 main st ne"),
            ("100 Main Street Northeast", "100 main st ne"),
            ("100 Main Street North East", "100 main st ne"),
            ("100 Main Street North-East", "100 main st ne"),
            ("100 Main St. N.E.", "100 main st ne"),
            ("12 Northwest Highway", "12 nw hwy"),
            ("12 NORTH WEST Hwy", "12 nw hwy"),
            ("7 Southeast Road", "7 se rd"),
            ("7 South East Rd", "7 se rd"),
            ("7 S.E. Rd", "7 se rd"),
            ("9 Southwest Parkway", "9 sw pkwy"),
            ("9 south-west pkwy", "9 sw pkwy"),
            ("1600 Pennsylvania Avenue N.W.", "1600 pennsylvania ave nw"),
        ] {
            assert_eq!(normalize_address(raw).unwrap(), want, "{raw}");
        }
        // Single directions and other words are left as they were.
        assert_eq!(normalize_address("5 North Road").unwrap(), "5 n rd");
        assert_eq!(normalize_address("5 East West Road").unwrap(), "5 e w rd");
        assert_eq!(normalize_address("40 N E Street").unwrap(), "40 n e st");
    }

    #[test]
    fn unit_designators_fold_to_one_form() {
        for raw in [
            "12 Main St Apt 4",
            "12 Main St, Apt. 4",
            "12 Main Street Unit 4",
            "12 Main St #4",
            "12 Main St. # 4",
            "12 Main St Apt #4",
            "12 Main St Apartment No. 4",
        ] {
            let want = if raw.contains("No.") {
                "12 main st apt no 4"
            } else {
                "12 main st apt 4"
            };
            assert_eq!(normalize_address(raw).unwrap(), want, "{raw}");
        }
        assert_eq!(
            normalize_address("12 Main St Ste #4").unwrap(),
            "12 main st ste 4"
        );
        assert_eq!(
            normalize_address("#4, 12 Main St").unwrap(),
            "apt 4 12 main st"
        );
    }

    #[test]
    fn street_types_and_saints_fold_with_or_without_dots_and_apostrophes() {
        for raw in ["12 Main Street", "12 Main St.", "12 MAIN ST", "12 main st"] {
            assert_eq!(normalize_address(raw).unwrap(), "12 main st", "{raw}");
        }
        for raw in [
            "12 St Mark's Rd",
            "12 St. Marks Road",
            "12 Saint Mark\u{2019}s Road",
        ] {
            assert_eq!(normalize_address(raw).unwrap(), "12 st marks rd", "{raw}");
        }
    }

    #[test]
    fn po_boxes_fold_to_one_form() {
        for raw in [
            "PO Box 123",
            "P.O. Box 123",
            "P O Box 123",
            "P.O.Box 123",
            "PO-Box 123",
            "POB 123",
            "Post Office Box 123",
            "POBox 123",
            "po box 123",
        ] {
            assert_eq!(normalize_address(raw).unwrap(), "po box 123", "{raw}");
        }
        // A place called Box is left alone.
        assert_eq!(
            normalize_address("3 High St, Box").unwrap(),
            "3 high st box"
        );
    }

    #[test]
    fn bad_addresses_are_rejected() {
        for raw in ["", "  ,. ", "12 34"] {
            assert!(
                normalize_address(raw)
                    .unwrap_err()
                    .message
                    .contains("invalid address"),
                "{raw}"
            );
        }
    }

    #[test]
    fn postcodes_follow_their_country() {
        assert_eq!(normalize_postcode("sw1a1aa", "GB").unwrap(), "SW1A 1AA");
        assert_eq!(normalize_postcode(" M1 1AE ", "gb").unwrap(), "M1 1AE");
        assert_eq!(normalize_postcode("20500-0003", "US").unwrap(), "20500");
        assert_eq!(normalize_postcode("k1a0b1", "CA").unwrap(), "K1A 0B1");
        assert_eq!(normalize_postcode("1012ab", "NL").unwrap(), "1012 AB");
        assert_eq!(normalize_postcode("10115", "DE").unwrap(), "10115");
        assert_eq!(normalize_postcode("2600", "AU").unwrap(), "2600");
        assert_eq!(normalize_postcode("110 001", "IN").unwrap(), "110001");
    }

    #[test]
    fn us_zips_keep_and_regain_their_leading_zeros() {
        for raw in [
            "02134",
            "02134-1234",
            "02134 1234",
            "021341234",
            // Through a number column or a spreadsheet: leading zeros lost, a float fraction.
            "2134",
            "2134-1234",
            "21341234",
            "2134.0",
            "02134.00",
        ] {
            assert_eq!(normalize_postcode(raw, "US").unwrap(), "02134", "{raw}");
        }
        assert_eq!(normalize_postcode("501", "US").unwrap(), "00501");
        assert_eq!(normalize_postcode("5011234", "US").unwrap(), "00501");
        assert_eq!(normalize_postcode("20500", "US").unwrap(), "20500");
        for raw in ["12", "123456", "2134-12", "02134-1234-5", "2134.5", "0213A"] {
            assert!(normalize_postcode(raw, "US").is_err(), "{raw}");
        }
        // Other countries with numeric postcodes: a float fraction is dropped, the digits stay.
        assert_eq!(normalize_postcode("10115.0", "DE").unwrap(), "10115");
    }

    #[test]
    fn canadian_and_british_postcodes_ignore_spacing_and_case() {
        for raw in ["K1A 0B1", "k1a0b1", " k1a-0b1 ", "K1A  0B1"] {
            assert_eq!(normalize_postcode(raw, "CA").unwrap(), "K1A 0B1", "{raw}");
        }
        for raw in ["SW1A 1AA", "sw1a1aa", "Sw1A  1aA", "sw1a-1aa"] {
            assert_eq!(normalize_postcode(raw, "GB").unwrap(), "SW1A 1AA", "{raw}");
        }
        assert_eq!(normalize_postcode("gir 0aa", "GB").unwrap(), "GIR 0AA");
    }

    #[test]
    fn bad_postcodes_are_rejected() {
        for (raw, cc) in [
            ("ABCDE", "US"),
            ("1234", "DE"),
            ("SW1A", "GB"),
            ("12345", "GB"),
            ("", "FR"),
            ("", "IN"),
        ] {
            let e = normalize_postcode(raw, cc).unwrap_err();
            assert!(e.message.contains("invalid postcode"), "{raw} {cc}: {e}");
        }
        assert!(normalize_postcode("10115", "Germany")
            .unwrap_err()
            .message
            .contains("unknown country"));
    }
}
