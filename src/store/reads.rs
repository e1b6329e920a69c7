//! The store's answers that are read from its trees, written once over [`Kv`] for every
//! backend; and what a change needs listed before its transaction.

use super::kv::Kv;
use super::merge::Ties;
use super::trees::TreeId;
use super::write::Prepared;
use super::{StoreError, StoreResult, keys};
use crate::change::Change;
use crate::domain::Phone;
use std::ops::ControlFlow;

/// The customer holding member number `reference`.
pub(crate) fn id_by_ref(kv: &dyn Kv, reference: &str) -> StoreResult<Option<u64>> {
    match kv.value(TreeId::IdxRef, reference.as_bytes())? {
        None => Ok(None),
        Some(v) => keys::parse_id(&v, "ref index").map(Some),
    }
}

/// The customers with phone number `phone`.
pub(crate) fn ids_by_phone(kv: &dyn Kv, phone: &Phone) -> StoreResult<Vec<u64>> {
    let mut ids = Vec::new();
    for item in kv.prefix(TreeId::IdxPhone, &keys::phone_prefix(phone)) {
        ids.push(keys::id_at_end(&item?.0, "phone index")?);
    }
    Ok(ids)
}

/// Where a former member number, phone or id leads: its survivor, and on through the merges
/// that took the survivor too, to a customer that exists (a few steps at most).
pub(crate) fn follow_former(kv: &dyn Kv, key: &str) -> StoreResult<Option<u64>> {
    let mut at = match kv.value(TreeId::Former, key.as_bytes())? {
        None => return Ok(None),
        Some(v) => keys::parse_id(&v, "former ref")?,
    };
    for _ in 0..64 {
        if super::scan::customer(kv, at)?.is_some() {
            return Ok(Some(at));
        }
        match kv.value(TreeId::Former, super::merge::former_id(at).as_bytes())? {
            Some(v) => at = keys::parse_id(&v, "former ref")?,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// The pairs marked not the same person, smaller id first.
pub(crate) fn not_duplicates(kv: &dyn Kv) -> StoreResult<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    for item in kv.all(TreeId::NotDuplicates) {
        let k = item?.0;
        let (a, b) =
            k.split_at_checked(8).ok_or_else(|| StoreError::Corrupt("a not-a-duplicate pair key".into()))?;
        out.push((keys::parse_id(a, "pair")?, keys::parse_id(b, "pair")?));
    }
    Ok(out)
}

/// How many customers there are (counted: a damaged tree must fail, not count on).
pub(crate) fn customer_count(kv: &dyn Kv) -> StoreResult<u64> {
    let mut n = 0;
    for item in kv.all(TreeId::Customers) {
        item?;
        n += 1;
    }
    Ok(n)
}

/// A value of the settings tree.
pub(crate) fn setting(kv: &dyn Kv, key: &str) -> StoreResult<Option<Vec<u8>>> {
    Ok(kv.value(TreeId::Settings, key.as_bytes())?.map(|v| v.to_vec()))
}

/// The first record saved with idempotency key `key`.
pub(crate) fn keyed_record(kv: &dyn Kv, key: &str) -> StoreResult<Option<u64>> {
    match kv.value(TreeId::LedgerKeys, key.as_bytes())? {
        None => Ok(None),
        Some(v) => super::ledger::keyed_record(&v).map(|(_, id)| Some(id)),
    }
}

/// Whether the points ledger of a database kept before it is still to be opened.
pub(crate) fn ledger_pending(kv: &dyn Kv) -> StoreResult<bool> {
    Ok(kv.value(TreeId::Meta, super::ledger::LEDGER_PENDING)?.is_some())
}

/// Lists what `change` needs that a transaction cannot scan for (read while no other change
/// can land: under sled's writer lock, or inside PostgreSQL's writing transaction).
pub(crate) fn prepare(kv: &dyn Kv, change: &Change) -> StoreResult<Prepared> {
    let mut prep = Prepared::default();
    match change {
        Change::Merge { survivor, loser } if survivor.id == *loser => {
            return Err(StoreError::MergeIntoSelf(*loser));
        }
        Change::Merge { loser, .. } => prep.ties = Some(Ties::scan(kv, *loser)?),
        Change::DeleteCustomer { id, .. } => prep.ties = Some(Ties::scan(kv, *id)?),
        Change::RenameTag { from, .. } => {
            super::scan::customers_until(kv, &mut |c| {
                if c.tags.contains(from) {
                    prep.tagged.push(c.id);
                }
                ControlFlow::Continue(())
            })?;
        }
        Change::Undo { change, .. } => {
            let mut inner = prepare(kv, change)?;
            inner.undoing = true;
            return Ok(inner);
        }
        Change::Keyed { change, .. } => return prepare(kv, change),
        _ => {}
    }
    Ok(prep)
}
