//! Names reduced to a comparable form, and the string distances the name rules use.

/// The writing system of a normalised name, which decides how loosely it may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Every character is a CJK ideograph (王秀英, 欧阳娜).
    Hanzi,
    /// Anything else: Latin names, pinyin, mixed text.
    Other,
}

/// A name in comparable form: trimmed, case-folded, full-width folded to half-width, and without
/// spaces, dots or middle dots (`" Wang．Xiu Ying "` → `wangxiuying`, `王 秀英` → `王秀英`).
pub fn normalise_name(name: &str) -> String {
    name.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '·' | '・' | '\u{FF65}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Folds a full-width form (U+FF01–U+FF5E, the ideographic space) to its ASCII twin.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether `c` is a CJK ideograph (the unified blocks and their extensions in common use).
fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// The script of a normalised name; an empty name is `Other`.
pub fn script(norm: &str) -> Script {
    if !norm.is_empty() && norm.chars().all(is_hanzi) { Script::Hanzi } else { Script::Other }
}

/// The keys of the deletion neighbourhood of `s`: `s` itself and `s` with any one character
/// removed. Two strings within Damerau (optimal string alignment) distance 1 always share a key,
/// so candidates are found by key lookups instead of comparing every pair of names.
pub fn deletion_keys(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut keys = Vec::with_capacity(chars.len() + 1);
    keys.push(s.to_string());
    for skip in 0..chars.len() {
        let k: String = chars.iter().enumerate().filter(|&(i, _)| i != skip).map(|(_, c)| *c).collect();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// The optimal-string-alignment distance (Levenshtein plus adjacent transpositions) between `a`
/// and `b`, counting characters; gives up and returns `limit + 1` once it must exceed `limit`.
pub fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let width = b.len() + 1;
    // Three rows: two back (for transpositions), one back, and the current one.
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(limit + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_width_case_spaces_and_dots() {
        assert_eq!(normalise_name(" Wang．Xiu Ying "), "wangxiuying");
        assert_eq!(normalise_name("王 秀英"), "王秀英");
        assert_eq!(normalise_name("王\u{3000}秀英"), "王秀英");
        assert_eq!(normalise_name("ＡＮＮＡ　Smith"), "annasmith");
        assert_eq!(normalise_name("J. R. R. Tolkien"), "jrrtolkien");
        assert_eq!(normalise_name("阿卜杜·热合曼"), "阿卜杜热合曼");
    }

    #[test]
    fn scripts() {
        assert_eq!(script("王秀英"), Script::Hanzi);
        assert_eq!(script("欧阳娜"), Script::Hanzi);
        assert_eq!(script("annasmith"), Script::Other);
        assert_eq!(script("王anna"), Script::Other);
        assert_eq!(script(""), Script::Other);
    }

    #[test]
    fn distances() {
        assert_eq!(osa_distance("annasmith", "anasmith", 1), 1);
        assert_eq!(osa_distance("wangxiuying", "wangxiuyng", 1), 1);
        assert_eq!(osa_distance("abcdef", "abdcef", 1), 1);
        assert_eq!(osa_distance("abcdef", "abcdef", 1), 0);
        assert_eq!(osa_distance("annachen", "annachan", 2), 1);
        assert_eq!(osa_distance("abcdef", "badcfe", 1), 2);
        assert_eq!(osa_distance("a", "abcd", 1), 2);
        assert_eq!(osa_distance("", "ab", 3), 2);
    }

    #[test]
    fn neighbourhoods_meet_within_distance_one() {
        let share = |a: &str, b: &str| deletion_keys(a).iter().any(|k| deletion_keys(b).contains(k));
        assert!(share("annasmith", "anasmith"));
        assert!(share("abcdef", "abdcef"));
        assert!(share("abcdef", "abxdef"));
        assert!(!share("abcdef", "badcfe"));
    }
}
