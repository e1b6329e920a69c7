//! Special functions for the models: ln Γ, ln B, log-sum-exp and the Gauss hypergeometric 2F1.
//!
//! `ln_gamma` is `libm::lgamma` (rust-lang's pure-Rust port of the musl/FreeBSD libm: no
//! dependencies, accurate to a few ulp), chosen over `statrs`, which would pull in `nalgebra`.

use super::{PredictError, Result};

/// Largest number of series terms tried before 2F1 gives up (z within ~1e-5 of 1).
const MAX_TERMS: usize = 2_000_000;

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(e^x + e^y) without overflow: the larger term is factored out.
pub fn log_sum_exp(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x >= y { (x, y) } else { (y, x) };
    if hi == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1.
///
/// The power series Σ (a)ₙ(b)ₙ/(c)ₙ zⁿ/n! converges only for |z| < 1, so it is summed directly
/// for −½ ≤ z < 1; for z < −½ Pfaff's transformation
/// 2F1(a, b; c; z) = (1 − z)^(−a) · 2F1(a, c − b; c; z/(z − 1)) maps z into [⅓, 1) where the
/// series converges geometrically. z ≥ 1 (the branch cut) and c a non-positive integer are
/// rejected. Convergence slows as z → 1 (the term ratio tends to z), hence the term cap.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    if !(a.is_finite() && b.is_finite() && c.is_finite() && z.is_finite()) {
        return Err(PredictError::InvalidInput(format!("2F1({a}, {b}; {c}; {z})")));
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(PredictError::InvalidInput(format!("2F1 with c = {c}, a non-positive integer")));
    }
    if z >= 1.0 {
        return Err(PredictError::InvalidInput(format!("2F1 at z = {z} ≥ 1 (outside the real domain)")));
    }
    if z < -0.5 {
        let w = z / (z - 1.0);
        return Ok((1.0 - z).powf(-a) * hyp2f1_series(a, c - b, c, w)?);
    }
    hyp2f1_series(a, b, c, z)
}

/// The plain Gauss series; the caller guarantees |z| < 1.
fn hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let mut sum = 1.0_f64;
    let mut term = 1.0_f64;
    for n in 0..MAX_TERMS {
        let k = n as f64;
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        term *= ratio;
        sum += term;
        if term == 0.0 {
            // a or b a non-positive integer: the series is a polynomial and has ended.
            return Ok(sum);
        }
        // Past the largest term the ratio stays below 1 and the tail is bounded by a geometric
        // series, so stop once that bound is negligible.
        let r = ratio.abs();
        if r < 1.0 && term.abs() / (1.0 - r) <= 1e-16 * sum.abs() && k > a.abs().max(b.abs()) {
            return Ok(sum);
        }
        if !sum.is_finite() {
            return Err(PredictError::Series(format!("2F1({a}, {b}; {c}; {z}) overflowed")));
        }
    }
    Err(PredictError::Series(format!("2F1({a}, {b}; {c}; {z}) after {MAX_TERMS} terms")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol * (1.0 + y.abs())
    }

    #[test]
    fn hyp2f1_matches_closed_forms() -> Result<()> {
        // 2F1(1, 1; 2; z) = −ln(1 − z)/z, on both sides of the Pfaff switch and near 1.
        for z in [-5.0, -1.0, -0.6, -0.3, 0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0_f64 - z).ln() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z)?, want, 1e-13), "z = {z}");
        }
        // 2F1(a, b; b; z) = (1 − z)^(−a).
        for z in [-3.0, -0.2, 0.7] {
            assert!(close(hyp2f1(2.5, 1.3, 1.3, z)?, (1.0 - z).powf(-2.5), 1e-13), "z = {z}");
        }
        // 2F1(½, ½; 3/2; x²) = arcsin(x)/x.
        for x in [0.3_f64, 0.8, 0.95] {
            assert!(close(hyp2f1(0.5, 0.5, 1.5, x * x)?, x.asin() / x, 1e-13), "x = {x}");
        }
        // A polynomial: 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (3.0, 4.0, 0.5);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(close(hyp2f1(-2.0, b, c, z)?, want, 1e-15));
        Ok(())
    }

    #[test]
    fn hyp2f1_rejects_outside_domain() {
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(1.0, f64::NAN, 2.0, 0.5).is_err());
    }

    #[test]
    fn log_sum_exp_does_not_overflow() {
        assert!(close(log_sum_exp(1000.0, 1000.0), 1000.0 + 2.0_f64.ln(), 1e-15));
        assert_eq!(log_sum_exp(-1e4, f64::NEG_INFINITY), -1e4);
        assert!(close(ln_beta(2.0, 3.0), (1.0_f64 / 12.0).ln(), 1e-14));
    }
}
