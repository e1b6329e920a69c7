//! The help overlay: every key of the view underneath, generated from the keymap so that
//! remapped keys show as they are bound.

use super::app::App;
use super::widgets::{centered, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

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

/// Draws the overlay centred in `area`.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let lines = lines(app);
    let title = crate::i18n::trf(" keys: {} · esc closes ", &[&crate::i18n::tr(app.view_mode().name())]);
    let inner_w =
        lines.iter().map(|l| unicode_width::UnicodeWidthStr::width(l.as_str())).max().unwrap_or(0) as u16;
    let inner_w = inner_w.max(unicode_width::UnicodeWidthStr::width(title.as_str()) as u16);
    let popup = centered(area, inner_w + 4, lines.len() as u16 + 2);
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    let block =
        super::floor::bordered(app.options.ascii_borders).title(fit(&title, popup.width as usize - 2));
    let w = popup.width.saturating_sub(4) as usize;
    let text: Vec<Line> = lines.iter().map(|l| Line::from(format!(" {}", fit(l, w)))).collect();
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(text).block(block), popup);
}
