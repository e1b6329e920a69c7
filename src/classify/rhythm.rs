//! The customer's own buying rhythm: when their main product runs out (the replenishment
//! estimate of `predict::replenish`), and whether they are overdue by their own standard.

use super::Reason;
use super::summary::PurchaseFact;
use crate::predict::replenish::{OVERDUE_FACTOR, ReplenishConfig, estimate};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// The replenishment estimate of one customer's main product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rhythm {
    /// The product category the rhythm is of; None when purchases carry no category.
    pub category: Option<String>,
    /// How many days one unit lasts, weighted toward recent intervals.
    pub days_per_unit: f64,
    /// The median gap between purchase days of that category.
    pub usual_gap_days: f64,
    /// The last purchase day of that category.
    pub last_purchase: NaiveDate,
    /// The predicted run-out day: when the next purchase is due.
    pub next_purchase_due: NaiveDate,
    /// More than 1.5 × the usual gap has passed since `last_purchase` and the stock it bought
    /// has run out (`next_purchase_due` is past): a customer who stocked up is not late.
    pub overdue: bool,
    /// "due 2024-07-10 — formula: a unit lasts 30 days, usually bought every 30".
    pub reason: Reason,
}

/// The rhythm of the category bought on the most days (ties: the most recently bought, then by
/// name), from its (day, quantity) history up to `today`. One product's rhythm, because units of
/// formula and units of toys do not last alike; None with fewer than two intervals.
pub fn rhythm(ps: &[PurchaseFact], today: NaiveDate) -> Option<Rhythm> {
    let mut by: BTreeMap<&str, Vec<(NaiveDate, u32)>> = BTreeMap::new();
    for p in ps.iter().filter(|p| p.day <= today) {
        by.entry(p.category.as_str()).or_default().push((p.day, p.quantity));
    }
    let distinct = |h: &[(NaiveDate, u32)]| {
        let mut d: Vec<NaiveDate> = h.iter().map(|(d, _)| *d).collect();
        d.dedup();
        d.len()
    };
    let last = |h: &[(NaiveDate, u32)]| h.iter().map(|(d, _)| *d).max();
    // `max_by_key` keeps the last of equal keys; iterating names in reverse makes that the first.
    let (category, history) = by.iter().rev().max_by_key(|(_, h)| (distinct(h), last(h)))?;
    let r = estimate(history, &ReplenishConfig::default())?;
    // Late by their rhythm and out of stock by the estimate: the two never disagree on one line.
    let overdue = r.overdue_for_rhythm(today) && r.next_purchase_due < today;
    let category = (!category.is_empty()).then(|| category.to_string());
    let reason = reason(category.as_deref(), &r, overdue, today);
    Some(Rhythm {
        category,
        days_per_unit: r.days_per_unit,
        usual_gap_days: r.usual_gap_days,
        last_purchase: r.last_purchase,
        next_purchase_due: r.next_purchase_due,
        overdue,
        reason,
    })
}

/// A number of days as people say it: whole when it nearly is, else to one decimal.
fn days(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 { format!("{:.0}", x.round()) } else { format!("{x:.1}") }
}

fn reason(
    category: Option<&str>,
    r: &crate::predict::Replenishment,
    overdue: bool,
    today: NaiveDate,
) -> Reason {
    let gap = days(r.usual_gap_days);
    let due = r.next_purchase_due;
    if overdue {
        let since = (today - r.last_purchase).num_days();
        let x = OVERDUE_FACTOR;
        return match category {
            Some(c) => reason!(
                "overdue for their rhythm — {}: {} days since the last purchase, usually every {} (> {}×); was due {}",
                c,
                since,
                gap,
                x,
                due
            ),
            None => reason!(
                "overdue for their rhythm — {} days since the last purchase, usually every {} (> {}×); was due {}",
                since,
                gap,
                x,
                due
            ),
        };
    }
    let lasts = days(r.days_per_unit);
    match category {
        Some(c) => reason!("due {} — {}: a unit lasts {} days, usually bought every {}", due, c, lasts, gap),
        None => reason!("due {} — a unit lasts {} days, usually bought every {}", due, lasts, gap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::{buys, day};

    #[test]
    fn even_rhythm_is_due_one_gap_after_the_last_purchase() {
        let today = day(2024, 6, 30);
        let r = rhythm(&buys(today, &[100, 70, 40, 10]), today).expect("three intervals");
        assert_eq!(r.next_purchase_due, day(2024, 7, 20));
        assert_eq!((r.usual_gap_days, r.overdue, r.category.as_deref()), (30.0, false, None));
        assert_eq!(r.reason, "due 2024-07-20 — a unit lasts 30 days, usually bought every 30");
        assert!(rhythm(&buys(today, &[40, 10]), today).is_none(), "one interval is not a rhythm");
    }

    #[test]
    fn overdue_only_beyond_one_and_a_half_gaps() {
        // Gaps of 30; the last purchase 45 days ago is exactly 1.5 × — not yet overdue.
        let today = day(2024, 6, 30);
        let at = rhythm(&buys(today, &[105, 75, 45]), today).expect("rhythm");
        assert!(!at.overdue, "{at:?}");
        let past = rhythm(&buys(today, &[106, 76, 46]), today).expect("rhythm");
        assert!(past.overdue);
        assert_eq!(
            past.reason,
            "overdue for their rhythm — 46 days since the last purchase, usually every 30 (> 1.5×); \
             was due 2024-06-14"
        );
    }

    #[test]
    fn a_customer_who_stocked_up_is_not_overdue_while_the_stock_lasts() {
        // Every 30 days one unit, then six units 50 days ago: past 1.5 gaps, stock to day +130.
        let today = day(2024, 6, 30);
        let mut ps = buys(today, &[140, 110, 80, 50]);
        ps[3].quantity = 6;
        let r = rhythm(&ps, today).expect("rhythm");
        assert!(r.next_purchase_due > today, "{r:?}");
        assert!(!r.overdue, "{r:?}");
        let said = r.reason.to_string();
        assert!(said.starts_with(&format!("due {}", r.next_purchase_due)), "{said}");
        assert!(!said.contains("overdue") && !said.contains("stock lasts"), "{said}");
    }

    #[test]
    fn the_main_category_sets_the_rhythm() {
        let today = day(2024, 6, 30);
        let mut ps = buys(today, &[90, 60, 30, 5]);
        for p in &mut ps[..3] {
            p.category = "formula".into();
        }
        ps[3].category = "toys".into();
        let r = rhythm(&ps, today).expect("formula has two intervals");
        assert_eq!((r.category.as_deref(), r.next_purchase_due), (Some("formula"), day(2024, 6, 30)));
    }
}
