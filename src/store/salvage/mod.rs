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
    /// From the records that still read.
    Records,
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
            Way::Records => {
                self.tallies.iter().all(|t| t.unreadable == 0 && t.notes.is_empty()) && self.notes.is_empty()
            }
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
            Way::Records => out.push(format!("rebuilt {} from the records that still read", self.to.display())),
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
        } else {
            "some records were lost (above); check the new database with `kehu check` and compare with a backup".into()
        });
        out
    }
}

/// Rebuilds the database in `db` into the new directory `to` (see the module's doc); `backup`
/// names a backup to start from instead of the newest daily one.
pub fn salvage(db: &Path, to: &Path, backup: Option<&Path>) -> StoreResult<Salvaged> {
    refuse_target(db, to)?;
    if !super::open::exists(db) {
        return Err(StoreError::NoDatabase { path: db.display().to_string() });
    }
    let _lock = DirLock::acquire(db)?;
    let staging = PathBuf::from(format!("{}.salvaging", to.display()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| fs_err("cannot clear", &staging, e))?;
    }
    let jdir = journal::dir_of(db);
    let chain = Chain::read(&jdir);
    // sled's own position, from a copy (opening sled writes to its files).
    let copy = tempdir_beside(to)?;
    copy_sled_files(db, copy.path())?;
    // Kept open for the records, if they are needed: sled lets go of its lock only a moment
    // after a handle is dropped.
    let damaged = read::open(copy.path());
    let sled_seq = damaged.as_ref().ok().and_then(|d| {
        let meta = d.open_tree(TreeId::Meta.name()).ok()?;
        sum::read_u64(&meta, SEQ_KEY).ok().flatten()
    });
    let last_known = chain.as_ref().map_or(0, |c| c.last).max(sled_seq.unwrap_or(0));
    let mut notes = Vec::new();
    let from_journal = match &chain {
        Some(chain) => match by_journal(db, &staging, chain, backup) {
            Ok(way) => Some(way),
            Err(e) => {
                notes.push(format!("the backups and the journal could not rebuild it: {e}"));
                let _ = std::fs::remove_dir_all(&staging);
                None
            }
        },
        None => {
            notes.push("there is no readable journal".into());
            None
        }
    };
    let (way, reached, tallies) = match from_journal {
        Some((way, reached)) if reached >= last_known => (way, reached, Vec::new()),
        journal_way => {
            if let Some((_, reached)) = journal_way {
                notes.push(format!(
                    "the backups and the journal reach change {reached} only, the database had change {last_known}: \
                     using the records that still read instead"
                ));
                let _ = std::fs::remove_dir_all(&staging);
            }
            let tallies = by_records(&damaged, &staging)?;
            (Way::Records, 0, tallies)
        }
    };
    drop(damaged);
    drop(copy);
    std::fs::rename(&staging, to).map_err(|e| fs_err("cannot move the rebuilt database to", to, e))?;
    // Opening it starts its own journal from its content.
    let store = SledStore::open(to)?;
    let tallies = if tallies.is_empty() { count(&store)? } else { tallies };
    Ok(Salvaged { to: to.to_path_buf(), way, last_known, reached, tallies, notes })
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

/// Way 2: every record that reads from `damaged` (sled opened on a copy), into `staging`.
fn by_records(damaged: &StoreResult<sled::Db>, staging: &Path) -> StoreResult<Vec<Tally>> {
    let reads: Vec<read::TreeRead> = match damaged {
        Ok(damaged) => TreeId::ALL.iter().map(|&t| read::tree(damaged, t)).collect(),
        Err(e) => {
            return Err(StoreError::Corrupt(format!(
                "sled cannot open the damaged files ({e}), and there is no backup the journal can bring forward"
            )));
        }
    };
    let d = super::open::sled_config(staging).open().map_err(super::scan::io)?;
    let tallies = rebuild::rebuild(&d, &reads)?;
    d.flush().map_err(super::scan::io)?;
    Ok(tallies)
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
