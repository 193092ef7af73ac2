//! The two benchmarks every forecast must beat: the mean of the history and last season's value.
use super::{flat, rms, PointForecast};

/// Mean of the whole history. Error scale: residual spread plus the mean's own uncertainty.
pub fn historic_average(y: &[f64], h: usize) -> PointForecast {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sd = rms(y.iter().map(|v| v - mean)) * (n / (n - 1.0).max(1.0)).sqrt();
    flat(mean, sd * (1.0 + 1.0 / n).sqrt(), h)
}

/// Repeat the last full season (`m = 1`: the last value). Error scale grows with the number
/// of whole seasons ahead, as for a seasonal random walk.
pub fn seasonal_naive(y: &[f64], h: usize, m: usize) -> PointForecast {
    let n = y.len();
    let sd = rms((m..n).map(|t| y[t] - y[t - m]));
    let mean = (0..h).map(|i| y[n - m + i % m]).collect();
    let sigma = (0..h).map(|i| sd * ((i / m + 1) as f64).sqrt()).collect();
    PointForecast { mean, sigma }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn historic_average_is_the_mean() {
        let fc = historic_average(&[1.0, 2.0, 3.0, 6.0], 3);
        assert_eq!(fc.mean, vec![3.0; 3]);
        // sample sd of 1,2,3,6 = sqrt(14/3); times sqrt(1 + 1/4)
        assert!((fc.sigma[0] - (14.0f64 / 3.0).sqrt() * 1.25f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn seasonal_naive_repeats_last_season() {
        let y = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        let fc = seasonal_naive(&y, 5, 3);
        assert_eq!(fc.mean, vec![10.0, 20.0, 30.0, 10.0, 20.0]);
        // errors 9, 18, 27 -> rms = 9*sqrt(14/3); second season doubles the variance
        let sd = 9.0 * (14.0f64 / 3.0).sqrt();
        assert!((fc.sigma[0] - sd).abs() < 1e-9);
        assert!((fc.sigma[3] - sd * 2f64.sqrt()).abs() < 1e-9);
    }
}
