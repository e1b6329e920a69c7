//! Search as you type over the model's tiered index ([`crate::search`]): exact card or phone,
//! then name / phone / ref prefixes and last digits, then pinyin, then fuzzy — best first.
//!
//! The App never matches: each change of the query asks the runtime for a search
//! ([`Effect::Search`](super::Effect::Search)) numbered by a generation, and the answer comes
//! back as [`Action::Searched`] with that number. Only answers to the latest search are taken
//! (a best-so-far first when the shop is large, then the whole list); older ones are dropped.
//! A blank query needs no search: the list shows every customer at once.

use super::action::Action;
use crate::search::{Answer, SearchKeys, Searcher};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A search for the runtime to run, against the keys as they were when it was asked for.
#[derive(Clone)]
pub struct SearchJob {
    /// Which search this is; the answer carries it back.
    pub generation: u64,
    /// The query as typed.
    pub query: String,
    /// The keys to match (shared, read-only).
    pub keys: Arc<SearchKeys>,
}

impl std::fmt::Debug for SearchJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchJob")
            .field("generation", &self.generation)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl PartialEq for SearchJob {
    fn eq(&self, other: &SearchJob) -> bool {
        self.generation == other.generation
            && self.query == other.query
            && Arc::ptr_eq(&self.keys, &other.keys)
    }
}

impl SearchJob {
    /// Runs the search here, to the end, and returns its answer (tests, benchmarks and the
    /// synchronous dispatch; the console runs it on its search thread instead).
    pub fn run_now(&self) -> Action {
        let answer = Searcher::default().run_to_end(&self.keys, &self.query);
        Action::Searched { generation: self.generation, answer: Box::new(answer) }
    }
}

/// The search's side of the list: which answer is awaited, and the name highlights of the
/// hits shown.
#[derive(Debug, Clone, Default)]
pub struct Search {
    highlights: HashMap<u64, Vec<usize>>,
    /// The latest search asked for (or blank query shown): answers to others are stale.
    generation: u64,
    /// The complete answer to `generation` has not come yet.
    pending: bool,
    /// A search must be asked for when the current update ends.
    wanted: bool,
    /// The customer the cursor stays on once the answer comes (the list was rebuilt).
    follow: Option<u64>,
    /// Enter was pressed before the answer came: its best hit opens when it does.
    open_when_answered: bool,
}

/// An answer the list takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The ids to show, best first.
    pub ids: Vec<u64>,
    /// The customer to put the cursor on, if it is among them.
    pub follow: Option<u64>,
    /// Enter was waiting for this answer: open this customer.
    pub open: Option<u64>,
}

impl Search {
    /// A new query: answers to the earlier ones are stale from now on. A blank query gives
    /// `base` as it is (returned); any other asks for a search.
    pub fn restart(&mut self, query: &str, base: &[u64], follow: Option<u64>) -> Option<Vec<u64>> {
        self.generation += 1;
        self.highlights.clear();
        self.open_when_answered = false;
        self.follow = follow;
        let blank = query.trim().is_empty();
        self.pending = !blank;
        self.wanted = !blank;
        blank.then(|| base.to_vec())
    }

    /// The search to ask the runtime for, once per change of the query.
    pub fn take_job(&mut self, query: &str, keys: impl FnOnce() -> Arc<SearchKeys>) -> Option<SearchJob> {
        if !std::mem::take(&mut self.wanted) {
            return None;
        }
        Some(SearchJob { generation: self.generation, query: query.to_string(), keys: keys() })
    }

    /// The latest search, while its complete answer is still to come.
    pub fn awaited(&self) -> Option<u64> {
        self.pending.then_some(self.generation)
    }

    /// Opens the best hit once the answer comes (Enter pressed while it was on its way);
    /// false when there is no answer to wait for.
    pub fn open_when_answered(&mut self) -> bool {
        self.open_when_answered = self.pending;
        self.pending
    }

    /// Takes an answer, kept to `allowed` when a class filter is on; None when it is stale.
    pub fn take(&mut self, generation: u64, answer: Answer, allowed: Option<&HashSet<u64>>) -> Option<Shown> {
        if generation != self.generation || !self.pending {
            return None;
        }
        self.highlights.clear();
        for (id, h) in answer.ids.iter().zip(answer.highlights) {
            if !h.is_empty() {
                self.highlights.insert(*id, h);
            }
        }
        let mut ids = answer.ids;
        if let Some(a) = allowed {
            ids.retain(|id| a.contains(id));
        }
        if !answer.complete {
            return Some(Shown { ids, follow: None, open: None });
        }
        self.pending = false;
        let open = ids.first().copied().filter(|_| std::mem::take(&mut self.open_when_answered));
        Some(Shown { ids, follow: self.follow.take(), open })
    }

    /// Char positions in the customer's name that the query matched, for highlighting.
    pub fn positions(&self, id: u64) -> &[usize] {
        self.highlights.get(&id).map_or(&[], Vec::as_slice)
    }
}
