//! Reading a backend's trees outside the store's transactions: one key, or the keys of a range
//! in order, and writing kept data in one batch.
//!
//! The readers of the store (histories, indexes, the audit log, kept figures) are written once
//! against [`Kv`]; sled's trees implement it, and so does a PostgreSQL transaction (see
//! `pg::txn`), so both backends answer from the same code.

use super::StoreResult;
use super::scan::io;
use super::trees::{TreeId, Trees};
use sled::IVec;

/// A key and its value.
pub(crate) type Pair = (IVec, IVec);

/// Entries of a tree in key order (or the reverse), each read as it is reached.
pub(crate) type Pairs<'a> = Box<dyn Iterator<Item = StoreResult<Pair>> + 'a>;

/// One write of a batch: a value set, or (`None`) a key removed.
pub(crate) type Put = (TreeId, Vec<u8>, Option<Vec<u8>>);

/// What the store's readers need of a backend.
pub(crate) trait Kv {
    /// The value under `key` in tree `t`.
    fn value(&self, t: TreeId, key: &[u8]) -> StoreResult<Option<IVec>>;
    /// The entries of `t` with keys from `from` (inclusive) up to `below` (exclusive; `None`:
    /// to the end), ascending, or descending when `rev`.
    fn range(&self, t: TreeId, from: &[u8], below: Option<&[u8]>, rev: bool) -> Pairs<'_>;
    /// Applies `puts` all together or not at all (kept data: neither journaled nor summed).
    fn apply(&self, puts: Vec<Put>) -> StoreResult<()>;

    /// Every entry of `t` in key order.
    fn all(&self, t: TreeId) -> Pairs<'_> {
        self.range(t, &[], None, false)
    }
    /// Every entry of `t`, last key first.
    fn all_rev(&self, t: TreeId) -> Pairs<'_> {
        self.range(t, &[], None, true)
    }
    /// The entries of `t` whose key starts with `prefix`, in key order.
    fn prefix(&self, t: TreeId, prefix: &[u8]) -> Pairs<'_> {
        let end = past_prefix(prefix);
        self.range(t, prefix, end.as_deref(), false)
    }
}

/// The first key after every key starting with `prefix` (`None`: there is none, read to the end).
pub(crate) fn past_prefix(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Kv for Trees {
    fn value(&self, t: TreeId, key: &[u8]) -> StoreResult<Option<IVec>> {
        self[t].get(key).map_err(io)
    }

    fn range(&self, t: TreeId, from: &[u8], below: Option<&[u8]>, rev: bool) -> Pairs<'_> {
        let it = match below {
            Some(end) => self[t].range(from.to_vec()..end.to_vec()),
            None => self[t].range(from.to_vec()..),
        };
        let it = it.map(|r| r.map_err(io));
        if rev { Box::new(it.rev()) } else { Box::new(it) }
    }

    /// One sled batch per tree: kept data is written a tree at a time, and every caller writes
    /// one tree only.
    fn apply(&self, puts: Vec<Put>) -> StoreResult<()> {
        let mut batches: Vec<(TreeId, sled::Batch)> = Vec::new();
        for (t, k, v) in puts {
            let at = match batches.iter().position(|(bt, _)| *bt == t) {
                Some(at) => at,
                None => {
                    batches.push((t, sled::Batch::default()));
                    batches.len() - 1
                }
            };
            match v {
                Some(v) => batches[at].1.insert(k, v),
                None => batches[at].1.remove(k),
            }
        }
        for (t, b) in batches {
            self[t].apply_batch(b).map_err(io)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_prefix_is_the_first_key_after_the_prefix() {
        assert_eq!(past_prefix(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(past_prefix(&[1, 0xff]), Some(vec![2]));
        assert_eq!(past_prefix(&[0xff, 0xff]), None);
        assert_eq!(past_prefix(&[]), None);
    }

    #[test]
    fn sled_trees_read_ranges_both_ways_and_apply_batches() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = Trees::open(&db).unwrap();
        let puts =
            [b"a1", b"a2", b"b1"].iter().map(|k| (TreeId::Kept, k.to_vec(), Some(k.to_vec()))).collect();
        trees.apply(puts).unwrap();
        let keys = |p: Pairs| p.map(|r| r.unwrap().0.to_vec()).collect::<Vec<_>>();
        assert_eq!(keys(trees.prefix(TreeId::Kept, b"a")), vec![b"a1".to_vec(), b"a2".to_vec()]);
        assert_eq!(keys(trees.all_rev(TreeId::Kept))[0], b"b1".to_vec());
        assert_eq!(keys(trees.range(TreeId::Kept, b"a2", None, false)).len(), 2);
        trees.apply(vec![(TreeId::Kept, b"a1".to_vec(), None)]).unwrap();
        assert_eq!(trees.value(TreeId::Kept, b"a1").unwrap(), None);
        assert_eq!(trees.value(TreeId::Kept, b"a2").unwrap().as_deref(), Some(&b"a2"[..]));
    }
}
