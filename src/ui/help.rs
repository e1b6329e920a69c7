//! The help overlay: every key of the view underneath, generated from the keymap so that
//! remapped keys show as they are bound, and scrolled with the help's own keys.
//!
//! It is one column of `keys  what` rows that scrolls when it does not fit, the bottom border
//! saying which rows are shown and whether more lie above or below. It is two columns only
//! when one column does not fit but two show the whole help at once: seen whole it needs no
//! scrolling, whereas a two-column page that scrolls would read neither down nor across.

use super::action::{Action, Effect};
use super::app::App;
use super::keymap::Mode;
use super::widgets::{centered, fit, pad_to};
use crate::i18n::{tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// The widest key column; a longer group of keys goes on over the next rows.
const KEYS_MAX: usize = 24;

/// The narrowest column of the two-column layout.
const HALF_MIN: usize = 24;

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

/// The help's entries for the view under it: keys, and what they do in the session's language;
/// what the operator's role never allows is left out.
fn entries(app: &App) -> Vec<(String, String)> {
    let mode = app.view_mode();
    app.keymap
        .help_actions(mode)
        .into_iter()
        .filter(|(_, _, action)| super::role::may(app.role, action, mode))
        .map(|(k, what, _)| (k, tr_in(app.lang, what).to_string()))
        .collect()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// A group of key names broken into lines of at most `w` cells at the spaces between names
/// (a single name wider than that is cut).
fn wrap_keys(keys: &str, w: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for name in keys.split(' ') {
        match lines.last_mut() {
            Some(line) if width(line) + 1 + width(name) <= w => {
                line.push(' ');
                line.push_str(name);
            }
            _ => lines.push(fit(name, w)),
        }
    }
    lines
}

/// The entries as rows of one column `w` cells wide: keys, two spaces, what they do. In a
/// narrow column the keys take at most half (but a whole key name) and go on over the next
/// rows, so that what they do is not cut to nothing.
fn column(entries: &[(String, String)], w: usize) -> Vec<String> {
    let widest_name = entries.iter().flat_map(|(k, _)| k.split(' ')).map(width).max().unwrap_or(0);
    let kw = entries.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let kw = kw.min(KEYS_MAX).min(widest_name.max(w / 2)).min(w);
    let what_w = w.saturating_sub(kw + 2);
    let mut rows = Vec::new();
    for (keys, what) in entries {
        for (i, line) in wrap_keys(keys, kw).into_iter().enumerate() {
            if i == 0 && what_w > 0 {
                rows.push(format!("{}  {}", pad_to(&line, kw), fit(what, what_w)));
            } else {
                rows.push(line);
            }
        }
    }
    rows
}

/// The overlay laid out in one area.
struct Layout {
    /// Every row of the help, each at most as wide as the box's inside less a margin.
    rows: Vec<String>,
    /// Where the box is drawn.
    popup: Rect,
}

impl Layout {
    /// The help of the view under it laid out in `area`.
    fn of(app: &App, area: Rect) -> Layout {
        let entries = entries(app);
        // Inside the borders, a space each side.
        let room = area.width.saturating_sub(4) as usize;
        let natural = column(&entries, usize::MAX).iter().map(|r| width(r)).max().unwrap_or(0);
        let one = column(&entries, natural.min(room));
        let fits = area.height.saturating_sub(2) as usize;
        let half = (room.saturating_sub(3) / 2).min(natural);
        let two = (one.len() > fits && half >= HALF_MIN).then(|| column(&entries, half));
        let rows = match two {
            Some(two) if two.len().div_ceil(2) <= fits => {
                let per = two.len().div_ceil(2);
                (0..per)
                    .map(|i| {
                        let right = two.get(i + per).map_or(String::new(), |s| pad_to(s, half));
                        format!("{}   {}", pad_to(&two[i], half), right).trim_end().to_string()
                    })
                    .collect()
            }
            _ => one,
        };
        // The box is as wide as its rows, its title and the longest position it can show.
        let n = rows.len();
        let at = if n > fits { width(&trf_in(app.lang, "{}-{} of {}", &[&n, &n, &n])) + 6 } else { 0 };
        let inner = (rows.iter().map(|r| width(r) + 2).max().unwrap_or(0)).max(width(&title(app))).max(at);
        let cells = |n: usize| u16::try_from(n + 2).unwrap_or(u16::MAX);
        let popup = centered(area, cells(inner), cells(n));
        Layout { rows, popup }
    }

    /// Rows shown at once.
    fn page(&self) -> usize {
        self.popup.height.saturating_sub(2) as usize
    }

    /// The first row shown when the help is scrolled to `top`, kept within the rows.
    fn top(&self, top: usize) -> usize {
        top.min(self.rows.len().saturating_sub(self.page()))
    }
}

/// The box's title: which view's keys, and how to close it.
fn title(app: &App) -> String {
    trf_in(app.lang, " keys: {} · esc closes ", &[&tr_in(app.lang, view_name(app.view_mode()))])
}

/// Where the help is drawn on a screen of `w`x`h`: between the tab bar and the status line
/// (over the search line too, so that a help seen at 20x5 shows at least one row).
pub(super) fn area(w: u16, h: u16) -> Rect {
    Rect { x: 0, y: 1, width: w, height: h.saturating_sub(2) }
}

impl App {
    /// A key while the help is open: it scrolls the help or closes it, and reaches no view.
    pub(super) fn on_help(&mut self, action: Action) -> Vec<Effect> {
        let layout = Layout::of(self, area(self.size.0, self.size.1));
        let top = layout.top(self.help_top);
        let page = layout.page().max(1);
        self.help_top = layout.top(match action {
            Action::ToggleHelp | Action::Back | Action::Cancel | Action::Quit => {
                self.help = false;
                0
            }
            Action::Down => top + 1,
            Action::Up => top.saturating_sub(1),
            Action::PageDown => top + page,
            Action::PageUp => top.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => usize::MAX,
            _ => top,
        });
        vec![]
    }
}

/// Draws the overlay centred in `area`, scrolled as far as the operator took it.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let layout = Layout::of(app, area);
    let popup = layout.popup;
    if popup.width < 3 || popup.height < 3 {
        return;
    }
    let inside = popup.width as usize - 2;
    let (top, page, total) = (layout.top(app.help_top), layout.page(), layout.rows.len());
    let mut block = super::floor::bordered(app.options.ascii_borders).title(fit(&title(app), inside));
    if total > page {
        let up = if top > 0 { "↑ " } else { "" };
        let down = if top + page < total { " ↓" } else { "" };
        let at = trf_in(app.lang, "{}-{} of {}", &[&(top + 1), &(top + page), &total]);
        block = block.title_bottom(Line::from(fit(&format!(" {up}{at}{down} "), inside)).right_aligned());
    }
    let text: Vec<Line> = layout.rows[top..(top + page).min(total)]
        .iter()
        .map(|r| Line::from(format!(" {}", fit(r, inside.saturating_sub(1)))))
        .collect();
    super::widgets::clear(f, popup);
    f.render_widget(Paragraph::new(text).block(block), popup);
}
