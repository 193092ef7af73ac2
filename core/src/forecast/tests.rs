//! End-to-end tests of the forecast API: known answers, interval coverage on simulated demand,
//! and bad arguments.
use super::*;

/// SplitMix64: a tiny deterministic generator, enough for simulations.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn poisson(&mut self, lambda: f64) -> f64 {
        let (limit, mut k, mut p) = ((-lambda).exp(), 0.0, 1.0);
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1.0;
        }
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn spec(h: i64, m: i64, level: f64, method: &str) -> Spec {
    Spec::new(h, m, level, method).unwrap()
}

#[test]
fn known_answers() {
    let y = [2.0, 4.0, 6.0, 8.0, 1.0, 3.0, 5.0, 7.0];
    assert_eq!(
        forecast(&y, &spec(2, 1, 0.8, "historic_average"))
            .unwrap()
            .mean,
        vec![4.5, 4.5]
    );
    let sn = forecast(&y, &spec(6, 4, 0.8, "seasonal_naive")).unwrap();
    assert_eq!(sn.mean, vec![1.0, 3.0, 5.0, 7.0, 1.0, 3.0]);
    assert_eq!(sn.method, Method::SeasonalNaive);
    let c = forecast(&[0.0, 0.0, 6.0, 0.0, 0.0, 6.0], &spec(1, 1, 0.8, "croston")).unwrap();
    assert!((c.mean[0] - 2.0).abs() < 1e-12);
}

#[test]
fn forecasts_and_bounds_are_ordered_and_non_negative() {
    // a falling trend that AutoETS would extrapolate below zero
    let y: Vec<f64> = (0..30).map(|t| 30.0 - t as f64).collect();
    for method in Method::NAMES {
        let fc = forecast(&y, &spec(20, 7, 0.95, method)).unwrap();
        for i in 0..20 {
            assert!(
                fc.lo[i] >= 0.0 && fc.lo[i] <= fc.mean[i] && fc.mean[i] <= fc.hi[i],
                "{method} step {i}: {fc:?}"
            );
        }
    }
}

/// Share of simulated future values inside the interval, over many simulated series.
fn coverage(
    method: &str,
    level: f64,
    runs: usize,
    mut draw: impl FnMut(&mut Rng, usize) -> f64,
) -> f64 {
    let mut rng = Rng(42);
    let (mut inside, mut total) = (0usize, 0usize);
    for _ in 0..runs {
        let y: Vec<f64> = (0..63).map(|t| draw(&mut rng, t)).collect();
        let fc = forecast(&y[..56], &spec(7, 7, level, method)).unwrap();
        for (i, actual) in y[56..].iter().enumerate() {
            inside += usize::from(*actual >= fc.lo[i] && *actual <= fc.hi[i]);
            total += 1;
        }
    }
    inside as f64 / total as f64
}

#[test]
fn count_intervals_cover_intermittent_demand() {
    // Poisson(0.4) a day: 67% of days are zero
    for method in ["sba", "tsb", "auto"] {
        let c = coverage(method, 0.9, 400, |r, _| r.poisson(0.4));
        assert!((0.88..=0.99).contains(&c), "{method}: coverage {c}");
    }
}

