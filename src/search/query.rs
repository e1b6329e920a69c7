//! A query in the forms each key is matched in, and when a new query only narrows the last one.

use super::fold::fold;

/// Longest pinyin query: the matcher keeps its positions in a 64-bit set.
pub const MAX_PINYIN: usize = 63;
/// Shortest query (in chars) matched fuzzily: with one or two chars nearly everyone matches.
pub const FUZZY_FROM: usize = 3;

/// One query, prepared once per keystroke.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forms {
    /// Folded, trimmed, without control characters: matched against names, refs, fuzzy keys.
    pub text: String,
    /// Whether `text` is pure ASCII (byte-wise fast paths apply).
    pub ascii: bool,
    /// Only digits and phone punctuation: only phone and ref keys are looked at.
    pub digits_only: bool,
    /// The query as phone digits (`+86`, spaces and dashes dropped), when it can be one.
    pub phone: Option<String>,
    /// The query as pinyin letters, when it can be one (letters only; digits rule it out).
    pub pinyin: Option<String>,
    /// Whether the fuzzy tier runs.
    pub fuzzy: bool,
}

impl Forms {
    /// Prepares `q`.
    pub fn of(q: &str) -> Forms {
        let folded: String = q.chars().filter(|c| !c.is_control()).map(fold).collect();
        let text = folded.trim().to_string();
        let ascii = text.is_ascii();
        let digits_only = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_digit() || is_phone_punct(c))
            && text.chars().any(|c| c.is_ascii_digit());
        let phone = phone_form(&text);
        let pinyin = (!text.is_empty()
            && text.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\''))
        .then(|| text.chars().filter(char::is_ascii_lowercase).collect::<String>())
        .filter(|p| !p.is_empty() && p.len() <= MAX_PINYIN);
        let fuzzy = !digits_only && text.chars().count() >= FUZZY_FROM;
        Forms { text, ascii, digits_only, phone, pinyin, fuzzy }
    }

    /// Whether every match of `self` is among the candidates kept for `prev`, so that only
    /// those need looking at again: each form must extend the previous one, and a digits-only
    /// query (which looked at phones and refs only) must stay one.
    pub fn narrows(&self, prev: &Forms) -> bool {
        self.text.starts_with(&prev.text)
            && extends(&self.phone, &prev.phone)
            && extends(&self.pinyin, &prev.pinyin)
            && (self.digits_only || !prev.digits_only)
    }
}

/// A form that was absent may stay absent; a present one must grow from the previous one.
fn extends(new: &Option<String>, prev: &Option<String>) -> bool {
    match (new, prev) {
        (None, _) => true,
        (Some(n), Some(p)) => n.starts_with(p.as_str()),
        (Some(_), None) => false,
    }
}

fn is_phone_punct(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '+')
}

/// The query as stored phones are written (like `Phone::parse`, but for a number still being
/// typed): punctuation dropped, `+86`/`0086` dropped, other `+` numbers kept with their `+`.
fn phone_form(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let national = t.strip_prefix("+86").or_else(|| t.strip_prefix("0086"));
    let (plus, digits) = match national {
        Some(d) => (false, d),
        None => match t.strip_prefix('+') {
            Some(d) => (true, d),
            None => (false, t.as_str()),
        },
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.is_empty() && national.is_none()) {
        return None;
    }
    Some(if plus { format!("+{digits}") } else { digits.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let f = Forms::of("  +86 138-1234 ");
        assert_eq!((f.phone.as_deref(), f.digits_only, f.pinyin), (Some("1381234"), true, None));
        let f = Forms::of("Wang Xy");
        assert_eq!((f.text.as_str(), f.pinyin.as_deref(), f.phone), ("wang xy", Some("wangxy"), None));
        assert!(f.fuzzy);
        assert_eq!(Forms::of("+44 20").phone.as_deref(), Some("+4420"));
        assert_eq!(Forms::of("ｗ\u{1b}x").text, "wx");
        assert!(!Forms::of("王秀").fuzzy);
    }

    #[test]
    fn narrowing() {
        assert!(Forms::of("wxy").narrows(&Forms::of("wx")), "the prefilter ran before fuzzy scoring");
        assert!(Forms::of("wxyz").narrows(&Forms::of("wxy")));
        assert!(!Forms::of("+86").narrows(&Forms::of("+8")));
        assert!(Forms::of("+861").narrows(&Forms::of("+86")));
        assert!(!Forms::of("138a").narrows(&Forms::of("138")));
        assert!(!Forms::of("abc").narrows(&Forms::of("abd")));
    }
}
