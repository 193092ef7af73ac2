//! ETS and MSTL through augurs. augurs' ETS has no seasonal component (seasonal specs panic),
//! so ETS here is non-seasonal and seasonality goes through MSTL's decomposition.
use std::panic::{catch_unwind, AssertUnwindSafe};

use augurs::ets::{trend::AutoETSTrendModel, AutoETS};
use augurs::mstl::MSTLModel;
use augurs::{Fit, Forecast, Predict};

use super::{flat, PointForecast};
use crate::forecast::error::ForecastError;

/// augurs refuses fewer than `npars + 5` points; a damped-trend search has 4 parameters.
pub const MIN_ETS: usize = 9;
/// The interval level asked from augurs only to read back its error scale.
const PROBE_LEVEL: f64 = 0.95;
const PROBE_Z: f64 = 1.959_963_984_540_054;

/// AutoETS (error/trend/damping chosen by AICc) on the series.
pub fn auto_ets(y: &[f64], h: usize) -> Result<PointForecast, ForecastError> {
    if let Some(c) = constant(y) {
        return Ok(flat(c, 0.0, h));
    }
    guarded("ets", || {
        let fitted = AutoETS::non_seasonal().fit(y).map_err(|e| e.to_string())?;
        fitted.predict(h, PROBE_LEVEL).map_err(|e| e.to_string())
    })
}

/// MSTL with an AutoETS trend. Periods the history cannot show twice are dropped; with none
/// left this is plain AutoETS.
pub fn mstl(y: &[f64], h: usize, seasons: &[usize]) -> Result<PointForecast, ForecastError> {
    let periods: Vec<usize> = seasons
        .iter()
        .copied()
        .filter(|&p| p > 1 && y.len() >= 2 * p)
        .collect();
    if periods.is_empty() || constant(y).is_some() {
        return auto_ets(y, h);
    }
    guarded("mstl", || {
        let trend = AutoETSTrendModel::from(AutoETS::non_seasonal());
        let fitted = MSTLModel::new(periods, trend)
            .fit(y)
            .map_err(|e| e.to_string())?;
        fitted.predict(h, PROBE_LEVEL).map_err(|e| e.to_string())
    })
}

/// Run an augurs fit, turning both its errors and any panic into a [`ForecastError`].
fn guarded(
    method: &'static str,
    run: impl FnOnce() -> Result<Forecast, String>,
) -> Result<PointForecast, ForecastError> {
    let out = catch_unwind(AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err("the model library panicked".into()));
    let fc = out.map_err(|detail| ForecastError::Model { method, detail })?;
    let sigma = match &fc.intervals {
        Some(iv) => iv
            .upper
            .iter()
            .zip(&iv.lower)
            .map(|(u, l)| (u - l) / (2.0 * PROBE_Z))
            .collect(),
        None => vec![0.0; fc.point.len()],
    };
    if fc.point.iter().any(|v| !v.is_finite()) {
        return Err(ForecastError::Model {
            method,
            detail: "non-finite forecast".into(),
        });
    }
    Ok(PointForecast {
        mean: fc.point,
        sigma,
    })
}

/// The value of a constant series (no model can estimate a variance from it).
fn constant(y: &[f64]) -> Option<f64> {
    y.iter().all(|v| *v == y[0]).then_some(y[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ets_follows_a_linear_trend() {
        let y: Vec<f64> = (0..40)
            .map(|t| 10.0 + 2.0 * t as f64 + if t % 2 == 0 { 0.3 } else { -0.3 })
            .collect();
        let fc = auto_ets(&y, 3).unwrap();
        for (i, v) in fc.mean.iter().enumerate() {
            let want = 10.0 + 2.0 * (40 + i) as f64;
            assert!((v - want).abs() < 2.0, "step {i}: {v} vs {want}");
        }
    }

    #[test]
    fn mstl_recovers_a_weekly_pattern() {
        let pattern = [5.0, 5.0, 5.0, 5.0, 8.0, 12.0, 3.0];
        let y: Vec<f64> = (0..56)
            .map(|t| pattern[t % 7] + 0.1 * ((t * 37 % 11) as f64 - 5.0) / 5.0)
            .collect();
        let fc = mstl(&y, 7, &[7]).unwrap();
        for (i, v) in fc.mean.iter().enumerate() {
            assert!((v - pattern[(56 + i) % 7]).abs() < 0.6, "step {i}: {v}");
        }
    }

    #[test]
    fn constant_series_is_flat_without_error() {
        let fc = auto_ets(&[4.0; 12], 2).unwrap();
        assert_eq!(fc, flat(4.0, 0.0, 2));
    }
}
