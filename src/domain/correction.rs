//! What corrections leave on a record: a void (a mistaken entry kept, counted nowhere), a
//! complaint's resolution, and how a call ended.

use crate::keyed_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A record voided as entered by mistake: it stays, with who voided it, when and why, and no
/// class counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Void {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// How a complaint was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub on: NaiveDate,
    pub by: String,
    pub note: String,
}

keyed_enum! {
    /// How a contact ended: the customer was reached, or a call went unanswered (the follow-up
    /// date then reschedules the call instead of closing what was due).
    #[derive(Default)]
    Outcome { #[default] Reached => "reached", NoAnswer => "no_answer" }
}
