//! Term-frequency adjustment (as in Splink): two records agreeing exactly on "Smith" are weaker
//! evidence of one person than two agreeing on "Zbigniewski", yet the model has one m/u pair per
//! level, so both get the same exact-agreement weight. For the fields named in the model, an exact
//! agreement on value v is weighted log2(m/u) + log2(u_exact / p_v) instead, where p_v is v's
//! share among the records being resolved (the compared pair left out, smoothed): given one record
//! holds v, p_v is the chance that a random other person's record does too, while u_exact is that
//! chance averaged over all values. Bounded, see [`TermFrequency::max_bonus_bits`] and
//! `weight_bounds`.
//!
//! The shares need a record set, so only [`super::resolve`] applies the adjustment; scoring two
//! records on their own ([`super::fellegi_sunter::Model::explain`], `pos.match_score`) keeps the
//! plain weight.

use super::error::{IdentityError, Result};
use super::fellegi_sunter::{FieldModel, Model};
use super::name::{spell, Spelling};
use super::record::{Gamma, Record};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which fields are adjusted and how far the adjustment may go; stored in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermFrequency {
    /// Fields whose exact agreement is weighted by how common the shared value is.
    pub fields: Vec<String>,
    /// Most bits a rare value may add to the field's exact-agreement weight. The share of a value
    /// seen a handful of times is a noisy estimate (its count could as well be twice as high),
    /// while that of a common value rests on many records; so the bonus is capped tightly and
    /// the penalty only by the next level's weight.
    #[serde(default = "default_max_bonus_bits")]
    pub max_bonus_bits: f64,
}

/// The default cap on the bits a rare value adds (see [`TermFrequency::max_bonus_bits`]).
pub const DEFAULT_MAX_BONUS_BITS: f64 = 1.0;

fn default_max_bonus_bits() -> f64 {
    DEFAULT_MAX_BONUS_BITS
}

impl TermFrequency {
    /// The adjustment on the given fields with the default cap.
    pub fn on(fields: &[&str]) -> TermFrequency {
        TermFrequency {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            max_bonus_bits: DEFAULT_MAX_BONUS_BITS,
        }
    }

    /// Every adjusted field must be one of the model's `fields`, and the cap a finite number of
    /// bits ≥ 0.
    pub fn validate(&self, fields: &[String]) -> Result<()> {
        if let Some(unknown) = self.fields.iter().find(|f| !fields.contains(f)) {
            return Err(IdentityError::new(
                format!("term_frequency names unknown field \"{unknown}\""),
                format!("use the model's fields: {}", fields.join(", ")),
            ));
        }
        if !(self.max_bonus_bits.is_finite() && self.max_bonus_bits >= 0.0) {
            return Err(IdentityError::new(
                format!(
                    "term_frequency max_bonus_bits must be a number of bits >= 0, got {}",
                    self.max_bonus_bits
                ),
                format!("omit it to use the default ({DEFAULT_MAX_BONUS_BITS})"),
            ));
        }
        Ok(())
    }
}

/// Value shares of the adjusted fields over one record set, built once per resolve.
#[derive(Debug, Clone)]
pub struct ValueFrequencies {
    fields: Vec<AdjustedField>,
}

/// One adjusted field: its position, bounds and value shares.
#[derive(Debug, Clone)]
struct AdjustedField {
    position: usize,
    /// log2(m/u) of exact agreement, the weight the adjustment replaces.
    exact_weight: f64,
    u_exact: f64,
    /// The adjusted weight stays within these (see [`weight_bounds`]).
    floor: f64,
    cap: f64,
    /// Records holding each value, keyed by the value in plain spelling.
    counts: HashMap<String, f64>,
    /// Records holding the field.
    present: f64,
}

impl ValueFrequencies {
    /// Shares over `records` for the model's adjusted fields; None when the model has none.
    /// The model must be validated (every adjusted field name resolves).
    pub fn new(model: &Model, records: &[Record]) -> Option<ValueFrequencies> {
        let tf = model
            .term_frequency
            .as_ref()
            .filter(|t| !t.fields.is_empty())?;
        let fields = tf
            .fields
            .iter()
            .filter_map(|name| model.fields.iter().position(|f| &f.name == name))
            .map(|position| {
                let field = &model.fields[position];
                let (floor, cap) = weight_bounds(field, tf.max_bonus_bits);
                let (counts, present) = value_counts(records, position);
                AdjustedField {
                    position,
                    exact_weight: (field.m[0] / field.u[0]).log2(),
                    u_exact: field.u[0],
                    floor,
                    cap,
                    counts,
                    present,
                }
            })
            .collect();
        Some(ValueFrequencies { fields })
    }

