//! Backup files: a consistent snapshot of every tree, checksummed so that a damaged file is
//! refused before anything is written, and holding the journal position it was taken at, so
//! that the journal since then can bring it forward (see [`super::salvage`]).
//!
//! Layout (integers little-endian), version 2:
//! header `b"KEHUBAK\0"`, u32 backup version, u32 database format, u64 journal seq, u64 content
//! sum, u32 CRC32 of the header;
//! per tree: u8 1, u16 name length, name, then each entry as u8 1, u32 key length, key, u32
//! value length, value; then u8 0, u64 entry count, u32 CRC32 of the block from its tag byte on;
//! end: u8 0, u32 tree count, u32 CRC32 of every byte before it.
//!
//! Version 1 (read only) had no seq or sum and gave each tree's entry count before its entries
//! instead of marking each entry: counting first meant reading every tree twice, and on a
//! damaged tree sled's count never ends.

use super::kv::{Kv, Put};
use super::sled_store::FORMAT;
use super::sum;
use super::trees::TreeId;
use super::{SledStore, StoreError, StoreResult};
use crate::progress::{Progress, QUIET, Unit};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"KEHUBAK\0";
const VERSION: u32 = 2;
/// Entries per sled batch when restoring (the staging directory makes the restore all or
/// nothing, not the batches).
const RESTORE_BATCH: usize = 1024;
/// Bytes of keys and values per sled batch when restoring.
const RESTORE_BATCH_BYTES: usize = 8 << 20;
/// Largest key or value accepted, so that a damaged length cannot ask for gigabytes.
const MAX_ITEM: u32 = 64 << 20;

/// What a backup or restore moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// Trees in the file.
    pub trees: u32,
    /// Key/value entries over all trees.
    pub entries: u64,
    /// The journal position the backup holds (0 in a version 1 backup).
    pub seq: u64,
    /// The content sum at that position (0 in a version 1 backup).
    pub sum: u64,
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
    StoreError::Io(format!("{what} {}: {}", path.display(), super::scan::io_error_text(&e)))
}

/// Refuses a backup file inside the database directory: writing it there would overwrite (or
/// be mistaken for) the database's own files.
fn refuse_inside(store: &SledStore, path: &Path) -> StoreResult<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let db = canon(store.path());
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => canon(p),
        _ => canon(Path::new(".")),
    };
    if parent.starts_with(&db) {
        return Err(StoreError::Io(format!(
            "refusing to write the backup {} inside the database directory {}; choose a file elsewhere",
            path.display(),
            store.path().display()
        )));
    }
    Ok(())
}

/// Writes a snapshot of `store` to `path` (via `path.tmp`, fsynced, then renamed), holding the
/// writer lock so that no edit lands between two trees. The entries are summed on the way and
/// must add up to the content the journal recorded: a database that lost entries without a
/// word is not backed up as if it were whole. `stop` is asked now and then; when it says so
/// the backup is abandoned.
pub fn backup_to(store: &SledStore, path: &Path, stop: &dyn Fn() -> bool) -> StoreResult<BackupSummary> {
    backup_with(store, path, stop, QUIET)
}

/// [`backup_to`], telling `p` of the entries written (their number is not known before).
pub fn backup_with(
    store: &SledStore,
    path: &Path,
    stop: &dyn Fn() -> bool,
    p: &dyn Progress,
) -> StoreResult<BackupSummary> {
    refuse_inside(store, path)?;
    store.with_trees(|trees, writer| {
        write_file(trees, (writer.journal.last, writer.journal.sum), path, stop, p)
    })
}

