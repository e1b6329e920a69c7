//! The holdout check ([`holdout`](super::holdout)) on the CDNOW transaction log at the classic
//! 39-week split and at the default one, on a simulated BG/NBD shop whose true model must
//! predict its own holdout without bias, on shops too small or too young, and on hostile input.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};

use super::bgnbd::Rfx;
use super::holdout::{
    FREQUENCY_GROUPS, HoldoutError, ModelCheck, Outcome, Report, Scores, Shortfall, check, check_with,
    choose, default_calibration_end, enough_data,
};
use super::holdout_render::render;
use super::models::{self, FittedModel, Model, Params};
use super::{BgNbdParams, PredictError, Result};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/CDNOW_sample.txt");

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The raw log's (customer, day) of every line, same-day purchases kept as separate lines.
fn sample_lines() -> Vec<(String, NaiveDate)> {
    let text = std::fs::read_to_string(SAMPLE)
        .unwrap_or_else(|e| panic!("reference data {SAMPLE} is missing ({e}); it must sit in tests/data"));
    let lines: Vec<(String, NaiveDate)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), NaiveDate::parse_from_str(f[2], "%Y%m%d").expect("YYYYMMDD date"))
        })
        .collect();
    assert_eq!(lines.len(), 6919, "{SAMPLE} should hold 6,919 purchases");
    lines
}

/// One list of purchase days per customer, duplicates and file order kept.
fn by_customer(lines: &[(String, NaiveDate)]) -> Vec<Vec<NaiveDate>> {
    let mut by: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for (id, day) in lines {
        by.entry(id).or_default().push(*day);
    }
    assert_eq!(by.len(), 2357, "{SAMPLE} should hold 2,357 customers");
    by.into_values().collect()
}

/// Holdout purchase days counted straight from the log: distinct (customer, day) after the
/// calibration end, of customers who had bought by then.
fn holdout_days_in_log(lines: &[(String, NaiveDate)], calibration_end: NaiveDate, today: NaiveDate) -> u64 {
    let known: HashSet<&str> =
        lines.iter().filter(|(_, d)| *d <= calibration_end).map(|(id, _)| id.as_str()).collect();
    let held: HashSet<(&str, NaiveDate)> = lines
        .iter()
        .filter(|(id, d)| *d > calibration_end && *d <= today && known.contains(id.as_str()))
        .map(|(id, d)| (id.as_str(), *d))
        .collect();
    held.len() as u64
}

/// [`check`] with each fit timed.
fn timed_check(
    purchases: &[Vec<NaiveDate>],
    calibration_end: NaiveDate,
    today: NaiveDate,
) -> (std::result::Result<Report, HoldoutError>, Vec<(Model, Duration)>) {
    let mut times = Vec::new();
    let report = check_with(purchases, calibration_end, today, |m, rows| {
        let started = Instant::now();
        let fitted = models::fit(m, rows);
        times.push((m, started.elapsed()));
        fitted
    });
    (report, times)
}

/// What must hold of any CDNOW report; prints it as rendered.
fn assert_sound_cdnow_report(lines: &[(String, NaiveDate)], calibration_end: NaiveDate) {
    let today = date("1998-06-30");
    let (report, times) = timed_check(&by_customer(lines), calibration_end, today);
    let report = report.unwrap_or_else(|e| panic!("CDNOW at {calibration_end}: {e}"));
    eprintln!("CDNOW split at {calibration_end}, fits took {times:?}");
    for c in &report.models {
        let s = c.scores().unwrap_or_else(|| panic!("{} did not fit: {:?}", c.model, c.outcome));
        assert!(s.holdout_mae.is_finite() && s.holdout_bias.is_finite() && s.bic.is_finite(), "{c:?}");
        assert!(s.holdout_mae >= s.holdout_bias.abs(), "{c:?}");
        assert_eq!(s.cumulative_repeats.len(), report.weeks.len());
    }
    assert_eq!(report.holdout_actual, holdout_days_in_log(lines, calibration_end, today));
    let grouped: usize = report.by_frequency.iter().map(|g| g.customers).sum();
    assert_eq!(grouped, report.customers);
    assert_eq!(report.by_frequency.len(), FREQUENCY_GROUPS);
    let chosen = report.chosen.expect("a model is chosen");
    let lowest =
        report.models.iter().filter_map(|c| c.scores()).map(|s| s.holdout_mae).fold(f64::MAX, f64::min);
    let picked = report.models.iter().find(|c| c.model == chosen).and_then(|c| c.scores()).expect("scores");
    assert!(
        picked.holdout_mae <= lowest * (1.0 + super::holdout::MAE_TIE),
        "{} vs {lowest}",
        picked.holdout_mae
    );
    let tied = report.models.iter().filter_map(|c| c.scores()).filter(|s| s.holdout_mae <= lowest * 1.02);
    assert!(tied.into_iter().all(|s| s.bic >= picked.bic), "the lowest BIC among the near-lowest errors");
    // Every repeat purchase day of the calibration customers is counted by today.
    assert_eq!(report.weeks.last(), Some(&today));
    let rendered = render(&report, 80);
    eprintln!("{}", rendered.join("\n"));
    assert!(rendered.len() <= 24, "{} lines", rendered.len());
    for line in &rendered {
        assert!(line.chars().count() <= 80, "{} chars: {line}", line.chars().count());
    }
    let json = serde_json::to_value(&report).unwrap_or_default();
    for field in ["model", "holdout_mae", "holdout_bias", "bic", "log_likelihood", "params"] {
        assert!(json["models"][0].get(field).is_some(), "{field} missing in {}", json["models"][0]);
    }
    assert_eq!(json["chosen"], chosen.name());
}

