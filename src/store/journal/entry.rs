//! The byte layout of journal entries and segment headers.
//!
//! A segment file starts with a header, then holds entries back to back (integers LE):
//!
//! - header (32 bytes): `b"KEHUJNL\0"`, u32 layout version, u64 base seq (the entry just
//!   before the segment's first), u64 content sum at the base, u32 CRC32 of the 28 bytes before;
//! - entry: `b"KJE1"`, u64 seq, i64 time (µs since 1970), u64 content sum after the entry,
//!   u32 body length, body, u32 CRC32 of everything from the magic to the body's end;
//! - body: the writes in order, each u8 tree number, u32 key length, key, u8 1 and u32 value
//!   length and value (an insert) or u8 0 (a removal).
//!
//! Hand-written rather than bincode: it is a log read back after crashes and damage, so every
//! length is checked against what is left before anything is allocated.

use super::super::trees::TreeId;

/// The start of every segment file.
pub(crate) const SEGMENT_MAGIC: &[u8; 8] = b"KEHUJNL\0";
/// The layout version this kehu writes and reads.
pub(crate) const SEGMENT_VERSION: u32 = 1;
/// Bytes of a segment header.
pub(crate) const HEADER_LEN: usize = 32;
/// The start of every entry.
const ENTRY_MAGIC: &[u8; 4] = b"KJE1";
/// Bytes of an entry before its body.
const ENTRY_HEAD: usize = 32;
/// Largest body accepted when reading: a damaged length must not ask for more (an import of
/// a million rows is about 100 MB).
pub(crate) const MAX_BODY: usize = 1 << 30;

/// One write of an entry: a key of a tree set to a value, or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Write {
    pub tree: TreeId,
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// One acknowledged change, as the journal keeps it: the writes sled was asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its place in the journal: one more than the change before it.
    pub seq: u64,
    /// When it was committed, µs since 1970.
    pub micros: i64,
    /// The content sum once it is applied (see [`super::super::sum`]).
    pub sum: u64,
    /// What it writes, in order.
    pub writes: Vec<Write>,
}

/// What a segment header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// The seq of the entry just before the segment's first.
    pub base: u64,
    /// The content sum at the base.
    pub base_sum: u64,
}

