//! One customer's every class with its reason, the figures behind them, and the recommended action.

use super::activity::{Activity, activity};
use super::advocacy::{Advocacy, advocacy};
use super::engagement::{Engagement, engagement};
use super::frequency::frequency;
use super::lifecycle::{Lifecycle, lifecycle};
use super::playbook::{Action, Candidate, FollowUp, activity_since, agreed_follow_up, choose, plus};
use super::population::Population;
use super::preference::{top_category, top_channel};
use super::price::{PriceSensitivity, price_sensitivity};
use super::rfm::{Rfm, RfmSegment, rfm};
use super::rules::{Play, Rules};
use super::satisfaction::{OpenComplaints, Satisfaction, satisfaction};
use super::stated::Stated;
use super::summary::{ContactFact, PurchaseFact, Summary};
use super::tier::{Tier, points, tier};
use super::value::{spend_in_window, value};
use super::{Classed, Level};
use crate::domain::{Channel, Money};
use chrono::NaiveDate;
use serde::Serialize;

/// Everything kehu concludes about one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub id: u64,
    pub frequency: Classed<Level>,
    pub value: Classed<Level>,
    pub activity: Classed<Activity>,
    pub lifecycle: Classed<Lifecycle>,
    /// None for a customer who has not bought anything.
    pub rfm: Option<Rfm>,
    pub tier: Classed<Tier>,
    pub price_sensitivity: Classed<PriceSensitivity>,
    pub top_category: Classed<Option<String>>,
    pub top_channel: Classed<Option<Channel>>,
    pub satisfaction: Classed<Satisfaction>,
    pub open_complaints: OpenComplaints,
    pub advocacy: Classed<Advocacy>,
    /// How many customers name this one as their referrer.
    pub referred: u32,
    pub engagement: Classed<Engagement>,
    pub stated: Stated,
    pub points: i64,
    /// Spend in the trailing window (365 days unless the rules say otherwise).
    pub spend_365: Money,
    pub spend_total: Money,
    pub purchases: u32,
    pub first_purchase: Option<NaiveDate>,
    pub last_purchase: Option<NaiveDate>,
    /// BG/NBD x: distinct purchase days − 1.
    pub repeat_purchases: Option<u32>,
    /// BG/NBD t_x: days from the first to the last purchase day.
    pub recency_days: Option<i64>,
    /// BG/NBD T: days from the first purchase day to today.
    pub age_days: Option<i64>,
    /// Filled by the predictive model (a later issue); None until then, never a made-up number.
    pub p_alive: Option<f64>,
    /// Filled by the predictive model (a later issue); None until then.
    pub expected_purchases_90d: Option<f64>,
    /// Last purchase + the median gap between purchase days; needs at least two gaps.
    pub next_purchase_due: Option<NaiveDate>,
    pub action: Option<Action>,
    /// Present when an action is due today or earlier: the customer's row in the follow-up queue.
    pub follow_up: Option<FollowUp>,
}

/// Classifies one customer as of `today`. `pop` should already count the customer (the engine's
/// does), since quintiles and means are over the whole buying population.
pub fn classify(s: &Summary, pop: &Population, rules: &Rules, today: NaiveDate) -> Profile {
    let ps = s.purchases_to(today);
    let cs = s.contacts_to(today);
    let metrics = s.metrics(today);
    let first = ps.first().map(|p| p.day);
    let last = ps.last().map(|p| p.day);
    let spend_365 = spend_in_window(ps, rules.window.days, today);
    let spend_total: Money = ps.iter().map(|p| p.amount).sum();
    let frequency = frequency(ps, rules, today);
    let activity = activity(last, rules, today);
    let lifecycle = lifecycle(first, activity.class, frequency.class, rules, today);
    let referred = pop.referred_by(s.id);
    let days = distinct_days(ps);
    let mut p = Profile {
        id: s.id,
        value: value(ps, rules, today),
        rfm: metrics.map(|m| rfm(&m, pop, today)),
        tier: tier(spend_365, rules),
        price_sensitivity: price_sensitivity(ps, rules),
        top_category: top_category(ps),
        top_channel: top_channel(ps),
        satisfaction: satisfaction(cs, rules),
        open_complaints: OpenComplaints::count(cs),
        advocacy: advocacy(referred),
        referred,
        engagement: engagement(cs, rules, today),
        stated: Stated::of(s),
        points: points(spend_total, s.points_redeemed, rules),
        spend_365,
        spend_total,
        purchases: ps.len() as u32,
        first_purchase: first,
        last_purchase: last,
        repeat_purchases: (!days.is_empty()).then(|| days.len() as u32 - 1),
        recency_days: first.zip(last).map(|(f, l)| (l - f).num_days()),
        age_days: first.map(|f| (today - f).num_days()),
        p_alive: None,
        expected_purchases_90d: None,
        next_purchase_due: next_due(&days),
        frequency,
        activity,
        lifecycle,
        action: None,
        follow_up: None,
    };
    let (action, follow_up) = choose(s.id, candidates(&p, cs, rules, today), cs, s.contact, rules, today);
    p.action = action;
    p.follow_up = follow_up;
    p
}

