//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting your customers: who
//! are they and what will they do next?", Management Science 33(1)). The likelihood is written
//! as in Fader, Hardie & Lee 2005, "A note on implementing the Pareto/NBD model in MATLAB", with
//! its two cases for α ≥ β and α < β; P(alive) and the expectations are those of Fader & Hardie
//! 2005, "A note on deriving the Pareto/NBD model and related expressions", whose equation
//! numbers are cited below. The forms follow the `lifetimes` library's ParetoNBDFitter, whose
//! figures on CDNOW the tests reproduce.
//!
//! While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α) and lives an
//! exponential lifetime with rate μ ~ Gamma(s, β): unlike (M)BG/NBD, dropout may happen at any
//! moment, not only at a purchase. Rows are [`Rfx`] in any unit of time; α and β carry it.

use serde::{Deserialize, Serialize};

use super::bgnbd::Rfx;
use super::grouped::BgNbdRows;
use super::optim::maximise_log_likelihood;
use super::special::{hyp2f1_a1, ln_gamma_ratio, log_diff_exp, log_sum_exp, logistic};
use super::{PredictError, Result};

/// The fit keeps max(α, β)/min(α, β) under this: the series cost grows like that ratio (see
/// [`ln_tail`]), and data that push past it (nobody seems to drop out, or to buy again) have
/// their maximum at infinity anyway.
const MAX_SCALE_RATIO: f64 = 1e3;

/// The four Pareto/NBD parameters: purchase-rate Gamma(r, α), dropout-rate Gamma(s, β).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbdParams {
    /// Shape of the Gamma heterogeneity in purchase rates.
    pub r: f64,
    /// Scale of the Gamma heterogeneity in purchase rates, in periods.
    pub alpha: f64,
    /// Shape of the Gamma heterogeneity in dropout rates.
    pub s: f64,
    /// Scale of the Gamma heterogeneity in dropout rates, in periods.
    pub beta: f64,
}

impl ParetoNbdParams {
    /// Checks every parameter is finite and positive, as the formulas assume.
    pub fn validate(&self) -> Result<()> {
        let ok = [self.r, self.alpha, self.s, self.beta].iter().all(|v| v.is_finite() && *v > 0.0);
        if ok { Ok(()) } else { Err(PredictError::Degenerate(format!("{self:?}"))) }
    }
}

/// A maximum-likelihood Pareto/NBD fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbdFit {
    /// The fitted parameters.
    pub params: ParetoNbdParams,
    /// The log-likelihood at `params`, summed over all customers.
    pub log_likelihood: f64,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: usize,
}

/// ln of α^r β^s times the likelihood's integral term from time t on, for a customer with x
/// repeat purchases: 2F1(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x) when α ≥ β, and
/// 2F1(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x) when α < β (FHL's MATLAB note; eqs.
/// 19–20), so that α^r β^s A₀ = tail(t_x) − tail(T). Choosing the case by the larger scale keeps
/// z in [0, 1), where the series converges.
///
/// Euler's transformation 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) turns these into
/// (α+t)^−(r+x) (β+t)^−s · 2F1(1, r+x; r+s+x+1; z) and
/// (α+t)^(1−r−x) (β+t)^−(s+1) · 2F1(1, s+1; r+s+x+1; z): series whose terms only fall, so that
/// neither overflows for customers with hundreds of purchases (the untransformed α < β series
/// grows like (1−z)^−(r+x)). The powers are taken in log space with α^r β^s folded in as
/// (1 + t/α)^−r (1 + t/β)^−s, which no extreme r or s can make cancel. The cost is about
/// 1/(1−z) terms, 1−z being (min(α,β)+t)/(max(α,β)+t).
pub(crate) fn ln_tail(p: &ParetoNbdParams, x: f64, t: f64) -> Result<f64> {
    let ParetoNbdParams { r, alpha, s, beta } = *p;
    let scaled = -r * (t / alpha).ln_1p() - s * (t / beta).ln_1p();
    let c = r + s + x + 1.0;
    let (z, prefactor, b) = if alpha >= beta {
        ((alpha - beta) / (alpha + t), scaled - x * (alpha + t).ln(), r + x)
    } else {
        ((beta - alpha) / (beta + t), scaled + (1.0 - x) * (alpha + t).ln() - (beta + t).ln(), s + 1.0)
    };
    if z >= 1.0 {
        return Err(PredictError::Degenerate(format!("{p:?}: α and β too far apart for t = {t}")));
    }
    Ok(prefactor + hyp2f1_a1(b, c, z)?.ln())
}

