//! The job scheduler: one background worker per cluster, serving the database named by
//! `pos_analytics.database`. It wakes every `pos_analytics.scheduler_naptime` seconds and runs each
//! due row of `pos.job` in its own transaction through `pos.run_job`, which records the outcome,
//! so a failing job never blocks the others.
use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::prelude::*;
use std::ffi::CString;
use std::time::Duration;

static DATABASE: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"postgres"));
static NAPTIME: GucSetting<i32> = GucSetting::<i32>::new(10);

pub fn init() {
    // A PGC_POSTMASTER setting may only be defined while the postmaster preloads the library;
    // without preloading there is no scheduler, and SQL reads the unset setting as NULL.
    let preloading = unsafe { pg_sys::process_shared_preload_libraries_in_progress };
    if preloading {
        define_database_setting();
    }
    GucRegistry::define_int_guc(
        c"pos_analytics.scheduler_naptime",
        c"Seconds the pos_analytics scheduler sleeps between looks at pos.job.",
        c"Lower values make jobs start closer to their next_start.",
        &NAPTIME,
        1,
        3600,
        GucContext::Sighup,
        GucFlags::UNIT_S,
    );
    if preloading {
        BackgroundWorkerBuilder::new("pos_analytics scheduler")
            .set_type("pos_analytics scheduler")
            .set_library("pos_analytics")
            .set_function("pos_analytics_scheduler_main")
            .enable_spi_access()
            .set_restart_time(Some(Duration::from_secs(10)))
            .load();
    }
}

fn define_database_setting() {
    GucRegistry::define_string_guc(
        c"pos_analytics.database",
        c"Database whose pos.job table the pos_analytics scheduler runs.",
        c"One scheduler serves one database; other databases can call pos.run_due_jobs() from cron.",
        &DATABASE,
        GucContext::Postmaster,
        GucFlags::default(),
    );
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_analytics_scheduler_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let db = DATABASE
        .get()
        .and_then(|c| c.into_string().ok())
        .unwrap_or_else(|| "postgres".into());
    BackgroundWorker::connect_worker_to_spi(Some(&db), None);
    log!("pos_analytics scheduler started for database \"{db}\"");
    while BackgroundWorker::wait_latch(Some(Duration::from_secs(NAPTIME.get().max(1) as u64))) {
        for job in due_jobs() {
            BackgroundWorker::transaction(|| {
                let _ = Spi::get_one_with_args::<String>("SELECT pos.run_job($1)", &[job.into()]);
            });
        }
    }
    // Exit non-zero so the postmaster restarts us after the restart time: a SIGTERM also comes
    // from DROP DATABASE … WITH (FORCE) or pg_terminate_backend, and the scheduler must come back
    // once the database does. During a server shutdown the postmaster restarts nothing.
    log!(
        "pos_analytics scheduler stopping; it restarts in 10 s unless the server is shutting down"
    );
    unsafe { pg_sys::proc_exit(1) };
}

/// Ids of enabled jobs whose start time has passed; empty while the extension is not installed.
fn due_jobs() -> Vec<i64> {
    BackgroundWorker::transaction(|| {
        let installed = Spi::get_one::<bool>("SELECT to_regclass('pos.job') IS NOT NULL AND to_regprocedure('pos.run_job(bigint)') IS NOT NULL")
            .ok()
            .flatten()
            .unwrap_or(false);
        if !installed {
            return Vec::new();
        }
        Spi::connect(|client| {
            client
                .select("SELECT job_id FROM pos.job WHERE enabled AND next_start <= now() ORDER BY next_start", None, &[])
                .map(|rows| rows.filter_map(|r| r.get::<i64>(1).ok().flatten()).collect())
                .unwrap_or_default()
        })
    })
}
