//! The versioned envelope every stored record travels in.
//!
//! Version 2 (current): `[2u8][crc32 of payload, u32 LE][payload]`.
//! Version 1 (previous): `[1u8][payload]`, no checksum, and a customer payload without
//! `points_redeemed`, `custom` and `revision` (see [`super::legacy`]).
//!
//! The payload is the bincode 2 serde encoding with `config::standard()`. Decoding always runs
//! with a size limit: without one, a damaged length prefix makes bincode try to allocate
//! gigabytes and abort the whole process instead of returning an error.

use super::legacy::CustomerV1;
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, Purchase};
use bincode::config::{self, Configuration, Limit};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The envelope version this kehu writes.
pub(crate) const VERSION: u8 = 2;
/// Largest payload accepted, so that a corrupt length prefix cannot ask for gigabytes.
const LIMIT: usize = 1 << 20;
/// Bytes before the payload in the current version: version and checksum.
const HEADER: usize = 5;

/// The bincode configuration used for every payload.
fn bincode_config() -> Configuration<bincode::config::LittleEndian, bincode::config::Varint, Limit<LIMIT>> {
    config::standard().with_limit::<LIMIT>()
}

/// A record kind that can be stored in an envelope, with its decode path per older version.
pub(crate) trait Record: Serialize + DeserializeOwned {
    /// The record kind as operators read it in error messages.
    const KIND: &'static str;
    /// Decodes a version 1 payload into the current record.
    fn decode_v1(payload: &[u8]) -> Result<Self, String>;
}

impl Record for Customer {
    const KIND: &'static str = "customer";
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from::<CustomerV1>(payload).map(Customer::from)
    }
}

impl Record for Purchase {
    const KIND: &'static str = "purchase";
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from(payload)
    }
}

impl Record for Interaction {
    const KIND: &'static str = "interaction";
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from(payload)
    }
}

/// Encodes `value` (record `id`) in the current envelope version.
pub(crate) fn encode<T: Record>(value: &T, id: u64) -> StoreResult<Vec<u8>> {
    let payload = bincode::serde::encode_to_vec(value, bincode_config())
        .map_err(|e| StoreError::Io(format!("cannot encode {} #{id}: {e}", T::KIND)))?;
    // Refuse what could not be read back: decoding enforces the same limit.
    if payload.len() > LIMIT {
        return Err(StoreError::Io(format!(
            "{} #{id} is too large to store ({} bytes, at most {LIMIT})",
            T::KIND,
            payload.len()
        )));
    }
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(VERSION);
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes record `id` from any supported envelope version; damage is `Corrupt`, never a panic.
pub(crate) fn decode<T: Record>(bytes: &[u8], id: u64) -> StoreResult<T> {
    decode_any(bytes).map_err(|why| StoreError::Corrupt(format!("{} #{id}: {why}", T::KIND)))
}

/// Dispatches on the version byte.
fn decode_any<T: Record>(bytes: &[u8]) -> Result<T, String> {
    let (&version, rest) = bytes.split_first().ok_or("empty record")?;
    match version {
        1 => T::decode_v1(rest),
        2 => payload_from(checked_payload(rest)?),
        v if v > VERSION => {
            Err(format!("written by a newer kehu (record version {v}, this kehu reads up to {VERSION})"))
        }
        v => Err(format!("unknown record version {v}")),
    }
}

/// The payload after a version 2 header, once its checksum matches.
fn checked_payload(rest: &[u8]) -> Result<&[u8], String> {
    let (crc, payload) = rest.split_first_chunk::<4>().ok_or("truncated header")?;
    if u32::from_le_bytes(*crc) != crc32fast::hash(payload) {
        return Err("checksum mismatch".into());
    }
    Ok(payload)
}

/// Decodes a whole payload, refusing trailing bytes (a sign of a wrong layout).
fn payload_from<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    let (value, used) = bincode::serde::decode_from_slice::<T, _>(payload, bincode_config())
        .map_err(|e| format!("undecodable payload ({e})"))?;
    if used != payload.len() {
        return Err(format!("{} trailing bytes after the record", payload.len() - used));
    }
    Ok(value)
}

/// Test-only access to the raw payload encoding, to build records of older versions.
#[cfg(test)]
pub(crate) fn raw_payload<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode_config()).expect("encodable")
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
