//! The incremental classifier: every customer's profile and the segment counts, kept current one
//! edit at a time, from compact in-memory summaries (never from the store).
//!
//! An edit reclassifies the edited customer and then only the customers whose population-relative
//! classes can have changed:
//! - RFM scores and RFM-8 sides depend on the quintile cuts and the (floored) means of each
//!   metric. When an edit moves a cut or a mean, exactly the customers whose value lies between
//!   the old and the new boundary can change score, and [`Population::affected`] reads them off
//!   the sorted metric in one range; those are reclassified and their segment counts moved.
//!   When nothing moved (the common case in a large shop), nobody else is touched.
//! - Advocacy depends on referral counts, which change only for the old and new referrer.
//!
//! A change of "today" reclassifies only the customers whose classes can have changed by then
//! (see `new_day`); moving back, or far ahead, reclassifies everyone from the summaries.
//!
//! The predictive figures (P(alive), expected purchases, 12-month value) depend only on the
//! customer and the model's parameters, so an edit recomputes them for the edited customer alone;
//! a new model ([`Classifier::set_model`]) recomputes them for everyone.

use super::classes::Classes;
use super::if_alive::IfAlive;
use super::model::{Fingerprint, Model, fit_summaries};
use super::playbook::FollowUp;
use super::population::Population;
use super::profile::{Profile, classes_steady, classify_with};
use super::queue::Queue;
use super::rules::Rules;
use super::segments::{Dimension, SegmentRow, Tallies};
use super::steady::Steady;
use super::summary::Summary;
use crate::domain::{History, Money};
use crate::predict;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One customer as the classifier keeps them: their facts and their classes without reasons
/// (the full [`Profile`] is recomputed when someone looks at the customer).
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) summary: Summary,
    pub(super) classes: Classes,
    /// How long `classes` hold as days pass.
    pub(super) steady: Steady,
}

impl Entry {
    /// A customer classified as of `today`.
    pub(super) fn new(summary: Summary, (classes, steady): (Classes, Steady)) -> Entry {
        Entry { summary, classes, steady }
    }
}

/// Keeps every customer's classes and the shop's segment counts current.
#[derive(Debug, Clone)]
pub struct Classifier {
    pub(super) rules: Rules,
    pub(super) today: NaiveDate,
    pub(super) entries: HashMap<u64, Entry>,
    pub(super) pop: Population,
    pub(super) tallies: Tallies,
    pub(super) model: Option<Model>,
    /// E[Y | alive, x, T] of the model in force, kept across days.
    pub(super) if_alive: IfAlive,
    /// The follow-up queue's order, updated with every change of classes.
    pub(super) queue: Queue,
}

impl Classifier {
    /// An empty classifier.
    pub fn new(rules: Rules, today: NaiveDate) -> Classifier {
        Classifier {
            rules,
            today,
            entries: HashMap::new(),
            pop: Population::default(),
            tallies: Tallies::default(),
            model: None,
            if_alive: IfAlive::default(),
            queue: Queue::default(),
        }
    }

