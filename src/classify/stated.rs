//! Stated dimensions: what the customer or staff recorded, used as classes as they are.

use super::summary::Summary;
use crate::domain::{AreaType, ContactPref, Gender, Source};
use serde::Serialize;

/// The recorded fields that segment customers without any rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stated {
    pub province: String,
    pub city: String,
    pub area: AreaType,
    pub source: Source,
    pub contact: ContactPref,
    pub tags: Vec<String>,
    pub gender: Gender,
    /// Stated income, education and occupation ("" when not recorded).
    pub income: String,
    pub education: String,
    pub occupation: String,
    /// The home branch (see [`super::branch`]); "" when nothing was recorded at a branch.
    pub branch: String,
}

impl Stated {
    /// Copies the recorded fields out of a summary.
    pub fn of(s: &Summary) -> Stated {
        Stated {
            province: s.province.to_string(),
            city: s.city.to_string(),
            area: s.area,
            source: s.source,
            contact: s.contact,
            tags: s.tags.clone(),
            gender: s.gender,
            income: s.income.map(|x| x.to_string()).unwrap_or_default(),
            education: s.education.map(|x| x.to_string()).unwrap_or_default(),
            occupation: s.occupation.map(|x| x.to_string()).unwrap_or_default(),
            branch: s.branch.to_string(),
        }
    }
}
