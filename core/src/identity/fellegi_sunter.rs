//! The Fellegi–Sunter model: for each field and level, m = P(level | same person) and
//! u = P(level | different people). A pair's match weight is log2 of the prior odds plus the sum of
//! log2(m/u) over its present fields; its probability follows from the weight. Because the weight
//! is a sum, each field's share is the explanation.

use super::blocking::BlockingRule;
use super::compare::Comparison;
use super::error::{IdentityError, Result};
use super::record::{gamma, Gamma, Record, MAX_FIELDS, MAX_LEVELS};
use super::term_frequency::TermFrequency;
use serde::{Deserialize, Serialize};

/// Serialized models carry this version; others are refused rather than misread.
pub const MODEL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    pub name: String,
    pub comparison: Comparison,
    /// P(level | match), one entry per level.
    pub m: Vec<f64>,
    /// P(level | non-match), one entry per level.
    pub u: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub version: u32,
    pub fields: Vec<FieldModel>,
    /// P(match) for two records drawn at random from the admissible pairs.
    pub prior: f64,
    /// Pairs at or above this match probability are accepted as the same person.
    pub threshold: f64,
    pub blocking: Vec<BlockingRule>,
    /// Field pairs compared in the better of the two orders (given and family name swapped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub swappable: Vec<[String; 2]>,
    /// Fields whose exact agreement is weighted by how common the value is in the records being
    /// resolved (see [`super::term_frequency`]). Absent in models stored before it existed, which
    /// load unchanged and keep one weight per level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_frequency: Option<TermFrequency>,
    /// What the model was estimated from (absent for hand-set models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub records: usize,
    pub u_pairs: usize,
    pub candidate_pairs: usize,
    pub expected_matches: f64,
    pub em_iterations: Vec<usize>,
}

/// One field's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldContribution {
    pub field: String,
    /// `None` when either side has no value.
    pub level: Option<u8>,
    pub label: String,
    pub m: Option<f64>,
    pub u: Option<f64>,
    /// log2(m/u), 0 for missing values.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub match_weight: f64,
    pub match_probability: f64,
    pub prior_weight: f64,
    pub fields: Vec<FieldContribution>,
}

pub fn probability_from_weight(w: f64) -> f64 {
    1.0 / (1.0 + (-w).exp2())
}

pub fn weight_from_probability(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

impl Model {
    /// Checks a model (e.g. one read back from JSON) before it is used.
    pub fn validate(&self) -> Result<()> {
        let hint = "retrain with pos.train_identity_model(tenant) or pass a model produced by it";
        if self.version != MODEL_VERSION {
            return Err(IdentityError::new(
                format!(
                    "identity model version {} is not supported (expected {MODEL_VERSION})",
                    self.version
                ),
                hint,
            ));
        }
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            return Err(IdentityError::new(
                format!(
                    "identity model has {} fields (1 to {MAX_FIELDS} allowed)",
                    self.fields.len()
                ),
                hint,
            ));
        }
        let prob = |p: f64| p > 0.0 && p < 1.0;
        if !prob(self.prior) || !prob(self.threshold) {
            return Err(IdentityError::new(
                "identity model prior and threshold must lie strictly between 0 and 1",
                hint,
            ));
        }
        for f in &self.fields {
            let n = f.comparison.levels();
            let ok = n <= MAX_LEVELS
                && f.m.len() == n
                && f.u.len() == n
                && f.m.iter().chain(&f.u).all(|p| *p > 0.0 && *p <= 1.0);
            if !ok {
                return Err(IdentityError::new(
                    format!("identity model field \"{}\" needs {n} m and u probabilities in (0, 1] (at most {MAX_LEVELS} levels)", f.name),
                    hint,
                ));
            }
        }
        let names = self.field_names();
        for r in &self.blocking {
            r.resolve(&names)?;
        }
        resolve_swappable(&self.swappable, &names)?;
        if let Some(tf) = &self.term_frequency {
            tf.validate(&names)?;
        }
        Ok(())
    }

    /// Per field, the field it was compared with when a swappable pair was compared crosswise.
    fn crosswise_partners(&self, g: Gamma, a: &Record, b: &Record) -> Vec<Option<usize>> {
        let straight = gamma(&self.comparisons(), &[], a, b);
        let mut partner = vec![None; self.fields.len()];
        for (f, h) in self.swaps() {
            if (g.get(f), g.get(h)) != (straight.get(f), straight.get(h)) {
                partner[f] = Some(h);
                partner[h] = Some(f);
            }
        }
        partner
    }

    /// Positions of the swappable field pairs (the model is validated, so every name resolves).
    pub fn swaps(&self) -> Vec<(usize, usize)> {
        resolve_swappable(&self.swappable, &self.field_names()).unwrap_or_default()
    }

    pub fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.clone()).collect()
    }

    pub fn comparisons(&self) -> Vec<&Comparison> {
        self.fields.iter().map(|f| &f.comparison).collect()
    }

    pub fn prior_weight(&self) -> f64 {
        weight_from_probability(self.prior)
    }

    /// log2(m/u) per field and level, computed once per scoring run.
    pub fn weight_table(&self) -> WeightTable {
        WeightTable {
            prior: self.prior_weight(),
            fields: self
                .fields
                .iter()
                .map(|f| f.m.iter().zip(&f.u).map(|(m, u)| (m / u).log2()).collect())
                .collect(),
        }
    }

    pub fn gamma(&self, a: &Record, b: &Record) -> Gamma {
        gamma(&self.comparisons(), &self.swaps(), a, b)
    }

    /// Field-by-field account of one pair's score. Without a record set there are no value
    /// frequencies, so exact agreements keep their plain weight (no term-frequency adjustment).
    pub fn explain(&self, a: &Record, b: &Record) -> Explanation {
        let g = self.gamma(a, b);
        let crosswise = self.crosswise_partners(g, a, b);
        let prior_weight = self.prior_weight();
        let fields: Vec<FieldContribution> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| match g.get(i) {
                Some(l) => {
                    let (m, u) = (f.m[l as usize], f.u[l as usize]);
                    FieldContribution {
                        field: f.name.clone(),
                        level: Some(l),
                        label: match crosswise[i] {
                            Some(other) => format!(
                                "{} (against {})",
                                f.comparison.label(l),
                                self.fields[other].name
                            ),
                            None => f.comparison.label(l),
                        },
                        m: Some(m),
                        u: Some(u),
                        weight: (m / u).log2(),
                    }
                }
                None => FieldContribution {
                    field: f.name.clone(),
                    level: None,
                    label: "missing".into(),
                    m: None,
                    u: None,
                    weight: 0.0,
                },
            })
            .collect();
        let match_weight = prior_weight + fields.iter().map(|c| c.weight).sum::<f64>();
        Explanation {
            match_weight,
            match_probability: probability_from_weight(match_weight),
            prior_weight,
            fields,
        }
    }
}