    /// A classifier over many histories at once (start-up): one pass, no incremental bookkeeping.
    pub fn from_histories<'a>(
        rules: Rules,
        today: NaiveDate,
        histories: impl IntoIterator<Item = &'a History>,
    ) -> Classifier {
        let mut c = Classifier::new(rules, today);
        // Keyed by id, so that a history given twice counts once (the last one wins).
        let summaries: HashMap<u64, Summary> =
            histories.into_iter().map(|h| (h.customer.id, Summary::from_history(h))).collect();
        c.rebuild(summaries.into_values().collect());
        c
    }

    /// Records an edit of one customer (new, changed, or with new purchases or interactions).
    pub fn upsert(&mut self, h: &History) {
        let summary = Summary::from_history(h);
        let id = summary.id;
        let before = self.pop.bounds();
        let mut touched = Vec::new();
        if let Some(old) = self.entries.remove(&id) {
            self.queue.replace(Some(&old.classes), None);
            touched.extend(self.forget(&old));
        }
        if let Some(m) = summary.metrics(self.today) {
            self.pop.add(id, &m);
        }
        if let Some(r) = summary.referrer {
            self.pop.add_referral(r);
            touched.push(r);
        }
        let classified = self.classes_of(&summary);
        self.tallies.add(&classified.0);
        self.queue.replace(None, Some(&classified.0));
        self.entries.insert(id, Entry::new(summary, classified));
        touched.extend(self.pop.affected(before));
        self.refresh(touched, id);
    }

    /// Forgets a customer (deleted from the store).
    pub fn remove(&mut self, id: u64) {
        let before = self.pop.bounds();
        let Some(old) = self.entries.remove(&id) else { return };
        self.queue.replace(Some(&old.classes), None);
        let mut touched = self.forget(&old);
        touched.extend(self.pop.affected(before));
        self.refresh(touched, id);
    }

    /// Reclassifies everyone from the in-memory summaries as of `today`.
    pub(super) fn rebuild_at(&mut self, today: NaiveDate) {
        self.today = today;
        let summaries = self.entries.drain().map(|(_, e)| e.summary).collect();
        self.rebuild(summaries);
    }

    /// Puts a fitted model in force (None: none) and recomputes everyone's predictive figures.
    pub fn set_model(&mut self, model: Option<Model>) {
        self.model = model;
        let (pop, model, rules, today) = (&self.pop, self.model.as_ref(), &self.rules, self.today);
        let mut entries: Vec<&mut Entry> = self.entries.values_mut().collect();
        for e in &entries {
            self.tallies.subtract(&e.classes);
        }
        par_each(&mut entries, |e| {
            (e.classes, e.steady) = classes_steady(&e.summary, pop, rules, model, today)
        });
        for e in &entries {
            self.tallies.add(&e.classes);
        }
        self.queue = Queue::of(self.entries.values().map(|e| &e.classes));
    }

    /// The model in force.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    /// Fits a model to every customer known, as of today (it is not put in force).
    pub fn fit_model(&self) -> predict::Result<Model> {
        // In id order, so that the same data always gives the same floating-point sums.
        let mut summaries: Vec<&Summary> = self.entries.values().map(|e| &e.summary).collect();
        summaries.sort_unstable_by_key(|s| s.id);
        fit_summaries(summaries, self.today)
    }

    /// What a fit reads, copied out (in id order) so that it runs without the classifier: a
    /// shop shared by `kehu serve`'s sessions is not held for the length of a fit.
    pub fn fit_input(&self) -> (Vec<Summary>, NaiveDate) {
        let mut summaries: Vec<Summary> = self.entries.values().map(|e| e.summary.clone()).collect();
        summaries.sort_unstable_by_key(|s| s.id);
        (summaries, self.today)
    }

    /// The fingerprint of the data as of today, to compare with a stored model's.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.entries.values().map(|e| &e.summary), self.today)
    }

    /// The day classification is done as of.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The rules in force.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The population figures (quintile cuts, means, referral counts).
    pub fn population(&self) -> &Population {
        &self.pop
    }

    /// One customer's full profile with every reason, computed now (tens of microseconds).
    pub fn profile(&self, id: u64) -> Option<Profile> {
        let e = self.entries.get(&id)?;
        Some(classify_with(&e.summary, &self.pop, &self.rules, self.model.as_ref(), self.today))
    }

    /// [`Classifier::profile`] of each of `ids`, in their order, on every core (an export of
    /// every customer's classes spent two fifths of its time here on one core).
    pub fn profiles(&self, ids: &[u64]) -> Vec<Option<Profile>> {
        par_map(ids, |id| self.profile(*id))
    }

    /// One customer's classes, as kept: cheap, for lists, counts and filters.
    pub fn classes(&self, id: u64) -> Option<&Classes> {
        self.entries.get(&id).map(|e| &e.classes)
    }

    /// One customer's facts, as kept.
    pub fn summary(&self, id: u64) -> Option<&Summary> {
        self.entries.get(&id).map(|e| &e.summary)
    }

    /// Every class of a dimension with its count, share and revenue share.
    pub fn segments(&self, dim: Dimension) -> Vec<SegmentRow> {
        self.tallies.rows(dim, None)
    }

    /// [`Self::segments`] among the customers whose home branch is `branch` (None: everyone).
    pub fn segments_in(&self, dim: Dimension, branch: Option<crate::intern::Sym>) -> Vec<SegmentRow> {
        self.tallies.rows(dim, branch)
    }

    /// The follow-up queue: customers whose action is due, most urgent first (priority, then
    /// days overdue, then id so that the order is stable).
    pub fn follow_ups(&self) -> Vec<FollowUp> {
        self.follow_up_queue().into_iter().filter_map(|id| self.follow_up(id).cloned()).collect()
    }

    /// The ids of [`Classifier::follow_ups`], in its order, without copying a row: the console
    /// asks for it after every save and at midnight (copying every row cost 25–45 ms at 100k).
    pub fn follow_up_queue(&self) -> Vec<u64> {
        self.queue.ids()
    }

    /// One customer's row in the follow-up queue, when they are in it.
    pub fn follow_up(&self, id: u64) -> Option<&FollowUp> {
        self.entries.get(&id)?.classes.follow_up.as_deref()
    }

    /// The median amount of every counted purchase in the shop (returns netted, voids left
    /// out), or None without purchases: what the till's "ask above" limit follows.
    pub fn median_purchase(&self) -> Option<Money> {
        let mut amounts: Vec<i64> =
            self.entries.values().flat_map(|e| e.summary.purchases.iter().map(|p| p.amount.0)).collect();
        if amounts.is_empty() {
            return None;
        }
        let mid = amounts.len() / 2;
        Some(Money(*amounts.select_nth_unstable(mid).1))
    }

    /// The ids of every customer known.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.keys().copied()
    }

    /// Number of customers known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no customer is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The classes of a customer's facts against the current population and model.
    fn classes_of(&self, s: &Summary) -> (Classes, Steady) {
        classes_steady(s, &self.pop, &self.rules, self.model.as_ref(), self.today)
    }

    /// Takes a removed entry out of the population and the counts; returns who must be rechecked.
    fn forget(&mut self, old: &Entry) -> Vec<u64> {
        if let Some(m) = old.summary.metrics(self.today) {
            self.pop.subtract(old.summary.id, &m);
        }
        self.tallies.subtract(&old.classes);
        let mut touched = Vec::new();
        if let Some(r) = old.summary.referrer {
            self.pop.subtract_referral(r);
            touched.push(r);
        }
        touched
    }

    /// Reclassifies `ids` (except `skip`, already done) and moves their segment counts.
    fn refresh(&mut self, mut ids: Vec<u64>, skip: u64) {
        ids.sort_unstable();
        ids.dedup();
        for id in ids.into_iter().filter(|i| *i != skip) {
            let Some(e) = self.entries.get_mut(&id) else { continue };
            let (pop, rules, model, today) = (&self.pop, &self.rules, self.model.as_ref(), self.today);
            let (classes, steady) = classes_steady(&e.summary, pop, rules, model, today);
            e.steady = steady;
            if classes != e.classes {
                self.tallies.subtract(&e.classes);
                self.tallies.add(&classes);
                self.queue.replace(Some(&e.classes), Some(&classes));
                e.classes = classes;
            }
        }
    }

    /// Recomputes the population, every profile and every count from `summaries`.
    fn rebuild(&mut self, summaries: Vec<Summary>) {
        self.tallies = Tallies::default();
        self.pop = population_of(&summaries, self.today);
        let (pop, rules, model, today) = (&self.pop, &self.rules, self.model.as_ref(), self.today);
        let classes = par_map(&summaries, |s| classes_steady(s, pop, rules, model, today));
        self.entries = summaries
            .into_iter()
            .zip(classes)
            .map(|(summary, classified)| {
                self.tallies.add(&classified.0);
                (summary.id, Entry::new(summary, classified))
            })
            .collect();
        self.queue = Queue::of(self.entries.values().map(|e| &e.classes));
    }
}

