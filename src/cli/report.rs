//! `kehu report day [--date D] [--json]`: the day's close (see [`crate::report::day`]).

use super::Context;
use crate::i18n::{tr, trf};
use crate::report::day::{DayBook, DayReport, money, sparkline};
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
    writeln!(out, "{}", trf("Day's close {}", &[&r.date]))?;
    let complaints = trf("({} complaints)", &[&r.complaints]);
    let mut rows: Vec<(&str, String, String)> = vec![
        (tr("sales"), r.sales.to_string(), money(r.sales_fen)),
        (tr("returns"), r.returns.to_string(), money(-r.returns_fen)),
        (tr("net"), String::new(), money(r.net_fen())),
        (tr("new members"), r.new_members.to_string(), String::new()),
    ];
    rows.extend(ledger_rows(r));
    rows.extend([
        (
            tr("contacts made"),
            r.contacts.to_string(),
            if r.complaints > 0 { complaints } else { String::new() },
        ),
        (tr("follow-ups still due"), r.follow_ups_due.to_string(), String::new()),
        (tr("revenue, last 30 days"), String::new(), sparkline(&r.trend_fen, false)),
    ]);
    let label_w = rows.iter().map(|(l, _, _)| l.width()).max().unwrap_or(0);
    for (label, count, amount) in rows {
        let pad = " ".repeat(label_w - label.width());
        let line = format!("  {label}{pad}  {count:>6}  {amount:>12}");
        writeln!(out, "{}", line.trim_end())?;
    }
    if let Some((i, best)) = r.trend_fen.iter().enumerate().max_by_key(|(_, v)| **v).filter(|(_, v)| **v > 0)
    {
        let day = r.date - chrono::Days::new((r.trend_fen.len() - 1 - i) as u64);
        writeln!(out, "  {}", trf("best day {} ({})", &[&day.format("%m-%d"), &money(*best)]))?;
    }
    Ok(())
}

/// The members' accounts in the close: money in the amount column, points in the count column.
/// Top-ups, payments from stored value, what is owed and points earned and redeemed always
/// show (a zero is news at closing time); bonus, refunds to balances, expiry and corrections
/// only when something moved.
fn ledger_rows(r: &DayReport) -> Vec<(&'static str, String, String)> {
    let mut rows = vec![(tr("top-ups"), r.topups.to_string(), money(r.topped_up_fen))];
    if r.bonus_fen != 0 {
        rows.push((tr("top-up bonus given"), String::new(), money(r.bonus_fen)));
    }
    rows.push((tr("paid from stored value"), String::new(), money(r.stored_paid_fen)));
    if r.stored_refunded_fen != 0 {
        rows.push((tr("given back to stored value"), String::new(), money(r.stored_refunded_fen)));
    }
    if r.stored_adjusted_fen != 0 {
        rows.push((tr("stored value corrected"), String::new(), money(r.stored_adjusted_fen)));
    }
    rows.push((tr("stored value owed at close"), String::new(), money(r.stored_owed_fen)));
    rows.push((tr("points earned"), r.points_earned.to_string(), String::new()));
    rows.push((tr("points redeemed"), r.points_redeemed.to_string(), String::new()));
    if r.points_expired != 0 {
        rows.push((tr("points expired"), r.points_expired.to_string(), String::new()));
    }
    if r.points_adjusted != 0 {
        rows.push((tr("points corrected"), r.points_adjusted.to_string(), String::new()));
    }
    rows
}
