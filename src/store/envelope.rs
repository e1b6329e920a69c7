//! The versioned envelope every stored record travels in.
//!
//! Version 7: purchases, interactions and ledger entries in their version 7 layouts (version 6
//! and the branch they were made at), in chunks and alone. Same header as below.
//! Version 6: customers in their version 6 layout (version 3 and consent per channel, a
//! child's birthday, stated income, education and occupation); chunks of purchases in their
//! version 6 layout (version 5 with the payment and the points they move), interactions in
//! their version 5 layout, and ledger entries in their first layout (see [`super::ledger`]).
//! Same header as below.
//! Version 5: chunks of purchases or interactions in their version 5 layouts (version 3 and
//! what corrections add: returns, voids, resolutions, outcomes), and audit entries in theirs
//! (with the change that undoes them). Same header as below.
//! Version 4 (chunks, format 4): `[4u8][crc32 of payload, u32 LE][payload]`, the payload being
//! a list of purchases or interactions of one customer, each as its version 3 layout preceded by
//! its id (as the difference to the previous record's id: see [`encode_chunk`]). Chunks live in
//! their own trees (see [`super::chunks`]); single records never use this version.
//! Version 3 (customers before version 6; audit entries before version 5; the records of
//! formats 3 and 2 before migration):
//! `[3u8][crc32 of payload, u32 LE][payload]`, the payload being the compact layout of
//! [`super::wire`] (day numbers, seconds, no ids: the key holds them).
//! Version 2 (format 2): the same header around the serde encoding of the domain types
//! themselves (dates as text, ids repeated).
//! Version 1: `[1u8][payload]`, no checksum, and a customer payload without
//! `points_redeemed`, `custom` and `revision` (see [`super::legacy`]).
//!
//! Older versions are decoded, never written: a record is rewritten in its current version when
//! it is next saved. The payload is the bincode 2 serde encoding with `config::standard()`. Decoding always
//! runs with a size limit: without one, a damaged length prefix makes bincode try to allocate
//! gigabytes and abort the whole process instead of returning an error.

use super::legacy::{CustomerV1, CustomerV2, InteractionV2, PurchaseV2};
pub(crate) use super::wire::At;
use super::wire::{
    CustomerV3, CustomerV6, InteractionV3, InteractionV5, InteractionV7, LedgerV6, LedgerV7, PurchaseV3,
    PurchaseV5, PurchaseV6, PurchaseV7,
};
use super::{StoreError, StoreResult};
use crate::domain::{Customer, Interaction, LedgerEntry, Purchase};
use bincode::config::{self, Configuration, Limit};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The envelope version single records are written in unless their kind says otherwise.
pub(crate) const VERSION: u8 = 3;
/// The envelope version customers are written in: version 3 and consent, a child's birthday
/// and stated traits (see [`CustomerV6`]).
pub(crate) const CUSTOMER_VERSION: u8 = 6;
/// The envelope version of records that carry their branch (purchases, interactions, ledger
/// entries: see [`PurchaseV7`]).
const BRANCHED: u8 = 7;
/// The envelope version of a chunk of records in their current layouts.
pub(crate) const CHUNK_VERSION: u8 = 7;
/// The chunk version of format 6: records without their branch.
const CHUNK_V6_LAYOUTS: u8 = 6;
/// The chunk version of format 5: purchases without payment and points, no ledger.
const CHUNK_V5_LAYOUTS: u8 = 5;
/// The chunk version of format 4: records in their version 3 layouts.
const CHUNK_V3_LAYOUTS: u8 = 4;
/// Largest payload accepted, so that a corrupt length prefix cannot ask for gigabytes. Chunks
/// are packed to far less (see [`super::chunks::BUDGET`]).
pub(crate) const LIMIT: usize = 1 << 20;
/// Bytes before the payload in the current version: version and checksum.
const HEADER: usize = 5;

/// The bincode configuration used for every payload.
fn bincode_config() -> Configuration<bincode::config::LittleEndian, bincode::config::Varint, Limit<LIMIT>> {
    config::standard().with_limit::<LIMIT>()
}

