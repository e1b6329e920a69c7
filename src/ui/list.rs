//! The customer list: the filtered, sorted and searched ids, the cursor and the selection; and
//! its drawing (only the rows on screen are built).

use super::columns::{self, Column, SortDir};
use super::floor::PhoneMask;
use super::loading::Loading;
use super::model::Model;
use super::search::{Search, SearchJob};
use super::segments::{ClassFilter, filter_ids};
use super::widgets::{fit, highlighted, money_short, safe};
use crate::classify::Classifier;
use crate::domain::Money;
use crate::i18n::{self, Lang, tr_in};
use crate::search::Answer;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use std::collections::{BTreeSet, HashSet};

/// The list's state.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// Ids passing the class filter, in sort order.
    pub base: Vec<u64>,
    /// Ids shown: `base` narrowed by the search, best match first.
    pub shown: Vec<u64>,
    /// Index into `shown`.
    pub cursor: usize,
    /// First row on screen.
    pub offset: usize,
    /// Sort column (None: id order).
    pub sort: Option<Column>,
    /// Sort direction.
    pub dir: SortDir,
    /// Class filter: any class of a dimension, every dimension named.
    pub filter: Vec<ClassFilter>,
    /// Selected ids (Space).
    pub selected: BTreeSet<u64>,
    /// The search text.
    pub query: String,
    /// Whether keys go to the search.
    pub searching: bool,
    /// The text of the search before this one (Ctrl-P brings it back).
    pub last_query: String,
    /// Cells of the widest 12-month spend in `base` (the money column is made that wide).
    pub spend_width: u16,
    /// Cells of the widest stored value in `base`; None when nobody there holds any.
    pub stored_width: Option<u16>,
    /// Browsing shows only the customers whose home branch this is (a branch's console; `B`
    /// widens it). Searches look across every branch: a member of the chain who walks in or
    /// calls is found wherever they usually shop.
    pub branch: Option<crate::intern::Sym>,
    /// The customers passing the class filter as a set, when one narrows them (searches keep
    /// to it).
    allowed: Option<HashSet<u64>>,
    pub(crate) search: Search,
}

impl ListState {
    /// The id under the cursor.
    pub fn current(&self) -> Option<u64> {
        self.shown.get(self.cursor).copied()
    }

    /// Recomputes the filter, the sort and the search, keeping the cursor on the same customer
    /// (once the search answers, when a query is on).
    pub fn rebuild(&mut self, model: &Model, clf: &Classifier) {
        let keep = self.current();
        let mut base = filter_ids(&self.filter, clf, model.ids());
        if let Some(col) = self.sort {
            // Each row looked up once, not twice per comparison.
            let mut rows: Vec<(u64, &super::model::Row)> =
                base.iter().filter_map(|&id| Some((id, model.get(id)?))).collect();
            rows.sort_by(|(a, ra), (b, rb)| {
                let o = col.compare(ra, rb).then(a.cmp(b));
                if self.dir == SortDir::Desc { o.reverse() } else { o }
            });
            base = rows.into_iter().map(|(id, _)| id).collect();
        } else if self.dir == SortDir::Desc {
            base.reverse();
        }
        self.allowed = (!self.filter.is_empty()).then(|| base.iter().copied().collect());
        if let Some(b) = self.branch {
            base.retain(|id| clf.classes(*id).is_some_and(|c| c.branch == b));
        }
        (self.spend_width, self.stored_width) = widest_money(&base, model);
        self.base = base;
        self.restart_search(keep);
    }

    /// Starts the search over for the current query (called on every keystroke of it): a
    /// blank query shows `base` at once, any other asks the runtime (see [`Search`]).
    pub fn research(&mut self) {
        self.restart_search(None);
    }

    fn restart_search(&mut self, follow: Option<u64>) {
        if let Some(shown) = self.search.restart(&self.query, &self.base, follow) {
            self.shown = shown;
            self.put_cursor_on(follow);
        }
        self.clamp();
    }

    /// The search the runtime should run, if the query changed since the last one was asked.
    pub fn search_job(&mut self, model: &Model) -> Option<SearchJob> {
        self.search.take_job(&self.query, || model.search_keys())
    }

