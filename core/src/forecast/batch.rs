//! Many series per call, spread over scoped threads. Threads only compute: the caller reads
//! and writes the database on its own thread, before and after.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::profile::group_profile;
use super::{forecast_with_prior, Forecast, ForecastError, Spec};

/// Series handed to each thread at a time: small enough to balance, large enough to keep the
/// shared counter cold.
const CHUNK: usize = 64;

/// How to run a batch.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    /// Worker threads (1 = run on the calling thread, no spawning).
    pub threads: usize,
    /// Run first on every spawned thread (the extension blocks signals there, so PostgreSQL's
    /// handlers only ever run on the backend's own thread).
    pub on_thread_start: Option<fn()>,
}

impl Batch {
    /// One thread per available core.
    pub fn all_cores() -> Batch {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Batch {
            threads,
            on_thread_start: None,
        }
    }
}

/// Forecast every series on its own; results keep the input order. A series that fails (or
/// makes a model library panic) yields its error, never aborting the others.
pub fn forecast_many(
    series: &[Vec<f64>],
    spec: &Spec,
    batch: Batch,
) -> Vec<Result<Forecast, ForecastError>> {
    forecast_grouped(series, None, spec, batch)
}

/// Like [`forecast_many`], but series in the same group (e.g. the SKUs of one store, all ending
/// on the same day) share a pooled seasonal profile that each series' own index is shrunk
/// towards, so slow movers get their store's weekday shape.
pub fn forecast_grouped(
    series: &[Vec<f64>],
    groups: Option<&[usize]>,
    spec: &Spec,
    batch: Batch,
) -> Vec<Result<Forecast, ForecastError>> {
    let profiles = groups.map(|g| group_profiles(series, g, spec.season()));
    let jobs: Vec<(usize, &Vec<f64>)> = series.iter().enumerate().collect();
    par_map(&jobs, batch, |&(i, y)| {
        let prior = match (groups, &profiles) {
            (Some(g), Some(p)) => g.get(i).and_then(|k| p[*k].as_deref()),
            _ => None,
        };
        catch_unwind(AssertUnwindSafe(|| forecast_with_prior(y, spec, prior))).unwrap_or_else(
            |_| {
                Err(ForecastError::Model {
                    method: spec.method.name(),
                    detail: "panicked".into(),
                })
            },
        )
    })
}

/// One pooled profile per group id (ids index a dense vector: 0..=max).
fn group_profiles(series: &[Vec<f64>], groups: &[usize], m: usize) -> Vec<Option<Vec<f64>>> {
    let count = groups.iter().max().map_or(0, |g| g + 1);
    (0..count)
        .map(|k| {
            let members = series
                .iter()
                .zip(groups)
                .filter(|(_, g)| **g == k)
                .map(|(y, _)| y.as_slice());
            group_profile(members, m)
        })
        .collect()
}

/// Map `f` over `items` on `batch.threads` threads, keeping order.
pub fn par_map<T: Sync, R: Send>(items: &[T], batch: Batch, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = batch.threads.clamp(1, items.len().div_ceil(CHUNK).max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Vec<R>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                if let Some(hook) = batch.on_thread_start {
                    hook();
                }
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= items.len() {
                        break;
                    }
                    let part: Vec<R> = items[start..(start + CHUNK).min(items.len())]
                        .iter()
                        .map(&f)
                        .collect();
                    done.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((start, part));
                }
            });
        }
    });
    let mut parts = done.into_inner().unwrap_or_else(|p| p.into_inner());
    parts.sort_unstable_by_key(|(start, _)| *start);
    parts.into_iter().flat_map(|(_, part)| part).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = par_map(
            &items,
            Batch {
                threads: 4,
                on_thread_start: None,
            },
            |x| x * 2,
        );
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn batch_equals_one_by_one_and_isolates_errors() {
        let spec = Spec::new(3, 7, 0.9, "auto").unwrap();
        let mut series: Vec<Vec<f64>> = (0..200)
            .map(|i| (0..30).map(|t| ((t * (i + 3)) % 5) as f64).collect())
            .collect();
        series[17] = vec![];
        let out = forecast_many(
            &series,
            &spec,
            Batch {
                threads: 3,
                on_thread_start: None,
            },
        );
        assert_eq!(out[17], Err(ForecastError::Empty));
        for (y, got) in series.iter().zip(&out).filter(|(y, _)| !y.is_empty()) {
            assert_eq!(got, &crate::forecast::forecast(y, &spec));
        }
    }

    #[test]
    fn a_group_lends_its_weekday_shape_to_a_slow_mover() {
        // a best seller that sells double on phase-0 days, and a slow mover with 2 units
        let best: Vec<f64> = (0..28)
            .map(|t| if t % 7 == 0 { 200.0 } else { 100.0 })
            .collect();
        let mut slow = vec![0.0; 28];
        slow[3] = 1.0;
        slow[10] = 1.0;
        let spec = Spec::new(7, 7, 0.9, "seasonal_mean").unwrap();
        let series = vec![best, slow];
        let one = Batch {
            threads: 1,
            on_thread_start: None,
        };
        let alone = forecast_many(&series, &spec, one);
        let grouped = forecast_grouped(&series, Some(&[0, 0]), &spec, one);
        let (a, g) = (
            &alone[1].as_ref().unwrap().mean,
            &grouped[1].as_ref().unwrap().mean,
        );
        // t = 28 is a peak day (28 % 7 == 0) and the first forecast step
        assert!(
            (a[0] - a[1]).abs() < 0.2 * a[1],
            "alone stays nearly flat: {a:?}"
        );
        assert!(g[0] > 1.5 * g[1], "grouped borrows the peak: {g:?}");
    }
}
