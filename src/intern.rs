//! Interned strings: a shop has a few hundred distinct categories, provinces and tags but a
//! million purchases naming them, so the classifier keeps a 4-byte [`Sym`] per mention instead of
//! a `String` (24 bytes plus a heap block each).
//!
//! Interned strings live for the rest of the process: the table only grows with *new distinct*
//! values, which a shop types rarely, and in exchange every `Sym` reads as a `&'static str`
//! without a lifetime to carry around.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

/// One distinct string, interned for the life of the process.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sym(u32);

#[derive(Default)]
struct Table {
    ids: HashMap<&'static str, u32>,
    strings: Vec<&'static str>,
}

static TABLE: LazyLock<RwLock<Table>> = LazyLock::new(RwLock::default);

impl Sym {
    /// The symbol of `s`, interning it on first sight.
    pub fn new(s: &str) -> Sym {
        if let Some(&id) = read().ids.get(s) {
            return Sym(id);
        }
        let mut t = TABLE.write().unwrap_or_else(|poison| poison.into_inner());
        if let Some(&id) = t.ids.get(s) {
            return Sym(id);
        }
        let id = u32::try_from(t.strings.len()).expect("fewer than 2^32 distinct strings");
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        t.strings.push(leaked);
        t.ids.insert(leaked, id);
        Sym(id)
    }

    /// The empty string's symbol.
    pub fn empty() -> Sym {
        Sym::new("")
    }

    /// The string.
    pub fn as_str(self) -> &'static str {
        read().strings[self.0 as usize]
    }
}

/// The table for reading; a panic elsewhere while it was written leaves it consistent (the
/// string is pushed before its id is published), so a poisoned lock is still read.
fn read() -> std::sync::RwLockReadGuard<'static, Table> {
    TABLE.read().unwrap_or_else(|poison| poison.into_inner())
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::new(s)
    }
}

impl Default for Sym {
    fn default() -> Sym {
        Sym::empty()
    }
}

/// Ordered as the strings are, so that sorting by a `Sym` sorts alphabetically.
impl Ord for Sym {
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if self.0 == other.0 { std::cmp::Ordering::Equal } else { self.as_str().cmp(other.as_str()) }
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_string_same_symbol_and_text_round_trips() {
        let a = Sym::new("奶粉 formula");
        assert_eq!(a, Sym::new("奶粉 formula"));
        assert_ne!(a, Sym::new("奶粉"));
        assert_eq!(a.as_str(), "奶粉 formula");
        assert_eq!(&*Sym::empty(), "");
    }

    #[test]
    fn orders_alphabetically_whatever_the_interning_order() {
        let (z, a) = (Sym::new("zz-intern-order"), Sym::new("aa-intern-order"));
        assert!(a < z);
        let mut v = vec![z, a];
        v.sort();
        assert_eq!(v, [a, z]);
    }
}
