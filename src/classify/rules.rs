//! The classes' thresholds and the playbook (the action each class calls for), from `assets/rules.toml` and a user's override.
//!
//! A user's file is merged key by key over the built-in table before it is read, so a partial
//! file changes only what it names; a key the built-in file does not have, or a value of the
//! wrong type, is refused with the dotted key in the message.

use super::member_rules::{BirthdayRules, DemographicRules, LevelRules, LifeStageRules};
use crate::domain::{DomainError, Money};
use crate::keyed_enum;
use serde::{Deserialize, Deserializer};
use thiserror::Error;
use toml::{Table, Value};

/// The rules file compiled into the binary.
pub const BUILTIN_RULES: &str = include_str!("../../assets/rules.toml");

/// Why a rules file was refused, naming the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RulesError {
    #[error("rules file is not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown rules key `{key}` (expected one of: {expected})")]
    UnknownKey { key: String, expected: String },
    #[error("rules key `{key}` must be {expected}, not {found}")]
    WrongType { key: String, expected: &'static str, found: &'static str },
    #[error("rules key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

/// Every threshold and the playbook.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub window: WindowRules,
    pub frequency: FrequencyRules,
    pub value: ValueRules,
    pub activity: ActivityRules,
    pub lifecycle: LifecycleRules,
    pub tier: TierRules,
    pub price: PriceRules,
    pub satisfaction: SatisfactionRules,
    pub engagement: EngagementRules,
    pub replenishment: ReplenishmentRules,
    pub prediction: PredictionRules,
    pub till: TillRules,
    pub playbook: Playbook,
    // Member levels, demographics, life stages and birthdays (see `member_rules`).
    pub level: LevelRules,
    pub demographics: DemographicRules,
    pub life_stage: LifeStageRules,
    pub birthday: BirthdayRules,
    // Member accounts (see `crate::ledger`).
    pub points: crate::ledger::rules::PointsRules,
    pub stored_value: crate::ledger::rules::StoredValueRules,
}

/// When the till asks before saving a purchase: above `confirm_above`, or of zero. With
/// `confirm_above` 0 the limit follows the shop: `median_times` its median purchase, at least
/// `at_least` (a mistyped 99999999 must not slip through in a shop without history).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TillRules {
    #[serde(deserialize_with = "units")]
    pub confirm_above: Money,
    pub median_times: u32,
    #[serde(deserialize_with = "units")]
    pub at_least: Money,
}

impl TillRules {
    /// The amount above which a purchase is asked about, given the shop's median purchase.
    pub fn limit(&self, median: Option<Money>) -> Money {
        if self.confirm_above.0 > 0 {
            return self.confirm_above;
        }
        let times = median.map_or(0, |m| m.0.saturating_mul(i64::from(self.median_times)));
        Money(times.max(self.at_least.0))
    }
}

/// The trailing window that "in the last year" means.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRules {
    pub days: i64,
}

/// Purchase counts in the window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyRules {
    pub high: u32,
    pub medium: u32,
}

/// Spend in the window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRules {
    #[serde(deserialize_with = "units")]
    pub high: Money,
    #[serde(deserialize_with = "units")]
    pub medium: Money,
}

/// Days since the last purchase.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityRules {
    pub active: i64,
    pub sleeping: i64,
}

/// Days since the first purchase.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRules {
    pub new_days: i64,
    pub loyal_days: i64,
}

/// Membership tiers and points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    #[serde(deserialize_with = "units")]
    pub silver: Money,
    #[serde(deserialize_with = "units")]
    pub gold: Money,
    pub points_per_unit: f64,
}

/// Share of purchases on promotion.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRules {
    pub high_percent: f64,
    pub medium_percent: f64,
    pub min_purchases: u32,
}

/// Feedback ratings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionRules {
    pub satisfied: u8,
    pub dissatisfied: u8,
}

/// Events attended in the window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementRules {
    pub high: u32,
}

/// Replenishment reminders.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplenishmentRules {
    pub lead_days: i64,
}

/// The predictive model's settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionRules {
    /// Annual discount rate of the 12-month customer value (0.10 = 10% a year).
    pub discount_rate: f64,
}

keyed_enum! {
    /// How to reach the customer for an action; `preferred` means the customer's own choice.
    ChannelHint {
        Preferred => "preferred", Phone => "phone", Sms => "sms", Email => "email",
        Wechat => "wechat", Visit => "visit",
    }
}

