//! Changes the console commits as they are (corrections, deletions, marks, undo): one
//! [`Effect::Commit`] out, one [`Action::Committed`] back with every customer the change
//! touched, read again from the store, which the App takes in like a save.

use super::action::{Action, Effect};
use super::app::{App, Confirm, View};
use crate::change::Change;
use crate::domain::History;
use crate::text::terminal_safe;

/// A change to commit, and what the status line says once it is saved.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The change, as the store takes it.
    pub change: Change,
    /// "voided purchase of 12.00": the status once saved.
    pub done: super::Notice,
}

/// What the store answered to a commit (or an undo).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitAnswer {
    /// Every touched customer that exists, as stored now.
    pub histories: Vec<History>,
    /// Touched customers that no longer exist.
    pub gone: Vec<u64>,
    /// Pairs marked (`true`) or unmarked as two different people.
    pub dismissed: Vec<(u64, u64, bool)>,
    /// For the status line.
    pub note: super::Notice,
    /// Committed by this session (a form waiting for it closes); false for another
    /// operator's change passed on by `kehu serve`.
    pub mine: bool,
}

impl App {
    /// Asks the runtime to commit `change`; `done` is the status once it is saved.
    pub(super) fn commit(&mut self, change: Change, done: super::Notice) -> Vec<Effect> {
        self.status = crate::notice!("saving…");
        vec![Effect::Commit(Box::new(Commit { change, done }))]
    }

    /// `u`: take back this operator's last change.
    pub(super) fn undo(&mut self) -> Vec<Effect> {
        self.status = crate::notice!("undoing your last change…");
        vec![Effect::Undo { consent: false }]
    }

    /// Someone else changed what undo would take back: ask first.
    pub(super) fn on_undo_asks(&mut self, what: String, since: String) -> Vec<Effect> {
        if self.role < super::role::UNDO_OVER_OTHERS.role {
            return self.refuse(super::role::UNDO_OVER_OTHERS);
        }
        self.status = crate::notice!(
            "{} was changed since by {}",
            super::NoticeArg::Change(what.clone()),
            terminal_safe(&since)
        );
        self.confirm = Some(Confirm::Undo { what, since });
        vec![]
    }

    /// A committed change: customers touched are taken in, those gone leave every copy.
    pub(super) fn on_committed(&mut self, a: CommitAnswer) -> Vec<Effect> {
        if let Some(mut shop) = self.shop.write() {
            for (x, y, not) in &a.dismissed {
                shop.dupes.dismiss(*x, *y, *not);
            }
        }
        for id in &a.gone {
            self.forget(*id);
        }
        for h in &a.histories {
            self.absorb(h);
        }
        if a.mine {
            // The form whose save this is (a correction) closes; any other stays.
            if self.form.as_ref().is_some_and(|f| f.saving) {
                self.form = None;
            }
        }
        if self.view == View::Detail && a.gone.contains(&self.detail.id) {
            // The customer shown was merged away or deleted: a survivor among the touched
            // customers opens instead, else the view goes back.
            match a.histories.first() {
                Some(h) if a.mine => {
                    self.detail = super::detail::DetailState::of(h.customer.id, Some(h.clone()))
                }
                _ => self.view = self.back_to,
            }
        }
        if self.shop.read().model.is_empty() {
            self.view = View::Welcome;
        } else if self.view == View::Welcome {
            self.view = View::List;
        }
        self.detail.clamp_pick();
        self.refresh_views();
        self.status = a.note.clone();
        if self.detail.changes.is_some() && a.mine {
            // The changes shown grew by this one.
            return vec![Effect::LoadChanges(self.detail.id)];
        }
        vec![]
    }

    /// Takes a customer out of every copy (merged away, deleted, an addition undone).
    pub(super) fn forget(&mut self, id: u64) {
        if let Some(mut shop) = self.shop.write() {
            shop.clf.remove(id);
            shop.model.remove(id);
            shop.dupes.remove(id);
        }
        self.dupes_pending.iter_mut().for_each(|ids| ids.push(id));
        self.list.selected.remove(&id);
        if self.revealed == Some(id) {
            self.revealed = None;
        }
    }
}

/// The answer to a committed `change` for the App: histories of the customers it touched.
pub fn answer(
    change: &Change,
    done: &crate::change::Committed,
    read: &mut dyn FnMut(u64) -> crate::store::StoreResult<Option<History>>,
    note: super::Notice,
) -> crate::store::StoreResult<Action> {
    let mut histories = Vec::new();
    let mut gone = Vec::new();
    for id in change.touched(done) {
        match read(id)? {
            Some(h) => histories.push(h),
            None => gone.push(id),
        }
    }
    // The customer the change is about comes first: a detail view of a merged-away customer
    // moves to it.
    if let Some(main) = change.customer() {
        histories.sort_by_key(|h| h.customer.id != main);
    }
    let dismissed = dismissed(change);
    Ok(Action::Committed(Box::new(CommitAnswer { histories, gone, dismissed, note, mine: true })))
}

/// The not-a-duplicate marks a change sets or takes back.
fn dismissed(change: &Change) -> Vec<(u64, u64, bool)> {
    match change {
        Change::NotDuplicate { a, b, not } => vec![(*a, *b, *not)],
        Change::Undo { change, .. } => dismissed(change),
        _ => vec![],
    }
}
