//! SQL face of `pos_core::forecast`: per-series forecasts and backtests over arrays, batch
//! forecasts of a tenant's SKU-store series into `pos.demand_forecast`, and reorder suggestions.
//! Reading daily demand, zero-filling and dating live in sql/70_forecast.sql; the algorithms in
//! core. Forecast threads only compute: every SPI call stays on the backend's own thread.
// pgrx spells a set-returning function's SQL columns in its Rust return type
// (TableIterator<(name!(…), …)>); that type *is* the signature, so it stays inline.
#![allow(clippy::type_complexity)]
use crate::args::{one_dimensional, required};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode};
use pos_core::forecast::batch::{forecast_grouped, Batch};
use pos_core::forecast::classify::classify;
use pos_core::forecast::reorder::{check_service_level, suggest, Policy};
use pos_core::forecast::{
    backtest, clean_history, forecast as run_forecast, Forecast, ForecastError, Method, Spec,
};

extension_sql_file!(
    "../../sql/70_forecast.sql",
    name = "forecast_sql",
    requires = ["caggs_views", forecast, forecast_multiseason, forecast_all]
);

/// Longest history the batch functions read (ten years of days).
const MAX_HISTORY_DAYS: i32 = 3660;

/// `ERROR: <what>` with the core's hint; never returns.
fn raise(e: &ForecastError) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        e.to_string(),
        "pos_analytics::forecast",
    )
    .set_hint(e.hint())
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

fn raise_msg(code: PgSqlErrorCode, msg: String, hint: &str) -> ! {
    ErrorReport::new(code, msg, "pos_analytics::forecast")
        .set_hint(hint)
        .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Generic over the return type so it fits `unwrap_or_else` wherever an SPI read fails.
fn spi_failed<T>(e: pgrx::spi::Error) -> T {
    raise_msg(
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        format!("reading demand failed: {e}"),
        "see the server log",
    )
}

/// Threads for batch work: every core, each blocking signals so that PostgreSQL's handlers
/// (cancel, terminate) only ever run on the backend thread, which checks for interrupts.
fn batch() -> Batch {
    fn block_signals() {
        // SAFETY: sigfillset initialises the set; pthread_sigmask only changes this thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut set);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        }
    }
    Batch {
        on_thread_start: Some(block_signals),
        ..Batch::all_cores()
    }
}

fn rows(fc: Forecast) -> Vec<(i32, f64, f64, f64, String)> {
    let method = fc.method.name().to_string();
    (0..fc.mean.len())
        .map(|i| {
            (
                (i + 1) as i32,
                fc.mean[i],
                fc.lo[i],
                fc.hi[i],
                method.clone(),
            )
        })
        .collect()
}

/// A series given as a `float8[]` argument of `func`: one dimension, cleaned by the core.
fn history(values: Array<'_, f64>, func: &str) -> Vec<f64> {
    let values = one_dimensional(
        values,
        func,
        "values",
        "pass one series, oldest first; for several series call the function once per series \
         (e.g. in a LATERAL join over array_agg(units ORDER BY day) per group)",
    );
    clean_history(&values).unwrap_or_else(|e| raise(&e))
}

/// Forecast a demand series (oldest first) `horizon` steps ahead with a central prediction
/// interval at `level`. `method` 'auto' picks per series by rolling-origin backtest; the
/// `method` column says which was used.
#[pg_extern(immutable, parallel_safe, strict)]
fn forecast(
    values: Array<'_, f64>,
    horizon: i32,
    season_length: default!(i32, 7),
    level: default!(f64, 0.95),
    method: default!(&str, "'auto'"),
) -> TableIterator<
    'static,
    (
        name!(step, i32),
        name!(yhat, f64),
        name!(lo, f64),
        name!(hi, f64),
        name!(method, String),
    ),
> {
    let spec = Spec::new(horizon.into(), season_length.into(), level, method)
        .unwrap_or_else(|e| raise(&e));
    TableIterator::new(rows(
        run_forecast(&history(values, "pos.forecast"), &spec).unwrap_or_else(|e| raise(&e)),
    ))
}

/// Like `pos.forecast` with several seasonal periods, primary first (e.g. `{24,168}` for
/// hourly data: daily and weekly). MSTL uses all of them, other methods the first.
#[pg_extern(immutable, parallel_safe, strict)]
fn forecast_multiseason(
    values: Array<'_, f64>,
    horizon: i32,
    seasons: Array<'_, i32>,
    level: default!(f64, 0.95),
    method: default!(&str, "'auto'"),
) -> TableIterator<
    'static,
    (
        name!(step, i32),
        name!(yhat, f64),
        name!(lo, f64),
        name!(hi, f64),
        name!(method, String),
    ),
> {
    let seasons = one_dimensional(
        seasons,
        "pos.forecast_multiseason",
        "seasons",
        "pass the season lengths as one list, e.g. ARRAY[24, 168] for hourly data",
    );
    let periods = season_periods(&seasons);
    let first = periods[0];
    let mut spec =
        Spec::new(horizon.into(), first.into(), level, method).unwrap_or_else(|e| raise(&e));
    for &p in &periods {
        Spec::new(horizon.into(), p.into(), level, method).unwrap_or_else(|e| raise(&e));
    }
    spec.seasons = periods.iter().map(|&p| p as usize).collect();
    TableIterator::new(rows(
        run_forecast(&history(values, "pos.forecast_multiseason"), &spec)
            .unwrap_or_else(|e| raise(&e)),
    ))
}

/// The season lengths of `forecast_multiseason`, refusing an empty array or a NULL element (a
/// NULL was skipped, so `{24, NULL}` forecast as if one season had been asked for).
fn season_periods(seasons: &[Option<i32>]) -> Vec<i32> {
    const HINT: &str =
        "pass the season lengths, e.g. ARRAY[24, 168] for hourly data (daily and weekly)";
    if seasons.is_empty() {
        raise_msg(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "seasons is empty".into(),
            HINT,
        );
    }
    seasons
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| {
                raise_msg(
                    PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                    format!("element {} of seasons is NULL", i + 1),
                    HINT,
                )
            })
        })
        .collect()
}

