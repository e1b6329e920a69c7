//! The compact record layouts of envelope version 3 and after, converted to and from the domain types.
//!
//! Why a layout of its own: chrono's serde writes dates and timestamps as text
//! (`"2024-05-01"` is 11 bytes, `"2023-11-14T22:13:20Z"` 21), and the ids a record carries are
//! already in its key. Version 3 stores a date as its day number, a timestamp as seconds and
//! nanoseconds, and leaves out what the key says, which about halves a purchase. Keeping these
//! structs apart from the domain types also means a new domain field cannot silently change
//! what is on disk: it fails to compile here until a new version decides how to store it.
//!
//! Never change a struct here once released: add a version instead. The variant order of the
//! stored enums (gender, channel, kind…) is part of the layout too (bincode writes the index).

use crate::domain::{
    Account, AreaType, Channel, ChannelConsent, Complaint, ComplaintType, Consent, ConsentSource,
    ContactPref, Customer, Education, Email, EntryKind, Gender, Income, Interaction, InteractionKind,
    LedgerEntry, Money, Outcome, Payment, Phone, Purchase, Rating, Resolution, Severity, Source, Void,
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a record lives: the ids its key holds, which version 3 does not repeat in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    /// The customer the record belongs to (the customer's own id for a customer record).
    pub owner: u64,
    /// The record's own id.
    pub id: u64,
}

impl At {
    /// The place of customer `id`.
    pub fn customer(id: u64) -> At {
        At { owner: id, id }
    }

    /// The place of purchase or interaction `id` of customer `owner`.
    pub fn child(owner: u64, id: u64) -> At {
        At { owner, id }
    }
}

/// Day 0 of the stored day numbers. Around it, varints are short: every day from 1880 to 2059
/// takes 3 bytes.
const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// A date as days since 1970-01-01 (negative before).
pub(crate) fn day_number(d: NaiveDate) -> i32 {
    // Every NaiveDate is within ±262,143 years of the epoch, well inside i32 days.
    (d - EPOCH).num_days() as i32
}

/// The date of a stored day number; out of chrono's range is damage.
pub(crate) fn from_day_number(n: i32) -> Result<NaiveDate, String> {
    let d = Days::new(n.unsigned_abs() as u64);
    if n >= 0 { EPOCH.checked_add_days(d) } else { EPOCH.checked_sub_days(d) }
        .ok_or_else(|| format!("day number {n} is out of range"))
}

/// A UTC timestamp as whole seconds since 1970 and nanoseconds (exact: chrono keeps nanoseconds).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Stamp {
    secs: i64,
    nanos: u32,
}

impl From<DateTime<Utc>> for Stamp {
    fn from(t: DateTime<Utc>) -> Stamp {
        Stamp { secs: t.timestamp(), nanos: t.timestamp_subsec_nanos() }
    }
}

impl Stamp {
    /// The timestamp; out of chrono's range is damage.
    pub(super) fn time(self) -> Result<DateTime<Utc>, String> {
        DateTime::from_timestamp(self.secs, self.nanos)
            .ok_or_else(|| format!("timestamp {}.{:09} is out of range", self.secs, self.nanos))
    }
}

/// A customer in version 3: the id is the key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CustomerV3 {
    pub(super) reference: Option<String>,
    pub(super) name: String,
    pub(super) phone: Option<Phone>,
    pub(super) email: Option<Email>,
    pub(super) gender: Gender,
    pub(super) birthday: Option<i32>,
    pub(super) province: String,
    pub(super) city: String,
    pub(super) area: AreaType,
    pub(super) source: Source,
    pub(super) referrer: Option<u64>,
    pub(super) contact: ContactPref,
    pub(super) tags: Vec<String>,
    pub(super) notes: String,
    pub(super) custom: BTreeMap<String, String>,
    pub(super) created: Stamp,
    pub(super) updated: Stamp,
    pub(super) points_redeemed: i64,
    pub(super) revision: u64,
}

impl CustomerV3 {
    /// The stored form of `c`.
    pub fn from_domain(c: &Customer) -> CustomerV3 {
        CustomerV3 {
            reference: c.reference.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            gender: c.gender,
            birthday: c.birthday.map(day_number),
            province: c.province.clone(),
            city: c.city.clone(),
            area: c.area,
            source: c.source,
            referrer: c.referrer,
            contact: c.contact,
            tags: c.tags.clone(),
            notes: c.notes.clone(),
            custom: c.custom.clone(),
            created: c.created.into(),
            updated: c.updated.into(),
            points_redeemed: c.points_redeemed,
            revision: c.revision,
        }
    }

