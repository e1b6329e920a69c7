//! The parts of the disk-full tests (`tests/store_disk_full.rs`): a small tmpfs and filling it
//! ([`disk`]), the records read back through the exports ([`records`]), and one disk-full trial
//! of acknowledged work ([`trial`]).

pub mod disk;
pub mod records;
pub mod trial;

use crate::common::run::{Run, kehu_within};
use std::path::Path;
use std::time::Duration;

/// "Today" of the trials' shops.
pub const DEMO_DAY: &str = "2024-06-30";
/// Longest one command may take; past it, it counts as a hang.
pub const DEADLINE: Duration = Duration::from_secs(60);
/// What kehu says when the disk is full.
pub const FULL_WORDS: &str = "disk holding the database is full";

/// Runs `kehu --db DB --as-of DEMO_DAY --lang en ARGS…`, killed after [`DEADLINE`].
pub fn run(db: &Path, args: &[&str]) -> Run {
    kehu_within(db, DEMO_DAY, args, DEADLINE)
}

/// A panic's exit (101), kehu's internal-error exit (70), or a panic's report.
pub fn panicked(r: &Run) -> bool {
    r.code == Some(101) || r.code == Some(70) || r.err.contains("panicked")
}

/// Failed, saying the disk is full (and nothing worse).
pub fn said_full(r: &Run) -> bool {
    matches!(r.code, Some(1 | 2)) && format!("{}{}", r.err, r.out).contains(FULL_WORDS)
}

/// `check` exited 0 and found the database clean.
pub fn checks_clean(r: &Run) -> bool {
    r.ok() && r.out.trim_end().ends_with("clean")
}
