//! Small builders for the classifier's unit tests.

use super::summary::{ContactFact, PurchaseFact};
use crate::domain::{Channel, InteractionKind, Money};
use chrono::{Days, NaiveDate};

/// A date that is known to be valid.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// Purchases of 10.00 each, made the given numbers of days before `today`.
pub fn buys(today: NaiveDate, days_ago: &[u64]) -> Vec<PurchaseFact> {
    spent(today, &days_ago.iter().map(|d| (*d, Money::units(10))).collect::<Vec<_>>())
}

/// Purchases of the given amounts, made the given numbers of days before `today`.
pub fn spent(today: NaiveDate, items: &[(u64, Money)]) -> Vec<PurchaseFact> {
    let mut ps: Vec<PurchaseFact> = items
        .iter()
        .map(|(ago, amount)| PurchaseFact {
            day: today - Days::new(*ago),
            amount: *amount,
            quantity: 1,
            promo: false,
            channel: Channel::Store,
            category: crate::intern::Sym::empty(),
        })
        .collect();
    ps.sort();
    ps
}

/// An interaction of `kind` on `day` with nothing else recorded.
pub fn contact(day: NaiveDate, kind: InteractionKind) -> ContactFact {
    ContactFact { day, id: 1, kind, rating: None, complaint: None, follow_up: None, reached: true }
}
