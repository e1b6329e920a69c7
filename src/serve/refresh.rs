//! After a command the control socket ran for the command line (see [`super::control`]): what
//! it changed is passed to every console through the hub, as a console's own save is.
//!
//! What changed is read from the audit log (every change writes its entries in its own
//! transaction): the entries after the one that was newest when the command began, signed by
//! the client's operator. Changes of a few customers go out as one commit answer (each customer
//! read again, as a save in a console is); a shop-wide change (an import, a model fit, the undo
//! of an import) or many customers has the whole shop read and classified again and sent as a
//! new load. While the shop is read, consoles may save: whatever changed meanwhile is sent
//! again after the load, so that no console keeps the copy the load read before it.

use super::hub::Hub;
use crate::store::{AuditEntry, Store, StoreResult};
use crate::ui::{Action, CommitAnswer, Loaded};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// The session number of a change that comes from no session: every session takes it.
const NO_SESSION: u64 = 0;
/// More customers than this are sent as a new load rather than one by one.
const ONE_BY_ONE: usize = 500;
/// Loads sent for one command at most: changes keep coming while the shop is read only under a
/// flood of imports, and the next command's refresh catches up.
const MAX_LOADS: usize = 3;

/// The journal number of the newest audit entry (0 when there is none): where the entries of
/// a command about to run begin.
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
struct Touched {
    customers: BTreeSet<u64>,
    shop: bool,
}

/// The entries newer than `since`, only those of `operator` when given; the journal number of
/// the newest.
fn touched(store: &dyn Store, since: u64, operator: Option<&str>) -> StoreResult<Touched> {
    let mut t = Touched::default();
    store.audit_newest_first(&mut |e| {
        if e.seq <= since {
            return ControlFlow::Break(());
        }
        if operator.is_none_or(|o| e.operator == o) && !is_own_fit(&e) {
            match e.customer {
                0 => t.shop = true,
                id => {
                    t.customers.insert(id);
                }
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

/// Passes what `operator` changed since `since` (see [`mark`]) with `kehu command` to every
/// console of `hub`; failures are logged, never the client's concern.
pub fn publish(store: &dyn Store, hub: &Hub, since: u64, operator: &str, command: &str) {
    if let Err(e) = try_publish(store, hub, since, operator, command) {
        super::log(format_args!("the consoles may not show what `kehu {command}` changed: {e:#}"));
    }
}

fn try_publish(
    store: &dyn Store,
    hub: &Hub,
    since: u64,
    operator: &str,
    command: &str,
) -> anyhow::Result<()> {
    let mut since = since;
    let mut only = Some(operator);
    let mut loads = 0;
    loop {
        let t = touched(store, since, only)?;
        if !t.shop && t.customers.len() <= ONE_BY_ONE {
            if !t.customers.is_empty() {
                let a = answer(store, &t, command)?;
                hub.publish(store, NO_SESSION, operator, &Action::Committed(Box::new(a)));
            }
            return Ok(());
        }
        anyhow::ensure!(loads < MAX_LOADS, "the shop kept changing while it was read");
        loads += 1;
        // Whatever anyone saves from here on is sent again after the load.
        since = mark(store)?;
        only = None;
        hub.publish_load(load(store, hub)?);
    }
}

/// The touched customers as they are stored now (those gone since, as gone).
fn answer(store: &dyn Store, t: &Touched, command: &str) -> anyhow::Result<CommitAnswer> {
    let mut histories = Vec::new();
    let mut gone = Vec::new();
    for &id in &t.customers {
        match store.history(id)? {
            Some(h) => histories.push(h),
            None => gone.push(id),
        }
    }
    Ok(CommitAnswer {
        histories,
        gone,
        dismissed: Vec::new(),
        note: crate::notice!("`kehu {}` from the command line", command.to_string()),
        mine: false,
    })
}

/// The whole shop read and classified as the consoles classify it.
fn load(store: &dyn Store, hub: &Hub) -> anyhow::Result<Loaded> {
    let (rules, today) = hub.classified_as();
    let ctx = crate::cli::Context { db_path: Default::default(), today, follow_clock: false, rules };
    let (customers, classifier) = ctx.load(store, true)?;
    Ok(Loaded::new(customers, classifier))
}
