//! The console's in-memory copy of the customers: one [`Row`] per customer with the fields the
//! list shows, and the search index over them (keys built once per save, never per keystroke).

use crate::classify::{Activity, Classes, Classifier, Lifecycle, Tier};
use crate::domain::{Customer, Money};
use crate::search::SearchKeys;
use chrono::Datelike;
use chrono::NaiveDate;
use std::sync::Arc;

/// One customer as the list and the search see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stored record (kept whole so that a tag can be saved without a read); boxed so that
    /// a row inserted or removed in the middle moves 64 bytes per later row, not 400.
    pub customer: Box<Customer>,
    /// Sort keys that only depend on the customer's own records (never on the population).
    pub facts: Facts,
}

/// The per-customer figures the list sorts by, refreshed whenever the customer is saved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    /// Membership tier.
    pub tier: Tier,
    /// Lifecycle stage.
    pub lifecycle: Lifecycle,
    /// Buying activity.
    pub activity: Activity,
    /// Day of the last purchase.
    pub last_purchase: Option<NaiveDate>,
    /// Spend in the trailing window.
    pub spend_365: Money,
    /// BG/NBD P(alive), when a model is fitted and the customer has bought.
    pub p_alive: Option<f64>,
    /// BG/NBD expected purchases in the next 90 days.
    pub expected_90d: Option<f64>,
    /// Stored value held (储值).
    pub stored_value: Money,
}

impl Facts {
    /// The facts of a customer's classes.
    pub fn of(p: &Classes) -> Facts {
        Facts {
            tier: p.tier,
            lifecycle: p.lifecycle,
            activity: p.activity,
            last_purchase: p.last_purchase,
            spend_365: p.spend_365,
            p_alive: p.p_alive,
            expected_90d: p.expected_90d,
            stored_value: p.stored_value,
        }
    }
}

impl Facts {
    /// The facts of a customer's classes; without them, those of a customer who never bought.
    pub fn or_none(p: Option<&Classes>) -> Facts {
        p.map(Facts::of).unwrap_or(Facts {
            tier: Tier::Normal,
            lifecycle: Lifecycle::Potential,
            activity: Activity::Never,
            last_purchase: None,
            spend_365: Money::ZERO,
            p_alive: None,
            expected_90d: None,
            stored_value: Money::ZERO,
        })
    }
}

impl Row {
    /// Builds the row of a customer; `profile` gives the sort facts.
    pub fn new(customer: Customer, profile: Option<&Classes>) -> Row {
        Row { customer: Box::new(customer), facts: Facts::or_none(profile) }
    }

    /// The customer's id.
    pub fn id(&self) -> u64 {
        self.customer.id
    }
}

/// Every customer's row, by id, and the id order.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Rows in id order, beside `ids`: a hash map's empty slots cost a 100,000-customer shop
    /// ~11 MB of rows, and growing it held two tables at once while loading.
    rows: Vec<Row>,
    ids: Vec<u64>,
    /// Search keys, built once per save; shared with the search thread (copy on write).
    index: Arc<SearchKeys>,
}

impl PartialEq for Model {
    /// The same rows (the search index follows from them).
    fn eq(&self, other: &Model) -> bool {
        self.ids == other.ids && self.rows == other.rows
    }
}

/// How recent a customer is for search ties: the day of their last purchase, else of their
/// last change.
fn recency(customer: &Customer, profile: Option<&Classes>) -> i32 {
    profile.and_then(|p| p.last_purchase).unwrap_or_else(|| customer.updated.date_naive()).num_days_from_ce()
}

impl Model {
    /// The rows of `customers`, with facts from the classifier; without one (start-up, before
    /// the classes are known) every row has the facts of a customer who never bought. Each
    /// customer is indexed as it comes, so a loader can build this while still reading.
    pub fn build(customers: impl IntoIterator<Item = Customer>, clf: Option<&Classifier>) -> Model {
        let mut m = Model::default();
        let mut keys = SearchKeys::default();
        for c in customers {
            let p = clf.and_then(|clf| clf.classes(c.id));
            keys.upsert(&c, recency(&c, p));
            m.rows.push(Row::new(c, p));
        }
        // The store gives ids in order; anything else is sorted, a later copy of an id winning.
        if !m.rows.is_sorted_by(|a, b| a.id() < b.id()) {
            m.rows.sort_by_key(Row::id);
            m.rows.reverse();
            m.rows.dedup_by_key(|r| r.id());
            m.rows.reverse();
        }
        m.rows.shrink_to_fit();
        m.ids = m.rows.iter().map(Row::id).collect();
        m.index = Arc::new(keys);
        m
    }

    /// Recomputes every row's sort facts from the classifier (after the model changed).
    pub fn refresh_facts(&mut self, clf: &Classifier) {
        // Ids from `ids`, not the boxed records: a pointer chase per row saved, every midnight.
        for (id, row) in self.ids.iter().zip(self.rows.iter_mut()) {
            if let Some(p) = clf.classes(*id) {
                row.facts = Facts::of(p);
            }
        }
    }

    /// Takes the classes of every row from the classifier: sort facts and search recency (rows
    /// built before the classes were known, see [`Model::build`]).
    pub fn refresh_classes(&mut self, clf: &Classifier) {
        let keys = Arc::make_mut(&mut self.index);
        for row in self.rows.iter_mut() {
            let p = clf.classes(row.customer.id);
            row.facts = Facts::or_none(p);
            keys.set_recency(row.customer.id, recency(&row.customer, p));
        }
    }

    /// Replaces (or adds) one customer's row.
    pub fn upsert(&mut self, customer: Customer, profile: Option<&Classes>) {
        let id = customer.id;
        // Copies the keys only if a search is reading them right now.
        Arc::make_mut(&mut self.index).upsert(&customer, recency(&customer, profile));
        let row = Row::new(customer, profile);
        match self.ids.binary_search(&id) {
            Ok(at) => self.rows[at] = row,
            Err(at) => {
                self.ids.insert(at, id);
                self.rows.insert(at, row);
            }
        }
    }

    /// Forgets a customer (merged away or deleted); unknown ids are ignored.
    pub fn remove(&mut self, id: u64) {
        if self.get(id).is_none() {
            return;
        }
        Arc::make_mut(&mut self.index).remove(id);
        if let Ok(at) = self.ids.binary_search(&id) {
            self.ids.remove(at);
            self.rows.remove(at);
        }
    }

    /// The search keys as they are now, for a search to run on (on another thread).
    pub fn search_keys(&self) -> Arc<SearchKeys> {
        Arc::clone(&self.index)
    }

    /// One row.
    pub fn get(&self, id: u64) -> Option<&Row> {
        self.ids.binary_search(&id).ok().map(|at| &self.rows[at])
    }

    /// Every row, in id order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every id, ascending.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// How many customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
