//! Small drawing helpers: text cut to a display width without splitting wide (CJK) characters,
//! sanitised data, highlighted matches, text bars and centred popups.

use crate::text::terminal_safe;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Data made safe for the terminal: control and bidi characters shown as escapes.
pub fn safe(s: &str) -> Cow<'_, str> {
    terminal_safe(s)
}

/// The display width of one character (0 for combining marks).
fn cw(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// `s` cut to at most `width` cells, ending in `…` when cut; a wide character that would
/// straddle the edge is dropped whole.
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = cw(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` broken into lines of at most `width` cells, character by character (Chinese has no
/// spaces to break at), at its own line breaks too; a wide character never straddles a line.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for c in para.chars() {
            let w = cw(c);
            if used + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

/// `s` broken into lines of at most `width` cells for reading: between words where there are
/// spaces, between any two wide (CJK) characters, and inside a word only when it is longer than
/// a line. The spaces at a break are dropped; a wide character never straddles a line.
pub fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for token in tokens(s) {
        let w = token.width();
        if token.starts_with(' ') {
            // Spaces at a break, or at the start of a line, are not drawn.
            if used > 0 && used + w < width {
                line.push_str(token);
                used += w;
            } else if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            continue;
        }
        if used + w > width && used > 0 {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0;
        }
        if w > width {
            // A word longer than a line: cut it character by character.
            let mut parts = wrap(token, width);
            let last = parts.pop().unwrap_or_default();
            lines.extend(parts);
            used = last.width();
            line = last;
            continue;
        }
        line.push_str(token);
        used += w;
    }
    lines.push(line.trim_end().to_string());
    lines
}

/// Chinese punctuation that never starts a line (it stays with the character before it).
const CLOSING: &str = "，。、；：！？）」』】》〉”’…";
/// Chinese punctuation that never ends a line (it goes with the character after it).
const OPENING: &str = "（「『【《〈“‘";

/// Runs of spaces, runs of other narrow characters, and single wide characters (with the
/// punctuation that holds on to them).
fn tokens(s: &str) -> Vec<&str> {
    let kind = |c: char| match c {
        ' ' => 0,
        c if cw(c) >= 2 => 2,
        _ => 1,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<(u8, char)> = None;
    for (i, c) in s.char_indices() {
        let k = kind(c);
        // A wide character is a token of its own; runs of the same narrow kind stay together.
        let split = prev.is_some_and(|(p, pc)| {
            (p != k || k == 2) && !CLOSING.contains(c) && !(p == 2 && OPENING.contains(pc))
        });
        if split {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some((k, c));
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// `s` cut to `width` cells (see [`fit`]) and padded with spaces to exactly `width` cells, so
/// that wide characters keep columns aligned (`format!("{:<w$}")` counts chars, not cells).
pub fn pad_to(s: &str, width: usize) -> String {
    let mut out = fit(s, width);
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// A line of `s` (already safe) cut to `width`, with the chars at `hits` (char indexes)
/// in `hit` style.
pub fn highlighted(s: &str, hits: &[usize], width: usize, hit: Style) -> Line<'static> {
    let text = fit(s, width);
    if hits.is_empty() {
        return Line::from(text);
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in text.chars().enumerate() {
        let is_hit = hits.binary_search(&i).is_ok() && !(c == '…' && i + 1 == text.chars().count());
        if is_hit != run_hit && !run.is_empty() {
            let t = std::mem::take(&mut run);
            spans.push(if run_hit { Span::styled(t, hit) } else { Span::raw(t) });
        }
        run_hit = is_hit;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(if run_hit { Span::styled(run, hit) } else { Span::raw(run) });
    }
    Line::from(spans)
}

/// A horizontal bar `share` (0–1) of `width` cells, in eighths.
pub fn bar(share: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) && s.chars().count() < width {
        s.push(PARTS[eighths % 8]);
    }
    s
}

/// A rectangle of at most `w`×`h` centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Clears `r` for a popup, and the wide character of the view underneath that straddles its
/// left edge: left there, its right half would hide the popup's left border (a terminal draws a
/// wide character whole or not at all).
pub fn clear(f: &mut Frame, r: Rect) {
    f.render_widget(Clear, r);
    if r.x == 0 {
        return;
    }
    let buf = f.buffer_mut();
    for y in r.y..r.bottom().min(buf.area.bottom()) {
        if let Some(cell) = buf.cell_mut((r.x - 1, y))
            && cell.symbol().width() > 1
        {
            cell.set_symbol(" ");
        }
    }
}

/// A money amount in whole units with thousands separators (`12,345`), for narrow columns.
pub fn money_short(m: crate::domain::Money) -> String {
    let units = m.0 / 100;
    let digits = units.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if units < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chinese_notes_wrap_per_character() {
        let lines = wrap("不要在工作日上午打电话，周末可以", 10);
        assert_eq!(lines, vec!["不要在工作", "日上午打电", "话，周末可", "以"]);
        assert!(lines.iter().all(|l| l.width() <= 10));
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(wrap("ab王", 3), vec!["ab", "王"], "a wide char moves whole to the next line");
    }

    #[test]
    fn words_wrap_at_spaces_and_chinese_between_characters() {
        let en = wrap_words("silver — 6324.30 spent in the last 365 days", 20);
        assert_eq!(en, vec!["silver — 6324.30", "spent in the last", "365 days"]);
        assert!(en.iter().all(|l| l.width() <= 20));
        let zh = wrap_words("银卡 — 近365天消费6324.30（2000.00至不足8000.00）", 16);
        assert!(zh.iter().all(|l| l.width() <= 16), "{zh:?}");
        assert_eq!(zh.concat().replace(' ', ""), "银卡—近365天消费6324.30（2000.00至不足8000.00）");
        assert_eq!(wrap_words("abcdefghij xy", 4), vec!["abcd", "efgh", "ij", "xy"]);
        // No line starts with a comma or ends with an opening bracket.
        assert_eq!(wrap_words("一二三，四", 6), vec!["一二", "三，四"]);
        assert_eq!(wrap_words("一二（三）", 6), vec!["一二", "（三）"]);
        assert_eq!(wrap_words("", 10), vec![""]);
        assert_eq!(wrap_words("a  b", 10), vec!["a  b"]);
    }

    #[test]
    fn wide_characters_are_never_split() {
        assert_eq!(fit("王秀英", 6), "王秀英");
        assert_eq!(fit("王秀英", 5), "王秀…");
        assert_eq!(fit("王秀英", 4), "王…");
        assert_eq!(fit("王秀英", 1), "…");
        assert_eq!(fit("王秀英", 0), "");
        for w in 0..8 {
            assert!(fit("王a秀英b", w).width() <= w);
        }
    }

    #[test]
    fn bars_and_money() {
        assert_eq!(bar(0.5, 4), "██");
        assert_eq!(bar(1.0, 3), "███");
        assert_eq!(bar(0.0, 3), "");
        assert_eq!(money_short(crate::domain::Money(123_456_789)), "1,234,567");
    }
}
