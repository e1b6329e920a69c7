//! The playbook: which action a customer's classes call for, and whether it is due.
//!
//! Every applicable entry is a candidate; the recommended action is the candidate with the lowest
//! priority number (ties: playbook order, complaints first). An entry is *done* when a contact
//! (any interaction kind but a note, other than the one that raised it) was logged on or after the
//! day the class began and less than `cadence_days` ago; otherwise it is *due* from the later of
//! that day and the last such contact + cadence. The follow-up queue shows, per customer, the most
//! urgent candidate that is due.

use super::Reason;
use super::activity::Activity;
use super::rules::{ChannelHint, Play, Rules};
use super::summary::ContactFact;
use crate::domain::ContactPref;
use chrono::{Days, NaiveDate};
use serde::Serialize;

/// A recommended action and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub play: Play,
    pub text: String,
    pub channel: ChannelHint,
    pub priority: u32,
    pub cadence_days: i64,
    pub reason: Reason,
}

/// A customer in the follow-up queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub id: u64,
    pub action: Action,
    pub due: NaiveDate,
    pub overdue_days: i64,
}

/// A playbook entry that applies, with the day its class began when that is known, and the
/// interaction that raised it (which cannot also fulfil it).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub play: Play,
    pub since: Option<NaiveDate>,
    pub trigger: Option<u64>,
    /// When set, the due day is fixed (an agreed follow-up), not derived from contacts.
    pub due: Option<NaiveDate>,
    pub reason: Reason,
}

impl Candidate {
    /// A candidate raised by a class that began on `since`.
    pub fn new(play: Play, since: Option<NaiveDate>, reason: &Reason) -> Candidate {
        Candidate { play, since, trigger: None, due: None, reason: reason.clone() }
    }
}

/// Days after `d`, saturating at the last representable date.
pub fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_days(Days::new(days.max(0) as u64)).unwrap_or(NaiveDate::MAX)
}

/// The day a sleeping or churned customer entered that class.
pub fn activity_since(activity: Activity, last: Option<NaiveDate>, rules: &Rules) -> Option<NaiveDate> {
    let last = last?;
    match activity {
        Activity::Sleeping => Some(plus(last, rules.activity.active + 1)),
        Activity::Churned => Some(plus(last, rules.activity.sleeping + 1)),
        _ => None,
    }
}

/// The earliest agreed follow-up that is due and has had no contact on a later day.
pub fn agreed_follow_up(contacts: &[ContactFact], today: NaiveDate) -> Option<Candidate> {
    let last_contact = contacts.iter().filter(|c| c.is_contact()).map(|c| c.day).max();
    contacts
        .iter()
        .filter_map(|c| c.follow_up.filter(|f| *f <= today).map(|f| (f, c)))
        .filter(|(_, c)| last_contact.is_none_or(|l| l <= c.day))
        .min_by_key(|(f, c)| (*f, c.id))
        .map(|(f, c)| Candidate {
            play: Play::FollowUpAgreed,
            since: Some(c.day),
            trigger: Some(c.id),
            due: Some(f),
            reason: if c.reached {
                reason!("follow-up agreed on {} for {} ({}), no contact since", c.day, f, c.kind)
            } else {
                reason!("no answer on {}, call back on {}", c.day, f)
            },
        })
}

/// What [`choose`] decided, and when the passing of days alone can change the queue entry.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The recommended action: the most urgent candidate.
    pub action: Option<Action>,
    /// The queue entry: the most urgent candidate that is due.
    pub follow_up: Option<FollowUp>,
    /// The queue entry is due "today" whatever day that is (no day of its own yet).
    pub floating: bool,
    /// The first day after today on which the queue entry can be another one: a due day still to
    /// come, or tomorrow when a due day is today (it then sorts before one that floats).
    pub next: Option<NaiveDate>,
}

/// The recommended action (most urgent candidate) and the queue entry (most urgent due one).
pub fn choose(
    id: u64,
    candidates: Vec<Candidate>,
    contacts: &[ContactFact],
    pref: ContactPref,
    rules: &Rules,
    today: NaiveDate,
) -> Choice {
    // The due day of each action; None floats: due today, whichever day that is.
    let mut actions: Vec<(Action, Option<NaiveDate>)> = candidates
        .into_iter()
        .filter_map(|c| {
            let rule = rules.playbook.get(c.play);
            let allowed = rule.enabled && (rule.service || pref != ContactPref::None);
            allowed.then(|| {
                let due = c.due.or_else(|| due_day(&c, rule.cadence_days, contacts));
                (action(&c, pref, rules), due)
            })
        })
        .collect();
    let on = |due: Option<NaiveDate>| due.unwrap_or(today);
    let next = actions
        .iter()
        .filter_map(|(_, due)| *due)
        .filter(|due| *due >= today)
        .map(|due| if due == today { plus(today, 1) } else { due })
        .min();
    actions.sort_by_key(|(a, due)| (a.priority, a.play, on(*due)));
    let recommended = actions.first().map(|(a, _)| a.clone());
    let queued = actions
        .into_iter()
        .filter(|(_, due)| on(*due) <= today)
        .min_by_key(|(a, due)| (a.priority, on(*due), a.play));
    let floating = queued.as_ref().is_some_and(|(_, due)| due.is_none());
    let follow_up = queued.map(|(action, due)| {
        let due = on(due);
        FollowUp { id, action, due, overdue_days: (today - due).num_days() }
    });
    Choice { action: recommended, follow_up, floating, next }
}

