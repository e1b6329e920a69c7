//! The ranges of [`ranges`](super::ranges): how often the Laplace intervals hold the true
//! parameters of simulated BG/NBD shops (the acceptance test), the CDNOW figures, reproducible
//! draws, churn probabilities against simulated customers, and hostile input.

use std::ops::Range;
use std::time::Instant;

use super::bgnbd::{BgNbdParams, Rfx};
use super::gamma_gamma::{self, GammaGammaParams};
use super::mbgnbd::MbgNbdParams;
use super::models::{self, Model, Params};
use super::ranges::{
    ChurnRisk, DEFAULT_DRAWS, HORIZON_DAYS, SplitMix64, churn_probability, clv_12m_with, laplace,
    parameter_names, value_at_risk,
};
use super::{PredictError, Result};

/// `lifetimes`' estimates on CDNOW (weeks) and the weekly summary rows.
use super::reference_tests::{BG, MBG, PNBD, summary};
/// Fader, Hardie & Lee's Gamma-Gamma estimates for CDNOW.
const GG: GammaGammaParams = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
/// kehu's 90-day horizon in CDNOW's weeks.
const HORIZON_WEEKS: f64 = HORIZON_DAYS / 7.0;
const WEEKS_PER_MONTH: f64 = 52.0 / 12.0;

/// The parameters the coverage shops are simulated from, close to CDNOW's.
const TRUTH: BgNbdParams = BgNbdParams { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5 };

