//! One disk-full trial (issue 13): a shop on a small tmpfs, the disk filled but for some slack,
//! acknowledged work on it (imports, torture edits, `kehu check`, a backup) until the full disk
//! refuses, then the space freed; afterwards every command must open the database and every
//! acknowledged change must be there.

use super::disk::fill;
use super::records::{read, without_imports};
use super::{checks_clean, panicked, run, said_full};
use crate::common::dbfiles::generating;
use crate::common::run::Run;
use crate::common::torture::{Records, Replay};
use kehu::demo::rng::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The work each trial does, by `trial % 4`.
pub const WORK_KINDS: [&str; 4] =
    ["imports", "torture edits", "check and backup", "edits, imports, check, backup"];

/// A customers file of `rows` customers `<prefix>-<k>` with 2 KB notes each.
pub fn customers_file(scratch: &Path, prefix: &str, rows: u64) -> PathBuf {
    let note = "n".repeat(2000);
    let mut csv = String::from("ref,name,notes\n");
    for k in 0..rows {
        csv += &format!("{prefix}-{k},Name {prefix}-{k},{note}\n");
    }
    let p = scratch.join(format!("{prefix}.csv"));
    std::fs::write(&p, csv).expect("write import file");
    p
}

/// A purchases file for `rows` new customers `<prefix>-<k>` (`--create-missing`), one purchase
/// each of `k + 1` yuan.
fn purchases_file(scratch: &Path, prefix: &str, rows: u64) -> PathBuf {
    let mut csv = String::from("ref,date,amount,quantity\n");
    for k in 0..rows {
        csv += &format!("{prefix}-{k},2024-03-{:02},{}.00,1\n", 1 + k % 28, k + 1);
    }
    let p = scratch.join(format!("{prefix}.csv"));
    std::fs::write(&p, csv).expect("write import file");
    p
}

/// An import made during the trial: its refs' prefix, its kind, rows, and whether it was
/// acknowledged.
struct Imported {
    prefix: String,
    purchases: bool,
    rows: u64,
    acked: bool,
}

/// What one trial found.
#[derive(Default)]
pub struct DiskTrial {
    /// Whether any command reported the full disk (else the trial tested little).
    pub filled: bool,
    pub acked_edits: usize,
    pub acked_imports: usize,
    /// Commands that failed during the full disk without saying so in words, or panicked/hung.
    pub unclear: Vec<String>,
    /// After freeing: commands that failed.
    pub unopenable: Vec<String>,
    /// Acknowledged records missing after freeing.
    pub lost: Vec<String>,
    /// The edit in flight when the disk filled landed although refused.
    pub refused_but_saved: usize,
    /// sled's half-written snapshots (`snap.*.generating`) found after freeing.
    pub leftovers: Vec<String>,
    /// What a failed backup left beside its target.
    pub stray: Vec<String>,
}

impl DiskTrial {
    /// Notes how a command on the full disk ended: it may say the disk is full; otherwise it
    /// must succeed where `may_succeed`, and never hang or panic.
    fn note(&mut self, what: &str, r: &Run, may_succeed: bool) {
        if said_full(r) {
            self.filled = true;
        } else if r.timed_out || panicked(r) || !(r.ok() && may_succeed) {
            self.unclear.push(format!("{what}: {}", r.brief()));
        }
    }

    /// The trial's line in the summary, the worst finding first.
    pub fn outcome(&self) -> &'static str {
        if !self.unopenable.is_empty() {
            "UNOPENABLE"
        } else if !self.lost.is_empty() {
            "LOST"
        } else if !self.unclear.is_empty() {
            "UNCLEAR"
        } else if !self.filled {
            "disk never filled"
        } else {
            "all there"
        }
    }

    /// Every broken promise.
    pub fn problems(&self) -> Vec<String> {
        self.unopenable.iter().chain(&self.lost).chain(&self.unclear).cloned().collect()
    }
}

/// The backups tried on the full disk, to be told from what a failed one left behind.
struct Backups {
    /// Written as the disk fills (work kind 2 only).
    first: PathBuf,
    /// Written on the full disk, and whether it was acknowledged.
    full: PathBuf,
    full_ok: bool,
}

