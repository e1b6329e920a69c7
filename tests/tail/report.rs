//! The tail-damage tallies: verdicts per kind of damage, outcomes per command, salvage's
//! figures and the failed trials, each failure reported (and kept, with `KEHU_TAIL_KEEP`) as
//! it happens and the tables printed at the end.

use super::damage::{Damage, KINDS};
use super::shop::{Shop, copy_shop};
use super::trial::Trial;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Default)]
pub struct Tally {
    /// Trials per (damage kind, verdict).
    table: BTreeMap<(&'static str, &'static str), u64>,
    /// Runs per (command, what it showed).
    per_command: BTreeMap<(String, String), u64>,
    salvaged: u64,
    salvage_complete: u64,
    salvage_kept: usize,
    salvage_of: usize,
    pub failures: Vec<String>,
    /// Where failed trials are kept for a reproduction by hand (`KEHU_TAIL_KEEP`).
    keep: Option<PathBuf>,
}

impl Tally {
    pub fn new(keep: Option<PathBuf>) -> Tally {
        Tally { keep, ..Tally::default() }
    }

    /// Counts one trial; a failed one is reported on stderr at once.
    pub fn add(&mut self, trial: u64, shop: &Shop, damage: Damage, what: &str, t: &Trial) {
        *self.table.entry((damage.kind(), t.verdict)).or_default() += 1;
        for (label, seen, _) in &t.commands {
            let label = label.trim_start_matches("then ").to_string();
            *self.per_command.entry((label, format!("{seen:?}"))).or_default() += 1;
        }
        let mut problems = Vec::new();
        if matches!(t.verdict, "HANG" | "PANIC" | "SILENT LOSS" | "UNCLEAR") {
            problems.push(t.verdict.to_string());
        }
        if let Some(s) = &t.salvage {
            self.salvaged += 1;
            self.salvage_kept += s.kept;
            self.salvage_of += s.of;
            let complete = s.run.code == Some(0) && s.kept == s.of && s.clean;
            self.salvage_complete += u64::from(complete);
            if !complete {
                problems.push(format!(
                    "salvage kept {} of {} acknowledged rows (check clean: {}): {}",
                    s.kept,
                    s.of,
                    s.clean,
                    s.run.brief()
                ));
            }
        }
        if !problems.is_empty() {
            let mut report = format!("trial {trial}, shop '{}', {what}: {}", shop.name, problems.join("; "));
            for (label, seen, run) in &t.commands {
                report += &format!("\n  {label}: {seen:?}: {}", run.brief());
            }
            report += &self.keep_failed(trial, shop, damage);
            eprintln!("{report}");
            self.failures.push(report);
        }
    }

    /// Keeps the damaged copy of a failed trial and its untouched shop; where, for the report.
    fn keep_failed(&self, trial: u64, shop: &Shop, damage: Damage) -> String {
        let Some(keep) = &self.keep else { return String::new() };
        let at = keep.join(format!("trial{trial}"));
        let _ = std::fs::remove_dir_all(&at);
        copy_shop(&shop.dir, &at);
        damage.apply(&at.join("db"));
        let pristine = keep.join(format!("shop-{}", trial % 2));
        if !pristine.exists() {
            copy_shop(&shop.dir, &pristine);
        }
        format!("\n  kept: {} (damaged), {} (untouched)", at.display(), pristine.display())
    }

    /// Prints the tables (verdicts per damage, outcomes per command, salvage) on stderr.
    pub fn print(&self) {
        let verdicts: Vec<&str> = {
            let mut v: Vec<&str> = self.table.keys().map(|k| k.1).collect();
            v.sort();
            v.dedup();
            v
        };
        eprint!("{:<18}", "damage");
        for v in &verdicts {
            eprint!("{v:>28}");
        }
        eprintln!("{:>8}", "total");
        for kind in KINDS {
            eprint!("{kind:<18}");
            let mut total = 0;
            for v in &verdicts {
                let c = self.table.get(&(kind, v)).copied().unwrap_or(0);
                total += c;
                eprint!("{c:>28}");
            }
            eprintln!("{total:>8}");
        }
        eprintln!("\nper command (each on its own damaged copy, or after the one before it):");
        for ((label, seen), c) in &self.per_command {
            eprintln!("  {label:<26}{seen:<16}{c:>6}");
        }
        eprintln!(
            "\nsalvage: {} trial(s) with a refusal, {} rebuilt with every acknowledged record; \
             {} of {} acknowledged purchase and customer rows recovered",
            self.salvaged, self.salvage_complete, self.salvage_kept, self.salvage_of
        );
        let silent = self.table.iter().filter(|(k, _)| k.1 == "SILENT LOSS").map(|(_, c)| c).sum::<u64>();
        eprintln!("silent losses: {silent}, failed trials: {}", self.failures.len());
    }
}
