//! Record layouts written by earlier versions of kehu, kept so that their records still load.
//!
//! Never change a struct here: each one pins the exact byte layout of a released version.

use crate::domain::{
    AreaType, Channel, ChannelConsent, Complaint, ComplaintType, ContactPref, Customer, Education, Email,
    Gender, Income, Interaction, InteractionKind, Money, Outcome, Phone, Purchase, Rating, Severity, Source,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A customer as envelope version 1 stored it: before points, custom fields and revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CustomerV1 {
    pub id: u64,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    pub province: String,
    pub city: String,
    pub area: AreaType,
    pub source: Source,
    pub referrer: Option<u64>,
    pub contact: ContactPref,
    pub tags: Vec<String>,
    pub notes: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

impl From<CustomerV1> for Customer {
    fn from(v: CustomerV1) -> Customer {
        CustomerV2 {
            id: v.id,
            reference: v.reference,
            name: v.name,
            phone: v.phone,
            email: v.email,
            gender: v.gender,
            birthday: v.birthday,
            province: v.province,
            city: v.city,
            area: v.area,
            source: v.source,
            referrer: v.referrer,
            contact: v.contact,
            tags: v.tags,
            notes: v.notes,
            // Version 1 had no redemptions, custom fields or revisions: start them empty.
            custom: BTreeMap::new(),
            created: v.created,
            updated: v.updated,
            points_redeemed: 0,
            revision: 0,
        }
        .into()
    }
}

/// A customer as envelope version 2 stored it: the serde layout of the domain type then,
/// before consent, children and stated traits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CustomerV2 {
    pub id: u64,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    pub province: String,
    pub city: String,
    pub area: AreaType,
    pub source: Source,
    pub referrer: Option<u64>,
    pub contact: ContactPref,
    pub tags: Vec<String>,
    pub notes: String,
    pub custom: BTreeMap<String, String>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub points_redeemed: i64,
    pub revision: u64,
}

impl From<CustomerV2> for Customer {
    fn from(v: CustomerV2) -> Customer {
        Customer {
            id: v.id,
            reference: v.reference,
            name: v.name,
            phone: v.phone,
            email: v.email,
            gender: v.gender,
            birthday: v.birthday,
            province: v.province,
            city: v.city,
            area: v.area,
            source: v.source,
            referrer: v.referrer,
            contact: v.contact,
            tags: v.tags,
            notes: v.notes,
            custom: v.custom,
            created: v.created,
            updated: v.updated,
            points_redeemed: v.points_redeemed,
            revision: v.revision,
            // Nothing said yet about consent, children or stated traits.
            consent_sms: ChannelConsent::default(),
            consent_wechat: ChannelConsent::default(),
            consent_phone: ChannelConsent::default(),
            consent_email: ChannelConsent::default(),
            child_birthday: None,
            income: Income::Unknown,
            education: Education::Unknown,
            occupation: String::new(),
        }
    }
}

#[cfg(test)]
impl CustomerV2 {
    /// The version 2 form of `c` (tests write old records with it).
    pub fn of(c: &Customer) -> CustomerV2 {
        CustomerV2 {
            id: c.id,
            reference: c.reference.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            gender: c.gender,
            birthday: c.birthday,
            province: c.province.clone(),
            city: c.city.clone(),
            area: c.area,
            source: c.source,
            referrer: c.referrer,
            contact: c.contact,
            tags: c.tags.clone(),
            notes: c.notes.clone(),
            custom: c.custom.clone(),
            created: c.created,
            updated: c.updated,
            points_redeemed: c.points_redeemed,
            revision: c.revision,
        }
    }
}

/// A complaint's details as versions 1 and 2 stored them (inside an interaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ComplaintV2 {
    pub kind: ComplaintType,
    pub severity: Severity,
    pub resolved: bool,
}

/// A purchase as envelope versions 1 and 2 stored it: the serde layout of the domain type
/// before corrections (returns, voids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PurchaseV2 {
    pub id: u64,
    pub customer: u64,
    pub date: NaiveDate,
    pub amount: Money,
    pub quantity: u32,
    pub category: String,
    pub channel: Channel,
    pub promo: bool,
}

impl From<PurchaseV2> for Purchase {
    fn from(v: PurchaseV2) -> Purchase {
        Purchase {
            id: v.id,
            customer: v.customer,
            date: v.date,
            amount: v.amount,
            quantity: v.quantity,
            category: v.category,
            channel: v.channel,
            promo: v.promo,
            refund_of: None,
            void: None,
            payment: crate::domain::Payment::Unknown,
            points: 0,
            branch: String::new(),
        }
    }
}

/// An interaction as envelope versions 1 and 2 stored it: the serde layout of the domain type
/// before corrections (resolutions, outcomes, voids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InteractionV2 {
    pub id: u64,
    pub customer: u64,
    pub date: NaiveDate,
    pub kind: InteractionKind,
    pub text: String,
    pub rating: Option<Rating>,
    pub complaint: Option<ComplaintV2>,
    pub follow_up: Option<NaiveDate>,
    pub operator: String,
}

impl From<InteractionV2> for Interaction {
    fn from(v: InteractionV2) -> Interaction {
        Interaction {
            id: v.id,
            customer: v.customer,
            date: v.date,
            kind: v.kind,
            text: v.text,
            rating: v.rating,
            complaint: v.complaint.map(|c| Complaint {
                kind: c.kind,
                severity: c.severity,
                resolved: c.resolved,
                resolution: None,
            }),
            follow_up: v.follow_up,
            operator: v.operator,
            outcome: Outcome::Reached,
            void: None,
            branch: String::new(),
        }
    }
}

#[cfg(test)]
impl PurchaseV2 {
    /// The version 2 form of `p` (tests write old records with it).
    pub fn of(p: &Purchase) -> PurchaseV2 {
        PurchaseV2 {
            id: p.id,
            customer: p.customer,
            date: p.date,
            amount: p.amount,
            quantity: p.quantity,
            category: p.category.clone(),
            channel: p.channel,
            promo: p.promo,
        }
    }
}

#[cfg(test)]
impl InteractionV2 {
    /// The version 2 form of `i` (tests write old records with it).
    pub fn of(i: &Interaction) -> InteractionV2 {
        InteractionV2 {
            id: i.id,
            customer: i.customer,
            date: i.date,
            kind: i.kind,
            text: i.text.clone(),
            rating: i.rating,
            complaint: i.complaint.as_ref().map(|c| ComplaintV2 {
                kind: c.kind,
                severity: c.severity,
                resolved: c.resolved,
            }),
            follow_up: i.follow_up,
            operator: i.operator.clone(),
        }
    }
}
