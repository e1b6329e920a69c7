//! Applying a [`Change`] inside one sled transaction: the records it writes and nothing else
//! (the audit entries and the journal entry are added around it by
//! [`super::SledStore::commit`]).

use super::StoreError;
use super::chunks::{self, Child};
use super::ledger::{LEDGER_PENDING, Posting, remember_key, settle_return};
use super::merge::Ties;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail};
use crate::change::{Applied, Change, ChangeSet, Replaced};
use crate::domain::{Customer, EntryKind, Interaction, Purchase};

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

/// Writes `change` (saved by `operator`) through `tx`, with what was listed for it in `prep`:
/// its records, the ledger entries they are due, and its idempotency key when it has one.
pub(crate) fn apply(
    tx: &Tx,
    change: &Change,
    prep: &Prepared,
    operator: &str,
) -> TxResult<(Applied, Replaced)> {
    let key = match change {
        Change::Keyed { key, .. } => Some(key.as_str()),
        _ => None,
    };
    let posting = Posting::new(tx, key, operator);
    let (applied, replaced) = apply_in(tx, change, prep, &posting)?;
    let saved = posting.finish()?;
    let applied = match applied {
        Applied::Entries(_) => Applied::Entries(saved),
        other => other,
    };
    if let Some(key) = key {
        let (customer, id) = match &applied {
            Applied::Purchase(p) => (p.customer, p.id),
            Applied::Entries(es) if !es.is_empty() => (es[0].customer, es[0].id),
            _ => return fail(StoreError::Refused("only a purchase or ledger entries take a key".into())),
        };
        remember_key(tx, key, customer, id)?;
    }
    Ok((applied, replaced))
}

/// [`apply`] as change `seq`, made at `when`, with its audit entries.
pub(crate) fn audited(
    tx: &Tx,
    seq: u64,
    change: &Change,
    prep: &Prepared,
    operator: &str,
    when: chrono::DateTime<chrono::Utc>,
) -> TxResult<(Applied, Replaced)> {
    let (applied, replaced) = apply(tx, change, prep, operator)?;
    let done = crate::change::Committed { seq, applied: applied.clone(), replaced: replaced.clone() };
    let entries = crate::change::audit::entries(change, &done, &tx.customers_written(), operator, when);
    for (n, e) in entries.iter().enumerate() {
        super::audit::put(tx, seq, n, e)?;
    }
    Ok((applied, replaced))
}

/// What a replaced purchase's entries are: a void (or its taking back), else a correction.
fn replaced(before: &Purchase, after: &Purchase) -> EntryKind {
    if before.void.is_some() != after.void.is_some() { EntryKind::Void } else { EntryKind::Correct }
}

