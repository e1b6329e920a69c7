//! Reading what still reads from a damaged sled database, tree by tree.
//!
//! sled on damaged files answers a read with an error (over and over, at the same place), a
//! panic, or a loop that never returns. Each tree is read on a guarded thread (see
//! [`super::super::guard`]) that sends what it read as it goes, so a panic or a hang loses
//! only what was not read yet; after a failure the read starts again just past the last key
//! that came through, jumping further and further ahead until sled reads again, so one
//! damaged page costs the entries on it, not the rest of the tree.

use super::super::trees::TreeId;
use super::super::{StoreError, StoreResult};
use std::ops::Bound;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest one tree may take to read, however many restarts.
const TREE_DEADLINE: Duration = Duration::from_secs(60);
/// Longest one read attempt may go without sending anything.
const STALL: Duration = Duration::from_secs(10);
/// Restarts after failures, per tree, before the rest of it is given up.
const MAX_RESTARTS: usize = 256;
/// Entries sent to the collecting thread at a time.
const BATCH: usize = 512;

/// One tree as far as it could be read.
#[derive(Debug, Default)]
pub(crate) struct TreeRead {
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Places where sled failed, in words, for the report.
    pub failures: Vec<String>,
    /// Whether the read reached the end of the tree.
    pub complete: bool,
}

/// Reads every entry of `tree` that sled can still give.
pub(crate) fn tree(db: &sled::Db, tree: TreeId) -> TreeRead {
    let mut out = read_tree(db, tree);
    out.failures = collapse(std::mem::take(&mut out.failures));
    out
}

/// Failures that came again at once said once, with how often: a read restarted at a damaged
/// place can fail there many times before sled gives more (a retry often does, so every retry
/// is made).
fn collapse(failures: Vec<String>) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for f in failures {
        match out.last_mut() {
            Some((last, n)) if *last == f => *n += 1,
            _ => out.push((f, 1)),
        }
    }
    out.into_iter().map(|(f, n)| if n > 1 { format!("{f} ({n} times)") } else { f }).collect()
}

/// [`tree`] with every failure as it came.
fn read_tree(db: &sled::Db, tree: TreeId) -> TreeRead {
    let started = Instant::now();
    let mut out = TreeRead::default();
    let mut from: Bound<Vec<u8>> = Bound::Unbounded;
    for _ in 0..MAX_RESTARTS {
        if started.elapsed() > TREE_DEADLINE {
            out.failures.push(format!("gave up after {} s", TREE_DEADLINE.as_secs()));
            return out;
        }
        match attempt(db, tree, from.clone(), &mut out.entries) {
            Ok(()) => {
                out.complete = true;
                return out;
            }
            Err(failed) => {
                let last = out.entries.last().map(|(k, _)| k.clone());
                out.failures.push(match &last {
                    Some(k) => format!("after key {}: {}", hex(k), failed.why),
                    None => format!("at the start: {}", failed.why),
                });
                // A thread stuck inside sled stays stuck: do not start more of them.
                if failed.stalled {
                    return out;
                }
                match skip_past(db, tree, last.as_deref()) {
                    Some(next) => from = next,
                    None => return out,
                }
            }
        }
    }
    out.failures.push(format!("gave up after {MAX_RESTARTS} failures"));
    out
}

/// Why a read attempt ended early.
struct Failed {
    why: String,
    /// sled stopped answering (its thread is left behind), rather than failing.
    stalled: bool,
}

/// One read from `from` to the end, on a guarded thread; what it read is appended to `into`
/// even when it fails.
fn attempt(
    db: &sled::Db,
    tree: TreeId,
    from: Bound<Vec<u8>>,
    into: &mut Vec<(Vec<u8>, Vec<u8>)>,
) -> Result<(), Failed> {
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<(Vec<u8>, Vec<u8>)>, String>>(4);
    let db = db.clone();
    let spawned = std::thread::Builder::new().name("kehu-salvage-read".into()).spawn(move || {
        let read = super::super::guard::catching("read the tree", || {
            let t = db.open_tree(tree.name()).map_err(super::super::scan::io)?;
            let mut batch = Vec::with_capacity(BATCH);
            for item in t.range((from, Bound::Unbounded)) {
                let (k, v) = item.map_err(super::super::scan::io)?;
                batch.push((k.to_vec(), v.to_vec()));
                if batch.len() == BATCH && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                    return Ok(());
                }
            }
            let _ = tx.send(Ok(batch));
            Ok(())
        });
        if let Err(e) = read {
            let _ = tx.send(Err(e.to_string()));
        }
    });
    if let Err(e) = spawned {
        return Err(Failed { why: format!("cannot start a reading thread: {e}"), stalled: true });
    }
    loop {
        match rx.recv_timeout(STALL) {
            Ok(Ok(batch)) => into.extend(batch),
            Ok(Err(why)) => return Err(Failed { why, stalled: false }),
            // The sender is gone: the read ended (its last batch came first).
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(Failed {
                    why: format!("sled did not answer for {} s", STALL.as_secs()),
                    stalled: true,
                });
            }
        }
    }
}

