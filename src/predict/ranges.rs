//! 80% ranges around the buy-till-you-die predictions ([`super::models`]) from the uncertainty
//! in the fitted parameters, and the risk that a customer does not buy again soon.
//!
//! The uncertainty is the Laplace approximation (Tierney & Kadane 1986, "Accurate
//! approximations for posterior moments and marginal densities", JASA 81(393)): around the
//! maximum the log-parameters are taken as normal, with the inverse of the Hessian of the
//! negative log-likelihood as covariance. A figure's range comes from drawing parameter sets
//! from that normal and computing the figure for each (Krinsky & Robb 1986, "On approximating
//! the statistical properties of elasticities", Review of Economics and Statistics 68(4)); the
//! draws are made once and reused for every customer. Log-parameters rather than the
//! parameters themselves because the likelihood is far closer to normal in them, and because
//! every draw is then positive.
//!
//! Only the purchase model's uncertainty is drawn: the Gamma-Gamma spend parameters stay at
//! their estimates, and a customer's own future (the Poisson and dropout randomness) is not a
//! parameter, so a range says how well the shop's history pins the expectation down, not how
//! much the customer will buy.

use std::f64::consts::TAU;

use serde::{Deserialize, Serialize};

use super::bgnbd::{BgNbdParams, Rfx};
use super::gamma_gamma::{GammaGammaParams, ValueEstimate};
use super::grouped::BgNbdRows;
use super::mbgnbd::MbgNbdParams;
use super::models::{Model, Params};
use super::pnbd::{self, ParetoNbdParams};
use super::{PredictError, Result};

/// Parameter sets drawn unless the caller asks for another number.
pub const DEFAULT_DRAWS: usize = 200;
/// The horizon kehu predicts purchases and churn over, in days.
pub const HORIZON_DAYS: f64 = 90.0;
/// The quantile at a range's lower end; the upper end is at 1 − this, so ranges hold 80%.
pub const LOW_QUANTILE: f64 = 0.1;
/// Φ⁻¹(0.9): an 80% normal interval is the mean ± this many standard deviations.
const Z_90: f64 = 1.281_551_565_544_600_5;
/// Every model here has four parameters.
const K: usize = 4;
/// A K × K matrix, row by row.
type Matrix = [[f64; K]; K];

/// A point estimate with the 80% range around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The maximum-likelihood parameters' own figure.
    pub estimate: f64,
    /// The lower end, the 10th percentile over the draws (or the estimate, if lower).
    pub low: f64,
    /// The upper end, the 90th percentile over the draws (or the estimate, if higher).
    pub high: f64,
}

impl Interval {
    /// Whether `v` lies in [low, high].
    pub fn contains(&self, v: f64) -> bool {
        self.low <= v && v <= self.high
    }
}

/// The Laplace approximation at a maximum: the log-parameters are normal around the estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertainty {
    /// The parameters the approximation is centred on.
    pub params: Params,
    /// Covariance of the log-parameters, in the model's order (r, α, a, b or r, α, s, β).
    pub covariance: Matrix,
    /// Lower Cholesky factor L of the Hessian (H = L Lᵀ), which draws are made with.
    factor: Matrix,
}

/// The names of a model's parameters in the order [`Uncertainty`] keeps them.
pub fn parameter_names(model: Model) -> [&'static str; K] {
    match model {
        Model::BgNbd | Model::MbgNbd => ["r", "α", "a", "b"],
        Model::ParetoNbd => ["r", "α", "s", "β"],
    }
}

/// The logarithms of the parameters, in the order of [`parameter_names`].
fn to_logs(p: &Params) -> [f64; K] {
    let v = match *p {
        Params::BgNbd(q) => [q.r, q.alpha, q.a, q.b],
        Params::MbgNbd(q) => [q.r, q.alpha, q.a, q.b],
        Params::ParetoNbd(q) => [q.r, q.alpha, q.s, q.beta],
    };
    v.map(f64::ln)
}

/// The parameters whose logarithms are `v`.
fn from_logs(model: Model, v: &[f64; K]) -> Params {
    let [r, alpha, c, d] = v.map(f64::exp);
    match model {
        Model::BgNbd => Params::BgNbd(BgNbdParams { r, alpha, a: c, b: d }),
        Model::MbgNbd => Params::MbgNbd(MbgNbdParams { r, alpha, a: c, b: d }),
        Model::ParetoNbd => Params::ParetoNbd(ParetoNbdParams { r, alpha, s: c, beta: d }),
    }
}

