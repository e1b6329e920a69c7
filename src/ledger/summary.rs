//! The shop's side of the member accounts (`kehu ledger --summary`): what it owes in stored
//! value (the outstanding liability) and in points, and what moved to date.

use crate::domain::{Account, Balances, EntryKind, LedgerEntry, Money};

/// Totals over every member's entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Members holding stored value, and its total: what the shop owes them.
    pub members_with_value: u64,
    pub stored: Money,
    /// Members holding points, and their total.
    pub members_with_points: u64,
    pub points: i64,
    /// Stored value paid in, given as bonus, spent at the till and given back by returns.
    pub topped_up: Money,
    pub bonus: Money,
    pub paid: Money,
    pub refunded: Money,
    /// Points earned (net of returns), redeemed and expired.
    pub earned: i64,
    pub redeemed: i64,
    pub expired: i64,
}

impl Summary {
    /// Takes in one member's entries.
    pub fn add(&mut self, entries: &[LedgerEntry]) {
        let b = Balances::of(entries);
        if b.stored.0 != 0 {
            self.members_with_value += 1;
            self.stored += b.stored;
        }
        if b.points != 0 {
            self.members_with_points += 1;
            self.points += b.points;
        }
        for e in entries {
            self.moved(e);
        }
    }

    /// Takes in what moved on `day` of one member's entries, not their balances: the ledger's
    /// side of the day's close (top-ups, bonuses, payments from balances and what returns gave
    /// back, points earned, redeemed and expired).
    pub fn add_day(&mut self, entries: &[LedgerEntry], day: chrono::NaiveDate) {
        for e in entries.iter().filter(|e| e.date == day) {
            self.moved(e);
        }
    }

    /// Counts one entry where it belongs.
    fn moved(&mut self, e: &LedgerEntry) {
        let m = Money(e.amount);
        match (e.account, e.kind) {
            (Account::StoredValue, EntryKind::TopUp) => self.topped_up += m,
            (Account::StoredValue, EntryKind::Bonus) => self.bonus += m,
            (Account::StoredValue, _) if e.purchase.is_some() && e.amount < 0 => {
                self.paid += Money(-e.amount)
            }
            (Account::StoredValue, _) if e.purchase.is_some() => self.refunded += m,
            (Account::Points, EntryKind::Redeem) => self.redeemed -= e.amount,
            (Account::Points, EntryKind::Expire) => self.expired -= e.amount,
            // Points earned net of what returns and voids took back (points paid are spent).
            (Account::Points, _) if e.purchase.is_some() && e.kind != EntryKind::Pay => {
                self.earned += e.amount
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_day_counts_only_what_moved_that_day() {
        let (d1, d2) =
            (NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 5, 2).unwrap());
        let top = LedgerEntry::new(1, Account::StoredValue, EntryKind::TopUp, 50_000, d1);
        let pay = LedgerEntry {
            purchase: Some(9),
            ..LedgerEntry::new(1, Account::StoredValue, EntryKind::Pay, -12_000, d2)
        };
        let mut s = Summary::default();
        s.add_day(&[top, pay], d2);
        assert_eq!(
            (s.topped_up, s.paid, s.stored, s.members_with_value),
            (Money::ZERO, Money(12_000), Money::ZERO, 0)
        );
    }

    #[test]
    fn the_liability_is_what_members_hold() {
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let e = |customer, account, kind, amount, purchase| LedgerEntry {
            purchase,
            ..LedgerEntry::new(customer, account, kind, amount, day)
        };
        let mut s = Summary::default();
        s.add(&[
            e(1, Account::StoredValue, EntryKind::TopUp, 50_000, None),
            e(1, Account::StoredValue, EntryKind::Bonus, 5_000, None),
            e(1, Account::StoredValue, EntryKind::Pay, -12_000, Some(9)),
            e(1, Account::Points, EntryKind::Earn, 120, Some(9)),
        ]);
        s.add(&[e(2, Account::Points, EntryKind::Redeem, 0, None)]);
        assert_eq!((s.members_with_value, s.stored), (1, Money(43_000)));
        assert_eq!((s.topped_up, s.bonus, s.paid), (Money(50_000), Money(5_000), Money(12_000)));
        assert_eq!((s.members_with_points, s.points, s.earned), (1, 120, 120));
    }
}
