//! Damaged database files: `kehu check` on each of many damaged copies (truncated files,
//! flipped bits, zeroed pages) refuses, reports damage or finds the data intact — it never
//! panics and never hangs. `KEHU_CORRUPT_CASES` sets the number of cases (default 100).

mod common;

use chrono::{NaiveDate, Utc};
use common::env_u64;
use common::fsutil::{copy_dir, files};
use common::run::kehu_within;
use kehu::demo::rng::Rng;
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

/// A deterministic number from `x`: the first SplitMix64 output seeded with it, so that each
/// case keeps the positions it always had.
fn mix(x: u64) -> u64 {
    Rng::new(x).next_u64()
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

/// Damages one file of `db` as case `case` says; returns what was done.
fn damage(db: &Path, case: u64) -> String {
    let r = mix(case);
    // Empty files have no byte to damage.
    let all: Vec<_> = files(db).into_iter().filter(|p| p.metadata().unwrap().len() > 0).collect();
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
    let r = kehu_within(db, "2024-06-01", &["check"], TIMEOUT);
    if r.timed_out { (None, String::new(), String::new()) } else { (r.code, r.out, r.err) }
}

/// The tree counts in a `check` report.
fn counts(out: &str) -> Vec<&str> {
    out.lines().filter(|l| !l.starts_with("problem") && *l != "clean" && !l.starts_with("damaged")).collect()
}

#[test]
fn damaged_copies_never_panic_or_hang() {
    let cases: u64 = env_u64("KEHU_CORRUPT_CASES").unwrap_or(100);
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
