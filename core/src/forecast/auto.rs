//! The `auto` method: classify the demand, backtest a few candidates that suit the class, and
//! keep the default (the seasonal mean) unless a challenger clearly beats it. Any non-empty
//! history gets an answer: the seasonal mean needs no minimum length.
use super::backtest::{backtest, best, Origins};
use super::classify::{classify, DemandClass};
use super::models::min_history;
use super::spec::Method;

/// Rolling origins used for the choice.
const WINDOWS: usize = 3;
/// A challenger must cut the backtest squared error by 20% to replace the default.
pub const MARGIN: f64 = 0.8;
/// Seasons of history before ETS and MSTL may compete: with fewer, their extra parameters
/// fit noise (and cost a thousand times a seasonal mean).
const SEASONS_FOR_ETS: usize = 8;

/// Candidates for a series of this class and length, the default first.
pub fn candidates(class: DemandClass, n: usize, m: usize) -> Vec<Method> {
    let mut pool = vec![Method::SeasonalMean];
    if class.is_intermittent() {
        pool.extend([Method::Sba, Method::Tsb, Method::Adida]);
    } else {
        pool.extend([Method::SeasonalEs, Method::Tsb]);
        if n >= SEASONS_FOR_ETS * m.max(7) {
            pool.push(Method::Ets);
            if m > 1 {
                pool.push(Method::Mstl);
            }
        }
    }
    pool.retain(|&meth| n >= min_history(meth, m));
    pool
}

/// Pick the method for `y` forecasting `h` steps with seasons `seasons` and optional prior
/// seasonal profile.
pub fn choose(y: &[f64], h: usize, seasons: &[usize], prior: Option<&[f64]>) -> Method {
    let m = seasons.first().copied().unwrap_or(1).max(1);
    let class = classify(y).class;
    if class == DemandClass::NoDemand {
        return Method::SeasonalMean;
    }
    let cands = candidates(class, y.len(), m);
    let origins = Origins {
        horizon: h,
        windows: WINDOWS,
        step: (h / WINDOWS).max(1),
    };
    best(&backtest(y, seasons, &cands, origins, prior), MARGIN).unwrap_or(Method::SeasonalMean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intermittent_series_get_intermittent_candidates() {
        let y: Vec<f64> = (0..42)
            .map(|t| if t % 5 == 0 { 3.0 } else { 0.0 })
            .collect();
        let chosen = choose(&y, 7, &[7], None);
        assert!(
            candidates(DemandClass::Intermittent, 42, 7).contains(&chosen),
            "{chosen:?}"
        );
        assert!(!candidates(DemandClass::Intermittent, 400, 7).contains(&Method::Ets));
        assert!(candidates(DemandClass::Smooth, 56, 7).contains(&Method::Mstl));
    }

    #[test]
    fn a_clear_trend_replaces_the_default() {
        let y: Vec<f64> = (0..70).map(|t| 10.0 + 3.0 * t as f64).collect();
        assert_ne!(choose(&y, 7, &[7], None), Method::SeasonalMean);
    }

    #[test]
    fn very_short_history_uses_the_default() {
        assert_eq!(choose(&[2.0, 3.0], 7, &[7], None), Method::SeasonalMean);
        assert_eq!(choose(&[0.0; 9], 7, &[7], None), Method::SeasonalMean);
    }
}
