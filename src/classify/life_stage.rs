//! A child's life stage from the child's birthday (婴儿 infant, 幼儿 toddler, 学龄前 preschool,
//! then school age), and for shops that sell infant formula by stage, the formula stage (1段,
//! 2段, 3段) with a follow-up when the baby is about to reach the next one.
//!
//! Every bound is a day: the day the child turns so many months (a birthday on the 31st turns
//! a month older on the last day of a shorter month), so that the stage, the follow-up and the
//! day the classes change agree. A child's birthday after today is a due date: no stage yet.

use super::Classed;
use super::member_rules::LifeStageRules;
use super::playbook::{Candidate, plus};
use super::reason::Arg;
use super::rules::Play;
use crate::keyed_enum;
use chrono::{Datelike, Days, Months, NaiveDate};

keyed_enum! {
    /// A child's stage of life.
    ChildStage {
        Infant => "infant", Toddler => "toddler", Preschool => "preschool", SchoolAge => "school_age",
        None => "none",
    }
}

keyed_enum! {
    /// The infant formula stage a child's age calls for.
    FormulaStage { Stage1 => "stage_1", Stage2 => "stage_2", Stage3 => "stage_3", None => "none" }
}

impl ChildStage {
    /// The name to show in English.
    pub fn label(self) -> &'static str {
        match self {
            ChildStage::SchoolAge => "school age",
            other => other.key(),
        }
    }
}

impl FormulaStage {
    /// The name to show in English.
    pub fn label(self) -> &'static str {
        match self {
            FormulaStage::Stage1 => "stage 1",
            FormulaStage::Stage2 => "stage 2",
            FormulaStage::Stage3 => "stage 3",
            FormulaStage::None => "none",
        }
    }

    /// The stage's number (1段, 2段, 3段).
    pub fn number(self) -> Option<u32> {
        match self {
            FormulaStage::Stage1 => Some(1),
            FormulaStage::Stage2 => Some(2),
            FormulaStage::Stage3 => Some(3),
            FormulaStage::None => None,
        }
    }
}

