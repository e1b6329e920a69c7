//! Which buy-till-you-die model the shop's predictions come from (`kehu fit --model`): one
//! named, or `auto`, the model that predicted a holdout of the shop's own history best, near
//! ties going to the better fit (see [`crate::predict::holdout::choose`]).
//!
//! Decision: `auto` needs the holdout check's minimum data (300 customers who bought twice
//! before the calibration end, half a year of history before it); a shop with less keeps
//! BG/NBD, the model kehu has always used, and the selection says why.

use super::summary::Summary;
use crate::predict::{self, FittedModel, Params, PredictError, Rfx, holdout};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The model asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The one with the lowest holdout error.
    Auto,
    /// This one.
    Only(predict::Model),
}

impl std::str::FromStr for Choice {
    type Err = String;

    /// `auto`, `bgnbd`, `mbgnbd` or `pnbd`.
    fn from_str(s: &str) -> Result<Choice, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(Choice::Auto);
        }
        s.parse().map(Choice::Only).map_err(|_| format!("unknown model {s:?} (auto, bgnbd, mbgnbd or pnbd)"))
    }
}

/// One model's holdout scores, as kept with the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// "bgnbd", "mbgnbd" or "pnbd".
    pub model: String,
    /// Mean absolute error of the holdout purchases per customer.
    pub holdout_mae: f64,
    /// Mean of predicted − actual holdout purchases per customer.
    pub holdout_bias: f64,
    /// Bayesian information criterion of the calibration fit.
    pub bic: f64,
}

/// How the model in force was chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// "chosen by the holdout check", "asked for", or why the check could not be made.
    pub how: String,
    /// The calibration end of the check (None: no check was made).
    pub calibration_end: Option<NaiveDate>,
    /// Every model's scores, when the check was made.
    pub scores: Vec<Scored>,
}

/// Each customer's purchase days up to `today`, for the holdout check.
pub fn purchase_days<'a>(
    summaries: impl IntoIterator<Item = &'a Summary>,
    today: NaiveDate,
) -> Vec<Vec<NaiveDate>> {
    summaries.into_iter().map(|s| s.purchases_to(today).iter().map(|p| p.day).collect()).collect()
}

/// The parameters predictions use, fitted to `rows` (daily, everyone's whole history): the
/// model `choice` names, or the holdout check's pick from `days`; `bgnbd` is the BG/NBD fit
/// already made on the same rows.
pub fn choose(
    choice: Choice,
    days: &[Vec<NaiveDate>],
    rows: &[Rfx],
    bgnbd: Params,
    today: NaiveDate,
) -> predict::Result<(Params, Selection)> {
    let (model, selection) = match choice {
        Choice::Only(m) => {
            (m, Selection { how: "asked for".into(), calibration_end: None, scores: Vec::new() })
        }
        Choice::Auto => match checked(days, today) {
            Ok((model, selection)) => (model, selection),
            Err(why) => {
                let how = format!("BG/NBD: no holdout check ({why})");
                (predict::Model::BgNbd, Selection { how, calibration_end: None, scores: Vec::new() })
            }
        },
    };
    let params = if model == predict::Model::BgNbd { bgnbd } else { fit(model, rows)?.params };
    Ok((params, selection))
}

/// The holdout check at its default split, and the model it picks.
fn checked(days: &[Vec<NaiveDate>], today: NaiveDate) -> Result<(predict::Model, Selection), String> {
    let end = holdout::default_calibration_end(days, today).map_err(|e| e.to_string())?;
    let report = holdout::check(days, end, today).map_err(|e| e.to_string())?;
    let model = report.chosen.ok_or("no model could be fitted")?;
    let scores = report
        .models
        .iter()
        .filter_map(|c| {
            let s = c.scores()?;
            Some(Scored {
                model: c.model.name().into(),
                holdout_mae: s.holdout_mae,
                holdout_bias: s.holdout_bias,
                bic: s.bic,
            })
        })
        .collect();
    Ok((model, Selection { how: "chosen by the holdout check".into(), calibration_end: Some(end), scores }))
}

/// A fit of `model` whose parameters are usable.
fn fit(model: predict::Model, rows: &[Rfx]) -> predict::Result<FittedModel> {
    let f = predict::models::fit(model, rows)?;
    f.params.validate()?;
    if !f.log_likelihood.is_finite() {
        return Err(PredictError::Degenerate(format!("{model}: log-likelihood {}", f.log_likelihood)));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_refuse_in_words() {
        assert_eq!("auto".parse::<Choice>(), Ok(Choice::Auto));
        assert_eq!(" PNBD ".parse::<Choice>(), Ok(Choice::Only(predict::Model::ParetoNbd)));
        let err = "bg".parse::<Choice>().unwrap_err();
        assert!(err.contains("auto, bgnbd, mbgnbd or pnbd"), "{err}");
    }

    #[test]
    fn a_small_shop_keeps_bgnbd_and_says_why() {
        let day = |d: u64| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(d);
        let days: Vec<Vec<NaiveDate>> = (0..50).map(|i| vec![day(i), day(i + 40)]).collect();
        let rows: Vec<Rfx> = days.iter().filter_map(|d| Rfx::from_purchase_days(d, day(400))).collect();
        let bg = Params::BgNbd(predict::BgNbdParams { r: 0.3, alpha: 40.0, a: 0.8, b: 2.5 });
        let (params, selection) = choose(Choice::Auto, &days, &rows, bg, day(400)).unwrap();
        assert_eq!(params, bg);
        assert!(selection.how.contains("only 50 customers bought more than once"), "{}", selection.how);
        let (params, _) = choose(Choice::Only(predict::Model::MbgNbd), &days, &rows, bg, day(400)).unwrap();
        assert_eq!(params.model(), predict::Model::MbgNbd);
    }
}
