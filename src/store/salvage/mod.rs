//! `kehu salvage`: a new database rebuilt from a damaged one, and what was lost, per kind.
//!
//! Two ways, the first that works:
//!
//! 1. **A backup and the journal.** The newest backup that reads back whole (the daily ones
//!    beside the database, or one named with `--backup`) holds the database at some change
//!    B; the journal holds every acknowledged change after its oldest segment's base. When it
//!    reaches back to B, replaying it gives every acknowledged change: nothing is lost.
//! 2. **Whatever still reads.** A copy of sled's files is opened and read tree by tree,
//!    skipping damaged pages (see [`read`]); every record that decodes is kept and the
//!    indexes are rebuilt (see [`rebuild`]). What did not read is counted, by kind.
//!
//! The damaged database is never written (only kehu's lock file); the new one is built in a
//! staging directory and moved into place once whole.

mod read;
mod rebuild;

pub use rebuild::Tally;

use super::backup;
use super::journal;
use super::lock::DirLock;
use super::recover;
use super::sum::{self, SEQ_KEY, SUM_KEY};
use super::trees::{TreeId, Trees};
use super::{SledStore, Store, StoreError, StoreResult};
use std::path::{Path, PathBuf};

/// How the new database was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// From a backup (or from nothing, for a journal that starts at the beginning) and the
    /// journal's changes after it.
    Journal { backup: Option<PathBuf>, from: u64, replayed: u64 },
    /// From the records that still read; `verified` when they add up to the database's last
    /// known content (nothing lost).
    Records { verified: bool },
}

/// What a salvage did and found.
#[derive(Debug, Clone)]
pub struct Salvaged {
    /// The new database.
    pub to: PathBuf,
    pub way: Way,
    /// The last acknowledged change anything remembers (the journal's or sled's).
    pub last_known: u64,
    /// The change the new database holds (0 when rebuilt from records).
    pub reached: u64,
    /// Per kind of record: kept and unreadable.
    pub tallies: Vec<Tally>,
    /// Anything else worth saying.
    pub notes: Vec<String>,
}

impl Salvaged {
    /// Whether nothing acknowledged was lost.
    pub fn complete(&self) -> bool {
        match self.way {
            Way::Journal { .. } => self.reached >= self.last_known,
            Way::Records { verified } => verified,
        }
    }

    /// The report, a line each.
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.way {
            Way::Journal { backup, from, replayed } => out.push(format!(
                "rebuilt {} from {} (change {from}) and {replayed} journal change(s) after it, up to change {}",
                self.to.display(),
                backup.as_ref().map_or("an empty database".to_string(), |b| format!("the backup {}", b.display())),
                self.reached
            )),
            Way::Records { .. } => out.push(format!("rebuilt {} from the records that still read", self.to.display())),
        }
        for t in &self.tallies {
            let lost =
                if t.unreadable > 0 { format!(", {} unreadable", t.unreadable) } else { String::new() };
            out.push(format!("{:<15}{:>10} kept{lost}", t.kind, t.kept));
            out.extend(t.notes.iter().map(|n| format!("  {n}")));
        }
        out.extend(self.notes.iter().cloned());
        out.push(if self.complete() {
            "nothing acknowledged was lost".into()
        } else if let Way::Journal { .. } = self.way {
            format!(
                "lost: change(s) {} to {} (acknowledged, but neither a backup nor the journal holds them)",
                self.reached + 1,
                self.last_known
            )
        } else if self.tallies.iter().any(|t| t.unreadable > 0 || !t.notes.is_empty()) {
            "some records were lost (above); compare the new database with a backup".into()
        } else {
            "every record sled still holds was kept; whether later changes were lost cannot be told without the \
             journal: compare the new database with a backup"
                .into()
        });
        out
    }
}

