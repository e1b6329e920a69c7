//! The corruption corpus of issue 13 (points 3 and 4), run through the real binary.
//!
//! Two shops are built through `kehu` itself (a 500-customer demo shop, a daily backup that cuts
//! the journal, then imports and a fit acknowledged after it):
//!
//! - **backup+journal**: the database with its journal and its daily backup in `DB.backups/`;
//! - **records only**: the same files with the journal deleted and no backup, so that salvage
//!   can only read what is left in sled's files.
//!
//! Copies are damaged in every way the issue lists (truncations anywhere, to one 512 KiB sled
//! segment and in the last 1 MiB; bit flips; swapped halves; zeroed 4 KiB pages and 512 KiB
//! segments; deleted files; garbage written over files and garbage files added; damaged journal
//! segments and backups), each way with seeded positions. On every damaged copy every command
//! runs on a fresh copy of the damage, killed after [`DEADLINE`]; none may hang, die of a
//! signal, exit 101 or 70 (a bug) or anything but 0, 1 or 2, print a panic's report, or fail
//! without a worded `kehu: …` line (`refused: …` for `check`). With the journal and the backup,
//! a read command that exits 0 must print exactly what it prints on the undamaged shop and a
//! backup that exits 0 must hold the whole shop: a clean answer with less data is a silent loss.
//!
//! Salvage is measured on each copy: it must never write the damaged database, its new database
//! must check clean and hold no record the original did not, it must never say "nothing was
//! lost" when something was, and with the journal and the backup (one fault at a time) it must
//! recover everything — from the backup and the journal whenever only sled's files were hit.
//! The recovery rates are printed per way and per kind of damage, with a table of exit codes
//! per damage and command.
//!
//! The damage is seeded, but the shop is not byte for byte the same from run to run (sled lays
//! out its log as its flusher thread runs; records carry the time they were made), so the same
//! seed can hit other bytes: every assertion is a promise that must hold whatever is hit.
//!
//! A second test opens the console in tmux on damaged copies: it refuses at once (exit 2, a
//! worded line) or shows, and then `q`, SIGTERM and SIGHUP each end it within seconds with the
//! terminal restored, leaving no process behind.
//!
//! `KEHU_DAMAGE_CASES` sets the number of damaged copies (default: each kind of damage once,
//! with and without the journal in turn; twice as many cover every kind both ways),
//! `KEHU_DAMAGE_SEED` the seed of the positions, `KEHU_DAMAGE_JOBS` how many copies are worked
//! on at once (default 3), and `KEHU_DAMAGE_KEEP=DIR` keeps each damaged copy that broke a
//! promise (as `DIR/caseN`, its backups beside it) for a reproduction by hand.

mod common;
mod tmux;

use chrono::NaiveDate;
use common::*;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tmux::Tmux;

const DAY: &str = "2024-06-30";
/// A command still running after this is killed and counted as a hang. Longer than the 30 s
/// the store gives sled to open, so that a refusal after that deadline is told from a hang.
const DEADLINE: Duration = Duration::from_secs(45);
/// A command that takes longer than this is listed as slow (the issue asks for seconds).
const SLOW: Duration = Duration::from_secs(10);
/// sled's segment size.
const SEGMENT: usize = 512 * 1024;
const BIN: &str = env!("CARGO_BIN_EXE_kehu");

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, seeded per case.

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.next() % (hi - lo) }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Files.

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
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

/// The newest snapshot file of sled in `db`.
fn snap_file(db: &Path) -> Option<PathBuf> {
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("snap."))
        .collect();
    snaps.sort();
    snaps.pop()
}

/// The newest journal segment of `db`.
fn journal_segment(db: &Path) -> Option<PathBuf> {
    let mut segs: Vec<PathBuf> = std::fs::read_dir(db.join("journal"))
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kj"))
        .collect();
    segs.sort();
    segs.pop()
}

/// The daily backup files beside `db`.
fn daily_backups(db: &Path) -> Vec<PathBuf> {
    let dir = kehu::store::backup_dir(db);
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|l| l.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// The shops.

/// Whether a copy keeps its journal and daily backup, or has only sled's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Way {
    Journal,
    Records,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::Journal => "backup+journal",
            Way::Records => "records only",
        }
    }
}

/// A template shop: `root/db` (and `root/db.backups`), never opened after it was made.
struct Shop {
    root: PathBuf,
    way: Way,
    /// Each read command's stdout on the undamaged shop.
    reference: BTreeMap<&'static str, String>,
    /// Customers, purchases and interactions as exported from the undamaged shop.
    records: [Vec<String>; 3],
}

