//! Nelder–Mead simplex minimisation with restarts, written here rather than taken from a crate.
//!
//! Why by hand: the likelihoods here have 3–4 parameters, are smooth, cheap, and have no
//! gradient we want to maintain, which is Nelder–Mead's home ground. The well-kept crate,
//! `argmin` (0.11), needs `argmin-math` plus `rand`, `num-traits`, `paste` and a backend
//! feature choice for a few dozen lines of algorithm; this file is that algorithm, with the
//! standard coefficients (Nelder & Mead 1965; Lagarias et al. 1998) and restarts from the best
//! point, which guard against the simplex collapsing early on a curved valley (the BG/NBD
//! likelihood is ill-conditioned in (a, b)).

use super::{PredictError, Result};

/// Where the minimiser stopped.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The best point found.
    pub x: Vec<f64>,
    /// The objective at `x`.
    pub f: f64,
    /// Simplex iterations over all restarts.
    pub iterations: usize,
    /// Objective evaluations over all restarts.
    pub evaluations: usize,
    /// Whether the last restart met the tolerances (rather than the evaluation cap).
    pub converged: bool,
}

/// Stop when the simplex's objective spread and size fall under these.
const F_TOL: f64 = 1e-11;
const X_TOL: f64 = 1e-9;
const MAX_EVALS: usize = 40_000;
const MAX_RESTARTS: usize = 6;

/// Minimises `f` from `x0`; a non-finite objective counts as +∞ so the simplex backs away.
pub(crate) fn minimise(f: impl Fn(&[f64]) -> f64, x0: &[f64], step: f64) -> Minimum {
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut best = Minimum { x: x0.to_vec(), f: eval(x0), iterations: 0, evaluations: 1, converged: false };
    for _ in 0..MAX_RESTARTS {
        let before = best.f;
        let run = simplex(&eval, &best.x, step, MAX_EVALS.saturating_sub(best.evaluations));
        best.iterations += run.iterations;
        best.evaluations += run.evaluations;
        best.converged = run.converged;
        if run.f <= best.f {
            best.x = run.x;
            best.f = run.f;
        }
        // A restart that gains nothing means the minimum is a real one, not a collapsed simplex.
        if !best.converged || (before - best.f).abs() <= F_TOL * (1.0 + best.f.abs()) {
            break;
        }
    }
    best
}

/// A maximum-likelihood fit over the logarithms of a model's parameters.
#[derive(Debug, Clone)]
pub(crate) struct LogFit {
    /// The parameters, exponentiated: all finite and positive.
    pub params: Vec<f64>,
    /// The log-likelihood at `params`, without the penalty.
    pub log_likelihood: f64,
    /// Simplex iterations over all restarts.
    pub iterations: usize,
}

/// Maximises `ln_l` (a function of log-parameters) from `start`, less the ridge
/// `penalty` × `n` × Σ (v − start)², as `bgnbd::fit_penalised` does for BG/NBD, whose reasons
/// it shares; refuses a fit that stops short, or whose parameters overflow or underflow.
pub(crate) fn maximise_log_likelihood(
    ln_l: impl Fn(&[f64]) -> f64,
    start: &[f64],
    penalty: f64,
    n: f64,
) -> Result<LogFit> {
    if !(penalty.is_finite() && penalty >= 0.0) {
        return Err(PredictError::InvalidInput(format!("penalty {penalty}")));
    }
    let objective = |v: &[f64]| -> f64 {
        let ridge: f64 = v.iter().zip(start).map(|(x, s)| (x - s) * (x - s)).sum();
        -ln_l(v) + penalty * n * ridge
    };
    let m = minimise(objective, start, 1.0);
    if !m.converged || !m.f.is_finite() {
        return Err(PredictError::NotConverged(m.evaluations));
    }
    let params: Vec<f64> = m.x.iter().map(|v| v.exp()).collect();
    // A likelihood that keeps rising toward a boundary (nobody buys again, nobody drops out)
    // can walk a parameter to e^±700 and beyond; such a fit says nothing usable.
    if params.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(PredictError::Degenerate(format!("fitted parameters {params:?}")));
    }
    Ok(LogFit { params, log_likelihood: ln_l(&m.x), iterations: m.iterations })
}

/// One Nelder–Mead run from a fresh simplex of side `step` around `x0`.
fn simplex(f: &impl Fn(&[f64]) -> f64, x0: &[f64], step: f64, budget: usize) -> Minimum {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = (0..=n)
        .map(|i| {
            let mut p = x0.to_vec();
            if i > 0 {
                p[i - 1] += step;
            }
            p
        })
        .collect();
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    let (mut evals, mut iters) = (n + 1, 0);
    let converged = loop {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&i, &j| vals[i].total_cmp(&vals[j]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        let spread = (vals[n] - vals[0]).abs();
        let size = pts[1..]
            .iter()
            .flat_map(|p| p.iter().zip(&pts[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread <= F_TOL * (1.0 + vals[0].abs()) && size <= X_TOL {
            break true;
        }
        if evals >= budget {
            break false;
        }
        iters += 1;
        let centroid: Vec<f64> =
            (0..n).map(|k| pts[..n].iter().map(|p| p[k]).sum::<f64>() / n as f64).collect();
        let along =
            |t: f64| -> Vec<f64> { centroid.iter().zip(&pts[n]).map(|(c, w)| c + t * (c - w)).collect() };
        let xr = along(1.0);
        let fr = f(&xr);
        evals += 1;
        if fr < vals[0] {
            let xe = along(2.0);
            let fe = f(&xe);
            evals += 1;
            (pts[n], vals[n]) = if fe < fr { (xe, fe) } else { (xr, fr) };
            continue;
        }
        if fr < vals[n - 1] {
            (pts[n], vals[n]) = (xr, fr);
            continue;
        }
        // Contract outside if the reflection helped a little, inside otherwise.
        let xc = along(if fr < vals[n] { 0.5 } else { -0.5 });
        let fc = f(&xc);
        evals += 1;
        if fc < vals[n].min(fr) {
            (pts[n], vals[n]) = (xc, fc);
            continue;
        }
        // Shrink everything toward the best vertex.
        for i in 1..=n {
            let p: Vec<f64> = pts[i].iter().zip(&pts[0]).map(|(x, b)| b + 0.5 * (x - b)).collect();
            vals[i] = f(&p);
            pts[i] = p;
        }
        evals += n;
    };
    Minimum { x: pts[0].clone(), f: vals[0], iterations: iters, evaluations: evals, converged }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimise(rosen, &[-1.2, 1.0], 0.5);
        assert!(m.converged);
        assert!((m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{:?}", m.x);
    }

    #[test]
    fn backs_away_from_non_finite_values() {
        // ln is undefined below 0: the simplex must stay in the domain and find x = 2.
        let f = |x: &[f64]| (x[0] - 2.0).powi(2) + x[1].ln().powi(2);
        let m = minimise(f, &[0.5, 0.5], 1.0);
        assert!(m.converged && (m.x[0] - 2.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{:?}", m.x);
    }
}
