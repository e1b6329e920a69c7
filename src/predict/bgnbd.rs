//! The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way", Marketing Science 24(2)); equation numbers below are the paper's.
//!
//! While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
//! purchase they drop out with probability p ~ Beta(a, b). Periods are whatever unit the
//! [`Rfx`] rows use (days in kehu, weeks in the paper); α carries that unit.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::grouped::BgNbdRows;
use super::optim::minimise;
use super::special::{hyp2f1, ln_gamma, log_sum_exp};
use super::{PredictError, Result};

/// The four BG/NBD parameters: purchase-rate shape r and scale α, dropout Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdParams {
    /// Shape of the Gamma heterogeneity in purchase rates.
    pub r: f64,
    /// Scale of the Gamma heterogeneity, in periods.
    pub alpha: f64,
    /// First Beta parameter of the dropout probability.
    pub a: f64,
    /// Second Beta parameter of the dropout probability.
    pub b: f64,
}

/// One customer's summary: repeat purchases x, time of the last one t_x, age T (from the first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfx {
    /// Frequency: purchase periods after the first (distinct purchase days − 1 in kehu).
    pub x: f64,
    /// Recency: time from the first purchase to the last, 0 when x = 0.
    pub t_x: f64,
    /// Age: time from the first purchase to the end of observation.
    pub t: f64,
}

/// A maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The fitted parameters.
    pub params: BgNbdParams,
    /// The log-likelihood at `params`, summed over all customers.
    pub log_likelihood: f64,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: usize,
}

impl Rfx {
    /// Summarises purchase days in daily periods: x = distinct purchase days − 1, t_x = days from
    /// the first to the last, T = days from the first to `today`; None without purchases or
    /// when a purchase lies after `today`.
    pub fn from_purchase_days(days: &[NaiveDate], today: NaiveDate) -> Option<Rfx> {
        let first = *days.iter().min()?;
        let last = *days.iter().max()?;
        if last > today {
            return None;
        }
        let mut distinct = days.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        Some(Rfx {
            x: (distinct.len() - 1) as f64,
            t_x: (last - first).num_days() as f64,
            t: (today - first).num_days() as f64,
        })
    }

    /// Checks the row is inside the models' domain.
    pub(crate) fn validate(&self) -> Result<()> {
        let ok = self.x.is_finite()
            && self.t.is_finite()
            && self.t_x.is_finite()
            && self.x >= 0.0
            && self.t_x >= 0.0
            && self.t_x <= self.t;
        if ok { Ok(()) } else { Err(PredictError::InvalidInput(format!("{self:?}"))) }
    }
}

/// ln L for one customer (eq. 6), as ln of A + δ(x>0)·B with
/// A = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)) and
/// B/A's Beta ratio reduced to a/(b+x−1); the sum is taken in log space so that a customer
/// with hundreds of purchases, whose terms underflow, stays finite.
pub fn ln_likelihood(p: &BgNbdParams, c: &Rfx) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *p;
    let x = c.x;
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
    let a3 = -(r + x) * (alpha + c.t).ln();
    if x > 0.0 {
        let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + c.t_x).ln();
        a1 + a2 + log_sum_exp(a3, a4)
    } else {
        a1 + a2 + a3
    }
}

/// The log-likelihood summed over customers (eq. 6 for each, then summed).
pub fn log_likelihood(p: &BgNbdParams, customers: &[Rfx]) -> f64 {
    customers.iter().map(|c| ln_likelihood(p, c)).sum()
}

/// Fits (r, α, a, b) by maximum likelihood over the logarithms of the parameters, which keeps
/// them positive without constraints; the likelihood is summed grouped by x (see `grouped`).
pub fn fit(customers: &[Rfx]) -> Result<Fit> {
    fit_penalised(customers, 0.0)
}

