//! One customer's every class with its reason, the figures behind them, and the recommended action.

use super::activity::{Activity, activity};
use super::advocacy::{Advocacy, advocacy};
use super::birthday::{self, BirthdayMonth, birthday_month, next_birthday};
use super::classes::Classes;
use super::demographics::age_band;
use super::engagement::{Engagement, engagement};
use super::frequency::frequency;
use super::level::{self, Membership, membership};
use super::life_stage::{self, ChildStage, FormulaStage, child_stage, formula_stage};
use super::lifecycle::{Lifecycle, lifecycle};
use super::model::{Model, clv_reason};
use super::playbook::{Action, Candidate, FollowUp, activity_since, agreed_follow_up, choose, plus};
use super::population::Population;
use super::preference::{top_category, top_channel};
use super::price::{PriceSensitivity, price_sensitivity};
use super::rfm::{Rfm, RfmSegment, rfm};
use super::rhythm::{Rhythm, rhythm};
use super::rules::{Play, Rules};
use super::satisfaction::{OpenComplaints, Satisfaction, satisfaction};
use super::stated::Stated;
use super::steady::{Parts, Steady, steady};
use super::summary::{ContactFact, PurchaseFact, Summary};
use super::tier::Tier;
use super::value::{spend_in_window, value};
use super::{Classed, Level, Reason};
use crate::domain::{Channel, Money};
use crate::predict::ValueEstimate;
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
    /// Loyalty points held: the sum of the member's points entries.
    pub points: i64,
    /// Stored value held (储值): the sum of the member's stored-value entries.
    pub stored_value: Money,
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
    /// BG/NBD P(alive); None without purchases or without a fitted model, never a made-up number.
    pub p_alive: Option<f64>,
    /// BG/NBD expected purchase days in the next 90 days; None like `p_alive`.
    pub expected_purchases_90d: Option<f64>,
    /// Discounted 12-month value (BG/NBD × Gamma-Gamma); None without a spend model.
    pub clv_12m: Option<ValueEstimate>,
    /// "P(alive) 0.31 — 5 purchases, none in the last 240 days, usually every 30".
    pub p_alive_reason: Option<Reason>,
    /// The churn-risk band and the chance of no purchase in the next 90 days it rests on.
    pub churn_reason: Option<Reason>,
    /// "1234.56 over the next 12 months (discounted 10% a year)".
    pub clv_reason: Option<Reason>,
    /// The predicted run-out day of the customer's main product (see [`Rhythm`]).
    pub next_purchase_due: Option<NaiveDate>,
    /// The customer's own buying rhythm; needs at least two intervals.
    pub rhythm: Option<Rhythm>,
    /// More than 1.5 × their usual gap since their last purchase, whatever activity says.
    pub overdue_for_rhythm: bool,
    pub action: Option<Action>,
    /// Present when an action is due today or earlier: the customer's row in the follow-up queue.
    pub follow_up: Option<FollowUp>,
    // Member level, demographics and life stage.
    /// The level's period: until when `tier` holds, how it was earned, what keeps it.
    pub membership: Membership,
    /// What the level gives, in the rules' words (left empty for the classes kept for everyone).
    pub benefits: Vec<String>,
    pub age_band: Classed<&'static str>,
    pub birthday_month: Classed<BirthdayMonth>,
    pub next_birthday: Option<NaiveDate>,
    /// The child's birthday; None until the customer record has the field.
    pub child_birthday: Option<NaiveDate>,
    pub child_stage: Classed<ChildStage>,
    /// None when the shop does not sell formula by stage (`[life_stage] formula`).
    pub formula_stage: Option<Classed<FormulaStage>>,
}

/// Classifies one customer as of `today` without a predictive model. `pop` should already count
/// the customer (the engine's does), since quintiles and means are over the whole buying
/// population.
pub fn classify(s: &Summary, pop: &Population, rules: &Rules, today: NaiveDate) -> Profile {
    classify_with(s, pop, rules, None, today)
}

/// Classifies one customer as of `today`, with the model's figures when there is a model.
pub fn classify_with(
    s: &Summary,
    pop: &Population,
    rules: &Rules,
    model: Option<&Model>,
    today: NaiveDate,
) -> Profile {
    build(s, pop, rules, model, today, Detail::Full).0
}

