//! Keeping the shop (classifier, rows, duplicate index) and every view in step with what the
//! store answered: a saved customer, or a merge. A follower's shop is written by its owner (see
//! `shop.rs`); the follower refreshes its views only.

use super::action::{Effect, FormRequest};
use super::app::{App, View};
use super::detail::DetailState;
use super::segments::SegmentTab;
use crate::classify::Profile;
use crate::domain::History;
use crate::text::terminal_safe;

impl App {
    /// A saved customer: reclassify, refresh their row and every view that shows them, and close
    /// the form that asked for the save.
    pub(super) fn on_saved(&mut self, h: History) -> Vec<Effect> {
        let id = h.customer.id;
        self.absorb(&h);
        let closed = self.close_saved_form(id);
        if self.view == View::Welcome {
            self.view = View::List;
        }
        if closed == Some(FormRequest::AddCustomer) {
            // A new customer opens on their detail; the history is already at hand.
            if self.view != View::Detail {
                self.back_to = self.view;
            }
            self.view = View::Detail;
            self.detail = DetailState::of(id, Some(h.clone()));
        }
        self.refresh_views();
        let classes = self.shop.read().clf.profile(id).map(|p| classes_line(&p)).unwrap_or_default();
        self.status = crate::notice!("saved {}{}", terminal_safe(&h.customer.name), classes);
        vec![]
    }

    /// A merge: the loser leaves every copy, the survivor (and whoever the loser referred) is
    /// taken in afresh, and a detail view of the loser moves to the survivor.
    pub(super) fn on_merged(&mut self, survivor: History, loser: u64, referred: Vec<History>) -> Vec<Effect> {
        if let Some(mut shop) = self.shop.write() {
            shop.clf.remove(loser);
            shop.model.remove(loser);
            shop.dupes.remove(loser);
        }
        self.dupes_pending.iter_mut().for_each(|ids| ids.push(loser));
        self.list.selected.remove(&loser);
        for h in &referred {
            self.absorb(h);
        }
        self.absorb(&survivor);
        let id = survivor.customer.id;
        if self.detail.id == loser {
            self.detail = DetailState::of(id, Some(survivor.clone()));
        }
        self.refresh_views();
        self.status =
            crate::notice!("merged #{} into #{} {}", loser, id, terminal_safe(&survivor.customer.name));
        vec![]
    }

    /// Puts a freshly fitted model in force: every customer's predictions change at once.
    pub(super) fn on_model_fitted(&mut self, model: crate::classify::Model) -> Vec<Effect> {
        let (customers, chosen) = (model.customers, model.chosen.model());
        let label = match chosen {
            crate::predict::Model::BgNbd => "BG/NBD",
            crate::predict::Model::MbgNbd => "MBG/NBD",
            crate::predict::Model::ParetoNbd => "Pareto/NBD",
        };
        let error = model.selection.scores.iter().find(|s| s.model == chosen.name()).map(|s| s.holdout_mae);
        if let Some(mut shop) = self.shop.write() {
            let shop = &mut *shop;
            shop.clf.set_model(Some(model));
            shop.model.refresh_facts(&shop.clf);
        }
        self.refresh_views();
        self.status = match error {
            Some(e) => crate::notice!(
                "model fitted on {} customers: {} (holdout error {})",
                customers,
                label,
                format!("{e:.3}")
            ),
            None => crate::notice!("model fitted on {} customers: {}", customers, label),
        };
        vec![]
    }

    /// A new day: every day count moves, so the classifier reclassifies everyone and every view
    /// follows. Only forward: a clock set back must not undo a day already shown.
    pub(super) fn on_new_day(&mut self, day: chrono::NaiveDate) -> Vec<Effect> {
        if day <= self.today {
            return vec![];
        }
        self.today = day;
        if let Some(mut shop) = self.shop.write() {
            let shop = &mut *shop;
            shop.clf.set_today(day);
            shop.model.refresh_facts(&shop.clf);
        }
        self.refresh_views();
        self.status = crate::notice!("a new day: {}; classes recomputed as of today", day);
        vec![]
    }

    /// Takes one stored customer into the classifier, the rows, the duplicate index and the
    /// detail view.
    pub(super) fn absorb(&mut self, h: &History) {
        let id = h.customer.id;
        if let Some(r) = &h.customer.reference {
            self.card_shape = self.card_shape.widened_for(r);
            self.card_leads = self.card_leads.with(r);
        }
        if let Some(mut shop) = self.shop.write() {
            let shop = &mut *shop;
            shop.clf.upsert(h);
            shop.model.upsert(h.customer.clone(), shop.clf.classes(id));
            shop.dupes.upsert(&h.customer);
        }
        self.dupes_pending.iter_mut().for_each(|ids| ids.push(id));
        if self.detail.id == id {
            self.detail.history = Some(h.clone());
        }
    }

    /// Recomputes what the views show from the copies.
    pub(super) fn refresh_views(&mut self) {
        let shop = self.shop.read();
        self.list.rebuild(&shop.model, &shop.clf);
        self.followups.set(shop.clf.follow_up_queue(), &shop.clf);
        // Every pair is copied out for the view: only when it is on screen or Back returns to it
        // (opening the view copies them too). At a million customers that is tens of milliseconds a save.
        if self.view == View::Duplicates || self.back_to == View::Duplicates {
            self.duplicates.set(shop.dupes.pairs());
        }
        self.segments.saved_counts = None;
        if self.view == View::Segments && self.segments.current() == SegmentTab::Saved {
            self.segments.recount(&shop.clf);
        }
    }
}

/// " · lifecycle · activity · tier": the classes a cashier looks at after a sale.
pub(super) fn classes_line(p: &Profile) -> crate::ui::Notice {
    use crate::ui::NoticeArg::Class;
    crate::notice!(
        " · {} · {} · {}",
        Class("lifecycle", p.lifecycle.class.key().into()),
        Class("activity", p.activity.class.key().into()),
        Class("tier", p.tier.class.key().into())
    )
}
