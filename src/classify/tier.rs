//! Membership tier and loyalty points.

use super::Classed;
use super::rules::Rules;
use crate::domain::Money;
use crate::keyed_enum;

keyed_enum! {
    /// Membership tier.
    Tier { Normal => "normal", Silver => "silver", Gold => "gold" }
}

/// Classes the spend in the trailing window: ≥ gold / ≥ silver / below.
pub fn tier(spend_window: Money, rules: &Rules) -> Classed<Tier> {
    let (silver, gold) = (rules.tier.silver, rules.tier.gold);
    let days = rules.window.days;
    let what = reason!("{} spent in the last {} days", spend_window, days);
    if spend_window >= gold {
        Classed::new(Tier::Gold, reason!("{} — {} (≥ {})", Tier::Gold, what, gold))
    } else if spend_window >= silver {
        Classed::new(Tier::Silver, reason!("{} — {} ({} to under {})", Tier::Silver, what, silver, gold))
    } else {
        Classed::new(Tier::Normal, reason!("{} — {} (under {})", Tier::Normal, what, silver))
    }
}

/// The points a customer held before the member ledger: all-time spend × rate − redeemed; whole
/// points, rounded down, so a customer is never credited for a fraction they did not earn. Used
/// once, to open the ledger of a database kept before it (see [`crate::ledger::opening`]).
pub fn points(spend_all_time: Money, redeemed: i64, rules: &Rules) -> i64 {
    let earned = (spend_all_time.0 as f64 / 100.0 * rules.tier.points_per_unit).floor() as i64;
    earned.saturating_sub(redeemed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        let r = Rules::default();
        assert_eq!(tier(Money(199_999), &r).class, Tier::Normal);
        assert_eq!(tier(Money::units(2000), &r).class, Tier::Silver);
        assert_eq!(tier(Money(799_999), &r).class, Tier::Silver);
        assert_eq!(tier(Money::units(8000), &r).class, Tier::Gold);
        assert_eq!(
            tier(Money::units(8000), &r).reason,
            "gold — 8000.00 spent in the last 365 days (≥ 8000.00)"
        );
    }

    #[test]
    fn points_are_spend_times_rate_minus_redeemed() {
        let r = Rules::default();
        assert_eq!(points(Money(123_499), 200, &r), 1034);
        let half = Rules::from_toml("[tier]\npoints_per_unit = 0.5").unwrap();
        assert_eq!(points(Money::units(101), 0, &half), 50);
    }
}
