//! The compact per-customer facts the classifier keeps, so that it can reclassify without the store.

use crate::domain::{AreaType, Channel, ContactPref, History, InteractionKind, Money, Severity, Source};
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

/// What classification needs of one interaction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContactFact {
    pub day: NaiveDate,
    pub id: u64,
    pub kind: InteractionKind,
    pub rating: Option<u8>,
    /// The severity of a complaint that is not yet resolved.
    pub open_complaint: Option<Severity>,
    pub follow_up: Option<NaiveDate>,
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
    pub points_redeemed: i64,
}

impl Summary {
    /// Extracts the facts from a full history.
    pub fn from_history(h: &History) -> Summary {
        let mut purchases: Vec<PurchaseFact> = h
            .purchases
            .iter()
            .map(|p| PurchaseFact {
                day: p.date,
                amount: p.amount,
                quantity: p.quantity,
                promo: p.promo,
                channel: p.channel,
                category: Sym::new(p.category.trim()),
            })
            .collect();
        purchases.sort();
        let mut contacts: Vec<ContactFact> = h
            .interactions
            .iter()
            .map(|i| ContactFact {
                day: i.date,
                id: i.id,
                kind: i.kind,
                rating: i.rating.map(|r| r.get()),
                open_complaint: i.complaint.as_ref().filter(|c| !c.resolved).map(|c| c.severity),
                follow_up: i.follow_up,
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
            points_redeemed: c.points_redeemed,
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

/// "1 purchase", "3 purchases".
pub fn plural(n: impl Into<i64>, word: &str) -> String {
    let n = n.into();
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}
