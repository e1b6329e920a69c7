//! The customer store: the narrow interface the console, the command line and the classifier
//! use (`Store`), its sled implementation (`SledStore`, a database directory) and its
//! PostgreSQL one (`PgStore`, see [`pg`]); [`Opened`] is either, picked by `--db`.
//!
//! Every write is one [`Change`] committed through [`Store::commit`]: one transaction with its
//! audit entries, journaled (see [`journal`]) and flushed to disk before the call returns, so
//! "saved" always means "survives a power cut, and damage to sled's newest log".

mod audit;
mod backup;
mod campaigns;
mod check;
mod chunks;
#[cfg(test)]
pub(crate) mod contract_tests;
mod daily;
mod digests;
mod envelope;
mod guard;
mod journal;
mod kept;
mod kept_classes;
mod keys;
mod kv;
mod ledger;
mod ledger_check;
mod legacy;
mod lock;
mod merge;
mod migrate;
mod moving;
mod open;
mod opened;
mod pg;
mod reads;
mod recover;
pub mod salvage;
mod scan;
mod served;
mod sled_store;
mod sum;
#[cfg(test)]
pub(crate) mod test_support;
mod trees;
mod txn;
mod wire;
mod write;

pub use crate::change::{AuditEntry, Change, ChangeSet};
pub use backup::{
    BackupSummary, backup_to, backup_with, restore_from, restore_with, verify_backup, verify_backup_with,
};
pub use check::{CheckReport, Problem};
pub use daily::{CHECKPOINT_BYTES, KEEP_DEFAULT, backup_dir, daily_backup, daily_backup_with};
pub use guard::panic_text;
pub use lock::remove_scratch;
pub use moving::{Tally, migrate as move_shop};
pub use open::exists;
pub use opened::Opened;
pub use pg::{PgStore, shown as shown_url, url_in as postgres_url};
pub use served::{ServeMarker, read_marker, remove_marker, write_marker};
pub use sled_store::{FORMAT, OpenReport, SledStore};

use crate::change::{Applied, Committed};
use crate::classify::{KeptClasses, Segmented, Summary};
use crate::domain::{Campaign, Customer, History, Interaction, Phone, Purchase};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The operator named in the audit log for changes made through the convenience methods of
/// [`Store`] (demo data, tests): the console and the command line name their own.
pub const SYSTEM: &str = "kehu";

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
    /// A backup file that is damaged or not a kehu backup: the file is what is wrong, not any
    /// database (a restore has none yet).
    #[error("{0}")]
    BadBackup(String),
    #[error(
        "no kehu database at {path} (check the path, or create one with `kehu import`, `kehu demo` or the console)"
    )]
    NoDatabase { path: String },
    #[error(
        "the database at {path} lost {changes} acknowledged change(s) (from {since} to {last}) that its journal can no longer bring back; rebuild it with `kehu salvage --db {path} --out NEWDIR` (from its last backup and the journal) or `kehu restore` a backup"
    )]
    Lost { path: String, changes: u64, since: String, last: String },
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
    #[error("{0} was changed by someone else since it was opened; reload it")]
    Changed(String),
    #[error("{0}")]
    Refused(String),
    #[error("someone else has changed this since: {0}; take it back anyway?")]
    NeedsConsent(String),
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

