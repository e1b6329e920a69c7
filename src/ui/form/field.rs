//! The three kinds of input a form is made of: a single-line text input, a choice among the keys
//! of a keyed enum, and a checkbox. Pure state and editing; drawing lives in `render.rs`.

use super::FormKey;
use unicode_width::UnicodeWidthChar;

/// Display width of one character in terminal cells (0 for combining marks and for the
/// invisible characters, which the view leaves out).
fn char_width(c: char) -> usize {
    if crate::text::is_invisible(c) { 0 } else { c.width().unwrap_or(0) }
}

/// Display width of a run of characters.
#[cfg(test)]
fn width_of(chars: &[char]) -> usize {
    chars.iter().map(|&c| char_width(c)).sum()
}

/// Cleans text arriving from the keyboard or a paste: tabs and line breaks become one space
/// (a cell copied from a spreadsheet should not glue two words together), every other control
/// character and the bidi overrides are dropped, so nothing typed can act on the terminal or
/// be stored.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_was_break = false;
    for c in text.chars() {
        let is_break = matches!(c, '\t' | '\n' | '\r');
        if is_break {
            // "\r\n" from a Windows clipboard is one break, not two spaces.
            if !last_was_break {
                out.push(' ');
            }
        } else if !is_hidden_control(c) {
            out.push(c);
        }
        last_was_break = is_break;
    }
    out
}

/// C0, DEL, C1 and the bidi controls that make text read differently from what it is.
fn is_hidden_control(c: char) -> bool {
    crate::text::is_hazard(c)
}

/// A single-line text input. The cursor is a char index (so it never lands inside a UTF-8
/// sequence) and is shown by display width (so CJK characters take two cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    chars: Vec<char>,
    cursor: usize,
    max: usize,
}

impl TextInput {
    /// An input holding `text` (cleaned) with the cursor at its end, accepting up to `max` chars.
    pub fn new(text: &str, max: usize) -> TextInput {
        // Stored values longer than today's limit are kept whole: validation reports them.
        let chars: Vec<char> = sanitize(text).chars().collect();
        let cursor = chars.len();
        TextInput { chars, cursor, max }
    }

    /// The text as typed.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// The cursor as a char index, 0..=len.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The most characters this input accepts.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Inserts text at the cursor after cleaning it; returns how many characters did not fit.
    pub fn insert(&mut self, text: &str) -> usize {
        let mut dropped = 0;
        for c in sanitize(text).chars() {
            if self.chars.len() >= self.max {
                dropped += 1;
            } else {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
        }
        dropped
    }

    /// Deletes the character before the cursor (with any combining marks on it).
    pub fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        let end = self.cursor;
        self.left();
        self.chars.drain(self.cursor..end);
        true
    }

    /// Deletes the character under the cursor (with any combining marks on it).
    pub fn delete(&mut self) -> bool {
        if self.cursor >= self.chars.len() {
            return false;
        }
        let start = self.cursor;
        self.right();
        self.chars.drain(start..self.cursor);
        self.cursor = start;
        true
    }

    /// Moves one character left, skipping back over combining marks so the cursor never sits
    /// between a letter and its accent.
    pub fn left(&mut self) {
        while self.cursor > 0 {
            self.cursor -= 1;
            if char_width(self.chars[self.cursor]) > 0 {
                break;
            }
        }
    }

    /// Moves one character right, past any combining marks that follow it.
    pub fn right(&mut self) {
        if self.cursor < self.chars.len() {
            self.cursor += 1;
        }
        while self.cursor < self.chars.len() && char_width(self.chars[self.cursor]) == 0 {
            self.cursor += 1;
        }
    }

    /// Moves to the start.
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Deletes everything before the cursor (Ctrl-U, as in a shell); false when nothing was.
    pub fn clear_before(&mut self) -> bool {
        let had = self.cursor > 0;
        self.chars.drain(..self.cursor);
        self.cursor = 0;
        had
    }

