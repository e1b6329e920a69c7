//! Classification of customers along the retail dimensions of DESIGN §2.
//!
//! Pure: every function takes the customer's facts, the population figures, the rules and
//! `today`, and returns each class with a one-line reason. [`Classifier`] keeps the figures of a
//! whole shop up to date edit by edit; [`classify`] classifies one customer.

mod activity;
mod advocacy;
mod engagement;
mod engine;
mod frequency;
mod lifecycle;
mod model;
mod playbook;
mod population;
mod preference;
mod price;
mod profile;
mod rfm;
mod rhythm;
mod rules;
mod satisfaction;
mod segments;
mod stated;
mod summary;
#[cfg(test)]
mod testkit;
mod tier;
mod value;

pub use activity::{Activity, activity};
pub use advocacy::{Advocacy, advocacy};
pub use engagement::{Engagement, engagement};
pub use engine::{Classifier, ClassifierBuilder};
pub use frequency::frequency;
pub use lifecycle::{Lifecycle, lifecycle};
pub use model::{
    Fingerprint, HORIZON_DAYS, MODEL_SETTING, MODEL_VERSION, Model, Prediction, SpendModel, alive_reason,
    clv_reason, fit_model, fit_summaries,
};
pub use playbook::{Action, FollowUp};
pub use population::{Metric, Population};
pub use preference::{top_category, top_channel};
pub use price::{PriceSensitivity, price_sensitivity};
pub use profile::{Profile, classify, classify_with};
pub use rfm::{Rfm, Rfm8, RfmSegment, segment_for};
pub use rhythm::Rhythm;
pub use rules::{BUILTIN_RULES, ChannelHint, Play, PlayRule, Playbook, PredictionRules, Rules, RulesError};
pub use satisfaction::{OpenComplaints, Satisfaction, satisfaction};
pub use segments::{AliveBucket, Dimension, SegmentRow};
pub use stated::Stated;
pub use summary::{ContactFact, Metrics, PurchaseFact, Summary};
pub use tier::{Tier, points, tier};
pub use value::value;

use crate::keyed_enum;
use serde::Serialize;

/// A class with the plain-words reason it was given, e.g. "high — 14 purchases in the last 365
/// days (≥ 12)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classed<C> {
    pub class: C,
    pub reason: String,
}

impl<C> Classed<C> {
    /// Pairs a class with its reason.
    pub fn new(class: C, reason: impl Into<String>) -> Classed<C> {
        Classed { class, reason: reason.into() }
    }
}

keyed_enum! {
    /// A four-step level, used by frequency and value.
    Level { High => "high", Medium => "medium", Low => "low", None => "none" }
}
