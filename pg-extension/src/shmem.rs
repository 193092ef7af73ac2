//! The extension's shared memory: each module that keeps state across backends
//! (`caggs_threshold`, `caggs_coverage`) asks for a named struct here, and one pair of hooks
//! requests and creates them all when the postmaster preloads the library. Without preloading
//! there is none, and those modules fall back to reading their tables every time.
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::ffi::CStr;

static mut PREV_SHMEM_REQUEST: pg_sys::shmem_request_hook_type = None;
static mut PREV_SHMEM_STARTUP: pg_sys::shmem_startup_hook_type = None;

/// From `_PG_init`: installs the hooks when the postmaster is preloading the library (the only
/// time shared memory can still be requested).
pub fn init() {
    if !unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        return;
    }
    unsafe {
        PREV_SHMEM_REQUEST = pg_sys::shmem_request_hook;
        pg_sys::shmem_request_hook = Some(request);
        PREV_SHMEM_STARTUP = pg_sys::shmem_startup_hook;
        pg_sys::shmem_startup_hook = Some(startup);
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn request() {
    unsafe {
        if let Some(prev) = PREV_SHMEM_REQUEST {
            prev();
        }
        pg_sys::RequestAddinShmemSpace(
            crate::caggs_threshold::SHMEM_SIZE + crate::caggs_coverage::SHMEM_SIZE,
        );
    }
}

/// In the postmaster (and again after a crash restart): every backend forked later inherits the
/// pointers the modules keep.
#[pg_guard]
unsafe extern "C-unwind" fn startup() {
    unsafe {
        if let Some(prev) = PREV_SHMEM_STARTUP {
            prev();
        }
        // AddinShmemInitLock is MainLWLockArray[21] (lwlocknames.h)
        let lock = &raw mut (*pg_sys::MainLWLockArray.add(21)).lock;
        pg_sys::LWLockAcquire(lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
        crate::caggs_threshold::attach();
        crate::caggs_coverage::attach();
        pg_sys::LWLockRelease(lock);
    }
}

/// The shared struct `name`, set to `initial` when this start-up creates it (a restart after a
/// crash creates it again). Only from a module's `attach`, called by [`startup`] under
/// AddinShmemInitLock.
pub(crate) unsafe fn create<T>(name: &CStr, initial: impl FnOnce() -> T) -> *mut T {
    let mut found = false;
    let p =
        unsafe { pg_sys::ShmemInitStruct(name.as_ptr(), size_of::<T>(), &mut found) }.cast::<T>();
    if !found {
        unsafe { p.write(initial()) };
    }
    p
}