/// Rebuilds the database in `db` into the new directory `to` (see the module's doc); `backup`
/// names a backup to start from instead of the newest daily one.
pub fn salvage(db: &Path, to: &Path, backup: Option<&Path>) -> StoreResult<Salvaged> {
    if let Some(url) = super::pg::url_in(db) {
        // The server's own recovery (its write-ahead log, a replica) stands where salvage would.
        return Err(super::pg::directory_only(url));
    }
    refuse_target(db, to)?;
    if !super::open::exists(db) {
        return Err(StoreError::NoDatabase { path: db.display().to_string() });
    }
    let _lock = DirLock::acquire(db)?;
    let staging = PathBuf::from(format!("{}.salvaging", to.display()));
    let staging_records = PathBuf::from(format!("{}.salvaging-records", to.display()));
    for s in [&staging, &staging_records] {
        if s.exists() {
            std::fs::remove_dir_all(s).map_err(|e| fs_err("cannot clear", s, e))?;
        }
    }
    let chain = Chain::read(&journal::dir_of(db));
    // sled's own files, on copies (opening sled writes to its files): as they are, and if that
    // does not read whole, without the snapshot (sled then rebuilds its page table from the log).
    let copies = Copies::new(db, to)?;
    let sled_seq = copies.seq();
    let last_known = chain.as_ref().map_or(0, |c| c.last).max(sled_seq.unwrap_or(0));
    let mut notes = Vec::new();
    let journal_way = match &chain {
        Some(chain) => match by_journal(db, &staging, chain, backup) {
            Ok(way) => Some(way),
            Err(e) => {
                notes.push(format!("the backups and the journal could not rebuild it: {}", inner(&e)));
                let _ = std::fs::remove_dir_all(&staging);
                None
            }
        },
        None => {
            notes.push("there is no readable journal".into());
            None
        }
    };
    let chosen = match journal_way {
        Some((way, reached)) if reached >= last_known => Chosen::Journal(way, reached),
        journal_way => {
            let records = by_records(&copies, &staging_records, last_known, chain.is_some());
            match (records, journal_way) {
                (Ok(r), _) if r.verified => {
                    let _ = std::fs::remove_dir_all(&staging);
                    Chosen::Records(r)
                }
                // A consistent state some changes short beats records with holes in them.
                (_, Some((way, reached))) => {
                    notes.push(format!(
                        "the backups and the journal reach change {reached}, the database had change {last_known}"
                    ));
                    let _ = std::fs::remove_dir_all(&staging_records);
                    Chosen::Journal(way, reached)
                }
                (Ok(r), None) => Chosen::Records(r),
                (Err(e), None) => {
                    let _ = std::fs::remove_dir_all(&staging_records);
                    notes.push(inner(&e));
                    return Err(StoreError::Corrupt(format!(
                        "kehu salvage could rebuild nothing from {}: {}; restore a backup with `kehu restore` if you have one",
                        db.display(),
                        notes.join("; ")
                    )));
                }
            }
        }
    };
    drop(copies);
    let (way, reached, tallies, from) = match chosen {
        Chosen::Journal(way, reached) => (way, reached, Vec::new(), &staging),
        Chosen::Records(r) => {
            notes.extend(r.notes);
            (Way::Records { verified: r.verified }, 0, r.tallies, &staging_records)
        }
    };
    std::fs::rename(from, to).map_err(|e| fs_err("cannot move the rebuilt database to", to, e))?;
    // Opening it starts its own journal from its content.
    let store = SledStore::open(to)?;
    let tallies = if tallies.is_empty() { count(&store)? } else { tallies };
    Ok(Salvaged { to: to.to_path_buf(), way, last_known, reached, tallies, notes })
}

/// Which rebuild was kept.
enum Chosen {
    Journal(Way, u64),
    Records(Records),
}

/// The text of a store error without the "the database is damaged:" its display starts with
/// (salvage's own messages say what is damaged).
fn inner(e: &StoreError) -> String {
    match e {
        StoreError::Corrupt(why) | StoreError::Io(why) | StoreError::BadBackup(why) => why.clone(),
        other => other.to_string(),
    }
}

fn fs_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}: {e}", path.display()))
}

/// Refuses a target that exists with anything in it, or lies inside the damaged database.
fn refuse_target(db: &Path, to: &Path) -> StoreResult<()> {
    if to.exists() {
        let mut entries = std::fs::read_dir(to).map_err(|e| fs_err("cannot read", to, e))?;
        if entries.next().is_some() {
            return Err(StoreError::Io(format!(
                "{} is not empty; salvage only into a new directory",
                to.display()
            )));
        }
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let parent =
        to.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| canon(Path::new(".")), canon);
    if parent.starts_with(canon(db)) {
        return Err(StoreError::Io(format!(
            "{} is inside the damaged database {}; choose a directory elsewhere",
            to.display(),
            db.display()
        )));
    }
    Ok(())
}

/// A temporary directory on the target's file system (a copy of a large database should not
/// fill /tmp).
fn tempdir_beside(to: &Path) -> StoreResult<tempfile::TempDir> {
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| fs_err("cannot create", parent, e))?;
    tempfile::TempDir::new_in(parent).map_err(|e| fs_err("cannot create a scratch directory in", parent, e))
}