    /// What to add to the plain weight of pair `a`/`b` with comparison vector `g`: per adjusted
    /// field that agrees exactly on one value, the adjusted minus the plain exact weight.
    pub fn adjustment(&self, g: Gamma, a: &Record, b: &Record) -> f64 {
        self.fields
            .iter()
            .filter(|f| g.get(f.position) == Some(0))
            .filter_map(|f| {
                let (x, y) = (
                    a.values[f.position].as_deref()?,
                    b.values[f.position].as_deref()?,
                );
                let p = f.shared_value_share(x, y)?;
                let adjusted = f.exact_weight + (f.u_exact / p).log2();
                Some(adjusted.clamp(f.floor, f.cap) - f.exact_weight)
            })
            .sum()
    }
}

impl AdjustedField {
    /// Share of the value `x` and `y` agree on, or None when they agree only crosswise (given
    /// name against the other record's family name, see [`super::record::gamma`]): that is an
    /// agreement of two fields, which keeps its plain weight. "müller" / "mueller", equal only
    /// in the digraph spelling, take the larger share of the two (as Splink takes the larger
    /// of the two sides' frequencies): the more common spelling bounds how rare the name is.
    fn shared_value_share(&self, x: &str, y: &str) -> Option<f64> {
        let (px, py) = (spell(x, Spelling::Plain), spell(y, Spelling::Plain));
        if px == py {
            return Some(self.share(&px, 2.0));
        }
        (spell(x, Spelling::Digraph) == spell(y, Spelling::Digraph))
            .then(|| self.share(&px, 1.0).max(self.share(&py, 1.0)))
    }

    /// Share of `value` (plain spelling) among the other records, `own` of the pair's two
    /// records holding it. p_v is about other people, so the pair itself is left out: two
    /// records compared are no evidence that their value is common (if they are one person,
    /// which is the question, they are one occurrence), and counted, a name only the pair
    /// carries looked common in a small set, and a new record sharing it moved the weight of
    /// every pair already matched. Smoothed with one pseudo-occurrence among 1/u_exact
    /// pseudo-records: (count + 1) / (others + 1/u_exact). With no other records every value has
    /// the average share u_exact (no adjustment); in a set of a few dozen records the shares stay
    /// near it; with thousands they are the plain counts.
    fn share(&self, value: &str, own: f64) -> f64 {
        let count = self.counts.get(value).copied().unwrap_or(0.0);
        let others = (self.present - 2.0).max(0.0);
        ((count - own).max(0.0) + 1.0) / (others + 1.0 / self.u_exact)
    }
}

/// Bounds of the adjusted exact weight. Up: `max_bonus_bits` above the plain weight. Down: the
/// weight of the next level (a typo-level agreement), because agreeing exactly on a common name
/// is still at least as much evidence as agreeing nearly on it; and never below 0 (agreement is
/// no evidence against), unless the plain weight itself is lower. Where EM gave the next level
/// the larger weight (FEBRL's surname: 8.8 bits against 7.3), exact agreement is not lowered.
fn weight_bounds(field: &FieldModel, max_bonus_bits: f64) -> (f64, f64) {
    let exact = (field.m[0] / field.u[0]).log2();
    let next_agreeing = (field.m.len() > 2).then(|| (field.m[1] / field.u[1]).log2());
    let floor = next_agreeing.unwrap_or(0.0).max(0.0).min(exact);
    (floor, exact + max_bonus_bits)
}

