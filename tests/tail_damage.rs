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
mod tail;

use common::dbfiles::newest_snapshot;
use common::env_u64;
use std::path::PathBuf;
use std::time::Instant;
use tail::damage::Damage;
use tail::report::Tally;
use tail::shop::Shop;
use tail::trial::run_trial;

fn trials() -> u64 {
    env_u64("KEHU_TAIL_TRIALS").unwrap_or(24)
}

/// Says what each shop is like.
fn describe(shops: &[Shop]) {
    for shop in shops {
        let db = shop.db();
        let size = std::fs::metadata(db.join("db")).expect("db").len();
        eprintln!(
            "shop '{}': db {size} bytes, snapshot {}, journal from change {}, {} purchase rows, {} customer rows",
            shop.name,
            newest_snapshot(&db).expect("a snapshot").file_name().unwrap().to_string_lossy(),
            shop.journal_base,
            shop.expected.purchases.lines().count() - 1,
            shop.expected.customers.lines().count() - 1
        );
    }
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
    describe(&shops);
    let mut tally = Tally::new(std::env::var_os("KEHU_TAIL_KEEP").map(PathBuf::from));
    for trial in 0..n {
        let shop = &shops[(trial % 2) as usize];
        let damage = Damage::of_trial(trial);
        let dir = root.path().join(format!("trial{trial}"));
        let (what, t) = run_trial(shop, damage, &dir);
        tally.add(trial, shop, damage, &what, &t);
        std::fs::remove_dir_all(&dir).expect("remove trial copies");
    }
    eprintln!("\ntail-damage trials: {n} in {:.0} s", started.elapsed().as_secs_f64());
    tally.print();
    let failures = &tally.failures;
    assert!(failures.is_empty(), "{} failed trial(s):\n{}", failures.len(), failures.join("\n"));
}
