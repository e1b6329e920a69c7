//! Birthdays: the day in a given year, the member's age, the follow-up before the birthday with
//! the level's birthday privilege, and whether the birthday falls this month.
//!
//! A birthday on 29 February falls on 28 February in other years, for the follow-up and for
//! the age alike (the day a shop would greet them is the day they turn a year older).

use super::Classed;
use super::member_rules::BirthdayRules;
use super::playbook::{Candidate, plus};
use super::rules::Play;
use super::tier::Tier;
use crate::keyed_enum;
use chrono::{Datelike, Days, NaiveDate};

keyed_enum! {
    /// When in the year the member's birthday falls, as of today's month.
    BirthdayMonth {
        ThisMonth => "this_month", NextMonth => "next_month", Later => "later", Unknown => "unknown",
    }
}

impl BirthdayMonth {
    /// The name to show in English.
    pub fn label(self) -> &'static str {
        match self {
            BirthdayMonth::ThisMonth => "this month",
            BirthdayMonth::NextMonth => "next month",
            BirthdayMonth::Later => "later",
            BirthdayMonth::Unknown => "unknown",
        }
    }
}

/// The birthday as celebrated in `year` (29 February → 28 February in other years).
pub fn in_year(birthday: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, birthday.month(), birthday.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(NaiveDate::MAX)
}

/// The first birthday on or after `today`.
pub fn next_birthday(birthday: NaiveDate, today: NaiveDate) -> NaiveDate {
    let this = in_year(birthday, today.year());
    if this >= today { this } else { in_year(birthday, today.year() + 1) }
}

/// Whole years of age on `today`; None before the birth.
pub fn age_on(birthday: NaiveDate, today: NaiveDate) -> Option<u32> {
    if birthday > today {
        return None;
    }
    let years = today.year() - birthday.year();
    let years = if in_year(birthday, today.year()) > today { years - 1 } else { years };
    u32::try_from(years).ok()
}

/// "12-08": the month and day, as a birthday is said.
pub fn month_day(d: NaiveDate) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

/// Whether the birthday's month is this month, next month or later.
pub fn birthday_month(birthday: Option<NaiveDate>, today: NaiveDate) -> Classed<BirthdayMonth> {
    let class = month_of(birthday, today);
    match birthday {
        Some(b) => Classed::new(class, reason!("{} — birthday {}", class, month_day(b))),
        None => Classed::new(class, reason!("{} — no birthday recorded", class)),
    }
}

/// [`birthday_month`]'s class alone: what a new day brings forward for everyone (a quarter of
/// those with a birthday change class on the first of each month, too many to reclassify).
pub fn month_of(birthday: Option<NaiveDate>, today: NaiveDate) -> BirthdayMonth {
    birthday.map_or(BirthdayMonth::Unknown, |b| month_class(b.month(), today))
}

/// The class of a birthday in `month` (1–12) during the month of `today`.
fn month_class(month: u32, today: NaiveDate) -> BirthdayMonth {
    if month == today.month() {
        BirthdayMonth::ThisMonth
    } else if month == today.month() % 12 + 1 {
        BirthdayMonth::NextMonth
    } else {
        BirthdayMonth::Later
    }
}

/// The birthday follow-up, from `lead_days` before the birthday to the day itself, offering the
/// level's birthday privilege.
pub fn candidate(
    birthday: Option<NaiveDate>,
    tier: Tier,
    rules: &BirthdayRules,
    today: NaiveDate,
) -> Option<Candidate> {
    let next = next_birthday(birthday?, today);
    let from = next.checked_sub_days(Days::new(rules.lead_days as u64))?;
    if today < from {
        return None;
    }
    let gift = rules.gift.of(tier).trim();
    let reason = if gift.is_empty() {
        reason!("birthday on {}", month_day(next))
    } else {
        reason!("birthday on {}: {}", month_day(next), super::reason::Arg::Phrase(gift.to_string()))
    };
    Some(Candidate::new(Play::BirthdaySoon, Some(from), &reason))
}

