//! The holdout check of the buy-till-you-die models ([`super::models`]): each is fitted to the
//! purchases up to a calibration end, predicts every customer's purchases after it, and is
//! compared with what the customers actually bought up to today. The model that predicted the
//! holdout best is the one to use ([`choose`]); [`super::holdout_render`] draws the [`Report`].
//!
//! Pure like the rest of [`super`]: purchase days and two dates in, a [`Report`] out; the caller
//! says what today is. Days are the periods, as in [`Rfx::from_purchase_days`], and purchases
//! are counted as distinct purchase days throughout.

use chrono::{Days, NaiveDate};
use serde::{Serialize, Serializer};
use thiserror::Error;

use super::bgnbd::Rfx;
use super::models::{self, FittedModel, Model, Params};
use super::{PredictError, Result as PredictResult};

/// The fewest customers who bought on two days or more by the calibration end that a model
/// is fitted to: with fewer, the dropout parameters are guesses.
pub const MIN_REPEAT_BUYERS: usize = 300;
/// The fewest days from the first purchase to the calibration end: under half a year the
/// purchase rates of the slower customers are not yet seen.
pub const MIN_HISTORY_DAYS: i64 = 180;
/// The share of the history, first purchase to today, that [`default_calibration_end`] holds out.
pub const HOLDOUT_SHARE: f64 = 0.25;
/// Groups of the frequency table: x = 0 to 6 one by one, and the last for x ≥ 7.
pub const FREQUENCY_GROUPS: usize = 8;

/// Why the check could not be made, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HoldoutError {
    /// No purchase on or before today.
    #[error("there are no purchases to check the models on")]
    NoPurchases,
    /// The calibration end is not before today, which leaves nothing to compare with.
    #[error("the calibration end {calibration_end} is not before today ({today}): nothing is held out")]
    NoHoldout {
        /// The calibration end asked for.
        calibration_end: NaiveDate,
        /// The end of observation.
        today: NaiveDate,
    },
    /// The calibration end is before the first purchase, so nobody was a customer yet.
    #[error(
        "the calibration end {calibration_end} is before the first purchase ({first}): nobody had bought yet"
    )]
    BeforeFirstPurchase {
        /// The calibration end asked for.
        calibration_end: NaiveDate,
        /// The first purchase in the data.
        first: NaiveDate,
    },
    /// Too little history for a model to mean anything.
    #[error("{0}")]
    TooLittleData(#[from] Shortfall),
    /// Every model's fit or prediction failed.
    #[error("no model could be fitted ({})", failures(.0))]
    NoModelFitted(Vec<(Model, PredictError)>),
}

/// "bgnbd: …; pnbd: …", the failures of [`HoldoutError::NoModelFitted`] in one line.
fn failures(all: &[(Model, PredictError)]) -> String {
    if all.is_empty() {
        return "none was tried".to_string();
    }
    all.iter().map(|(m, e)| format!("{m}: {e}")).collect::<Vec<_>>().join("; ")
}

/// Which minimum of data a shop falls short of ([`enough_data`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Shortfall {
    /// Fewer than [`MIN_REPEAT_BUYERS`] customers bought on two days or more by `by`.
    RepeatBuyers {
        /// How many did.
        found: usize,
        /// The calibration end.
        by: NaiveDate,
    },
    /// Fewer than [`MIN_HISTORY_DAYS`] days from the first purchase, `first`, to `by`.
    History {
        /// The days from `first` to `by`.
        days: i64,
        /// The first purchase.
        first: NaiveDate,
        /// The calibration end.
        by: NaiveDate,
    },
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Shortfall::RepeatBuyers { found: 0, by } => {
                write!(
                    f,
                    "no customer bought more than once before {by}; a model needs at least {MIN_REPEAT_BUYERS}"
                )
            }
            Shortfall::RepeatBuyers { found, by } => {
                let who = if found == 1 { "customer" } else { "customers" };
                write!(
                    f,
                    "only {found} {who} bought more than once before {by}; a model needs at least {MIN_REPEAT_BUYERS}"
                )
            }
            Shortfall::History { days, first, by } => write!(
                f,
                "the purchases before {by} go back only {days} days (to {first}); a model needs at least {MIN_HISTORY_DAYS}"
            ),
        }
    }
}