/// The bytes of a segment header.
pub(crate) fn encode_header(h: Header) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(SEGMENT_MAGIC);
    out[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
    out[12..20].copy_from_slice(&h.base.to_le_bytes());
    out[20..28].copy_from_slice(&h.base_sum.to_le_bytes());
    let crc = crc32fast::hash(&out[..28]);
    out[28..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Reads a segment header; damage or a newer layout is an error in words.
pub(crate) fn decode_header(bytes: &[u8]) -> Result<Header, String> {
    let b: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN).and_then(|b| b.try_into().ok()).ok_or("no header")?;
    if &b[..8] != SEGMENT_MAGIC {
        return Err("not a kehu journal segment".into());
    }
    if crc32fast::hash(&b[..28]) != u32_at(b, 28) {
        return Err("header checksum mismatch".into());
    }
    let version = u32_at(b, 8);
    if version != SEGMENT_VERSION {
        return Err(format!("journal layout {version}, this kehu reads {SEGMENT_VERSION}"));
    }
    Ok(Header { base: u64_at(b, 12), base_sum: u64_at(b, 20) })
}

/// The bytes of an entry.
pub(crate) fn encode(e: &Entry) -> Vec<u8> {
    let body_len: usize =
        e.writes.iter().map(|w| 6 + w.key.len() + w.value.as_ref().map_or(0, |v| 4 + v.len())).sum();
    let mut out = Vec::with_capacity(ENTRY_HEAD + body_len + 4);
    out.extend_from_slice(ENTRY_MAGIC);
    out.extend_from_slice(&e.seq.to_le_bytes());
    out.extend_from_slice(&e.micros.to_le_bytes());
    out.extend_from_slice(&e.sum.to_le_bytes());
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    for w in &e.writes {
        out.push(w.tree as u8);
        out.extend_from_slice(&(w.key.len() as u32).to_le_bytes());
        out.extend_from_slice(&w.key);
        match &w.value {
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v);
            }
            None => out.push(0),
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Why the bytes at some offset are not a whole, intact entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bad {
    /// The bytes end inside the entry: an append that never finished.
    Short,
    /// The entry is there whole but does not check out.
    Damaged(String),
}

/// Decodes the entry at the start of `bytes`; returns it and its length in bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Entry, usize), Bad> {
    if bytes.len() < ENTRY_HEAD {
        return Err(Bad::Short);
    }
    if &bytes[..4] != ENTRY_MAGIC {
        return Err(Bad::Damaged("no entry starts here".into()));
    }
    let body_len = u32_at(bytes, 28) as usize;
    if body_len > MAX_BODY {
        return Err(Bad::Damaged(format!("an entry of {body_len} bytes")));
    }
    let end = ENTRY_HEAD + body_len;
    let Some(crc) = bytes.get(end..end + 4) else { return Err(Bad::Short) };
    if crc32fast::hash(&bytes[..end]) != u32_at(crc, 0) {
        return Err(Bad::Damaged("entry checksum mismatch".into()));
    }
    let writes = decode_body(&bytes[ENTRY_HEAD..end]).map_err(Bad::Damaged)?;
    let entry =
        Entry { seq: u64_at(bytes, 4), micros: u64_at(bytes, 12) as i64, sum: u64_at(bytes, 20), writes };
    Ok((entry, end + 4))
}

/// The writes of an entry's body (already checksummed, so any misfit is a bug or a forgery).
fn decode_body(mut body: &[u8]) -> Result<Vec<Write>, String> {
    let mut out = Vec::new();
    let take = |body: &mut &[u8], n: usize| -> Result<Vec<u8>, String> {
        let (head, rest) = body.split_at_checked(n).ok_or("a write runs past its entry")?;
        *body = rest;
        Ok(head.to_vec())
    };
    let len = |body: &mut &[u8]| -> Result<usize, String> {
        let b = take(body, 4)?;
        Ok(u32_at(&b, 0) as usize)
    };
    while !body.is_empty() {
        let tree = take(&mut body, 1)?[0];
        let tree = TreeId::from_number(tree).ok_or_else(|| format!("unknown tree number {tree}"))?;
        let n = len(&mut body)?;
        let key = take(&mut body, n)?;
        let value = match take(&mut body, 1)?[0] {
            0 => None,
            1 => {
                let n = len(&mut body)?;
                Some(take(&mut body, n)?)
            }
            f => return Err(format!("unknown write flag {f}")),
        };
        out.push(Write { tree, key, value });
    }
    Ok(out)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry {
            seq: 42,
            micros: 1_700_000_000_000_000,
            sum: 0xDEAD_BEEF,
            writes: vec![
                Write { tree: TreeId::Customers, key: vec![0, 0, 0, 1], value: Some(b"record".to_vec()) },
                Write { tree: TreeId::IdxRef, key: b"M1".to_vec(), value: None },
                Write { tree: TreeId::Audit, key: vec![], value: Some(vec![]) },
            ],
        }
    }

    #[test]
    fn an_entry_round_trips() {
        let bytes = encode(&sample());
        assert_eq!(decode(&bytes), Ok((sample(), bytes.len())));
        let h = Header { base: 7, base_sum: 9 };
        assert_eq!(decode_header(&encode_header(h)), Ok(h));
    }

    #[test]
    fn every_prefix_is_short_and_every_flipped_bit_is_damage() {
        let bytes = encode(&sample());
        for n in 0..bytes.len() {
            assert_eq!(decode(&bytes[..n]).unwrap_err(), Bad::Short, "prefix of {n}");
        }
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            // A flipped length bit may make the entry look longer than the bytes: short, not
            // decoded; anything else is refused as damage. Never a different entry.
            assert!(decode(&b).is_err(), "bit {i} went unnoticed");
        }
    }

    #[test]
    fn a_forged_length_asks_for_nothing() {
        let mut b = encode(&sample());
        b[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&b), Err(Bad::Damaged(_))));
    }
}
