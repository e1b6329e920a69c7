//! Replenishment rhythm: steady, rising, early rebuys, too little history (issue 4, item 3).

use chrono::{NaiveDate, TimeDelta};
use kehu::predict::replenish::{ReplenishConfig, estimate};

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date") + TimeDelta::days(n)
}

fn buys(days: &[i64], qty: u32) -> Vec<(NaiveDate, u32)> {
    days.iter().map(|&d| (day(d), qty)).collect()
}

#[test]
fn steady_monthly_buyer_is_due_a_month_after_the_last_purchase() {
    let r = estimate(&buys(&[0, 30, 60, 90, 120], 1), &ReplenishConfig::default()).expect("enough history");
    assert!((r.days_per_unit - 30.0).abs() < 1e-9);
    assert_eq!(r.next_purchase_due, day(150));
    assert_eq!(r.usual_gap_days, 30.0);
    assert!(!r.overdue_for_rhythm(day(160)) && r.overdue_for_rhythm(day(166)));
    assert!(r.reminder_due(day(145), 5) && !r.reminder_due(day(144), 5));
}

#[test]
fn quantity_scales_the_coverage() {
    // Two tins every 30 days: 15 days a tin.
    let r = estimate(&buys(&[0, 30, 60], 2), &ReplenishConfig::default()).expect("enough history");
    assert!((r.days_per_unit - 15.0).abs() < 1e-9);
    assert_eq!(r.next_purchase_due, day(90));
}

#[test]
fn rising_intake_shortens_the_estimate() {
    let history = buys(&[0, 40, 80, 120, 150, 175, 195], 1);
    let plain_mean = 195.0 / 6.0;
    let r = estimate(&history, &ReplenishConfig::default()).expect("enough history");
    assert!(r.days_per_unit < plain_mean, "{} vs mean {plain_mean}", r.days_per_unit);
    assert!(r.next_purchase_due < day(195 + plain_mean as i64));
    // A shorter half-life follows the recent 20-25 days more closely still.
    let fast =
        estimate(&history, &ReplenishConfig { half_life_days: 20.0, ..Default::default() }).expect("history");
    assert!(fast.days_per_unit < r.days_per_unit && fast.days_per_unit < 25.0, "{}", fast.days_per_unit);
}

#[test]
fn early_rebuy_carries_stock_forward() {
    // Monthly, then a stock-up 10 days after the last purchase: the unit bought on day 90 still
    // lasts to day 120, so the new one runs out on day 150, not day 130.
    let r = estimate(&buys(&[0, 30, 60, 90, 100], 1), &ReplenishConfig::default()).expect("enough history");
    assert!((r.days_per_unit - 30.0).abs() < 1e-9, "{}", r.days_per_unit);
    assert_eq!(r.next_purchase_due, day(150));
    // Two stock-ups in a row carry two units forward.
    let r = estimate(&buys(&[0, 30, 60, 90, 95, 100], 1), &ReplenishConfig::default()).expect("history");
    let one_unit = TimeDelta::days(r.days_per_unit.round() as i64);
    assert!(r.next_purchase_due >= day(100) + one_unit + one_unit, "{r:?}");
}

#[test]
fn fewer_than_two_intervals_gives_nothing() {
    let config = ReplenishConfig::default();
    assert!(estimate(&[], &config).is_none());
    assert!(estimate(&buys(&[0, 30], 1), &config).is_none());
    // Same-day purchases are one purchase day; zero quantities do not count.
    let mut history = buys(&[0, 30, 30], 1);
    history.push((day(60), 0));
    assert!(estimate(&history, &config).is_none());
    // Order of the input does not matter.
    let r = estimate(&buys(&[60, 0, 30], 1), &config).expect("three purchase days");
    assert_eq!(r.next_purchase_due, day(90));
}