keyed_enum! {
    /// The playbook's entries, one per class (or situation) that carries an action.
    Play {
        ComplaintOpen => "complaint_open",
        SatisfactionDissatisfied => "satisfaction_dissatisfied",
        FollowUpAgreed => "follow_up_agreed",
        LifecycleNew => "lifecycle_new",
        ReplenishmentDue => "replenishment_due",
        ActivitySleeping => "activity_sleeping",
        ActivityChurned => "activity_churned",
        RfmChampions => "rfm_champions",
        TierGold => "tier_gold",
        FrequencyHigh => "frequency_high",
        AdvocacyAdvocate => "advocacy_advocate",
        PriceHigh => "price_high",
        // Member levels, birthdays and life stages.
        BirthdaySoon => "birthday_soon",
        TierUpgraded => "tier_upgraded",
        TierExpiring => "tier_expiring",
        FormulaStageNext => "formula_stage_next",
    }
}

impl Play {
    /// The dimension whose class raised this play (its reason is that class's reason).
    pub fn dimension(self) -> &'static str {
        match self {
            Play::ComplaintOpen | Play::SatisfactionDissatisfied => "satisfaction",
            Play::FollowUpAgreed => "follow_up",
            Play::LifecycleNew => "lifecycle",
            Play::ReplenishmentDue => "replenishment",
            Play::ActivitySleeping | Play::ActivityChurned => "activity",
            Play::RfmChampions => "rfm",
            Play::TierGold => "tier",
            Play::FrequencyHigh => "frequency",
            Play::AdvocacyAdvocate => "advocacy",
            Play::PriceHigh => "price_sensitivity",
            Play::BirthdaySoon => "birthday_month",
            Play::TierUpgraded | Play::TierExpiring => "tier",
            Play::FormulaStageNext => "formula_stage",
        }
    }
}

/// One playbook entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayRule {
    pub text: String,
    #[serde(deserialize_with = "channel_hint")]
    pub channel: ChannelHint,
    pub cadence_days: i64,
    pub priority: u32,
    pub service: bool,
    pub enabled: bool,
}

/// The playbook, one entry per [`Play`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub complaint_open: PlayRule,
    pub satisfaction_dissatisfied: PlayRule,
    pub follow_up_agreed: PlayRule,
    pub lifecycle_new: PlayRule,
    pub replenishment_due: PlayRule,
    pub activity_sleeping: PlayRule,
    pub activity_churned: PlayRule,
    pub rfm_champions: PlayRule,
    pub tier_gold: PlayRule,
    pub frequency_high: PlayRule,
    pub advocacy_advocate: PlayRule,
    pub price_high: PlayRule,
    pub birthday_soon: PlayRule,
    pub tier_upgraded: PlayRule,
    pub tier_expiring: PlayRule,
    pub formula_stage_next: PlayRule,
}

impl Playbook {
    /// The entry for `play`.
    pub fn get(&self, play: Play) -> &PlayRule {
        match play {
            Play::ComplaintOpen => &self.complaint_open,
            Play::SatisfactionDissatisfied => &self.satisfaction_dissatisfied,
            Play::FollowUpAgreed => &self.follow_up_agreed,
            Play::LifecycleNew => &self.lifecycle_new,
            Play::ReplenishmentDue => &self.replenishment_due,
            Play::ActivitySleeping => &self.activity_sleeping,
            Play::ActivityChurned => &self.activity_churned,
            Play::RfmChampions => &self.rfm_champions,
            Play::TierGold => &self.tier_gold,
            Play::FrequencyHigh => &self.frequency_high,
            Play::AdvocacyAdvocate => &self.advocacy_advocate,
            Play::PriceHigh => &self.price_high,
            Play::BirthdaySoon => &self.birthday_soon,
            Play::TierUpgraded => &self.tier_upgraded,
            Play::TierExpiring => &self.tier_expiring,
            Play::FormulaStageNext => &self.formula_stage_next,
        }
    }
}

impl Default for Rules {
    /// The built-in rules; the embedded file is checked by a unit test, so it cannot fail.
    fn default() -> Rules {
        Rules::from_toml("").expect("assets/rules.toml is valid (checked by rules tests)")
    }
}