/// Imports acknowledged after the daily backup: 40 new customers `M1`…`M40`, purchases for them
/// and for demo customers, interactions.
fn import_files(dir: &Path) -> [(&'static str, PathBuf); 3] {
    let mut customers = String::from("ref,name,phone,city,tags,notes\n");
    let mut purchases = String::from("ref,date,amount,quantity,category,channel\n");
    let mut interactions = String::from("ref,date,kind,text,rating\n");
    for n in 1..=40u32 {
        customers += &format!("M{n},Imported {n},139{n:08},杭州,vip,imported after the backup {n}\n");
        for k in 0..6u32 {
            let day = 1 + (n + k) % 29;
            purchases +=
                &format!("M{n},2024-06-{day:02},{}.{:02},{},snacks,store\n", 10 + n * k, n % 100, 1 + k % 3);
        }
        interactions +=
            &format!("M{n},2024-06-{:02},visit,came by after the backup,{}\n", 1 + n % 29, 1 + n % 5);
        purchases += &format!("{},2024-06-29,{}.50,1,drinks,online\n", 20_000_000 + n * 7, n);
    }
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    [
        ("customers", write("customers.csv", &customers)),
        ("purchases", write("purchases.csv", &purchases)),
        ("interactions", write("interactions.csv", &interactions)),
    ]
}

/// Builds both template shops under `dir` through the binary (the daily backup through the
/// library, as the console writes it).
fn build_shops(dir: &Path) -> [Shop; 2] {
    let root = dir.join("journal-shop");
    let db = root.join("db");
    std::fs::create_dir_all(&root).unwrap();
    ok(kehu_at(&db, DAY, &["demo", "--customers", "500", "--seed", "7"]));
    {
        // The backup the console writes each day: it also cuts the journal to it.
        let store = kehu::store::SledStore::open(&db).expect("open the demo shop");
        let day = NaiveDate::from_ymd_opt(2024, 6, 29).unwrap();
        let made = kehu::store::daily_backup(
            &store,
            &kehu::store::backup_dir(&db),
            day,
            kehu::store::KEEP_DEFAULT,
            &|| false,
        )
        .expect("daily backup");
        assert!(made.is_some(), "no daily backup was written");
    }
    for (kind, file) in import_files(dir) {
        let f = file.to_str().unwrap();
        ok(kehu_at(&db, DAY, &["import", "--kind", kind, f, "--create-missing"]));
    }
    ok(kehu_at(&db, DAY, &["fit"]));
    let seg = journal_segment(&db).expect("a journal segment");
    let base: u64 = seg.file_stem().unwrap().to_str().unwrap().parse().unwrap();
    assert!(base > 0, "the daily backup did not cut the journal: {}", seg.display());
    assert_eq!(daily_backups(&db).len(), 1, "one daily backup");
    assert!(snap_file(&db).is_some(), "sled wrote no snapshot");
    let len = std::fs::metadata(db.join("db")).unwrap().len() as usize;
    assert!(len >= 2 * SEGMENT - 4096, "sled's db file is {len} bytes: too small to swap two segments");

    let records_root = dir.join("records-shop");
    copy_dir(&db, &records_root.join("db"));
    std::fs::remove_dir_all(records_root.join("db").join("journal")).unwrap();

    let scratch = dir.join("reference");
    let ways = [(root, Way::Journal), (records_root, Way::Records)];
    // Twice per shop, on fresh copies and at once: what the test compares with must not vary.
    let refs: Vec<[BTreeMap<&'static str, String>; 2]> = std::thread::scope(|s| {
        let handles: Vec<_> = ways
            .iter()
            .map(|(root, way)| {
                [1, 2].map(|n| {
                    let dir = scratch.join(format!("{way:?}-{n}"));
                    s.spawn(move || reference(root, &dir))
                })
            })
            .collect();
        handles.into_iter().map(|pair| pair.map(|h| h.join().unwrap())).collect()
    });
    ways.into_iter()
        .zip(refs)
        .map(|((root, way), [first, second])| {
            let varies: Vec<String> = first
                .iter()
                .filter(|(k, v)| second[*k] != **v)
                .map(|(k, v)| format!("{k}: {:?}", first_difference(v, &second[*k])))
                .collect();
            assert!(
                varies.is_empty(),
                "{}: the commands' output varies between runs: {varies:#?}",
                way.label()
            );
            let records =
                ["customers", "purchases", "interactions"].map(|k| rows(&first[&*format!("export {k}")]));
            Shop { root, way, reference: first, records }
        })
        .collect::<Vec<_>>()
        .try_into()
        .unwrap_or_else(|_| unreachable!())
}

/// Each read command's stdout on a fresh undamaged copy of the shop in `root`.
fn reference(root: &Path, dir: &Path) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for cmd in commands().iter().filter(|c| c.compare) {
        let copy = dir.join(cmd.name.replace(' ', "-"));
        copy_dir(root, &copy);
        let r = run(&copy.join("db"), &cmd.args(&copy), &copy);
        assert_eq!(r.code, Some(0), "{} on the undamaged shop:\n{}{}", cmd.name, r.out, r.err);
        out.insert(cmd.name, normalised(r.out));
        std::fs::remove_dir_all(&copy).unwrap();
    }
    out
}

/// The first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> Option<(String, String)> {
    let (mut x, mut y) = (a.lines(), b.lines());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return None,
            (l, r) if l != r => return Some((l.unwrap_or("").into(), r.unwrap_or("").into())),
            _ => {}
        }
    }
}

