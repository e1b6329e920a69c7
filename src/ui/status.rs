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
    let customers = || trf_in(lang, "{} customers", &[&app.shop.read().model.len()]);
    let mut left = match &app.loading {
        Some(l) if !l.searchable => l.text(lang),
        Some(l) => customers() + " · " + &l.text(lang),
        None => customers(),
    };
    // A branch's console says whose customers its views show.
    if let Some(b) = app.branch_scope() {
        left += &format!(" · {}", b.as_str());
    }
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
    let w = area.width as usize;
    let line = status_line(&safe(&app.db_label), &left, &msg, sep, w);
    let style = Style::new().add_modifier(Modifier::REVERSED);
    let padded = super::widgets::pad_to(&fit(&line, w), w);
    f.render_widget(Paragraph::new(fit(&padded, w)).style(style), area);
}

/// The status line's text within `w` columns: the database, the view's counts, the message. In
/// a narrow window the database's path is left out, so that the message ("saved …", why a save
/// was refused) is not pushed off by a long path; the counts, a few columns, stay first.
fn status_line(db: &str, counts: &str, msg: &str, sep: &str, w: usize) -> String {
    let tail = if msg.is_empty() { String::new() } else { format!("{sep}{msg}") };
    let whole = format!("{db} · {counts}{tail}");
    if unicode_width::UnicodeWidthStr::width(whole.as_str()) <= w { whole } else { format!("{counts}{tail}") }
}

#[cfg(test)]
mod tests {
    use super::status_line;

    #[test]
    fn a_narrow_status_line_gives_up_the_path_for_the_message() {
        let line = |w| status_line("/home/shop/db", "2000 customers · 12 due", "saved 王敏", " │ ", w);
        assert_eq!(line(80), "/home/shop/db · 2000 customers · 12 due │ saved 王敏");
        assert_eq!(line(40), "2000 customers · 12 due │ saved 王敏");
        assert_eq!(status_line("/db", "5 customers", "", " │ ", 8), "5 customers");
    }
}
