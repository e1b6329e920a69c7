//! A full disk: the edit that does not fit is refused with words and not acknowledged, and
//! nothing acknowledged before is lost. Needs a small tmpfs, which root can mount here; where
//! mounting is not allowed the test says so and checks nothing.

mod common;
use common::*;
use std::process::Command;

const TODAY: &str = "2026-11-25";

/// A mounted tmpfs of `mb` megabytes, unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &std::path::Path, mb: u32) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| SmallDisk(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn a_full_disk_refuses_the_edit_and_keeps_what_was_saved() {
    let s = Scratch::new();
    let Some(disk) = SmallDisk::mount(&s.dir.path().join("small"), 8) else {
        println!("SKIPPED: cannot mount a tmpfs here (needs root); the disk-full path is untested");
        return;
    };
    let db = disk.0.join("db");
    let small: String = std::iter::once("ref,name\n".to_string())
        .chain((0..100).map(|i| format!("S{i},Small {i}\n")))
        .collect();
    let small = s.file("small.csv", &small);
    ok(kehu_at(&db, TODAY, &["import", "--kind", "customers", small.to_str().unwrap()]));

    let note = "x".repeat(3990);
    let big: String = std::iter::once("ref,name,notes\n".to_string())
        .chain((0..5000).map(|i| format!("B{i},Big {i},{note}\n")))
        .collect();
    let big = s.file("big.csv", &big);
    let out = kehu_at(&db, TODAY, &["import", "--kind", "customers", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "the import that does not fit must fail: {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("disk holding the database is full") && !err.contains("panicked"), "{err}");

    // The refused change may have filled the disk: opening says so in words until there is room.
    let export = kehu_at(&db, TODAY, &["export", "--kind", "customers"]);
    if !export.status.success() {
        let why = stderr(&export);
        assert!(why.contains("disk holding the database is full") && !why.contains("panicked"), "{why}");
    }
    // The operator frees space (here: the disk grows); everything acknowledged is there.
    let grown = Command::new("mount").args(["-o", "remount,size=64m"]).arg(&disk.0).output().unwrap();
    assert!(grown.status.success(), "{}", String::from_utf8_lossy(&grown.stderr));
    let (_, rows) = parse_csv(&ok(kehu_at(&db, TODAY, &["export", "--kind", "customers"])));
    assert_eq!(rows.len(), 100, "the acknowledged customers are all there and none of the refused file");
    let check = kehu_at(&db, TODAY, &["check"]);
    assert!(check.status.success() && stdout(&check).contains("clean"), "{}", stdout(&check));
}

// ---------------------------------------------------------------------------------------------
// Disk-full trials (issue 13): the disk fills during acknowledged work (imports, torture edits,
// `kehu check`, a backup), then space is freed; afterwards every command opens the database and
// every acknowledged change is there. `KEHU_DISK_FULL_TRIALS` sets the number of trials
// (default 6); the summary goes to stderr (`-- --nocapture`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// "Today" of the trials' shops.
const DEMO_DAY: &str = "2024-06-30";
/// Longest one command may take; past it, it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(60);
/// What kehu says when the disk is full.
const FULL_WORDS: &str = "disk holding the database is full";

/// SplitMix64: a deterministic stream from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One run of the binary, ended or killed at the deadline.
#[derive(Debug, Clone)]
struct Run {
    code: Option<i32>,
    hung: bool,
    out: String,
    err: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    fn panicked(&self) -> bool {
        self.code == Some(101) || self.code == Some(70) || self.err.contains("panicked")
    }

    /// Failed, saying the disk is full (and nothing worse).
    fn full(&self) -> bool {
        matches!(self.code, Some(1 | 2)) && format!("{}{}", self.err, self.out).contains(FULL_WORDS)
    }

    fn brief(&self) -> String {
        let cut = |s: &str| s.chars().take(500).collect::<String>();
        format!(
            "exit {:?}{}; stderr: {}; stdout: {}",
            self.code,
            if self.hung { " (killed at the deadline)" } else { "" },
            cut(self.err.trim()),
            cut(self.out.trim())
        )
    }
}

/// Runs `kehu --db DB --as-of DEMO_DAY --lang en ARGS…` with a deadline.
fn run(db: &Path, args: &[&str]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .args(["--as-of", DEMO_DAY, "--lang", "en"])
        .args(args)
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env_remove("KEHU_LANG")
        .env_remove("KEHU_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kehu");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let (o, hung) = match rx.recv_timeout(DEADLINE) {
        Ok(o) => (o.expect("wait for kehu"), false),
        Err(_) => {
            // Not reaped yet, so the pid is still this child's.
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            (rx.recv().expect("waiter").expect("wait for kehu"), true)
        }
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Run { code: o.status.code(), hung, out: text(&o.stdout), err: text(&o.stderr) }
}

/// What the database holds, by id, read from its exports: customers (name, ref), purchases
/// (owner, cents), interactions (owner, text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct State {
    customers: BTreeMap<u64, (String, String)>,
    purchases: BTreeMap<u64, (u64, i64)>,
    interactions: BTreeMap<u64, (u64, String)>,
}

/// The cells of the named columns of every row of a CSV export.
fn columns(csv: &str, names: &[&str]) -> Vec<Vec<String>> {
    let (header, rows) = parse_csv(csv);
    let at: Vec<usize> =
        names.iter().map(|n| header.iter().position(|h| h == n).expect("export column")).collect();
    rows.into_iter().map(|r| at.iter().map(|&i| r[i].clone()).collect()).collect()
}

fn cents(amount: &str) -> i64 {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, "0"));
    whole.parse::<i64>().expect("amount") * 100 + format!("{frac:0<2}")[..2].parse::<i64>().expect("cents")
}

