//! A sorted list of (value, id) in blocks: insert and remove move at most a block, not the whole
//! list. A plain sorted `Vec` moved 16 MB per edit at a million customers (three metrics: ~3 ms
//! of every saved purchase); blocks of ~1,000 make that microseconds, while the k-th smallest
//! costs a walk over the block lengths (a thousand at 1M, four times per cut).

/// Entries are kept at most this long before a block is split in two.
const MAX_BLOCK: usize = 2048;

/// (value, id) pairs in ascending order, without repeats.
#[derive(Debug, Clone, Default)]
pub struct Sorted {
    blocks: Vec<Vec<(i64, u64)>>,
    len: usize,
}

impl PartialEq for Sorted {
    /// The same entries, however they are split into blocks.
    fn eq(&self, other: &Sorted) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Sorted {}

impl Sorted {
    /// From entries in any order.
    pub fn from_vec(mut entries: Vec<(i64, u64)>) -> Sorted {
        entries.sort_unstable();
        entries.dedup();
        let len = entries.len();
        let blocks = entries.chunks(MAX_BLOCK / 2).map(<[_]>::to_vec).collect();
        Sorted { blocks, len }
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block `e` belongs in: the first whose last entry is not below it (else the last).
    fn block_of(&self, e: &(i64, u64)) -> usize {
        let at = self.blocks.partition_point(|b| b.last().is_some_and(|l| l < e));
        at.min(self.blocks.len().saturating_sub(1))
    }

    /// Adds `e`; false when it was there already.
    pub fn insert(&mut self, e: (i64, u64)) -> bool {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::new());
        }
        let b = self.block_of(&e);
        let block = &mut self.blocks[b];
        let Err(at) = block.binary_search(&e) else { return false };
        block.insert(at, e);
        self.len += 1;
        if block.len() > MAX_BLOCK {
            let upper = block.split_off(block.len() / 2);
            self.blocks.insert(b + 1, upper);
        }
        true
    }

    /// Removes `e`; false when it was not there.
    pub fn remove(&mut self, e: &(i64, u64)) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let b = self.block_of(e);
        let block = &mut self.blocks[b];
        let Ok(at) = block.binary_search(e) else { return false };
        block.remove(at);
        self.len -= 1;
        if block.is_empty() {
            self.blocks.remove(b);
        }
        true
    }

    /// The `i`-th smallest entry (from 0).
    pub fn get(&self, mut i: usize) -> Option<&(i64, u64)> {
        for block in &self.blocks {
            if i < block.len() {
                return block.get(i);
            }
            i -= block.len();
        }
        None
    }

    /// Every entry, ascending.
    pub fn iter(&self) -> impl Iterator<Item = &(i64, u64)> + '_ {
        self.blocks.iter().flatten()
    }

    /// The entries whose value is above `lo`, ascending.
    pub fn above(&self, lo: i64) -> impl Iterator<Item = &(i64, u64)> + '_ {
        let b = self.blocks.partition_point(|b| b.last().is_some_and(|l| l.0 <= lo));
        self.blocks[b..].iter().flatten().skip_while(move |e| e.0 <= lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_sorted_vec(
            start in proptest::collection::vec((0i64..50, 0u64..40), 0..300),
            ops in proptest::collection::vec((any::<bool>(), 0i64..50, 0u64..40), 0..6000),
        ) {
            let mut s = Sorted::from_vec(start.clone());
            let mut v: Vec<(i64, u64)> = start;
            v.sort_unstable();
            v.dedup();
            for (add, value, id) in ops {
                let e = (value, id);
                let had = v.binary_search(&e);
                if add {
                    prop_assert_eq!(s.insert(e), had.is_err());
                    if let Err(at) = had { v.insert(at, e) }
                } else {
                    prop_assert_eq!(s.remove(&e), had.is_ok());
                    if let Ok(at) = had { v.remove(at); }
                }
            }
            prop_assert_eq!(s.len(), v.len());
            prop_assert!(s.iter().eq(v.iter()));
            for i in 0..=v.len() {
                prop_assert_eq!(s.get(i), v.get(i));
            }
            for lo in -1..51 {
                prop_assert!(s.above(lo).eq(v.iter().filter(|e| e.0 > lo)));
            }
            prop_assert_eq!(&s, &Sorted::from_vec(v));
        }
    }

    #[test]
    fn big_blocks_split_and_empty_ones_go() {
        let mut s = Sorted::default();
        for i in 0..(3 * MAX_BLOCK as u64) {
            assert!(s.insert((7, i)));
        }
        assert!(s.blocks.len() >= 3, "{} blocks", s.blocks.len());
        assert!(s.blocks.iter().all(|b| b.len() <= MAX_BLOCK));
        for i in 0..(3 * MAX_BLOCK as u64) {
            assert!(s.remove(&(7, i)));
        }
        assert!(s.is_empty() && s.blocks.is_empty() && s.get(0).is_none());
    }
}
