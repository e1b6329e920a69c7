//! Tail damage (issue 13): after any damage to the last 1 MB of sled's files, either every
//! acknowledged change is there, or every command refuses clearly; a clean open with less data
//! never happens.
//!
//! Two shops are built through the binary: a demo shop, an import of purchases, torture edits
//! and a second import, all acknowledged (exit 0, `ok` lines); the second shop also has a daily
//! backup (written by `kehu serve`) that the journal was cut back to, and more edits at the
//! end. What they hold is recorded from an untouched copy. Then each trial damages two fresh
//! copies alike: a truncation of 1 B to 1 MiB off the end of sled's `db` file, a single-bit
//! flip in its last 1 MiB, or a truncation or bit flip of the newest `snap.*` file. On one copy
//! `check`, then `export` of purchases and customers run; on the other `export` of purchases
//! first, then `show`; each with a deadline. A trial is
//!
//! - intact: every command exits 0 with exactly the recorded data (perhaps after the journal
//!   brought sled forward),
//! - refused: every command exits 2 naming `kehu salvage` (`check` may instead report the
//!   damage, exit 1); then `kehu salvage` must rebuild every acknowledged record,
//! - mixed: some commands intact, the others refused (no loss, but reported),
//! - a failure: a silent loss (exit 0, or a `show` that finds nobody, with less or other data),
//!   a hang, a panic (exit 101, "panicked"), or any other exit code or wording.
//!
//! `KEHU_TAIL_TRIALS` sets the number of trials (default 24); the summary goes to stderr:
//! `KEHU_TAIL_TRIALS=240 cargo test --release --test tail_damage -- --nocapture`.
//! `KEHU_TAIL_KEEP=DIR` keeps the shops and the damaged copy of every failed trial in DIR.

mod common;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TODAY: &str = "2024-06-30";
/// Longest any one command may take on a damaged copy before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(20);
const MIB: u64 = 1 << 20;
/// The customer `show` looks up: created by the second import, so it exists only if the
/// acknowledged work is there.
const SHOW_REF: &str = "TAIL0007";

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

/// One finished (or killed) run of the binary.
#[derive(Debug, Clone)]
struct Run {
    /// The exit code; `None` when it did not end within [`TIMEOUT`] (or died by a signal).
    code: Option<i32>,
    hung: bool,
    out: String,
    err: String,
}

impl Run {
    fn brief(&self) -> String {
        let cut = |s: &str| s.chars().take(600).collect::<String>();
        format!(
            "exit {:?}{}; stderr: {}; stdout: {}",
            self.code,
            if self.hung { " (killed after the deadline)" } else { "" },
            cut(self.err.trim()),
            cut(self.out.trim())
        )
    }
}

