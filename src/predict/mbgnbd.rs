//! The MBG/NBD model of repeat buying (Batislam, Denizel & Filiztekin 2007, "Empirical
//! validation and comparison of models for customer base analysis", International Journal of
//! Research in Marketing 24(3), Appendix A; the conditional expectation as corrected by Wagner &
//! Hoppe 2008, "Erratum on the MBG/NBD model", IJRM 25(3)), in the form of the `lifetimes`
//! library's ModifiedBetaGeoFitter, whose figures on CDNOW the tests reproduce.
//!
//! BG/NBD with one change: a customer may drop out right after the first purchase too, not only
//! after repeat ones, so everyone has x + 1 chances to have dropped out and a one-time buyer is
//! not surely alive. While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
//! after each purchase they drop out with probability p ~ Beta(a, b). Rows are [`Rfx`] in any
//! unit of time; α carries it.

use serde::{Deserialize, Serialize};

use super::bgnbd::Rfx;
use super::grouped::BgNbdRows;
use super::optim::maximise_log_likelihood;
use super::special::{hyp2f1, ln_gamma_ratio, log_sum_exp, logistic};
use super::{PredictError, Result};

/// The four MBG/NBD parameters: purchase-rate shape r and scale α, dropout Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbdParams {
    /// Shape of the Gamma heterogeneity in purchase rates.
    pub r: f64,
    /// Scale of the Gamma heterogeneity, in periods.
    pub alpha: f64,
    /// First Beta parameter of the dropout probability.
    pub a: f64,
    /// Second Beta parameter of the dropout probability.
    pub b: f64,
}

impl MbgNbdParams {
    /// Checks every parameter is finite and positive, as the formulas assume.
    pub fn validate(&self) -> Result<()> {
        let ok = [self.r, self.alpha, self.a, self.b].iter().all(|v| v.is_finite() && *v > 0.0);
        if ok { Ok(()) } else { Err(PredictError::Degenerate(format!("{self:?}"))) }
    }
}

/// A maximum-likelihood MBG/NBD fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbdFit {
    /// The fitted parameters.
    pub params: MbgNbdParams,
    /// The log-likelihood at `params`, summed over all customers.
    pub log_likelihood: f64,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: usize,
}

/// ln L for one customer (validated by the caller), the ln of
/// B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)) · [1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)].
///
/// The bracket is taken in log space, as for BG/NBD, so that hundreds of purchases stay finite;
/// the Gamma and Beta ratios as differences (`ln_gamma_ratio`) and α^r/(α+T)^r as
/// (1 + T/α)^−r, so that a fit walking toward a boundary meets no cancellation to exploit.
pub fn ln_likelihood(p: &MbgNbdParams, c: &Rfx) -> f64 {
    let MbgNbdParams { r, alpha, a, b } = *p;
    let x = c.x;
    let ratios = ln_gamma_ratio(r, x) + ln_gamma_ratio(b, x + 1.0) - ln_gamma_ratio(a + b, x + 1.0);
    let unseen = -r * (c.t / alpha).ln_1p() - x * (alpha + c.t).ln();
    // Unlike BG/NBD the second term is there for x = 0 too: dropout right after the first purchase.
    let dropped = a.ln() - (b + x).ln() - r * (c.t_x / alpha).ln_1p() - x * (alpha + c.t_x).ln();
    ratios + log_sum_exp(unseen, dropped)
}

/// The log-likelihood summed over customers, after checking every row and the parameters.
pub fn log_likelihood(p: &MbgNbdParams, customers: &[Rfx]) -> Result<f64> {
    p.validate()?;
    customers.iter().try_fold(0.0, |sum, c| {
        c.validate()?;
        Ok(sum + ln_likelihood(p, c))
    })
}

/// Fits (r, α, a, b) by maximum likelihood over the logarithms of the parameters, the
/// likelihood summed grouped by x (see `grouped`).
pub fn fit(customers: &[Rfx]) -> Result<MbgNbdFit> {
    fit_penalised(customers, 0.0)
}

