//! Stated dimensions: what the customer or staff recorded, used as classes as they are.

use super::summary::Summary;
use crate::domain::{AreaType, ContactPref, Source};
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
        }
    }
}