/// Runs `kehu --db DB --as-of TODAY --lang en ARGS…` with a deadline; a run that passes it is
/// killed and reported as hung.
fn kehu(db: &Path, args: &[&str]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .args(["--as-of", TODAY, "--lang", "en"])
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
    // Both pipes are drained while waiting (an export is larger than a pipe's buffer).
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let (output, hung) = match rx.recv_timeout(TIMEOUT) {
        Ok(o) => (o.expect("wait for kehu"), false),
        Err(_) => {
            // Not reaped yet (the waiting thread has not returned), so the pid is still ours.
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            (rx.recv().expect("waiter").expect("wait for kehu"), true)
        }
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Run { code: output.status.code(), hung, out: text(&output.stdout), err: text(&output.stderr) }
}

/// Runs a command that must succeed while the shop is built; returns stdout.
fn must(db: &Path, args: &[&str]) -> String {
    let r = kehu(db, args);
    assert_eq!(r.code, Some(0), "kehu {args:?} failed: {}", r.brief());
    r.out
}

/// A purchases file of `rows` rows: most for demo members (`M0000001`…), the rest for new refs
/// `<new_prefix>NNNN` that `--create-missing` creates.
fn purchases_csv(seed: u64, rows: usize, new_prefix: &str) -> String {
    let mut rng = Rng(seed);
    let mut csv = String::from("ref,date,amount,quantity\n");
    for k in 0..rows {
        let reference = if k < 150 || rng.below(4) == 0 {
            format!("{new_prefix}{:04}", k % 150)
        } else {
            format!("M{:07}", 1 + rng.below(500))
        };
        let date = format!("2024-{:02}-{:02}", 1 + rng.below(6), 1 + rng.below(28));
        let cents = 100 + rng.below(50_000);
        csv += &format!("{reference},{date},{}.{:02},{}\n", cents / 100, cents % 100, 1 + rng.below(4));
    }
    csv
}

/// Runs `kehu torture` and checks that every edit was acknowledged.
fn torture(db: &Path, seed: u64, edits: u64) {
    let out = must(db, &["torture", "--seed", &seed.to_string(), "--edits", &edits.to_string()]);
    let acked = out.lines().filter(|l| l.starts_with("ok ")).count() as u64;
    assert_eq!(acked, edits, "torture acknowledged {acked} of {edits} edits");
}

/// Runs `kehu serve` until it has written the daily backup (which cuts the journal back to
/// it), then stops it with SIGTERM.
fn daily_backup_by_serve(db: &Path, scratch: &Path) {
    let keys = scratch.join("authorized_keys");
    std::fs::write(&keys, "").expect("authorized_keys");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .args(["--as-of", TODAY, "serve", "--listen", "127.0.0.1:0", "--authorized-keys"])
        .arg(&keys)
        .arg("--host-key")
        .arg(scratch.join("host_key"))
        .env_remove("KEHU_DB")
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
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("backed up to")) {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kehu serve wrote no daily backup: {seen:#?}");
            }
        }
    }
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(term.expect("run kill").success());
    let (tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = done.recv_timeout(Duration::from_secs(30)).expect("kehu serve ends on SIGTERM");
    assert!(status.expect("wait").success(), "kehu serve on SIGTERM: {seen:#?}");
    let backups = std::fs::read_dir(backup_dir(db)).expect("DB.backups").count();
    assert_eq!(backups, 1, "one daily backup");
}

/// The sibling directory of the daily backups.
fn backup_dir(db: &Path) -> PathBuf {
    let mut name = db.file_name().expect("name").to_os_string();
    name.push(".backups");
    db.with_file_name(name)
}

/// What an untouched copy of a shop answers.
struct Expected {
    check: String,
    purchases: String,
    customers: String,
    show: String,
}

/// A built shop: `DIR/db` (and `DIR/db.backups`) and what it holds.
struct Shop {
    name: &'static str,
    dir: PathBuf,
    expected: Expected,
    /// The base of the journal's oldest segment (0: the journal reaches back to the start).
    journal_base: u64,
}

impl Shop {
    fn db(&self) -> PathBuf {
        self.dir.join("db")
    }