/// Gamma(shape, 1) by Marsaglia & Tsang (2000), boosted for shape < 1.
fn gamma(rng: &mut SplitMix64, shape: f64) -> f64 {
    if shape < 1.0 {
        return gamma(rng, shape + 1.0) * rng.uniform().powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = rng.normal();
        let v = (1.0 + c * z).powi(3);
        if v > 0.0 && rng.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// An exponential waiting time at `rate` (infinite at rate 0).
fn exponential(rng: &mut SplitMix64, rate: f64) -> f64 {
    -rng.uniform().ln() / rate
}

/// A BG/NBD shop in continuous weeks, shaped like CDNOW: customers arrive over the first 12
/// of 39 weeks (T from 27 to 39), buy at rate λ ~ Gamma(r, α) and drop out after each repeat
/// purchase with p ~ Beta(a, b).
fn simulate_bgnbd(p: &BgNbdParams, customers: usize, seed: u64) -> Vec<Rfx> {
    let mut rng = SplitMix64::new(seed);
    (0..customers)
        .map(|_| {
            let age = 39.0 - 12.0 * rng.uniform();
            let rate = gamma(&mut rng, p.r) / p.alpha;
            let (ga, gb) = (gamma(&mut rng, p.a), gamma(&mut rng, p.b));
            let dropout = ga / (ga + gb);
            let (mut x, mut t_x, mut t) = (0.0, 0.0, 0.0);
            loop {
                t += exponential(&mut rng, rate);
                if t > age {
                    break;
                }
                (x, t_x) = (x + 1.0, t);
                if rng.uniform() < dropout {
                    break;
                }
            }
            Rfx { x, t_x, t: age }
        })
        .collect()
}

/// How often the 80% intervals held the truth, over the shops that could be fitted.
struct Coverage {
    /// Per parameter, intervals from the draws' 10th and 90th percentiles that held it.
    from_draws: [usize; 4],
    /// Per parameter, intervals straight from the normal on the log-parameter that held it.
    from_normal: [usize; 4],
    /// Shops fitted, with a Laplace approximation.
    shops: usize,
    /// Shops where the fit or the approximation failed, and why.
    failures: Vec<String>,
}

/// Simulates a shop per seed, fits BG/NBD and checks each parameter's interval.
fn coverage(seeds: Range<u64>, customers: usize) -> Coverage {
    let mut c = Coverage { from_draws: [0; 4], from_normal: [0; 4], shops: 0, failures: Vec::new() };
    let truth = [TRUTH.r, TRUTH.alpha, TRUTH.a, TRUTH.b];
    for seed in seeds {
        let rows = simulate_bgnbd(&TRUTH, customers, seed);
        let draws = models::fit(Model::BgNbd, &rows)
            .and_then(|f| laplace(&f.params, &rows))
            .and_then(|u| u.draws(DEFAULT_DRAWS, seed ^ 0xD1CE).map(|d| (u.parameter_intervals(), d)));
        let (normal, draws) = match draws {
            Ok(v) => v,
            Err(e) => {
                c.failures.push(format!("seed {seed}: {e}"));
                continue;
            }
        };
        c.shops += 1;
        for i in 0..4 {
            let drawn = draws
                .interval(|p| match p {
                    Params::BgNbd(q) => Ok([q.r, q.alpha, q.a, q.b][i]),
                    other => Err(PredictError::InvalidInput(format!("{other:?}"))),
                })
                .expect("BG/NBD draws");
            c.from_draws[i] += usize::from(drawn.contains(truth[i]));
            c.from_normal[i] += usize::from(normal[i].contains(truth[i]));
        }
    }
    c
}

/// Prints the coverage and asserts each parameter's is within `band` and few shops failed.
fn assert_coverage(c: &Coverage, band: (f64, f64), what: &str, started: Instant) {
    let share = |hits: &[usize; 4]| hits.map(|h| h as f64 / c.shops.max(1) as f64);
    let (drawn, normal) = (share(&c.from_draws), share(&c.from_normal));
    let names = parameter_names(Model::BgNbd);
    eprintln!(
        "{what}: {} shops fitted, {} failed, in {:?}; 80% coverage from the draws {}; from the normal {}",
        c.shops,
        c.failures.len(),
        started.elapsed(),
        names.iter().zip(drawn).map(|(n, v)| format!("{n} {:.1}%", 100.0 * v)).collect::<Vec<_>>().join(", "),
        names
            .iter()
            .zip(normal)
            .map(|(n, v)| format!("{n} {:.1}%", 100.0 * v))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for f in &c.failures {
        eprintln!("  {f}");
    }
    assert!(c.failures.len() * 50 <= c.shops, "more than 2% of the shops failed: {:?}", c.failures);
    for (n, v) in names.iter().zip(drawn) {
        assert!(band.0 <= v && v <= band.1, "{what}: coverage of {n} is {v}, outside {band:?}");
    }
}

/// The acceptance test: 200 shops of 2,000 customers (about 20 s in a debug build).
#[test]
fn laplace_intervals_cover_the_truth_80_percent_of_the_time() {
    let started = Instant::now();
    let c = coverage(0..200, 2_000);
    // 200 shops: the binomial standard error of an 80% coverage is 2.8 points.
    assert_coverage(&c, (0.70, 0.90), "200 shops of 2,000 customers", started);
}

/// The same on 1,000 further shops, for a figure with a 1.3-point standard error.
#[test]
#[ignore = "1.5 to 3 minutes in a debug build; the 200-shop version always runs"]
fn laplace_intervals_cover_the_truth_in_1000_shops() {
    let started = Instant::now();
    let c = coverage(200..1_200, 2_000);
    assert_coverage(&c, (0.75, 0.85), "1,000 shops of 2,000 customers", started);
}

#[test]
fn cdnow_standard_errors_are_finite_and_customer_one_gets_ranges() -> Result<()> {
    let rows = summary();
    let fit = models::fit(Model::BgNbd, &rows)?;
    let u = laplace(&fit.params, &rows)?;
    let se = u.standard_errors();
    eprintln!(
        "CDNOW BG/NBD {:?}: standard errors of ln r, ln α, ln a, ln b {se:.4?}; 80% intervals {:.4?}",
        fit.params,
        u.parameter_intervals()
    );
    // CDNOW's 2,357 customers pin every parameter down to well within a factor of e.
    assert!(se.iter().all(|s| s.is_finite() && *s > 0.0 && *s < 1.0), "{se:?}");
    let draws = u.draws(DEFAULT_DRAWS, 1997)?;
    let one = rows[0];
    assert_eq!(one, Rfx { x: 2.0, t_x: 30.43, t: 38.86 });
    let alive = draws.p_alive(&one)?;
    let bought = draws.expected_purchases(&one, HORIZON_WEEKS)?;
    let Params::BgNbd(mle) = fit.params else { panic!("{:?}", fit.params) };
    let clv = draws.clv_12m(&GG, &one, 22.35, 0.1, WEEKS_PER_MONTH)?;
    eprintln!("customer 1: P(alive) {alive:.4?}, E[90 days] {bought:.4?}, CLV {clv:.2?}");
    assert_eq!(alive.estimate, fit.params.p_alive(&one)?);
    assert_eq!(clv.estimate, gamma_gamma::clv_12m(&mle, &GG, &one, 22.35, 0.1, WEEKS_PER_MONTH)?.value);
    assert!(0.0 < alive.low && alive.low < alive.estimate && alive.estimate < alive.high && alive.high < 1.0);
    assert!(alive.high - alive.low < 0.5, "{alive:?}");
    for r in [bought, clv] {
        assert!(0.0 < r.low && r.low < r.estimate && r.estimate < r.high && r.high.is_finite(), "{r:?}");
    }
    Ok(())
}

#[test]
fn a_one_time_buyers_mbgnbd_p_alive_range_lies_below_one() -> Result<()> {
    let rows = summary();
    let fit = models::fit(Model::MbgNbd, &rows)?;
    let u = laplace(&fit.params, &rows)?;
    let once = rows.iter().find(|c| c.x == 0.0).copied().expect("CDNOW has one-time buyers");
    let alive = u.draws(DEFAULT_DRAWS, 7)?.p_alive(&once)?;
    eprintln!(
        "MBG/NBD standard errors {:.4?}; one-time buyer {once:?}: P(alive) {alive:.4?}",
        u.standard_errors()
    );
    assert!(alive.low < alive.estimate && alive.estimate < alive.high && alive.high < 1.0, "{alive:?}");
    // BG/NBD, by contrast, holds every one-time buyer surely alive, with no range at all.
    let bg = laplace(&models::fit(Model::BgNbd, &rows)?.params, &rows)?.draws(50, 7)?.p_alive(&once)?;
    assert_eq!((bg.low, bg.estimate, bg.high), (1.0, 1.0, 1.0));
    Ok(())
}

#[test]
fn draws_are_reproducible_and_follow_the_laplace_covariance() -> Result<()> {
    let rows = summary();
    let u = laplace(&Params::BgNbd(BG), &rows)?;
    let (a, b, c) = (u.draws(DEFAULT_DRAWS, 42)?, u.draws(DEFAULT_DRAWS, 42)?, u.draws(DEFAULT_DRAWS, 43)?);
    assert_eq!(a, b);
    assert_eq!(a.sets.len(), DEFAULT_DRAWS);
    assert!(a.sets.iter().zip(&c.sets).all(|(p, q)| p != q), "seeds 42 and 43 share a draw");
    assert!(matches!(u.draws(0, 1), Err(PredictError::InvalidInput(_))));
    // Many draws' sample covariance of the log-parameters is the Laplace covariance.
    let logs: Vec<[f64; 4]> = u
        .draws(20_000, 5)?
        .sets
        .iter()
        .map(|p| match p {
            Params::BgNbd(q) => [q.r, q.alpha, q.a, q.b].map(f64::ln),
            other => panic!("{other:?}"),
        })
        .collect();
    let n = logs.len() as f64;
    let mean: [f64; 4] = std::array::from_fn(|i| logs.iter().map(|v| v[i]).sum::<f64>() / n);
    for i in 0..4 {
        for j in 0..4 {
            let sample = logs.iter().map(|v| (v[i] - mean[i]) * (v[j] - mean[j])).sum::<f64>() / n;
            let scale = (u.covariance[i][i] * u.covariance[j][j]).sqrt();
            assert!(
                (sample - u.covariance[i][j]).abs() < 0.05 * scale,
                "({i}, {j}): {sample} vs {:?}",
                u.covariance
            );
        }
    }
    Ok(())
}

#[test]
fn clv_for_any_model_is_gamma_gammas_clv_for_bgnbd() -> Result<()> {
    let c = Rfx { x: 2.0, t_x: 30.43, t: 38.86 };
    let want = gamma_gamma::clv_12m(&BG, &GG, &c, 22.35, 0.1, WEEKS_PER_MONTH)?;
    assert_eq!(clv_12m_with(&Params::BgNbd(BG), &GG, &c, 22.35, 0.1, WEEKS_PER_MONTH)?, want);
    for p in [Params::MbgNbd(MBG), Params::ParetoNbd(PNBD)] {
        let v = clv_12m_with(&p, &GG, &c, 22.35, 0.1, WEEKS_PER_MONTH)?;
        let undiscounted = clv_12m_with(&p, &GG, &c, 22.35, 0.0, WEEKS_PER_MONTH)?;
        let aov =
            gamma_gamma::expected_order_value(&GG, &gamma_gamma::RepeatSpend { x: 2.0, mean_value: 22.35 })?;
        let e12 = p.expected_purchases(&c, 12.0 * WEEKS_PER_MONTH)?;
        assert!((undiscounted.value - aov.value * e12).abs() < 1e-9, "{p:?}: {undiscounted:?}");
        assert!(0.9 * undiscounted.value < v.value && v.value < undiscounted.value, "{p:?}: {v:?}");
    }
    for (rate, per_month) in [(-1.0, 4.0), (f64::NAN, 4.0), (0.1, 0.0), (0.1, f64::INFINITY)] {
        let got = clv_12m_with(&Params::ParetoNbd(PNBD), &GG, &c, 22.35, rate, per_month);
        assert!(matches!(got, Err(PredictError::InvalidInput(_))), "{rate} {per_month}: {got:?}");
    }
    Ok(())
}

/// One simulated customer of `p` from their first purchase to `age` + `horizon`: their
/// repeat purchases by `age`, and whether they bought in the horizon after it.
fn simulate_customer(p: &Params, age: f64, horizon: f64, rng: &mut SplitMix64) -> (f64, bool) {
    let end = age + horizon;
    // The rate, the time of death if dropout is continuous, and the dropout chance per purchase.
    let (rate, death, dropout, dropout_at_first) = match *p {
        Params::BgNbd(q) => (gamma(rng, q.r) / q.alpha, f64::INFINITY, beta(rng, q.a, q.b), false),
        Params::MbgNbd(q) => (gamma(rng, q.r) / q.alpha, f64::INFINITY, beta(rng, q.a, q.b), true),
        Params::ParetoNbd(q) => {
            let mu = gamma(rng, q.s) / q.beta;
            (gamma(rng, q.r) / q.alpha, exponential(rng, mu), 0.0, false)
        }
    };
    if dropout_at_first && rng.uniform() < dropout {
        return (0.0, false);
    }
    let (mut x, mut t) = (0.0, 0.0);
    loop {
        t += exponential(rng, rate);
        if t > end.min(death) {
            return (x, false);
        }
        if t > age {
            return (x, true);
        }
        x += 1.0;
        if rng.uniform() < dropout {
            return (x, false);
        }
    }
}

/// Beta(a, b) as a ratio of Gammas.
fn beta(rng: &mut SplitMix64, a: f64, b: f64) -> f64 {
    let (ga, gb) = (gamma(rng, a), gamma(rng, b));
    ga / (ga + gb)
}

#[test]
fn churn_probability_matches_simulated_customers() -> Result<()> {
    // Customers with no repeat purchase in their first 20 weeks: under MBG/NBD and Pareto/NBD
    // they may have dropped out, under BG/NBD they cannot; the share of them who then buy
    // nothing for 90 days must be the churn probability of (0, 0, 20).
    let (age, quiet_row) = (20.0, Rfx { x: 0.0, t_x: 0.0, t: 20.0 });
    for (k, p) in [Params::BgNbd(BG), Params::MbgNbd(MBG), Params::ParetoNbd(PNBD)].iter().enumerate() {
        let mut rng = SplitMix64::new(2024 + k as u64);
        let (mut seen, mut silent) = (0usize, 0usize);
        for _ in 0..60_000 {
            let (x, bought) = simulate_customer(p, age, HORIZON_WEEKS, &mut rng);
            if x == 0.0 {
                seen += 1;
                silent += usize::from(!bought);
            }
        }
        let simulated = silent as f64 / seen as f64;
        let churn = churn_probability(p, &quiet_row, HORIZON_WEEKS)?;
        // The binomial standard error is under 0.003 with these counts.
        eprintln!("{}: churn {churn:.4}, simulated {simulated:.4} over {seen} customers", p.model());
        assert!((churn - simulated).abs() < 0.012, "{p:?}: {churn} vs {simulated}");
    }
    Ok(())
}

#[test]
fn churn_is_a_probability_that_falls_with_recent_buying() -> Result<()> {
    let horizon = HORIZON_WEEKS;
    for p in [Params::BgNbd(BG), Params::MbgNbd(MBG), Params::ParetoNbd(PNBD)] {
        for t in [0.0, 1.0, 38.86, 500.0] {
            for (x, t_x) in [(0.0, 0.0), (1.0, 0.5 * t), (5.0, t), (200.0, t)] {
                let churn = churn_probability(&p, &Rfx { x, t_x, t }, horizon)?;
                assert!((0.0..=1.0).contains(&churn), "{p:?} ({x}, {t_x}, {t}): {churn}");
            }
        }
        // Same purchases and age; one bought yesterday, the other half a year ago.
        let yesterday = churn_probability(&p, &Rfx { x: 4.0, t_x: 38.86 - 1.0 / 7.0, t: 38.86 }, horizon)?;
        let long_ago = churn_probability(&p, &Rfx { x: 4.0, t_x: 12.0, t: 38.86 }, horizon)?;
        assert!(yesterday < long_ago, "{p:?}: {yesterday} vs {long_ago}");
        // Fifty purchases in a year, the last one today: hardly a churn risk.
        let regular = churn_probability(&p, &Rfx { x: 50.0, t_x: 52.0, t: 52.0 }, horizon)?;
        assert_eq!(ChurnRisk::from_probability(regular)?, ChurnRisk::Low, "{p:?}: {regular}");
        assert!(regular < 0.05, "{p:?}: {regular}");
        // A long-silent one-time buyer is the opposite.
        let gone = churn_probability(&p, &Rfx { x: 1.0, t_x: 1.0, t: 300.0 }, horizon)?;
        assert_eq!(ChurnRisk::from_probability(gone)?, ChurnRisk::High, "{p:?}: {gone}");
        // Nobody buys in no time; a longer window only makes a purchase likelier, and no window
        // can bring churn below the chance of having dropped out already.
        let c = Rfx { x: 4.0, t_x: 12.0, t: 38.86 };
        let by_horizon = [0.0, 1.0, horizon, 1e4].map(|h| churn_probability(&p, &c, h));
        let by_horizon = by_horizon.into_iter().collect::<Result<Vec<f64>>>()?;
        assert_eq!(by_horizon[0], 1.0);
        assert!(by_horizon.windows(2).all(|w| w[0] > w[1]), "{p:?}: {by_horizon:?}");
        assert!(by_horizon[3] >= 1.0 - p.p_alive(&c)?, "{p:?}: {by_horizon:?}");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(churn_probability(&p, &Rfx { x: 1.0, t_x: 1.0, t: 2.0 }, bad).is_err(), "{bad}");
        }
        assert!(churn_probability(&p, &Rfx { x: 1.0, t_x: 3.0, t: 2.0 }, 1.0).is_err());
    }
    Ok(())
}

#[test]
fn churn_bands_meet_at_one_third_and_two_thirds() -> Result<()> {
    let band = ChurnRisk::from_probability;
    assert_eq!(band(0.0)?, ChurnRisk::Low);
    assert_eq!(band(1.0 / 3.0 - 1e-12)?, ChurnRisk::Low);
    assert_eq!(band(1.0 / 3.0)?, ChurnRisk::Medium);
    assert_eq!(band(2.0 / 3.0 - 1e-12)?, ChurnRisk::Medium);
    assert_eq!(band(2.0 / 3.0)?, ChurnRisk::High);
    assert_eq!(band(1.0)?, ChurnRisk::High);
    for bad in [-0.01, 1.01, f64::NAN] {
        assert!(matches!(band(bad), Err(PredictError::InvalidInput(_))), "{bad}");
    }
    let keys = [ChurnRisk::Low, ChurnRisk::Medium, ChurnRisk::High].map(ChurnRisk::key);
    assert_eq!(keys, ["low", "medium", "high"]);
    for r in [ChurnRisk::Low, ChurnRisk::Medium, ChurnRisk::High] {
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(serde_json::from_str::<ChurnRisk>(&json).ok(), Some(r), "{json}");
    }
    Ok(())
}

#[test]
fn value_at_risk_is_churn_times_clv() -> Result<()> {
    assert_eq!(value_at_risk(0.25, 120.0)?, 30.0);
    assert_eq!(value_at_risk(0.0, 120.0)?, 0.0);
    for (churn, clv) in [(1.2, 10.0), (f64::NAN, 10.0), (0.5, f64::INFINITY), (0.5, f64::NAN)] {
        assert!(matches!(value_at_risk(churn, clv), Err(PredictError::InvalidInput(_))), "{churn} {clv}");
    }
    Ok(())
}

#[test]
fn unidentified_or_degenerate_fits_give_an_error_in_words_never_nan() {
    let rows = summary();
    // Nobody bought again: the BG/NBD likelihood ignores a and b entirely, and hardly tells r
    // from α (the first it stumbles on is named).
    let one_time: Vec<Rfx> = rows.iter().filter(|c| c.x == 0.0).copied().collect();
    match laplace(&Params::BgNbd(BG), &one_time) {
        Err(PredictError::Degenerate(m)) => {
            eprintln!("all one-time buyers: {m}");
            assert!(m.contains("the data do not pin down") && m.contains("not positive definite"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // Far from the maximum the likelihood may curve the wrong way; either way no NaN.
    let far = Params::BgNbd(BgNbdParams { r: 50.0, alpha: 0.01, a: 40.0, b: 0.01 });
    if let Ok(u) = laplace(&far, &rows) {
        assert!(u.covariance.iter().flatten().all(|v| v.is_finite()), "{u:?}");
    }
    assert!(matches!(laplace(&Params::BgNbd(BG), &[]), Err(PredictError::NoData(_))));
    let bad_row = Rfx { x: 1.0, t_x: 5.0, t: 4.0 };
    assert!(matches!(
        laplace(&Params::ParetoNbd(PNBD), &[rows[0], bad_row]),
        Err(PredictError::InvalidInput(_))
    ));
    let bad_params = Params::MbgNbd(MbgNbdParams { r: -1.0, ..MBG });
    assert!(matches!(laplace(&bad_params, &rows), Err(PredictError::Degenerate(_))));
    // Degenerate shops: whatever the fits give, the ranges are an error or finite.
    let cases: [(&str, Vec<Rfx>); 4] = [
        ("three rows", rows[..3].to_vec()),
        ("one row", vec![rows[0]]),
        ("all just arrived", vec![Rfx { x: 0.0, t_x: 0.0, t: 0.0 }; 5]),
        ("all bought at the end", vec![Rfx { x: 3.0, t_x: 10.0, t: 10.0 }; 4]),
    ];
    for (what, data) in &cases {
        for m in Model::ALL {
            let ranged =
                models::fit(m, data).and_then(|f| laplace(&f.params, data)).and_then(|u| u.draws(50, 3));
            let alive = ranged.and_then(|d| d.p_alive(&data[0]));
            eprintln!("{m} on {what}: {alive:?}");
            if let Ok(r) = alive {
                assert!(
                    r.low.is_finite() && r.high.is_finite() && r.low <= r.estimate && r.estimate <= r.high
                );
            }
        }
    }
}

#[test]
fn pareto_nbd_gets_ranges_on_cdnow_too() -> Result<()> {
    let rows = summary();
    let u = laplace(&Params::ParetoNbd(PNBD), &rows)?;
    let se = u.standard_errors();
    eprintln!("CDNOW Pareto/NBD standard errors of ln r, ln α, ln s, ln β {se:.4?}");
    assert!(se.iter().all(|s| s.is_finite() && *s > 0.0 && *s < 1.0), "{se:?}");
    let draws = u.draws(DEFAULT_DRAWS, 11)?;
    let one = rows[0];
    let alive = draws.p_alive(&one)?;
    let clv = draws.clv_12m(&GG, &one, 22.35, 0.1, WEEKS_PER_MONTH)?;
    let churn = draws.interval(|p| churn_probability(p, &one, HORIZON_WEEKS))?;
    eprintln!("customer 1 under Pareto/NBD: P(alive) {alive:.4?}, CLV {clv:.2?}, churn {churn:.4?}");
    for r in [alive, clv, churn] {
        assert!(r.low < r.estimate && r.estimate < r.high && r.high.is_finite(), "{r:?}");
    }
    assert!(alive.high < 1.0 && churn.high < 1.0);
    Ok(())
}

#[test]
fn a_range_is_widened_to_hold_its_estimate() -> Result<()> {
    // Draws that all lie on one side of the point, as a skewed figure's can.
    let shifted = Params::BgNbd(BgNbdParams { a: 2.0 * BG.a, ..BG });
    let draws = super::ranges::Draws { point: Params::BgNbd(BG), sets: vec![shifted; 9] };
    let c = Rfx { x: 2.0, t_x: 30.43, t: 38.86 };
    let alive = draws.p_alive(&c)?;
    let (point, drawn) = (Params::BgNbd(BG).p_alive(&c)?, shifted.p_alive(&c)?);
    assert!(drawn < point, "{drawn} {point}");
    assert_eq!((alive.low, alive.estimate, alive.high), (drawn, point, point));
    Ok(())
}
