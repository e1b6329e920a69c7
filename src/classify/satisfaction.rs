//! Satisfaction: the latest feedback rating, and open complaints by severity.

use super::rules::Rules;
use super::summary::ContactFact;
use super::{Classed, Reason};
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

    /// "1 open major and 2 open minor complaints", or nothing when none is open.
    fn describe(self) -> Reason {
        match (self.major, self.minor) {
            (0, 0) => Reason::default(),
            (1, 0) => reason!("{} open major complaint", 1),
            (major, 0) => reason!("{} open major complaints", major),
            (0, 1) => reason!("{} open minor complaint", 1),
            (0, minor) => reason!("{} open minor complaints", minor),
            (major, minor) => reason!("{} open major and {} open minor complaints", major, minor),
        }
    }
}

/// "2 complaints resolved, the last on 2024-06-03", or None when none was resolved by `today`.
fn resolved_note(contacts: &[ContactFact], today: NaiveDate) -> Option<Reason> {
    let resolved: Vec<NaiveDate> = contacts.iter().filter_map(|c| c.resolved_by(today)).collect();
    match (resolved.len(), resolved.iter().max()) {
        (0, _) | (_, None) => None,
        (1, Some(d)) => Some(reason!("1 complaint resolved on {}", *d)),
        (n, Some(d)) => Some(reason!("{} complaints resolved, the last on {}", n, *d)),
    }
}

/// Classes the latest rating (by day, then record id): ≥ satisfied / ≤ dissatisfied / between;
/// an open major complaint makes the customer dissatisfied whatever the rating says. Complaints
/// resolved by `today` are said, and no longer count.
pub fn satisfaction(contacts: &[ContactFact], rules: &Rules, today: NaiveDate) -> Classed<Satisfaction> {
    let open = OpenComplaints::count(contacts, today);
    let latest = contacts.iter().rev().find_map(|c| c.rating.map(|r| (r, c.day)));
    if open.major > 0 {
        let dis = Satisfaction::Dissatisfied;
        let reason = match latest {
            Some((r, d)) => reason!("{} — {} (latest rating {} on {})", dis, open.describe(), r, d),
            None => reason!("{} — {}", dis, open.describe()),
        };
        return Classed::new(dis, reason);
    }
    // After the class's own words: the open complaints, then the resolved ones, "; " between.
    let notes = [open.any().then(|| open.describe()), resolved_note(contacts, today)];
    let noted = |main: Reason| notes.iter().flatten().fold(main, |said, note| reason!("{}; {}", said, note));
    let Some((r, d)) = latest else {
        return Classed::new(
            Satisfaction::Unknown,
            noted(reason!("{} — no rating given", Satisfaction::Unknown)),
        );
    };
    let (sat, dis) = (rules.satisfaction.satisfied, rules.satisfaction.dissatisfied);
    let what = reason!("latest rating {} on {}", r, d);
    let (class, reason) = if r >= sat {
        (Satisfaction::Satisfied, reason!("{} — {} (≥ {})", Satisfaction::Satisfied, what, sat))
    } else if r <= dis {
        (Satisfaction::Dissatisfied, reason!("{} — {} (≤ {})", Satisfaction::Dissatisfied, what, dis))
    } else {
        (Satisfaction::Neutral, reason!("{} — {} ({}–{})", Satisfaction::Neutral, what, dis + 1, sat - 1))
    };
    Classed::new(class, noted(reason))
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
