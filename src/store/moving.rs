//! Moving a shop between a database directory and PostgreSQL (`kehu migrate`): every entry of
//! every tree copied as the bytes it is (the envelopes are the same on both backends), from
//! one consistent read of the source, into a destination that holds nothing yet, and then
//! counted and summed again on the destination.
//!
//! All or nothing: into PostgreSQL the copy is one transaction; into a directory it is written
//! beside it (`DIR.moving`) and renamed into place once flushed, counted and opened. The source's
//! records are only read (opening it may upgrade its layout or schema, as any open does, and a
//! directory is held under its lock meanwhile; a server that took changes during the read is
//! refused, as the copy would lack them). Its own content sum is checked as it is read, so a
//! damaged source is refused rather than carried over.

use super::kv::Kv;
use super::sled_store::{FORMAT, FORMAT_KEY};
use super::sum::{self, SUM_KEY};
use super::trees::{TreeId, Trees};
use super::{PgStore, SledStore, Store, StoreError, StoreResult};
use crate::progress::{Progress, Unit};
use std::path::{Path, PathBuf};

/// Entries per write when copying.
const BATCH: usize = 2048;
/// Bytes of keys and values per write when copying.
const BATCH_BYTES: usize = 8 << 20;

/// What a move copied: entries per tree, and the content sum of the trees of records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Entries per tree, in tree order (the kept trees last).
    pub trees: Vec<(&'static str, u64)>,
    /// The content sum of every entry of the trees of records (see [`super::sum`]).
    pub sum: u64,
    /// The last change the source had made.
    pub seq: u64,
}

impl Tally {
    /// Entries over every tree.
    pub fn entries(&self) -> u64 {
        self.trees.iter().map(|(_, n)| n).sum()
    }
}

/// Every tree the copy carries: the records, then the kept data read with them (one snapshot,
/// so it matches them).
fn carried() -> impl Iterator<Item = TreeId> {
    TreeId::ALL.into_iter().chain(TreeId::KEPT)
}

/// Counts and sums `kv` as [`copy`] does, writing nothing.
pub(crate) fn tally(kv: &dyn Kv) -> StoreResult<Tally> {
    copy(kv, None, crate::progress::QUIET)
}

/// Reads every carried tree of `from` (writing each entry to `to`, when given) and tallies it;
/// refused when the records do not add up to the content sum `from` recorded.
fn copy(from: &dyn Kv, to: Option<&dyn Kv>, p: &dyn Progress) -> StoreResult<Tally> {
    let recorded = |key| -> StoreResult<u64> {
        from.value(TreeId::Meta, key)?.map_or(Ok(0), |v| super::keys::parse_id(&v, "meta"))
    };
    let mut tally = Tally { seq: recorded(sum::SEQ_KEY)?, ..Tally::default() };
    let (mut batch, mut bytes) = (Vec::new(), 0usize);
    for t in carried() {
        let mut n = 0u64;
        for entry in from.all(t) {
            let (k, v) = entry?;
            if TreeId::ALL.contains(&t) && !sum::is_bookkeeping(t, &k) {
                tally.sum = tally.sum.wrapping_add(sum::entry_hash(t, &k, &v));
            }
            n += 1;
            if let Some(to) = to {
                bytes += k.len() + v.len();
                batch.push((t, k.to_vec(), Some(v.to_vec())));
                if batch.len() >= BATCH || bytes >= BATCH_BYTES {
                    p.advance(batch.len() as u64);
                    to.apply(std::mem::take(&mut batch))?;
                    bytes = 0;
                }
            }
        }
        tally.trees.push((t.name(), n));
    }
    if let Some(to) = to {
        p.advance(batch.len() as u64);
        to.apply(batch)?;
    }
    if tally.sum != recorded(SUM_KEY)? {
        return Err(StoreError::Corrupt(format!(
            "the records do not add up to the content recorded with change {}: entries were lost or changed behind kehu's back (`kehu check` names them on a directory; restore a backup)",
            tally.seq
        )));
    }
    Ok(tally)
}

/// A database to move from or to.
enum End {
    Dir(PathBuf),
    Pg(String),
}

impl End {
    fn of(db: &Path) -> End {
        match super::pg::url_in(db) {
            Some(url) => End::Pg(url.to_string()),
            None => End::Dir(db.to_path_buf()),
        }
    }
}

