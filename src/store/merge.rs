//! Merging one customer into another, and deleting a customer with no history.
//!
//! sled transactions cannot iterate, so what must move (the loser's purchase and interaction
//! chunks, the customers it referred) is listed by a scan just before the transaction. The caller holds
//! the store's writer lock across both, so no other edit can add to that list in between.

use super::chunks::{self, Child};
use super::envelope::{At, Record, decode};
use super::keys::{id_key, parse_id};
use super::kv::Kv;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail};
use super::{StoreError, StoreResult};
use crate::change::Unmerge;
use crate::domain::{Balances, Customer, Interaction, LedgerEntry, Purchase};

/// What belongs to or points at one customer, listed outside the transaction.
#[derive(Debug, Default)]
pub(crate) struct Ties {
    /// Numbers of the customer's purchase chunks.
    pub purchases: Vec<u32>,
    /// Numbers of the customer's interaction chunks.
    pub interactions: Vec<u32>,
    /// Numbers of the customer's ledger chunks.
    pub ledger: Vec<u32>,
    /// Ids of the customers whose referrer is this customer.
    pub referred: Vec<u64>,
}

impl Ties {
    /// Lists the ties of customer `id` (a scan of every customer, for the referrers: merges
    /// and deletions are rare, and a referrer index would cost every edit).
    pub fn scan(kv: &dyn Kv, id: u64) -> StoreResult<Ties> {
        let mut referred = Vec::new();
        for item in kv.all(TreeId::Customers) {
            let (k, v) = item?;
            let cid = parse_id(&k, "customer key")?;
            let c: Customer = decode(&v, At::customer(cid))?;
            if c.referrer == Some(id) && cid != id {
                referred.push(cid);
            }
        }
        Ok(Ties {
            purchases: chunks::numbers_of(kv, TreeId::Purchases, id, Purchase::KIND)?,
            interactions: chunks::numbers_of(kv, TreeId::Interactions, id, Interaction::KIND)?,
            ledger: chunks::numbers_of(kv, TreeId::Ledger, id, LedgerEntry::KIND)?,
            referred,
        })
    }
}

/// Moves the listed chunks of customer `from` to the end of customer `to`'s history (same
/// record ids, owner changed): the loser's records join the survivor's last chunk.
fn move_children<T: Child>(tx: &Tx, tree: TreeId, from: u64, to: u64, listed: &[u32]) -> TxResult<Vec<u64>> {
    let mut records: Vec<T> = chunks::take(tx, tree, from, listed, true)?;
    records.iter_mut().for_each(|r| r.set_owner(to));
    let ids = records.iter().map(Child::id).collect();
    chunks::append(tx, tree, to, records)?;
    Ok(ids)
}

/// Moves the records `ids` of customer `from` back to customer `to` (who has none): the rest of
/// `from`'s history is packed afresh.
fn move_back<T: Child>(tx: &Tx, tree: TreeId, from: u64, to: u64, ids: &[u64]) -> TxResult<()> {
    let (all, old) = chunks::all_in::<T>(tx, tree, from)?;
    let (mut moving, staying): (Vec<T>, Vec<T>) = all.into_iter().partition(|r| ids.contains(&r.id()));
    chunks::rewrite(tx, tree, from, &staying, old)?;
    moving.iter_mut().for_each(|r| r.set_owner(to));
    chunks::append(tx, tree, to, moving)
}

/// Moves the listed ledger chunks of member `from` to the end of member `to`'s ledger,
/// numbered after `to`'s own entries (entries are numbered per member); returns their new
/// numbers.
fn move_ledger(tx: &Tx, from: u64, to: u64, listed: &[u32]) -> TxResult<Vec<u64>> {
    let mut moving: Vec<LedgerEntry> = chunks::take(tx, TreeId::Ledger, from, listed, true)?;
    let (theirs, _) = chunks::all_in::<LedgerEntry>(tx, TreeId::Ledger, to)?;
    let next = theirs.iter().map(|e| e.id).max().unwrap_or(0) + 1;
    for (n, e) in moving.iter_mut().enumerate() {
        e.customer = to;
        e.id = next + n as u64;
    }
    let ids = moving.iter().map(|e| e.id).collect();
    if !moving.is_empty() {
        chunks::append(tx, TreeId::Ledger, to, moving)?;
    }
    Ok(ids)
}

/// Moves ledger entries `ids` of member `from` back to member `to` (who has none), numbered
/// from 1 again in the order they were kept.
fn move_ledger_back(tx: &Tx, from: u64, to: u64, ids: &[u64]) -> TxResult<()> {
    let (all, old) = chunks::all_in::<LedgerEntry>(tx, TreeId::Ledger, from)?;
    let (mut moving, staying): (Vec<LedgerEntry>, Vec<LedgerEntry>) =
        all.into_iter().partition(|e| ids.contains(&e.id));
    chunks::rewrite(tx, TreeId::Ledger, from, &staying, old)?;
    for (n, e) in moving.iter_mut().enumerate() {
        e.customer = to;
        e.id = n as u64 + 1;
    }
    chunks::append(tx, TreeId::Ledger, to, moving)
}

/// The keys of the former-refs tree: a member number, a phone, a customer id.
pub(crate) fn former_ref(r: &str) -> String {
    format!("r:{r}")
}

pub(crate) fn former_phone(p: &crate::domain::Phone) -> String {
    format!("p:{}", p.as_str())
}

pub(crate) fn former_id(id: u64) -> String {
    format!("i:{id}")
}

