//! The follow-up queue: who to contact today, why and how, most urgent first.

use super::list::visible_offset;
use super::model::Model;
use super::widgets::{fit, safe};
use crate::classify::Classifier;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// The follow-up view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowUpsState {
    /// The queue's customers as last computed (after every edit), most urgent first; each row
    /// is read from the classifier when drawn.
    pub ids: Vec<u64>,
    /// Index into `ids`.
    pub cursor: usize,
    /// First row on screen.
    pub offset: usize,
}

impl FollowUpsState {
    /// The customer under the cursor.
    pub fn current(&self) -> Option<u64> {
        self.ids.get(self.cursor).copied()
    }

    /// Replaces the queue, keeping the cursor on the same customer when still queued.
    pub fn set(&mut self, ids: Vec<u64>) {
        let keep = self.current();
        self.ids = ids;
        if let Some(at) = keep.and_then(|id| self.ids.iter().position(|&i| i == id)) {
            self.cursor = at;
        }
        self.cursor = self.cursor.min(self.ids.len().saturating_sub(1));
    }
}

/// Draws the queue into `area`.
pub fn draw(s: &FollowUpsState, model: &Model, clf: &Classifier, f: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    if s.ids.is_empty() {
        f.render_widget(
            Paragraph::new(fit(crate::i18n::tr("nobody to contact today"), area.width as usize)),
            area,
        );
        return;
    }
    let w = area.width;
    let (name_w, chan_w, due_w, over_w) = (12u16, 7u16, 10u16, 7u16);
    let narrow = w < name_w + chan_w + due_w + over_w + 16;
    let action_w = if narrow {
        w.saturating_sub(name_w + 1 + over_w + 1)
    } else {
        w.saturating_sub(name_w + chan_w + due_w + over_w + 4)
    };
    let height = area.height.saturating_sub(1) as usize;
    let offset = visible_offset(s.offset, s.cursor, height);
    let rows: Vec<Row> = s
        .ids
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .filter_map(|(i, &id)| Some((i, clf.follow_up(id)?)))
        .map(|(i, fu)| {
            let name = model
                .get(fu.id)
                .map_or_else(|| format!("#{}", fu.id), |r| safe(&r.customer.name).into_owned());
            let mut cells = vec![
                Cell::from(fit(&name, name_w as usize)),
                Cell::from(fit(&safe(crate::i18n::tr_dyn(&fu.action.text)), action_w as usize)),
            ];
            if !narrow {
                cells.push(Cell::from(crate::i18n::tr(fu.action.channel.key())));
                cells.push(Cell::from(fu.due.to_string()));
            }
            cells.push(Cell::from(Line::from(fu.overdue_days.to_string()).right_aligned()));
            let style =
                if i == s.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Row::new(cells).style(style)
        })
        .collect();
    let (header, widths) = if narrow {
        (
            vec![crate::i18n::tr("name"), crate::i18n::tr("action"), crate::i18n::tr("overdue")],
            vec![Constraint::Length(name_w), Constraint::Length(action_w), Constraint::Length(over_w)],
        )
    } else {
        (
            vec![
                crate::i18n::tr("name"),
                crate::i18n::tr("action"),
                crate::i18n::tr("channel"),
                crate::i18n::tr("due"),
                crate::i18n::tr("overdue"),
            ],
            vec![
                Constraint::Length(name_w),
                Constraint::Length(action_w),
                Constraint::Length(chan_w),
                Constraint::Length(due_w),
                Constraint::Length(over_w),
            ],
        )
    };
    let header = Row::new(header).style(Style::new().add_modifier(Modifier::BOLD));
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}
