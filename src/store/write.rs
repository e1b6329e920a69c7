//! Applying a [`Change`] inside one sled transaction: the records it writes and nothing else
//! (the audit entries and the journal entry are added around it by
//! [`super::SledStore::commit`]).

use super::StoreError;
use super::chunks::{self, Child};
use super::merge::Ties;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail};
use crate::change::{Applied, Change, ChangeSet, Replaced};
use crate::domain::{Customer, Interaction, Purchase};

/// What a change needs listed under the writer lock before its transaction (sled
/// transactions cannot scan).
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// The ties of the customer a merge takes or a deletion removes.
    pub ties: Option<Ties>,
    /// The customers carrying the tag a rename renames.
    pub tagged: Vec<u64>,
    /// The change is an undo: it puts back a state that was accepted once, so the checks of new
    /// entries (what a return may give back) do not apply.
    pub undoing: bool,
}

/// Writes `change` through `tx`, with what was listed for it in `prep`.
pub(crate) fn apply(tx: &Tx, change: &Change, prep: &Prepared) -> TxResult<(Applied, Replaced)> {
    let needs_ties = || {
        prep.ties.as_ref().ok_or_else(|| {
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
        Change::SaveCustomers(cs) => {
            let mut before = Vec::new();
            for c in cs {
                before.push(tx.customer(c.id)?.ok_or(StoreError::NoSuchCustomer(c.id)).map_err(abort)?);
                tx.put_customer(c)?;
            }
            (Applied::Done, Replaced::Customers(before))
        }
        Change::RenameTag { from, to } => {
            let mut before = Vec::new();
            for &id in &prep.tagged {
                let Some(c) = tx.customer(id)? else { continue };
                if !c.tags.contains(from) {
                    continue;
                }
                let mut renamed = c.clone();
                renamed.tags = rename(&c.tags, from, to);
                tx.put_customer(&renamed)?;
                before.push(c);
            }
            (Applied::Done, Replaced::Customers(before))
        }
        Change::AddPurchase(p) => {
            let mut p = p.clone();
            p.id = fresh_or_reserved(tx, p.id)?;
            if p.refund_of.is_some() && !prep.undoing {
                check_refund(tx, &p)?;
            }
            tx.put_purchase(&p)?;
            (Applied::Purchase(p), Replaced::Nothing)
        }
        Change::ReplacePurchase { before, after } => {
            if after.refund_of.is_some() && after.void.is_none() && !prep.undoing {
                check_refund(tx, after)?;
            }
            replace(tx, TreeId::Purchases, before, Some(after))?;
            (Applied::Purchase(after.clone()), Replaced::Nothing)
        }
        Change::RemovePurchase(p) => {
            replace(tx, TreeId::Purchases, p, None)?;
            (Applied::Done, Replaced::Nothing)
        }
        Change::AddInteraction(i) => {
            let mut i = i.clone();
            i.id = fresh_or_reserved(tx, i.id)?;
            tx.put_interaction(&i)?;
            (Applied::Interaction(i), Replaced::Nothing)
        }
        Change::ReplaceInteraction { before, after } => {
            replace(tx, TreeId::Interactions, before, Some(after))?;
            (Applied::Interaction(after.clone()), Replaced::Nothing)
        }
        Change::RemoveInteraction(i) => {
            replace(tx, TreeId::Interactions, i, None)?;
            (Applied::Done, Replaced::Nothing)
        }
        Change::Batch { set, .. } => {
            batch(tx, set)?;
            (Applied::Done, Replaced::Nothing)
        }
        Change::Merge { survivor, loser } => {
            let (stored, un) = tx.merge(survivor, *loser, needs_ties()?)?;
            (Applied::Merged(stored), Replaced::Merged(Box::new(un)))
        }
        Change::Unmerge(un) => {
            let before = tx.customer(un.survivor.id)?.map(Box::new);
            let stored = tx.unmerge(un)?;
            (Applied::Customer(stored), Replaced::Customer(before))
        }
        Change::DeleteCustomer { id, revision } => {
            let before = tx.customer(*id)?.map(Box::new);
            tx.delete(*id, *revision, needs_ties()?)?;
            (Applied::Done, Replaced::Customer(before))
        }
        Change::NotDuplicate { a, b, not } => {
            for id in [a, b] {
                if tx.customer(*id)?.is_none() {
                    return fail(StoreError::NoSuchCustomer(*id));
                }
            }
            let key = pair_key(*a, *b);
            if *not {
                tx.insert(TreeId::NotDuplicates, &key, Vec::new())?;
            } else {
                tx.remove(TreeId::NotDuplicates, &key)?;
            }
            (Applied::Done, Replaced::Nothing)
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
        Change::Campaign(c) => {
            if tx.get(TreeId::Campaigns, c.name.as_bytes())?.is_some() {
                return fail(StoreError::Refused(format!("a campaign named {:?} exists already", c.name)));
            }
            let bytes = super::txn::lift(super::envelope::encode(c.as_ref(), 0))?;
            tx.insert(TreeId::Campaigns, c.name.as_bytes(), bytes)?;
            (Applied::Done, Replaced::Nothing)
        }
        // A refusal changed nothing; it is kept even when its customer has gone since.
        Change::Refused { .. } => (Applied::Done, Replaced::Nothing),
        Change::ReserveIds(n) => (Applied::Ids(tx.take_ids(*n)?), Replaced::Nothing),
        Change::Undo { change, .. } => apply(tx, change, prep)?,
    })
}

/// A store error as a transaction abort.
fn abort(e: StoreError) -> sled::transaction::ConflictableTransactionError<StoreError> {
    sled::transaction::ConflictableTransactionError::Abort(e)
}

/// The key of a pair of customers, the smaller id first.
pub(crate) fn pair_key(a: u64, b: u64) -> [u8; 16] {
    let (lo, hi) = (a.min(b), a.max(b));
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&lo.to_be_bytes());
    k[8..].copy_from_slice(&hi.to_be_bytes());
    k
}

/// `tags` with `from` renamed `to`, once.
fn rename(tags: &[String], from: &str, to: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = if t == from { to.to_string() } else { t.clone() };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Replaces record `before` of its customer's history in `tree` by `after` (same id and
/// customer), or removes it with `None`; refused when the stored record is not `before`.
fn replace<T: Child + PartialEq>(tx: &Tx, tree: TreeId, before: &T, after: Option<&T>) -> TxResult<()> {
    let owner = before.owner();
    if let Some(a) = after
        && (a.id() != before.id() || a.owner() != owner)
    {
        return fail(StoreError::Refused(format!(
            "{} #{} cannot change its id or customer",
            T::KIND,
            before.id()
        )));
    }
    let (mut all, old) = chunks::all_in::<T>(tx, tree, owner)?;
    let Some(at) = all.iter().position(|r| r.id() == before.id()) else {
        return fail(StoreError::Changed(format!("{} #{} (no longer stored)", T::KIND, before.id())));
    };
    if &all[at] != before {
        return fail(StoreError::Changed(format!("{} #{}", T::KIND, before.id())));
    }
    match after {
        Some(a) => all[at] = a.clone(),
        None => {
            all.remove(at);
        }
    }
    chunks::rewrite(tx, tree, owner, &all, old)
}

/// Refuses a return that is not of a sale of the same customer, comes before it, or gives back
/// more money or items than are left of it.
fn check_refund(tx: &Tx, r: &Purchase) -> TxResult<()> {
    let Some(of) = r.refund_of else { return Ok(()) };
    tx.require_customer(r.customer)?;
    let (all, _) = chunks::all_in::<Purchase>(tx, TreeId::Purchases, r.customer)?;
    let Some(sale) = all.iter().find(|p| p.id == of && p.is_sale()) else {
        return fail(StoreError::Refused(format!(
            "purchase #{of} is not a sale of customer #{} (or it was voided); nothing to return",
            r.customer
        )));
    };
    if r.date < sale.date {
        return fail(StoreError::Refused(format!(
            "a return cannot come before its sale (purchase #{of} of {})",
            sale.date
        )));
    }
    let others: Vec<Purchase> = all.iter().filter(|p| p.id != r.id).cloned().collect();
    let (money, items) = crate::domain::refundable(sale, &others);
    if r.amount > money || r.quantity > items {
        return fail(StoreError::Refused(format!(
            "the return gives back more than is left of purchase #{of}: {money} and {items} item(s) left"
        )));
    }
    Ok(())
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