/// The older-version items of [`Record`] for a kind that has one layout only (it came after
/// envelope version 2, and its version 3 and 5 layouts are its only one): `$what` names it in
/// the refusal of a version it never had.
macro_rules! single_layout {
    ($wire:ty, $what:literal) => {
        type WireV3 = $wire;
        fn from_wire_v3(w: $wire, at: At) -> Result<Self, String> {
            Self::from_wire(w, at)
        }
        type WireV5 = $wire;
        fn from_wire_v5(w: $wire, at: At) -> Result<Self, String> {
            Self::from_wire(w, at)
        }
        type WireV6 = $wire;
        fn from_wire_v6(w: $wire, at: At) -> Result<Self, String> {
            Self::from_wire(w, at)
        }
        fn decode_v1(_: &[u8]) -> Result<Self, String> {
            Err(concat!($what, " in envelope version 1").into())
        }
        fn decode_v2(_: &[u8]) -> Result<Self, String> {
            Err(concat!($what, " in envelope version 2").into())
        }
    };
}
pub(crate) use single_layout;

/// A record kind that can be stored in an envelope, with its decode path per older version.
pub(crate) trait Record: Sized {
    /// The record kind as operators read it in error messages.
    const KIND: &'static str;
    /// The envelope version a single record of this kind is written in.
    const WRITTEN: u8 = VERSION;
    /// The layout this kehu writes.
    type Wire: Serialize + DeserializeOwned;
    /// The current form of the record.
    fn to_wire(&self) -> Self::Wire;
    /// The record from its current form and the ids its key holds.
    fn from_wire(wire: Self::Wire, at: At) -> Result<Self, String>;
    /// The version 3 layout (single records of format 3, chunks of format 4).
    type WireV3: DeserializeOwned;
    /// The record from its version 3 form.
    fn from_wire_v3(wire: Self::WireV3, at: At) -> Result<Self, String>;
    /// The version 5 layout (chunks of format 5).
    type WireV5: DeserializeOwned;
    /// The record from its version 5 form.
    fn from_wire_v5(wire: Self::WireV5, at: At) -> Result<Self, String>;
    /// The version 6 layout (chunks of format 6, single records of version 6).
    type WireV6: DeserializeOwned;
    /// The record from its version 6 form.
    fn from_wire_v6(wire: Self::WireV6, at: At) -> Result<Self, String>;
    /// Decodes a version 1 payload into the current record.
    fn decode_v1(payload: &[u8]) -> Result<Self, String>;
    /// Decodes a version 2 payload (the serde layout of the domain type then, ids included).
    fn decode_v2(payload: &[u8]) -> Result<Self, String>;
}

