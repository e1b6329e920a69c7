//! Giving freed memory back to the system once a shop is loaded.
//!
//! Loading streams every history through the classifier: hundreds of megabytes allocated and
//! freed in small pieces. glibc keeps freed pieces for reuse, so without this the console's
//! resident memory stays at its loading peak for as long as it runs.

/// Keeps the heap in at most two glibc arenas; call before any thread starts.
///
/// glibc gives each thread that allocates its own arena (up to 8 per core). The loader's threads
/// each leave theirs fragmented, pieces of it still live (a row, a profile) and the rest free
/// but not returnable: at 100,000 customers one arena per thread cost 33 MB of resident memory
/// (379 → 346 MB) and two were no slower to load than eight.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns the heap's free pages to the system (glibc's `malloc_trim`; a no-op elsewhere).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free heap pages back to the kernel; no live allocation is
    // touched, and it may be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
