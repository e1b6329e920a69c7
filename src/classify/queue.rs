//! The follow-up queue's order, kept as classes change: the console asks for it after every
//! save, and collecting it from every customer's classes cost ~6 ms a save at 100,000.

use super::classes::Classes;
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Priority, days overdue (most first), id: the queue's order.
type Key = (u32, Reverse<i64>, u64);

/// The customers with a follow-up due, in queue order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Queue(BTreeSet<Key>);

fn key(c: &Classes) -> Option<Key> {
    c.follow_up.as_deref().map(|f| (f.action.priority, Reverse(f.overdue_days), f.id))
}

impl Queue {
    /// The queue of everyone in `classes`.
    pub(super) fn of<'a>(classes: impl Iterator<Item = &'a Classes>) -> Queue {
        Queue(classes.filter_map(key).collect())
    }

    /// One customer's classes went from `old` to `new` (None: not there).
    pub(super) fn replace(&mut self, old: Option<&Classes>, new: Option<&Classes>) {
        if let Some(k) = old.and_then(key) {
            self.0.remove(&k);
        }
        if let Some(k) = new.and_then(key) {
            self.0.insert(k);
        }
    }

    /// The ids, most urgent first.
    pub(super) fn ids(&self) -> Vec<u64> {
        self.0.iter().map(|k| k.2).collect()
    }
}
