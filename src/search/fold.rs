//! Folding text for matching: lowercase, full-width forms to ASCII, common Latin accents dropped.
//!
//! The same folding as the console's list keys, kept here so that the index does not depend on
//! the UI. Always one char for one char, so a match position in a folded name is a position in
//! the name itself (which is what highlighting needs).

/// Folds one character.
pub fn fold(c: char) -> char {
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
    out.extend(s.chars().map(fold));
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
}
