//! Backup files: a consistent snapshot of every tree, checksummed so that a damaged file is
//! refused before anything is written.
//!
//! Layout (integers little-endian):
//! header `b"KEHUBAK\0"`, u32 backup version, u32 database format;
//! per tree: u8 1, u16 name length, name, u64 entry count, entries (u32 key length, key,
//! u32 value length, value), u32 CRC32 of the block from its tag byte on;
//! end: u8 0, u32 tree count, u32 CRC32 of every byte before it.

use super::sled_store::FORMAT;
use super::{SledStore, StoreError, StoreResult};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"KEHUBAK\0";
const VERSION: u32 = 1;
/// Entries per sled batch when restoring (the staging directory makes the restore all or
/// nothing, not the batches).
const RESTORE_BATCH: usize = 1024;
/// Largest key or value accepted, so that a damaged length cannot ask for gigabytes.
const MAX_ITEM: u32 = 64 << 20;

/// What a backup or restore moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// Trees in the file.
    pub trees: u32,
    /// Key/value entries over all trees.
    pub entries: u64,
}

/// A writer feeding both the current block's checksum and the whole file's.
struct Summed<W: Write> {
    inner: W,
    block: crc32fast::Hasher,
    total: crc32fast::Hasher,
}

impl<W: Write> Summed<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.block.update(bytes);
        self.total.update(bytes);
        self.inner.write_all(bytes)
    }
    fn end_block(&mut self) -> std::io::Result<()> {
        let crc = std::mem::take(&mut self.block).finalize();
        self.total.update(&crc.to_le_bytes());
        self.inner.write_all(&crc.to_le_bytes())
    }
}

fn fs_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}

/// Writes a snapshot of `store` to `path` (via `path.tmp`, fsynced, then renamed), holding the
/// writer lock so that no edit lands between two trees.
pub fn backup_to(store: &SledStore, path: &Path) -> StoreResult<BackupSummary> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let file = File::create(&tmp).map_err(|e| fs_err("cannot create", &tmp, e))?;
    let mut w = Summed { inner: BufWriter::new(file), block: Default::default(), total: Default::default() };
    let summary = store.with_trees(|trees| write_trees(&mut w, trees))?;
    let write = |e| fs_err("cannot write", &tmp, e);
    let file = w.inner.into_inner().map_err(|e| write(e.into_error()))?;
    file.sync_all().map_err(write)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| fs_err("cannot rename the backup to", path, e))?;
    // The rename is durable only once the directory is synced; best effort where unsupported.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(summary)
}

fn write_trees<W: Write>(w: &mut Summed<W>, trees: &[(&str, &sled::Tree)]) -> StoreResult<BackupSummary> {
    let io = |e: std::io::Error| StoreError::Io(format!("cannot write the backup: {e}"));
    w.put(MAGIC).map_err(io)?;
    w.put(&VERSION.to_le_bytes()).map_err(io)?;
    w.put(&FORMAT.to_le_bytes()).map_err(io)?;
    w.end_block().map_err(io)?;
    let mut summary = BackupSummary::default();
    for (name, tree) in trees {
        w.put(&[1]).map_err(io)?;
        w.put(&(name.len() as u16).to_le_bytes()).map_err(io)?;
        w.put(name.as_bytes()).map_err(io)?;
        w.put(&(tree.len() as u64).to_le_bytes()).map_err(io)?;
        let mut n = 0u64;
        for item in tree.iter() {
            let (k, v) = item.map_err(super::scan::io)?;
            for part in [&k[..], &v[..]] {
                w.put(&(part.len() as u32).to_le_bytes()).map_err(io)?;
                w.put(part).map_err(io)?;
            }
            n += 1;
        }
        if n != tree.len() as u64 {
            // The count went first; a tree that changed under the lock would be a bug.
            return Err(StoreError::Io(format!("tree {name} changed during the backup")));
        }
        w.end_block().map_err(io)?;
        summary.trees += 1;
        summary.entries += n;
    }
    w.put(&[0]).map_err(io)?;
    w.put(&summary.trees.to_le_bytes()).map_err(io)?;
    let total = w.total.clone().finalize();
    w.inner.write_all(&total.to_le_bytes()).map_err(io)?;
    Ok(summary)
}

/// The key/value pairs of one tree, as read from a backup.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A reader that checks the same checksums the writer made.
struct Checked<R: Read> {
    inner: R,
    block: crc32fast::Hasher,
    total: crc32fast::Hasher,
}

/// A damaged or foreign backup file.
fn damaged(why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("the backup file is damaged or not a kehu backup: {why}"))
}

