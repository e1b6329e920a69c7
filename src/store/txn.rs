//! The writes of one transaction: records and their index entries change together.
//!
//! The store's rules (stale revisions, unique refs and phones, merges, ledgers) are written
//! once, against [`Tx`], over any backend's transaction that can get, insert and remove a key of
//! a tree ([`KvTxn`]): sled's transactional trees, or a PostgreSQL transaction.
//!
//! Everything here runs inside a transaction closure, so it may only touch the transactional
//! views: calling a plain `sled::Tree` method here would wait forever for the transaction's own
//! lock.

use super::chunks::{self, Child};
use super::envelope::{At, Record, decode, encode};
use super::journal::Write;
use super::keys::{id_key, parse_id, phone_key};
use super::sum;
use super::trees::TreeId;
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, Purchase};
use sled::IVec;
use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

/// What a backend's transaction offers the store's rules: one key of one tree at a time, as
/// the transaction sees it (its own writes included).
pub(crate) trait KvTxn {
    /// The value under `key`.
    fn kv_get(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>>;
    /// Sets `key` to `value`; the value it replaces.
    fn kv_insert(&self, t: TreeId, key: &[u8], value: &[u8]) -> TxResult<Option<IVec>>;
    /// Removes `key`; the value it held.
    fn kv_remove(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>>;
}

/// sled's transactional trees, indexed by [`TreeId`].
impl KvTxn for Vec<TransactionalTree> {
    fn kv_get(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>> {
        Ok(self[t as usize].get(key)?)
    }
    fn kv_insert(&self, t: TreeId, key: &[u8], value: &[u8]) -> TxResult<Option<IVec>> {
        Ok(self[t as usize].insert(key, value)?)
    }
    fn kv_remove(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>> {
        Ok(self[t as usize].remove(key)?)
    }
}

/// The result of a step inside a transaction; an `Abort` carries the operator's error.
pub(crate) type TxResult<T> = ConflictableTransactionResult<T, StoreError>;

/// The key in `meta` of the next id to hand out.
pub(crate) const NEXT_ID: &[u8] = b"next_id";

/// Turns a store error into a transaction abort.
pub(crate) fn lift<T>(r: StoreResult<T>) -> TxResult<T> {
    r.map_err(ConflictableTransactionError::Abort)
}

/// Aborts the transaction with `e`.
pub(crate) fn fail<T>(e: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

/// The transactional view of every tree, recording each write (for the journal) and how it
/// changes the content sum. Every write of an edit goes through here.
pub(crate) struct Tx<'a> {
    trees: &'a dyn KvTxn,
    writes: RefCell<Vec<Write>>,
    delta: Cell<u64>,
    /// Customers written, as they were before (None: new) and after, for the audit log.
    customers: RefCell<Vec<(Option<Customer>, Customer)>>,
    /// Customers whose record or history was written: their digests are refreshed.
    owners: RefCell<BTreeSet<u64>>,
}

impl<'a> Tx<'a> {
    /// A view of `trees` (indexed by [`TreeId`]) with nothing recorded yet.
    pub fn new(trees: &'a dyn KvTxn) -> Tx<'a> {
        Tx {
            trees,
            writes: RefCell::default(),
            delta: Cell::new(0),
            customers: RefCell::default(),
            owners: RefCell::default(),
        }
    }

    /// The value under `key` as this transaction sees it.
    pub fn get(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>> {
        self.trees.kv_get(t, key)
    }

    /// Sets `key` to `value`, recorded.
    pub fn insert(&self, t: TreeId, key: &[u8], value: Vec<u8>) -> TxResult<()> {
        let old = self.trees.kv_insert(t, key, value.as_slice())?;
        self.note(t, key, old.as_deref(), Some(value));
        Ok(())
    }

    /// Removes `key`, recorded (a key that is not there is no write).
    pub fn remove(&self, t: TreeId, key: &[u8]) -> TxResult<()> {
        let old = self.trees.kv_remove(t, key)?;
        if old.is_some() {
            self.note(t, key, old.as_deref(), None);
        }
        Ok(())
    }

    fn note(&self, t: TreeId, key: &[u8], old: Option<&[u8]>, new: Option<Vec<u8>>) {
        if matches!(t, TreeId::Customers | TreeId::Purchases | TreeId::Interactions | TreeId::Ledger)
            && let Some(owner) = key.first_chunk::<8>()
        {
            self.owners.borrow_mut().insert(u64::from_be_bytes(*owner));
        }
        self.delta.set(self.delta.get().wrapping_add(sum::delta(t, key, old, new.as_deref())));
        self.writes.borrow_mut().push(Write { tree: t, key: key.to_vec(), value: new });
    }

    /// Sets a bookkeeping key of `meta` (the journal position, the sum), not recorded.
    pub fn bookkeeping(&self, key: &[u8], value: u64) -> TxResult<()> {
        self.trees.kv_insert(TreeId::Meta, key, &value.to_be_bytes())?;
        Ok(())
    }

    /// Every write recorded so far and how they change the content sum.
    pub fn recorded(&self) -> (Vec<Write>, u64) {
        (self.writes.borrow().clone(), self.delta.get())
    }

    /// Writes kept derived data (see [`TreeId::KEPT`]): neither journaled nor summed.
    pub fn put_kept(&self, t: TreeId, key: &[u8], value: Option<Vec<u8>>) -> TxResult<()> {
        debug_assert!(TreeId::KEPT.contains(&t));
        match value {
            Some(v) => self.trees.kv_insert(t, key, &v)?,
            None => self.trees.kv_remove(t, key)?,
        };
        Ok(())
    }

    /// The customers whose record or history this transaction wrote so far.
    pub fn owners_written(&self) -> Vec<u64> {
        self.owners.borrow().iter().copied().collect()
    }

    /// Every customer written so far: before (None: new) and after.
    pub fn customers_written(&self) -> Vec<(Option<Customer>, Customer)> {
        self.customers.borrow().clone()
    }

    /// The next id the counter would hand out (ids start at 1: 0 means "not stored").
    fn next_id(&self) -> TxResult<u64> {
        match self.get(TreeId::Meta, NEXT_ID)? {
            None => Ok(1),
            Some(v) => lift(parse_id(&v, "id counter")),
        }
    }

    /// Hands out `n` consecutive fresh ids and returns the first.
    pub fn take_ids(&self, n: u64) -> TxResult<u64> {
        let first = self.next_id()?;
        let end = first.checked_add(n).ok_or_else(|| StoreError::Io("no ids left to hand out".into()));
        self.insert(TreeId::Meta, NEXT_ID, lift(end)?.to_be_bytes().to_vec())?;
        Ok(first)
    }

    /// Moves the counter past an id the caller chose, so that it is never handed out again.
    pub fn reserve_through(&self, id: u64) -> TxResult<()> {
        if id >= self.next_id()? {
            self.insert(TreeId::Meta, NEXT_ID, id.saturating_add(1).to_be_bytes().to_vec())?;
        }
        Ok(())
    }

    /// The record of kind `T` in tree `t` under `key` (which holds `at`), if present (as this
    /// transaction sees it).
    pub(crate) fn read<T: Record>(&self, t: TreeId, key: &[u8], at: At) -> TxResult<Option<T>> {
        match self.get(t, key)? {
            None => Ok(None),
            Some(bytes) => lift(decode(&bytes, at)).map(Some),
        }
    }

    /// The stored customer `id`, if any.
    pub fn customer(&self, id: u64) -> TxResult<Option<Customer>> {
        self.read(TreeId::Customers, &id_key(id), At::customer(id))
    }

    /// Inserts or replaces customer `c` (id already set) with its index entries, after the
    /// revision and ref-uniqueness checks; returns the record as stored.
    pub fn put_customer(&self, c: &Customer) -> TxResult<Customer> {
        let old = self.customer(c.id)?;
        if let Some(o) = &old
            && o.revision != c.revision
        {
            return fail(StoreError::Stale { id: c.id, expected: c.revision, found: o.revision });
        }
        let mut new = c.clone();
        new.revision = c.revision.wrapping_add(1);
        self.update_ref(old.as_ref(), &new)?;
        self.update_phone(old.as_ref(), &new)?;
        self.insert(TreeId::Customers, &id_key(new.id), lift(encode(&new, new.id))?)?;
        self.customers.borrow_mut().push((old, new.clone()));
        Ok(new)
    }

    /// Moves the ref index entry from the old ref to the new one, refusing a ref held by another.
    fn update_ref(&self, old: Option<&Customer>, new: &Customer) -> TxResult<()> {
        let old_ref = old.and_then(|o| reference(o));
        let new_ref = reference(new);
        if old_ref == new_ref {
            return Ok(());
        }
        if let Some(r) = new_ref {
            if let Some(owner) = self.get(TreeId::IdxRef, r.as_bytes())? {
                let owner = lift(parse_id(&owner, "ref index"))?;
                if owner != new.id {
                    return fail(StoreError::DuplicateRef { reference: r.to_string(), owner });
                }
            }
            self.insert(TreeId::IdxRef, r.as_bytes(), id_key(new.id).to_vec())?;
        }
        if let Some(r) = old_ref {
            self.remove(TreeId::IdxRef, r.as_bytes())?;
        }
        Ok(())
    }

    /// Moves the phone index entry when the number changed.
    fn update_phone(&self, old: Option<&Customer>, new: &Customer) -> TxResult<()> {
        let old_phone = old.and_then(|o| o.phone.as_ref());
        if old_phone == new.phone.as_ref() {
            return Ok(());
        }
        if let Some(p) = old_phone {
            self.remove(TreeId::IdxPhone, &phone_key(p, new.id))?;
        }
        if let Some(p) = &new.phone {
            self.insert(TreeId::IdxPhone, &phone_key(p, new.id), Vec::new())?;
        }
        Ok(())
    }

    /// Removes customer `c` (as stored) and its ref and phone index entries.
    pub fn remove_customer(&self, c: &Customer) -> TxResult<()> {
        if let Some(r) = reference(c) {
            // Only the entry that is really this customer's: never another's ref.
            if let Some(owner) = self.get(TreeId::IdxRef, r.as_bytes())?
                && lift(parse_id(&owner, "ref index"))? == c.id
            {
                self.remove(TreeId::IdxRef, r.as_bytes())?;
            }
        }
        if let Some(p) = &c.phone {
            self.remove(TreeId::IdxPhone, &phone_key(p, c.id))?;
        }
        self.remove(TreeId::Customers, &id_key(c.id))?;
        Ok(())
    }

    /// Refuses a record whose customer does not exist (in the store or earlier in this edit).
    pub(crate) fn require_customer(&self, id: u64) -> TxResult<()> {
        if id == 0 || self.get(TreeId::Customers, &id_key(id))?.is_none() {
            return fail(StoreError::NoSuchCustomer(id));
        }
        Ok(())
    }

    /// Stores a purchase (id already set) at the end of its customer's history.
    pub fn put_purchase(&self, p: &Purchase) -> TxResult<()> {
        self.put_children(TreeId::Purchases, p.customer, vec![p.clone()])
    }

    /// Stores an interaction (id already set) at the end of its customer's history.
    pub fn put_interaction(&self, i: &Interaction) -> TxResult<()> {
        self.put_children(TreeId::Interactions, i.customer, vec![i.clone()])
    }

    /// Stores records (ids already set) of customer `owner`, who must exist, in `tree`'s chunks:
    /// all of one customer at once, so that a change set rewrites each last chunk once.
    pub(crate) fn put_children<T: Child>(&self, tree: TreeId, owner: u64, records: Vec<T>) -> TxResult<()> {
        self.require_customer(owner)?;
        chunks::append(self, tree, owner, records)
    }
}

/// A customer's ref as the index keys it; a blank ref is no ref.
fn reference(c: &Customer) -> Option<&str> {
    c.reference.as_deref().filter(|r| !r.is_empty())
}