/// Copies sled's files (not the journal, not kehu's own files) of `db` into `into`.
fn copy_sled_files(db: &Path, into: &Path) -> StoreResult<()> {
    let listing = std::fs::read_dir(db).map_err(|e| fs_err("cannot read", db, e))?;
    for item in listing.flatten() {
        let name = item.file_name();
        let skip = [journal::DIR, super::lock::LOCK_FILE, "serve.json", "kehu.pid"];
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        copy_tree(&item.path(), &into.join(&name))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> StoreResult<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| fs_err("cannot create", to, e))?;
        for item in std::fs::read_dir(from).map_err(|e| fs_err("cannot read", from, e))?.flatten() {
            copy_tree(&item.path(), &to.join(item.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(drop).map_err(|e| fs_err("cannot copy", from, e))
    }
}

/// The journal as far as it reads: its oldest base and its last change.
struct Chain {
    oldest: u64,
    oldest_sum: u64,
    last: u64,
}

impl Chain {
    fn read(jdir: &Path) -> Option<Chain> {
        let run = journal::run(jdir).ok().flatten()?;
        Some(Chain { oldest: run.base, oldest_sum: run.base_sum, last: run.last })
    }
}

/// Way 1: the newest backup the journal can bring forward, restored into `staging`, and the
/// journal replayed on it. Returns the way and the change reached.
fn by_journal(db: &Path, staging: &Path, chain: &Chain, backup: Option<&Path>) -> StoreResult<(Way, u64)> {
    let candidates: Vec<PathBuf> = match backup {
        Some(b) => vec![b.to_path_buf()],
        None => daily_backups(db),
    };
    let mut tried = Vec::new();
    for file in &candidates {
        let journaled = backup::header_of(file).is_ok_and(|h| h.version >= 2);
        match backup::verify_backup(file) {
            Ok(s) if journaled && s.seq >= chain.oldest => {
                // One sled handle for both steps: sled lets go of its lock only a moment after
                // a handle is dropped, so a second open right away would be refused.
                let d = super::open::sled_config(staging).open().map_err(super::scan::io)?;
                backup::fill_into(file, &d)?;
                let replayed = replay(db, &d, s.seq, s.sum)?;
                let way = Way::Journal { backup: Some(file.clone()), from: s.seq, replayed };
                return Ok((way, s.seq + replayed));
            }
            Ok(_) if !journaled => {
                tried.push(format!("{} is from a kehu before the journal", file.display()))
            }
            Ok(s) => tried.push(format!(
                "{} holds change {}, before the journal's start ({})",
                file.display(),
                s.seq,
                chain.oldest
            )),
            Err(e) => tried.push(format!("{}: {e}", file.display())),
        }
    }
    if chain.oldest == 0 && chain.oldest_sum == 0 {
        // The journal starts with the database itself: replay it from nothing.
        let d = super::open::sled_config(staging).open().map_err(super::scan::io)?;
        let replayed = replay(db, &d, 0, 0)?;
        return Ok((Way::Journal { backup: None, from: 0, replayed }, replayed));
    }
    Err(StoreError::Corrupt(if tried.is_empty() {
        format!("no backup, and the journal starts at change {}", chain.oldest)
    } else {
        tried.join("; ")
    }))
}

/// Replays the journal of `db` after change `from` (sum `sum`) onto the sled database `d`
/// (the staging copy); returns how many changes.
fn replay(db: &Path, d: &sled::Db, from: u64, sum: u64) -> StoreResult<u64> {
    let trees = Trees::open(d)?;
    let meta = &trees[TreeId::Meta];
    meta.insert(SEQ_KEY, &from.to_be_bytes()).map_err(super::scan::io)?;
    meta.insert(SUM_KEY, &sum.to_be_bytes()).map_err(super::scan::io)?;
    recover::replay(d, &trees, &journal::dir_of(db), from, sum)
}

/// The daily backups of `db`, newest first.
fn daily_backups(db: &Path) -> Vec<PathBuf> {
    let dir = super::daily::backup_dir(db);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|l| {
            l.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "kehubak")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files.reverse();
    files
}

/// What way 2 gave.
struct Records {
    tallies: Vec<Tally>,
    notes: Vec<String>,
    /// Every entry read, and they add up to the content sum sled recorded at the database's
    /// last known change: nothing was lost.
    verified: bool,
}

/// Way 2: every record that reads from the best copy of sled's files, into `staging`. Nothing
/// lost can be said only with a journal to say what the last change was.
fn by_records(copies: &Copies, staging: &Path, last_known: u64, journal: bool) -> StoreResult<Records> {
    let (reads, how) = copies.best_reads()?;
    let adds_up = reads_add_up(&reads, last_known);
    let verified = adds_up && journal;
    let d = super::open::sled_config(staging).open().map_err(super::scan::io)?;
    let tallies = rebuild::rebuild(&d, &reads)?;
    d.flush().map_err(super::scan::io)?;
    let mut notes = Vec::new();
    if let Some(how) = how {
        notes.push(how.to_string());
    }
    if verified {
        notes.push(format!(
            "every entry read back and they add up to the content recorded at change {last_known}"
        ));
    } else if adds_up {
        notes.push(format!(
            "every entry read back and they add up to the content sled recorded at change {last_known}; without \
             the journal nothing says whether later changes were lost"
        ));
    }
    Ok(Records { tallies, notes, verified })
}

/// Whether `reads` are whole and add up to the content sum their `meta` recorded, at change
/// `last_known`.
fn reads_add_up(reads: &[read::TreeRead], last_known: u64) -> bool {
    if reads.iter().any(|r| !r.complete || !r.failures.is_empty()) {
        return false;
    }
    let meta = &reads[TreeId::Meta as usize].entries;
    let value = |key: &[u8]| {
        meta.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map(u64::from_be_bytes)
    };
    let (Some(seq), Some(claimed)) = (value(SEQ_KEY), value(SUM_KEY)) else { return false };
    let mut found = 0u64;
    for (t, read) in TreeId::ALL.iter().zip(reads) {
        for (k, v) in &read.entries {
            if !sum::is_bookkeeping(*t, k) {
                found = found.wrapping_add(sum::entry_hash(*t, k, v));
            }
        }
    }
    seq >= last_known && found == claimed
}

/// sled's files of the damaged database, copied to scratch directories and opened there: as
/// they are (with sled's settings file written anew: kehu always uses the same), and, when that
/// does not read whole, without the snapshot.
struct Copies {
    as_is: (tempfile::TempDir, StoreResult<sled::Db>),
    from: PathBuf,
    beside: PathBuf,
}

impl Copies {
    fn new(db: &Path, to: &Path) -> StoreResult<Copies> {
        let dir = tempdir_beside(to)?;
        copy_sled_files(db, dir.path())?;
        super::open::write_canonical_conf(dir.path());
        let opened = read::open(dir.path());
        Ok(Copies { as_is: (dir, opened), from: db.to_path_buf(), beside: to.to_path_buf() })
    }

    /// sled's last applied change, as the copy says.
    fn seq(&self) -> Option<u64> {
        let d = self.as_is.1.as_ref().ok()?;
        let meta = d.open_tree(TreeId::Meta.name()).ok()?;
        sum::read_u64(&meta, SEQ_KEY).ok().flatten()
    }

    /// The reads of every tree: from the copy as it is when sled opens it, else from the copy
    /// without its snapshot. Never a mix, and never the snapshot-less view when the files open
    /// as they are: without the snapshot sled may bring back older versions of records, which
    /// must not pass for the current ones.
    fn best_reads(&self) -> StoreResult<(Vec<read::TreeRead>, Option<&'static str>)> {
        let read_all = |d: &sled::Db| TreeId::ALL.iter().map(|&t| read::tree(d, t)).collect::<Vec<_>>();
        if let Ok(d) = &self.as_is.1 {
            return Ok((read_all(d), None));
        }
        let dir = tempdir_beside(&self.beside)?;
        copy_sled_files(&self.from, dir.path())?;
        super::open::write_canonical_conf(dir.path());
        for snap in std::fs::read_dir(dir.path()).map_err(|e| fs_err("cannot read", dir.path(), e))?.flatten()
        {
            if snap.file_name().to_string_lossy().starts_with("snap.") {
                let _ = std::fs::remove_file(snap.path());
            }
        }
        match read::open(dir.path()) {
            Ok(d) => Ok((
                read_all(&d),
                Some("read without sled's snapshot, which was damaged: records may be older versions"),
            )),
            Err(_) => Err(match &self.as_is.1 {
                Err(e) => StoreError::Corrupt(format!("sled cannot open the damaged files ({})", inner(e))),
                Ok(_) => StoreError::Corrupt("sled cannot open the damaged files".into()),
            }),
        }
    }
}

/// The records of the rebuilt database, per kind.
fn count(store: &SledStore) -> StoreResult<Vec<Tally>> {
    let (mut customers, mut purchases, mut interactions) = (0u64, 0u64, 0u64);
    store.for_each_history(&mut |h| {
        customers += 1;
        purchases += h.purchases.len() as u64;
        interactions += h.interactions.len() as u64;
    })?;
    let audit = store.audit_entries(None)?.len() as u64;
    let tally = |kind, kept| Tally { kind, kept, ..Default::default() };
    Ok(vec![
        tally("customers", customers),
        tally("purchases", purchases),
        tally("interactions", interactions),
        tally("audit entries", audit),
    ])
}
