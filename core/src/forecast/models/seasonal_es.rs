//! Seasonal-index smoothing: divide each value by its (shrunk) seasonal index, smooth the level
//! with simple exponential smoothing, put the index back. Unlike the seasonal mean it follows
//! level shifts, at the price of more noise on short histories.
use super::smoothing::ses_optimal;
use super::PointForecast;
use crate::forecast::profile::{phase, shrunk_index};

/// Forecast `h` steps with season `m` (the caller ensures `2m` observations), the index shrunk
/// towards `prior` (flat when `None`). `m = 1` is plain simple exponential smoothing.
pub fn forecast(y: &[f64], h: usize, m: usize, prior: Option<&[f64]>) -> PointForecast {
    let (n, m) = (y.len(), m.max(1));
    let index = shrunk_index(y, m, prior);
    let at = |t: usize| index[phase(t, n, m) % index.len()];
    let adjusted: Vec<f64> = y.iter().enumerate().map(|(t, v)| v / at(t)).collect();
    let ses = ses_optimal(&adjusted);
    let mean = (0..h).map(|i| ses.level * at(n + i)).collect();
    // Error scale in original units: the adjusted-scale sigma times the step's index.
    let sigma = (0..h).map(|i| ses.sigma_at(i + 1) * at(n + i)).collect();
    PointForecast { mean, sigma }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_level_shift_with_the_weekly_shape() {
        // weekends double; the level steps from 10 to 30 for the last three weeks
        let y: Vec<f64> = (0..56)
            .map(|t| if t % 7 >= 5 { 2.0 } else { 1.0 } * if t >= 35 { 30.0 } else { 10.0 })
            .collect();
        let fc = forecast(&y, 7, 7, None);
        let (weekday, weekend) = (fc.mean[0], fc.mean[5]); // t = 56 is phase 0 = day 0
        assert!(weekday > 25.0 && weekday < 40.0, "{weekday}"); // the old level was 10
        assert!(weekend > 1.5 * weekday, "{weekday} {weekend}");
    }

    #[test]
    fn season_one_is_plain_smoothing() {
        let y = [3.0, 5.0, 4.0, 6.0, 5.0];
        assert_eq!(
            forecast(&y, 2, 1, None).mean,
            vec![ses_optimal(&y).level; 2]
        );
    }
}