impl Record for Customer {
    const KIND: &'static str = "customer";
    const WRITTEN: u8 = CUSTOMER_VERSION;
    type Wire = CustomerV6;
    fn to_wire(&self) -> CustomerV6 {
        CustomerV6::from_domain(self)
    }
    fn from_wire(wire: CustomerV6, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV3 = CustomerV3;
    fn from_wire_v3(wire: CustomerV3, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV5 = CustomerV3;
    fn from_wire_v5(_: CustomerV3, _: At) -> Result<Self, String> {
        Err("a customer in envelope version 5".into())
    }
    // Customers are still written in version 6: `WRITTEN` decodes it first.
    type WireV6 = CustomerV6;
    fn from_wire_v6(wire: CustomerV6, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from::<CustomerV1>(payload).map(Customer::from)
    }
    fn decode_v2(payload: &[u8]) -> Result<Self, String> {
        payload_from::<CustomerV2>(payload).map(Customer::from)
    }
}

impl Record for Purchase {
    const KIND: &'static str = "purchase";
    // Written in chunks; alone only by tests and tools.
    const WRITTEN: u8 = BRANCHED;
    type Wire = PurchaseV7;
    fn to_wire(&self) -> PurchaseV7 {
        PurchaseV7::from_domain(self)
    }
    fn from_wire(wire: PurchaseV7, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV6 = PurchaseV6;
    fn from_wire_v6(wire: PurchaseV6, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV3 = PurchaseV3;
    fn from_wire_v3(wire: PurchaseV3, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV5 = PurchaseV5;
    fn from_wire_v5(wire: PurchaseV5, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from::<PurchaseV2>(payload).map(Purchase::from)
    }
    fn decode_v2(payload: &[u8]) -> Result<Self, String> {
        payload_from::<PurchaseV2>(payload).map(Purchase::from)
    }
}

impl Record for Interaction {
    const KIND: &'static str = "interaction";
    const WRITTEN: u8 = BRANCHED;
    type Wire = InteractionV7;
    fn to_wire(&self) -> InteractionV7 {
        InteractionV7::from_domain(self)
    }
    fn from_wire(wire: InteractionV7, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    // Interactions kept their version 5 layout in version 6 chunks.
    type WireV6 = InteractionV5;
    fn from_wire_v6(wire: InteractionV5, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV3 = InteractionV3;
    fn from_wire_v3(wire: InteractionV3, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV5 = InteractionV5;
    fn from_wire_v5(wire: InteractionV5, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    fn decode_v1(payload: &[u8]) -> Result<Self, String> {
        payload_from::<InteractionV2>(payload).map(Interaction::from)
    }
    fn decode_v2(payload: &[u8]) -> Result<Self, String> {
        payload_from::<InteractionV2>(payload).map(Interaction::from)
    }
}

impl Record for LedgerEntry {
    const KIND: &'static str = LedgerEntry::KIND_NAME;
    // Written in chunks; alone only by tests and tools.
    const WRITTEN: u8 = BRANCHED;
    type Wire = LedgerV7;
    fn to_wire(&self) -> LedgerV7 {
        LedgerV7::from_domain(self)
    }
    fn from_wire(wire: LedgerV7, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    type WireV6 = LedgerV6;
    fn from_wire_v6(wire: LedgerV6, at: At) -> Result<Self, String> {
        wire.into_domain(at)
    }
    // The ledger came with version 6: no older layout exists.
    type WireV3 = LedgerV6;
    fn from_wire_v3(_: LedgerV6, _: At) -> Result<Self, String> {
        Err("a ledger entry in a version 4 chunk".into())
    }
    type WireV5 = LedgerV6;
    fn from_wire_v5(_: LedgerV6, _: At) -> Result<Self, String> {
        Err("a ledger entry in a version 5 chunk".into())
    }
    fn decode_v1(_: &[u8]) -> Result<Self, String> {
        Err("a ledger entry in envelope version 1".into())
    }
    fn decode_v2(_: &[u8]) -> Result<Self, String> {
        Err("a ledger entry in envelope version 2".into())
    }
}

/// Encodes `value` (record `id`) in the current envelope version. The ids are not written:
/// the caller stores the record under the key that holds them.
pub(crate) fn encode<T: Record>(value: &T, id: u64) -> StoreResult<Vec<u8>> {
    let payload = bincode::serde::encode_to_vec(value.to_wire(), bincode_config())
        .map_err(|e| StoreError::Io(format!("cannot encode {} #{id}: {e}", T::KIND)))?;
    // Refuse what could not be read back: decoding enforces the same limit.
    if payload.len() > LIMIT {
        return Err(StoreError::Io(format!(
            "{} #{id} is too large to store ({} bytes, at most {LIMIT})",
            T::KIND,
            payload.len()
        )));
    }
    Ok(seal(T::WRITTEN, &payload))
}

/// A payload behind its version byte and checksum.
fn seal(version: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(version);
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Encodes records of one customer as a chunk (envelope version [`CHUNK_VERSION`]). Each id is stored as the
/// difference to the previous one (the first to 0), wrapping: ids are allocated in runs, so
/// most differences fit one varint byte where a whole id past 65,535 takes five.
pub(crate) fn encode_chunk<T: Record>(records: &[T], id: impl Fn(&T) -> u64) -> StoreResult<Vec<u8>> {
    let mut previous = 0u64;
    let wires: Vec<(i64, T::Wire)> = records
        .iter()
        .map(|r| {
            let delta = id(r).wrapping_sub(previous) as i64;
            previous = id(r);
            (delta, r.to_wire())
        })
        .collect();
    let payload = bincode::serde::encode_to_vec(&wires, bincode_config())
        .map_err(|e| StoreError::Io(format!("cannot encode {}s: {e}", T::KIND)))?;
    if payload.len() > LIMIT {
        return Err(StoreError::Io(format!(
            "a {} is too large to store ({} bytes, at most {LIMIT})",
            T::KIND,
            payload.len()
        )));
    }
    Ok(seal(CHUNK_VERSION, &payload))
}

/// Decodes a chunk of records of customer `owner`; damage (checksum, layout, a record that
/// cannot be, an empty chunk) is an error in words, never a panic.
pub(crate) fn decode_chunk<T: Record>(bytes: &[u8], owner: u64) -> Result<Vec<T>, String> {
    let (&version, rest) = bytes.split_first().ok_or("empty chunk")?;
    let decoded: Vec<Numbered<T>> = match version {
        CHUNK_VERSION => chunk_records(rest, owner, T::from_wire)?,
        CHUNK_V6_LAYOUTS => chunk_records(rest, owner, T::from_wire_v6)?,
        CHUNK_V5_LAYOUTS => chunk_records(rest, owner, T::from_wire_v5)?,
        CHUNK_V3_LAYOUTS => chunk_records(rest, owner, T::from_wire_v3)?,
        v if v > CHUNK_VERSION => {
            return Err(format!(
                "written by a newer kehu (chunk version {v}, this kehu reads up to {CHUNK_VERSION})"
            ));
        }
        v => return Err(format!("unknown chunk version {v}")),
    };
    if decoded.is_empty() {
        return Err("empty chunk".into());
    }
    let mut id = 0u64;
    decoded
        .into_iter()
        .map(|(delta, record)| {
            id = id.wrapping_add(delta as u64);
            record.map_err(|why| format!("{} #{id}: {why}", T::KIND))
        })
        .collect()
}

/// A chunk's record with its id difference, or why it could not be decoded.
type Numbered<T> = (i64, Result<T, String>);

/// The records of a chunk's checked payload in layout `W`, each with its id difference, the
/// record itself decoded by `from` (its own damage kept per record, to be named with its id).
fn chunk_records<T, W: DeserializeOwned>(
    rest: &[u8],
    owner: u64,
    from: fn(W, At) -> Result<T, String>,
) -> Result<Vec<Numbered<T>>, String> {
    let wires: Vec<(i64, W)> = payload_from(checked_payload(rest)?)?;
    let mut id = 0u64;
    Ok(wires
        .into_iter()
        .map(|(delta, wire)| {
            id = id.wrapping_add(delta as u64);
            (delta, from(wire, At::child(owner, id)))
        })
        .collect())
}

/// Decodes the record stored under the key holding `at` from any supported envelope version;
/// damage is `Corrupt`, never a panic. Versions 1 and 2 carry their own ids (which `check`
/// compares with the key); version 3 takes them from `at`.
pub(crate) fn decode<T: Record>(bytes: &[u8], at: At) -> StoreResult<T> {
    decode_any(bytes, at).map_err(|why| StoreError::Corrupt(format!("{} #{}: {why}", T::KIND, at.id)))
}

/// Dispatches on the version byte.
fn decode_any<T: Record>(bytes: &[u8], at: At) -> Result<T, String> {
    let (&version, rest) = bytes.split_first().ok_or("empty record")?;
    match version {
        1 => T::decode_v1(rest),
        2 => T::decode_v2(checked_payload(rest)?),
        3 => T::from_wire_v3(payload_from(checked_payload(rest)?)?, at),
        v if v == T::WRITTEN => T::from_wire(payload_from(checked_payload(rest)?)?, at),
        5 => T::from_wire_v5(payload_from(checked_payload(rest)?)?, at),
        6 => T::from_wire_v6(payload_from(checked_payload(rest)?)?, at),
        // A later version of this kind than the one written here: a newer kehu's.
        v if v > T::WRITTEN => Err(format!(
            "written by a newer kehu ({} record version {v}, this kehu reads up to {})",
            T::KIND,
            T::WRITTEN
        )),
        v => Err(format!("unknown record version {v}")),
    }
}

/// The payload after a version 2 or 3 header, once its checksum matches.
fn checked_payload(rest: &[u8]) -> Result<&[u8], String> {
    let (crc, payload) = rest.split_first_chunk::<4>().ok_or("truncated header")?;
    if u32::from_le_bytes(*crc) != crc32fast::hash(payload) {
        return Err("checksum mismatch".into());
    }
    Ok(payload)
}

/// Decodes a whole payload, refusing trailing bytes (a sign of a wrong layout).
pub(crate) fn payload_from<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
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