/// The Laplace approximation at `params`, which should be the maximum-likelihood estimate for
/// `customers` ([`super::FittedModel::params`] of an unpenalised fit); an error in words when
/// the likelihood there is flat in some direction or not at a maximum, which is when the data
/// do not pin the parameters down and no range would mean anything.
pub fn laplace(params: &Params, customers: &[Rfx]) -> Result<Uncertainty> {
    params.validate()?;
    if customers.is_empty() {
        return Err(PredictError::NoData("a range needs the customers the model was fitted to"));
    }
    for c in customers {
        c.validate()?;
    }
    let rows = BgNbdRows::new(customers);
    let model = params.model();
    let neg_ll = |v: &[f64; K]| -match from_logs(model, v) {
        Params::BgNbd(p) => rows.log_likelihood(&p),
        Params::MbgNbd(p) => rows.mbgnbd_log_likelihood(&p),
        Params::ParetoNbd(p) => rows.pnbd_log_likelihood(&p),
    };
    let (factor, covariance) = curvature(neg_ll, &to_logs(params), parameter_names(model))?;
    Ok(Uncertainty { params: *params, covariance, factor })
}

/// The Hessian of `f` at `at` by central differences, its Cholesky factor and its inverse; an
/// error when `f` is not finite nearby or the Hessian is not clearly positive definite.
fn curvature(f: impl Fn(&[f64; K]) -> f64, at: &[f64; K], names: [&str; K]) -> Result<(Matrix, Matrix)> {
    // A total log-likelihood sums every customer and is large beside its curvature along the
    // weakly pinned parameters, so rounding, not truncation, limits a second difference, and
    // the textbook ε^(1/4) step is too small: 1e-3
    // (a 0.1% change in the parameter) keeps truncation near 1e-6 relative and rounding far
    // below. Scaled to each log-parameter so that it stays relative for large ones.
    let steps = at.map(|v| 1e-3 * v.abs().max(1.0));
    let at_shift = |moves: &[(usize, f64)]| {
        let mut v = *at;
        for &(i, m) in moves {
            v[i] += m * steps[i];
        }
        f(&v)
    };
    let f0 = f(at);
    let mut h = [[0.0; K]; K];
    for i in 0..K {
        h[i][i] = (at_shift(&[(i, 1.0)]) - 2.0 * f0 + at_shift(&[(i, -1.0)])) / (steps[i] * steps[i]);
        for j in 0..i {
            let d = at_shift(&[(i, 1.0), (j, 1.0)])
                - at_shift(&[(i, 1.0), (j, -1.0)])
                - at_shift(&[(i, -1.0), (j, 1.0)])
                + at_shift(&[(i, -1.0), (j, -1.0)]);
            h[i][j] = d / (4.0 * steps[i] * steps[j]);
            h[j][i] = h[i][j];
        }
    }
    if !f0.is_finite() || h.iter().flatten().any(|v| !v.is_finite()) {
        return Err(PredictError::Degenerate(
            "the likelihood is not finite near the estimates, so their uncertainty cannot be measured".into(),
        ));
    }
    // A curvature within a thousand times the rounding noise of a second difference is no
    // curvature at all: a likelihood that ignores a parameter leaves only that noise behind.
    let noise = steps.map(|s| 1e3 * 4.0 * f64::EPSILON * (f0.abs() + 1.0) / (s * s));
    let factor = cholesky(&h, &noise).map_err(|i| {
        PredictError::Degenerate(format!(
            "the data do not pin down {}: the likelihood is flat or not at a maximum there \
             (its Hessian is not positive definite), so no range can be given",
            names[i]
        ))
    })?;
    let covariance = inverse_from_factor(&factor);
    if covariance.iter().flatten().any(|v| !v.is_finite()) {
        return Err(PredictError::Degenerate("the parameters' covariance overflows".into()));
    }
    Ok((factor, covariance))
}

