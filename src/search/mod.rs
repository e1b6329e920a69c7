//! A fast, tiered customer search: keys built once per save, matched per keystroke.
//!
//! Tiers (issue 5), best first: [`Tier::Exact`] ref or full phone; [`Tier::Direct`] name
//! prefix/substring, phone prefix or last 4+ digits, ref prefix; [`Tier::PinyinStart`] and
//! [`Tier::PinyinLater`]; [`Tier::Fuzzy`] (three chars or more) over name, email, ref and tags.
//! Within a tier by score, then recency, then id. A customer appears once, at its best tier.
//!
//! Speed comes from the layout and from doing less: keys live back to back in column buffers,
//! ASCII queries compare bytes, a digits-only query looks at phones and refs only, a query that
//! is not letters skips pinyin, a pinyin query is compiled to a table once, fuzzy scoring runs
//! only after an in-order prefilter, and a query that extends the last one re-examines only the
//! customers kept from it. Hits are sorted as packed integers.

mod fold;
mod matching;
mod query;
mod store;
mod syllables;

use crate::domain::Customer;
use fuzzy_matcher::skim::SkimMatcherV2;
use matching::{Outcome, Prepared, eval, highlight};
use query::Forms;
use store::Store;
use syllables::{Nfa, letter_bit};

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
    const ALL: [Tier; 5] = [Tier::Exact, Tier::Direct, Tier::PinyinStart, Tier::PinyinLater, Tier::Fuzzy];
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

/// What the last query left for the next one.
#[derive(Debug, Default)]
struct Last {
    forms: Option<Forms>,
    /// Slots that may still match a longer query.
    keep: Vec<u32>,
    nfa: Option<Nfa>,
}

/// The search index over every customer.
pub struct SearchIndex {
    store: Store,
    matcher: SkimMatcherV2,
    last: Last,
    /// Packed sort keys of the current hits (see [`pack`]); reused between keystrokes.
    keys: Vec<u128>,
    hits: Vec<Hit>,
    /// The buffer the next query's kept slots are written to.
    spare: Vec<u32>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("len", &self.len()).finish_non_exhaustive()
    }
}

impl Clone for SearchIndex {
    /// A copy of the keys; the per-query caches start empty (the matcher is not `Clone`).
    fn clone(&self) -> Self {
        SearchIndex { store: self.store.clone(), ..SearchIndex::default() }
    }
}

impl Default for SearchIndex {
    fn default() -> Self {
        SearchIndex {
            store: Store::default(),
            // Keys and queries are folded to lowercase already.
            matcher: SkimMatcherV2::default().ignore_case(),
            last: Last::default(),
            keys: Vec::new(),
            hits: Vec::new(),
            spare: Vec::new(),
        }
    }
}

