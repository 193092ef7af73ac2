//! Estimating a Fellegi–Sunter model from unlabelled records, the way Splink does it:
//! u from random pairs (almost all of them are different people), m by EM on each blocking rule's
//! candidate pairs with that rule's own fields left out (inside a "same postcode" block, postcode
//! agreement says nothing), and the prior from the expected number of matches among candidates.

use super::blocking::{candidate_pairs, rule_pairs, BlockingRule, PairScope};
use super::compare::Comparison;
use super::error::{IdentityError, Result};
use super::fellegi_sunter::{resolve_swappable, FieldModel, Model, TrainingSummary, MODEL_VERSION};
use super::name::{spell, Spelling};
use super::record::{gamma, Gamma, Record, MAX_FIELDS, MAX_LEVELS};
use super::rng::SplitMix64;
use super::term_frequency::TermFrequency;
use std::borrow::Cow;
use std::collections::HashMap;

/// A field to compare and how.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    pub scope: PairScope,
    /// Random pairs with different values drawn per field for the fuzzy levels of u.
    pub u_pairs: usize,
    pub max_iterations: usize,
    pub seed: u64,
    /// Match-probability threshold written into the model.
    pub threshold: f64,
    /// Field pairs compared in the better of the two orders (see [`super::record::gamma`]),
    /// written into the model.
    pub swappable: Vec<[String; 2]>,
    /// The term-frequency adjustment written into the model (see [`super::term_frequency`]). It
    /// does not change what is estimated: m and u are per level, as without it, and the values'
    /// shares are taken from the records each resolve is given.
    pub term_frequency: Option<TermFrequency>,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            scope: PairScope::default(),
            u_pairs: 50_000,
            max_iterations: 50,
            seed: 42,
            threshold: 0.5,
            swappable: Vec::new(),
            term_frequency: None,
        }
    }
}

/// Trains a model on `records` (values normalized, in `fields` order).
pub fn train(
    fields: &[FieldSpec],
    rules: &[BlockingRule],
    records: &[Record],
    cfg: &TrainingConfig,
) -> Result<Model> {
    check_inputs(fields, rules, records)?;
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    let keys: Vec<_> = rules
        .iter()
        .map(|r| r.resolve(&names))
        .collect::<Result<_>>()?;
    let cmps: Vec<&Comparison> = fields.iter().map(|f| &f.comparison).collect();
    let swaps = resolve_swappable(&cfg.swappable, &names)?;
    let (u, u_pairs) = estimate_u(&cmps, records, cfg);

    let mut m_sum: Vec<Vec<f64>> = cmps.iter().map(|c| vec![0.0; c.levels()]).collect();
    let mut m_weight = vec![0.0; fields.len()];
    let mut iterations = Vec::new();
    for rule_keys in &keys {
        let excluded: Vec<usize> = rule_keys.iter().map(|(f, _)| *f).collect();
        let pairs = rule_pairs(records, rule_keys, &swaps, &cfg.scope);
        let patterns = count_patterns(&cmps, &swaps, records, &pairs, &excluded);
        let fit = em_m(&patterns, &u, &excluded, cfg.max_iterations);
        iterations.push(fit.iterations);
        for f in (0..fields.len()).filter(|f| !excluded.contains(f)) {
            // A fit where exact agreement is likelier for non-matches found something other than
            // identity (a household, a shared address): it says nothing about this field.
            if fit.m[f][0] > u[f][0] && fit.expected_matches > 0.0 {
                for (acc, v) in m_sum[f].iter_mut().zip(&fit.m[f]) {
                    *acc += v * fit.expected_matches;
                }
                m_weight[f] += fit.expected_matches;
            }
        }
    }
    let m: Vec<Vec<f64>> = m_sum
        .iter()
        .zip(&m_weight)
        .zip(&cmps)
        .map(|((s, w), c)| {
            if *w > 0.0 {
                normalize(s.iter().map(|v| v / w).collect())
            } else {
                default_m(c.levels())
            }
        })
        .collect();

    let candidates = candidate_pairs(records, &keys, &swaps, &cfg.scope);
    let patterns = count_patterns(&cmps, &swaps, records, &candidates, &[]);
    let total = cfg.scope.total_pairs(records);
    let (prior, expected_matches) = estimate_prior(&patterns, &m, &u, total);
    let fields = fields
        .iter()
        .zip(m.into_iter().zip(u))
        .map(|(f, (m, u))| FieldModel {
            name: f.name.clone(),
            comparison: f.comparison.clone(),
            m,
            u,
        })
        .collect();
    let model = Model {
        version: MODEL_VERSION,
        fields,
        prior,
        threshold: cfg.threshold,
        blocking: rules.to_vec(),
        swappable: cfg.swappable.clone(),
        term_frequency: cfg.term_frequency.clone(),
        training: Some(TrainingSummary {
            records: records.len(),
            u_pairs,
            candidate_pairs: candidates.len(),
            expected_matches,
            em_iterations: iterations,
        }),
    };
    model.validate()?;
    Ok(model)
}