/// The lower Cholesky factor of `h`, or the index at which a pivot falls to `floor` or below.
fn cholesky(h: &Matrix, floor: &[f64; K]) -> std::result::Result<Matrix, usize> {
    let mut l = [[0.0; K]; K];
    for j in 0..K {
        let pivot = h[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if pivot.is_nan() || pivot <= floor[j] {
            return Err(j);
        }
        l[j][j] = pivot.sqrt();
        for i in j + 1..K {
            l[i][j] = (h[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>()) / l[j][j];
        }
    }
    Ok(l)
}

/// H⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor L of H.
fn inverse_from_factor(l: &Matrix) -> Matrix {
    // Column c of L⁻¹ solves L y = e_c; then (H⁻¹)ᵢⱼ is the dot product of columns i and j.
    let columns: [[f64; K]; K] =
        std::array::from_fn(|c| solve_lower(l, &std::array::from_fn(|k| f64::from(k == c))));
    std::array::from_fn(|i| std::array::from_fn(|j| (0..K).map(|k| columns[i][k] * columns[j][k]).sum()))
}

/// y with L y = b, by forward substitution.
fn solve_lower(l: &Matrix, b: &[f64; K]) -> [f64; K] {
    let mut y = [0.0; K];
    for i in 0..K {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    y
}

/// y with Lᵀ y = b, by back substitution.
fn solve_upper_transposed(l: &Matrix, b: &[f64; K]) -> [f64; K] {
    let mut y = [0.0; K];
    for i in (0..K).rev() {
        y[i] = (b[i] - (i + 1..K).map(|k| l[k][i] * y[k]).sum::<f64>()) / l[i][i];
    }
    y
}

impl Uncertainty {
    /// The standard errors of the log-parameters (roughly the parameters' relative errors).
    pub fn standard_errors(&self) -> [f64; K] {
        std::array::from_fn(|i| self.covariance[i][i].sqrt())
    }

    /// Each parameter's 80% interval, straight from the normal on its logarithm.
    pub fn parameter_intervals(&self) -> [Interval; K] {
        let (logs, se) = (to_logs(&self.params), self.standard_errors());
        std::array::from_fn(|i| Interval {
            estimate: logs[i].exp(),
            low: (logs[i] - Z_90 * se[i]).exp(),
            high: (logs[i] + Z_90 * se[i]).exp(),
        })
    }

    /// `n` parameter sets drawn from the approximation; the same `seed` gives the same sets.
    pub fn draws(&self, n: usize, seed: u64) -> Result<Draws> {
        if n == 0 {
            return Err(PredictError::InvalidInput("zero draws".into()));
        }
        let (model, centre) = (self.params.model(), to_logs(&self.params));
        let mut rng = SplitMix64::new(seed);
        let mut sets = Vec::with_capacity(n);
        for _ in 0..n {
            let z: [f64; K] = std::array::from_fn(|_| rng.normal());
            // y = L⁻ᵀ z has covariance L⁻ᵀ L⁻¹ = H⁻¹.
            let y = solve_upper_transposed(&self.factor, &z);
            let p = from_logs(model, &std::array::from_fn(|i| centre[i] + y[i]));
            // A parameter so loosely pinned down that a draw overflows gives no usable range.
            p.validate().map_err(|_| {
                PredictError::Degenerate(format!(
                    "a draw of the parameters overflows ({p:?}): they are too uncertain"
                ))
            })?;
            sets.push(p);
        }
        Ok(Draws { point: self.params, sets })
    }
}

/// Parameter sets drawn by [`Uncertainty::draws`], kept to give every customer a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    /// The maximum-likelihood parameters, which give the point estimates.
    pub point: Params,
    /// The drawn parameter sets.
    pub sets: Vec<Params>,
}

impl Draws {
    /// The 80% range of any figure of the parameters, around the point's own figure.
    pub fn interval(&self, figure: impl Fn(&Params) -> Result<f64>) -> Result<Interval> {
        let estimate = figure(&self.point)?;
        let mut values = self.sets.iter().map(&figure).collect::<Result<Vec<f64>>>()?;
        if !estimate.is_finite() || values.iter().any(|v| !v.is_finite()) {
            return Err(PredictError::Degenerate("a drawn figure is not finite".into()));
        }
        values.sort_by(f64::total_cmp);
        // The figures are nonlinear in the parameters, so their draws can be skewed enough
        // (P(alive) pressed against 1, say) that p10–p90 misses the estimate; a range that
        // leaves out the figure shown beside it would read as a contradiction, so it is widened.
        Ok(Interval {
            estimate,
            low: quantile(&values, LOW_QUANTILE).min(estimate),
            high: quantile(&values, 1.0 - LOW_QUANTILE).max(estimate),
        })
    }

    /// The range of P(alive | x, t_x, T).
    pub fn p_alive(&self, c: &Rfx) -> Result<Interval> {
        self.interval(|p| p.p_alive(c))
    }

    /// The range of the expected purchases in the next `horizon` periods.
    pub fn expected_purchases(&self, c: &Rfx, horizon: f64) -> Result<Interval> {
        self.interval(|p| p.expected_purchases(c, horizon))
    }

    /// The range of [`clv_12m_with`]. The Gamma-Gamma parameters stay at their estimates, so
    /// the spend model's uncertainty is left out and the range is narrower than the whole of
    /// it; whether the order value is the population's is the point's flag.
    pub fn clv_12m(
        &self,
        gg: &GammaGammaParams,
        c: &Rfx,
        mean_value: f64,
        discount_rate_per_year: f64,
        periods_per_month: f64,
    ) -> Result<Interval> {
        self.interval(|p| {
            Ok(clv_12m_with(p, gg, c, mean_value, discount_rate_per_year, periods_per_month)?.value)
        })
    }
}

/// The `q` quantile of sorted values, interpolating between neighbours (Hyndman & Fan's type 7,
/// numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (i, frac) = (at.floor() as usize, at.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

/// [`super::gamma_gamma::clv_12m`] for any of the three models: the same discounted monthly
/// sum, with E[Y(t)] from [`Params::expected_purchases`].
pub fn clv_12m_with(
    params: &Params,
    gg: &GammaGammaParams,
    customer: &Rfx,
    mean_value: f64,
    discount_rate_per_year: f64,
    periods_per_month: f64,
) -> Result<ValueEstimate> {
    let expected = |t: f64| params.expected_purchases(customer, t);
    super::gamma_gamma::clv_12m_by(
        expected,
        gg,
        customer.x,
        mean_value,
        discount_rate_per_year,
        periods_per_month,
    )
}

/// P(no purchase in the next `horizon` periods | x, t_x, T): the customer has dropped out,
/// or is alive and does not buy, (1 − P(alive)) + P(alive) · P(no purchase | alive).
pub fn churn_probability(params: &Params, c: &Rfx, horizon: f64) -> Result<f64> {
    let alive = params.p_alive(c)?;
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(PredictError::InvalidInput(format!("horizon {horizon}")));
    }
    let quiet = quiet_if_alive(params, c, horizon)?;
    Ok(((1.0 - alive) + alive * quiet).clamp(0.0, 1.0))
}

/// P(no purchase in the next `horizon` periods | alive now, x, T), exactly, for each model.
///
/// In all three the history of a customer alive at T weighs λ by λ^x e^(−λT), so λ given alive
/// is Gamma(r+x, α+T). Under (M)BG/NBD dropout happens only at a purchase, so an alive customer
/// buys nothing in t with chance E[e^(−λt)] = ((α+T)/(α+T+t))^(r+x). Under Pareto/NBD they may
/// also die during the window, which only makes no purchase likelier: with μ given alive
/// Gamma(s, β+T) and lifetimes memoryless, the future is a fresh Pareto/NBD process with
/// (r+x, α+T, s, β+T), and P(no purchase in t) is its likelihood of a customer seen for t
/// without repeat purchase (x = t_x = 0, T = t), which [`pnbd::ln_likelihood`] computes.
fn quiet_if_alive(params: &Params, c: &Rfx, horizon: f64) -> Result<f64> {
    let gamma_quiet = |r: f64, alpha: f64| (-(r + c.x) * (horizon / (alpha + c.t)).ln_1p()).exp();
    match *params {
        Params::BgNbd(p) => Ok(gamma_quiet(p.r, p.alpha)),
        Params::MbgNbd(p) => Ok(gamma_quiet(p.r, p.alpha)),
        Params::ParetoNbd(p) => {
            let later = ParetoNbdParams { r: p.r + c.x, alpha: p.alpha + c.t, s: p.s, beta: p.beta + c.t };
            Ok(pnbd::ln_likelihood(&later, &Rfx { x: 0.0, t_x: 0.0, t: horizon })?.exp())
        }
    }
}

/// How likely a customer is not to buy in the coming horizon, in three bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ChurnRisk {
    /// Churn probability under 1/3.
    Low,
    /// Churn probability from 1/3 up to 2/3.
    Medium,
    /// Churn probability 2/3 or more.
    High,
}

