//! Popups in front of a view: the text prompt, the confirmation and the open form.

use super::app::{App, Confirm};
use super::widgets::{centered, fit, safe};
use crate::i18n::{tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

/// Draws a one-line input (`label text`) on row `area` with the cursor after the text.
pub fn draw_input(label: &str, text: &str, f: &mut Frame, area: Rect) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let text = safe(text);
    // Show the end of a long input: that is where the typing happens.
    let mut shown = text.to_string();
    while label.width() + shown.width() + 1 > w && !shown.is_empty() {
        shown.remove(0);
    }
    let line = fit(&format!("{label}{shown}"), w);
    f.render_widget(Paragraph::new(line.clone()).style(Style::new().add_modifier(Modifier::BOLD)), area);
    let x = area.x + (line.width() as u16).min(area.width - 1);
    f.set_cursor_position(Position { x, y: area.y });
}

fn boxed(app: &App, f: &mut Frame, area: Rect, title: &str, lines: &[String]) {
    let inner = lines.iter().map(|l| l.width()).max().unwrap_or(0).max(title.width()) as u16;
    let popup = centered(area, inner + 4, lines.len() as u16 + 2);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    let w = popup.width as usize - 2;
    let block = super::floor::bordered(app.options.ascii_borders).title(fit(title, w));
    let text: Vec<Line> = lines.iter().map(|l| Line::from(fit(&format!(" {l}"), w))).collect();
    // A column of air each side: a wide (CJK) character behind the popup's edge would otherwise
    // reach over its border.
    let x = popup.x.saturating_sub(1).max(area.x);
    let right = (popup.x + popup.width + 1).min(area.x + area.width);
    f.render_widget(Clear, Rect { x, width: right - x, ..popup });
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(text).block(block), popup);
}

/// Draws the confirmation popup in the App's language.
pub fn draw_confirm(app: &App, c: &Confirm, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let what = match c {
        Confirm::DeleteSegment(at) => {
            let name = app.segments.saved.get(*at).map_or(String::new(), |s| safe(&s.name).into_owned());
            trf_in(lang, "Delete the saved segment {}?", &[&format!("{name:?}")])
        }
        Confirm::Merge { survivor, loser } => {
            let text = super::merge::confirm_text(lang, survivor.id, *loser);
            return boxed(app, f, area, tr_in(lang, " confirm merge "), &text);
        }
        Confirm::Commit { question, .. } => {
            let mut text = question.clone();
            text.extend([String::new(), tr_in(lang, "y yes · n no").into()]);
            return boxed(app, f, area, tr_in(lang, " confirm "), &text);
        }
        Confirm::Undo { what, since } => {
            let text = [
                trf_in(lang, "Undo {}?", &[&safe(what)]),
                trf_in(lang, "Changed since by {}.", &[&safe(since)]),
                tr_in(lang, "Their change is undone with it.").into(),
                String::new(),
                tr_in(lang, "y undo anyway · n keep").into(),
            ];
            return boxed(app, f, area, tr_in(lang, " undo "), &text);
        }
        Confirm::Till(p) => {
            let text = [
                trf_in(lang, "Save a purchase of {}?", &[&p.amount]),
                if p.amount.0 == 0 {
                    tr_in(lang, "The amount is zero.").into()
                } else {
                    trf_in(lang, "That is more than {} (till.confirm_above).", &[&app.till_limit])
                },
                String::new(),
                tr_in(lang, "y save · n back to the form").into(),
            ];
            return boxed(app, f, area, tr_in(lang, " check the amount "), &text);
        }
        Confirm::LooksLike { others, .. } => {
            let mut text = vec![tr_in(lang, "Already stored?").to_string()];
            text.extend(others.iter().map(|(_, line)| line.clone()));
            text.extend([
                String::new(),
                tr_in(lang, "y save anyway · o open the first · n back to the form").into(),
            ]);
            return boxed(app, f, area, tr_in(lang, " looks like "), &text);
        }
        Confirm::Reload { by, fields, .. } => {
            // The popup's inner width: the screen less the borders and a column each side.
            let width = (area.width as usize).saturating_sub(6);
            let text = super::others::reload_lines(by.as_deref(), fields, width, lang);
            return boxed(app, f, area, tr_in(lang, " changed meanwhile "), &text);
        }
    };
    boxed(app, f, area, tr_in(lang, " confirm "), &[what, String::new(), tr_in(lang, "y yes · n no").into()]);
}

/// Draws the open form over the view and puts the terminal cursor in its focused input (the
/// form carries the App's language, given when it opened).
pub fn draw_form(app: &App, f: &mut Frame, area: Rect) {
    let Some(open) = &app.form else { return };
    open.form.render(area, f.buffer_mut());
    if let Some(p) = open.form.cursor_position(area) {
        f.set_cursor_position(p);
    }
}