fn check_inputs(fields: &[FieldSpec], rules: &[BlockingRule], records: &[Record]) -> Result<()> {
    if fields.is_empty() || fields.len() > MAX_FIELDS {
        return Err(IdentityError::new(
            format!(
                "{} fields given; 1 to {MAX_FIELDS} are supported",
                fields.len()
            ),
            "compare fewer fields",
        ));
    }
    if let Some(f) = fields.iter().find(|f| f.comparison.levels() > MAX_LEVELS) {
        return Err(IdentityError::new(
            format!("field \"{}\" has more than {MAX_LEVELS} levels", f.name),
            "use fewer thresholds",
        ));
    }
    if rules.is_empty() {
        return Err(IdentityError::new(
            "no blocking rules given",
            "add at least one rule, e.g. 'email' or 'surname & postcode'",
        ));
    }
    if records.len() < 2 || records.iter().any(|r| r.values.len() != fields.len()) {
        return Err(IdentityError::new(
            format!(
                "cannot train on {} records (each needs {} values)",
                records.len(),
                fields.len()
            ),
            "load at least two customer records before training",
        ));
    }
    Ok(())
}

/// u per field and level. Exact agreement among non-matches is computed exactly from value
/// frequencies (Σ c_v(c_v − 1) over all admissible pairs, no sampling error even for rare ids);
/// the split of the remaining pairs over the fuzzy levels comes from `u_pairs` random pairs per
/// field with different values. Add-one smoothing keeps every u finite. Returns u and the number
/// of sampled comparisons.
fn estimate_u(
    cmps: &[&Comparison],
    records: &[Record],
    cfg: &TrainingConfig,
) -> (Vec<Vec<f64>>, usize) {
    let mut rng = SplitMix64::new(cfg.seed);
    let mut sampled = 0;
    let u = cmps
        .iter()
        .enumerate()
        .map(|(f, cmp)| {
            let present: Vec<&Record> = records.iter().filter(|r| r.values[f].is_some()).collect();
            let exact = exact_agreement_share(&present, f, &cfg.scope);
            let mut counts = vec![1.0; cmp.levels()];
            counts[0] = 0.0;
            let n = present.len();
            let (mut got, mut tries) = (0, 0);
            while n > 1 && got < cfg.u_pairs && tries < cfg.u_pairs * 4 {
                tries += 1;
                let (a, b) = (present[rng.below(n)], present[rng.below(n)]);
                let (x, y) = (
                    a.values[f].as_deref().unwrap_or(""),
                    b.values[f].as_deref().unwrap_or(""),
                );
                if plain(x) != plain(y) && cfg.scope.admits(a, b) {
                    counts[cmp.level(x, y) as usize] += 1.0;
                    got += 1;
                }
            }
            sampled += got;
            let rest: f64 = counts.iter().sum();
            let mut u: Vec<f64> = counts.iter().map(|c| (1.0 - exact) * c / rest).collect();
            u[0] = exact.max(0.5 / (n.max(2) as f64).powi(2));
            normalize(u)
        })
        .collect();
    (u, sampled)
}

