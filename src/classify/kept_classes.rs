//! Every customer's classes as kept in the store, so that a console or a command that starts
//! takes them instead of classifying the whole shop (seconds at 100,000 customers).
//!
//! Like the kept segment counts they are a checked copy, never a source. They hold for the
//! database's last change, the rules and the model they were computed with, and a day: a later
//! day is reached from them by the new-day pass (which reclassifies only the customers that day
//! reaches), an earlier one, another change, other rules or another model classify afresh.
//! Whoever classifies the whole shop keeps them; a console keeps its own at quit, its edits
//! included. `kehu check` compares kept classes that hold with a fresh build.

use super::classes::Classes;
use super::engine::{Classifier, ClassifierBuilder, Entry, population_of};
use super::kept::{Stamp, rules_fingerprint};
use super::model::Model;
use super::queue::Queue;
use super::segments::Tallies;
use super::steady::Steady;
use std::collections::HashMap;

/// Every customer's classes and how long they hold, with what they were computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptClasses {
    /// The change, day and rules they were computed at.
    pub stamp: Stamp,
    /// [`model_mark`] of the model in force (0: none).
    pub model: u64,
    /// Per customer, by id: classes and the day they hold until.
    pub entries: Vec<(u64, Classes, Steady)>,
}

/// A mark of a model: FNV-1a over its stored bytes; 0 for none.
pub fn model_mark(model: Option<&Model>) -> u64 {
    model.map_or(0, |m| {
        m.to_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
            .max(1)
    })
}

impl Classifier {
    /// Everyone's classes to keep, stamped with the database's change `change`.
    pub fn kept_classes(&self, change: u64) -> KeptClasses {
        let stamp = Stamp { change, today: self.today, rules: rules_fingerprint(&self.rules) };
        let mut entries: Vec<(u64, Classes, Steady)> =
            self.entries.iter().map(|(id, e)| (*id, e.classes.clone(), e.steady)).collect();
        entries.sort_unstable_by_key(|(id, _, _)| *id);
        KeptClasses { stamp, model: model_mark(self.model.as_ref()), entries }
    }
}

impl ClassifierBuilder {
    /// The classifier from kept classes, without classifying anyone: their population is built
    /// from the summaries pushed, on the kept day, and the new-day pass brings them to this
    /// builder's day. The builder comes back when they cannot be used: other rules, another
    /// model, a later day than this one, or not exactly the customers pushed.
    pub fn finish_kept(
        self,
        model: Option<Model>,
        kept: KeptClasses,
    ) -> Result<Classifier, Box<ClassifierBuilder>> {
        let usable = kept.stamp.rules == rules_fingerprint(&self.rules)
            && kept.stamp.today <= self.today
            && kept.model == model_mark(model.as_ref())
            && kept.entries.len() == self.summaries.len()
            && kept.entries.iter().all(|(id, _, _)| self.summaries.contains_key(id));
        if !usable {
            return Err(Box::new(self));
        }
        let ClassifierBuilder { rules, today, mut summaries } = self;
        let mut c = Classifier::new(rules, kept.stamp.today);
        c.model = model;
        c.pop = population_of(summaries.values(), kept.stamp.today);
        let mut tallies = Tallies::default();
        let mut entries = HashMap::with_capacity(kept.entries.len());
        for (id, classes, steady) in kept.entries {
            tallies.add(&classes);
            // Present: checked above.
            let summary = summaries.remove(&id).expect("a kept customer was pushed");
            entries.insert(id, Entry::new(summary, (classes, steady)));
        }
        c.tallies = tallies;
        c.entries = entries;
        c.queue = Queue::of(c.entries.values().map(|e| &e.classes));
        c.set_today(today);
        Ok(c)
    }
}