/// One trial on the tmpfs mounted at `mnt` (import files in `scratch`).
pub fn disk_trial(trial: u64, mnt: &Path, scratch: &Path) -> DiskTrial {
    let mut rng = Rng::new(0xD15C_0000 + trial);
    let mut t = DiskTrial::default();
    let db = mnt.join("db");
    let made = run(&db, &["demo", "--customers", "300", "--seed", &(trial + 1).to_string()]);
    assert!(made.ok(), "trial {trial}: demo: {}", made.brief());
    let before = read(&db).unwrap_or_else(|r| panic!("trial {trial}: export before: {}", r.brief()));
    let kind = trial % WORK_KINDS.len() as u64;
    // Slack from nothing to 1 MB: the disk fills at a different moment of the work each time.
    // (A backup of these shops takes about 200 KB: with up to 400 KB free it may fit or not.)
    let slack = if kind == 2 { rng.below(400 << 10) } else { rng.below(1 << 20) } / 4096 * 4096;
    let filler = fill(mnt, "filler", slack);
    let prefix = format!("D{trial}");
    let mut lines = Vec::new();
    if kind == 1 || kind == 3 {
        let r = run(&db, &["torture", "--seed", &(trial + 1).to_string(), "--edits", "100000"]);
        t.note("torture", &r, false);
        lines.extend(r.out.lines().map(str::to_string));
    }
    let imports = if kind == 0 || kind == 3 {
        import_until_refused(&mut t, &db, scratch, &prefix, &mut rng)
    } else {
        Vec::new()
    };
    let (backups, rest) = on_the_full_disk(&mut t, mnt, &db, kind == 2);

    // The operator frees the space.
    std::fs::remove_file(&filler).expect("free the space");
    std::fs::remove_file(&rest).expect("free the space");
    look_for_leftovers(&mut t, mnt, &db, &backups);
    let found = every_command_opens(&mut t, &db, scratch, trial, &prefix);
    let Some(found) = found else { return t };
    edits_all_there(&mut t, &before, &lines, &found, &prefix);
    imports_all_there(&mut t, &imports, &found);
    t
}

/// Imports batches of customers and purchases until the full disk refuses one and the next.
fn import_until_refused(
    t: &mut DiskTrial,
    db: &Path,
    scratch: &Path,
    prefix: &str,
    rng: &mut Rng,
) -> Vec<Imported> {
    let mut imports: Vec<Imported> = Vec::new();
    for batch in 0..40 {
        let purchases = batch % 2 == 1;
        let p = format!("{prefix}-{batch}");
        let rows = 20 + rng.below(60);
        let file =
            if purchases { purchases_file(scratch, &p, rows) } else { customers_file(scratch, &p, rows) };
        let kind = if purchases { "purchases" } else { "customers" };
        let mut args = vec!["import", "--kind", kind, file.to_str().unwrap()];
        if purchases {
            args.push("--create-missing");
        }
        let r = run(db, &args);
        t.note(&format!("import {p}"), &r, true);
        imports.push(Imported { prefix: p, purchases, rows, acked: r.ok() });
        // One more after the first refusal: the full disk refuses it too, in words.
        if !r.ok() && imports.iter().filter(|i| !i.acked).count() > 1 {
            break;
        }
    }
    imports
}

/// Whatever room the work left is taken too; then `kehu check`, a backup and an export on the
/// full disk: each may work or say the disk is full (the brick: sled opened by `check`
/// on a full disk left a half-written snapshot behind). Returns the backups and the second
/// filler.
fn on_the_full_disk(
    t: &mut DiskTrial,
    mnt: &Path,
    db: &Path,
    backup_as_it_fills: bool,
) -> (Backups, PathBuf) {
    let first = mnt.join("first.kehubak");
    if backup_as_it_fills {
        let r = run(db, &["backup", first.to_str().unwrap()]);
        t.note("backup as the disk fills", &r, true);
        if !r.ok() {
            let _ = std::fs::remove_file(&first);
        }
    }
    let rest = fill(mnt, "filler2", 0);
    let r = run(db, &["check"]);
    t.note("check on the full disk", &r, true);
    let full = mnt.join("full.kehubak");
    let r = run(db, &["backup", full.to_str().unwrap()]);
    t.note("backup on the full disk", &r, true);
    let full_ok = r.ok();
    let r = run(db, &["export", "--kind", "purchases"]);
    t.note("export on the full disk", &r, true);
    (Backups { first, full, full_ok }, rest)
}

