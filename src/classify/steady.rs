//! How long a customer's classes hold as days pass with no edit.
//!
//! Classes are piecewise constant in "today": they change only on days when a threshold counted
//! from one of the customer's own days is crossed (a purchase leaving the trailing window, days
//! since the last purchase passing the activity limits, a follow-up or replenishment day
//! arriving, a record dated in the future coming into view…). [`Steady::until`] is the first such
//! day, so that a new day reclassifies only the customers it reaches. Three things move with the
//! days for everyone and are not counted here: the model's figures, which [`Buyer`] lets the
//! classifier recompute cheaply, the follow-up row's overdue count (and, when it floats, its
//! due day), which is arithmetic on the day, and the birthday month (a quarter of those with a
//! birthday change class on the first of every month), a comparison of months.
//!
//! Every day listed must be one on which something *can* change; listing a day on which nothing
//! does only costs one needless recomputation, but missing one would leave stale classes, so the
//! days mirror the rules of each dimension one for one.

use super::playbook::plus;
use super::rhythm::Rhythm;
use super::rules::Rules;
use super::summary::{ContactFact, PurchaseFact, Summary, in_window};
use crate::domain::InteractionKind;
use chrono::NaiveDate;

/// What lets a buyer's BG/NBD figures be recomputed for another day without their purchases:
/// x and t_x do not move until a purchase comes into view, which is a change day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buyer {
    /// The first purchase day (T counts from it).
    pub first: NaiveDate,
    /// Distinct purchase days − 1.
    pub x: u32,
    /// Days from the first to the last purchase day.
    pub t_x: u32,
}

/// How long a customer's classes hold, and what the days in between still move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steady {
    /// The first day after the classification day on which a class may differ.
    pub until: NaiveDate,
    /// The follow-up row is due on whatever day it is (see `playbook::Choice::floating`).
    pub floating: bool,
    /// The BG/NBD facts of a buyer; None for a customer without purchases.
    pub buyer: Option<Buyer>,
}

/// The parts of a customer's classification that the change days are read from.
pub struct Parts<'a> {
    pub summary: &'a Summary,
    /// Purchases and contacts up to the classification day.
    pub purchases: &'a [PurchaseFact],
    pub contacts: &'a [ContactFact],
    pub rhythm: Option<&'a Rhythm>,
    /// The day the follow-up queue entry can change (see `playbook::Choice::next`).
    pub queue_next: Option<NaiveDate>,
    pub floating: bool,
    /// The first day after today on which a member dimension (level, age band, birthday, child
    /// stage) or its follow-up can change (see `level`, `birthday`, `life_stage`).
    pub members_next: Option<NaiveDate>,
}

/// The earliest of the days offered that lie after `today`.
struct Earliest {
    today: NaiveDate,
    day: NaiveDate,
}

impl Earliest {
    fn offer(&mut self, day: Option<NaiveDate>) {
        if let Some(d) = day.filter(|d| *d > self.today) {
            self.day = self.day.min(d);
        }
    }
}

