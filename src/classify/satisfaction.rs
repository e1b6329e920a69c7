//! Satisfaction: the latest feedback rating, and open complaints by severity.

use super::Classed;
use super::rules::Rules;
use super::summary::ContactFact;
use crate::domain::Severity;
use crate::keyed_enum;
use chrono::NaiveDate;
use serde::Serialize;

keyed_enum! {
    /// How the customer feels about the shop, as far as feedback tells.
    Satisfaction { Satisfied => "satisfied", Neutral => "neutral", Dissatisfied => "dissatisfied", Unknown => "unknown" }
}

/// Complaints not yet resolved, counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpenComplaints {
    pub minor: u32,
    pub major: u32,
}

impl OpenComplaints {
    /// Counts the complaints among `contacts` still open on `today`.
    pub fn count(contacts: &[ContactFact], today: NaiveDate) -> OpenComplaints {
        let mut o = OpenComplaints::default();
        for sev in contacts.iter().filter_map(|c| c.open_on(today)) {
            match sev {
                Severity::Minor => o.minor += 1,
                Severity::Major => o.major += 1,
            }
        }
        o
    }

    /// Whether any complaint is open.
    pub fn any(self) -> bool {
        self.minor + self.major > 0
    }

    /// "1 open major and 2 open minor complaints", or "" when none.
    fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.major > 0 {
            parts.push(reason!("{} open major", self.major));
        }
        if self.minor > 0 {
            parts.push(reason!("{} open minor", self.minor));
        }
        let n = self.major + self.minor;
        let s = if n == 1 { "" } else { "s" };
        if n == 0 { String::new() } else { reason!("{} complaint{s}", parts.join(" and ")) }
    }
}

/// "; 2 complaints resolved, the last on 2024-06-03", or "" when none was resolved by `today`.
fn resolved_note(contacts: &[ContactFact], today: NaiveDate) -> String {
    let resolved: Vec<NaiveDate> = contacts.iter().filter_map(|c| c.resolved_by(today)).collect();
    match (resolved.len(), resolved.iter().max()) {
        (0, _) | (_, None) => String::new(),
        (1, Some(d)) => reason!("; 1 complaint resolved on {d}"),
        (n, Some(d)) => reason!("; {n} complaints resolved, the last on {d}"),
    }
}

/// Classes the latest rating (by day, then record id): ≥ satisfied / ≤ dissatisfied / between;
/// an open major complaint makes the customer dissatisfied whatever the rating says. Complaints
/// resolved by `today` are said, and no longer count.
pub fn satisfaction(contacts: &[ContactFact], rules: &Rules, today: NaiveDate) -> Classed<Satisfaction> {
    let open = OpenComplaints::count(contacts, today);
    let latest = contacts.iter().rev().find_map(|c| c.rating.map(|r| (r, c.day)));
    let resolved = resolved_note(contacts, today);
    let note = if open.any() { reason!("; {}{resolved}", open.describe()) } else { resolved };
    if open.major > 0 {
        let rated = latest.map(|(r, d)| reason!(" (latest rating {r} on {d})")).unwrap_or_default();
        return Classed::new(
            Satisfaction::Dissatisfied,
            reason!("dissatisfied — {}{rated}", open.describe()),
        );
    }
    let Some((r, d)) = latest else {
        return Classed::new(Satisfaction::Unknown, reason!("unknown — no rating given{note}"));
    };
    let (sat, dis) = (rules.satisfaction.satisfied, rules.satisfaction.dissatisfied);
    let what = reason!("latest rating {r} on {d}");
    if r >= sat {
        Classed::new(Satisfaction::Satisfied, reason!("satisfied — {what} (≥ {sat}){note}"))
    } else if r <= dis {
        Classed::new(Satisfaction::Dissatisfied, reason!("dissatisfied — {what} (≤ {dis}){note}"))
    } else {
        Classed::new(Satisfaction::Neutral, reason!("neutral — {what} ({}–{}){note}", dis + 1, sat - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{contact, day};
    use crate::domain::InteractionKind;

    /// The day the tests classify on.
    const D: NaiveDate = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();

    fn rated(r: u8) -> ContactFact {
        let mut c = contact(day(2024, 6, 1), InteractionKind::Feedback);
        c.rating = Some(r);
        c
    }

    #[test]
    fn rating_boundaries_2_3_4() {
        let r = Rules::default();
        assert_eq!(satisfaction(&[rated(1)], &r, D).class, Satisfaction::Dissatisfied);
        assert_eq!(satisfaction(&[rated(2)], &r, D).class, Satisfaction::Dissatisfied);
        assert_eq!(satisfaction(&[rated(3)], &r, D).class, Satisfaction::Neutral);
        assert_eq!(satisfaction(&[rated(4)], &r, D).class, Satisfaction::Satisfied);
        assert_eq!(satisfaction(&[rated(5)], &r, D).class, Satisfaction::Satisfied);
        assert_eq!(satisfaction(&[], &r, D).class, Satisfaction::Unknown);
    }

    #[test]
    fn latest_rating_wins_and_major_complaint_overrides() {
        let r = Rules::default();
        let mut later = rated(5);
        later.day = day(2024, 6, 2);
        assert_eq!(satisfaction(&[rated(1), later.clone()], &r, D).class, Satisfaction::Satisfied);
        let mut minor = contact(day(2024, 6, 3), InteractionKind::Complaint);
        minor.complaint = Some((Severity::Minor, None));
        let c = satisfaction(&[rated(1), later.clone(), minor.clone()], &r, D);
        assert_eq!(c.class, Satisfaction::Satisfied);
        assert_eq!(c.reason, "satisfied — latest rating 5 on 2024-06-02 (≥ 4); 1 open minor complaint");
        let mut major = minor.clone();
        major.complaint = Some((Severity::Major, None));
        let c = satisfaction(&[later.clone(), minor.clone(), major.clone()], &r, D);
        assert_eq!(c.class, Satisfaction::Dissatisfied);
        assert_eq!(
            c.reason,
            "dissatisfied — 1 open major and 1 open minor complaints (latest rating 5 on 2024-06-02)"
        );
        // Resolved on the 10th: as of the 9th still open, as of the 30th said and not counted.
        major.complaint = Some((Severity::Major, Some(day(2024, 6, 10))));
        let c = satisfaction(&[later.clone(), major.clone()], &r, day(2024, 6, 9));
        assert_eq!(c.class, Satisfaction::Dissatisfied);
        let c = satisfaction(&[later, major], &r, D);
        assert_eq!(c.class, Satisfaction::Satisfied);
        assert_eq!(
            c.reason,
            "satisfied — latest rating 5 on 2024-06-02 (≥ 4); 1 complaint resolved on 2024-06-10"
        );
    }
}