/// [`fit`] with the ridge penalty of [`super::bgnbd::fit_penalised`], for the same reason: a
/// small shop's maximum may lie at a boundary.
pub fn fit_penalised(customers: &[Rfx], penalty: f64) -> Result<MbgNbdFit> {
    if customers.is_empty() {
        return Err(PredictError::NoData("MBG/NBD needs at least one customer"));
    }
    for c in customers {
        c.validate()?;
    }
    let rows = BgNbdRows::new(customers);
    let n = customers.len() as f64;
    let mean_t = customers.iter().map(|c| c.t).sum::<f64>() / n;
    let from_logs =
        |v: &[f64]| MbgNbdParams { r: v[0].exp(), alpha: v[1].exp(), a: v[2].exp(), b: v[3].exp() };
    // α has the unit of time, so start it at the customers' mean age; the rest at 1.
    let start = [0.0, mean_t.max(1e-3).ln(), 0.0, 0.0];
    let m = maximise_log_likelihood(|v| rows.mbgnbd_log_likelihood(&from_logs(v)), &start, penalty, n)?;
    let params = MbgNbdParams { r: m.params[0], alpha: m.params[1], a: m.params[2], b: m.params[3] };
    Ok(MbgNbdFit { params, log_likelihood: m.log_likelihood, iterations: m.iterations })
}

/// P(alive | x, t_x, T) = 1/(1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) (Appendix A, eq. 5), below 1
/// for one-time buyers too.
pub fn p_alive(p: &MbgNbdParams, c: &Rfx) -> Result<f64> {
    p.validate()?;
    c.validate()?;
    Ok(alive(p, c))
}

/// [`p_alive`] for checked inputs, as 1/(1 + e^d) with d the log-odds of having dropped out.
fn alive(p: &MbgNbdParams, c: &Rfx) -> f64 {
    let MbgNbdParams { r, alpha, a, b } = *p;
    let d = a.ln() - (b + c.x).ln() + (r + c.x) * ((c.t - c.t_x) / (alpha + c.t_x)).ln_1p();
    logistic(-d)
}

/// E[Y(t) | x, t_x, T], the expected purchases in the next `horizon` periods (Wagner & Hoppe's
/// corrected form): P(alive) · (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x+1; a+b+x; z)]
/// with z = t/(α+T+t).
///
/// As for BG/NBD, Euler's transformation turns the bracket into
/// 1 − (1−z)^(a−1) · 2F1(a+b−r, a−1; a+b+x; z), whose terms stay small for any x; at a = 1 the
/// formula is 0/0 and is taken as the mean of the values at a ± 2e-6 (error O(1e-11)).
pub fn expected_purchases(p: &MbgNbdParams, c: &Rfx, horizon: f64) -> Result<f64> {
    p.validate()?;
    c.validate()?;
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(PredictError::InvalidInput(format!("horizon {horizon}")));
    }
    if horizon == 0.0 {
        return Ok(0.0);
    }
    if (p.a - 1.0).abs() < 1e-6 {
        let at = |a: f64| {
            let q = MbgNbdParams { a, ..*p };
            Ok::<f64, PredictError>((alive(&q, c) * expected_if_alive(&q, c.x, c.t, horizon)?).max(0.0))
        };
        return Ok(0.5 * (at(1.0 - 2e-6)? + at(1.0 + 2e-6)?));
    }
    // Cancellation can leave a tiny negative number for tiny horizons; the expectation is ≥ 0.
    Ok((alive(p, c) * expected_if_alive(p, c.x, c.t, horizon)?).max(0.0))
}

/// E[Y(t) | alive, x, T] in the Euler-transformed form, for a away from 1.
fn expected_if_alive(p: &MbgNbdParams, x: f64, t: f64, horizon: f64) -> Result<f64> {
    let MbgNbdParams { r, alpha, a, b } = *p;
    let z = horizon / (alpha + t + horizon);
    let ln_one_minus_z = -(horizon / (alpha + t)).ln_1p();
    let g = ((a - 1.0) * ln_one_minus_z).exp() * hyp2f1(a + b - r, a - 1.0, a + b + x, z)?;
    Ok((a + b + x) / (a - 1.0) * (1.0 - g))
}

