//! The daily backup: one checksummed snapshot a day beside the database, the last few kept, so
//! that a shop that never thinks about backups still has last week's data. Each one is also
//! the journal's checkpoint: once two backups exist, the journal before the older of the
//! newest two is no longer needed (a damaged newest backup still leaves the one before it and
//! the journal since).

use super::{StoreError, StoreResult, backup_to, sled_store::SledStore};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// Backups kept unless the configuration says otherwise.
pub const KEEP_DEFAULT: usize = 7;

/// Where the daily backups of the database in `db` go: a sibling directory `DB.backups`,
/// so that they survive the database directory being removed.
pub fn backup_dir(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "db".into());
    name.push(".backups");
    db.with_file_name(name)
}

/// Writes today's backup into `dir` unless there is one already, then removes all but the
/// newest `keep` and cuts the journal back (see the module's doc). Returns the new backup's
/// path, or `None` when today's already existed. `stop` abandons a backup being written.
pub fn daily_backup(
    store: &SledStore,
    dir: &Path,
    today: NaiveDate,
    keep: usize,
    stop: &dyn Fn() -> bool,
) -> StoreResult<Option<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Io(format!("cannot create the backup directory {}: {e}", dir.display())))?;
    let path = dir.join(file_name(today));
    let made = if path.exists() {
        None
    } else {
        backup_to(store, &path, stop)?;
        Some(path)
    };
    prune(dir, keep.max(1))?;
    if made.is_some() {
        checkpoint(store, dir)?;
    }
    Ok(made)
}

/// Begins a new journal segment and removes the segments that the backups in `dir` make
/// unnecessary: those before the second newest backup that reads back whole.
fn checkpoint(store: &SledStore, dir: &Path) -> StoreResult<()> {
    let mut seqs: Vec<u64> = daily_files(dir)?
        .iter()
        .filter_map(|p| super::backup::header_of(p).ok())
        .filter(|h| h.version >= 2)
        .map(|h| h.seq)
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    store.with_trees(|_, w| {
        w.journal.rotate()?;
        if let Some(&keep_from) = seqs.len().checked_sub(2).and_then(|i| seqs.get(i)) {
            w.journal.prune(keep_from)?;
        }
        Ok(())
    })
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
