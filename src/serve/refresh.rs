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
use crate::store::Store;
use crate::tui::elsewhere::{answer, touched};
use crate::ui::{Action, Loaded};

/// The session number of a change that comes from no session: every session takes it.
const NO_SESSION: u64 = 0;
/// More customers than this are sent as a new load rather than one by one.
const ONE_BY_ONE: usize = 500;
/// Loads sent for one command at most: changes keep coming while the shop is read only under a
/// flood of imports, and the next command's refresh catches up.
const MAX_LOADS: usize = 3;

pub use crate::tui::elsewhere::mark;

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
        let t = touched(store, since, &mut |e| only.is_none_or(|o| e.operator == o))?;
        if !t.shop && t.customers.len() <= ONE_BY_ONE {
            if !t.customers.is_empty() {
                let note = crate::notice!("`kehu {}` from the command line", command.to_string());
                let a = answer(store, &t, note)?;
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

/// The whole shop read and classified as the consoles classify it.
pub(crate) fn load(store: &dyn Store, hub: &Hub) -> anyhow::Result<Loaded> {
    let (rules, today) = hub.classified_as();
    let ctx = crate::cli::Context {
        db_path: Default::default(),
        today,
        follow_clock: false,
        rules,
        branch: String::new(),
    };
    let (customers, classifier) = ctx.load(store, true)?;
    Ok(Loaded::new(customers, classifier))
}
