//! The chunk layout of format 4: a customer's purchases (and, in their own tree, interactions)
//! are stored a few dozen to an entry, under `customer id BE ++ chunk number BE`.
//!
//! Why: sled costs about 130 bytes on disk and 1.5 µs of iteration per entry whatever its size,
//! and a shop's histories were 1.8M small entries at 100k customers. One entry per customer per
//! kind (several for a customer with more than [`MAX_RECORDS`]) makes them about 200k.
//!
//! Invariants: a customer's chunks are numbered from 0 without gaps; only the last one may be
//! short; none is empty. Records are kept in the order they were added (readers sort by date,
//! see `scan`); each carries its own id inside the chunk, since the key no longer does.
//! Adding a record rewrites the customer's last chunk in the caller's transaction.

use super::envelope::{Record, decode_chunk, encode_chunk};
use super::keys::{chunk_key, id_key, parse_chunk_key};
use super::kv::Kv;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail, lift};
use super::{StoreError, StoreResult};
use crate::domain::{Interaction, LedgerEntry, Purchase};

/// Most records in one chunk. 64: the average customer (about 14 purchases, 3 interactions)
/// fits in one chunk of each kind, and a heavy buyer's save rewrites at most 64 records (about
/// 2 KB, a few µs to encode, small beside the flush every save waits for).
pub(crate) const MAX_RECORDS: usize = 64;
/// Largest payload a chunk of several records is packed to, far below the envelope's limit
/// (1 MiB), so that 64 interactions with long texts (up to 4,000 characters each) still fit;
/// a chunk over it is cut in two. A single record always fits the envelope's limit.
pub(crate) const BUDGET: usize = 64 << 10;

/// A record kept in chunks: it knows its id and its owner.
pub(crate) trait Child: Record + Clone {
    /// The record's own id.
    fn id(&self) -> u64;
    /// The customer the record belongs to.
    fn owner(&self) -> u64;
    /// Gives the record to another customer (merge).
    fn set_owner(&mut self, owner: u64);
}

/// Purchases and interactions both name their customer in `customer`.
macro_rules! child {
    ($($t:ty),*) => {$(
        impl Child for $t {
            fn id(&self) -> u64 {
                self.id
            }
            fn owner(&self) -> u64 {
                self.customer
            }
            fn set_owner(&mut self, owner: u64) {
                self.customer = owner;
            }
        }
    )*};
}

child!(Purchase, Interaction, LedgerEntry);

