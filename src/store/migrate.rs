//! Moving a format 2 or 3 database to format 4 (purchases and interactions in chunks, see
//! [`super::chunks`]) when it is opened, in one go.
//!
//! Why in one go and not lazily per customer: a lazy migration would make every reader and
//! writer handle both layouts for as long as one old record is left (every history read would
//! merge two trees per kind), and the first console start reads every history anyway, so it
//! would pay the old cost and the migration's at once. The whole move reads each old record once
//! and writes about one chunk per customer and kind (seconds at 100k customers, once).
//!
//! Crash safety: until the format number is raised, the old trees are only read. The chunks go
//! into the new trees in batches (each one atomic in sled), everything is flushed, and only then
//! is the number raised (one insert, flushed). A kill before that leaves a format 2 or 3
//! database: the next open clears the half-filled new trees and starts over. A kill after it
//! leaves a format 4 database that may still hold the old trees: [`finish`] drops them at the
//! next open. Either way every record is in exactly one place the reader of that format sees.
//!
//! A record that cannot be read (damage) stops the migration with its name: the database stays
//! as it was (format 2 or 3), to be restored from a backup, rather than losing the record.

use super::chunks::{self, Child};
use super::envelope::{At, decode};
use super::keys::{chunk_key, parse_child_key};
use super::scan::io;
use super::sled_store::{FORMAT, FORMAT_KEY, INTERACTION_CHUNKS, PURCHASE_CHUNKS};
use super::{StoreError, StoreResult};
use crate::domain::{Interaction, Purchase};

/// The trees of formats 2 and 3 that format 4 replaces, by their replacement.
const OLD_TREES: [&str; 2] = ["purchases", "interactions"];
/// Chunks per sled batch: big enough that batches cost little, small enough to bound memory.
const BATCH: usize = 4096;

/// Migrates the database to format 4 (a new database just gets the number).
pub(crate) fn run(db: &sled::Db, meta: &sled::Tree) -> StoreResult<()> {
    run_with(db, meta, BATCH)
}

/// [`run`] with `batch` chunks per sled batch (tests use tiny batches to stop between them).
fn run_with(db: &sled::Db, meta: &sled::Tree, batch: usize) -> StoreResult<()> {
    // Seconds at 100k customers, a minute or two at a million: say so rather than seem to hang.
    // Printed before any console has the terminal (stores are opened first).
    let names = db.tree_names();
    let old = OLD_TREES.iter().filter(|t| names.iter().any(|n| n == t.as_bytes()));
    // `is_empty` looks at one key; `len` would read the whole tree.
    if old.filter_map(|t| db.open_tree(t).ok()).any(|t| !t.is_empty()) {
        eprintln!(
            "kehu: upgrading the database to format {FORMAT} (once; about 10 s per 100,000 customers)…"
        );
    }
    copy::<Purchase>(db, OLD_TREES[0], PURCHASE_CHUNKS, batch)?;
    copy::<Interaction>(db, OLD_TREES[1], INTERACTION_CHUNKS, batch)?;
    db.flush().map_err(io)?;
    crash_point()?;
    meta.insert(FORMAT_KEY, &FORMAT.to_be_bytes()).map_err(io)?;
    db.flush().map_err(io)?;
    crash_point()?;
    finish(db)
}

/// Drops the trees of the old layout, if a migration left them (they are no longer read).
pub(crate) fn finish(db: &sled::Db) -> StoreResult<()> {
    let names = db.tree_names();
    let mut dropped = false;
    for old in OLD_TREES {
        if names.iter().any(|n| n == old.as_bytes()) {
            db.drop_tree(old).map_err(io)?;
            dropped = true;
        }
    }
    if dropped {
        db.flush().map_err(io)?;
    }
    Ok(())
}

/// Rewrites every record of the old tree `old` as chunks in the tree `new`, customer by customer
/// (the old keys start with the customer id, so each customer's records come together).
fn copy<T: Child>(db: &sled::Db, old: &str, new: &str, batch: usize) -> StoreResult<()> {
    let target = db.open_tree(new).map_err(io)?;
    // Left by a migration that was stopped before it raised the format: start over.
    target.clear().map_err(io)?;
    if !db.tree_names().iter().any(|n| n == old.as_bytes()) {
        return Ok(());
    }
    let source = db.open_tree(old).map_err(io)?;
    let mut out = Batcher { tree: &target, batch: sled::Batch::default(), pending: 0, size: batch };
    let mut group: Option<(u64, Vec<T>)> = None;
    for item in source.iter() {
        let (k, v) = item.map_err(io)?;
        let (owner, id) = parse_child_key(&k, T::KIND)?;
        // The record as the old reader returned it: format 2 records carry their own ids.
        let record: T = decode(&v, At::child(owner, id))
            .map_err(|e| StoreError::Corrupt(format!("cannot move to format {FORMAT}: {e}")))?;
        match &mut group {
            Some((o, records)) if *o == owner => records.push(record),
            _ => {
                if let Some((o, records)) = group.replace((owner, vec![record])) {
                    out.customer(o, &records)?;
                }
            }
        }
    }
    if let Some((o, records)) = group {
        out.customer(o, &records)?;
    }
    out.apply()
}

/// Chunks on their way into a tree, written a batch at a time.
struct Batcher<'a> {
    tree: &'a sled::Tree,
    batch: sled::Batch,
    pending: usize,
    size: usize,
}

impl Batcher<'_> {
    /// Adds the chunks of one customer's records; writes the batch when it is full.
    fn customer<T: Child>(&mut self, owner: u64, records: &[T]) -> StoreResult<()> {
        for (n, bytes) in chunks::pack(records)?.into_iter().enumerate() {
            let n = u32::try_from(n)
                .map_err(|_| StoreError::Io(format!("customer #{owner} has too many records")))?;
            self.batch.insert(&chunk_key(owner, n)[..], bytes);
            self.pending += 1;
        }
        if self.pending >= self.size {
            self.apply()?;
            crash_point()?;
        }
        Ok(())
    }

    /// Writes what is pending (atomically: sled applies a batch whole or not at all).
    fn apply(&mut self) -> StoreResult<()> {
        self.tree.apply_batch(std::mem::take(&mut self.batch)).map_err(io)?;
        self.pending = 0;
        Ok(())
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: how many more steps the migration takes before it stops as if killed.
    static STEPS_LEFT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// A point where a test may stop the migration, as a kill would (outside tests: nothing).
fn crash_point() -> StoreResult<()> {
    #[cfg(test)]
    {
        let stop = STEPS_LEFT.with(|s| match s.get() {
            Some(0) => true,
            Some(n) => {
                s.set(Some(n - 1));
                false
            }
            None => false,
        });
        if stop {
            return Err(StoreError::Io("migration stopped by the test".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
