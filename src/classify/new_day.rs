//! A change of "today" for the whole shop, at the cost of the customers it reaches.
//!
//! Each customer's classes hold until their [`Steady::until`] day, so a day forward reclassifies
//! only those whose day has come. Their purchases dated up to the new day may move the RFM
//! population; as with an edit, a moved quintile cut or mean reclassifies exactly the customers
//! between its old and new place. Everyone else keeps their classes and only has what moves
//! every day brought forward: the model's figures (one table lookup each, see `if_alive`) and the
//! follow-up row's overdue count. The result is the same as classifying everyone afresh, which is
//! what a move back, or a jump that reaches a large part of the shop, still does.
//!
//! [`Steady::until`]: super::steady::Steady

use super::birthday::month_of;
use super::classes::Classes;
use super::engine::{Classifier, Entry, par_map};
use super::if_alive::IfAlive;
use super::model::Model;
use super::profile::classes_steady;
use super::queue::Queue;
use super::segments::Dimension;
use crate::predict::Rfx;
use chrono::NaiveDate;

/// Past this share of the shop (1 / n) due on the new day, classifying everyone in one pass is
/// cheaper than the bookkeeping of doing them one by one (each moves the sorted RFM columns)…
const REBUILD_SHARE: usize = 3;
/// …once there are enough of them for that to matter at all.
const REBUILD_MIN: usize = 512;

impl Classifier {
    /// Moves "today": reclassifies the customers whose classes can have changed by then and
    /// brings everyone's day-counted figures forward.
    pub fn set_today(&mut self, today: NaiveDate) {
        if today == self.today {
            return;
        }
        if today < self.today {
            return self.rebuild_at(today);
        }
        let mut due: Vec<u64> =
            self.entries.iter().filter(|(_, e)| e.steady.until <= today).map(|(id, _)| *id).collect();
        if due.len() > REBUILD_MIN && due.len() * REBUILD_SHARE > self.entries.len() {
            return self.rebuild_at(today);
        }
        // Purchases coming into view move the population the way an edit would.
        let before = self.pop.bounds();
        for id in &due {
            let s = &self.entries[id].summary;
            let (old, new) = (s.metrics(self.today), s.metrics(today));
            if old != new {
                old.inspect(|m| self.pop.subtract(*id, m));
                new.inspect(|m| self.pop.add(*id, m));
            }
        }
        self.today = today;
        due.extend(self.pop.affected(before));
        due.sort_unstable();
        due.dedup();
        self.reclassify(&due);
        self.bring_forward();
        // Days overdue moved for everyone queued: the order is taken afresh.
        self.queue = Queue::of(self.entries.values().map(|e| &e.classes));
    }

    /// Reclassifies `ids` as of today, on every core, and moves their segment counts.
    fn reclassify(&mut self, ids: &[u64]) {
        let (pop, rules, model, today) = (&self.pop, &self.rules, self.model.as_ref(), self.today);
        let entries = &self.entries;
        let fresh =
            par_map(ids, |id| entries.get(id).map(|e| classes_steady(&e.summary, pop, rules, model, today)));
        for (id, got) in ids.iter().zip(fresh) {
            let (Some(e), Some((classes, steady))) = (self.entries.get_mut(id), got) else { continue };
            e.steady = steady;
            if classes != e.classes {
                self.tallies.subtract(&e.classes);
                self.tallies.add(&classes);
                e.classes = classes;
            }
        }
    }

    /// Brings every customer's day-counted figures to today (a no-op for those just
    /// reclassified), moving the P(alive) and birthday-month counts of those whose class changed.
    fn bring_forward(&mut self) {
        let (model, today) = (self.model.as_ref(), self.today);
        for e in self.entries.values_mut() {
            let band = e.classes.alive_bucket();
            forward(e, model, &mut self.if_alive, today);
            let now = e.classes.alive_bucket();
            if now != band {
                self.tallies.shift(&e.classes, Dimension::PAlive, band.key(), now.key());
            }
            // The birthday month moves on the first of a month for a quarter of the shop.
            let (was, now) = (e.classes.birthday_month, month_of(e.summary.birthday, today));
            if now != was {
                e.classes.birthday_month = now;
                self.tallies.shift(&e.classes, Dimension::BirthdayMonth, was.key(), now.key());
            }
        }
    }
}

/// One customer's figures that move every day, as of `today`: exactly what classifying them
/// afresh would give, since their classes still hold.
fn forward(e: &mut Entry, model: Option<&Model>, if_alive: &mut IfAlive, today: NaiveDate) {
    let c: &mut Classes = &mut e.classes;
    if let (Some(m), Some(b)) = (model, e.steady.buyer) {
        let t = (today - b.first).num_days();
        let rfx = Rfx { x: f64::from(b.x), t_x: f64::from(b.t_x), t: t as f64 };
        let (p_alive, expected) = m.brief(&rfx, |_, _| if_alive.get(m, b.x, t as u32));
        c.p_alive = Some(p_alive);
        c.expected_90d = expected;
    }
    if let Some(f) = c.follow_up.as_deref_mut() {
        if e.steady.floating {
            f.due = today;
        }
        f.overdue_days = (today - f.due).num_days();
    }
}
