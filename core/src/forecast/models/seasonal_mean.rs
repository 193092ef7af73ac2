//! Seasonal mean: the mean of the last few whole seasons times a shrunk seasonal index. On short
//! retail histories the level barely moves while daily noise is large, so averaging beats
//! chasing the last value; the index carries the weekday (or hour-of-day) shape.
use super::PointForecast;
use crate::forecast::profile::{phase, shrunk_index};

/// Whole seasons averaged (at least `MIN_WINDOW` observations).
const SEASONS: usize = 8;
const MIN_WINDOW: usize = 28;

/// Forecast `h` steps with season `m`, the index shrunk towards `prior` (flat when `None`).
pub fn forecast(y: &[f64], h: usize, m: usize, prior: Option<&[f64]>) -> PointForecast {
    let window = window(y, m);
    let n = window.len();
    let index = shrunk_index(window, m, prior);
    let at = |t: usize| index[phase(t, n, m.max(1)) % index.len()];
    let mean_index = (0..n).map(at).sum::<f64>() / n as f64;
    let level = window.iter().sum::<f64>() / n as f64 / mean_index;
    let spread = super::rms(window.iter().enumerate().map(|(t, v)| v / at(t) - level));
    let widen = (1.0 + 1.0 / n as f64).sqrt();
    let mean = (0..h).map(|i| level * at(n + i)).collect();
    let sigma = (0..h).map(|i| spread * widen * at(n + i)).collect();
    PointForecast { mean, sigma }
}

/// The last `max(SEASONS·m, MIN_WINDOW)` values, cut to whole seasons when there is one.
fn window(y: &[f64], m: usize) -> &[f64] {
    let m = m.max(1);
    let mut len = y.len().min((SEASONS * m).max(MIN_WINDOW));
    if len >= m {
        len -= len % m;
    }
    &y[y.len() - len..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_history_is_its_mean() {
        let fc = forecast(&[2.0, 4.0, 6.0], 2, 1, None);
        assert_eq!(fc.mean, vec![4.0, 4.0]);
    }

    #[test]
    fn uses_only_the_recent_whole_seasons() {
        // 100 old days at 50, then 8 weeks at 10: the old level is outside the window
        let mut y = vec![50.0; 100];
        y.extend(std::iter::repeat_n(10.0, 56));
        assert_eq!(forecast(&y, 3, 7, None).mean, vec![10.0; 3]);
    }

    #[test]
    fn weekly_shape_on_a_best_seller() {
        let y: Vec<f64> = (0..28)
            .map(|t| if t % 7 == 6 { 200.0 } else { 100.0 })
            .collect();
        let fc = forecast(&y, 7, 7, None);
        // position 27 is the peak day, so the peak comes back at step 7 (t = 34)
        assert!(fc.mean[6] > 1.8 * fc.mean[0], "{:?}", fc.mean);
        let week: f64 = fc.mean.iter().sum();
        assert!((week - 800.0).abs() < 1e-6, "weekly total {week}");
    }
}