impl State {
    /// Reads the state through `kehu export`; the failed run when one fails.
    fn read(db: &Path) -> Result<State, Run> {
        let export = |kind: &str| {
            let r = run(db, &["export", "--kind", kind]);
            if r.ok() { Ok(r.out) } else { Err(r) }
        };
        let mut s = State::default();
        for r in columns(&export("customers")?, &["id", "name", "ref"]) {
            s.customers.insert(r[0].parse().expect("id"), (r[1].clone(), r[2].clone()));
        }
        for r in columns(&export("purchases")?, &["id", "customer_id", "amount"]) {
            s.purchases.insert(r[0].parse().expect("id"), (r[1].parse().expect("owner"), cents(&r[2])));
        }
        for r in columns(&export("interactions")?, &["id", "customer_id", "text"]) {
            s.interactions.insert(r[0].parse().expect("id"), (r[1].parse().expect("owner"), r[2].clone()));
        }
        Ok(s)
    }

    /// Applies one acknowledged `kehu torture` edit (`<kind> <step> <ids…>`).
    fn apply(&mut self, line: &str) -> Option<()> {
        let mut words = line.split_whitespace();
        let kind = words.next()?;
        let n: Vec<u64> = words.map(str::parse).collect::<Result<_, _>>().ok()?;
        let step = *n.first()?;
        let rename = |s: &mut State, id: &u64, name: String| -> Option<()> {
            s.customers.get_mut(id)?.0 = name;
            Some(())
        };
        match (kind, &n[1..]) {
            ("add", [id]) => drop(self.customers.insert(*id, (format!("c{step}"), String::new()))),
            ("purchase", [c, id]) => drop(self.purchases.insert(*id, (*c, step as i64 * 100))),
            ("interaction", [c, id]) => drop(self.interactions.insert(*id, (*c, format!("i{step}")))),
            ("edit", [c]) => rename(self, c, format!("e{step}"))?,
            ("merge", [s, l]) => {
                let (_, loser_ref) = self.customers.remove(l)?;
                rename(self, s, format!("m{step}"))?;
                // The survivor keeps its ref, or takes the loser's when it had none.
                let survivor = self.customers.get_mut(s)?;
                if survivor.1.is_empty() {
                    survivor.1 = loser_ref;
                }
                self.purchases.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
                self.interactions.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
            }
            ("apply", [nc, np, ids @ ..]) if ids.len() as u64 == nc + np && *nc > 0 => {
                let (cs, ps) = ids.split_at(*nc as usize);
                for (k, id) in cs.iter().enumerate() {
                    self.customers.insert(*id, (format!("a{step}-{k}"), String::new()));
                }
                for (k, id) in ps.iter().enumerate() {
                    self.purchases.insert(*id, (cs[k % cs.len()], step as i64 * 100 + k as i64));
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// Ids in `self` and not in `before`: customers, then purchases, then interactions.
    fn new_ids(&self, before: &State) -> Vec<u64> {
        let mut ids: Vec<u64> =
            self.customers.keys().filter(|k| !before.customers.contains_key(k)).copied().collect();
        ids.extend(self.purchases.keys().filter(|k| !before.purchases.contains_key(k)));
        ids.extend(self.interactions.keys().filter(|k| !before.interactions.contains_key(k)));
        ids
    }

    /// Without the customers whose ref starts with `prefix` (and their purchases): what the
    /// trial's imports added, checked by ref on its own.
    fn without_imports(&self, prefix: &str) -> State {
        let mut s = self.clone();
        let gone: Vec<u64> =
            s.customers.iter().filter(|(_, (_, r))| r.starts_with(prefix)).map(|(id, _)| *id).collect();
        for id in &gone {
            s.customers.remove(id);
        }
        s.purchases.retain(|_, (o, _)| !gone.contains(o));
        s.interactions.retain(|_, (o, _)| !gone.contains(o));
        s
    }

    /// How many records of `self` are missing or different in `found`.
    fn lost_in(&self, found: &State) -> usize {
        let c =
            self.customers.iter().filter(|(k, v)| found.customers.get(k).map(|f| &f.0) != Some(&v.0)).count();
        let p = self.purchases.iter().filter(|(k, v)| found.purchases.get(k) != Some(v)).count();
        let i = self.interactions.iter().filter(|(k, v)| found.interactions.get(k) != Some(v)).count();
        c + p + i
    }

    /// The same records, refs aside (torture's merges move refs in ways its lines do not say).
    fn same_records(&self, other: &State) -> bool {
        let names = |s: &State| s.customers.iter().map(|(k, v)| (*k, v.0.clone())).collect::<Vec<_>>();
        names(self) == names(other)
            && self.purchases == other.purchases
            && self.interactions == other.interactions
    }
}

/// Fills the file system holding `dir` with the file `dir/name`, then frees `slack` bytes of it.
fn fill(dir: &Path, name: &str, slack: u64) -> PathBuf {
    use std::io::Write as _;
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("create filler");
    let chunk = vec![0x5au8; 64 << 10];
    let mut written = 0u64;
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.sync_all();
    f.set_len(written.saturating_sub(slack)).expect("free the slack");
    path
}

/// A customers file of `rows` customers `<prefix>-<k>` with 2 KB notes each.
fn customers_file(scratch: &Path, prefix: &str, rows: u64) -> PathBuf {
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
struct DiskTrial {
    /// Whether any command reported the full disk (else the trial tested little).
    filled: bool,
    acked_edits: usize,
    acked_imports: usize,
    /// Commands that failed during the full disk without saying so in words, or panicked/hung.
    unclear: Vec<String>,
    /// After freeing: commands that failed.
    unopenable: Vec<String>,
    /// Acknowledged records missing after freeing.
    lost: Vec<String>,
    /// The edit in flight when the disk filled landed although refused.
    refused_but_saved: usize,
    /// sled's half-written snapshots (`snap.*.generating`) found after freeing.
    leftovers: Vec<String>,
    /// What a failed backup left beside its target.
    stray: Vec<String>,
}

const WORK_KINDS: [&str; 4] =
    ["imports", "torture edits", "check and backup", "edits, imports, check, backup"];

/// One trial: a shop on a tmpfs of `mb` MB, the disk filled but for some slack, work, then the
/// space freed and everything checked.
fn disk_trial(trial: u64, mnt: &Path, scratch: &Path) -> DiskTrial {
    let mut rng = Rng(0xD15C_0000 + trial);
    let mut t = DiskTrial::default();
    let db = mnt.join("db");
    let made = run(&db, &["demo", "--customers", "300", "--seed", &(trial + 1).to_string()]);
    assert!(made.ok(), "trial {trial}: demo: {}", made.brief());
    let before = State::read(&db).unwrap_or_else(|r| panic!("trial {trial}: export before: {}", r.brief()));
    let kind = trial % WORK_KINDS.len() as u64;
    // Slack from nothing to 1 MB: the disk fills at a different moment of the work each time.
    // (A backup of these shops takes about 200 KB: with up to 400 KB free it may fit or not.)
    let slack = if kind == 2 { rng.below(400 << 10) } else { rng.below(1 << 20) } / 4096 * 4096;
    let filler = fill(mnt, "filler", slack);
    let note = |t: &mut DiskTrial, what: &str, r: &Run, may_succeed: bool| {
        if r.full() {
            t.filled = true;
        } else if r.hung || r.panicked() || !(r.ok() && may_succeed) {
            t.unclear.push(format!("{what}: {}", r.brief()));
        }
    };
    let mut lines = Vec::new();
    let mut imports: Vec<Imported> = Vec::new();
    let prefix = format!("D{trial}");
    if kind == 1 || kind == 3 {
        let seed = (trial + 1).to_string();
        let r = run(&db, &["torture", "--seed", &seed, "--edits", "100000"]);
        note(&mut t, "torture", &r, false);
        lines.extend(r.out.lines().map(str::to_string));
    }
    if kind == 0 || kind == 3 {
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
            let r = run(&db, &args);
            note(&mut t, &format!("import {p}"), &r, true);
            imports.push(Imported { prefix: p, purchases, rows, acked: r.ok() });
            // One more after the first refusal: the full disk refuses it too, in words.
            if !r.ok() && imports.iter().filter(|i| !i.acked).count() > 1 {
                break;
            }
        }
    }
    // Whatever room the work left is taken too; then `kehu check`, a backup and an export on
    // the full disk: each may work or say the disk is full (the brick: sled opened by
    // `check` on a full disk left a half-written snapshot behind).
    let first = mnt.join("first.kehubak");
    if kind == 2 {
        // A backup that may fill the disk as it is written.
        let r = run(&db, &["backup", first.to_str().unwrap()]);
        note(&mut t, "backup as the disk fills", &r, true);
        if !r.ok() {
            let _ = std::fs::remove_file(&first);
        }
    }
    let rest = fill(mnt, "filler2", 0);
    let r = run(&db, &["check"]);
    note(&mut t, "check on the full disk", &r, true);
    let backup = mnt.join("full.kehubak");
    let r = run(&db, &["backup", backup.to_str().unwrap()]);
    note(&mut t, "backup on the full disk", &r, true);
    let backup_ok = r.ok();
    let r = run(&db, &["export", "--kind", "purchases"]);
    note(&mut t, "export on the full disk", &r, true);

    // The operator frees the space.
    std::fs::remove_file(&filler).expect("free the space");
    std::fs::remove_file(&rest).expect("free the space");
    if !backup_ok {
        let _ = std::fs::remove_file(&backup);
    }
    for e in std::fs::read_dir(&db).expect("db dir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".generating") {
            t.leftovers.push(name);
        }
    }
    for e in std::fs::read_dir(mnt).expect("mount").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let kept = (backup_ok && e.path() == backup) || e.path() == first;
        if (name.starts_with("full.kehubak") || name.starts_with("first.kehubak")) && !kept {
            t.stray.push(name);
        }
    }

    // Every command opens the database.
    let found = match State::read(&db) {
        Ok(s) => Some(s),
        Err(r) => {
            t.unopenable.push(format!("export after freeing: {}", r.brief()));
            None
        }
    };
    let check = run(&db, &["check"]);
    if !(check.ok() && check.out.trim_end().ends_with("clean")) {
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
        let r = run(&db, &args);
        if !r.ok() {
            t.unopenable.push(format!("{} after freeing: {}", args.join(" "), r.brief()));
        }
    }

    // Every acknowledged change is there.
    let Some(found) = found else { return t };
    let mut expected = before.clone();
    let mut pending = None;
    for line in &lines {
        if let Some(p) = line.strip_prefix("try ") {
            pending = Some(p.to_string());
        } else if let Some(ok) = line.strip_prefix("ok ") {
            if expected.apply(ok).is_none() {
                t.lost.push(format!("cannot replay the acknowledged edit {ok:?}"));
            }
            t.acked_edits += 1;
            pending = None;
        }
    }
    let found_edits = found.without_imports(&prefix);
    if !expected.same_records(&found_edits) {
        // The edit in flight when the disk filled was refused; it may still have landed whole.
        let landed = pending.and_then(|p| {
            let ids: Vec<String> = found_edits.new_ids(&expected).iter().map(u64::to_string).collect();
            let mut with = expected.clone();
            with.apply(&format!("{p} {}", ids.join(" "))).map(|()| with)
        });
        match landed {
            Some(with) if with.same_records(&found_edits) => t.refused_but_saved += 1,
            _ => t.lost.push(format!(
                "{} acknowledged record(s) of the shop and its {} edits missing or changed",
                expected.lost_in(&found_edits).max(1),
                t.acked_edits
            )),
        }
    }
    let by_ref: BTreeMap<&str, (u64, &str)> =
        found.customers.iter().map(|(id, (name, r))| (r.as_str(), (*id, name.as_str()))).collect();
    for i in &imports {
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
    t
}

fn disk_full_trials() -> u64 {
    std::env::var("KEHU_DISK_FULL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(6)
}

#[test]
fn a_disk_filled_during_acknowledged_work_opens_with_all_of_it_once_space_is_freed() {
    let s = Scratch::new();
    let n = disk_full_trials();
    let started = Instant::now();
    let mut outcomes: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let (mut filled, mut acked_edits, mut acked_imports, mut refused_saved) = (0, 0, 0, 0);
    let mut left_behind = 0;
    let mut failures = Vec::new();
    for trial in 0..n {
        let mb = 8 + 2 * (trial % 3) as u32;
        let Some(disk) = SmallDisk::mount(&s.dir.path().join(format!("small{trial}")), mb) else {
            println!("SKIPPED: cannot mount a tmpfs here (needs root); the disk-full trials did not run");
            return;
        };
        let scratch = s.dir.path().join(format!("scratch{trial}"));
        std::fs::create_dir_all(&scratch).expect("scratch");
        let t = disk_trial(trial, &disk.0, &scratch);
        drop(disk);
        let kind = WORK_KINDS[(trial % WORK_KINDS.len() as u64) as usize];
        let outcome = if !t.unopenable.is_empty() {
            "UNOPENABLE"
        } else if !t.lost.is_empty() {
            "LOST"
        } else if !t.unclear.is_empty() {
            "UNCLEAR"
        } else if !t.filled {
            "disk never filled"
        } else {
            "all there"
        };
        *outcomes.entry((kind, outcome)).or_default() += 1;
        filled += u64::from(t.filled);
        acked_edits += t.acked_edits;
        acked_imports += t.acked_imports;
        refused_saved += t.refused_but_saved;
        let mut problems: Vec<String> = Vec::new();
        problems.extend(t.unopenable.iter().cloned());
        problems.extend(t.lost.iter().cloned());
        problems.extend(t.unclear.iter().cloned());
        if !t.leftovers.is_empty() {
            left_behind += 1;
        }
        if !t.stray.is_empty() {
            eprintln!("trial {trial} ({kind}): a failed backup left {:?} behind", t.stray);
        }
        if !problems.is_empty() {
            let report = format!("trial {trial} ({kind}, {mb} MB tmpfs):\n  {}", problems.join("\n  "));
            eprintln!("{report}");
            failures.push(report);
        }
    }
    eprintln!(
        "\ndisk-full trials: {n} in {:.0} s; the disk filled in {filled}",
        started.elapsed().as_secs_f64()
    );
    for ((kind, outcome), c) in &outcomes {
        eprintln!("  {kind:<32}{outcome:<20}{c:>5}");
    }
    eprintln!(
        "acknowledged: {acked_edits} edits, {acked_imports} imports; refused changes found saved anyway: {refused_saved}"
    );
    eprintln!(
        "trials where sled left a half-written snapshot (the old brick), cleared by the next open: {left_behind}"
    );
    let unopenable = outcomes.iter().filter(|(k, _)| k.1 == "UNOPENABLE").map(|(_, c)| c).sum::<u64>();
    eprintln!("unopenable databases: {unopenable}");
    assert!(failures.is_empty(), "{} failed trial(s):\n{}", failures.len(), failures.join("\n"));
    // A trial whose disk never filled tested nothing: most must have.
    assert!(filled * 4 >= n * 3, "the disk filled in only {filled} of {n} trials");
}

/// Issue 13's case: on an 8 MB tmpfs, fill the disk, run `kehu check` (it says the disk is
/// full), free the space: every command works and everything is there. sled used to leave a
/// `snap.*.generating` file behind that bricked the database for good.
#[test]
fn check_on_a_full_disk_then_freed_space_leaves_every_command_working() {
    let s = Scratch::new();
    let Some(disk) = SmallDisk::mount(&s.dir.path().join("small"), 8) else {
        println!("SKIPPED: cannot mount a tmpfs here (needs root); the full-disk check is untested");
        return;
    };
    let db = disk.0.join("db");
    let made = run(&db, &["demo", "--customers", "2000"]);
    assert!(made.ok(), "{}", made.brief());
    let exports = |db: &Path| -> Vec<Run> {
        ["customers", "purchases", "interactions"].iter().map(|k| run(db, &["export", "--kind", k])).collect()
    };
    let before: Vec<String> = exports(&db)
        .into_iter()
        .map(|r| {
            assert!(r.ok(), "{}", r.brief());
            r.out
        })
        .collect();
    for slack in [0u64, 4096, 64 << 10, 256 << 10] {
        let filler = fill(&disk.0, "filler", slack);
        for args in [vec!["check"], vec!["export", "--kind", "purchases"], vec!["segments"]] {
            let r = run(&db, &args);
            assert!(
                !r.hung && !r.panicked() && (r.ok() || r.full()),
                "{args:?} with {slack} bytes free must work or say the disk is full: {}",
                r.brief()
            );
        }
        std::fs::remove_file(&filler).expect("free the space");
        let stale: Vec<String> = std::fs::read_dir(&db)
            .expect("db")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".generating"))
            .collect();
        let check = run(&db, &["check"]);
        assert!(
            check.ok() && check.out.trim_end().ends_with("clean"),
            "after freeing ({slack} bytes had been free; left behind: {stale:?}): {}",
            check.brief()
        );
        let after: Vec<String> = exports(&db)
            .into_iter()
            .map(|r| {
                assert!(r.ok(), "export after freeing ({slack}): {}", r.brief());
                r.out
            })
            .collect();
        assert!(after == before, "the records after freeing ({slack} bytes had been free) differ");
        let backup = s.dir.path().join(format!("b{slack}.kehubak"));
        for args in [
            vec!["show", "#1"],
            vec!["segments"],
            vec!["audit"],
            vec!["fit"],
            vec!["backup", backup.to_str().unwrap()],
        ] {
            let r = run(&db, &args);
            assert!(r.ok(), "{args:?} after freeing ({slack}): {}", r.brief());
        }
    }
}

/// The cause of the brick, planted by hand (no tmpfs needed): a half-written snapshot that sled
/// would take for its newest must not stop any command.
#[test]
fn a_half_written_snapshot_left_by_sled_does_not_brick_the_database() {
    let s = Scratch::new();
    let db = s.db();
    assert!(run(&db, &["demo", "--customers", "300"]).ok());
    let torture = run(&db, &["torture", "--seed", "4", "--edits", "50"]);
    assert!(torture.ok(), "{}", torture.brief());
    let before = State::read(&db).unwrap_or_else(|r| panic!("{}", r.brief()));
    // Named past any real snapshot, holding the start of a real one: what a full disk leaves.
    let snaps: Vec<PathBuf> = std::fs::read_dir(&db)
        .expect("db")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("snap.")))
        .collect();
    let head = snaps.first().map(|p| std::fs::read(p).expect("snap")).unwrap_or_default();
    for (k, content) in
        [head[..head.len() / 2].to_vec(), Vec::new(), vec![0xff; 4096]].into_iter().enumerate()
    {
        let planted = db.join(format!("snap.{:016X}.generating", u64::MAX - k as u64));
        std::fs::write(&planted, &content).expect("plant");
        let check = run(&db, &["check"]);
        assert!(check.ok() && check.out.trim_end().ends_with("clean"), "planted {k}: {}", check.brief());
        assert!(!planted.exists(), "the half-written snapshot is cleared on open");
        assert_eq!(State::read(&db).unwrap_or_else(|r| panic!("{}", r.brief())), before, "planted {k}");
    }
}