/// Rolling-origin backtest: refit at `windows` cut-offs `horizon` apart, forecast `horizon`
/// steps past each, and report MASE, sMAPE and RMSSE per method averaged over the windows
/// (NULL where a metric's scale is zero). An empty `methods` means every method.
#[pg_extern(immutable, parallel_safe, strict)]
fn backtest(
    values: Array<'_, f64>,
    horizon: i32,
    season_length: default!(i32, 7),
    windows: default!(i32, 3),
    methods: default!(Vec<Option<String>>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(method, String),
        name!(windows, i32),
        name!(mase, Option<f64>),
        name!(smape, Option<f64>),
        name!(rmsse, Option<f64>),
    ),
> {
    let spec =
        Spec::new(horizon.into(), season_length.into(), 0.5, "auto").unwrap_or_else(|e| raise(&e));
    if !(1..=100).contains(&windows) {
        raise_msg(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("windows {windows} is out of range"),
            "windows is the number of rolling origins, between 1 and 100",
        );
    }
    let chosen: Vec<Method> = match methods.iter().flatten().count() {
        0 => Method::ALL.to_vec(),
        _ => methods
            .iter()
            .flatten()
            .map(|m| Method::parse(m).unwrap_or_else(|e| raise(&e)))
            .collect(),
    };
    let y = history(values, "pos.backtest");
    let origins = backtest::Origins {
        horizon: spec.horizon,
        windows: windows as usize,
        step: spec.horizon,
    };
    let scores = backtest::backtest(&y, &spec.seasons, &chosen, origins, None);
    TableIterator::new(scores.into_iter().map(|s| {
        (
            s.method.name().to_string(),
            s.windows as i32,
            s.mase,
            s.smape,
            s.rmsse,
        )
    }))
}

/// Syntetos–Boylan demand class of a series: average inter-demand interval (ADI), squared
/// coefficient of variation of non-zero sizes (CV²), and the class (smooth, erratic,
/// intermittent, lumpy, or no_demand; ADI is NULL when nothing sold).
#[pg_extern(immutable, parallel_safe, strict)]
fn demand_class(
    values: Array<'_, f64>,
) -> TableIterator<
    'static,
    (
        name!(adi, Option<f64>),
        name!(cv2, f64),
        name!(class, String),
    ),
> {
    let c = classify(&history(values, "pos.demand_class"));
    TableIterator::once((
        c.adi.is_finite().then_some(c.adi),
        c.cv2,
        c.class.name().to_string(),
    ))
}

/// One SKU's daily demand ending on the store's last day: offsets (days before it, ≤ 0) and units.
struct SkuDemand {
    sku: String,
    days: Vec<i32>,
    units: Vec<f64>,
    on_hand: f64,
}

impl SkuDemand {
    /// Dense history from the first day with a sale to the end day, missing days as zero.
    /// A SKU that never sold in the window has one zero day.
    fn dense(&self) -> Vec<f64> {
        let first = self.days.iter().copied().min().unwrap_or(0);
        let mut y = vec![0.0; (1 - first) as usize];
        for (d, u) in self.days.iter().zip(&self.units) {
            y[(d - first) as usize] += u.max(0.0);
        }
        y
    }
}

/// Days since 2000-01-01 keep date arithmetic in SQL and plain integers in Rust.
const EPOCH: &str = "DATE '2000-01-01'";

fn check_history_days(history_days: i32) {
    if !(1..=MAX_HISTORY_DAYS).contains(&history_days) {
        raise_msg(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("history_days {history_days} is out of range"),
            "history_days is how many days of sales to read, between 1 and 3660",
        );
    }
}

/// Stores of the tenant with their end day (as_of, or the store's last day with sales).
fn stores(
    tenant: &str,
    store: Option<&str>,
    as_of: Option<pgrx::datum::Date>,
) -> Vec<(String, i32)> {
    let sql = format!(
        "SELECT store_id, (coalesce($3, max(business_date)) - {EPOCH})::int
           FROM pos.demand_daily WHERE tenant_id = $1 AND ($2::text IS NULL OR store_id = $2)
          GROUP BY store_id ORDER BY store_id"
    );
    Spi::connect(|c| {
        let table = c.select(
            sql.as_str(),
            None,
            &[tenant.into(), store.into(), as_of.into()],
        )?;
        table
            .map(|r| {
                Ok((
                    r.get::<String>(1)?.unwrap_or_default(),
                    r.get::<i32>(2)?.unwrap_or(0),
                ))
            })
            .collect::<Result<Vec<_>, pgrx::spi::Error>>()
    })
    .unwrap_or_else(spi_failed)
}

/// Daily demand of every SKU of one store over the window, plus the latest on-hand stock
/// (0 when unknown). `stocked_only` limits the SKUs to those with an inventory level.
fn store_demand(
    tenant: &str,
    store: &str,
    end_day: i32,
    history_days: i32,
    stocked_only: bool,
) -> Vec<SkuDemand> {
    let join = if stocked_only {
        "inv LEFT JOIN dem USING (sku)"
    } else {
        "dem LEFT JOIN inv USING (sku)"
    };
    let sql = format!(
        "WITH dem AS (
             SELECT sku, array_agg((business_date - ({EPOCH} + $3))::int ORDER BY business_date) AS days,
                    array_agg(units ORDER BY business_date) AS units
               FROM pos.demand_daily
              WHERE tenant_id = $1 AND store_id = $2
                AND business_date > {EPOCH} + $3 - $4 AND business_date <= {EPOCH} + $3
              GROUP BY sku),
         inv AS (
             SELECT DISTINCT ON (sku) sku, on_hand::float8 AS on_hand
               FROM pos.inventory_level WHERE tenant_id = $1 AND store_id = $2
              ORDER BY sku, as_of DESC)
         SELECT sku, days, units, coalesce(on_hand, 0) FROM {join} ORDER BY sku"
    );
    let args = [
        tenant.into(),
        store.into(),
        end_day.into(),
        history_days.into(),
    ];
    Spi::connect(|c| {
        c.select(sql.as_str(), None, &args)?
            .map(|r| {
                Ok(SkuDemand {
                    sku: r.get::<String>(1)?.unwrap_or_default(),
                    days: r.get::<Vec<i32>>(2)?.unwrap_or_default(),
                    units: r.get::<Vec<f64>>(3)?.unwrap_or_default(),
                    on_hand: r.get::<f64>(4)?.unwrap_or(0.0),
                })
            })
            .collect::<Result<Vec<_>, pgrx::spi::Error>>()
    })
    .unwrap_or_else(spi_failed)
}

