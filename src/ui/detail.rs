//! One customer: every field, every class with its reason, the recommended action, the
//! prediction lines, a 12-month spend sparkline, and the history newest first (scrollable).

use super::floor::PhoneMask;
use super::model::{Model, Row};
use super::widgets::{fit, money_short, safe};
use crate::classify::Profile;
use crate::domain::{History, Money};
use chrono::{Datelike, NaiveDate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// The detail view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailState {
    /// The customer shown.
    pub id: u64,
    /// Their records, once read (the list keeps only the customer record).
    pub history: Option<History>,
    /// First line of the document shown.
    pub scroll: usize,
}

/// At most this many duplicate flags head the view; the duplicates view lists them all.
const MAX_FLAGS: usize = 3;

/// "possible duplicate of #id name — reasons", one line per likely duplicate, surest first.
pub fn duplicate_lines(
    index: &crate::dedupe::DuplicateIndex,
    model: &Model,
    id: u64,
    mask: PhoneMask,
) -> Vec<String> {
    let found = index.of(id);
    let mut out: Vec<String> = found
        .iter()
        .take(MAX_FLAGS)
        .map(|(other, reasons)| {
            let name = model.get(*other).map_or(String::new(), |r| safe(&r.customer.name).into_owned());
            format!(
                "possible duplicate of #{other} {name} — {}",
                super::duplicates::reasons_text(reasons, mask.hides(id))
            )
        })
        .collect();
    if found.len() > MAX_FLAGS {
        out.push(format!("… and {} more (4 duplicates)", found.len() - MAX_FLAGS));
    }
    out
}

/// Spend per calendar month for the 12 months ending with `today`'s month, oldest first, in
/// whole currency units.
pub fn monthly_spend(h: &History, today: NaiveDate) -> [u64; 12] {
    let month_no = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    let end = month_no(today);
    let mut out = [0u64; 12];
    for p in &h.purchases {
        let back = end - month_no(p.date);
        if (0..12).contains(&back) && p.date <= today {
            let slot = &mut out[(11 - back) as usize];
            *slot = slot.saturating_add((p.amount.0.max(0) / 100) as u64);
        }
    }
    out
}

fn opt_f64(v: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    v.map(fmt).unwrap_or_else(|| "—".to_string())
}

fn heading(s: &str) -> Line<'static> {
    Line::from(Span::styled(s.to_string(), Style::new().add_modifier(Modifier::BOLD)))
}

/// The scrollable document: fields, classes, predictions, purchases and interactions.
pub fn document(
    row: &Row,
    p: Option<&Profile>,
    h: Option<&History>,
    mask: PhoneMask,
    width: usize,
) -> Vec<Line<'static>> {
    let c = &row.customer;
    let mut out: Vec<Line<'static>> = Vec::new();
    let kv = |out: &mut Vec<Line<'static>>, k: &str, v: String| {
        if !v.is_empty() {
            out.push(Line::from(fit(&format!("  {k:<13} {v}"), width)));
        }
    };
    out.push(heading("Fields"));
    kv(&mut out, "ref", safe(c.reference.as_deref().unwrap_or("")).into_owned());
    kv(&mut out, "phone", mask.phone(c));
    kv(&mut out, "email", c.email.as_ref().map(|e| safe(e.as_str()).into_owned()).unwrap_or_default());
    kv(&mut out, "gender", c.gender.to_string());
    kv(&mut out, "birthday", c.birthday.map(|d| d.to_string()).unwrap_or_default());
    kv(&mut out, "region", safe(format!("{} {}", c.province, c.city).trim()).into_owned());
    kv(&mut out, "area", c.area.to_string());
    kv(&mut out, "source", c.source.to_string());
    kv(&mut out, "referrer", c.referrer.map(|r| format!("#{r}")).unwrap_or_default());
    kv(&mut out, "contact", c.contact.to_string());
    kv(&mut out, "tags", safe(&c.tags.join(", ")).into_owned());
    kv(&mut out, "notes", safe(&c.notes).into_owned());
    for (k, v) in &c.custom {
        kv(&mut out, &safe(k), safe(v).into_owned());
    }
    kv(&mut out, "created", c.created.date_naive().to_string());
    out.push(Line::default());
    out.push(heading("Classes"));
    match p {
        Some(p) => {
            for (dim, reason) in p.rows() {
                kv(&mut out, dim, safe(&reason).into_owned());
            }
            out.push(Line::default());
            out.push(heading("Predicted"));
            kv(&mut out, "P(alive)", opt_f64(p.p_alive, |v| format!("{:.0}%", v * 100.0)));
            kv(&mut out, "expected 90d", opt_f64(p.expected_purchases_90d, |v| format!("{v:.2} purchases")));
            kv(&mut out, "next due", p.next_purchase_due.map_or("—".into(), |d| d.to_string()));
        }
        None => out.push(Line::from("  not classified")),
    }
    out.push(Line::default());
    match h {
        None => out.push(Line::from("loading history…")),
        Some(h) => {
            let total: Money = h.purchases.iter().map(|p| p.amount).sum();
            out.push(heading(&format!("Purchases ({}, {} in all)", h.purchases.len(), total)));
            for p in h.purchases.iter().rev() {
                let promo = if p.promo { " promo" } else { "" };
                let line = format!(
                    "  {}  {:>10}  ×{:<3} {} {}{promo}",
                    p.date,
                    p.amount,
                    p.quantity,
                    p.channel,
                    safe(&p.category)
                );
                out.push(Line::from(fit(&line, width)));
            }
            out.push(Line::default());
            out.push(heading(&format!("Interactions ({})", h.interactions.len())));
            for i in h.interactions.iter().rev() {
                let mut extra = String::new();
                if let Some(r) = i.rating {
                    extra += &format!(" rating {}", r.get());
                }
                if let Some(cp) = &i.complaint {
                    let state = if cp.resolved { "resolved" } else { "open" };
                    extra += &format!(" {} {} {state}", cp.kind, cp.severity);
                }
                if let Some(fu) = i.follow_up {
                    extra += &format!(" follow-up {fu}");
                }
                let line = format!("  {}  {:<9}{extra}  {}", i.date, i.kind.key(), safe(&i.text));
                out.push(Line::from(fit(&line, width)));
            }
        }
    }
    out
}

