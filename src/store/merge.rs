//! Merging one customer into another, and deleting a customer with no history.
//!
//! sled transactions cannot iterate, so what must move (the loser's purchases and interactions,
//! the customers it referred) is listed by a scan just before the transaction. The caller holds
//! the store's writer lock across both, so no other edit can add to that list in between.

use super::envelope::{At, Record, decode, encode};
use super::keys::{child_key, id_key, parse_child_key, parse_id};
use super::scan::io;
use super::txn::{Tx, TxResult, fail, lift};
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, Purchase};
use sled::transaction::TransactionalTree;

/// What belongs to or points at one customer, listed outside the transaction.
#[derive(Debug, Default)]
pub(crate) struct Ties {
    /// Ids of the customer's purchases.
    pub purchases: Vec<u64>,
    /// Ids of the customer's interactions.
    pub interactions: Vec<u64>,
    /// Ids of the customers whose referrer is this customer.
    pub referred: Vec<u64>,
}

impl Ties {
    /// Lists the ties of customer `id` (a scan of every customer, for the referrers: merges
    /// and deletions are rare, and a referrer index would cost every edit).
    pub fn scan(
        customers: &sled::Tree,
        purchases: &sled::Tree,
        interactions: &sled::Tree,
        id: u64,
    ) -> StoreResult<Ties> {
        let mut referred = Vec::new();
        for item in customers.iter() {
            let (k, v) = item.map_err(io)?;
            let cid = parse_id(&k, "customer key")?;
            let c: Customer = decode(&v, At::customer(cid))?;
            if c.referrer == Some(id) && cid != id {
                referred.push(cid);
            }
        }
        Ok(Ties {
            purchases: child_ids(purchases, id, Purchase::KIND)?,
            interactions: child_ids(interactions, id, Interaction::KIND)?,
            referred,
        })
    }
}

/// The record ids under customer `id` in a child tree.
fn child_ids(tree: &sled::Tree, id: u64, what: &str) -> StoreResult<Vec<u64>> {
    let mut out = Vec::new();
    for item in tree.scan_prefix(id_key(id)) {
        let (k, _) = item.map_err(io)?;
        out.push(parse_child_key(&k, what)?.1);
    }
    Ok(out)
}

/// Re-keys record `rid` from owner `from` to owner `to`, setting its owner field with `own`.
fn move_child<T: Record>(
    tree: &TransactionalTree,
    from: u64,
    to: u64,
    rid: u64,
    own: impl Fn(&mut T),
) -> TxResult<()> {
    let old = child_key(from, rid);
    // Listed under the writer lock, so it is there; a missing one has nothing to move.
    let Some(bytes) = tree.get(old)? else { return Ok(()) };
    let mut record: T = lift(decode(&bytes, At::child(from, rid)))?;
    own(&mut record);
    tree.remove(&old)?;
    tree.insert(&child_key(to, rid), lift(encode(&record, rid))?)?;
    Ok(())
}

impl Tx<'_> {
    /// The stored customer `id`, or `NoSuchCustomer`.
    fn existing(&self, id: u64) -> TxResult<Customer> {
        match Tx::read(self.customers, &id_key(id), At::customer(id))? {
            Some(c) => Ok(c),
            None => fail(StoreError::NoSuchCustomer(id)),
        }
    }

    /// Sets the referrer of each of `referred` that still names `from` to `to`.
    fn repoint(&self, referred: &[u64], from: u64, to: Option<u64>, skip: u64) -> TxResult<()> {
        for &id in referred.iter().filter(|&&id| id != skip) {
            let Some(mut c) = Tx::read::<Customer>(self.customers, &id_key(id), At::customer(id))? else {
                continue;
            };
            if c.referrer == Some(from) {
                c.referrer = to;
                self.put_customer(&c)?;
            }
        }
        Ok(())
    }

    /// Merges customer `loser` into `survivor` (see [`super::Store::merge`]); `ties` are the
    /// loser's, listed under the writer lock. Returns the survivor as stored.
    pub fn merge(&self, survivor: &Customer, loser: u64, ties: &Ties) -> TxResult<Customer> {
        if survivor.id == loser {
            return fail(StoreError::MergeIntoSelf(loser));
        }
        let gone = self.existing(loser)?;
        self.existing(survivor.id)?;
        // The loser's ref and phone entries go first, so the survivor may take over its ref.
        self.remove_customer(&gone)?;
        let to = survivor.id;
        for &rid in &ties.purchases {
            move_child(self.purchases, loser, to, rid, |p: &mut Purchase| p.customer = to)?;
        }
        for &rid in &ties.interactions {
            move_child(self.interactions, loser, to, rid, |i: &mut Interaction| i.customer = to)?;
        }
        let mut s = survivor.clone();
        if s.referrer.is_some_and(|r| r == loser || r == to) {
            s.referrer = None;
        }
        let stored = self.put_customer(&s)?;
        self.repoint(&ties.referred, loser, Some(to), to)?;
        Ok(stored)
    }

    /// Deletes customer `id` at `revision` (see [`super::Store::delete_customer`]); `ties` are
    /// its own, listed under the writer lock.
    pub fn delete(&self, id: u64, revision: u64, ties: &Ties) -> TxResult<()> {
        let c = self.existing(id)?;
        if c.revision != revision {
            return fail(StoreError::Stale { id, expected: revision, found: c.revision });
        }
        if !ties.purchases.is_empty() || !ties.interactions.is_empty() {
            return fail(StoreError::HasHistory {
                id,
                purchases: ties.purchases.len() as u64,
                interactions: ties.interactions.len() as u64,
            });
        }
        self.remove_customer(&c)?;
        self.repoint(&ties.referred, id, None, id)
    }
}
