//! Activity: days since the last purchase.

use super::Classed;
use super::rules::Rules;
use crate::keyed_enum;
use chrono::NaiveDate;

keyed_enum! {
    /// Whether the customer still buys.
    Activity { Active => "active", Sleeping => "sleeping", Churned => "churned", Never => "never" }
}

/// Classes days since `last` purchase: ≤ active / ≤ sleeping / beyond / no purchase.
pub fn activity(last: Option<NaiveDate>, rules: &Rules, today: NaiveDate) -> Classed<Activity> {
    let Some(last) = last else {
        return Classed::new(Activity::Never, reason!("{} — no purchase yet", Activity::Never));
    };
    let ago = (today - last).num_days();
    let (active, sleeping) = (rules.activity.active, rules.activity.sleeping);
    let what = reason!("last purchase {} days ago", ago);
    if ago <= active {
        Classed::new(Activity::Active, reason!("{} — {} (≤ {})", Activity::Active, what, active))
    } else if ago <= sleeping {
        Classed::new(
            Activity::Sleeping,
            reason!("{} — {} ({}–{})", Activity::Sleeping, what, active + 1, sleeping),
        )
    } else {
        Classed::new(Activity::Churned, reason!("{} — {} (> {})", Activity::Churned, what, sleeping))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::day;

    fn class(ago: i64) -> Activity {
        let today = day(2024, 6, 30);
        activity(Some(today - chrono::Days::new(ago as u64)), &Rules::default(), today).class
    }

    #[test]
    fn boundaries_89_90_91_180_181() {
        assert_eq!(class(0), Activity::Active);
        assert_eq!(class(89), Activity::Active);
        assert_eq!(class(90), Activity::Active);
        assert_eq!(class(91), Activity::Sleeping);
        assert_eq!(class(180), Activity::Sleeping);
        assert_eq!(class(181), Activity::Churned);
        assert_eq!(activity(None, &Rules::default(), day(2024, 1, 1)).class, Activity::Never);
    }

    #[test]
    fn reason_says_days_and_range() {
        let today = day(2024, 6, 30);
        let r = activity(Some(today - chrono::Days::new(120)), &Rules::default(), today).reason;
        assert_eq!(r, "sleeping — last purchase 120 days ago (91–180)");
    }
}