/// Copies the shop at `from` (a directory or a PostgreSQL URL) to `to` (the other kind, holding
/// nothing yet), counting and summing it there before it is committed (PostgreSQL) or takes
/// its name (a directory); the tally, equal on both sides. On any failure nothing is written.
pub fn migrate(from: &Path, to: &Path, p: &dyn Progress) -> StoreResult<Tally> {
    match (End::of(from), End::of(to)) {
        (End::Dir(from), End::Pg(url)) => {
            let source = SledStore::open_existing(&from)?;
            let target = PgStore::open(&url)?;
            let moved = source.with_trees(|trees, _| {
                p.stage("moving: entries", None, Unit::Items);
                // Counted again inside the transaction: a mismatch rolls it all back.
                target.filling(|kv| same(copy(trees, Some(kv), p)?, tally(kv)?))
            });
            p.done();
            moved
        }
        (End::Pg(url), End::Dir(dir)) => {
            let source = PgStore::open(&url)?;
            refuse_occupied(&dir)?;
            let staging = beside(&dir, ".moving");
            let moved = source.reading(|kv| {
                p.stage("moving: entries", None, Unit::Items);
                into_dir(kv, &staging, p)
            });
            p.done();
            // Opened as kehu opens it, and nothing committed since the snapshot, before it
            // takes the directory's name.
            let moved = moved.and_then(|m| SledStore::open_existing(&staging).map(|_| m)).and_then(|m| {
                let now = source.last_change()?;
                if now != m.seq {
                    return Err(StoreError::Refused(format!(
                        "{} changes were made on the server while the shop was read; stop every till and `kehu serve` on it, then move again",
                        now.saturating_sub(m.seq)
                    )));
                }
                Ok(m)
            });
            let landed = moved.and_then(|m| {
                if dir.exists() {
                    std::fs::remove_dir(&dir).map_err(|e| fs_err("cannot replace", &dir, e))?;
                }
                std::fs::rename(&staging, &dir).map_err(|e| fs_err("cannot move the database to", &dir, e))?;
                Ok(m)
            });
            landed.inspect_err(|_| drop(std::fs::remove_dir_all(&staging)))
        }
        (End::Dir(_), End::Dir(_)) => Err(StoreError::Refused(
            "both are directories; to copy a database directory, `kehu backup` it and `kehu restore` the file".into(),
        )),
        (End::Pg(_), End::Pg(_)) => Err(StoreError::Refused(
            "both are PostgreSQL databases; copy one with the server's own tools (pg_dump, CREATE DATABASE … TEMPLATE)"
                .into(),
        )),
    }
}

/// The tally of what was moved, when the destination holds exactly that; else what differs.
fn same(moved: Tally, found: Tally) -> StoreResult<Tally> {
    if moved == found {
        return Ok(moved);
    }
    Err(StoreError::Corrupt(format!(
        "the copy does not match what was read: {} entries read, sum {:016x}; {} found, sum {:016x}",
        moved.entries(),
        moved.sum,
        found.entries(),
        found.sum
    )))
}

/// Refuses a destination directory that holds anything.
fn refuse_occupied(dir: &Path) -> StoreResult<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| fs_err("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(StoreError::Refused(format!(
                "{} is not empty; move only into a new directory",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Copies `kv` into a new database directory at `staging`, flushed, with its format recorded
/// (a PostgreSQL database does not keep one): the tally the directory must give.
fn into_dir(kv: &dyn Kv, staging: &Path, p: &dyn Progress) -> StoreResult<Tally> {
    if staging.exists() {
        std::fs::remove_dir_all(staging).map_err(|e| fs_err("cannot clear", staging, e))?;
    }
    let db = super::open::sled_config(staging).open().map_err(super::scan::io)?;
    let trees = Trees::open(&db)?;
    let mut moved = copy(kv, Some(&trees), p)?;
    if let Some(sum) = record_format(&trees[TreeId::Meta])? {
        moved.sum = sum;
        moved.trees.iter_mut().filter(|(name, _)| *name == TreeId::Meta.name()).for_each(|(_, n)| *n += 1);
    }
    db.flush().map_err(super::scan::io)?;
    same(moved, tally(&trees)?)
}

/// Records this kehu's format in a directory's `meta` tree filled from a shop that began on
/// PostgreSQL (which keeps none; a directory without one is taken for an old layout to
/// migrate), keeping the content sum right; the new sum when it wrote.
pub(crate) fn record_format(meta: &sled::Tree) -> StoreResult<Option<u64>> {
    if meta.get(FORMAT_KEY).map_err(super::scan::io)?.is_some() {
        return Ok(None);
    }
    let format = FORMAT.to_be_bytes();
    let before =
        meta.get(SUM_KEY).map_err(super::scan::io)?.map_or(Ok(0), |v| super::keys::parse_id(&v, "meta"))?;
    let sum = before.wrapping_add(sum::delta(TreeId::Meta, FORMAT_KEY, None, Some(&format)));
    let mut batch = sled::Batch::default();
    batch.insert(FORMAT_KEY, &format);
    batch.insert(SUM_KEY, &sum.to_be_bytes());
    meta.apply_batch(batch).map_err(super::scan::io)?;
    Ok(Some(sum))
}

/// `dir` with `suffix` on its last name (`shop/` → `shop.moving`): beside it, never inside.
pub(crate) fn beside(dir: &Path, suffix: &str) -> PathBuf {
    match dir.file_name() {
        Some(name) => dir.with_file_name(format!("{}{suffix}", name.to_string_lossy())),
        None => PathBuf::from(format!("{}{suffix}", dir.display())),
    }
}

fn fs_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}
