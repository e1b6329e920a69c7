//! The parts of the corruption corpus (`tests/damage_corpus.rs`): the two template shops
//! ([`shop`]), the kinds of damage ([`kinds`]), the commands run on each damaged copy and what
//! counts as misbehaving ([`commands`]), what salvage recovered ([`salvage`]), one damaged copy
//! and the runner over all of them ([`case`]), the printed tables ([`report`]) and the console
//! in tmux on damaged copies ([`console`]).

pub mod case;
pub mod commands;
pub mod console;
pub mod kinds;
pub mod report;
pub mod salvage;
pub mod shop;

use std::time::Duration;

/// "Today" for every command of the corpus.
pub const DAY: &str = "2024-06-30";
/// A command still running after this is killed and counted as a hang. Longer than the 30 s
/// the store gives sled to open, so that a refusal after that deadline is told from a hang.
pub const DEADLINE: Duration = Duration::from_secs(45);
/// A command that takes longer than this is listed as slow (the issue asks for seconds).
pub const SLOW: Duration = Duration::from_secs(10);
/// sled's segment size.
pub const SEGMENT: usize = 512 * 1024;
