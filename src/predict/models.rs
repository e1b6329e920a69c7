//! One interface over the three buy-till-you-die models, BG/NBD ([`super::bgnbd`]), MBG/NBD
//! ([`super::mbgnbd`]) and Pareto/NBD ([`super::pnbd`]), so that a caller can fit each to the
//! same rows, compare them and predict with the one it chose without matching on which it is.
//!
//! Every method here checks its inputs, the rows and the parameters alike (parameters may come
//! back from a store), and answers [`PredictError`] rather than NaN.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::bgnbd::{self, BgNbdParams, Rfx};
use super::mbgnbd::{self, MbgNbdParams};
use super::pnbd::{self, ParetoNbdParams};
use super::{PredictError, Result};

/// Which buy-till-you-die model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// BG/NBD (Fader, Hardie & Lee 2005): dropout only right after a repeat purchase.
    BgNbd,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007): dropout right after any purchase.
    MbgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): dropout at any moment.
    ParetoNbd,
}

impl Model {
    /// Every model, in the order they are offered.
    pub const ALL: [Model; 3] = [Model::BgNbd, Model::MbgNbd, Model::ParetoNbd];

    /// The short name used on the command line and in files: "bgnbd", "mbgnbd" or "pnbd".
    pub fn name(self) -> &'static str {
        match self {
            Model::BgNbd => "bgnbd",
            Model::MbgNbd => "mbgnbd",
            Model::ParetoNbd => "pnbd",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = PredictError;

    /// Parses a [`Model::name`], ignoring case and surrounding blanks.
    fn from_str(s: &str) -> Result<Model> {
        let wanted = s.trim();
        Model::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| PredictError::InvalidInput(format!("unknown model {s:?} (bgnbd, mbgnbd or pnbd)")))
    }
}

/// One model's parameters, tagged with the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Params {
    /// BG/NBD's r, α, a, b.
    BgNbd(BgNbdParams),
    /// MBG/NBD's r, α, a, b.
    MbgNbd(MbgNbdParams),
    /// Pareto/NBD's r, α, s, β.
    ParetoNbd(ParetoNbdParams),
}

impl Params {
    /// Which model these are the parameters of.
    pub fn model(&self) -> Model {
        match self {
            Params::BgNbd(_) => Model::BgNbd,
            Params::MbgNbd(_) => Model::MbgNbd,
            Params::ParetoNbd(_) => Model::ParetoNbd,
        }
    }

    /// The number of free parameters, for information criteria.
    pub fn parameter_count(&self) -> usize {
        match self {
            Params::BgNbd(_) | Params::MbgNbd(_) | Params::ParetoNbd(_) => 4,
        }
    }

    /// Checks every parameter is finite and positive, as all three models assume.
    pub fn validate(&self) -> Result<()> {
        match self {
            Params::BgNbd(p) => {
                let ok = [p.r, p.alpha, p.a, p.b].iter().all(|v| v.is_finite() && *v > 0.0);
                if ok { Ok(()) } else { Err(PredictError::Degenerate(format!("{p:?}"))) }
            }
            Params::MbgNbd(p) => p.validate(),
            Params::ParetoNbd(p) => p.validate(),
        }
    }

    /// P(alive | x, t_x, T).
    pub fn p_alive(&self, c: &Rfx) -> Result<f64> {
        self.validate()?;
        c.validate()?;
        match self {
            Params::BgNbd(p) => Ok(bgnbd::p_alive(p, c)),
            Params::MbgNbd(p) => mbgnbd::p_alive(p, c),
            Params::ParetoNbd(p) => pnbd::p_alive(p, c),
        }
    }

    /// E[Y(t) | x, t_x, T], the expected purchases in the next `horizon` periods.
    pub fn expected_purchases(&self, c: &Rfx, horizon: f64) -> Result<f64> {
        self.validate()?;
        match self {
            Params::BgNbd(p) => bgnbd::expected_purchases(p, c, horizon),
            Params::MbgNbd(p) => mbgnbd::expected_purchases(p, c, horizon),
            Params::ParetoNbd(p) => pnbd::expected_purchases(p, c, horizon),
        }
    }

    /// E[X(t)], the expected repeat purchases of a new customer in their first `horizon` periods.
    pub fn expected_purchases_population(&self, horizon: f64) -> Result<f64> {
        self.expected_purchases(&Rfx { x: 0.0, t_x: 0.0, t: 0.0 }, horizon)
    }

