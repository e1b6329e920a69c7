//! Replenishment of consumables (formula, nappies): when will this customer run out?
//!
//! From one customer's own history of one product, estimate how many days a unit lasts,
//! weighting recent intervals more so that the estimate follows a rising intake, then run a
//! stock model forward to the predicted run-out date, which is when they are due to buy again.

use chrono::{NaiveDate, TimeDelta};

/// A customer this many times their usual gap past their last purchase is off their rhythm.
pub const OVERDUE_FACTOR: f64 = 1.5;

/// Tuning of the estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplenishConfig {
    /// An interval ending this many days before the last purchase counts half as much.
    pub half_life_days: f64,
    /// A last interval shorter than this fraction of the expected coverage is a stock-up.
    pub early_rebuy_fraction: f64,
}

impl Default for ReplenishConfig {
    fn default() -> Self {
        ReplenishConfig { half_life_days: 90.0, early_rebuy_fraction: 0.5 }
    }
}

/// The estimate for one customer and product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replenishment {
    /// How many days one unit lasts, weighted toward recent intervals.
    pub days_per_unit: f64,
    /// Predicted run-out date: when the next purchase is due.
    pub next_purchase_due: NaiveDate,
    /// The median interval between purchase days: the customer's own rhythm.
    pub usual_gap_days: f64,
    /// The last purchase day.
    pub last_purchase: NaiveDate,
}

impl Replenishment {
    /// Whether more than 1.5 × the usual gap has passed since the last purchase.
    pub fn overdue_for_rhythm(&self, today: NaiveDate) -> bool {
        (today - self.last_purchase).num_days() as f64 > OVERDUE_FACTOR * self.usual_gap_days
    }

    /// Whether a reminder `days_before` the due date should fire by `today`.
    pub fn reminder_due(&self, today: NaiveDate, days_before: i64) -> bool {
        (self.next_purchase_due - today).num_days() <= days_before
    }
}

/// Estimates the replenishment rhythm from (date, quantity) purchases of one product, in any
/// order; same-day purchases are combined and zero quantities ignored. None with fewer than two
/// intervals (three purchase days), since one interval cannot tell a rate from a one-off.
///
/// Days per unit is the exponentially weighted ratio Σ wᵢ gapᵢ / Σ wᵢ qtyᵢ, where gapᵢ is the
/// time the qtyᵢ units bought at the start of interval i lasted and wᵢ = ½^(age/half-life) with
/// the age of the interval's end. A ratio of sums rather than a mean of ratios means an early
/// rebuy in the middle of the history is offset by the longer interval after it; an early last
/// rebuy has nothing after it yet, so if it is shorter than `early_rebuy_fraction` of the
/// coverage the earlier intervals predict, it is read as a stock-up and left out of the rate.
///
/// The run-out date comes from the stock model: each purchase adds qty × days-per-unit of cover
/// starting at max(purchase day, previous run-out), so leftover stock is carried forward — but
/// only across an early rebuy (by the same test as above). A rebuy that comes somewhat before
/// the modelled run-out is read as intake drift, not a stock-up: otherwise, with a rising intake
/// the lagging rate would pile up phantom stock purchase after purchase.
pub fn estimate(history: &[(NaiveDate, u32)], config: &ReplenishConfig) -> Option<Replenishment> {
    let mut buys: Vec<(NaiveDate, f64)> = Vec::new();
    let mut sorted: Vec<(NaiveDate, u32)> = history.iter().copied().filter(|&(_, q)| q > 0).collect();
    sorted.sort_by_key(|&(d, _)| d);
    for (d, q) in sorted {
        match buys.last_mut() {
            Some((last, total)) if *last == d => *total += f64::from(q),
            _ => buys.push((d, f64::from(q))),
        }
    }
    if buys.len() < 3 {
        return None;
    }
    let (first, _) = buys[0];
    let (last, _) = buys[buys.len() - 1];
    let day = |d: NaiveDate| (d - first).num_days() as f64;
    // (gap, units bought at its start, weight) for each interval.
    let half_life = config.half_life_days.max(1e-9);
    let intervals: Vec<(f64, f64, f64)> = buys
        .windows(2)
        .map(|w| {
            let age = (last - w[1].0).num_days() as f64;
            (day(w[1].0) - day(w[0].0), w[0].1, 0.5_f64.powf(age / half_life))
        })
        .collect();
    let rate = |iv: &[(f64, f64, f64)]| {
        let gaps: f64 = iv.iter().map(|&(g, _, w)| w * g).sum();
        let units: f64 = iv.iter().map(|&(_, q, w)| w * q).sum();
        gaps / units
    };
    let (before_last, last_interval) = intervals.split_at(intervals.len() - 1);
    let earlier = rate(before_last);
    let stock_up =
        last_interval.iter().any(|&(gap, qty, _)| gap < config.early_rebuy_fraction * qty * earlier);
    let days_per_unit = if stock_up { earlier } else { rate(&intervals) };
    if !(days_per_unit.is_finite() && days_per_unit > 0.0) {
        return None;
    }
    let mut run_out = buys[0].1 * days_per_unit;
    for pair in buys.windows(2) {
        let ((prev, prev_qty), (d, q)) = (pair[0], pair[1]);
        let early = day(d) - day(prev) < config.early_rebuy_fraction * prev_qty * days_per_unit;
        let start = if early { day(d).max(run_out) } else { day(d) };
        run_out = start + q * days_per_unit;
    }
    let next_purchase_due = first.checked_add_signed(TimeDelta::try_days(run_out.round() as i64)?)?;
    let mut gaps: Vec<f64> = intervals.iter().map(|&(g, _, _)| g).collect();
    gaps.sort_by(f64::total_cmp);
    let mid = gaps.len() / 2;
    let usual_gap_days = if gaps.len() % 2 == 1 { gaps[mid] } else { 0.5 * (gaps[mid - 1] + gaps[mid]) };
    Some(Replenishment { days_per_unit, next_purchase_due, usual_gap_days, last_purchase: last })
}
