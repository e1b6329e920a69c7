//! One customer: every field, every class with its reason, the recommended action, the
//! prediction lines, a 12-month spend sparkline, and the history newest first (scrollable).

mod account;
mod fields;
mod records;

pub use account::{entry_line, summary as account_summary};
pub use fields::customer_fields;
pub use records::{Pick, field_diff, interaction_line, picks, purchase_line};

use super::floor::PhoneMask;
use super::model::{Model, Row};
use super::widgets::{fit, money_short, safe};
use crate::change::AuditEntry;
use crate::classify::Profile;
use crate::domain::{History, Money, net_purchases};
use crate::i18n::{self, Lang, tr_dyn_in, tr_in, trf_in};
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
    /// The record the cursor is on (an index into [`picks`]), when the cursor is in them.
    pub pick: Option<usize>,
    /// The customer's changes from the audit log, when shown.
    pub changes: Option<Vec<AuditEntry>>,
    /// Who recorded each of their purchases, once read for a staff operator's void, return
    /// or correction (see `ui/role.rs`).
    pub recorders: Option<super::role::Recorders>,
    /// The key that waits for `recorders`.
    pub waiting: Option<super::Action>,
    /// A till key (top-up, redemption) pressed before the history was read: taken again when
    /// it arrives.
    pub after_load: Option<super::Action>,
}

impl DetailState {
    /// The view of customer `id`, scrolled to the top, with their history when known.
    pub fn of(id: u64, history: Option<History>) -> DetailState {
        DetailState { id, history, ..DetailState::default() }
    }

    /// The records the cursor can stand on.
    pub fn picks(&self) -> Vec<Pick<'_>> {
        self.history.as_ref().map(|h| picks(h, self.changes.as_deref())).unwrap_or_default()
    }

    /// The record under the cursor.
    pub fn picked(&self) -> Option<Pick<'_>> {
        self.picks().get(self.pick?).copied()
    }

    /// Keeps the cursor on a record after the records changed (one voided, one undone).
    pub fn clamp_pick(&mut self) {
        let n = self.picks().len();
        if let Some(p) = self.pick.as_mut() {
            *p = (*p).min(n.saturating_sub(1));
        }
        if n == 0 {
            self.pick = None;
        }
    }
}

/// At most this many duplicate flags head the view; the duplicates view lists them all.
const MAX_FLAGS: usize = 3;

/// "possible duplicate of #id name — reasons", one line per likely duplicate, surest first,
/// in `lang`.
pub fn duplicate_lines(
    index: &crate::dedupe::DuplicateIndex,
    model: &Model,
    id: u64,
    mask: PhoneMask,
    lang: Lang,
) -> Vec<String> {
    let found = index.of(id);
    let mut out: Vec<String> = found
        .iter()
        .take(MAX_FLAGS)
        .map(|(other, reasons)| {
            let name = model.get(*other).map_or(String::new(), |r| safe(&r.customer.name).into_owned());
            trf_in(
                lang,
                "possible duplicate of #{} {} — {}",
                &[other, &name, &super::duplicates::reasons_text(reasons, mask.hides(id), lang)],
            )
        })
        .collect();
    if found.len() > MAX_FLAGS {
        out.push(trf_in(lang, "… and {} more (4 duplicates)", &[&(found.len() - MAX_FLAGS)]));
    }
    out
}

/// How many lines [`duplicate_lines`] gives for customer `id` (without wording them).
pub fn flag_rows(index: &crate::dedupe::DuplicateIndex, id: u64) -> u16 {
    let n = index.of(id).len();
    (n.min(MAX_FLAGS) + usize::from(n > MAX_FLAGS)) as u16
}

