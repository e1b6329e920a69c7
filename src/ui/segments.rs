//! Segments: per dimension, each class with its count, share and revenue share, drawn as bars;
//! and saved segments (named filters over classes) kept in the store's settings.

use super::widgets::{bar, fit, safe};
use crate::classify::{Classes, Classifier, Dimension, SegmentRow};
use crate::domain::Money;
use crate::i18n::{Lang, tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use serde::{Deserialize, Serialize};

/// The settings key the saved segments are stored under (JSON).
pub const SETTINGS_KEY: &str = "console.saved_segments";

/// One condition of a filter: the customer is in this class of this dimension.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClassFilter {
    /// The dimension.
    pub dimension: Dimension,
    /// The class key (e.g. `gold`).
    pub class: String,
}

/// A named filter over classes, counted live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSegment {
    /// The name staff gave it.
    pub name: String,
    /// The conditions (see [`matches`]).
    pub filter: Vec<ClassFilter>,
}

/// The tabs of the segments view: each dimension, then the saved segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentTab {
    /// One dimension's classes.
    Dimension(Dimension),
    /// The saved segments.
    Saved,
}

/// The dimensions in the order staff look at them.
pub const TABS: [SegmentTab; 29] = [
    SegmentTab::Dimension(Dimension::Lifecycle),
    SegmentTab::Dimension(Dimension::Rfm),
    SegmentTab::Dimension(Dimension::Rfm8),
    SegmentTab::Dimension(Dimension::PAlive),
    SegmentTab::Dimension(Dimension::Activity),
    SegmentTab::Dimension(Dimension::Frequency),
    SegmentTab::Dimension(Dimension::Value),
    SegmentTab::Dimension(Dimension::Tier),
    SegmentTab::Dimension(Dimension::PriceSensitivity),
    SegmentTab::Dimension(Dimension::Satisfaction),
    SegmentTab::Dimension(Dimension::Region),
    SegmentTab::Dimension(Dimension::Source),
    SegmentTab::Dimension(Dimension::Tags),
    SegmentTab::Dimension(Dimension::TopCategory),
    SegmentTab::Dimension(Dimension::TopChannel),
    SegmentTab::Dimension(Dimension::Advocacy),
    SegmentTab::Dimension(Dimension::Engagement),
    SegmentTab::Dimension(Dimension::AreaType),
    SegmentTab::Dimension(Dimension::Contact),
    // Birthdays, demographics and life stage.
    SegmentTab::Dimension(Dimension::BirthdayMonth),
    SegmentTab::Dimension(Dimension::AgeBand),
    SegmentTab::Dimension(Dimension::Gender),
    SegmentTab::Dimension(Dimension::ChildStage),
    SegmentTab::Dimension(Dimension::FormulaStage),
    SegmentTab::Dimension(Dimension::Income),
    SegmentTab::Dimension(Dimension::Education),
    SegmentTab::Dimension(Dimension::Occupation),
    // Chains: each customer's home branch.
    SegmentTab::Dimension(Dimension::Branch),
    SegmentTab::Saved,
];

impl SegmentTab {
    /// The tab's name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            SegmentTab::Dimension(d) => crate::i18n::dimension_label(lang, d.key()),
            SegmentTab::Saved => tr_in(lang, "saved segments"),
        }
    }
}

/// Whether a customer's classes pass a filter: any class of a dimension, all dimensions named.
pub fn matches(filter: &[ClassFilter], p: &Classes) -> bool {
    let mut dims: Vec<Dimension> = filter.iter().map(|f| f.dimension).collect();
    dims.sort_unstable();
    dims.dedup();
    dims.into_iter().all(|d| {
        let classes = d.classes_of(p);
        filter.iter().filter(|f| f.dimension == d).any(|f| classes.contains(&f.class.as_str()))
    })
}

/// The ids among `ids` whose profile passes `filter`.
pub fn filter_ids(filter: &[ClassFilter], clf: &Classifier, ids: &[u64]) -> Vec<u64> {
    if filter.is_empty() {
        return ids.to_vec();
    }
    ids.iter().copied().filter(|id| clf.classes(*id).is_some_and(|p| matches(filter, p))).collect()
}