/// Per value (plain spelling) the number of records holding it, and the number holding any.
fn value_counts(records: &[Record], field: usize) -> (HashMap<String, f64>, f64) {
    let mut counts: HashMap<String, f64> = HashMap::new();
    let mut present = 0.0;
    for v in records.iter().filter_map(|r| r.values[field].as_deref()) {
        *counts
            .entry(spell(v, Spelling::Plain).into_owned())
            .or_default() += 1.0;
        present += 1.0;
    }
    (counts, present)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::blocking::{BlockingRule, PairScope};
    use crate::identity::compare::Comparison;
    use crate::identity::fellegi_sunter::MODEL_VERSION;
    use crate::identity::resolve::score_candidates;

    /// Given and family name (Jaro–Winkler) and city (exact); u of an exact family name 0.05.
    fn model(tf: Option<TermFrequency>) -> Model {
        let jw = || Comparison::JaroWinkler {
            thresholds: vec![0.9],
        };
        let field = |name: &str, comparison, m: &[f64], u: &[f64]| FieldModel {
            name: name.into(),
            comparison,
            m: m.to_vec(),
            u: u.to_vec(),
        };
        Model {
            version: MODEL_VERSION,
            fields: vec![
                field("given", jw(), &[0.8, 0.15, 0.05], &[0.01, 0.04, 0.95]),
                field("family", jw(), &[0.8, 0.15, 0.05], &[0.05, 0.04, 0.91]),
                field("city", Comparison::Exact, &[0.9, 0.1], &[0.2, 0.8]),
            ],
            prior: 0.001,
            threshold: 0.5,
            blocking: vec![BlockingRule::parse("family").unwrap()],
            swappable: vec![["given".into(), "family".into()]],
            term_frequency: tf,
            training: None,
        }
    }

    fn rec(given: &str, family: &str, city: &str) -> Record {
        Record {
            source: 0,
            values: vec![Some(given.into()), Some(family.into()), Some(city.into())],
        }
    }

    /// 100 Smiths and 300 people with a family name of their own, all in one city, then two
    /// John Smiths (records 400, 401) and two John Zbigniewskis (402, 403).
    fn records() -> Vec<Record> {
        let letters = |i: usize| -> String {
            [i % 26, i / 26 % 26, i / 676]
                .iter()
                .map(|&d| char::from(b'a' + d as u8))
                .collect()
        };
        let mut recs: Vec<Record> = (0..100)
            .map(|i| rec(&format!("g{}", letters(i)), "smith", "leeds"))
            .collect();
        recs.extend((0..300).map(|i| rec("ann", &format!("q{}", letters(i)), "leeds")));
        recs.extend([
            rec("john", "smith", "leeds"),
            rec("john", "smith", "leeds"),
            rec("john", "zbigniewski", "leeds"),
            rec("john", "zbigniewski", "leeds"),
        ]);
        recs
    }

    fn weight_of(scored: &[(u32, u32, f64)], i: u32, j: u32) -> f64 {
        scored
            .iter()
            .find(|p| (p.0.min(p.1), p.0.max(p.1)) == (i, j))
            .expect("pair scored")
            .2
    }

    fn log2_ratio(m: f64, u: f64) -> f64 {
        (m / u).log2()
    }

    #[test]
    fn a_common_family_name_weighs_less_than_a_rare_one() {
        let recs = records();
        let scope = PairScope::default();
        let plain = score_candidates(&model(None), &recs, &scope).unwrap();
        assert_eq!(weight_of(&plain, 400, 401), weight_of(&plain, 402, 403));
        let tf = model(Some(TermFrequency::on(&["family"])));
        let adjusted = score_candidates(&tf, &recs, &scope).unwrap();
        let (smith, zbig) = (
            weight_of(&adjusted, 400, 401),
            weight_of(&adjusted, 402, 403),
        );
        assert!(smith < zbig, "smith {smith}, zbigniewski {zbig}");
        assert!(smith < weight_of(&plain, 400, 401));
        assert!(zbig > weight_of(&plain, 402, 403));
        // resolve scores with the same adjustment: its confidence follows the adjusted weight.
        let cfg = crate::identity::resolve::cluster_config(&tf);
        let res = crate::identity::resolve::resolve(&tf, &recs, &scope, &cfg).unwrap();
        assert_eq!(res.scored, adjusted);
    }

    #[test]
    fn the_adjustment_stays_between_the_next_level_and_the_cap() {
        let recs = records();
        let m = model(Some(TermFrequency::on(&["family", "city"])));
        let freq = ValueFrequencies::new(&m, &recs).unwrap();
        let (a, b) = (&recs[400], &recs[401]);
        let g = m.gamma(a, b);
        assert_eq!((g.get(0), g.get(1), g.get(2)), (Some(0), Some(0), Some(0)));
        // Smith (100 of the 402 others) would fall below the typo level: it stops there. Leeds
        // (every record) would count against a match: an Exact field stops at 0 bits.
        let family_floor = log2_ratio(0.15, 0.04) - log2_ratio(0.8, 0.05);
        let city_floor = -log2_ratio(0.9, 0.2);
        assert!((freq.adjustment(g, a, b) - family_floor - city_floor).abs() < 1e-12);
        // Zbigniewski (only the pair: 0 of the 402 others) would add log2(0.05 × 422) = 4.4 bits:
        // capped at 1.
        let (a, b) = (&recs[402], &recs[403]);
        let g = m.gamma(a, b);
        assert!((freq.adjustment(g, a, b) - (DEFAULT_MAX_BONUS_BITS + city_floor)).abs() < 1e-12);
        let loose = model(Some(TermFrequency {
            fields: vec!["family".into()],
            max_bonus_bits: 10.0,
        }));
        let freq = ValueFrequencies::new(&loose, &recs).unwrap();
        let expected = (0.05f64 / (1.0 / (402.0 + 20.0))).log2();
        assert!((freq.adjustment(g, a, b) - expected).abs() < 1e-12);
        // A pair that does not agree exactly is not adjusted.
        let (a, b) = (&recs[400], &recs[402]);
        assert_eq!(freq.adjustment(m.gamma(a, b), a, b), 0.0);
    }

    /// Two of three customers are Jane Doe: counted with the pair, Jane and Doe looked like two
    /// thirds of the population and lowered the pair's weight; a third Jane Doe then moved it
    /// again (and the stored match probability with it).
    #[test]
    fn the_pair_itself_is_no_evidence_that_its_value_is_common() {
        let recs = vec![
            rec("jane", "doe", "leeds"),
            rec("jane", "doe", "leeds"),
            rec("john", "roe", "york"),
        ];
        let m = model(Some(TermFrequency::on(&["given", "family", "city"])));
        let freq = ValueFrequencies::new(&m, &recs).unwrap();
        let (a, b) = (&recs[0], &recs[1]);
        let adjustment = freq.adjustment(m.gamma(a, b), a, b);
        // Slightly positive: the one other record holds other values.
        assert!((0.0..0.5).contains(&adjustment), "{adjustment}");
    }

    #[test]
    fn spelling_variants_share_and_crosswise_agreement_is_not_adjusted() {
        let mut recs = records();
        recs.extend([
            rec("jan", "müller", "leeds"),
            rec("jan", "mueller", "leeds"),
            rec("jan", "mueller", "leeds"),
            rec("jan", "mueller", "leeds"),
            rec("smith", "john", "leeds"),
        ]);
        let m = model(Some(TermFrequency {
            fields: vec!["family".into()],
            max_bonus_bits: 10.0,
        }));
        let freq = ValueFrequencies::new(&m, &recs).unwrap();
        let field = &freq.fields[0];
        let share = |c: f64| (c + 1.0) / (407.0 + 20.0);
        // müller / mueller: the larger share, mueller's (2 other records) over müller's (none).
        assert_eq!(
            field.shared_value_share("müller", "mueller"),
            Some(share(2.0))
        );
        assert_eq!(
            field.shared_value_share("müller", "muller"),
            Some(share(0.0))
        );
        assert_eq!(field.shared_value_share("smith", "john"), None);
        // "smith john" against "john smith" agrees exactly only crosswise: plain exact weights.
        let (a, b) = (&recs[408], &recs[400]);
        let g = m.gamma(a, b);
        assert_eq!((g.get(0), g.get(1)), (Some(0), Some(0)));
        assert_eq!(freq.adjustment(g, a, b), 0.0);
    }

    #[test]
    fn models_stored_without_term_frequency_load_and_it_is_validated() {
        let mut json = serde_json::to_value(model(None)).unwrap();
        assert!(json.get("term_frequency").is_none());
        json.as_object_mut().unwrap().remove("swappable");
        let old: Model = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(old.term_frequency, None);
        old.validate().unwrap();
        assert!(ValueFrequencies::new(&old, &records()).is_none());
        json["term_frequency"] = serde_json::json!({"fields": ["family"]});
        let new: Model = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(new.term_frequency, Some(TermFrequency::on(&["family"])));
        json["term_frequency"] = serde_json::json!({"fields": ["surname"]});
        let bad: Model = serde_json::from_value(json.clone()).unwrap();
        assert!(bad.validate().unwrap_err().message.contains("\"surname\""));
        json["term_frequency"] = serde_json::json!({"fields": [], "max_bonus_bits": -1.0});
        let bad: Model = serde_json::from_value(json).unwrap();
        assert!(bad
            .validate()
            .unwrap_err()
            .message
            .contains("max_bonus_bits"));
    }
}