#[test]
fn intervals_cover_smooth_weekly_demand() {
    let weekly = [20.0, 18.0, 19.0, 22.0, 30.0, 40.0, 25.0];
    for method in ["seasonal_es", "mstl", "auto"] {
        // fewer runs: MSTL and the auto backtest fit AutoETS several times per series
        let c = coverage(method, 0.8, 120, |r, t| {
            (weekly[t % 7] + 3.0 * r.normal()).max(0.0)
        });
        assert!((0.72..=0.92).contains(&c), "{method}: coverage {c}");
    }
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    assert_eq!(clean_history(&[]), Err(ForecastError::Empty));
    assert_eq!(clean_history(&[None, None]), Err(ForecastError::AllMissing));
    assert_eq!(
        clean_history(&[Some(1.0), None]),
        Err(ForecastError::Missing { index: 1 })
    );
    assert!(matches!(
        clean_history(&[Some(f64::NAN)]),
        Err(ForecastError::NonFinite { index: 0, .. })
    ));
    assert!(matches!(
        clean_history(&[Some(-1.0)]),
        Err(ForecastError::Negative { .. })
    ));
    assert_eq!(
        Spec::new(0, 7, 0.9, "auto"),
        Err(ForecastError::Horizon { horizon: 0 })
    );
    assert_eq!(
        Spec::new(MAX_HORIZON + 1, 7, 0.9, "auto").unwrap_err(),
        ForecastError::Horizon {
            horizon: MAX_HORIZON + 1
        }
    );
    assert!(matches!(
        Spec::new(7, 0, 0.9, "auto"),
        Err(ForecastError::SeasonLength { .. })
    ));
    assert!(matches!(
        Spec::new(7, 7, 1.0, "auto"),
        Err(ForecastError::Level { .. })
    ));
    assert!(matches!(
        Spec::new(7, 7, f64::NAN, "auto"),
        Err(ForecastError::Level { .. })
    ));
    assert!(matches!(
        Spec::new(7, 7, 0.9, "prophet"),
        Err(ForecastError::UnknownMethod { .. })
    ));
    assert_eq!(Spec::new(7, 7, 0.9, " SBA ").unwrap().method, Method::Sba);
    let short = forecast(&[1.0, 2.0, 3.0], &spec(7, 7, 0.9, "mstl"));
    assert_eq!(
        short,
        Err(ForecastError::TooShort {
            method: "mstl",
            need: 14,
            got: 3
        })
    );
    // every error explains itself and hints at a fix
    let e = short.unwrap_err();
    assert!(e.to_string().contains("at least 14") && e.hint().contains("auto"));
}

#[test]
fn auto_answers_for_any_non_empty_history() {
    for n in 1..30 {
        let y: Vec<f64> = (0..n).map(|t| ((t * 7) % 4) as f64).collect();
        let fc = forecast(&y, &spec(7, 7, 0.9, "auto")).unwrap();
        assert_eq!(fc.mean.len(), 7);
        assert_ne!(fc.method, Method::Auto);
    }
}

/// 1e308s overflowed the mean to a zero forecast, 1e200s the variance to a zero-width interval:
/// values past 2^53 are refused, and the largest accepted ones still forecast sensibly.
#[test]
fn values_past_two_to_the_53_are_refused_and_the_largest_accepted_forecast_sensibly() {
    assert_eq!(
        clean_history(&[Some(1.0), Some(1e308)]),
        Err(ForecastError::TooLarge {
            index: 1,
            value: 1e308
        })
    );
    assert!(ForecastError::TooLarge {
        index: 1,
        value: 1e308
    }
    .to_string()
    .contains("value 2 of the history is too large (1e308)"));
    let big = [MAX_VALUE, MAX_VALUE / 2.0, MAX_VALUE, MAX_VALUE / 2.0];
    let y = clean_history(&big.map(Some)).unwrap();
    let out = forecast(&y, &Spec::new(2, 1, 0.9, "historic_average").unwrap()).unwrap();
    let mean = 0.75 * MAX_VALUE;
    assert!((out.mean[0] - mean).abs() / mean < 1e-9, "{:?}", out.mean);
    assert!(out.lo[0] < out.mean[0] && out.mean[0] < out.hi[0]);
    assert!(out.hi[0].is_finite());
    let long: Vec<f64> = (0..28)
        .map(|i| MAX_VALUE / (1.0 + (i % 7) as f64))
        .collect();
    for method in ["auto", "ets", "mstl", "croston"] {
        let out = forecast(&long, &Spec::new(7, 7, 0.9, method).unwrap()).unwrap();
        for i in 0..7 {
            let (lo, m, hi) = (out.lo[i], out.mean[i], out.hi[i]);
            assert!(
                lo <= m && m <= hi && hi.is_finite() && m > 0.0,
                "{method}: {lo} {m} {hi}"
            );
        }
    }
}