/// Forecast every SKU of one store together (the store's weekday profile is shared). A series
/// the requested method cannot handle (e.g. too short for MSTL) falls back to 'auto'.
fn forecast_store(demand: &[SkuDemand], spec: &Spec) -> Vec<Forecast> {
    let series: Vec<Vec<f64>> = demand.iter().map(SkuDemand::dense).collect();
    let groups = vec![0usize; series.len()];
    let results = forecast_grouped(&series, Some(&groups), spec, batch());
    let auto = Spec {
        method: Method::Auto,
        ..spec.clone()
    };
    results
        .into_iter()
        .zip(&series)
        .map(|(r, y)| {
            r.or_else(|_| run_forecast(y, &auto))
                .unwrap_or_else(|e| raise(&e))
        })
        .collect()
}

/// Forecast every SKU × store series of `tenant` `horizon` days past each store's last day of
/// sales (or `as_of`) and replace the tenant's rows in `pos.demand_forecast`. Each store is read,
/// forecast across all cores and written before the next, so memory stays bounded by the
/// largest store. Returns the number of series forecast.
#[pg_extern(volatile, parallel_unsafe)]
fn forecast_all(
    tenant: Option<&str>,
    horizon: default!(Option<i32>, 28),
    season_length: default!(Option<i32>, 7),
    level: default!(Option<f64>, 0.95),
    method: default!(Option<&str>, "'auto'"),
    history_days: default!(Option<i32>, 365),
    as_of: default!(Option<pgrx::datum::Date>, "NULL"),
) -> i64 {
    const F: &str = "pos.forecast_all";
    let tenant = required(tenant, F, "tenant", None);
    let horizon = required(horizon, F, "horizon", Some("28"));
    let season_length = required(season_length, F, "season_length", Some("7"));
    let level = required(level, F, "level", Some("0.95"));
    let method = required(method, F, "method", Some("'auto'"));
    let history_days = required(history_days, F, "history_days", Some("365"));
    let spec = Spec::new(horizon.into(), season_length.into(), level, method)
        .unwrap_or_else(|e| raise(&e));
    check_history_days(history_days);
    Spi::run_with_args(
        "DELETE FROM pos.demand_forecast WHERE tenant_id = $1",
        &[tenant.into()],
    )
    .unwrap_or_else(spi_failed);
    let mut written = 0i64;
    for (store, end_day) in stores(tenant, None, as_of) {
        pgrx::check_for_interrupts!();
        let demand = store_demand(tenant, &store, end_day, history_days, false);
        let forecasts = forecast_store(&demand, &spec);
        write_store(tenant, &store, end_day, level, &demand, &forecasts);
        written += demand.len() as i64;
    }
    written
}