/// [`fit`] with a ridge penalty `penalty` × n × Σ (ln θ − ln θ₀)² on the log-parameters (θ₀ the
/// starting point), n the number of customers. With 0 it is maximum likelihood; a small penalty
/// keeps the estimates finite when the data put the maximum at a boundary (e.g. nobody seems
/// to drop out, so a → 0), which small shops do — `lifetimes` offers the same as
/// `penalizer_coef`. `log_likelihood` is reported without the penalty.
pub fn fit_penalised(customers: &[Rfx], penalty: f64) -> Result<Fit> {
    if customers.is_empty() {
        return Err(PredictError::NoData("BG/NBD needs at least one customer"));
    }
    if !(penalty.is_finite() && penalty >= 0.0) {
        return Err(PredictError::InvalidInput(format!("penalty {penalty}")));
    }
    for c in customers {
        c.validate()?;
    }
    let rows = BgNbdRows::new(customers);
    let n = customers.len() as f64;
    let mean_t = customers.iter().map(|c| c.t).sum::<f64>() / n;
    let from_logs =
        |v: &[f64]| BgNbdParams { r: v[0].exp(), alpha: v[1].exp(), a: v[2].exp(), b: v[3].exp() };
    let neg_ll = |v: &[f64]| -> f64 { -rows.log_likelihood(&from_logs(v)) };
    // α has the unit of time, so start it at the customers' mean age; the rest at 1.
    let start = [0.0, mean_t.max(1e-3).ln(), 0.0, 0.0];
    let objective = |v: &[f64]| -> f64 {
        let ridge: f64 = v.iter().zip(&start).map(|(x, s)| (x - s) * (x - s)).sum();
        neg_ll(v) + penalty * n * ridge
    };
    let m = minimise(objective, &start, 1.0);
    if !m.converged || !m.f.is_finite() {
        return Err(PredictError::NotConverged(m.evaluations));
    }
    Ok(Fit { params: from_logs(&m.x), log_likelihood: -neg_ll(&m.x), iterations: m.iterations })
}

/// ln of the odds of having dropped out against being alive, a/(b+x−1) · ((α+T)/(α+t_x))^(r+x).
fn ln_dropout_odds(p: &BgNbdParams, c: &Rfx) -> f64 {
    p.a.ln() - (p.b + c.x - 1.0).ln() + (p.r + c.x) * ((p.alpha + c.t).ln() - (p.alpha + c.t_x).ln())
}

/// P(alive | x, t_x, T) (eq. 12): 1 for customers without repeat purchases, who cannot have
/// dropped out yet under the model (dropout happens only right after a purchase).
pub fn p_alive(p: &BgNbdParams, c: &Rfx) -> f64 {
    if c.x <= 0.0 {
        return 1.0;
    }
    // 1/(1 + e^d), arranged so that the exponential is never of a large positive number.
    let d = ln_dropout_odds(p, c);
    if d > 0.0 {
        let e = (-d).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + d.exp())
    }
}

/// E[Y(t) | x, t_x, T], the expected purchases in the next `horizon` periods (eq. 10).
///
/// Eq. 10 is P(alive) · (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)]
/// with z = t/(α+T+t) ∈ [0, 1). Written that way, 2F1 grows like (1−z)^(−(r+x)) and overflows
/// for customers with hundreds of purchases, so Euler's transformation
/// 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) turns the bracketed product into
/// (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose terms stay small for any x. At a = 1
/// the formula is 0/0; there it is the mean of the values at a ± 1e-6 ± 2e-6 (error O(1e-11)).
pub fn expected_purchases(p: &BgNbdParams, c: &Rfx, horizon: f64) -> Result<f64> {
    expected_purchases_with(p, c, horizon, |x, t| expected_if_alive(p, x, t, horizon))
}

/// [`expected_purchases`] with E[Y(t) | alive, x, T] supplied by the caller: it does not depend
/// on t_x, so a caller classifying a whole shop every day can keep it per (x, T) and reuse it
/// (`if_alive` is called with x and T, for the model's parameters, a away from 1).
pub fn expected_purchases_with(
    p: &BgNbdParams,
    c: &Rfx,
    horizon: f64,
    if_alive: impl FnOnce(f64, f64) -> Result<f64>,
) -> Result<f64> {
    c.validate()?;
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(PredictError::InvalidInput(format!("horizon {horizon}")));
    }
    if horizon == 0.0 {
        return Ok(0.0);
    }
    if near_one(p.a) {
        let at = |a: f64| {
            let q = BgNbdParams { a, ..*p };
            Ok::<f64, PredictError>(p_alive(&q, c) * expected_if_alive(&q, c.x, c.t, horizon)?)
        };
        let (lo, hi) = (at(1.0 - 2e-6)?.max(0.0), at(1.0 + 2e-6)?.max(0.0));
        return Ok(0.5 * (lo + hi));
    }
    // Cancellation can leave a tiny negative number for tiny horizons; the expectation is ≥ 0.
    Ok((p_alive(p, c) * if_alive(c.x, c.t)?).max(0.0))
}

