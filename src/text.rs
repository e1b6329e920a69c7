//! Text that reaches a terminal or a spreadsheet, made safe.
//!
//! Stored data is typed by staff and imported from files, so it may hold escape sequences
//! (`ESC ]0;title BEL` retitles a terminal; worse ones exist) or spreadsheet formulas.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must never reach a terminal raw: C0, DEL, C1 and the bidi controls that can
/// make text read differently from what it is (embeddings, overrides, isolates, and the marks
/// LRM, RLM and ALM).
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Replaces every control character with a visible escape (`\x1b`, `\u{202e}`), so that a
/// hostile name prints as text instead of acting on the terminal. Newlines are escaped too:
/// use [`terminal_safe_multiline`] where line breaks are wanted.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape_where(s, is_hazard)
}

/// Like [`terminal_safe`] but keeps `\n` (for notes printed over several lines).
pub fn terminal_safe_multiline(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && is_hazard(c))
}

fn escape_where(s: &str, hazard: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !hazard(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
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
