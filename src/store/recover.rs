//! Bringing sled and the journal into agreement when a database is opened.
//!
//! sled's `meta` says which journal entry it applied last (S) and the content sum after it;
//! the journal says which entry it appended last (L). Then:
//!
//! - S = L: the normal case; the sums must agree.
//! - S < L: sled lost changes it had acknowledged (a damaged log rolled it back, or a crash fell
//!   between the journal's fsync and sled's). The entries S+1..L are applied again, each
//!   checked against the sum the journal recorded for it. When the journal no longer reaches
//!   back to S+1 (a backup took its place), the open is refused with `Lost`: never a clean open
//!   with less data.
//! - S > L: the journal lost its end (damage to it, not to sled): sled holds every change, and
//!   the journal goes on from S in a new segment.
//! - no journal: a new database (it starts one from nothing), or one from before the journal
//!   (it is summed once and the journal starts from there).

use super::journal::{self, Header, Journal};
use super::migrate;
use super::scan::io;
use super::sled_store::{FORMAT, OpenReport};
use super::sum::{self, SEQ_KEY, SUM_KEY};
use super::trees::{TreeId, Trees};
use super::txn::{Tx, fail};
use super::{StoreError, StoreResult};
use sled::transaction::{TransactionError, Transactional};
use std::path::Path;

/// An opened database's journal and what opening found.
pub(crate) struct Opened {
    pub journal: Journal,
    pub report: OpenReport,
    /// A new database whose first change, the format number, is still to be written.
    pub needs_format: bool,
    /// A database moved to this format from one before the member ledger (its number already
    /// raised): its points ledger is still to be opened.
    pub pre_ledger: bool,
}

/// Compares sled with the journal of the database in `dir` and brings them into agreement.
pub(crate) fn reconcile(
    db: &sled::Db,
    trees: &Trees,
    dir: &Path,
    format: Option<u32>,
) -> StoreResult<Opened> {
    let meta = &trees[TreeId::Meta];
    let seq = sum::read_u64(meta, SEQ_KEY)?;
    let claimed = sum::read_u64(meta, SUM_KEY)?;
    let jdir = journal::dir_of(dir);
    journal::drop_unfinished(&jdir)?;
    let segments = journal::segments(&jdir)?.unwrap_or_default();
    let Some(last_file) = segments.last() else {
        return begin(db, trees, &jdir, format, seq, claimed);
    };
    let last = journal::read(&last_file.path)?;
    let s = seq.unwrap_or(0);
    let mut report = OpenReport::default();
    if s > last.last() {
        let base_sum = match claimed {
            Some(c) => c,
            None => return Err(StoreError::Corrupt("meta holds a journal position without its sum".into())),
        };
        report.notes.push(format!(
            "the journal ended at change {} but the database holds change {s}: the journal goes on from there \
             (the next backup covers what it lost)",
            last.last()
        ));
        let journal = Journal::create(&jdir, Header { base: s, base_sum })?;
        return Ok(Opened { journal, report, needs_format: format.is_none(), pre_ledger: false });
    }
    let claimed = claimed_sum(trees, seq, claimed)?;
    if s < last.last() {
        let oldest = segments[0].base;
        if s < oldest {
            return Err(lost(dir, &jdir, s, last.last(), last.entries.last().map(|e| e.micros)));
        }
        report.recovered = replay(db, trees, &jdir, s, claimed)?;
        report.notes.push(format!(
            "the database had lost its last {} acknowledged change(s); the journal brought them back",
            report.recovered
        ));
    } else if claimed != last.last_sum() {
        return Err(StoreError::Corrupt(format!(
            "the database's content sum at change {s} is not the one its journal recorded; \
             something changed the files behind kehu's back"
        )));
    }
    let journal = Journal::resume(&jdir, &last_file.path, &last)?;
    let format = super::open::read_format(meta)?;
    Ok(Opened { journal, report, needs_format: format.is_none(), pre_ledger: false })
}

/// The `Lost` refusal: changes `s+1..=last` are acknowledged and gone from sled, and the journal
/// no longer reaches back to them.
fn lost(dir: &Path, jdir: &Path, s: u64, last: u64, last_micros: Option<i64>) -> StoreError {
    let first_kept = journal::segments(jdir)
        .ok()
        .flatten()
        .and_then(|segs| segs.first().and_then(|f| journal::read(&f.path).ok()))
        .and_then(|seg| seg.entries.first().map(|e| e.micros));
    let at = |micros: Option<i64>| {
        micros
            .and_then(chrono::DateTime::from_timestamp_micros)
            .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "an unknown time".into())
    };
    StoreError::Lost {
        path: dir.display().to_string(),
        changes: last - s,
        since: format!("before {}", at(first_kept)),
        last: at(last_micros),
    }
}

