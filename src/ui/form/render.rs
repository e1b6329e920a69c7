//! Drawing a form as a centred popup, and where the terminal cursor goes.
//!
//! Layout is computed from the form and the area alone ([`Geometry`]), so `render` and
//! `cursor_position` always agree, and the vertical scroll follows the focus without state.

use super::field::Input;
use super::{Form, FormKind};
use crate::i18n::{Lang, tr_in};
use crate::text::terminal_safe;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Widget};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Widest popup: wide enough for every choice of the longest keyed enum on one line at 80 columns.
const MAX_WIDTH: u16 = 72;
/// An error longer than this many lines is cut with "…"; the focus is what matters.
const MAX_ERROR_LINES: usize = 3;

/// One line of the popup's body.
enum Row {
    Field,
    Error(String),
}

/// Where everything goes for one area.
struct Geometry {
    popup: Rect,
    body: Rect,
    footer: Option<Rect>,
    label_w: u16,
    error_x: u16,
    rows: Vec<(usize, Row)>,
    offset: usize,
}

impl Geometry {
    fn input_x(&self) -> u16 {
        self.body.x + self.label_w
    }

    fn input_w(&self) -> u16 {
        self.body.width.saturating_sub(self.label_w)
    }

    /// The visible rows with their screen line.
    fn visible(&self) -> impl Iterator<Item = (u16, &(usize, Row))> {
        let body = self.body;
        self.rows.iter().skip(self.offset).take(body.height as usize).zip(body.y..).map(|(row, y)| (y, row))
    }
}

impl Form {
    fn geometry(&self, area: Rect) -> Geometry {
        let width = area.width.min(MAX_WIDTH);
        let inner_w = width.saturating_sub(4);
        let longest = self.fields.iter().map(|f| tr_in(self.lang, f.label).width() as u16).max().unwrap_or(0);
        // "> " marker, the label, one space.
        let label_w = (longest + 3).min(inner_w / 2);
        let input_w = inner_w.saturating_sub(label_w);
        // Errors sit under the input when it is wide enough to read them, else full width.
        let (error_x, error_w) = if input_w >= 16 { (label_w, input_w) } else { (0, inner_w) };
        let mut rows = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            rows.push((i, Row::Field));
            if let Some(e) = &f.error {
                for line in wrap(&format!("✗ {e}"), error_w as usize, MAX_ERROR_LINES) {
                    rows.push((i, Row::Error(line)));
                }
            }
        }
        let wanted = rows.len() as u16 + 4;
        let height = area.height.min(wanted);
        let popup =
            Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height);
        let inner = frame(self.ascii).inner(popup);
        let footer = (inner.height >= 1).then(|| Rect { y: inner.bottom() - 1, height: 1, ..inner });
        // A blank line before the footer when there is room for everything.
        let spacer = u16::from(inner.height >= rows.len() as u16 + 2);
        let body = Rect { height: inner.height.saturating_sub(1 + spacer), ..inner };
        // Scroll just enough that the focused field and its error lines are on screen.
        let first = rows.iter().position(|(i, _)| *i == self.focus).unwrap_or(0);
        let last = rows.iter().rposition(|(i, _)| *i == self.focus).unwrap_or(0);
        let offset = (last + 1).saturating_sub(body.height as usize).min(first);
        Geometry { popup, body, footer, label_w, error_x, rows, offset }
    }

    /// Draws the form as a popup centred in `area`, over whatever is beneath it, in its language.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let g = self.geometry(area);
        Clear.render(g.popup, buf);
        let border = if self.confirming { Color::Yellow } else { Color::Cyan };
        // The title is "Record purchase — 王秀英": only the first part is interface text.
        let title = match self.title.split_once(" — ") {
            Some((what, who)) => {
                format!(" {} — {} ", tr_in(self.lang, static_text(what)), terminal_safe(who))
            }
            None => format!(" {} ", tr_in(self.lang, static_text(&self.title))),
        };
        frame(self.ascii)
            .border_style(Style::new().fg(border))
            .title(Line::from(title).style(Style::new().add_modifier(Modifier::BOLD)))
            .render(g.popup, buf);
        for (y, (i, row)) in g.visible() {
            match row {
                Row::Field => self.render_field(*i, &g, y, buf),
                Row::Error(line) => {
                    let x = g.body.x + g.error_x;
                    let w = g.body.right().saturating_sub(x);
                    buf.set_stringn(x, y, line, w as usize, Style::new().fg(Color::Red));
                }
            }
        }
        if let Some(f) = g.footer {
            buf.set_line(f.x, f.y, &self.footer(), f.width);
        }
    }

    fn render_field(&self, i: usize, g: &Geometry, y: u16, buf: &mut Buffer) {
        let Some(field) = self.fields.get(i) else { return };
        let focused = i == self.focus;
        let active = self.is_active(i);
        let dim = Style::new().fg(Color::DarkGray);
        let label_style = match (focused, active, field.error.is_some()) {
            (true, ..) => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            (_, false, _) => dim,
            (_, _, true) => Style::new().fg(Color::Red),
            _ => Style::new(),
        };
        let marker = if focused { "> " } else { "  " };
        let label =
            Line::from(vec![Span::raw(marker), Span::raw(tr_in(self.lang, field.label))]).style(label_style);
        buf.set_line(g.body.x, y, &label, g.label_w.saturating_sub(1));
        let (x, w) = (g.input_x(), g.input_w());
        if w == 0 {
            return;
        }
        let value_style = if active { Style::new() } else { dim };
        match &field.input {
            Input::Text(t) => {
                if focused {
                    buf.set_style(Rect::new(x, y, w, 1), Style::new().bg(Color::Indexed(236)));
                }
                let (shown, _) = t.view(w as usize);
                if shown.is_empty() && t.text().is_empty() {
                    buf.set_stringn(x, y, tr_in(self.lang, field.hint), w as usize, dim);
                } else {
                    buf.set_stringn(x, y, shown, w as usize, value_style);
                }
            }
            Input::Choice(c) => {
                let shown: Vec<&'static str> =
                    c.keys().iter().map(|k| choice_text(field.id, k, self.lang)).collect();
                let line = choice_line(&shown, c.index(), w as usize, focused, value_style);
                buf.set_line(x, y, &line, w);
            }
            Input::Check(b) => {
                let style = if focused { value_style.add_modifier(Modifier::REVERSED) } else { value_style };
                buf.set_stringn(x, y, if *b { "[x]" } else { "[ ]" }, w as usize, style);
            }
        }
    }

    /// The keys that work now, or the discard question.
    fn footer(&self) -> Line<'static> {
        if self.confirming {
            let s = Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD);
            return Line::from(Span::styled(tr_in(self.lang, "Discard changes? (y/n)"), s));
        }
        let mut keys: Vec<(&str, &str)> = match self.kind {
            FormKind::Purchase | FormKind::Interaction => vec![("Enter", "save"), ("Tab", "next")],
            FormKind::NewCustomer | FormKind::EditCustomer => {
                vec![("Enter", "next"), ("^S", "save")]
            }
        };
        match self.fields.get(self.focus).map(|f| &f.input) {
            Some(Input::Choice(_)) => keys.push(("Left/Right", "choose")),
            Some(Input::Check(_)) => keys.push(("Space", "toggle")),
            _ => {}
        }
        keys.push(("Esc", "cancel"));
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut spans = Vec::new();
        for (k, what) in keys {
            if !spans.is_empty() {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(k, bold));
            spans.push(Span::styled(format!(" {}", tr_in(self.lang, what)), Style::new().fg(Color::Gray)));
        }
        Line::from(spans)
    }

    /// Where the terminal cursor belongs when this form is drawn in `area`: in the focused text
    /// input, or nowhere (a choice, a checkbox, the discard question, or scrolled out of sight).
    pub fn cursor_position(&self, area: Rect) -> Option<Position> {
        if self.confirming || area.is_empty() {
            return None;
        }
        let Some(Input::Text(t)) = self.fields.get(self.focus).map(|f| &f.input) else { return None };
        let g = self.geometry(area);
        let (y, _) = g.visible().find(|(_, (i, row))| *i == self.focus && matches!(row, Row::Field))?;
        let w = g.input_w();
        if w == 0 {
            return None;
        }
        let (_, col) = t.view(w as usize);
        Some(Position::new(g.input_x() + col as u16, y))
    }
}

