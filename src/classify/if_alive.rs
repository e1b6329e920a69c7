//! The expected purchases of a customer who is still alive, kept per (x, T) across days.
//!
//! The 90-day expectation is P(alive) × E[Y | alive, x, T], and the second factor — a
//! hypergeometric series, most of the cost of a customer's model figures — depends on neither
//! t_x nor the customer. A new day moves every buyer's T by one, so nearly every (x, T) wanted
//! today was some other buyer's yesterday: kept in a table, a day's figures for a whole shop cost
//! one lookup per buyer and a handful of new series.

use super::model::{HORIZON_DAYS, Model};
use crate::predict::bgnbd::expected_if_alive;
use crate::predict::{BgNbdParams, PredictError, Result};
use std::collections::HashMap;

/// Past this many entries the table starts over (old (x, T) pairs are never asked for again).
const MAX_ENTRIES: usize = 1 << 21;

/// E[Y(90) | alive, x, T] for the parameters of one model.
#[derive(Debug, Clone, Default)]
pub struct IfAlive {
    params: Option<BgNbdParams>,
    /// None where the series failed (the figure is then left out, as without the table).
    table: HashMap<(u32, u32), Option<f64>>,
}

impl IfAlive {
    /// The figure for `model`, computed on first use; the table follows the model it is asked
    /// about, so a new model never reads an old one's figures.
    pub fn get(&mut self, model: &Model, x: u32, t: u32) -> Result<f64> {
        if self.params != Some(model.bgnbd) || self.table.len() >= MAX_ENTRIES {
            self.table.clear();
            self.params = Some(model.bgnbd);
        }
        let p = &model.bgnbd;
        let got = *self
            .table
            .entry((x, t))
            .or_insert_with(|| expected_if_alive(p, f64::from(x), f64::from(t), HORIZON_DAYS).ok());
        got.ok_or_else(|| PredictError::Series(format!("E[Y | alive] at x = {x}, T = {t}")))
    }
}
