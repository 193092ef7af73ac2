//! The whole pipeline for one set of records: block, score the candidates, cluster the accepted
//! pairs without chaining. Keys are assigned separately ([`super::keys`]) because they depend on
//! what was stored before.

use super::blocking::{candidate_pairs, PairScope};
use super::cluster::{cluster, ClusterConfig};
use super::error::Result;
use super::fellegi_sunter::{probability_from_weight, weight_from_probability, Model};
use super::record::Record;

#[derive(Debug, Clone)]
pub struct Resolution {
    /// Groups of record indexes, one per person.
    pub groups: Vec<Vec<u32>>,
    /// Scored candidate pairs `(i, j, match weight)`.
    pub scored: Vec<(u32, u32, f64)>,
    /// Per record: the best match probability to another member of its group (None if alone).
    pub confidence: Vec<Option<f64>>,
}

/// Scores every candidate pair the model's blocking rules produce.
pub fn score_candidates(
    model: &Model,
    records: &[Record],
    scope: &PairScope,
) -> Result<Vec<(u32, u32, f64)>> {
    model.validate()?;
    let names = model.field_names();
    let keys: Vec<_> = model
        .blocking
        .iter()
        .map(|r| r.resolve(&names))
        .collect::<Result<_>>()?;
    let table = model.weight_table();
    let cmps = model.comparisons();
    let swaps = model.swaps();
    Ok(candidate_pairs(records, &keys, &swaps, scope)
        .into_iter()
        .map(|(i, j)| {
            (
                i,
                j,
                table.weight(super::record::gamma(
                    &cmps,
                    &swaps,
                    &records[i as usize],
                    &records[j as usize],
                )),
            )
        })
        .collect())
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
    let scored = score_candidates(model, records, scope)?;
    let table = model.weight_table();
    let cmps = model.comparisons();
    let swaps = model.swaps();
    let score = |i: u32, j: u32| {
        table.weight(super::record::gamma(
            &cmps,
            &swaps,
            &records[i as usize],
            &records[j as usize],
        ))
    };
    let groups = cluster(
        records.len(),
        &scored,
        score,
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
