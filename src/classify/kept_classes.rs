//! Every customer's classes as kept in the store, so that a console or a command that starts
//! takes them instead of classifying the whole shop (seconds at 100,000 customers).
//!
//! Like the kept segment counts they are a checked copy, never a source. They hold for the
//! database's last change, the rules and the model they were computed with, and a day: a later
//! day is reached from them by the new-day pass (which reclassifies only the customers that day
//! reaches), an earlier one, another change, other rules or another model classify afresh.
//! Whoever classifies the whole shop keeps them; a console keeps its own at quit, its edits
//! included. `kehu check` compares kept classes that hold with a fresh build.
//!
//! Edits do not rewrite them (that would cost every save a pass over the shop): each edit
//! names the customers it touched, in its own transaction (see the store's touched log), and a
//! reader that finds kept classes a few changes behind catches them up — those customers are
//! classified afresh, and of the rest only those whose scores the moved population bounds or
//! referral counts can change (see [`ClassifierBuilder::finish_kept`]).

use super::classes::Classes;
use super::engine::{Classifier, ClassifierBuilder, Entry, population_of};
use super::kept::{Stamp, rules_fingerprint};
use super::model::Model;
use super::population::{Population, PopulationFigures};
use super::profile::classes_steady;
use super::queue::Queue;
use super::segments::Tallies;
use super::steady::Steady;
use std::collections::{HashMap, HashSet};

/// Every customer's classes and how long they hold, with what they were computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptClasses {
    /// The change, day and rules they were computed at.
    pub stamp: Stamp,
    /// [`model_mark`] of the model in force (0: none).
    pub model: u64,
    /// Per customer, by id: classes and the day they hold until.
    pub entries: Vec<(u64, Classes, Steady)>,
    /// What their scores, means and referral counts were decided by (see
    /// [`Population::figures`]); without it they cannot be caught up, only taken as they are.
    pub population: Option<PopulationFigures>,
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
        let population = Some(self.pop.figures());
        KeptClasses { stamp, model: model_mark(self.model.as_ref()), entries, population }
    }
}

impl ClassifierBuilder {
    /// The classifier from kept classes, without classifying everyone: their population is built
    /// from the summaries pushed, on the kept day, and the new-day pass brings them to this
    /// builder's day. `changed` names every customer edited since they were kept (added,
    /// changed, merged away or deleted): those are classified afresh, and so is anyone whose
    /// RFM scores or referral count the edits moved. The builder comes back when they cannot be
    /// used: other rules, another model, a later day than this one, customers pushed or kept
    /// that `changed` does not account for, or edits without the kept population figures.
    pub fn finish_kept(
        self,
        model: Option<Model>,
        kept: KeptClasses,
        changed: &HashSet<u64>,
    ) -> Result<Classifier, Box<ClassifierBuilder>> {
        let accounted = |id: &u64| changed.contains(id);
        let usable = kept.stamp.rules == rules_fingerprint(&self.rules)
            && kept.stamp.today <= self.today
            && kept.model == model_mark(model.as_ref())
            && (changed.is_empty() || kept.population.is_some())
            && kept.entries.iter().all(|(id, _, _)| self.summaries.contains_key(id) || accounted(id))
            && self.summaries.keys().filter(|id| !accounted(id)).count()
                == kept.entries.iter().filter(|(id, _, _)| !accounted(id)).count();
        if !usable {
            return Err(Box::new(self));
        }
        let ClassifierBuilder { rules, today, summaries } = self;
        let mut c = Classifier::new(rules, kept.stamp.today);
        c.model = model;
        c.pop = population_of(summaries.values(), kept.stamp.today);
        let again = match &kept.population {
            Some(old) if !changed.is_empty() => moved_by_edits(&c.pop, old, changed),
            _ => HashSet::new(),
        };
        let mut kept_of: HashMap<u64, (Classes, Steady)> =
            kept.entries.into_iter().map(|(id, classes, steady)| (id, (classes, steady))).collect();
        let mut tallies = Tallies::default();
        let mut entries = HashMap::with_capacity(summaries.len());
        for (id, summary) in summaries {
            let classified = match kept_of.remove(&id) {
                Some(k) if !again.contains(&id) => k,
                _ => classes_steady(&summary, &c.pop, &c.rules, c.model.as_ref(), c.today),
            };
            tallies.add(&classified.0);
            entries.insert(id, Entry::new(summary, classified));
        }
        c.tallies = tallies;
        c.entries = entries;
        c.queue = Queue::of(c.entries.values().map(|e| &e.classes));
        c.set_today(today);
        Ok(c)
    }
}

/// Who must be classified again when edits moved a population from `old` to `now` (the kept
/// day's, both): the customers edited, those whose value lies between an old and a new bound
/// (the only ones whose RFM scores or mean sides can differ) and the referrers whose count
/// changed.
fn moved_by_edits(now: &Population, old: &PopulationFigures, changed: &HashSet<u64>) -> HashSet<u64> {
    let before = Population::frozen(old.0, &old.1);
    let mut again: HashSet<u64> = changed.iter().copied().collect();
    again.extend(now.affected(before.bounds()));
    let (_, referrals) = now.figures();
    again.extend(referrals.iter().filter(|(id, n)| before.referred_by(*id) != *n).map(|(id, _)| *id));
    again.extend(old.1.iter().filter(|(id, n)| now.referred_by(*id) != *n).map(|(id, _)| *id));
    again
}
