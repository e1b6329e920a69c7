//! The member accounts' rules from `assets/rules.toml`: how sales earn points, what points are
//! worth at the till, when they expire, and the bonus a stored-value top-up earns.

use crate::classify::rules::units;
use crate::classify::{Rules, Tier};
use crate::domain::Money;
use serde::Deserialize;

/// `[points]`: earning, spending and expiry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsRules {
    /// Whether a sale paid from stored value earns points (its top-up had a bonus already).
    pub earn_on_stored_value: bool,
    /// Points that take one currency unit off at the till (and what a sale paid with points
    /// costs per unit).
    pub per_unit_off: u32,
    /// Points expire at the end of this many months after the month they were earned in; 0:
    /// never.
    pub expire_months: u32,
    /// What each member level multiplies the points a sale earns by.
    pub multiplier: Multipliers,
}

/// `[points.multiplier]`: per member level (the tier).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multipliers {
    pub normal: f64,
    pub silver: f64,
    pub gold: f64,
}

impl Multipliers {
    /// The multiplier of `tier`.
    pub fn of(&self, tier: Tier) -> f64 {
        match tier {
            Tier::Normal => self.normal,
            Tier::Silver => self.silver,
            Tier::Gold => self.gold,
        }
    }
}

/// `[stored_value]`: top-ups.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredValueRules {
    /// The bonus tiers (充500送50): the largest one a top-up reaches applies.
    pub bonus: Vec<BonusTier>,
    /// The largest single top-up accepted (a mistyped amount is refused, not credited).
    #[serde(deserialize_with = "units")]
    pub max_topup: Money,
}

/// One bonus tier: a top-up of at least `at` gets `bonus` on top.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusTier {
    #[serde(deserialize_with = "units")]
    pub at: Money,
    #[serde(deserialize_with = "units")]
    pub bonus: Money,
}

/// Refuses account rules that make no sense, naming the key (called by the rules' own check).
pub(crate) fn validate(r: &Rules) -> Result<(), (&'static str, &'static str)> {
    let m = &r.points.multiplier;
    for (key, x) in [
        ("points.multiplier.normal", m.normal),
        ("points.multiplier.silver", m.silver),
        ("points.multiplier.gold", m.gold),
    ] {
        if !(x.is_finite() && (0.0..=100.0).contains(&x)) {
            return Err((key, "must be a number from 0 to 100"));
        }
    }
    if r.points.per_unit_off == 0 {
        return Err(("points.per_unit_off", "must be at least 1"));
    }
    if r.points.expire_months > 1200 {
        return Err(("points.expire_months", "must be at most 1200 (0: never)"));
    }
    if r.stored_value.max_topup.0 <= 0 {
        return Err(("stored_value.max_topup", "must be more than 0"));
    }
    for b in &r.stored_value.bonus {
        if b.at.0 <= 0 {
            return Err(("stored_value.bonus", "each `at` must be more than 0"));
        }
        if b.bonus > b.at {
            return Err(("stored_value.bonus", "a bonus must not exceed the top-up that earns it"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rules_give_500_and_50() {
        let r = Rules::default();
        assert_eq!(r.stored_value.bonus[0], BonusTier { at: Money::units(500), bonus: Money::units(50) });
        assert_eq!((r.points.per_unit_off, r.points.expire_months), (100, 12));
        assert_eq!(r.points.multiplier.of(Tier::Normal), 1.0);
    }

    #[test]
    fn a_shop_replaces_the_bonus_tiers_and_bad_values_are_named() {
        let r = Rules::from_toml("[stored_value]\nbonus = [{ at = 300, bonus = 30 }]").unwrap();
        assert_eq!(r.stored_value.bonus, [BonusTier { at: Money::units(300), bonus: Money::units(30) }]);
        let none = Rules::from_toml("[stored_value]\nbonus = []").unwrap();
        assert!(none.stored_value.bonus.is_empty());
        let e = Rules::from_toml("[stored_value]\nbonus = [{ at = 100, bonus = 300 }]").unwrap_err();
        assert!(e.to_string().contains("stored_value.bonus"), "{e}");
        let e = Rules::from_toml("[points]\nper_unit_off = 0").unwrap_err();
        assert!(e.to_string().contains("points.per_unit_off"), "{e}");
        let e = Rules::from_toml("[points.multiplier]\ngold = -1").unwrap_err();
        assert!(e.to_string().contains("points.multiplier.gold"), "{e}");
    }
}
