//! Field comparisons with agreement levels. A Fellegi–Sunter model does not see strings, it sees
//! for each field which level two values reach: level 0 is exact agreement, higher levels are
//! weaker agreement, the last level is disagreement, and a missing value gives no level at all (it
//! is neither evidence for nor against a match).

use super::name::{double_barrelled_parts, in_each_spelling};
use serde::{Deserialize, Serialize};
use strsim::{jaro_winkler, levenshtein};

/// How one field is compared; thresholds list the fuzzy levels from strongest to weakest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Comparison {
    /// exact, else.
    Exact,
    /// exact, Jaro–Winkler ≥ t₀, ≥ t₁, …, else.
    JaroWinkler { thresholds: Vec<f64> },
    /// exact, Levenshtein ≤ k₀, ≤ k₁, …, else (for codes and numbers typed by hand).
    Levenshtein {
        max_edits: Vec<usize>,
        /// The fuzzy levels also require the same digits in the same order, so an edit that
        /// changes, adds or removes a digit compares as "else" while a letter typo still reaches
        /// the fuzzy levels. For e-mail addresses: digits in a local part are tags people choose
        /// (birth years, counters) to tell apart mailboxes of people who share a name, so
        /// `logan.taylor680` and `logan.taylor600` are two people, not a typo. Optional in stored
        /// models (absent = false) so models saved before it load unchanged.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        digits_exact: bool,
    },
    /// exact, same tokens in another order, similarity ≥ t₀, …, else (names, addresses). The
    /// similarity is the better of whole-string Jaro–Winkler (typos, a space added or lost) and
    /// fuzzy token-set similarity (tokens reordered, a token added).
    TokenSet { thresholds: Vec<f64> },
    /// exact, one-digit typo or day/month swapped, |Δ| ≤ d₀ days, …, else. Values are ISO or YYYYMMDD dates.
    DateDistance { max_days: Vec<i64> },
    /// exact, |a − b| ≤ t₀, …, else. Values that are not numbers compare as exact/else.
    NumberDistance { max_abs: Vec<f64> },
}

impl Comparison {
    /// Number of levels including exact and "else".
    pub fn levels(&self) -> usize {
        2 + match self {
            Comparison::Exact => 0,
            Comparison::JaroWinkler { thresholds } => thresholds.len(),
            Comparison::Levenshtein { max_edits, .. } => max_edits.len(),
            Comparison::TokenSet { thresholds } => 1 + thresholds.len(),
            Comparison::DateDistance { max_days } => 1 + max_days.len(),
            Comparison::NumberDistance { max_abs } => max_abs.len(),
        }
    }

    /// The level two present values reach (0 = exact … levels()-1 = else).
    ///
    /// A value holding a letter with two ASCII spellings (ä ö ü ø å, kept by
    /// [`super::name::name_tokens`]) is compared in both, the same spelling on both sides, and the
    /// better level counts: "müller" is exact against "muller" (no umlauts on the keyboard) and
    /// against "mueller" (transliterated). "muller" against "mueller" stays fuzzy: Muller is also a
    /// family name of its own (French, Alsatian, Jewish), so two ASCII spellings are not taken for
    /// one name (see [`umlaut_digraph_level`] for the level they reach).
    pub fn level(&self, a: &str, b: &str) -> u8 {
        in_each_spelling(a, b, |x, y| self.spelled_level(x, y))
            .min()
            .unwrap_or(u8::MAX)
    }

    /// [`Self::level`] of two values in one spelling.
    fn spelled_level(&self, a: &str, b: &str) -> u8 {
        if a == b {
            return 0;
        }
        let last = (self.levels() - 1) as u8;
        let fuzzy = match self {
            Comparison::Exact => None,
            Comparison::JaroWinkler { thresholds } => {
                let jw = first_at_least(jaro_winkler(a, b), thresholds);
                if jw == Some(0) {
                    jw
                } else {
                    [
                        jw,
                        umlaut_digraph_level(a, b, thresholds),
                        double_barrelled_level(a, b, thresholds),
                    ]
                    .into_iter()
                    .flatten()
                    .min()
                }
            }
            Comparison::Levenshtein {
                digits_exact: true, ..
            } if !same_digits(a, b) => None,
            Comparison::Levenshtein { max_edits, .. } => {
                let d = levenshtein(a, b);
                max_edits.iter().position(|k| d <= *k)
            }
            Comparison::TokenSet { thresholds } => token_set_level(a, b, thresholds),
            Comparison::DateDistance { max_days } => date_level(a, b, max_days),
            Comparison::NumberDistance { max_abs } => number_level(a, b, max_abs),
        };
        fuzzy.map(|i| (i + 1) as u8).unwrap_or(last).min(last)
    }