    /// Moves past the end.
    pub fn end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// The part that fits a box `width` cells wide and the cursor's cell offset in it.
    ///
    /// The view is derived from the cursor alone (render takes `&self`, so there is no scroll
    /// state to keep): text starts at the left while the cursor fits, otherwise it scrolls so the
    /// cursor sits in the last cell. A wide character that would straddle the right edge is left
    /// out rather than split.
    pub fn view(&self, width: usize) -> (String, usize) {
        if width == 0 {
            return (String::new(), 0);
        }
        // The cursor needs the cells of the character under it (one cell past the end).
        let under = self.chars.get(self.cursor).map_or(1, |&c| char_width(c).max(1));
        // The first character shown: walk back from the cursor while the text still fits (linear
        // in the width, not quadratic in the length: a stored value may be 10,000 characters).
        let mut start = self.cursor;
        let mut before = 0;
        while start > 0 && before + char_width(self.chars[start - 1]) + under <= width {
            start -= 1;
            before += char_width(self.chars[start]);
        }
        let mut shown = String::new();
        let mut used = 0;
        // Invisible characters are kept in the value but not drawn (one pasted joiner would
        // glue itself to whatever the terminal drew before it), and marks are drawn a few per
        // character, as everywhere else (see `text::MAX_MARKS`).
        let mut marks = 0;
        for &c in &self.chars[start..] {
            let w = char_width(c);
            if used + w > width {
                break;
            }
            used += w;
            if w > 0 {
                marks = 0;
            } else if crate::text::is_invisible(c) {
                continue;
            } else {
                marks += 1;
                if marks > crate::text::MAX_MARKS {
                    continue;
                }
            }
            shown.push(c);
        }
        (shown, before.min(width - 1))
    }
}

/// A choice among fixed keys, such as a keyed enum's `ALL` mapped through `key()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    keys: Vec<&'static str>,
    index: usize,
}

impl Choice {
    /// A choice over `keys` with `selected` chosen (the first key when it is not among them).
    pub fn new(keys: Vec<&'static str>, selected: &str) -> Choice {
        let index = keys.iter().position(|k| *k == selected).unwrap_or(0);
        Choice { keys, index }
    }

    /// The chosen key.
    pub fn key(&self) -> &'static str {
        self.keys.get(self.index).copied().unwrap_or("")
    }

    /// Every key, in order.
    pub fn keys(&self) -> &[&'static str] {
        &self.keys
    }

    /// Position of the chosen key.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Chooses the next key, wrapping around.
    pub fn next(&mut self) {
        if !self.keys.is_empty() {
            self.index = (self.index + 1) % self.keys.len();
        }
    }

    /// Chooses the previous key, wrapping around.
    pub fn prev(&mut self) {
        if !self.keys.is_empty() {
            self.index = (self.index + self.keys.len() - 1) % self.keys.len();
        }
    }

    /// Chooses the next key after the current one starting with `c`, so pressing `c` twice goes
    /// from `call` to `complaint`. Returns whether `c` matched any key.
    pub fn jump(&mut self, c: char) -> bool {
        let c = c.to_ascii_lowercase();
        let n = self.keys.len();
        for step in 1..=n {
            let i = (self.index + step) % n;
            if self.keys[i].starts_with(c) {
                self.index = i;
                return true;
            }
        }
        false
    }

    /// Chooses the key equal to `text` (ignoring case and surrounding space), as a paste would.
    pub fn select(&mut self, text: &str) -> bool {
        match self.keys.iter().position(|k| k.eq_ignore_ascii_case(text.trim())) {
            Some(i) => {
                self.index = i;
                true
            }
            None => false,
        }
    }
}

/// The value part of a form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Free text.
    Text(TextInput),
    /// One of a fixed set of keys.
    Choice(Choice),
    /// Yes or no.
    Check(bool),
}

/// What a key did to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The input has no use for the key; the form may (Enter, Tab, Up, Down, Esc…).
    Unhandled,
    /// The key was used but the value is the same (cursor moves, an unknown letter on a choice).
    Kept,
    /// The value changed; `dropped` characters did not fit the length limit.
    Changed { dropped: usize },
}

