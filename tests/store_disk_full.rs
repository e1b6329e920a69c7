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