/// The classes of one customer as the classifier keeps them for everyone: the same decisions as
/// [`classify_with`] without the figures only the detail view shows (the 12-month value costs
/// twelve hypergeometric series per customer, most of a whole-shop reclassification), and how
/// long those classes hold as days pass (see [`Steady`]).
pub fn classes_steady(
    s: &Summary,
    pop: &Population,
    rules: &Rules,
    model: Option<&Model>,
    today: NaiveDate,
) -> (Classes, Steady) {
    super::without_reasons(|| {
        let (p, steady) = build(s, pop, rules, model, today, Detail::Classes);
        (Classes::of(&p), steady)
    })
}

/// How much of a profile to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Everything, for the one customer someone looks at.
    Full,
    /// What [`Classes`] keeps.
    Classes,
}

fn build(
    s: &Summary,
    pop: &Population,
    rules: &Rules,
    model: Option<&Model>,
    today: NaiveDate,
    detail: Detail,
) -> (Profile, Steady) {
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
    let rhythm = rhythm(ps, today);
    let (tier, membership) = membership(ps, rules, today);
    let mut p = Profile {
        id: s.id,
        value: value(ps, rules, today),
        rfm: metrics.map(|m| rfm(&m, pop, today)),
        tier,
        price_sensitivity: price_sensitivity(ps, rules),
        top_category: top_category(ps),
        top_channel: top_channel(ps),
        satisfaction: satisfaction(cs, rules, today),
        open_complaints: OpenComplaints::count(cs, today),
        advocacy: advocacy(referred),
        referred,
        engagement: engagement(cs, rules, today),
        stated: Stated::of(s),
        points: s.balances.points,
        stored_value: s.balances.stored,
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
        clv_12m: None,
        p_alive_reason: None,
        churn_reason: None,
        clv_reason: None,
        next_purchase_due: rhythm.as_ref().map(|r| r.next_purchase_due),
        overdue_for_rhythm: rhythm.as_ref().is_some_and(|r| r.overdue),
        rhythm,
        frequency,
        activity,
        lifecycle,
        action: None,
        follow_up: None,
        membership,
        benefits: Vec::new(),
        age_band: age_band(s.birthday, &rules.demographics, today),
        birthday_month: birthday_month(s.birthday, today),
        next_birthday: s.birthday.map(|b| next_birthday(b, today)),
        child_birthday: s.child_birthday,
        child_stage: child_stage(s.child_birthday, &rules.life_stage, today),
        formula_stage: rules
            .life_stage
            .formula
            .then(|| formula_stage(s.child_birthday, &rules.life_stage, today)),
    };
    if detail == Detail::Full {
        p.benefits = rules.level.benefits.of(p.tier.class).clone();
    }
    let choice = choose(s.id, candidates(&p, s, cs, rules, today), cs, s.contact, rules, today);
    p.action = choice.action;
    p.follow_up = choice.follow_up;
    let parts = Parts {
        summary: s,
        purchases: ps,
        contacts: cs,
        rhythm: p.rhythm.as_ref(),
        queue_next: choice.next,
        floating: choice.floating,
        members_next: [
            p.membership.next_change(rules, today),
            birthday::next_change(s.birthday, &rules.birthday, today),
            life_stage::next_change(s.child_birthday, &rules.life_stage, today),
        ]
        .into_iter()
        .flatten()
        .min(),
    };
    let steady = steady(&parts, rules, today);
    match detail {
        Detail::Full => p.predict(s, model, rules, today),
        Detail::Classes => p.predict_classes(s, model, today),
    }
    (p, steady)
}

fn distinct_days(ps: &[PurchaseFact]) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = ps.iter().map(|p| p.day).collect();
    days.dedup();
    days
}