/// E[X(t)], the expected repeat purchases of a new customer in their first t periods,
/// b/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b+1; a+b; t/(α+t))]; it is [`expected_purchases`] at
/// x = t_x = T = 0 (P(alive) = b/(a+b) there), which is how it is computed.
pub fn expected_purchases_population(p: &MbgNbdParams, horizon: f64) -> Result<f64> {
    expected_purchases(p, &Rfx { x: 0.0, t_x: 0.0, t: 0.0 }, horizon)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lifetimes` 0.11.3 on the CDNOW weekly summary (shared/data/README.md).
    const CDNOW: MbgNbdParams = MbgNbdParams { r: 0.5248, alpha: 6.1830, a: 0.8914, b: 1.6140 };

    #[test]
    fn euler_form_matches_the_printed_formula() -> Result<()> {
        let MbgNbdParams { r, alpha, a, b } = CDNOW;
        let t = 39.0;
        for c in [Rfx { x: 20.0, t_x: 30.0, t: 38.86 }, Rfx { x: 0.0, t_x: 0.0, t: 10.0 }] {
            let z = t / (alpha + c.t + t);
            let direct = (a + b + c.x) / (a - 1.0)
                * (1.0 - (1.0 - z).powf(r + c.x) * hyp2f1(r + c.x, b + c.x + 1.0, a + b + c.x, z)?)
                * p_alive(&CDNOW, &c)?;
            let got = expected_purchases(&CDNOW, &c, t)?;
            assert!((got - direct).abs() < 1e-9 * direct.abs().max(1.0), "{c:?}: {got} vs {direct}");
        }
        Ok(())
    }

    #[test]
    fn population_expectation_is_lifetimes_formula() -> Result<()> {
        let MbgNbdParams { r, alpha, a, b } = CDNOW;
        for t in [1.0, 39.0, 520.0] {
            let want = b / (a - 1.0)
                * (1.0 - (alpha / (alpha + t)).powf(r) * hyp2f1(r, b + 1.0, a + b, t / (alpha + t))?);
            let got = expected_purchases_population(&CDNOW, t)?;
            assert!((got - want).abs() < 1e-9 * want, "t = {t}: {got} vs {want}");
        }
        // Near a = 1 the limit must sit between its neighbours.
        let near = |a: f64| expected_purchases_population(&MbgNbdParams { a, ..CDNOW }, 39.0);
        let (lo, mid, hi) = (near(0.999)?, near(1.0)?, near(1.001)?);
        assert!(mid > lo.min(hi) - 1e-6 && mid < lo.max(hi) + 1e-6, "{lo} {mid} {hi}");
        Ok(())
    }

    #[test]
    fn one_time_buyers_may_have_dropped_out() -> Result<()> {
        let young = p_alive(&CDNOW, &Rfx { x: 0.0, t_x: 0.0, t: 1.0 })?;
        let old = p_alive(&CDNOW, &Rfx { x: 0.0, t_x: 0.0, t: 100.0 })?;
        assert!(old < young && young < 1.0, "{old} {young}");
        // At T = 0 only the dropout right after the first purchase counts: b/(a+b).
        let fresh = p_alive(&CDNOW, &Rfx { x: 0.0, t_x: 0.0, t: 0.0 })?;
        assert!((fresh - CDNOW.b / (CDNOW.a + CDNOW.b)).abs() < 1e-15);
        Ok(())
    }

    #[test]
    fn log_likelihood_refuses_bad_rows_and_parameters() {
        let bad = Rfx { x: 1.0, t_x: 5.0, t: 4.0 };
        assert!(matches!(log_likelihood(&CDNOW, &[bad]), Err(PredictError::InvalidInput(_))));
        let nan = MbgNbdParams { r: f64::NAN, ..CDNOW };
        assert!(log_likelihood(&nan, &[Rfx { x: 1.0, t_x: 1.0, t: 2.0 }]).is_err());
    }
}
