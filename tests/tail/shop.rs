//! The two shops of the tail-damage trials, built through the binary, and what an untouched
//! copy of each answers.

use super::{SHOW_REF, TODAY, must};
use crate::common::dbfiles::journal_segments;
use crate::common::fsutil::copy_dir;
use crate::common::serve;
use kehu::demo::rng::Rng;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A purchases file of `rows` rows: most for demo members (`M0000001`…), the rest for new refs
/// `<new_prefix>NNNN` that `--create-missing` creates.
fn purchases_csv(seed: u64, rows: usize, new_prefix: &str) -> String {
    let mut rng = Rng::new(seed);
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

/// Imports `rows` purchases of `purchases_csv(seed, rows, prefix)` into `db` (the file kept in
/// `dir` as `name`), creating the missing customers.
fn import_purchases(db: &Path, dir: &Path, name: &str, seed: u64, rows: usize, prefix: &str) {
    let file = dir.join(name);
    std::fs::write(&file, purchases_csv(seed, rows, prefix)).expect("import file");
    let said = must(db, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]);
    assert!(said.contains(&format!("{rows} purchases")), "{said}");
}

/// Runs `kehu torture` and checks that every edit was acknowledged.
fn torture(db: &Path, seed: u64, edits: u64) {
    let out = must(db, &["torture", "--seed", &seed.to_string(), "--edits", &edits.to_string()]);
    let acked = out.lines().filter(|l| l.starts_with("ok ")).count() as u64;
    assert_eq!(acked, edits, "torture acknowledged {acked} of {edits} edits");
}

/// Has `kehu serve` write the daily backup (which cuts the journal back to it).
fn daily_backup_by_serve(db: &Path, scratch: &Path) {
    let served = serve::daily_backup(db, TODAY, scratch, Duration::from_secs(60));
    assert!(served.backed_up(), "kehu serve wrote no daily backup: {:#?} {:?}", served.seen, served.said);
    assert!(served.stopped.is_some_and(|s| s.success()), "kehu serve on SIGTERM: {:#?}", served.seen);
    let backups = std::fs::read_dir(kehu::store::backup_dir(db)).expect("DB.backups").count();
    assert_eq!(backups, 1, "one daily backup");
}

/// What an untouched copy of a shop answers.
pub struct Expected {
    pub check: String,
    pub purchases: String,
    pub customers: String,
    pub show: String,
}

impl Expected {
    /// Records what the shop in `dir` answers, from a copy: the shop itself stays as the last
    /// acknowledged command left it.
    fn record(dir: &Path) -> Expected {
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
        Expected { check, purchases, customers, show }
    }
}

/// A built shop: `DIR/db` (and `DIR/db.backups`) and what it holds.
pub struct Shop {
    pub name: &'static str,
    pub dir: PathBuf,
    pub expected: Expected,
    /// The base of the journal's oldest segment (0: the journal reaches back to the start).
    pub journal_base: u64,
}

impl Shop {
    pub fn db(&self) -> PathBuf {
        self.dir.join("db")
    }

    /// Builds a shop in `dir`: a demo shop, an import, edits, a second import; with `backup`, a
    /// daily backup is taken after the first import (so that the journal no longer reaches back
    /// to the start) and more edits follow the second import.
    pub fn build(name: &'static str, dir: &Path, seed: u64, backup: bool) -> Shop {
        std::fs::create_dir_all(dir).expect("shop dir");
        let db = dir.join("db");
        must(&db, &["demo", "--customers", "500", "--seed", &seed.to_string()]);
        import_purchases(&db, dir, "first.csv", seed, 2500, "FIRST");
        if backup {
            daily_backup_by_serve(&db, dir);
        }
        torture(&db, seed * 10 + 1, 150);
        import_purchases(&db, dir, "second.csv", seed + 1, 2000, "TAIL");
        // One shop ends with the import, the other with more edits after it.
        if backup {
            torture(&db, seed * 10 + 2, 40);
        }
        let expected = Expected::record(dir);
        let journal_base = journal_segments(&db).first().map(|(base, _)| *base).expect("a journal");
        assert_eq!(journal_base > 0, backup, "the daily backup cuts the journal back");
        Shop { name, dir: dir.to_path_buf(), expected, journal_base }
    }
}

/// Copies a shop's database and its daily backups into `to` (as `to/db`, `to/db.backups`).
pub fn copy_shop(shop: &Path, to: &Path) {
    copy_dir(&shop.join("db"), &to.join("db"));
    let backups = shop.join("db.backups");
    if backups.exists() {
        copy_dir(&backups, &to.join("db.backups"));
    }
}
