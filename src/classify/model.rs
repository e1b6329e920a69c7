//! The fitted predictive model as the classifier applies it: BG/NBD (daily periods) and
//! Gamma-Gamma parameters with the day and the data they were fitted on, so that start-up can
//! tell a stored fit that still holds from one the data has moved away from.
//!
//! Fitting reads every buying customer; applying the model to one customer is a handful of
//! closed-form evaluations, so each edit recomputes that customer's figures with the current
//! parameters while the parameters themselves are refitted only on demand or when stale.

use super::Reason;
use super::choice::{Choice, Selection};
use super::summary::Summary;
use crate::domain::History;
use crate::predict::gamma_gamma::{self, RepeatSpend};
use crate::predict::{self, BgNbdParams, DAYS_PER_MONTH, GammaGammaParams, PredictError, Rfx, ValueEstimate};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The settings key the model is stored under.
pub const MODEL_SETTING: &str = "model";
/// Bumped whenever the stored layout or the way the data is summarised changes, so that a model
/// fitted by an older kehu is refitted rather than misread. 2: the model in force is chosen
/// (BG/NBD, MBG/NBD or Pareto/NBD: see [`super::choice`]).
pub const MODEL_VERSION: u32 = 2;
/// The horizon of the expected-purchases figure, in days.
pub const HORIZON_DAYS: f64 = 90.0;

/// What the fit saw, to tell at start-up whether the data changed since (ids, days and amounts
/// of every purchase up to the fit's "today").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Customers with at least one purchase.
    pub customers: u64,
    /// Purchases counted.
    pub purchases: u64,
    /// Order-independent hash of (customer, purchase id, day, amount) over those purchases.
    pub hash: u64,
}

/// The fitted spend model, absent when too few customers bought twice to fit it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendModel {
    /// Gamma-Gamma (p, q, v), money in currency units.
    pub params: GammaGammaParams,
    /// The population's mean order value p·v/(q−1), what a customer without repeats is given.
    pub mean_order_value: f64,
    /// Log-likelihood at `params`.
    pub log_likelihood: f64,
    /// Customers with repeat purchases the fit used.
    pub customers: u64,
}

/// A fitted BG/NBD (daily periods) with its spend model, fit day and data fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`MODEL_VERSION`] at the time of the fit.
    pub version: u32,
    /// BG/NBD (r, α, a, b); α in days.
    pub bgnbd: BgNbdParams,
    /// BG/NBD log-likelihood at `bgnbd`.
    pub log_likelihood: f64,
    /// The ridge penalty the BG/NBD fit needed to stay finite (0: plain maximum likelihood).
    pub penalty: f64,
    /// Buying customers the BG/NBD fit used.
    pub customers: u64,
    /// Gamma-Gamma, when it could be fitted (and has a finite mean).
    pub spend: Option<SpendModel>,
    /// The "today" the data was summarised as of.
    pub fitted_on: NaiveDate,
    /// The data the fit saw.
    pub fingerprint: Fingerprint,
    /// The parameters predictions come from: `bgnbd`'s, or another model's fitted to the same
    /// customers (see [`super::choice`]).
    pub chosen: predict::Params,
    /// How `chosen` was chosen.
    pub selection: Selection,
}

/// One customer's figures from the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Expected purchase days in the next [`HORIZON_DAYS`]; None if it could not be evaluated.
    pub expected_90d: Option<f64>,
    /// 12-month discounted value; None without a spend model.
    pub clv_12m: Option<ValueEstimate>,
    /// One line on P(alive), e.g. "P(alive) 0.31 — 5 purchases, none in the last 240 days,
    /// usually every 30".
    pub reason: Reason,
    /// The chance of no purchase in the next [`HORIZON_DAYS`] (see
    /// [`predict::ranges::churn_probability`]); None if it could not be evaluated.
    pub churn_90d: Option<f64>,
}

/// The facts of one buying customer the model reads: (x, t_x, T) in days, repeat spend.
pub(super) struct Facts {
    pub(super) rfx: Rfx,
    pub(super) spend: RepeatSpend,
    purchases: u32,
}