/// `tier=gold and activity=sleeping|churned`.
pub fn filter_label(filter: &[ClassFilter]) -> String {
    let mut parts: Vec<(Dimension, Vec<String>)> = Vec::new();
    for f in filter {
        let label = f.dimension.label(&f.class);
        match parts.iter_mut().find(|(d, _)| *d == f.dimension) {
            Some((_, v)) => v.push(label),
            None => parts.push((f.dimension, vec![label])),
        }
    }
    parts.iter().map(|(d, v)| format!("{}={}", d.key(), v.join("|"))).collect::<Vec<_>>().join(" and ")
}

/// Count and revenue of one saved segment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SavedCount {
    /// Customers in it.
    pub count: u64,
    /// Their all-time spend.
    pub revenue: Money,
    /// Their share of all customers' all-time spend.
    pub revenue_share: f64,
}

/// The segments view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentsState {
    /// Index into [`TABS`].
    pub tab: usize,
    /// The row under the cursor.
    pub cursor: usize,
    /// First row on screen (kept, so that a click does not scroll the table under the mouse).
    pub offset: usize,
    /// Classes marked with Space for a filter of several classes.
    pub marks: Vec<ClassFilter>,
    /// The saved segments, as stored.
    pub saved: Vec<SavedSegment>,
    /// Live counts of `saved`, recomputed whenever the saved tab is shown after a change.
    pub saved_counts: Option<Vec<SavedCount>>,
    /// The dimension tabs count the customers whose home branch this is (None: everyone).
    pub branch: Option<crate::intern::Sym>,
}

impl SegmentsState {
    /// The tab shown.
    pub fn current(&self) -> SegmentTab {
        TABS[self.tab.min(TABS.len() - 1)]
    }

    /// How many rows the current tab has.
    pub fn len(&self, clf: &Classifier) -> usize {
        match self.current() {
            SegmentTab::Dimension(d) => clf.segments_in(d, self.branch).len(),
            SegmentTab::Saved => self.saved.len(),
        }
    }

    /// Whether the current tab has no rows.
    pub fn is_empty(&self, clf: &Classifier) -> bool {
        self.len(clf) == 0
    }

    /// Counts every saved segment over all customers (one pass over the profiles).
    pub fn recount(&mut self, clf: &Classifier) {
        let mut counts = vec![SavedCount::default(); self.saved.len()];
        let mut total = Money::ZERO;
        if !self.saved.is_empty() {
            for id in clf.ids() {
                let Some(p) = clf.classes(id) else { continue };
                total += p.spend_total;
                for (s, c) in self.saved.iter().zip(counts.iter_mut()) {
                    if matches(&s.filter, p) {
                        c.count += 1;
                        c.revenue += p.spend_total;
                    }
                }
            }
        }
        for c in &mut counts {
            c.revenue_share = if total.0 > 0 { c.revenue.0 as f64 / total.0 as f64 } else { 0.0 };
        }
        self.saved_counts = Some(counts);
    }

    /// The class under the cursor, on a dimension tab.
    pub fn cursor_class(&self, clf: &Classifier) -> Option<ClassFilter> {
        let SegmentTab::Dimension(d) = self.current() else { return None };
        clf.segments_in(d, self.branch)
            .get(self.cursor)
            .map(|r| ClassFilter { dimension: d, class: r.class.clone() })
    }
}

