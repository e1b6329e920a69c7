//! Where sled and kehu keep their files inside a database directory, for the harnesses that
//! damage one file or look for what a failure left behind.

use std::path::{Path, PathBuf};

/// sled's `snap.*` files, oldest first (their names are fixed-width hex log positions).
pub fn snapshots(db: &Path) -> Vec<PathBuf> {
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(db)
        .expect("the database directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("snap.")))
        .collect();
    snaps.sort();
    snaps
}

/// The newest of sled's snapshots.
pub fn newest_snapshot(db: &Path) -> Option<PathBuf> {
    snapshots(db).pop()
}

/// Names of sled's half-written snapshots (`snap.*.generating`) in `db`.
pub fn generating(db: &Path) -> Vec<String> {
    std::fs::read_dir(db)
        .expect("the database directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".generating"))
        .collect()
}

/// The journal's segments (`journal/<base>.kj`) with their bases, oldest first; none when
/// there is no journal.
pub fn journal_segments(db: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(listing) = std::fs::read_dir(db.join("journal")) else { return Vec::new() };
    let mut segs: Vec<(u64, PathBuf)> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "kj"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
        .collect();
    segs.sort();
    segs
}

/// The daily backups beside `db` (in `DB.backups/`), oldest first.
pub fn daily_backups(db: &Path) -> Vec<PathBuf> {
    let dir = kehu::store::backup_dir(db);
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|l| l.map(|e| e.expect("directory entry").path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}
