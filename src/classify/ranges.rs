//! The 80% ranges of a customer's predictions under the model in force, from the uncertainty
//! of its parameters (see [`crate::predict::ranges`]), and their churn risk.
//!
//! The draws are made once per shop with a fixed seed, so that two exports of the same data
//! give the same ranges; the Gamma-Gamma parameters stay at their estimates.

use super::model::{Facts, HORIZON_DAYS, Model};
use super::summary::Summary;
use crate::predict::ranges::{self, ChurnRisk, DEFAULT_DRAWS, Draws, Interval};
use crate::predict::{self, DAYS_PER_MONTH, Rfx};
use chrono::NaiveDate;

/// The seed of every shop's draws ("kehu" in ASCII).
const SEED: u64 = 0x6b65_6875;

/// One customer's ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranges {
    /// P(alive).
    pub p_alive: Interval,
    /// Expected purchase days in the next [`HORIZON_DAYS`].
    pub expected_90d: Interval,
    /// 12-month value; None without a spend model.
    pub clv_12m: Option<Interval>,
    /// The chance of no purchase in the next [`HORIZON_DAYS`], under the point estimates.
    pub churn: f64,
    /// Its band.
    pub risk: ChurnRisk,
}

/// What every customer's ranges are drawn from: the model in force and its parameter draws.
pub struct RangeSource<'a> {
    model: &'a Model,
    draws: Draws,
    discount_rate: f64,
    today: NaiveDate,
}

impl Model {
    /// The draws of this model's parameters, by the Laplace approximation at its fit to the
    /// buying customers of `summaries` as of `today` (the rows it was fitted to).
    pub fn range_source<'a, 'b>(
        &'a self,
        summaries: impl IntoIterator<Item = &'b Summary>,
        discount_rate: f64,
        today: NaiveDate,
    ) -> predict::Result<RangeSource<'a>> {
        let rows: Vec<Rfx> =
            summaries.into_iter().filter_map(|s| Facts::of(s, today)).map(|f| f.rfx).collect();
        let draws = ranges::laplace(&self.chosen, &rows)?.draws(DEFAULT_DRAWS, SEED)?;
        Ok(RangeSource { model: self, draws, discount_rate, today })
    }
}

impl RangeSource<'_> {
    /// [`Self::ranges`] of many customers, on every core (a range is some 3,000 evaluations of
    /// the model: 200 draws of P(alive), the 90-day figure and twelve months of value).
    pub fn ranges_of(&self, customers: &[Option<&Summary>]) -> Vec<Option<Ranges>> {
        super::engine::par_map(customers, |s| s.and_then(|s| self.ranges(s)))
    }

    /// The ranges of one customer; None for one without purchases or whose figures cannot be
    /// evaluated.
    pub fn ranges(&self, s: &Summary) -> Option<Ranges> {
        let f = Facts::of(s, self.today)?;
        let p_alive = self.draws.p_alive(&f.rfx).ok()?;
        let expected_90d = self.draws.expected_purchases(&f.rfx, HORIZON_DAYS).ok()?;
        let clv_12m = self.model.spend.as_ref().and_then(|g| {
            let (gg, mean) = (&g.params, f.spend.mean_value);
            self.draws.clv_12m(gg, &f.rfx, mean, self.discount_rate, DAYS_PER_MONTH).ok()
        });
        let churn = ranges::churn_probability(&self.model.chosen, &f.rfx, HORIZON_DAYS).ok()?;
        Some(Ranges { p_alive, expected_90d, clv_12m, churn, risk: ChurnRisk::from_probability(churn).ok()? })
    }
}
