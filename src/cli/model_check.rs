//! `kehu model-check`: each purchase model fitted to the history up to a calibration end and
//! compared with what customers bought after it (see [`crate::predict::holdout`]), as a table
//! that fits 80x24 or as JSON.

use super::Context;
use crate::predict::holdout;
use crate::progress::{Progress, Unit};
use crate::store::Store;
use chrono::NaiveDate;
use std::io::Write;

/// The report's width: a terminal of 80 columns shows it whole.
const WIDTH: u16 = 80;

/// Checks the models on the shop as of `--as-of`, split at `calibration_end` (default: the last
/// quarter of the history held out); exit 1 with the reason when the data is too little.
pub fn run(
    ctx: &Context,
    store: &dyn Store,
    calibration_end: Option<NaiveDate>,
    json: bool,
    p: &dyn Progress,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (_, builder) = ctx.stream_with(store, false, p)?;
    let days = builder.purchase_days();
    let end = match calibration_end {
        Some(d) => d,
        None => holdout::default_calibration_end(&days, ctx.today)?,
    };
    p.stage("fitting each model to the calibration period", None, Unit::Nothing);
    let report = holdout::check(&days, end, ctx.today);
    p.done();
    let report = report.map_err(|e| anyhow::anyhow!("cannot check the models: {e}"))?;
    if json {
        super::json::write_pretty(&mut *out, &serde_json::to_value(&report)?)?;
        writeln!(out)?;
    } else {
        for line in crate::predict::render(&report, WIDTH) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(0)
}
