//! The top tab bar and the bottom status line.

use super::app::{App, View};
use super::segments::filter_label;
use super::widgets::{fit, safe};
use crate::i18n::{tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the tab bar: the views and the key for each.
pub fn draw_tabs(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let tabs = [
        ("1", tr_in(lang, "list"), View::List),
        ("2", tr_in(lang, "segments"), View::Segments),
        ("3", tr_in(lang, "follow-ups"), View::FollowUps),
        ("4", tr_in(lang, "duplicates"), View::Duplicates),
        ("5", tr_in(lang, "day's close"), View::DayClose),
    ];
    let mut spans = vec![Span::styled(" kehu ", Style::new().add_modifier(Modifier::BOLD))];
    for (key, name, view) in tabs {
        let active = app.view == view || (app.view == View::Detail && app.back_to == view);
        let style = if active { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("{key} {name}"), style));
    }
    spans.push(Span::raw(tr_in(lang, "  ? help")));
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    if unicode_width::UnicodeWidthStr::width(text.as_str()) > area.width as usize {
        f.render_widget(Paragraph::new(fit(&text, area.width as usize)), area);
    } else {
        f.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

/// Draws the status line: database, counts, the view's state, and the last message.
pub fn draw_status(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let customers =
        || trf_in(lang, "{} · {} customers", &[&safe(&app.db_label), &app.shop.read().model.len()]);
    let mut left = match &app.loading {
        Some(l) if !l.searchable => format!("{} · {}", safe(&app.db_label), l.text(lang)),
        Some(l) => customers() + " · " + &l.text(lang),
        None => customers(),
    };
    match app.view {
        View::List => {
            let l = &app.list;
            if l.shown.len() != app.shop.read().model.len() {
                left += &trf_in(lang, " · {} shown", &[&l.shown.len()]);
            }
            if !l.filter.is_empty() {
                left += &format!(" · {}", filter_label(&l.filter));
            }
            if !l.selected.is_empty() {
                left += &trf_in(lang, " · {} selected", &[&l.selected.len()]);
            }
        }
        View::FollowUps if app.followups.filter.is_on() => {
            left += &trf_in(lang, " · {} of {} due", &[&app.followups.shown.len(), &app.followups.ids.len()])
        }
        View::FollowUps => left += &trf_in(lang, " · {} due", &[&app.followups.ids.len()]),
        View::Duplicates => left += &trf_in(lang, " · {} pairs", &[&app.duplicates.pairs.len()]),
        _ => {}
    }
    let msg = app.status.render(lang);
    let msg = safe(&msg);
    let sep = super::floor::separator(app.options.ascii_borders);
    let line = if msg.is_empty() { left } else { format!("{left}{sep}{msg}") };
    let style = Style::new().add_modifier(Modifier::REVERSED);
    let w = area.width as usize;
    let padded = super::widgets::pad_to(&fit(&line, w), w);
    f.render_widget(Paragraph::new(fit(&padded, w)).style(style), area);
}
