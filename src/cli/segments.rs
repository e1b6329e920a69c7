//! `kehu segments`: for each dimension, every class with its count, share and revenue share.

use crate::classify::{Dimension, Segmented};
use crate::i18n;
use crate::text::terminal_safe;
use anyhow::anyhow;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Prints one dimension (by key) or all of them, as text or JSON; `branch` names whose
/// customers the counts are (None: the whole shop's).
pub fn print(
    clf: &Segmented,
    dimension: Option<&str>,
    json: bool,
    branch: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let dims: Vec<Dimension> = match dimension {
        Some(key) => vec![key.parse().map_err(|e| anyhow!("--dimension: {e}"))?],
        None => Dimension::ALL.to_vec(),
    };
    if json {
        let value: serde_json::Map<String, serde_json::Value> = dims
            .iter()
            .map(|d| {
                let segments = clf.rows(*d);
                let rows = segments.iter().map(|r| {
                    serde_json::json!({
                        "class": r.class, "label": r.label, "count": r.count, "share": round4(r.share),
                        "revenue": r.revenue.to_string(), "revenue_share": round4(r.revenue_share),
                    })
                });
                (d.key().to_string(), serde_json::Value::Array(rows.collect()))
            })
            .collect();
        let doc = serde_json::json!({
            "today": clf.stamp.today.to_string(), "branch": branch, "customers": clf.customers, "dimensions": value,
        });
        super::json::write_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    let lang = i18n::current();
    let head = i18n::trf("{} customers as of {}", &[&clf.customers, &i18n::date(lang, clf.stamp.today)]);
    match branch {
        Some(b) => writeln!(out, "{} · {head}", terminal_safe(b))?,
        None => writeln!(out, "{head}")?,
    }
    for d in dims {
        let rows = clf.rows(d);
        let label = |r: &crate::classify::SegmentRow| match lang {
            i18n::Lang::En => r.label.clone(),
            i18n::Lang::Zh => {
                i18n::class_label(lang, d.key(), &r.class).map_or(r.label.clone(), str::to_string)
            }
        };
        let head =
            [i18n::tr("class"), i18n::tr("count"), i18n::tr("share"), i18n::tr("revenue"), i18n::tr("rev %")];
        let width = rows.iter().map(|r| label(r).width()).max().unwrap_or(0).max(head[0].width()).max(5);
        writeln!(out, "\n{}", i18n::dimension_label(lang, d.key()))?;
        writeln!(
            out,
            "  {}  {}  {}  {}  {}",
            pad(head[0], width),
            lpad(head[1], 8),
            lpad(head[2], 6),
            lpad(head[3], 14),
            lpad(head[4], 6)
        )?;
        for r in rows {
            let class = terminal_safe(&label(r)).into_owned();
            let pad = width.saturating_sub(class.width());
            writeln!(
                out,
                "  {class}{:pad$}  {:>8}  {:>5.1}%  {:>14}  {:>5.1}%",
                "",
                r.count,
                r.share * 100.0,
                r.revenue.to_string(),
                r.revenue_share * 100.0
            )?;
        }
    }
    Ok(())
}

/// `s` padded on the right to `w` display cells.
fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.width())))
}

/// `s` padded on the left to `w` display cells.
fn lpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(s.width())))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