impl Tx<'_> {
    /// The stored customer `id`, or `NoSuchCustomer`.
    fn existing(&self, id: u64) -> TxResult<Customer> {
        match self.customer(id)? {
            Some(c) => Ok(c),
            None => fail(StoreError::NoSuchCustomer(id)),
        }
    }

    /// Sets the referrer of each of `referred` that still names `from` to `to`; returns those
    /// it changed.
    fn repoint(&self, referred: &[u64], from: u64, to: Option<u64>, skip: u64) -> TxResult<Vec<u64>> {
        let mut changed = Vec::new();
        for &id in referred.iter().filter(|&&id| id != skip) {
            let Some(mut c) = self.customer(id)? else {
                continue;
            };
            if c.referrer == Some(from) {
                c.referrer = to;
                self.put_customer(&c)?;
                changed.push(id);
            }
        }
        Ok(changed)
    }

    /// Merges customer `loser` into `survivor` (see [`super::Store::merge`]); `ties` are the
    /// loser's, listed under the writer lock. Returns the survivor as stored and what an
    /// unmerge needs to give it all back. The loser's member number and phone, when the
    /// survivor does not keep them, now lead to the survivor (see [`TreeId::Former`]).
    pub fn merge(&self, survivor: &Customer, loser: u64, ties: &Ties) -> TxResult<(Customer, Unmerge)> {
        if survivor.id == loser {
            return fail(StoreError::MergeIntoSelf(loser));
        }
        let gone = self.existing(loser)?;
        let before = self.existing(survivor.id)?;
        // The loser's ref and phone entries go first, so the survivor may take over its ref.
        self.remove_customer(&gone)?;
        let to = survivor.id;
        let purchases = move_children::<Purchase>(self, TreeId::Purchases, loser, to, &ties.purchases)?;
        let interactions =
            move_children::<Interaction>(self, TreeId::Interactions, loser, to, &ties.interactions)?;
        // The member's accounts go with them: both balances are the survivor's now.
        let ledger = move_ledger(self, loser, to, &ties.ledger)?;
        let mut s = survivor.clone();
        if s.referrer.is_some_and(|r| r == loser || r == to) {
            s.referrer = None;
        }
        let stored = self.put_customer(&s)?;
        let referred = self.repoint(&ties.referred, loser, Some(to), to)?;
        // The loser's id too, so that a chain of merges can be followed to its end.
        let mut former = vec![former_id(loser)];
        if let Some(r) =
            gone.reference.as_deref().filter(|r| !r.is_empty() && stored.reference.as_deref() != Some(*r))
        {
            former.push(former_ref(r));
        }
        if let Some(p) = gone.phone.as_ref().filter(|p| stored.phone.as_ref() != Some(*p)) {
            former.push(former_phone(p));
        }
        for key in &former {
            self.insert(TreeId::Former, key.as_bytes(), id_key(to).to_vec())?;
        }
        // The unmerge finds the survivor at the revision this merge leaves.
        let survivor = Customer { revision: stored.revision, ..before };
        let un = Unmerge { survivor, loser: gone, purchases, interactions, referred, former, ledger };
        Ok((stored, un))
    }

    /// Gives back what a merge took (see [`Unmerge`]): the loser with its records, member number
    /// and referrals, and the survivor as it was (after the revision check). Returns the
    /// survivor as stored.
    pub fn unmerge(&self, un: &Unmerge) -> TxResult<Customer> {
        let (s, l) = (un.survivor.id, un.loser.id);
        let now = self.existing(s)?;
        if now.revision != un.survivor.revision {
            return fail(StoreError::Stale { id: s, expected: un.survivor.revision, found: now.revision });
        }
        if self.customer(l)?.is_some() {
            return fail(StoreError::Refused(format!(
                "customer #{l} exists again; the merge cannot be taken back"
            )));
        }
        for key in &un.former {
            if self.get(TreeId::Former, key.as_bytes())?.is_some_and(|v| v.as_ref() == id_key(s)) {
                self.remove(TreeId::Former, key.as_bytes())?;
            }
        }
        // The survivor as it was first, so that the loser may take its member number back.
        let stored = self.put_customer(&un.survivor)?;
        self.put_customer(&Customer { revision: un.loser.revision, ..un.loser.clone() })?;
        move_back::<Purchase>(self, TreeId::Purchases, s, l, &un.purchases)?;
        move_back::<Interaction>(self, TreeId::Interactions, s, l, &un.interactions)?;
        move_ledger_back(self, s, l, &un.ledger)?;
        // What the survivor spent since of the loser's balance cannot be given back twice.
        for id in [s, l] {
            let (entries, _) = chunks::all_in::<LedgerEntry>(self, TreeId::Ledger, id)?;
            let now = Balances::of(&entries);
            if now.points < 0 || now.stored.0 < 0 {
                return fail(StoreError::Refused(format!(
                    "the merge cannot be taken back: customer #{id} would be left with {} points and {} of stored value (spent since the merge)",
                    now.points, now.stored
                )));
            }
        }
        self.repoint(&un.referred, s, Some(l), l)?;
        Ok(stored)
    }

    /// Deletes customer `id` at `revision` (see [`super::Store::delete_customer`]); `ties` are
    /// its own, listed under the writer lock.
    pub fn delete(&self, id: u64, revision: u64, ties: &Ties) -> TxResult<()> {
        let c = self.existing(id)?;
        if c.revision != revision {
            return fail(StoreError::Stale { id, expected: revision, found: c.revision });
        }
        if !ties.ledger.is_empty() {
            return fail(StoreError::Refused(format!(
                "customer #{id} has a member account (points or stored value entries), which deleting would lose; merge the customer into another one instead"
            )));
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
        self.repoint(&ties.referred, id, None, id).map(drop)
    }
}
