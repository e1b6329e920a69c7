//! Preferences: the category the customer spends most on and the channel they buy through most.

use super::Classed;
use super::reason::class;
use super::summary::PurchaseFact;
use crate::domain::{Channel, Money};
use std::collections::BTreeMap;

/// The category with the highest all-time spend (ties: alphabetically first); purchases without
/// a category are left out.
pub fn top_category(purchases: &[PurchaseFact]) -> Classed<Option<String>> {
    let mut by: BTreeMap<&str, Money> = BTreeMap::new();
    for p in purchases.iter().filter(|p| !p.category.is_empty()) {
        *by.entry(p.category.as_str()).or_default() += p.amount;
    }
    let total: Money = by.values().copied().sum();
    // max_by keeps the last of equals, so iterate in reverse to keep the alphabetically first.
    match by.iter().rev().max_by_key(|(_, m)| **m) {
        None => Classed::new(None, reason!("{} — no purchase with a category", class("none"))),
        Some((cat, spend)) => {
            let pct = if total.0 > 0 { spend.0 as f64 * 100.0 / total.0 as f64 } else { 0.0 };
            Classed::new(
                Some(cat.to_string()),
                reason!("{} — {} of {} spent ({}%)", *cat, *spend, total, format!("{pct:.0}")),
            )
        }
    }
}

/// The channel with the most purchases (ties: the first in store, online, phone, other).
pub fn top_channel(purchases: &[PurchaseFact]) -> Classed<Option<Channel>> {
    let mut by: BTreeMap<Channel, u32> = BTreeMap::new();
    for p in purchases {
        *by.entry(p.channel).or_default() += 1;
    }
    match by.iter().rev().max_by_key(|(_, n)| **n) {
        None => Classed::new(None, reason!("{} — no purchase yet", class("none"))),
        Some((ch, n)) => {
            let reason = if *n == 1 {
                reason!("{} — {} purchase of {}", *ch, *n, purchases.len())
            } else {
                reason!("{} — {} purchases of {}", *ch, *n, purchases.len())
            };
            Classed::new(Some(*ch), reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{day, spent};

    #[test]
    fn category_by_spend_channel_by_count() {
        // Sorted oldest first: the 500 purchase (1 day ago) is last.
        let mut ps = spent(day(2024, 6, 30), &[(3, Money(100)), (2, Money(100)), (1, Money(500))]);
        ps[0].category = "tea".into();
        ps[1].category = "tea".into();
        ps[2].category = "cups".into();
        ps[2].channel = Channel::Online;
        let c = top_category(&ps);
        assert_eq!(c.class.as_deref(), Some("cups"));
        assert_eq!(c.reason, "cups — 5.00 of 7.00 spent (71%)");
        let ch = top_channel(&ps);
        assert_eq!(ch.class, Some(Channel::Store));
        assert_eq!(ch.reason, "store — 2 purchases of 3");
    }

    #[test]
    fn ties_are_broken_the_same_way_every_time() {
        let mut ps = spent(day(2024, 6, 30), &[(1, Money(100)), (2, Money(100))]);
        ps[0].category = "b".into();
        ps[1].category = "a".into();
        ps[1].channel = Channel::Online;
        assert_eq!(top_category(&ps).class.as_deref(), Some("a"));
        assert_eq!(top_channel(&ps).class, Some(Channel::Store));
        assert_eq!(top_category(&[]).class, None);
    }
}
