//! The journal: every change kehu acknowledges, appended and fsynced beside sled's files
//! before the acknowledgement, so that a change lives in two independent places.
//!
//! sled recovers a damaged log by stopping at the first bad entry and treating the rest as
//! never written: cut one byte off its file and the last import is gone, with nothing to say so.
//! Each change's journal entry carries its sequence number, which the same sled transaction
//! records in `meta`; on open the two are compared and sled is brought forward from the journal
//! (see [`super::recover`]).
//!
//! The journal lives in `DIR/journal/` as segment files named by their base seq (the entry just
//! before their first), each starting with a header (see [`entry`]). It is bounded by backups:
//! once a daily backup holds a state, the segments before it go (see [`Journal::prune`]).

pub(crate) mod entry;

pub(crate) use entry::{Bad, Entry, Header, Write};

use super::{StoreError, StoreResult};
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

/// The journal's directory inside a database directory.
pub(crate) const DIR: &str = "journal";
/// A segment is closed and a new one begun once it holds this much.
pub(crate) const SEGMENT_BYTES: u64 = 16 << 20;
/// The file name extension of segments.
const EXT: &str = "kj";

/// The journal directory of the database in `db`.
pub(crate) fn dir_of(db: &Path) -> PathBuf {
    db.join(DIR)
}

fn fs_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        return StoreError::Io(format!(
            "the disk holding the database is full ({e}, {what} {}); nothing was saved — free some space and try again",
            path.display()
        ));
    }
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}

/// One segment file, by its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SegmentFile {
    /// The base seq its name gives.
    pub base: u64,
    pub path: PathBuf,
}

/// The segments of the journal in `dir`, by base; `None` when there is no journal directory.
pub(crate) fn segments(dir: &Path) -> StoreResult<Option<Vec<SegmentFile>>> {
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fs_err("cannot list the journal", dir, e)),
    };
    let mut out = Vec::new();
    for item in listing {
        let path = item.map_err(|e| fs_err("cannot list the journal", dir, e))?.path();
        let base = path
            .extension()
            .filter(|e| *e == EXT)
            .and_then(|_| path.file_stem()?.to_str()?.parse::<u64>().ok());
        if let Some(base) = base {
            out.push(SegmentFile { base, path });
        }
    }
    out.sort_by_key(|s| s.base);
    Ok(Some(out))
}

/// Removes what a segment creation that never finished can leave: a `.new` file, and (from
/// before segments were created under a temporary name) a last segment too short to hold its
/// header. Call only with the database's lock held.
pub(crate) fn drop_unfinished(dir: &Path) -> StoreResult<()> {
    let Ok(listing) = std::fs::read_dir(dir) else { return Ok(()) };
    for item in listing.flatten() {
        if item.path().extension().is_some_and(|e| e == "new") {
            let _ = std::fs::remove_file(item.path());
        }
    }
    if let Some(last) = segments(dir)?.unwrap_or_default().last()
        && std::fs::metadata(&last.path).is_ok_and(|m| m.len() < entry::HEADER_LEN as u64)
    {
        std::fs::remove_file(&last.path)
            .map_err(|e| fs_err("cannot remove the unfinished segment", &last.path, e))?;
    }
    Ok(())
}

/// A segment read whole: its header, its intact entries, and what follows them.
#[derive(Debug)]
pub(crate) struct Segment {
    pub header: Header,
    /// The entries in order, numbered on from the base without a gap.
    pub entries: Vec<Entry>,
    /// Bytes of the header and every intact entry.
    pub valid: u64,
    /// What follows the intact entries, when anything does.
    pub tail: Option<Bad>,
}

impl Segment {
    /// The seq of its last intact entry (the base when it has none).
    pub fn last(&self) -> u64 {
        self.entries.last().map_or(self.header.base, |e| e.seq)
    }

    /// The content sum after its last intact entry.
    pub fn last_sum(&self) -> u64 {
        self.entries.last().map_or(self.header.base_sum, |e| e.sum)
    }
}

