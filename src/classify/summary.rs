//! The compact per-customer facts the classifier keeps, so that it can reclassify without the store.

use crate::domain::{
    AreaType, Channel, ContactPref, Education, Gender, History, Income, InteractionKind, Money, Outcome,
    Severity, Source, net_purchases,
};
use crate::intern::Sym;
use chrono::NaiveDate;

/// What classification needs of one purchase. A shop keeps millions of these in memory, so it
/// holds no id (24 bytes, not 32): two purchases with equal facts classify alike, and ordering
/// by every field keeps the order independent of how the store returned them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PurchaseFact {
    pub day: NaiveDate,
    pub amount: Money,
    pub quantity: u32,
    pub promo: bool,
    pub channel: Channel,
    pub category: Sym,
}

/// What classification needs of one interaction (a voided one is none of its business).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContactFact {
    pub day: NaiveDate,
    pub id: u64,
    pub kind: InteractionKind,
    pub rating: Option<u8>,
    /// A complaint's severity and the day it was resolved (None: still open). A complaint
    /// recorded as resolved without a day counts as resolved on the day it was logged.
    pub complaint: Option<(Severity, Option<NaiveDate>)>,
    pub follow_up: Option<NaiveDate>,
    /// Whether it reached the customer (an unanswered call does not).
    pub reached: bool,
}

impl ContactFact {
    /// The complaint's severity when it is still open on `today`.
    pub fn open_on(&self, today: NaiveDate) -> Option<Severity> {
        match self.complaint {
            Some((severity, None)) => Some(severity),
            Some((severity, Some(resolved))) if resolved > today => Some(severity),
            _ => None,
        }
    }

    /// The day the complaint was resolved, when that was by `today`.
    pub fn resolved_by(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.complaint.and_then(|(_, r)| r).filter(|r| *r <= today)
    }

    /// Whether it counts as having been in touch with the customer (fulfils what was due).
    pub fn is_contact(&self) -> bool {
        self.reached && self.kind.is_contact()
    }
}

/// Everything about one customer that any dimension reads, facts sorted (by day first) so that
/// the order the store returned them in never matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: u64,
    pub purchases: Vec<PurchaseFact>,
    pub contacts: Vec<ContactFact>,
    pub province: Sym,
    pub city: Sym,
    pub area: AreaType,
    pub source: Source,
    pub contact: ContactPref,
    pub tags: Vec<String>,
    pub referrer: Option<u64>,
    // Member dimensions: demographics and life stage.
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    /// The birthday of the customer's child; None until the customer record has the field.
    pub child_birthday: Option<NaiveDate>,
    /// Stated income, education and occupation as classes (None when not recorded).
    pub income: Option<Sym>,
    pub education: Option<Sym>,
    pub occupation: Option<Sym>,
    /// The member's points and stored value: the sums of their ledger entries.
    pub balances: crate::domain::Balances,
    /// The home branch (see [`super::branch`]); empty when nothing was recorded at a branch.
    pub branch: Sym,
}

impl Summary {
    /// Extracts the facts from a full history.
    /// Voided records are left out, returns netted into the sales they return (see
    /// [`crate::domain::net_purchases`]).
    pub fn from_history(h: &History) -> Summary {
        let sales = net_purchases(&h.purchases);
        let branch = super::branch::home_branch(h, &sales);
        let mut purchases: Vec<PurchaseFact> = sales
            .into_iter()
            .map(|n| PurchaseFact {
                day: n.date,
                amount: n.amount,
                quantity: n.quantity,
                promo: n.purchase.promo,
                channel: n.purchase.channel,
                category: Sym::new(n.purchase.category.trim()),
            })
            .collect();
        purchases.sort();
        let mut contacts: Vec<ContactFact> = h
            .interactions
            .iter()
            .filter(|i| i.void.is_none())
            .map(|i| ContactFact {
                day: i.date,
                id: i.id,
                kind: i.kind,
                rating: i.rating.map(|r| r.get()),
                complaint: i.complaint.as_ref().map(|c| {
                    let resolved =
                        c.resolution.as_ref().map(|r| r.on.max(i.date)).or(c.resolved.then_some(i.date));
                    (c.severity, resolved)
                }),
                follow_up: i.follow_up,
                reached: i.outcome == Outcome::Reached,
            })
            .collect();
        contacts.sort();
        let c = &h.customer;
        let mut tags = c.tags.clone();
        tags.sort();
        tags.dedup();
        Summary {
            id: c.id,
            purchases,
            contacts,
            province: Sym::new(c.province.trim()),
            city: Sym::new(c.city.trim()),
            area: c.area,
            source: c.source,
            contact: c.contact,
            tags,
            // Referring oneself is a data-entry slip, not advocacy.
            referrer: c.referrer.filter(|r| *r != c.id),
            gender: c.gender,
            birthday: c.birthday,
            child_birthday: c.child_birthday,
            // Nothing stated is no class, not a class "unknown".
            income: super::stated(if c.income == Income::Unknown { "" } else { c.income.key() }),
            education: super::stated(if c.education == Education::Unknown { "" } else { c.education.key() }),
            occupation: super::stated(&c.occupation),
            balances: h.balances(),
            branch,
        }
    }

    /// Purchases made on or before `today`: a later record has not happened yet "as of" today.
    pub fn purchases_to(&self, today: NaiveDate) -> &[PurchaseFact] {
        &self.purchases[..self.purchases.partition_point(|p| p.day <= today)]
    }

    /// Interactions on or before `today`.
    pub fn contacts_to(&self, today: NaiveDate) -> &[ContactFact] {
        &self.contacts[..self.contacts.partition_point(|c| c.day <= today)]
    }

    /// The figures RFM ranks this customer by, when the customer has bought anything by `today`.
    pub fn metrics(&self, today: NaiveDate) -> Option<Metrics> {
        let ps = self.purchases_to(today);
        let last = ps.last()?.day;
        Some(Metrics { last, count: ps.len() as u32, spend: ps.iter().map(|p| p.amount).sum() })
    }
}

/// Recency, frequency and monetary figures of a buying customer, over all history to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    pub last: NaiveDate,
    pub count: u32,
    pub spend: Money,
}

/// Whether `day` falls in the `days`-long window that ends with `today` (today counts as day 0).
pub fn in_window(day: NaiveDate, today: NaiveDate, days: i64) -> bool {
    let ago = (today - day).num_days();
    (0..days).contains(&ago)
}