/// Every playbook entry the customer's classes call for, with the day each class began.
fn candidates(
    p: &Profile,
    s: &Summary,
    cs: &[ContactFact],
    rules: &Rules,
    today: NaiveDate,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(c) = cs.iter().rev().find(|c| c.open_on(today).is_some()) {
        let reason = reason!("open complaint logged on {}", c.day);
        out.push(Candidate {
            trigger: Some(c.id),
            ..Candidate::new(Play::ComplaintOpen, Some(c.day), &reason)
        });
    }
    if p.satisfaction.class == Satisfaction::Dissatisfied {
        let latest = cs.iter().rev().find(|c| c.rating.is_some() || c.open_on(today).is_some());
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
    // Member level, birthday and life stage.
    out.extend(level::candidates(&p.tier, &p.membership, rules, today));
    out.extend(birthday::candidate(s.birthday, p.tier.class, &rules.birthday, today));
    out.extend(life_stage::candidate(s.child_birthday, &rules.life_stage, today));
    out
}

/// A restock reminder from `lead_days` before the next purchase is due until one more usual gap
/// has passed (after that the customer has lapsed, and activity takes over).
fn replenishment(p: &Profile, rules: &Rules, today: NaiveDate) -> Option<Candidate> {
    let r = p.rhythm.as_ref()?;
    let due = r.next_purchase_due;
    let gap = (r.usual_gap_days.round() as i64).max(1);
    let from = due.checked_sub_days(chrono::Days::new(rules.replenishment.lead_days as u64))?;
    if today < from || today >= plus(due, gap) {
        return None;
    }
    Some(Candidate::new(Play::ReplenishmentDue, Some(from), &r.reason))
}

impl Profile {
    /// Fills the model's figures (or clears them without a model): cheap, so every edit does it.
    pub fn predict(&mut self, s: &Summary, model: Option<&Model>, rules: &Rules, today: NaiveDate) {
        let rate = rules.prediction.discount_rate;
        let got = model.and_then(|m| m.predict(s, rate, today));
        self.p_alive = got.as_ref().map(|g| g.p_alive);
        self.expected_purchases_90d = got.as_ref().and_then(|g| g.expected_90d);
        self.clv_12m = got.as_ref().and_then(|g| g.clv_12m);
        self.clv_reason = self.clv_12m.as_ref().map(|v| clv_reason(v, rate));
        self.churn_reason = got.as_ref().and_then(|g| g.churn_90d).map(super::model::churn_reason);
        self.p_alive_reason = got.map(|g| g.reason);
    }

    /// Fills only the model's figures that [`Classes`] keeps: P(alive) and the 90-day expectation.
    fn predict_classes(&mut self, s: &Summary, model: Option<&Model>, today: NaiveDate) {
        let got = model.and_then(|m| m.predict_brief(s, today));
        self.p_alive = got.map(|g| g.0);
        self.expected_purchases_90d = got.and_then(|g| g.1);
    }

    /// Every dimension with its reason (which opens with the class), in the order people read
    /// them: what the customer does, what they are worth, how they feel.
    pub fn rows(&self) -> Vec<(&'static str, Reason)> {
        let mut rows = vec![
            ("lifecycle", self.lifecycle.reason.clone()),
            ("activity", self.activity.reason.clone()),
            ("frequency", self.frequency.reason.clone()),
            ("value", self.value.reason.clone()),
            ("tier", reason!("{} · {} points", &self.tier.reason, self.points)),
        ];
        if let Some(r) = &self.rfm {
            rows.push(("rfm", reason!("R{} F{} M{} · {}", r.r, r.f, r.m, &r.segment.reason)));
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
        if let Some(r) = &self.p_alive_reason {
            rows.push(("p(alive)", r.clone()));
        }
        if let Some(e) = self.expected_purchases_90d {
            rows.push(("next 90 days", reason!("{} purchases expected", format!("{e:.2}"))));
        }
        if let Some(r) = &self.churn_reason {
            rows.push(("churn risk", r.clone()));
        }
        if let Some(r) = &self.clv_reason {
            rows.push(("12-month value", r.clone()));
        }
        if let Some(r) = &self.rhythm {
            rows.push(("replenishment", r.reason.clone()));
        }
        // Member dimensions, where there is something recorded to say.
        if self.next_birthday.is_some() {
            rows.push(("age band", self.age_band.reason.clone()));
            rows.push(("birthday month", self.birthday_month.reason.clone()));
        }
        if self.child_birthday.is_some() {
            rows.push(("child stage", self.child_stage.reason.clone()));
            if let Some(f) = &self.formula_stage {
                rows.push(("formula stage", f.reason.clone()));
            }
        }
        rows
    }
}
