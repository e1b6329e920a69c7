//! Every contact with a customer: calls, messages, visits, feedback, complaints.

use super::{DomainError, Outcome, Resolution, Void};
use crate::keyed_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

keyed_enum! {
    /// What kind of contact this was.
    InteractionKind {
        Call => "call", Sms => "sms", Email => "email", Visit => "visit", Event => "event",
        Feedback => "feedback", Complaint => "complaint", Note => "note",
    }
}
keyed_enum! {
    /// What a complaint was about.
    ComplaintType { Quality => "quality", Service => "service", Delivery => "delivery", Price => "price", Other => "other" }
}
keyed_enum! {
    /// How serious a complaint is.
    Severity { Minor => "minor", Major => "major" }
}

impl InteractionKind {
    /// Whether this kind reaches the customer (and so fulfils a follow-up action).
    pub fn is_contact(self) -> bool {
        !matches!(self, InteractionKind::Note)
    }
}

/// A satisfaction rating from 1 (worst) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1..=5.
    pub fn new(v: u8) -> Result<Rating, DomainError> {
        if (1..=5).contains(&v) { Ok(Rating(v)) } else { Err(DomainError::Rating(v.to_string())) }
    }

    /// Parses a rating from text.
    pub fn parse(s: &str) -> Result<Rating, DomainError> {
        s.trim().parse::<u8>().map_err(|_| DomainError::Rating(s.to_string())).and_then(Rating::new)
    }

    /// The value, 1..=5.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// The details a complaint carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub kind: ComplaintType,
    pub severity: Severity,
    pub resolved: bool,
    /// How it was resolved (when, by whom, how); a complaint imported as resolved may have none.
    #[serde(default)]
    pub resolution: Option<Resolution>,
}

/// One contact. `id` is assigned by the store; 0 means "not yet stored".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: u64,
    pub customer: u64,
    pub date: NaiveDate,
    pub kind: InteractionKind,
    pub text: String,
    pub rating: Option<Rating>,
    /// Present exactly when `kind` is `Complaint`.
    pub complaint: Option<Complaint>,
    pub follow_up: Option<NaiveDate>,
    /// Who logged it.
    pub operator: String,
    /// How it ended: a call that went unanswered reschedules to `follow_up` rather than counting
    /// as contact.
    #[serde(default)]
    pub outcome: Outcome,
    /// Set once voided (a mistaken entry): it stays, and no class counts it.
    #[serde(default)]
    pub void: Option<Void>,
    /// The branch it was logged at (see [`super::branch_name`]); empty when not recorded.
    #[serde(default)]
    pub branch: String,
}

impl Interaction {
    /// An interaction of `kind`; a complaint starts as a minor, open, "other" complaint.
    pub fn new(
        customer: u64,
        date: NaiveDate,
        kind: InteractionKind,
        text: &str,
    ) -> Result<Interaction, DomainError> {
        super::customer::check_len("text", text, super::customer::MAX_TEXT)?;
        let complaint = (kind == InteractionKind::Complaint).then_some(Complaint {
            kind: ComplaintType::Other,
            severity: Severity::Minor,
            resolved: false,
            resolution: None,
        });
        Ok(Interaction {
            id: 0,
            customer,
            date,
            kind,
            text: text.to_string(),
            rating: None,
            complaint,
            follow_up: None,
            operator: String::new(),
            outcome: Outcome::Reached,
            void: None,
            branch: String::new(),
        })
    }

    /// Whether it reached the customer: a contact that counts (not a note, not an unanswered
    /// call, not voided).
    pub fn reached(&self) -> bool {
        self.void.is_none() && self.kind.is_contact() && self.outcome == Outcome::Reached
    }

    /// Whether it is a complaint not yet resolved (and not voided).
    pub fn open_complaint(&self) -> bool {
        self.void.is_none() && self.complaint.as_ref().is_some_and(|c| !c.resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_bounds() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert_eq!(Rating::parse(" 5 ").unwrap().get(), 5);
        assert!(Rating::parse("4.5").is_err());
    }

    #[test]
    fn complaint_has_details() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let i = Interaction::new(1, d, InteractionKind::Complaint, "late").unwrap();
        assert!(!i.complaint.unwrap().resolved);
        assert!(Interaction::new(1, d, InteractionKind::Call, "").unwrap().complaint.is_none());
    }
}