/// The popup's border, with a column of air on each side.
fn frame(ascii: bool) -> Block<'static> {
    crate::ui::floor::bordered(ascii).padding(Padding::horizontal(1))
}

/// All keys with the chosen one in brackets when they fit, else just `< key >`.
fn choice_line(
    keys: &[&'static str],
    chosen: usize,
    width: usize,
    focused: bool,
    base: Style,
) -> Line<'static> {
    let all: usize = keys.iter().map(|k| k.width() + 1).sum::<usize>() + 1;
    let pick =
        if focused { base.add_modifier(Modifier::REVERSED) } else { base.add_modifier(Modifier::BOLD) };
    if all <= width {
        let mut spans = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(" "));
            }
            if i == chosen {
                spans.push(Span::styled(format!("[{k}]"), pick));
            } else {
                spans.push(Span::styled(*k, base.fg(Color::DarkGray)));
            }
        }
        Line::from(spans)
    } else {
        let k = keys.get(chosen).copied().unwrap_or("");
        Line::from(vec![Span::styled("< ", base), Span::styled(k, pick), Span::styled(" >", base)])
    }
}

/// Greedy word wrap by display width; words wider than a line are broken; at most `max_lines`,
/// the last ending in "…" when text was left out.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    if width == 0 || max_lines == 0 {
        return Vec::new();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let ww = word.width();
        if used > 0 && used + 1 + ww <= width {
            line.push(' ');
            used += 1;
        } else if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            // Make room for the ellipsis without splitting a wide character.
            while last.width() + 1 > width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

/// A choice's key as `lang` shows it (the key itself is what is stored).
fn choice_text(field: super::FieldId, key: &'static str, lang: Lang) -> &'static str {
    use super::FieldId;
    let dimension = match field {
        FieldId::Channel => "top_channel",
        FieldId::Area => "area_type",
        FieldId::Source => "source",
        FieldId::Contact => "contact",
        // Said in words, not as the key files use.
        FieldId::Payment if key == "stored_value" => return tr_in(lang, "stored value"),
        FieldId::ConsentSms | FieldId::ConsentWechat | FieldId::ConsentPhone | FieldId::ConsentEmail => {
            "consent"
        }
        FieldId::Income => "income",
        FieldId::Education => "education",
        _ => "",
    };
    crate::i18n::class_label(lang, dimension, key).unwrap_or_else(|| tr_in(lang, key))
}

/// The interface text a form title starts with, as the `'static` key `tr_in` looks up.
fn static_text(title: &str) -> &'static str {
    [
        "New customer",
        "Edit customer",
        "Record purchase",
        "Log interaction",
        "Correct purchase",
        "Edit interaction",
    ]
    .into_iter()
    .find(|t| *t == title)
    .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_words_and_marks_cuts() {
        assert_eq!(wrap("ab cd ef", 5, 3), vec!["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3, 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("王秀英王秀英", 5, 3), vec!["王秀", "英王", "秀英"]);
        assert_eq!(wrap("a b c d e f g", 3, 2), vec!["a b", "c …"]);
    }
}
