//! Pinyin readings of Chinese names, so staff can find 王秀英 by `wxy`, `wangxy` or `wxiuy`.
//!
//! Readings are built once when a customer is saved (they are the search key), never per
//! keystroke. A query matches syllable by syllable: every character by its initial or its full
//! syllable, except the last, which may be any prefix of its syllable. Polyphonic characters try
//! every reading; the first character tries its surname reading first (曾 zeng before ceng).

use pinyin::ToPinyinMulti;

/// Readings of surnames that differ from the character's most common reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('区', "ou"),
    ('查', "zha"),
    ('乐', "yue"),
    ('盖', "ge"),
    ('缪', "miao"),
    ('种', "chong"),
    ('覃', "qin"),
    ('翟', "zhai"),
    ('秘', "bi"),
    ('柏', "bai"),
    ('召', "shao"),
    ('员', "yun"),
    ('繁', "po"),
    ('黑', "he"),
    ('句', "gou"),
    ('重', "chong"),
    ('折', "she"),
    ('尉', "yu"),
    ('万', "wan"),
    ('沈', "shen"),
    ('薄', "bo"),
    ('葛', "ge"),
    ('燕', "yan"),
    ('宁', "ning"),
    ('华', "hua"),
    ('任', "ren"),
    ('纪', "ji"),
    ('贾', "jia"),
    ('石', "shi"),
    ('长', "chang"),
    ('朝', "chao"),
];

/// The readings of one text: for each character (spaces and punctuation dropped), every plain
/// syllable it may be read as; a Latin letter or digit is its own one-letter "syllable".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readings {
    chars: Vec<Vec<String>>,
    hanzi: bool,
}

impl Readings {
    /// Builds the readings of `text`.
    pub fn of(text: &str) -> Readings {
        let mut r = Readings::default();
        for c in text.chars() {
            if let Some((syllables, hanzi)) = char_readings(c, r.chars.is_empty()) {
                r.hanzi |= hanzi;
                r.chars.push(syllables);
            }
        }
        r
    }

    /// Whether the text holds any Chinese character (otherwise pinyin adds nothing).
    pub fn has_hanzi(&self) -> bool {
        self.hanzi
    }

    /// The first character at which `query` (ASCII letters, any case) matches syllable by
    /// syllable, or `None`.
    pub fn find(&self, query: &str) -> Option<usize> {
        if !self.hanzi || query.is_empty() || !query.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let q = query.to_ascii_lowercase();
        (0..self.chars.len()).find(|&start| self.matches_from(start, &q))
    }

    /// Every kept character's syllables, the most likely (or the surname) reading first.
    pub fn chars(&self) -> &[Vec<String>] {
        &self.chars
    }

    /// The initials of the first readings, e.g. `wxy` for 王秀英 (for fuzzy fallback keys).
    pub fn initials(&self) -> String {
        self.chars.iter().filter_map(|s| s.first().and_then(|x| x.chars().next())).collect()
    }

    /// The first readings run together, e.g. `wangxiuying`.
    pub fn full(&self) -> String {
        self.chars.iter().filter_map(|s| s.first().map(String::as_str)).collect()
    }

    fn matches_from(&self, at: usize, q: &str) -> bool {
        if q.is_empty() {
            return true;
        }
        let Some(syllables) = self.chars.get(at) else { return false };
        syllables.iter().any(|s| {
            // The last character typed may be any beginning of its syllable.
            (s.len() > q.len() && s.starts_with(q))
                || initials(s).any(|i| q.starts_with(i) && self.matches_from(at + 1, &q[i.len()..]))
                || (q.starts_with(s.as_str()) && s.len() > 1 && self.matches_from(at + 1, &q[s.len()..]))
        })
    }
}

/// A syllable's initials as typed: its first letter, and `zh`/`ch`/`sh` in full.
fn initials(s: &str) -> impl Iterator<Item = &str> {
    let two =
        (s.len() > 2 && (s.starts_with("zh") || s.starts_with("ch") || s.starts_with("sh"))).then(|| &s[..2]);
    s.get(..1).into_iter().chain(two)
}

/// The syllables of one character of a text and whether it is a hanzi; `first` when no
/// character of the text was kept before it (a surname reading goes first). `None` for a
/// character that is dropped (spaces, punctuation). Per character, so that an index can keep
/// the answer for each character it has seen instead of asking again for every name.
pub fn char_readings(c: char, first: bool) -> Option<(Vec<String>, bool)> {
    match c.to_pinyin_multi() {
        Some(m) => {
            let mut s: Vec<String> = Vec::with_capacity(m.count() + 1);
            if first && let Some((_, reading)) = SURNAME_READINGS.iter().find(|(h, _)| *h == c) {
                s.push(reading.to_string());
            }
            for p in m {
                push_variants(&mut s, p.plain());
            }
            Some((s, true))
        }
        None if c.is_alphanumeric() => Some((c.to_lowercase().map(|l| l.to_string()).collect(), false)),
        None => None,
    }
}

/// Adds a plain syllable, and `v`/`u` spellings for `ü` as keyboards type it (吕 lv, lu).
fn push_variants(out: &mut Vec<String>, plain: &str) {
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if plain.contains('ü') {
        add(plain.replace('ü', "v"));
        add(plain.replace('ü', "u"));
    } else {
        add(plain.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_syllables_and_a_partial_last() {
        let r = Readings::of("王秀英");
        for q in ["wxy", "wangxy", "wangxiuying", "wxiuy", "WXY", "wangx", "w", "wa"] {
            assert_eq!(r.find(q), Some(0), "{q}");
        }
        for q in ["wxyz", "wxiy", "xwy", "wangxiuyingz", "wngxy", "", "w-x"] {
            assert_eq!(r.find(q), None, "{q}");
        }
        assert_eq!(r.find("xy"), Some(1));
        assert_eq!(r.find("ying"), Some(2));
        assert_eq!((r.initials().as_str(), r.full().as_str()), ("wxy", "wangxiuying"));
    }

    #[test]
    fn polyphonic_characters_match_every_reading_surname_first() {
        let zeng = Readings::of("曾小明");
        assert_eq!(zeng.full(), "zengxiaoming");
        assert_eq!(zeng.find("zxm"), Some(0));
        assert_eq!(zeng.find("cengxm"), Some(0));
        assert_eq!(Readings::of("单田芳").find("shantf"), Some(0));
        assert_eq!(Readings::of("单田芳").find("dantf"), Some(0));
        assert_eq!(Readings::of("解放").full(), "xiefang");
        assert_eq!(Readings::of("了解").find("lj"), Some(0));
    }

    #[test]
    fn two_letter_initials_and_u_umlaut() {
        assert_eq!(Readings::of("张小燕").find("zhxy"), Some(0));
        assert_eq!(Readings::of("吕布").find("lvbu"), Some(0));
        assert_eq!(Readings::of("吕布").find("lubu"), Some(0));
    }

    #[test]
    fn latin_and_mixed_names() {
        assert!(!Readings::of("Anna Smith").has_hanzi());
        assert_eq!(Readings::of("Anna Smith").find("as"), None);
        let mixed = Readings::of("王 Lily");
        assert_eq!(mixed.find("wl"), Some(0));
        assert_eq!(mixed.find("wanglily"), Some(0), "Latin letters match one by one");
        assert_eq!(mixed.find("wangl"), Some(0));
        assert_eq!(mixed.find("wanglilx"), None);
    }
}