impl<R: Read> Checked<R> {
    fn take(&mut self, n: usize) -> StoreResult<Vec<u8>> {
        let mut buf = Vec::new();
        (&mut self.inner).take(n as u64).read_to_end(&mut buf).map_err(damaged)?;
        if buf.len() != n {
            return Err(damaged("it ends too early (truncated)"));
        }
        self.block.update(&buf);
        self.total.update(&buf);
        Ok(buf)
    }
    fn u32(&mut self) -> StoreResult<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| damaged("short integer"))?))
    }
    fn u64(&mut self) -> StoreResult<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| damaged("short integer"))?))
    }
    fn end_block(&mut self, what: &str) -> StoreResult<()> {
        let want = std::mem::take(&mut self.block).finalize();
        if self.u32()? != want {
            return Err(damaged(format!("checksum mismatch in {what}")));
        }
        self.block = Default::default();
        Ok(())
    }
}

/// Reads a whole backup, calling `entry(tree, key, value)` for each entry; fails on any damage.
/// Entries of a tree are handed out only after that tree's checksum matched.
fn read_backup(
    path: &Path,
    entry: &mut dyn FnMut(&str, Entries) -> StoreResult<()>,
) -> StoreResult<BackupSummary> {
    let file = File::open(path).map_err(|e| fs_err("cannot open", path, e))?;
    let mut r = Checked { inner: BufReader::new(file), block: Default::default(), total: Default::default() };
    if r.take(8)? != MAGIC {
        return Err(damaged("no kehu backup header"));
    }
    let version = r.u32()?;
    let format = r.u32()?;
    r.end_block("the header")?;
    if version != VERSION {
        return Err(damaged(format!("backup version {version}, this kehu reads {VERSION}")));
    }
    if format > FORMAT {
        return Err(StoreError::TooNew {
            path: path.display().to_string(),
            found: format,
            supported: FORMAT,
        });
    }
    let mut summary = BackupSummary::default();
    loop {
        match r.take(1)?[0] {
            0 => break,
            1 => {}
            t => return Err(damaged(format!("unknown block tag {t}"))),
        }
        let len = u16::from_le_bytes(r.take(2)?.try_into().map_err(|_| damaged("short integer"))?);
        let name =
            String::from_utf8(r.take(len as usize)?).map_err(|_| damaged("a tree name is not text"))?;
        let count = r.u64()?;
        let mut items = Vec::new();
        for _ in 0..count {
            let mut part = || -> StoreResult<Vec<u8>> {
                let n = r.u32()?;
                if n > MAX_ITEM {
                    return Err(damaged(format!("an entry of {n} bytes in tree {name}")));
                }
                r.take(n as usize)
            };
            let k = part()?;
            items.push((k, part()?));
        }
        r.end_block(&format!("tree {name}"))?;
        summary.trees += 1;
        summary.entries += count;
        entry(&name, items)?;
    }
    if r.u32()? != summary.trees {
        return Err(damaged("tree count mismatch"));
    }
    let want = r.total.clone().finalize();
    let mut tail = [0u8; 4];
    r.inner.read_exact(&mut tail).map_err(|_| damaged("it ends too early (truncated)"))?;
    if u32::from_le_bytes(tail) != want {
        return Err(damaged("total checksum mismatch"));
    }
    if r.inner.read(&mut [0u8; 1]).map_err(damaged)? != 0 {
        return Err(damaged("bytes after the end"));
    }
    Ok(summary)
}

/// Checks every checksum of a backup without writing anything.
pub fn verify_backup(path: &Path) -> StoreResult<BackupSummary> {
    read_backup(path, &mut |_, _| Ok(()))
}

/// Restores a backup into `dir`, which must not exist or be empty: the file is verified whole
/// first, then written into a sibling directory that is renamed into place once flushed, so a
/// failure never leaves a half-restored database behind.
pub fn restore_from(path: &Path, dir: &Path) -> StoreResult<BackupSummary> {
    let shown = dir.display();
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| fs_err("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(StoreError::Io(format!("{shown} is not empty; restore only into a new directory")));
        }
    }
    verify_backup(path)?;
    let staging = PathBuf::from(format!("{}.restoring", dir.display()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| fs_err("cannot clear", &staging, e))?;
    }
    let db = super::sled_store::sled_config(&staging).open().map_err(super::scan::io)?;
    let summary = read_backup(path, &mut |name, items| {
        let tree = db.open_tree(name).map_err(super::scan::io)?;
        for part in items.chunks(RESTORE_BATCH) {
            let mut batch = sled::Batch::default();
            for (k, v) in part {
                batch.insert(&k[..], &v[..]);
            }
            tree.apply_batch(batch).map_err(super::scan::io)?;
        }
        Ok(())
    })?;
    db.flush().map_err(super::scan::io)?;
    drop(db);
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|e| fs_err("cannot replace", dir, e))?;
    }
    std::fs::rename(&staging, dir).map_err(|e| fs_err("cannot move the restored database to", dir, e))?;
    Ok(summary)
}
