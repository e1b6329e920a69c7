//! Reference figures on the CDNOW data (issue 4, shared/data/README.md): BG/NBD against Fader,
//! Hardie & Lee (2005), Gamma-Gamma against the `lifetimes` library, and the daily model end to
//! end on the raw transaction log.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use kehu::predict::gamma_gamma::{self, GammaGammaParams, RepeatSpend};
use kehu::predict::{BgNbdParams, Rfx, bgnbd, expected_purchases, expected_purchases_population, p_alive};

const SUMMARY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cdnow_customers_summary.csv");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/CDNOW_sample.txt");

/// The published parameters (README, FHL 2005 §5).
const PAPER: BgNbdParams = BgNbdParams { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reference data {path} is missing ({e}); it must sit in tests/data"))
}

/// The 2,357 rows of the weekly calibration summary, in file order.
fn summary() -> Vec<Rfx> {
    let text = read(SUMMARY);
    let rows: Vec<Rfx> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<f64> = l.split(',').map(|v| v.trim().parse().expect("numeric field")).collect();
            Rfx { x: f[1], t_x: f[2], t: f[3] }
        })
        .collect();
    assert_eq!(rows.len(), 2357, "{SUMMARY} should hold 2,357 customers");
    rows
}

/// The raw log as (customer, day, dollars), same-day purchases summed, customers in file order.
fn sample() -> Vec<(String, Vec<(NaiveDate, f64)>)> {
    let text = read(SAMPLE);
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let day = NaiveDate::parse_from_str(f[2], "%Y%m%d").expect("YYYYMMDD date");
        let dollars: f64 = f[4].parse().expect("dollar value");
        if !by.contains_key(f[0]) {
            order.push(f[0].to_string());
        }
        *by.entry(f[0].to_string()).or_default().entry(day).or_default() += dollars;
    }
    assert_eq!(order.len(), 2357, "{SAMPLE} should hold 2,357 customers");
    order
        .into_iter()
        .map(|id| {
            let days = by[&id].iter().map(|(d, v)| (*d, *v)).collect();
            (id, days)
        })
        .collect()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Equal to 3 significant digits: within half a unit of the third digit of `want`.
fn three_digits(got: f64, want: f64) -> bool {
    let unit = 10f64.powf(want.abs().log10().floor() - 2.0);
    (got - want).abs() <= 0.5 * unit
}

#[test]
fn fit_reproduces_the_published_parameters() {
    let rows = summary();
    let started = Instant::now();
    let fit = bgnbd::fit(&rows).expect("fit converges");
    let took = started.elapsed();
    let p = fit.params;
    eprintln!(
        "CDNOW weekly fit in {took:?}, {} iterations: {p:?}, LL {}",
        fit.iterations, fit.log_likelihood
    );
    for (name, got, want) in
        [("r", p.r, PAPER.r), ("alpha", p.alpha, PAPER.alpha), ("a", p.a, PAPER.a), ("b", p.b, PAPER.b)]
    {
        assert!(three_digits(got, want), "{name} = {got}, published {want}");
        assert!((got / want - 1.0).abs() < 0.01, "{name} = {got}, published {want}");
    }
    // The paper reports LL = −9582.4 at its estimates.
    assert!((fit.log_likelihood - -9582.4).abs() < 0.05, "LL {}", fit.log_likelihood);
    assert!((bgnbd::log_likelihood(&PAPER, &rows) - -9582.4).abs() < 0.05);
}

#[test]
fn published_rows_match_to_1e_4() {
    let rows = summary();
    let want = [(0.726609, 1.225910), (0.212227, 0.203251), (1.000000, 0.194781)];
    for (i, (alive, e39)) in want.into_iter().enumerate() {
        let c = &rows[i];
        let got_alive = p_alive(&PAPER, c);
        let got_e = expected_purchases(&PAPER, c, 39.0).expect("finite expectation");
        assert!((got_alive - alive).abs() < 1e-4, "ID {}: P(alive) {got_alive}, want {alive}", i + 1);
        assert!((got_e - e39).abs() < 1e-4, "ID {}: E[39 weeks] {got_e}, want {e39}", i + 1);
    }
}

