//! Comparing two groups' means: Welch's t interval for the difference (unequal variances,
//! Welch–Satterthwaite degrees of freedom), as a campaign report compares the contacted with
//! the control group per customer.
//!
//! Why Welch: per-customer revenue is skewed and the groups differ in size (nine to one), and
//! Welch's interval does not assume equal variances; with the group sizes a campaign has (tens
//! and more) the means are near normal, which is all it needs. It is exact arithmetic, with no
//! random draws to seed, so a report gives the same figures every time.

use crate::predict::special::ln_beta;

/// Mean, sample variance and size of a group.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// How many values.
    pub n: usize,
    /// Their mean (0 when none).
    pub mean: f64,
    /// Their sample variance, divisor n − 1 (0 when fewer than two).
    pub variance: f64,
}

impl Summary {
    /// The summary of `values`.
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len();
        if n == 0 {
            return Summary::default();
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let variance =
            if n < 2 { 0.0 } else { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64 };
        Summary { n, mean, variance }
    }
}

/// A difference of means with its two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Mean of the first group minus mean of the second.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
}

/// The difference `a.mean − b.mean` with Welch's interval at `level` (e.g. 0.95); None when
/// either group has fewer than two values. Two groups without any spread give a zero-width
/// interval.
pub fn welch(a: Summary, b: Summary, level: f64) -> Option<Difference> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (va, vb) = (a.variance / a.n as f64, b.variance / b.n as f64);
    let se = (va + vb).sqrt();
    let estimate = a.mean - b.mean;
    if se == 0.0 {
        return Some(Difference { estimate, low: estimate, high: estimate, df: (a.n + b.n - 2) as f64 });
    }
    let df = (va + vb).powi(2) / (va.powi(2) / (a.n - 1) as f64 + vb.powi(2) / (b.n - 1) as f64);
    let t = t_quantile(0.5 + level / 2.0, df);
    Some(Difference { estimate, low: estimate - t * se, high: estimate + t * se, df })
}

/// The `p` quantile (p > 0.5) of Student's t with `df` degrees of freedom, by bisection on its
/// distribution function.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while t_cdf(hi, df) < p && hi < 1e6 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom (t ≥ 0).
fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    1.0 - 0.5 * incomplete_beta(df / 2.0, 0.5, x)
}

/// The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    // The fraction converges fast for x < (a+1)/(a+b+2); otherwise use the symmetry.
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = if d.abs() < TINY { TINY } else { d };
    d = 1.0 / d;
    let mut f = d;
    for m in 1..500 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = if d.abs() < TINY { TINY } else { d };
            c = 1.0 + numerator / c;
            c = if c.abs() < TINY { TINY } else { c };
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f / a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        for (df, want) in
            [(1.0, 12.706), (2.0, 4.303), (5.0, 2.571), (10.0, 2.228), (30.0, 2.042), (1000.0, 1.962)]
        {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() < 1e-3, "df {df}: {got} vs {want}");
        }
    }

    #[test]
    fn welch_matches_a_worked_example() {
        // Worked by hand: means 21.571 and 16.857, standard error 2.1413, df 11.962, t(0.975)
        // 2.1797 (between the tables' 2.2010 at 11 and 2.1788 at 12): 4.714 ± 4.667.
        let a = [19.0, 22.0, 16.0, 29.0, 24.0, 21.0, 20.0];
        let b = [20.0, 11.0, 17.0, 12.0, 18.0, 21.0, 19.0];
        let d = welch(Summary::of(&a), Summary::of(&b), 0.95).unwrap();
        assert!((d.estimate - 4.714_285).abs() < 1e-5, "{d:?}");
        assert!((d.df - 11.962).abs() < 0.001, "{d:?}");
        assert!((d.low - 0.0471).abs() < 0.003 && (d.high - 9.3815).abs() < 0.003, "{d:?}");
        assert!(welch(Summary::of(&a), Summary::of(&[1.0]), 0.95).is_none());
        let flat = welch(Summary::of(&[2.0, 2.0]), Summary::of(&[1.0, 1.0]), 0.95).unwrap();
        assert_eq!((flat.low, flat.high), (1.0, 1.0));
    }
}
