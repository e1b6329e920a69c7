//! Every way kehu writes, as data: a typed [`Change`] per kind of edit, what applying it gave
//! ([`Committed`]), the audit entries it leaves ([`audit`]) and the change that takes it back
//! ([`inverse`]).
//!
//! A store applies a change, its audit entries and (on sled) its journal entry in one
//! transaction: see [`crate::store::Store::commit`]. Nothing else writes, so the console, `kehu
//! serve` and every command are audited, journaled and undoable alike. Changes are also stored
//! (as JSON, in the audit entry of the change they take back), so they derive serde.

pub mod audit;
mod branch;
pub mod inverse;
pub mod undo;

pub use audit::AuditEntry;

use crate::domain::{Customer, Interaction, LedgerEntry, Purchase};
use serde::{Deserialize, Serialize};

/// A set of new and changed records written all together or not at all (imports, demo data).
///
/// Ids must already be assigned (see [`Change::ReserveIds`]), so that purchases can refer to
/// customers created in the same change set; records with id 0 get fresh ids.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    pub customers: Vec<Customer>,
    pub purchases: Vec<Purchase>,
    pub interactions: Vec<Interaction>,
    /// Entries on members' accounts beside what the purchases post (top-ups, redemptions):
    /// written after the purchases, ids given by the store.
    #[serde(default)]
    pub ledger: Vec<LedgerEntry>,
}

/// One edit, as the store is asked to make it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// Adds a customer (id 0: the store assigns one) or replaces one; a replacement whose
    /// `revision` differs from the stored one is refused as stale.
    SaveCustomer(Customer),
    /// Replaces several customers at once, each as [`Change::SaveCustomer`] (what a tag
    /// rename's undo puts back).
    SaveCustomers(Vec<Customer>),
    /// Adds a purchase (id 0: the store assigns one) to an existing customer; with `refund_of`
    /// set, a return of (part of) that sale, refused when it gives back more than is left.
    AddPurchase(Purchase),
    /// Replaces purchase `before` (as the operator saw it) by `after`, the same record
    /// corrected, voided or unvoided; refused when the stored one is no longer `before`.
    ReplacePurchase { before: Purchase, after: Purchase },
    /// Takes an added purchase back out, as stored (an undo; nothing else removes records).
    RemovePurchase(Purchase),
    /// Adds an interaction (id 0: the store assigns one) to an existing customer.
    AddInteraction(Interaction),
    /// Replaces interaction `before` by `after`: edited, voided, a complaint resolved.
    ReplaceInteraction { before: Interaction, after: Interaction },
    /// Takes an added interaction back out, as stored (an undo).
    RemoveInteraction(Interaction),
    /// Writes many records at once, all or nothing; `source` says where they came from
    /// ("import customers.csv", "demo data") in the audit log.
    Batch { set: ChangeSet, source: String },
    /// Merges customer `loser` into `survivor` (see [`crate::store::Store::merge`]).
    Merge { survivor: Customer, loser: u64 },
    /// Gives back the customer a merge took and the records it moved (a merge's undo).
    Unmerge(Box<Unmerge>),
    /// Deletes a customer without history (see [`crate::store::Store::delete_customer`]).
    DeleteCustomer { id: u64, revision: u64 },
    /// Marks customers `a` and `b` as not the same person (`not`), or takes the mark back.
    NotDuplicate { a: u64, b: u64, not: bool },
    /// Renames tag `from` to `to` on every customer who has it.
    RenameTag { from: String, to: String },
    /// Sets (or, with `None`, removes) a value of the settings (saved segments, model fits).
    Setting { key: String, value: Option<Vec<u8>> },
    /// Records that an operator revealed a customer's phone (audit only).
    RevealPhone { customer: u64 },
    /// Reserves `n` consecutive fresh ids (shared by every record kind) for a change set.
    ReserveIds(u64),
    /// Takes back change number `seq` (`what` it was, for the log) by applying `change`, its
    /// inverse.
    Undo { seq: u64, what: String, change: Box<Change> },
    /// Records that an operator tried `what` (an action's words, "merge customers") and was
    /// refused: it needs role `needs` and they work as `role` (audit only, about `customer`
    /// when there was one). Last, as every variant added after the first stored undo is.
    Refused { customer: Option<u64>, what: String, needs: crate::domain::Role, role: crate::domain::Role },
    /// Records a campaign: its list was made (audit: how many it holds, how many were left out
    /// for want of consent). Campaigns are history, never taken back.
    Campaign(Box<crate::domain::Campaign>),
    /// Saves entries on members' points and stored-value accounts (a top-up and its bonus, a
    /// redemption, expired points written off, an adjustment, an undo's reversal): all or none,
    /// refused when a balance would go below zero. The store gives each its id and key.
    Ledger(Vec<LedgerEntry>),
    /// Applies `change` (a purchase, or ledger entries) once per idempotency `key`: saved again
    /// with the same key (a retry, a second press), it changes nothing.
    Keyed { key: String, change: Box<Change> },
    /// Opens the points ledger of a database kept before it, with each member's opening entry
    /// (see `crate::ledger::opening`); once only.
    OpenLedger(Vec<LedgerEntry>),
}

