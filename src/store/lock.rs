//! kehu's own lock on a database directory, taken before sled is opened.
//!
//! sled locks its `db` file, but only once it is open, and opening already reads (and after
//! damage rewrites) its files. Holding a lock of our own first means that nothing of the
//! database is touched while another kehu has it, that stale temporaries (a snapshot sled left
//! half-written when the disk filled) can be cleared safely, and that the holder's pid is
//! there for the "in use" message.

use super::{StoreError, StoreResult};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The lock file inside the database directory; it holds the holder's pid.
pub(crate) const LOCK_FILE: &str = "kehu.lock";

/// The lock, held until dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of database directory `dir` (which must exist), or says who holds it.
    pub fn acquire(dir: &Path) -> StoreResult<DirLock> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| open_error(dir, &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = read_pid(&mut file);
                return Err(StoreError::Locked {
                    path: dir.display().to_string(),
                    pid,
                    served: super::served::locked_hint(dir, pid),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(open_error(dir, &path, e)),
        }
        // Only a help for the message another process shows: failing to write it is harmless.
        let _ = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(std::process::id().to_string().as_bytes()));
        Ok(DirLock { _file: file })
    }
}

fn open_error(dir: &Path, path: &Path, e: std::io::Error) -> StoreError {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    if matches!(e.kind(), PermissionDenied | ReadOnlyFilesystem) {
        return StoreError::Io(format!(
            "cannot open {}: the database is read-only ({e}); kehu writes to its database even to \
             read it, so make the directory and its files writable for this user, or copy it somewhere writable",
            dir.display()
        ));
    }
    StoreError::Io(format!(
        "cannot open the lock file {}: {}",
        path.display(),
        super::scan::io_error_text(&e)
    ))
}

/// The pid written by the process holding the lock, if readable.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Removes a database directory kehu built aside and a stopped process left behind (a demo
/// killed part way); refused with [`StoreError::Locked`] while a running kehu holds it.
pub fn remove_scratch(dir: &Path) -> StoreResult<()> {
    let _held = DirLock::acquire(dir)?;
    std::fs::remove_dir_all(dir).map_err(|e| {
        StoreError::Io(format!("cannot clear {}: {}", dir.display(), super::scan::io_error_text(&e)))
    })
}

/// The pid in the lock file of `dir`, for messages (the holder may have gone since).
pub(crate) fn holder(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(LOCK_FILE)).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder_and_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        match DirLock::acquire(dir.path()) {
            Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Locked, got {other:?}"),
        }
        assert_eq!(holder(dir.path()), Some(std::process::id()));
        drop(first);
        DirLock::acquire(dir.path()).unwrap();
    }
}