#[test]
fn cdnow_at_the_classic_39_week_split() {
    let lines = sample_lines();
    let calibration_end = date("1997-09-30");
    // Every CDNOW customer first bought in the first quarter of 1997, so all are known.
    let report = check(&by_customer(&lines), calibration_end, date("1998-06-30"));
    assert_eq!(report.as_ref().map(|r| r.customers).ok(), Some(2357), "{report:?}");
    assert_sound_cdnow_report(&lines, calibration_end);
}

#[test]
fn cdnow_at_the_default_split() -> std::result::Result<(), HoldoutError> {
    let lines = sample_lines();
    let today = date("1998-06-30");
    // 545 days from 1997-01-01; a quarter of them, 136, held out.
    let calibration_end = default_calibration_end(&by_customer(&lines), today)?;
    assert_eq!(calibration_end, date("1998-02-14"));
    assert_sound_cdnow_report(&lines, calibration_end);
    Ok(())
}

/// xorshift64*: enough randomness for a simulated shop without a dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (bits as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang, boosted for shape < 1.
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

/// A BG/NBD shop in days: customers arrive over the first 12 weeks from `start`, buy at rate
/// λ ~ Gamma(r, α) and after each repeat purchase drop out with p ~ Beta(a, b).
fn simulate(
    p: &BgNbdParams,
    customers: usize,
    start: NaiveDate,
    today: NaiveDate,
    seed: u64,
) -> Vec<Vec<NaiveDate>> {
    let mut rng = Rng(seed);
    let end = (today - start).num_days() as f64;
    (0..customers)
        .map(|_| {
            let first = (rng.uniform() * 84.0).floor();
            let rate = rng.gamma(p.r) / p.alpha;
            let (ga, gb) = (rng.gamma(p.a), rng.gamma(p.b));
            let dropout = ga / (ga + gb);
            let mut days = vec![start + Days::new(first as u64)];
            let mut t = first;
            loop {
                t += -rng.uniform().ln() / rate;
                if t >= end + 1.0 {
                    break;
                }
                days.push(start + Days::new(t as u64));
                if rng.uniform() < dropout {
                    break;
                }
            }
            days
        })
        .collect()
}

#[test]
fn a_simulated_bgnbd_shop_predicts_its_own_holdout() -> std::result::Result<(), HoldoutError> {
    let truth = BgNbdParams { r: 0.3, alpha: 30.0, a: 0.8, b: 2.4 };
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-09-30"), date("2021-06-30"));
    let shop = simulate(&truth, 20_000, start, today, 0x5EED_CAFE);
    // Only BG/NBD is fitted: the others are reported as failed and never chosen.
    let refused = PredictError::NoData("left out of this test");
    let report = check_with(&shop, calibration_end, today, |m, rows| match m {
        Model::BgNbd => models::fit(m, rows),
        _ => Err(refused.clone()),
    })?;
    assert_eq!(report.chosen, Some(Model::BgNbd));
    let failed =
        report.models.iter().filter(|c| matches!(&c.outcome, Outcome::Failed { error } if *error == refused));
    assert_eq!(failed.count(), 2);
    let s = report.models[0].scores().expect("BG/NBD fitted");
    let mean_actual = report.holdout_actual as f64 / report.customers as f64;
    eprintln!(
        "simulated shop: {} customers, mean holdout {mean_actual:.4}, MAE {:.4}, bias {:.4}, {:?}",
        report.customers, s.holdout_mae, s.holdout_bias, s.params
    );
    eprintln!("{}", render(&report, 80).join("\n"));
    assert!(mean_actual > 0.3, "a shop that barely buys tests nothing: {mean_actual}");
    assert!(s.holdout_bias.abs() < 0.1 * mean_actual, "bias {} vs mean {mean_actual}", s.holdout_bias);
    // The expected tracking ends near the actual one, too.
    let (actual, expected) = (report.cumulative_repeats.last(), s.cumulative_repeats.last());
    let ratio = expected.copied().unwrap_or(0.0) / actual.copied().unwrap_or(1) as f64;
    assert!((ratio - 1.0).abs() < 0.1, "expected {expected:?} vs actual {actual:?} repeats");
    Ok(())
}

