//! The watcher thread: on a database other processes write too (PostgreSQL), what they commit
//! is read as it lands and passed to the console as an action — one customer as
//! [`Action::ChangedElsewhere`], several as a commit answer that is not the console's own — so
//! that every till and phone desk of a chain shows the same customer. This console's own saves
//! are left out (the feed knows them).
//!
//! When the feed breaks (the server restarted), the console says "reconnecting", tries again
//! with a growing pause, and on success reads every change it missed. A change of the whole
//! shop (an import elsewhere, many customers at once) is said on the status line rather than
//! reloaded under the operator's hands: the console's next start shows it.

use super::elsewhere::{Touched, answer, touched};
use crate::domain::History;
use crate::store::{ChangeFeed, Store};
use crate::ui::Action;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Name of the watcher thread.
const THREAD_NAME: &str = "kehu-watcher";
/// How long one wait for a commit lasts: how soon a console that quits has its watcher end.
const WAIT: Duration = Duration::from_millis(200);
/// More customers than this are said, not passed on one by one.
const ONE_BY_ONE: usize = 500;
/// The pauses between tries to listen again, growing to the last.
const RETRIES: [Duration; 4] =
    [Duration::from_millis(250), Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(5)];

/// What the watcher passes on: an action for the console, and the change it was read after.
#[derive(Debug)]
pub struct Seen {
    /// For the console.
    pub action: Action,
    /// The newest change read when the customers it carries were read (0: it carries none).
    pub read_at: u64,
}

impl Seen {
    /// A word for the status line, carrying no customer.
    fn said(action: Action) -> Seen {
        Seen { action, read_at: 0 }
    }

    /// The action to take in now: read again when this console saved a change after it was
    /// read (its copies may be older than what the console already shows, and would undo its
    /// own save on screen). The store is asked for the customers once more on this thread,
    /// which happens only when a save and another till's change cross.
    pub fn current(self, store: &dyn Store) -> Action {
        if self.read_at == 0 || store.newest_own_change() <= self.read_at {
            return self.action;
        }
        let again = |h: History| store.history(h.customer.id).map(|now| now.unwrap_or(h));
        let read = match self.action {
            Action::ChangedElsewhere { history, by } => {
                again(*history).map(|h| Action::ChangedElsewhere { history: Box::new(h), by })
            }
            Action::Committed(mut a) if !a.mine => {
                let histories = std::mem::take(&mut a.histories);
                histories.into_iter().map(again).collect::<crate::store::StoreResult<_>>().map(|hs| {
                    a.histories = hs;
                    Action::Committed(a)
                })
            }
            other => Ok(other),
        };
        read.unwrap_or_else(|e| {
            Action::Failed(crate::notice!("cannot read another till's change: {}", e.to_string()))
        })
    }
}

/// A running watcher; dropping it ends the thread within [`WAIT`].
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Watches `store` for changes after change `since`, sending what they touched to `reply`;
    /// `None` when the store is this process's alone (nobody else writes to it).
    pub fn start(
        store: Arc<dyn Store>,
        since: u64,
        reply: impl Fn(Seen) + Send + 'static,
    ) -> std::io::Result<Option<Watcher>> {
        let feed = match store.watch() {
            Ok(Some(feed)) => feed,
            Ok(None) => return Ok(None),
            Err(e) => {
                let told = crate::notice!("other tills' changes are not shown: {}", e.to_string());
                reply(Seen::said(Action::Failed(told)));
                return Ok(None);
            }
        };
        let stop = Arc::new(AtomicBool::new(false));
        let halt = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || watch(store.as_ref(), feed, since, &halt, &reply))?;
        Ok(Some(Watcher { stop, thread: Some(thread) }))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Not joined: a wait on a server that stopped answering must not hold up the quit.
        drop(self.thread.take());
    }
}

