//! Robust statistics the baselines are made of: median/MAD, the empirical upper-tail sketch
//! ([`Tail`], in its own module), and the Poisson and binomial tails used to judge "k events where
//! μ were expected".

pub use super::tail::Tail;
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
