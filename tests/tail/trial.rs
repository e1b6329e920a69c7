//! One tail-damage trial: the commands on two damaged copies, what each showed against the
//! untouched shop's answers, the trial's verdict, and salvage when any command refused.

use super::damage::Damage;
use super::shop::{Shop, copy_shop};
use super::{SHOW_REF, kehu};
use crate::common::run::Run;
use std::path::Path;

/// What one command showed on a damaged copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Exit 0 with exactly the recorded data; `true` when the journal brought changes back.
    Intact(bool),
    /// Exit 2 naming `kehu salvage` (or `check` reporting damage, exit 1).
    Refused,
    /// Exit 0 (or a `show` that finds nobody) with other data than was acknowledged.
    Loss,
    Hang,
    Panic,
    /// Any other exit code or wording.
    Unclear,
}

/// Judges one command's run against what the untouched shop answered.
fn judge(r: &Run, expected: &str, is_check: bool) -> Seen {
    let said = format!("{}{}", r.err, r.out);
    if r.timed_out {
        return Seen::Hang;
    }
    if r.code == Some(101) || said.contains("panicked") || said.contains("RUST_BACKTRACE") {
        return Seen::Panic;
    }
    match r.code {
        Some(0) if r.out == expected => Seen::Intact(r.err.contains("the journal brought them back")),
        Some(0) => Seen::Loss,
        Some(2) if said.contains("kehu salvage") => Seen::Refused,
        Some(1) if is_check && r.out.contains("problem: ") && r.out.contains("damaged: ") => Seen::Refused,
        Some(1) if r.err.contains("no customer matches") => Seen::Loss,
        _ => Seen::Unclear,
    }
}

/// How many lines of `expected` (a CSV export, header aside) are in `found`.
fn kept_rows(expected: &str, found: &str) -> (usize, usize) {
    let have: std::collections::HashSet<&str> = found.lines().skip(1).collect();
    let rows: Vec<&str> = expected.lines().skip(1).collect();
    (rows.iter().filter(|l| have.contains(*l)).count(), rows.len())
}

/// The verdict of one trial.
#[derive(Debug, Default)]
pub struct Trial {
    pub verdict: &'static str,
    /// Per command: (label, what it showed, the run).
    pub commands: Vec<(String, Seen, Run)>,
    pub salvage: Option<SalvageResult>,
}

#[derive(Debug)]
pub struct SalvageResult {
    pub run: Run,
    /// Acknowledged purchase and customer rows found in the new database, of all.
    pub kept: usize,
    pub of: usize,
    /// `check` of the new database: clean?
    pub clean: bool,
}

/// The verdict of a trial from what each command showed: the worst finding, else how the
/// commands agreed.
fn verdict(seen: &[Seen]) -> &'static str {
    let any = |f: &dyn Fn(&Seen) -> bool| seen.iter().any(f);
    if any(&|s| *s == Seen::Hang) {
        "HANG"
    } else if any(&|s| *s == Seen::Panic) {
        "PANIC"
    } else if any(&|s| *s == Seen::Loss) {
        "SILENT LOSS"
    } else if any(&|s| *s == Seen::Unclear) {
        "UNCLEAR"
    } else if seen.iter().all(|s| *s == Seen::Refused) {
        "refused"
    } else if seen.iter().all(|s| matches!(s, Seen::Intact(_))) {
        if any(&|s| *s == Seen::Intact(true)) { "intact (journal replayed)" } else { "intact" }
    } else {
        "mixed"
    }
}

/// Runs the commands on two damaged copies (one starting with `check`, one with `export`),
/// and `salvage` when any refused.
pub fn run_trial(shop: &Shop, damage: Damage, dir: &Path) -> (String, Trial) {
    let (a, b) = (dir.join("a"), dir.join("b"));
    copy_shop(&shop.dir, &a);
    copy_shop(&shop.dir, &b);
    let what = damage.apply(&a.join("db"));
    assert_eq!(damage.apply(&b.join("db")), what, "the same damage on both copies");
    let e = &shop.expected;
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| {
            let db = a.join("db");
            vec![
                ("check".to_string(), kehu(&db, &["check"]), e.check.as_str(), true),
                (
                    "then export purchases".into(),
                    kehu(&db, &["export", "--kind", "purchases"]),
                    e.purchases.as_str(),
                    false,
                ),
                (
                    "then export customers".into(),
                    kehu(&db, &["export", "--kind", "customers"]),
                    &e.customers,
                    false,
                ),
            ]
        });
        let second = s.spawn(|| {
            let db = b.join("db");
            vec![
                (
                    "export purchases".to_string(),
                    kehu(&db, &["export", "--kind", "purchases"]),
                    e.purchases.as_str(),
                    false,
                ),
                (format!("then show {SHOW_REF}"), kehu(&db, &["show", SHOW_REF]), e.show.as_str(), false),
            ]
        });
        (first.join().expect("first copy"), second.join().expect("second copy"))
    });
    let mut t = Trial::default();
    for (label, run, expected, is_check) in first.into_iter().chain(second) {
        let seen = judge(&run, expected, is_check);
        t.commands.push((label, seen, run));
    }
    let seen: Vec<Seen> = t.commands.iter().map(|c| c.1).collect();
    t.verdict = verdict(&seen);
    if seen.contains(&Seen::Refused) {
        t.salvage = Some(salvage(shop, &a.join("db"), &dir.join("salvaged")));
    }
    (what, t)
}

/// `kehu salvage` from the damaged copy, then what the new database holds.
fn salvage(shop: &Shop, damaged: &Path, to: &Path) -> SalvageResult {
    let run = kehu(damaged, &["salvage", "--out", to.to_str().unwrap()]);
    if run.code != Some(0) && run.code != Some(1) {
        let of = kept_rows(&shop.expected.purchases, "").1 + kept_rows(&shop.expected.customers, "").1;
        return SalvageResult { run, kept: 0, of, clean: false };
    }
    let check = kehu(to, &["check"]);
    let purchases = kehu(to, &["export", "--kind", "purchases"]);
    let customers = kehu(to, &["export", "--kind", "customers"]);
    let (p, pn) = kept_rows(&shop.expected.purchases, &purchases.out);
    let (c, cn) = kept_rows(&shop.expected.customers, &customers.out);
    let clean = check.code == Some(0) && check.out.trim_end().ends_with("clean");
    SalvageResult { run, kept: p + c, of: pn + cn, clean }
}
