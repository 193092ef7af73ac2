//! Seasonal profiles (multiplicative indices per phase of the season). A single slow mover
//! cannot show its own weekday pattern in a few weeks, but its store can: indices are shrunk
//! towards a prior profile — the store's, in a batch, or flat — by a number of pseudo units of
//! demand, so a best seller keeps its own pattern and a slow mover borrows its store's.

/// Units of demand a series needs before its own pattern weighs as much as the prior.
pub const PSEUDO_UNITS: f64 = 60.0;
/// Smallest index kept, so that dividing by an index stays finite.
const MIN_INDEX: f64 = 0.05;

/// Phase of position `t` in a history of `n` values with season `m`, counted from the end:
/// the first forecast step (`t = n`) is phase 0, so histories ending on the same day agree.
pub fn phase(t: usize, n: usize, m: usize) -> usize {
    (t + m - n % m) % m
}

/// Pooled profile of several histories that end on the same day: mean demand per phase over
/// the whole seasons of all of them, normalised to mean 1. `None` when there is no demand or no
/// season.
pub fn group_profile<'a>(
    series: impl IntoIterator<Item = &'a [f64]>,
    m: usize,
) -> Option<Vec<f64>> {
    if m <= 1 {
        return None;
    }
    let (mut sum, mut count) = (vec![0.0; m], vec![0.0; m]);
    for y in series {
        // whole seasons only, so that every phase counts the same days of each series
        let y = &y[y.len() % m..];
        for (t, v) in y.iter().enumerate() {
            sum[phase(t, y.len(), m)] += v;
            count[phase(t, y.len(), m)] += 1.0;
        }
    }
    let raw: Vec<f64> = sum
        .iter()
        .zip(&count)
        .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
        .collect();
    normalise(raw)
}

/// The series' own index shrunk towards `prior` (flat when `None`): per phase,
/// (sum + κ·mean·prior) / (count + κ) / mean with κ = PSEUDO_UNITS / mean, renormalised.
pub fn shrunk_index(y: &[f64], m: usize, prior: Option<&[f64]>) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n.max(1) as f64;
    let flat = vec![1.0; m.max(1)];
    let prior = prior.filter(|p| p.len() == m).unwrap_or(&flat);
    if m <= 1 || mean <= 0.0 {
        return prior.to_vec();
    }
    let kappa = PSEUDO_UNITS / mean;
    let (mut sum, mut count) = (vec![0.0; m], vec![0.0; m]);
    for (t, v) in y.iter().enumerate() {
        sum[phase(t, n, m)] += v;
        count[phase(t, n, m)] += 1.0;
    }
    let raw = (0..m)
        .map(|j| (sum[j] + kappa * mean * prior[j]) / (count[j] + kappa) / mean)
        .collect();
    normalise(raw).unwrap_or(flat)
}

/// `prior` re-phased for a history cut `dropped` values before its end (as in a backtest):
/// phase 0 moves to the first dropped position.
pub fn rephase(prior: &[f64], dropped: usize) -> Vec<f64> {
    let m = prior.len();
    (0..m).map(|j| prior[(j + m - dropped % m) % m]).collect()
}

fn normalise(raw: Vec<f64>) -> Option<Vec<f64>> {
    let mean = raw.iter().sum::<f64>() / raw.len() as f64;
    (mean > 0.0 && mean.is_finite())
        .then(|| raw.iter().map(|r| (r / mean).max(MIN_INDEX)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_count_from_the_end() {
        // n = 10, m = 7: t = 10 is phase 0, so t = 3 is phase 0 too and t = 9 is phase 6
        assert_eq!(
            (phase(3, 10, 7), phase(9, 10, 7), phase(10, 10, 7)),
            (0, 6, 0)
        );
    }

    #[test]
    fn rephase_moves_phase_zero_to_the_cut() {
        // prior for a history of length 10; cutting 3 values makes old phase 4 the new phase 0
        let prior = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(rephase(&prior, 3)[0], 4.0);
        assert_eq!(phase(7, 10, 7), 4);
        assert_eq!(rephase(&prior, 7), prior.to_vec());
    }

    #[test]
    fn group_profile_pools_aligned_histories() {
        let a = [1.0, 3.0, 1.0, 3.0];
        let b = [3.0, 1.0, 3.0, 1.0, 3.0]; // one day longer, same calendar at the end
        let p = group_profile([&a[..], &b[..]], 2).unwrap();
        // phase 0 (the day after the end) = the "1" days: mean 2/3 of the "3" days
        assert!(
            (p[0] - 0.5).abs() < 0.05 && (p[1] - 1.5).abs() < 0.05,
            "{p:?}"
        );
    }

    #[test]
    fn slow_movers_borrow_the_prior_and_best_sellers_keep_their_own() {
        let prior = [0.5, 1.5];
        let slow = [0.0, 1.0, 0.0, 0.0]; // 1 unit: almost all prior
        let s = shrunk_index(&slow, 2, Some(&prior));
        assert!((s[0] - 0.5).abs() < 0.05, "{s:?}");
        let fast: Vec<f64> = (0..40)
            .map(|t| if t % 2 == 0 { 1000.0 } else { 0.0 })
            .collect();
        let f = shrunk_index(&fast, 2, Some(&prior));
        assert!(f[0] > 1.9, "{f:?}"); // own pattern: everything on phase 0
        assert_eq!(shrunk_index(&[0.0; 4], 2, Some(&prior)), prior.to_vec());
    }
}
