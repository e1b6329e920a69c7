//! `kehu check`: verifies a database and prints what it found; never panics on damage.

use crate::store::{CheckReport, SledStore, StoreError};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Mutex};

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
}

/// Opens `dir` and checks it, turning any panic inside sled into a refusal.
pub fn check_dir(dir: &Path) -> Outcome {
    if !dir.join("conf").is_file() && !dir.join("db").is_file() {
        // sled would create an empty database here, and "clean" would be a lie.
        return Outcome::Refused(format!("no kehu database at {}", dir.display()));
    }
    let caught = quietly(|| match SledStore::open(dir) {
        Ok(store) => Ok(store.check()),
        Err(e) => Err(e),
    });
    match caught {
        Ok(Ok(report)) => Outcome::Checked(report),
        Ok(Err(e @ (StoreError::Locked { .. } | StoreError::TooNew { .. }))) => {
            Outcome::Refused(e.to_string())
        }
        Ok(Err(e)) => Outcome::Refused(format!("the database files are damaged ({e})")),
        Err(why) => Outcome::Refused(format!("the database files are damaged (sled: {why})")),
    }
}

/// Runs `f`, catching a panic and returning its message instead of printing it: sled panics on
/// some damaged files, and a panic's message must never reach the operator as a crash.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let message = Arc::new(Mutex::new(None::<String>));
    let seen = Arc::clone(&message);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        if let Ok(mut m) = seen.lock() {
            m.get_or_insert(format!("{text}{at}"));
        }
    }));
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    out.map_err(|_| message.lock().ok().and_then(|m| m.clone()).unwrap_or_else(|| "unknown failure".into()))
}

/// Prints the outcome and returns the exit code: 0 clean, 1 damaged, 2 refused.
pub fn run(dir: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    match check_dir(dir) {
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
