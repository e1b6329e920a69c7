//! The rules of member levels, demographics, children's life stages and birthdays: the
//! `[level]`, `[demographics]`, `[life_stage]` and `[birthday]` tables of `assets/rules.toml`.

use super::rules::RulesError;
use super::tier::Tier;
use crate::domain::DomainError;
use crate::keyed_enum;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;

keyed_enum! {
    /// When a member level, once reached, is looked at again. An upgrade always happens on the
    /// day the threshold is reached; a downgrade only when the period ends.
    LevelPeriod {
        /// Held to 31 December of the year it was reached (or kept), then judged again on
        /// 1 January by the spend of the trailing window.
        CalendarYear => "calendar_year",
        /// Held for 12 months from the day it was reached (or kept), then judged again.
        TwelveMonths => "12_months_from_upgrade",
        /// No period: the level follows the trailing window's spend from day to day.
        Trailing => "trailing",
    }
}

/// Member levels: how long a level holds, and what each level gives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRules {
    #[serde(deserialize_with = "keyed")]
    pub period: LevelPeriod,
    /// For this many days after an upgrade the member is congratulated (`tier_upgraded`).
    pub welcome_days: i64,
    /// From this many days before a level ends, a member whose spend would not keep it is
    /// reminded (`tier_expiring`).
    pub expiry_notice_days: i64,
    pub benefits: LevelTexts<Vec<String>>,
}

/// One value per member level.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelTexts<T> {
    pub normal: T,
    pub silver: T,
    pub gold: T,
}

impl<T> LevelTexts<T> {
    /// The value of `tier`.
    pub fn of(&self, tier: Tier) -> &T {
        match tier {
            Tier::Normal => &self.normal,
            Tier::Silver => &self.silver,
            Tier::Gold => &self.gold,
        }
    }
}

/// Age bands from the birthday.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemographicRules {
    /// The ages (in whole years) at which each band after the first begins, ascending.
    pub age_bands: Vec<u32>,
    /// The band keys, youngest first, made once when the rules are read (see `demographics`):
    /// interning them for every customer took a shared lock millions of times a start-up.
    #[serde(skip)]
    pub band_keys: Vec<&'static str>,
}

impl DemographicRules {
    /// Makes the band keys of `age_bands`.
    pub(super) fn prepare(&mut self) {
        self.band_keys = super::demographics::band_keys(&self.age_bands);
    }
}

/// A child's life stage from the child's birthday, and the formula stages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeStageRules {
    /// Infant (婴儿) below this age in years, then toddler (幼儿)…
    pub toddler_from_years: u32,
    /// …then preschool (学龄前) from this age…
    pub preschool_from_years: u32,
    /// …and school age from this one.
    pub school_from_years: u32,
    /// Whether the shop sells infant formula by stage (1段, 2段, 3段).
    pub formula: bool,
    /// Stage 2 from this age in months…
    pub stage_2_from_months: u32,
    /// …stage 3 from this one…
    pub stage_3_from_months: u32,
    /// …and no formula stage from this one.
    pub formula_until_months: u32,
    /// Suggest the next stage this many days before the baby reaches it.
    pub lead_days: i64,
}

/// Birthday follow-ups.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthdayRules {
    /// The follow-up opens this many days before the birthday (and closes after it).
    pub lead_days: i64,
    /// What each level gets on the birthday, said in the follow-up.
    pub gift: LevelTexts<String>,
}

/// Refuses member rules that contradict themselves; `check` is the rules' own.
pub(super) fn validate(
    level: &LevelRules,
    demo: &DemographicRules,
    life: &LifeStageRules,
    birthday: &BirthdayRules,
    check: fn(bool, &str, &str) -> Result<(), RulesError>,
) -> Result<(), RulesError> {
    check(level.welcome_days >= 0, "level.welcome_days", "must not be negative")?;
    check(level.expiry_notice_days >= 0, "level.expiry_notice_days", "must not be negative")?;
    let bands = &demo.age_bands;
    check(bands.iter().all(|b| (1..=150).contains(b)), "demographics.age_bands", "must be ages 1–150")?;
    check(bands.windows(2).all(|w| w[0] < w[1]), "demographics.age_bands", "must be in ascending order")?;
    check(life.toddler_from_years >= 1, "life_stage.toddler_from_years", "must be at least 1")?;
    check(
        life.toddler_from_years < life.preschool_from_years,
        "life_stage.preschool_from_years",
        "must exceed toddler_from_years",
    )?;
    check(
        life.preschool_from_years < life.school_from_years && life.school_from_years <= 18,
        "life_stage.school_from_years",
        "must exceed preschool_from_years and be at most 18",
    )?;
    check(life.stage_2_from_months >= 1, "life_stage.stage_2_from_months", "must be at least 1")?;
    check(
        life.stage_2_from_months < life.stage_3_from_months,
        "life_stage.stage_3_from_months",
        "must exceed stage_2_from_months",
    )?;
    check(
        life.stage_3_from_months < life.formula_until_months && life.formula_until_months <= 120,
        "life_stage.formula_until_months",
        "must exceed stage_3_from_months and be at most 120",
    )?;
    check((0..=90).contains(&life.lead_days), "life_stage.lead_days", "must be 0–90 days")?;
    // A birthday comes every year: a longer lead would open next year's before this one closed.
    check((0..=300).contains(&birthday.lead_days), "birthday.lead_days", "must be 0–300 days")?;
    Ok(())
}

/// Reads a keyed enum by its key, with the keys expected in the error.
fn keyed<'de, D: Deserializer<'de>, T: FromStr<Err = DomainError>>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|e: DomainError| serde::de::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::rules::Rules;
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let r = Rules::default();
        assert_eq!(r.level.period, LevelPeriod::CalendarYear);
        assert_eq!(r.demographics.age_bands, vec![25, 35, 45, 55]);
        assert!(!r.life_stage.formula);
        assert_eq!((r.life_stage.lead_days, r.birthday.lead_days), (7, 7));
        assert!(!r.level.benefits.of(Tier::Gold).is_empty());
        let r = Rules::from_toml(
            "[level]\nperiod = \"12_months_from_upgrade\"\n[level.benefits]\ngold = [\"9.5折\"]\n\
             [life_stage]\nformula = true",
        )
        .unwrap();
        assert_eq!(r.level.period, LevelPeriod::TwelveMonths);
        assert_eq!(r.level.benefits.gold, vec!["9.5折".to_string()]);
        assert!(r.life_stage.formula);
    }

    #[test]
    fn bad_member_rules_name_the_key() {
        let e = Rules::from_toml("[level]\nperiod = \"weekly\"").unwrap_err().to_string();
        assert!(e.contains("weekly") && e.contains("calendar_year"), "{e}");
        let e = Rules::from_toml("[demographics]\nage_bands = [30, 25]").unwrap_err().to_string();
        assert!(e.contains("demographics.age_bands") && e.contains("ascending"), "{e}");
        let e = Rules::from_toml("[life_stage]\nstage_3_from_months = 3").unwrap_err().to_string();
        assert!(e.contains("life_stage.stage_3_from_months"), "{e}");
        let e = Rules::from_toml("[birthday]\nlead_days = 400").unwrap_err().to_string();
        assert!(e.contains("birthday.lead_days"), "{e}");
        let e = Rules::from_toml("[level.benefits]\nplatinum = []").unwrap_err().to_string();
        assert!(e.contains("level.benefits.platinum"), "{e}");
    }
}