/// Writes the trees of `kv`, at change `seq` with content sum `sum`, to the backup file `path`
/// (via `path.tmp`, fsynced, then renamed); `kv` is one consistent view of them.
pub(crate) fn write_file(
    kv: &dyn Kv,
    (seq, sum): (u64, u64),
    path: &Path,
    stop: &dyn Fn() -> bool,
    p: &dyn Progress,
) -> StoreResult<BackupSummary> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let file = File::create(&tmp).map_err(|e| fs_err("cannot create", &tmp, e))?;
    let mut w = Summed { inner: BufWriter::new(file), block: Default::default(), total: Default::default() };
    p.stage("writing the backup: entries", None, Unit::Items);
    let written = write_trees(&mut w, kv, (seq, sum), stop, p);
    let finished = written.and_then(|summary| {
        let write = |e| fs_err("cannot write", &tmp, e);
        let file = w.inner.into_inner().map_err(|e| write(e.into_error()))?;
        file.sync_all().map_err(write)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| fs_err("cannot rename the backup to", path, e))?;
        Ok(summary)
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    let summary = finished?;
    // The rename is durable only once the directory is synced; best effort where unsupported.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::journal::sync_dir(dir);
    }
    Ok(summary)
}

fn write_trees<W: Write>(
    w: &mut Summed<W>,
    kv: &dyn Kv,
    (seq, sum): (u64, u64),
    stop: &dyn Fn() -> bool,
    p: &dyn Progress,
) -> StoreResult<BackupSummary> {
    let io = |e: std::io::Error| {
        StoreError::Io(format!("cannot write the backup: {}", super::scan::io_error_text(&e)))
    };
    w.put(MAGIC).map_err(io)?;
    w.put(&VERSION.to_le_bytes()).map_err(io)?;
    w.put(&FORMAT.to_le_bytes()).map_err(io)?;
    w.put(&seq.to_le_bytes()).map_err(io)?;
    w.put(&sum.to_le_bytes()).map_err(io)?;
    w.end_block().map_err(io)?;
    let mut summary = BackupSummary { seq, sum, ..Default::default() };
    let mut found = 0u64;
    for t in TreeId::ALL {
        let name = t.name();
        w.put(&[1]).map_err(io)?;
        w.put(&(name.len() as u16).to_le_bytes()).map_err(io)?;
        w.put(name.as_bytes()).map_err(io)?;
        let mut n = 0u64;
        for item in kv.all(t) {
            if n.is_multiple_of(4096) {
                if stop() {
                    return Err(StoreError::Io("the backup was stopped".into()));
                }
                if n > 0 {
                    p.advance(4096);
                }
            }
            let (k, v) = item?;
            w.put(&[1]).map_err(io)?;
            for part in [&k[..], &v[..]] {
                w.put(&(part.len() as u32).to_le_bytes()).map_err(io)?;
                w.put(part).map_err(io)?;
            }
            if !sum::is_bookkeeping(t, &k) {
                found = found.wrapping_add(sum::entry_hash(t, &k, &v));
            }
            n += 1;
        }
        p.advance(n % 4096);
        w.put(&[0]).map_err(io)?;
        w.put(&n.to_le_bytes()).map_err(io)?;
        w.end_block().map_err(io)?;
        summary.trees += 1;
        summary.entries += n;
    }
    if found != sum {
        return Err(StoreError::Corrupt(format!(
            "the records do not add up to the content recorded with change {seq}: entries were lost or changed; \
             nothing was backed up (run `kehu check`, then `kehu salvage`)"
        )));
    }
    w.put(&[0]).map_err(io)?;
    w.put(&summary.trees.to_le_bytes()).map_err(io)?;
    let total = w.total.clone().finalize();
    w.inner.write_all(&total.to_le_bytes()).map_err(io)?;
    Ok(summary)
}

/// What reading a backup meets, in file order.
pub(crate) enum Item<'a> {
    /// A tree's block begins.
    Tree(&'a str),
    /// One entry of the current tree. It is handed out as it is read, before its tree's
    /// checksum is checked: whoever writes entries verifies the whole file first
    /// ([`verify_backup`]) and writes into a database that is thrown away on failure.
    Entry(&'a [u8], &'a [u8]),
    /// The current tree's block ended and its checksum matched.
    TreeEnd,
}

/// A reader that checks the same checksums the writer made, and never allocates for a length
/// the file cannot hold: a damaged or crafted file is refused in the memory of one entry.
struct Checked<R: Read> {
    inner: R,
    block: crc32fast::Hasher,
    total: crc32fast::Hasher,
    /// Bytes of the file not yet read.
    left: u64,
}

/// A damaged or foreign backup file.
fn damaged(why: impl std::fmt::Display) -> StoreError {
    StoreError::BadBackup(format!("the backup file is damaged or not a kehu backup: {why}"))
}