/// The watcher's loop: wait, pass on, and listen again when the feed breaks.
fn watch(
    store: &dyn Store,
    mut feed: Box<dyn ChangeFeed>,
    mut since: u64,
    stop: &AtomicBool,
    reply: &dyn Fn(Seen),
) {
    while !stop.load(Ordering::Relaxed) {
        match feed.wait(WAIT) {
            Ok(None) => {}
            Ok(Some(newest)) if newest <= since => {}
            Ok(Some(_)) => since = pass_on(store, feed.as_mut(), since, reply),
            Err(e) => {
                let told = crate::notice!("reconnecting to the database… ({})", e.to_string());
                reply(Seen::said(Action::Failed(told)));
                let Some(again) = listen_again(store, stop) else { return };
                feed = again;
                reply(Seen::said(Action::Notice(crate::notice!("reconnected to the database"))));
                since = pass_on(store, feed.as_mut(), since, reply);
            }
        }
    }
}

/// A new feed, tried with growing pauses until one listens or the console quits.
fn listen_again(store: &dyn Store, stop: &AtomicBool) -> Option<Box<dyn ChangeFeed>> {
    let mut tries = 0;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(RETRIES[tries.min(RETRIES.len() - 1)]);
        if let Ok(Some(feed)) = store.watch() {
            return Some(feed);
        }
        tries += 1;
    }
    None
}

/// Reads what the changes after `since` touched, others' only, and sends it; the newest change
/// read (or `since` when reading failed: the next commit tries again).
fn pass_on(store: &dyn Store, feed: &mut dyn ChangeFeed, since: u64, reply: &dyn Fn(Seen)) -> u64 {
    let read = touched(store, since, &mut |e| !feed.is_mine(e.seq));
    match read.and_then(|t| what_to_send(store, &t).map(|a| (t.newest, a))) {
        Ok((newest, action)) => {
            action.into_iter().for_each(|action| reply(Seen { action, read_at: newest }));
            feed.settled(newest);
            newest
        }
        Err(e) => {
            let told = crate::notice!("cannot read another till's change: {}", e.to_string());
            reply(Seen::said(Action::Failed(told)));
            since
        }
    }
}

/// Whether `n` says another process changed the whole shop (a reader that can, reads it again).
pub fn is_shop_wide(n: &crate::ui::Notice) -> bool {
    n.is(SHOP_WIDE)
}

/// What [`what_to_send`] says of a change of the whole shop.
const SHOP_WIDE: &str = "{} changed the whole shop elsewhere; start the console again to see it all";

