//! Blocking: which pairs are compared at all. Comparing every pair is quadratic; each rule groups
//! records that share a key (e.g. the same postcode and surname initial) and only pairs inside a
//! group become candidates. A pair missed by every rule can never match, so rules are OR-ed.

use super::error::{IdentityError, Result};
use super::name::{double_barrelled_parts, spell, Spelling};
use super::record::Record;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One rule: records agree on every key part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingRule {
    pub on: Vec<BlockKey>,
}

/// A field, or its first `prefix` characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockKey {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<usize>,
}

impl BlockingRule {
    /// Parses `"surname & given_name:3"`: fields joined by `&`, `:n` keeps the first n characters.
    pub fn parse(text: &str) -> Result<BlockingRule> {
        let on = text
            .split('&')
            .map(|part| {
                let part = part.trim();
                let (field, prefix) = match part.split_once(':') {
                    Some((f, n)) => (
                        f.trim(),
                        Some(
                            n.trim()
                                .parse::<usize>()
                                .ok()
                                .filter(|n| *n > 0)
                                .ok_or_else(|| bad(text))?,
                        ),
                    ),
                    None => (part, None),
                };
                if field.is_empty() {
                    return Err(bad(text));
                }
                Ok(BlockKey {
                    field: field.to_string(),
                    prefix,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BlockingRule { on })
    }

    /// Field positions of the rule's keys in `fields`.
    pub fn resolve(&self, fields: &[String]) -> Result<Vec<(usize, Option<usize>)>> {
        self.on
            .iter()
            .map(|k| match fields.iter().position(|f| *f == k.field) {
                Some(i) => Ok((i, k.prefix)),
                None => Err(IdentityError::new(
                    format!("blocking rule uses unknown field \"{}\"", k.field),
                    format!("use one of the model's fields: {}", fields.join(", ")),
                )),
            })
            .collect()
    }
}

fn bad(text: &str) -> IdentityError {
    IdentityError::new(
        format!("invalid blocking rule \"{text}\""),
        "write fields joined by '&', optionally with ':n' for a prefix, e.g. 'surname & given_name:3'",
    )
}

/// Which pairs may be candidates at all: `link_only` keeps only pairs from different sources
/// (two lists each free of duplicates), otherwise every pair is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairScope {
    pub link_only: bool,
    /// Blocks with more records than this are skipped: a key that common (a placeholder value,
    /// a city-wide postcode) says little and would make the run quadratic.
    pub max_block_size: usize,
}

impl Default for PairScope {
    fn default() -> Self {
        PairScope {
            link_only: false,
            max_block_size: 2000,
        }
    }
}

impl PairScope {
    pub fn admits(&self, a: &Record, b: &Record) -> bool {
        !self.link_only || a.source != b.source
    }

    /// Number of admissible pairs among `records` (the population the prior refers to).
    pub fn total_pairs(&self, records: &[Record]) -> f64 {
        let n = records.len() as f64;
        let all = n * (n - 1.0) / 2.0;
        if !self.link_only {
            return all;
        }
        let mut per_source: HashMap<u32, f64> = HashMap::new();
        for r in records {
            *per_source.entry(r.source).or_default() += 1.0;
        }
        all - per_source
            .values()
            .map(|c| c * (c - 1.0) / 2.0)
            .sum::<f64>()
    }
}

/// Candidate pairs `(i, j)`, `i < j`, of one rule.
///
/// `swaps` are field pairs that sources fill in the wrong way round (given and family name). For
/// a rule that keys on both fields of such a pair, a record is also filed under its key with the
/// two values exchanged, and paired with the records filed under that key as it stands: "Doe Jane"
/// meets "Jane Doe" under "family_name & given_name:1". Without it a swapped pair is never
/// compared unless another rule (same e-mail, phone, postcode) brings it, and a pair that agrees
/// on both names and the birth date but not the postcode is missed.
///
/// A value with a letter that has two ASCII spellings (a name with ü, ø, å) is filed under its key
/// in both, and a double-barrelled family name also under each part (see [`filing_values`]).
pub fn rule_pairs(
    records: &[Record],
    keys: &[(usize, Option<usize>)],
    swaps: &[(usize, usize)],
    scope: &PairScope,
) -> Vec<(u32, u32)> {
    let fields: Vec<usize> = keys.iter().map(|(f, _)| *f).collect();
    let swaps: Vec<(usize, usize)> = swaps
        .iter()
        .copied()
        .filter(|(f, h)| f != h && fields.contains(f) && fields.contains(h))
        .collect();
    let swapped_field = |f: usize| {
        swaps.iter().find_map(|&(a, b)| {
            if a == f {
                Some(b)
            } else if b == f {
                Some(a)
            } else {
                None
            }
        })
    };
    // Every key a record is filed under: one per combination of its fields' filing values.
    let keys_of = |r: &Record, swapped: bool| {
        let mut found = vec![String::new()];
        for &(f, prefix) in keys {
            let from = if swapped {
                swapped_field(f).unwrap_or(f)
            } else {
                f
            };
            let Some(v) = r.values[from].as_deref() else {
                return Vec::new();
            };
            let values = filing_values(v, prefix);
            found = found
                .iter()
                .flat_map(|k| values.iter().map(move |x| format!("{k}{x}\u{1f}")))
                .collect();
        }
        found
    };
    // Per key: the records filed under it as they stand, and those filed under it swapped.
    let mut blocks: HashMap<String, (Vec<u32>, Vec<u32>)> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let own = keys_of(r, false);
        if !swaps.is_empty() {
            for crossed in keys_of(r, true).into_iter().filter(|k| !own.contains(k)) {
                blocks.entry(crossed).or_default().1.push(i as u32);
            }
        }
        for key in own {
            blocks.entry(key).or_default().0.push(i as u32);
        }
    }
    let mut pairs = Vec::new();
    let mut push = |i: u32, j: u32| {
        if i != j && scope.admits(&records[i as usize], &records[j as usize]) {
            pairs.push((i.min(j), i.max(j)));
        }
    };
    for (members, crossed) in blocks.values() {
        if members.len() > 1 && members.len() <= scope.max_block_size {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    push(i, j);
                }
            }
        }
        if !crossed.is_empty() && members.len() + crossed.len() <= scope.max_block_size {
            for &i in members {
                for &j in crossed {
                    push(i, j);
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The values a record is filed under for one key field (cut to `prefix` characters), each once:
/// the value in both spellings of a letter that has two ("müller": muller, mueller, see
/// [`Spelling`]), and each part of a double-barrelled family name ("garcia-lopez": also garcia
/// and lopez), so that the records these compare with as exact or as one part of the other are
/// candidates.
fn filing_values(v: &str, prefix: Option<usize>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(1);
    for spelling in Spelling::BOTH {
        let v = spell(v, spelling);
        let parts = double_barrelled_parts(&v).unwrap_or_default();
        for x in std::iter::once(v.as_ref()).chain(parts) {
            let x: String = match prefix {
                Some(n) => x.chars().take(n).collect(),
                None => x.to_string(),
            };
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

/// The union of every rule's pairs, each pair once.
pub fn candidate_pairs(
    records: &[Record],
    rules: &[Vec<(usize, Option<usize>)>],
    swaps: &[(usize, usize)],
    scope: &PairScope,
) -> Vec<(u32, u32)> {
    let mut all: Vec<(u32, u32)> = rules
        .iter()
        .flat_map(|k| rule_pairs(records, k, swaps, scope))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(source: u32, a: &str, b: &str) -> Record {
        let v = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Record {
            source,
            values: vec![v(a), v(b)],
        }
    }

    #[test]
    fn parse_and_resolve() {
        let r = BlockingRule::parse("surname & given:2").unwrap();
        assert_eq!(
            r.on[1],
            BlockKey {
                field: "given".into(),
                prefix: Some(2)
            }
        );
        let fields = vec!["given".to_string(), "surname".to_string()];
        assert_eq!(r.resolve(&fields).unwrap(), vec![(1, None), (0, Some(2))]);
        assert!(BlockingRule::parse("a & ").is_err());
        assert!(BlockingRule::parse("a:x").is_err());
        assert!(BlockingRule::parse("nope")
            .unwrap()
            .resolve(&fields)
            .unwrap_err()
            .hint
            .contains("given, surname"));
    }

    #[test]
    fn blocks_skip_missing_and_respect_scope() {
        let recs = vec![
            rec(0, "smith", "jo"),
            rec(0, "smith", "joe"),
            rec(1, "smith", ""),
            rec(1, "smyth", "jo"),
        ];
        let keys = vec![(0, None), (1, Some(2))];
        let scope = PairScope::default();
        assert_eq!(rule_pairs(&recs, &keys, &[], &scope), vec![(0, 1)]);
        let by_surname = vec![(0, None)];
        assert_eq!(
            rule_pairs(&recs, &by_surname, &[], &scope),
            vec![(0, 1), (0, 2), (1, 2)]
        );
        let link = PairScope {
            link_only: true,
            ..scope
        };
        assert_eq!(
            rule_pairs(&recs, &by_surname, &[], &link),
            vec![(0, 2), (1, 2)]
        );
        assert_eq!(link.total_pairs(&recs), 4.0);
        let union = candidate_pairs(&recs, &[keys, by_surname], &[], &scope);
        assert_eq!(union, vec![(0, 1), (0, 2), (1, 2)]);
        let tiny = PairScope {
            max_block_size: 2,
            ..scope
        };
        assert!(rule_pairs(&recs, &[(0, None)], &[], &tiny).is_empty());
    }

    #[test]
    fn a_name_with_an_umlaut_is_filed_under_both_spellings() {
        // Fields: 0 = given name, 1 = family name.
        let recs = vec![
            rec(0, "hans", "müller"),
            rec(1, "hans", "mueller"),
            rec(1, "hans", "muller"),
            rec(0, "ülrich", "schmidt"),
            rec(1, "ulrich", "schmidt"),
            rec(1, "uelrich", "schmidt"),
        ];
        let family_and_start = vec![(1, None), (0, Some(2))];
        // Müller meets both ASCII spellings; those two do not meet each other (they are not one
        // name for sure, see Comparison::level). An umlaut in a prefix works alike.
        let want = vec![(0, 1), (0, 2), (3, 4), (3, 5)];
        let scope = PairScope::default();
        assert_eq!(rule_pairs(&recs, &family_and_start, &[], &scope), want);
        assert_eq!(
            rule_pairs(&recs, &family_and_start, &[(0, 1)], &scope),
            want
        );
    }

    #[test]
    fn a_double_barrelled_name_is_filed_under_each_part() {
        let recs = vec![
            rec(0, "ana", "garcia-lopez"),
            rec(1, "ana", "garcia"),
            rec(1, "ana", "lopez"),
            rec(1, "ana", "perez"),
            rec(1, "ana", "perez-lopez"),
        ];
        let family_and_initial = vec![(1, None), (0, Some(1))];
        // García-López meets García, López and Pérez-López (sharing López); García and López,
        // two other names, do not meet each other.
        assert_eq!(
            rule_pairs(&recs, &family_and_initial, &[], &PairScope::default()),
            vec![(0, 1), (0, 2), (0, 4), (2, 4), (3, 4)]
        );
        // Values that merely hold hyphens are filed whole.
        assert_eq!(filing_values("1980-04-03", None), ["1980-04-03"]);
        assert_eq!(filing_values("garcia-lopez", Some(1)), ["g", "l"]);
    }

    #[test]
    fn swapped_fields_are_blocked_together() {
        // Fields: 0 = given name, 1 = family name.
        let recs = vec![
            rec(0, "jane", "doe"),
            rec(1, "doe", "jane"),  // swapped
            rec(1, "dee", "janet"), // swapped, and another person
            rec(0, "jane", "doe"),
            rec(0, "kyra", "jane"), // one shared token only
            rec(0, "", "doe"),
        ];
        let family_and_initial = vec![(1, None), (0, Some(1))];
        let swaps = [(0, 1)];
        assert_eq!(
            rule_pairs(&recs, &family_and_initial, &[], &PairScope::default()),
            vec![(0, 3)]
        );
        assert_eq!(
            rule_pairs(&recs, &family_and_initial, &swaps, &PairScope::default()),
            vec![(0, 1), (0, 3), (1, 3)]
        );
        // A rule on one of the two fields only is left as it is.
        assert_eq!(
            rule_pairs(&recs, &[(1, None)], &swaps, &PairScope::default()),
            rule_pairs(&recs, &[(1, None)], &[], &PairScope::default())
        );
        // Scope and block size still apply.
        let link = PairScope {
            link_only: true,
            ..PairScope::default()
        };
        assert_eq!(
            rule_pairs(&recs, &family_and_initial, &swaps, &link),
            vec![(0, 1), (1, 3)]
        );
        let tiny = PairScope {
            max_block_size: 2,
            ..PairScope::default()
        };
        assert_eq!(
            rule_pairs(&recs, &family_and_initial, &swaps, &tiny),
            vec![(0, 3)]
        );
    }
}