impl Input {
    /// The value as text: what was typed, the chosen key, or `yes` / `no`.
    pub fn value(&self) -> String {
        match self {
            Input::Text(t) => t.text(),
            Input::Choice(c) => c.key().to_string(),
            Input::Check(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }

    /// Applies one key.
    pub fn handle(&mut self, key: &FormKey) -> Edit {
        let before = self.value();
        let mut dropped = 0;
        let used = match (&mut *self, key) {
            (Input::Text(t), FormKey::Char(c)) => {
                dropped = t.insert(c.encode_utf8(&mut [0; 4]));
                true
            }
            (Input::Text(t), FormKey::Paste(s)) => {
                dropped = t.insert(s);
                true
            }
            (Input::Text(t), FormKey::Backspace) => {
                t.backspace();
                true
            }
            (Input::Text(t), FormKey::ClearField) => {
                t.clear_before();
                true
            }
            (Input::Text(t), FormKey::Delete) => {
                t.delete();
                true
            }
            (Input::Text(t), FormKey::Left) => {
                t.left();
                true
            }
            (Input::Text(t), FormKey::Right) => {
                t.right();
                true
            }
            (Input::Text(t), FormKey::Home) => {
                t.home();
                true
            }
            (Input::Text(t), FormKey::End) => {
                t.end();
                true
            }
            (Input::Choice(ch), FormKey::Left) => {
                ch.prev();
                true
            }
            (Input::Choice(ch), FormKey::Right | FormKey::Char(' ')) => {
                ch.next();
                true
            }
            (Input::Choice(ch), FormKey::Char(c)) => {
                ch.jump(*c);
                true
            }
            (Input::Choice(ch), FormKey::Paste(s)) => {
                ch.select(s);
                true
            }
            (Input::Check(b), FormKey::Char(' ') | FormKey::Left | FormKey::Right) => {
                *b = !*b;
                true
            }
            (Input::Check(b), FormKey::Char('y' | 'Y' | 'x' | 'X')) => {
                *b = true;
                true
            }
            (Input::Check(b), FormKey::Char('n' | 'N')) => {
                *b = false;
                true
            }
            // Stray letters on a choice or checkbox are swallowed, not passed on as commands.
            (Input::Check(_), FormKey::Char(_) | FormKey::Paste(_)) => true,
            _ => false,
        };
        if !used {
            Edit::Unhandled
        } else if dropped > 0 || self.value() != before {
            Edit::Changed { dropped }
        } else {
            Edit::Kept
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_cursor_and_backspace() {
        let mut t = TextInput::new("", 100);
        t.insert("王秀英");
        t.left();
        assert!(t.backspace());
        assert_eq!(t.text(), "王英");
        assert_eq!(t.cursor(), 1);
        assert_eq!(t.view(10), ("王英".to_string(), 2));
    }

    #[test]
    fn combining_marks_move_with_their_letter() {
        let mut t = TextInput::new("e\u{301}x", 10);
        t.home();
        t.right();
        assert_eq!(t.cursor(), 2);
        t.left();
        assert_eq!(t.cursor(), 0);
        t.delete();
        assert_eq!(t.text(), "x");
    }

    #[test]
    fn paste_is_cleaned_and_limited() {
        let mut t = TextInput::new("", 12);
        assert_eq!(t.insert("a\x1b[2Jb\r\nc\u{202e}d\te"), 0);
        assert_eq!(t.text(), "a[2Jb cd e");
        assert_eq!(t.insert("xyz"), 1);
        assert_eq!(t.text(), "a[2Jb cd exy");
    }

    #[test]
    fn view_scrolls_to_keep_cursor_visible_and_never_splits_wide_chars() {
        let t = TextInput::new("王秀英王秀英", 100);
        // Cursor at the end of 12 cells in a 5-cell box: the last two characters and the cursor.
        assert_eq!(t.view(5), ("秀英".to_string(), 4));
        let mut t = t;
        t.home();
        assert_eq!(t.view(5), ("王秀".to_string(), 0));
        assert_eq!(t.view(1), (String::new(), 0));
        assert_eq!(t.view(0), (String::new(), 0));
    }

    #[test]
    fn view_agrees_with_the_plain_definition_and_is_fast_on_long_values() {
        // The plain (quadratic) definition: the first character from which the text up to the
        // cursor, plus the cell under it, fits.
        fn start_of(t: &TextInput, width: usize) -> usize {
            let under = t.chars.get(t.cursor).map_or(1, |&c| char_width(c).max(1));
            let mut start = 0;
            while start < t.cursor && width_of(&t.chars[start..t.cursor]) + under > width {
                start += 1;
            }
            start
        }
        let text = "王a\u{301}秀👨\u{200d}👩b英e\u{302}\u{303}c";
        for width in 1..16 {
            let mut t = TextInput::new(text, 100);
            loop {
                let start = start_of(&t, width);
                let expected: String =
                    t.chars[start..].iter().filter(|&&c| !crate::text::is_invisible(c)).collect();
                let (shown, x) = t.view(width);
                assert!(expected.starts_with(&shown), "{width} {}: {shown:?}", t.cursor);
                assert_eq!(x, width_of(&t.chars[start..t.cursor]).min(width - 1));
                if t.cursor == 0 {
                    break;
                }
                t.left();
            }
        }
        let long = TextInput::new(&"王秀英".repeat(20_000), 100);
        let began = std::time::Instant::now();
        for _ in 0..100 {
            let _ = long.view(40);
        }
        assert!(began.elapsed() < std::time::Duration::from_secs(2), "view is not linear in the width");
    }

    #[test]
    fn choice_cycles_and_jumps_by_letter() {
        let mut c = Choice::new(vec!["call", "sms", "complaint", "note"], "sms");
        c.next();
        assert_eq!(c.key(), "complaint");
        c.jump('c');
        assert_eq!(c.key(), "call");
        c.jump('C');
        assert_eq!(c.key(), "complaint");
        assert!(!c.jump('z'));
        c.prev();
        c.prev();
        c.prev();
        assert_eq!(c.key(), "note");
        assert!(c.select(" SMS "));
        assert_eq!(c.key(), "sms");
    }
}
