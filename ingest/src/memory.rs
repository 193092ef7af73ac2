//! How the process takes memory from the kernel.
//!
//! mimalloc marks the large regions it maps with `MADV_HUGEPAGE` and hands freed pages back to
//! the kernel 10 ms later (`MADV_DONTNEED`). Where transparent huge pages are on (Debian's
//! default: `madvise`), the next touch of such a page makes the kernel zero a whole 2 MB page.
//! `generate` and `import` allocate and free a batch's worth of records over and over, so a
//! quarter of `generate`'s CPU samples were the kernel clearing huge pages; the service and the
//! load generator paid it too, at a smaller share (benches/ingest/RESULTS.md, 2026-12-02).
//! Small pages cost that only for the 4 KB actually touched.

/// Turns transparent huge pages off for this process (`PR_SET_THP_DISABLE`), from the next page
/// fault on: call it first thing in `main`. Where the kernel refuses, or off Linux, nothing
/// changes, and the process runs as before: it is a saving, not a requirement.
pub fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and changes only a flag of the
    // calling process; it touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_marked_for_small_pages() {
        super::no_transparent_huge_pages();
        // SAFETY: PR_GET_THP_DISABLE only reads the calling process's flag.
        let flag = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(flag, 1);
    }
}
