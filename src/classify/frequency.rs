//! Frequency: how many purchases in the trailing window.

use super::rules::Rules;
use super::summary::{PurchaseFact, in_window};
use super::{Classed, Level};
use chrono::NaiveDate;

/// Classes purchases in the window: ≥ high / ≥ medium / ≥ 1 / none.
pub fn frequency(purchases: &[PurchaseFact], rules: &Rules, today: NaiveDate) -> Classed<Level> {
    let days = rules.window.days;
    let n = purchases.iter().filter(|p| in_window(p.day, today, days)).count() as u32;
    let (high, medium) = (rules.frequency.high, rules.frequency.medium);
    let what = if n == 1 {
        reason!("{} purchase in the last {} days", n, days)
    } else {
        reason!("{} purchases in the last {} days", n, days)
    };
    match n {
        0 => Classed::new(Level::None, reason!("{} — no purchase in the last {} days", Level::None, days)),
        n if n >= high => Classed::new(Level::High, reason!("{} — {} (≥ {})", Level::High, what, high)),
        n if n >= medium => {
            Classed::new(Level::Medium, reason!("{} — {} ({}–{})", Level::Medium, what, medium, high - 1))
        }
        _ => Classed::new(Level::Low, reason!("{} — {} (1–{})", Level::Low, what, medium - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{buys, day};

    fn class(n: usize) -> Level {
        let today = day(2024, 6, 30);
        frequency(&buys(today, &vec![10; n]), &Rules::default(), today).class
    }

    #[test]
    fn boundaries_3_4_11_12() {
        assert_eq!(class(0), Level::None);
        assert_eq!(class(1), Level::Low);
        assert_eq!(class(3), Level::Low);
        assert_eq!(class(4), Level::Medium);
        assert_eq!(class(11), Level::Medium);
        assert_eq!(class(12), Level::High);
    }

    #[test]
    fn reason_says_count_and_rule() {
        let today = day(2024, 6, 30);
        let r = frequency(&buys(today, &[1; 14]), &Rules::default(), today).reason;
        assert_eq!(r, "high — 14 purchases in the last 365 days (≥ 12)");
    }

    #[test]
    fn window_is_365_days_including_today() {
        let today = day(2024, 6, 30);
        assert_eq!(frequency(&buys(today, &[364]), &Rules::default(), today).class, Level::Low);
        assert_eq!(frequency(&buys(today, &[365]), &Rules::default(), today).class, Level::None);
    }
}
