//! Change counter of continuous-aggregate invalidation thresholds, in shared memory.
//!
//! The invalidation trigger (`caggs_invalidation.rs`) needs each source's threshold once per
//! transaction. Reading it from its sequence (open, lock, privilege check as the owner, buffer)
//! was a third of the trigger's cost in a one-row transaction. So a backend keeps the value it
//! read, together with this counter's value at the time, and reads the sequence again only when
//! the counter moved: every raise of any threshold bumps it (`pos._cagg_forget_threshold`, called
//! by `pos._cagg_raise_threshold` under the source's exclusive threshold lock, before `setval`).
//!
//! The counter exists only when the postmaster preloads the library (`shared_preload_libraries`,
//! as `scripts/pg-local` and the packaged clusters do): shared memory is requested at start-up.
//! Without it, [`generation`] is `None` and the trigger reads the sequence in every transaction,
//! as it always did; the setting `pos_analytics.cagg_threshold_cache = off` does the same on a
//! preloaded cluster (for tests, and as a way out).
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

static COUNTER: AtomicPtr<AtomicU64> = AtomicPtr::new(std::ptr::null_mut());
static CACHE: GucSetting<bool> = GucSetting::<bool>::new(true);
const SHMEM_NAME: &std::ffi::CStr = c"pos_analytics cagg threshold changes";

/// From `_PG_init`: the setting, in every process (the counter comes from shmem.rs).
pub fn init() {
    GucRegistry::define_bool_guc(
        c"pos_analytics.cagg_threshold_cache",
        c"Lets the invalidation trigger keep thresholds across transactions.",
        c"When off (or without shared_preload_libraries) each writing transaction reads its source's threshold sequence.",
        &CACHE,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// The counter's share of the extension's shared memory (shmem.rs).
pub const SHMEM_SIZE: usize = size_of::<AtomicU64>();

/// From shmem.rs's start-up hook: creates or finds the counter.
pub(crate) unsafe fn attach() {
    let p = unsafe { crate::shmem::create(SHMEM_NAME, || AtomicU64::new(0)) };
    COUNTER.store(p, Ordering::Release);
}

/// The counter, when thresholds may be cached (preloaded and the setting on). Read it only while
/// holding the source's threshold lock shared: then no raise can run between this read and the
/// sequence read that goes with it.
pub fn generation() -> Option<u64> {
    let p = COUNTER.load(Ordering::Acquire);
    if p.is_null() || !CACHE.get() {
        return None;
    }
    Some(unsafe { &*p }.load(Ordering::SeqCst))
}

/// A threshold is about to move: every backend's cached thresholds are out of date. Called under
/// the source's exclusive threshold lock, so it is visible to every writer that takes the lock
/// after the raise (lock acquisition is a memory barrier).
pub fn bump() {
    let p = COUNTER.load(Ordering::Acquire);
    if !p.is_null() {
        unsafe { &*p }.fetch_add(1, Ordering::SeqCst);
    }
}
