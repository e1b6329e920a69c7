//! Running one query over the keys: the caches that make a growing query cheap, a scan in
//! chunks that a newer query can stop, and the best hits so far while a long scan runs.

use super::matching::{Outcome, Prepared, eval, highlight};
use super::query::Forms;
use super::store::Store;
use super::syllables::{Nfa, letter_bit};
use super::{HIGHLIGHTED, Hit, SearchKeys, Tier};
use fuzzy_matcher::skim::SkimMatcherV2;
use std::time::{Duration, Instant};

/// Slots matched between two looks at the cancel flag and the clock (about a millisecond).
const CHUNK: usize = 16_384;
/// A scan still running this long after it began sends the best hits it has so far...
const FIRST_PARTIAL: Duration = Duration::from_millis(12);
/// ...and again this often.
const PARTIAL_EVERY: Duration = Duration::from_millis(30);
/// With more hits than this the final sort goes in two steps: the best [`HIGHLIGHTED`] first,
/// sent at once (they are final), then the rest.
const SORT_IN_TWO: usize = 30_000;

/// The results of one query as the console needs them: ids best first, highlights for the
/// first few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The matching customers, best first (only the best so far when not `complete`).
    pub ids: Vec<u64>,
    /// Char positions to highlight in the names of the first ids (up to [`HIGHLIGHTED`]).
    pub highlights: Vec<Vec<usize>>,
    /// False for the best hits so far, sent while the query still runs.
    pub complete: bool,
}

/// What a running query asks of whoever runs it.
pub trait Progress {
    /// Whether a newer query made this one pointless (asked between chunks).
    fn cancelled(&self) -> bool;
    /// Takes the best hits so far of a query that is still running.
    fn partial(&mut self, best: Answer);
}

/// Runs to the end and keeps nothing but the final answer.
struct Quiet;

impl Progress for Quiet {
    fn cancelled(&self) -> bool {
        false
    }

    fn partial(&mut self, _: Answer) {}
}

/// What the last completed query left for the next one.
#[derive(Debug, Default)]
struct Last {
    forms: Option<Forms>,
    /// The version of the keys it ran on: the slots kept are only valid for those.
    version: u64,
    /// Slots that may still match a longer query.
    keep: Vec<u32>,
    nfa: Option<Nfa>,
}

/// Runs queries over [`SearchKeys`], one at a time; what it keeps between them makes a query
/// that extends the last one look only at what that one kept. One per thread that searches.
pub struct Searcher {
    matcher: SkimMatcherV2,
    last: Last,
    /// Packed sort keys of the current hits (see [`pack`]); reused between keystrokes.
    keys: Vec<u128>,
    /// The buffer the next query's kept slots are written to.
    spare: Vec<u32>,
    hits: Vec<Hit>,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher").field("last", &self.last.forms).finish_non_exhaustive()
    }
}

impl Default for Searcher {
    fn default() -> Self {
        Searcher {
            // Keys and queries are folded to lowercase already.
            matcher: SkimMatcherV2::default().ignore_case(),
            last: Last::default(),
            keys: Vec::new(),
            spare: Vec::new(),
            hits: Vec::new(),
        }
    }
}

impl Searcher {
    /// Forgets the last query, so that the next one looks at everyone.
    pub fn forget(&mut self) {
        self.last.forms = None;
    }

