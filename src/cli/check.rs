//! `kehu check`: verifies a database and prints what it found; never panics on damage.

use crate::classify::{Classifier, Rules, Segmented, rules_fingerprint};
use crate::progress::Progress;
use crate::store::Store;
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
pub fn check_dir(dir: &Path, rules: &Rules, p: &dyn Progress) -> Outcome {
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        SledStore::open_existing(dir).map(|store| {
            let notes = store.report().notes.clone();
            let mut report = store.check_with(p);
            check_kept(&store, rules, &mut report);
            (report, notes)
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

/// Kept segment counts that hold for the database's last change and these rules, compared with
/// the shop classified afresh on their day, with the stored model when it fits these data.
fn check_kept(store: &SledStore, rules: &Rules, r: &mut CheckReport) {
    let (Ok(Some(kept)), Ok(now)) = (store.kept_segments(), store.last_change()) else { return };
    if kept.stamp.change != now || kept.stamp.rules != rules_fingerprint(rules) {
        return;
    }
    let mut builder = Classifier::builder(rules.clone(), kept.stamp.today);
    let read = store.summaries_until(&mut |s| {
        builder.push_summary(s);
        std::ops::ControlFlow::Continue(())
    });
    if read.is_err() {
        return;
    }
    let fingerprint = builder.fingerprint();
    let model = super::context::stored_model(store).ok().flatten().filter(|m| m.fingerprint == fingerprint);
    let fresh = Segmented::of(&builder.finish(model), now, kept.note.clone());
    if fresh != kept {
        r.problem(
            "kept",
            "\"segments\"",
            "the kept segment counts differ from a fresh classification of the shop",
        );
    }
    r.counts.push(("kept segment counts".into(), 1));
}

/// Prints the outcome and returns the exit code: 0 clean, 1 damaged, 2 refused; `held` runs
/// instead when another process holds the database, if it can (see `cli::remote`).
pub fn run(
    dir: &Path,
    rules: &Rules,
    p: &dyn Progress,
    out: &mut dyn Write,
    held: impl FnOnce() -> Option<anyhow::Result<i32>>,
) -> anyhow::Result<i32> {
    match check_dir(dir, rules, p) {
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
