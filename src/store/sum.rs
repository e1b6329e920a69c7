//! The content sum: one 64-bit number summing a hash of every entry of every tree, kept in
//! `meta` and in every journal entry, so that a database that lost or changed entries without
//! a word (a rolled-back log, a page gone astray) is found out by a full scan (`kehu check`,
//! every backup) and, for the entries it touches, by every replay.
//!
//! A sum of hashes (wrapping), not a hash of the sequence: an edit changes it by subtracting
//! the hash of each replaced entry and adding the new one's, without reading anything else.
//! The two `meta` keys that record the sum and the journal position are left out (they say
//! where the content is; they are not content).

use super::scan::io;
use super::trees::{TreeId, Trees};
use super::{StoreError, StoreResult};
use xxhash_rust::xxh3::Xxh3;

/// The key in `meta` of the last journal entry applied (u64 BE).
pub(crate) const SEQ_KEY: &[u8] = b"journal_seq";
/// The key in `meta` of the content sum after it (u64 BE).
pub(crate) const SUM_KEY: &[u8] = b"content_sum";

/// The hash of one entry; the tree and the key's length are part of it, so that no two
/// different entries hash the same input.
pub(crate) fn entry_hash(tree: TreeId, key: &[u8], value: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(&[tree as u8]);
    h.update(&(key.len() as u32).to_le_bytes());
    h.update(key);
    h.update(value);
    h.digest()
}

/// Whether the entry is the sum's own bookkeeping, outside the sum.
pub(crate) fn is_bookkeeping(tree: TreeId, key: &[u8]) -> bool {
    tree == TreeId::Meta && (key == SEQ_KEY || key == SUM_KEY)
}

/// How one write changes the sum: minus the replaced entry, plus the new one.
pub(crate) fn delta(tree: TreeId, key: &[u8], old: Option<&[u8]>, new: Option<&[u8]>) -> u64 {
    if is_bookkeeping(tree, key) {
        return 0;
    }
    let minus = old.map_or(0, |v| entry_hash(tree, key, v));
    let plus = new.map_or(0, |v| entry_hash(tree, key, v));
    plus.wrapping_sub(minus)
}

/// The sum of every entry of every tree, by a full scan; `None` when asked to stop.
/// An unreadable entry is an error (the sum of a damaged database means nothing).
pub(crate) fn scan(trees: &Trees, stop: &dyn Fn() -> bool) -> StoreResult<Option<u64>> {
    scan_with(trees, stop, crate::progress::QUIET)
}

/// [`scan`], telling `p` of every 4,096 entries read.
pub(crate) fn scan_with(
    trees: &Trees,
    stop: &dyn Fn() -> bool,
    p: &dyn crate::progress::Progress,
) -> StoreResult<Option<u64>> {
    let mut sum = 0u64;
    for t in TreeId::ALL {
        let (mut n, mut told) = (0u64, 0u64);
        for item in trees[t].iter() {
            if n.is_multiple_of(4096) {
                p.advance(n - told);
                told = n;
                if stop() {
                    return Ok(None);
                }
            }
            n += 1;
            let (k, v) = item.map_err(|e| StoreError::Corrupt(format!("tree {}: {}", t.name(), io(e))))?;
            if !is_bookkeeping(t, &k) {
                sum = sum.wrapping_add(entry_hash(t, &k, &v));
            }
        }
        p.advance(n - told);
    }
    Ok(Some(sum))
}

/// Reads a u64 BE value of `meta`; absent is `None`, a wrong length is damage.
pub(crate) fn read_u64(meta: &sled::Tree, key: &[u8]) -> StoreResult<Option<u64>> {
    match meta.get(key).map_err(io)? {
        None => Ok(None),
        Some(v) => {
            let b: [u8; 8] = v.as_ref().try_into().map_err(|_| {
                StoreError::Corrupt(format!(
                    "meta {}: {} bytes instead of 8",
                    String::from_utf8_lossy(key),
                    v.len()
                ))
            })?;
            Ok(Some(u64::from_be_bytes(b)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_undone_is_no_change() {
        let d1 = delta(TreeId::Customers, b"k", None, Some(b"v1"));
        let d2 = delta(TreeId::Customers, b"k", Some(b"v1"), Some(b"v2"));
        let d3 = delta(TreeId::Customers, b"k", Some(b"v2"), None);
        assert_eq!(d1.wrapping_add(d2).wrapping_add(d3), 0);
        assert_ne!(d1, 0);
    }

    #[test]
    fn tree_key_and_value_all_count() {
        let base = entry_hash(TreeId::Customers, b"ab", b"c");
        assert_ne!(base, entry_hash(TreeId::Settings, b"ab", b"c"));
        assert_ne!(base, entry_hash(TreeId::Customers, b"a", b"bc"));
        assert_ne!(base, entry_hash(TreeId::Customers, b"ab", b"d"));
    }

    #[test]
    fn bookkeeping_keys_are_outside_the_sum() {
        assert_eq!(delta(TreeId::Meta, SEQ_KEY, None, Some(b"12345678")), 0);
        assert_ne!(delta(TreeId::Settings, SEQ_KEY, None, Some(b"12345678")), 0);
    }
}
