//! The whole pipeline for one set of records: block, score the candidates, cluster the accepted
//! pairs without chaining. Keys are assigned separately ([`super::keys`]) because they depend on
//! what was stored before.

use super::blocking::{candidate_pairs, PairScope};
use super::cluster::{cluster, ClusterConfig};
use super::compare::Comparison;
use super::error::Result;
use super::fellegi_sunter::{probability_from_weight, weight_from_probability, Model, WeightTable};
use super::record::{gamma, Record};
use super::term_frequency::ValueFrequencies;

#[derive(Debug, Clone)]
pub struct Resolution {
    /// Groups of record indexes, one per person.
    pub groups: Vec<Vec<u32>>,
    /// Scored candidate pairs `(i, j, match weight)`.
    pub scored: Vec<(u32, u32, f64)>,
    /// Per record: the best match probability to another member of its group (None if alone).
    pub confidence: Vec<Option<f64>>,
}

/// Scores pairs of one record set: the model's weight per level, plus the term-frequency
/// adjustment with value shares counted once over these records (see [`super::term_frequency`]).
struct PairScorer<'a> {
    table: WeightTable,
    cmps: Vec<&'a Comparison>,
    swaps: Vec<(usize, usize)>,
    frequencies: Option<ValueFrequencies>,
    records: &'a [Record],
}

impl<'a> PairScorer<'a> {
    /// The model must be validated.
    fn new(model: &'a Model, records: &'a [Record]) -> PairScorer<'a> {
        PairScorer {
            table: model.weight_table(),
            cmps: model.comparisons(),
            swaps: model.swaps(),
            frequencies: ValueFrequencies::new(model, records),
            records,
        }
    }

    fn score(&self, i: u32, j: u32) -> f64 {
        let (a, b) = (&self.records[i as usize], &self.records[j as usize]);
        let g = gamma(&self.cmps, &self.swaps, a, b);
        let adjustment = self
            .frequencies
            .as_ref()
            .map_or(0.0, |f| f.adjustment(g, a, b));
        self.table.weight(g) + adjustment
    }

    /// Every candidate pair the model's blocking rules produce, with its weight.
    fn candidates(&self, model: &Model, scope: &PairScope) -> Result<Vec<(u32, u32, f64)>> {
        let names = model.field_names();
        let keys: Vec<_> = model
            .blocking
            .iter()
            .map(|r| r.resolve(&names))
            .collect::<Result<_>>()?;
        Ok(candidate_pairs(self.records, &keys, &self.swaps, scope)
            .into_iter()
            .map(|(i, j)| (i, j, self.score(i, j)))
            .collect())
    }
}

/// Scores every candidate pair the model's blocking rules produce.
pub fn score_candidates(
    model: &Model,
    records: &[Record],
    scope: &PairScope,
) -> Result<Vec<(u32, u32, f64)>> {
    model.validate()?;
    PairScorer::new(model, records).candidates(model, scope)
}

/// Default clustering settings for a model: accept at the model's threshold.
pub fn cluster_config(model: &Model) -> ClusterConfig {
    ClusterConfig::new(weight_from_probability(model.threshold))
}

pub fn resolve(
    model: &Model,
    records: &[Record],
    scope: &PairScope,
    cfg: &ClusterConfig,
) -> Result<Resolution> {
    model.validate()?;
    let scorer = PairScorer::new(model, records);
    let scored = scorer.candidates(model, scope)?;
    let groups = cluster(
        records.len(),
        &scored,
        |i, j| scorer.score(i, j),
        |r| records[r as usize].source,
        cfg,
    );
    let confidence = confidence(&groups, &scored, records.len());
    Ok(Resolution {
        groups,
        scored,
        confidence,
    })
}

fn confidence(groups: &[Vec<u32>], scored: &[(u32, u32, f64)], n: usize) -> Vec<Option<f64>> {
    let mut group_of = vec![usize::MAX; n];
    for (g, members) in groups.iter().enumerate() {
        for &r in members {
            group_of[r as usize] = g;
        }
    }
    let mut best: Vec<Option<f64>> = vec![None; n];
    for &(i, j, w) in scored {
        if group_of[i as usize] == group_of[j as usize] {
            let p = probability_from_weight(w);
            for r in [i, j] {
                let b = &mut best[r as usize];
                *b = Some(b.map_or(p, |x| x.max(p)));
            }
        }
    }
    best
}
