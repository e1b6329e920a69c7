//! Opening the points ledger of a database kept before it: each member starts with the points
//! the console showed them until then (all-time net spend × `points_per_unit` − points
//! redeemed, never below zero), as one `opening` entry dated the day of the upgrade.
//! `Customer::points_redeemed` is counted there, once; afterwards it is history (imported and
//! exported as before) and redemptions are ledger entries.

use crate::classify::Rules;
use crate::domain::{Account, EntryKind, History, LedgerEntry, Money, net_purchases};
use chrono::NaiveDate;

/// The opening entry of `h`, or None when the member had no points.
pub fn entry(h: &History, rules: &Rules, date: NaiveDate) -> Option<LedgerEntry> {
    let spend: Money = net_purchases(&h.purchases).iter().map(|n| n.amount).sum();
    let points = crate::classify::points(spend, h.customer.points_redeemed, rules).max(0);
    (points > 0).then(|| LedgerEntry::new(h.customer.id, Account::Points, EntryKind::Opening, points, date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Customer, Purchase};

    #[test]
    fn the_points_shown_before_become_the_opening_balance() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap();
        let mut c = Customer::new("王小明", chrono::DateTime::UNIX_EPOCH).unwrap();
        c.id = 1;
        c.points_redeemed = 120;
        let mut h = History::of(c);
        h.purchases.push(Purchase { id: 2, ..Purchase::new(1, day, Money(12_345), 2).unwrap() });
        let e = entry(&h, &Rules::default(), day).unwrap();
        assert_eq!((e.kind, e.amount, e.customer), (EntryKind::Opening, 3, 1));
        h.customer.points_redeemed = 500;
        assert_eq!(entry(&h, &Rules::default(), day), None, "never below zero");
    }
}
