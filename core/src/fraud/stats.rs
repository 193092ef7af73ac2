//! Robust statistics the baselines are made of: median/MAD, an empirical upper-tail sketch, and
//! the Poisson tail used to judge "k events where μ were expected".

use serde::{Deserialize, Serialize};
use statrs::function::factorial::ln_factorial;
use statrs::function::gamma::checked_gamma_lr;

pub fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

/// Median and the MAD scaled to a normal σ (×1.4826).
pub fn median_mad(xs: &[f64]) -> (f64, f64) {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let m = median(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    (m, 1.4826 * median(&mut dev))
}

/// The honest distribution of one non-negative feature, kept as the share of positive values and
/// quantiles of the positive part: enough to answer "how rare is a value this large?". The
/// default is the tail of no history at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    pub n: u64,
    pub positive: u64,
    /// Quantiles of the positive values at probabilities (k+0.5)/len, ascending.
    pub q: Vec<f64>,
}

const TAIL_POINTS: usize = 48;

impl Tail {
    pub fn fit(xs: &[f64]) -> Tail {
        let mut pos: Vec<f64> = xs
            .iter()
            .copied()
            .filter(|x| *x > 0.0 && x.is_finite())
            .collect();
        pos.sort_by(|a, b| a.total_cmp(b));
        let q = if pos.is_empty() {
            vec![]
        } else {
            (0..TAIL_POINTS)
                .map(|k| {
                    pos[(((k as f64 + 0.5) / TAIL_POINTS as f64) * pos.len() as f64) as usize
                        % pos.len()]
                })
                .collect()
        };
        Tail {
            n: xs.len() as u64,
            positive: pos.len() as u64,
            q,
        }
    }

    /// P(X ≥ x) under the honest distribution. Within the history's range it is read from the
    /// quantiles, never below 1/(2(n+1)); beyond the largest value seen it decays exponentially
    /// (scale: the spread of the upper half), floored at 1/(2(n+1))² — a value far beyond
    /// anything seen is rarer than the history can count, but not infinitely rare.
    pub fn survival(&self, x: f64) -> f64 {
        let floor = 0.5 / (self.n as f64 + 1.0);
        if x <= 0.0 {
            return 1.0;
        }
        let p_pos = (self.positive as f64 + 0.5) / (self.n as f64 + 1.0);
        if self.q.is_empty() {
            return floor.max(p_pos.min(floor * 2.0));
        }
        // Share of positive values ≥ x, by the quantile grid (ties count as ≥).
        let len = self.q.len() as f64;
        let above = self.q.iter().filter(|&&v| v >= x).count() as f64;
        if above > 0.0 {
            return (p_pos * (above - 0.5).max(0.5) / len).max(floor);
        }
        // Beyond the largest value seen: an exponential tail whose scale is the spread of the
        // upper half, so "a little beyond" is rare but not "as rare as the history can tell".
        let top = self.q[self.q.len() - 1];
        let mid = self.q[self.q.len() / 2];
        let scale = ((top - mid) / (len / 2.0).ln()).max(top * 0.05).max(1e-9);
        (p_pos * 0.5 / len * (-(x - top) / scale).exp()).max(floor * floor)
    }

    /// −ln P(X ≥ x): the evidence a value carries against "this is honest", in nats.
    pub fn surprise(&self, x: f64) -> f64 {
        -self.survival(x).ln()
    }

    /// Shrinks a small store's tail toward its peer group (the chain): survival is blended with
    /// weight n/(n+strength), so a new store inherits the chain's sense of rarity.
    pub fn survival_shrunk(&self, prior: Option<&Tail>, strength: f64, x: f64) -> f64 {
        match prior {
            Some(p) if p.n > 0 => {
                let w = self.n as f64 / (self.n as f64 + strength);
                w * self.survival(x) + (1.0 - w) * p.survival(x)
            }
            _ => self.survival(x),
        }
    }
}

/// −ln P(X ≥ k) for X ~ Poisson(μ): how surprising k or more events are when μ were expected.
/// P(X ≥ k) is the regularized lower incomplete gamma P(k, μ) (statrs). Summing the pmf from
/// e^{−μ} underflowed past μ ≈ 745 (a store's month of hits), which made any count look
/// ordinary.
pub fn poisson_surprise(k: u32, mu: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let mu = mu.max(1e-9);
    // An infinite μ (no history to divide by) makes every count ordinary.
    let tail = checked_gamma_lr(f64::from(k), mu).unwrap_or(1.0);
    if tail > 1e-12 {
        return -tail.ln();
    }
    // Far in the tail: P(X ≥ k) ≈ P(X = k) = e^{−μ} μ^k / k!.
    mu - f64::from(k) * mu.ln() + ln_factorial(u64::from(k))
}

