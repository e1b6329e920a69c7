//! The index's storage: one slot per customer, structure of arrays, every text key in a
//! contiguous column buffer (a scan walks memory in order and a slot costs no allocation).

use super::fold::{fold_ascii_into, fold_into, folds_wide};
use super::syllables::Syllables;
use crate::domain::Customer;
use std::collections::HashMap;

/// Strings of one key, one per slot, back to back in one buffer.
#[derive(Debug, Clone, Default)]
pub struct Column {
    buf: String,
    span: Vec<[u32; 2]>,
    /// Bytes no slot points at any more (replaced or removed keys).
    garbage: usize,
}

impl Column {
    /// The key of `slot` ("" for an unknown slot).
    #[inline]
    pub fn get(&self, slot: usize) -> &str {
        let Some(&[s, e]) = self.span.get(slot) else { return "" };
        self.buf.get(s as usize..e as usize).unwrap_or("")
    }

    /// The key of `slot` as bytes (no char-boundary checks: the hot path of a scan).
    #[inline]
    pub fn bytes_of(&self, slot: usize) -> &[u8] {
        let Some(&[s, e]) = self.span.get(slot) else { return &[] };
        self.buf.as_bytes().get(s as usize..e as usize).unwrap_or(&[])
    }

    /// Sets the key of `slot` (the next slot, or an existing one) to what `write` appends.
    fn set(&mut self, slot: usize, write: impl FnOnce(&mut String)) {
        let start = self.buf.len();
        write(&mut self.buf);
        // Offsets are u32 to halve the spans; compaction keeps buffers far below 4 GiB.
        let span = [offset(start), offset(self.buf.len())];
        match self.span.get_mut(slot) {
            Some(old) => {
                self.garbage += (old[1] - old[0]) as usize;
                *old = span;
            }
            None => self.span.push(span),
        }
    }

    fn clear(&mut self, slot: usize) {
        if let Some(old) = self.span.get_mut(slot) {
            self.garbage += (old[1] - old[0]) as usize;
            *old = [0, 0];
        }
    }

    /// Copies the live keys into a fresh buffer once more than half of it is garbage.
    fn compact_if_wasteful(&mut self) {
        if self.garbage * 2 <= self.buf.len() {
            return;
        }
        let mut buf = String::with_capacity(self.buf.len() - self.garbage);
        for span in &mut self.span {
            let start = buf.len();
            buf.push_str(self.buf.get(span[0] as usize..span[1] as usize).unwrap_or(""));
            *span = [offset(start), offset(buf.len())];
        }
        self.buf = buf;
        self.garbage = 0;
    }

    fn bytes(&self) -> usize {
        self.buf.capacity() + self.span.capacity() * 8
    }
}

fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The name has an ASCII letter or digit (an ASCII query can match it).
pub const NAME_ASCII: u8 = 1;
/// The name has a non-ASCII char (a hanzi query can match it).
pub const NAME_WIDE: u8 = 2;

/// Every customer's search keys, by slot.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Customer id of each slot.
    pub ids: Vec<u64>,
    /// Day of last activity of each slot (ties in a tier go to the more recent).
    pub recency: Vec<i32>,
    /// Whether the slot holds a customer (removed slots wait in `free`).
    pub live: Vec<bool>,
    /// [`NAME_ASCII`] | [`NAME_WIDE`].
    pub name_flags: Vec<u8>,
    /// Folded name (hanzi kept): direct name matches and highlighting.
    pub name: Column,
    /// Canonical phone digits.
    pub phone: Column,
    /// Folded ref.
    pub reference: Column,
    /// Folded tags, each followed by a unit separator (so a match never spans two tags).
    pub tags: Column,
    /// Folded `name email ref tags` with every non-ASCII char left out: fuzzy key for ASCII
    /// queries (fuzzy matchers are several times slower on non-ASCII text).
    pub fuzzy: Column,
    /// The same with non-ASCII chars kept, only where there are any: for non-ASCII queries.
    pub fuzzy_wide: Column,
    /// Pinyin code ([`Syllables::encode`]) of names with hanzi, back to back.
    pub pinyin: Vec<u16>,
    /// Each slot's range of `pinyin`.
    pub pinyin_span: Vec<[u32; 2]>,
    /// Letters that can start a pinyin match at the first character / anywhere.
    pub pinyin_first: Vec<u32>,
    /// See `pinyin_first`.
    pub pinyin_any: Vec<u32>,
    pinyin_garbage: usize,
    /// The syllables pinyin codes refer to.
    pub syllables: Syllables,
    /// Slot of each indexed id.
    pub slot_of: HashMap<u64, u32>,
    free: Vec<u32>,
}

/// Ends each tag in the tags column.
pub const TAG_END: char = '\u{1f}';

impl Store {
    /// How many customers are indexed.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    /// The slots ever used (live or free).
    pub fn slots(&self) -> usize {
        self.ids.len()
    }

    /// The pinyin code of `slot` (empty when the name has no hanzi).
    #[inline]
    pub fn pinyin_code(&self, slot: usize) -> &[u16] {
        let Some(&[s, e]) = self.pinyin_span.get(slot) else { return &[] };
        self.pinyin.get(s as usize..e as usize).unwrap_or(&[])
    }

