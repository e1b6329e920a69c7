//! The holdout [`Report`] as plain lines for a terminal of 80 columns by 24 rows: the models'
//! scores, the frequency table and sparklines of the cumulative repeat purchases.
//!
//! Lines are ASCII but for the sparkline blocks, and none is wider than the width asked for
//! (counted in characters, each of which takes one column here).

use super::holdout::{Outcome, Report};
use super::models::Model;

/// Levels of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Width of the label before a sparkline: the longest model name, a mark and a blank.
const LABEL: usize = 8;

/// The report as lines of at most `width` characters; 22 lines, or fewer when a part is empty.
pub fn render(report: &Report, width: u16) -> Vec<String> {
    let mut lines = summary(report);
    lines.push(String::new());
    lines.extend(model_lines(report));
    lines.push(String::new());
    lines.extend(frequency_lines(report));
    lines.push(String::new());
    lines.extend(tracking_lines(report, usize::from(width).saturating_sub(LABEL)));
    lines.into_iter().map(|l| clip(l, width)).collect()
}

/// At most `width` characters of `line`.
fn clip(line: String, width: u16) -> String {
    match line.char_indices().nth(usize::from(width)) {
        Some((end, _)) => line[..end].to_string(),
        None => line,
    }
}

/// The dates and the counts the scores are about.
fn summary(r: &Report) -> Vec<String> {
    let mean = r.holdout_actual as f64 / r.customers.max(1) as f64;
    vec![
        format!(
            "fitted to {} .. {}, held out to {} ({} days)",
            r.first_purchase,
            r.calibration_end,
            r.today,
            r.holdout_days()
        ),
        format!(
            "{} customers, {} bought again; held out: {} purchases, {mean:.3} each",
            r.customers, r.repeat_buyers, r.holdout_actual
        ),
    ]
}

/// A header and one line per model, the chosen one marked; a failed model shows its error.
fn model_lines(r: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<LABEL$}{:>12}{:>14}{:>11}{:>12}",
        "model", "holdout_mae", "holdout_bias", "bic", "parameters"
    )];
    for c in &r.models {
        let label = marked(c.model, r.chosen);
        lines.push(match &c.outcome {
            Outcome::Checked(s) => format!(
                "{label:<LABEL$}{:>12.4}{:>14.4}{:>11.1}{:>12}",
                s.holdout_mae, s.holdout_bias, s.bic, s.parameters
            ),
            Outcome::Failed { error } => format!("{label:<LABEL$}failed: {error}"),
        });
    }
    lines
}

/// "bgnbd*" for the chosen model, "bgnbd" otherwise.
fn marked(model: Model, chosen: Option<Model>) -> String {
    let mark = if chosen == Some(model) { "*" } else { "" };
    format!("{model}{mark}")
}

/// Mean holdout purchases, actual and per model, by calibration frequency x.
fn frequency_lines(r: &Report) -> Vec<String> {
    let mut header = format!("{:>3}{:>11}{:>9}", "x", "customers", "actual");
    for c in &r.models {
        header.push_str(&format!("{:>9}", c.model.name()));
    }
    let mut lines = vec![header];
    let last = r.by_frequency.len().saturating_sub(1);
    for (i, g) in r.by_frequency.iter().enumerate() {
        let x = if i == last { format!("{}+", g.x) } else { g.x.to_string() };
        let mut line = format!("{x:>3}{:>11}{:>9}", g.customers, mean(g.actual));
        for c in &r.models {
            let predicted = c.scores().and_then(|s| s.by_frequency.get(i).copied().flatten());
            line.push_str(&format!("{:>9}", mean(predicted)));
        }
        lines.push(line);
    }
    lines
}

/// A group mean to three places, "-" for none.
fn mean(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

/// A title and sparklines of `cells` at most, actual and the chosen model's, on one scale so
/// that their heights compare; without a chosen model, why.
fn tracking_lines(r: &Report, cells: usize) -> Vec<String> {
    let actual: Vec<f64> = r.cumulative_repeats.iter().map(|v| *v as f64).collect();
    let chosen = r.chosen.and_then(|m| r.models.iter().find(|c| c.model == m)?.scores().map(|s| (m, s)));
    let expected = chosen.map(|(_, s)| s.cumulative_repeats.as_slice()).unwrap_or_default();
    let top = actual.iter().chain(expected).copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let mut lines = vec![
        format!("cumulative repeat purchases, {} weeks, 0 to {top:.0}:", r.weeks.len()),
        format!("{:<LABEL$}{}", "actual", sparkline(&actual, cells, top)),
    ];
    // Each failure is on its model's line already; the whole list would not fit on one.
    lines.push(match chosen {
        Some((m, _)) => format!("{:<LABEL$}{}", marked(m, r.chosen), sparkline(expected, cells, top)),
        None => "no model chosen: none could be fitted".to_string(),
    });
    lines.push("* chosen: the lowest holdout_mae (within 2%: the lowest bic)".to_string());
    lines
}

/// The series as at most `cells` blocks from ▁ (0 or less) to █ (`top`), so that series drawn
/// with the same top compare; a longer series keeps every k-th point counted back from the
/// last, which is always shown.
pub fn sparkline(series: &[f64], cells: usize, top: f64) -> String {
    if cells == 0 || series.is_empty() {
        return String::new();
    }
    let step = series.len().div_ceil(cells);
    let mut kept: Vec<f64> = series.iter().rev().step_by(step).copied().collect();
    kept.reverse();
    let highest = (BARS.len() - 1) as f64;
    kept.iter()
        .map(|v| {
            let share = if top > 0.0 && top.is_finite() && v.is_finite() { v / top } else { 0.0 };
            BARS[(share * highest).round().clamp(0.0, highest) as usize]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_keeps_the_last_point_and_the_scale() {
        let series: Vec<f64> = (0..=10).map(f64::from).collect();
        assert_eq!(sparkline(&series, 20, 10.0), "▁▂▂▃▄▅▅▆▇▇█");
        // 11 points in 4 cells: every third, counted back from the last.
        assert_eq!(sparkline(&series, 4, 10.0), "▂▄▆█");
        assert_eq!(sparkline(&series, 4, 20.0), "▁▂▃▅");
        assert_eq!(sparkline(&[f64::NAN, -1.0, f64::INFINITY], 3, 1.0), "▁▁▁");
        assert_eq!(sparkline(&series, 0, 10.0), "");
        assert_eq!(sparkline(&[], 5, 10.0), "");
        assert_eq!(sparkline(&series, 5, 0.0).chars().count(), 4);
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("▁▂▃▄".to_string(), 2), "▁▂");
        assert_eq!(clip("abc".to_string(), 5), "abc");
        assert_eq!(clip("abc".to_string(), 0), "");
    }
}
