//! Opening a database directory: kehu's lock, sled's stale temporaries, sled itself (guarded
//! against damage that makes it panic or hang), the format, and the journal (see
//! [`super::recover`]).

use super::guard;
use super::lock::{self, DirLock};
use super::recover;
use super::scan::io;
use super::sled_store::{FORMAT, FORMAT_KEY, LEDGER_FORMAT, SledStore};
use super::trees::Trees;
use super::{StoreError, StoreResult};
use std::path::Path;
use std::time::{Duration, Instant};

/// The legacy pid file of kehu before the lock file (format 4), still read for messages.
const LEGACY_PID_FILE: &str = "kehu.pid";
/// Longest sled may take to open; a healthy database of a million customers opens in under a
/// second, so anything near this is damage sled cannot get past.
pub(crate) const OPEN_DEADLINE: Duration = Duration::from_secs(30);
/// How long an open waits for sled's own lock once kehu's is held: sled releases its file lock
/// from a background thread shortly after the previous handle in this process is dropped.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// Whether `dir` holds a kehu database, whole or damaged: sled's files or the journal.
pub fn exists(dir: &Path) -> bool {
    ["conf", "db", super::journal::DIR].iter().any(|f| dir.join(f).exists())
}

/// Opens (with `create`, creating when there is none) the database in `dir`.
pub(crate) fn open(dir: &Path, create: bool) -> StoreResult<SledStore> {
    if let Some(url) = super::pg::url_in(dir) {
        return Err(super::pg::directory_only(url));
    }
    let shown = dir.display().to_string();
    if !exists(dir) {
        if !create || dir.is_file() {
            return Err(StoreError::NoDatabase { path: shown });
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Io(format!("cannot create the database directory {shown}: {e}")))?;
    }
    let lock = DirLock::acquire(dir)?;
    refuse_read_only(dir, &shown)?;
    clear_temporaries(dir);
    let repaired = repair_conf(dir);
    let db = open_sled(dir, &shown)?;
    // The format first, before any tree is created, so that a newer database is left untouched.
    let meta = db.open_tree("meta").map_err(io)?;
    let format = read_format(&meta)?;
    if let Some(found) = format.filter(|f| *f > FORMAT) {
        return Err(StoreError::TooNew { path: shown, found, supported: FORMAT });
    }
    let trees = Trees::open(&db)?;
    let mut opened = recover::reconcile(&db, &trees, dir, format)?;
    opened.report.notes.extend(repaired);
    let now = read_format(&trees[super::trees::TreeId::Meta])?;
    let mut store = SledStore::assemble(db, dir, trees, opened.journal, opened.report, lock);
    if opened.needs_format {
        store.write_format()?;
    } else if opened.pre_ledger || now.is_some_and(|f| f < FORMAT) {
        store.upgrade_format(opened.pre_ledger || now.is_some_and(|f| f < LEDGER_FORMAT))?;
    }
    // Derived data only: a failure leaves the readers on the histories, never the shop closed.
    let _ = store.ensure_digests();
    Ok(store)
}

/// Removes what sled leaves half-written when it is stopped or the disk fills while it writes
/// a snapshot (`snap.*.generating`): sled would take it for its newest snapshot, find it
/// damaged and refuse to open, for good. Only ever called with kehu's lock held, so no other
/// process is writing one.
fn clear_temporaries(dir: &Path) {
    let Ok(listing) = std::fs::read_dir(dir) else { return };
    for item in listing.flatten() {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            let _ = std::fs::remove_file(item.path());
        }
    }
}

/// Refuses a database this user cannot write, before sled reads it. kehu writes even to read
/// (stale temporaries are cleared, sled recovers its log and writes snapshots, the journal's
/// torn end is cut back), and sled in a directory it cannot write takes what kehu could not
/// clear for damage: a read-only database would be called damaged.
fn refuse_read_only(dir: &Path, shown: &str) -> StoreResult<()> {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    let read_only = |e: &std::io::Error| matches!(e.kind(), PermissionDenied | ReadOnlyFilesystem);
    let refused = |what: &str, e: std::io::Error| {
        StoreError::Io(format!(
            "cannot open {shown}: the database is read-only for this user ({what}: {e}); kehu writes to \
             its database even to read it, so make the directory and its files writable for this user, \
             or copy it somewhere writable"
        ))
    };
    let journal = dir.join(super::journal::DIR);
    for (what, place) in [("its directory", dir), ("its journal directory", journal.as_path())] {
        if !place.is_dir() {
            continue;
        }
        // A file made and removed at once: the only sure test of "may I write here".
        if let Err(e) = tempfile::Builder::new().prefix(".kehu-probe").tempfile_in(place)
            && read_only(&e)
        {
            return Err(refused(what, e));
        }
    }
    for name in ["db", "conf"] {
        let file = dir.join(name);
        if file.exists()
            && let Err(e) = std::fs::OpenOptions::new().write(true).open(&file)
            && read_only(&e)
        {
            return Err(refused(&format!("its file {name}"), e));
        }
    }
    Ok(())
}

/// What sled keeps in `conf` for kehu's settings (512 KiB segments, no compression, sled 0.34),
/// before its CRC32. kehu never opens sled with other settings, so a `conf` that differs is
/// damage, and this is what it must hold.
const CONF_TEXT: &[u8] = b"segment_size: 524288\nuse_compression: false\nversion: 0.34\n";