impl std::error::Error for Shortfall {}

/// One model's check: its scores, or why it has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCheck {
    /// The model checked.
    #[serde(serialize_with = "model_name")]
    pub model: Model,
    /// The scores, or the error of the fit or of a prediction.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl ModelCheck {
    /// The scores, when the model could be fitted and predict.
    pub fn scores(&self) -> Option<&Scores> {
        match &self.outcome {
            Outcome::Checked(s) => Some(s),
            Outcome::Failed { .. } => None,
        }
    }
}

/// What came of checking one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// Fitted, and predicted every customer.
    Checked(Scores),
    /// The fit or a prediction failed; such a model is never chosen.
    Failed {
        /// What failed.
        #[serde(serialize_with = "as_text")]
        error: PredictError,
    },
}

/// How well one fitted model predicted the holdout period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// The parameters fitted to the calibration period.
    pub params: Params,
    /// The log-likelihood at `params` over the calibration rows.
    pub log_likelihood: f64,
    /// Schwarz's criterion k ln n − 2 ln L (n customers): lower is better.
    pub bic: f64,
    /// The number of free parameters, k.
    pub parameters: usize,
    /// Mean over customers of |predicted − actual| holdout purchases.
    pub holdout_mae: f64,
    /// Mean over customers of predicted − actual holdout purchases: above 0, too many predicted.
    pub holdout_bias: f64,
    /// Predicted holdout purchases summed over customers.
    pub holdout_predicted: f64,
    /// Mean predicted holdout purchases per group of the frequency table, None for an empty group.
    pub by_frequency: Vec<Option<f64>>,
    /// Expected cumulative repeat purchases at each of the [`Report::weeks`].
    pub cumulative_repeats: Vec<f64>,
}

/// One group of the frequency table: the customers with x repeat purchases in calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrequencyGroup {
    /// The calibration frequency x; the last group holds every x from this one up.
    pub x: usize,
    /// The customers in the group.
    pub customers: usize,
    /// Their mean actual holdout purchases, None for an empty group.
    pub actual: Option<f64>,
}

/// The holdout check of every model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The first purchase in the data.
    pub first_purchase: NaiveDate,
    /// The last day of calibration.
    pub calibration_end: NaiveDate,
    /// The last day of the holdout period.
    pub today: NaiveDate,
    /// Customers whose first purchase is on or before the calibration end; the rest are left
    /// out, as no model knew of them.
    pub customers: usize,
    /// Those of them who bought on two days or more in calibration.
    pub repeat_buyers: usize,
    /// Their actual purchase days in the holdout period, summed.
    pub holdout_actual: u64,
    /// Every model, in [`Model::ALL`] order.
    pub models: Vec<ModelCheck>,
    /// The model [`choose`] picks, None when none could be fitted.
    #[serde(serialize_with = "maybe_model_name")]
    pub chosen: Option<Model>,
    /// The frequency table, x = 0 up.
    pub by_frequency: Vec<FrequencyGroup>,
    /// The tracking points: every seventh day from the first purchase, and today.
    pub weeks: Vec<NaiveDate>,
    /// Actual cumulative repeat purchases (days after a customer's first) at each of `weeks`.
    pub cumulative_repeats: Vec<u64>,
}

impl Report {
    /// The days from the calibration end to today.
    pub fn holdout_days(&self) -> i64 {
        (self.today - self.calibration_end).num_days()
    }
}

/// A model as its command-line name, "bgnbd", which is what a reader of the JSON types.
fn model_name<S: Serializer>(m: &Model, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.name())
}