/// `customers` who each bought on `start` + i and again `gap` days later.
fn two_day_buyers(customers: usize, start: NaiveDate, gap: u64) -> Vec<Vec<NaiveDate>> {
    (0..customers as u64)
        .map(|i| {
            let first = start + Days::new(i % 30);
            vec![first, first + Days::new(gap)]
        })
        .collect()
}

#[test]
fn a_small_shop_is_refused_naming_the_shortfall() {
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-12-31"), date("2021-06-30"));
    let shop = two_day_buyers(50, start, 60);
    let shortfall = Shortfall::RepeatBuyers { found: 50, by: calibration_end };
    assert_eq!(enough_data(&shop, calibration_end), Err(shortfall.clone()));
    let refused = check(&shop, calibration_end, today);
    assert_eq!(refused, Err(HoldoutError::TooLittleData(shortfall)));
    let words = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        words,
        "only 50 customers bought more than once before 2020-12-31; a model needs at least 300"
    );
    // 300 repeat buyers are enough; 299 are not.
    assert_eq!(enough_data(&two_day_buyers(300, start, 60), calibration_end), Ok(()));
    assert!(enough_data(&two_day_buyers(299, start, 60), calibration_end).is_err());
}

#[test]
fn a_short_history_is_refused_naming_the_shortfall() {
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-04-30"), date("2020-06-30"));
    let shop = two_day_buyers(400, start, 20);
    let refused = check(&shop, calibration_end, today);
    let words = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        words,
        "the purchases before 2020-04-30 go back only 120 days (to 2020-01-01); a model needs at least 180"
    );
    // Day 180 is enough.
    assert_eq!(enough_data(&shop, date("2020-06-29")), Ok(()));
    assert!(enough_data(&shop, date("2020-06-28")).is_err());
}

/// What a hostile case is, its purchases, calibration end and today, and words of the refusal.
type Hostile = (&'static str, Vec<Vec<NaiveDate>>, NaiveDate, NaiveDate, &'static str);

#[test]
fn hostile_inputs_are_refused_in_words() {
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-12-31"), date("2021-06-30"));
    let one_time: Vec<Vec<NaiveDate>> = (0..1000).map(|i| vec![start + Days::new(i % 300)]).collect();
    let repeaters = two_day_buyers(400, start, 60);
    let cases: [Hostile; 7] = [
        ("no customers", vec![], calibration_end, today, "there are no purchases"),
        ("customers without purchases", vec![vec![]; 5], calibration_end, today, "there are no purchases"),
        (
            "only purchases after today",
            vec![vec![date("2030-01-01")]; 5],
            calibration_end,
            today,
            "no purchases",
        ),
        ("all one-time buyers", one_time, calibration_end, today, "no customer bought more than once before"),
        (
            "end before any purchase",
            repeaters.clone(),
            date("2019-06-30"),
            today,
            "before the first purchase",
        ),
        ("end after today", repeaters.clone(), date("2021-07-01"), today, "is not before today"),
        ("end on today", repeaters, today, today, "nothing is held out"),
    ];
    for (what, purchases, end, today, words) in cases {
        let got = check(&purchases, end, today);
        let said = got.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(said.contains(words), "{what}: {got:?}");
    }
    assert_eq!(default_calibration_end(&[], today), Err(HoldoutError::NoPurchases));
    // A lone first purchase today holds nothing out, and the check says so rather than panicking.
    let end = default_calibration_end(&[vec![today]], today);
    assert_eq!(end, Ok(today));
    assert!(matches!(check(&[vec![today]], today, today), Err(HoldoutError::NoHoldout { .. })));
}