fn distinct_days(ps: &[PurchaseFact]) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = ps.iter().map(|p| p.day).collect();
    days.dedup();
    days
}

/// Last purchase day + the median gap between purchase days (the upper middle of an even count
/// is averaged with the lower and rounded up, so a 7/8-day rhythm is due after 8 days).
fn next_due(days: &[NaiveDate]) -> Option<NaiveDate> {
    let mut gaps: Vec<i64> = days.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    if gaps.len() < 2 {
        return None;
    }
    gaps.sort_unstable();
    let n = gaps.len();
    let median = if n % 2 == 1 { gaps[n / 2] } else { (gaps[n / 2 - 1] + gaps[n / 2] + 1) / 2 };
    days.last().map(|l| plus(*l, median))
}

/// Every playbook entry the customer's classes call for, with the day each class began.
fn candidates(p: &Profile, cs: &[ContactFact], rules: &Rules, today: NaiveDate) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(c) = cs.iter().rev().find(|c| c.open_complaint.is_some()) {
        let reason = format!("open complaint logged on {}", c.day);
        out.push(Candidate {
            trigger: Some(c.id),
            ..Candidate::new(Play::ComplaintOpen, Some(c.day), &reason)
        });
    }
    if p.satisfaction.class == Satisfaction::Dissatisfied {
        let latest = cs.iter().rev().find(|c| c.rating.is_some() || c.open_complaint.is_some());
        let reason = &p.satisfaction.reason;
        let base = Candidate::new(Play::SatisfactionDissatisfied, latest.map(|c| c.day), reason);
        out.push(Candidate { trigger: latest.map(|c| c.id), ..base });
    }
    out.extend(agreed_follow_up(cs, today));
    if p.lifecycle.class == Lifecycle::New {
        out.push(Candidate::new(Play::LifecycleNew, p.first_purchase, &p.lifecycle.reason));
    }
    if let Some(c) = replenishment(p, rules, today) {
        out.push(c);
    }
    let since = activity_since(p.activity.class, p.last_purchase, rules);
    match p.activity.class {
        Activity::Sleeping => out.push(Candidate::new(Play::ActivitySleeping, since, &p.activity.reason)),
        Activity::Churned => out.push(Candidate::new(Play::ActivityChurned, since, &p.activity.reason)),
        _ => {}
    }
    if let Some(r) = p.rfm.as_ref().filter(|r| r.segment.class == RfmSegment::Champions) {
        out.push(Candidate::new(Play::RfmChampions, None, &r.segment.reason));
    }
    if p.tier.class == Tier::Gold {
        out.push(Candidate::new(Play::TierGold, None, &p.tier.reason));
    }
    if p.frequency.class == Level::High {
        out.push(Candidate::new(Play::FrequencyHigh, None, &p.frequency.reason));
    }
    if p.advocacy.class == Advocacy::Advocate {
        out.push(Candidate::new(Play::AdvocacyAdvocate, None, &p.advocacy.reason));
    }
    if p.price_sensitivity.class == PriceSensitivity::High {
        out.push(Candidate::new(Play::PriceHigh, None, &p.price_sensitivity.reason));
    }
    out
}

/// A restock reminder from `lead_days` before the next purchase is due until one more usual gap
/// has passed (after that the customer has lapsed, and activity takes over).
fn replenishment(p: &Profile, rules: &Rules, today: NaiveDate) -> Option<Candidate> {
    let (due, last) = (p.next_purchase_due?, p.last_purchase?);
    let gap = (due - last).num_days();
    let from = due - chrono::Days::new(rules.replenishment.lead_days as u64);
    if today < from || today >= plus(due, gap) {
        return None;
    }
    let reason = format!("next purchase due {due} (every {gap} days)");
    Some(Candidate::new(Play::ReplenishmentDue, Some(from), &reason))
}

impl Profile {
    /// Every dimension with its reason (which opens with the class), in the order people read
    /// them: what the customer does, what they are worth, how they feel.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("lifecycle", self.lifecycle.reason.clone()),
            ("activity", self.activity.reason.clone()),
            ("frequency", self.frequency.reason.clone()),
            ("value", self.value.reason.clone()),
            ("tier", format!("{} · {} points", self.tier.reason, self.points)),
        ];
        if let Some(r) = &self.rfm {
            rows.push(("rfm", format!("R{} F{} M{} · {}", r.r, r.f, r.m, r.segment.reason)));
            rows.push(("rfm8", r.rfm8.reason.clone()));
        }
        rows.extend([
            ("price sensitivity", self.price_sensitivity.reason.clone()),
            ("top category", self.top_category.reason.clone()),
            ("top channel", self.top_channel.reason.clone()),
            ("satisfaction", self.satisfaction.reason.clone()),
            ("advocacy", self.advocacy.reason.clone()),
            ("engagement", self.engagement.reason.clone()),
        ]);
        if let Some(d) = self.next_purchase_due {
            rows.push(("next purchase due", d.to_string()));
        }
        rows
    }
}