    /// The customer stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Customer, String> {
        Ok(Customer {
            id: at.id,
            reference: self.reference,
            name: self.name,
            phone: self.phone,
            email: self.email,
            gender: self.gender,
            birthday: self.birthday.map(from_day_number).transpose()?,
            province: self.province,
            city: self.city,
            area: self.area,
            source: self.source,
            referrer: self.referrer,
            contact: self.contact,
            tags: self.tags,
            notes: self.notes,
            custom: self.custom,
            created: self.created.time()?,
            updated: self.updated.time()?,
            points_redeemed: self.points_redeemed,
            revision: self.revision,
            // Version 3 had no consent, child or stated traits: nothing said yet.
            consent_sms: ChannelConsent::default(),
            consent_wechat: ChannelConsent::default(),
            consent_phone: ChannelConsent::default(),
            consent_email: ChannelConsent::default(),
            child_birthday: None,
            income: Income::Unknown,
            education: Education::Unknown,
            occupation: String::new(),
        })
    }
}

/// One channel's consent in version 6.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct ConsentV6 {
    answer: Consent,
    on: Option<i32>,
    source: ConsentSource,
}

impl ConsentV6 {
    fn from_domain(c: &ChannelConsent) -> ConsentV6 {
        ConsentV6 { answer: c.answer, on: c.on.map(day_number), source: c.source }
    }

    fn into_domain(self) -> Result<ChannelConsent, String> {
        Ok(ChannelConsent {
            answer: self.answer,
            on: self.on.map(from_day_number).transpose()?,
            source: self.source,
        })
    }
}

/// A customer in version 6: version 3 and what members add (consent per channel in the order
/// sms, wechat, phone, email; one child's birthday; stated income, education, occupation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CustomerV6 {
    base: CustomerV3,
    consent: [ConsentV6; 4],
    child_birthday: Option<i32>,
    income: Income,
    education: Education,
    occupation: String,
}

impl CustomerV6 {
    /// The stored form of `c`.
    pub fn from_domain(c: &Customer) -> CustomerV6 {
        CustomerV6 {
            base: CustomerV3::from_domain(c),
            consent: [&c.consent_sms, &c.consent_wechat, &c.consent_phone, &c.consent_email]
                .map(ConsentV6::from_domain),
            child_birthday: c.child_birthday.map(day_number),
            income: c.income,
            education: c.education,
            occupation: c.occupation.clone(),
        }
    }

    /// The customer stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Customer, String> {
        let [sms, wechat, phone, email] = self.consent;
        Ok(Customer {
            consent_sms: sms.into_domain()?,
            consent_wechat: wechat.into_domain()?,
            consent_phone: phone.into_domain()?,
            consent_email: email.into_domain()?,
            child_birthday: self.child_birthday.map(from_day_number).transpose()?,
            income: self.income,
            education: self.education,
            occupation: self.occupation,
            ..self.base.into_domain(at)?
        })
    }
}

/// A purchase in version 3: customer and id are the key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PurchaseV3 {
    pub(super) date: i32,
    pub(super) amount: i64,
    pub(super) quantity: u32,
    pub(super) category: String,
    pub(super) channel: Channel,
    pub(super) promo: bool,
}

impl PurchaseV3 {
    /// The stored form of `p`.
    pub fn from_domain(p: &Purchase) -> PurchaseV3 {
        PurchaseV3 {
            date: day_number(p.date),
            amount: p.amount.0,
            quantity: p.quantity,
            category: p.category.clone(),
            channel: p.channel,
            promo: p.promo,
        }
    }

    /// The purchase stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Purchase, String> {
        Ok(Purchase {
            id: at.id,
            customer: at.owner,
            date: from_day_number(self.date)?,
            amount: Money(self.amount),
            quantity: self.quantity,
            category: self.category,
            channel: self.channel,
            promo: self.promo,
            refund_of: None,
            void: None,
            payment: Payment::Unknown,
            points: 0,
            branch: String::new(),
        })
    }
}

