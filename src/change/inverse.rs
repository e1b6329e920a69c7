//! The change that takes a committed change back: what undo applies.
//!
//! An inverse is computed when the change is committed (from what it replaced) and kept with
//! its audit entry, so that undo needs nothing but the log. Revisions are not put back: they
//! are concurrency tokens and only move forward, so a change taken back leaves the records as
//! they were with a later revision.

use super::{Applied, Change, Committed, Replaced, Unmerge};
use crate::domain::Customer;

impl Change {
    /// The change that takes this one back once committed as `done`; `None` for what cannot
    /// be taken back (a batch: an import or demo data; a phone reveal; an id reservation).
    pub fn inverse(&self, done: &Committed) -> Option<Change> {
        match (self, &done.replaced, &done.applied) {
            (Change::SaveCustomer(_), Replaced::Customer(None), Applied::Customer(now)) => {
                Some(Change::DeleteCustomer { id: now.id, revision: now.revision })
            }
            (Change::SaveCustomer(_), Replaced::Customer(Some(was)), Applied::Customer(now)) => {
                Some(Change::SaveCustomer(Customer { revision: now.revision, ..(**was).clone() }))
            }
            (Change::SaveCustomers(_) | Change::RenameTag { .. }, Replaced::Customers(was), _) => {
                // Each was saved once: its revision moved on by one.
                let back = was.iter().map(|c| Customer { revision: c.revision.wrapping_add(1), ..c.clone() });
                Some(Change::SaveCustomers(back.collect()))
            }
            (Change::DeleteCustomer { .. }, Replaced::Customer(Some(was)), _) => {
                Some(Change::SaveCustomer((**was).clone()))
            }
            (Change::AddPurchase(_), _, Applied::Purchase(p)) => Some(Change::RemovePurchase(p.clone())),
            (Change::RemovePurchase(p), _, _) => Some(Change::AddPurchase(p.clone())),
            (Change::ReplacePurchase { before, after }, _, _) => {
                Some(Change::ReplacePurchase { before: after.clone(), after: before.clone() })
            }
            (Change::AddInteraction(_), _, Applied::Interaction(i)) => {
                Some(Change::RemoveInteraction(i.clone()))
            }
            (Change::RemoveInteraction(i), _, _) => Some(Change::AddInteraction(i.clone())),
            (Change::ReplaceInteraction { before, after }, _, _) => {
                Some(Change::ReplaceInteraction { before: after.clone(), after: before.clone() })
            }
            (Change::Merge { .. }, Replaced::Merged(un), _) => Some(Change::Unmerge(un.clone())),
            (Change::Unmerge(un), Replaced::Customer(Some(merged)), _) => Some(Change::Merge {
                // The survivor as the merge left it, at its revision after the unmerge.
                survivor: Customer { revision: merged.revision.wrapping_add(1), ..(**merged).clone() },
                loser: un.loser.id,
            }),
            (Change::NotDuplicate { a, b, not }, _, _) => {
                Some(Change::NotDuplicate { a: *a, b: *b, not: !not })
            }
            (Change::Setting { key, .. }, Replaced::Setting(was), _) => {
                Some(Change::Setting { key: key.clone(), value: was.clone() })
            }
            (Change::Undo { .. }, _, _) => None,
            // Nothing was done by a replay; a keyed change is taken back as its change is.
            (Change::Keyed { .. }, _, Applied::Replayed(_)) => None,
            (Change::Keyed { change, .. }, _, _) => change.inverse(done),
            // Entries are never taken out: the undo writes each one's opposite.
            (Change::Ledger(_), _, Applied::Entries(saved)) => {
                Some(Change::Ledger(saved.iter().map(reversal).collect()))
            }
            _ => None,
        }
    }
}

/// The entry that cancels `e` (an undo's), on the same account and day.
fn reversal(e: &crate::domain::LedgerEntry) -> crate::domain::LedgerEntry {
    let mut back = crate::domain::LedgerEntry::new(
        e.customer,
        e.account,
        crate::domain::EntryKind::Undo,
        e.amount.saturating_neg(),
        e.date,
    );
    back.note = format!("#{}", e.id);
    back.branch = e.branch.clone();
    back
}

impl Unmerge {
    /// The customers an unmerge touches besides the survivor (the loser, and those it referred).
    pub fn others(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.loser.id).chain(self.referred.iter().copied())
    }
}