    /// The search whose complete answer the list waits for, if any.
    pub fn awaited_search(&self) -> Option<u64> {
        self.search.awaited()
    }

    /// Takes the search's answer numbered `generation` (stale ones are dropped); the customer
    /// to open when Enter was waiting for it.
    pub fn answered(&mut self, generation: u64, answer: Answer) -> Option<u64> {
        let shown = self.search.take(generation, answer, self.allowed.as_ref())?;
        self.shown = shown.ids;
        self.put_cursor_on(shown.follow);
        self.clamp();
        shown.open
    }

    fn put_cursor_on(&mut self, id: Option<u64>) {
        if let Some(id) = id
            && let Some(at) = self.shown.iter().position(|x| *x == id)
        {
            self.cursor = at;
        }
    }

    /// Moves the cursor by `delta` rows, within bounds.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    /// Keeps the cursor inside the rows.
    pub fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    /// Scrolls so that the cursor is on screen with `height` rows.
    pub fn follow(&mut self, height: usize) {
        self.offset = visible_offset(self.offset, self.cursor, height);
    }
}

/// Cells of the widest 12-month spend among `ids` as the list writes it, and of the widest
/// stored value held (None when none holds any): one pass over the rows, two amounts of each
/// formatted (the widest is the largest or the most negative one), as this runs on every save.
fn widest_money(ids: &[u64], model: &Model) -> (u16, Option<u16>) {
    let mut spend: Option<(Money, Money)> = None;
    let mut stored: Option<(Money, Money)> = None;
    let widen = |range: &mut Option<(Money, Money)>, m: Money| {
        *range = Some(range.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m))));
    };
    // An unfiltered list holds every row: read them in order rather than look each one up.
    let every = ids.len() == model.len();
    let rows: Box<dyn Iterator<Item = &super::model::Row>> = match every {
        true => Box::new(model.rows().iter()),
        false => Box::new(ids.iter().filter_map(|id| model.get(*id))),
    };
    for row in rows {
        widen(&mut spend, row.facts.spend_365);
        if row.facts.stored_value.0 != 0 {
            widen(&mut stored, row.facts.stored_value);
        }
    }
    let cells = |(lo, hi): (Money, Money)| money_short(lo).len().max(money_short(hi).len()) as u16;
    (spend.map_or(0, cells), stored.map(cells))
}

/// The first row to show so that `cursor` is inside a window of `height` rows.
pub fn visible_offset(offset: usize, cursor: usize, height: usize) -> usize {
    if height == 0 {
        return cursor;
    }
    offset.min(cursor).max((cursor + 1).saturating_sub(height))
}

/// Rows the list body has in a `height`-row area (the header takes one).
pub fn rows_in(height: u16) -> usize {
    height.saturating_sub(1) as usize
}

/// A class key as `lang` shows it.
fn class(lang: Lang, dimension: &str, key: &'static str) -> String {
    i18n::class_label(lang, dimension, key).unwrap_or(key).to_string()
}

/// What a class column shows while the classes are still loading.
const NOT_YET: &str = "…";

fn cell_text(
    col: Column,
    clf: &Classifier,
    row: &super::model::Row,
    mask: PhoneMask,
    classes: bool,
    lang: Lang,
) -> String {
    let c = &row.customer;
    match col {
        Column::Name | Column::Phone => {}
        _ if !classes => return NOT_YET.into(),
        _ => {}
    }
    match col {
        Column::Name => safe(&c.name).into_owned(),
        Column::Phone => mask.phone(c),
        Column::Tier => class(lang, "tier", row.facts.tier.key()),
        Column::Lifecycle => class(lang, "lifecycle", row.facts.lifecycle.key()),
        Column::Activity => class(lang, "activity", row.facts.activity.key()),
        // ISO in both languages: the column is 10 cells and sorts by eye; 2024年12月25日 is 14.
        Column::LastPurchase => row.facts.last_purchase.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        Column::Spend => money_short(row.facts.spend_365),
        // Blank for a member who holds none: the column is for those who do.
        Column::StoredValue if row.facts.stored_value.0 == 0 => String::new(),
        Column::StoredValue => money_short(row.facts.stored_value),
        Column::PAlive => row.facts.p_alive.map_or_else(|| "—".into(), |p| format!("{p:.2}")),
        Column::Expected90 => row.facts.expected_90d.map_or_else(|| "—".into(), |e| format!("{e:.1}")),
        Column::NextAction => clf
            .classes(c.id)
            .and_then(|p| p.action)
            .map(|play| safe(i18n::tr_dyn_in(lang, &clf.rules().playbook.get(play).text)).into_owned())
            .unwrap_or_default(),
    }
}

