//! Special functions for the models: ln Γ, ln B, log-sum-exp and its difference, the logistic
//! function and the Gauss hypergeometric 2F1 (in general, and with a = 1 for the Pareto/NBD).
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

/// ln Γ(x + d) − ln Γ(x) for x > 0, d ≥ 0, without subtracting two huge ln Γ values: a fit
/// walking to a boundary (b = 10¹⁸, say) would otherwise read the rounding of ln Γ ≈ 4·10¹⁹,
/// thousands wide, as likelihood. From x = 100 on it is Stirling's series differenced,
/// (x−½)·ln(1 + d/x) + d·ln(x+d) − d + [1/(12y) − 1/(360y³)] from y = x to x+d, whose next
/// term is below 10⁻¹³ of the result; below 100 the plain difference loses less than that.
pub fn ln_gamma_ratio(x: f64, d: f64) -> f64 {
    if x < 100.0 {
        return ln_gamma(x + d) - ln_gamma(x);
    }
    let y = x + d;
    let corrections = (1.0 / y - 1.0 / x) / 12.0 - (1.0 / (y * y * y) - 1.0 / (x * x * x)) / 360.0;
    (x - 0.5) * (d / x).ln_1p() + d * y.ln() - d + corrections
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

/// ln(e^x − e^y) for x ≥ y, −∞ when y ≥ x (a difference that rounding made non-positive).
pub fn log_diff_exp(x: f64, y: f64) -> f64 {
    if y >= x {
        return f64::NEG_INFINITY;
    }
    x + (-(y - x).exp()).ln_1p()
}

/// 1/(1 + e^(−x)), arranged so that the exponential is never of a large positive number.
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// 2F1(1, b; c; z) for 0 ≤ z < 1 and c ≥ b > 0, the form the Pareto/NBD integrals take after
/// Euler's transformation.
///
/// With a = 1 the term ratio (b+n)/(c+n) · z never exceeds z, so the terms fall from the first
/// and the tail after a term is at most term · z/(1−z): the sum stops as soon as that bound is
/// negligible, however large b is, where [`hyp2f1`] must wait until n > b. The cost grows like
/// 1/(1−z), hence the same term cap.
pub fn hyp2f1_a1(b: f64, c: f64, z: f64) -> Result<f64> {
    // Written so that NaN fails the test too.
    if !(b > 0.0 && c >= b && c.is_finite() && (0.0..1.0).contains(&z)) {
        return Err(PredictError::InvalidInput(format!("2F1(1, {b}; {c}; {z})")));
    }
    let tail = z / (1.0 - z);
    let (mut sum, mut term) = (1.0_f64, 1.0_f64);
    for n in 0..MAX_TERMS {
        let k = n as f64;
        term *= (b + k) / (c + k) * z;
        sum += term;
        if term * tail <= 1e-16 * sum {
            return Ok(sum);
        }
    }
    Err(PredictError::Series(format!("2F1(1, {b}; {c}; {z}) after {MAX_TERMS} terms")))
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
    fn hyp2f1_a1_matches_the_general_series() -> Result<()> {
        for (b, c, z) in
            [(0.6, 1.6, 0.0), (2.5, 4.1, 0.3), (1.3, 1.3, 0.9), (400.5, 401.7, 0.97), (0.2, 3.0, 0.999)]
        {
            assert!(close(hyp2f1_a1(b, c, z)?, hyp2f1(1.0, b, c, z)?, 1e-13), "({b}, {c}, {z})");
        }
        assert!(hyp2f1_a1(1.0, 2.0, 1.0).is_err() && hyp2f1_a1(2.0, 1.0, 0.5).is_err());
        assert!(hyp2f1_a1(f64::NAN, 2.0, 0.5).is_err() && hyp2f1_a1(1.0, 2.0, f64::NAN).is_err());
        Ok(())
    }

    #[test]
    fn ln_gamma_ratio_is_continuous_and_exact_for_integers() {
        // Γ(x+3)/Γ(x) = x(x+1)(x+2) on both sides of the switch to Stirling's series.
        for x in [0.5_f64, 7.0, 99.0, 100.0, 9_999.0, 1e6, 1e15] {
            let want = x.ln() + (x + 1.0).ln() + (x + 2.0).ln();
            let got = ln_gamma_ratio(x, 3.0);
            assert!((got / want - 1.0).abs() < 1e-13, "x = {x}: {got} vs {want}");
        }
        // A fractional d just past the switch, against ln Γ directly (still exact enough there).
        assert!(close(ln_gamma_ratio(100.0, 0.5), ln_gamma(100.5) - ln_gamma(100.0), 1e-13));
        let tiny = ln_gamma_ratio(1e18, 1e-15);
        assert!((tiny / (1e-15 * 1e18_f64.ln()) - 1.0).abs() < 1e-12, "{tiny}");
    }

    #[test]
    fn log_diff_exp_and_logistic_stay_finite() {
        assert!(close(log_diff_exp(1000.0, 999.0), 1000.0 + (1.0 - (-1.0_f64).exp()).ln(), 1e-15));
        assert_eq!(log_diff_exp(3.0, 3.0), f64::NEG_INFINITY);
        assert_eq!(log_diff_exp(2.0, f64::NEG_INFINITY), 2.0);
        assert!(close(logistic(0.0), 0.5, 1e-16) && logistic(-1e4) == 0.0 && logistic(1e4) == 1.0);
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
