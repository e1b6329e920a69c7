//! Text that reaches a terminal or a spreadsheet, made safe.
//!
//! Stored data is typed by staff and imported from files, so it may hold escape sequences
//! (`ESC ]0;title BEL` retitles a terminal; worse ones exist) or spreadsheet formulas.

use std::borrow::Cow;
use std::fmt::Write;
use unicode_width::UnicodeWidthChar;

/// Whether `c` must never reach a terminal raw: C0, DEL, C1 and the bidi controls that can
/// make text read differently from what it is (embeddings, overrides, isolates, and the marks
/// LRM, RLM and ALM).
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `c` is invisible and takes no cell, so that it cannot be seen for what it is: the
/// zero-width space, non-joiner and joiner, the word joiner and invisible operators, the BOM,
/// the Mongolian vowel separator, and the line and paragraph separators (which some terminals
/// break lines at and others draw as nothing). Typed and imported text keeps them; output
/// shows them as escapes.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{2028}' | '\u{2029}')
}

/// Whether `c` is written to a terminal only as an escape: a hazard or an invisible character.
pub fn needs_escape(c: char) -> bool {
    is_hazard(c) || is_invisible(c)
}

/// Most combining marks (and other zero-width characters that join the one before) drawn on
/// one character: Vietnamese stacks two, and four leaves room for any real script, while
/// ten thousand on one letter would otherwise be written to the terminal whole each time the
/// cell is drawn. Further marks are left out of the display; the data keeps them.
pub const MAX_MARKS: usize = 4;

/// Replaces every control, bidi and invisible character with a visible escape (`\x1b`,
/// `\u{202e}`, `\u{200d}`) and keeps at most [`MAX_MARKS`] marks on a character, so that a
/// hostile name prints as text of bounded size instead of acting on the terminal. Newlines
/// are escaped too: use [`terminal_safe_multiline`] where line breaks are wanted.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape_where(s, needs_escape)
}

/// A file or directory name as a message prints it: neutralised like stored text, since a
/// file may be named with an escape sequence (`--out $'\e]0;X\a.csv'`).
pub fn shown_path(p: &std::path::Path) -> String {
    terminal_safe(&p.to_string_lossy()).into_owned()
}

/// Like [`terminal_safe`] but keeps `\n` (for notes printed over several lines).
pub fn terminal_safe_multiline(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && needs_escape(c))
}

/// Whether `c` takes no cell of its own and joins the character before it (a combining mark,
/// a variation selector); `None` widths are control characters, escaped before this is asked.
fn is_mark(c: char) -> bool {
    !c.is_ascii() && c.width() == Some(0)
}

/// Whether `s` needs no change: no character to escape, no run of more than [`MAX_MARKS`].
fn is_clean(s: &str, hazard: &impl Fn(char) -> bool) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if hazard(c) {
            return false;
        }
        if is_mark(c) {
            run += 1;
            if run > MAX_MARKS {
                return false;
            }
        } else {
            run = 0;
        }
    }
    true
}

fn escape_where(s: &str, hazard: impl Fn(char) -> bool) -> Cow<'_, str> {
    if is_clean(s, &hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(4096) + 8);
    let mut run = 0;
    for c in s.chars() {
        if hazard(c) {
            run = 0;
            if (c as u32) < 0x100 {
                let _ = write!(out, "\\x{:02x}", c as u32);
            } else {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        } else if is_mark(c) {
            run += 1;
            if run <= MAX_MARKS {
                out.push(c);
            }
        } else {
            run = 0;
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A TOML parse error of `text` as one readable line: `line 3, column 5: <what>`. The toml
/// crate's own report spans several lines (the line quoted, a caret under it), which every
/// message neutralises into `\x0a` escapes on one line.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what,
    }
}

/// Characters that make a spreadsheet treat a cell as a formula (CSV injection).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefixes a cell that a spreadsheet would run as a formula with `'`.
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some(c) if FORMULA_START.contains(&c) => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Undoes [`spreadsheet_safe`] on import, so that an exported file imports unchanged.
pub fn undo_spreadsheet_safe(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_made_visible() {
        let s = terminal_safe("Li\x1b]0;x\x07 Na\u{9b}");
        assert!(!s.contains('\x1b') && !s.contains('\x07') && !s.contains('\u{9b}'));
        assert_eq!(s, "Li\\x1b]0;x\\x07 Na\\x9b");
        assert_eq!(terminal_safe("王秀英"), Cow::Borrowed("王秀英"));
        assert_eq!(terminal_safe("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(terminal_safe("a\u{61c}b\u{2069}"), "a\\u{61c}b\\u{2069}");
        assert_eq!(terminal_safe_multiline("a\nb\x1b"), "a\nb\\x1b");
    }

    #[test]
    fn invisible_characters_are_shown_and_marks_are_capped() {
        assert_eq!(
            terminal_safe("Li\u{200d}Na\u{200b}\u{2060}x\u{feff}"),
            "Li\\u{200d}Na\\u{200b}\\u{2060}x\\u{feff}"
        );
        assert_eq!(terminal_safe("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
        assert_eq!(terminal_safe_multiline("a\nb\u{2028}"), "a\nb\\u{2028}");
        // Four marks on a letter are kept (Vietnamese takes two), more are dropped.
        assert_eq!(
            terminal_safe("e\u{301}\u{302}\u{303}\u{304}"),
            Cow::Borrowed("e\u{301}\u{302}\u{303}\u{304}")
        );
        let zalgo = format!("e{}x", "\u{301}".repeat(10_000));
        assert_eq!(terminal_safe(&zalgo), "e\u{301}\u{301}\u{301}\u{301}x");
        assert_eq!(terminal_safe("❤\u{fe0f} 👍🏽 🇨🇳"), Cow::Borrowed("❤\u{fe0f} 👍🏽 🇨🇳"));
    }

    #[test]
    fn formulas_are_defused_and_restored() {
        for s in ["=1+1", "+86138", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let safe = spreadsheet_safe(s);
            assert!(safe.starts_with('\''), "{s}");
            assert_eq!(undo_spreadsheet_safe(&safe), s);
        }
        assert_eq!(spreadsheet_safe("王"), "王");
        assert_eq!(undo_spreadsheet_safe("'quoted"), "'quoted");
    }
}
