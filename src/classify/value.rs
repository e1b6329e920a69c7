//! Value: how much was spent in the trailing window.

use super::rules::Rules;
use super::summary::{PurchaseFact, in_window};
use super::{Classed, Level};
use crate::domain::Money;
use chrono::NaiveDate;

/// The spend in the trailing window.
pub fn spend_in_window(purchases: &[PurchaseFact], days: i64, today: NaiveDate) -> Money {
    purchases.iter().filter(|p| in_window(p.day, today, days)).map(|p| p.amount).sum()
}

/// Classes the spend in the window: ≥ high / ≥ medium / > 0 / none.
pub fn value(purchases: &[PurchaseFact], rules: &Rules, today: NaiveDate) -> Classed<Level> {
    let days = rules.window.days;
    let spend = spend_in_window(purchases, days, today);
    let (high, medium) = (rules.value.high, rules.value.medium);
    let what = reason!("{} spent in the last {} days", spend, days);
    if spend.0 <= 0 {
        Classed::new(Level::None, reason!("{} — nothing spent in the last {} days", Level::None, days))
    } else if spend >= high {
        Classed::new(Level::High, reason!("{} — {} (≥ {})", Level::High, what, high))
    } else if spend >= medium {
        Classed::new(Level::Medium, reason!("{} — {} ({} to under {})", Level::Medium, what, medium, high))
    } else {
        Classed::new(Level::Low, reason!("{} — {} (under {})", Level::Low, what, medium))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{day, spent};

    fn class(amount: Money) -> Level {
        let today = day(2024, 6, 30);
        value(&spent(today, &[(3, amount)]), &Rules::default(), today).class
    }

    #[test]
    fn boundaries_at_the_configured_amounts() {
        assert_eq!(class(Money(0)), Level::None);
        assert_eq!(class(Money(1)), Level::Low);
        assert_eq!(class(Money(99_999)), Level::Low);
        assert_eq!(class(Money::units(1000)), Level::Medium);
        assert_eq!(class(Money(499_999)), Level::Medium);
        assert_eq!(class(Money::units(5000)), Level::High);
    }

    #[test]
    fn reason_names_the_amount() {
        let today = day(2024, 6, 30);
        let r = value(&spent(today, &[(3, Money::units(6000))]), &Rules::default(), today).reason;
        assert_eq!(r, "high — 6000.00 spent in the last 365 days (≥ 5000.00)");
    }
}
