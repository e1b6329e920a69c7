//! What salvage recovered from a damaged copy, measured against the undamaged shop's records,
//! and whether a backup taken from a damaged copy holds the whole shop.

use super::commands::{label, run};
use super::kinds::sled_only;
use super::shop::{Shop, Way, rows};
use crate::common::run::Run;
use std::collections::BTreeMap;
use std::path::Path;

const KINDS: [&str; 3] = ["customers", "purchases", "interactions"];

/// What salvage recovered on one copy.
#[derive(Debug, Default, Clone)]
pub struct Recovery {
    /// Salvage's exit code (None: it misbehaved; see the problems).
    pub code: Option<i32>,
    /// Records of the undamaged shop, and how many of them the salvaged database holds.
    pub total: usize,
    pub kept: usize,
    /// Records in the salvaged database that the undamaged shop does not have.
    pub foreign: usize,
    /// How salvage rebuilt it, from its report: "backup+journal", "records" or "-" (not at all).
    pub way: &'static str,
}

impl Recovery {
    pub fn full(&self) -> bool {
        self.kept == self.total && self.foreign == 0
    }
}

/// How many of `want`'s rows `got` holds, and how many of `got`'s rows `want` lacks.
fn overlap(want: &[String], got: &[String]) -> (usize, usize) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for r in want {
        *counts.entry(r).or_default() += 1;
    }
    let (mut kept, mut foreign) = (0, 0);
    for r in got {
        match counts.get_mut(r.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                kept += 1;
            }
            _ => foreign += 1,
        }
    }
    (kept, foreign)
}

/// Whether an exported customer row is salvage's placeholder for a lost customer record.
fn is_placeholder(row: &str) -> bool {
    row.split('\u{1f}').nth(2).is_some_and(|name| name.starts_with("(salvaged) #"))
}

/// Whether two exported rows are of the same id (their first column).
fn same_id(a: &str, b: &str) -> bool {
    a.split('\u{1f}').next() == b.split('\u{1f}').next()
}

/// A purchase or interaction row without its customer's ref (the third column).
fn without_ref(row: &str) -> String {
    let mut cols: Vec<&str> = row.split('\u{1f}').collect();
    if let Some(c) = cols.get_mut(2) {
        *c = "";
    }
    cols.join("\u{1f}")
}

/// How salvage said it rebuilt the database, from the first line of its report.
fn rebuilt_from(out: &str) -> &'static str {
    match out.lines().next().unwrap_or("") {
        l if l.starts_with("rebuilt ") && l.contains(" from the records ") => "records",
        l if l.starts_with("rebuilt ") => "backup+journal",
        _ => "-",
    }
}

/// Reads the database salvage wrote (if any) and compares its records with the undamaged shop;
/// what salvage did wrong goes to `problems`.
pub fn measure_salvage(
    shop: &Shop,
    kind: &str,
    copy: &Path,
    r: &Run,
    problems: &mut Vec<String>,
    repro: &str,
) -> Recovery {
    let total: usize = shop.records.iter().map(Vec::len).sum();
    let way = rebuilt_from(&r.out);
    let mut rec = Recovery { code: r.code.filter(|_| !r.timed_out), total, way, ..Recovery::default() };
    let new = copy.join("salvaged");
    let wrote = r.code.is_some_and(|c| c < 2) && !r.timed_out;
    if wrote && !new.join("db").exists() {
        problems.push(format!("salvage exited {} but wrote no database\n{repro}", label(r)));
    } else if wrote {
        read_salvaged(shop, &new, &mut rec, problems, repro);
    }
    if r.code == Some(0) && !rec.full() {
        problems.push(format!(
            "salvage said nothing was lost (exit 0) but kept {} of {} records\n{repro}",
            rec.kept, rec.total
        ));
    }
    if shop.way == Way::Journal && sled_only(kind) && rec.way != "backup+journal" {
        problems.push(format!(
            "only sled's files were damaged, the backup and the journal are whole, yet salvage did not \
             rebuild from them (it went: {})\n{repro}",
            rec.way
        ));
    }
    if shop.way == Way::Journal && !rec.full() {
        problems.push(format!(
            "with its journal and a backup (one fault), salvage kept {} of {} records\n{repro}",
            rec.kept, rec.total
        ));
    }
    rec
}

/// Checks the salvaged database `new` and counts its records into `rec`.
fn read_salvaged(shop: &Shop, new: &Path, rec: &mut Recovery, problems: &mut Vec<String>, repro: &str) {
    let check = run(new, &["check"]);
    if check.code != Some(0) || !check.out.trim_end().ends_with("clean") {
        problems.push(format!(
            "the salvaged database does not check clean: exit {}\n{}{}\n{repro}",
            label(&check),
            check.out,
            check.err
        ));
    }
    for (i, kind) in KINDS.into_iter().enumerate() {
        let e = run(new, &["export", "--kind", kind]);
        if e.code != Some(0) {
            problems.push(format!(
                "export {kind} of the salvaged database: exit {}\n{}\n{repro}",
                label(&e),
                e.err
            ));
            continue;
        }
        let got = rows(&e.out);
        let (kept, foreign) = if kind == "customers" {
            let (placeholders, named): (Vec<String>, Vec<String>) =
                got.into_iter().partition(|r| is_placeholder(r));
            // A customer whose record was lost while their history was not comes back under a
            // placeholder name, as salvage says: theirs only if the shop had that id.
            let strays =
                placeholders.iter().filter(|p| !shop.records[i].iter().any(|r| same_id(r, p))).count();
            let (kept, foreign) = overlap(&shop.records[i], &named);
            (kept, foreign + strays)
        } else {
            // The `ref` column of a history row is its customer's: a placeholder has none.
            let want: Vec<String> = shop.records[i].iter().map(|r| without_ref(r)).collect();
            let got: Vec<String> = got.iter().map(|r| without_ref(r)).collect();
            overlap(&want, &got)
        };
        rec.kept += kept;
        rec.foreign += foreign;
        if foreign > 0 {
            problems.push(format!(
                "the salvaged database holds {foreign} {kind} record(s) the shop never had\n{repro}"
            ));
        }
    }
}

/// A backup taken from a damaged copy (exit 0) restored and compared with the undamaged shop;
/// what it lacks, if anything.
pub fn verify_backup(shop: &Shop, copy: &Path) -> Option<String> {
    let restored = copy.join("restored");
    let file = copy.join("taken.kehubak").display().to_string();
    let r = run(&restored, &["restore", &file]);
    if r.code != Some(0) {
        return Some(format!("its backup does not restore: exit {}\n{}{}", label(&r), r.out, r.err));
    }
    let mut lacks = Vec::new();
    for (i, kind) in KINDS.into_iter().enumerate() {
        let e = run(&restored, &["export", "--kind", kind]);
        let (kept, foreign) = overlap(&shop.records[i], &rows(&e.out));
        if e.code != Some(0) || kept != shop.records[i].len() || foreign > 0 {
            lacks.push(format!("{kind}: {kept} of {} kept, {foreign} foreign", shop.records[i].len()));
        }
    }
    (!lacks.is_empty()).then(|| format!("the backup it wrote (exit 0) lacks data: {}", lacks.join("; ")))
}
