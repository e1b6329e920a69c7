//! The writes of one sled transaction: records and their index entries change together.
//!
//! Everything here runs inside a transaction closure, so it may only touch the transactional
//! views: calling a plain `sled::Tree` method here would wait forever for the transaction's own
//! lock.

use super::chunks::{self, Child};
use super::envelope::{At, Record, decode, encode};
use super::keys::{id_key, parse_id, phone_key};
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, Purchase};
use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree};

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

/// The transactional views of every tree an edit may touch.
pub(crate) struct Tx<'a> {
    pub customers: &'a TransactionalTree,
    /// The purchase chunks (see [`super::chunks`]).
    pub purchases: &'a TransactionalTree,
    /// The interaction chunks.
    pub interactions: &'a TransactionalTree,
    pub idx_ref: &'a TransactionalTree,
    pub idx_phone: &'a TransactionalTree,
    pub meta: &'a TransactionalTree,
}

impl Tx<'_> {
    /// The next id the counter would hand out (ids start at 1: 0 means "not stored").
    fn next_id(&self) -> TxResult<u64> {
        match self.meta.get(NEXT_ID)? {
            None => Ok(1),
            Some(v) => lift(parse_id(&v, "id counter")),
        }
    }

    /// Hands out `n` consecutive fresh ids and returns the first.
    pub fn take_ids(&self, n: u64) -> TxResult<u64> {
        let first = self.next_id()?;
        let end = first.checked_add(n).ok_or_else(|| StoreError::Io("no ids left to hand out".into()));
        self.meta.insert(NEXT_ID, &lift(end)?.to_be_bytes())?;
        Ok(first)
    }

    /// Moves the counter past an id the caller chose, so that it is never handed out again.
    pub fn reserve_through(&self, id: u64) -> TxResult<()> {
        if id >= self.next_id()? {
            self.meta.insert(NEXT_ID, &id.saturating_add(1).to_be_bytes())?;
        }
        Ok(())
    }

    /// The record of kind `T` under `key` (which holds `at`), if present (as this transaction
    /// sees it).
    pub(crate) fn read<T: Record>(tree: &TransactionalTree, key: &[u8], at: At) -> TxResult<Option<T>> {
        match tree.get(key)? {
            None => Ok(None),
            Some(bytes) => lift(decode(&bytes, at)).map(Some),
        }
    }

    /// Inserts or replaces customer `c` (id already set) with its index entries, after the
    /// revision and ref-uniqueness checks; returns the record as stored.
    pub fn put_customer(&self, c: &Customer) -> TxResult<Customer> {
        let key = id_key(c.id);
        let old: Option<Customer> = Self::read(self.customers, &key, At::customer(c.id))?;
        if let Some(o) = &old
            && o.revision != c.revision
        {
            return fail(StoreError::Stale { id: c.id, expected: c.revision, found: o.revision });
        }
        let mut new = c.clone();
        new.revision = c.revision.wrapping_add(1);
        self.update_ref(old.as_ref(), &new)?;
        self.update_phone(old.as_ref(), &new)?;
        self.customers.insert(&key, lift(encode(&new, new.id))?)?;
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
            if let Some(owner) = self.idx_ref.get(r.as_bytes())? {
                let owner = lift(parse_id(&owner, "ref index"))?;
                if owner != new.id {
                    return fail(StoreError::DuplicateRef { reference: r.to_string(), owner });
                }
            }
            self.idx_ref.insert(r.as_bytes(), &id_key(new.id))?;
        }
        if let Some(r) = old_ref {
            self.idx_ref.remove(r.as_bytes())?;
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
            self.idx_phone.remove(phone_key(p, new.id))?;
        }
        if let Some(p) = &new.phone {
            self.idx_phone.insert(phone_key(p, new.id), &[])?;
        }
        Ok(())
    }

    /// Removes customer `c` (as stored) and its ref and phone index entries.
    pub fn remove_customer(&self, c: &Customer) -> TxResult<()> {
        if let Some(r) = reference(c) {
            // Only the entry that is really this customer's: never another's ref.
            if let Some(owner) = self.idx_ref.get(r.as_bytes())?
                && lift(parse_id(&owner, "ref index"))? == c.id
            {
                self.idx_ref.remove(r.as_bytes())?;
            }
        }
        if let Some(p) = &c.phone {
            self.idx_phone.remove(phone_key(p, c.id))?;
        }
        self.customers.remove(&id_key(c.id))?;
        Ok(())
    }

    /// Refuses a record whose customer does not exist (in the store or earlier in this edit).
    pub(crate) fn require_customer(&self, id: u64) -> TxResult<()> {
        if id == 0 || self.customers.get(id_key(id))?.is_none() {
            return fail(StoreError::NoSuchCustomer(id));
        }
        Ok(())
    }

    /// Stores a purchase (id already set) at the end of its customer's history.
    pub fn put_purchase(&self, p: &Purchase) -> TxResult<()> {
        self.put_children(self.purchases, p.customer, vec![p.clone()])
    }

    /// Stores an interaction (id already set) at the end of its customer's history.
    pub fn put_interaction(&self, i: &Interaction) -> TxResult<()> {
        self.put_children(self.interactions, i.customer, vec![i.clone()])
    }

    /// Stores records (ids already set) of customer `owner`, who must exist, in `tree`'s chunks:
    /// all of one customer at once, so that a change set rewrites each last chunk once.
    pub(crate) fn put_children<T: Child>(
        &self,
        tree: &TransactionalTree,
        owner: u64,
        records: Vec<T>,
    ) -> TxResult<()> {
        self.require_customer(owner)?;
        chunks::append(tree, owner, records)
    }
}

/// A customer's ref as the index keys it; a blank ref is no ref.
fn reference(c: &Customer) -> Option<&str> {
    c.reference.as_deref().filter(|r| !r.is_empty())
}