    /// The log-likelihood summed over customers.
    pub fn log_likelihood(&self, customers: &[Rfx]) -> Result<f64> {
        self.validate()?;
        match self {
            Params::BgNbd(p) => {
                for c in customers {
                    c.validate()?;
                }
                Ok(bgnbd::log_likelihood(p, customers))
            }
            Params::MbgNbd(p) => mbgnbd::log_likelihood(p, customers),
            Params::ParetoNbd(p) => pnbd::log_likelihood(p, customers),
        }
    }
}

/// A maximum-likelihood fit of one of the models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    /// The fitted parameters, which say the model.
    pub params: Params,
    /// The log-likelihood at `params`, summed over all customers.
    pub log_likelihood: f64,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: usize,
}

impl FittedModel {
    /// Akaike's information criterion 2k − 2 ln L: lower is better among fits to the same rows.
    pub fn aic(&self) -> f64 {
        2.0 * self.params.parameter_count() as f64 - 2.0 * self.log_likelihood
    }
}

/// Fits `model` to the rows by maximum likelihood; the parameters returned are always usable
/// (finite and positive), or the fit is an error.
pub fn fit(model: Model, customers: &[Rfx]) -> Result<FittedModel> {
    let fitted = match model {
        Model::BgNbd => bgnbd::fit(customers).map(|f| FittedModel {
            params: Params::BgNbd(f.params),
            log_likelihood: f.log_likelihood,
            iterations: f.iterations,
        }),
        Model::MbgNbd => mbgnbd::fit(customers).map(|f| FittedModel {
            params: Params::MbgNbd(f.params),
            log_likelihood: f.log_likelihood,
            iterations: f.iterations,
        }),
        Model::ParetoNbd => pnbd::fit(customers).map(|f| FittedModel {
            params: Params::ParetoNbd(f.params),
            log_likelihood: f.log_likelihood,
            iterations: f.iterations,
        }),
    }?;
    // BG/NBD's own fit predates that guarantee; check all three alike.
    fitted.params.validate()?;
    if !fitted.log_likelihood.is_finite() {
        return Err(PredictError::Degenerate(format!("log-likelihood {}", fitted.log_likelihood)));
    }
    Ok(fitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() -> Result<()> {
        for m in Model::ALL {
            assert_eq!(m.name().parse::<Model>()?, m);
            assert_eq!(m.to_string(), m.name());
        }
        assert_eq!(" PNBD ".parse::<Model>()?, Model::ParetoNbd);
        assert!(matches!("pareto".parse::<Model>(), Err(PredictError::InvalidInput(_))));
        Ok(())
    }

    #[test]
    fn params_survive_bincode_and_json() {
        let all = [
            Params::BgNbd(BgNbdParams { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 }),
            Params::MbgNbd(MbgNbdParams { r: 0.5248, alpha: 6.183, a: 0.8914, b: 1.614 }),
            Params::ParetoNbd(ParetoNbdParams { r: 0.5533, alpha: 10.5777, s: 0.6062, beta: 11.6664 }),
        ];
        for p in all {
            let f = FittedModel { params: p, log_likelihood: -9582.4, iterations: 7 };
            let bytes = bincode::serde::encode_to_vec(f, bincode::config::standard()).unwrap_or_default();
            let back: Option<FittedModel> =
                bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).ok().map(|(v, _)| v);
            assert_eq!(back, Some(f));
            let json = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(serde_json::from_str::<FittedModel>(&json).ok(), Some(f), "{json}");
            assert_eq!(p.parameter_count(), 4);
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        let c = Rfx { x: 1.0, t_x: 2.0, t: 3.0 };
        let bad = [
            Params::BgNbd(BgNbdParams { r: -1.0, alpha: 1.0, a: 1.0, b: 1.0 }),
            Params::MbgNbd(MbgNbdParams { r: 1.0, alpha: f64::NAN, a: 1.0, b: 1.0 }),
            Params::ParetoNbd(ParetoNbdParams { r: 1.0, alpha: 1.0, s: 0.0, beta: f64::INFINITY }),
        ];
        for p in bad {
            assert!(matches!(p.p_alive(&c), Err(PredictError::Degenerate(_))), "{p:?}");
            assert!(p.expected_purchases(&c, 10.0).is_err() && p.log_likelihood(&[c]).is_err());
        }
    }
}
