//! Price sensitivity: how much of what the customer buys is bought on promotion.

use super::Classed;
use super::rules::Rules;
use super::summary::PurchaseFact;
use crate::keyed_enum;

keyed_enum! {
    /// How strongly promotions drive the customer.
    PriceSensitivity { High => "high", Medium => "medium", Low => "low", Unknown => "unknown" }
}

/// Classes the share of all purchases (to today) made on promotion.
pub fn price_sensitivity(purchases: &[PurchaseFact], rules: &Rules) -> Classed<PriceSensitivity> {
    let n = purchases.len() as u32;
    let min = rules.price.min_purchases;
    if n < min {
        return Classed::new(
            PriceSensitivity::Unknown,
            reason!("{} — {} of the {} purchases needed", PriceSensitivity::Unknown, n, min),
        );
    }
    let promo = purchases.iter().filter(|p| p.promo).count() as u32;
    // Compared as promo × 100 ≥ percent × n, so 3 of 10 is exactly 30% with no rounding.
    let at_least = |pct: f64| f64::from(promo) * 100.0 >= pct * f64::from(n);
    let (high, medium) = (rules.price.high_percent, rules.price.medium_percent);
    let share = f64::from(promo) * 100.0 / f64::from(n);
    let what = reason!("{} of {} purchases on promotion ({}%)", promo, n, format!("{share:.0}"));
    if at_least(high) {
        Classed::new(PriceSensitivity::High, reason!("{} — {}, ≥ {}%", PriceSensitivity::High, what, high))
    } else if at_least(medium) {
        Classed::new(
            PriceSensitivity::Medium,
            reason!("{} — {}, {}% to under {}%", PriceSensitivity::Medium, what, medium, high),
        )
    } else {
        Classed::new(
            PriceSensitivity::Low,
            reason!("{} — {}, under {}%", PriceSensitivity::Low, what, medium),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{buys, day};

    fn class(promo: usize, n: usize) -> PriceSensitivity {
        let mut ps = buys(day(2024, 6, 30), &vec![1; n]);
        ps.iter_mut().take(promo).for_each(|p| p.promo = true);
        price_sensitivity(&ps, &Rules::default()).class
    }

    #[test]
    fn boundaries_29_9_30_60_percent() {
        assert_eq!(class(299, 1000), PriceSensitivity::Low);
        assert_eq!(class(300, 1000), PriceSensitivity::Medium);
        assert_eq!(class(3, 10), PriceSensitivity::Medium);
        assert_eq!(class(599, 1000), PriceSensitivity::Medium);
        assert_eq!(class(600, 1000), PriceSensitivity::High);
        assert_eq!(class(3, 5), PriceSensitivity::High);
    }

    #[test]
    fn unknown_under_three_purchases() {
        assert_eq!(class(2, 2), PriceSensitivity::Unknown);
        assert_eq!(class(3, 3), PriceSensitivity::High);
        assert_eq!(class(0, 3), PriceSensitivity::Low);
    }
}