impl ChurnRisk {
    /// The band of a churn probability; an error for one outside [0, 1] or NaN.
    pub fn from_probability(p: f64) -> Result<ChurnRisk> {
        if !(0.0..=1.0).contains(&p) {
            return Err(PredictError::InvalidInput(format!("churn probability {p}")));
        }
        Ok(if p < 1.0 / 3.0 {
            ChurnRisk::Low
        } else if p < 2.0 / 3.0 {
            ChurnRisk::Medium
        } else {
            ChurnRisk::High
        })
    }

    /// The short name used in files and on screen: "low", "medium" or "high".
    pub fn key(self) -> &'static str {
        match self {
            ChurnRisk::Low => "low",
            ChurnRisk::Medium => "medium",
            ChurnRisk::High => "high",
        }
    }
}

/// The value a follow-up might save: churn probability × the 12-month CLV point estimate.
pub fn value_at_risk(churn_probability: f64, clv_12m: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&churn_probability) {
        return Err(PredictError::InvalidInput(format!("churn probability {churn_probability}")));
    }
    if !clv_12m.is_finite() {
        return Err(PredictError::InvalidInput(format!("12-month CLV {clv_12m}")));
    }
    Ok(churn_probability * clv_12m)
}

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"):
/// seeded and reproducible, which is all the draws need; the crate has no `rand`.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1]: never 0, so that its logarithm is finite.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller; the pair's second value is dropped for simplicity.
    pub(crate) fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; K] = ["w", "x", "y", "z"];

    #[test]
    fn a_quadratic_bowl_gives_back_its_covariance() -> Result<()> {
        // f = ½ vᵀ H v with a known H: the numerical Hessian and its inverse must match.
        let h = [[4.0, 1.0, 0.0, 0.5], [1.0, 3.0, 0.2, 0.0], [0.0, 0.2, 2.0, 0.3], [0.5, 0.0, 0.3, 1.0]];
        let f = |v: &[f64; K]| {
            0.5 * (0..K).map(|i| (0..K).map(|j| v[i] * h[i][j] * v[j]).sum::<f64>()).sum::<f64>()
        };
        let (_, cov) = curvature(f, &[0.3, -0.2, 1.5, 0.0], NAMES)?;
        for (i, cov_row) in cov.iter().enumerate() {
            let row: Vec<f64> = (0..K).map(|j| (0..K).map(|k| cov_row[k] * h[k][j]).sum()).collect();
            for (j, v) in row.iter().enumerate() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-5, "H⁻¹H row {i}: {row:?}");
            }
        }
        Ok(())
    }

    #[test]
    fn flat_saddle_and_non_finite_likelihoods_are_refused_in_words() {
        let at = [0.0; K];
        // z is ignored entirely: flat along it.
        let flat = |v: &[f64; K]| v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        // A saddle: a minimum in w, x, y but a maximum in z.
        let saddle = |v: &[f64; K]| v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - v[3] * v[3];
        // Nearly flat: the rounding noise of 1e4 is larger than the curvature in z.
        let noisy = |v: &[f64; K]| 1e4 + v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + 1e-12 * v[3] * v[3];
        let nan = |v: &[f64; K]| if v[1] > 0.0 { f64::NAN } else { v.iter().map(|x| x * x).sum() };
        for (what, got) in [
            ("flat", curvature(flat, &at, NAMES)),
            ("saddle", curvature(saddle, &at, NAMES)),
            ("noisy", curvature(noisy, &at, NAMES)),
        ] {
            match got {
                Err(PredictError::Degenerate(m)) => {
                    assert!(
                        m.contains("do not pin down z") && m.contains("not positive definite"),
                        "{what}: {m}"
                    )
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        assert!(
            matches!(curvature(nan, &at, NAMES), Err(PredictError::Degenerate(m)) if m.contains("not finite"))
        );
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0];
        assert_eq!(quantile(&v, 0.1), 2.0);
        assert!((quantile(&v[..10], 0.1) - 1.9).abs() < 1e-12);
        assert!((quantile(&v[..10], 0.9) - 9.1).abs() < 1e-12);
        assert_eq!(quantile(&[3.0], 0.9), 3.0);
    }

    #[test]
    fn the_generator_is_splitmix64_and_its_normals_are_standard() {
        // SplitMix64 seeded with 0, as in the reference C implementation (and demo::rng).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut rng = SplitMix64::new(7);
        let z: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / z.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.04, "{mean} {var}");
    }
}
