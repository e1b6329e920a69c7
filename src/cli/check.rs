//! `kehu check`: verifies a database and prints what it found; never panics on damage.

use crate::progress::Progress;
use crate::store::{CheckReport, SledStore, StoreError};
use std::io::Write;
use std::path::Path;

/// Exit code of a database with problems.
pub const DAMAGED: i32 = 1;
/// Exit code of a database that could not be opened at all.
pub const REFUSED: i32 = 2;

/// How the check went.
pub enum Outcome {
    /// Opened and scanned.
    Checked(CheckReport),
    /// Could not be opened (or sled gave up while scanning); the reason, for the operator.
    Refused(String),
    /// Another process holds it (a `kehu serve` may check it instead); the reason.
    Held(String),
}

/// Opens `dir` (which must hold a database: sled would make an empty one, and "clean" would be
/// a lie) and checks it; a panic inside sled is a refusal, not a crash.
/// `p` hears how far the check has come.
pub fn check_dir(dir: &Path, p: &dyn Progress) -> Outcome {
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        SledStore::open_existing(dir).map(|store| {
            let notes = store.report().notes.clone();
            (store.check_with(p), notes)
        })
    }));
    p.done();
    match opened {
        Ok(Ok((report, notes))) => {
            for n in notes {
                eprintln!("kehu: {}", crate::text::terminal_safe(&n));
            }
            Outcome::Checked(report)
        }
        Ok(Err(e @ StoreError::Locked { .. })) => Outcome::Held(e.to_string()),
        Ok(Err(e @ (StoreError::TooNew { .. } | StoreError::NoDatabase { .. }))) => {
            Outcome::Refused(e.to_string())
        }
        Ok(Err(e @ StoreError::Corrupt(_))) => Outcome::Refused(format!(
            "{e}; `kehu salvage --db {} --out NEWDIR` rebuilds it from its last backup and the journal",
            dir.display()
        )),
        // Lost says what to run; a full disk or a permission is not damage.
        Ok(Err(e)) => Outcome::Refused(e.to_string()),
        Err(_) => Outcome::Refused(format!(
            "the database files are damaged (sled failed on them); `kehu salvage --db {} --out NEWDIR` rebuilds it",
            dir.display()
        )),
    }
}

/// Prints the outcome and returns the exit code: 0 clean, 1 damaged, 2 refused; `held` runs
/// instead when another process holds the database, if it can (see `cli::remote`).
pub fn run(
    dir: &Path,
    p: &dyn Progress,
    out: &mut dyn Write,
    held: impl FnOnce() -> Option<anyhow::Result<i32>>,
) -> anyhow::Result<i32> {
    match check_dir(dir, p) {
        Outcome::Held(why) => match held() {
            Some(checked) => checked,
            None => {
                writeln!(out, "refused: {}", crate::text::terminal_safe(&why))?;
                Ok(REFUSED)
            }
        },
        Outcome::Refused(why) => {
            writeln!(out, "refused: {}", crate::text::terminal_safe(&why))?;
            Ok(REFUSED)
        }
        Outcome::Checked(report) => {
            print_report(&report, out)?;
            Ok(if report.is_clean() { 0 } else { DAMAGED })
        }
    }
}

/// The counts per tree, then every problem with its key, then a verdict line.
pub fn print_report(report: &CheckReport, out: &mut dyn Write) -> std::io::Result<()> {
    for (tree, n) in &report.counts {
        writeln!(out, "{tree:<14}{n:>10}")?;
    }
    for p in &report.problems {
        let line = format!("problem: {} {}: {}", p.tree, p.key, p.what);
        writeln!(out, "{}", crate::text::terminal_safe(&line))?;
    }
    match report.problems.len() {
        0 => writeln!(out, "clean"),
        n => writeln!(out, "damaged: {n} problem(s)"),
    }
}