impl Facts {
    /// Summarises purchases up to `today`, same-day purchases as one transaction (their amounts
    /// summed), as the BG/NBD and Gamma-Gamma papers count transactions.
    pub(super) fn of(s: &Summary, today: NaiveDate) -> Option<Facts> {
        let ps = s.purchases_to(today);
        let mut days: Vec<(NaiveDate, f64)> = Vec::new();
        for p in ps {
            let amount = p.amount.0 as f64 / 100.0;
            match days.last_mut() {
                Some((d, total)) if *d == p.day => *total += amount,
                _ => days.push((p.day, amount)),
            }
        }
        let only_days: Vec<NaiveDate> = days.iter().map(|(d, _)| *d).collect();
        let rfx = Rfx::from_purchase_days(&only_days, today)?;
        // The first transaction is left out of the spend, as in the Gamma-Gamma papers.
        let repeats = &days[1..];
        let mean_value = if repeats.is_empty() {
            0.0
        } else {
            repeats.iter().map(|(_, v)| v).sum::<f64>() / repeats.len() as f64
        };
        Some(Facts { rfx, spend: RepeatSpend { x: rfx.x, mean_value }, purchases: ps.len() as u32 })
    }
}

impl Fingerprint {
    /// The fingerprint of the purchases of `summaries` up to `today`.
    pub fn of<'a>(summaries: impl IntoIterator<Item = &'a Summary>, today: NaiveDate) -> Fingerprint {
        let mut f = Fingerprint { customers: 0, purchases: 0, hash: 0 };
        for s in summaries {
            let ps = s.purchases_to(today);
            if ps.is_empty() {
                continue;
            }
            let mut h = Fnv::new();
            h.word(s.id);
            for p in ps {
                h.word(p.day.num_days_from_ce() as u64);
                h.word(p.amount.0 as u64);
            }
            // A sum of per-customer hashes does not depend on the order customers come in.
            f.hash = f.hash.wrapping_add(h.finish());
            f.customers += 1;
            f.purchases += ps.len() as u64;
        }
        f
    }
}

/// 64-bit FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`, which
/// matters because the fingerprint is stored.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Fits the model to every customer of `histories` as of `today`.
pub fn fit_model<'a>(
    histories: impl IntoIterator<Item = &'a History>,
    today: NaiveDate,
) -> predict::Result<Model> {
    let summaries: Vec<Summary> = histories.into_iter().map(Summary::from_history).collect();
    fit_summaries(&summaries, today)
}

/// Fits the model to the buying customers among `summaries` as of `today`, the model in force
/// chosen by the holdout check (see [`fit_summaries_with`]).
pub fn fit_summaries<'a>(
    summaries: impl IntoIterator<Item = &'a Summary> + Clone,
    today: NaiveDate,
) -> predict::Result<Model> {
    fit_summaries_with(summaries, today, Choice::Auto)
}

/// Fits the model to the buying customers among `summaries` as of `today`: BG/NBD on daily
/// (x, t_x, T), the model in force as `choice` says, Gamma-Gamma on repeat spend (left out,
/// not an error, when it cannot be fitted).
pub fn fit_summaries_with<'a>(
    summaries: impl IntoIterator<Item = &'a Summary> + Clone,
    today: NaiveDate,
    choice: Choice,
) -> predict::Result<Model> {
    let facts: Vec<Facts> = summaries.clone().into_iter().filter_map(|s| Facts::of(s, today)).collect();
    if facts.is_empty() {
        return Err(PredictError::NoData("no customer has bought anything yet"));
    }
    let rows: Vec<Rfx> = facts.iter().map(|f| f.rfx).collect();
    let (fit, penalty) = fit_bgnbd(&rows)?;
    let days = super::choice::purchase_days(summaries.clone(), today);
    let (chosen, selection) =
        super::choice::choose(choice, &days, &rows, predict::Params::BgNbd(fit.params), today)?;
    let spends: Vec<RepeatSpend> = facts.iter().map(|f| f.spend).collect();
    // A shop where few buy twice has no spend model yet; BG/NBD figures are still worth having.
    let spend = gamma_gamma::fit(&spends).ok().and_then(|g| {
        let mean = gamma_gamma::population_order_value(&g.params).ok()?;
        Some(SpendModel {
            params: g.params,
            mean_order_value: mean,
            log_likelihood: g.log_likelihood,
            customers: g.customers as u64,
        })
    });
    Ok(Model {
        version: MODEL_VERSION,
        bgnbd: fit.params,
        log_likelihood: fit.log_likelihood,
        penalty,
        customers: facts.len() as u64,
        spend,
        fitted_on: today,
        fingerprint: Fingerprint::of(summaries, today),
        chosen,
        selection,
    })
}

/// Penalties tried in turn when plain maximum likelihood runs off to a boundary.
const PENALTIES: [f64; 3] = [1e-4, 1e-3, 1e-2];

