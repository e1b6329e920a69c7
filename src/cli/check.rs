//! `kehu check`: verifies a database and prints what it found; never panics on damage.

use crate::classify::{Classifier, KeptClasses, Rules, Segmented, Stamp, rules_fingerprint};
use crate::progress::Progress;
use crate::store::Store;
use crate::store::{CheckReport, Opened, StoreError};
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
        Opened::open(dir, false).map(|store| {
            let notes = store.notes().to_vec();
            let mut report = match store.sled() {
                Some(sled) => sled.check_with(p),
                None => store.verify(p),
            };
            check_kept(&*store, rules, &mut report);
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

/// Kept segment counts and kept classes that hold for the database's last change and these
/// rules, compared with the shop classified afresh on their day, with the stored model when it
/// fits these data (one fresh build per day kept).
fn check_kept(store: &dyn Store, rules: &Rules, r: &mut CheckReport) {
    let Ok(now) = store.last_change() else { return };
    let holds = |s: &Stamp| s.change == now && s.rules == rules_fingerprint(rules);
    let segments = store.kept_segments().ok().flatten().filter(|k| holds(&k.stamp));
    let classes = store.kept_classes_stamp().ok().flatten().filter(|(s, _)| holds(s));
    let mut fresh: Option<Classifier> = None;
    if let Some(kept) = segments {
        let Some(clf) = fresh_at(store, rules, kept.stamp.today) else { return };
        if Segmented::of(&clf, now, kept.note.clone()) != kept {
            r.problem(
                "kept",
                "\"segments\"",
                "the kept segment counts differ from a fresh classification of the shop",
            );
        }
        r.counts.push(("kept segment counts".into(), 1));
        fresh = Some(clf);
    }
    let Some((stamp, _)) = classes else { return };
    let Some(kept) = store.kept_classes().ok().flatten() else {
        r.problem(
            "kept",
            "\"classes\"",
            "the kept classes do not read (the next classification of the shop keeps new ones)",
        );
        return;
    };
    let clf = match fresh.filter(|c| c.today() == stamp.today) {
        Some(clf) => clf,
        None => match fresh_at(store, rules, stamp.today) {
            Some(clf) => clf,
            None => return,
        },
    };
    compare_classes(&kept, &clf.kept_classes(now), r);
    r.counts.push(("kept classes".into(), kept.entries.len() as u64));
}

/// The shop classified afresh on `day` from the kept digests, with the stored model when it
/// fits these data; None when they do not read (the digests check says why).
fn fresh_at(store: &dyn Store, rules: &Rules, day: chrono::NaiveDate) -> Option<Classifier> {
    let mut builder = Classifier::builder(rules.clone(), day);
    store
        .summaries_until(&mut |s| {
            builder.push_summary(s);
            std::ops::ControlFlow::Continue(())
        })
        .ok()?;
    let fingerprint = builder.fingerprint();
    let model = super::context::stored_model(store).ok().flatten().filter(|m| m.holds_for(&fingerprint, day));
    Some(builder.finish(model))
}

/// Kept classes beside fresh ones: each customer that differs, is missing or is extra is named
/// (the first [`NAMED`]; then how many more).
fn compare_classes(kept: &KeptClasses, fresh: &KeptClasses, r: &mut CheckReport) {
    const NAMED: usize = 20;
    if kept.model != fresh.model {
        r.problem(
            "kept",
            "\"classes\"",
            "the kept classes were computed with another model than the one in force",
        );
    }
    let fresh_by_id: std::collections::HashMap<u64, _> =
        fresh.entries.iter().map(|(id, c, s)| (*id, (c, s))).collect();
    let kept_ids: std::collections::HashSet<u64> = kept.entries.iter().map(|(id, _, _)| *id).collect();
    let mut wrong: Vec<(u64, &str)> = Vec::new();
    for (id, classes, steady) in &kept.entries {
        match fresh_by_id.get(id) {
            None => wrong.push((*id, "kept classes of a customer who does not exist")),
            Some((c, s)) if (*c, *s) != (classes, steady) => {
                wrong.push((*id, "kept classes differ from a fresh classification"))
            }
            Some(_) => {}
        }
    }
    wrong.extend(
        fresh
            .entries
            .iter()
            .filter(|(id, _, _)| !kept_ids.contains(id))
            .map(|(id, _, _)| (*id, "no kept classes")),
    );
    wrong.sort_unstable();
    for (id, what) in wrong.iter().take(NAMED) {
        r.problem("kept", format!("#{id}"), *what);
    }
    if wrong.len() > NAMED {
        r.problem(
            "kept",
            "\"classes\"",
            format!("{} more customers' kept classes differ", wrong.len() - NAMED),
        );
    }
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
