//! The duplicates view: likely duplicate pairs, surest first, with both names and phones, the
//! reasons and the score; Enter opens the merge popup on the pair under the cursor.

use super::action::{Action, Effect};
use super::app::{App, View};
use super::floor::PhoneMask;
use super::list::visible_offset;
use super::merge::MergeState;
use super::model::Model;
use super::widgets::{fit, safe};
use crate::dedupe::{DuplicatePair, Reason};
use crate::i18n::{Lang, tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// The duplicates view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DuplicatesState {
    /// The pairs as last computed (after every save and merge).
    pub pairs: Vec<DuplicatePair>,
    /// Index into `pairs`.
    pub cursor: usize,
    /// First row on screen.
    pub offset: usize,
    /// Whether the pairs are still being found (a big shop's start-up).
    pub finding: bool,
}

impl DuplicatesState {
    /// The pair under the cursor.
    pub fn current(&self) -> Option<&DuplicatePair> {
        self.pairs.get(self.cursor)
    }

    /// Replaces the pairs, keeping the cursor on the same pair when it is still listed (else on
    /// the same position, which is then the next pair: what a merge leaves behind).
    pub fn set(&mut self, pairs: Vec<DuplicatePair>) {
        let keep = self.current().map(|p| (p.a, p.b));
        self.pairs = pairs;
        if let Some(at) = keep.and_then(|k| self.pairs.iter().position(|p| (p.a, p.b) == k)) {
            self.cursor = at;
        }
        self.cursor = self.cursor.min(self.pairs.len().saturating_sub(1));
    }
}

/// A reason short enough for a table cell, in `lang`; a shared phone masked when `masked`.
pub fn short_reason(r: &Reason, masked: bool, lang: Lang) -> String {
    match r {
        Reason::Household => tr_in(lang, "household?").into(),
        Reason::SamePhone(p) if masked => trf_in(lang, "same phone {}", &[&super::floor::mask_phone(p)]),
        Reason::SamePhone(p) => trf_in(lang, "same phone {}", &[p]),
        Reason::SameEmail(e) => trf_in(lang, "same email {}", &[e]),
        Reason::SameName(a, b) if a == b => trf_in(lang, "same name '{}'", &[a]),
        Reason::SameName(a, b) => trf_in(lang, "same name: '{}' = '{}'", &[a, b]),
        Reason::SimilarName(a, b) => trf_in(lang, "name '{}' ≈ '{}'", &[a, b]),
    }
}

/// All reasons of a pair in `lang`, `; `-separated and terminal-safe; phones masked when
/// `masked`.
pub fn reasons_text(reasons: &[Reason], masked: bool, lang: Lang) -> String {
    let all: Vec<String> = reasons.iter().map(|r| short_reason(r, masked, lang)).collect();
    safe(&all.join("; ")).into_owned()
}

impl App {
    /// A key in the duplicates view.
    pub(super) fn on_duplicates(&mut self, action: Action) -> Vec<Effect> {
        let n = self.duplicates.pairs.len();
        let page = self.page();
        let body = self.view_body();
        let s = &mut self.duplicates;
        match action {
            ref a if super::update::move_cursor(&mut s.cursor, n, page, a) => {}
            Action::Click(_, y) => {
                if let Some(at) = super::layout::table_hit(body, 0, s.offset, n, y) {
                    s.cursor = at;
                }
            }
            Action::Open => {
                let Some(p) = s.current() else { return vec![] };
                let (a, b) = (p.a, p.b);
                match (self.shop.read().model.get(a), self.shop.read().model.get(b)) {
                    (Some(x), Some(y)) => {
                        self.merge = Some(MergeState::new(&x.customer, &y.customer));
                        self.status = crate::notice!("merge: choose who stays and which values");
                    }
                    _ => self.status = crate::notice!("one of the pair no longer exists"),
                }
            }
            Action::NotDuplicate => {
                let Some(p) = s.current() else { return vec![] };
                let (a, b) = (p.a, p.b);
                let done = crate::notice!("#{} and #{} marked as two people (u takes it back)", a, b);
                return self.commit(crate::change::Change::NotDuplicate { a, b, not: true }, done);
            }
            Action::Back => self.view = View::List,
            _ => {}
        }
        vec![]
    }
}

