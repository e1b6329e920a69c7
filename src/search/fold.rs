//! Folding text for matching: lowercase, full-width forms to ASCII, common Latin accents dropped.
//!
//! The same folding as the console's list keys, kept here so that the index does not depend on
//! the UI. Always one char for one char, so a match position in a folded name is a position in
//! the name itself (which is what highlighting needs).

/// Folds one character.
#[inline]
pub fn fold(c: char) -> char {
    // Hot when indexing a shop of Chinese names: CJK ideographs have no case and no accent,
    // so they skip the Unicode lowercase table.
    if ('\u{3400}'..='\u{9FFF}').contains(&c) {
        return c;
    }
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    let lower = if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        let mut l = c.to_lowercase();
        match (l.next(), l.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    };
    match lower {
        'à'..='å' | 'ā' | 'ǎ' => 'a',
        'ç' => 'c',
        'è'..='ë' | 'ē' | 'ě' => 'e',
        'ì'..='ï' | 'ī' | 'ǐ' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ǒ' => 'o',
        'ù'..='ü' | 'ū' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Appends the folded `s` to `out`.
pub fn fold_into(out: &mut String, s: &str) {
    // ASCII folds to its lowercase byte for byte: no char decoding on the common path.
    if s.is_ascii() {
        push_ascii_lower(out, s);
    } else {
        out.extend(s.chars().map(fold));
    }
}

/// Appends the folded `s` with every char that does not fold to ASCII left out.
pub fn fold_ascii_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        push_ascii_lower(out, s);
    } else {
        out.extend(s.chars().map(fold).filter(char::is_ascii));
    }
}

/// Whether some char of `s` does not fold to ASCII.
pub fn folds_wide(s: &str) -> bool {
    !s.is_ascii() && !s.chars().map(fold).all(|c| c.is_ascii())
}

fn push_ascii_lower(out: &mut String, s: &str) {
    let start = out.len();
    out.push_str(s);
    out[start..].make_ascii_lowercase();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_char_for_one_char() {
        let mut s = String::new();
        fold_into(&mut s, "Ｌｉ Ｎá 王 ÉMILE");
        assert_eq!(s, "li na 王 emile");
        assert_eq!(s.chars().count(), "Ｌｉ Ｎá 王 ÉMILE".chars().count());
    }

    #[test]
    fn fast_paths_fold_as_char_by_char() {
        for text in ["Wang XIU-ying 42", "王秀英", "Ｌｉ Ｎá 王 ÉMILE", "㐀䶵一龥", "", "ÀÉÎõü"]
        {
            let slow: String = text.chars().map(fold).collect();
            let mut fast = String::new();
            fold_into(&mut fast, text);
            assert_eq!(fast, slow, "{text}");
            let mut ascii = String::new();
            fold_ascii_into(&mut ascii, text);
            assert_eq!(ascii, slow.chars().filter(char::is_ascii).collect::<String>(), "{text}");
            assert_eq!(folds_wide(text), !slow.is_ascii(), "{text}");
        }
        for c in '\u{3400}'..='\u{9FFF}' {
            let mut l = c.to_lowercase();
            assert_eq!((l.next(), l.next()), (Some(c), None), "{c}");
        }
    }
}
