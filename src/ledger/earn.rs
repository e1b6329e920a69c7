//! What the rules make of an amount: the points a sale earns or costs, the bonus a top-up
//! earns, and the money points take off at the till.

use super::rules::{PointsRules, StoredValueRules};
use crate::classify::{Rules, Tier};
use crate::domain::{Money, Payment};

/// The points a sale of `amount` paid by `payment` moves, for a member of level `tier`: what
/// it earns (the amount × `points_per_unit` × the level's multiplier, rounded down), or, paid
/// with points, minus what it costs.
pub fn sale_points(amount: Money, payment: Payment, tier: Tier, rules: &Rules) -> i64 {
    let p = &rules.points;
    match payment {
        Payment::Points => -cost(amount, p),
        Payment::StoredValue if !p.earn_on_stored_value => 0,
        _ => {
            let rate = rules.tier.points_per_unit * p.multiplier.of(tier);
            // A hair over the exact product: 120.00 × 1.2 is 143.99999999999997 in floats.
            ((amount.0.max(0) as f64 / 100.0) * rate + 1e-9).floor() as i64
        }
    }
}

/// The points a sale of `amount` paid with points costs (rounded up: the points always cover
/// the money).
pub fn cost(amount: Money, p: &PointsRules) -> i64 {
    let n = i128::from(amount.0.max(0)) * i128::from(p.per_unit_off);
    i64::try_from((n + 99) / 100).unwrap_or(i64::MAX)
}

/// The money `points` take off at the till (rounded down to the fen).
pub fn off(points: i64, p: &PointsRules) -> Money {
    Money(i64::try_from(i128::from(points.max(0)) * 100 / i128::from(p.per_unit_off.max(1))).unwrap_or(0))
}

/// The bonus a top-up of `amount` earns: the largest tier it reaches (none below the first).
pub fn bonus(amount: Money, s: &StoredValueRules) -> Money {
    s.bonus.iter().filter(|b| amount >= b.at).max_by_key(|b| b.at).map_or(Money::ZERO, |b| b.bonus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sales_earn_per_unit_times_the_level() {
        let r = Rules::default();
        assert_eq!(sale_points(Money::units(120), Payment::Cash, Tier::Normal, &r), 120);
        assert_eq!(sale_points(Money::units(120), Payment::Card, Tier::Silver, &r), 144);
        assert_eq!(sale_points(Money(12_399), Payment::Mobile, Tier::Gold, &r), 185);
        assert_eq!(sale_points(Money(99), Payment::Cash, Tier::Normal, &r), 0);
        assert_eq!(sale_points(Money::units(120), Payment::StoredValue, Tier::Normal, &r), 120);
        let no = Rules::from_toml("[points]\nearn_on_stored_value = false").unwrap();
        assert_eq!(sale_points(Money::units(120), Payment::StoredValue, Tier::Normal, &no), 0);
        assert_eq!(sale_points(Money(1_250), Payment::Points, Tier::Gold, &r), -1_250);
    }

    #[test]
    fn points_take_money_off_and_cost_rounded_up() {
        let p = Rules::default().points;
        assert_eq!(off(500, &p), Money::units(5));
        assert_eq!(off(150, &p), Money(150));
        let ten = Rules::from_toml("[points]\nper_unit_off = 10").unwrap().points;
        assert_eq!(off(15, &ten), Money(150));
        assert_eq!(cost(Money(1), &ten), 1);
        assert_eq!(cost(Money::units(3), &ten), 30);
    }

    #[test]
    fn the_largest_bonus_tier_reached_applies() {
        let s = Rules::default().stored_value;
        assert_eq!(bonus(Money::units(499), &s), Money::ZERO);
        assert_eq!(bonus(Money::units(500), &s), Money::units(50));
        assert_eq!(bonus(Money::units(999), &s), Money::units(50));
        assert_eq!(bonus(Money::units(1000), &s), Money::units(120));
        assert_eq!(bonus(Money::units(30_000), &s), Money::units(300));
        let unordered = Rules::from_toml(
            "[stored_value]\nbonus = [{ at = 1000, bonus = 100 }, { at = 200, bonus = 10 }]",
        )
        .unwrap()
        .stored_value;
        assert_eq!(bonus(Money::units(1500), &unordered), Money::units(100));
    }
}