/// What an unmerge needs to give back: the survivor as it was before the merge (with its
/// revision now), the customer it took (as it was), and what moved with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmerge {
    pub survivor: Customer,
    pub loser: Customer,
    /// The purchases and interactions that moved from the loser to the survivor.
    pub purchases: Vec<u64>,
    pub interactions: Vec<u64>,
    /// The customers whose referrer moved from the loser to the survivor.
    pub referred: Vec<u64>,
    /// The former member numbers and phones the merge pointed at the survivor (`r:REF`,
    /// `p:PHONE`).
    pub former: Vec<String>,
    /// The ledger entries that moved from the loser to the survivor (none before the ledger).
    #[serde(default)]
    pub ledger: Vec<u64>,
}

/// What applying a change gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The customer as stored (id set, revision bumped).
    Customer(Customer),
    /// The purchase as stored (id set).
    Purchase(Purchase),
    /// The interaction as stored (id set).
    Interaction(Interaction),
    /// The survivor of a merge as stored.
    Merged(Customer),
    /// The first of the reserved ids.
    Ids(u64),
    /// Ledger entries as stored (ids and keys set).
    Entries(Vec<LedgerEntry>),
    /// A keyed change saved before: nothing was done now (the id of what it saved then).
    Replayed(u64),
    /// Nothing to hand back.
    Done,
}

/// What a change replaced, so that it can be taken back.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Replaced {
    /// Nothing that an inverse needs.
    #[default]
    Nothing,
    /// The customer before the change (`None`: there was none).
    Customer(Option<Box<Customer>>),
    /// Customers before the change (a tag rename, several saves).
    Customers(Vec<Customer>),
    /// What a merge took: its undo.
    Merged(Box<Unmerge>),
    /// The setting's value before the change.
    Setting(Option<Vec<u8>>),
}

/// A change once the store has it: where it sits in the journal and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// Its journal sequence number (stores without a journal count their own).
    pub seq: u64,
    /// What it gave.
    pub applied: Applied,
    /// What it replaced.
    pub replaced: Replaced,
}

impl Change {
    /// The customer the change is about, when it is about one.
    pub fn customer(&self) -> Option<u64> {
        match self {
            Change::SaveCustomer(c) | Change::Merge { survivor: c, .. } => Some(c.id),
            Change::AddPurchase(p) | Change::RemovePurchase(p) | Change::ReplacePurchase { after: p, .. } => {
                Some(p.customer)
            }
            Change::AddInteraction(i)
            | Change::RemoveInteraction(i)
            | Change::ReplaceInteraction { after: i, .. } => Some(i.customer),
            Change::Unmerge(u) => Some(u.survivor.id),
            Change::DeleteCustomer { id, .. } => Some(*id),
            Change::NotDuplicate { a, .. } => Some(*a),
            Change::RevealPhone { customer } => Some(*customer),
            Change::Refused { customer, .. } => *customer,
            Change::Undo { change, .. } | Change::Keyed { change, .. } => change.customer(),
            Change::Ledger(entries) => match entries.first() {
                Some(e) if entries.iter().all(|x| x.customer == e.customer) => Some(e.customer),
                _ => None,
            },
            Change::OpenLedger(_) => None,
            Change::Batch { .. }
            | Change::Campaign(_)
            | Change::SaveCustomers(_)
            | Change::RenameTag { .. }
            | Change::Setting { .. }
            | Change::ReserveIds(_) => None,
        }
    }

    /// Every customer the committed change wrote or removed, so that a console can read them
    /// back (a batch's customers are not listed: an import reloads everything).
    pub fn touched(&self, done: &Committed) -> Vec<u64> {
        let mut out: Vec<u64> = self.customer().into_iter().collect();
        match self {
            Change::Merge { loser, .. } => out.push(*loser),
            Change::Unmerge(u) => out.extend(u.others()),
            Change::NotDuplicate { b, .. } => out.push(*b),
            Change::SaveCustomers(cs) => out.extend(cs.iter().map(|c| c.id)),
            Change::Undo { change, .. } | Change::Keyed { change, .. } => out.extend(change.touched(done)),
            Change::Ledger(entries) => out.extend(entries.iter().map(|e| e.customer)),
            _ => {}
        }
        match (&done.applied, &done.replaced) {
            (Applied::Customer(c) | Applied::Merged(c), _) => out.push(c.id),
            (_, Replaced::Customers(cs)) => out.extend(cs.iter().map(|c| c.id)),
            (_, Replaced::Merged(u)) => out.extend(u.referred.iter().copied()),
            _ => {}
        }
        out.retain(|&id| id != 0);
        out.sort_unstable();
        out.dedup();
        out
    }
}
