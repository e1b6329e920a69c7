//! Stamping a change's new records with the branch they were made at.
//!
//! Only records a change adds are stamped, and only where they name no branch yet: a
//! correction keeps the branch of the sale it corrects, an undo puts back what was stored, and
//! an imported row that names its branch keeps it. Ledger entries the store posts for a
//! purchase take the purchase's branch (see [`crate::domain::ledger`]).

use super::{Change, ChangeSet};

/// Sets an empty branch to `branch`.
fn stamp(field: &mut String, branch: &str) {
    if field.is_empty() {
        field.push_str(branch);
    }
}

impl Change {
    /// Gives every record this change adds that names no branch the branch `branch`.
    pub fn stamp_branch(&mut self, branch: &str) {
        match self {
            Change::AddPurchase(p) => stamp(&mut p.branch, branch),
            Change::AddInteraction(i) => stamp(&mut i.branch, branch),
            Change::Ledger(entries) => entries.iter_mut().for_each(|e| stamp(&mut e.branch, branch)),
            Change::Keyed { change, .. } => change.stamp_branch(branch),
            Change::Batch { set, .. } => set.stamp_branch(branch),
            _ => {}
        }
    }
}

impl ChangeSet {
    /// Gives every record of the set that names no branch the branch `branch`.
    pub fn stamp_branch(&mut self, branch: &str) {
        self.purchases.iter_mut().for_each(|p| stamp(&mut p.branch, branch));
        self.interactions.iter_mut().for_each(|i| stamp(&mut i.branch, branch));
        self.ledger.iter_mut().for_each(|e| stamp(&mut e.branch, branch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, EntryKind, LedgerEntry, Money, Purchase};
    use chrono::NaiveDate;

    fn sale() -> Purchase {
        Purchase::new(1, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), Money(100), 1).unwrap()
    }

    #[test]
    fn only_new_records_without_a_branch_are_stamped() {
        let mut keyed = Change::Keyed { key: "k".into(), change: Box::new(Change::AddPurchase(sale())) };
        keyed.stamp_branch("east");
        let Change::Keyed { change, .. } = &keyed else { unreachable!() };
        assert!(matches!(&**change, Change::AddPurchase(p) if p.branch == "east"));

        let mut named = sale();
        named.branch = "west".into();
        let mut add = Change::AddPurchase(named.clone());
        add.stamp_branch("east");
        assert_eq!(add, Change::AddPurchase(named.clone()), "a named branch is kept");

        let mut fix = Change::ReplacePurchase { before: sale(), after: sale() };
        fix.stamp_branch("east");
        assert_eq!(
            fix,
            Change::ReplacePurchase { before: sale(), after: sale() },
            "a correction keeps its branch"
        );

        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let mut set = ChangeSet {
            purchases: vec![sale(), named],
            ledger: vec![LedgerEntry::new(1, Account::Points, EntryKind::Adjust, 5, day)],
            ..ChangeSet::default()
        };
        set.stamp_branch("east");
        let branches: Vec<&str> = set.purchases.iter().map(|p| p.branch.as_str()).collect();
        assert_eq!(branches, ["east", "west"]);
        assert_eq!(set.ledger[0].branch, "east");
    }
}
