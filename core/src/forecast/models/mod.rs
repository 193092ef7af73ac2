//! Point forecasts with a per-step error scale. Every model returns the same shape so that
//! intervals, backtests and replenishment treat them alike.
mod baseline;
mod ets;
mod intermittent;
mod seasonal_es;
mod seasonal_mean;
pub(crate) mod smoothing;

use super::error::ForecastError;
use super::spec::Method;

/// A model's forecast before intervals: the mean path and the standard deviation of the
/// forecast error at each step (from the model's own in-sample one-step errors).
#[derive(Debug, Clone, PartialEq)]
pub struct PointForecast {
    pub mean: Vec<f64>,
    pub sigma: Vec<f64>,
}

/// Fewest observations each method accepts for a primary season `m`.
pub fn min_history(method: Method, m: usize) -> usize {
    match method {
        Method::HistoricAverage
        | Method::SeasonalMean
        | Method::Croston
        | Method::Sba
        | Method::Tsb
        | Method::Adida => 1,
        Method::SeasonalNaive => m.max(1),
        Method::Ets => ets::MIN_ETS,
        Method::Mstl => (2 * m).max(ets::MIN_ETS),
        Method::SeasonalEs => 2 * m.max(1),
        Method::Auto => 1,
    }
}

/// Fit `method` on `y` (clean, non-negative) and forecast `h` steps. `seasons` lists the
/// seasonal periods, primary first; `prior` is a seasonal profile (length = primary season,
/// phase 0 = first forecast step) that seasonal-index methods shrink towards.
/// `Auto` is resolved by the caller, never here.
pub fn fit_predict(
    method: Method,
    y: &[f64],
    h: usize,
    seasons: &[usize],
    prior: Option<&[f64]>,
) -> Result<PointForecast, ForecastError> {
    let m = seasons.first().copied().unwrap_or(1).max(1);
    let need = min_history(method, m);
    if y.len() < need {
        return Err(ForecastError::TooShort {
            method: method.name(),
            need,
            got: y.len(),
        });
    }
    let mut fc = match method {
        Method::HistoricAverage => baseline::historic_average(y, h),
        Method::SeasonalNaive => baseline::seasonal_naive(y, h, m),
        Method::Ets => ets::auto_ets(y, h)?,
        Method::Mstl => ets::mstl(y, h, seasons)?,
        Method::SeasonalEs => seasonal_es::forecast(y, h, m, prior),
        Method::SeasonalMean => seasonal_mean::forecast(y, h, m, prior),
        Method::Croston => intermittent::croston(y, h, false),
        Method::Sba => intermittent::croston(y, h, true),
        Method::Tsb => intermittent::tsb(y, h),
        Method::Adida => intermittent::adida(y, h),
        Method::Auto => {
            return Err(ForecastError::UnknownMethod {
                name: "auto (unresolved)".into(),
            })
        }
    };
    // Demand is never negative: clip the mean, keep the error scale finite.
    fc.mean
        .iter_mut()
        .for_each(|v| *v = if v.is_finite() { v.max(0.0) } else { 0.0 });
    fc.sigma
        .iter_mut()
        .for_each(|s| *s = if s.is_finite() { s.max(0.0) } else { 0.0 });
    Ok(fc)
}

/// Root mean square of the finite values (0 when there are none).
pub(crate) fn rms(errors: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for e in errors.into_iter().filter(|e| e.is_finite()) {
        sum += e * e;
        n += 1;
    }
    if n == 0 {
        0.0
    } else {
        (sum / n as f64).sqrt()
    }
}

/// A flat forecast with constant error scale.
pub(crate) fn flat(value: f64, sigma: f64, h: usize) -> PointForecast {
    PointForecast {
        mean: vec![value; h],
        sigma: vec![sigma; h],
    }
}