    /// Adds or replaces the keys of `c`.
    pub fn upsert(&mut self, c: &Customer, recency: i32) {
        let slot = match self.slot_of.get(&c.id) {
            Some(&s) => s as usize,
            None => {
                let s = self.free.pop().map_or(self.ids.len(), |s| s as usize);
                self.slot_of.insert(c.id, offset(s));
                s
            }
        };
        if slot == self.ids.len() {
            self.ids.push(c.id);
            self.recency.push(recency);
            self.live.push(true);
            self.name_flags.push(0);
            self.pinyin_first.push(0);
            self.pinyin_any.push(0);
        }
        self.ids[slot] = c.id;
        self.recency[slot] = recency;
        self.live[slot] = true;
        self.name_flags[slot] =
            (if c.name.bytes().any(|b| b.is_ascii_alphanumeric()) { NAME_ASCII } else { 0 })
                | (if c.name.is_ascii() { 0 } else { NAME_WIDE });
        self.name.set(slot, |b| fold_into(b, &c.name));
        self.phone.set(slot, |b| b.push_str(c.phone.as_ref().map_or("", |p| p.as_str())));
        self.reference.set(slot, |b| fold_into(b, c.reference.as_deref().unwrap_or("")));
        self.tags.set(slot, |b| {
            for t in &c.tags {
                fold_into(b, t);
                b.push(TAG_END);
            }
        });
        let parts = || {
            std::iter::once(c.name.as_str())
                .chain(c.email.as_ref().map(|e| e.as_str()))
                .chain(c.reference.as_deref())
                .chain(c.tags.iter().map(String::as_str))
        };
        self.fuzzy.set(slot, |b| {
            for (i, part) in parts().enumerate() {
                if i > 0 {
                    b.push(' ');
                }
                fold_ascii_into(b, part);
            }
        });
        let wide = parts().any(folds_wide);
        self.fuzzy_wide.set(slot, |b| {
            if wide {
                for (i, part) in parts().enumerate() {
                    if i > 0 {
                        b.push(' ');
                    }
                    fold_into(b, part);
                }
            }
        });
        self.set_pinyin(slot, &c.name);
        self.compact_if_wasteful();
    }

    fn set_pinyin(&mut self, slot: usize, name: &str) {
        let start = self.pinyin.len();
        let (first, any) = self.syllables.encode_name(name, &mut self.pinyin).unwrap_or((0, 0));
        let span = [offset(start), offset(self.pinyin.len())];
        match self.pinyin_span.get_mut(slot) {
            Some(old) => {
                self.pinyin_garbage += (old[1] - old[0]) as usize;
                *old = span;
            }
            None => self.pinyin_span.push(span),
        }
        self.pinyin_first[slot] = first;
        self.pinyin_any[slot] = any;
    }

    /// Drops the customer `id`; false when it was not indexed.
    pub fn remove(&mut self, id: u64) -> bool {
        let Some(slot) = self.slot_of.remove(&id) else { return false };
        let s = slot as usize;
        self.live[s] = false;
        for col in self.columns_mut() {
            col.clear(s);
        }
        if let Some(old) = self.pinyin_span.get_mut(s) {
            self.pinyin_garbage += (old[1] - old[0]) as usize;
            *old = [0, 0];
        }
        self.pinyin_first[s] = 0;
        self.pinyin_any[s] = 0;
        self.free.push(slot);
        self.compact_if_wasteful();
        true
    }

    /// Every text column, for work done on all of them alike.
    fn columns_mut(&mut self) -> [&mut Column; 6] {
        [
            &mut self.name,
            &mut self.phone,
            &mut self.reference,
            &mut self.tags,
            &mut self.fuzzy,
            &mut self.fuzzy_wide,
        ]
    }

    fn compact_if_wasteful(&mut self) {
        for col in self.columns_mut() {
            col.compact_if_wasteful();
        }
        if self.pinyin_garbage * 2 > self.pinyin.len() {
            let mut code = Vec::with_capacity(self.pinyin.len() - self.pinyin_garbage);
            for span in &mut self.pinyin_span {
                let start = code.len();
                code.extend_from_slice(self.pinyin.get(span[0] as usize..span[1] as usize).unwrap_or(&[]));
                *span = [offset(start), offset(code.len())];
            }
            self.pinyin = code;
            self.pinyin_garbage = 0;
        }
    }

    /// Heap bytes held, estimated from capacities.
    pub fn bytes(&self) -> usize {
        let cols = [&self.name, &self.phone, &self.reference, &self.tags, &self.fuzzy, &self.fuzzy_wide];
        cols.iter().map(|c| c.bytes()).sum::<usize>()
            + self.ids.capacity() * 8
            + self.recency.capacity() * 4
            + self.live.capacity()
            + self.name_flags.capacity()
            + self.pinyin.capacity() * 2
            + self.pinyin_span.capacity() * 8
            + (self.pinyin_first.capacity() + self.pinyin_any.capacity()) * 4
            + self.slot_of.capacity() * 16
            + self.free.capacity() * 4
            + self.syllables.len() * 40
    }
}
