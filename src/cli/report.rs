//! `kehu report day [--date D] [--json]`: the day's close (see [`crate::report::day`]).

use super::Context;
use crate::i18n::{tr, trf};
use crate::report::day::{DayBook, DayReport, best_day, rows, sparkline};
use crate::store::Store;
use chrono::NaiveDate;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Reads every history once (for the figures and the follow-up queue) and prints the close of
/// `date` (today when not given).
pub fn day(
    ctx: &Context,
    store: &dyn Store,
    date: Option<NaiveDate>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let date = date.unwrap_or(ctx.today);
    // The queue as of the reported day, so that an evening report of a past day says what was
    // due that day.
    let as_of = Context { today: date, ..ctx.clone() };
    let mut builder = crate::classify::Classifier::builder(as_of.rules.clone(), date);
    let mut book = DayBook::new(date);
    store.for_each_history(&mut |h| {
        book.push(&h);
        builder.push(&h);
    })?;
    let (clf, note) = as_of.classify(store, builder)?;
    if let Some(note) = note {
        writeln!(err, "kehu: {note}")?;
    }
    let report = book.finish(clf.follow_up_queue().len());
    if json {
        super::json::write_pretty(&mut *out, &serde_json::to_value(&report)?)?;
        writeln!(out)?;
    } else {
        print(&report, out)?;
    }
    Ok(0)
}

/// The report as aligned lines in the current language.
pub fn print(r: &DayReport, out: &mut dyn Write) -> std::io::Result<()> {
    let lang = crate::i18n::current();
    writeln!(out, "{}", trf("Day's close {}", &[&r.date]))?;
    let mut rows = rows(r, lang, true);
    rows.push((tr("revenue, last 30 days"), String::new(), sparkline(&r.trend_fen, false)));
    let label_w = rows.iter().map(|(l, _, _)| l.width()).max().unwrap_or(0);
    for (label, count, amount) in rows {
        let pad = " ".repeat(label_w - label.width());
        let line = format!("  {label}{pad}  {count:>6}  {amount:>12}");
        writeln!(out, "{}", line.trim_end())?;
    }
    if let Some(best) = best_day(r, lang) {
        writeln!(out, "  {best}")?;
    }
    Ok(())
}