    /// Builds a shop in `dir`: a demo shop, an import, edits, a second import; with `backup`, a
    /// daily backup is taken after the first import (so that the journal no longer reaches back
    /// to the start) and more edits follow the second import.
    fn build(name: &'static str, dir: &Path, seed: u64, backup: bool) -> Shop {
        std::fs::create_dir_all(dir).expect("shop dir");
        let db = dir.join("db");
        must(&db, &["demo", "--customers", "500", "--seed", &seed.to_string()]);
        let first = dir.join("first.csv");
        std::fs::write(&first, purchases_csv(seed, 2500, "FIRST")).expect("first.csv");
        let said = must(&db, &["import", "--kind", "purchases", "--create-missing", first.to_str().unwrap()]);
        assert!(said.contains("2500 purchases"), "{said}");
        if backup {
            daily_backup_by_serve(&db, dir);
        }
        torture(&db, seed * 10 + 1, 150);
        let second = dir.join("second.csv");
        std::fs::write(&second, purchases_csv(seed + 1, 2000, "TAIL")).expect("second.csv");
        let said =
            must(&db, &["import", "--kind", "purchases", "--create-missing", second.to_str().unwrap()]);
        assert!(said.contains("2000 purchases"), "{said}");
        // One shop ends with the import, the other with more edits after it.
        if backup {
            torture(&db, seed * 10 + 2, 40);
        }
        // Recorded from a copy: the shop itself stays as the last acknowledged command left it.
        let probe = dir.join("probe");
        copy_shop(dir, &probe);
        let pdb = probe.join("db");
        let check = must(&pdb, &["check"]);
        assert!(check.trim_end().ends_with("clean"), "{check}");
        let purchases = must(&pdb, &["export", "--kind", "purchases"]);
        let customers = must(&pdb, &["export", "--kind", "customers"]);
        let show = must(&pdb, &["show", SHOW_REF]);
        assert!(purchases.lines().count() > 6000 + 4500, "{} purchase rows", purchases.lines().count());
        assert!(customers.contains(SHOW_REF) && show.contains(SHOW_REF), "{show}");
        std::fs::remove_dir_all(&probe).expect("remove probe");
        let journal_base = journal_segments(&db).first().map(|(base, _)| *base).expect("a journal");
        assert_eq!(journal_base > 0, backup, "the daily backup cuts the journal back");
        let expected = Expected { check, purchases, customers, show };
        Shop { name, dir: dir.to_path_buf(), expected, journal_base }
    }
}

/// The journal's segments, by base.
fn journal_segments(db: &Path) -> Vec<(u64, PathBuf)> {
    let mut out: Vec<(u64, PathBuf)> = std::fs::read_dir(db.join("journal"))
        .expect("journal dir")
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let base = p.file_stem()?.to_str()?.parse().ok()?;
            Some((base, p))
        })
        .collect();
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy file");
        }
    }
}

/// Copies a shop's database and its daily backups into `to` (as `to/db`, `to/db.backups`).
fn copy_shop(shop: &Path, to: &Path) {
    copy_dir(&shop.join("db"), &to.join("db"));
    let backups = shop.join("db.backups");
    if backups.exists() {
        copy_dir(&backups, &to.join("db.backups"));
    }
}

/// The kinds of damage, in the order of the summary.
const KINDS: [&str; 3] = ["db truncated", "db bit flip", "snapshot damaged"];

/// One damage, decided from the trial number alone, so that it can be applied again.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Cut this many bytes off the end of `db`.
    Truncate(u64),
    /// Flip bit `bit` of the byte this far before the end of `db` (1 = the last byte).
    Flip { back: u64, bit: u8 },
    /// Truncate the newest snapshot, cutting this share (per million) of it.
    SnapTruncate(u64),
    /// Flip bit `bit` of the newest snapshot's byte at this share (per million) of its length.
    SnapFlip { at: u64, bit: u8 },
}

impl Damage {
    fn of_trial(trial: u64) -> Damage {
        let mut rng = Rng(0x7A11_0000 + trial);
        match (trial / 2) % 5 {
            // Fixed cases first: the one byte and whole MiB, then 4 KiB and 64 KiB (cuts
            // of about 1 to 10 KiB end sled's log inside a record it still points to).
            0 | 1 if trial < 2 => Damage::Truncate(1),
            0 | 1 if trial < 4 => Damage::Truncate(MIB),
            0 | 1 if trial < 12 => Damage::Truncate(4 << 10),
            0 | 1 if trial < 14 => Damage::Truncate(64 << 10),
            // Sizes spread evenly over the orders of magnitude from 1 B to 1 MiB.
            0 | 1 => {
                let scale = rng.below(21);
                Damage::Truncate(1 + rng.below(1 << scale))
            }
            2 | 3 => Damage::Flip { back: 1 + rng.below(MIB), bit: rng.below(8) as u8 },
            _ if rng.below(2) == 0 => Damage::SnapTruncate(1 + rng.below(1_000_000)),
            _ => Damage::SnapFlip { at: rng.below(1_000_000), bit: rng.below(8) as u8 },
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Damage::Truncate(_) => KINDS[0],
            Damage::Flip { .. } => KINDS[1],
            Damage::SnapTruncate(_) | Damage::SnapFlip { .. } => KINDS[2],
        }
    }