/// Draws the App's detail view into `area`.
pub fn draw(app: &super::app::App, f: &mut Frame, area: Rect) {
    let d = &app.detail;
    let profile = app.clf.profile(d.id);
    let p = profile.as_ref();
    let mask = app.phone_mask();
    let dupes = duplicate_lines(&app.dupes, &app.model, d.id, mask);
    let (row, today) = (app.model.get(d.id), app.today);
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width as usize;
    let Some(row) = row else {
        f.render_widget(Paragraph::new(fit("this customer no longer exists", w)), area);
        return;
    };
    let c = &row.customer;
    let mut y = area.y;
    let bottom = area.y + area.height;
    let line = |f: &mut Frame, l: Line<'static>, y: &mut u16| {
        if *y < bottom {
            f.render_widget(Paragraph::new(l), Rect { y: *y, height: 1, ..area });
            *y += 1;
        }
    };
    let title = format!(
        "{}  #{}{}",
        safe(&c.name),
        c.id,
        c.reference.as_ref().map(|r| format!("  ref {}", safe(r))).unwrap_or_default()
    );
    line(f, Line::from(Span::styled(fit(&title, w), Style::new().add_modifier(Modifier::BOLD))), &mut y);
    let action = p.and_then(|p| p.action.as_ref()).map_or_else(
        || "next: nothing to do".to_string(),
        |a| format!("next: {} ({}) — {}", safe(&a.text), a.channel, safe(&a.reason)),
    );
    line(f, Line::from(fit(&action, w)), &mut y);
    for d in &dupes {
        line(f, Line::from(Span::styled(fit(d, w), Style::new().fg(Color::Yellow))), &mut y);
    }
    // The sparkline takes two rows when the view has room for it and the document too.
    if area.height >= 10
        && let Some(h) = &d.history
    {
        let data = monthly_spend(h, today);
        let max = data.iter().copied().max().unwrap_or(0);
        let label = format!("12 months ≤{:>6} ", money_short(Money(max as i64 * 100)));
        let lw = (label.chars().count() as u16).min(area.width);
        f.render_widget(Paragraph::new(label), Rect { x: area.x, y, width: lw, height: 1 });
        let spark_w = 24u16.min(area.width - lw);
        f.render_widget(
            Sparkline::default().data(data).bar_set(if app.options.ascii_borders {
                super::floor::ASCII_BARS
            } else {
                ratatui::symbols::bar::NINE_LEVELS
            }),
            Rect { x: area.x + lw, y, width: spark_w, height: 2.min(bottom - y) },
        );
        y += 2.min(bottom - y);
    }
    if y >= bottom {
        return;
    }
    let doc = document(row, p, d.history.as_ref(), mask, w);
    let rest = Rect { y, height: bottom - y, ..area };
    let scroll = d.scroll.min(doc.len().saturating_sub(rest.height as usize));
    let shown: Vec<Line> = doc.into_iter().skip(scroll).take(rest.height as usize).collect();
    f.render_widget(Paragraph::new(shown), rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Customer, Purchase};

    #[test]
    fn monthly_buckets_end_with_this_month() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let c = Customer::new("Li", chrono::DateTime::UNIX_EPOCH).unwrap();
        let buy = |d| Purchase::new(1, d, Money(1000), 1).unwrap();
        let h = History {
            customer: c,
            purchases: vec![
                buy(day(2023, 6, 30)),
                buy(day(2023, 7, 1)),
                buy(day(2024, 6, 2)),
                buy(day(2024, 6, 3)),
            ],
            interactions: vec![],
        };
        let m = monthly_spend(&h, day(2024, 6, 15));
        assert_eq!(m[11], 20);
        assert_eq!(m[0], 10);
        assert_eq!(m.iter().sum::<u64>(), 30);
    }
}