/// Insert one store's forecasts with a single statement over parallel arrays.
fn write_store(
    tenant: &str,
    store: &str,
    end_day: i32,
    level: f64,
    demand: &[SkuDemand],
    forecasts: &[Forecast],
) {
    let h = forecasts.first().map_or(0, |f| f.mean.len());
    let n = forecasts.len() * h;
    let (mut skus, mut steps, mut methods) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut yhat, mut lo, mut hi, mut sigma) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (d, f) in demand.iter().zip(forecasts) {
        for i in 0..h {
            skus.push(d.sku.clone());
            steps.push(i as i32 + 1);
            methods.push(f.method.name().to_string());
            yhat.push(f.mean[i]);
            lo.push(f.lo[i]);
            hi.push(f.hi[i]);
            sigma.push(f.sigma[i]);
        }
    }
    let sql = format!(
        "INSERT INTO pos.demand_forecast
             (tenant_id, store_id, sku, business_date, step, yhat, lo, hi, sigma, level, method, as_of)
         SELECT $1, $2, u.sku, {EPOCH} + $3 + u.step, u.step, u.yhat, u.lo, u.hi, u.sigma, $4, u.method, {EPOCH} + $3
           FROM unnest($5::text[], $6::int[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::text[])
                AS u(sku, step, yhat, lo, hi, sigma, method)"
    );
    let args = [
        tenant.into(),
        store.into(),
        end_day.into(),
        level.into(),
        skus.into(),
        steps.into(),
        yhat.into(),
        lo.into(),
        hi.into(),
        sigma.into(),
        methods.into(),
    ];
    Spi::run_with_args(&sql, &args).unwrap_or_else(spi_failed);
}

