//! Applying a [`Change`] inside one sled transaction: the records it writes and nothing else
//! (the audit entries and the journal entry are added around it by
//! [`super::SledStore::commit`]).

use super::StoreError;
use super::chunks;
use super::merge::Ties;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail};
use crate::change::{Applied, Change, ChangeSet, Replaced};
use crate::domain::{Customer, Interaction, Purchase};

/// Writes `change` through `tx`; `ties` are those a merge or a deletion needs, listed under the
/// writer lock before the transaction (sled transactions cannot scan).
pub(crate) fn apply(tx: &Tx, change: &Change, ties: Option<&Ties>) -> TxResult<(Applied, Replaced)> {
    let needs_ties = || {
        ties.ok_or_else(|| {
            sled::transaction::ConflictableTransactionError::Abort(StoreError::Io(
                "internal: a merge or deletion without its ties".into(),
            ))
        })
    };
    Ok(match change {
        Change::SaveCustomer(c) => {
            let mut c = c.clone();
            if c.id == 0 {
                c.id = tx.take_ids(1)?;
            } else {
                tx.reserve_through(c.id)?;
            }
            let before = tx.customer(c.id)?.map(Box::new);
            (Applied::Customer(tx.put_customer(&c)?), Replaced::Customer(before))
        }
        Change::AddPurchase(p) => {
            let mut p = p.clone();
            p.id = fresh_or_reserved(tx, p.id)?;
            tx.put_purchase(&p)?;
            (Applied::Purchase(p), Replaced::Nothing)
        }
        Change::AddInteraction(i) => {
            let mut i = i.clone();
            i.id = fresh_or_reserved(tx, i.id)?;
            tx.put_interaction(&i)?;
            (Applied::Interaction(i), Replaced::Nothing)
        }
        Change::Batch { set, .. } => {
            batch(tx, set)?;
            (Applied::Done, Replaced::Nothing)
        }
        Change::Merge { survivor, loser } => {
            let before = tx.customer(survivor.id)?.map(Box::new);
            let stored = tx.merge(survivor, *loser, needs_ties()?)?;
            (Applied::Merged(stored), Replaced::Customer(before))
        }
        Change::DeleteCustomer { id, revision } => {
            let before = tx.customer(*id)?.map(Box::new);
            tx.delete(*id, *revision, needs_ties()?)?;
            (Applied::Done, Replaced::Customer(before))
        }
        Change::Setting { key, value } => {
            let before = tx.get(TreeId::Settings, key.as_bytes())?.map(|v| v.to_vec());
            match value {
                Some(v) => tx.insert(TreeId::Settings, key.as_bytes(), v.clone())?,
                None => tx.remove(TreeId::Settings, key.as_bytes())?,
            }
            (Applied::Done, Replaced::Setting(before))
        }
        Change::RevealPhone { customer } => {
            if tx.customer(*customer)?.is_none() {
                return fail(StoreError::NoSuchCustomer(*customer));
            }
            (Applied::Done, Replaced::Nothing)
        }
        Change::ReserveIds(n) => (Applied::Ids(tx.take_ids(*n)?), Replaced::Nothing),
    })
}

/// A fresh id for a record without one; a chosen one is reserved so it is never handed out.
fn fresh_or_reserved(tx: &Tx, id: u64) -> TxResult<u64> {
    if id == 0 {
        tx.take_ids(1)
    } else {
        tx.reserve_through(id)?;
        Ok(id)
    }
}

/// Writes a change set: customers first, so that purchases and interactions may refer to
/// customers created by the same set. Records with id 0 get fresh ids.
fn batch(tx: &Tx, set: &ChangeSet) -> TxResult<()> {
    let chosen = set
        .customers
        .iter()
        .map(|c| c.id)
        .chain(set.purchases.iter().map(|p| p.id))
        .chain(set.interactions.iter().map(|i| i.id))
        .max()
        .unwrap_or(0);
    tx.reserve_through(chosen)?;
    let fresh = set.customers.iter().filter(|c| c.id == 0).count()
        + set.purchases.iter().filter(|p| p.id == 0).count()
        + set.interactions.iter().filter(|i| i.id == 0).count();
    let mut next = tx.take_ids(fresh as u64)?;
    let mut fresh_id = || {
        next += 1;
        next - 1
    };
    for c in &set.customers {
        if c.id == 0 {
            tx.put_customer(&Customer { id: fresh_id(), ..c.clone() })?;
        } else {
            tx.put_customer(c)?;
        }
    }
    let purchases: Vec<Purchase> = set
        .purchases
        .iter()
        .map(|p| Purchase { id: if p.id == 0 { fresh_id() } else { p.id }, ..p.clone() })
        .collect();
    let interactions: Vec<Interaction> = set
        .interactions
        .iter()
        .map(|i| Interaction { id: if i.id == 0 { fresh_id() } else { i.id }, ..i.clone() })
        .collect();
    // Each customer's records at once: one read and rewrite of their last chunk per set.
    for (owner, records) in chunks::by_owner(purchases) {
        tx.put_children(TreeId::Purchases, owner, records)?;
    }
    for (owner, records) in chunks::by_owner(interactions) {
        tx.put_children(TreeId::Interactions, owner, records)?;
    }
    Ok(())
}
