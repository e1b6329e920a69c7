//! The customer store: the narrow interface the console, the command line and the classifier
//! use (`Store`), and its sled implementation (`SledStore`).
//!
//! Everything behind `Store` is one transaction per call and is flushed to disk before the call
//! returns, so "saved" always means "survives a power cut".

mod audit;
mod backup;
mod check;
mod chunks;
mod daily;
mod envelope;
mod keys;
mod legacy;
mod merge;
mod migrate;
mod scan;
mod served;
mod sled_store;
#[cfg(test)]
mod test_support;
mod txn;
mod wire;

pub use audit::AuditEntry;
pub use backup::{BackupSummary, backup_to, restore_from, verify_backup};
pub use check::{CheckReport, Problem};
pub use daily::{KEEP_DEFAULT, backup_dir, daily_backup};
pub use served::{ServeMarker, read_marker, remove_marker, write_marker};
pub use sled_store::{FORMAT, SledStore};

use crate::domain::{Customer, History, Interaction, Phone, Purchase};
use std::ops::ControlFlow;
use thiserror::Error;

/// Why a store operation failed, worded for the operator.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{}", locked_text(path, *pid, served.as_deref()))]
    Locked {
        path: String,
        pid: Option<u32>,
        /// Set when `kehu serve` holds the database: who, and the ssh command to use instead.
        served: Option<String>,
    },
    #[error(
        "the database at {path} was written by a newer kehu (format {found}, this kehu reads up to {supported}); upgrade kehu"
    )]
    TooNew { path: String, found: u32, supported: u32 },
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("member number {reference:?} already belongs to customer #{owner}")]
    DuplicateRef { reference: String, owner: u64 },
    #[error("customer #{0} does not exist")]
    NoSuchCustomer(u64),
    #[error(
        "customer #{id} was changed by someone else since it was opened (revision {expected} → {found}); reload it"
    )]
    Stale { id: u64, expected: u64, found: u64 },
    #[error("customer #{0} cannot be merged into itself; choose two different customers")]
    MergeIntoSelf(u64),
    #[error(
        "customer #{id} has {purchases} purchase(s) and {interactions} interaction(s), which deleting would lose; merge the customer into another one instead"
    )]
    HasHistory { id: u64, purchases: u64, interactions: u64 },
    #[error("storage error: {0}")]
    Io(String),
}

/// The "database in use" message; a server holding it is named with the ssh command to use.
fn locked_text(path: &str, pid: Option<u32>, served: Option<&str>) -> String {
    match served {
        Some(hint) => format!("the database at {path} is in use: {hint}"),
        None => format!(
            "the database at {path} is in use by another kehu process{}; close it first, or use `kehu serve` to share one database",
            pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
        ),
    }
}

/// A result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// A set of new and changed records written all together or not at all (imports, demo data).
///
/// Ids must already be assigned (see [`Store::allocate_ids`]), so that purchases can refer to
/// customers created in the same change set.
#[derive(Debug, Default, Clone)]
pub struct ChangeSet {
    pub customers: Vec<Customer>,
    pub purchases: Vec<Purchase>,
    pub interactions: Vec<Interaction>,
}

/// The operations kehu needs from a database; sled is one implementation.
pub trait Store: Send + Sync {
    /// Reserves `n` consecutive fresh ids (shared by all record kinds) and returns the first.
    fn allocate_ids(&self, n: u64) -> StoreResult<u64>;
    /// Inserts (id 0: an id is assigned) or replaces a customer, keeping the ref and phone indexes
    /// in step. An update whose `revision` differs from the stored one fails with `Stale`.
    /// Returns the record as stored (id set, revision bumped).
    fn put_customer(&self, c: Customer) -> StoreResult<Customer>;
    /// Adds a purchase (id 0: an id is assigned) to an existing customer.
    fn add_purchase(&self, p: Purchase) -> StoreResult<Purchase>;
    /// Adds an interaction (id 0: an id is assigned) to an existing customer.
    fn add_interaction(&self, i: Interaction) -> StoreResult<Interaction>;
    /// Writes a whole change set in one transaction: all of it, or none of it on error.
    fn apply(&self, set: &ChangeSet) -> StoreResult<()>;
    /// Merges customer `loser` into `survivor` (its id set; its fields as the operator chose,
    /// see [`crate::dedupe::merged_fields`]) in ONE transaction, flushed before returning:
    /// every purchase and interaction of the loser moves to the survivor (same record ids, owner
    /// changed); the loser's record and its ref and phone index entries go; the survivor is
    /// written like [`Store::put_customer`] (a revision other than the stored one fails with
    /// `Stale`, and then nothing changes); customers the loser referred now name the survivor as
    /// their referrer (their revision is bumped, so an open edit of them turns stale rather than
    /// silently undoing it); a survivor whose referrer would be the loser or itself gets none.
    /// Fails with `MergeIntoSelf` when both are one customer and `NoSuchCustomer` when either is
    /// missing. Returns the survivor's history after the merge.
    fn merge(&self, survivor: Customer, loser: u64) -> StoreResult<History>;
    /// Deletes a customer who has no purchases or interactions (`HasHistory` otherwise: merge
    /// instead), after the same revision check as [`Store::put_customer`]; customers it referred
    /// are left with no referrer.
    fn delete_customer(&self, id: u64, revision: u64) -> StoreResult<()>;
    /// One customer.
    fn customer(&self, id: u64) -> StoreResult<Option<Customer>>;
    /// One customer with all their purchases and interactions (each sorted by date, then id).
    fn history(&self, id: u64) -> StoreResult<Option<History>>;
    /// The customer holding this member/card number.
    fn id_by_ref(&self, reference: &str) -> StoreResult<Option<u64>>;
    /// The customers with this phone number (several when a household shares one).
    fn ids_by_phone(&self, phone: &Phone) -> StoreResult<Vec<u64>>;
    /// Calls `f` with every customer's history, in id order.
    fn for_each_history(&self, f: &mut dyn FnMut(History)) -> StoreResult<()>;
    /// Like [`Store::for_each_history`], stopping as soon as `f` breaks (a console that quits
    /// while loading). The default reads on to the end; a store should stop at once.
    fn histories_until(&self, f: &mut dyn FnMut(History) -> ControlFlow<()>) -> StoreResult<()> {
        let mut stopped = false;
        self.for_each_history(&mut |h| {
            if !stopped {
                stopped = f(h).is_break();
            }
        })
    }
    /// Calls `f` with every customer record alone (no purchases or interactions), in id order,
    /// until `f` breaks: the list and the search need only these, and they are a fraction of
    /// the records. The default reads every history; a store should read the customers only.
    fn customers_until(&self, f: &mut dyn FnMut(Customer) -> ControlFlow<()>) -> StoreResult<()> {
        self.histories_until(&mut |h| f(h.customer))
    }
    /// How many customers there are.
    fn customer_count(&self) -> StoreResult<u64>;
    /// A value from the settings tree (saved segments, model fits…).
    fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Stores a value in the settings tree, flushed.
    fn set_setting(&self, key: &str, value: &[u8]) -> StoreResult<()>;
    /// Appends an entry to the audit log, flushed.
    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The audit log in time order; only entries about `customer` when given.
    fn audit_entries(&self, customer: Option<u64>) -> StoreResult<Vec<AuditEntry>>;
}
