//! Merging one customer into another, and deleting a customer with no history.
//!
//! sled transactions cannot iterate, so what must move (the loser's purchase and interaction
//! chunks, the customers it referred) is listed by a scan just before the transaction. The caller holds
//! the store's writer lock across both, so no other edit can add to that list in between.

use super::chunks::{self, Child};
use super::envelope::{At, Record, decode};
use super::keys::parse_id;
use super::scan::io;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail};
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, Purchase};

/// What belongs to or points at one customer, listed outside the transaction.
#[derive(Debug, Default)]
pub(crate) struct Ties {
    /// Numbers of the customer's purchase chunks.
    pub purchases: Vec<u32>,
    /// Numbers of the customer's interaction chunks.
    pub interactions: Vec<u32>,
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
            purchases: chunks::numbers_of(purchases, id, Purchase::KIND)?,
            interactions: chunks::numbers_of(interactions, id, Interaction::KIND)?,
            referred,
        })
    }
}

/// Moves the listed chunks of customer `from` to the end of customer `to`'s history (same
/// record ids, owner changed): the loser's records join the survivor's last chunk.
fn move_children<T: Child>(tx: &Tx, tree: TreeId, from: u64, to: u64, listed: &[u32]) -> TxResult<()> {
    let mut records: Vec<T> = chunks::take(tx, tree, from, listed, true)?;
    records.iter_mut().for_each(|r| r.set_owner(to));
    chunks::append(tx, tree, to, records)
}

impl Tx<'_> {
    /// The stored customer `id`, or `NoSuchCustomer`.
    fn existing(&self, id: u64) -> TxResult<Customer> {
        match self.customer(id)? {
            Some(c) => Ok(c),
            None => fail(StoreError::NoSuchCustomer(id)),
        }
    }

    /// Sets the referrer of each of `referred` that still names `from` to `to`.
    fn repoint(&self, referred: &[u64], from: u64, to: Option<u64>, skip: u64) -> TxResult<()> {
        for &id in referred.iter().filter(|&&id| id != skip) {
            let Some(mut c) = self.customer(id)? else {
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
        move_children::<Purchase>(self, TreeId::Purchases, loser, to, &ties.purchases)?;
        move_children::<Interaction>(self, TreeId::Interactions, loser, to, &ties.interactions)?;
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
            let purchases =
                chunks::take::<Purchase>(self, TreeId::Purchases, id, &ties.purchases, false)?.len();
            let interactions =
                chunks::take::<Interaction>(self, TreeId::Interactions, id, &ties.interactions, false)?.len();
            return fail(StoreError::HasHistory {
                id,
                purchases: purchases as u64,
                interactions: interactions as u64,
            });
        }
        self.remove_customer(&c)?;
        self.repoint(&ties.referred, id, None, id)
    }
}