/// Spend per calendar month for the 12 months ending with `today`'s month, oldest first, in
/// whole currency units: what the sales count, net of returns, voids left out.
pub fn monthly_spend(h: &History, today: NaiveDate) -> [u64; 12] {
    let month_no = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    let end = month_no(today);
    let mut out = [0u64; 12];
    for p in net_purchases(&h.purchases) {
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

/// Where a value starts: two columns of air, a label of 13 cells, a space.
const VALUE_AT: usize = 16;

/// `  label        value`, the value wrapped under itself (never cut) when it is longer than
/// the line; nothing when the value is empty. Labels are padded in display cells: a Chinese
/// label is twice as wide as its characters.
fn labelled(k: &str, v: &str, width: usize) -> Vec<Line<'static>> {
    if v.is_empty() {
        return vec![];
    }
    let pad = " ".repeat((VALUE_AT - 3).saturating_sub(unicode_width::UnicodeWidthStr::width(k)));
    let head = format!("  {k}{pad} ");
    let at = unicode_width::UnicodeWidthStr::width(head.as_str()).max(VALUE_AT);
    let mut lines = super::widgets::wrap_words(v, width.saturating_sub(at)).into_iter();
    let mut out = vec![Line::from(fit(&format!("{head}{}", lines.next().unwrap_or_default()), width))];
    let indent = " ".repeat(VALUE_AT);
    out.extend(lines.map(|l| Line::from(fit(&format!("{indent}{l}"), width))));
    out
}

/// The scrollable document: fields, classes, predictions and the records.
pub struct Document {
    /// Every line.
    pub lines: Vec<Line<'static>>,
    /// The line of the picked record, when the cursor is in the records.
    pub picked: Option<usize>,
    /// The line of each record, in [`picks`] order.
    pub records: Vec<usize>,
}

/// What the document needs of the session besides the customer: the rules (what points take
/// off, when they expire) and "today".
#[derive(Debug, Clone, Copy)]
pub struct Session<'a> {
    pub rules: &'a crate::classify::Rules,
    pub today: NaiveDate,
}

/// The detail view's document for `row`, with the records of `d`, in `lang`: the drawing and
/// the keys (paging, the records cursor) share it, so they agree line for line. The member's
/// accounts come before the records (their balances are in the header as well).
pub fn document(
    row: &Row,
    p: Option<&Profile>,
    d: &DetailState,
    mask: PhoneMask,
    width: usize,
    lang: Lang,
    session: Session,
) -> Document {
    let c = &row.customer;
    let mut out: Vec<Line<'static>> = Vec::new();
    let day = |d: NaiveDate| i18n::date(lang, d);
    let kv = |out: &mut Vec<Line<'static>>, k: &str, v: String| out.extend(labelled(k, &v, width));
    out.push(heading(tr_in(lang, "Fields")));
    for (k, v) in customer_fields(c, mask.phone(c), lang) {
        kv(&mut out, &k, v);
    }
    if !c.notes.is_empty() {
        // Notes can be long: wrapped under their label, character by character.
        out.push(Line::from(format!("  {}", tr_in(lang, "notes"))));
        let notes = crate::text::terminal_safe_multiline(&c.notes);
        for line in super::widgets::wrap(&notes, width.saturating_sub(4)) {
            out.push(Line::from(format!("    {line}")));
        }
    }
    out.push(Line::default());
    out.push(heading(tr_in(lang, "Classes")));
    match p {
        Some(p) => {
            if let Some(a) = &p.action {
                let reason = i18n::reason(lang, a.play.dimension(), &a.reason);
                let text = trf_in(
                    lang,
                    "{} ({}) — {}",
                    &[&safe(tr_dyn_in(lang, &a.text)), &tr_in(lang, a.channel.key()), &safe(&reason)],
                );
                kv(&mut out, tr_in(lang, "next action"), text);
            }
            for (dim, reason) in p.rows() {
                let text = i18n::reason(lang, dim, &reason);
                kv(&mut out, i18n::dimension_label(lang, dim), safe(&text).into_owned());
            }
            let benefits = i18n::benefits_text(lang, &p.benefits);
            kv(&mut out, i18n::dimension_label(lang, "benefits"), safe(&benefits).into_owned());
            out.push(Line::default());
            out.push(heading(tr_in(lang, "Predicted")));
            kv(&mut out, tr_in(lang, "P(alive)"), opt_f64(p.p_alive, |v| format!("{:.0}%", v * 100.0)));
            let expected =
                opt_f64(p.expected_purchases_90d, |v| trf_in(lang, "{} purchases", &[&format!("{v:.2}")]));
            kv(&mut out, tr_in(lang, "expected 90d"), expected);
            kv(&mut out, tr_in(lang, "next due"), p.next_purchase_due.map_or("—".into(), day));
        }
        None => out.push(Line::from(tr_in(lang, "  not classified"))),
    }
    out.push(Line::default());
    // The balances are in the header too (see `draw`): here with what expires and the last
    // entries, before the records they come from.
    if let Some(h) = &d.history {
        out.extend(account::lines(h, session.rules, session.today, width, lang));
    }
    let mut picked = None;
    let mut records = Vec::new();
    match &d.history {
        None => out.push(Line::from(tr_in(lang, "loading history…"))),
        Some(h) => {
            let r = records::lines(h, d.changes.as_deref(), d.pick, mask.hides(d.id), width, lang);
            picked = r.picked.map(|at| at + out.len());
            records = r.at.iter().map(|at| at + out.len()).collect();
            out.extend(r.lines);
        }
    }
    Document { lines: out, picked, records }
}