/// A value with its letters of two ASCII spellings written plain ("müller" → "muller"). Values
/// equal in this spelling compare as exact (see [`Comparison::level`]): they are counted by
/// [`exact_agreement_share`] and left out of the sampled non-exact pairs.
fn plain(v: &str) -> Cow<'_, str> {
    spell(v, Spelling::Plain)
}

/// Share of admissible pairs (both values present) whose values are identical (in plain spelling).
fn exact_agreement_share(present: &[&Record], f: usize, scope: &PairScope) -> f64 {
    let mut by_value: HashMap<Cow<str>, HashMap<u32, f64>> = HashMap::new();
    let mut by_source: HashMap<u32, f64> = HashMap::new();
    for r in present {
        *by_value
            .entry(plain(r.values[f].as_deref().unwrap_or("")))
            .or_default()
            .entry(r.source)
            .or_default() += 1.0;
        *by_source.entry(r.source).or_default() += 1.0;
    }
    let pairs_within = |counts: &HashMap<u32, f64>| {
        let total: f64 = counts.values().sum();
        let all = total * (total - 1.0) / 2.0;
        if scope.link_only {
            all - counts.values().map(|c| c * (c - 1.0) / 2.0).sum::<f64>()
        } else {
            all
        }
    };
    let agreeing: f64 = by_value.values().map(pairs_within).sum();
    let all = pairs_within(&by_source);
    if all > 0.0 {
        agreeing / all
    } else {
        0.0
    }
}

