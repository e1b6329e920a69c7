//! `kehu fit`: refit the predictive model now, store it, and print what was fitted.

use super::Context;
use crate::classify::{Choice, HORIZON_DAYS, MODEL_SETTING, Model};
use crate::progress::{Progress, Unit};
use crate::store::Store;
use anyhow::Context as _;
use std::io::Write;
use std::time::Instant;

/// Fits the purchase model `choice` names (auto: the holdout check's pick) and Gamma-Gamma to
/// every customer as of `--as-of`, stores the model (start-up then reuses it until the data
/// changes), signed by `operator`, and prints the parameters and the fit time.
pub fn run(
    ctx: &Context,
    store: &dyn Store,
    choice: Choice,
    p: &dyn Progress,
    operator: &str,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (_, builder) = ctx.stream_with(store, false, p)?;
    let started = Instant::now();
    // A fit reports no steps of its own: the stage shows that it runs and for how long.
    p.stage("fitting the purchase models and Gamma-Gamma", None, Unit::Nothing);
    let model = builder.fit_model_with(choice).context("cannot fit the predictive model");
    p.done();
    let model = model?;
    let took = started.elapsed().as_secs_f64();
    let fitted = crate::change::Change::Setting { key: MODEL_SETTING.into(), value: Some(model.to_bytes()) };
    store.commit(fitted, operator)?;
    print(&model, took, out)?;
    Ok(0)
}

/// The parameters, one per line, so that people and scripts can both read them.
fn print(m: &Model, seconds: f64, out: &mut dyn Write) -> anyhow::Result<()> {
    let b = &m.bgnbd;
    writeln!(
        out,
        "BG/NBD fitted on {} customers as of {} (daily periods) in {seconds:.3} s",
        m.customers, m.fitted_on
    )?;
    writeln!(out, "  r                 {:.6}", b.r)?;
    writeln!(out, "  alpha             {:.6}", b.alpha)?;
    writeln!(out, "  a                 {:.6}", b.a)?;
    writeln!(out, "  b                 {:.6}", b.b)?;
    writeln!(out, "  log-likelihood    {:.4}", m.log_likelihood)?;
    if m.penalty > 0.0 {
        writeln!(
            out,
            "  (maximum likelihood ran off to a boundary; fitted with ridge penalty {})",
            m.penalty
        )?;
    }
    let days = HORIZON_DAYS;
    if let Ok(e) = crate::predict::expected_purchases_population(b, days) {
        writeln!(out, "  a new customer's expected purchases in their first {days:.0} days: {e:.4}")?;
    }
    print_chosen(m, out)?;
    match &m.spend {
        Some(g) => {
            writeln!(out, "Gamma-Gamma fitted on {} customers with repeat purchases", g.customers)?;
            writeln!(out, "  p                 {:.6}", g.params.p)?;
            writeln!(out, "  q                 {:.6}", g.params.q)?;
            writeln!(out, "  v                 {:.6}", g.params.v)?;
            writeln!(out, "  log-likelihood    {:.4}", g.log_likelihood)?;
            writeln!(out, "  mean order value  {:.2}", g.mean_order_value)?;
        }
        None => writeln!(out, "Gamma-Gamma: too few customers with repeat purchases; no 12-month value")?,
    }
    writeln!(
        out,
        "fingerprint: {} customers, {} purchases, {:016x}",
        m.fingerprint.customers, m.fingerprint.purchases, m.fingerprint.hash
    )?;
    Ok(())
}

/// The model in force, its parameters (daily periods) and how it was chosen.
fn print_chosen(m: &Model, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::predict::Params;
    let named: Vec<(&str, f64)> = match m.chosen {
        Params::BgNbd(p) => vec![("r", p.r), ("alpha", p.alpha), ("a", p.a), ("b", p.b)],
        Params::MbgNbd(p) => vec![("r", p.r), ("alpha", p.alpha), ("a", p.a), ("b", p.b)],
        Params::ParetoNbd(p) => vec![("r", p.r), ("alpha", p.alpha), ("s", p.s), ("beta", p.beta)],
    };
    writeln!(out, "model: {} ({})", m.chosen.model().name(), m.selection.how)?;
    if !matches!(m.chosen, Params::BgNbd(_)) {
        for (name, v) in named {
            writeln!(out, "  {name:<17} {v:.6}")?;
        }
    }
    if let Some(end) = m.selection.calibration_end {
        writeln!(out, "  holdout after {end}:")?;
        for s in &m.selection.scores {
            writeln!(
                out,
                "  {:<7} holdout_mae {:.4}  holdout_bias {:+.4}  bic {:.1}",
                s.model, s.holdout_mae, s.holdout_bias, s.bic
            )?;
        }
    }
    Ok(())
}
