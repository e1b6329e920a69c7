//! Engagement: events attended in the trailing window.

use super::Classed;
use super::rules::Rules;
use super::summary::{ContactFact, in_window};
use crate::domain::InteractionKind;
use crate::keyed_enum;
use chrono::NaiveDate;

keyed_enum! {
    /// How much the customer takes part in the shop's events.
    Engagement { High => "high", Low => "low", None => "none" }
}

/// Classes events attended in the window: ≥ high / ≥ 1 / none.
pub fn engagement(contacts: &[ContactFact], rules: &Rules, today: NaiveDate) -> Classed<Engagement> {
    let days = rules.window.days;
    let n =
        contacts.iter().filter(|c| c.kind == InteractionKind::Event && in_window(c.day, today, days)).count()
            as u32;
    let high = rules.engagement.high;
    let what = if n == 1 {
        reason!("{} event attended in the last {} days", n, days)
    } else {
        reason!("{} events attended in the last {} days", n, days)
    };
    match n {
        0 => Classed::new(
            Engagement::None,
            reason!("{} — no event attended in the last {} days", Engagement::None, days),
        ),
        n if n >= high => {
            Classed::new(Engagement::High, reason!("{} — {} (≥ {})", Engagement::High, what, high))
        }
        _ => Classed::new(Engagement::Low, reason!("{} — {} (1–{})", Engagement::Low, what, high - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{contact, day};

    #[test]
    fn boundaries_2_3() {
        let today = day(2024, 6, 30);
        let ev = |n: usize| vec![contact(day(2024, 6, 1), InteractionKind::Event); n];
        let r = Rules::default();
        assert_eq!(engagement(&ev(0), &r, today).class, Engagement::None);
        assert_eq!(engagement(&ev(2), &r, today).class, Engagement::Low);
        assert_eq!(engagement(&ev(3), &r, today).class, Engagement::High);
        let old = vec![contact(day(2023, 1, 1), InteractionKind::Event); 5];
        assert_eq!(engagement(&old, &r, today).class, Engagement::None);
    }
}