/// Runs `kehu serve` on `db` until it says how its daily backup went (written, or failed), then
/// stops it with SIGTERM; returns that line, or what it said when it never got that far.
fn serve_daily_backup(db: &Path, scratch: &Path) -> String {
    use std::io::{BufRead, BufReader};
    std::fs::create_dir_all(scratch).expect("scratch");
    let keys = scratch.join("authorized_keys");
    std::fs::write(&keys, "").expect("authorized_keys");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .args(["--as-of", DEMO_DAY, "--lang", "en", "serve", "--listen", "127.0.0.1:0", "--authorized-keys"])
        .arg(&keys)
        .arg("--host-key")
        .arg(scratch.join("host_key"))
        .env_remove("KEHU_DB")
        .env_remove("KEHU_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kehu serve");
    let err = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let until = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    let said = loop {
        match lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(l) if l.contains("backed up to") || l.contains("daily backup failed") => break l,
            Ok(l) => seen.push(l),
            // It ended (or hung) before saying anything about the backup.
            Err(_) => break format!("no word on the backup: {seen:?}"),
        }
    };
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let (tx, done) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    if done.recv_timeout(DEADLINE).is_err() {
        let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        let _ = done.recv();
        return format!("{said}; and it did not stop on SIGTERM");
    }
    said
}

