//! Giving freed memory back to the system once a shop is loaded.
//!
//! Loading streams every history through the classifier: hundreds of megabytes allocated and
//! freed in small pieces. glibc keeps freed pieces for reuse, so without this the console's
//! resident memory stays at its loading peak for as long as it runs.

/// Returns the heap's free pages to the system (glibc's `malloc_trim`; a no-op elsewhere).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free heap pages back to the kernel; no live allocation is
    // touched, and it may be called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