/// The RFM population and referral counts of `summaries` as of `today`.
pub(super) fn population_of<'a, I>(summaries: I, today: NaiveDate) -> Population
where
    I: IntoIterator<Item = &'a Summary> + Clone,
{
    let buyers = summaries.clone().into_iter().filter_map(|s| Some((s.id, s.metrics(today)?)));
    let mut pop = Population::from_buyers(buyers);
    for r in summaries.into_iter().filter_map(|s| s.referrer) {
        pop.add_referral(r);
    }
    pop
}

/// How many threads start-up work is split over (the machine's cores, at most 8).
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over every item, on every core: classifying 100,000 customers is CPU-bound and each
/// customer is independent, so start-up and a new day take half the time on two cores.
pub(super) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads()).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> =
            items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// `f` on every item in place, on every core (see [`par_map`]).
fn par_each<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let chunk = items.len().div_ceil(threads()).max(1);
    std::thread::scope(|s| {
        for c in items.chunks_mut(chunk) {
            let f = &f;
            s.spawn(move || c.iter_mut().for_each(f));
        }
    });
}

/// Builds a [`Classifier`] from histories handed in one at a time (start-up streaming from the
/// store): only each customer's compact [`Summary`] is kept, never the histories themselves.
#[derive(Debug, Clone)]
pub struct ClassifierBuilder {
    pub(super) rules: Rules,
    pub(super) today: NaiveDate,
    // Keyed by id, so that a history given twice counts once (the last one wins).
    pub(super) summaries: HashMap<u64, Summary>,
}

