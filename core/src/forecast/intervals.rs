//! Prediction intervals from a point forecast and its error scale. Unit sales are counts and
//! mostly small: a normal interval around 0.3 units a day says "−0.8 to 1.4", so count data get
//! quantiles of a negative binomial (Poisson when there is no over-dispersion) with the same mean
//! and variance; other data get normal quantiles. Both are clipped at zero.
use statrs::distribution::{ContinuousCDF, Normal};

use super::models::PointForecast;

/// Above this mean a count distribution is indistinguishable from a normal one with the same
/// mean and variance (see [`count_normal_bounds`]), and cheaper.
const COUNT_NORMAL_SWITCH: f64 = 1_000.0;

/// Lower and upper bounds at central probability `level`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// True when every value is a non-negative whole number (unit sales, transaction counts).
pub fn is_count_data(y: &[f64]) -> bool {
    y.iter().all(|v| *v >= 0.0 && v.fract() == 0.0)
}

/// Bounds for each step of `fc` at `level` (checked by the caller to be inside (0, 1)).
pub fn bounds(fc: &PointForecast, level: f64, count_data: bool) -> Bounds {
    let tail = (1.0 - level) / 2.0;
    // Flat forecasts repeat the same (mean, sigma): remember the last answer.
    let mut last: Option<((f64, f64), (f64, f64))> = None;
    let (lo, hi) = fc
        .mean
        .iter()
        .zip(&fc.sigma)
        .map(|(&mu, &sd)| {
            if let Some((key, answer)) = last {
                if key == (mu, sd) {
                    return answer;
                }
            }
            let (lo, hi) = if count_data && mu < COUNT_NORMAL_SWITCH {
                count_bounds(mu, sd, tail)
            } else if count_data {
                count_normal_bounds(mu, sd, tail)
            } else {
                normal_bounds(mu, sd, tail)
            };
            // An integer quantile can fall on the far side of a fractional mean.
            let answer = (lo.min(mu.max(0.0)), hi.max(mu.max(0.0)));
            last = Some(((mu, sd), answer));
            answer
        })
        .unzip();
    Bounds { lo, hi }
}

/// Normal quantiles, clipped at zero.
fn normal_bounds(mu: f64, sd: f64, tail: f64) -> (f64, f64) {
    if sd <= 0.0 {
        return (mu.max(0.0), mu.max(0.0));
    }
    let z = Normal::standard().inverse_cdf(1.0 - tail);
    ((mu - z * sd).max(0.0), (mu + z * sd).max(0.0))
}

/// Negative-binomial (or Poisson) quantiles with mean `mu` and variance `max(sd², mu)`.
fn count_bounds(mu: f64, sd: f64, tail: f64) -> (f64, f64) {
    if mu <= 0.0 && sd <= 0.0 {
        return (0.0, 0.0);
    }
    let mu = mu.max(1e-6);
    match count_quantiles(mu, sd * sd, tail, 1.0 - tail) {
        Some(b) => b,
        None => count_normal_bounds(mu, sd, tail),
    }
}

/// Normal approximation of the count distribution: variance `max(sd², mu)` as for the exact
/// quantiles (a model error below the Poisson spread does not narrow the interval), bounds
/// rounded outward to whole units.
fn count_normal_bounds(mu: f64, sd: f64, tail: f64) -> (f64, f64) {
    let (lo, hi) = normal_bounds(mu, sd.max(mu.max(0.0).sqrt()), tail);
    (lo.floor(), hi.ceil())
}