/// How long the classes computed from `parts` as of `today` hold.
pub fn steady(parts: &Parts, rules: &Rules, today: NaiveDate) -> Steady {
    let (s, ps, cs) = (parts.summary, parts.purchases, parts.contacts);
    let mut e = Earliest { today, day: NaiveDate::MAX };
    // Records dated after today come into view on their day.
    e.offer(s.purchases.get(ps.len()).map(|p| p.day));
    e.offer(s.contacts.get(cs.len()).map(|c| c.day));
    // Frequency, value and tier: the oldest purchase in the window is the first to leave it.
    let w = rules.window.days;
    e.offer(ps.iter().find(|p| in_window(p.day, today, w)).map(|p| plus(p.day, w)));
    // Engagement: likewise the oldest event in the window.
    let events = cs.iter().filter(|c| c.kind == InteractionKind::Event);
    e.offer(events.clone().find(|c| in_window(c.day, today, w)).map(|c| plus(c.day, w)));
    // Activity: days since the last purchase passing each limit.
    if let Some(last) = ps.last().map(|p| p.day) {
        for limit in [rules.activity.active, rules.activity.sleeping] {
            e.offer(Some(plus(last, limit + 1)));
        }
    }
    // Lifecycle: the customer's age passing "new" and reaching "loyal".
    if let Some(first) = ps.first().map(|p| p.day) {
        e.offer(Some(plus(first, rules.lifecycle.new_days + 1)));
        e.offer(Some(plus(first, rules.lifecycle.loyal_days)));
    }
    // Agreed follow-ups become candidates on their day; a complaint stops being open on the day
    // it was resolved.
    for c in cs {
        e.offer(c.follow_up);
        e.offer(c.complaint.and_then(|(_, resolved)| resolved));
    }
    // The replenishment reminder opens `lead_days` before the due day and closes a gap after it.
    if let Some(r) = parts.rhythm {
        let due = r.next_purchase_due;
        e.offer(due.checked_sub_days(chrono::Days::new(rules.replenishment.lead_days as u64)));
        e.offer(Some(plus(due, (r.usual_gap_days.round() as i64).max(1))));
    }
    e.offer(parts.queue_next);
    e.offer(parts.members_next);
    Steady { until: e.day, floating: parts.floating, buyer: buyer(ps) }
}

/// The BG/NBD facts of purchases sorted by day; None without purchases.
fn buyer(ps: &[PurchaseFact]) -> Option<Buyer> {
    let (first, last) = (ps.first()?.day, ps.last()?.day);
    let x = ps.windows(2).filter(|w| w[0].day != w[1].day).count() as u32;
    Some(Buyer { first, x, t_x: (last - first).num_days() as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{buys, day};

    fn parts<'a>(s: &'a Summary, today: NaiveDate) -> Parts<'a> {
        Parts {
            summary: s,
            purchases: s.purchases_to(today),
            contacts: s.contacts_to(today),
            rhythm: None,
            queue_next: None,
            floating: false,
            members_next: None,
        }
    }

    fn summary(purchases: Vec<PurchaseFact>) -> Summary {
        Summary {
            id: 1,
            purchases,
            contacts: Vec::new(),
            province: Default::default(),
            city: Default::default(),
            area: crate::domain::AreaType::ALL[0],
            source: crate::domain::Source::ALL[0],
            contact: crate::domain::ContactPref::ALL[0],
            tags: Vec::new(),
            referrer: None,
            gender: crate::domain::Gender::Unknown,
            birthday: None,
            child_birthday: None,
            income: None,
            education: None,
            occupation: None,
            balances: Default::default(),
            branch: Default::default(),
        }
    }

    #[test]
    fn the_nearest_threshold_wins() {
        let today = day(2024, 6, 30);
        // Bought 80 and 10 days ago: active until day 91 after the last purchase; the older
        // purchase leaves the window on day 365 after it; "new" ends 91 days after the first.
        let s = summary(buys(today, &[80, 10]));
        let got = steady(&parts(&s, today), &Rules::default(), today);
        assert_eq!(got.until, day(2024, 7, 11), "91 days after the first purchase, 80 days ago");
        assert_eq!(got.buyer, Some(Buyer { first: day(2024, 4, 11), x: 1, t_x: 70 }));
    }

    #[test]
    fn a_future_purchase_comes_into_view_on_its_day() {
        let today = day(2024, 6, 30);
        let mut ps = buys(today, &[400]);
        ps.extend(buys(day(2024, 7, 3), &[0]));
        let s = summary(ps);
        let got = steady(&parts(&s, today), &Rules::default(), today);
        assert_eq!(got.until, day(2024, 7, 3));
    }

    #[test]
    fn no_purchase_and_no_contact_never_changes() {
        let today = day(2024, 6, 30);
        let s = summary(Vec::new());
        let got = steady(&parts(&s, today), &Rules::default(), today);
        assert_eq!((got.until, got.buyer), (NaiveDate::MAX, None));
    }
}
