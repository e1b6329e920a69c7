//! The daily backup: one checksummed snapshot a day beside the database, the last few kept, so
//! that a shop that never thinks about backups still has last week's data.
//!
//! Each one is also the journal's checkpoint: once a backup is written and read back whole,
//! the journal segments before its change are removed (the backup holds that state, and the
//! journal since brings it forward: see [`super::salvage`]). A journal that has grown past
//! [`CHECKPOINT_BYTES`] (a large import, a demo shop) gets a checkpoint the same day: today's
//! backup is written again.

use super::backup::{backup_with, verify_backup_with};
use super::{StoreError, StoreResult, sled_store::SledStore};
use crate::progress::{Progress, QUIET};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// Backups kept unless the configuration says otherwise.
pub const KEEP_DEFAULT: usize = 7;
/// A journal larger than this is cut back by a new backup without waiting for the next day.
pub const CHECKPOINT_BYTES: u64 = 64 << 20;

/// Where the daily backups of the database in `db` go: a sibling directory `DB.backups`,
/// so that they survive the database directory being removed.
pub fn backup_dir(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "db".into());
    name.push(".backups");
    db.with_file_name(name)
}

/// Writes today's backup into `dir` unless there is one already (or the journal has grown past
/// [`CHECKPOINT_BYTES`]), reads it back, cuts the journal back to it and removes all but the
/// newest `keep` backups. Returns the new backup's path, or `None` when none was due. `stop`
/// abandons a backup being written.
pub fn daily_backup(
    store: &SledStore,
    dir: &Path,
    today: NaiveDate,
    keep: usize,
    stop: &dyn Fn() -> bool,
) -> StoreResult<Option<PathBuf>> {
    daily_backup_with(store, dir, today, keep, stop, QUIET)
}

/// [`daily_backup`], telling `p` how the writing and the reading back go.
pub fn daily_backup_with(
    store: &SledStore,
    dir: &Path,
    today: NaiveDate,
    keep: usize,
    stop: &dyn Fn() -> bool,
    p: &dyn Progress,
) -> StoreResult<Option<PathBuf>> {
    let path = dir.join(file_name(today));
    if path.exists() && store.journal_bytes() <= CHECKPOINT_BYTES {
        return Ok(None);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Io(format!("cannot create the backup directory {}: {e}", dir.display())))?;
    let made = backup_with(store, &path, stop, p)?;
    // Read back whole before the journal it replaces goes.
    verify_backup_with(&path, p)?;
    p.done();
    store.with_trees(|_, w| -> StoreResult<()> {
        w.journal.rotate()?;
        w.journal.prune(made.seq)?;
        Ok(())
    })?;
    prune(dir, keep.max(1))?;
    Ok(Some(path))
}

/// The daily backup files in `dir`, oldest first (names sort by date).
fn daily_files(dir: &Path) -> StoreResult<Vec<PathBuf>> {
    let io = |e: std::io::Error| StoreError::Io(format!("cannot list {}: {e}", dir.display()));
    let mut daily: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kehu-") && n.ends_with(".kehubak"))
        })
        .collect();
    daily.sort();
    Ok(daily)
}

fn file_name(day: NaiveDate) -> String {
    format!("kehu-{}.kehubak", day.format("%Y-%m-%d"))
}

/// Removes the oldest daily backups beyond `keep`.
fn prune(dir: &Path, keep: usize) -> StoreResult<()> {
    let daily = daily_files(dir)?;
    let excess = daily.len().saturating_sub(keep);
    for old in &daily[..excess] {
        std::fs::remove_file(old)
            .map_err(|e| StoreError::Io(format!("cannot remove the old backup {}: {e}", old.display())))?;
    }
    Ok(())
}
