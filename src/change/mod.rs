//! Every way kehu writes, as data: a typed [`Change`] per kind of edit, what applying it gave
//! ([`Committed`]), the audit entries it leaves ([`audit`]) and the change that takes it back
//! ([`Change::inverse`]).
//!
//! A store applies a change, its audit entries and (on sled) its journal entry in one
//! transaction: see [`crate::store::Store::commit`]. Nothing else writes, so the console, `kehu
//! serve` and every command are audited, journaled and undoable alike.

pub mod audit;

pub use audit::AuditEntry;

use crate::domain::{Customer, Interaction, Purchase};

/// A set of new and changed records written all together or not at all (imports, demo data).
///
/// Ids must already be assigned (see [`Change::ReserveIds`]), so that purchases can refer to
/// customers created in the same change set; records with id 0 get fresh ids.
#[derive(Debug, Default, Clone)]
pub struct ChangeSet {
    pub customers: Vec<Customer>,
    pub purchases: Vec<Purchase>,
    pub interactions: Vec<Interaction>,
}

/// One edit, as the store is asked to make it.
#[derive(Debug, Clone)]
pub enum Change {
    /// Adds a customer (id 0: the store assigns one) or replaces one; a replacement whose
    /// `revision` differs from the stored one is refused as stale.
    SaveCustomer(Customer),
    /// Adds a purchase (id 0: the store assigns one) to an existing customer.
    AddPurchase(Purchase),
    /// Adds an interaction (id 0: the store assigns one) to an existing customer.
    AddInteraction(Interaction),
    /// Writes many records at once, all or nothing; `source` says where they came from
    /// ("import customers.csv", "demo data") in the audit log.
    Batch { set: ChangeSet, source: String },
    /// Merges customer `loser` into `survivor` (see [`crate::store::Store::merge`]).
    Merge { survivor: Customer, loser: u64 },
    /// Deletes a customer without history (see [`crate::store::Store::delete_customer`]).
    DeleteCustomer { id: u64, revision: u64 },
    /// Sets (or, with `None`, removes) a value of the settings (saved segments, model fits).
    Setting { key: String, value: Option<Vec<u8>> },
    /// Records that an operator revealed a customer's phone (audit only).
    RevealPhone { customer: u64 },
    /// Reserves `n` consecutive fresh ids (shared by every record kind) for a change set.
    ReserveIds(u64),
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
    /// The change that takes this one back once committed as `done`, if there is one.
    ///
    /// Saving a customer is taken back by saving the record as it was (or deleting a new one),
    /// a deletion by saving the customer again (customers it referred keep no referrer), a
    /// setting by its old value. Purchases, interactions, batches and merges have no inverse
    /// yet: they need voids and unmerges, which the store does not record yet.
    pub fn inverse(&self, done: &Committed) -> Option<Change> {
        match (self, &done.replaced, &done.applied) {
            (Change::SaveCustomer(_), Replaced::Customer(None), Applied::Customer(now)) => {
                Some(Change::DeleteCustomer { id: now.id, revision: now.revision })
            }
            (Change::SaveCustomer(_), Replaced::Customer(Some(was)), Applied::Customer(now)) => {
                Some(Change::SaveCustomer(Customer { revision: now.revision, ..(**was).clone() }))
            }
            (Change::DeleteCustomer { .. }, Replaced::Customer(Some(was)), _) => {
                Some(Change::SaveCustomer((**was).clone()))
            }
            (Change::Setting { key, .. }, Replaced::Setting(was), _) => {
                Some(Change::Setting { key: key.clone(), value: was.clone() })
            }
            _ => None,
        }
    }

    /// The customer the change is about, when it is about one.
    pub fn customer(&self) -> Option<u64> {
        match self {
            Change::SaveCustomer(c) | Change::Merge { survivor: c, .. } => Some(c.id),
            Change::AddPurchase(p) => Some(p.customer),
            Change::AddInteraction(i) => Some(i.customer),
            Change::DeleteCustomer { id, .. } => Some(*id),
            Change::RevealPhone { customer } => Some(*customer),
            Change::Batch { .. } | Change::Setting { .. } | Change::ReserveIds(_) => None,
        }
    }
}