impl<R: Read> Checked<R> {
    fn open(path: &Path) -> StoreResult<Checked<BufReader<File>>> {
        let file = File::open(path).map_err(|e| fs_err("cannot open", path, e))?;
        let left = file.metadata().map_err(|e| fs_err("cannot read", path, e))?.len();
        Ok(Checked {
            inner: BufReader::new(file),
            block: Default::default(),
            total: Default::default(),
            left,
        })
    }
    /// Fills `buf` from the file, summed.
    fn fill(&mut self, buf: &mut [u8]) -> StoreResult<()> {
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => damaged("it ends too early (truncated)"),
            _ => damaged(e),
        })?;
        self.left = self.left.saturating_sub(buf.len() as u64);
        self.block.update(buf);
        self.total.update(buf);
        Ok(())
    }
    fn array<const N: usize>(&mut self) -> StoreResult<[u8; N]> {
        let mut buf = [0u8; N];
        self.fill(&mut buf)?;
        Ok(buf)
    }
    fn u8(&mut self) -> StoreResult<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> StoreResult<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> StoreResult<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> StoreResult<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// Reads `n` bytes into `buf`, refused when the file cannot hold them.
    fn item_of_len(&mut self, n: u16, buf: &mut Vec<u8>) -> StoreResult<()> {
        if u64::from(n) > self.left {
            return Err(damaged("it ends too early (truncated)"));
        }
        buf.clear();
        buf.resize(usize::from(n), 0);
        self.fill(buf)
    }
    /// Reads a length-prefixed key or value into `buf` (reused from entry to entry).
    fn item(&mut self, tree: &str, buf: &mut Vec<u8>) -> StoreResult<()> {
        let n = self.u32()?;
        if n > MAX_ITEM {
            return Err(damaged(format!("an entry of {n} bytes in tree {tree}")));
        }
        if u64::from(n) > self.left {
            return Err(damaged(format!(
                "an entry of {n} bytes in tree {tree}, longer than the rest of the file ({} bytes)",
                self.left
            )));
        }
        buf.clear();
        buf.resize(n as usize, 0);
        self.fill(buf)
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

/// What a backup's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BackupHeader {
    pub version: u32,
    pub format: u32,
    pub seq: u64,
    pub sum: u64,
}

fn read_header<R: Read>(r: &mut Checked<R>, path: &Path) -> StoreResult<BackupHeader> {
    if &r.array::<8>()? != MAGIC {
        return Err(damaged("no kehu backup header"));
    }
    let version = r.u32()?;
    let format = r.u32()?;
    let (seq, sum) = match version {
        1 => (0, 0),
        2 => (r.u64()?, r.u64()?),
        v => return Err(damaged(format!("backup version {v}, this kehu reads 1 and {VERSION}"))),
    };
    r.end_block("the header")?;
    if format > FORMAT {
        return Err(StoreError::TooNew {
            path: path.display().to_string(),
            found: format,
            supported: FORMAT,
        });
    }
    Ok(BackupHeader { version, format, seq, sum })
}

/// The header of the backup at `path` (reads a few dozen bytes), for choosing among backups.
pub(crate) fn header_of(path: &Path) -> StoreResult<BackupHeader> {
    let mut r = Checked::<BufReader<File>>::open(path)?;
    read_header(&mut r, path)
}

