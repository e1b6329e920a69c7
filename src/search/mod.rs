//! A fast, tiered customer search: keys built once per save, matched per keystroke.
//!
//! Tiers, best first: [`Tier::Exact`] ref or full phone; [`Tier::Direct`] name
//! prefix/substring, phone prefix or last 4+ digits, ref prefix; [`Tier::PinyinStart`] and
//! [`Tier::PinyinLater`]; [`Tier::Fuzzy`] (three chars or more) over name, email, ref and tags.
//! Within a tier by score, then recency, then id. A customer appears once, at its best tier.
//!
//! Speed comes from the layout and from doing less: keys live back to back in column buffers,
//! ASCII queries compare bytes, a digits-only query looks at phones and refs only, a query that
//! is not letters skips pinyin, a pinyin query is compiled to a table once, fuzzy scoring runs
//! only after an in-order prefilter, and a query that extends the last one re-examines only the
//! customers kept from it. Hits are sorted as packed integers.
//!
//! The keys ([`SearchKeys`]) are read-only while matched, so they can be shared with a search
//! thread; what one query leaves for the next lives in a [`Searcher`], one per searching thread.
//! A [`Searcher`] matches in chunks, asking between chunks whether a newer query made this one
//! pointless, and hands over the best hits so far when a scan runs long (a million customers).

mod fold;
mod matching;
mod query;
mod searcher;
mod store;
mod syllables;

/// The in-order prefilters before fuzzy scoring (for `benches/matcher.rs`).
#[doc(hidden)]
pub use matching::{chars_in_order, in_order};
pub use searcher::{Answer, Progress, Searcher};

use crate::domain::Customer;
use store::Store;

/// How many of the best hits get their name highlight computed (about a screenful and more).
pub const HIGHLIGHTED: usize = 200;

/// How a customer matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The query is a ref (case-insensitive) or a full phone number.
    Exact,
    /// Name prefix or substring, phone prefix or last 4+ digits, ref prefix.
    Direct,
    /// Pinyin from the name's first character (`wxy` → 王秀英).
    PinyinStart,
    /// Pinyin from a later character (`xy` → 王秀英).
    PinyinLater,
    /// Fuzzy over name, email, ref and tags.
    Fuzzy,
}

impl Tier {
    pub(crate) const ALL: [Tier; 5] =
        [Tier::Exact, Tier::Direct, Tier::PinyinStart, Tier::PinyinLater, Tier::Fuzzy];
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The customer's id.
    pub id: u64,
    /// How it matched.
    pub tier: Tier,
    /// Score within the tier (higher is better).
    pub score: i64,
    /// Char positions in the name to highlight (filled for the first [`HIGHLIGHTED`] hits).
    pub name_match: Vec<usize>,
}

/// Every customer's search keys: built once per save, read by any number of searches.
///
/// The console keeps it behind an `Arc` and hands a clone to its search thread with each
/// query; an edit goes through `Arc::make_mut`, which copies the keys only in the rare case
/// that a search is still reading them (copy on write), so a search never sees a half-made
/// change and never holds up an edit.
#[derive(Clone, Default)]
pub struct SearchKeys {
    store: Store,
    /// Changes with every upsert and removal (unique across all key sets in the process), so
    /// that a [`Searcher`] knows when what it kept from its last query no longer applies.
    version: u64,
}

impl std::fmt::Debug for SearchKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchKeys").field("len", &self.len()).finish_non_exhaustive()
    }
}

/// A fresh key-set version.
fn next_version() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl SearchKeys {
    /// Indexes `customers`, each with its recency (day number of last activity, higher = more
    /// recent).
    pub fn build<'c>(customers: impl IntoIterator<Item = (&'c Customer, i32)>) -> SearchKeys {
        let mut keys = SearchKeys::default();
        for (c, recency) in customers {
            keys.store.upsert(c, recency);
        }
        keys.version = next_version();
        keys
    }

    /// Adds or replaces one customer's keys (call on every save).
    pub fn upsert(&mut self, customer: &Customer, recency: i32) {
        self.store.upsert(customer, recency);
        self.version = next_version();
    }

    /// Sets how recent one indexed customer is (ties in a tier go to the more recent); unknown
    /// ids are ignored.
    pub fn set_recency(&mut self, id: u64, recency: i32) {
        if let Some(&slot) = self.store.slot_of.get(&id) {
            self.store.recency[slot as usize] = recency;
            self.version = next_version();
        }
    }

    /// Drops one customer; false when it was not indexed.
    pub fn remove(&mut self, id: u64) -> bool {
        let removed = self.store.remove(id);
        if removed {
            self.version = next_version();
        }
        removed
    }

    /// How many customers are indexed.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no customer is indexed.
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// Heap bytes held by the keys, estimated from capacities.
    pub fn heap_bytes(&self) -> usize {
        self.store.bytes()
    }

    /// Each indexed customer's fuzzy keys, as the fuzzy tier scores them: the folded ASCII key
    /// (non-ASCII chars left out) and the key with them kept ("" when it has none). For
    /// benchmarks that compare matchers on the same keys (`benches/matcher.rs`).
    #[doc(hidden)]
    pub fn fuzzy_keys(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let s = &self.store;
        (0..s.slots()).filter(|&i| s.live[i]).map(move |i| (s.fuzzy.get(i), s.fuzzy_wide.get(i)))
    }
}

/// Keys and a searcher in one: the search on one thread (tests, benchmarks, the command line).
#[derive(Debug, Default)]
pub struct SearchIndex {
    keys: SearchKeys,
    searcher: Searcher,
}

impl Clone for SearchIndex {
    /// A copy of the keys; the per-query caches start empty.
    fn clone(&self) -> Self {
        SearchIndex { keys: self.keys.clone(), searcher: Searcher::default() }
    }
}

impl SearchIndex {
    /// Indexes `customers`, each with its recency (day number of last activity, higher = more
    /// recent).
    pub fn build<'c>(customers: impl IntoIterator<Item = (&'c Customer, i32)>) -> SearchIndex {
        SearchIndex { keys: SearchKeys::build(customers), searcher: Searcher::default() }
    }

    /// Adds or replaces one customer's keys (call on every save).
    pub fn upsert(&mut self, customer: &Customer, recency: i32) {
        self.keys.upsert(customer, recency);
    }

    /// Drops one customer; false when it was not indexed.
    pub fn remove(&mut self, id: u64) -> bool {
        self.keys.remove(id)
    }

    /// How many customers are indexed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no customer is indexed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Heap bytes held by the index, estimated from capacities.
    pub fn heap_bytes(&self) -> usize {
        self.keys.heap_bytes() + self.searcher.heap_bytes()
    }

    /// Forgets the last query, so that the next one looks at everyone.
    pub fn forget(&mut self) {
        self.searcher.forget();
    }

    /// The customers matching `q`, best first; empty for a blank query.
    pub fn query(&mut self, q: &str) -> &[Hit] {
        self.searcher.hits(&self.keys, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_keys_are_send() {
        fn send<T: Send + Sync>() {}
        send::<SearchKeys>();
        fn send_only<T: Send>() {}
        send_only::<SearchIndex>();
    }
}