/// A command's stdout without what varies from run to run (how long a fit took) or tells of
/// the journal rather than the data (`check` counts the journal's entries since its start).
fn normalised(out: String) -> String {
    out.lines()
        .filter(|l| !l.starts_with("journal ") && !l.starts_with("  from change "))
        .map(|l| match l.rfind(" in ") {
            Some(at) if l.starts_with("BG/NBD fitted") && l.ends_with(" s") => &l[..at],
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The data rows of a CSV export, each as one string.
fn rows(csv: &str) -> Vec<String> {
    let (_, rows) = parse_csv(csv);
    rows.into_iter().map(|r| r.join("\u{1f}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Damage.

/// The kinds of damage; the second field: only for copies with a journal and a backup.
const KINDS: &[(&str, bool)] = &[
    ("db: truncated anywhere", false),
    ("db: last ≤1 MiB cut off", false),
    ("db: truncated to 524288", false),
    ("db: truncated to 0", false),
    ("db: bit flips anywhere", false),
    ("db: 1 bit flipped in last 100 KB", false),
    ("db: 512 KiB halves swapped", false),
    ("db: two segments swapped", false),
    ("db: 4 KiB page zeroed", false),
    ("db: 512 KiB segment zeroed", false),
    ("db: deleted", false),
    ("conf: truncated", false),
    ("conf: bit flip", false),
    ("conf: deleted", false),
    ("conf: garbage over it", false),
    ("snap: truncated", false),
    ("snap: bit flips", false),
    ("snap: 4 KiB page zeroed", false),
    ("snap: deleted", false),
    ("snap: garbage over it", false),
    ("snap: garbage snap.FFFF… added", false),
    ("blobs/: deleted", false),
    ("journal: segment truncated", true),
    ("journal: bit flips in segment", true),
    ("journal: segment deleted", true),
    ("journal: directory deleted", true),
    ("journal: garbage over segment", true),
    ("journal: garbage segment added", true),
    ("backup: garbage over it", true),
    ("backup: truncated", true),
];

/// Every (way, kind) pair: first each kind once, with and without the journal in turn (the
/// default run), then each kind the other way.
fn pairs() -> Vec<(Way, &'static str)> {
    let first =
        |i: usize, journal_only: bool| if journal_only || i % 2 == 1 { Way::Journal } else { Way::Records };
    let mut out: Vec<(Way, &str)> =
        KINDS.iter().enumerate().map(|(i, &(kind, only))| (first(i, only), kind)).collect();
    for (i, &(kind, only)) in KINDS.iter().enumerate() {
        if !only {
            let other = if first(i, only) == Way::Journal { Way::Records } else { Way::Journal };
            out.push((other, kind));
        }
    }
    out
}

fn flip_bits(bytes: &mut [u8], lo: usize, flips: u64, rng: &mut Rng) -> Vec<usize> {
    let mut at = Vec::new();
    for _ in 0..flips {
        let pos = rng.range(lo as u64, bytes.len() as u64) as usize;
        bytes[pos] ^= 1 << (rng.next() % 8);
        at.push(pos);
    }
    at
}

/// Swaps the starts of 512 KiB segments `lo` < `hi` of `bytes`, as much of them as there is (the
/// last segment of sled's file is usually short); returns how many bytes each.
fn swap_segments(bytes: &mut [u8], lo: usize, hi: usize) -> usize {
    let n = SEGMENT.min(bytes.len() - hi * SEGMENT);
    let (a, b) = bytes.split_at_mut(hi * SEGMENT);
    a[lo * SEGMENT..lo * SEGMENT + n].swap_with_slice(&mut b[..n]);
    n
}

/// Applies damage `kind` to the database in `db` with positions drawn from `rng`; returns what
/// was done, in words (for a reproduction).
fn damage(db: &Path, kind: &str, rng: &mut Rng) -> String {
    let (target, what) = kind.split_once(": ").unwrap();
    let file = match target {
        "db" => Some(db.join("db")),
        "conf" => Some(db.join("conf")),
        "snap" => snap_file(db),
        "journal" => journal_segment(db),
        "backup" => daily_backups(db).pop(),
        _ => None,
    };
    let name = |p: &Path| p.strip_prefix(db.parent().unwrap()).unwrap().display().to_string();
    if what == "deleted" || what == "directory deleted" || what == "segment deleted" {
        let p = match target {
            "blobs/" => db.join("blobs"),
            "journal" if what == "directory deleted" => db.join("journal"),
            _ => file.expect("the file to delete"),
        };
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
        return format!("rm -r {}", name(&p));
    }
    if what == "garbage snap.FFFF… added" {
        let p = db.join("snap.FFFFFFFFFFFFFFFF");
        let n = rng.range(1, 16 << 10) as usize;
        std::fs::write(&p, rng.bytes(n)).unwrap();
        return format!("{n} random bytes written to {}", name(&p));
    }
    if what == "garbage segment added" {
        let last = file.expect("a journal segment");
        let base: u64 = last.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        let p = last.with_file_name(format!("{:020}.kj", base + rng.range(1, 10_000)));
        let n = rng.range(1, 64 << 10) as usize;
        std::fs::write(&p, rng.bytes(n)).unwrap();
        return format!("{n} random bytes written to a new segment {}", name(&p));
    }
    let file = file.unwrap_or_else(|| panic!("no file for {kind}"));
    let mut bytes = std::fs::read(&file).unwrap();
    let len = bytes.len();
    let done = match what {
        "truncated anywhere" | "truncated" | "segment truncated" => {
            let at = rng.range(0, len as u64) as usize;
            bytes.truncate(at);
            format!("truncated to {at} of {len} bytes")
        }
        "last ≤1 MiB cut off" => {
            let cut = rng.range(1, len.min(1 << 20) as u64 + 1) as usize;
            bytes.truncate(len - cut);
            format!("{cut} bytes cut off the end of {len}")
        }
        "truncated to 524288" => {
            bytes.truncate(SEGMENT.min(len));
            format!("truncated to 524288 of {len} bytes")
        }
        "truncated to 0" => {
            bytes.clear();
            format!("truncated to 0 of {len} bytes")
        }
        "bit flips anywhere" | "bit flips" | "bit flips in segment" | "bit flip" => {
            let flips = if what == "bit flip" { 1 } else { rng.range(1, 17) };
            let at = flip_bits(&mut bytes, 0, flips, rng);
            format!("{flips} bit(s) flipped at byte(s) {at:?} of {len}")
        }
        "1 bit flipped in last 100 KB" => {
            let at = flip_bits(&mut bytes, len.saturating_sub(100_000), 1, rng);
            format!("1 bit flipped at byte {at:?} of {len}")
        }
        "512 KiB halves swapped" => {
            let n = swap_segments(&mut bytes, 0, 1);
            format!("bytes 0..{n} and 524288..{} swapped ({len} bytes)", SEGMENT + n)
        }
        "two segments swapped" => {
            let segments = len.div_ceil(SEGMENT);
            let i = rng.range(0, segments as u64) as usize;
            let j = (i + rng.range(1, segments as u64) as usize) % segments;
            let n = swap_segments(&mut bytes, i.min(j), i.max(j));
            format!("{n} bytes of 512 KiB segments {} and {} swapped ({len} bytes)", i.min(j), i.max(j))
        }
        "4 KiB page zeroed" => {
            let page = rng.range(0, len.div_ceil(4096) as u64) as usize * 4096;
            bytes[page..(page + 4096).min(len)].fill(0);
            format!("4 KiB page at {page} zeroed ({len} bytes)")
        }
        "512 KiB segment zeroed" => {
            let seg = rng.range(0, len.div_ceil(SEGMENT) as u64) as usize * SEGMENT;
            bytes[seg..(seg + SEGMENT).min(len)].fill(0);
            format!("512 KiB segment at {seg} zeroed ({len} bytes)")
        }
        "garbage over it" | "garbage over segment" => {
            let n = rng.range(1, len.max(64) as u64 * 2) as usize;
            bytes = rng.bytes(n);
            format!("replaced by {n} random bytes (was {len})")
        }
        other => panic!("unknown damage {other}"),
    };
    std::fs::write(&file, &bytes).unwrap();
    format!("{}: {done}", name(&file))
}

// ---------------------------------------------------------------------------------------------
// Commands.

/// A command run on each damaged copy.
struct Cmd {
    name: &'static str,
    args: &'static [&'static str],
    /// A read command: with the journal, an exit 0 must print what the undamaged shop prints.
    compare: bool,
}

impl Cmd {
    /// The arguments, with the files of a command that needs them placed in `dir`.
    fn args(&self, dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = self.args.iter().map(|s| s.to_string()).collect();
        match self.name {
            "backup" => out.push(dir.join("taken.kehubak").display().to_string()),
            "import" => {
                let f = dir.join("small.csv");
                std::fs::write(&f, "ref,date,amount\nM1,2024-06-30,12.50\nZ900,2024-06-30,3.00\n").unwrap();
                out.push(f.display().to_string());
                out.push("--create-missing".into());
            }
            "salvage" => {
                out.push("--out".into());
                out.push(dir.join("salvaged").display().to_string());
            }
            _ => {}
        }
        out
    }
}

fn commands() -> Vec<Cmd> {
    let c = |name, args, compare| Cmd { name, args, compare };
    vec![
        c("salvage", &["salvage"][..], false),
        c("check", &["check"], true),
        c("show M7", &["show", "M7"], true),
        c("show 1", &["show", "1"], true),
        c("segments", &["segments"], true),
        c("export customers", &["export", "--kind", "customers"], true),
        c("export purchases", &["export", "--kind", "purchases"], true),
        c("export interactions", &["export", "--kind", "interactions"], true),
        c("export classes", &["export", "--kind", "classes"], true),
        c("audit", &["audit"], true),
        c("fit", &["fit"], true),
        c("backup", &["backup"], false),
        c("import", &["import", "--kind", "purchases"], false),
    ]
}

/// One run of the binary.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    took: Duration,
    out: String,
    err: String,
}

/// Runs `kehu --db DB --as-of DAY args…` with its output in files under `dir`, killed after
/// [`DEADLINE`].
fn run(db: &Path, args: &[String], dir: &Path) -> Run {
    std::fs::create_dir_all(dir).unwrap();
    let (out_path, err_path) = (dir.join(".stdout"), dir.join(".stderr"));
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("--as-of")
        .arg(DAY)
        .args(args)
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env_remove("KEHU_LANG")
        .env_remove("RUST_BACKTRACE")
        .env("LANG", "C.UTF-8")
        .env("KEHU_CONFIG", dir.join("no-config.toml"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run kehu");
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            timed_out = true;
            // Our own child, by its handle.
            let _ = child.kill();
            break child.wait().unwrap();
        }
        // Polling the child against a deadline: std has no wait with a timeout.
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let r = Run {
        code: status.code(),
        signal: if timed_out { None } else { status.signal() },
        timed_out,
        took,
        out: read(&out_path),
        err: read(&err_path),
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    r
}

/// The outcome's label for the table: the exit code, or what went wrong.
fn label(r: &Run) -> String {
    if r.timed_out {
        "HANG".into()
    } else if let Some(sig) = r.signal {
        format!("SIG{sig}")
    } else {
        match r.code {
            Some(101) => "PANIC".into(),
            Some(70) => "BUG70".into(),
            Some(c) => c.to_string(),
            None => "?".into(),
        }
    }
}

/// What is wrong with how `cmd` ended, if anything (exit code and words, not the data).
fn misbehaviour(cmd: &str, r: &Run) -> Option<String> {
    if r.timed_out {
        return Some(format!("still running after {} s (killed)", DEADLINE.as_secs()));
    }
    if let Some(sig) = r.signal {
        return Some(format!("killed by signal {sig}"));
    }
    let code = r.code?;
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if r.err.contains(bad) || r.out.contains(bad) {
            return Some(format!("a panic's report ({bad:?}) was printed"));
        }
    }
    if !matches!(code, 0..=2) {
        return Some(format!("exit code {code}"));
    }
    let lines: Vec<&str> = r.err.lines().filter(|l| !l.trim().is_empty()).collect();
    if let Some(l) = lines.iter().find(|l| !l.starts_with("kehu: ")) {
        return Some(format!("stderr has a line that is not a worded `kehu: ` message: {l:?}"));
    }
    if code == 0 {
        return None;
    }
    let out_lines: Vec<&str> = r.out.lines().collect();
    let worded_err = lines.last().is_some_and(|l| l.len() > "kehu: ".len());
    let ok = match (cmd, code) {
        ("check", 1) => out_lines.last().is_some_and(|l| l.starts_with("damaged: ")),
        ("check", 2) => (out_lines.len() == 1 && out_lines[0].starts_with("refused: ")) || worded_err,
        // Salvage's verdict: what was lost, or that without the journal nobody can tell.
        ("salvage", 1) => out_lines.last().is_some_and(|l| {
            l.starts_with("lost: ")
                || l.starts_with("some records were lost")
                || l.starts_with("every record sled still holds was kept")
        }),
        _ => worded_err,
    };
    (!ok).then(|| format!("exit {code} without a worded message"))
}

// ---------------------------------------------------------------------------------------------
// One damaged copy.

/// What salvage recovered on one copy.
#[derive(Debug, Default, Clone)]
struct Recovery {
    /// Salvage's exit code (None: it misbehaved; see the problems).
    code: Option<i32>,
    /// Records of the undamaged shop, and how many of them the salvaged database holds.
    total: usize,
    kept: usize,
    /// Records in the salvaged database that the undamaged shop does not have.
    foreign: usize,
    /// How salvage rebuilt it, from its report: "backup+journal", "records" or "-" (not at all).
    way: &'static str,
}

impl Recovery {
    fn full(&self) -> bool {
        self.kept == self.total && self.foreign == 0
    }
}

/// Everything found on one damaged copy.
struct CaseResult {
    case: u64,
    way: Way,
    kind: &'static str,
    what: String,
    /// Per command: its run.
    runs: Vec<(&'static str, Run)>,
    recovery: Recovery,
    /// Broken promises, each with its reproduction.
    problems: Vec<String>,
    /// Damage that a command took at face value (exit 0, different output) on a copy without
    /// the journal: reported, not failed (two faults: sled's files and the journal).
    unjournaled_silent: Vec<String>,
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

fn run_case(shop: &Shop, case: u64, kind: &'static str, seed: u64, dir: &Path) -> CaseResult {
    let mut rng = Rng(mix(seed ^ mix(case)));
    let template = dir.join("damaged");
    copy_dir(&shop.root, &template);
    let what = damage(&template.join("db"), kind, &mut rng);
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
    let repro = |res: &CaseResult, cmd: &str, r: &Run| {
        format!(
            "case {} ({}, {}): {} → `kehu {cmd}`: exit {} in {:.1} s\n  stdout: {}\n  stderr: {}",
            res.case,
            res.way.label(),
            res.kind,
            res.what,
            label(r),
            r.took.as_secs_f64(),
            r.out.lines().take(6).collect::<Vec<_>>().join("\n          "),
            r.err.lines().take(6).collect::<Vec<_>>().join("\n          ")
        )
    };
    for cmd in commands() {
        // Every command meets the damage as it was made, not as an earlier command left it.
        let copy = dir.join(cmd.name.replace(' ', "-"));
        copy_dir(&template, &copy);
        let db = copy.join("db");
        let mut before = BTreeMap::new();
        digest(&db, &mut before);
        digest(&copy.join("db.backups"), &mut before);
        let r = run(&db, &cmd.args(&copy), &copy);
        if let Some(why) = misbehaviour(cmd.name, &r) {
            res.problems.push(format!("{why}\n{}", repro(&res, cmd.name, &r)));
        }
        if r.took > SLOW && !r.timed_out {
            eprintln!("slow: {}", repro(&res, cmd.name, &r));
        }
        if cmd.compare
            && r.code == Some(0)
            && !r.timed_out
            && normalised(r.out.clone()) != shop.reference[cmd.name]
        {
            let note = format!(
                "exit 0 but its output differs from the undamaged shop's: {:?}\n{}",
                first_difference(&shop.reference[cmd.name], &normalised(r.out.clone())),
                repro(&res, cmd.name, &r)
            );
            match shop.way {
                Way::Journal => res.problems.push(format!("silent loss: {note}")),
                Way::Records => res.unjournaled_silent.push(note),
            }
        }
        match cmd.name {
            "salvage" => {
                let mut after = BTreeMap::new();
                digest(&db, &mut after);
                digest(&copy.join("db.backups"), &mut after);
                if before != after {
                    let changed: Vec<&String> = before
                        .keys()
                        .chain(after.keys())
                        .filter(|k| before.get(*k) != after.get(*k))
                        .collect();
                    res.problems.push(format!(
                        "salvage wrote to the damaged database: {changed:?}\n{}",
                        repro(&res, cmd.name, &r)
                    ));
                }
                let how = repro(&res, cmd.name, &r);
                res.recovery = measure_salvage(shop, kind, &copy, &r, &mut res.problems, &how);
            }
            "backup" if r.code == Some(0) => {
                if let Some(p) = verify_backup(shop, &copy) {
                    let note = format!("{p}\n{}", repro(&res, cmd.name, &r));
                    match shop.way {
                        Way::Journal => res.problems.push(format!("silent loss: {note}")),
                        Way::Records => res.unjournaled_silent.push(note),
                    }
                }
            }
            _ => {}
        }
        res.runs.push((cmd.name, r));
        std::fs::remove_dir_all(&copy).unwrap();
    }
    if let Some(keep) = std::env::var_os("KEHU_DAMAGE_KEEP").filter(|_| !res.problems.is_empty()) {
        copy_dir(&template, &Path::new(&keep).join(format!("case{case}")));
    }
    std::fs::remove_dir_all(&template).unwrap();
    res
}

/// Whether damage `kind` touches only sled's own files (not the journal, not the backup).
fn sled_only(kind: &str) -> bool {
    ["db:", "conf:", "snap:", "blobs/:"].iter().any(|p| kind.starts_with(p))
}

/// Reads the database salvage wrote (if any) and compares its records with the undamaged shop;
/// what salvage did wrong goes to `problems`.
fn measure_salvage(
    shop: &Shop,
    kind: &str,
    copy: &Path,
    r: &Run,
    problems: &mut Vec<String>,
    repro: &str,
) -> Recovery {
    let total: usize = shop.records.iter().map(Vec::len).sum();
    let first = r.out.lines().next().unwrap_or("");
    let way = match first {
        l if l.starts_with("rebuilt ") && l.contains(" from the records ") => "records",
        l if l.starts_with("rebuilt ") => "backup+journal",
        _ => "-",
    };
    let mut rec = Recovery { code: r.code.filter(|_| !r.timed_out), total, way, ..Recovery::default() };
    let new = copy.join("salvaged");
    let wrote = r.code.is_some_and(|c| c < 2) && !r.timed_out;
    if wrote && !new.join("db").exists() {
        problems.push(format!("salvage exited {} but wrote no database\n{repro}", label(r)));
    } else if wrote {
        let scratch = copy.join("measure");
        let check = run(&new, &["check".into()], &scratch);
        if check.code != Some(0) || !check.out.trim_end().ends_with("clean") {
            problems.push(format!(
                "the salvaged database does not check clean: exit {}\n{}{}\n{repro}",
                label(&check),
                check.out,
                check.err
            ));
        }
        for (i, kind) in ["customers", "purchases", "interactions"].into_iter().enumerate() {
            let e = run(&new, &["export".into(), "--kind".into(), kind.into()], &scratch);
            if e.code != Some(0) {
                problems.push(format!(
                    "export {kind} of the salvaged database: exit {}\n{}\n{repro}",
                    label(&e),
                    e.err
                ));
                continue;
            }
            let (kept, foreign) = overlap(&shop.records[i], &rows(&e.out));
            rec.kept += kept;
            rec.foreign += foreign;
            if foreign > 0 {
                problems.push(format!(
                    "the salvaged database holds {foreign} {kind} record(s) the shop never had\n{repro}"
                ));
            }
        }
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

/// A backup taken from a damaged copy (exit 0) restored and compared with the undamaged shop;
/// what it lacks, if anything.
fn verify_backup(shop: &Shop, copy: &Path) -> Option<String> {
    let restored = copy.join("restored");
    let scratch = copy.join("measure-backup");
    let file = copy.join("taken.kehubak").display().to_string();
    let r = run(&restored, &["restore".into(), file], &scratch);
    if r.code != Some(0) {
        return Some(format!("its backup does not restore: exit {}\n{}{}", label(&r), r.out, r.err));
    }
    let mut lacks = Vec::new();
    for (i, kind) in ["customers", "purchases", "interactions"].into_iter().enumerate() {
        let e = run(&restored, &["export".into(), "--kind".into(), kind.into()], &scratch);
        let (kept, foreign) = overlap(&shop.records[i], &rows(&e.out));
        if e.code != Some(0) || kept != shop.records[i].len() || foreign > 0 {
            lacks.push(format!("{kind}: {kept} of {} kept, {foreign} foreign", shop.records[i].len()));
        }
    }
    (!lacks.is_empty()).then(|| format!("the backup it wrote (exit 0) lacks data: {}", lacks.join("; ")))
}

// ---------------------------------------------------------------------------------------------
// The corpus test.

fn pct(a: usize, b: usize) -> String {
    if b == 0 { "-".into() } else { format!("{:.1}%", 100.0 * a as f64 / b as f64) }
}

/// Copies per outcome label.
type Tally = BTreeMap<String, usize>;

/// Prints the outcome table (kinds × commands) and the salvage figures.
fn report(results: &[CaseResult]) {
    let cmds = commands();
    let mut table: BTreeMap<(Way, &str), BTreeMap<&str, Tally>> = BTreeMap::new();
    for r in results {
        let row = table.entry((r.way, r.kind)).or_default();
        for (cmd, run) in &r.runs {
            *row.entry(cmd).or_default().entry(label(run)).or_default() += 1;
        }
    }
    let short = |c: &str| -> String {
        c.replace("export ", "x-")
            .replace("interactions", "inter")
            .replace("customers", "cust")
            .replace("purchases", "purch")
    };
    let mut header = format!("{:<46}", "exit codes (code:copies) — way / damage");
    for c in &cmds {
        header += &format!(" {:>11}", short(c.name));
    }
    eprintln!("\n{header}");
    for ((way, kind), row) in &table {
        let mut line = format!("{:<46}", format!("{} / {kind}", way.label()));
        for c in &cmds {
            let cell: Vec<String> = row
                .get(c.name)
                .map(|m| {
                    if m.len() == 1 {
                        m.keys().cloned().collect()
                    } else {
                        m.iter().map(|(k, n)| format!("{k}:{n}")).collect()
                    }
                })
                .unwrap_or_default();
            line += &format!(" {:>11}", cell.join(" "));
        }
        eprintln!("{line}");
    }
    eprintln!("\nwhat `segments` and `salvage` said on the first copy of each (way, damage):");
    let mut seen = std::collections::BTreeSet::new();
    for r in results {
        if !seen.insert((r.way, r.kind)) {
            continue;
        }
        let said = |cmd: &str| -> String {
            let Some((_, run)) = r.runs.iter().find(|(c, _)| *c == cmd) else { return String::new() };
            let text = if run.code == Some(0) || (cmd == "salvage" && run.code == Some(1)) {
                run.out.lines().last().unwrap_or("")
            } else {
                run.err.lines().last().unwrap_or("")
            };
            format!("{} {}", label(run), text.chars().take(150).collect::<String>())
        };
        eprintln!(
            "  {} / {}\n    segments: {}\n    salvage:  {}",
            r.way.label(),
            r.kind,
            said("segments"),
            said("salvage")
        );
    }
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    for r in results {
        for (_, run) in &r.runs {
            *by_code.entry(label(run)).or_default() += 1;
            slowest = slowest.max(run.took);
        }
    }
    eprintln!("\nall runs by outcome: {by_code:?}; slowest {:.1} s", slowest.as_secs_f64());

    eprintln!("\nsalvage recovery:");
    for way in [Way::Journal, Way::Records] {
        let rs: Vec<&CaseResult> = results.iter().filter(|r| r.way == way).collect();
        if rs.is_empty() {
            continue;
        }
        let full = rs.iter().filter(|r| r.recovery.full()).count();
        let kept: usize = rs.iter().map(|r| r.recovery.kept).sum();
        let total: usize = rs.iter().map(|r| r.recovery.total).sum();
        let mut codes: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rs {
            *codes.entry(r.recovery.code.map_or("-".into(), |c| c.to_string())).or_default() += 1;
        }
        let mut ways: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rs {
            *ways.entry(r.recovery.way).or_default() += 1;
        }
        let claimed_but_lost = rs.iter().filter(|r| r.recovery.code == Some(0) && !r.recovery.full()).count();
        let said_lost_but_full =
            rs.iter().filter(|r| r.recovery.code == Some(1) && r.recovery.full()).count();
        eprintln!(
            "  {:<15} copies {:>4}: fully recovered {:>4} ({}), records {} of {} ({}); exit codes {codes:?}; rebuilt from {ways:?}; \
             said complete but lost {claimed_but_lost}; said lost but whole {said_lost_but_full}",
            way.label(),
            rs.len(),
            full,
            pct(full, rs.len()),
            kept,
            total,
            pct(kept, total)
        );
        let mut per_kind: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
        for r in &rs {
            let e = per_kind.entry(r.kind).or_default();
            e.0 += 1;
            e.1 += usize::from(r.recovery.full());
            e.2 += r.recovery.kept;
            e.3 += r.recovery.total;
        }
        for (kind, (n, full, kept, total)) in per_kind {
            eprintln!("      {kind:<36} {full:>3}/{n:<3} whole, records {:>7}", pct(kept, total));
        }
    }
    let unjournaled: usize = results.iter().map(|r| r.unjournaled_silent.len()).sum();
    if unjournaled > 0 {
        eprintln!(
            "\nwithout the journal, {unjournaled} run(s) answered with exit 0 and data that differs from the \
             undamaged shop (two faults: not failed); the first few:"
        );
        for note in results.iter().flat_map(|r| &r.unjournaled_silent).take(5) {
            eprintln!("  {note}");
        }
    }
}

#[test]
fn every_command_on_every_damaged_copy_ends_worded_and_salvage_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let shops = build_shops(dir.path());
    eprintln!("shops built and their reference output taken in {:.1} s", started.elapsed().as_secs_f64());
    let pairs = pairs();
    let cases = env_u64("KEHU_DAMAGE_CASES").unwrap_or(KINDS.len() as u64);
    let seed = env_u64("KEHU_DAMAGE_SEED").unwrap_or(13);
    let jobs = env_u64("KEHU_DAMAGE_JOBS").unwrap_or(3).max(1);

    // Salvage of the undamaged shops: the measure itself must see everything.
    for shop in &shops {
        let copy = dir.path().join(format!("undamaged-{:?}", shop.way));
        copy_dir(&shop.root, &copy);
        let r = run(&copy.join("db"), &commands()[0].args(&copy), &copy);
        let mut problems = Vec::new();
        let rec = measure_salvage(shop, "undamaged", &copy, &r, &mut problems, "undamaged");
        assert!(
            rec.full() && problems.is_empty(),
            "{}: {rec:?} {problems:#?}\n{}{}",
            shop.way.label(),
            r.out,
            r.err
        );
        std::fs::remove_dir_all(&copy).unwrap();
    }

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
                    let shop = shops.iter().find(|s| s.way == way).unwrap();
                    let case_dir = dir.path().join(format!("case{case}"));
                    let r = run_case(shop, case, kind, seed, &case_dir);
                    let _ = std::fs::remove_dir_all(&case_dir);
                    results.lock().unwrap().push(r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.case);
    eprintln!(
        "damage corpus: {cases} damaged copies (seed {seed}), {} runs, in {:.1} s",
        results.iter().map(|r| r.runs.len()).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    report(&results);
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.problems).collect();
    if !problems.is_empty() {
        eprintln!("\n{} problem(s):", problems.len());
        for p in &problems {
            eprintln!("- {p}\n");
        }
    }
    assert!(problems.is_empty(), "{} problem(s) on the damaged copies (listed above)", problems.len());
}

// ---------------------------------------------------------------------------------------------
// The console on damaged copies, in tmux.

/// How long after `q` or a signal the console must be gone, the prompt back.
const QUIT_WITHIN: Duration = Duration::from_secs(6);
/// How long the console is given to load a damaged database before it is ended anyway.
const LOAD_WITHIN: Duration = Duration::from_secs(10);
/// How long a refusal may take.
const REFUSE_WITHIN: Duration = Duration::from_secs(10);

fn shell(name: &str) -> Tmux {
    let t = Tmux::start(
        name,
        "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=xterm-256color LANG=C.UTF-8 PS1='READY$ ' bash --norc --noprofile -i",
        100,
        30,
    );
    t.wait_for("the shell prompt", |s| s.contains("READY$"));
    t
}

/// Polls `ok` until it holds or `within` has passed; whether it held.
fn poll(within: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The console's process (the shell's only child), if there is one.
fn child_of(t: &Tmux) -> Option<String> {
    let shell = t.format("#{pane_pid}");
    let out = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
    let pids = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!pids.is_empty() && !pids.contains('\n')).then_some(pids)
}

/// The exit status the shell printed after `kehu`, once the prompt is back.
fn exit_line(screen: &str) -> Option<String> {
    let trimmed = screen.trim_end();
    if !trimmed.ends_with("READY$") {
        return None;
    }
    screen.lines().rev().find_map(|l| l.strip_prefix("EXIT=").map(|c| c.trim().to_string()))
}

/// Whether the terminal is cooked again, asked of `stty` in the same pane; with what it showed.
fn cooked(t: &Tmux) -> (bool, String) {
    if t.format("#{alternate_on}") != "0" {
        return (false, "still on the alternate screen".into());
    }
    t.line("clear; stty -a | tr ' ' '\\n' | grep -E -x -- '-?(icanon|echo)' | tr '\\n' ' '; echo STTY-DONE");
    let s = t.wait_for("stty", |s| s.contains("STTY-DONE") && s.trim_end().ends_with("READY$"));
    let words: Vec<&str> = s
        .lines()
        .find(|l| l.contains("STTY-DONE") && !l.contains("READY$"))
        .unwrap_or("")
        .split_whitespace()
        .collect();
    (words.contains(&"icanon") && words.contains(&"echo") && t.format("#{cursor_flag}") == "1", s)
}

/// How one console run went.
#[derive(Debug)]
enum Console {
    /// Refused before showing: exit status, seconds, the message.
    Refused(String, f64, String),
    /// Shown, then ended by `how`: exit status, seconds from `how` to the prompt, the screen
    /// it was ended on.
    Ended(String, f64, String),
}

/// Starts the console on `db` in the pane and ends it with `how` (`q`, `TERM` or `HUP`) if it
/// shows; any broken promise is pushed to `problems`.
fn console_run(t: &Tmux, db: &Path, how: &str, what: &str, problems: &mut Vec<String>) -> Option<Console> {
    t.line("clear");
    // (A job notice of the shell may come after the clear: only the prompt matters.)
    t.wait_for("a clear screen", |s| s.trim_end().ends_with("READY$") && !s.contains("EXIT="));
    let cmd = format!(
        "KEHU_CONFIG={cfg} '{BIN}' --db '{db}' --as-of {DAY}; echo EXIT=$?",
        cfg = db.with_file_name("no-config.toml").display(),
        db = db.display(),
    );
    let started = Instant::now();
    t.line(&cmd);
    let mut shown = false;
    let mut refused = None;
    let decided = poll(REFUSE_WITHIN, || {
        if t.format("#{alternate_on}") == "1" {
            shown = true;
            return true;
        }
        let s = t.screen();
        refused = exit_line(&s).map(|code| (code, s));
        refused.is_some()
    });
    let fail = |problems: &mut Vec<String>, why: String| {
        problems.push(format!("console on {what}, ended by {how}: {why}"));
    };
    if !decided {
        fail(
            problems,
            format!("neither refused nor showed within {} s:\n{}", REFUSE_WITHIN.as_secs(), t.screen()),
        );
        return None;
    }
    if let Some((code, screen)) = refused {
        let took = started.elapsed().as_secs_f64();
        let message: Vec<&str> = screen.lines().filter(|l| l.starts_with("kehu: ")).collect();
        if code != "2" || message.is_empty() || screen.contains("panicked") {
            fail(problems, format!("refused with exit {code} and no worded line:\n{screen}"));
        }
        let (ok, s) = cooked(t);
        if !ok {
            fail(problems, format!("terminal not restored after a refusal:\n{s}"));
        }
        return Some(Console::Refused(code, took, message.join(" / ")));
    }
    let Some(pid) = ({
        let mut pid = None;
        poll(Duration::from_secs(5), || {
            pid = child_of(t);
            pid.is_some()
        });
        pid
    }) else {
        fail(problems, "the console showed but no single process runs under the shell".into());
        return None;
    };
    // The console's first frame (or a blank screen: that is a finding too, `q` must still work).
    let drawn = poll(Duration::from_secs(5), || !t.screen().trim().is_empty());
    if !drawn {
        fail(problems, "the console shows a blank screen 5 s after it started".into());
    }
    // The loader's end (the list, or its error on the status line), so that the key or signal
    // comes after the loader met the damage; one still loading then is stuck, and must end too.
    let loaded = poll(LOAD_WITHIN, || !t.screen().contains("loading"));
    let mut before = t.screen();
    if !loaded {
        before = format!("(still loading after {} s)\n{before}", LOAD_WITHIN.as_secs());
    }
    let sent = Instant::now();
    match how {
        "q" => t.send(&["q"]),
        sig => {
            let out = Command::new("kill").args([&format!("-{sig}"), &pid]).output().expect("kill");
            assert!(out.status.success(), "kill -{sig} {pid}");
        }
    }
    let mut exit = None;
    let ended = poll(QUIT_WITHIN, || {
        exit = exit_line(&t.screen());
        exit.is_some()
    });
    let took = sent.elapsed().as_secs_f64();
    let gone = poll(Duration::from_secs(1), || !Path::new(&format!("/proc/{pid}")).exists());
    if !ended || !gone {
        fail(
            problems,
            format!(
                "still running {} s after {how} (pid {pid}, prompt back: {ended}); screen before:\n{before}\nnow:\n{}",
                QUIT_WITHIN.as_secs(),
                t.screen()
            ),
        );
        // Our own process, by its pid: the test must not leave it behind.
        let _ = Command::new("kill").args(["-KILL", &pid]).output();
        poll(Duration::from_secs(5), || exit_line(&t.screen()).is_some());
        return None;
    }
    let exit = exit.unwrap();
    let history = t.history();
    if !matches!(exit.as_str(), "0" | "1" | "2")
        || history.contains("panicked")
        || history.contains("RUST_BACKTRACE")
    {
        fail(problems, format!("ended with exit {exit}:\n{history}"));
    }
    let (ok, s) = cooked(t);
    if !ok {
        fail(problems, format!("terminal not restored:\n{s}"));
    }
    Some(Console::Ended(exit, took, before))
}

/// Damaged copies on which the database opens but reading it fails (`kehu check` finds
/// damage, exit 1): the console shows, and its loader meets the damage. The first `want` found
/// among seeded candidates, as (way, kind, damaged template, what was done).
fn opening_but_damaged(
    shops: &[Shop],
    dir: &Path,
    seed: u64,
    want: usize,
) -> Vec<(Way, &'static str, PathBuf, String)> {
    let kinds = [
        (Way::Records, "db: 4 KiB page zeroed"),
        (Way::Journal, "db: 512 KiB segment zeroed"),
        (Way::Records, "db: bit flips anywhere"),
        (Way::Journal, "db: 4 KiB page zeroed"),
        (Way::Journal, "db: bit flips anywhere"),
    ];
    let mut found = Vec::new();
    for n in 0..120u64 {
        let (way, kind) = kinds[n as usize % kinds.len()];
        let shop = shops.iter().find(|s| s.way == way).unwrap();
        let template = dir.join(format!("screen{n}"));
        copy_dir(&shop.root, &template);
        let what = damage(&template.join("db"), kind, &mut Rng(mix(seed ^ mix(2000 + n))));
        let probe = dir.join(format!("screen{n}-probe"));
        copy_dir(&template, &probe);
        let r = run(&probe.join("db"), &["check".into()], &probe);
        std::fs::remove_dir_all(&probe).unwrap();
        if r.code == Some(1) && !found.iter().any(|(w, k, _, _)| *w == way && *k == kind) {
            found.push((way, kind, template, what));
            if found.len() == want {
                break;
            }
        } else {
            std::fs::remove_dir_all(&template).unwrap();
        }
    }
    found
}

#[test]
fn the_console_on_a_damaged_database_refuses_or_quits_on_q_sigterm_and_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let shops = build_shops(dir.path());
    let seed = env_u64("KEHU_DAMAGE_SEED").unwrap_or(13);
    let fixed: &[(Way, &str)] = &[
        (Way::Journal, "db: truncated to 524288"),
        (Way::Journal, "db: 512 KiB halves swapped"),
        (Way::Records, "db: truncated to 524288"),
        (Way::Records, "db: 512 KiB halves swapped"),
        (Way::Records, "snap: garbage over it"),
        (Way::Journal, "journal: garbage over segment"),
        (Way::Records, "snap: deleted"),
    ];
    let mut cases: Vec<(Way, &str, PathBuf, String)> = fixed
        .iter()
        .enumerate()
        .map(|(i, &(way, kind))| {
            let shop = shops.iter().find(|s| s.way == way).unwrap();
            let template = dir.path().join(format!("console{i}"));
            copy_dir(&shop.root, &template);
            let what = damage(&template.join("db"), kind, &mut Rng(mix(seed ^ mix(1000 + i as u64))));
            (way, kind, template, what)
        })
        .collect();
    let screened = opening_but_damaged(&shops, dir.path(), seed, 2);
    let opened_damaged = screened.len();
    cases.extend(screened);
    let t = shell("damaged");
    let mut problems = Vec::new();
    let mut table = Vec::new();
    let mut shown_any = false;
    for (i, (way, kind, template, what)) in cases.iter().enumerate() {
        let mut row = format!("{:<15} {kind:<30}", way.label());
        for how in ["q", "TERM", "HUP"] {
            // A fresh copy each time: a console that showed may have written to the last one.
            let copy = dir.path().join(format!("run{i}-{how}"));
            copy_dir(template, &copy);
            let label = format!("{} / {kind} ({what})", way.label());
            let cell = match console_run(&t, &copy.join("db"), how, &label, &mut problems) {
                Some(Console::Refused(code, took, msg)) => {
                    if how == "q" {
                        eprintln!("  {label}: refused: {msg}");
                    }
                    format!("refused {code} {took:.2}s")
                }
                Some(Console::Ended(code, took, screen)) => {
                    shown_any = true;
                    if how == "q" {
                        let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
                        let status = lines.last().copied().unwrap_or("");
                        eprintln!("  {label}: the console showed, with the status line:\n    {status}");
                    }
                    format!("{how}→{code} {took:.2}s")
                }
                None => "FAILED".into(),
            };
            row += &format!("{cell:>18}");
        }
        table.push(row);
    }
    drop(t);
    // No console (nor anything else started on these copies) is left running.
    let root = dir.path().display().to_string();
    let left = poll(Duration::from_secs(5), || {
        let out = Command::new("pgrep").args(["-f", &root]).output().expect("pgrep");
        out.stdout.is_empty()
    });
    if !left {
        let out = Command::new("pgrep").args(["-a", "-f", &root]).output().expect("pgrep");
        problems.push(format!("processes left running: {}", String::from_utf8_lossy(&out.stdout)));
    }
    eprintln!(
        "\nconsole on damaged copies ({:<13} {:<30}{:>18}{:>18}{:>18})",
        "way", "damage", "q", "SIGTERM", "SIGHUP"
    );
    for row in &table {
        eprintln!("  {row}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(shown_any, "no damaged copy showed the console: q, SIGTERM and SIGHUP were not tried on one");
    // Reported rather than failed: which damage opens but does not read depends on sled's layout.
    if opened_damaged == 0 {
        eprintln!(
            "no candidate damage opened with damage found by `kehu check`: the loader path was not tried"
        );
    }
}