    /// Heap bytes held by the caches, estimated from capacities.
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 16 + (self.last.keep.capacity() + self.spare.capacity()) * 4
    }

    /// The customers matching `q`, best first, with tier and score; empty for a blank query.
    pub fn hits(&mut self, keys: &SearchKeys, q: &str) -> &[Hit] {
        self.hits.clear();
        if self.scan(keys, q, &mut Quiet) {
            let store = &keys.store;
            let prepared =
                self.last.forms.as_ref().map(|forms| prepare(forms, self.last.nfa.as_ref(), &self.matcher));
            self.hits.extend(self.keys.iter().enumerate().map(|(i, &k)| {
                let (tier, score, id) = unpack(k);
                let name_match = match (i < HIGHLIGHTED).then_some(prepared.as_ref()).flatten() {
                    Some(p) => highlight_id(store, id, tier, p),
                    None => Vec::new(),
                };
                Hit { id, tier, score, name_match }
            }));
        }
        &self.hits
    }

    /// Runs `q` to the end, with no best-so-far on the way.
    pub fn run_to_end(&mut self, keys: &SearchKeys, q: &str) -> Answer {
        self.run(keys, q, &mut Quiet).unwrap_or_default()
    }

    /// Runs `q`, telling `progress` the best hits so far while it runs long; None when
    /// `progress` cancelled it (what the last completed query kept is kept).
    pub fn run(&mut self, keys: &SearchKeys, q: &str, progress: &mut dyn Progress) -> Option<Answer> {
        if !self.scan(keys, q, progress) {
            return None;
        }
        let prepared =
            self.last.forms.as_ref().map(|forms| prepare(forms, self.last.nfa.as_ref(), &self.matcher));
        Some(match prepared {
            Some(p) => answer(&self.keys, &keys.store, &p, true),
            None => Answer { complete: true, ..Answer::default() },
        })
    }

    /// Matches `q`, leaving the hits' sort keys sorted in `self.keys` and the query in
    /// `self.last`; false when cancelled.
    fn scan(&mut self, keys: &SearchKeys, q: &str, progress: &mut dyn Progress) -> bool {
        let forms = Forms::of(q);
        self.keys.clear();
        if forms.text.is_empty() {
            self.forget();
            return true;
        }
        let store = &keys.store;
        let narrowing = self.last.version == keys.version
            && self.last.forms.as_ref().is_some_and(|prev| forms.narrows(prev));
        let nfa = match (&forms.pinyin, self.last.nfa.take()) {
            (Some(py), Some(n)) if n.is_for(py, store.syllables.len()) => Some(n),
            (Some(py), _) => Some(Nfa::new(py, &store.syllables)),
            (None, _) => None,
        };
        let prepared = prepare(&forms, nfa.as_ref(), &self.matcher);
        // The kept slots go to a spare buffer, so that typing allocates nothing once warm.
        let mut keep = std::mem::take(&mut self.spare);
        keep.clear();
        let total = if narrowing { self.last.keep.len() } else { store.slots() };
        let started = Instant::now();
        let mut next_partial = started + FIRST_PARTIAL;
        let mut at = 0;
        while at < total {
            let end = (at + CHUNK).min(total);
            for i in at..end {
                let slot = if narrowing { self.last.keep[i] as usize } else { i };
                if !narrowing && !store.live[slot] {
                    continue;
                }
                let Outcome { hit, keep: k } = eval(store, slot, &prepared);
                if k && let Ok(s) = u32::try_from(slot) {
                    keep.push(s);
                }
                if let Some((tier, score)) = hit {
                    self.keys.push(pack(tier, score, store.recency[slot], store.ids[slot]));
                }
            }
            at = end;
            if at < total {
                if progress.cancelled() {
                    self.spare = keep;
                    self.last.nfa = nfa;
                    return false;
                }
                let now = Instant::now();
                if now >= next_partial {
                    let best = best_first(&mut self.keys);
                    progress.partial(answer(best, store, &prepared, false));
                    next_partial = now + PARTIAL_EVERY;
                }
            }
        }
        // The scan is whole: a longer query may narrow from it even if this one is dropped.
        let old = std::mem::replace(&mut self.last, Last { forms: None, version: keys.version, keep, nfa });
        self.spare = old.keep;
        if self.keys.len() > SORT_IN_TWO {
            let best = best_first(&mut self.keys);
            progress.partial(answer(
                best,
                store,
                &prepare(&forms, self.last.nfa.as_ref(), &self.matcher),
                false,
            ));
        }
        self.last.forms = Some(forms);
        if progress.cancelled() {
            return false;
        }
        self.keys.sort_unstable();
        true
    }
}

/// The query with everything built once per keystroke.
fn prepare<'a>(forms: &'a Forms, nfa: Option<&'a Nfa>, matcher: &'a SkimMatcherV2) -> Prepared<'a> {
    Prepared { forms, nfa, matcher, pinyin_bit: forms.pinyin.as_deref().map_or(0, letter_bit) }
}

/// Puts the best [`HIGHLIGHTED`] keys first, in order, and returns them (the rest stay
/// unordered behind them).
fn best_first(keys: &mut [u128]) -> &[u128] {
    let n = HIGHLIGHTED.min(keys.len());
    if n < keys.len() {
        keys.select_nth_unstable(n);
    }
    keys[..n].sort_unstable();
    &keys[..n]
}

/// The ids of sorted `keys`, the first few with their highlights.
fn answer(keys: &[u128], store: &Store, p: &Prepared, complete: bool) -> Answer {
    let ids = keys.iter().map(|&k| k as u64).collect();
    let highlights = keys
        .iter()
        .take(HIGHLIGHTED)
        .map(|&k| {
            let (tier, _, id) = unpack(k);
            highlight_id(store, id, tier, p)
        })
        .collect();
    Answer { ids, highlights, complete }
}

fn highlight_id(store: &Store, id: u64, tier: Tier, p: &Prepared) -> Vec<usize> {
    match store.slot_of.get(&id) {
        Some(&slot) => highlight(store, slot as usize, tier, p),
        None => Vec::new(),
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
    fn best_first_orders_the_best_and_keeps_the_rest() {
        let mut keys: Vec<u128> = (0..1000u128).rev().collect();
        assert_eq!(best_first(&mut keys), (0..HIGHLIGHTED as u128).collect::<Vec<_>>());
        keys.sort_unstable();
        assert_eq!(keys, (0..1000u128).collect::<Vec<_>>(), "nothing lost");
    }
}
