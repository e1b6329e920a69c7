//! What the sessions share: one shop (classifier, rows, duplicate index) that the base console
//! writes each change into once, a base whose views a new session starts from, and the changes
//! one session saves, passed to every other session as they happen.
//!
//! Everything happens under one lock, so a session that joins sees either a change in its
//! starting copy or in its inbox, never neither and never both; and changes reach every
//! session in the order they were published.

use crate::domain::History;
use crate::store::Store;
use crate::ui::{Action, App};
use std::sync::Mutex;
use std::sync::mpsc::Sender;

/// A message for a session's console thread.
#[derive(Debug)]
pub enum Input {
    /// Bytes the client's terminal sent.
    Bytes(Vec<u8>),
    /// The client's window changed to this many columns and rows (clamped).
    Resize(u16, u16),
    /// Another session changed the database: apply this to the console.
    Remote(Box<Action>),
    /// This session's search thread answered (see [`crate::tui::SearchThread`]).
    Answer(Box<Action>),
    /// The session is over (disconnect, channel closed, server stopping), with a last word.
    Close(Option<String>),
}

/// The shared console state.
pub struct Hub {
    inner: Mutex<Inner>,
}

struct Inner {
    /// The console every new session starts from, kept current with every change.
    base: App,
    /// The sessions' inboxes, by session number.
    sessions: Vec<(u64, Sender<Input>)>,
}

impl Hub {
    /// A hub whose new sessions start from `base`.
    pub fn new(base: App) -> Hub {
        Hub { inner: Mutex::new(Inner { base, sessions: Vec::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while the lock was held happened in `App::update` of the base. Its views are
        // consistent; the shop it writes may hold part of that one change (its lock does not
        // poison), which the next publication of the same customer — read afresh from the
        // store — puts right.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers session `id` and returns its starting console: views of its own over the
    /// base's shop, which only the base writes (see [`crate::ui::Shop`]).
    pub fn join(&self, id: u64, inbox: Sender<Input>) -> App {
        let mut inner = self.lock();
        inner.sessions.push((id, inbox));
        inner.base.follower()
    }

    /// Forgets session `id`.
    pub fn leave(&self, id: u64) {
        self.lock().sessions.retain(|(s, _)| *s != id);
    }

    /// The rules and the day the consoles classify with (a reload classifies alike).
    pub fn classified_as(&self) -> (crate::classify::Rules, chrono::NaiveDate) {
        let inner = self.lock();
        (inner.base.classifier().rules().clone(), inner.base.today())
    }

    /// Runs `f` on the base console (under the lock: no change is applied meanwhile).
    pub fn with_base(&self, f: impl FnOnce(&App)) {
        f(&self.lock().base)
    }

    /// How many sessions are registered.
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether no session is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends every session a last word and closes it (the server is stopping).
    pub fn close_all(&self, why: &str) {
        for (_, tx) in &self.lock().sessions {
            let _ = tx.send(Input::Close(Some(why.to_string())));
        }
    }

    /// The calendar moved on: the base console and every session reclassify as of `day`.
    pub fn new_day(&self, day: chrono::NaiveDate) {
        let mut inner = self.lock();
        inner.base.update(Action::NewDay(day));
        inner.sessions.retain(|(_, tx)| tx.send(Input::Remote(Box::new(Action::NewDay(day)))).is_ok());
    }

    /// Installs a load made for no session (the command line changed the whole shop) in the
    /// base's shop, moved rather than copied, and tells every session.
    pub fn publish_load(&self, loaded: crate::ui::Loaded) {
        let mut inner = self.lock();
        let for_others = Action::Loaded(Box::new(loaded.for_follower()));
        inner.base.update(Action::Loaded(Box::new(loaded)));
        inner.sessions.retain(|(_, tx)| tx.send(Input::Remote(Box::new(for_others.clone()))).is_ok());
    }

    /// Passes on what session `from` (operator `by`) just saved, as an action its console took.
    /// Customers are read again under the lock, so the last publication of a customer always
    /// carries what the store holds, whatever order two sessions' saves finished in.
    pub fn publish(&self, store: &dyn Store, from: u64, by: &str, action: &Action) {
        let mut inner = self.lock();
        let fresh = |h: &History| store.history(h.customer.id).ok().flatten().unwrap_or_else(|| h.clone());
        let (for_base, for_others) = match action {
            Action::Saved(h) => {
                let h = Box::new(fresh(h));
                (Action::Saved(h.clone()), Action::ChangedElsewhere { history: h, by: by.to_string() })
            }
            Action::Merged { survivor, loser, referred } => {
                let a = Action::Merged {
                    survivor: Box::new(fresh(survivor)),
                    loser: *loser,
                    referred: referred.iter().map(fresh).collect(),
                };
                (a.clone(), a)
            }
            Action::Committed(a) => {
                // Read again under the lock; a customer gone since stays gone.
                let mut answer = (**a).clone();
                let mut histories = Vec::new();
                for h in &a.histories {
                    match store.history(h.customer.id) {
                        Ok(Some(now)) => histories.push(now),
                        Ok(None) => answer.gone.push(h.customer.id),
                        Err(_) => histories.push(h.clone()),
                    }
                }
                answer.histories = histories;
                answer.mine = false;
                answer.note = crate::notice!("{}: {}", by, a.note.clone());
                let answer = Action::Committed(Box::new(answer));
                (answer.clone(), answer)
            }
            // The sessions follow the base's shop: a load is installed there once.
            Action::Loaded(l) => (action.clone(), Action::Loaded(Box::new(l.for_follower()))),
            Action::ModelFitted(_) => (action.clone(), action.clone()),
            _ => return,
        };
        inner.base.update(for_base);
        inner
            .sessions
            .retain(|(id, tx)| *id == from || tx.send(Input::Remote(Box::new(for_others.clone()))).is_ok());
    }
}