/// The day a child born on `born` turns `months` months old.
fn turns(born: NaiveDate, months: u32) -> NaiveDate {
    born.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Whole months of age on `today` (None before the birth).
pub fn months_old(born: NaiveDate, today: NaiveDate) -> Option<u32> {
    if born > today {
        return None;
    }
    let guess = (today.year() - born.year()) * 12 + today.month() as i32 - born.month() as i32;
    let guess = u32::try_from(guess).ok()?;
    Some(if turns(born, guess) > today { guess.saturating_sub(1) } else { guess })
}

/// The months at which each stage after infant begins.
fn stage_bounds(r: &LifeStageRules) -> [(u32, ChildStage); 3] {
    [
        (r.toddler_from_years * 12, ChildStage::Toddler),
        (r.preschool_from_years * 12, ChildStage::Preschool),
        (r.school_from_years * 12, ChildStage::SchoolAge),
    ]
}

/// The months at which each formula stage begins, and the one at which formula ends.
fn formula_bounds(r: &LifeStageRules) -> [(u32, FormulaStage); 3] {
    [
        (r.stage_2_from_months, FormulaStage::Stage2),
        (r.stage_3_from_months, FormulaStage::Stage3),
        (r.formula_until_months, FormulaStage::None),
    ]
}

fn no_child<C: super::reason::IntoArg + Copy>(none: C) -> Classed<C> {
    Classed::new(none, reason!("{} — no child's birthday recorded", none))
}

/// The child's stage on `today`.
pub fn child_stage(
    child: Option<NaiveDate>,
    rules: &LifeStageRules,
    today: NaiveDate,
) -> Classed<ChildStage> {
    let Some(born) = child else { return no_child(ChildStage::None) };
    let Some(months) = months_old(born, today) else {
        return Classed::new(ChildStage::None, reason!("{} — due on {}", ChildStage::None, born));
    };
    let stage = stage_bounds(rules)
        .iter()
        .rev()
        .find(|(from, _)| months >= *from)
        .map_or(ChildStage::Infant, |s| s.1);
    let reason = if months < 24 {
        reason!("{} — {} months old (born {})", stage, months, born)
    } else {
        reason!("{} — {} years old (born {})", stage, months / 12, born)
    };
    Classed::new(stage, reason)
}

/// The formula stage on `today`.
pub fn formula_stage(
    child: Option<NaiveDate>,
    rules: &LifeStageRules,
    today: NaiveDate,
) -> Classed<FormulaStage> {
    let Some(born) = child else { return no_child(FormulaStage::None) };
    let Some(months) = months_old(born, today) else {
        return Classed::new(FormulaStage::None, reason!("{} — due on {}", FormulaStage::None, born));
    };
    let (s2, s3, until) = (rules.stage_2_from_months, rules.stage_3_from_months, rules.formula_until_months);
    let (stage, reason) = if months < s2 {
        (
            FormulaStage::Stage1,
            reason!("{} — {} months old (under {} months)", FormulaStage::Stage1, months, s2),
        )
    } else if months < s3 {
        let r = reason!("{} — {} months old ({} to under {} months)", FormulaStage::Stage2, months, s2, s3);
        (FormulaStage::Stage2, r)
    } else if months < until {
        let r =
            reason!("{} — {} months old ({} to under {} months)", FormulaStage::Stage3, months, s3, until);
        (FormulaStage::Stage3, r)
    } else {
        (
            FormulaStage::None,
            reason!("{} — {} months old ({} months or more)", FormulaStage::None, months, until),
        )
    };
    Classed::new(stage, reason)
}

/// The next formula stage a baby reaches within `lead_days` of `today` (or on it): the day, the
/// age in months and the stage. Reaching the end of formula is no stage to suggest.
pub fn next_stage(
    child: Option<NaiveDate>,
    rules: &LifeStageRules,
    today: NaiveDate,
) -> Option<(NaiveDate, u32, FormulaStage)> {
    let born = child?;
    formula_bounds(rules)
        .into_iter()
        .filter(|(_, s)| *s != FormulaStage::None)
        .map(|(m, s)| (turns(born, m), m, s))
        .find(|(on, _, _)| *on >= today && (*on - today).num_days() <= rules.lead_days)
}

/// The follow-up suggesting the next formula stage, for shops that sell formula by stage.
pub fn candidate(child: Option<NaiveDate>, rules: &LifeStageRules, today: NaiveDate) -> Option<Candidate> {
    if !rules.formula {
        return None;
    }
    let (on, months, stage) = next_stage(child, rules, today)?;
    let n = stage.number().unwrap_or_default();
    let reason = match (on - today).num_days() {
        0 => reason!("baby turns {} months today: suggest stage {}", months, n),
        1 => reason!("baby turns {} months tomorrow: suggest stage {}", months, n),
        days => reason!("baby turns {} months in {} days ({}): suggest stage {}", months, days, on, n),
    };
    let from = on.checked_sub_days(Days::new(rules.lead_days as u64)).unwrap_or(on);
    Some(Candidate::new(Play::FormulaStageNext, Some(from), &reason))
}

/// The first day after `today` on which the child's classes or the formula follow-up can
/// change: a stage's bound, a follow-up opening or closing, the birth of a child still due.
pub fn next_change(child: Option<NaiveDate>, rules: &LifeStageRules, today: NaiveDate) -> Option<NaiveDate> {
    let born = child?;
    let mut days = vec![born];
    days.extend(stage_bounds(rules).iter().map(|(m, _)| turns(born, *m)));
    if rules.formula {
        for (m, _) in formula_bounds(rules) {
            let on = turns(born, m);
            days.extend([on, plus(on, 1)]);
            days.extend(on.checked_sub_days(Days::new(rules.lead_days as u64)));
        }
    }
    days.into_iter().filter(|d| *d > today).min()
}

impl super::reason::IntoArg for ChildStage {
    fn into_arg(self) -> Arg {
        Arg::Class { key: self.key(), name: self.label() }
    }
}

impl super::reason::IntoArg for FormulaStage {
    fn into_arg(self) -> Arg {
        Arg::Class { key: self.key(), name: self.label() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Rules;
    use crate::classify::testkit::day;

    fn rules(formula: bool) -> LifeStageRules {
        Rules::from_toml(&format!("[life_stage]\nformula = {formula}")).unwrap().life_stage
    }

    #[test]
    fn stages_change_on_the_birthdays_of_their_bounds() {
        let r = rules(false);
        let born = Some(day(2023, 3, 15));
        let stage = |today| child_stage(born, &r, today).class;
        assert_eq!(stage(day(2023, 3, 15)), ChildStage::Infant);
        assert_eq!(stage(day(2024, 3, 14)), ChildStage::Infant);
        assert_eq!(stage(day(2024, 3, 15)), ChildStage::Toddler);
        assert_eq!(stage(day(2026, 3, 14)), ChildStage::Toddler);
        assert_eq!(stage(day(2026, 3, 15)), ChildStage::Preschool);
        assert_eq!(stage(day(2029, 3, 15)), ChildStage::SchoolAge);
        assert_eq!(child_stage(born, &r, day(2023, 9, 20)).reason, "infant — 6 months old (born 2023-03-15)");
        assert_eq!(
            child_stage(born, &r, day(2026, 9, 20)).reason,
            "preschool — 3 years old (born 2023-03-15)"
        );
        assert_eq!(child_stage(None, &r, day(2026, 9, 20)).class, ChildStage::None);
        let due = child_stage(Some(day(2026, 10, 1)), &r, day(2026, 9, 20));
        assert_eq!(
            (due.class, due.reason.to_string().as_str()),
            (ChildStage::None, "none — due on 2026-10-01")
        );
        assert_eq!(next_change(born, &r, day(2023, 9, 20)), Some(day(2024, 3, 15)));
    }

    #[test]
    fn formula_stages_and_their_bounds_in_months() {
        let r = rules(true);
        let born = Some(day(2024, 8, 31));
        let stage = |today| formula_stage(born, &r, today).class;
        assert_eq!(stage(day(2024, 8, 31)), FormulaStage::Stage1);
        // Six months after 31 August is the last day of February.
        assert_eq!(stage(day(2025, 2, 27)), FormulaStage::Stage1);
        assert_eq!(stage(day(2025, 2, 28)), FormulaStage::Stage2);
        assert_eq!(stage(day(2025, 8, 31)), FormulaStage::Stage3);
        assert_eq!(stage(day(2027, 8, 30)), FormulaStage::Stage3);
        assert_eq!(stage(day(2027, 8, 31)), FormulaStage::None);
        assert_eq!(
            formula_stage(born, &r, day(2025, 3, 10)).reason,
            "stage 2 — 6 months old (6 to under 12 months)"
        );
        assert_eq!(months_old(day(2024, 8, 31), day(2025, 2, 28)), Some(6));
        assert_eq!(months_old(day(2024, 1, 31), day(2024, 2, 29)), Some(1));
        assert_eq!(months_old(day(2024, 3, 1), day(2024, 2, 29)), None);
    }

    #[test]
    fn the_follow_up_suggests_the_next_stage_a_week_before() {
        let r = rules(true);
        let born = Some(day(2024, 6, 10));
        // Six months on 2024-12-10: the suggestion opens on 12-03 and closes after 12-10.
        assert!(candidate(born, &r, day(2024, 12, 2)).is_none());
        let c = candidate(born, &r, day(2024, 12, 3)).unwrap();
        assert_eq!((c.play, c.since), (Play::FormulaStageNext, Some(day(2024, 12, 3))));
        assert_eq!(c.reason, "baby turns 6 months in 7 days (2024-12-10): suggest stage 2");
        assert_eq!(
            candidate(born, &r, day(2024, 12, 9)).unwrap().reason,
            "baby turns 6 months tomorrow: suggest stage 2"
        );
        assert_eq!(
            candidate(born, &r, day(2024, 12, 10)).unwrap().reason,
            "baby turns 6 months today: suggest stage 2"
        );
        assert!(candidate(born, &r, day(2024, 12, 11)).is_none());
        // Across the year end, into stage 3 at twelve months.
        let born = Some(day(2024, 1, 2));
        let c = candidate(born, &r, day(2024, 12, 28)).unwrap();
        assert_eq!(c.reason, "baby turns 12 months in 5 days (2025-01-02): suggest stage 3");
        // Reaching the end of formula is not a stage to suggest; shops without formula get none.
        assert!(candidate(Some(day(2022, 1, 5)), &r, day(2025, 1, 1)).is_none());
        assert!(candidate(Some(day(2024, 6, 10)), &rules(false), day(2024, 12, 5)).is_none());
        assert_eq!(next_change(Some(day(2024, 6, 10)), &r, day(2024, 11, 1)), Some(day(2024, 12, 3)));
        assert_eq!(next_change(Some(day(2024, 6, 10)), &r, day(2024, 12, 10)), Some(day(2024, 12, 11)));
    }

    #[test]
    fn nothing_changes_before_the_next_change_day() {
        let r = rules(true);
        let end = day(2027, 3, 1);
        for born in [day(2024, 8, 31), day(2024, 2, 29), day(2023, 12, 25), day(2025, 3, 3)] {
            let seen = |t| {
                let c = candidate(Some(born), &r, t);
                (
                    child_stage(Some(born), &r, t).class,
                    formula_stage(Some(born), &r, t).class,
                    c.map(|c| c.since),
                )
            };
            let mut today = day(2024, 6, 1);
            while today < end {
                let next = next_change(Some(born), &r, today).unwrap_or(NaiveDate::MAX);
                let mut t = today;
                while t < next.min(end) {
                    assert_eq!(seen(t), seen(today), "{born} from {today} to {t}");
                    t = plus(t, 1);
                }
                today = plus(today, 1);
            }
        }
    }
}