/// Order-up-to suggestions for every stocked SKU of a store: latest on-hand level from
/// `pos.inventory_level`, daily demand forecast over lead time + review period, safety stock
/// for the cycle `service_level`, and the whole units to order now. Open purchase orders are
/// not known to pos_analytics: subtract them from `suggested_qty`.
#[pg_extern(stable, parallel_safe)]
fn reorder_suggestions(
    tenant: Option<&str>,
    store: Option<&str>,
    lead_time_days: default!(Option<i32>, 7),
    service_level: default!(Option<f64>, 0.95),
    review_days: default!(Option<i32>, 7),
    history_days: default!(Option<i32>, 365),
    as_of: default!(Option<pgrx::datum::Date>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(sku, String),
        name!(on_hand, f64),
        name!(lead_time_demand, f64),
        name!(safety_stock, f64),
        name!(reorder_point, f64),
        name!(order_up_to, f64),
        name!(suggested_qty, f64),
        name!(method, String),
    ),
> {
    const F: &str = "pos.reorder_suggestions";
    let tenant = required(tenant, F, "tenant", None);
    let store = required(store, F, "store", None);
    let lead_time_days = required(lead_time_days, F, "lead_time_days", Some("7"));
    let service_level = required(service_level, F, "service_level", Some("0.95"));
    let review_days = required(review_days, F, "review_days", Some("7"));
    let history_days = required(history_days, F, "history_days", Some("365"));
    check_history_days(history_days);
    check_service_level(service_level).unwrap_or_else(|e| raise(&e));
    let policy = |on_hand| Policy {
        on_hand,
        on_order: 0.0,
        lead_time_days: lead_time_days.max(0) as usize,
        review_days: review_days.max(0) as usize,
        service_level,
    };
    if lead_time_days < 1 || review_days < 0 {
        let what = if lead_time_days < 1 {
            "lead_time_days"
        } else {
            "review_days"
        };
        let value = if lead_time_days < 1 {
            lead_time_days
        } else {
            review_days
        };
        raise(&ForecastError::Replenishment {
            what,
            value: value.into(),
        });
    }
    let horizon = i64::from(lead_time_days) + i64::from(review_days);
    let spec = Spec::new(horizon, 7, 0.95, "auto").unwrap_or_else(|e| raise(&e));
    let Some((_, end_day)) = stores(tenant, Some(store), as_of).into_iter().next() else {
        raise_msg(
            PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
            format!("no sales for store \"{store}\" of tenant \"{tenant}\""),
            "check the tenant and store ids in pos.sale_line; forecasts need sales history",
        )
    };
    let demand = store_demand(tenant, store, end_day, history_days, true);
    let forecasts = forecast_store(&demand, &spec);
    let out: Vec<_> = demand
        .iter()
        .zip(forecasts)
        .map(|(d, f)| {
            let s = suggest(&f.mean, &f.sigma, &policy(d.on_hand)).unwrap_or_else(|e| raise(&e));
            let m = f.method.name().to_string();
            (
                d.sku.clone(),
                d.on_hand,
                s.lead_time_demand,
                s.safety_stock,
                s.reorder_point,
                s.order_up_to,
                s.suggested_qty,
                m,
            )
        })
        .collect();
    TableIterator::new(out)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn one<T: pgrx::IntoDatum + pgrx::FromDatum>(sql: &str) -> T {
        Spi::get_one::<T>(sql)
            .expect("query failed")
            .expect("NULL result")
    }

    #[pg_test]
    fn forecast_known_answers() {
        let sql = "SELECT array_agg(yhat ORDER BY step) FROM pos.forecast('{1,3,5,7,1,3,5,7}', 6, 4, 0.9, 'seasonal_naive')";
        assert_eq!(one::<Vec<f64>>(sql), vec![1.0, 3.0, 5.0, 7.0, 1.0, 3.0]);
        let avg =
            one::<f64>("SELECT yhat FROM pos.forecast('{2,4,6,8}', 1, 1, 0.9, 'historic_average')");
        assert_eq!(avg, 5.0, "mean of 2, 4, 6, 8");
        let m = one::<String>(
            "SELECT DISTINCT method FROM pos.forecast('{0,0,3,0,0,2,0,0,0,4,0,0,0,0,3}', 7)",
        );
        assert_ne!(m, "auto");
        let ok = one::<bool>("SELECT bool_and(lo <= yhat AND yhat <= hi AND lo >= 0) FROM pos.forecast('{5,0,9,1,0,0,12}', 14)");
        assert!(ok);
    }

    #[pg_test]
    fn null_input_gives_no_rows() {
        assert_eq!(one::<i64>("SELECT count(*) FROM pos.forecast(NULL, 3)"), 0);
    }

    #[pg_test(error = "horizon 0 is out of range")]
    fn zero_horizon_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{1,2,3}', 0)").unwrap();
    }

    #[pg_test(error = "every value in the history is NULL")]
    fn all_null_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{NULL,NULL}'::float8[], 3)").unwrap();
    }

    #[pg_test(error = "value 2 of the history is NaN")]
    fn nan_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{1,NaN,3}'::float8[], 3)").unwrap();
    }

    #[pg_test(error = "element 2 of seasons is NULL")]
    fn a_null_season_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast_multiseason('{1,2,3,4}', 2, '{2,NULL}')").unwrap();
    }

    #[pg_test(error = "seasons is empty")]
    fn no_season_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast_multiseason('{1,2,3,4}', 2, '{}')").unwrap();
    }

    #[pg_test(error = "pos.forecast: values has 2 dimensions; it must be a one-dimensional array")]
    fn a_two_dimensional_history_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{{1,2,3},{4,5,6}}'::float8[], 3)").unwrap();
    }

    #[pg_test(
        error = "pos.demand_class: values has 3 dimensions; it must be a one-dimensional array"
    )]
    fn a_three_dimensional_history_is_an_error() {
        Spi::run("SELECT * FROM pos.demand_class('{{{1,2}},{{3,4}}}'::float8[])").unwrap();
    }

    #[pg_test(
        error = "pos.forecast_multiseason: seasons has 2 dimensions; it must be a one-dimensional array"
    )]
    fn two_dimensional_seasons_are_an_error() {
        Spi::run("SELECT * FROM pos.forecast_multiseason('{1,2,3,4,5,6,7,8}', 2, '{{2},{4}}')")
            .unwrap();
    }

    /// A one-dimensional array with a lower bound other than 1 is still one series.
    #[pg_test]
    fn a_shifted_one_dimensional_history_is_read() {
        let n = one::<i64>("SELECT count(*) FROM pos.forecast('[0:3]={1,2,3,4}'::float8[], 2)");
        assert_eq!(n, 2);
    }

    #[pg_test(error = "value 2 of the history is too large (1e200)")]
    fn a_value_past_two_to_the_53_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{1,1e200,3}'::float8[], 3)").unwrap();
    }

    #[pg_test(error = "method mstl needs at least 14 observations, got 3")]
    fn too_short_for_mstl_is_an_error() {
        Spi::run("SELECT * FROM pos.forecast('{1,2,3}', 3, 7, 0.9, 'mstl')").unwrap();
    }

    #[pg_test]
    fn backtest_scores_every_method() {
        let n = one::<i64>("SELECT count(*) FROM pos.backtest(array(SELECT (g % 7)::float8 FROM generate_series(1, 42) g), 7)");
        assert_eq!(n, pos_core::forecast::Method::ALL.len() as i64);
        let sn = one::<f64>(
            "SELECT rmsse FROM pos.backtest(array(SELECT (g % 7)::float8 FROM generate_series(1, 42) g), 7, 7, 3, '{seasonal_naive}')",
        );
        assert_eq!(sn, 0.0);
    }

    /// Two SKUs at one store: A sells 4 a day, B sold once; stock of A is 10, B 5.
    fn seed_store() {
        Spi::run(
            "INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                        kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
             SELECT 't1', 's1', 'test', 'x' || d, 1, d::timestamptz + interval '12 hours', d::date,
                    'sale', 'A', 'A', 4, 1, 4, 'USD'
               FROM generate_series(date '2024-01-01', date '2024-02-25', interval '1 day') d;
             INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                        kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
             VALUES ('t1', 's1', 'test', 'y', 1, '2024-02-10 12:00+00', '2024-02-10', 'sale', 'B', 'B', 1, 1, 1, 'USD');
             INSERT INTO pos.inventory_level (tenant_id, store_id, sku, as_of, on_hand)
             VALUES ('t1', 's1', 'A', '2024-02-25 20:00+00', 10), ('t1', 's1', 'B', '2024-02-25 20:00+00', 5);",
        )
        .unwrap();
    }

    #[pg_test]
    fn forecast_all_and_reorder_on_a_small_store() {
        seed_store();
        assert_eq!(one::<i64>("SELECT pos.forecast_all('t1', 14)"), 2);
        assert_eq!(
            one::<i64>("SELECT count(*) FROM pos.demand_forecast WHERE tenant_id = 't1'"),
            28
        );
        let a = one::<f64>(
            "SELECT yhat FROM pos.demand_forecast WHERE sku = 'A' AND business_date = '2024-02-26'",
        );
        assert!((a - 4.0).abs() < 1e-9, "{a}");
        // constant demand: no uncertainty, so order up to 14 days x 4 = 56 minus 10 on hand
        let q = one::<f64>("SELECT suggested_qty FROM pos.reorder_suggestions('t1', 's1', 7, 0.95, 7) WHERE sku = 'A'");
        assert_eq!(q, 46.0);
        let b = one::<f64>("SELECT suggested_qty FROM pos.reorder_suggestions('t1', 's1', 7, 0.95, 7) WHERE sku = 'B'");
        assert_eq!(b, 0.0);
        let dates = one::<i64>("SELECT count(*) FROM pos.forecast_demand('t1', 's1', 'B', 7) WHERE business_date > '2024-02-25'");
        assert_eq!(dates, 7);
    }

    #[pg_test(error = "no sales for store \"nowhere\" of tenant \"t1\"")]
    fn reorder_for_an_unknown_store_is_an_error() {
        Spi::run("SELECT * FROM pos.reorder_suggestions('t1', 'nowhere')").unwrap();
    }
}
