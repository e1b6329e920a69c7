//! Damaged database files: `kehu check` on each of many damaged copies (truncated files,
//! flipped bits, zeroed pages) refuses, reports damage or finds the data intact — it never
//! panics and never hangs. `KEHU_CORRUPT_CASES` sets the number of cases (default 100).

use chrono::{NaiveDate, Utc};
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A few hundred records: 60 customers with a purchase and an interaction each, and some edits.
fn make_db(db: &Path) {
    let store = SledStore::open(db).unwrap();
    let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    for n in 1..=60 {
        let mut c = Customer::new(&format!("Customer {n}"), Utc::now()).unwrap();
        c.reference = Some(format!("M{n}"));
        c.phone = Some(Phone::parse(&format!("139{n:08}")).unwrap());
        c.notes = "x".repeat(n as usize * 5);
        let mut c = store.put_customer(c).unwrap();
        store.add_purchase(Purchase::new(c.id, day, Money(100 * n), 1).unwrap()).unwrap();
        store.add_purchase(Purchase::new(c.id, day, Money(7 * n), 3).unwrap()).unwrap();
        store
            .add_interaction(Interaction::new(c.id, day, InteractionKind::Visit, "came by").unwrap())
            .unwrap();
        c.city = "杭州".into();
        store.put_customer(c).unwrap();
    }
}

/// Every regular file under `dir`, sorted, for a deterministic choice.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.metadata().unwrap().len() > 0 {
            out.push(p);
        }
    }
    out.sort();
    out
}

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

/// Damages one file of `db` as case `case` says; returns what was done.
fn damage(db: &Path, case: u64) -> String {
    let r = mix(case);
    let all = files(db);
    // Most cases hit the main data file, where the records are.
    let file = all
        .iter()
        .find(|p| p.ends_with("db"))
        .filter(|_| !r.is_multiple_of(4))
        .unwrap_or(&all[r as usize % all.len()]);
    let mut bytes = std::fs::read(file).unwrap();
    let len = bytes.len();
    let at = (mix(r) % len as u64) as usize;
    let name = file.strip_prefix(db).unwrap().display().to_string();
    match case % 3 {
        0 => {
            bytes.truncate(at);
            std::fs::write(file, &bytes).unwrap();
            format!("{name}: truncated at {at} of {len}")
        }
        1 => {
            let flips = 1 + mix(r ^ 1) % 16;
            for k in 0..flips {
                let pos = (mix(r + k) % len as u64) as usize;
                bytes[pos] ^= 1 << (mix(r ^ k) % 8);
            }
            std::fs::write(file, &bytes).unwrap();
            format!("{name}: {flips} bits flipped")
        }
        _ => {
            let page = at / 4096 * 4096;
            bytes[page..(page + 4096).min(len)].fill(0);
            std::fs::write(file, &bytes).unwrap();
            format!("{name}: 4 KiB page at {page} zeroed")
        }
    }
}

/// Runs `kehu check` on `db` with a deadline: (exit code or None on timeout, stdout, stderr).
fn check(db: &Path) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .arg("check")
        .env_remove("KEHU_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            return (o.status.code(), text(&o.stdout), text(&o.stderr));
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return (None, String::new(), String::new());
        }
        // Polling the child with a deadline: there is no portable wait-with-timeout in std.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The tree counts in a `check` report.
fn counts(out: &str) -> Vec<&str> {
    out.lines().filter(|l| !l.starts_with("problem") && *l != "clean" && !l.starts_with("damaged")).collect()
}

#[test]
fn damaged_copies_never_panic_or_hang() {
    let cases: u64 = std::env::var("KEHU_CORRUPT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    make_db(&original);
    let (code, clean, _) = check(&original);
    assert_eq!(code, Some(0), "{clean}");
    let mut table: BTreeMap<&str, u64> = BTreeMap::new();
    let mut bad = Vec::new();
    for case in 0..cases {
        let copy = dir.path().join(format!("copy{case}"));
        copy_dir(&original, &copy);
        let what = damage(&copy, case);
        let (code, out, err) = check(&copy);
        let class = match code {
            None => "hang",
            Some(101) => "panic",
            _ if err.contains("panicked") => "panic",
            Some(2) if out.starts_with("refused: ") => "refused with a message",
            Some(1) if out.contains("problem: ") => "damage detected by check",
            Some(0) if counts(&out) == counts(&clean) => "opened and intact",
            Some(0) => "clean but records missing",
            _ => "other",
        };
        if matches!(class, "hang" | "panic" | "other") {
            bad.push(format!("case {case} ({what}): {class} {code:?}\n{out}{err}"));
        }
        *table.entry(class).or_default() += 1;
        std::fs::remove_dir_all(&copy).unwrap();
    }
    println!("corruption cases: {cases}");
    for (class, n) in &table {
        println!("  {class:<28}{n:>5}");
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