/// Scores with only what [`choose`] looks at set.
fn scored(model: Model, holdout_mae: f64, parameters: usize, bic: f64) -> ModelCheck {
    let params = Params::BgNbd(BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 });
    let s = Scores {
        params,
        log_likelihood: -1.0,
        bic,
        parameters,
        holdout_mae,
        holdout_bias: 0.0,
        holdout_predicted: 0.0,
        by_frequency: vec![None; FREQUENCY_GROUPS],
        cumulative_repeats: vec![],
    };
    ModelCheck { model, outcome: Outcome::Checked(s) }
}

fn failed(model: Model, error: PredictError) -> ModelCheck {
    ModelCheck { model, outcome: Outcome::Failed { error } }
}

#[test]
fn choose_takes_the_lowest_error_then_among_near_ties_the_lowest_bic_then_fewer_parameters() {
    let (bg, mbg, pnbd) = (Model::BgNbd, Model::MbgNbd, Model::ParetoNbd);
    let lowest = [scored(bg, 0.5, 4, 10.0), scored(mbg, 0.4, 4, 20.0), scored(pnbd, 0.6, 4, 1.0)];
    assert_eq!(choose(&lowest), Ok(mbg), "errors 25% apart: the lowest error wins, whatever the BIC");
    let near = [scored(bg, 0.400, 4, 10.0), scored(mbg, 0.405, 4, 9.0), scored(pnbd, 0.45, 4, 1.0)];
    assert_eq!(choose(&near), Ok(mbg), "1.25% apart is a tie: the lower BIC; pnbd is 12.5% worse");
    let fewer = [scored(bg, 0.4, 4, 10.0), scored(mbg, 0.4, 3, 10.0)];
    assert_eq!(choose(&fewer), Ok(mbg));
    let bic = [scored(bg, 0.4, 4, 10.0), scored(mbg, 0.4, 4, 9.0)];
    assert_eq!(choose(&bic), Ok(mbg));
    let one_failed = [failed(bg, PredictError::NotConverged(40_000)), scored(pnbd, 0.9, 4, 1.0)];
    assert_eq!(choose(&one_failed), Ok(pnbd));
    let none = [failed(bg, PredictError::NotConverged(40_000)), failed(pnbd, PredictError::NoData("none"))];
    let said = choose(&none).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        said,
        "no model could be fitted (bgnbd: the fit did not converge after 40000 evaluations; \
         pnbd: no customers to fit (none))"
    );
    assert!(choose(&[]).is_err());
}

#[test]
fn every_fit_failing_is_reported_not_chosen() -> std::result::Result<(), HoldoutError> {
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-12-31"), date("2021-06-30"));
    let shop = two_day_buyers(400, start, 60);
    let never = |_: Model, _: &[Rfx]| -> Result<FittedModel> { Err(PredictError::NotConverged(7)) };
    let report = check_with(&shop, calibration_end, today, never)?;
    assert_eq!(report.chosen, None);
    assert!(report.models.iter().all(|c| c.scores().is_none()));
    let rendered = render(&report, 80);
    let text = rendered.join("\n");
    eprintln!("{text}");
    assert!(text.contains("no model chosen: none could be fitted"), "{text}");
    assert!(rendered.len() <= 24 && rendered.iter().all(|l| l.chars().count() <= 80));
    let narrow = render(&report, 20);
    assert!(narrow.iter().all(|l| l.chars().count() <= 20), "{narrow:?}");
    let json = serde_json::to_value(&report).unwrap_or_default();
    assert_eq!(json["models"][0]["error"], "the fit did not converge after 7 evaluations");
    assert_eq!(json["models"][0]["model"], "bgnbd");
    Ok(())
}

#[test]
fn holdout_counts_distinct_days_and_skips_late_arrivals() -> std::result::Result<(), HoldoutError> {
    let (start, calibration_end, today) = (date("2020-01-01"), date("2020-12-31"), date("2021-06-30"));
    let mut shop = two_day_buyers(400, start, 60);
    // Three purchases on one holdout day count once; one after today not at all.
    let late = date("2021-02-01");
    shop[0].extend([late, late, late, date("2021-07-01")]);
    // Someone first seen after the calibration end was not known to any model.
    shop.push(vec![date("2021-01-05"), date("2021-03-01")]);
    let never = |_: Model, _: &[Rfx]| -> Result<FittedModel> { Err(PredictError::NotConverged(7)) };
    let report = check_with(&shop, calibration_end, today, never)?;
    assert_eq!((report.customers, report.repeat_buyers, report.holdout_actual), (400, 400, 1));
    assert_eq!(report.by_frequency[1].customers, 400);
    assert_eq!(report.by_frequency[1].actual, Some(1.0 / 400.0));
    assert_eq!(report.by_frequency[0].actual, None);
    assert_eq!(report.cumulative_repeats.last(), Some(&401));
    Ok(())
}