/// `records` grouped by owner, owners in order of first appearance (so that an error names
/// the first bad record's customer, as it did record by record).
pub(crate) fn by_owner<T: Child>(records: impl IntoIterator<Item = T>) -> Vec<(u64, Vec<T>)> {
    let mut groups: Vec<(u64, Vec<T>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in records {
        let owner = r.owner();
        let at = *index.entry(owner).or_insert_with(|| {
            groups.push((owner, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(r);
    }
    groups
}

/// Decodes chunk `chunk` of customer `owner`; damage names both.
pub(crate) fn decode<T: Child>(bytes: &[u8], owner: u64, chunk: u32) -> StoreResult<Vec<T>> {
    decode_chunk(bytes, owner).map_err(|why| {
        StoreError::Corrupt(format!("{}s of customer #{owner} (chunk {chunk}): {why}", T::KIND))
    })
}

/// Cuts `records` into encoded chunks of at most [`MAX_RECORDS`] records and, when there are
/// several, at most [`BUDGET`] bytes each.
pub(crate) fn pack<T: Child>(records: &[T]) -> StoreResult<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(records.len().div_ceil(MAX_RECORDS));
    for part in records.chunks(MAX_RECORDS) {
        pack_within_budget(part, &mut out)?;
    }
    Ok(out)
}

/// Encodes `part` as one chunk, or halves it until every piece is within [`BUDGET`] (only long
/// texts get there: a full chunk of typical records is about 2 KB). A part over the envelope's
/// limit is halved too, not refused: 64 records each within their fields' limits can be more
/// than one envelope takes, and only a single record too large for one is an error.
fn pack_within_budget<T: Child>(part: &[T], out: &mut Vec<Vec<u8>>) -> StoreResult<()> {
    let bytes = match encode_chunk(part, T::id) {
        Ok(bytes) if bytes.len() <= BUDGET || part.len() == 1 => bytes,
        Err(e) if part.len() == 1 => return Err(e),
        _ => {
            let (a, b) = part.split_at(part.len() / 2);
            pack_within_budget(a, out)?;
            return pack_within_budget(b, out);
        }
    };
    out.push(bytes);
    Ok(())
}

/// Every record of customer `owner` in `tree`, in chunk order.
pub(crate) fn records_of<T: Child>(kv: &dyn Kv, tree: TreeId, owner: u64) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for item in kv.prefix(tree, &id_key(owner)) {
        let (k, v) = item?;
        let (owner, chunk) = parse_chunk_key(&k, T::KIND)?;
        out.extend(decode::<T>(&v, owner, chunk)?);
    }
    Ok(out)
}

/// The chunk numbers of customer `owner` in `tree` (listed before a transaction that moves or
/// counts them, since transactions cannot scan).
pub(crate) fn numbers_of(kv: &dyn Kv, tree: TreeId, owner: u64, what: &str) -> StoreResult<Vec<u32>> {
    let mut out = Vec::new();
    for item in kv.prefix(tree, &id_key(owner)) {
        let (k, _) = item?;
        out.push(parse_chunk_key(&k, what)?.1);
    }
    Ok(out)
}

/// Reads (and, with `remove`, deletes) the listed chunks of `owner` inside a transaction.
pub(crate) fn take<T: Child>(
    tx: &Tx,
    tree: TreeId,
    owner: u64,
    chunks: &[u32],
    remove: bool,
) -> TxResult<Vec<T>> {
    let mut out = Vec::new();
    for &n in chunks {
        let key = chunk_key(owner, n);
        // Listed under the writer lock, so it is there; a missing one has nothing to give.
        let Some(bytes) = tx.get(tree, &key)? else { continue };
        out.extend(lift(decode::<T>(&bytes, owner, n))?);
        if remove {
            tx.remove(tree, &key)?;
        }
    }
    Ok(out)
}

/// The last chunk of `owner` as this transaction sees it: its number and records.
fn last<T: Child>(tx: &Tx, tree: TreeId, owner: u64) -> TxResult<Option<(u32, Vec<T>)>> {
    // Transactions cannot scan: walk the numbers up from 0. Almost every customer has one chunk
    // (two reads); a customer with 640 purchases, eleven.
    let mut found = None;
    let mut n = 0u32;
    while let Some(bytes) = tx.get(tree, &chunk_key(owner, n))? {
        found = Some((n, bytes));
        let Some(next) = n.checked_add(1) else { break };
        n = next;
    }
    match found {
        None => Ok(None),
        Some((n, bytes)) => Ok(Some((n, lift(decode(&bytes, owner, n))?))),
    }
}

/// Every record of `owner` as this transaction sees it, in chunk order, and how many chunks
/// held them.
pub(crate) fn all_in<T: Child>(tx: &Tx, tree: TreeId, owner: u64) -> TxResult<(Vec<T>, u32)> {
    let mut out = Vec::new();
    let mut n = 0u32;
    while let Some(bytes) = tx.get(tree, &chunk_key(owner, n))? {
        out.extend(lift(decode::<T>(&bytes, owner, n))?);
        let Some(next) = n.checked_add(1) else { break };
        n = next;
    }
    Ok((out, n))
}

/// Writes `records` as the whole history of `owner` in `tree`, packed afresh from chunk 0, and
/// removes the chunks past them of the `old` chunks it had (a correction, a removal).
pub(crate) fn rewrite<T: Child>(tx: &Tx, tree: TreeId, owner: u64, records: &[T], old: u32) -> TxResult<()> {
    let packed = lift(pack(records))?;
    let count = packed.len() as u32;
    for (n, bytes) in packed.into_iter().enumerate() {
        tx.insert(tree, &chunk_key(owner, n as u32), bytes)?;
    }
    for n in count..old {
        tx.remove(tree, &chunk_key(owner, n))?;
    }
    Ok(())
}

/// Adds `records` (all of customer `owner`) to the end of its history inside a transaction:
/// the last chunk is read, extended and rewritten, and new chunks follow it as it fills.
pub(crate) fn append<T: Child>(tx: &Tx, tree: TreeId, owner: u64, records: Vec<T>) -> TxResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let (mut n, mut all) = last::<T>(tx, tree, owner)?.unwrap_or((0, Vec::new()));
    all.extend(records);
    for (k, bytes) in lift(pack(&all))?.into_iter().enumerate() {
        if k > 0 {
            n = next_free(tx, tree, owner, n)?;
        }
        tx.insert(tree, &chunk_key(owner, n), bytes)?;
    }
    Ok(())
}

/// The first unused chunk number after `n`. Past the last chunk every number is free, except in
/// a damaged database with a gap in the numbering: never overwrite what lies beyond the gap.
fn next_free(tx: &Tx, tree: TreeId, owner: u64, mut n: u32) -> TxResult<u32> {
    loop {
        n = match n.checked_add(1) {
            Some(n) => n,
            None => return fail(StoreError::Io(format!("customer #{owner} has no chunk numbers left"))),
        };
        if tx.get(tree, &chunk_key(owner, n))?.is_none() {
            return Ok(n);
        }
    }
}

#[cfg(test)]
#[path = "chunks_tests.rs"]
mod tests;
