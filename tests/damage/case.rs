//! One damaged copy: every command run on a fresh copy of the same damage, with the promises
//! each must keep; and the runner that works through all the copies a few at a time.

use super::SLOW;
use super::commands::{Cmd, commands, label, misbehaviour, run};
use super::kinds::{damage, pairs};
use super::salvage::{Recovery, measure_salvage, verify_backup};
use super::shop::{Shop, Way, first_difference, normalised, of_way};
use crate::common::fsutil::copy_dir;
use crate::common::run::Run;
use kehu::demo::rng::Rng;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Everything found on one damaged copy.
pub struct CaseResult {
    pub case: u64,
    pub way: Way,
    pub kind: &'static str,
    pub what: String,
    /// Per command: its run.
    pub runs: Vec<(&'static str, Run)>,
    pub recovery: Recovery,
    /// Broken promises, each with its reproduction.
    pub problems: Vec<String>,
    /// Damage that a command took at face value (exit 0, different output) on a copy without
    /// the journal: reported, not failed (two faults: sled's files and the journal).
    pub unjournaled_silent: Vec<String>,
}

impl CaseResult {
    /// How to see it again by hand: the case, its damage, the command and how it ended.
    fn repro(&self, cmd: &str, r: &Run) -> String {
        format!(
            "case {} ({}, {}): {} → `kehu {cmd}`: exit {} in {:.1} s\n  stdout: {}\n  stderr: {}",
            self.case,
            self.way.label(),
            self.kind,
            self.what,
            label(r),
            r.took.as_secs_f64(),
            r.out.lines().take(6).collect::<Vec<_>>().join("\n          "),
            r.err.lines().take(6).collect::<Vec<_>>().join("\n          ")
        )
    }

    /// A clean answer with other data than the undamaged shop's: a broken promise with the
    /// journal, a finding without it.
    fn silent(&mut self, note: String) {
        match self.way {
            Way::Journal => self.problems.push(format!("silent loss: {note}")),
            Way::Records => self.unjournaled_silent.push(note),
        }
    }
}

/// A digest of every file under `dir` except kehu's lock file (which every open rewrites).
fn digest(dir: &Path, out: &mut BTreeMap<String, u64>) {
    let Ok(listing) = std::fs::read_dir(dir) else { return };
    for e in listing {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.insert(format!("{}/", p.display()), 0);
            digest(&p, out);
        } else if p.file_name().is_some_and(|n| n != "kehu.lock") {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(&p).unwrap_or_default().hash(&mut h);
            out.insert(p.display().to_string(), h.finish());
        }
    }
}

/// The digest of a copy's database and its daily backups.
fn digest_copy(copy: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    digest(&copy.join("db"), &mut out);
    digest(&copy.join("db.backups"), &mut out);
    out
}

/// Damages a copy of `shop` as `kind` says (positions from `seed` and `case`) and runs every
/// command on it, each in `dir` on a fresh copy of the damage.
pub fn run_case(shop: &Shop, case: u64, kind: &'static str, seed: u64, dir: &Path) -> CaseResult {
    let template = dir.join("damaged");
    copy_dir(&shop.root, &template);
    let what = damage(&template.join("db"), kind, &mut Rng::stream(seed, case));
    let mut res = CaseResult {
        case,
        way: shop.way,
        kind,
        what,
        runs: Vec::new(),
        recovery: Recovery::default(),
        problems: Vec::new(),
        unjournaled_silent: Vec::new(),
    };
    for cmd in commands().into_iter().filter(|c| wanted(c.name)) {
        // Every command meets the damage as it was made, not as an earlier command left it.
        let copy = dir.join(cmd.name.replace(' ', "-"));
        copy_dir(&template, &copy);
        let r = run_on_copy(&mut res, shop, &cmd, &copy);
        res.runs.push((cmd.name, r));
        std::fs::remove_dir_all(&copy).unwrap();
    }
    if let Some(keep) = std::env::var_os("KEHU_DAMAGE_KEEP").filter(|_| !res.problems.is_empty()) {
        copy_dir(&template, &Path::new(&keep).join(format!("case{case}")));
    }
    std::fs::remove_dir_all(&template).unwrap();
    res
}

/// Runs `cmd` on the damaged `copy` and records in `res` every promise it broke.
fn run_on_copy(res: &mut CaseResult, shop: &Shop, cmd: &Cmd, copy: &Path) -> Run {
    let before = digest_copy(copy);
    let r = run(&copy.join("db"), &cmd.args(copy));
    if let Some(why) = misbehaviour(cmd.name, &r) {
        res.problems.push(format!("{why}\n{}", res.repro(cmd.name, &r)));
    }
    if r.took > SLOW && !r.timed_out {
        eprintln!("slow: {}", res.repro(cmd.name, &r));
    }
    if cmd.compare && r.code == Some(0) && !r.timed_out {
        let (reference, out) = (&shop.reference[cmd.name], normalised(r.out.clone()));
        if out != *reference {
            res.silent(format!(
                "exit 0 but its output differs from the undamaged shop's: {:?}\n{}",
                first_difference(reference, &out),
                res.repro(cmd.name, &r)
            ));
        }
    }
    match cmd.name {
        "salvage" => {
            let after = digest_copy(copy);
            if before != after {
                let changed: Vec<&String> =
                    before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).collect();
                res.problems.push(format!(
                    "salvage wrote to the damaged database: {changed:?}\n{}",
                    res.repro(cmd.name, &r)
                ));
            }
            let how = res.repro(cmd.name, &r);
            res.recovery = measure_salvage(shop, res.kind, copy, &r, &mut res.problems, &how);
        }
        "backup" if r.code == Some(0) => {
            if let Some(p) = verify_backup(shop, copy) {
                res.silent(format!("{p}\n{}", res.repro(cmd.name, &r)));
            }
        }
        _ => {}
    }
    r
}

/// Whether `KEHU_DAMAGE_COMMANDS` (names separated by commas; unset: all) asks for `cmd`.
fn wanted(cmd: &str) -> bool {
    std::env::var("KEHU_DAMAGE_COMMANDS").map_or(true, |list| list.split(',').any(|c| c.trim() == cmd))
}

/// Whether `KEHU_DAMAGE_ONLY` (a part of "way / kind"; unset: all) asks for this pair.
fn chosen(way: Way, kind: &str) -> bool {
    std::env::var("KEHU_DAMAGE_ONLY").map_or(true, |part| format!("{} / {kind}", way.label()).contains(&part))
}

/// Runs `cases` damaged copies of `shops` under `dir`, `jobs` at a time, each (way, kind) in
/// turn; the results in case order.
pub fn run_corpus(shops: &[Shop], dir: &Path, cases: u64, seed: u64, jobs: u64) -> Vec<CaseResult> {
    let pairs = pairs();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let case = next.fetch_add(1, Ordering::SeqCst) as u64;
                    if case >= cases {
                        break;
                    }
                    let (way, kind) = pairs[case as usize % pairs.len()];
                    if !chosen(way, kind) {
                        continue;
                    }
                    let case_dir = dir.join(format!("case{case}"));
                    let r = run_case(of_way(shops, way), case, kind, seed, &case_dir);
                    let _ = std::fs::remove_dir_all(&case_dir);
                    results.lock().unwrap().push(r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.case);
    results
}