    /// Human-readable name of a level, used in explanations.
    pub fn label(&self, level: u8) -> String {
        let l = level as usize;
        if l == 0 {
            return "exact".into();
        }
        if l + 1 >= self.levels() {
            return "different".into();
        }
        match self {
            Comparison::Exact => "different".into(),
            Comparison::JaroWinkler { thresholds } => {
                format!("jaro_winkler >= {}", thresholds[l - 1])
            }
            Comparison::Levenshtein {
                max_edits,
                digits_exact,
            } => format!(
                "levenshtein <= {}{}",
                max_edits[l - 1],
                if *digits_exact { ", same digits" } else { "" }
            ),
            Comparison::TokenSet { .. } if l == 1 => "same tokens, other order".into(),
            Comparison::TokenSet { thresholds } => {
                format!("token similarity >= {}", thresholds[l - 2])
            }
            Comparison::DateDistance { .. } if l == 1 => "one typo or day/month swapped".into(),
            Comparison::DateDistance { max_days } => format!("within {} days", max_days[l - 2]),
            Comparison::NumberDistance { max_abs } => format!("within {}", max_abs[l - 1]),
        }
    }
}

/// Whether both strings hold the same digits in the same order (letters and punctuation ignored).
/// For two strings one edit apart this is exactly "the edit touches no digit".
fn same_digits(a: &str, b: &str) -> bool {
    let digit = |c: &u8| c.is_ascii_digit();
    a.bytes().filter(digit).eq(b.bytes().filter(digit))
}

/// "mueller" against "muller", "schroeder" against "schroder": two ASCII spellings of one
/// umlaut (one transliterated, one with the dots dropped) reach the strongest fuzzy level, which
/// Jaro–Winkler alone misses (0.918 for mueller / muller, below 0.92). Not exact, because the
/// spelling without the e is also a name of its own (Muller). Only an e after a, o or u that
/// itself follows a consonant or starts the word, and with a letter after it, counts: "Joe" and
/// "Jo", "Zoe" and "Zo" (names of different people) and "Bauer" are left to Jaro–Winkler.
fn umlaut_digraph_level(a: &str, b: &str, thresholds: &[f64]) -> Option<usize> {
    if thresholds.is_empty() || !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    (without_umlaut_e(a) == without_umlaut_e(b)).then_some(0)
}

/// A double-barrelled family name ("garcia-lopez", see [`double_barrelled_parts`]) against one
/// of its parts ("garcia" or "lopez") or the same parts in the other order ("lopez-garcia")
/// reaches the strongest fuzzy level: one record carries the whole name, the other the part it
/// was shortened to (Spanish records often keep the first family name only, English ones either
/// part). Two double-barrelled names sharing one part ("garcia-lopez" / "perez-lopez", cousins
/// rather than one person) reach the weakest agreeing level. Mapped into the existing levels, so
/// models keep their shape. Names sharing no part are left to Jaro–Winkler.
fn double_barrelled_level(a: &str, b: &str, thresholds: &[f64]) -> Option<usize> {
    let (pa, pb) = (double_barrelled_parts(a), double_barrelled_parts(b));
    if thresholds.is_empty() || (pa.is_none() && pb.is_none()) {
        return None;
    }
    let (pa, pb) = (pa.unwrap_or_else(|| vec![a]), pb.unwrap_or_else(|| vec![b]));
    let within = |x: &[&str], y: &[&str]| x.iter().all(|p| y.contains(p));
    if within(&pa, &pb) || within(&pb, &pa) {
        Some(0)
    } else if pa.iter().any(|p| pb.contains(p)) {
        Some(thresholds.len() - 1)
    } else {
        None
    }
}

/// `s` without the e of each ae, oe, ue that [`umlaut_digraph_level`] takes for an umlaut.
fn without_umlaut_e(s: &str) -> String {
    let b = s.as_bytes();
    let vowel = |c: u8| b"aeiouy".contains(&c);
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic);
    let umlaut_e = |i: usize| {
        b[i] == b'e'
            && i > 0
            && b"aou".contains(&b[i - 1])
            && (i == 1 || !letter(i - 2) || !vowel(b[i - 2]))
            && letter(i + 1)
    };
    (0..b.len())
        .filter(|&i| !umlaut_e(i))
        .map(|i| char::from(b[i]))
        .collect()
}

fn first_at_least(sim: f64, thresholds: &[f64]) -> Option<usize> {
    thresholds.iter().position(|t| sim >= *t)
}