/// The content sum sled claims at its position; a database that never recorded one must be
/// empty (a new one, or one whose every file sled lost), whose sum is 0.
fn claimed_sum(trees: &Trees, seq: Option<u64>, claimed: Option<u64>) -> StoreResult<u64> {
    match (seq, claimed) {
        (Some(_), Some(c)) => Ok(c),
        (None, None) if all_empty(trees)? => Ok(0),
        (None, None) => Err(StoreError::Corrupt(
            "the database holds records but no journal position, while a journal exists".into(),
        )),
        _ => Err(StoreError::Corrupt(
            "meta holds a journal position without its sum, or a sum without its position".into(),
        )),
    }
}

/// Whether every tree is empty.
fn all_empty(trees: &Trees) -> StoreResult<bool> {
    for t in TreeId::ALL {
        if trees[t].iter().next().transpose().map_err(io)?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A database without a journal: a new one starts its journal from nothing; an older one (or
/// one whose journal is gone) is brought to the current layout, summed, and journaled from its
/// position on.
fn begin(
    db: &sled::Db,
    trees: &Trees,
    jdir: &Path,
    format: Option<u32>,
    seq: Option<u64>,
    claimed: Option<u64>,
) -> StoreResult<Opened> {
    let mut report = OpenReport::default();
    if format.is_none() && seq.is_none() && all_empty(trees)? {
        let journal = Journal::create(jdir, Header { base: 0, base_sum: 0 })?;
        return Ok(Opened { journal, report, needs_format: true, pre_ledger: false });
    }
    let meta = &trees[TreeId::Meta];
    match format {
        // Formats 4 to 6 have the records where this format keeps them: only the number
        // changes, as the first change of the new journal (see `open`).
        Some(4..=FORMAT) => migrate::finish(db)?,
        // Older, or no number (format 1): move the records to the current layout.
        _ => migrate::run(db, meta)?,
    }
    let scanned = sum::scan(trees, &|| false)?.unwrap_or_default();
    if let (Some(s), Some(c)) = (seq, claimed)
        && c != scanned
    {
        return Err(StoreError::Corrupt(format!(
            "the journal is missing and the content does not add up to the sum recorded at change {s}: \
             records were lost or changed"
        )));
    }
    let at = seq.unwrap_or(0);
    meta.insert(SEQ_KEY, &at.to_be_bytes()).map_err(io)?;
    meta.insert(SUM_KEY, &scanned.to_be_bytes()).map_err(io)?;
    db.flush().map_err(io)?;
    let journal = Journal::create(jdir, Header { base: at, base_sum: scanned })?;
    report.notes.push(match seq {
        Some(s) => format!("the journal was missing; a new one starts at change {s}"),
        None => format!("the database now keeps a journal of every change (format {FORMAT})"),
    });
    // Formats 3 and older were moved to this one above; they too are from before the ledger.
    let pre_ledger = format.is_none_or(|f| f < 4);
    Ok(Opened { journal, report, needs_format: false, pre_ledger })
}

/// Applies the journal's entries after `s` to sled, each in its own transaction and checked
/// against the sum the journal recorded; returns how many.
pub(crate) fn replay(db: &sled::Db, trees: &Trees, jdir: &Path, s: u64, claimed: u64) -> StoreResult<u64> {
    match sum_at(jdir, s)? {
        Some(expected) if expected == claimed => {}
        Some(_) => {
            return Err(StoreError::Corrupt(format!(
                "the database's content at change {s} is not what the journal recorded, so the journal cannot bring it forward"
            )));
        }
        None => return Err(StoreError::Corrupt(format!("the journal does not reach back to change {s}"))),
    }
    let mut sum = claimed;
    let all = trees.all();
    let count = journal::entries_after(jdir, s, &mut |e| {
        let out = all[..].transaction(|views| {
            let tx = Tx::new(views);
            for w in &e.writes {
                match &w.value {
                    Some(v) => tx.insert(w.tree, &w.key, v.clone())?,
                    None => tx.remove(w.tree, &w.key)?,
                }
            }
            let (_, delta) = tx.recorded();
            if sum.wrapping_add(delta) != e.sum {
                return fail(StoreError::Corrupt(format!(
                    "change {} does not apply to the database as the journal recorded it",
                    e.seq
                )));
            }
            tx.bookkeeping(SEQ_KEY, e.seq)?;
            tx.bookkeeping(SUM_KEY, e.sum)?;
            Ok(())
        });
        out.map_err(|e| match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => io(e),
        })?;
        sum = e.sum;
        Ok(())
    })?;
    db.flush().map_err(io)?;
    Ok(count)
}

/// The content sum the journal recorded at change `seq` (a segment's base or an entry).
pub(crate) fn sum_at(jdir: &Path, seq: u64) -> StoreResult<Option<u64>> {
    let segments = journal::segments(jdir)?.unwrap_or_default();
    let Some(file) = segments.iter().rev().find(|s| s.base <= seq) else { return Ok(None) };
    let seg = journal::read(&file.path)?;
    if seg.header.base == seq {
        return Ok(Some(seg.header.base_sum));
    }
    Ok(seg.entries.iter().find(|e| e.seq == seq).map(|e| e.sum))
}
