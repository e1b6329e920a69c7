//! Matching one slot against one prepared query: its best tier and score, and whether it must
//! be looked at again when the query grows.

use super::Tier;
use super::query::Forms;
use super::store::{NAME_ASCII, NAME_WIDE, Store};
use super::syllables::{Nfa, Through};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Scores within the exact and direct tiers: which key matched how (higher is better).
const EXACT: i64 = 1000;
const NAME_PREFIX: i64 = 900;
const REF_PREFIX: i64 = 880;
const PHONE_PREFIX: i64 = 870;
const PHONE_TAIL: i64 = 860;
/// A name substring scores this less its position (earlier is better).
const NAME_INSIDE: i64 = 800;
/// A tag holds the query (below any name match: tags are shared by many customers).
const TAG_INSIDE: i64 = 700;
/// Pinyin through first readings only, or through a secondary reading (曾 as ceng).
const PINYIN_FIRST: i64 = 100;
const PINYIN_ANY: i64 = 50;

/// A query with everything built once per keystroke.
pub struct Prepared<'a> {
    pub forms: &'a Forms,
    pub nfa: Option<&'a Nfa>,
    pub matcher: &'a SkimMatcherV2,
    /// Letter mask of the pinyin query's first letter.
    pub pinyin_bit: u32,
}

/// What a slot does for a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Best tier and its score.
    pub hit: Option<(Tier, i64)>,
    /// Whether a longer query may still match it.
    pub keep: bool,
}

