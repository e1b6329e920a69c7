//! Pinyin matching compiled for speed: every reading is a small integer, and a query becomes a
//! table of "from this query position, this syllable leads to these positions", so matching a
//! name is a few table lookups per character instead of string comparisons and recursion.
//!
//! The rules are those of [`crate::pinyin::Readings::find`]: each character is matched by its
//! initial (`zh`/`ch`/`sh` in full too) or its whole syllable, and the last by any beginning.

#[cfg(test)]
use crate::pinyin::Readings;
use std::collections::HashMap;

/// Id of a syllable that was never interned; it matches nothing.
const UNKNOWN: u16 = u16::MAX;

/// Every syllable the index has seen, by id.
#[derive(Debug, Clone, Default)]
pub struct Syllables {
    names: Vec<String>,
    ids: HashMap<String, u16>,
    /// What each character seen so far reads as, by (char, first kept char of its name): a
    /// shop has a few thousand distinct characters and a million names, so asking the pinyin
    /// table and allocating the syllables once per character is what made indexing slow.
    chars: HashMap<(char, bool), CharCode>,
}

/// One character's readings as [`Syllables::encode`] writes them.
#[derive(Debug, Clone)]
struct CharCode {
    hanzi: bool,
    /// Letters its readings start with (bits as in [`letter_bit`]).
    letters: u32,
    syllables: Vec<String>,
    /// The reading count then the ids, once interned (only names with hanzi intern).
    code: Option<Vec<u16>>,
}

impl Syllables {
    /// How many syllables are known (the width of a query's table).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    fn intern(&mut self, s: &str) -> u16 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let Ok(id) = u16::try_from(self.names.len()) else { return UNKNOWN };
        if id == UNKNOWN {
            return UNKNOWN;
        }
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }

    /// The same as `Readings::of(name)` then, when it has hanzi, `Syllables::encode` — the
    /// same code, the same ids interned in the same order — with each character's readings
    /// looked up once per index instead of once per name. `None` (nothing appended) without
    /// hanzi.
    pub fn encode_name(&mut self, name: &str, out: &mut Vec<u16>) -> Option<(u32, u32)> {
        if name.is_ascii() {
            return None;
        }
        let mut kept = 0usize;
        let mut hanzi = false;
        for c in name.chars() {
            let key = (c, kept == 0);
            let known = match self.chars.get(&key) {
                Some(k) => Some(k.hanzi),
                None => crate::pinyin::char_readings(c, kept == 0).map(|(syllables, hanzi)| {
                    let n = syllables.len().min(8);
                    let letters = syllables.iter().take(n).fold(0, |m, s| m | letter_bit(s));
                    self.chars.insert(key, CharCode { hanzi, letters, syllables, code: None });
                    hanzi
                }),
            };
            if let Some(h) = known {
                hanzi |= h;
                kept += 1;
            }
        }
        if !hanzi {
            return None;
        }
        let (mut first, mut any, mut kept) = (0u32, 0u32, 0usize);
        for c in name.chars() {
            let key = (c, kept == 0);
            let letters = match self.chars.get(&key) {
                None => continue,
                Some(CharCode { code: Some(code), letters, .. }) => {
                    out.extend_from_slice(code);
                    *letters
                }
                Some(entry) => {
                    // First name with hanzi to hold this character: intern its readings now.
                    let (letters, syllables) = (entry.letters, entry.syllables.clone());
                    let n = u16::try_from(syllables.len()).unwrap_or(0).min(8);
                    let mut code = vec![n];
                    for s in syllables.iter().take(usize::from(n)) {
                        code.push(self.intern(s));
                    }
                    out.extend_from_slice(&code);
                    if let Some(entry) = self.chars.get_mut(&key) {
                        entry.code = Some(code);
                    }
                    letters
                }
            };
            any |= letters;
            if kept == 0 {
                first |= letters;
            }
            kept += 1;
        }
        Some((first, any))
    }

    /// Appends the code of `r` to `out` — per character its reading count, then its ids — and
    /// returns the letters that can start a match at the first character and at any character.
    /// The reference that [`Syllables::encode_name`] must equal (tests only).
    #[cfg(test)]
    pub fn encode(&mut self, r: &Readings, out: &mut Vec<u16>) -> (u32, u32) {
        let (mut first, mut any) = (0u32, 0u32);
        for (i, syllables) in r.chars().iter().enumerate() {
            let n = u16::try_from(syllables.len()).unwrap_or(0).min(8);
            out.push(n);
            for s in syllables.iter().take(usize::from(n)) {
                out.push(self.intern(s));
                let bit = s.bytes().next().filter(u8::is_ascii_lowercase).map_or(0, |b| 1 << (b - b'a'));
                any |= bit;
                if i == 0 {
                    first |= bit;
                }
            }
        }
        (first, any)
    }
}