    /// Applies the damage to the database in `db`; returns what was done, with offsets.
    fn apply(self, db: &Path) -> String {
        match self {
            Damage::Truncate(cut) => {
                let file = db.join("db");
                let len = std::fs::metadata(&file).expect("db").len();
                let to = len.saturating_sub(cut);
                let f = std::fs::OpenOptions::new().write(true).open(&file).expect("open db");
                f.set_len(to).expect("truncate db");
                format!("truncate -s {to} db   (was {len}: {} byte(s) cut)", len - to)
            }
            Damage::Flip { back, bit } => {
                let file = db.join("db");
                let mut bytes = std::fs::read(&file).expect("read db");
                let at = bytes.len().saturating_sub(back as usize);
                bytes[at] ^= 1 << bit;
                std::fs::write(&file, &bytes).expect("write db");
                format!("db: bit {bit} of byte {at} flipped (of {}, {back} from the end)", bytes.len())
            }
            Damage::SnapTruncate(share) => {
                let file = newest_snapshot(db);
                let len = std::fs::metadata(&file).expect("snap").len();
                let to = len - (len * share / 1_000_000).max(1).min(len);
                let f = std::fs::OpenOptions::new().write(true).open(&file).expect("open snap");
                f.set_len(to).expect("truncate snap");
                format!("truncate -s {to} {}   (was {len})", file.file_name().unwrap().to_string_lossy())
            }
            Damage::SnapFlip { at, bit } => {
                let file = newest_snapshot(db);
                let mut bytes = std::fs::read(&file).expect("read snap");
                let at = (bytes.len() as u64 * at / 1_000_000) as usize;
                bytes[at] ^= 1 << bit;
                std::fs::write(&file, &bytes).expect("write snap");
                format!(
                    "{}: bit {bit} of byte {at} flipped (of {})",
                    file.file_name().unwrap().to_string_lossy(),
                    bytes.len()
                )
            }
        }
    }
}

