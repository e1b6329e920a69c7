//! The expected purchases of a customer who is still alive, kept per (x, T) across days.
//!
//! The 90-day expectation is P(alive) × E[Y | alive, x, T], and the second factor — a
//! hypergeometric series, most of the cost of a customer's model figures — depends on neither
//! t_x nor the customer. A new day moves every buyer's T by one, so most (x, T) wanted today were
//! some other buyer's yesterday: kept in a table, a day's figures for a whole shop cost one
//! lookup per buyer and a few thousand new series.

use super::model::{HORIZON_DAYS, Model};
use crate::predict::bgnbd::expected_if_alive;
use crate::predict::{BgNbdParams, PredictError, Result};

/// Days since the first purchase past which a figure is computed each time, not kept (a century
/// and more: a date typed wrong, not a customer).
const MAX_T: usize = 1 << 16;
/// Not computed yet (a NaN no arithmetic produces, so never a stored figure).
const EMPTY: u64 = u64::MAX;
/// The series failed there; the figure is then left out, as without the table.
const FAILED: u64 = u64::MAX - 1;

/// E[Y(90) | alive, x, T] for the parameters of one model: a row per x, indexed by T (both are
/// small: purchase days and days since the first purchase), so a lookup is two index reads.
#[derive(Debug, Clone, Default)]
pub struct IfAlive {
    params: Option<BgNbdParams>,
    rows: Vec<Vec<u64>>,
}

impl IfAlive {
    /// The figure for `model`, computed on first use; the table follows the model it is asked
    /// about, so a new model never reads an old one's figures.
    pub fn get(&mut self, model: &Model, x: u32, t: u32) -> Result<f64> {
        if self.params != Some(model.bgnbd) {
            self.rows.clear();
            self.params = Some(model.bgnbd);
        }
        let (xi, ti) = (x as usize, t as usize);
        if ti >= MAX_T || xi >= MAX_T {
            return expected_if_alive(&model.bgnbd, f64::from(x), f64::from(t), HORIZON_DAYS);
        }
        if self.rows.len() <= xi {
            self.rows.resize_with(xi + 1, Vec::new);
        }
        let row = &mut self.rows[xi];
        if row.len() <= ti {
            row.resize(ti + 1, EMPTY);
        }
        if row[ti] == EMPTY {
            let got = expected_if_alive(&model.bgnbd, f64::from(x), f64::from(t), HORIZON_DAYS);
            row[ti] = got.map_or(FAILED, f64::to_bits);
        }
        match row[ti] {
            FAILED => Err(PredictError::Series(format!("E[Y | alive] at x = {x}, T = {t}"))),
            bits => Ok(f64::from_bits(bits)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Fingerprint, MODEL_VERSION};
    use crate::predict::bgnbd::expected_if_alive;

    fn model(a: f64) -> Model {
        Model {
            version: MODEL_VERSION,
            bgnbd: BgNbdParams { r: 0.24, alpha: 4.41, a, b: 2.43 },
            log_likelihood: 0.0,
            penalty: 0.0,
            customers: 1,
            spend: None,
            fitted_on: chrono::NaiveDate::MIN,
            fingerprint: Fingerprint { customers: 0, purchases: 0, hash: 0 },
            chosen: crate::predict::Params::BgNbd(BgNbdParams { r: 0.24, alpha: 4.41, a, b: 2.43 }),
            selection: Default::default(),
        }
    }

    #[test]
    fn gives_the_series_bit_for_bit_and_follows_the_model() {
        let mut t = IfAlive::default();
        let (m1, m2) = (model(0.79), model(3.5));
        let direct = |m: &Model, x: u32, tt: u32| {
            expected_if_alive(&m.bgnbd, f64::from(x), f64::from(tt), HORIZON_DAYS).map(f64::to_bits).ok()
        };
        for (x, tt) in [(0, 0), (3, 200), (3, 200), (0, 1500), (40, 7), (2, 1 << 20)] {
            assert_eq!(t.get(&m1, x, tt).map(f64::to_bits).ok(), direct(&m1, x, tt));
        }
        // Same cells under another model: its own figures, not the first model's.
        assert_eq!(t.get(&m2, 3, 200).map(f64::to_bits).ok(), direct(&m2, 3, 200));
        assert_ne!(direct(&m1, 3, 200), direct(&m2, 3, 200));
    }
}
