//! The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma
//! model of monetary value"; Fader, Hardie & Lee 2005, "RFM and CLV", §4), and a 12-month
//! customer lifetime value combining it with BG/NBD.
//!
//! A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers (γ is
//! `v` here). Only repeat transactions are used, as in the papers: the first one is often
//! different (a sign-up basket).

use serde::{Deserialize, Serialize};

use super::bgnbd::{BgNbdParams, Rfx, expected_purchases};
use super::grouped::SpendRows;
use super::optim::minimise;
use super::special::ln_gamma;
use super::{PredictError, Result};

/// The three Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaParams {
    /// Shape of each transaction value's Gamma distribution.
    pub p: f64,
    /// Shape of the Gamma heterogeneity in the per-customer scale.
    pub q: f64,
    /// Scale (γ in the papers) of that heterogeneity, in money.
    pub v: f64,
}

/// One customer's repeat spend: x repeat transactions with mean value `mean_value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatSpend {
    /// Repeat transactions (the BG/NBD x).
    pub x: f64,
    /// Mean value of those repeat transactions.
    pub mean_value: f64,
}

/// A maximum-likelihood Gamma-Gamma fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaFit {
    /// The fitted parameters.
    pub params: GammaGammaParams,
    /// The log-likelihood at `params`.
    pub log_likelihood: f64,
    /// Number of customers with repeat purchases that the fit used.
    pub customers: usize,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: usize,
}

/// A money figure and whether it is the population's rather than the customer's own.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ValueEstimate {
    /// The figure, in the currency of the input.
    pub value: f64,
    /// True when the customer had no repeat purchase and got the population mean order value.
    pub from_population: bool,
}

/// ln f(m̄ | p, q, γ, x), the density of a mean of x Gamma(p, ν) values with ν integrated out:
/// Γ(px+q)/(Γ(px)Γ(q)) · γ^q · m̄^(px−1) · x^(px) / (γ + m̄x)^(px+q).
pub fn ln_likelihood(g: &GammaGammaParams, s: &RepeatSpend) -> f64 {
    let GammaGammaParams { p, q, v } = *g;
    let (x, m) = (s.x, s.mean_value);
    let px = p * x;
    ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + (px - 1.0) * m.ln() + px * x.ln()
        - (px + q) * (x * m + v).ln()
}

/// Fits (p, q, v) by maximum likelihood over customers with x ≥ 1 and a positive mean value
/// (others carry no spend information and are skipped), optimising the logarithms.
pub fn fit(customers: &[RepeatSpend]) -> Result<GammaGammaFit> {
    let used: Vec<RepeatSpend> = customers
        .iter()
        .copied()
        .filter(|s| s.x.is_finite() && s.mean_value.is_finite() && s.x >= 1.0 && s.mean_value > 0.0)
        .collect();
    if used.len() < 2 {
        return Err(PredictError::NoData("Gamma-Gamma needs at least two customers with repeat purchases"));
    }
    let mean = used.iter().map(|s| s.mean_value).sum::<f64>() / used.len() as f64;
    let from_logs = |w: &[f64]| GammaGammaParams { p: w[0].exp(), q: w[1].exp(), v: w[2].exp() };
    let rows = SpendRows::new(&used);
    let neg_ll = |w: &[f64]| -> f64 { -rows.log_likelihood(&from_logs(w)) };
    // Start at p = 1, q = 2 and v such that the population mean p·v/(q−1) is the sample mean.
    let m = minimise(neg_ll, &[0.0, 2.0_f64.ln(), mean.ln()], 1.0);
    if !m.converged || !m.f.is_finite() {
        return Err(PredictError::NotConverged(m.evaluations));
    }
    let params = from_logs(&m.x);
    Ok(GammaGammaFit { params, log_likelihood: -m.f, customers: used.len(), iterations: m.iterations })
}

/// The population mean order value E[Z] = p·v/(q−1), finite only for q > 1.
pub fn population_order_value(g: &GammaGammaParams) -> Result<f64> {
    if g.q <= 1.0 {
        return Err(PredictError::Degenerate(format!("q = {} ≤ 1: the mean spend is infinite", g.q)));
    }
    Ok(g.p * g.v / (g.q - 1.0))
}

/// E[Z | x, m̄], the expected order value of one customer: p(γ + x m̄)/(px + q − 1), a weighted
/// mean of the population mean and the customer's own (Fader & Hardie 2013, eq. 5). Customers
/// without repeat purchases get the population mean, flagged.
pub fn expected_order_value(g: &GammaGammaParams, s: &RepeatSpend) -> Result<ValueEstimate> {
    if s.x < 1.0 || s.mean_value.is_nan() || s.mean_value <= 0.0 {
        return Ok(ValueEstimate { value: population_order_value(g)?, from_population: true });
    }
    let den = g.p * s.x + g.q - 1.0;
    if den <= 0.0 {
        return Err(PredictError::Degenerate(format!("px + q − 1 = {den} ≤ 0")));
    }
    Ok(ValueEstimate { value: g.p * (g.v + s.x * s.mean_value) / den, from_population: false })
}