/// The bit of a query's first letter in the masks of [`Syllables::encode`].
pub fn letter_bit(q: &str) -> u32 {
    q.bytes().next().filter(u8::is_ascii_lowercase).map_or(0, |b| 1 << (b - b'a'))
}

/// How well a name's pinyin matched: through first readings only, or through any reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Through {
    /// Some character matched only by a secondary reading (曾 as `ceng`).
    Any,
    /// Every character matched by its first reading (曾 as `zeng`).
    First,
}

/// A pinyin query compiled against the known syllables.
#[derive(Debug, Clone)]
pub struct Nfa {
    query: String,
    width: usize,
    /// `trans[p * width + s]`: the positions reached from position `p` by syllable `s`; bit
    /// `len` means the whole query was consumed.
    trans: Vec<u64>,
}

impl Nfa {
    /// Compiles `query` (lowercase ASCII letters, at most 63).
    pub fn new(query: &str, syl: &Syllables) -> Nfa {
        let q = query.as_bytes();
        let len = q.len().min(63);
        let end = 1u64 << len;
        let width = syl.len();
        let mut trans = vec![0u64; len * width];
        for p in 0..len {
            let rest = &q[p..len];
            for (s, name) in syl.names.iter().enumerate() {
                let sb = name.as_bytes();
                let mut bits = 0u64;
                if sb.len() > rest.len() && sb.starts_with(rest) {
                    bits |= end;
                }
                for i in initials(sb) {
                    if rest.starts_with(i) {
                        bits |= 1 << (p + i.len());
                    }
                }
                if sb.len() > 1 && rest.starts_with(sb) {
                    bits |= 1 << (p + sb.len());
                }
                trans[p * width + s] = bits;
            }
        }
        Nfa { query: query.to_string(), width, trans }
    }

    /// Whether this was compiled for `query` over `width` syllables (else it must be rebuilt).
    pub fn is_for(&self, query: &str, width: usize) -> bool {
        self.query == query && self.width == width
    }

    fn end(&self) -> u64 {
        1u64 << self.query.len().min(63)
    }

    fn step(&self, states: u64, ids: &[u16]) -> u64 {
        let mut next = 0;
        let mut st = states;
        while st != 0 {
            let row = st.trailing_zeros() as usize * self.width;
            st &= st - 1;
            for &s in ids {
                next |= self.trans.get(row + usize::from(s)).copied().unwrap_or(0);
            }
        }
        next
    }

    /// Matches a name's code from its first character (`later == false`) or from any later one.
    pub fn run(&self, code: &[u16], later: bool) -> Option<Through> {
        let end = self.end();
        let (mut first, mut any) = (0u64, 0u64);
        let mut best = None;
        for (i, ids) in Chars(code).enumerate() {
            if (i == 0) != later {
                first |= 1;
                any |= 1;
            } else if !later && any == 0 {
                break;
            }
            first = self.step(first, ids.get(..1).unwrap_or(&[]));
            any = self.step(any, ids);
            if first & end != 0 {
                return Some(Through::First);
            }
            if any & end != 0 {
                best = Some(Through::Any);
            }
            first &= !end;
            any &= !end;
        }
        best
    }