/// Reads and checks a whole segment file. A damaged header is an error; damage after it ends
/// the entries and is described in `tail`.
pub(crate) fn read(path: &Path) -> StoreResult<Segment> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| fs_err("cannot read the journal segment", path, e))?;
    let header = entry::decode_header(&bytes).map_err(|why| {
        StoreError::Corrupt(format!("the journal segment {} is damaged: {why}", path.display()))
    })?;
    let mut at = entry::HEADER_LEN;
    let mut entries: Vec<Entry> = Vec::new();
    let mut tail = None;
    while at < bytes.len() {
        match entry::decode(&bytes[at..]) {
            Ok((e, n)) => {
                let expected = entries.last().map_or(header.base, |p| p.seq) + 1;
                if e.seq != expected {
                    tail = Some(Bad::Damaged(format!("entry {} where {expected} was due", e.seq)));
                    break;
                }
                entries.push(e);
                at += n;
            }
            Err(bad) => {
                tail = Some(bad);
                break;
            }
        }
    }
    Ok(Segment { header, entries, valid: at as u64, tail })
}

/// The journal being written: the last segment, open for appending.
pub(crate) struct Journal {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    /// Bytes of the current segment that hold intact entries.
    len: u64,
    /// The length before the last append, to take it back.
    before_last: Option<u64>,
    /// The base of the current segment.
    base: u64,
    /// The seq of the last entry.
    pub last: u64,
    /// The content sum after it.
    pub sum: u64,
    /// Set when an append could neither finish nor be taken back: nothing more may be written
    /// after the torn bytes until the database is opened again (which cuts them off).
    poisoned: Option<String>,
}

impl Journal {
    /// Begins a new segment in `dir` (created when missing) at `header`'s base. The segment
    /// appears whole or not at all: its header is written under a temporary name that is
    /// renamed once on disk (a full disk must not leave a headless segment behind).
    pub fn create(dir: &Path, header: Header) -> StoreResult<Journal> {
        std::fs::create_dir_all(dir).map_err(|e| fs_err("cannot create the journal", dir, e))?;
        let path = dir.join(format!("{:020}.{EXT}", header.base));
        let tmp = dir.join(format!("{:020}.{EXT}.new", header.base));
        let made = (|| -> std::io::Result<File> {
            let mut file =
                OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&tmp)?;
            file.write_all(&entry::encode_header(header))?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            Ok(file)
        })();
        let file = match made {
            Ok(file) => file,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(fs_err("cannot create the journal segment", &path, e));
            }
        };
        sync_dir(dir);
        Ok(Journal {
            dir: dir.to_path_buf(),
            file,
            path,
            len: entry::HEADER_LEN as u64,
            before_last: None,
            base: header.base,
            last: header.base,
            sum: header.base_sum,
            poisoned: None,
        })
    }

    /// Goes on writing the segment at `path`, already read as `seg`; bytes after its intact
    /// entries (an append that never finished) are cut off.
    pub fn resume(dir: &Path, path: &Path, seg: &Segment) -> StoreResult<Journal> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| fs_err("cannot open the journal segment", path, e))?;
        if seg.tail.is_some() {
            let cut = |e| fs_err("cannot repair the journal segment", path, e);
            file.set_len(seg.valid).map_err(cut)?;
            file.sync_all().map_err(cut)?;
        }
        Ok(Journal {
            dir: dir.to_path_buf(),
            file,
            path: path.to_path_buf(),
            len: seg.valid,
            before_last: None,
            base: seg.header.base,
            last: seg.last(),
            sum: seg.last_sum(),
            poisoned: None,
        })
    }

    /// Appends `e` (its seq must follow the last) and waits until it is on disk. On failure
    /// nothing of it stays behind, or the journal refuses every later append.
    pub fn append(&mut self, e: &Entry) -> StoreResult<()> {
        if let Some(why) = &self.poisoned {
            return Err(StoreError::Io(format!(
                "the journal could not be repaired after a failed write ({why}); close kehu and open the database again"
            )));
        }
        debug_assert_eq!(e.seq, self.last + 1);
        let bytes = entry::encode(e);
        let start = self.len;
        let written = self
            .file
            .seek(SeekFrom::Start(start))
            .and_then(|_| self.file.write_all(&bytes))
            .and_then(|_| self.file.sync_data());
        if let Err(err) = written {
            let failed = fs_err("cannot write the journal segment", &self.path, err);
            if let Err(e) = self.file.set_len(start).and_then(|_| self.file.sync_data()) {
                self.poisoned = Some(e.to_string());
            }
            return Err(failed);
        }
        self.before_last = Some(start);
        self.len = start + bytes.len() as u64;
        self.last = e.seq;
        self.sum = e.sum;
        Ok(())
    }

    /// Takes back the last append (sled refused the change it records); `previous_sum` is the
    /// sum before it.
    pub fn retract(&mut self, previous_sum: u64) -> StoreResult<()> {
        let Some(start) = self.before_last.take() else { return Ok(()) };
        match self.file.set_len(start).and_then(|_| self.file.sync_data()) {
            Ok(()) => {
                self.len = start;
                self.last -= 1;
                self.sum = previous_sum;
                Ok(())
            }
            Err(e) => {
                self.poisoned = Some(e.to_string());
                Err(fs_err("cannot take back a journal entry in", &self.path, e))
            }
        }
    }

    /// Whether the current segment is due to be closed.
    pub fn full(&self) -> bool {
        self.len >= SEGMENT_BYTES
    }

    /// Closes the current segment (when it holds any entry) and begins the next one.
    pub fn rotate(&mut self) -> StoreResult<()> {
        if self.last == self.base {
            return Ok(());
        }
        let next = Journal::create(&self.dir, Header { base: self.last, base_sum: self.sum })?;
        *self = next;
        Ok(())
    }

    /// The bytes of every segment.
    pub fn bytes(&self) -> u64 {
        segments(&self.dir)
            .ok()
            .flatten()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.path.metadata().ok())
            .map(|m| m.len())
            .sum()
    }

    /// Removes the segments whose every entry is at or before `seq` (never the current one):
    /// a backup holds that state, and later segments bring it forward.
    pub fn prune(&self, seq: u64) -> StoreResult<usize> {
        let all = segments(&self.dir)?.unwrap_or_default();
        let mut removed = 0;
        // A segment ends where the next begins.
        for pair in all.windows(2) {
            let (this, next) = (&pair[0], &pair[1]);
            if next.base <= seq && this.path != self.path {
                std::fs::remove_file(&this.path)
                    .map_err(|e| fs_err("cannot remove the old journal segment", &this.path, e))?;
                removed += 1;
            }
        }
        if removed > 0 {
            sync_dir(&self.dir);
        }
        Ok(removed)
    }

    /// The journal's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The stretch of the journal that reaches its end without a gap: from its base it can bring