/// `#id name` of a customer (or the name alone, `with_id` false), or just `#id` when unknown.
fn who(model: &Model, id: u64, with_id: bool) -> String {
    match model.get(id) {
        None => format!("#{id}"),
        Some(r) if with_id => format!("#{id} {}", safe(&r.customer.name)),
        Some(r) => safe(&r.customer.name).into_owned(),
    }
}

fn phone(model: &Model, id: u64, mask: PhoneMask) -> String {
    model.get(id).map(|r| mask.phone(&r.customer)).unwrap_or_default()
}

/// Draws the pairs into `area` in `lang`, phones as `mask` says.
pub fn draw(s: &DuplicatesState, model: &Model, mask: PhoneMask, lang: Lang, f: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    if s.pairs.is_empty() {
        let text = if s.finding { "finding likely duplicates…" } else { "no likely duplicates" };
        f.render_widget(Paragraph::new(fit(tr_in(lang, text), area.width as usize)), area);
        return;
    }
    let w = area.width;
    // Ids run to six digits in a big shop: below 110 columns the names have the cells to
    // themselves (the phones and the merge popup tell two namesakes apart).
    let with_ids = w >= 110;
    let (score_w, name_w, phone_w) = (5u16, if with_ids { 22 } else { 14 }, 11u16);
    // The phones go first when the terminal is too narrow to leave the reasons some room.
    let with_phones = w >= score_w + 2 * (name_w + phone_w) + 5 + 16;
    let fixed = if with_phones { score_w + 2 * (name_w + phone_w) + 5 } else { score_w + 2 * name_w + 3 };
    let reasons_w = w.saturating_sub(fixed);
    let height = area.height.saturating_sub(1) as usize;
    let offset = visible_offset(s.offset, s.cursor, height);
    let rows: Vec<Row> = s
        .pairs
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, p)| {
            let mut cells = vec![Cell::from(Line::from(p.score.to_string()).right_aligned())];
            cells.push(Cell::from(fit(&who(model, p.a, with_ids), name_w as usize)));
            if with_phones {
                cells.push(Cell::from(fit(&phone(model, p.a, mask), phone_w as usize)));
            }
            cells.push(Cell::from(fit(&who(model, p.b, with_ids), name_w as usize)));
            if with_phones {
                cells.push(Cell::from(fit(&phone(model, p.b, mask), phone_w as usize)));
            }
            cells.push(Cell::from(fit(&reasons_text(&p.reasons, mask.on, lang), reasons_w as usize)));
            let style =
                if i == s.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Row::new(cells).style(style)
        })
        .collect();
    let (header, widths) = if with_phones {
        (
            vec![
                tr_in(lang, "score"),
                tr_in(lang, "customer"),
                tr_in(lang, "phone"),
                tr_in(lang, "same as"),
                tr_in(lang, "phone"),
                tr_in(lang, "why"),
            ],
            vec![
                Constraint::Length(score_w),
                Constraint::Length(name_w),
                Constraint::Length(phone_w),
                Constraint::Length(name_w),
                Constraint::Length(phone_w),
                Constraint::Length(reasons_w),
            ],
        )
    } else {
        (
            vec![tr_in(lang, "score"), tr_in(lang, "customer"), tr_in(lang, "same as"), tr_in(lang, "why")],
            vec![
                Constraint::Length(score_w),
                Constraint::Length(name_w),
                Constraint::Length(name_w),
                Constraint::Length(reasons_w),
            ],
        )
    };
    let header: Vec<Cell> = header.into_iter().map(|h| Cell::from(fit(h, name_w as usize))).collect();
    let header = Row::new(header).style(Style::new().add_modifier(Modifier::BOLD));
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}