/// A complaint's details in version 3.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ComplaintV3 {
    pub(super) kind: ComplaintType,
    pub(super) severity: Severity,
    pub(super) resolved: bool,
}

/// An interaction in version 3: customer and id are the key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InteractionV3 {
    pub(super) date: i32,
    pub(super) kind: InteractionKind,
    pub(super) text: String,
    pub(super) rating: Option<u8>,
    pub(super) complaint: Option<ComplaintV3>,
    pub(super) follow_up: Option<i32>,
    pub(super) operator: String,
}

impl InteractionV3 {
    /// The stored form of `i`.
    pub fn from_domain(i: &Interaction) -> InteractionV3 {
        InteractionV3 {
            date: day_number(i.date),
            kind: i.kind,
            text: i.text.clone(),
            rating: i.rating.map(Rating::get),
            complaint: i.complaint.as_ref().map(|c| ComplaintV3 {
                kind: c.kind,
                severity: c.severity,
                resolved: c.resolved,
            }),
            follow_up: i.follow_up.map(day_number),
            operator: i.operator.clone(),
        }
    }

    /// The interaction stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Interaction, String> {
        Ok(Interaction {
            id: at.id,
            customer: at.owner,
            date: from_day_number(self.date)?,
            kind: self.kind,
            text: self.text,
            rating: self.rating.map(|r| Rating::new(r).map_err(|e| e.to_string())).transpose()?,
            complaint: self.complaint.map(|c| Complaint {
                kind: c.kind,
                severity: c.severity,
                resolved: c.resolved,
                resolution: None,
            }),
            follow_up: self.follow_up.map(from_day_number).transpose()?,
            operator: self.operator,
            outcome: Outcome::Reached,
            void: None,
            branch: String::new(),
        })
    }
}

/// A void in version 5.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VoidV5 {
    at: Stamp,
    by: String,
    reason: String,
}

impl VoidV5 {
    fn from_domain(v: &Void) -> VoidV5 {
        VoidV5 { at: v.at.into(), by: v.by.clone(), reason: v.reason.clone() }
    }

    fn into_domain(self) -> Result<Void, String> {
        Ok(Void { at: self.at.time()?, by: self.by, reason: self.reason })
    }
}

/// A purchase in version 5 (chunks of format 5): version 3 and what corrections add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PurchaseV5 {
    base: PurchaseV3,
    refund_of: Option<u64>,
    void: Option<VoidV5>,
}

impl PurchaseV5 {
    /// The stored form of `p`.
    pub fn from_domain(p: &Purchase) -> PurchaseV5 {
        PurchaseV5 {
            base: PurchaseV3::from_domain(p),
            refund_of: p.refund_of,
            void: p.void.as_ref().map(VoidV5::from_domain),
        }
    }

    /// The purchase stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Purchase, String> {
        Ok(Purchase {
            refund_of: self.refund_of,
            void: self.void.map(VoidV5::into_domain).transpose()?,
            ..self.base.into_domain(at)?
        })
    }
}

/// A complaint's resolution in version 5.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ResolutionV5 {
    on: i32,
    by: String,
    note: String,
}

/// An interaction in version 5 (chunks of format 5): version 3 and what corrections add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InteractionV5 {
    base: InteractionV3,
    resolution: Option<ResolutionV5>,
    outcome: Outcome,
    void: Option<VoidV5>,
}

impl InteractionV5 {
    /// The stored form of `i`.
    pub fn from_domain(i: &Interaction) -> InteractionV5 {
        let resolution = i.complaint.as_ref().and_then(|c| c.resolution.as_ref()).map(|r| ResolutionV5 {
            on: day_number(r.on),
            by: r.by.clone(),
            note: r.note.clone(),
        });
        InteractionV5 {
            base: InteractionV3::from_domain(i),
            resolution,
            outcome: i.outcome,
            void: i.void.as_ref().map(VoidV5::from_domain),
        }
    }

    /// The interaction stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Interaction, String> {
        let mut i = self.base.into_domain(at)?;
        if let (Some(c), Some(r)) = (i.complaint.as_mut(), self.resolution) {
            c.resolution = Some(Resolution { on: from_day_number(r.on)?, by: r.by, note: r.note });
        }
        i.outcome = self.outcome;
        i.void = self.void.map(VoidV5::into_domain).transpose()?;
        Ok(i)
    }
}