/// Whether eq. 10 is 0/0 at `a` and must be taken as a limit.
fn near_one(a: f64) -> bool {
    (a - 1.0).abs() < 1e-6
}

/// E[Y(t) | alive, x, T] in the Euler-transformed form of eq. 10,
/// (a+b+x−1)/(a−1) · [1 − (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z)], for a away from 1.
pub fn expected_if_alive(p: &BgNbdParams, x: f64, t: f64, horizon: f64) -> Result<f64> {
    let BgNbdParams { r, alpha, a, b } = *p;
    let z = horizon / (alpha + t + horizon);
    let ln_one_minus_z = -(horizon / (alpha + t)).ln_1p();
    let g = ((a - 1.0) * ln_one_minus_z).exp() * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)?;
    Ok((a + b + x - 1.0) / (a - 1.0) * (1.0 - g))
}

/// E[X(t)], the expected purchases of a new customer in their first t periods (eq. 9); it is
/// eq. 10 for x = t_x = T = 0, which is how it is computed.
pub fn expected_purchases_population(p: &BgNbdParams, horizon: f64) -> Result<f64> {
    expected_purchases(p, &Rfx { x: 0.0, t_x: 0.0, t: 0.0 }, horizon)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAPER: BgNbdParams = BgNbdParams { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

    #[test]
    fn population_expectation_grows_with_the_horizon() -> Result<()> {
        let e39 = expected_purchases_population(&PAPER, 39.0)?;
        let e78 = expected_purchases_population(&PAPER, 78.0)?;
        assert!(e39 > 0.0 && e78 > e39, "{e39} {e78}");
        // Near a = 1 the perturbed formula must agree with its neighbours.
        let near = |a: f64| expected_purchases_population(&BgNbdParams { a, ..PAPER }, 39.0);
        let (lo, mid, hi) = (near(0.999)?, near(1.0)?, near(1.001)?);
        assert!(mid > lo.min(hi) - 1e-6 && mid < lo.max(hi) + 1e-6, "{lo} {mid} {hi}");
        Ok(())
    }

    #[test]
    fn euler_form_matches_eq10_as_printed() -> Result<()> {
        // For moderate x the untransformed eq. 10 is still finite; both forms must agree.
        let BgNbdParams { r, alpha, a, b } = PAPER;
        for c in [Rfx { x: 20.0, t_x: 30.0, t: 38.86 }, Rfx { x: 0.0, t_x: 0.0, t: 10.0 }] {
            let t = 39.0;
            let z = t / (alpha + c.t + t);
            let direct = (a + b + c.x - 1.0) / (a - 1.0)
                * (1.0 - (1.0 - z).powf(r + c.x) * hyp2f1(r + c.x, b + c.x, a + b + c.x - 1.0, z)?)
                * p_alive(&PAPER, &c);
            let got = expected_purchases(&PAPER, &c, t)?;
            assert!((got - direct).abs() < 1e-9 * direct.abs().max(1.0), "{c:?}: {got} vs {direct}");
        }
        Ok(())
    }

    #[test]
    fn rfx_from_days_follows_design() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let days: Vec<NaiveDate> =
            ["1997-01-01", "1997-01-18", "1997-01-18", "1997-08-02"].iter().filter_map(|s| d(s)).collect();
        let today = d("1997-09-30").unwrap_or_default();
        let rfx = Rfx::from_purchase_days(&days, today);
        assert_eq!(rfx, Some(Rfx { x: 2.0, t_x: 213.0, t: 272.0 }));
        assert_eq!(Rfx::from_purchase_days(&[], today), None);
    }
}
