//! Plain file-tree chores of the harnesses: copying a database before damaging it, listing its
//! files in a fixed order, emptying a directory.

use std::path::{Path, PathBuf};

/// Copies the tree `from` to `to` (created as needed).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for e in std::fs::read_dir(from).expect("read the directory") {
        let p = e.expect("directory entry").path();
        let dest = to.join(p.file_name().expect("file name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy a file");
        }
    }
}

/// Every regular file under `dir`, sorted: a choice among them by number is the same each run.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read the directory") {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Removes everything inside `dir`, keeping `dir` itself (a mount point stays mounted).
pub fn clear_dir(dir: &Path) {
    for e in std::fs::read_dir(dir).expect("read the directory") {
        let p = e.expect("directory entry").path();
        if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) }
            .expect("clear the directory");
    }
}