/// a database forward to `last`. Earlier segments cut off by a gap (a damaged end the journal
/// went on past, see [`super::recover`]) are not part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// The change it starts after.
    pub base: u64,
    /// The content sum at its base.
    pub base_sum: u64,
    /// Its last change.
    pub last: u64,
    /// How many entries it holds.
    pub entries: u64,
}

/// The journal's final unbroken run (see [`Run`]); `None` without a readable segment.
pub(crate) fn run(dir: &Path) -> StoreResult<Option<Run>> {
    let all = segments(dir)?.unwrap_or_default();
    let mut current: Option<Run> = None;
    for file in &all {
        let seg = read(&file.path)?;
        let (base, last, n) = (seg.header.base, seg.last(), seg.entries.len() as u64);
        current = match current {
            Some(r) if r.last == base => Some(Run { last, entries: r.entries + n, ..r }),
            _ => Some(Run { base, base_sum: seg.header.base_sum, last, entries: n }),
        };
    }
    Ok(current)
}

/// Makes a directory's entries (a new or removed file) durable; best effort where unsupported.
pub(crate) fn sync_dir(dir: &Path) {
    let _ = File::open(dir).and_then(|d| d.sync_all());
}

/// Calls `f` with every entry after `seq`, in order, from the segments in `dir`, up to the
/// end of the journal. Fails when an entry that is needed cannot be read (a gap, damage).
pub(crate) fn entries_after(
    dir: &Path,
    seq: u64,
    f: &mut dyn FnMut(Entry) -> StoreResult<()>,
) -> StoreResult<u64> {
    let all = segments(dir)?.unwrap_or_default();
    let start = all.iter().rposition(|s| s.base <= seq).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "the journal begins after change {} and cannot bring the database forward from change {seq}",
            all.first().map_or(0, |s| s.base + 1)
        ))
    })?;
    let mut next = seq + 1;
    let mut count = 0;
    for file in &all[start..] {
        let seg = read(&file.path)?;
        // A gap (a missing or damaged stretch before this segment) cannot be bridged.
        if seg.header.base >= next {
            return Err(StoreError::Corrupt(format!(
                "the journal has no change {next} (segment {} begins after {})",
                file.path.display(),
                seg.header.base
            )));
        }
        let from = next;
        for e in seg.entries.into_iter().filter(|e| e.seq >= from) {
            next = e.seq + 1;
            f(e)?;
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