/// Notes sled's half-written snapshots and what failed backups left beside their targets (a
/// failed full-disk backup is removed first, as an operator would).
fn look_for_leftovers(t: &mut DiskTrial, mnt: &Path, db: &Path, b: &Backups) {
    if !b.full_ok {
        let _ = std::fs::remove_file(&b.full);
    }
    t.leftovers.extend(generating(db));
    for e in std::fs::read_dir(mnt).expect("mount").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let kept = (b.full_ok && e.path() == b.full) || e.path() == b.first;
        if (name.starts_with("full.kehubak") || name.starts_with("first.kehubak")) && !kept {
            t.stray.push(name);
        }
    }
}

/// After freeing, every command opens the database; its records, if the exports work.
fn every_command_opens(
    t: &mut DiskTrial,
    db: &Path,
    scratch: &Path,
    trial: u64,
    prefix: &str,
) -> Option<Records> {
    let found = match read(db) {
        Ok(s) => Some(s),
        Err(r) => {
            t.unopenable.push(format!("export after freeing: {}", r.brief()));
            None
        }
    };
    let check = run(db, &["check"]);
    if !checks_clean(&check) {
        t.unopenable.push(format!("check after freeing: {}", check.brief()));
    }
    let some_id = found.as_ref().and_then(|f| f.customers.keys().next().copied()).unwrap_or(1);
    let show_id = format!("#{some_id}");
    let out_backup = scratch.join(format!("after{trial}.kehubak"));
    let small = customers_file(scratch, &format!("{prefix}-after"), 3);
    for args in [
        vec!["show", show_id.as_str()],
        vec!["segments"],
        vec!["audit"],
        vec!["backup", out_backup.to_str().unwrap()],
        vec!["torture", "--seed", "99", "--edits", "3"],
        vec!["import", "--kind", "customers", small.to_str().unwrap()],
    ] {
        let r = run(db, &args);
        if !r.ok() {
            t.unopenable.push(format!("{} after freeing: {}", args.join(" "), r.brief()));
        }
    }
    found
}

/// Every acknowledged torture edit is in `found` (the trial's imports aside); the edit in
/// flight when the disk filled was refused, and may still have landed whole.
fn edits_all_there(t: &mut DiskTrial, before: &Records, lines: &[String], found: &Records, prefix: &str) {
    let replay = Replay::of(before, lines);
    for ok in &replay.unreplayable {
        t.lost.push(format!("cannot replay the acknowledged edit {ok:?}"));
    }
    t.acked_edits += replay.acked;
    let found_edits = without_imports(found, prefix);
    if replay.expected.same_records(&found_edits) {
        return;
    }
    if replay.pending_landed_whole(&found_edits) {
        t.refused_but_saved += 1;
    } else {
        t.lost.push(format!(
            "{} acknowledged record(s) of the shop and its {} edits missing or changed",
            replay.expected.lost_in(&found_edits).max(1),
            t.acked_edits
        ));
    }
}

/// Every acknowledged import is whole in `found`, and every refused one is all there or not
/// at all.
fn imports_all_there(t: &mut DiskTrial, imports: &[Imported], found: &Records) {
    let by_ref: BTreeMap<&str, (u64, &str)> =
        found.customers.iter().map(|(id, (name, r))| (r.as_str(), (*id, name.as_str()))).collect();
    for i in imports {
        let present =
            (0..i.rows).filter(|k| by_ref.contains_key(format!("{}-{k}", i.prefix).as_str())).count() as u64;
        if i.acked {
            t.acked_imports += 1;
            for k in 0..i.rows {
                let r = format!("{}-{k}", i.prefix);
                let ok = match by_ref.get(r.as_str()) {
                    None => false,
                    Some((id, name)) if i.purchases => {
                        found.purchases.values().any(|(o, c)| o == id && *c == (k as i64 + 1) * 100)
                            && !name.is_empty()
                    }
                    Some((_, name)) => *name == format!("Name {r}"),
                };
                if !ok {
                    t.lost.push(format!("acknowledged import {}: row {r} missing or changed", i.prefix));
                    break;
                }
            }
        } else if present == i.rows {
            t.refused_but_saved += 1;
        } else if present > 0 {
            t.lost.push(format!(
                "refused import {}: {present} of {} rows present (not all or nothing)",
                i.prefix, i.rows
            ));
        }
    }
}
