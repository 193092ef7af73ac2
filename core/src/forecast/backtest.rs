//! Rolling-origin backtests: refit at several cut-off points in the history, forecast past
//! each, and compare with what happened. Used for the `auto` choice and by `pos.backtest`.
use super::auto::choose;
use super::metrics::{mase, rmsse, smape};
use super::models::{fit_predict, min_history};
use super::profile::rephase;
use super::spec::Method;

/// Where the origins go: `windows` cut-offs, the latest `horizon` before the end, each earlier
/// one `step` further back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origins {
    pub horizon: usize,
    pub windows: usize,
    pub step: usize,
}

impl Origins {
    /// Cut-off positions (training length) that leave at least `min_train` observations,
    /// latest first.
    pub fn cutoffs(&self, n: usize, min_train: usize) -> Vec<usize> {
        (0..self.windows)
            .filter_map(|k| n.checked_sub(self.horizon + k * self.step.max(1)))
            .filter(|&c| c >= min_train.max(1))
            .collect()
    }
}

/// Accuracy of one method over all windows it could be fitted in.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodScore {
    pub method: Method,
    /// Windows evaluated (0 = history too short for this method at any origin).
    pub windows: usize,
    pub mase: Option<f64>,
    pub smape: Option<f64>,
    pub rmsse: Option<f64>,
    /// Sum of squared errors over all windows and steps (what `auto` minimises).
    pub sse: f64,
}

/// Score each method over the rolling origins. Scaled metrics are averaged over the windows
/// where they are defined. `prior` is the seasonal profile for the full history.
pub fn backtest(
    y: &[f64],
    seasons: &[usize],
    methods: &[Method],
    origins: Origins,
    prior: Option<&[f64]>,
) -> Vec<MethodScore> {
    let m = seasons.first().copied().unwrap_or(1).max(1);
    methods
        .iter()
        .map(|&method| score(y, seasons, m, method, origins, prior))
        .collect()
}

fn score(
    y: &[f64],
    seasons: &[usize],
    m: usize,
    method: Method,
    origins: Origins,
    prior: Option<&[f64]>,
) -> MethodScore {
    let mut out = MethodScore {
        method,
        windows: 0,
        mase: None,
        smape: None,
        rmsse: None,
        sse: 0.0,
    };
    let (mut mases, mut smapes, mut rmsses) = (Vec::new(), Vec::new(), Vec::new());
    for cut in origins.cutoffs(y.len(), min_history(method, m)) {
        let (train, actual) = (&y[..cut], &y[cut..cut + origins.horizon]);
        let prior_at_cut = prior.map(|p| rephase(p, y.len() - cut));
        let prior_at_cut = prior_at_cut.as_deref();
        // `auto` is scored as a whole: its own choice is remade at every origin.
        let concrete = match method {
            Method::Auto => choose(train, origins.horizon, seasons, prior_at_cut),
            m => m,
        };
        let Ok(fc) = fit_predict(concrete, train, origins.horizon, seasons, prior_at_cut) else {
            continue;
        };
        out.windows += 1;
        out.sse += actual
            .iter()
            .zip(&fc.mean)
            .map(|(a, f)| (a - f).powi(2))
            .sum::<f64>();
        mases.extend(mase(train, actual, &fc.mean, m));
        smapes.extend(smape(actual, &fc.mean));
        rmsses.extend(rmsse(train, actual, &fc.mean));
    }
    (out.mase, out.smape, out.rmsse) = (avg(&mases), avg(&smapes), avg(&rmsses));
    out
}

fn avg(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The first method (the default) unless another, evaluated on as many windows, has a squared
/// error below `margin` times the best so far. A margin below 1 guards against picking noise:
/// on a few weeks of history the backtest winner is often just lucky. `None` when the default
/// could not be evaluated.
pub fn best(scores: &[MethodScore], margin: f64) -> Option<Method> {
    let default = scores.first().filter(|s| s.windows > 0)?;
    let mut chosen = default;
    let mut bar = default.sse * margin;
    for s in &scores[1..] {
        if s.windows == default.windows && s.sse < bar {
            chosen = s;
            bar = s.sse;
        }
    }
    Some(chosen.method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_step_back_from_the_end() {
        let o = Origins {
            horizon: 7,
            windows: 3,
            step: 7,
        };
        assert_eq!(o.cutoffs(30, 1), vec![23, 16, 9]);
        assert_eq!(o.cutoffs(30, 10), vec![23, 16]);
        assert!(o.cutoffs(6, 1).is_empty());
    }

    #[test]
    fn backtest_prefers_seasonal_naive_on_a_pure_pattern() {
        let y: Vec<f64> = (0..42)
            .map(|t| [1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0][t % 7])
            .collect();
        let o = Origins {
            horizon: 7,
            windows: 3,
            step: 7,
        };
        let scores = backtest(
            &y,
            &[7],
            &[Method::HistoricAverage, Method::SeasonalNaive],
            o,
            None,
        );
        assert_eq!(scores[1].sse, 0.0);
        assert_eq!(scores[1].windows, 3);
        assert!(scores[0].rmsse.unwrap() > 0.3);
        assert_eq!(scores[1].mase, None); // a perfect seasonal pattern has no seasonal-naive scale
        assert_eq!(best(&scores, 0.8), Some(Method::SeasonalNaive));
        // a challenger that is only slightly better does not replace the default
        let mut close = scores.clone();
        close[1].sse = 0.9 * close[0].sse;
        assert_eq!(best(&close, 0.8), Some(Method::HistoricAverage));
    }
}
