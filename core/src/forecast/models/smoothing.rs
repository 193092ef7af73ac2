//! Simple exponential smoothing with the smoothing weight chosen by in-sample one-step error.
//! It is the engine under Croston, ADIDA and the seasonal-index model.

/// A fitted simple exponential smoother.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ses {
    pub alpha: f64,
    /// Level after the last observation = the flat forecast.
    pub level: f64,
    /// RMS of the in-sample one-step errors.
    pub sigma: f64,
}

impl Ses {
    /// Error scale `h` steps ahead for a local-level model: σ·√(1 + (h−1)α²).
    pub fn sigma_at(&self, h: usize) -> f64 {
        self.sigma * (1.0 + (h as f64 - 1.0) * self.alpha * self.alpha).sqrt()
    }
}

/// Smooth `y` with a fixed `alpha`, starting from the first value.
pub fn ses_fixed(y: &[f64], alpha: f64) -> Ses {
    let mut level = y[0];
    let (mut sse, mut n) = (0.0, 0usize);
    for &v in &y[1..] {
        let e = v - level;
        sse += e * e;
        n += 1;
        level += alpha * e;
    }
    let sigma = if n == 0 { 0.0 } else { (sse / n as f64).sqrt() };
    Ses {
        alpha,
        level,
        sigma,
    }
}

/// Smooth `y` with the `alpha` in [0.02, 0.98] that minimises in-sample one-step squared error
/// (coarse grid, then a finer one around the best: cheap and deterministic).
pub fn ses_optimal(y: &[f64]) -> Ses {
    let mut best = ses_fixed(y, 0.1);
    for i in 1..=49 {
        let fit = ses_fixed(y, i as f64 * 0.02);
        if fit.sigma < best.sigma - 1e-12 {
            best = fit;
        }
    }
    let centre = best.alpha;
    for i in -4..=4 {
        let a = centre + i as f64 * 0.005;
        if (0.01..=0.99).contains(&a) {
            let fit = ses_fixed(y, a);
            if fit.sigma < best.sigma - 1e-12 {
                best = fit;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_alpha_matches_hand_computation() {
        // level: 10 -> 10 + 0.5*(20-10) = 15 -> 15 + 0.5*(5-15) = 10
        let s = ses_fixed(&[10.0, 20.0, 5.0], 0.5);
        assert!((s.level - 10.0).abs() < 1e-12);
        assert!((s.sigma - ((100.0 + 100.0) / 2.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn random_walk_prefers_high_alpha_and_noise_low_alpha() {
        let walk: Vec<f64> = (0..60).map(|t| (t as f64) * 3.0).collect();
        assert!(ses_optimal(&walk).alpha > 0.9);
        let noise: Vec<f64> = (0..60)
            .map(|t| if t % 2 == 0 { 9.0 } else { 11.0 })
            .collect();
        assert!(ses_optimal(&noise).alpha < 0.3);
    }
}