/// The operations kehu needs from a database; sled is one implementation.
///
/// Writing has one way in, [`Store::commit`]; the other writing methods are shorthands for it
/// that audit as [`SYSTEM`].
pub trait Store: Send + Sync {
    /// Applies `change` for `operator`: its records, its audit entries and (on sled) its journal
    /// entry in one transaction, flushed before returning. A refused change (stale, a duplicate
    /// ref, a full disk) changes nothing.
    fn commit(&self, change: Change, operator: &str) -> StoreResult<Committed>;
    /// One customer.
    fn customer(&self, id: u64) -> StoreResult<Option<Customer>>;
    /// One customer with all their purchases and interactions (each sorted by date, then id).
    fn history(&self, id: u64) -> StoreResult<Option<History>>;
    /// The customer holding this member/card number.
    fn id_by_ref(&self, reference: &str) -> StoreResult<Option<u64>>;
    /// The customers with this phone number (several when a household shares one).
    fn ids_by_phone(&self, phone: &Phone) -> StoreResult<Vec<u64>>;
    /// The customer a member number that a merge took away now leads to (following later
    /// merges to the customer that exists); `None` when it was never merged away.
    fn former_ref(&self, reference: &str) -> StoreResult<Option<u64>>;
    /// The same for a phone number a merge took away.
    fn former_phone(&self, phone: &Phone) -> StoreResult<Option<u64>>;
    /// The pairs of customers marked as not the same person, smaller id first.
    fn not_duplicates(&self) -> StoreResult<Vec<(u64, u64)>>;
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
    /// Calls `f` with what classification needs of every customer (see [`Summary`]), in id
    /// order, until `f` breaks. The default reads every history; a store that keeps digests
    /// reads those.
    fn summaries_until(&self, f: &mut dyn FnMut(Summary) -> ControlFlow<()>) -> StoreResult<()> {
        self.histories_until(&mut |h| f(Summary::from_history(&h)))
    }
    /// The database's last change (its journal position): what kept figures are stamped with.
    /// A store that keeps no figures says 0.
    fn last_change(&self) -> StoreResult<u64> {
        Ok(0)
    }
    /// The segment counts whoever last classified the whole shop kept (see [`Segmented`]);
    /// whether they still hold is for the reader to judge by their stamp.
    fn kept_segments(&self) -> StoreResult<Option<Segmented>> {
        Ok(None)
    }
    /// Keeps segment counts for the next reader: derived data, not a change (nothing journaled,
    /// nothing audited, no flush).
    fn keep_segments(&self, _segments: &Segmented) -> StoreResult<()> {
        Ok(())
    }
    /// Every customer's classes as whoever last classified the whole shop kept them (see
    /// [`KeptClasses`]); whether they still hold is for the reader to judge by their stamp.
    fn kept_classes(&self) -> StoreResult<Option<KeptClasses>> {
        Ok(None)
    }
    /// The stamp and model mark ([`crate::classify::model_mark`]) of the kept classes, without
    /// reading them.
    fn kept_classes_stamp(&self) -> StoreResult<Option<(crate::classify::Stamp, u64)>> {
        Ok(None)
    }
    /// The customers touched by the changes after `change` (added, edited, merged, removed),
    /// when the store can say so exactly and they are at most `limit`; `None` otherwise.
    fn touched_after(&self, _change: u64, _limit: usize) -> StoreResult<Option<Vec<u64>>> {
        Ok(None)
    }
    /// Keeps everyone's classes for the next reader: derived data, like [`Store::keep_segments`].
    fn keep_classes(&self, _classes: &KeptClasses) -> StoreResult<()> {
        Ok(())
    }
    /// How many customers there are.
    fn customer_count(&self) -> StoreResult<u64>;
    /// The purchase with this id, wherever it is (a scan: the command line's corrections name
    /// a purchase by id alone).
    fn find_purchase(&self, id: u64) -> StoreResult<Option<Purchase>> {
        let mut found = None;
        self.histories_until(&mut |h| match h.purchases.into_iter().find(|p| p.id == id) {
            Some(p) => {
                found = Some(p);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        })?;
        Ok(found)
    }
    /// The interaction with this id, wherever it is (a scan, as [`Store::find_purchase`]).
    fn find_interaction(&self, id: u64) -> StoreResult<Option<Interaction>> {
        let mut found = None;
        self.histories_until(&mut |h| match h.interactions.into_iter().find(|i| i.id == id) {
            Some(i) => {
                found = Some(i);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        })?;
        Ok(found)
    }
    /// A value from the settings tree (saved segments, model fits…).
    fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// The audit log in time order; only entries about `customer` when given.
    fn audit_entries(&self, customer: Option<u64>) -> StoreResult<Vec<AuditEntry>>;
    /// The audit log newest first, until `visit` breaks: undo looks at the last changes only,
    /// and the log grows with every edit.
    fn audit_newest_first(
        &self,
        visit: &mut dyn FnMut(AuditEntry) -> std::ops::ControlFlow<()>,
    ) -> StoreResult<()> {
        for e in self.audit_entries(None)?.into_iter().rev() {
            if visit(e).is_break() {
                break;
            }
        }
        Ok(())
    }
    /// Writes a consistent, checksummed snapshot of everything to `file`.
    fn backup(&self, file: &Path) -> StoreResult<BackupSummary>;
    /// Today's backup, unless there is one already, beside the database, keeping the last
    /// week; the journal is then cut back to what the backups do not hold. Returns the new
    /// backup's path.
    fn daily_backup(&self, today: chrono::NaiveDate) -> StoreResult<Option<PathBuf>>;
    /// Verifies every record, index and counter of the open database (`kehu check` run by the
    /// `kehu serve` that holds it), telling `p` how far it has come; edits wait meanwhile.
    fn verify(&self, p: &dyn crate::progress::Progress) -> CheckReport;
    /// Whether the points ledger of a database kept before it is still to be opened (see
    /// [`Change::OpenLedger`]): a store that always had the ledger never is.
    fn ledger_pending(&self) -> StoreResult<bool> {
        Ok(false)
    }
    /// The first record saved with idempotency key `key` (see [`Change::Keyed`]), if the key
    /// was used — a purchase's id or a ledger entry's number: a retry can say so before it
    /// works anything out again.
    fn keyed_record(&self, key: &str) -> StoreResult<Option<u64>>;

    /// Reserves `n` consecutive fresh ids (shared by all record kinds) and returns the first.
    fn allocate_ids(&self, n: u64) -> StoreResult<u64> {
        match self.commit(Change::ReserveIds(n), SYSTEM)?.applied {
            Applied::Ids(first) => Ok(first),
            other => Err(unexpected(other)),
        }
    }
    /// Inserts (id 0: an id is assigned) or replaces a customer, keeping the ref and phone indexes
    /// in step. An update whose `revision` differs from the stored one fails with `Stale`.
    /// Returns the record as stored (id set, revision bumped).
    fn put_customer(&self, c: Customer) -> StoreResult<Customer> {
        match self.commit(Change::SaveCustomer(c), SYSTEM)?.applied {
            Applied::Customer(c) => Ok(c),
            other => Err(unexpected(other)),
        }
    }
    /// Adds a purchase (id 0: an id is assigned) to an existing customer.
    fn add_purchase(&self, p: Purchase) -> StoreResult<Purchase> {
        match self.commit(Change::AddPurchase(p), SYSTEM)?.applied {
            Applied::Purchase(p) => Ok(p),
            other => Err(unexpected(other)),
        }
    }
    /// Adds an interaction (id 0: an id is assigned) to an existing customer.
    fn add_interaction(&self, i: Interaction) -> StoreResult<Interaction> {
        match self.commit(Change::AddInteraction(i), SYSTEM)?.applied {
            Applied::Interaction(i) => Ok(i),
            other => Err(unexpected(other)),
        }
    }
    /// Writes a whole change set in one transaction: all of it, or none of it on error;
    /// `source` names it in the audit log.
    fn apply(&self, set: ChangeSet, source: &str) -> StoreResult<()> {
        self.commit(Change::Batch { set, source: source.to_string() }, SYSTEM).map(drop)
    }
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
    fn merge(&self, survivor: Customer, loser: u64) -> StoreResult<History> {
        let id = survivor.id;
        self.commit(Change::Merge { survivor, loser }, SYSTEM)?;
        self.history(id)?.ok_or(StoreError::NoSuchCustomer(id))
    }
    /// Deletes a customer who has no purchases or interactions (`HasHistory` otherwise: merge
    /// instead), after the same revision check as [`Store::put_customer`]; customers it referred
    /// are left with no referrer.
    fn delete_customer(&self, id: u64, revision: u64) -> StoreResult<()> {
        self.commit(Change::DeleteCustomer { id, revision }, SYSTEM).map(drop)
    }
    /// Every campaign, by name.
    fn campaigns(&self) -> StoreResult<Vec<Campaign>>;
    /// The campaign named `name`.
    fn campaign(&self, name: &str) -> StoreResult<Option<Campaign>>;
    /// The database's directory, when it has one: campaign lists the console writes go
    /// beside it.
    fn location(&self) -> Option<PathBuf> {
        None
    }
    /// A feed of the changes other processes commit to this database, when it is shared with
    /// them (PostgreSQL); `None` for a database only this process opens.
    fn watch(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>> {
        Ok(None)
    }
    /// The newest change this process committed through this store (0: none, or a store only
    /// this process opens, where no other process's change can cross it).
    fn newest_own_change(&self) -> u64 {
        0
    }
    /// Stores a value in the settings tree, flushed.
    fn set_setting(&self, key: &str, value: &[u8]) -> StoreResult<()> {
        self.commit(Change::Setting { key: key.to_string(), value: Some(value.to_vec()) }, SYSTEM).map(drop)
    }
}

/// Changes committed to a shared database, as they land (see [`Store::watch`]).
pub trait ChangeFeed: Send {
    /// Waits up to `wait` for a commit; the newest change number heard of, if any. An error
    /// means the feed broke (the server went away): watch again.
    fn wait(&mut self, wait: std::time::Duration) -> StoreResult<Option<u64>>;
    /// Whether change `seq` was committed through this process's store (its console shows it
    /// already).
    fn is_mine(&self, seq: u64) -> bool;
    /// The changes up to `through` are passed on: their numbers are not asked about again.
    fn settled(&mut self, through: u64);
}

/// A store answered a change with the wrong kind of result: a bug in the store.
fn unexpected(applied: Applied) -> StoreError {
    StoreError::Io(format!("internal: the store answered {applied:?}"))
}