/// Distinct comparison patterns and how often each occurs among `pairs`.
fn count_patterns(
    cmps: &[&Comparison],
    swaps: &[(usize, usize)],
    records: &[Record],
    pairs: &[(u32, u32)],
    excluded: &[usize],
) -> Vec<(Gamma, f64)> {
    let mut counts: HashMap<Gamma, f64> = HashMap::new();
    for &(i, j) in pairs {
        let g = gamma(cmps, swaps, &records[i as usize], &records[j as usize]).masked(excluded);
        *counts.entry(g).or_default() += 1.0;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_unstable_by_key(|(g, _)| *g);
    v
}

struct MFit {
    m: Vec<Vec<f64>>,
    expected_matches: f64,
    iterations: usize,
}

/// Pseudo-matches added to every M step, spread like [`default_m`]: a level that no candidate pair
/// reached (address tokens in another order, say) keeps a small m instead of ~0, so meeting it
/// later costs about nothing rather than 15 bits of "certainly different people".
const M_PSEUDO_MATCHES: f64 = 1.0;

/// EM for m and the in-block match share λ with u held fixed.
fn em_m(
    patterns: &[(Gamma, f64)],
    u: &[Vec<f64>],
    excluded: &[usize],
    max_iterations: usize,
) -> MFit {
    let mut m: Vec<Vec<f64>> = u.iter().map(|l| default_m(l.len())).collect();
    let mut lambda = 0.3;
    let total: f64 = patterns.iter().map(|(_, c)| c).sum();
    let mut iterations = 0;
    while iterations < max_iterations && total > 0.0 {
        iterations += 1;
        let mut num: Vec<Vec<f64>> = u
            .iter()
            .map(|l| {
                default_m(l.len())
                    .into_iter()
                    .map(|p| p * M_PSEUDO_MATCHES)
                    .collect()
            })
            .collect();
        let mut matched = 0.0;
        for (g, c) in patterns {
            let p = posterior(*g, &m, u, lambda);
            matched += c * p;
            for (f, levels) in num.iter_mut().enumerate() {
                if let Some(l) = g.get(f) {
                    levels[l as usize] += c * p;
                }
            }
        }
        let new_m: Vec<Vec<f64>> = num.into_iter().map(normalize).collect();
        let new_lambda = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        let change = max_change(&m, &new_m, excluded).max((new_lambda - lambda).abs());
        m = new_m;
        lambda = new_lambda;
        if change < 1e-6 {
            break;
        }
    }
    MFit {
        m,
        expected_matches: lambda * total,
        iterations,
    }
}

fn posterior(g: Gamma, m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64) -> f64 {
    let (mut pm, mut pu) = (lambda, 1.0 - lambda);
    for f in 0..m.len() {
        if let Some(l) = g.get(f) {
            pm *= m[f][l as usize];
            pu *= u[f][l as usize];
        }
    }
    pm / (pm + pu)
}

fn max_change(a: &[Vec<f64>], b: &[Vec<f64>], excluded: &[usize]) -> f64 {
    let mut d: f64 = 0.0;
    for f in (0..a.len()).filter(|f| !excluded.contains(f)) {
        for (x, y) in a[f].iter().zip(&b[f]) {
            d = d.max((x - y).abs());
        }
    }
    d
}

/// The prior λ such that the expected matches among candidates, under λ, equal λ × all pairs.
/// Started from "every candidate is a match" so it converges to the non-trivial fixed point.
fn estimate_prior(
    patterns: &[(Gamma, f64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    total_pairs: f64,
) -> (f64, f64) {
    let candidates: f64 = patterns.iter().map(|(_, c)| c).sum();
    let mut lambda = (candidates / total_pairs).clamp(1e-12, 0.5);
    let mut expected = 0.0;
    for _ in 0..200 {
        expected = patterns
            .iter()
            .map(|(g, c)| c * posterior(*g, m, u, lambda))
            .sum::<f64>();
        let next = (expected / total_pairs).clamp(1e-12, 0.5);
        let done = (next - lambda).abs() <= 1e-9 * lambda;
        lambda = next;
        if done {
            break;
        }
    }
    (lambda, expected)
}

/// Starting m: exact agreement is most likely for a match, the rest shares what is left.
fn default_m(levels: usize) -> Vec<f64> {
    let rest = 0.1 / (levels - 1) as f64;
    (0..levels)
        .map(|l| if l == 0 { 0.9 } else { rest })
        .collect()
}

fn normalize(v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    v.into_iter().map(|x| (x / s).max(1e-9)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// People with distinct names/cities/years; duplicates copy a person with one field altered.
    fn synthetic(people: usize, dups: usize) -> (Vec<Record>, Vec<usize>) {
        let mut rng = SplitMix64::new(7);
        let syl = [
            "ka", "lo", "mi", "ra", "te", "su", "no", "vi", "da", "pe", "zo", "gu",
        ];
        let word = |n: usize, rng: &mut SplitMix64| {
            (0..n)
                .map(|_| syl[rng.below(syl.len())])
                .collect::<String>()
        };
        let mut recs = Vec::new();
        let mut truth = Vec::new();
        for p in 0..people {
            let v = vec![
                Some(word(3, &mut rng)),
                Some(word(3, &mut rng)),
                Some(word(2, &mut rng)),
                Some(format!("{}", 1940 + rng.below(60))),
            ];
            recs.push(Record {
                source: 0,
                values: v,
            });
            truth.push(p);
        }
        for d in 0..dups {
            let p = d % people;
            let mut v = recs[p].values.clone();
            let f = rng.below(4);
            v[f] = if rng.below(2) == 0 {
                None
            } else {
                Some(format!("{}x", v[f].as_deref().unwrap()))
            };
            recs.push(Record {
                source: 1,
                values: v,
            });
            truth.push(p);
        }
        (recs, truth)
    }

    pub(crate) fn spec() -> Vec<FieldSpec> {
        let jw = || Comparison::JaroWinkler {
            thresholds: vec![0.9],
        };
        vec![
            FieldSpec {
                name: "given".into(),
                comparison: jw(),
            },
            FieldSpec {
                name: "family".into(),
                comparison: jw(),
            },
            FieldSpec {
                name: "city".into(),
                comparison: Comparison::Exact,
            },
            FieldSpec {
                name: "year".into(),
                comparison: Comparison::NumberDistance { max_abs: vec![1.0] },
            },
        ]
    }

    #[test]
    fn em_recovers_that_agreement_means_match() {
        let (recs, _) = synthetic(400, 200);
        let rules = vec![
            BlockingRule::parse("given").unwrap(),
            BlockingRule::parse("family").unwrap(),
            BlockingRule::parse("city & year").unwrap(),
        ];
        let model = train(&spec(), &rules, &recs, &TrainingConfig::default()).unwrap();
        for f in &model.fields {
            assert!(f.m[0] > 0.5, "{}: m={:?}", f.name, f.m);
            assert!(
                f.m[0] / f.u[0] > 10.0,
                "{}: m={:?} u={:?}",
                f.name,
                f.m,
                f.u
            );
        }
        // 200 duplicate pairs among 600*599/2 pairs.
        let true_prior = 200.0 / (600.0 * 599.0 / 2.0);
        assert!(
            model.prior > true_prior / 3.0 && model.prior < true_prior * 3.0,
            "prior {}",
            model.prior
        );
        let t = model.training.as_ref().unwrap();
        assert_eq!(t.records, 600);
        assert!(
            (t.expected_matches - 200.0).abs() < 60.0,
            "{}",
            t.expected_matches
        );
    }

    #[test]
    fn a_level_no_match_reached_is_not_proof_of_two_people() {
        // Duplicates never have a year off by one, so EM sees no match at that level; its weight
        // must stay moderate (before the pseudo-matches it was log2(1e-9 / u), about -25 bits).
        let (recs, _) = synthetic(400, 200);
        let rules = vec![
            BlockingRule::parse("given").unwrap(),
            BlockingRule::parse("family").unwrap(),
        ];
        let model = train(&spec(), &rules, &recs, &TrainingConfig::default()).unwrap();
        let year = &model.fields[3];
        let within_one = (year.m[1] / year.u[1]).log2();
        assert!(within_one > -10.0, "m={:?} u={:?}", year.m, year.u);
        assert!(within_one < (year.m[0] / year.u[0]).log2());
    }

    #[test]
    fn umlaut_spellings_that_compare_exactly_count_as_exact_agreement() {
        let r = |v: &str| Record {
            source: 0,
            values: vec![Some(v.into())],
        };
        let recs = [r("müller"), r("muller"), r("mueller"), r("schmidt")];
        let present: Vec<&Record> = recs.iter().collect();
        // Of the 6 pairs, müller / muller are equal once plain (müller / mueller, exact only in
        // the other spelling, is left to the sampled levels).
        let share = exact_agreement_share(&present, 0, &PairScope::default());
        assert!((share - 1.0 / 6.0).abs() < 1e-12, "{share}");
    }

    #[test]
    fn training_refuses_unusable_input() {
        let rules = vec![BlockingRule::parse("given").unwrap()];
        let one = vec![Record {
            source: 0,
            values: vec![None; 4],
        }];
        assert!(train(&spec(), &rules, &one, &TrainingConfig::default())
            .unwrap_err()
            .message
            .contains("1 records"));
        let (recs, _) = synthetic(10, 5);
        assert!(train(&spec(), &[], &recs, &TrainingConfig::default())
            .unwrap_err()
            .message
            .contains("blocking"));
        let bad = vec![BlockingRule::parse("zip").unwrap()];
        assert!(train(&spec(), &bad, &recs, &TrainingConfig::default())
            .unwrap_err()
            .message
            .contains("zip"));
    }
}
