//! Demand forecasting for retail series: point forecasts with prediction intervals, model
//! choice by backtest, accuracy metrics, batch runs across cores and replenishment math.
//!
//! Series are daily (or hourly) demand, oldest first, non-negative. Most SKU-store series are
//! intermittent, so the intermittent family (Croston, SBA, TSB, ADIDA) and count-aware intervals
//! are first-class rather than afterthoughts.
pub mod auto;
pub mod backtest;
pub mod batch;
pub mod classify;
mod error;
pub mod intervals;
pub mod metrics;
pub mod models;
pub mod profile;
pub mod reorder;
mod spec;

pub use error::{ForecastError, MAX_HORIZON, MAX_SEASON, MAX_VALUE};
pub use spec::{check_level, clean_history, Method, Spec};

/// A finished forecast: the method that made it, the mean path, its error scale and the
/// interval bounds at the requested level.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub method: Method,
    pub mean: Vec<f64>,
    pub sigma: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// Forecast a clean history (see [`clean_history`]) as `spec` asks. `auto` resolves to a
/// concrete method, reported in the result.
pub fn forecast(y: &[f64], spec: &Spec) -> Result<Forecast, ForecastError> {
    forecast_with_prior(y, spec, None)
}

/// [`forecast`] with a prior seasonal profile (e.g. the store's, from
/// [`profile::group_profile`]) that seasonal-index methods shrink a short history towards.
pub fn forecast_with_prior(
    y: &[f64],
    spec: &Spec,
    prior: Option<&[f64]>,
) -> Result<Forecast, ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::Empty);
    }
    let method = match spec.method {
        Method::Auto => auto::choose(y, spec.horizon, &spec.seasons, prior),
        m => m,
    };
    let point = models::fit_predict(method, y, spec.horizon, &spec.seasons, prior)?;
    let b = intervals::bounds(&point, spec.level, intervals::is_count_data(y));
    Ok(Forecast {
        method,
        mean: point.mean,
        sigma: point.sigma,
        lo: b.lo,
        hi: b.hi,
    })
}

#[cfg(test)]
mod tests;
