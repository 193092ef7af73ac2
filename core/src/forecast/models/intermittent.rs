//! The intermittent-demand family: most SKU-store days sell nothing, and a smoother on the raw
//! series would chase every zero. These forecast the demand *rate* instead.
use super::smoothing::{ses_fixed, ses_optimal};
use super::{flat, rms, PointForecast};

/// Croston's smoothing weight for sizes and intervals (the textbook and statsforecast default).
const CROSTON_ALPHA: f64 = 0.1;

/// Croston: smooth non-zero demand sizes and the intervals between them separately; the rate
/// is size / interval. `sba` applies the Syntetos–Boylan correction (1 − α/2) for its bias.
pub fn croston(y: &[f64], h: usize, sba: bool) -> PointForecast {
    let (sizes, intervals) = sizes_and_intervals(y);
    if sizes.is_empty() {
        return flat(0.0, 0.0, h);
    }
    let factor = if sba { 1.0 - CROSTON_ALPHA / 2.0 } else { 1.0 };
    let z = ses_fixed(&sizes, CROSTON_ALPHA).level;
    let p = ses_fixed(&intervals, CROSTON_ALPHA).level.max(1.0);
    let rate = factor * z / p;
    flat(rate, rate_sigma(y, rate), h)
}

/// TSB: smooth the probability of a demand every period (so it decays through long runs of
/// zeros) and the size on demand periods. Weights chosen on a small grid by in-sample error.
pub fn tsb(y: &[f64], h: usize) -> PointForecast {
    const GRID: [f64; 5] = [0.02, 0.05, 0.1, 0.2, 0.3];
    let mut best = (f64::INFINITY, 0.0);
    for &a_d in &GRID {
        for &a_z in &GRID {
            let (sse, rate) = tsb_run(y, a_d, a_z);
            if sse < best.0 - 1e-12 {
                best = (sse, rate);
            }
        }
    }
    flat(best.1, rate_sigma(y, best.1), h)
}

/// One TSB pass: (in-sample one-step SSE, final rate).
fn tsb_run(y: &[f64], a_d: f64, a_z: f64) -> (f64, f64) {
    let nonzero: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if nonzero.is_empty() {
        return (0.0, 0.0);
    }
    let mut d = nonzero.len() as f64 / y.len() as f64;
    let mut z = nonzero.iter().sum::<f64>() / nonzero.len() as f64;
    let mut sse = 0.0;
    for &v in y {
        let e = v - d * z;
        sse += e * e;
        if v > 0.0 {
            d += a_d * (1.0 - d);
            z += a_z * (v - z);
        } else {
            d -= a_d * d;
        }
    }
    (sse, d * z)
}

/// ADIDA: sum the series into buckets as long as the mean inter-demand interval, smooth the
/// buckets (where demand is no longer intermittent), and spread the level back evenly.
pub fn adida(y: &[f64], h: usize) -> PointForecast {
    let (sizes, intervals) = sizes_and_intervals(y);
    if sizes.is_empty() {
        return flat(0.0, 0.0, h);
    }
    let mean_interval = intervals.iter().sum::<f64>() / intervals.len() as f64;
    let k = (mean_interval.round() as usize).clamp(1, y.len());
    let start = y.len() % k; // buckets end at the last observation
    let buckets: Vec<f64> = y[start..].chunks(k).map(|c| c.iter().sum()).collect();
    let rate = ses_optimal(&buckets).level / k as f64;
    flat(rate, rate_sigma(y, rate), h)
}

/// Non-zero demand sizes and the number of periods since the previous demand (the first
/// interval counts from the start of the history).
fn sizes_and_intervals(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut last = -1isize;
    for (t, &v) in y.iter().enumerate() {
        if v > 0.0 {
            sizes.push(v);
            intervals.push((t as isize - last) as f64);
            last = t as isize;
        }
    }
    (sizes, intervals)
}

/// Error scale of a flat rate forecast: the spread of daily demand around it, with the
/// rate's own estimation error folded in (a flat model's error does not grow with h).
fn rate_sigma(y: &[f64], rate: f64) -> f64 {
    let n = y.len() as f64;
    rms(y.iter().map(|v| v - rate)) * (1.0 + 1.0 / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn croston_on_regular_demand_is_size_over_interval() {
        // demand of 6 every third day: sizes stay 6, intervals 3 (first is 3 too)
        let y = [0.0, 0.0, 6.0, 0.0, 0.0, 6.0, 0.0, 0.0, 6.0];
        let c = croston(&y, 2, false);
        assert!((c.mean[0] - 2.0).abs() < 1e-12);
        let s = croston(&y, 2, true);
        assert!((s.mean[0] - 1.9).abs() < 1e-12);
    }

    #[test]
    fn croston_hand_computed_update() {
        // sizes [4, 10] -> z = 4 + 0.1*(10-4) = 4.6 ; intervals [2, 3] -> p = 2 + 0.1*(3-2) = 2.1
        let y = [0.0, 4.0, 0.0, 0.0, 10.0];
        assert!((croston(&y, 1, false).mean[0] - 4.6 / 2.1).abs() < 1e-12);
    }

    #[test]
    fn tsb_decays_after_demand_stops() {
        let mut y = vec![3.0; 20];
        let live = tsb(&y, 1).mean[0];
        y.extend(std::iter::repeat_n(0.0, 20));
        let dying = tsb(&y, 1).mean[0];
        assert!((live - 3.0).abs() < 1e-9);
        assert!(dying < 0.5 * live, "rate {dying} should decay from {live}");
        // Croston ignores the zeros at the end and keeps the old rate
        assert!(croston(&y, 1, false).mean[0] > 2.0);
    }

    #[test]
    fn adida_on_regular_demand_recovers_the_rate() {
        let y: Vec<f64> = (0..24)
            .map(|t| if t % 4 == 3 { 8.0 } else { 0.0 })
            .collect();
        assert!((adida(&y, 3).mean[2] - 2.0).abs() < 1e-9);
    }

    #[test]
    fn no_demand_forecasts_zero() {
        for fc in [
            croston(&[0.0; 5], 2, true),
            tsb(&[0.0; 5], 2),
            adida(&[0.0; 5], 2),
        ] {
            assert_eq!(fc.mean, vec![0.0, 0.0]);
        }
    }
}