/// ln of α^r β^s / ((α+T)^(r+x) (β+T)^s), the likelihood's term for a customer still alive at T,
/// Γ(r+x)/Γ(r) left out.
pub(crate) fn ln_unseen(p: &ParetoNbdParams, x: f64, t: f64) -> f64 {
    -p.r * (t / p.alpha).ln_1p() - x * (p.alpha + t).ln() - p.s * (t / p.beta).ln_1p()
}

/// ln(α^r β^s A₀) = ln(tail(t_x) − tail(T)); −∞ when t_x = T.
fn ln_a0(p: &ParetoNbdParams, c: &Rfx) -> Result<f64> {
    Ok(log_diff_exp(ln_tail(p, c.x, c.t_x)?, ln_tail(p, c.x, c.t)?))
}

/// ln L for one customer (validated by the caller), eq. 18:
/// Γ(r+x) α^r β^s / Γ(r) · [1/((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A₀], summed in log space.
pub fn ln_likelihood(p: &ParetoNbdParams, c: &Rfx) -> Result<f64> {
    let ParetoNbdParams { r, s, .. } = *p;
    let share = s.ln() - (r + s + c.x).ln();
    Ok(ln_gamma_ratio(r, c.x) + log_sum_exp(ln_unseen(p, c.x, c.t), share + ln_a0(p, c)?))
}

/// The log-likelihood summed over customers, after checking every row and the parameters.
pub fn log_likelihood(p: &ParetoNbdParams, customers: &[Rfx]) -> Result<f64> {
    p.validate()?;
    customers.iter().try_fold(0.0, |sum, c| {
        c.validate()?;
        Ok(sum + ln_likelihood(p, c)?)
    })
}

/// Fits (r, α, s, β) by maximum likelihood over the logarithms of the parameters, the
/// likelihood summed grouped by x with each series computed once per (x, day) (see `grouped`).
pub fn fit(customers: &[Rfx]) -> Result<ParetoNbdFit> {
    fit_penalised(customers, 0.0)
}

/// [`fit`] with the ridge penalty of [`super::bgnbd::fit_penalised`], for the same reason: a
/// small shop's maximum may lie at a boundary.
pub fn fit_penalised(customers: &[Rfx], penalty: f64) -> Result<ParetoNbdFit> {
    if customers.is_empty() {
        return Err(PredictError::NoData("Pareto/NBD needs at least one customer"));
    }
    for c in customers {
        c.validate()?;
    }
    let rows = BgNbdRows::new(customers);
    let n = customers.len() as f64;
    let mean_t = customers.iter().map(|c| c.t).sum::<f64>() / n;
    let from_logs =
        |v: &[f64]| ParetoNbdParams { r: v[0].exp(), alpha: v[1].exp(), s: v[2].exp(), beta: v[3].exp() };
    let wall = MAX_SCALE_RATIO.ln();
    let ln_l = |v: &[f64]| {
        if (v[1] - v[3]).abs() > wall { f64::NEG_INFINITY } else { rows.pnbd_log_likelihood(&from_logs(v)) }
    };
    // Both scales have the unit of time, so start them at the customers' mean age; r, s at 1.
    let ln_mean_t = mean_t.max(1e-3).ln();
    let m = maximise_log_likelihood(ln_l, &[0.0, ln_mean_t, 0.0, ln_mean_t], penalty, n)?;
    let params = ParetoNbdParams { r: m.params[0], alpha: m.params[1], s: m.params[2], beta: m.params[3] };
    Ok(ParetoNbdFit { params, log_likelihood: m.log_likelihood, iterations: m.iterations })
}

/// P(alive | x, t_x, T) (eqs. 36–37): 1/(1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀); below 1
/// for one-time buyers too, who may have dropped out at any moment since their purchase.
pub fn p_alive(p: &ParetoNbdParams, c: &Rfx) -> Result<f64> {
    p.validate()?;
    c.validate()?;
    alive(p, c)
}

/// [`p_alive`] for checked inputs.
fn alive(p: &ParetoNbdParams, c: &Rfx) -> Result<f64> {
    let (r, s) = (p.r, p.s);
    let d = s.ln() - (r + s + c.x).ln() + ln_a0(p, c)? - ln_unseen(p, c.x, c.t);
    Ok(logistic(-d))
}

/// E[Y(t) | x, t_x, T], the expected purchases in the next `horizon` periods (eq. 41):
/// P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].
///
/// The bracket over s−1 is written −expm1(−(s−1)·ln(1 + t/(β+T)))/(s−1), which stays accurate
/// for s near 1 and is replaced by its limit ln(1 + t/(β+T)) at s = 1 exactly.
pub fn expected_purchases(p: &ParetoNbdParams, c: &Rfx, horizon: f64) -> Result<f64> {
    p.validate()?;
    c.validate()?;
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(PredictError::InvalidInput(format!("horizon {horizon}")));
    }
    let ParetoNbdParams { r, alpha, s, beta } = *p;
    let ln_growth = (horizon / (beta + c.t)).ln_1p();
    let lifetime = if s == 1.0 { ln_growth } else { -(-(s - 1.0) * ln_growth).exp_m1() / (s - 1.0) };
    Ok(alive(p, c)? * (r + c.x) * (beta + c.t) / (alpha + c.t) * lifetime)
}