/// The day the candidate's action falls due, given the contacts logged since its class began;
/// None when nothing fixes it (no contact and no start day): then it is due every day. A call
/// that went unanswered (after the last that got through) moves it to the day it said to call
/// back.
fn due_day(c: &Candidate, cadence: i64, contacts: &[ContactFact]) -> Option<NaiveDate> {
    let relevant =
        || contacts.iter().filter(|x| Some(x.id) != c.trigger).filter(|x| c.since.is_none_or(|s| x.day >= s));
    let last = relevant().filter(|x| x.is_contact()).map(|x| x.day).max();
    let due = match (last, c.since) {
        (Some(l), _) => Some(plus(l, cadence)),
        (None, since) => since,
    };
    let call_back = relevant()
        .filter(|x| !x.reached && last.is_none_or(|l| x.day >= l))
        .filter_map(|x| x.follow_up)
        .max();
    match (due, call_back) {
        (Some(d), Some(back)) => Some(d.max(back)),
        (None, back) => back,
        (due, None) => due,
    }
}

fn action(c: &Candidate, pref: ContactPref, rules: &Rules) -> Action {
    let rule = rules.playbook.get(c.play);
    let channel = match (rule.channel, pref) {
        (ChannelHint::Preferred, ContactPref::Sms) => ChannelHint::Sms,
        (ChannelHint::Preferred, ContactPref::Email) => ChannelHint::Email,
        (ChannelHint::Preferred, ContactPref::Wechat) => ChannelHint::Wechat,
        (ChannelHint::Preferred, _) => ChannelHint::Phone,
        (hint, _) => hint,
    };
    Action {
        play: c.play,
        text: rule.text.clone(),
        channel,
        priority: rule.priority,
        cadence_days: rule.cadence_days,
        reason: c.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{contact, day};
    use crate::domain::InteractionKind;

    fn run(
        cands: Vec<Candidate>,
        contacts: &[ContactFact],
        today: NaiveDate,
    ) -> (Option<Action>, Option<FollowUp>) {
        let c = choose(7, cands, contacts, ContactPref::Sms, &Rules::default(), today);
        (c.action, c.follow_up)
    }

    #[test]
    fn most_urgent_wins_and_channel_follows_preference() {
        let today = day(2024, 6, 30);
        let cands = vec![
            Candidate::new(Play::ActivitySleeping, Some(day(2024, 6, 1)), &Reason::default()),
            Candidate::new(Play::ComplaintOpen, Some(day(2024, 6, 20)), &Reason::default()),
        ];
        let (a, q) = run(cands, &[], today);
        let a = a.unwrap();
        assert_eq!((a.play, a.channel), (Play::ComplaintOpen, ChannelHint::Phone));
        let q = q.unwrap();
        assert_eq!((q.action.play, q.due, q.overdue_days), (Play::ComplaintOpen, day(2024, 6, 20), 10));
        let (a, _) = run(vec![Candidate::new(Play::ActivitySleeping, None, &Reason::default())], &[], today);
        assert_eq!(a.unwrap().channel, ChannelHint::Sms);
    }

    #[test]
    fn a_contact_within_the_cadence_means_done() {
        let today = day(2024, 6, 30);
        let sleeping =
            || vec![Candidate::new(Play::ActivitySleeping, Some(day(2024, 5, 1)), &Reason::default())];
        let call = |d| contact(d, InteractionKind::Call);
        // Cadence 30: called 29 days ago is done, 30 days ago is due today.
        assert!(run(sleeping(), &[call(day(2024, 6, 1))], today).1.is_none());
        let q = run(sleeping(), &[call(day(2024, 5, 31))], today).1.unwrap();
        assert_eq!((q.due, q.overdue_days), (today, 0));
        // A call before the customer fell asleep does not count; a note never counts.
        let q = run(
            sleeping(),
            &[call(day(2024, 4, 30)), contact(day(2024, 6, 29), InteractionKind::Note)],
            today,
        );
        assert_eq!(q.1.unwrap().due, day(2024, 5, 1));
    }

    #[test]
    fn agreed_follow_up_is_due_until_a_later_contact() {
        let today = day(2024, 6, 30);
        let mut call = contact(day(2024, 6, 10), InteractionKind::Call);
        call.follow_up = Some(day(2024, 6, 20));
        let c = agreed_follow_up(std::slice::from_ref(&call), today).unwrap();
        assert_eq!(c.due, Some(day(2024, 6, 20)));
        assert!(agreed_follow_up(std::slice::from_ref(&call), day(2024, 6, 19)).is_none());
        let later = contact(day(2024, 6, 21), InteractionKind::Sms);
        assert!(agreed_follow_up(&[call, later], today).is_none());
    }

    #[test]
    fn no_contact_customers_get_service_actions_only() {
        let today = day(2024, 6, 30);
        let cands = || {
            vec![
                Candidate::new(Play::ActivitySleeping, None, &Reason::default()),
                Candidate::new(Play::ComplaintOpen, None, &Reason::default()),
            ]
        };
        let a = choose(1, cands(), &[], ContactPref::None, &Rules::default(), today).action;
        assert_eq!(a.unwrap().play, Play::ComplaintOpen);
        let only_marketing = vec![Candidate::new(Play::ActivitySleeping, None, &Reason::default())];
        assert!(choose(1, only_marketing, &[], ContactPref::None, &Rules::default(), today).action.is_none());
    }
}
