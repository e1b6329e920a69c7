//! A database directory that is read-only (issue 7, point 4): every command, and the console,
//! refuses with a message that says "read-only" and exits 1; nothing panics.
//!
//! Permissions mean nothing to root, so as root the commands run as user `nobody` (65534)
//! through `setpriv`; when that is not possible either, the test says why and skips.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const DAY: &str = "2024-06-30";
const NOBODY: &str = "65534";

fn chmod_tree(path: &Path, writable: bool) {
    for entry in std::fs::read_dir(path).expect("read dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            chmod_tree(&p, writable);
        } else {
            std::fs::set_permissions(
                &p,
                std::fs::Permissions::from_mode(if writable { 0o644 } else { 0o444 }),
            )
            .expect("chmod file");
        }
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(if writable { 0o755 } else { 0o555 }))
        .expect("chmod dir");
}

/// Gives the tree its write permission back, however the test ends (so it can be removed).
struct Restore<'a>(&'a Path);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        chmod_tree(self.0, true);
    }
}

/// Whether this process is root (permissions do not apply to it).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// How to run a program so that the read-only permissions apply: directly, or as root through
/// `setpriv` as nobody. None (with the reason) when neither makes the directory unwritable.
fn runner(db: &Path) -> Result<Vec<String>, String> {
    let prefix: Vec<String> = if is_root() {
        ["setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"].map(String::from).to_vec()
    } else {
        vec![]
    };
    let probe = db.join("probe");
    let mut cmd = Command::new(prefix.first().map_or("touch", String::as_str));
    cmd.args(prefix.iter().skip(1)).args(if prefix.is_empty() { vec![] } else { vec!["touch"] }).arg(&probe);
    let out = cmd.output().map_err(|e| format!("cannot run {prefix:?}: {e}"))?;
    if out.status.success() || probe.exists() {
        let _ = std::fs::remove_file(&probe);
        return Err(format!("chmod is ineffective here (a file could be created in the read-only {db:?})"));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if !err.contains("Permission denied") && !err.contains("Read-only") {
        return Err(format!("the probe failed for another reason: {err}"));
    }
    Ok(prefix)
}

fn kehu_as(prefix: &[String], db: &Path, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_kehu");
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.arg("--db")
        .arg(db)
        .arg("--as-of")
        .arg(DAY)
        .args(args)
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env("KEHU_CONFIG", "/nonexistent/kehu.toml")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run kehu")
}

#[test]
fn a_read_only_database_is_refused_with_a_message_never_a_panic() {
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "5", "--seed", "7"]));
    let good = s.file("more.csv", "ref,name\nRO1,Read Only\n");
    // nobody must be able to reach the scratch directory and read the import file.
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = s.db();
    chmod_tree(&db, false);
    let _restore = Restore(&db);
    let prefix = match runner(&db) {
        Ok(p) => p,
        Err(why) => {
            println!("SKIPPED a_read_only_database_is_refused_with_a_message_never_a_panic: {why}");
            return;
        }
    };
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&db)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    let good = good.to_str().unwrap();
    let commands: [&[&str]; 7] = [
        &["show", "#1"],
        &["segments", "--dimension", "tier"],
        &["export", "--kind", "customers", "--format", "csv"],
        &["import", "--kind", "customers", good],
        &["fit"],
        &["check"],
        // The console itself (no terminal here, but the database is opened first).
        &[],
    ];
    for args in commands {
        let out = kehu_as(&prefix, &db, args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        match out.status.code() {
            Some(0) => panic!("{args:?} succeeded on a read-only database: {}", stdout(&out)),
            Some(_) => {
                let said = format!("{err}{}", stdout(&out));
                assert!(said.contains("read-only"), "{args:?} does not say read-only: {said}");
            }
            None => panic!("{args:?} was killed by a signal: {err}"),
        }
    }
    let after: Vec<(String, Vec<u8>)> =
        before.iter().map(|(n, _)| (n.clone(), std::fs::read(db.join(n)).unwrap())).collect();
    assert_eq!(before, after, "a file of the read-only database changed");
}

/// Makes every file under `path` writable by anyone and every directory below it open, then
/// `path` itself read-only: only the database directory refuses new files.
fn read_only_top(path: &Path) {
    fn open_all(p: &Path) {
        for entry in std::fs::read_dir(p).expect("read dir") {
            let p = entry.expect("entry").path();
            let mode = if p.is_dir() { 0o777 } else { 0o666 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
            if p.is_dir() {
                open_all(&p);
            }
        }
    }
    open_all(path);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).expect("chmod dir");
}

/// A database directory that is read-only while its files are not, holding a half-written
/// snapshot that a full disk left (which kehu clears before sled sees it, when it can): not
/// "damaged", but read-only, with what to do.
#[test]
fn a_read_only_directory_is_not_called_damaged() {
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "5", "--seed", "7"]));
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = s.db();
    let snap = std::fs::read_dir(&db)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("snap.")))
        .expect("a snapshot");
    let head = std::fs::read(&snap).unwrap();
    std::fs::write(db.join("snap.FFFFFFFFFFFFFFFF.generating"), &head[..head.len() / 2]).unwrap();
    read_only_top(&db);
    let _restore = Restore(&db);
    let prefix = match runner(&db) {
        Ok(p) => p,
        Err(why) => {
            println!("SKIPPED a_read_only_directory_is_not_called_damaged: {why}");
            return;
        }
    };
    for args in [&["check"][..], &["show", "#1"]] {
        let out = kehu_as(&prefix, &db, args);
        let said = format!("{}{}", stderr(&out), stdout(&out));
        assert_ne!(out.status.code(), Some(0), "{args:?} worked on a read-only directory: {said}");
        assert!(said.contains("read-only") && !said.contains("damaged"), "{args:?}: {said}");
    }
}
