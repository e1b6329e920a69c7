//! A small sorted set of customer ids: most duplicate-index buckets hold one or two customers,
//! where a `BTreeSet` allocates a 100-byte node each and a sorted `Vec` 8 bytes per id.

/// Customer ids in ascending order, without repeats.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IdSet(Vec<u64>);

impl IdSet {
    /// Adds `id`; false when it was already there.
    pub fn insert(&mut self, id: u64) -> bool {
        match self.0.binary_search(&id) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, id);
                true
            }
        }
    }

    /// Removes `id`; false when it was not there.
    pub fn remove(&mut self, id: &u64) -> bool {
        match self.0.binary_search(id) {
            Ok(at) => {
                self.0.remove(at);
                if self.0.capacity() > 4 * self.0.len().max(1) {
                    self.0.shrink_to_fit();
                }
                true
            }
            Err(_) => false,
        }
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ids, ascending.
    pub fn iter(&self) -> std::slice::Iter<'_, u64> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_sorted_without_repeats() {
        let mut s = IdSet::default();
        assert!(s.insert(5) && s.insert(1) && s.insert(3) && !s.insert(3));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 3, 5]);
        assert!(s.remove(&3) && !s.remove(&3));
        assert_eq!((s.len(), s.iter().copied().collect::<Vec<_>>()), (2, vec![1, 5]));
        assert!(s.remove(&1) && s.remove(&5) && s.is_empty());
    }
}