/// A purchase in version 6 (chunks of format 6): version 5, how it was paid and the points it
/// moves on the member's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PurchaseV6 {
    base: PurchaseV5,
    payment: Payment,
    points: i64,
}

impl PurchaseV6 {
    /// The stored form of `p`.
    pub fn from_domain(p: &Purchase) -> PurchaseV6 {
        PurchaseV6 { base: PurchaseV5::from_domain(p), payment: p.payment, points: p.points }
    }

    /// The purchase stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Purchase, String> {
        Ok(Purchase { payment: self.payment, points: self.points, ..self.base.into_domain(at)? })
    }
}

/// A ledger entry in version 6, its first layout (chunks of format 6): customer and id are the
/// key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LedgerV6 {
    date: i32,
    account: Account,
    kind: EntryKind,
    amount: i64,
    key: String,
    purchase: Option<u64>,
    operator: String,
    note: String,
}

impl LedgerV6 {
    /// The stored form of `e`.
    pub fn from_domain(e: &LedgerEntry) -> LedgerV6 {
        LedgerV6 {
            date: day_number(e.date),
            account: e.account,
            kind: e.kind,
            amount: e.amount,
            key: e.key.clone(),
            purchase: e.purchase,
            operator: e.operator.clone(),
            note: e.note.clone(),
        }
    }

    /// The entry stored at `at`.
    pub fn into_domain(self, at: At) -> Result<LedgerEntry, String> {
        Ok(LedgerEntry {
            id: at.id,
            customer: at.owner,
            account: self.account,
            kind: self.kind,
            amount: self.amount,
            date: from_day_number(self.date)?,
            key: self.key,
            purchase: self.purchase,
            operator: self.operator,
            note: self.note,
            branch: String::new(),
        })
    }
}

/// A purchase in version 7 (chunks of format 7): version 6 and the branch it was made at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PurchaseV7 {
    base: PurchaseV6,
    branch: String,
}

impl PurchaseV7 {
    /// The stored form of `p`.
    pub fn from_domain(p: &Purchase) -> PurchaseV7 {
        PurchaseV7 { base: PurchaseV6::from_domain(p), branch: p.branch.clone() }
    }

    /// The purchase stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Purchase, String> {
        Ok(Purchase { branch: self.branch, ..self.base.into_domain(at)? })
    }
}

/// An interaction in version 7 (chunks of format 7): version 5 and the branch it was logged at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InteractionV7 {
    base: InteractionV5,
    branch: String,
}

impl InteractionV7 {
    /// The stored form of `i`.
    pub fn from_domain(i: &Interaction) -> InteractionV7 {
        InteractionV7 { base: InteractionV5::from_domain(i), branch: i.branch.clone() }
    }

    /// The interaction stored at `at`.
    pub fn into_domain(self, at: At) -> Result<Interaction, String> {
        Ok(Interaction { branch: self.branch, ..self.base.into_domain(at)? })
    }
}

/// A ledger entry in version 7 (chunks of format 7): version 6 and the branch it was taken at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LedgerV7 {
    base: LedgerV6,
    branch: String,
}

impl LedgerV7 {
    /// The stored form of `e`.
    pub fn from_domain(e: &LedgerEntry) -> LedgerV7 {
        LedgerV7 { base: LedgerV6::from_domain(e), branch: e.branch.clone() }
    }

    /// The entry stored at `at`.
    pub fn into_domain(self, at: At) -> Result<LedgerEntry, String> {
        Ok(LedgerEntry { branch: self.branch, ..self.base.into_domain(at)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_the_range() {
        for d in [NaiveDate::MIN, EPOCH, NaiveDate::MAX, NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()] {
            assert_eq!(from_day_number(day_number(d)).unwrap(), d);
        }
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        assert!(from_day_number(i32::MAX).is_err());
        assert!(from_day_number(i32::MIN).is_err());
    }

    #[test]
    fn stamps_keep_nanoseconds_and_refuse_nonsense() {
        let t = DateTime::from_timestamp(-86_401, 999_999_999).unwrap();
        assert_eq!(Stamp::from(t).time().unwrap(), t);
        assert!(Stamp { secs: i64::MAX, nanos: 0 }.time().is_err());
        assert!(Stamp { secs: 0, nanos: u32::MAX }.time().is_err());
    }
}