/// Field positions of swappable pairs; an unknown or repeated field is an error.
pub fn resolve_swappable(pairs: &[[String; 2]], fields: &[String]) -> Result<Vec<(usize, usize)>> {
    let pos = |name: &String| {
        fields.iter().position(|f| f == name).ok_or_else(|| {
            IdentityError::new(
                format!("swappable fields name unknown field \"{name}\""),
                format!("use two of the model's fields: {}", fields.join(", ")),
            )
        })
    };
    pairs
        .iter()
        .map(|[a, b]| {
            let (x, y) = (pos(a)?, pos(b)?);
            if x == y {
                return Err(IdentityError::new(
                    format!("field \"{a}\" cannot be swapped with itself"),
                    "name two different fields, e.g. [\"given_name\", \"family_name\"]",
                ));
            }
            Ok((x, y))
        })
        .collect()
}

/// Precomputed log2(m/u) values.
#[derive(Debug, Clone)]
pub struct WeightTable {
    pub prior: f64,
    pub fields: Vec<Vec<f64>>,
}

impl WeightTable {
    pub fn weight(&self, g: Gamma) -> f64 {
        let mut w = self.prior;
        for (f, levels) in self.fields.iter().enumerate() {
            if let Some(l) = g.get(f) {
                w += levels[l as usize];
            }
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn toy_model() -> Model {
        Model {
            version: MODEL_VERSION,
            fields: vec![
                FieldModel {
                    name: "name".into(),
                    comparison: Comparison::JaroWinkler {
                        thresholds: vec![0.9],
                    },
                    m: vec![0.8, 0.15, 0.05],
                    u: vec![0.01, 0.04, 0.95],
                },
                FieldModel {
                    name: "email".into(),
                    comparison: Comparison::Exact,
                    m: vec![0.9, 0.1],
                    u: vec![0.0001, 0.9999],
                },
            ],
            prior: 0.001,
            threshold: 0.5,
            blocking: vec![BlockingRule::parse("email").unwrap()],
            swappable: vec![],
            term_frequency: None,
            training: None,
        }
    }

    fn rec(name: &str, email: Option<&str>) -> Record {
        Record {
            source: 0,
            values: vec![Some(name.into()), email.map(String::from)],
        }
    }

    #[test]
    fn weights_add_up_and_explain() {
        let m = toy_model();
        let e = m.explain(
            &rec("jane doe", Some("j@x.com")),
            &rec("jane doe", Some("j@x.com")),
        );
        let expected =
            (0.001f64 / 0.999).log2() + (0.8f64 / 0.01).log2() + (0.9f64 / 0.0001).log2();
        assert!((e.match_weight - expected).abs() < 1e-9);
        assert!(e.match_probability > 0.99);
        assert_eq!(e.fields[0].label, "exact");
        let w = m
            .weight_table()
            .weight(m.gamma(&rec("jane doe", None), &rec("john roe", Some("x@y.z"))));
        let e2 = m.explain(&rec("jane doe", None), &rec("john roe", Some("x@y.z")));
        assert!((w - e2.match_weight).abs() < 1e-9);
        assert_eq!(e2.fields[1].label, "missing");
        assert_eq!(e2.fields[1].weight, 0.0);
        assert!(e2.match_probability < 0.001);
    }

    #[test]
    fn validation_refuses_broken_models() {
        let mut m = toy_model();
        assert!(m.validate().is_ok());
        m.version = 99;
        assert!(m.validate().unwrap_err().message.contains("version 99"));
        let mut m = toy_model();
        m.fields[0].m.pop();
        assert!(m.validate().unwrap_err().message.contains("\"name\""));
        let mut m = toy_model();
        m.prior = 0.0;
        assert!(m.validate().is_err());
        let mut m = toy_model();
        m.blocking = vec![BlockingRule::parse("phone").unwrap()];
        assert!(m.validate().unwrap_err().message.contains("phone"));
        let mut m = toy_model();
        m.swappable = vec![["name".into(), "surname".into()]];
        assert!(m.validate().unwrap_err().message.contains("surname"));
        m.swappable = vec![["name".into(), "name".into()]];
        assert!(m.validate().unwrap_err().message.contains("itself"));
        m.swappable = vec![["name".into(), "email".into()]];
        assert_eq!(m.swaps(), vec![(0, 1)]);
        let json = serde_json::to_string(&toy_model()).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(back, toy_model());
    }
}
