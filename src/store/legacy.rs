//! Record layouts written by earlier versions of kehu, kept so that their records still load.
//!
//! Never change a struct here: each one pins the exact byte layout of a released version.

use crate::domain::{AreaType, ContactPref, Customer, Email, Gender, Phone, Source};
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
            // Version 1 had no redemptions, custom fields or revisions: start them empty.
            custom: BTreeMap::new(),
            created: v.created,
            updated: v.updated,
            points_redeemed: 0,
            revision: 0,
        }
    }
}
