//! A small sorted set of customer ids: most duplicate-index buckets hold one customer, where a
//! `BTreeSet` allocates a 100-byte node and even a one-element `Vec` a 32-byte heap block. One
//! id is kept inline (a 100,000-customer shop has ~800,000 buckets, nearly all of one).

/// Customer ids in ascending order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSet(Repr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    One(u64),
    /// Empty, or two ids and more, ascending.
    Many(Vec<u64>),
}

impl Default for IdSet {
    fn default() -> IdSet {
        IdSet(Repr::Many(Vec::new()))
    }
}

impl IdSet {
    /// Adds `id`; false when it was already there.
    pub fn insert(&mut self, id: u64) -> bool {
        match &mut self.0 {
            Repr::One(one) if *one == id => false,
            Repr::One(one) => {
                let one = *one;
                self.0 = Repr::Many(if one < id { vec![one, id] } else { vec![id, one] });
                true
            }
            Repr::Many(ids) if ids.is_empty() => {
                self.0 = Repr::One(id);
                true
            }
            Repr::Many(ids) => match ids.binary_search(&id) {
                Ok(_) => false,
                Err(at) => {
                    ids.insert(at, id);
                    true
                }
            },
        }
    }

    /// Removes `id`; false when it was not there.
    pub fn remove(&mut self, id: &u64) -> bool {
        match &mut self.0 {
            Repr::One(one) if one == id => {
                *self = IdSet::default();
                true
            }
            Repr::One(_) => false,
            Repr::Many(ids) => match ids.binary_search(id) {
                Ok(at) => {
                    ids.remove(at);
                    if let [only] = ids[..] {
                        self.0 = Repr::One(only);
                    } else if ids.capacity() > 4 * ids.len().max(1) {
                        ids.shrink_to_fit();
                    }
                    true
                }
                Err(_) => false,
            },
        }
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The ids, ascending.
    pub fn iter(&self) -> std::slice::Iter<'_, u64> {
        self.as_slice().iter()
    }

    fn as_slice(&self) -> &[u64] {
        match &self.0 {
            Repr::One(id) => std::slice::from_ref(id),
            Repr::Many(ids) => ids,
        }
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

    #[test]
    fn one_id_is_kept_without_a_heap_block() {
        let mut s = IdSet::default();
        assert!(s.insert(7) && !s.insert(7));
        assert!(matches!(s.0, Repr::One(7)));
        assert!(s.insert(2) && s.remove(&7));
        assert!(matches!(s.0, Repr::One(2)), "back to inline when one is left");
        assert!(!s.remove(&9) && s.remove(&2) && s.is_empty() && s.iter().count() == 0);
        assert_eq!(std::mem::size_of::<IdSet>(), 24, "as small as the Vec it replaces");
    }

    #[test]
    fn equal_sets_compare_equal_whatever_their_history() {
        let (mut a, mut b) = (IdSet::default(), IdSet::default());
        a.insert(1);
        b.insert(1);
        b.insert(2);
        b.remove(&2);
        assert_eq!(a, b);
    }
}
