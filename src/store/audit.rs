//! The audit log: who changed which customer, when, and how (before → after), in its own tree.
//!
//! Key: the time in microseconds since 1970 (big-endian, so byte order is time order) followed
//! by a per-process sequence number (so two entries in the same microsecond never collide).
//! Value: an [`AuditEntry`] in the same versioned, checksummed envelope as every record.

use super::envelope::{Record, decode, encode};
use super::scan::io;
use super::wire::At;
use super::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU32, Ordering};

/// One change as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When the change was saved.
    pub when: DateTime<Utc>,
    /// Who made it (the SSH key's operator name, or the local login name).
    pub operator: String,
    /// The customer it concerns (the survivor of a merge).
    pub customer: u64,
    /// What happened, as a short word ("edit", "purchase", "merge", "reveal phone"…).
    pub what: String,
    /// The changed fields before, as JSON (empty for an addition).
    pub before: String,
    /// The changed fields after, as JSON.
    pub after: String,
}

impl AuditEntry {
    /// An entry stamped now.
    pub fn now(operator: &str, customer: u64, what: &str, before: String, after: String) -> AuditEntry {
        AuditEntry {
            when: Utc::now(),
            operator: operator.to_string(),
            customer,
            what: what.into(),
            before,
            after,
        }
    }
}

impl Record for AuditEntry {
    const KIND: &'static str = "audit entry";
    // Stored as it is: the time stays a timestamp, since entries are few and read rarely.
    type Wire = AuditEntry;
    fn to_wire(&self) -> AuditEntry {
        self.clone()
    }
    fn from_wire(w: AuditEntry, _: At) -> Result<Self, String> {
        Ok(w)
    }
    fn decode_v1(_: &[u8]) -> Result<Self, String> {
        // The audit log came with envelope version 2; a version 1 entry cannot exist.
        Err("an audit entry in envelope version 1".into())
    }
}

/// Distinguishes entries written in the same microsecond.
static SEQ: AtomicU32 = AtomicU32::new(0);

/// The key of an entry written at `when`.
fn key(when: DateTime<Utc>) -> [u8; 12] {
    let micros = u64::try_from(when.timestamp_micros()).unwrap_or(0);
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&micros.to_be_bytes());
    k[8..].copy_from_slice(&SEQ.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    k
}

/// Appends `entry` to the audit tree (flushing is the caller's: it flushes the whole database).
pub(crate) fn append(tree: &sled::Tree, entry: &AuditEntry) -> StoreResult<()> {
    let bytes = encode(entry, entry.customer)?;
    tree.insert(key(entry.when), bytes).map_err(io)?;
    Ok(())
}

/// Every entry in time order, only `customer`'s when given.
pub(crate) fn entries(tree: &sled::Tree, customer: Option<u64>) -> StoreResult<Vec<AuditEntry>> {
    let mut out = Vec::new();
    for item in tree.iter() {
        let (k, v) = item.map_err(io)?;
        let at = k.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
        let at = at.ok_or_else(|| StoreError::Corrupt(format!("audit key of {} bytes", k.len())))?;
        let entry: AuditEntry = decode(&v, At::customer(at))?;
        if customer.is_none_or(|c| c == entry.customer) {
            out.push(entry);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_in_time_order_and_by_customer() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("audit").unwrap();
        let t0 = Utc::now();
        let e = |c: u64, secs: i64| {
            let mut a = AuditEntry::now("alice", c, "edit", "{}".into(), "{\"name\":\"x\"}".into());
            a.when = t0 + chrono::Duration::seconds(secs);
            append(&tree, &a).unwrap();
        };
        e(2, 5);
        e(1, 1);
        e(2, 1);
        let all = entries(&tree, None).unwrap();
        assert_eq!(all.iter().map(|a| a.customer).collect::<Vec<_>>(), vec![1, 2, 2]);
        assert!(all.windows(2).all(|w| w[0].when <= w[1].when));
        assert_eq!(entries(&tree, Some(2)).unwrap().len(), 2);
    }

    #[test]
    fn a_damaged_entry_is_corrupt_not_a_panic() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("audit").unwrap();
        tree.insert([0u8; 12], &[2u8, 1, 2, 3, 4, 9][..]).unwrap();
        assert!(matches!(entries(&tree, None), Err(StoreError::Corrupt(_))));
    }
}
