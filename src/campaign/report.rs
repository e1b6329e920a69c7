//! What a campaign did: purchases and revenue per customer in the days after it, contacted
//! against control, and the lift with its 95% interval (Welch, see [`super::stats`]).
//!
//! The window is the campaign day and the `days − 1` days after it (a message sent in the
//! morning is answered that afternoon), cut at today while it is still open. Purchases count
//! net of returns and voids, as every class counts them. A customer gone since (merged into
//! another, whose purchases then carry on there) counts with nothing bought, and the report
//! says how many.

use super::Campaign;
use super::stats::{Difference, Summary, welch};
use crate::domain::{History, Money, net_purchases};
use chrono::{Days, NaiveDate};

/// The days a report looks at unless told otherwise.
pub const DEFAULT_DAYS: u32 = 30;

/// One group's figures in the window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    /// Customers in the group.
    pub customers: usize,
    /// Of them, those who bought in the window.
    pub buyers: usize,
    /// Their purchases in the window.
    pub purchases: u64,
    /// Their net revenue in the window.
    pub revenue: Money,
    /// Customers no longer in the database (counted with nothing bought).
    pub missing: usize,
    /// Revenue per customer (yuan), for the interval.
    per_customer: Vec<f64>,
    /// Purchases per customer, for the interval.
    counts: Vec<f64>,
}

impl Group {
    /// Revenue per customer, in yuan.
    pub fn revenue_per_customer(&self) -> f64 {
        if self.customers == 0 { 0.0 } else { self.revenue.0 as f64 / 100.0 / self.customers as f64 }
    }

    /// Purchases per customer.
    pub fn purchases_per_customer(&self) -> f64 {
        if self.customers == 0 { 0.0 } else { self.purchases as f64 / self.customers as f64 }
    }

    /// The share who bought.
    pub fn buyer_share(&self) -> f64 {
        if self.customers == 0 { 0.0 } else { self.buyers as f64 / self.customers as f64 }
    }
}

/// A campaign's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The first day counted (the campaign day).
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
    /// The window asked for, in days.
    pub days: u32,
    /// Whether the window reaches past today (the figures are so far).
    pub open: bool,
    /// The customers contacted.
    pub contacted: Group,
    /// The control group.
    pub control: Group,
    /// Revenue per customer, contacted minus control (yuan), with its 95% interval.
    pub revenue_lift: Option<Difference>,
    /// Purchases per customer, contacted minus control, with its 95% interval.
    pub purchases_lift: Option<Difference>,
}

impl Report {
    /// The revenue lift relative to the control group's revenue per customer (0.25 = +25%).
    pub fn relative_lift(&self) -> Option<f64> {
        let base = self.control.revenue_per_customer();
        self.revenue_lift.filter(|_| base > 0.0).map(|d| d.estimate / base)
    }

    /// The extra revenue the campaign brought: the lift per customer times those contacted.
    pub fn incremental_revenue(&self) -> Option<f64> {
        self.revenue_lift.map(|d| d.estimate * self.contacted.customers as f64)
    }
}

/// The report of `c` over `days` days, as of `today`, reading each member's history with
/// `history` (None: gone).
pub fn report(
    c: &Campaign,
    days: u32,
    today: NaiveDate,
    history: &mut dyn FnMut(u64) -> anyhow::Result<Option<History>>,
) -> anyhow::Result<Report> {
    let days = days.max(1);
    let last = c.date.checked_add_days(Days::new(u64::from(days) - 1)).unwrap_or(NaiveDate::MAX);
    let to = last.min(today);
    let mut group = |ids: &[u64]| -> anyhow::Result<Group> {
        let mut g = Group { customers: ids.len(), ..Group::default() };
        for &id in ids {
            let (mut bought, mut spent) = (0u64, 0i64);
            match history(id)? {
                Some(h) => {
                    for p in net_purchases(&h.purchases) {
                        if p.date >= c.date && p.date <= to {
                            bought += 1;
                            spent = spent.saturating_add(p.amount.0);
                        }
                    }
                }
                None => g.missing += 1,
            }
            g.buyers += usize::from(bought > 0);
            g.purchases += bought;
            g.revenue = Money(g.revenue.0.saturating_add(spent));
            g.per_customer.push(spent as f64 / 100.0);
            g.counts.push(bought as f64);
        }
        Ok(g)
    };
    let contacted = group(&c.contacted)?;
    let control = group(&c.control)?;
    let revenue_lift = welch(Summary::of(&contacted.per_customer), Summary::of(&control.per_customer), 0.95);
    let purchases_lift = welch(Summary::of(&contacted.counts), Summary::of(&control.counts), 0.95);
    Ok(Report {
        from: c.date,
        to,
        days,
        open: last > today,
        contacted,
        control,
        revenue_lift,
        purchases_lift,
    })
}
