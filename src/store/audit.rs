//! The audit log: who changed which customer, when, and how (before → after), in its own tree.
//!
//! Key: the time in microseconds since 1970 (big-endian, so byte order is time order) followed
//! by the change's journal seq and the entry's number within it (12-byte keys of earlier
//! versions, time and a per-process counter, read alike). Entries are written by
//! [`super::SledStore::commit`] in the transaction of the change they describe.
//! Value: an [`AuditEntry`] in the same versioned, checksummed envelope as every record.

use super::envelope::{Record, decode, encode};
use super::kv::{Kv, Pair};
use super::trees::TreeId;
use super::txn::{Tx, TxResult, lift};
use super::wire::At;
use super::{StoreError, StoreResult};
pub use crate::change::AuditEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An audit entry as envelope versions 2 and 3 stored it (the time stays a timestamp: entries
/// are few and read rarely). Never change it: version 5 wraps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuditV3 {
    when: DateTime<Utc>,
    operator: String,
    customer: u64,
    what: String,
    before: String,
    after: String,
}

/// Version 5: and the change's journal number, the change that takes it back (JSON) and the
/// change an undo took back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuditV5 {
    base: AuditV3,
    seq: u64,
    undo: String,
    undoes: u64,
}

impl From<AuditV3> for AuditEntry {
    fn from(w: AuditV3) -> AuditEntry {
        AuditEntry {
            when: w.when,
            operator: w.operator,
            customer: w.customer,
            what: w.what,
            before: w.before,
            after: w.after,
            seq: 0,
            undo: String::new(),
            undoes: 0,
        }
    }
}

impl Record for AuditEntry {
    const KIND: &'static str = "audit entry";
    const WRITTEN: u8 = 5;
    type Wire = AuditV5;
    fn to_wire(&self) -> AuditV5 {
        AuditV5 {
            base: AuditV3 {
                when: self.when,
                operator: self.operator.clone(),
                customer: self.customer,
                what: self.what.clone(),
                before: self.before.clone(),
                after: self.after.clone(),
            },
            seq: self.seq,
            undo: self.undo.clone(),
            undoes: self.undoes,
        }
    }
    fn from_wire(w: AuditV5, _: At) -> Result<Self, String> {
        Ok(AuditEntry { seq: w.seq, undo: w.undo, undoes: w.undoes, ..w.base.into() })
    }
    type WireV3 = AuditV3;
    fn from_wire_v3(w: AuditV3, _: At) -> Result<Self, String> {
        Ok(w.into())
    }
    // Version 5 is the written one (see `from_wire`); this is never reached.
    type WireV5 = AuditV5;
    fn from_wire_v5(w: AuditV5, at: At) -> Result<Self, String> {
        Self::from_wire(w, at)
    }
    type WireV6 = AuditV5;
    fn from_wire_v6(_: AuditV5, _: At) -> Result<Self, String> {
        Err("an audit entry in envelope version 6".into())
    }
    fn decode_v1(_: &[u8]) -> Result<Self, String> {
        // The audit log came with envelope version 2; a version 1 entry cannot exist.
        Err("an audit entry in envelope version 1".into())
    }
    fn decode_v2(payload: &[u8]) -> Result<Self, String> {
        super::envelope::payload_from::<AuditV3>(payload).map(AuditEntry::from)
    }
}

/// The key of entry `n` of change `seq`, written at `when`: time order first, and no two
/// entries of any process ever share a key (the journal numbers every change).
fn key(when: chrono::DateTime<chrono::Utc>, seq: u64, n: usize) -> [u8; 18] {
    let micros = u64::try_from(when.timestamp_micros()).unwrap_or(0);
    let mut k = [0u8; 18];
    k[..8].copy_from_slice(&micros.to_be_bytes());
    k[8..16].copy_from_slice(&seq.to_be_bytes());
    k[16..].copy_from_slice(&(n.min(u16::MAX as usize) as u16).to_be_bytes());
    k
}

/// Writes entry `n` of change `seq` inside its transaction.
pub(crate) fn put(tx: &Tx, seq: u64, n: usize, entry: &AuditEntry) -> TxResult<()> {
    let bytes = lift(encode(entry, entry.customer))?;
    tx.insert(TreeId::Audit, &key(entry.when, seq, n), bytes)
}

/// Every entry in time order, only `customer`'s when given.
pub(crate) fn entries(kv: &dyn Kv, customer: Option<u64>) -> StoreResult<Vec<AuditEntry>> {
    let mut out = Vec::new();
    for item in kv.all(TreeId::Audit) {
        let entry = read(item)?;
        if customer.is_none_or(|c| c == entry.customer) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// The entries newest first, until `visit` breaks.
pub(crate) fn newest_first(
    kv: &dyn Kv,
    visit: &mut dyn FnMut(AuditEntry) -> std::ops::ControlFlow<()>,
) -> StoreResult<()> {
    for item in kv.all_rev(TreeId::Audit) {
        if visit(read(item)?).is_break() {
            break;
        }
    }
    Ok(())
}

fn read(item: StoreResult<Pair>) -> StoreResult<AuditEntry> {
    let (k, v) = item?;
    let at = k.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
    let at = at.ok_or_else(|| StoreError::Corrupt(format!("audit key of {} bytes", k.len())))?;
    decode(&v, At::customer(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn entries_come_back_in_time_order_and_by_customer() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = crate::store::trees::Trees::open(&db).unwrap();
        let tree = &trees[TreeId::Audit];
        let t0 = Utc::now();
        let mut seq = 0;
        let mut e = |c: u64, secs: i64| {
            let mut a = AuditEntry::now("alice", c, "edit", "{}".into(), "{\"name\":\"x\"}".into());
            a.when = t0 + chrono::Duration::seconds(secs);
            seq += 1;
            tree.insert(key(a.when, seq, 0), encode(&a, c).unwrap()).unwrap();
        };
        e(2, 5);
        e(1, 1);
        e(2, 1);
        let all = entries(&trees, None).unwrap();
        assert_eq!(all.iter().map(|a| a.customer).collect::<Vec<_>>(), vec![1, 2, 2]);
        assert!(all.windows(2).all(|w| w[0].when <= w[1].when));
        assert_eq!(entries(&trees, Some(2)).unwrap().len(), 2);
    }

    #[test]
    fn a_damaged_entry_is_corrupt_not_a_panic() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = crate::store::trees::Trees::open(&db).unwrap();
        let tree = &trees[TreeId::Audit];
        tree.insert([0u8; 12], &[2u8, 1, 2, 3, 4, 9][..]).unwrap();
        assert!(matches!(entries(&trees, None), Err(StoreError::Corrupt(_))));
    }
}
