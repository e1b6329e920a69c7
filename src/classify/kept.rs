//! The shop's segment counts as kept in the store: what `kehu segments` prints, stamped with
//! what they were computed from, so that a command finds them without classifying the shop.
//!
//! They are a checked copy, never a source: valid only for the database's last change, the same
//! day and the same rules (the model in force is a stored setting, so a refit is a change too).
//! Whoever classifies the whole shop leaves them behind for the next reader; an edit by anyone
//! moves the database past them, and the next reader classifies afresh and keeps the new ones.
//! `kehu check` compares kept counts that are current with a fresh build.

use super::engine::Classifier;
use super::model::Model;
use super::population::{Population, PopulationFigures};
use super::profile::{Profile, classify_with};
use super::rules::Rules;
use super::segments::{Dimension, SegmentRow};
use super::summary::Summary;
use chrono::NaiveDate;

/// What kept figures were computed from: they hold only while all three are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The database's last change (its journal position) when they were computed.
    pub change: u64,
    /// "Today" of the classification.
    pub today: NaiveDate,
    /// [`rules_fingerprint`] of the rules in force.
    pub rules: u64,
}

/// Every dimension's segment rows of a classified shop.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmented {
    pub stamp: Stamp,
    /// Customers classified.
    pub customers: u64,
    /// Per dimension (in [`Dimension::ALL`] order): its rows.
    pub rows: Vec<(Dimension, Vec<SegmentRow>)>,
    /// Why there are no predictions, when there are none (said again to whoever reads them).
    pub note: Option<String>,
    /// What scores, means and referral counts were decided by (see [`Population::figures`]).
    pub population: PopulationFigures,
    /// Whether the stored model was in force (else there were no predictions).
    pub with_model: bool,
}

impl Segmented {
    /// The segment rows of a finished classifier, stamped.
    pub fn of(clf: &Classifier, change: u64, note: Option<String>) -> Segmented {
        let stamp = Stamp { change, today: clf.today(), rules: rules_fingerprint(clf.rules()) };
        let rows = Dimension::ALL.iter().map(|d| (*d, clf.segments(*d))).collect();
        let (population, with_model) = (clf.pop.figures(), clf.model.is_some());
        Segmented { stamp, customers: clf.len() as u64, rows, note, population, with_model }
    }

    /// The segment rows of the customers whose home branch is `branch`, stamped (never kept:
    /// the kept counts are the whole shop's).
    pub fn of_branch(clf: &Classifier, change: u64, branch: crate::intern::Sym) -> Segmented {
        let mut all = Segmented::of(clf, change, None);
        all.rows = Dimension::ALL.iter().map(|d| (*d, clf.segments_in(*d, Some(branch)))).collect();
        all.customers = all.rows(Dimension::Lifecycle).iter().map(|r| r.count).sum();
        all
    }

    /// One customer's full profile, as the classifier these counts came from would give it:
    /// against the kept population, with `model` (the stored one when [`Segmented::with_model`]).
    pub fn profile(&self, s: &Summary, rules: &Rules, model: Option<&Model>) -> Profile {
        let pop = Population::frozen(self.population.0, &self.population.1);
        classify_with(s, &pop, rules, model.filter(|_| self.with_model), self.stamp.today)
    }

    /// The rows of one dimension.
    pub fn rows(&self, d: Dimension) -> &[SegmentRow] {
        self.rows.iter().find(|(dim, _)| *dim == d).map_or(&[], |(_, rows)| rows.as_slice())
    }
}

/// A fingerprint of the rules: FNV-1a over their full debug text, which names every threshold
/// and the whole playbook (a change of any rule changes it).
pub fn rules_fingerprint(rules: &Rules) -> u64 {
    format!("{rules:?}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}
