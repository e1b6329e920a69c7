//! Classification of customers along the retail dimensions: frequency, value, activity,
//! lifecycle, RFM and RFM-8, tier (member level), price sensitivity, preferences, satisfaction,
//! advocacy, engagement, the stated ones, the demographic and life-stage ones, and the
//! predicted ones.
//!
//! Pure: every function takes the customer's facts, the population figures, the rules and
//! `today`, and returns each class with a one-line reason. [`Classifier`] keeps the figures of a
//! whole shop up to date edit by edit; [`classify`] classifies one customer.

/// A [`Reason`] from a template literal (English, one positional `{}` per argument: formatting
/// is done before, `{name}` captures are refused when compiling) and its arguments (anything
/// [`reason::IntoArg`]). Nothing is built (an empty reason) while the classifier recomputes
/// classes it keeps without reasons, since writing ~20 sentences per customer was most of the
/// time a whole shop took to reclassify. Only ever for reason text, never for anything a class
/// depends on.
macro_rules! reason {
    ($t:literal $(, $a:expr)* $(,)?) => {{
        const {
            assert!(
                $crate::classify::reason::placeholders($t) == 0 $(+ $crate::classify::reason::one(stringify!($a)))*,
                "{}",
                concat!("a reason's template needs one positional placeholder per argument: ", $t)
            )
        };
        if $crate::classify::reasons_wanted() {
            $crate::classify::Reason::new($t, vec![$($crate::classify::reason::IntoArg::into_arg($a)),*])
        } else {
            $crate::classify::Reason::default()
        }
    }};
}

mod activity;
mod advocacy;
mod birthday;
mod branch;
mod choice;
mod classes;
mod demographics;
mod engagement;
mod engine;
mod frequency;
mod if_alive;
mod kept;
mod kept_classes;
mod level;
mod life_stage;
mod lifecycle;
mod member_rules;
mod model;
mod new_day;
mod playbook;
mod population;
mod preference;
mod price;
mod profile;
mod queue;
mod ranges;
pub mod reason;
mod rfm;
mod rhythm;
pub(crate) mod rules;
mod satisfaction;
mod segments;
mod sorted;
mod stated;
mod steady;
mod summary;
#[cfg(test)]
mod testkit;
mod tier;
mod value;

pub use activity::{Activity, activity};
pub use advocacy::{Advocacy, advocacy};
pub use birthday::{BirthdayMonth, age_on, in_year, next_birthday};
pub use choice::{Choice, Scored, Selection, purchase_days};
pub use classes::Classes;
pub use demographics::{age_band, band_label, band_rank, stated};
pub use engagement::{Engagement, engagement};
pub use engine::{Classifier, ClassifierBuilder};
pub use frequency::frequency;
pub use kept::{Segmented, Stamp, rules_fingerprint};
pub use kept_classes::{KeptClasses, model_mark};
pub use level::{Basis, Membership, membership};
pub use life_stage::{ChildStage, FormulaStage, child_stage, formula_stage, months_old};
pub use lifecycle::{Lifecycle, lifecycle};
pub use member_rules::{
    BirthdayRules, DemographicRules, LevelPeriod, LevelRules, LevelTexts, LifeStageRules,
};
pub use model::{
    Fingerprint, HORIZON_DAYS, MODEL_SETTING, MODEL_VERSION, Model, Prediction, SpendModel, alive_reason,
    clv_reason, fit_model, fit_summaries, fit_summaries_with,
};
pub use playbook::{Action, FollowUp};
pub use population::{Figures, Metric, Population, PopulationFigures};
pub use preference::{top_category, top_channel};
pub use price::{PriceSensitivity, price_sensitivity};
pub use profile::{Profile, classify, classify_with};
pub use ranges::{RangeSource, Ranges};
pub use reason::Reason;
pub use rfm::{Rfm, Rfm8, RfmSegment, segment_for};
pub use rhythm::Rhythm;
pub use rules::{
    BUILTIN_RULES, ChannelHint, Play, PlayRule, Playbook, PredictionRules, Rules, RulesError, TillRules,
};
pub use satisfaction::{OpenComplaints, Satisfaction, satisfaction};
pub use segments::{AliveBucket, Dimension, NOT_RECORDED, SegmentRow};
pub use stated::Stated;
pub use steady::{Buyer, Steady};
pub use summary::{ContactFact, Metrics, PurchaseFact, Summary};
pub use tier::{Tier, points, tier};
pub use value::value;

use crate::keyed_enum;
use serde::Serialize;
use std::cell::Cell;

thread_local! {
    static REASONS: Cell<bool> = const { Cell::new(true) };
}

/// Whether reasons are being written on this thread (see `reason!`).
pub(crate) fn reasons_wanted() -> bool {
    REASONS.with(Cell::get)
}

/// Runs `f` with reasons left empty on this thread, restoring the setting even if `f` panics.
pub(crate) fn without_reasons<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REASONS.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REASONS.with(|r| r.replace(false)));
    f()
}

/// A class with the plain-words reason it was given, e.g. "high — 14 purchases in the last 365
/// days (≥ 12)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classed<C> {
    pub class: C,
    pub reason: Reason,
}

impl<C> Classed<C> {
    /// Pairs a class with its reason.
    pub fn new(class: C, reason: Reason) -> Classed<C> {
        Classed { class, reason }
    }
}

keyed_enum! {
    /// A four-step level, used by frequency and value.
    Level { High => "high", Medium => "medium", Low => "low", None => "none" }
}
