//! The welcome screen of an empty database: what kehu is and how to begin.

use super::widgets::fit;
use crate::i18n::{Lang, tr_in};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The welcome text, one line per entry.
pub const LINES: &[&str] = &[
    "kehu 客户 — customers, purchases and contacts, classified.",
    "",
    "kehu keeps your shop's customers, classifies each one (lifecycle, activity,",
    "RFM, tier, satisfaction…) with the reason in plain words, and tells you",
    "whom to contact today and why.",
    "",
    "The database is empty. To begin:",
    "  d   load a demo shop (2,000 customers) to look around",
    "  a   add a customer",
    "  or import a file from the shell:",
    "      kehu import --kind customers customers.csv",
    "      kehu import --kind purchases sales.csv --create-missing",
    "",
    "  ?   keys    q   quit",
];

/// Draws the welcome screen into `area` in `lang`.
pub fn draw(lang: Lang, f: &mut Frame, area: Rect) {
    let w = area.width as usize;
    let lines: Vec<Line> = LINES
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let text = fit(tr_in(lang, l), w);
            if i == 0 {
                Line::from(Span::styled(text, Style::new().add_modifier(Modifier::BOLD)))
            } else {
                Line::from(text)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
