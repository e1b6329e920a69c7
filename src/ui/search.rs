//! Search as you type over the model's tiered index ([`crate::search`]): exact card or phone,
//! then name / phone / ref prefixes and last digits, then pinyin, then fuzzy — best first.
//!
//! The index keeps the last query's hits, so a growing query (the usual case while typing)
//! only re-examines them; this wrapper keeps the name highlights of the hits on screen.

use super::model::Model;
use std::collections::{HashMap, HashSet};

/// The name positions to highlight for the current query's first hits.
#[derive(Debug, Clone, Default)]
pub struct Search {
    highlights: HashMap<u64, Vec<usize>>,
}

impl Search {
    /// Forgets the highlights (the query was cleared).
    pub fn invalidate(&mut self) {
        self.highlights.clear();
    }

    /// The ids matching `query`, best first, kept to `allowed` when a class filter is on;
    /// a blank query gives `base` as it is.
    pub fn run(
        &mut self,
        query: &str,
        base: &[u64],
        allowed: Option<&HashSet<u64>>,
        model: &mut Model,
    ) -> Vec<u64> {
        self.highlights.clear();
        if query.trim().is_empty() {
            return base.to_vec();
        }
        let hits = model.query(query);
        let mut ids = Vec::with_capacity(hits.len());
        for hit in hits {
            if allowed.is_none_or(|a| a.contains(&hit.id)) {
                if !hit.name_match.is_empty() {
                    self.highlights.insert(hit.id, hit.name_match.clone());
                }
                ids.push(hit.id);
            }
        }
        ids
    }

    /// Char positions in the customer's name that the query matched, for highlighting.
    pub fn positions(&self, id: u64) -> &[usize] {
        self.highlights.get(&id).map_or(&[], Vec::as_slice)
    }
}