/// E[X(t)], the expected repeat purchases of a new customer in their first t periods (eq. 27),
/// rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)]; it is [`expected_purchases`] at x = t_x = T = 0, which
/// is how it is computed.
pub fn expected_purchases_population(p: &ParetoNbdParams, horizon: f64) -> Result<f64> {
    expected_purchases(p, &Rfx { x: 0.0, t_x: 0.0, t: 0.0 }, horizon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::special::hyp2f1;

    /// `lifetimes` 0.11.3 on the CDNOW weekly summary (shared/data/README.md).
    const CDNOW: ParetoNbdParams = ParetoNbdParams { r: 0.5533, alpha: 10.5777, s: 0.6062, beta: 11.6664 };

    /// The integral term as FHL's MATLAB note prints it, untransformed.
    fn tail_as_printed(p: &ParetoNbdParams, x: f64, t: f64) -> Result<f64> {
        let ParetoNbdParams { r, alpha, s, beta } = *p;
        let rsx = r + s + x;
        if alpha >= beta {
            Ok(hyp2f1(rsx, s + 1.0, rsx + 1.0, (alpha - beta) / (alpha + t))? / (alpha + t).powf(rsx))
        } else {
            Ok(hyp2f1(rsx, r + x, rsx + 1.0, (beta - alpha) / (beta + t))? / (beta + t).powf(rsx))
        }
    }

    #[test]
    fn transformed_tail_matches_the_printed_one() -> Result<()> {
        let swapped = ParetoNbdParams { alpha: 30.0, beta: 2.0, s: 1.4, ..CDNOW };
        for p in [CDNOW, swapped, ParetoNbdParams { beta: CDNOW.alpha, ..CDNOW }] {
            for (x, t) in [(0.0, 0.0), (2.0, 30.43), (25.0, 38.86), (1.0, 500.0)] {
                let want = tail_as_printed(&p, x, t)?.ln() + p.r * p.alpha.ln() + p.s * p.beta.ln();
                let got = ln_tail(&p, x, t)?;
                assert!(
                    (got - want).abs() < 1e-12 * want.abs().max(1.0),
                    "{p:?} ({x}, {t}): {got} vs {want}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn population_expectation_is_eq_27() -> Result<()> {
        let ParetoNbdParams { r, alpha, s, beta } = CDNOW;
        for t in [1.0, 39.0, 520.0] {
            let want = r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)).powf(s - 1.0));
            let got = expected_purchases_population(&CDNOW, t)?;
            assert!((got - want).abs() < 1e-12 * want, "t = {t}: {got} vs {want}");
        }
        // At s = 1 the limit rβ/α · ln(1 + t/β) must sit between its neighbours.
        let at = |s: f64| expected_purchases_population(&ParetoNbdParams { s, ..CDNOW }, 39.0);
        let (lo, mid, hi) = (at(1.0 - 1e-9)?, at(1.0)?, at(1.0 + 1e-9)?);
        assert!((mid - lo).abs() < 1e-8 && (mid - hi).abs() < 1e-8, "{lo} {mid} {hi}");
        Ok(())
    }

    #[test]
    fn one_time_buyers_may_have_dropped_out() -> Result<()> {
        let young = p_alive(&CDNOW, &Rfx { x: 0.0, t_x: 0.0, t: 1.0 })?;
        let old = p_alive(&CDNOW, &Rfx { x: 0.0, t_x: 0.0, t: 100.0 })?;
        assert!(old < young && young < 1.0, "{old} {young}");
        // Seen buying just now: surely alive.
        assert_eq!(p_alive(&CDNOW, &Rfx { x: 3.0, t_x: 20.0, t: 20.0 })?, 1.0);
        Ok(())
    }

    #[test]
    fn many_purchases_stay_finite() -> Result<()> {
        for p in [CDNOW, ParetoNbdParams { alpha: 2.0, beta: 40.0, ..CDNOW }] {
            let c = Rfx { x: 2000.0, t_x: 364.9, t: 365.0 };
            let (alive, e) = (p_alive(&p, &c)?, expected_purchases(&p, &c, 39.0)?);
            assert!(alive > 0.5 && alive <= 1.0 && e.is_finite() && e > 0.0, "{p:?}: {alive} {e}");
            assert!(ln_likelihood(&p, &c)?.is_finite());
        }
        Ok(())
    }
}
