//! Grouping accepted pairs into people without chaining. Plain connected components merge A and C
//! whenever A~B and B~C, so one weak link between two households makes them one "customer". Here
//! pairs are merged strongest first, and two groups join only when the evidence across *all* their
//! cross pairs supports it: the mean match weight must reach the acceptance weight, at least
//! `min_support` of the cross pairs must be accepted on their own, and no group may outgrow
//! `max_cluster_size` (average-linkage agglomeration with a size bound).

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterConfig {
    /// Match weight at which a single pair is accepted (from the model's probability threshold).
    pub accept_weight: f64,
    /// Share of cross pairs that must be accepted on their own for two groups to merge.
    pub min_support: f64,
    pub max_cluster_size: usize,
    /// Never put two records of the same source in one group (sources known to be free of
    /// duplicates, e.g. a CRM with unique customers).
    pub one_per_source: bool,
}

impl ClusterConfig {
    pub fn new(accept_weight: f64) -> Self {
        ClusterConfig {
            accept_weight,
            min_support: 0.5,
            max_cluster_size: 50,
            one_per_source: false,
        }
    }
}

/// Clusters `n` records. `edges` are scored candidate pairs `(i, j, weight)`; `score` gives the
/// weight of any other pair when a merge needs it; `source` gives a record's source.
pub fn cluster(
    n: usize,
    edges: &[(u32, u32, f64)],
    mut score: impl FnMut(u32, u32) -> f64,
    source: impl Fn(u32) -> u32,
    cfg: &ClusterConfig,
) -> Vec<Vec<u32>> {
    let known: HashMap<(u32, u32), f64> = edges
        .iter()
        .map(|&(i, j, w)| ((i.min(j), i.max(j)), w))
        .collect();
    let mut accepted: Vec<&(u32, u32, f64)> =
        edges.iter().filter(|e| e.2 >= cfg.accept_weight).collect();
    // Strongest first; ties broken by position so the result does not depend on input order.
    accepted.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then((a.0.min(a.1), a.0.max(a.1)).cmp(&(b.0.min(b.1), b.0.max(b.1))))
    });
    let mut group_of: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    for &&(i, j, _) in &accepted {
        let (ga, gb) = (group_of[i as usize], group_of[j as usize]);
        if ga == gb || members[ga].len() + members[gb].len() > cfg.max_cluster_size {
            continue;
        }
        if cfg.one_per_source && shares_source(&members[ga], &members[gb], &source) {
            continue;
        }
        if !supported(&members[ga], &members[gb], &known, &mut score, cfg) {
            continue;
        }
        let (keep, gone) = if members[ga].len() >= members[gb].len() {
            (ga, gb)
        } else {
            (gb, ga)
        };
        let moved = std::mem::take(&mut members[gone]);
        for &r in &moved {
            group_of[r as usize] = keep;
        }
        members[keep].extend(moved);
    }
    let mut groups: Vec<Vec<u32>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_unstable();
    groups
}

fn shares_source(a: &[u32], b: &[u32], source: &impl Fn(u32) -> u32) -> bool {
    a.iter().any(|&x| b.iter().any(|&y| source(x) == source(y)))
}

/// Average-linkage test over every cross pair of two groups.
fn supported(
    a: &[u32],
    b: &[u32],
    known: &HashMap<(u32, u32), f64>,
    score: &mut impl FnMut(u32, u32) -> f64,
    cfg: &ClusterConfig,
) -> bool {
    let (mut sum, mut ok, mut n) = (0.0, 0usize, 0usize);
    for &x in a {
        for &y in b {
            let key = (x.min(y), x.max(y));
            let w = known
                .get(&key)
                .copied()
                .unwrap_or_else(|| score(key.0, key.1));
            sum += w;
            n += 1;
            if w >= cfg.accept_weight {
                ok += 1;
            }
        }
    }
    sum / n as f64 >= cfg.accept_weight && ok as f64 >= cfg.min_support * n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Weights from a full matrix; edges are the pairs whose weight is given.
    fn run(n: usize, w: &[(u32, u32, f64)], default: f64, cfg: &ClusterConfig) -> Vec<Vec<u32>> {
        let m: HashMap<(u32, u32), f64> = w.iter().map(|&(i, j, x)| ((i, j), x)).collect();
        cluster(n, w, |i, j| *m.get(&(i, j)).unwrap_or(&default), |_| 0, cfg)
    }

    #[test]
    fn a_weak_link_between_two_strong_groups_does_not_merge_them() {
        // Two people with three records each; one weak accepted pair (2-3) links them.
        let mut w = vec![];
        for g in [[0u32, 1, 2], [3, 4, 5]] {
            for x in 0..3 {
                for y in x + 1..3 {
                    w.push((g[x], g[y], 20.0));
                }
            }
        }
        w.push((2, 3, 1.0));
        let groups = run(6, &w, -15.0, &ClusterConfig::new(0.0));
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3, 4, 5]]);
        // Connected components would have chained them.
        assert_eq!(
            run(6, &w, 5.0, &ClusterConfig::new(0.0)),
            vec![vec![0, 1, 2, 3, 4, 5]]
        );
    }

    #[test]
    fn a_long_chain_of_pairwise_links_does_not_collapse() {
        // 0~1~2~…~9, every neighbour pair accepted, everything farther apart strongly different.
        let w: Vec<_> = (0..9u32).map(|i| (i, i + 1, 8.0)).collect();
        let groups = run(10, &w, -12.0, &ClusterConfig::new(0.0));
        assert!(groups.iter().all(|g| g.len() <= 2), "{groups:?}");
        assert_eq!(groups.iter().map(|g| g.len()).sum::<usize>(), 10);
    }

    #[test]
    fn noisy_duplicates_of_one_person_still_join() {
        // Each duplicate matches the original well, duplicates match each other weakly.
        let w = vec![
            (0, 1, 18.0),
            (0, 2, 15.0),
            (0, 3, 12.0),
            (1, 2, 3.0),
            (1, 3, -2.0),
            (2, 3, 1.0),
        ];
        assert_eq!(
            run(4, &w, -20.0, &ClusterConfig::new(0.0)),
            vec![vec![0, 1, 2, 3]]
        );
    }

    #[test]
    fn size_bound_and_one_per_source() {
        let w: Vec<_> = (1..6u32).map(|i| (0, i, 10.0)).collect();
        let cfg = ClusterConfig {
            max_cluster_size: 3,
            ..ClusterConfig::new(0.0)
        };
        let groups = run(6, &w, 10.0, &cfg);
        assert!(groups.iter().all(|g| g.len() <= 3));
        let cfg = ClusterConfig {
            one_per_source: true,
            ..ClusterConfig::new(0.0)
        };
        let groups = cluster(
            3,
            &[(0, 1, 9.0), (0, 2, 8.0)],
            |_, _| 9.0,
            |r| r.min(1),
            &cfg,
        );
        assert_eq!(groups, vec![vec![0, 1], vec![2]]);
    }
}