#[test]
fn raw_log_reproduces_the_weekly_summary() {
    // Cutting the log at the end of the 39-week calibration (1997-09-30) must give the summary's
    // rows, so that the Gamma-Gamma test below is fed the same customers as `lifetimes` was.
    let end = date("1997-09-30");
    let rows = summary();
    for ((id, days), want) in sample().iter().zip(&rows) {
        let cal: Vec<NaiveDate> = days.iter().map(|(d, _)| *d).filter(|d| *d <= end).collect();
        let got = Rfx::from_purchase_days(&cal, end).expect("every customer buys in the first quarter");
        assert_eq!(got.x, want.x, "customer {id}");
        assert!(
            (got.t_x / 7.0 - want.t_x).abs() < 0.006 && (got.t / 7.0 - want.t).abs() < 0.006,
            "customer {id}"
        );
    }
}

#[test]
fn gamma_gamma_reproduces_lifetimes_on_cdnow() {
    // `lifetimes` (GammaGammaFitter on cdnow_customers_summary_with_transactions, 946 customers
    // with repeat purchases in the calibration period) reports p = 6.25, q = 3.74, v = 15.44.
    let end = date("1997-09-30");
    let spend: Vec<RepeatSpend> = sample()
        .iter()
        .map(|(_, days)| {
            let cal: Vec<f64> = days.iter().filter(|(d, _)| *d <= end).map(|(_, v)| *v).collect();
            let repeats = &cal[1..];
            let mean =
                if repeats.is_empty() { 0.0 } else { repeats.iter().sum::<f64>() / repeats.len() as f64 };
            RepeatSpend { x: repeats.len() as f64, mean_value: mean }
        })
        .collect();
    let fit = gamma_gamma::fit(&spend).expect("Gamma-Gamma converges");
    let GammaGammaParams { p, q, v } = fit.params;
    eprintln!("Gamma-Gamma on CDNOW calibration: {:?}, LL {}", fit.params, fit.log_likelihood);
    assert_eq!(fit.customers, 946);
    assert!(
        (p - 6.25).abs() < 0.01 && (q - 3.74).abs() < 0.01 && (v - 15.44).abs() < 0.02,
        "{:?}",
        fit.params
    );
    let pop = gamma_gamma::population_order_value(&fit.params).expect("q > 1");
    let sample_mean = spend.iter().filter(|s| s.x >= 1.0).map(|s| s.mean_value).sum::<f64>() / 946.0;
    assert!((pop / sample_mean - 1.0).abs() < 0.15, "population {pop} vs sample {sample_mean}");
}

#[test]
fn daily_model_end_to_end_on_the_raw_log() {
    let today = date("1998-06-30");
    let rows: Vec<Rfx> = sample()
        .iter()
        .map(|(_, days)| {
            let d: Vec<NaiveDate> = days.iter().map(|(d, _)| *d).collect();
            Rfx::from_purchase_days(&d, today).expect("purchases before as-of")
        })
        .collect();
    let started = Instant::now();
    let fit = bgnbd::fit(&rows).expect("daily fit converges");
    eprintln!("CDNOW daily fit in {:?}: {:?}, LL {}", started.elapsed(), fit.params, fit.log_likelihood);
    let p = fit.params;
    let mut mean_e90 = 0.0;
    let mut mean_pop = 0.0;
    for c in &rows {
        let alive = p_alive(&p, c);
        assert!((0.0..=1.0).contains(&alive), "{c:?}: {alive}");
        if c.x == 0.0 {
            assert_eq!(alive, 1.0);
        }
        let e = expected_purchases(&p, c, 90.0).expect("finite");
        assert!(e.is_finite() && e >= 0.0);
        mean_e90 += e / rows.len() as f64;
        // What the model predicts for a customer of age T over the next 90 days, unconditionally.
        let ahead = expected_purchases_population(&p, c.t + 90.0).expect("finite")
            - expected_purchases_population(&p, c.t).expect("finite");
        mean_pop += ahead / rows.len() as f64;
    }
    eprintln!("mean E[90 days] {mean_e90:.4}, population {mean_pop:.4}");
    assert!((mean_e90 / mean_pop - 1.0).abs() < 0.1, "mean E[90d] {mean_e90} vs population {mean_pop}");
}