/// 12-month customer lifetime value, discounted monthly:
///
/// CLV = Σ_{k=1..12} E[Z | x, m̄] · (E[Y(k·P)] − E[Y((k−1)·P)]) / (1 + δ)^k
///
/// where E[Y(t)] is the BG/NBD conditional expectation (eq. 10), P = `periods_per_month`
/// (e.g. [`super::DAYS_PER_MONTH`] for daily data) and δ = (1 + annual rate)^(1/12) − 1 the
/// monthly rate equivalent to `discount_rate_per_year`. The spend model assumes order values
/// independent of the purchase process, so the two expectations multiply.
pub fn clv_12m(
    bgnbd: &BgNbdParams,
    gg: &GammaGammaParams,
    customer: &Rfx,
    mean_value: f64,
    discount_rate_per_year: f64,
    periods_per_month: f64,
) -> Result<ValueEstimate> {
    let expected = |t: f64| expected_purchases(bgnbd, customer, t);
    clv_12m_by(expected, gg, customer.x, mean_value, discount_rate_per_year, periods_per_month)
}

/// [`clv_12m`] with any purchase model: `expected(t)` is the customer's expected purchases in
/// the next `t` periods (E[Y(t)] of whichever model is in force), `x` their repeat purchases.
pub fn clv_12m_by(
    expected: impl Fn(f64) -> Result<f64>,
    gg: &GammaGammaParams,
    x: f64,
    mean_value: f64,
    discount_rate_per_year: f64,
    periods_per_month: f64,
) -> Result<ValueEstimate> {
    if !(discount_rate_per_year > -1.0 && discount_rate_per_year.is_finite()) {
        return Err(PredictError::InvalidInput(format!("discount rate {discount_rate_per_year}")));
    }
    if !(periods_per_month > 0.0 && periods_per_month.is_finite()) {
        return Err(PredictError::InvalidInput(format!("periods per month {periods_per_month}")));
    }
    let aov = expected_order_value(gg, &RepeatSpend { x, mean_value })?;
    let monthly = (1.0 + discount_rate_per_year).powf(1.0 / 12.0);
    let (mut total, mut previous) = (0.0, 0.0);
    for k in 1..=12 {
        let cumulative = expected(k as f64 * periods_per_month)?;
        total += (cumulative - previous) / monthly.powi(k);
        previous = cumulative;
    }
    Ok(ValueEstimate { value: aov.value * total, from_population: aov.from_population })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GG: GammaGammaParams = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
    const BG: BgNbdParams = BgNbdParams { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

    #[test]
    fn order_value_shrinks_toward_the_population() -> Result<()> {
        let pop = population_order_value(&GG)?;
        let one = expected_order_value(&GG, &RepeatSpend { x: 1.0, mean_value: 100.0 })?;
        let many = expected_order_value(&GG, &RepeatSpend { x: 20.0, mean_value: 100.0 })?;
        assert!(!one.from_population && pop < one.value && one.value < many.value && many.value < 100.0);
        let none = expected_order_value(&GG, &RepeatSpend { x: 0.0, mean_value: 0.0 })?;
        assert_eq!(none, ValueEstimate { value: pop, from_population: true });
        assert!(population_order_value(&GammaGammaParams { q: 0.9, ..GG }).is_err());
        Ok(())
    }

    #[test]
    fn clv_discounting_lowers_value_and_flags_population() -> Result<()> {
        let c = Rfx { x: 2.0, t_x: 30.43, t: 38.86 };
        let weeks = 52.0 / 12.0;
        let undiscounted = clv_12m(&BG, &GG, &c, 22.35, 0.0, weeks)?;
        let discounted = clv_12m(&BG, &GG, &c, 22.35, 0.10, weeks)?;
        let aov = expected_order_value(&GG, &RepeatSpend { x: 2.0, mean_value: 22.35 })?.value;
        let e12 = expected_purchases(&BG, &c, 12.0 * weeks)?;
        assert!((undiscounted.value - aov * e12).abs() < 1e-9, "{undiscounted:?}");
        assert!(discounted.value < undiscounted.value && discounted.value > 0.9 * undiscounted.value);
        let new = clv_12m(&BG, &GG, &Rfx { x: 0.0, t_x: 0.0, t: 38.86 }, 0.0, 0.1, weeks)?;
        assert!(new.from_population && new.value > 0.0);
        Ok(())
    }
}
