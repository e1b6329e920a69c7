//! The help overlay: every key of the view underneath, generated from the keymap so that
//! remapped keys show as they are bound.

use super::app::App;
use super::keymap::Mode;
use super::widgets::{centered, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// The help lines for the view under the overlay: `keys  what`.
pub fn lines(app: &App) -> Vec<String> {
    let entries = app.keymap.help(app.view_mode());
    let kw = entries
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(k.as_str()))
        .max()
        .unwrap_or(0)
        .min(24);
    entries
        .into_iter()
        .map(|(k, what)| format!("{}  {}", super::widgets::pad_to(&fit(&k, kw), kw), crate::i18n::tr(what)))
        .collect()
}

/// The view's name as its tab calls it (the mode's own name is the config's table name,
/// `follow_ups`, not a title).
fn view_name(mode: Mode) -> &'static str {
    match mode {
        Mode::List => "list",
        Mode::Detail => "customer",
        Mode::FollowUps => "follow-ups",
        other => other.name(),
    }
}

/// Draws the overlay centred in `area`: in two columns when one does not fit the height, and
/// cut with a last line saying so when two do not either.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let lines = lines(app);
    let title = crate::i18n::trf(" keys: {} · esc closes ", &[&crate::i18n::tr(view_name(app.view_mode()))]);
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s) as u16;
    let col_w = lines.iter().map(|l| width(l)).max().unwrap_or(0);
    let rows = area.height.saturating_sub(2) as usize;
    // Two columns as wide as fit side by side (a long description is cut with an ellipsis).
    let half = (area.width.saturating_sub(7) / 2).min(col_w);
    let two = lines.len() > rows && half >= 24;
    let shown: Vec<String> = if two {
        let per = lines.len().div_ceil(2);
        let cell = |s: &str| super::widgets::pad_to(&fit(s, half as usize), half as usize);
        (0..per)
            .map(|i| {
                format!("{}   {}", cell(&lines[i]), lines.get(i + per).map_or(String::new(), |s| cell(s)))
            })
            .collect()
    } else {
        lines
    };
    let mut shown = shown;
    if shown.len() > rows && rows > 0 {
        shown.truncate(rows - 1);
        shown.push(crate::i18n::tr("… (a taller window shows every key)").to_string());
    }
    let inner_w = shown.iter().map(|l| width(l)).max().unwrap_or(0).max(width(&title));
    let popup = centered(area, inner_w + 4, shown.len() as u16 + 2);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    let block =
        super::floor::bordered(app.options.ascii_borders).title(fit(&title, popup.width as usize - 2));
    let w = popup.width.saturating_sub(4) as usize;
    let text: Vec<Line> = shown.iter().map(|l| Line::from(format!(" {}", fit(l, w)))).collect();
    super::widgets::clear(f, popup);
    f.render_widget(Paragraph::new(text).block(block), popup);
}