/// Where to start again after a failure past `last`: the first key after it from which sled
/// reads again, found by jumping ahead (1, 2, 4… in the key's last 8 bytes read as a number)
/// and then narrowing back. `None` when nothing further can be read.
fn skip_past(db: &sled::Db, tree: TreeId, last: Option<&[u8]>) -> Option<Bound<Vec<u8>>> {
    let base = last.map(|k| k.to_vec()).unwrap_or_default();
    // Some(true): reads; Some(false): fails; None: sled hung (give up the tree).
    let readable = |k: &[u8]| -> Option<bool> {
        let probe = k.to_vec();
        let db = db.clone();
        let out = super::super::guard::within("read ahead", STALL, move || {
            let t = db.open_tree(tree.name()).map_err(super::super::scan::io)?;
            Ok(!matches!(t.range((Bound::Included(probe), Bound::Unbounded)).next(), Some(Err(_))))
        });
        match out {
            Ok(reads) => Some(reads),
            Err(e) if e.to_string().contains("within") => None,
            Err(_) => Some(false),
        }
    };
    let mut failing = 0u128;
    let mut step = 1u128;
    let found = loop {
        let k = bump(&base, step)?;
        if readable(&k)? {
            break step;
        }
        failing = step;
        step = step.checked_mul(2)?;
    };
    // Narrow back towards the damage: the smallest jump that reads.
    let (mut lo, mut hi) = (failing, found);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if readable(&bump(&base, mid)?)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(Bound::Included(bump(&base, hi)?))
}

/// `key` plus `n` in its last (up to 16) bytes read as a big-endian number, at least 8 bytes
/// long (kehu's keys are ids and ids with a chunk number); `None` past the largest such key.
fn bump(key: &[u8], n: u128) -> Option<Vec<u8>> {
    let mut k = key.to_vec();
    if k.len() < 8 {
        k.resize(8, 0);
    }
    let tail = k.len().min(16);
    let at = k.len() - tail;
    let mut buf = [0u8; 16];
    buf[16 - tail..].copy_from_slice(&k[at..]);
    let value = u128::from_be_bytes(buf).checked_add(n)?;
    let bytes = value.to_be_bytes();
    if tail < 16 && bytes[..16 - tail].iter().any(|b| *b != 0) {
        return None;
    }
    k[at..].copy_from_slice(&bytes[16 - tail..]);
    Some(k)
}

fn hex(k: &[u8]) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens the sled database in `dir` (a copy of the damaged one) on a guarded thread.
pub(crate) fn open(dir: &std::path::Path) -> StoreResult<sled::Db> {
    let path = dir.to_path_buf();
    match super::super::guard::within(
        "open the damaged database",
        super::super::open::OPEN_DEADLINE,
        move || super::super::open::sled_config(&path).open().map_err(super::super::scan::io),
    ) {
        Ok(db) => Ok(db),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_counts_in_the_last_bytes_and_stops_at_the_top() {
        assert_eq!(bump(&[0, 0, 0, 0, 0, 0, 0, 1], 1), Some(vec![0, 0, 0, 0, 0, 0, 0, 2]));
        assert_eq!(bump(&[0, 0, 0, 0, 0, 0, 0, 255], 1), Some(vec![0, 0, 0, 0, 0, 0, 1, 0]));
        assert_eq!(bump(&[255; 8], 1), None);
        assert_eq!(bump(&[], 3), Some(vec![0, 0, 0, 0, 0, 0, 0, 3]));
        let twelve = [0u8, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9];
        assert_eq!(bump(&twelve, 1).unwrap()[11], 10);
    }

    #[test]
    fn a_whole_tree_reads_whole() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let t = db.open_tree(TreeId::Customers.name()).unwrap();
        for i in 0u64..2000 {
            t.insert(i.to_be_bytes(), vec![1; 10]).unwrap();
        }
        let read = tree(&db, TreeId::Customers);
        assert!(read.complete && read.failures.is_empty());
        assert_eq!(read.entries.len(), 2000);
    }

    #[test]
    fn a_failure_repeated_at_once_is_said_once_with_its_count() {
        let f = |s: &str| s.to_string();
        let said = collapse(vec![
            f("at the start: x"),
            f("at the start: x"),
            f("at the start: x"),
            f("after key 01: y"),
        ]);
        assert_eq!(said, vec![f("at the start: x (3 times)"), f("after key 01: y")]);
        assert_eq!(collapse(vec![f("a"), f("b"), f("a")]), vec![f("a"), f("b"), f("a")]);
    }
}