/// Quantiles `p_lo` and `p_hi` of the count distribution with mean `mu` and variance
/// `max(var, mu)`: negative binomial when over-dispersed, else Poisson. Walks the pmf upward
/// with its recurrence (one pass for both quantiles; small means need only a few terms).
/// `None` if the walk underflows or runs too long, so the caller falls back to normal bounds.
/// A subnormal starting pmf (Poisson means above about 708) counts as underflow: it has lost
/// most of its digits, and every later term inherits the error (Poisson(744) gave [688, 763]
/// for the 95% quantiles [691, 798]).
pub(crate) fn count_quantiles(mu: f64, var: f64, p_lo: f64, p_hi: f64) -> Option<(f64, f64)> {
    let over = var > mu * 1.000_001;
    let (mut pmf, step): (f64, Box<dyn Fn(f64) -> f64>) = if over {
        let r = mu * mu / (var - mu);
        let p = r / (r + mu);
        (
            p.powf(r),
            Box::new(move |k: f64| (k + r) / (k + 1.0) * (1.0 - p)),
        )
    } else {
        ((-mu).exp(), Box::new(move |k: f64| mu / (k + 1.0)))
    };
    if !pmf.is_normal() {
        return None;
    }
    let (mut cdf, mut lo) = (0.0, None);
    let limit = mu + 50.0 * var.max(mu).sqrt() + 50.0;
    let mut k = 0.0;
    while k <= limit {
        cdf += pmf;
        if lo.is_none() && cdf >= p_lo {
            lo = Some(k);
        }
        if cdf >= p_hi {
            return lo.map(|l| (l, k));
        }
        pmf *= step(k);
        k += 1.0;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_bounds_are_symmetric_then_clipped() {
        let fc = PointForecast {
            mean: vec![10.0, 1.0],
            sigma: vec![2.0, 2.0],
        };
        let b = bounds(&fc, 0.95, false);
        assert!((b.lo[0] - (10.0 - 1.959964 * 2.0)).abs() < 1e-5);
        assert!((b.hi[0] - (10.0 + 1.959964 * 2.0)).abs() < 1e-5);
        assert_eq!(b.lo[1], 0.0);
    }

    #[test]
    fn poisson_quantiles_for_counts_without_overdispersion() {
        // Poisson(2): P(X<=0)=.135, P(X<=4)=.947, P(X<=5)=.983 -> 90% interval [0, 5]
        let fc = PointForecast {
            mean: vec![2.0],
            sigma: vec![1.0],
        };
        let b = bounds(&fc, 0.9, true);
        assert_eq!((b.lo[0], b.hi[0]), (0.0, 5.0));
    }

    #[test]
    fn count_quantiles_match_statrs() {
        use statrs::distribution::{DiscreteCDF, NegativeBinomial, Poisson};
        for (mu, var) in [
            (0.3, 0.3),
            (2.0, 2.0),
            (0.3, 2.5),
            (4.0, 30.0),
            (40.0, 90.0),
        ] {
            let (lo, hi) = count_quantiles(mu, var, 0.05, 0.95).unwrap();
            let (want_lo, want_hi) = if var > mu {
                let r = mu * mu / (var - mu);
                let d = NegativeBinomial::new(r, r / (r + mu)).unwrap();
                (d.inverse_cdf(0.05), d.inverse_cdf(0.95))
            } else {
                let d = Poisson::new(mu).unwrap();
                (d.inverse_cdf(0.05), d.inverse_cdf(0.95))
            };
            assert_eq!(
                (lo, hi),
                (want_lo as f64, want_hi as f64),
                "mu {mu} var {var}"
            );
        }
    }

    #[test]
    fn large_count_means_keep_poisson_width_and_whole_units() {
        // Poisson(744): the pmf walk started from exp(-744), a subnormal, and gave [688, 763];
        // the true 95% quantiles are [691, 798]
        let b = bounds(
            &PointForecast {
                mean: vec![744.0],
                sigma: vec![744f64.sqrt()],
            },
            0.95,
            true,
        );
        assert!(
            (b.lo[0] - 691.0).abs() <= 1.0 && (b.hi[0] - 798.0).abs() <= 1.0,
            "{b:?}"
        );
        // above the normal switch a small model error must not undercut the count variance:
        // Poisson(1000) gives about [938, 1062], not 1000 ± 1.96·10
        let b = bounds(
            &PointForecast {
                mean: vec![999.0, 1000.0],
                sigma: vec![10.0, 10.0],
            },
            0.95,
            true,
        );
        for i in 0..2 {
            assert!(b.lo[i] <= 940.0 && b.hi[i] >= 1060.0, "{b:?}");
            assert_eq!((b.lo[i].fract(), b.hi[i].fract()), (0.0, 0.0), "{b:?}");
        }
    }

    #[test]
    fn overdispersed_counts_get_wider_integer_bounds() {
        let narrow = bounds(
            &PointForecast {
                mean: vec![2.0],
                sigma: vec![2.0f64.sqrt()],
            },
            0.9,
            true,
        );
        let wide = bounds(
            &PointForecast {
                mean: vec![2.0],
                sigma: vec![4.0],
            },
            0.9,
            true,
        );
        assert!(wide.hi[0] > narrow.hi[0]);
        assert_eq!(wide.hi[0].fract(), 0.0);
    }
}