/// −ln P(X ≥ k) for X ~ Binomial(n, p): how surprising k or more "successes" out of n are.
pub fn binomial_surprise(k: u32, n: u32, p: f64) -> f64 {
    if k == 0 || n == 0 {
        return 0.0;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    let k = k.min(n);
    // ln C(n, i) p^i (1−p)^(n−i), summed from k to n with log-sum-exp. ln m! comes from statrs
    // (a table, then ln Γ): summing logs per term made a basket of n lines cost O(n²), seconds
    // for a wholesale order of 20 000 lines, on the ingest path's fraud gate.
    let ln_fact = |m: u32| -> f64 { ln_factorial(u64::from(m)) };
    let terms: Vec<f64> = (k..=n)
        .map(|i| {
            ln_fact(n) - ln_fact(i) - ln_fact(n - i)
                + f64::from(i) * p.ln()
                + f64::from(n - i) * (1.0 - p).ln()
        })
        .collect();
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ln_tail = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
    (-ln_tail).max(0.0)
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_ignore_outliers() {
        let (m, s) = median_mad(&[1.0, 2.0, 3.0, 4.0, 1000.0]);
        assert_eq!(m, 3.0);
        assert!((s - 1.4826).abs() < 1e-9);
    }

    #[test]
    fn tail_survival_is_monotone_and_floored() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| {
                if i % 10 == 0 {
                    f64::from(i % 70) + 1.0
                } else {
                    0.0
                }
            })
            .collect();
        let t = Tail::fit(&xs);
        assert_eq!(t.survival(0.0), 1.0);
        let (a, b, c) = (t.survival(1.0), t.survival(30.0), t.survival(500.0));
        assert!(a > b && b > c, "{a} {b} {c}");
        assert!((a - 0.1).abs() < 0.02, "{a}");
        let floor = 0.5 / 1001.0;
        assert!(c < floor && c >= floor * floor, "{c}");
        assert!(t.survival(1e9) == floor * floor);
    }

    #[test]
    fn poisson_surprise_matches_known_values() {
        // P(X ≥ 1 | μ=1) = 1 − e^{−1}
        assert!((poisson_surprise(1, 1.0) - -(1.0 - (-1.0f64).exp()).ln()).abs() < 1e-9);
        assert_eq!(poisson_surprise(0, 3.0), 0.0);
        assert!(poisson_surprise(8, 0.5) > poisson_surprise(4, 0.5));
        assert!(poisson_surprise(60, 0.1).is_finite());
        // P(X ≥ 3 | μ=2) = 1 − 5e^{−2}.
        let p = 1.0 - 5.0 * (-2.0f64).exp();
        assert!((poisson_surprise(3, 2.0) + p.ln()).abs() < 1e-9);
    }

    /// Past μ ≈ 745, e^{−μ} is 0 in f64: the pmf sum said P(X ≥ k) = 1 for any k.
    #[test]
    fn poisson_surprise_for_large_means() {
        // 1000 expected, 1100 seen: z ≈ 3.16, −ln P ≈ 6.6.
        let s = poisson_surprise(1_100, 1_000.0);
        assert!((5.5..7.5).contains(&s), "{s}");
        assert!(poisson_surprise(3_000, 1_000.0) > 500.0);
        assert!(poisson_surprise(900, 1_000.0) < 0.01);
        assert_eq!(poisson_surprise(5, f64::INFINITY), 0.0);
    }

    #[test]
    fn binomial_surprise_matches_known_values() {
        // P(X ≥ 1 | n=2, p=0.5) = 0.75; P(X ≥ 2) = 0.25.
        assert!((binomial_surprise(1, 2, 0.5) - -(0.75f64).ln()).abs() < 1e-9);
        assert!((binomial_surprise(2, 2, 0.5) - -(0.25f64).ln()).abs() < 1e-9);
        assert_eq!(binomial_surprise(0, 5, 0.1), 0.0);
        assert!(binomial_surprise(9, 12, 0.1) > binomial_surprise(3, 12, 0.1));
        assert!(binomial_surprise(3, 12, 0.1) > binomial_surprise(3, 30, 0.1));
        assert!(binomial_surprise(200, 200, 0.01).is_finite());
    }

    /// A wholesale basket of 50 000 lines: the tail sum is linear in n (it was quadratic, about
    /// 7.5·10⁹ logarithms here, minutes), and the value matches the normal approximation's.
    #[test]
    fn binomial_surprise_of_a_huge_basket() {
        let s = binomial_surprise(5_500, 50_000, 0.1);
        // 500 above a mean of 5000 with σ ≈ 67: z ≈ 7.45, −ln P ≈ 30.
        assert!((25.0..35.0).contains(&s), "{s}");
        assert!((binomial_surprise(5_000, 50_000, 0.1) - 0.69).abs() < 0.05);
    }
}