/// Reads a whole backup, one entry at a time, handing each [`Item`] to `visit`; fails on any
/// damage. The entries of a version 2 backup must add up to the sum its header gives. Memory
/// stays that of one entry, however many the file holds. `p` hears of the bytes of every entry
/// read, in a stage named `what`.
pub(crate) fn read_backup(
    path: &Path,
    visit: &mut dyn FnMut(Item) -> StoreResult<()>,
    (p, what): (&dyn Progress, &str),
) -> StoreResult<BackupSummary> {
    let mut r = Checked::<BufReader<File>>::open(path)?;
    p.stage(what, Some(r.left), Unit::Bytes);
    let header = read_header(&mut r, path)?;
    let mut summary = BackupSummary { seq: header.seq, sum: header.sum, ..Default::default() };
    let mut found = 0u64;
    let (mut k, mut v) = (Vec::new(), Vec::new());
    loop {
        match r.u8()? {
            0 => break,
            1 => {}
            t => return Err(damaged(format!("unknown block tag {t}"))),
        }
        let len = r.u16()?;
        let mut name = Vec::new();
        r.item_of_len(len, &mut name)?;
        let name = String::from_utf8(name).map_err(|_| damaged("a tree name is not text"))?;
        let tree = TreeId::from_name(&name);
        visit(Item::Tree(&name))?;
        let mut entry = |r: &mut Checked<_>, visit: &mut dyn FnMut(Item) -> StoreResult<()>| {
            r.item(&name, &mut k)?;
            r.item(&name, &mut v)?;
            if let Some(t) = tree
                && !sum::is_bookkeeping(t, &k)
            {
                found = found.wrapping_add(sum::entry_hash(t, &k, &v));
            }
            visit(Item::Entry(&k, &v))?;
            // As the file holds it: a tag and two lengths around the key and the value.
            p.advance(9 + k.len() as u64 + v.len() as u64);
            Ok(())
        };
        let count = if header.version == 1 {
            let count = r.u64()?;
            for _ in 0..count {
                entry(&mut r, visit)?;
            }
            count
        } else {
            let mut n = 0u64;
            loop {
                match r.u8()? {
                    0 => break,
                    1 => {}
                    t => return Err(damaged(format!("unknown entry tag {t} in tree {name}"))),
                }
                entry(&mut r, visit)?;
                n += 1;
            }
            let count = r.u64()?;
            if count != n {
                return Err(damaged(format!("tree {name} holds {n} entries, its count says {count}")));
            }
            count
        };
        r.end_block(&format!("tree {name}"))?;
        summary.trees += 1;
        summary.entries += count;
        visit(Item::TreeEnd)?;
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
    if header.version >= 2 && found != header.sum {
        return Err(damaged("its records do not add up to the content sum it recorded"));
    }
    Ok(summary)
}

/// Checks every checksum of a backup without writing anything.
pub fn verify_backup(path: &Path) -> StoreResult<BackupSummary> {
    verify_backup_with(path, QUIET)
}

/// [`verify_backup`], telling `p` of the bytes read.
pub fn verify_backup_with(path: &Path, p: &dyn Progress) -> StoreResult<BackupSummary> {
    read_backup(path, &mut |_| Ok(()), (p, "checking the backup"))
}

/// Restores a backup into `dir`, which must not exist or be empty: the file is verified whole
/// first, then written into a sibling directory that is renamed into place once flushed, so a
/// failure never leaves a half-restored database behind. `dir` may be a PostgreSQL URL of a
/// database kehu has not written to: then the restore is one transaction.
pub fn restore_from(path: &Path, dir: &Path) -> StoreResult<BackupSummary> {
    restore_with(path, dir, QUIET)
}

/// [`restore_from`], telling `p` of the bytes read, once to verify and once to restore.
pub fn restore_with(path: &Path, dir: &Path, p: &dyn Progress) -> StoreResult<BackupSummary> {
    if let Some(url) = super::pg::url_in(dir) {
        // Into PostgreSQL: one transaction, so a failure leaves the database as it was.
        let target = super::PgStore::open(url)?;
        let format = header_of(path)?.format;
        if format < FORMAT {
            return Err(StoreError::Refused(format!(
                "{} holds an older kehu's layout (format {format}); restore it into a directory first (kehu upgrades it there), then `kehu migrate` that to PostgreSQL",
                path.display(),
            )));
        }
        verify_backup_with(path, p)?;
        let restored = target.filling(|kv| fill_kv(path, kv, p));
        p.done();
        return restored;
    }
    let shown = dir.display();
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| fs_err("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(StoreError::Io(format!("{shown} is not empty; restore only into a new directory")));
        }
    }
    verify_backup_with(path, p)?;
    let staging = super::moving::beside(dir, ".restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| fs_err("cannot clear", &staging, e))?;
    }
    let summary = match fill(path, &staging, p) {
        Ok(s) => s,
        Err(e) => {
            p.done();
            // Half a restore is nobody's database: not left to be mistaken for one.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    p.done();
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|e| fs_err("cannot replace", dir, e))?;
    }
    std::fs::rename(&staging, dir).map_err(|e| fs_err("cannot move the restored database to", dir, e))?;
    Ok(summary)
}