impl Classifier {
    /// A builder to stream histories into (see [`ClassifierBuilder`]).
    pub fn builder(rules: Rules, today: NaiveDate) -> ClassifierBuilder {
        ClassifierBuilder { rules, today, summaries: HashMap::new() }
    }
}

impl ClassifierBuilder {
    /// Takes what classification needs of one history; the history can be dropped afterwards.
    pub fn push(&mut self, h: &History) {
        self.summaries.insert(h.customer.id, Summary::from_history(h));
    }

    /// Takes one customer's summary (a kept digest).
    pub fn push_summary(&mut self, s: Summary) {
        self.summaries.insert(s.id, s);
    }

    /// Number of customers pushed.
    pub fn len(&self) -> usize {
        self.summaries.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.summaries.is_empty()
    }

    /// The fingerprint the finished classifier will have, to compare with a stored model's
    /// before classifying (so that a matching model is in force from the first pass).
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.summaries.values(), self.today)
    }

    /// Fits a model to the customers pushed, exactly as [`Classifier::fit_model`] would on the
    /// finished classifier.
    pub fn fit_model(&self) -> predict::Result<Model> {
        self.fit_model_with(super::Choice::Auto)
    }

    /// [`Self::fit_model`] with the model in force as `choice` says.
    pub fn fit_model_with(&self, choice: super::Choice) -> predict::Result<Model> {
        super::model::fit_summaries_with(self.sorted(), self.today, choice)
    }

    /// Every customer's purchase days up to today, for the holdout check.
    pub fn purchase_days(&self) -> Vec<Vec<NaiveDate>> {
        super::purchase_days(self.sorted(), self.today)
    }

    /// The summaries in id order, so that the same data always gives the same sums.
    fn sorted(&self) -> Vec<&Summary> {
        let mut summaries: Vec<&Summary> = self.summaries.values().collect();
        summaries.sort_unstable_by_key(|s| s.id);
        summaries
    }

    /// Classifies everyone in one pass with `model` in force (None: no predictions).
    pub fn finish(self, model: Option<Model>) -> Classifier {
        let mut c = Classifier::new(self.rules, self.today);
        c.model = model;
        c.rebuild(self.summaries.into_values().collect());
        c
    }
}