/// Maximum likelihood, or the least penalised fit that converges (see
/// [`predict::bgnbd::fit_penalised`]); returns the penalty used.
fn fit_bgnbd(rows: &[Rfx]) -> predict::Result<(predict::Fit, f64)> {
    let mut last = match predict::bgnbd::fit(rows) {
        Ok(f) => return Ok((f, 0.0)),
        Err(e @ PredictError::NotConverged(_)) => e,
        Err(e) => return Err(e),
    };
    for penalty in PENALTIES {
        match predict::bgnbd::fit_penalised(rows, penalty) {
            Ok(f) => return Ok((f, penalty)),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Days a stored model stays in force over data that changed since its fit (see
/// [`Model::holds_for`]).
pub const MODEL_FRESH_DAYS: i64 = 7;
/// The share of purchases (or of customers with purchases), in parts per thousand, that may
/// come or go since the fit before it is refitted sooner.
pub const MODEL_DRIFT_PER_MILLE: u64 = 10;

impl Model {
    /// Whether this stored model is the one in force for data with `fingerprint` on `today`:
    /// always for the data it was fitted on; for changed data, while the fit is under
    /// [`MODEL_FRESH_DAYS`] old and the purchases and buyers counted moved by less than
    /// [`MODEL_DRIFT_PER_MILLE`]. Decision: a sale does not make the model stale — its
    /// parameters barely move with one more purchase, and refitting at every start after
    /// any sale cost a 100,000-customer shop 1.5 s and every kept class (a new model changes
    /// everyone's P(alive)). A week's or a percent's change does.
    pub fn holds_for(&self, fingerprint: &Fingerprint, today: NaiveDate) -> bool {
        if self.fingerprint == *fingerprint {
            return true;
        }
        let age = (today - self.fitted_on).num_days();
        let near = |then: u64, now: u64| then.abs_diff(now) * 1000 < then.max(1) * MODEL_DRIFT_PER_MILLE;
        (0..MODEL_FRESH_DAYS).contains(&age)
            && near(self.fingerprint.purchases, fingerprint.purchases)
            && near(self.fingerprint.customers, fingerprint.customers)
    }

    /// The stored form (JSON, so that a person can read what was fitted).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain numbers, dates and strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a stored model; None when it is unreadable or from another model version, which
    /// callers treat as "no model, refit".
    pub fn from_bytes(bytes: &[u8]) -> Option<Model> {
        serde_json::from_slice::<Model>(bytes).ok().filter(|m| m.version == MODEL_VERSION)
    }

    /// What the model predicts for the customer; None for a customer without purchases.
    pub fn predict(&self, s: &Summary, discount_rate: f64, today: NaiveDate) -> Option<Prediction> {
        let f = Facts::of(s, today)?;
        let (p_alive, expected_90d) =
            self.brief(&f.rfx, |x, t| predict::bgnbd::expected_if_alive(&self.bgnbd, x, t, HORIZON_DAYS));
        let clv_12m = self.spend.as_ref().and_then(|g| {
            let expected = |t: f64| self.chosen.expected_purchases(&f.rfx, t);
            predict::gamma_gamma::clv_12m_by(
                expected,
                &g.params,
                f.rfx.x,
                f.spend.mean_value,
                discount_rate,
                DAYS_PER_MONTH,
            )
            .ok()
        });
        Some(Prediction {
            p_alive,
            expected_90d,
            clv_12m,
            reason: alive_reason(p_alive, &f.rfx, f.purchases),
            churn_90d: predict::ranges::churn_probability(&self.chosen, &f.rfx, HORIZON_DAYS).ok(),
        })
    }

    /// P(alive) and the expected purchases in the next [`HORIZON_DAYS`] alone: what lists and
    /// segments show, without the 12-month value and the reason.
    pub fn predict_brief(&self, s: &Summary, today: NaiveDate) -> Option<(f64, Option<f64>)> {
        let f = Facts::of(s, today)?;
        let p = &self.bgnbd;
        Some(self.brief(&f.rfx, |x, t| predict::bgnbd::expected_if_alive(p, x, t, HORIZON_DAYS)))
    }

    /// [`Model::predict_brief`] of (x, t_x, T), with E[Y | alive, x, T] from `if_alive` (which a
    /// caller may have kept from another customer or day: see `predict::bgnbd`) while BG/NBD is
    /// the model in force; the other models are evaluated directly. A P(alive) that cannot be
    /// evaluated (degenerate parameters) is BG/NBD's.
    pub fn brief(
        &self,
        rfx: &Rfx,
        if_alive: impl FnOnce(f64, f64) -> predict::Result<f64>,
    ) -> (f64, Option<f64>) {
        if let predict::Params::BgNbd(p) = &self.chosen {
            let p_alive = predict::p_alive(p, rfx);
            return (p_alive, predict::bgnbd::expected_purchases_with(p, rfx, HORIZON_DAYS, if_alive).ok());
        }
        let p_alive = self.chosen.p_alive(rfx).unwrap_or_else(|_| predict::p_alive(&self.bgnbd, rfx));
        (p_alive, self.chosen.expected_purchases(rfx, HORIZON_DAYS).ok())
    }

    /// What the model predicts, unconditionally, for a customer first seen `age_days` ago over
    /// the next [`HORIZON_DAYS`]: the population figure the customers' mean should approach.
    pub fn population_expected_90d(&self, age_days: f64) -> predict::Result<f64> {
        let p = &self.chosen;
        Ok(p.expected_purchases_population(age_days + HORIZON_DAYS)?
            - p.expected_purchases_population(age_days)?)
    }
}

/// "high — 82% chance of no purchase in the next 90 days": the churn-risk band (low under 1/3,
/// high from 2/3) with the chance it rests on.
pub fn churn_reason(churn: f64) -> Reason {
    let pct = format!("{:.0}", churn * 100.0);
    match predict::ranges::ChurnRisk::from_probability(churn) {
        Ok(predict::ranges::ChurnRisk::Low) => {
            reason!("low — {}% chance of no purchase in the next 90 days", pct)
        }
        Ok(predict::ranges::ChurnRisk::Medium) => {
            reason!("medium — {}% chance of no purchase in the next 90 days", pct)
        }
        _ => reason!("high — {}% chance of no purchase in the next 90 days", pct),
    }
}

/// "P(alive) 0.31 — 5 purchases, none in the last 240 days, usually every 30": the figure with
/// the three facts it rests on (how often, how long since, the usual gap).
pub fn alive_reason(p_alive: f64, rfx: &Rfx, purchases: u32) -> Reason {
    let days = rfx.x as u32 + 1;
    // Same-day purchases are one transaction to the model; say so when it makes a difference.
    let count = match (days == purchases, days == 1) {
        (true, true) => reason!("{} purchase", days),
        (true, false) => reason!("{} purchases", days),
        (false, true) => reason!("{} purchase day", days),
        (false, false) => reason!("{} purchase days", days),
    };
    let since = (rfx.t - rfx.t_x).round() as i64;
    let recent = match since {
        0 => reason!("the last one today"),
        1 => reason!("none since yesterday"),
        d => reason!("none in the last {} days", d),
    };
    if rfx.x < 1.0 {
        return reason!(
            "P(alive) {} — {}, {}; no repeat yet to judge by",
            format!("{p_alive:.2}"),
            count,
            recent
        );
    }
    let gap = (rfx.t_x / rfx.x).round() as i64;
    reason!("P(alive) {} — {}, {}, usually every {}", format!("{p_alive:.2}"), count, recent, gap)
}

/// "1234.56 over the next 12 months (10% a year discount)", flagged when the order value is the
/// population's.
pub fn clv_reason(v: &ValueEstimate, discount_rate: f64) -> Reason {
    let value = format!("{:.2}", v.value);
    let rate = format!("{:.0}", discount_rate * 100.0);
    if v.from_population {
        reason!(
            "{} over the next 12 months (discounted {}% a year), at the population's order value: no repeat purchase yet",
            value,
            rate
        )
    } else {
        reason!("{} over the next 12 months (discounted {}% a year)", value, rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_model_holds_for_a_few_sales_within_a_week() {
        let fit = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let seen = Fingerprint { customers: 1000, purchases: 5000, hash: 1 };
        let model = Model {
            version: MODEL_VERSION,
            bgnbd: BgNbdParams { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 },
            log_likelihood: 0.0,
            penalty: 0.0,
            customers: 1000,
            spend: None,
            fitted_on: fit,
            fingerprint: seen,
            chosen: predict::Params::BgNbd(BgNbdParams { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }),
            selection: Default::default(),
        };
        let day = |n: i64| fit + chrono::Duration::days(n);
        let data = |customers, purchases| Fingerprint { customers, purchases, hash: 2 };
        assert!(model.holds_for(&seen, day(400)), "the data it saw: always");
        assert!(model.holds_for(&seen, day(-3)));
        assert!(model.holds_for(&data(1000, 5049), day(6)), "49 sales within the week");
        assert!(!model.holds_for(&data(1000, 5050), day(6)), "one percent more purchases");
        assert!(!model.holds_for(&data(1010, 5001), day(0)), "one percent more buyers");
        assert!(model.holds_for(&data(1000, 4951), day(1)), "a few returns");
        assert!(!model.holds_for(&data(1000, 5001), day(7)), "a week old");
        assert!(!model.holds_for(&data(1000, 5001), day(-1)), "a day before its fit");
        let empty = Model { fingerprint: Fingerprint { customers: 0, purchases: 0, hash: 0 }, ..model };
        assert!(!empty.holds_for(&data(1, 1), day(0)), "the first purchases of a shop");
    }

    #[test]
    fn a_stored_model_reads_back_to_the_very_numbers_fitted() {
        // Numbers whose shortest decimal form a fast float parser reads one bit off.
        let awkward =
            [0.1 + 0.2, 1.0 / 3.0, 2.2250738585072014e-308, 9007199254740993.0, 0.30000000000000004];
        for (i, x) in awkward.iter().enumerate() {
            let model = Model {
                version: MODEL_VERSION,
                bgnbd: BgNbdParams {
                    r: *x,
                    alpha: x * 7.77,
                    a: 1.0 / (x + 3.0),
                    b: x.sqrt() + 0.123_456_789,
                },
                log_likelihood: -x * 1e5,
                penalty: 0.0,
                customers: i as u64,
                spend: None,
                fitted_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                fingerprint: Fingerprint { customers: 1, purchases: 2, hash: 3 },
                chosen: predict::Params::BgNbd(BgNbdParams {
                    r: *x,
                    alpha: x * 7.77,
                    a: 1.0 / (x + 3.0),
                    b: x.sqrt() + 0.123_456_789,
                }),
                selection: Default::default(),
            };
            let back = Model::from_bytes(&model.to_bytes()).expect("reads back");
            assert_eq!(back.bgnbd.r.to_bits(), model.bgnbd.r.to_bits());
            assert_eq!(back, model);
        }
    }

    #[test]
    fn reason_names_count_recency_and_rhythm() {
        let rfx = Rfx { x: 4.0, t_x: 120.0, t: 360.0 };
        assert_eq!(
            alive_reason(0.3149, &rfx, 5),
            "P(alive) 0.31 — 5 purchases, none in the last 240 days, usually every 30"
        );
        assert_eq!(
            alive_reason(0.9, &rfx, 6),
            "P(alive) 0.90 — 5 purchase days, none in the last 240 days, usually every 30"
        );
        let one = Rfx { x: 0.0, t_x: 0.0, t: 40.0 };
        assert_eq!(
            alive_reason(1.0, &one, 1),
            "P(alive) 1.00 — 1 purchase, none in the last 40 days; no repeat yet to judge by"
        );
        let today = Rfx { x: 1.0, t_x: 10.0, t: 10.0 };
        assert_eq!(
            alive_reason(0.95, &today, 2),
            "P(alive) 0.95 — 2 purchases, the last one today, usually every 10"
        );
    }

    #[test]
    fn clv_reason_flags_the_population_figure() {
        let own = ValueEstimate { value: 123.456, from_population: false };
        assert_eq!(clv_reason(&own, 0.1), "123.46 over the next 12 months (discounted 10% a year)");
        let pop = ValueEstimate { value: 10.0, from_population: true };
        assert!(
            clv_reason(&pop, 0.1).to_string().ends_with("population's order value: no repeat purchase yet")
        );
    }

    #[test]
    fn stored_form_round_trips_and_refuses_other_versions() {
        let m = Model {
            version: MODEL_VERSION,
            bgnbd: BgNbdParams { r: 0.24, alpha: 30.1, a: 0.79, b: 2.43 },
            log_likelihood: -9582.4,
            penalty: 0.0,
            customers: 3,
            spend: None,
            fitted_on: NaiveDate::from_ymd_opt(1998, 6, 30).unwrap_or_default(),
            fingerprint: Fingerprint { customers: 3, purchases: 7, hash: u64::MAX },
            chosen: predict::Params::BgNbd(BgNbdParams { r: 0.24, alpha: 30.1, a: 0.79, b: 2.43 }),
            selection: Default::default(),
        };
        assert_eq!(Model::from_bytes(&m.to_bytes()), Some(m.clone()));
        let old = Model { version: 0, ..m };
        assert_eq!(Model::from_bytes(&old.to_bytes()), None);
        assert_eq!(Model::from_bytes(b"garbage"), None);
    }
}
