//! Helpers for tests that run the real `kehu` binary.
#![allow(dead_code)]

pub mod dbfiles;
pub mod fsutil;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub mod pty;
pub mod run;
pub mod serve;
pub mod torture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A number from the environment (a harness's size or seed), if it is set and parses.
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// A scratch directory with a database path inside it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write fixture");
        p
    }

    /// Runs `kehu --db <db> --as-of <today> args…`.
    pub fn kehu(&self, today: &str, args: &[&str]) -> Output {
        kehu_at(&self.db(), today, args)
    }
}

/// Runs the binary against a database, with no environment leaking in from the developer's shell.
pub fn kehu_at(db: &Path, today: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(db)
        .arg("--as-of")
        .arg(today)
        .args(args)
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env_remove("KEHU_BRANCH")
        .output()
        .expect("run kehu")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "kehu failed: {}\n{}", stderr(&o), stdout(&o));
    stdout(&o)
}

/// Parses CSV text into a header and rows.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().expect("header").iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.expect("row").iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// The whitespace-separated CDNOW log (tests/data) as a purchases CSV: ref `C<id>`, date,
/// quantity, amount.
pub fn cdnow_csv() -> String {
    let raw = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/CDNOW_sample.txt"))
        .expect("tests/data/CDNOW_sample.txt");
    let mut csv = String::from("ref,date,quantity,amount\n");
    for line in raw.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "{line}");
        csv += &format!("C{},{},{},{}\n", f[0], f[2], f[3], f[4]);
    }
    csv
}
