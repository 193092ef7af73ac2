//! How many threads a service runs its requests on. Both services share a host with PostgreSQL
//! on small machines and spend well under half of its CPU per request, so the default is half
//! the cores, at least one; with one, a service runs tokio's current-thread runtime, where no
//! task moves between threads and a request wakes no other thread (benches/api/RESULTS.md,
//! benches/ingest/RESULTS.md).

/// `requested` threads, or for 0 half of `cores`, at least 1.
pub fn worker_threads(requested: usize, cores: usize) -> usize {
    match requested {
        0 => (cores / 2).max(1),
        n => n,
    }
}

/// [`worker_threads`] for this machine's cores.
pub fn here(requested: usize) -> usize {
    worker_threads(
        requested,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    )
}

#[cfg(test)]
mod tests {
    use super::worker_threads;

    #[test]
    fn zero_means_half_the_cores_and_never_none() {
        assert_eq!(worker_threads(0, 1), 1);
        assert_eq!(worker_threads(0, 2), 1);
        assert_eq!(worker_threads(0, 3), 1);
        assert_eq!(worker_threads(0, 8), 4);
        assert_eq!(worker_threads(3, 2), 3);
    }
}
