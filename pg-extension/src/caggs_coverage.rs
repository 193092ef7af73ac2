//! Change epoch of what the materialized-path guard reads (pos.continuous_aggregate and
//! pos.cagg_view_path), in shared memory, so that `pos._cagg_path_covered` (caggs_guard.rs) can
//! keep an answer across statements and transactions instead of opening and scanning both tables
//! in every API request (~40 µs of a ~440 µs request, benches/api/RESULTS.md).
//!
//! A kept answer must be exactly what a fresh test would say in the statement that reuses it: a
//! stale "covered" would read a materialization that is no longer the view. The answer is a
//! function of the two tables' rows visible in the statement's snapshot, so it may be reused
//! while the reusing snapshot provably sees the same rows as the snapshot that computed it:
//!
//! * every statement that writes either table first runs the trigger `pos._cagg_coverage_changed`
//!   (BEFORE … FOR EACH STATEMENT, `ENABLE ALWAYS` so replication roles fire it too), which
//!   bumps `epoch` and, once per transaction, counts the transaction in `writers`;
//! * when such a transaction ends (commit or abort callback, which PostgreSQL runs after the
//!   transaction stopped being in progress for other snapshots) it raises `horizon` to the next
//!   transaction id, bumps `epoch` again and leaves `writers`;
//! * an answer is computed or reused only when no writer is in progress and the active
//!   snapshot's xmin is at least `horizon`: every transaction that ever wrote the tables has
//!   then finished in that snapshot (its id is below `horizon`), and none is running.
//!
//! So two snapshots that pass the check under the same epoch see the same committed writes and
//! no uncommitted ones: nothing wrote the tables between them. A snapshot taken before a write
//! finished (a long REPEATABLE READ transaction, a statement racing a refresh) fails the check
//! and computes its own answer, as before. `epoch` is read before and after the other two, so a
//! check never mixes two states. Writes that fire no trigger (triggers disabled by a superuser,
//! `pg_restore --disable-triggers`) are not seen: `pos_analytics.cagg_guard_cache = off` turns
//! the cache off for such sessions. A PREPAREd transaction that wrote the tables stays counted
//! (it may commit from any backend, later): caching is off until the next restart.
//!
//! As with `caggs_threshold`, the shared state exists only when the postmaster preloads the
//! library; without it every statement tests afresh.
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering::SeqCst};

/// The shared state; see the module documentation.
#[repr(C)]
struct Shared {
    epoch: AtomicU64,
    writers: AtomicU64,
    /// A full transaction id: every transaction that wrote the tables and finished is below it.
    horizon: AtomicU64,
}

static SHARED: AtomicPtr<Shared> = AtomicPtr::new(std::ptr::null_mut());
static CACHE: GucSetting<bool> = GucSetting::<bool>::new(true);
const SHMEM_NAME: &std::ffi::CStr = c"pos_analytics cagg coverage epoch";

thread_local! {
    /// This backend's transaction is counted in `writers`.
    static WRITING: Cell<bool> = const { Cell::new(false) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// From `_PG_init`: the setting, in every process (the shared state comes from shmem.rs).
pub fn init() {
    GucRegistry::define_bool_guc(
        c"pos_analytics.cagg_guard_cache",
        c"Lets the materialized-path guard reuse its answer while the aggregates' coverage is unchanged.",
        c"When off (or without shared_preload_libraries) every guard reads pos.continuous_aggregate and pos.cagg_view_path.",
        &CACHE,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// The state's share of the extension's shared memory (shmem.rs).
pub const SHMEM_SIZE: usize = size_of::<Shared>();

/// From shmem.rs's start-up hook: creates or finds the state.
pub(crate) unsafe fn attach() {
    let p = unsafe {
        crate::shmem::create(SHMEM_NAME, || Shared {
            epoch: AtomicU64::new(0),
            writers: AtomicU64::new(0),
            horizon: AtomicU64::new(0),
        })
    };
    SHARED.store(p, SeqCst);
}

fn shared() -> Option<&'static Shared> {
    let p = SHARED.load(SeqCst);
    (!p.is_null()).then(|| unsafe { &*p })
}

/// The epoch under which an answer read in the active snapshot may be kept, or a kept one reused
/// (it must carry the same epoch). `None` when caching is off or unavailable, a writer is in
/// progress, or the snapshot may miss a finished write.
pub fn stamp() -> Option<u64> {
    let s = shared().filter(|_| CACHE.get())?;
    let xmin = unsafe {
        let snap = pg_sys::GetActiveSnapshot();
        if snap.is_null() || (*snap).snapshot_type != pg_sys::SnapshotType::SNAPSHOT_MVCC {
            return None;
        }
        (*snap).xmin
    };
    let epoch = s.epoch.load(SeqCst);
    let (writers, horizon) = (s.writers.load(SeqCst), s.horizon.load(SeqCst));
    if s.epoch.load(SeqCst) != epoch || writers != 0 || full_xid(xmin) < horizon {
        return None;
    }
    Some(epoch)
}

/// `xid` (not after the next transaction id, as a snapshot's xmin) as a full transaction id.
fn full_xid(xid: pg_sys::TransactionId) -> u64 {
    let next = unsafe { pg_sys::ReadNextFullTransactionId() }.value;
    next - u64::from((next as u32).wrapping_sub(xid.into_inner()))
}

v1_function!(pg_finfo_pos_cagg_coverage_changed);

/// `pos._cagg_coverage_changed()`: BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH
/// STATEMENT on the guard's two tables.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_coverage_changed(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    if !unsafe { pgrx::trigger_support::called_as_trigger(fcinfo) } {
        error!("pos._cagg_coverage_changed() can only be called as a trigger");
    }
    if let Some(s) = shared() {
        if !WRITING.get() {
            if !CALLBACK_REGISTERED.get() {
                unsafe { pg_sys::RegisterXactCallback(Some(xact_callback), std::ptr::null_mut()) };
                CALLBACK_REGISTERED.set(true);
            }
            s.writers.fetch_add(1, SeqCst);
            WRITING.set(true);
        }
        s.epoch.fetch_add(1, SeqCst);
    }
    pg_sys::Datum::from(0) // a statement-level trigger's result is ignored
}

/// At the end of a transaction that wrote the tables. Commit and abort callbacks run after the
/// transaction left the proc array, so a snapshot with xmin ≥ the new horizon sees its outcome.
#[pg_guard]
unsafe extern "C-unwind" fn xact_callback(
    event: pg_sys::XactEvent::Type,
    _arg: *mut std::ffi::c_void,
) {
    use pg_sys::XactEvent::*;
    if !WRITING.get() {
        return;
    }
    match event {
        XACT_EVENT_COMMIT
        | XACT_EVENT_ABORT
        | XACT_EVENT_PARALLEL_COMMIT
        | XACT_EVENT_PARALLEL_ABORT => {
            if let Some(s) = shared() {
                let next = unsafe { pg_sys::ReadNextFullTransactionId() }.value;
                s.horizon.fetch_max(next, SeqCst);
                s.epoch.fetch_add(1, SeqCst);
                s.writers.fetch_sub(1, SeqCst);
            }
            WRITING.set(false);
        }
        // Still counted: it commits or aborts later, perhaps in another backend.
        XACT_EVENT_PREPARE => WRITING.set(false),
        _ => {}
    }
}