/// Draws the segments view into `area` in `lang`.
pub fn draw(s: &SegmentsState, clf: &Classifier, ascii: bool, lang: Lang, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let tab = s.current();
    let title = trf_in(
        lang,
        "◀ {} ▶  {}/{}  ←/→ dimension · enter list · space mark",
        &[&tab.name(lang), &(s.tab + 1), &TABS.len()],
    );
    // A branch's counts say whose they are, first: the rest may be cut at a narrow width.
    let title = match s.branch {
        Some(b) => format!("{} · {title}", b.as_str()),
        None => title,
    };
    f.render_widget(
        Paragraph::new(fit(&title, w)).style(Style::new().add_modifier(Modifier::BOLD)),
        Rect { height: 1, ..area },
    );
    let body = Rect { y: area.y + 1, height: area.height - 1, ..area };
    if body.height == 0 {
        return;
    }
    match tab {
        SegmentTab::Dimension(d) => {
            // Block-element bars are as ambiguous in width as box lines (`ascii_borders`).
            let bar: fn(f64, usize) -> String = if ascii { super::floor::ascii_bar } else { bar };
            draw_dimension(s, (d, &clf.segments_in(d, s.branch)), bar, lang, f, body)
        }
        SegmentTab::Saved => draw_saved(s, clf.len(), lang, f, body),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A class as `lang` names it; open classes as recorded.
fn shown_label(d: Dimension, r: &SegmentRow, lang: Lang) -> String {
    match lang {
        Lang::Zh => crate::i18n::class_label(Lang::Zh, d.key(), &r.class)
            .map_or_else(|| safe(&r.label).into_owned(), str::to_string),
        Lang::En => safe(&r.label).into_owned(),
    }
}

/// The first row on screen in a table of `area` (under its header), keeping the cursor in.
fn offset(s: &SegmentsState, area: Rect) -> usize {
    super::list::visible_offset(s.offset, s.cursor, area.height.saturating_sub(1) as usize)
}

fn draw_dimension(
    s: &SegmentsState,
    (d, rows): (Dimension, &[SegmentRow]),
    bar: fn(f64, usize) -> String,
    lang: Lang,
    f: &mut Frame,
    area: Rect,
) {
    let visible = area.height.saturating_sub(1) as usize;
    let offset = offset(s, area);
    let label_w = 16u16.min(area.width.saturating_sub(2));
    let fixed = 2 + label_w + 1 + 7 + 1 + 7 + 1 + 7 + 1;
    let bar_w = area.width.saturating_sub(fixed);
    let table_rows: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, r)| {
            let marked = s.marks.iter().any(|m| m.dimension == d && m.class == r.class);
            let style =
                if i == s.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Row::new(vec![
                Cell::from(if marked { "*" } else { " " }),
                Cell::from(fit(&shown_label(d, r, lang), label_w as usize)),
                Cell::from(Line::from(r.count.to_string()).right_aligned()),
                Cell::from(Line::from(pct(r.share)).right_aligned()),
                Cell::from(Line::from(pct(r.revenue_share)).right_aligned()),
                Cell::from(bar(r.share, bar_w as usize)),
            ])
            .style(style)
        })
        .collect();
    let right = |s: &'static str| Cell::from(Line::from(s).right_aligned());
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from(tr_in(lang, "class")),
        right(tr_in(lang, "count")),
        right(tr_in(lang, "share")),
        right(tr_in(lang, "revenue")),
        Cell::from(tr_in(lang, "share of customers")),
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(label_w),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(bar_w),
    ];
    f.render_widget(Table::new(table_rows, widths).header(header).column_spacing(1), area);
}

fn draw_saved(s: &SegmentsState, customers: usize, lang: Lang, f: &mut Frame, area: Rect) {
    let (visible, offset) = (area.height.saturating_sub(1) as usize, offset(s, area));
    if s.saved.is_empty() {
        let text = tr_in(
            lang,
            "No saved segments. Filter the list (f, or enter on a class), then press n here to save the filter.",
        );
        f.render_widget(Paragraph::new(fit(text, area.width as usize)), area);
        return;
    }
    let name_w = 16u16.min(area.width.saturating_sub(2));
    let rest = area.width.saturating_sub(1 + name_w + 1 + 7 + 1 + 7 + 1 + 7 + 1);
    let rows: Vec<Row> = s
        .saved
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, seg)| {
            let c = s.saved_counts.as_ref().and_then(|v| v.get(i)).copied();
            let count = c.map_or("…".to_string(), |c| c.count.to_string());
            let share = c.map_or(String::new(), |c| {
                pct(if customers > 0 { c.count as f64 / customers as f64 } else { 0.0 })
            });
            let revenue = c.map_or(String::new(), |c| pct(c.revenue_share));
            let style =
                if i == s.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Row::new(vec![
                Cell::from(" "),
                Cell::from(fit(&safe(&seg.name), name_w as usize)),
                Cell::from(Line::from(count).right_aligned()),
                Cell::from(Line::from(share).right_aligned()),
                Cell::from(Line::from(revenue).right_aligned()),
                Cell::from(fit(&filter_label(&seg.filter), rest as usize)),
            ])
            .style(style)
        })
        .collect();
    let right = |s: &'static str| Cell::from(Line::from(s).right_aligned());
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from(tr_in(lang, "segment")),
        right(tr_in(lang, "count")),
        right(tr_in(lang, "share")),
        right(tr_in(lang, "revenue")),
        Cell::from(tr_in(lang, "filter · n new · r rename · d delete")),
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_w),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(rest),
    ];
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}
