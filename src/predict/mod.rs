//! Predictive models: BG/NBD, MBG/NBD and Pareto/NBD (one interface over the three in
//! [`models`]), Gamma-Gamma customer value, replenishment.
//!
//! Everything here is pure: numbers in, numbers out, no clock and no store. The wiring into the
//! store, the console and the command line lives in `classify::model` and its callers.

pub mod bgnbd;
pub mod gamma_gamma;
mod grouped;
pub mod holdout;
pub mod holdout_render;
#[cfg(test)]
mod holdout_tests;
pub mod mbgnbd;
pub mod models;
mod optim;
pub mod pnbd;
pub mod ranges;
#[cfg(test)]
mod ranges_tests;
#[cfg(test)]
mod reference_tests;
pub mod replenish;
pub mod special;

pub use bgnbd::{BgNbdParams, Fit, Rfx, expected_purchases, expected_purchases_population, p_alive};
pub use gamma_gamma::{GammaGammaFit, GammaGammaParams, RepeatSpend, ValueEstimate, clv_12m};
pub use holdout::{
    FREQUENCY_GROUPS, FrequencyGroup, HOLDOUT_SHARE, HoldoutError, MIN_HISTORY_DAYS, MIN_REPEAT_BUYERS,
    ModelCheck, Outcome, Report, Scores, Shortfall, check, check_with, choose, default_calibration_end,
    enough_data,
};
pub use holdout_render::{render, sparkline};
pub use mbgnbd::{MbgNbdFit, MbgNbdParams};
pub use models::{FittedModel, Model, Params};
pub use pnbd::{ParetoNbdFit, ParetoNbdParams};
pub use ranges::{
    ChurnRisk, DEFAULT_DRAWS, Draws, HORIZON_DAYS, Interval, LOW_QUANTILE, Uncertainty, churn_probability,
    clv_12m_with, laplace, parameter_names, value_at_risk,
};
pub use replenish::{ReplenishConfig, Replenishment};

use thiserror::Error;

/// Average days in a month, for turning a 12-month horizon into daily periods.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// Why a fit or a prediction could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PredictError {
    /// There were no usable customers to fit to.
    #[error("no customers to fit ({0})")]
    NoData(&'static str),
    /// An input row is outside the model's domain (negative, non-finite, t_x > T, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The optimiser ran out of evaluations before the simplex collapsed.
    #[error("the fit did not converge after {0} evaluations")]
    NotConverged(usize),
    /// A series did not converge (2F1 with z too close to 1).
    #[error("series did not converge: {0}")]
    Series(String),
    /// The fitted or given parameters make the requested figure infinite or undefined.
    #[error("degenerate parameters: {0}")]
    Degenerate(String),
}

/// Result of a prediction-module operation.
pub type Result<T> = std::result::Result<T, PredictError>;