/// The action that shows `t`, if it touched anything.
fn what_to_send(store: &dyn Store, t: &Touched) -> crate::store::StoreResult<Option<Action>> {
    let by = t.by.join(", ");
    if t.shop || t.customers.len() > ONE_BY_ONE {
        return Ok(Some(Action::Notice(crate::ui::Notice::new(SHOP_WIDE, vec![by.into()]))));
    }
    if t.customers.is_empty() {
        return Ok(None);
    }
    let note = crate::notice!("{} changed {} customer(s) elsewhere", by.clone(), t.customers.len());
    let mut a = answer(store, t, note)?;
    Ok(Some(match (a.histories.len(), a.gone.len()) {
        (1, 0) => Action::ChangedElsewhere { history: Box::new(a.histories.remove(0)), by },
        _ => Action::Committed(Box::new(a)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PgStore;
    use crate::store::contract_tests::{Backend, OnPg};
    use crate::store::test_support::new_customer;
    use std::sync::mpsc;

    /// Long enough for any loaded machine; the tests wait for what comes, not for the time.
    const PATIENCE: Duration = Duration::from_secs(20);

    fn watched(url: &str) -> (Arc<dyn Store>, Watcher, mpsc::Receiver<Action>) {
        let store: Arc<dyn Store> = Arc::new(PgStore::open(url).unwrap());
        let (tx, rx) = mpsc::channel();
        let since = store.last_change().unwrap();
        let w = Watcher::start(Arc::clone(&store), since, move |s: Seen| drop(tx.send(s.action)))
            .unwrap()
            .unwrap();
        (store, w, rx)
    }

    fn said(a: &Action) -> String {
        match a {
            Action::Failed(n) | Action::Notice(n) => n.render(crate::i18n::Lang::En),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn another_process_s_save_arrives_and_this_one_s_own_do_not() {
        let Some(b) = OnPg::new("watch_others") else { return };
        let (here, _w, rx) = watched(b.url());
        // Own changes first: a new customer, then a merge (one change, two customers' entries).
        let a = here.put_customer(new_customer("甲", Some("A1"), None)).unwrap();
        let c = here.put_customer(new_customer("乙", Some("A2"), None)).unwrap();
        here.merge(a.clone(), c.id).unwrap();
        // Then another process's.
        let theirs = b
            .store()
            .commit(crate::change::Change::SaveCustomer(new_customer("李娜", Some("M1"), None)), "branch-2");
        let theirs = theirs.unwrap();
        let first = rx.recv_timeout(PATIENCE).expect("the other process's save arrives");
        match first {
            Action::ChangedElsewhere { history, by } => {
                assert_eq!(history.customer.name, "李娜");
                assert_eq!(by, "branch-2");
                assert!(theirs.seq > 0);
            }
            other => panic!("expected the other till's customer first, got {}", said(&other)),
        }
        assert!(rx.try_recv().is_err(), "nothing else was passed on");
    }

    #[test]
    fn a_server_that_drops_the_feed_is_said_listened_to_again_and_caught_up() {
        let Some(b) = OnPg::new("watch_reconnect") else { return };
        let (_here, _w, rx) = watched(b.url());
        assert!(b.db().end_other_connections() >= 1, "the feed had a connection to end");
        let broke = rx.recv_timeout(PATIENCE).expect("the break is said");
        assert!(said(&broke).starts_with("reconnecting to the database"), "{}", said(&broke));
        // A change made while the watcher is away or back: either way it is shown.
        b.store().put_customer(new_customer("王芳", Some("M2"), None)).unwrap();
        let back = rx.recv_timeout(PATIENCE).expect("the reconnection is said");
        assert_eq!(said(&back), "reconnected to the database");
        let caught = rx.recv_timeout(PATIENCE).expect("the missed change arrives");
        assert!(
            matches!(&caught, Action::ChangedElsewhere { history, .. } if history.customer.name == "王芳"),
            "{}",
            said(&caught)
        );
    }

    #[test]
    fn a_copy_read_before_this_console_s_own_save_is_read_again_not_shown_over_it() {
        let Some(b) = OnPg::new("watch_crossed") else { return };
        let here = PgStore::open(b.url()).unwrap();
        let c = here.put_customer(new_customer("甲", Some("A1"), None)).unwrap();
        // Another till's change, read by the watcher at this change number…
        let read_at = here.last_change().unwrap();
        let old = here.history(c.id).unwrap().unwrap();
        let seen =
            Seen { action: Action::ChangedElsewhere { history: Box::new(old), by: "b".into() }, read_at };
        // …then this console saves a sale before taking it in.
        let sale = crate::store::test_support::new_purchase(c.id, crate::store::test_support::day(3, 1), 9);
        here.add_purchase(sale).unwrap();
        match seen.current(&here) {
            Action::ChangedElsewhere { history, .. } => assert_eq!(history.purchases.len(), 1, "read again"),
            other => panic!("{}", said(&other)),
        }
        // Nothing saved since: taken as it came.
        let read_at = here.last_change().unwrap();
        let now = here.history(c.id).unwrap().unwrap();
        let seen = Seen {
            action: Action::ChangedElsewhere { history: Box::new(now.clone()), by: "b".into() },
            read_at,
        };
        assert!(matches!(seen.current(&here), Action::ChangedElsewhere { history, .. } if *history == now));
    }
}
