//! Search as you type: SkimMatcherV2 over each row's precomputed key, best match first.
//!
//! When the query grows (the usual case while typing) only the previous matches can still match,
//! so only they are matched again.

use super::model::{Model, fold_str};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// The matcher and the last query's matches.
pub struct Search {
    matcher: SkimMatcherV2,
    /// The folded query the cached matches are for.
    last_query: String,
    /// (position in the base list, id) of each match of `last_query`, in base order.
    last_matches: Option<Vec<(usize, u64)>>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search").field("last_query", &self.last_query).finish_non_exhaustive()
    }
}

impl Default for Search {
    fn default() -> Self {
        // Keys are already lowercase, and the query is folded the same way: case never matters.
        Search {
            matcher: SkimMatcherV2::default().ignore_case(),
            last_query: String::new(),
            last_matches: None,
        }
    }
}

impl Clone for Search {
    fn clone(&self) -> Self {
        Search {
            last_query: self.last_query.clone(),
            last_matches: self.last_matches.clone(),
            ..Search::default()
        }
    }
}

impl Search {
    /// Forgets the cached matches (the base list changed).
    pub fn invalidate(&mut self) {
        self.last_matches = None;
        self.last_query.clear();
    }

    /// The ids of `base` matching `query`, best first (ties keep the base order).
    pub fn run(&mut self, query: &str, base: &[u64], model: &Model) -> Vec<u64> {
        let q = fold_str(query.trim());
        if q.is_empty() {
            self.invalidate();
            return base.to_vec();
        }
        let narrowing = self.last_matches.is_some() && q.starts_with(&self.last_query);
        let candidates: Vec<(usize, u64)> = match self.last_matches.take() {
            Some(prev) if narrowing => prev,
            _ => base.iter().copied().enumerate().collect(),
        };
        let mut scored: Vec<(i64, usize, u64)> = candidates
            .into_iter()
            .filter_map(|(pos, id)| {
                let row = model.get(id)?;
                self.matcher.fuzzy_match(&row.key, &q).map(|s| (s, pos, id))
            })
            .collect();
        let mut in_base: Vec<(usize, u64)> = scored.iter().map(|&(_, p, id)| (p, id)).collect();
        in_base.sort_unstable();
        self.last_matches = Some(in_base);
        self.last_query = q;
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, _, id)| id).collect()
    }

    /// Char positions in `key` that `query` matches, for highlighting.
    pub fn positions(&self, key: &str, query: &str) -> Vec<usize> {
        let q = fold_str(query.trim());
        if q.is_empty() {
            return Vec::new();
        }
        self.matcher.fuzzy_indices(key, &q).map(|(_, idx)| idx).unwrap_or_default()
    }
}
