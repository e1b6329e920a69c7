//! The console's in-memory copy of the customers: one [`Row`] per customer with the fields the
//! list shows and a search key built once per save (never per keystroke).

use crate::classify::{Activity, Classifier, Lifecycle, Profile, Tier};
use crate::domain::{Customer, History, Money};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::ops::Range;

/// One customer as the list and the search see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stored record (kept whole so that a tag can be saved without a read).
    pub customer: Customer,
    /// Lowercased, ASCII-folded `name phone email ref tags`, one char per source char.
    pub key: String,
    /// Char range of the name within `key`, to map match positions back for highlighting.
    pub name_chars: Range<usize>,
    /// Char range of the phone within `key`.
    pub phone_chars: Range<usize>,
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
}

impl Facts {
    /// The facts of a profile.
    pub fn of(p: &Profile) -> Facts {
        Facts {
            tier: p.tier.class,
            lifecycle: p.lifecycle.class,
            activity: p.activity.class,
            last_purchase: p.last_purchase,
            spend_365: p.spend_365,
            p_alive: p.p_alive,
            expected_90d: p.expected_purchases_90d,
        }
    }
}

impl Row {
    /// Builds the row of a customer; `profile` gives the sort facts.
    pub fn new(customer: Customer, profile: Option<&Profile>) -> Row {
        let mut key = String::new();
        let mut n = 0usize;
        let mut push = |key: &mut String, s: &str| -> Range<usize> {
            if n > 0 {
                key.push(' ');
                n += 1;
            }
            let start = n;
            for c in s.chars() {
                key.push(fold(c));
                n += 1;
            }
            start..n
        };
        let name_chars = push(&mut key, &customer.name);
        let phone_chars = push(&mut key, customer.phone.as_ref().map_or("", |p| p.as_str()));
        push(&mut key, customer.email.as_ref().map_or("", |e| e.as_str()));
        push(&mut key, customer.reference.as_deref().unwrap_or(""));
        for t in &customer.tags {
            push(&mut key, t);
        }
        let facts = profile.map(Facts::of).unwrap_or(Facts {
            tier: Tier::Normal,
            lifecycle: Lifecycle::Potential,
            activity: Activity::Never,
            last_purchase: None,
            spend_365: Money::ZERO,
            p_alive: None,
            expected_90d: None,
        });
        Row { customer, key, name_chars, phone_chars, facts }
    }

    /// The customer's id.
    pub fn id(&self) -> u64 {
        self.customer.id
    }
}

/// Folds one character for matching: lowercase, full-width forms to ASCII, common Latin accents
/// dropped. Always one char for one char, so match positions index the original text too.
pub fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    let lower = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        let mut l = c.to_lowercase();
        match (l.next(), l.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    };
    match lower {
        'à'..='å' | 'ā' | 'ǎ' => 'a',
        'ç' => 'c',
        'è'..='ë' | 'ē' | 'ě' => 'e',
        'ì'..='ï' | 'ī' | 'ǐ' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ǒ' => 'o',
        'ù'..='ü' | 'ū' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Folds a whole string (a query) the same way as the keys.
pub fn fold_str(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// Every customer's row, by id, and the id order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    rows: HashMap<u64, Row>,
    ids: Vec<u64>,
}

impl Model {
    /// The rows of these histories, with facts from the classifier.
    pub fn build(histories: &[History], clf: &Classifier) -> Model {
        let mut m = Model::default();
        for h in histories {
            let p = clf.profile(h.customer.id);
            m.rows.insert(h.customer.id, Row::new(h.customer.clone(), p.as_ref()));
        }
        m.ids = m.rows.keys().copied().collect();
        m.ids.sort_unstable();
        m
    }

    /// Recomputes every row's sort facts from the classifier (after the model changed).
    pub fn refresh_facts(&mut self, clf: &Classifier) {
        for row in self.rows.values_mut() {
            if let Some(p) = clf.profile(row.customer.id) {
                row.facts = Facts::of(&p);
            }
        }
    }

    /// Replaces (or adds) one customer's row.
    pub fn upsert(&mut self, customer: Customer, profile: Option<&Profile>) {
        let id = customer.id;
        if self.rows.insert(id, Row::new(customer, profile)).is_none()
            && let Err(at) = self.ids.binary_search(&id)
        {
            self.ids.insert(at, id);
        }
    }

    /// Forgets a customer (merged away or deleted); unknown ids are ignored.
    pub fn remove(&mut self, id: u64) {
        if self.rows.remove(&id).is_some()
            && let Ok(at) = self.ids.binary_search(&id)
        {
            self.ids.remove(at);
        }
    }

    /// One row.
    pub fn get(&self, id: u64) -> Option<&Row> {
        self.rows.get(&id)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_one_char_per_char() {
        assert_eq!(fold_str("Ｌｉ Ｎá 王"), "li na 王");
        let c = Customer::new("Émile 王", chrono::DateTime::UNIX_EPOCH).unwrap();
        let r = Row::new(c, None);
        assert_eq!(&r.key[..], "emile 王   ");
        assert_eq!(r.name_chars, 0..7);
    }
}