/// The first day after `today` on which the birthday's follow-up or the age can change: the
/// follow-up opening and closing, the age going up. (The month class is brought forward every
/// day instead, see [`month_of`].)
pub fn next_change(
    birthday: Option<NaiveDate>,
    rules: &BirthdayRules,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let b = birthday?;
    let next = next_birthday(b, today);
    [
        next.checked_sub_days(Days::new(rules.lead_days as u64)),
        Some(next),
        Some(plus(next, 1)),
        // A birthday still to come (a date typed in the future) starts the age on its day.
        Some(b),
    ]
    .into_iter()
    .flatten()
    .filter(|d| *d > today)
    .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Rules;
    use crate::classify::testkit::day;

    #[test]
    fn a_leap_day_birthday_falls_on_28_february_in_other_years() {
        let b = day(2000, 2, 29);
        assert_eq!(in_year(b, 2023), day(2023, 2, 28));
        assert_eq!(in_year(b, 2024), day(2024, 2, 29));
        assert_eq!(next_birthday(b, day(2023, 3, 1)), day(2024, 2, 29));
        assert_eq!(next_birthday(b, day(2024, 3, 1)), day(2025, 2, 28));
        assert_eq!(age_on(b, day(2023, 2, 27)), Some(22));
        assert_eq!(age_on(b, day(2023, 2, 28)), Some(23));
        assert_eq!(age_on(b, day(2024, 2, 28)), Some(23));
        assert_eq!(age_on(b, day(2024, 2, 29)), Some(24));
        assert_eq!(age_on(b, day(1999, 1, 1)), None);
    }

    #[test]
    fn the_follow_up_opens_seven_days_before_across_the_year_end() {
        let r = Rules::default();
        let b = Some(day(1990, 1, 3));
        let got = |today| candidate(b, Tier::Gold, &r.birthday, today);
        assert!(got(day(2025, 12, 26)).is_none());
        let c = got(day(2025, 12, 27)).unwrap();
        assert_eq!((c.play, c.since), (Play::BirthdaySoon, Some(day(2025, 12, 27))));
        assert_eq!(c.reason, "birthday on 01-03: Double points on the birthday");
        assert!(got(day(2026, 1, 3)).is_some(), "on the day itself");
        assert!(got(day(2026, 1, 4)).is_none(), "closed the day after");
        assert_eq!(next_change(b, &r.birthday, day(2025, 12, 20)), Some(day(2025, 12, 27)));
        assert_eq!(next_change(b, &r.birthday, day(2025, 12, 27)), Some(day(2026, 1, 3)));
        assert_eq!(next_change(b, &r.birthday, day(2026, 1, 3)), Some(day(2026, 1, 4)));
        assert_eq!(next_change(b, &r.birthday, day(2026, 1, 4)), Some(day(2026, 12, 27)));
        // 29 February in a year without one: the follow-up is for 28 February.
        let leap = Some(day(2000, 2, 29));
        let c = candidate(leap, Tier::Normal, &r.birthday, day(2025, 2, 21)).unwrap();
        assert_eq!(c.reason, "birthday on 02-28: Birthday greeting");
        assert!(candidate(leap, Tier::Normal, &r.birthday, day(2025, 3, 1)).is_none());
        assert!(candidate(None, Tier::Gold, &r.birthday, day(2025, 3, 1)).is_none());
    }

    #[test]
    fn an_empty_gift_says_only_the_day() {
        let r = Rules::from_toml("[birthday.gift]\nnormal = \"\"").unwrap();
        let c = candidate(Some(day(1990, 5, 5)), Tier::Normal, &r.birthday, day(2025, 5, 1)).unwrap();
        assert_eq!(c.reason, "birthday on 05-05");
    }

    #[test]
    fn this_month_next_month_and_december_into_january() {
        let class = |b: Option<NaiveDate>, today| birthday_month(b, today).class;
        assert_eq!(class(Some(day(1990, 6, 3)), day(2024, 6, 30)), BirthdayMonth::ThisMonth);
        assert_eq!(class(Some(day(1990, 7, 31)), day(2024, 6, 30)), BirthdayMonth::NextMonth);
        assert_eq!(class(Some(day(1990, 1, 2)), day(2024, 12, 15)), BirthdayMonth::NextMonth);
        assert_eq!(class(Some(day(1990, 3, 2)), day(2024, 12, 15)), BirthdayMonth::Later);
        assert_eq!(class(None, day(2024, 12, 15)), BirthdayMonth::Unknown);
        assert_eq!(month_of(Some(day(1990, 1, 2)), day(2024, 12, 15)), BirthdayMonth::NextMonth);
        assert_eq!(
            birthday_month(Some(day(1990, 6, 3)), day(2024, 6, 30)).reason,
            "this month — birthday 06-03"
        );
    }

    #[test]
    fn nothing_changes_before_the_next_change_day() {
        let r = Rules::from_toml("[birthday]\nlead_days = 10").unwrap();
        let end = day(2026, 6, 1);
        for b in [day(2000, 2, 29), day(1990, 1, 3), day(1985, 12, 31), day(1970, 6, 15), day(2025, 9, 1)] {
            // The month class is brought forward every day (`month_of`); the rest holds.
            let seen = |t| {
                let c = candidate(Some(b), Tier::Gold, &r.birthday, t);
                (age_on(b, t), c.map(|c| c.since))
            };
            let mut today = day(2024, 11, 1);
            while today < end {
                let next = next_change(Some(b), &r.birthday, today).unwrap_or(NaiveDate::MAX);
                let mut t = today;
                while t < next.min(end) {
                    assert_eq!(seen(t), seen(today), "{b} from {today} to {t}");
                    t = plus(t, 1);
                }
                today = plus(today, 1);
            }
        }
    }
}