/// Writes every entry of the backup at `path` into a new sled database in `dir`, flushed,
/// telling `p` of the bytes written.
fn fill(path: &Path, dir: &Path, p: &dyn Progress) -> StoreResult<BackupSummary> {
    let db = super::open::sled_config(dir).open().map_err(super::scan::io)?;
    fill_into_with(path, &db, p)
}

/// Writes every entry of the backup at `path` into the (empty) sled database `db`, flushed,
/// in batches bounded in entries and bytes; the caller has verified the file whole first.
pub(crate) fn fill_into(path: &Path, db: &sled::Db) -> StoreResult<BackupSummary> {
    fill_into_with(path, db, QUIET)
}

fn fill_into_with(path: &Path, db: &sled::Db, p: &dyn Progress) -> StoreResult<BackupSummary> {
    let mut tree: Option<sled::Tree> = None;
    let mut batch = Batch::default();
    let summary = read_backup(
        path,
        &mut |item| {
            match item {
                Item::Tree(name) => tree = Some(db.open_tree(name).map_err(super::scan::io)?),
                Item::Entry(k, v) => {
                    batch.push(k, v);
                    if batch.full() {
                        batch.apply(tree.as_ref())?;
                    }
                }
                Item::TreeEnd => batch.apply(tree.as_ref())?,
            }
            Ok(())
        },
        (p, "restoring"),
    )?;
    // A shop that began on PostgreSQL has no format entry; an older backup's layout is
    // upgraded on open, from the format it records.
    if header_of(path)?.format == FORMAT {
        super::moving::record_format(&db.open_tree(TreeId::Meta.name()).map_err(super::scan::io)?)?;
    }
    db.flush().map_err(super::scan::io)?;
    Ok(summary)
}

/// Writes every entry of the backup at `path` into `kv` (a database that holds nothing yet,
/// in one transaction), in batches bounded in entries and bytes; the caller has verified the
/// file whole first. A tree this kehu does not know is refused.
pub(crate) fn fill_kv(path: &Path, kv: &dyn Kv, p: &dyn Progress) -> StoreResult<BackupSummary> {
    let mut tree = None;
    let (mut batch, mut bytes): (Vec<Put>, usize) = (Vec::new(), 0);
    read_backup(
        path,
        &mut |item| {
            match item {
                Item::Tree(name) => {
                    let t = TreeId::from_name(name)
                        .ok_or_else(|| damaged(format!("it holds tree {name}, unknown to this kehu")))?;
                    tree = Some(t);
                }
                Item::Entry(k, v) => {
                    let t = tree.ok_or_else(|| damaged("an entry outside any tree"))?;
                    bytes += k.len() + v.len();
                    batch.push((t, k.to_vec(), Some(v.to_vec())));
                    if batch.len() >= RESTORE_BATCH || bytes >= RESTORE_BATCH_BYTES {
                        kv.apply(std::mem::take(&mut batch))?;
                        bytes = 0;
                    }
                }
                Item::TreeEnd => kv.apply(std::mem::take(&mut batch))?,
            }
            Ok(())
        },
        (p, "restoring"),
    )
}

/// Entries waiting to be written to the current tree.
#[derive(Default)]
struct Batch {
    batch: sled::Batch,
    entries: usize,
    bytes: usize,
}

impl Batch {
    fn push(&mut self, k: &[u8], v: &[u8]) {
        self.batch.insert(k, v);
        self.entries += 1;
        self.bytes += k.len() + v.len();
    }
    fn full(&self) -> bool {
        self.entries >= RESTORE_BATCH || self.bytes >= RESTORE_BATCH_BYTES
    }
    fn apply(&mut self, tree: Option<&sled::Tree>) -> StoreResult<()> {
        let batch = std::mem::take(self);
        if let Some(t) = tree
            && batch.entries > 0
        {
            t.apply_batch(batch.batch).map_err(super::scan::io)?;
        }
        Ok(())
    }
}