impl Rules {
    /// The built-in rules with a user's (possibly partial) rules file laid over them.
    pub fn from_toml(user: &str) -> Result<Rules, RulesError> {
        let mut base = parse_table(BUILTIN_RULES)?;
        merge(&mut base, parse_table(user)?, "")?;
        let mut rules: Rules = Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| RulesError::Syntax(e.message().replace('\n', "; ")))?;
        rules.validate()?;
        rules.demographics.prepare();
        Ok(rules)
    }

    /// Refuses thresholds that contradict each other or make no sense.
    fn validate(&self) -> Result<(), RulesError> {
        check(self.window.days >= 1, "window.days", "must be at least 1")?;
        check(self.frequency.medium >= 1, "frequency.medium", "must be at least 1")?;
        check(
            self.frequency.medium <= self.frequency.high,
            "frequency.medium",
            "must not exceed frequency.high",
        )?;
        check(self.value.medium.0 > 0, "value.medium", "must be more than 0")?;
        check(self.value.medium <= self.value.high, "value.medium", "must not exceed value.high")?;
        check(self.activity.active >= 0, "activity.active", "must not be negative")?;
        check(
            self.activity.active < self.activity.sleeping,
            "activity.sleeping",
            "must exceed activity.active",
        )?;
        check(self.lifecycle.new_days >= 0, "lifecycle.new_days", "must not be negative")?;
        check(self.lifecycle.loyal_days >= 0, "lifecycle.loyal_days", "must not be negative")?;
        check(self.tier.silver.0 > 0, "tier.silver", "must be more than 0")?;
        check(self.tier.silver <= self.tier.gold, "tier.silver", "must not exceed tier.gold")?;
        let rate = self.tier.points_per_unit;
        check(rate.is_finite() && rate >= 0.0, "tier.points_per_unit", "must be a number of at least 0")?;
        let (hi, med) = (self.price.high_percent, self.price.medium_percent);
        check((0.0..=100.0).contains(&med), "price.medium_percent", "must be between 0 and 100")?;
        check((med..=100.0).contains(&hi), "price.high_percent", "must be between medium_percent and 100")?;
        check(self.price.min_purchases >= 1, "price.min_purchases", "must be at least 1")?;
        let s = &self.satisfaction;
        check((1..=5).contains(&s.dissatisfied), "satisfaction.dissatisfied", "must be a rating 1–5")?;
        check((1..=5).contains(&s.satisfied), "satisfaction.satisfied", "must be a rating 1–5")?;
        check(
            s.dissatisfied < s.satisfied,
            "satisfaction.satisfied",
            "must exceed satisfaction.dissatisfied",
        )?;
        check(self.engagement.high >= 1, "engagement.high", "must be at least 1")?;
        check(self.replenishment.lead_days >= 0, "replenishment.lead_days", "must not be negative")?;
        let rate = self.prediction.discount_rate;
        check(
            rate.is_finite() && (0.0..=1.0).contains(&rate),
            "prediction.discount_rate",
            "must be a yearly rate between 0 and 1 (0.10 = 10%)",
        )?;
        for play in Play::ALL {
            let key = format!("playbook.{}.cadence_days", play.key());
            check(self.playbook.get(*play).cadence_days >= 0, &key, "must not be negative")?;
        }
        super::member_rules::validate(
            &self.level,
            &self.demographics,
            &self.life_stage,
            &self.birthday,
            check,
        )?;
        if let Err((key, problem)) = crate::ledger::rules::validate(self) {
            check(false, key, problem)?;
        }
        Ok(())
    }
}

fn check(ok: bool, key: &str, problem: &str) -> Result<(), RulesError> {
    if ok { Ok(()) } else { Err(RulesError::Invalid { key: key.to_string(), problem: problem.to_string() }) }
}

fn parse_table(text: &str) -> Result<Table, RulesError> {
    text.parse::<Table>().map_err(|e| RulesError::Syntax(crate::text::toml_error(text, &e)))
}