/// The whole `conf` file sled writes for kehu's settings.
pub(crate) fn canonical_conf() -> Vec<u8> {
    let mut out = CONF_TEXT.to_vec();
    out.extend_from_slice(&crc32fast::hash(CONF_TEXT).to_le_bytes());
    out
}

/// Writes the `conf` kehu's settings give into `dir` (salvage, on its copies).
pub(crate) fn write_canonical_conf(dir: &Path) {
    let _ = std::fs::write(dir.join("conf"), canonical_conf());
}

/// Puts back a damaged `conf` (sled would refuse to open, blaming a version or a setting) as
/// the one kehu's settings give, keeping the damaged one as `conf.damaged`; says so.
fn repair_conf(dir: &Path) -> Option<String> {
    let path = dir.join("conf");
    let found = std::fs::read(&path).ok()?;
    if found == canonical_conf() {
        return None;
    }
    let _ = std::fs::rename(&path, dir.join("conf.damaged"));
    std::fs::write(&path, canonical_conf()).ok()?;
    super::journal::sync_dir(dir);
    Some(
        "sled's settings file (conf) was damaged and was written anew (kehu always uses the same settings; \
         the damaged one is kept as conf.damaged)"
            .into(),
    )
}

/// The format number in `meta`, if any.
pub(crate) fn read_format(meta: &sled::Tree) -> StoreResult<Option<u32>> {
    match meta.get(FORMAT_KEY).map_err(io)? {
        None => Ok(None),
        Some(v) => {
            let bytes: [u8; 4] = v.as_ref().try_into().map_err(|_| {
                StoreError::Corrupt(format!("format version: {} bytes instead of 4", v.len()))
            })?;
            Ok(Some(u32::from_be_bytes(bytes)))
        }
    }
}

/// Opens sled on a thread of its own with a deadline (see [`guard`]), waiting out a lock that
/// is only being released.
fn open_sled(dir: &Path, shown: &str) -> StoreResult<sled::Db> {
    let deadline = Instant::now() + RELEASE_WAIT;
    loop {
        let path = dir.to_path_buf();
        let attempt =
            guard::within("open the database", OPEN_DEADLINE, move || Ok(sled_config(&path).open()))?;
        match attempt {
            Ok(db) => return Ok(db),
            Err(e) if is_lock_error(&e) => {
                if Instant::now() >= deadline {
                    let holder = lock::holder(dir).or_else(|| legacy_pid(dir));
                    let served = super::served::locked_hint(dir, holder);
                    return Err(StoreError::Locked { path: shown.to_string(), pid: holder, served });
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) if is_read_only_error(&e) => {
                return Err(StoreError::Io(format!(
                    "cannot open {shown}: the database is read-only ({e}); kehu writes to its \
                     database even to read it, so make the directory and its files writable for \
                     this user, or copy it somewhere writable"
                )));
            }
            Err(e) => {
                return Err(match io(e) {
                    StoreError::Corrupt(why) => StoreError::Corrupt(format!("cannot open {shown}: {why}")),
                    StoreError::Io(why) => StoreError::Io(format!("cannot open {shown}: {why}")),
                    other => other,
                });
            }
        }
    }
}

/// sled's page cache limit. sled's default (1 GiB) alone would exceed the console's memory budget
/// (100 MB at 100k customers, 400 MB at 1M). Measured at 100k on format 4 (histories in chunks,
/// read in key order): 64, 32 and 16 MiB read and classify every history in the same CPU time
/// (3.1 s user for `export --kind classes`), and an edit commits in the same p50/p99
/// (0.46 / 4.7 ms at 16 MiB); each halving keeps ~20 MB less resident. (On format 3, records
/// one per key, 32 MiB thrashed: the read took 3.5× as long.)
pub(crate) const CACHE_BYTES: u64 = 16 << 20;

/// The sled settings of every kehu database, decided by measurement at 100k customers (the
/// figures are in the README's performance section):
/// - `cache_capacity`: [`CACHE_BYTES`].
/// - no `use_compression`: zstd made the file 37% smaller but the first open 40× and reading
///   every history 4× slower; and sled refuses to reopen a database with the other setting.
/// - default `segment_size` (512 KiB): sled stores it in the database and refuses another on
///   reopen; 8 MiB made the file no smaller.
/// - default `flush_every_ms` (500): every edit flushes itself before it is acknowledged, but
///   sled's periodic flusher is also its only segment cleaner: without it the file only grows.
/// - no `mode`: sled 0.34 never reads it.
pub(crate) fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new().path(path).cache_capacity(CACHE_BYTES)
}

/// Whether sled failed because the directory or its files cannot be written.
fn is_read_only_error(e: &sled::Error) -> bool {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    matches!(e, sled::Error::Io(io) if matches!(io.kind(), PermissionDenied | ReadOnlyFilesystem))
}

/// Whether sled failed because another process holds the database's file lock.
fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// The pid a kehu before the lock file recorded.
fn legacy_pid(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(LEGACY_PID_FILE)).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_conf_is_what_sled_writes() {
        let dir = tempfile::tempdir().unwrap();
        drop(sled_config(dir.path()).open().unwrap());
        assert_eq!(std::fs::read(dir.path().join("conf")).unwrap(), canonical_conf());
    }
}