/// [`model_name`], or null.
fn maybe_model_name<S: Serializer>(m: &Option<Model>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.serialize_str(m.name()),
        None => s.serialize_none(),
    }
}

/// An error as its message: the JSON is read by people and scripts, not parsed back.
fn as_text<S: Serializer>(e: &PredictError, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

/// The first purchase on or before `today`; later ones are outside the observation.
fn first_purchase(purchases: &[Vec<NaiveDate>], today: NaiveDate) -> Option<NaiveDate> {
    purchases.iter().flatten().filter(|d| **d <= today).min().copied()
}

/// Today less [`HOLDOUT_SHARE`] of the days from the first purchase to today (rounded down).
pub fn default_calibration_end(
    purchases: &[Vec<NaiveDate>],
    today: NaiveDate,
) -> Result<NaiveDate, HoldoutError> {
    let first = first_purchase(purchases, today).ok_or(HoldoutError::NoPurchases)?;
    let held_out = ((today - first).num_days() as f64 * HOLDOUT_SHARE).floor() as u64;
    Ok(today - Days::new(held_out))
}

/// Whether the purchases up to `calibration_end` are enough to fit a model to; for predictions
/// from all the data, pass today.
pub fn enough_data(purchases: &[Vec<NaiveDate>], calibration_end: NaiveDate) -> Result<(), Shortfall> {
    let repeat_buyers = purchases.iter().filter(|days| bought_twice(days, calibration_end)).count();
    if repeat_buyers < MIN_REPEAT_BUYERS {
        return Err(Shortfall::RepeatBuyers { found: repeat_buyers, by: calibration_end });
    }
    // Two purchase days exist by now, so there is a first.
    let first = first_purchase(purchases, calibration_end).unwrap_or(calibration_end);
    let days = (calibration_end - first).num_days();
    if days < MIN_HISTORY_DAYS {
        return Err(Shortfall::History { days, first, by: calibration_end });
    }
    Ok(())
}

/// Whether a customer bought on two different days on or before `by`.
fn bought_twice(days: &[NaiveDate], by: NaiveDate) -> bool {
    let mut seen = days.iter().filter(|d| **d <= by);
    seen.next().is_some_and(|first| seen.any(|d| d != first))
}

/// One customer known at the calibration end.
struct Customer {
    /// Distinct purchase days up to today, sorted.
    days: Vec<NaiveDate>,
    /// The calibration summary in days, as of the calibration end.
    calibration: Rfx,
    /// Distinct purchase days after the calibration end, up to today.
    holdout: u32,
}

/// The customers whose first purchase is on or before `calibration_end`, purchases after today
/// dropped.
fn customers(purchases: &[Vec<NaiveDate>], calibration_end: NaiveDate, today: NaiveDate) -> Vec<Customer> {
    let mut out = Vec::new();
    for given in purchases {
        let mut days: Vec<NaiveDate> = given.iter().filter(|d| **d <= today).copied().collect();
        days.sort_unstable();
        days.dedup();
        let in_calibration = days.partition_point(|d| *d <= calibration_end);
        let Some(calibration) = Rfx::from_purchase_days(&days[..in_calibration], calibration_end) else {
            continue;
        };
        let holdout = (days.len() - in_calibration) as u32;
        out.push(Customer { days, calibration, holdout });
    }
    out
}

/// The frequency group of a calibration frequency x.
fn group(x: f64) -> usize {
    (x as usize).min(FREQUENCY_GROUPS - 1)
}

/// Means of `values` by frequency group; None for an empty group.
fn group_means(customers: &[Customer], values: impl Iterator<Item = f64>) -> Vec<Option<f64>> {
    let mut sums = [(0.0, 0usize); FREQUENCY_GROUPS];
    for (c, v) in customers.iter().zip(values) {
        let g = &mut sums[group(c.calibration.x)];
        g.0 += v;
        g.1 += 1;
    }
    sums.iter().map(|&(sum, n)| (n > 0).then(|| sum / n as f64)).collect()
}

/// Every seventh day after `first` before `today`, then today itself.
fn week_ends(first: NaiveDate, today: NaiveDate) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> =
        (1u64..).map(|k| first + Days::new(7 * k)).take_while(|d| *d < today).collect();
    out.push(today);
    out
}