/// The daily backup (written by `kehu serve`, which then begins a new journal segment and drops
/// the old ones) on a disk with room for the backup and little more: whatever fails, every
/// command works once space is freed. The free space steps a page at a time over the backup's
/// size, so that the disk fills in the backup, in the new journal segment, or after.
#[test]
fn a_daily_backup_on_a_nearly_full_disk_never_bricks_the_database() {
    let s = Scratch::new();
    let Some(disk) = SmallDisk::mount(&s.dir.path().join("small"), 8) else {
        println!(
            "SKIPPED: cannot mount a tmpfs here (needs root); the daily backup on a full disk is untested"
        );
        return;
    };
    let base = s.dir.path().join("base");
    assert!(run(&base, &["demo", "--customers", "300"]).ok());
    let t = run(&base, &["torture", "--seed", "6", "--edits", "20"]);
    assert!(t.ok(), "{}", t.brief());
    let probe = s.dir.path().join("probe.kehubak");
    assert!(run(&base, &["backup", probe.to_str().unwrap()]).ok());
    let size = std::fs::metadata(&probe).expect("probe backup").len();
    let expected = State::read(&base).unwrap_or_else(|r| panic!("{}", r.brief()));
    let (mut outcomes, mut failures) = (BTreeMap::<String, u64>::new(), Vec::new());
    for step in 0..14u64 {
        for e in std::fs::read_dir(&disk.0).expect("mount").flatten() {
            let p = e.path();
            if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) }
                .expect("clear the disk");
        }
        let db = disk.0.join("db");
        copy_tree(&base, &db);
        let slack = size / 4096 * 4096 + step * 4096;
        let filler = fill(&disk.0, "filler", slack);
        let said = serve_daily_backup(&db, &s.dir.path().join(format!("serve{step}")));
        std::fs::remove_file(&filler).expect("free the space");
        let how = if said.contains("backed up to") {
            "written"
        } else if said.contains(FULL_WORDS) {
            "failed: disk full"
        } else {
            "failed otherwise"
        };
        *outcomes.entry(how.to_string()).or_default() += 1;
        let check = run(&db, &["check"]);
        let found = State::read(&db);
        let works = check.ok() && check.out.trim_end().ends_with("clean");
        match found {
            Ok(f) if works && f == expected => {}
            Ok(_) if works => {
                failures.push(format!("{slack} bytes free: records differ after freeing ({said})"))
            }
            Ok(_) => {
                failures.push(format!("{slack} bytes free ({said}); after freeing, check: {}", check.brief()))
            }
            Err(r) => failures.push(format!(
                "{slack} bytes free ({said}); after freeing the database does not open: {}",
                r.brief()
            )),
        }
        if how == "failed otherwise" {
            failures.push(format!("{slack} bytes free: the daily backup {said}"));
        }
    }
    eprintln!(
        "daily backups on a nearly full disk (backup {size} bytes): {outcomes:?}; failures: {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(outcomes.len() > 1, "the steps must span a failed and a written backup: {outcomes:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy file");
        }
    }
}
