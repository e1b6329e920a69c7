//! Key layouts of the sled trees. Ids are big-endian so that byte order is id order.

use super::{StoreError, StoreResult};
use crate::domain::Phone;

/// The key of a customer, and the prefix of their purchases and interactions.
pub(crate) fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// The key of one chunk of a customer's purchases or interactions (format 4): owner then chunk
/// number, so one prefix holds a history and the chunks come in order.
pub(crate) fn chunk_key(customer: u64, chunk: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&customer.to_be_bytes());
    k[8..].copy_from_slice(&chunk.to_be_bytes());
    k
}

/// The owner and chunk number of a chunk key.
pub(crate) fn parse_chunk_key(key: &[u8], what: &str) -> StoreResult<(u64, u32)> {
    let (owner, chunk) = key.split_first_chunk::<8>().ok_or_else(|| bad(what, key.len()))?;
    let chunk: [u8; 4] = chunk.try_into().map_err(|_| bad(what, key.len()))?;
    Ok((u64::from_be_bytes(*owner), u32::from_be_bytes(chunk)))
}

/// The key of a purchase or interaction in formats 2 and 3 (read only by the migration): owner
/// then record, so one prefix holds a history.
#[cfg(test)]
pub(crate) fn child_key(customer: u64, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&customer.to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

/// The prefix of every phone-index entry for `phone`; the 0 byte ends the number so that one
/// number is never a prefix match of a longer one.
pub(crate) fn phone_prefix(phone: &Phone) -> Vec<u8> {
    let mut k = Vec::with_capacity(phone.as_str().len() + 9);
    k.extend_from_slice(phone.as_str().as_bytes());
    k.push(0);
    k
}

/// The phone-index entry saying that customer `id` has `phone`.
pub(crate) fn phone_key(phone: &Phone, id: u64) -> Vec<u8> {
    let mut k = phone_prefix(phone);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// Reads an id stored as 8 big-endian bytes; `what` names the place for the error.
pub(crate) fn parse_id(bytes: &[u8], what: &str) -> StoreResult<u64> {
    let b: [u8; 8] = bytes.try_into().map_err(|_| bad(what, bytes.len()))?;
    Ok(u64::from_be_bytes(b))
}

/// The id in the last 8 bytes of a key (phone index) or its first 8 (child key owner).
pub(crate) fn id_at_end(key: &[u8], what: &str) -> StoreResult<u64> {
    let start = key.len().checked_sub(8).ok_or_else(|| bad(what, key.len()))?;
    parse_id(&key[start..], what)
}

/// The owner and record id of a child key (formats 2 and 3).
pub(crate) fn parse_child_key(key: &[u8], what: &str) -> StoreResult<(u64, u64)> {
    if key.len() != 16 {
        return Err(bad(what, key.len()));
    }
    Ok((parse_id(&key[..8], what)?, parse_id(&key[8..], what)?))
}

fn bad(what: &str, len: usize) -> StoreError {
    StoreError::Corrupt(format!("{what}: malformed key or id ({len} bytes)"))
}