/// Actual repeat purchases of `customers` on or before each of `weeks`.
fn actual_cumulative(customers: &[Customer], weeks: &[NaiveDate]) -> Vec<u64> {
    let mut repeats: Vec<NaiveDate> = customers.iter().flat_map(|c| c.days[1..].iter().copied()).collect();
    repeats.sort_unstable();
    weeks.iter().map(|w| repeats.partition_point(|d| d <= w) as u64).collect()
}

/// Σ over customers of E[X(w − first)] at each of `weeks`: E[X(t)] depends only on the whole
/// number of days t, so it is computed once per day of the history rather than per customer.
fn expected_cumulative(
    params: &Params,
    customers: &[Customer],
    first: NaiveDate,
    weeks: &[NaiveDate],
) -> PredictResult<Vec<f64>> {
    let span = weeks.last().map_or(0, |w| (*w - first).num_days()) as usize;
    let mut arrivals = vec![0usize; span + 1];
    for c in customers {
        arrivals[(c.days[0] - first).num_days() as usize] += 1;
    }
    let population: Vec<f64> =
        (0..=span).map(|t| params.expected_purchases_population(t as f64)).collect::<PredictResult<_>>()?;
    let at = |w: &NaiveDate| {
        let end = (*w - first).num_days() as usize;
        (0..=end).map(|arrived| arrivals[arrived] as f64 * population[end - arrived]).sum()
    };
    Ok(weeks.iter().map(at).collect())
}

/// The calibration rows, predictions and tracking shared by every model's check.
struct Holdout<'a> {
    customers: &'a [Customer],
    rows: Vec<Rfx>,
    horizon: f64,
    first: NaiveDate,
    weeks: &'a [NaiveDate],
}

impl Holdout<'_> {
    /// Scores one fitted model.
    fn score(&self, fitted: &FittedModel) -> PredictResult<Scores> {
        let params = fitted.params;
        let predicted: Vec<f64> = self
            .rows
            .iter()
            .map(|c| params.expected_purchases(c, self.horizon))
            .collect::<PredictResult<_>>()?;
        let n = self.customers.len() as f64;
        let errors = || self.customers.iter().zip(&predicted).map(|(c, p)| p - f64::from(c.holdout));
        let holdout_mae = errors().map(f64::abs).sum::<f64>() / n;
        let holdout_bias = errors().sum::<f64>() / n;
        let parameters = params.parameter_count();
        let bic = parameters as f64 * n.ln() - 2.0 * fitted.log_likelihood;
        if !(holdout_mae.is_finite() && holdout_bias.is_finite() && bic.is_finite()) {
            let what = format!("holdout error {holdout_mae}, bias {holdout_bias}, BIC {bic}");
            return Err(PredictError::Degenerate(what));
        }
        Ok(Scores {
            params,
            log_likelihood: fitted.log_likelihood,
            bic,
            parameters,
            holdout_mae,
            holdout_bias,
            holdout_predicted: predicted.iter().sum(),
            by_frequency: group_means(self.customers, predicted.iter().copied()),
            cumulative_repeats: expected_cumulative(&params, self.customers, self.first, self.weeks)?,
        })
    }

    /// Fits `model` with `fit` and scores it.
    fn check(
        &self,
        model: Model,
        fit: &mut impl FnMut(Model, &[Rfx]) -> PredictResult<FittedModel>,
    ) -> ModelCheck {
        let outcome = match fit(model, &self.rows).and_then(|f| self.score(&f)) {
            Ok(scores) => Outcome::Checked(scores),
            Err(error) => Outcome::Failed { error },
        };
        ModelCheck { model, outcome }
    }
}