/// Lays `user` over `base`, refusing keys `base` lacks and values of another type.
fn merge(base: &mut Table, user: Table, path: &str) -> Result<(), RulesError> {
    for (k, v) in user {
        let key = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        if !base.contains_key(&k) {
            let expected = base.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(RulesError::UnknownKey { key, expected });
        }
        let Some(slot) = base.get_mut(&k) else { continue };
        let wrong = |slot: &Value, v: &Value| RulesError::WrongType {
            key: key.clone(),
            expected: slot.type_str(),
            found: v.type_str(),
        };
        match (slot, v) {
            (Value::Table(b), Value::Table(u)) => merge(b, u, &key)?,
            (slot @ Value::Float(_), Value::Integer(i)) => *slot = Value::Float(i as f64),
            (slot, v) if std::mem::discriminant(slot) == std::mem::discriminant(&v) => {
                if matches!(slot, Value::Table(_)) {
                    return Err(wrong(slot, &v));
                }
                *slot = v;
            }
            (slot, v) => return Err(wrong(slot, &v)),
        }
    }
    Ok(())
}

/// Reads an amount written in currency units (at most two decimals) as minor units.
pub(crate) fn units<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    let x = f64::deserialize(d)?;
    let cents = (x * 100.0).round();
    if !x.is_finite() || x < 0.0 || (x * 100.0 - cents).abs() > 1e-6 || cents > 1e15 {
        return Err(serde::de::Error::custom(format!(
            "amount {x} must be a non-negative number with at most two decimals"
        )));
    }
    Ok(Money(cents as i64))
}

/// Reads a channel hint by its key.
fn channel_hint<'de, D: Deserializer<'de>>(d: D) -> Result<ChannelHint, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|e: DomainError| serde::de::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse_with_the_design_defaults() {
        let r = Rules::default();
        assert_eq!((r.frequency.high, r.frequency.medium), (12, 4));
        assert_eq!((r.activity.active, r.activity.sleeping), (90, 180));
        assert_eq!((r.lifecycle.new_days, r.lifecycle.loyal_days), (90, 365));
        assert_eq!((r.price.high_percent, r.price.medium_percent, r.price.min_purchases), (60.0, 30.0, 3));
        assert_eq!((r.satisfaction.satisfied, r.satisfaction.dissatisfied), (4, 2));
        assert_eq!(r.engagement.high, 3);
        assert_eq!(r.window.days, 365);
        assert_eq!(r.value.high, Money::units(5000));
        assert_eq!(r.playbook.get(Play::ComplaintOpen).priority, 1);
        assert_eq!((r.replenishment.lead_days, r.prediction.discount_rate), (5, 0.10));
    }

    #[test]
    fn a_partial_file_overrides_only_what_it_names() {
        let r = Rules::from_toml(
            "[frequency]\nhigh = 20\n[value]\nmedium = 800\n[playbook.price_high]\nenabled = false",
        )
        .unwrap();
        assert_eq!((r.frequency.high, r.frequency.medium), (20, 4));
        assert_eq!((r.value.medium, r.value.high), (Money::units(800), Money::units(5000)));
        assert!(!r.playbook.price_high.enabled);
        assert_eq!(r.playbook.price_high.cadence_days, 30);
    }

    #[test]
    fn errors_name_the_bad_key() {
        let e = Rules::from_toml("[frequency]\nhihg = 3").unwrap_err().to_string();
        assert!(e.contains("frequency.hihg") && e.contains("high, medium"), "{e}");
        let e = Rules::from_toml("[activity]\nactive = \"ninety\"").unwrap_err().to_string();
        assert!(e.contains("activity.active") && e.contains("integer"), "{e}");
        let e = Rules::from_toml("[activity]\nactive = 200").unwrap_err().to_string();
        assert!(e.contains("activity.sleeping"), "{e}");
        let e = Rules::from_toml("frequency = 3").unwrap_err().to_string();
        assert!(e.contains("`frequency`") && e.contains("table"), "{e}");
        let e = Rules::from_toml("[value]\nhigh = 12.345").unwrap_err().to_string();
        assert!(e.contains("two decimals"), "{e}");
        let e = Rules::from_toml("[playbook.price_high]\nchannel = \"pigeon\"").unwrap_err().to_string();
        assert!(e.contains("pigeon") && e.contains("wechat"), "{e}");
        assert!(matches!(Rules::from_toml("[x"), Err(RulesError::Syntax(_))));
        let e = Rules::from_toml("[frequency]\nhigh = \n").unwrap_err().to_string();
        assert!(!e.contains('\n') && e.contains("line 2, column 8"), "{e}");
    }
}