/// The newest of sled's `snap.*` files (named by a fixed-width hex log position).
fn newest_snapshot(db: &Path) -> PathBuf {
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(db)
        .expect("db dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("snap.")))
        .collect();
    snaps.sort();
    snaps.pop().expect("sled wrote a snapshot")
}

/// What one command showed on a damaged copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
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
    if r.hung {
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
struct Trial {
    verdict: &'static str,
    /// Per command: (label, what it showed, the run).
    commands: Vec<(String, Seen, Run)>,
    salvage: Option<SalvageResult>,
}

#[derive(Debug)]
struct SalvageResult {
    run: Run,
    /// Acknowledged purchase and customer rows found in the new database, of all.
    kept: usize,
    of: usize,
    /// `check` of the new database: clean?
    clean: bool,
}

/// Runs the commands on two damaged copies (one starting with `check`, one with `export`),
/// and `salvage` when any refused.
fn run_trial(shop: &Shop, damage: Damage, dir: &Path) -> (String, Trial) {
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
    let any = |f: &dyn Fn(&Seen) -> bool| seen.iter().any(f);
    t.verdict = if any(&|s| *s == Seen::Hang) {
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
    };
    if any(&|s| *s == Seen::Refused) {
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

fn trials() -> u64 {
    std::env::var("KEHU_TAIL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

#[test]
fn tail_damage_never_opens_clean_with_less_data() {
    let n = trials();
    let started = Instant::now();
    let root = tempfile::tempdir().expect("tempdir");
    let shops = std::thread::scope(|s| {
        let plain = s.spawn(|| Shop::build("journal from the start", &root.path().join("plain"), 3, false));
        let backed =
            s.spawn(|| Shop::build("daily backup, journal cut", &root.path().join("backed"), 5, true));
        [plain.join().expect("plain shop"), backed.join().expect("backed-up shop")]
    });
    eprintln!("shops built in {:.1} s", started.elapsed().as_secs_f64());
    for shop in &shops {
        let db = shop.db();
        let size = std::fs::metadata(db.join("db")).expect("db").len();
        eprintln!(
            "shop '{}': db {size} bytes, snapshot {}, journal from change {}, {} purchase rows, {} customer rows",
            shop.name,
            newest_snapshot(&db).file_name().unwrap().to_string_lossy(),
            shop.journal_base,
            shop.expected.purchases.lines().count() - 1,
            shop.expected.customers.lines().count() - 1
        );
    }
    let keep = std::env::var_os("KEHU_TAIL_KEEP").map(PathBuf::from);
    // verdict counts per damage kind; command outcomes; salvage tallies.
    let mut table: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut per_command: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut salvaged, mut salvage_complete, mut salvage_kept, mut salvage_of) = (0u64, 0u64, 0usize, 0usize);
    let mut failures = Vec::new();
    for trial in 0..n {
        let shop = &shops[(trial % 2) as usize];
        let damage = Damage::of_trial(trial);
        let dir = root.path().join(format!("trial{trial}"));
        let (what, t) = run_trial(shop, damage, &dir);
        *table.entry((damage.kind(), t.verdict)).or_default() += 1;
        for (label, seen, _) in &t.commands {
            let label = label.trim_start_matches("then ").to_string();
            *per_command.entry((label, format!("{seen:?}"))).or_default() += 1;
        }
        let mut problems = Vec::new();
        if matches!(t.verdict, "HANG" | "PANIC" | "SILENT LOSS" | "UNCLEAR") {
            problems.push(t.verdict.to_string());
        }
        if let Some(s) = &t.salvage {
            salvaged += 1;
            salvage_kept += s.kept;
            salvage_of += s.of;
            let complete = s.run.code == Some(0) && s.kept == s.of && s.clean;
            salvage_complete += u64::from(complete);
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
            if let Some(keep) = &keep {
                let at = keep.join(format!("trial{trial}"));
                let _ = std::fs::remove_dir_all(&at);
                copy_shop(&shop.dir, &at);
                damage.apply(&at.join("db"));
                let pristine = keep.join(format!("shop-{}", trial % 2));
                if !pristine.exists() {
                    copy_shop(&shop.dir, &pristine);
                }
                report +=
                    &format!("\n  kept: {} (damaged), {} (untouched)", at.display(), pristine.display());
            }
            eprintln!("{report}");
            failures.push(report);
        }
        std::fs::remove_dir_all(&dir).expect("remove trial copies");
    }
    eprintln!("\ntail-damage trials: {n} in {:.0} s", started.elapsed().as_secs_f64());
    let verdicts: Vec<&str> = {
        let mut v: Vec<&str> = table.keys().map(|k| k.1).collect();
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
            let c = table.get(&(kind, v)).copied().unwrap_or(0);
            total += c;
            eprint!("{c:>28}");
        }
        eprintln!("{total:>8}");
    }
    eprintln!("\nper command (each on its own damaged copy, or after the one before it):");
    for ((label, seen), c) in &per_command {
        eprintln!("  {label:<26}{seen:<16}{c:>6}");
    }
    eprintln!(
        "\nsalvage: {salvaged} trial(s) with a refusal, {salvage_complete} rebuilt with every acknowledged record; \
         {salvage_kept} of {salvage_of} acknowledged purchase and customer rows recovered"
    );
    let silent = table.iter().filter(|(k, _)| k.1 == "SILENT LOSS").map(|(_, c)| c).sum::<u64>();
    eprintln!("silent losses: {silent}, failed trials: {}", failures.len());
    assert!(failures.is_empty(), "{} failed trial(s):\n{}", failures.len(), failures.join("\n"));
}