/// Checks every model on the purchases (one list of days per customer, any order, repeats
/// allowed) split at `calibration_end`, observed up to `today`.
pub fn check(
    purchases: &[Vec<NaiveDate>],
    calibration_end: NaiveDate,
    today: NaiveDate,
) -> Result<Report, HoldoutError> {
    check_with(purchases, calibration_end, today, models::fit)
}

/// [`check`] with the fitting supplied by the caller, who may time it, report progress or
/// leave a model out; it is called once per model of [`Model::ALL`].
pub fn check_with(
    purchases: &[Vec<NaiveDate>],
    calibration_end: NaiveDate,
    today: NaiveDate,
    mut fit: impl FnMut(Model, &[Rfx]) -> PredictResult<FittedModel>,
) -> Result<Report, HoldoutError> {
    if calibration_end >= today {
        return Err(HoldoutError::NoHoldout { calibration_end, today });
    }
    let first = first_purchase(purchases, today).ok_or(HoldoutError::NoPurchases)?;
    if calibration_end < first {
        return Err(HoldoutError::BeforeFirstPurchase { calibration_end, first });
    }
    enough_data(purchases, calibration_end)?;
    let customers = customers(purchases, calibration_end, today);
    let weeks = week_ends(first, today);
    let holdout = Holdout {
        customers: &customers,
        rows: customers.iter().map(|c| c.calibration).collect(),
        horizon: (today - calibration_end).num_days() as f64,
        first,
        weeks: &weeks,
    };
    let models: Vec<ModelCheck> = Model::ALL.into_iter().map(|m| holdout.check(m, &mut fit)).collect();
    let mut counts = [0usize; FREQUENCY_GROUPS];
    for c in &customers {
        counts[group(c.calibration.x)] += 1;
    }
    let actual = group_means(&customers, customers.iter().map(|c| f64::from(c.holdout)));
    Ok(Report {
        first_purchase: first,
        calibration_end,
        today,
        customers: customers.len(),
        repeat_buyers: customers.iter().filter(|c| c.calibration.x > 0.0).count(),
        holdout_actual: customers.iter().map(|c| u64::from(c.holdout)).sum(),
        chosen: choose(&models).ok(),
        models,
        by_frequency: (0..FREQUENCY_GROUPS)
            .map(|x| FrequencyGroup { x, customers: counts[x], actual: actual[x] })
            .collect(),
        cumulative_repeats: actual_cumulative(&customers, &weeks),
        weeks,
    })
}

/// Holdout errors within this share of the lowest count as a tie in [`choose`].
pub const MAE_TIE: f64 = 0.02;

/// The model with the lowest holdout MAE. Errors within [`MAE_TIE`] of the lowest tie: a
/// difference that small is noise on one shop's holdout (the demo shop's three models differ
/// by 1.3%), so the lower BIC, the better fit to the whole calibration period, decides among
/// them, then fewer parameters. Models that failed are never chosen; when all failed, the error
/// says why each did.
pub fn choose(checks: &[ModelCheck]) -> Result<Model, HoldoutError> {
    let scored: Vec<(Model, &Scores)> =
        checks.iter().filter_map(|c| c.scores().map(|s| (c.model, s))).collect();
    let lowest = scored.iter().map(|(_, s)| s.holdout_mae).fold(f64::INFINITY, f64::min);
    scored
        .iter()
        .filter(|(_, s)| s.holdout_mae <= lowest * (1.0 + MAE_TIE))
        .min_by(|(_, a), (_, b)| {
            a.bic
                .total_cmp(&b.bic)
                .then(a.parameters.cmp(&b.parameters))
                .then(a.holdout_mae.total_cmp(&b.holdout_mae))
        })
        .map(|(m, _)| *m)
        .ok_or_else(|| {
            let failed = checks.iter().filter_map(|c| match &c.outcome {
                Outcome::Failed { error } => Some((c.model, error.clone())),
                Outcome::Checked(_) => None,
            });
            HoldoutError::NoModelFitted(failed.collect())
        })
}
