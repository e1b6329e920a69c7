//! Undo: the operator's last change that can be taken back, found in the audit log (each
//! change's first entry keeps its inverse), and taking it back as a change of its own.
//!
//! Undo walks back through one operator's changes: a change already taken back is skipped, and
//! so are undos themselves. Taking back a change that someone else has changed since (a later
//! entry about the same customer by another operator) needs the operator's say-so: then the
//! inverse is applied to the records as they are now.

use super::{AuditEntry, Change, Committed};
use crate::store::{Store, StoreError, StoreResult};
use std::collections::HashSet;
use std::ops::ControlFlow;

/// A change that can be taken back.
#[derive(Debug, Clone)]
pub struct Undoable {
    /// Its audit entry.
    pub entry: AuditEntry,
    /// The change that takes it back.
    pub inverse: Change,
    /// Later entries about the same customer by other operators: their work would be undone too.
    pub since: Vec<AuditEntry>,
}

impl Undoable {
    /// Whether someone else changed the same customer since (undo then asks first).
    pub fn needs_consent(&self) -> bool {
        !self.since.is_empty()
    }

    /// "bob edited customer #12 at 14:02", for the question undo asks.
    pub fn since_text(&self) -> String {
        self.since
            .iter()
            .map(|e| format!("{} ({}, {})", e.operator, e.what, e.when.format("%Y-%m-%d %H:%M")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The last change of `operator` (of anyone with `None`) that can be taken back. Walks the log
/// from its newest entry: an undo always comes after what it took back, and what someone else
/// did since lies between.
pub fn last(store: &dyn Store, operator: Option<&str>) -> StoreResult<Option<Undoable>> {
    let mut undone: HashSet<u64> = HashSet::new();
    let mut later: Vec<AuditEntry> = Vec::new();
    let mut found = None;
    store.audit_newest_first(&mut |e| {
        let undoable = !e.undo.is_empty()
            && e.undoes == 0
            && e.seq != 0
            && !undone.contains(&e.seq)
            && operator.is_none_or(|o| e.operator == o);
        if undoable {
            found = Some(e);
            return ControlFlow::Break(());
        }
        if e.undoes != 0 {
            undone.insert(e.undoes);
        }
        later.push(e);
        ControlFlow::Continue(())
    })?;
    let Some(entry) = found else { return Ok(None) };
    let inverse: Change = serde_json::from_str(&entry.undo).map_err(|e| {
        StoreError::Corrupt(format!("the undo kept with change {} does not read ({e})", entry.seq))
    })?;
    // Oldest first, as the question lists them.
    let since = later
        .into_iter()
        .rev()
        .filter(|e| e.customer != 0 && e.customer == entry.customer && e.operator != entry.operator)
        // A refused attempt changed nothing: undo need not ask about it.
        .filter(|e| !e.is_refusal())
        .collect();
    Ok(Some(Undoable { entry, inverse, since }))
}

/// Takes `u` back for `operator`. Without `consent`, a change someone else has changed since
/// is refused with [`StoreError::NeedsConsent`]; with it, the inverse is applied to the records
/// as they are now.
pub fn apply(store: &dyn Store, u: &Undoable, operator: &str, consent: bool) -> StoreResult<Committed> {
    if u.needs_consent() && !consent {
        return Err(StoreError::NeedsConsent(u.since_text()));
    }
    let change = if consent { rebase(store, &u.inverse)? } else { u.inverse.clone() };
    store.commit(
        Change::Undo { seq: u.entry.seq, what: u.entry.what.clone(), change: Box::new(change) },
        operator,
    )
}

/// `change` made to apply to the records as they are now: the current revisions, the stored
/// records as the "before" of a replacement or removal.
fn rebase(store: &dyn Store, change: &Change) -> StoreResult<Change> {
    let revision = |id: u64| -> StoreResult<u64> { Ok(store.customer(id)?.map_or(0, |c| c.revision)) };
    Ok(match change {
        Change::SaveCustomer(c) => {
            Change::SaveCustomer(crate::domain::Customer { revision: revision(c.id)?, ..c.clone() })
        }
        Change::SaveCustomers(cs) => Change::SaveCustomers(
            cs.iter()
                .map(|c| Ok(crate::domain::Customer { revision: revision(c.id)?, ..c.clone() }))
                .collect::<StoreResult<_>>()?,
        ),
        Change::DeleteCustomer { id, .. } => Change::DeleteCustomer { id: *id, revision: revision(*id)? },
        Change::ReplacePurchase { before, after } => {
            let now = stored_purchase(store, before.customer, before.id)?.unwrap_or_else(|| before.clone());
            Change::ReplacePurchase { before: now, after: after.clone() }
        }
        Change::RemovePurchase(p) => {
            Change::RemovePurchase(stored_purchase(store, p.customer, p.id)?.unwrap_or_else(|| p.clone()))
        }
        Change::ReplaceInteraction { before, after } => {
            let now =
                stored_interaction(store, before.customer, before.id)?.unwrap_or_else(|| before.clone());
            Change::ReplaceInteraction { before: now, after: after.clone() }
        }
        Change::RemoveInteraction(i) => Change::RemoveInteraction(
            stored_interaction(store, i.customer, i.id)?.unwrap_or_else(|| i.clone()),
        ),
        Change::Unmerge(un) => {
            let mut un = un.clone();
            un.survivor.revision = revision(un.survivor.id)?;
            Change::Unmerge(un)
        }
        other => other.clone(),
    })
}

fn stored_purchase(
    store: &dyn Store,
    customer: u64,
    id: u64,
) -> StoreResult<Option<crate::domain::Purchase>> {
    Ok(store.history(customer)?.and_then(|h| h.purchases.into_iter().find(|p| p.id == id)))
}

fn stored_interaction(
    store: &dyn Store,
    customer: u64,
    id: u64,
) -> StoreResult<Option<crate::domain::Interaction>> {
    Ok(store.history(customer)?.and_then(|h| h.interactions.into_iter().find(|i| i.id == id)))
}
