//! A database held by one process is refused to another with a message naming the holder.

use kehu::store::{SledStore, StoreError};
use std::process::Command;

/// Set for the child copy of this test binary: the directory it should try to open.
const CHILD_DIR: &str = "KEHU_STORE_LOCK_CHILD_DIR";

/// In the child process: tries to open the database and prints what happened.
#[test]
fn child_tries_to_open() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else { return };
    match SledStore::open(dir.as_ref()) {
        Ok(_) => println!("CHILD: opened"),
        Err(e @ StoreError::Locked { .. }) => println!("CHILD-LOCKED: {e}"),
        Err(e) => println!("CHILD-OTHER: {e}"),
    }
}

#[test]
fn second_process_is_told_who_holds_the_database() {
    let dir = tempfile::TempDir::new().unwrap();
    let _held = SledStore::open(dir.path()).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_tries_to_open", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The harness prints "test child_tries_to_open ... " on the same line as the child's output.
    let line = stdout.lines().find_map(|l| l.find("CHILD").map(|at| &l[at..])).unwrap_or_default();
    let pid = std::process::id();
    assert_eq!(
        line,
        format!(
            "CHILD-LOCKED: the database at {} is in use by another kehu process (pid {pid}); \
             close it first, or use `kehu serve` to share one database",
            dir.path().display()
        )
    );
}
