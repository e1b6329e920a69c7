//! Changes made elsewhere — by the command line beside `kehu serve`, or by another process on
//! a shared database — read from the audit log (every change writes its entries in its own
//! transaction): what the entries after a mark touched, and the touched customers as stored now.

use crate::store::{AuditEntry, Store, StoreResult};
use crate::ui::CommitAnswer;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// The journal number of the newest audit entry (0 when there is none): where the entries of
/// changes still to come begin.
pub fn mark(store: &dyn Store) -> StoreResult<u64> {
    let mut seq = 0;
    store.audit_newest_first(&mut |e| {
        seq = e.seq;
        ControlFlow::Break(())
    })?;
    Ok(seq)
}

/// What the entries after a mark touched.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// The customers named.
    pub customers: BTreeSet<u64>,
    /// A change of the whole shop (an import, a setting, the undo of an import).
    pub shop: bool,
    /// Who made them, in the order first seen (newest first).
    pub by: Vec<String>,
    /// The newest change read (the mark itself when there was none).
    pub newest: u64,
}

/// The entries newer than `since` that `take` accepts (by their change number and operator).
pub fn touched(
    store: &dyn Store,
    since: u64,
    take: &mut dyn FnMut(&AuditEntry) -> bool,
) -> StoreResult<Touched> {
    let mut t = Touched { newest: since, ..Touched::default() };
    store.audit_newest_first(&mut |e| {
        if e.seq <= since {
            return ControlFlow::Break(());
        }
        t.newest = t.newest.max(e.seq);
        if take(&e) && !is_own_fit(&e) {
            match e.customer {
                0 => t.shop = true,
                id => {
                    t.customers.insert(id);
                }
            }
            if !t.by.contains(&e.operator) {
                t.by.push(e.operator.clone());
            }
        }
        ControlFlow::Continue(())
    })?;
    Ok(t)
}

/// A model kehu fitted by itself while classifying (a load, `segments`): the consoles fit
/// their own when they need one.
fn is_own_fit(e: &AuditEntry) -> bool {
    e.customer == 0 && e.operator == crate::store::SYSTEM && e.what.starts_with("setting ")
}

/// The touched customers as they are stored now (those gone since, as gone), with `note` for
/// the status line; not a console's own save.
pub fn answer(store: &dyn Store, t: &Touched, note: crate::ui::Notice) -> StoreResult<CommitAnswer> {
    let mut histories = Vec::new();
    let mut gone = Vec::new();
    for &id in &t.customers {
        match store.history(id)? {
            Some(h) => histories.push(h),
            None => gone.push(id),
        }
    }
    Ok(CommitAnswer { histories, gone, dismissed: Vec::new(), note, mine: false })
}
