//! On a database other processes write too (PostgreSQL: the command line, other `kehu serve`
//! machines, consoles opened on it directly), what they commit reaches every session here as
//! one session's save reaches the others: through the hub, each customer read again under its
//! lock. A change of the whole shop elsewhere (an import) has the shop read and classified
//! again and installed as a new load, as a command run through the control socket does.

use super::hub::Hub;
use crate::store::Store;
use crate::tui::watch::{Seen, Watcher, is_shop_wide};
use crate::ui::Action;
use std::sync::Arc;

/// The session number of a change that comes from no session: every session takes it.
const NO_SESSION: u64 = 0;

/// Starts following what other processes commit after change `since` (what the base console
/// was read at); `None` on a database only this process opens.
pub fn follow(store: Arc<dyn Store>, hub: Arc<Hub>, since: u64) -> std::io::Result<Option<Watcher>> {
    let reader = Arc::clone(&store);
    Watcher::start(store, since, move |seen| pass_on(reader.as_ref(), &hub, seen))
}

/// Hands one thing the watcher saw to the hub (or the log).
fn pass_on(store: &dyn Store, hub: &Hub, seen: Seen) {
    match seen.action {
        Action::ChangedElsewhere { history, by } => {
            hub.publish(store, NO_SESSION, &by, &Action::Saved(history))
        }
        Action::Committed(a) => hub.publish(store, NO_SESSION, "another till", &Action::Committed(a)),
        Action::Notice(n) if is_shop_wide(&n) => {
            super::log(format_args!("another process changed the whole shop: reading it again"));
            match super::refresh::load(store, hub) {
                Ok(loaded) => hub.publish_load(loaded),
                Err(e) => super::log(format_args!("the shop could not be read again: {e:#}")),
            }
        }
        Action::Notice(n) | Action::Failed(n) => {
            super::log(format_args!("{}", n.render(crate::i18n::Lang::En)))
        }
        _ => {}
    }
}