/// "  · gold: 10% off, …": the member's level and what it gives, for the till.
fn level_line(p: &Profile, lang: Lang) -> String {
    let level = i18n::class_label(lang, "tier", p.tier.class.key()).unwrap_or(p.tier.class.key());
    match i18n::benefits_text(lang, &p.benefits) {
        b if b.is_empty() => format!("  · {level}"),
        b => trf_in(lang, "  · {}: {}", &[&level, &safe(&b)]),
    }
}

/// Draws the App's detail view into `area` in the App's language.
pub fn draw(app: &super::app::App, f: &mut Frame, area: Rect) {
    let (d, lang) = (&app.detail, app.lang);
    let shop = app.shop.read();
    let profile = shop.clf.profile(d.id);
    let p = profile.as_ref();
    let mask = app.phone_mask();
    let dupes = duplicate_lines(&shop.dupes, &shop.model, d.id, mask, lang);
    let (row, today) = (shop.model.get(d.id), app.today);
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width as usize;
    let Some(row) = row else {
        f.render_widget(Paragraph::new(fit(tr_in(lang, "this customer no longer exists"), w)), area);
        return;
    };
    let c = &row.customer;
    let at = super::layout::detail(area, dupes.len() as u16, d.history.is_some());
    let line = |f: &mut Frame, l: Line<'static>, r: Rect| {
        if r.height > 0 {
            f.render_widget(Paragraph::new(l), Rect { height: 1, ..r });
        }
    };
    let title = format!(
        "{}  #{}{}{}",
        safe(&c.name),
        c.id,
        c.reference.as_ref().map(|r| trf_in(lang, "  ref {}", &[&safe(r)])).unwrap_or_default(),
        p.map(|p| level_line(p, lang)).unwrap_or_default()
    );
    line(f, Line::from(Span::styled(fit(&title, w), Style::new().add_modifier(Modifier::BOLD))), at.title);
    let action = p.and_then(|p| p.action.as_ref()).map_or_else(
        || tr_in(lang, "next: nothing to do").to_string(),
        |a| {
            let reason = i18n::reason(lang, a.play.dimension(), &a.reason);
            let (what, how) = (safe(tr_dyn_in(lang, &a.text)), tr_in(lang, a.channel.key()));
            trf_in(lang, "next: {} ({}) — {}", &[&what, &how, &safe(&reason)])
        },
    );
    line(f, Line::from(fit(&action, w)), at.action);
    for (i, d) in dupes.iter().enumerate().take(at.flags.height as usize) {
        let r = Rect { y: at.flags.y + i as u16, ..at.flags };
        line(f, Line::from(Span::styled(fit(d, w), Style::new().fg(Color::Yellow))), r);
    }
    if let (Some(spark), Some(h)) = (at.spark, &d.history) {
        let data = monthly_spend(h, today);
        let max = data.iter().copied().max().unwrap_or(0);
        let label =
            trf_in(lang, "12 months ≤{} ", &[&format!("{:>6}", money_short(Money(max as i64 * 100)))]);
        let lw = (unicode_width::UnicodeWidthStr::width(label.as_str()) as u16).min(area.width);
        f.render_widget(Paragraph::new(label), Rect { width: lw, height: 1, ..spark });
        let spark_w = 24u16.min(area.width - lw);
        f.render_widget(
            Sparkline::default().data(data).bar_set(if app.options.ascii_borders {
                super::floor::ASCII_BARS
            } else {
                ratatui::symbols::bar::NINE_LEVELS
            }),
            Rect { x: spark.x + lw, width: spark_w, ..spark },
        );
        // What the member holds, where the till looks first (the account section has more).
        let used = lw + spark_w + 2;
        if !h.ledger.is_empty() && area.width > used {
            let brief = account::brief(h, shop.clf.rules(), today, lang);
            let r = Rect { x: spark.x + used, width: area.width - used, height: 1, ..spark };
            f.render_widget(Paragraph::new(fit(&brief, r.width as usize)), r);
        }
    }
    if at.doc.height == 0 {
        return;
    }
    let session = Session { rules: shop.clf.rules(), today };
    let doc = document(row, p, d, mask, w, lang, session).lines;
    let rest = at.doc;
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
            ledger: vec![],
        };
        let m = monthly_spend(&h, day(2024, 6, 15));
        assert_eq!(m[11], 20);
        assert_eq!(m[0], 10);
        assert_eq!(m.iter().sum::<u64>(), 30);
    }
}