/// Draws the App's list table into `area` (header and the rows that fit) in the App's
/// language; phones as its mask says. While loading, the header stands over "loading…" until
/// the customers are in, and the class columns show "…" until their classes are.
pub fn draw(app: &super::app::App, f: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let (l, model, clf, mask, lang) =
        (&app.list, &app.shop.read().model, &app.shop.read().clf, app.phone_mask(), app.lang);
    let loading: Option<&Loading> = app.loading.as_ref();
    let classes = loading.is_none();
    let waiting = loading.is_some_and(|l| !l.searchable);
    if l.shown.is_empty() && !waiting {
        let why = if !l.query.is_empty() {
            tr_in(lang, "no customer matches the search (esc clears it)")
        } else if !l.filter.is_empty() {
            tr_in(lang, "no customer is in this filter (F clears it)")
        } else if l.branch.is_some() {
            tr_in(lang, "nobody has bought at this branch yet (B shows every branch)")
        } else {
            tr_in(lang, "no customers")
        };
        f.render_widget(Paragraph::new(fit(why, area.width as usize)), area);
        return;
    }
    let cols = columns::layout(area.width, clf.model().is_some(), l.spend_width, l.stored_width);
    let height = rows_in(area.height);
    let offset = visible_offset(l.offset, l.cursor, height);
    let hit = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let rows: Vec<Row> = l
        .shown
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .filter_map(|(i, id)| {
            let row = model.get(*id)?;
            let hits = l.search.positions(*id);
            let mut cells = vec![Cell::from(if l.selected.contains(id) { "*" } else { " " })];
            for (col, w) in &cols {
                let text = cell_text(*col, clf, row, mask, classes, lang);
                let w = *w as usize;
                // Highlight only where the shown text is the raw text (nothing escaped).
                let range = match col {
                    Column::Name if text == row.customer.name => Some(0..text.chars().count()),
                    _ => None,
                };
                let line = match range {
                    Some(r) => {
                        // A hit on a starred digit would tell where the typed digits sit.
                        let starred = |i: &usize| text.chars().nth(*i) == Some('*') && *col == Column::Phone;
                        let local: Vec<usize> = hits
                            .iter()
                            .filter(|h| r.contains(h))
                            .map(|h| h - r.start)
                            .filter(|i| !starred(i))
                            .collect();
                        highlighted(&text, &local, w, hit)
                    }
                    None if matches!(
                        *col,
                        Column::Spend | Column::StoredValue | Column::PAlive | Column::Expected90
                    ) =>
                    {
                        Line::from(fit(&text, w)).right_aligned()
                    }
                    None => Line::from(fit(&text, w)),
                };
                cells.push(Cell::from(line));
            }
            let style =
                if i == l.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Some(Row::new(cells).style(style))
        })
        .collect();
    let mut header = vec![Cell::from(" ")];
    for (col, w) in &cols {
        let arrow = match (l.sort == Some(*col), l.dir) {
            (true, SortDir::Asc) => "↑",
            (true, SortDir::Desc) => "↓",
            _ => "",
        };
        let title = fit(&format!("{}{arrow}", tr_in(lang, col.title())), *w as usize);
        header.push(Cell::from(if matches!(*col, Column::Spend | Column::StoredValue) {
            Line::from(title).right_aligned()
        } else {
            Line::from(title)
        }));
    }
    let mut widths = vec![Constraint::Length(columns::MARK)];
    widths.extend(cols.iter().map(|c| Constraint::Length(c.1)));
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .column_spacing(columns::GAP);
    f.render_widget(table, area);
    if waiting && area.height > 1 {
        let line = Rect { y: area.y + 1, height: 1, ..area };
        let text = tr_in(lang, "reading the database… (a / search runs as soon as the customers are in)");
        f.render_widget(Paragraph::new(fit(text, area.width as usize)), line);
    }
}
