//! The parts of the tail-damage harness (`tests/tail_damage.rs`): the two shops and what they
//! hold ([`shop`]), the damage one trial does ([`damage`]), the commands on the damaged copies
//! and their verdict ([`trial`]), and the tallies printed at the end ([`report`]).

pub mod damage;
pub mod report;
pub mod shop;
pub mod trial;

use crate::common::run::{Run, kehu_within};
use std::path::Path;
use std::time::Duration;

pub const TODAY: &str = "2024-06-30";
/// Longest any one command may take on a damaged copy before it counts as a hang.
pub const TIMEOUT: Duration = Duration::from_secs(20);
pub const MIB: u64 = 1 << 20;
/// The customer `show` looks up: created by the second import, so it exists only if the
/// acknowledged work is there.
pub const SHOW_REF: &str = "TAIL0007";

/// Runs `kehu --db DB --as-of TODAY --lang en ARGS…`, killed after [`TIMEOUT`] (a hang).
pub fn kehu(db: &Path, args: &[&str]) -> Run {
    kehu_within(db, TODAY, args, TIMEOUT)
}

/// Runs a command that must succeed while a shop is built; returns stdout.
pub fn must(db: &Path, args: &[&str]) -> String {
    let r = kehu(db, args);
    assert_eq!(r.code, Some(0), "kehu {args:?} failed: {}", r.brief());
    r.out
}