/// Byte position of `needle` in `hay`: a vectorised scan for the first byte, then a compare.
#[inline]
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    if hay.len() < needle.len() {
        return None;
    }
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        i += memchr::memchr(first, &hay[i..=last])?;
        if hay[i + 1..i + needle.len()] == *rest {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether `needle`'s bytes appear in `hay` in order (the cheap fuzzy prefilter).
#[inline]
pub fn in_order(hay: &[u8], needle: &[u8]) -> bool {
    let mut rest = hay;
    for &b in needle {
        match memchr::memchr(b, rest) {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    true
}

/// Chars in valid UTF-8 `bytes` (every byte but continuation bytes starts one).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Matches `slot` (a live one) against `p`.
pub fn eval(store: &Store, slot: usize, p: &Prepared) -> Outcome {
    let f = p.forms;
    let q = f.text.as_bytes();
    let mut best: Option<(Tier, i64)> = None;
    let mut keep = false;

    let reference = store.reference.bytes_of(slot);
    if !reference.is_empty() && reference.starts_with(q) {
        if reference.len() == q.len() {
            offer(&mut best, Tier::Exact, EXACT);
        } else {
            offer(&mut best, Tier::Direct, REF_PREFIX);
        }
    }
    if let Some(ph) = &f.phone {
        let phone = store.phone.bytes_of(slot);
        let d = ph.as_bytes();
        // Any phone holding the digits may become a prefix or tail match as they grow (and
        // after a bare `+86` every phone may).
        let holds = if d.is_empty() { !phone.is_empty() } else { find(phone, d).is_some() };
        keep |= holds;
        if holds && !d.is_empty() {
            if phone == d {
                offer(&mut best, Tier::Exact, EXACT);
            } else if phone.starts_with(d) {
                offer(&mut best, Tier::Direct, PHONE_PREFIX);
            } else if d.len() >= 4 && d[0] != b'+' && phone.ends_with(d) {
                offer(&mut best, Tier::Direct, PHONE_TAIL);
            }
        }
    }
    if let Some((Tier::Exact, _)) = best {
        return Outcome { hit: best, keep: true };
    }
    if f.digits_only {
        return Outcome { keep: keep || best.is_some(), hit: best };
    }

    let flags = store.name_flags[slot];
    if flags & if f.ascii { NAME_ASCII } else { NAME_WIDE } != 0 {
        let name = store.name.bytes_of(slot);
        if let Some(at) = find(name, q) {
            if at == 0 {
                offer(&mut best, Tier::Direct, NAME_PREFIX);
            } else {
                let chars = chars_in(&name[..at]);
                offer(&mut best, Tier::Direct, NAME_INSIDE - chars.min(99) as i64);
            }
        }
    }
    let tags = store.tags.bytes_of(slot);
    if best.is_none() && !tags.is_empty() && find(tags, q).is_some() {
        offer(&mut best, Tier::Direct, TAG_INSIDE);
    }
    if best.is_some() {
        return Outcome { hit: best, keep: true };
    }

    if let Some(nfa) = p.nfa
        && store.pinyin_any[slot] & p.pinyin_bit != 0
    {
        let code = store.pinyin_code(slot);
        let score = |t: Through| if t == Through::First { PINYIN_FIRST } else { PINYIN_ANY };
        if store.pinyin_first[slot] & p.pinyin_bit != 0
            && let Some(t) = nfa.run(code, false)
        {
            return Outcome { hit: Some((Tier::PinyinStart, score(t))), keep: true };
        }
        if let Some(t) = nfa.run(code, true) {
            return Outcome { hit: Some((Tier::PinyinLater, score(t))), keep: true };
        }
    }

    // The prefilter runs from the first key, fuzzy scoring from the third: the third key then
    // narrows what the second kept instead of looking at everyone again.
    // An ASCII query looks at the ASCII key as bytes; the key is taken as a str (checked)
    // only for the few that pass the prefilter and are scored.
    let column =
        if f.ascii || store.fuzzy_wide.bytes_of(slot).is_empty() { &store.fuzzy } else { &store.fuzzy_wide };
    let passes =
        if f.ascii { in_order(column.bytes_of(slot), q) } else { chars_in_order(column.get(slot), &f.text) };
    if passes {
        keep = true;
        if f.fuzzy
            && let Some(s) = p.matcher.fuzzy_match(column.get(slot), &f.text)
        {
            offer(&mut best, Tier::Fuzzy, s.max(0));
        }
    }
    Outcome { hit: best, keep }
}

/// Keeps the better of `best` and `(tier, score)`.
fn offer(best: &mut Option<(Tier, i64)>, tier: Tier, score: i64) {
    if best.is_none_or(|(t, s)| (tier, -score) < (t, -s)) {
        *best = Some((tier, score));
    }
}

/// [`in_order`] for non-ASCII needles: UTF-8 is self-synchronising, so finding a char's bytes
/// finds the char, without decoding the key.
pub fn chars_in_order(hay: &str, needle: &str) -> bool {
    let mut rest = hay.as_bytes();
    let mut buf = [0u8; 4];
    for c in needle.chars() {
        let b = c.encode_utf8(&mut buf).as_bytes();
        match find(rest, b) {
            Some(i) => rest = &rest[i + b.len()..],
            None => return false,
        }
    }
    true
}

/// Char positions in the name to highlight for a hit of `tier`, recomputed for the few hits
/// shown rather than kept for all.
pub fn highlight(store: &Store, slot: usize, tier: Tier, p: &Prepared) -> Vec<usize> {
    let name = store.name.get(slot);
    let q = &p.forms.text;
    match tier {
        Tier::Exact | Tier::Direct => match find(name.as_bytes(), q.as_bytes()) {
            Some(at) => {
                let start = name.get(..at).map_or(0, |s| s.chars().count());
                (start..start + q.chars().count()).collect()
            }
            None => Vec::new(),
        },
        Tier::PinyinStart | Tier::PinyinLater => {
            let Some((from, to)) = p.nfa.and_then(|n| n.span(store.pinyin_code(slot))) else {
                return Vec::new();
            };
            // Readings keep a name's letters, digits and hanzi and skip the rest.
            name.chars()
                .enumerate()
                .filter(|(_, c)| c.is_alphanumeric())
                .map(|(i, _)| i)
                .skip(from)
                .take(to + 1 - from)
                .collect()
        }
        Tier::Fuzzy => p.matcher.fuzzy_indices(name, q).map(|(_, idx)| idx).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_search() {
        assert_eq!(find(b"anna smith", b"smi"), Some(5));
        assert_eq!(find(b"anna smith", b"a"), Some(0));
        assert_eq!(find(b"anna", b"annas"), None);
        assert_eq!(find(b"aab", b"ab"), Some(1));
        assert_eq!(find(b"abc", b""), None);
        assert!(in_order(b"emma.smith@x", b"esx"));
        assert!(!in_order(b"emma", b"ame"));
        assert_eq!(chars_in("王秀a".as_bytes()), 3);
        assert_eq!(chars_in(b""), 0);
    }
}