/// [`apply`] without the posting's end: the change itself (an undo or a keyed change is the
/// change it carries).
fn apply_in(tx: &Tx, change: &Change, prep: &Prepared, post: &Posting) -> TxResult<(Applied, Replaced)> {
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
                check_refund(tx, &mut p, Some(post))?;
            }
            tx.put_purchase(&p)?;
            post.added(&p);
            (Applied::Purchase(p), Replaced::Nothing)
        }
        Change::ReplacePurchase { before, after } => {
            if after.refund_of.is_some() && after.void.is_none() && !prep.undoing {
                check_refund(tx, &mut after.clone(), None)?;
            }
            let (was, now) = replace(tx, TreeId::Purchases, before, Some(after))?;
            let kind = replaced(before, after);
            post.settle(&was, &now, &with_returns(&now, after.id), |_| kind);
            (Applied::Purchase(after.clone()), Replaced::Nothing)
        }
        Change::RemovePurchase(p) => {
            let (was, now) = replace(tx, TreeId::Purchases, p, None)?;
            post.settle(&was, &now, &with_returns(&was, p.id), |_| EntryKind::Remove);
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
            batch(tx, set, post)?;
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
        Change::Undo { change, .. } => apply_in(tx, change, prep, post)?,
        Change::Keyed { change, .. } => match &**change {
            Change::AddPurchase(_) | Change::Ledger(_) => apply_in(tx, change, prep, post)?,
            _ => return fail(StoreError::Refused("only a purchase or ledger entries take a key".into())),
        },
        Change::Ledger(entries) => {
            post.post_given(entries)?;
            (Applied::Entries(Vec::new()), Replaced::Nothing)
        }
        Change::OpenLedger(entries) => {
            if tx.get(TreeId::Meta, LEDGER_PENDING)?.is_none() {
                return fail(StoreError::Refused("the points ledger is open already".into()));
            }
            tx.remove(TreeId::Meta, LEDGER_PENDING)?;
            for e in entries {
                if e.kind != EntryKind::Opening || e.amount <= 0 {
                    return fail(StoreError::Refused("an opening entry credits points".into()));
                }
                tx.require_customer(e.customer)?;
                post.post(e.clone());
            }
            (Applied::Entries(Vec::new()), Replaced::Nothing)
        }
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
/// Returns the customer's records before and after.
fn replace<T: Child + PartialEq>(
    tx: &Tx,
    tree: TreeId,
    before: &T,
    after: Option<&T>,
) -> TxResult<(Vec<T>, Vec<T>)> {
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
    let was = all.clone();
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
    chunks::rewrite(tx, tree, owner, &all, old)?;
    Ok((was, all))
}

/// Purchase `id` and the returns of it among `all`: what a change to it may change the dues of.
fn with_returns(all: &[Purchase], id: u64) -> Vec<u64> {
    std::iter::once(id).chain(all.iter().filter(|r| r.refund_of == Some(id)).map(|r| r.id)).collect()
}

/// Refuses a return that is not of a sale of the same customer, comes before it, or gives back
/// more money or items than are left of it; with `settle`, gives it its points and payment
/// from its sale (see [`settle_return`]).
fn check_refund(tx: &Tx, r: &mut Purchase, settle: Option<&Posting>) -> TxResult<()> {
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
    if let Some(post) = settle {
        let available = post.balances(r.customer)?.points;
        let sale = sale.clone();
        settle_return(r, &sale, &all, available);
    }
    Ok(())
}

/// Gives each return of `purchases` its points and payment from its sale (in `purchases`, or
/// stored), in the order given, as if the set's records were saved one after another.
fn settle_batch_returns(tx: &Tx, purchases: &mut [Purchase], post: &Posting) -> TxResult<()> {
    use std::collections::HashMap;
    let returns: Vec<usize> = (0..purchases.len()).filter(|&i| purchases[i].refund_of.is_some()).collect();
    if returns.is_empty() {
        return Ok(());
    }
    // Points the set's own records move, per customer, as they are settled.
    let mut moved: HashMap<u64, i64> = HashMap::new();
    for p in purchases.iter().filter(|p| p.refund_of.is_none()) {
        *moved.entry(p.customer).or_default() += crate::domain::ledger::points_due(p);
    }
    let mut stored: HashMap<u64, Vec<Purchase>> = HashMap::new();
    for i in returns {
        let (customer, of) = (purchases[i].customer, purchases[i].refund_of.unwrap_or(0));
        if let std::collections::hash_map::Entry::Vacant(slot) = stored.entry(customer) {
            let known = tx.get(TreeId::Customers, &super::keys::id_key(customer))?.is_some();
            let list = if known {
                chunks::all_in::<Purchase>(tx, TreeId::Purchases, customer)?.0
            } else {
                Vec::new()
            };
            slot.insert(list);
        }
        let mut all: Vec<Purchase> = stored.get(&customer).cloned().unwrap_or_default();
        all.extend(
            purchases
                .iter()
                .enumerate()
                .filter(|(at, p)| p.customer == customer && (p.refund_of.is_none() || *at < i))
                .map(|(_, p)| p.clone()),
        );
        let Some(sale) = all.iter().find(|p| p.id == of && p.refund_of.is_none()).cloned() else { continue };
        let available = post.balances(customer)?.points + moved.get(&customer).copied().unwrap_or(0);
        settle_return(&mut purchases[i], &sale, &all, available);
        *moved.entry(customer).or_default() += crate::domain::ledger::points_due(&purchases[i]);
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
/// customers created by the same set. Records with id 0 get fresh ids; returns take their
/// points and payment from their sales (in the set or stored), and every purchase posts what
/// it is due.
fn batch(tx: &Tx, set: &ChangeSet, post: &Posting) -> TxResult<()> {
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
    let mut purchases: Vec<Purchase> = set
        .purchases
        .iter()
        .map(|p| Purchase { id: if p.id == 0 { fresh_id() } else { p.id }, ..p.clone() })
        .collect();
    settle_batch_returns(tx, &mut purchases, post)?;
    for p in &purchases {
        post.added(p);
    }
    if !set.ledger.is_empty() {
        post.post_given(&set.ledger)?;
    }
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
