//! The compact form of one customer's classes, kept for everyone: what segment counts, class
//! filters, list columns and the follow-up queue read.
//!
//! A [`Profile`] carries a plain-words reason per class, about twenty strings; kept for 100,000
//! customers that was most of a gigabyte. Reasons are only ever read for the one customer on
//! screen, so the classifier keeps these ~150 bytes per customer and recomputes the full profile
//! on demand.

use super::playbook::FollowUp;
use super::profile::Profile;
use super::rules::Play;
use super::segments::AliveBucket;
use super::{Activity, Advocacy, Engagement, Level, Lifecycle, PriceSensitivity, Rfm8, RfmSegment};
use super::{BirthdayMonth, ChildStage, FormulaStage, Satisfaction, Tier};
use crate::domain::{AreaType, Channel, ContactPref, Gender, Money, Source};
use crate::intern::Sym;
use chrono::NaiveDate;

/// Every class of one customer without its reason, and the figures lists sort by.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    pub frequency: Level,
    pub value: Level,
    pub activity: Activity,
    pub lifecycle: Lifecycle,
    /// The RFM segment and RFM-8 side; None for a customer who has not bought anything.
    pub rfm: Option<(RfmSegment, Rfm8)>,
    pub tier: Tier,
    pub price_sensitivity: PriceSensitivity,
    pub top_category: Option<Sym>,
    pub top_channel: Option<Channel>,
    pub satisfaction: Satisfaction,
    pub advocacy: Advocacy,
    pub engagement: Engagement,
    pub province: Sym,
    pub area: AreaType,
    pub source: Source,
    pub contact: ContactPref,
    pub tags: Box<[Sym]>,
    pub spend_total: Money,
    pub spend_365: Money,
    pub purchases: u32,
    pub last_purchase: Option<NaiveDate>,
    pub p_alive: Option<f64>,
    pub expected_90d: Option<f64>,
    /// Stored value held (储值).
    pub stored_value: Money,
    /// The recommended action's playbook entry.
    pub action: Option<Play>,
    /// The customer's row in the follow-up queue, when an action is due (a minority of a shop),
    /// without the action's reason.
    pub follow_up: Option<Box<FollowUp>>,
    // Demographics and life stage.
    pub gender: Gender,
    /// The age band's key (see `demographics`).
    pub age_band: &'static str,
    pub birthday_month: BirthdayMonth,
    pub child_stage: ChildStage,
    pub formula_stage: FormulaStage,
    /// Stated income, education and occupation; None when not recorded.
    pub income: Option<Sym>,
    pub education: Option<Sym>,
    pub occupation: Option<Sym>,
    /// The home branch (see `branch`); empty when nothing was recorded at a branch.
    pub branch: Sym,
}

impl Classes {
    /// The classes of a full profile.
    pub fn of(p: &Profile) -> Classes {
        Classes {
            frequency: p.frequency.class,
            value: p.value.class,
            activity: p.activity.class,
            lifecycle: p.lifecycle.class,
            rfm: p.rfm.as_ref().map(|r| (r.segment.class, r.rfm8.class)),
            tier: p.tier.class,
            price_sensitivity: p.price_sensitivity.class,
            top_category: p.top_category.class.as_deref().map(Sym::new),
            top_channel: p.top_channel.class,
            satisfaction: p.satisfaction.class,
            advocacy: p.advocacy.class,
            engagement: p.engagement.class,
            province: Sym::new(&p.stated.province),
            area: p.stated.area,
            source: p.stated.source,
            contact: p.stated.contact,
            tags: p.stated.tags.iter().map(|t| Sym::new(t)).collect(),
            spend_total: p.spend_total,
            spend_365: p.spend_365,
            purchases: p.purchases,
            last_purchase: p.last_purchase,
            p_alive: p.p_alive,
            expected_90d: p.expected_purchases_90d,
            stored_value: p.stored_value,
            action: p.action.as_ref().map(|a| a.play),
            // The queue shows the action, not why: the reason is the profile's to tell.
            follow_up: p.follow_up.clone().map(|mut f| {
                f.action.reason = super::Reason::default();
                Box::new(f)
            }),
            gender: p.stated.gender,
            age_band: p.age_band.class,
            birthday_month: p.birthday_month.class,
            child_stage: p.child_stage.class,
            formula_stage: p.formula_stage.as_ref().map_or(FormulaStage::None, |f| f.class),
            income: recorded(&p.stated.income),
            education: recorded(&p.stated.education),
            occupation: recorded(&p.stated.occupation),
            branch: Sym::new(&p.stated.branch),
        }
    }

    /// The P(alive) band of the customer.
    pub fn alive_bucket(&self) -> AliveBucket {
        AliveBucket::of(self.purchases, self.p_alive)
    }
}

/// A stated field as a class; None (and no interning, a shared lock) when nothing is recorded.
fn recorded(text: &str) -> Option<Sym> {
    (!text.is_empty()).then(|| Sym::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_small() {
        // The point of the type: a few cache lines per customer, not kilobytes (168 since the
        // home branch: 8 MB more at a million customers).
        assert!(std::mem::size_of::<Classes>() <= 168, "{}", std::mem::size_of::<Classes>());
    }
}