    /// The characters (indexes among the name's kept characters) of the first match, for
    /// highlighting.
    pub fn span(&self, code: &[u16]) -> Option<(usize, usize)> {
        let end = self.end();
        let chars: Vec<&[u16]> = Chars(code).collect();
        for start in 0..chars.len() {
            let mut states = 1u64;
            for (i, ids) in chars.iter().enumerate().skip(start) {
                states = self.step(states, ids);
                if states & end != 0 {
                    return Some((start, i));
                }
                if states == 0 {
                    break;
                }
            }
        }
        None
    }
}

/// The ids of each character of a code.
struct Chars<'a>(&'a [u16]);

impl<'a> Iterator for Chars<'a> {
    type Item = &'a [u16];

    fn next(&mut self) -> Option<&'a [u16]> {
        let (&n, rest) = self.0.split_first()?;
        let n = usize::from(n).min(rest.len());
        let (ids, rest) = rest.split_at(n);
        self.0 = rest;
        Some(ids)
    }
}

/// A syllable's initials as typed: its first letter, and `zh`/`ch`/`sh` in full.
fn initials(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let two = (s.len() > 2 && (s.starts_with(b"zh") || s.starts_with(b"ch") || s.starts_with(b"sh")))
        .then(|| &s[..2]);
    s.get(..1).filter(|b| b[0].is_ascii()).into_iter().chain(two)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_encode_as_their_readings_do() {
        let names = [
            "王秀英",
            "曾曾",
            "Zhang San",
            "José",
            "单 单",
            "吕 绿",
            "李A1",
            "·曾",
            "",
            "王秀英",
            "曾国藩",
            "朴 Park",
            "Ｌｉ 王",
            "乐乐乐",
            "重庆长朝",
        ];
        let (mut fast, mut slow) = (Syllables::default(), Syllables::default());
        for name in names {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let got = fast.encode_name(name, &mut a);
            let r = Readings::of(name);
            let want = (!name.is_ascii() && r.has_hanzi()).then(|| slow.encode(&r, &mut b));
            assert_eq!((got, a), (want, b), "{name}");
            assert_eq!(fast.names, slow.names, "{name}");
        }
    }

    fn check(name: &str, q: &str) -> (Option<Through>, Option<Through>, Option<(usize, usize)>) {
        let mut syl = Syllables::default();
        let mut code = Vec::new();
        syl.encode(&Readings::of(name), &mut code);
        let nfa = Nfa::new(q, &syl);
        (nfa.run(&code, false), nfa.run(&code, true), nfa.span(&code))
    }

    #[test]
    fn agrees_with_readings_find() {
        let names = ["王秀英", "曾小明", "单田芳", "张小燕", "吕布", "王 Lily", "了解", "欧阳娜娜"];
        let queries = [
            "wxy",
            "wangxy",
            "wangxiuying",
            "wxiuy",
            "xy",
            "ying",
            "wxiy",
            "wxyz",
            "zxm",
            "cengxm",
            "zhxy",
            "lvbu",
            "lubu",
            "wl",
            "wanglily",
            "wanglilx",
            "lj",
            "oynn",
            "yangnn",
            "nn",
            "a",
            "x",
        ];
        for name in names {
            let r = Readings::of(name);
            for q in queries {
                let (start, later, span) = check(name, q);
                let want = r.find(q);
                let got =
                    if start.is_some() { Some(0) } else { span.map(|s| s.0).filter(|_| later.is_some()) };
                assert_eq!(got, want, "{name} {q}");
            }
        }
    }

    #[test]
    fn first_readings_rank_above_others() {
        assert_eq!(check("曾小明", "zeng").0, Some(Through::First));
        assert_eq!(check("曾小明", "ceng").0, Some(Through::Any));
        assert_eq!(check("王秀英", "xy"), (None, Some(Through::First), Some((1, 2))));
    }
}
