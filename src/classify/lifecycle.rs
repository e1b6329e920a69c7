//! Lifecycle: where the customer is in the relationship, from first purchase to loss.

use super::activity::Activity;
use super::rules::Rules;
use super::{Classed, Level};
use crate::keyed_enum;
use chrono::NaiveDate;

keyed_enum! {
    /// The stage of the relationship.
    Lifecycle { Potential => "potential", New => "new", Mature => "mature", Loyal => "loyal", Lost => "lost" }
}

/// Classes the relationship. The customer's age counts from the first purchase, not from when
/// the record was created (imports create records long after the first purchase).
pub fn lifecycle(
    first: Option<NaiveDate>,
    activity: Activity,
    frequency: Level,
    rules: &Rules,
    today: NaiveDate,
) -> Classed<Lifecycle> {
    let Some(first) = first else {
        return Classed::new(Lifecycle::Potential, reason!("{} — no purchase yet", Lifecycle::Potential));
    };
    let age = (today - first).num_days();
    let (new_days, loyal_days) = (rules.lifecycle.new_days, rules.lifecycle.loyal_days);
    if activity == Activity::Churned {
        let lost = Lifecycle::Lost;
        return Classed::new(lost, reason!("{} — churned (no purchase for over the sleeping period)", lost));
    }
    if age <= new_days {
        let new = Lifecycle::New;
        return Classed::new(new, reason!("{} — first purchase {} days ago (≤ {})", new, age, new_days));
    }
    let old_enough = age >= loyal_days;
    let frequent = frequency == Level::High;
    let active = activity == Activity::Active;
    if old_enough && frequent && active {
        return Classed::new(
            Lifecycle::Loyal,
            reason!(
                "{} — customer for {} days (≥ {}), frequency high and active",
                Lifecycle::Loyal,
                age,
                loyal_days
            ),
        );
    }
    let mut missing = Vec::new();
    if !old_enough {
        missing.push(reason!("{} days as a customer", loyal_days));
    }
    if !frequent {
        missing.push(reason!("high frequency"));
    }
    if !active {
        missing.push(reason!("activity active"));
    }
    // Never empty: a customer lacking nothing is loyal.
    let needs =
        missing.into_iter().rev().reduce(|rest, part| reason!("{}, {}", part, rest)).unwrap_or_default();
    Classed::new(
        Lifecycle::Mature,
        reason!("{} — customer for {} days; loyal needs {}", Lifecycle::Mature, age, needs),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::day;

    fn class(age: i64, activity: Activity, frequency: Level) -> Lifecycle {
        let today = day(2024, 6, 30);
        lifecycle(Some(today - chrono::Days::new(age as u64)), activity, frequency, &Rules::default(), today)
            .class
    }

    #[test]
    fn new_until_90_days() {
        assert_eq!(class(0, Activity::Active, Level::Low), Lifecycle::New);
        assert_eq!(class(90, Activity::Active, Level::Low), Lifecycle::New);
        assert_eq!(class(91, Activity::Active, Level::Low), Lifecycle::Mature);
    }

    #[test]
    fn loyal_from_365_days_when_frequent_and_active() {
        assert_eq!(class(364, Activity::Active, Level::High), Lifecycle::Mature);
        assert_eq!(class(365, Activity::Active, Level::High), Lifecycle::Loyal);
        assert_eq!(class(365, Activity::Active, Level::Medium), Lifecycle::Mature);
        assert_eq!(class(365, Activity::Sleeping, Level::High), Lifecycle::Mature);
    }

    #[test]
    fn potential_and_lost() {
        let rules = Rules::default();
        let today = day(2024, 6, 30);
        assert_eq!(lifecycle(None, Activity::Never, Level::None, &rules, today).class, Lifecycle::Potential);
        assert_eq!(class(400, Activity::Churned, Level::None), Lifecycle::Lost);
    }

    #[test]
    fn mature_reason_says_what_is_missing() {
        let today = day(2024, 6, 30);
        let c = lifecycle(Some(day(2024, 1, 1)), Activity::Active, Level::Medium, &Rules::default(), today);
        assert_eq!(
            c.reason,
            "mature — customer for 181 days; loyal needs 365 days as a customer, high frequency"
        );
    }
}