/// Fuzzy token-set similarity: each token of the shorter side is paired with its best Jaro–Winkler
/// partner on the other side; the score is the mean, scaled down when the sides have different
/// token counts (a missing middle name costs a little, a missing surname costs a lot). With equal
/// counts both directions are averaged, so the score does not depend on argument order.
pub fn token_set_similarity(a: &str, b: &str) -> f64 {
    token_set_similarity_by(a, b, jaro_winkler)
}

/// [`token_set_similarity`] with `similarity` comparing two tokens instead of Jaro–Winkler (names
/// compare tokens in both spellings of their umlauts, see [`super::name::name_similarity`]).
pub fn token_set_similarity_by(a: &str, b: &str, similarity: impl Fn(&str, &str) -> f64) -> f64 {
    let ta: Vec<&str> = a.split_whitespace().collect();
    let tb: Vec<&str> = b.split_whitespace().collect();
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let mean = |from: &[&str], to: &[&str]| best_partner_mean(from, to, &similarity);
    let mean = match ta.len().cmp(&tb.len()) {
        std::cmp::Ordering::Less => mean(&ta, &tb),
        std::cmp::Ordering::Greater => mean(&tb, &ta),
        std::cmp::Ordering::Equal => (mean(&ta, &tb) + mean(&tb, &ta)) / 2.0,
    };
    let (short, long) = (ta.len().min(tb.len()), ta.len().max(tb.len()));
    mean * (2.0 * short as f64 / (short + long) as f64).sqrt()
}

/// Mean over `from`'s tokens of the best similarity to a token of `to`.
fn best_partner_mean(from: &[&str], to: &[&str], similarity: impl Fn(&str, &str) -> f64) -> f64 {
    let best: f64 = from
        .iter()
        .map(|s| to.iter().map(|l| similarity(s, l)).fold(0.0, f64::max))
        .sum();
    best / from.len() as f64
}

fn token_set_level(a: &str, b: &str, thresholds: &[f64]) -> Option<usize> {
    let mut sa: Vec<&str> = a.split_whitespace().collect();
    let mut sb: Vec<&str> = b.split_whitespace().collect();
    sa.sort_unstable();
    sb.sort_unstable();
    if sa == sb {
        return Some(0);
    }
    let whole = jaro_winkler(a, b);
    // At the top threshold already: the token sets cannot raise the level.
    let sim = if thresholds.first().is_some_and(|t| whole >= *t) {
        whole
    } else {
        whole.max(token_set_similarity(a, b))
    };
    first_at_least(sim, thresholds).map(|i| i + 1)
}

/// The 8 digits of `YYYY-MM-DD` or `YYYYMMDD`, without allocating (this runs for every pair).
fn date_digits(s: &str) -> Option<[u8; 8]> {
    let mut out = [0u8; 8];
    let mut n = 0;
    for b in s.bytes().filter(u8::is_ascii_digit) {
        if n == 8 {
            return None;
        }
        out[n] = b;
        n += 1;
    }
    (n == 8).then_some(out)
}

fn days(d: &[u8; 8]) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| {
        d[r].iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4) as i32, num(4..6), num(6..8))?;
    Some(i64::from(chrono::Datelike::num_days_from_ce(&date)))
}

fn date_level(a: &str, b: &str, max_days: &[i64]) -> Option<usize> {
    let (da, db) = (date_digits(a)?, date_digits(b)?);
    let differing = da.iter().zip(&db).filter(|(x, y)| x != y).count();
    let swapped = da[..4] == db[..4] && da[4..6] == db[6..8] && da[6..8] == db[4..6];
    if differing <= 1
        || swapped
        || levenshtein(
            std::str::from_utf8(&da).ok()?,
            std::str::from_utf8(&db).ok()?,
        ) <= 1
    {
        return Some(0);
    }
    let (x, y) = (days(&da)?, days(&db)?);
    max_days
        .iter()
        .position(|d| (x - y).abs() <= *d)
        .map(|i| i + 1)
}