impl SearchIndex {
    /// Indexes `customers`, each with its recency (day number of last activity, higher = more
    /// recent).
    pub fn build<'c>(customers: impl IntoIterator<Item = (&'c Customer, i32)>) -> SearchIndex {
        let mut index = SearchIndex::default();
        for (c, recency) in customers {
            index.store.upsert(c, recency);
        }
        index
    }

    /// Adds or replaces one customer's keys (call on every save).
    pub fn upsert(&mut self, customer: &Customer, recency: i32) {
        self.store.upsert(customer, recency);
        self.forget();
    }

    /// Sets how recent one indexed customer is (ties in a tier go to the more recent); unknown
    /// ids are ignored.
    pub fn set_recency(&mut self, id: u64, recency: i32) {
        if let Some(&slot) = self.store.slot_of.get(&id) {
            self.store.recency[slot as usize] = recency;
            self.forget();
        }
    }

    /// Drops one customer; false when it was not indexed.
    pub fn remove(&mut self, id: u64) -> bool {
        let removed = self.store.remove(id);
        if removed {
            self.forget();
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

    /// Heap bytes held by the index, estimated from capacities.
    pub fn heap_bytes(&self) -> usize {
        self.store.bytes()
            + self.keys.capacity() * 16
            + (self.last.keep.capacity() + self.spare.capacity()) * 4
    }

    /// Forgets the last query, so that the next one looks at everyone.
    pub fn forget(&mut self) {
        self.last.forms = None;
    }

    /// The customers matching `q`, best first; empty for a blank query.
    pub fn query(&mut self, q: &str) -> &[Hit] {
        let forms = Forms::of(q);
        self.keys.clear();
        if forms.text.is_empty() {
            self.forget();
            self.hits.clear();
            return &self.hits;
        }
        let narrowing = self.last.forms.as_ref().is_some_and(|prev| forms.narrows(prev));
        let nfa = match (&forms.pinyin, self.last.nfa.take()) {
            (Some(py), Some(n)) if n.is_for(py, self.store.syllables.len()) => Some(n),
            (Some(py), _) => Some(Nfa::new(py, &self.store.syllables)),
            (None, _) => None,
        };
        let prepared = Prepared {
            forms: &forms,
            nfa: nfa.as_ref(),
            matcher: &self.matcher,
            pinyin_bit: forms.pinyin.as_deref().map_or(0, letter_bit),
        };
        // The kept slots go to a spare buffer, so that typing allocates nothing once warm.
        let mut keep = std::mem::take(&mut self.spare);
        keep.clear();
        let store = &self.store;
        let mut visit = |slot: usize| {
            let Outcome { hit, keep: k } = eval(store, slot, &prepared);
            if k && let Ok(s) = u32::try_from(slot) {
                keep.push(s);
            }
            if let Some((tier, score)) = hit {
                self.keys.push(pack(tier, score, store.recency[slot], store.ids[slot]));
            }
        };
        if narrowing {
            for &s in &self.last.keep {
                visit(s as usize);
            }
        } else {
            for slot in (0..store.slots()).filter(|&s| store.live[s]) {
                visit(slot);
            }
        }
        self.keys.sort_unstable();
        self.hits.clear();
        self.hits.extend(self.keys.iter().enumerate().map(|(i, &k)| {
            let (tier, score, id) = unpack(k);
            let name_match = match (i < HIGHLIGHTED).then(|| store.slot_of.get(&id)).flatten() {
                Some(&slot) => highlight(store, slot as usize, tier, &prepared),
                None => Vec::new(),
            };
            Hit { id, tier, score, name_match }
        }));
        let old = std::mem::replace(&mut self.last, Last { forms: Some(forms), keep, nfa });
        self.spare = old.keep;
        &self.hits
    }
}

/// Highest score kept in a sort key (24 bits); fuzzy scores stay far below.
const SCORE_MAX: i64 = (1 << 24) - 1;

/// One hit as a sort key: tier, score (descending), recency (descending), id (ascending).
fn pack(tier: Tier, score: i64, recency: i32, id: u64) -> u128 {
    let score = SCORE_MAX - score.clamp(0, SCORE_MAX);
    // Flipping the sign bit orders i32 as u32; inverting makes later days sort first.
    let recency = !((recency as u32) ^ 0x8000_0000);
    (tier as u128) << 120 | (score as u128) << 96 | u128::from(recency) << 64 | u128::from(id)
}

fn unpack(k: u128) -> (Tier, i64, u64) {
    let tier = Tier::ALL.get((k >> 120) as usize).copied().unwrap_or(Tier::Fuzzy);
    let score = SCORE_MAX - ((k >> 96) as i64 & SCORE_MAX);
    (tier, score, k as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_order_by_tier_score_recency_id() {
        let a = pack(Tier::Exact, 0, -5, 9);
        let b = pack(Tier::Direct, 900, 100, 1);
        let c = pack(Tier::Direct, 800, 100, 1);
        let d = pack(Tier::Direct, 800, 50, 1);
        let e = pack(Tier::Direct, 800, 50, 2);
        assert!(a < b && b < c && c < d && d < e);
        assert_eq!(unpack(c), (Tier::Direct, 800, 1));
        assert_eq!(unpack(pack(Tier::Fuzzy, -3, i32::MIN, u64::MAX)), (Tier::Fuzzy, 0, u64::MAX));
    }

    #[test]
    fn index_is_send() {
        fn send<T: Send>() {}
        send::<SearchIndex>();
    }
}