fn number_level(a: &str, b: &str, max_abs: &[f64]) -> Option<usize> {
    let (x, y) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
    max_abs.iter().position(|t| (x - y).abs() <= *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_run_from_exact_to_different() {
        let jw = Comparison::JaroWinkler {
            thresholds: vec![0.92, 0.8],
        };
        assert_eq!(jw.levels(), 4);
        assert_eq!(jw.level("martha", "martha"), 0);
        assert_eq!(jw.level("martha", "marhta"), 1);
        assert_eq!(jw.level("dwayne", "duane"), 2);
        assert_eq!(jw.level("martha", "xyz"), 3);
        assert_eq!(jw.label(1), "jaro_winkler >= 0.92");
        assert_eq!(jw.label(3), "different");
    }

    /// Levels of `a` / `b` under the customer model's name comparison, checked to be the same
    /// whichever value comes first.
    fn name_level(a: &str, b: &str) -> u8 {
        let names = Comparison::JaroWinkler {
            thresholds: vec![0.92, 0.8],
        };
        let (ab, ba) = (names.level(a, b), names.level(b, a));
        assert_eq!(ab, ba, "{a} / {b} (symmetry)");
        ab
    }

    #[test]
    fn umlauts_agree_exactly_with_both_ascii_spellings() {
        for (a, b) in [
            ("müller", "mueller"),
            ("müller", "muller"),
            ("schröder", "schroeder"),
            ("schröder", "schroder"),
            ("jäger", "jaeger"),
            ("jäger", "jager"),
            ("søren", "soeren"),
            ("søren", "soren"),
            ("ågård", "aagaard"),
            ("ågård", "agard"),
            ("müller", "müller"),
        ] {
            assert_eq!(name_level(a, b), 0, "{a} / {b}");
        }
        // Typos stay typos in either spelling; other names stay other names.
        assert_eq!(name_level("müller", "mueler"), 1);
        assert_eq!(name_level("müller", "schmidt"), 3);
        assert_eq!(
            name_level("müller", "miller"),
            name_level("muller", "miller")
        );
    }

    #[test]
    fn two_ascii_spellings_of_an_umlaut_agree_strongly_but_not_exactly() {
        // Muller is a family name of its own, so against Mueller it is the strongest fuzzy level
        // (Jaro–Winkler alone gives 0.918, the weaker level), not exact.
        assert!(jaro_winkler("mueller", "muller") < 0.92);
        for (a, b) in [
            ("mueller", "muller"),
            ("schroeder", "schroder"),
            ("jaeger", "jager"),
            ("oehler", "ohler"),
            ("soeren", "soren"),
        ] {
            assert_eq!(name_level(a, b), 1, "{a} / {b}");
        }
        // An e that is no umlaut's: given names of different people, and vowel pairs.
        assert_eq!(name_level("joe", "jo"), 2);
        assert_eq!(name_level("zoe", "zo"), 2);
        assert_eq!(without_umlaut_e("bauer"), "bauer");
        assert_eq!(without_umlaut_e("mueller oehler"), "muller ohler");
        // Only for comparisons with fuzzy levels.
        assert_eq!(Comparison::Exact.level("mueller", "muller"), 1);
        assert_eq!(Comparison::Exact.level("müller", "mueller"), 0);
    }

    #[test]
    fn one_part_of_a_double_barrelled_name_agrees_partly() {
        for (a, b, level) in [
            // One part, or the same parts reordered: the strongest fuzzy level.
            ("garcia", "garcia-lopez", 1),
            ("lopez", "garcia-lopez", 1),
            ("lopez-garcia", "garcia-lopez", 1),
            ("smith", "smith-jones", 1),
            ("jones", "smith-jones", 1),
            ("mueller", "müller-lüdenscheidt", 1),
            ("muller", "müller-lüdenscheidt", 1),
            // Two double names sharing one part: the weakest agreeing level.
            ("perez-lopez", "garcia-lopez", 2),
            // Nothing shared: as before.
            ("perez", "garcia-lopez", 3),
            ("brown", "smith-jones", 3),
            ("garcia-lopez", "garcia-lopez", 0),
        ] {
            assert_eq!(name_level(a, b), level, "{a} / {b}");
        }
        // Only for comparisons with fuzzy levels (Exact has none).
        assert_eq!(Comparison::Exact.level("garcia", "garcia-lopez"), 1);
    }

    #[test]
    fn levenshtein_and_exact() {
        let lv = Comparison::Levenshtein {
            max_edits: vec![1, 2],
            digits_exact: false,
        };
        assert_eq!(lv.level("1234567", "1234567"), 0);
        assert_eq!(lv.level("1234567", "1234568"), 1);
        assert_eq!(lv.level("1234567", "1234588"), 2);
        assert_eq!(lv.level("1234567", "7654321"), 3);
        assert_eq!(Comparison::Exact.level("a", "b"), 1);
    }

    #[test]
    fn digits_exact_keeps_letter_typos_and_rejects_digit_edits() {
        let lv = Comparison::Levenshtein {
            max_edits: vec![1],
            digits_exact: true,
        };
        let other = 2;
        let cases = [
            // a letter typo: still the one-edit level
            (
                "logan.taylor680@example.com",
                "logn.taylor680@example.com",
                1,
            ),
            (
                "logan.taylor680@example.com",
                "logan.tailor680@example.com",
                1,
            ),
            // a digit changed, added, removed, or turned into a letter: two mailboxes
            (
                "logan.taylor680@example.com",
                "logan.taylor600@example.com",
                other,
            ),
            (
                "logan.taylor68@example.com",
                "logan.taylor680@example.com",
                other,
            ),
            (
                "logan.taylor@example.com",
                "logan.taylor6@example.com",
                other,
            ),
            (
                "logan.taylor680@example.com",
                "logan.taylor6b0@example.com",
                other,
            ),
            ("jdoe1@web2.de", "jdoe1@web3.de", other),
            // exact stays exact; far apart stays different
            ("a1@x.io", "a1@x.io", 0),
            (
                "logan.taylor680@example.com",
                "emma.jones680@example.com",
                other,
            ),
        ];
        for (a, b, level) in cases {
            assert_eq!(lv.level(a, b), level, "{a} / {b}");
            assert_eq!(lv.level(b, a), level, "{b} / {a} (symmetry)");
        }
        assert_eq!(lv.label(1), "levenshtein <= 1, same digits");
        // Without the option a digit edit is an ordinary typo.
        let plain = Comparison::Levenshtein {
            max_edits: vec![1],
            digits_exact: false,
        };
        assert_eq!(
            plain.level("logan.taylor680@example.com", "logan.taylor600@example.com"),
            1
        );
    }

    #[test]
    fn models_saved_before_digits_exact_still_load() {
        let old: Comparison =
            serde_json::from_str(r#"{"kind": "levenshtein", "max_edits": [1]}"#).unwrap();
        assert_eq!(
            old,
            Comparison::Levenshtein {
                max_edits: vec![1],
                digits_exact: false
            }
        );
        // Off is not written, so those models also serialize as before; on round-trips.
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"kind":"levenshtein","max_edits":[1]}"#
        );
        let new = Comparison::Levenshtein {
            max_edits: vec![1],
            digits_exact: true,
        };
        let back: Comparison = serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
        assert_eq!(back, new);
    }

    #[test]
    fn token_sets_ignore_order_and_tolerate_typos() {
        let ts = Comparison::TokenSet {
            thresholds: vec![0.9, 0.75],
        };
        assert_eq!(ts.level("jane doe", "jane doe"), 0);
        assert_eq!(ts.level("doe jane", "jane doe"), 1);
        assert_eq!(ts.level("jane doe", "jane doee"), 2);
        assert_eq!(ts.level("jane doe", "john smith"), 4);
        // A space lost or a typo inside one token is caught on the whole string.
        assert_eq!(ts.level("hopkins street", "hopkinsstreet"), 2);
        assert_eq!(ts.level("locn 34 39", "locn3 l439"), 2);
        // The level does not depend on which record comes first.
        for (a, b) in [
            ("bacchus cct", "steffanoni cct"),
            ("jane doe", "john dole"),
            ("12 main st", "main st 12 apt"),
        ] {
            assert_eq!(ts.level(a, b), ts.level(b, a), "{a} / {b}");
            assert_eq!(token_set_similarity(a, b), token_set_similarity(b, a));
        }
        assert!(
            token_set_similarity("jane mary doe", "jane doe")
                > token_set_similarity("jane doe", "jane")
        );
    }

    #[test]
    fn dates_know_typos_swaps_and_distance() {
        let dd = Comparison::DateDistance {
            max_days: vec![31, 366],
        };
        assert_eq!(dd.level("1980-04-03", "1980-04-03"), 0);
        assert_eq!(dd.level("1980-04-03", "1980-04-08"), 1);
        assert_eq!(dd.level("1980-04-03", "1980-03-04"), 1);
        assert_eq!(dd.level("1980-04-03", "1980-05-20"), 3);
        assert_eq!(dd.level("1980-04-03", "1975-01-01"), 4);
        assert_eq!(dd.level("19800403", "not a date"), 4);
    }

    #[test]
    fn numbers_compare_by_distance() {
        let nd = Comparison::NumberDistance {
            max_abs: vec![1.0, 10.0],
        };
        assert_eq!(nd.level("10", "10.0"), 1);
        assert_eq!(nd.level("10", "15"), 2);
        assert_eq!(nd.level("10", "50"), 3);
        assert_eq!(nd.level("10", "x"), 3);
    }
}
