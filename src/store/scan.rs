//! Reading whole histories: one customer by prefix, or everyone in one pass per tree.

use super::chunks::{self, Child};
use super::envelope::{At, decode};
use super::keys::{id_key, parse_chunk_key, parse_id};
use super::kv::{Kv, Pair, Pairs};
use super::trees::TreeId;
use super::{StoreError, StoreResult};
use crate::domain::{Customer, History, Interaction, LedgerEntry, Purchase};
use std::iter::Peekable;
use std::ops::ControlFlow;

/// Turns a sled error into the store's error: damage sled noticed is `Corrupt`.
pub(crate) fn io(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { at, .. } => StoreError::Corrupt(match at {
            Some(at) => format!("sled found damaged data at {at:?} of its files"),
            None => "sled found damaged data in its files".into(),
        }),
        sled::Error::ReportableBug(why) => StoreError::Corrupt(format!("sled gave up on its files ({why})")),
        // kehu always opens sled the same way: sled refusing its own files means they changed.
        sled::Error::Unsupported(why) => StoreError::Corrupt(format!("sled refuses its files ({why})")),
        // sled read past the end of its file, or read bytes that are not what it wrote: its
        // files are shorter or other than they should be.
        sled::Error::Io(e)
            if matches!(e.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData) =>
        {
            StoreError::Corrupt(format!("sled's files are shorter or other than it wrote ({e})"))
        }
        other => StoreError::Io(io_text(other)),
    }
}

/// A sled error in words; a full disk says so and what to do.
pub(crate) fn io_text(e: sled::Error) -> String {
    match e {
        sled::Error::Io(io) => io_error_text(&io),
        other => other.to_string(),
    }
}

/// A file error in words; a full disk says so and what to do.
pub(crate) fn io_error_text(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::StorageFull {
        return format!(
            "the disk holding the database is full ({e}); nothing was saved — free some space and try again"
        );
    }
    e.to_string()
}

/// One customer, if stored.
pub(crate) fn customer(kv: &dyn Kv, id: u64) -> StoreResult<Option<Customer>> {
    match kv.value(TreeId::Customers, &id_key(id))? {
        None => Ok(None),
        Some(bytes) => decode(&bytes, At::customer(id)).map(Some),
    }
}

/// Puts a history's records in date order (ties by id), as every reader expects them; ledger
/// entries stay in the order they were saved.
pub(crate) fn sorted(
    customer: Customer,
    mut purchases: Vec<Purchase>,
    mut interactions: Vec<Interaction>,
    ledger: Vec<LedgerEntry>,
) -> History {
    purchases.sort_by_key(|p| (p.date, p.id));
    interactions.sort_by_key(|i| (i.date, i.id));
    History { customer, purchases, interactions, ledger }
}

/// One customer's history.
pub(crate) fn history(t: &dyn Kv, id: u64) -> StoreResult<Option<History>> {
    let Some(c) = customer(t, id)? else { return Ok(None) };
    Ok(Some(sorted(
        c,
        chunks::records_of(t, TreeId::Purchases, id)?,
        chunks::records_of(t, TreeId::Interactions, id)?,
        chunks::records_of(t, TreeId::Ledger, id)?,
    )))
}

/// Every history in id order until `f` breaks: the three trees share the customer-id key order,
/// so one merged pass over each replaces a prefix scan per customer. The purchase and interaction
/// trees hold chunks (see [`super::chunks`]), a few entries per customer instead of one per record.
pub(crate) fn histories_until(t: &dyn Kv, f: &mut dyn FnMut(History) -> ControlFlow<()>) -> StoreResult<()> {
    let mut ps = t.all(TreeId::Purchases).peekable();
    let mut is = t.all(TreeId::Interactions).peekable();
    let mut ls = t.all(TreeId::Ledger).peekable();
    for item in t.all(TreeId::Customers) {
        let (k, v) = item?;
        let id = parse_id(&k, "customer key")?;
        let c = decode(&v, At::customer(id))?;
        let p = take_owned(&mut ps, id)?;
        let i = take_owned(&mut is, id)?;
        let l = take_owned(&mut ls, id)?;
        if f(sorted(c, p, i, l)).is_break() {
            break;
        }
    }
    Ok(())
}

/// Every customer record in id order until `f` breaks, without their purchases or interactions.
pub(crate) fn customers_until(t: &dyn Kv, f: &mut dyn FnMut(Customer) -> ControlFlow<()>) -> StoreResult<()> {
    for item in t.all(TreeId::Customers) {
        let (k, v) = item?;
        let id = parse_id(&k, "customer key")?;
        if f(decode(&v, At::customer(id))?).is_break() {
            break;
        }
    }
    Ok(())
}

/// Takes the records of customer `owner` from the front of a chunk-tree iterator, skipping
/// chunks of lower ids that have no customer (none should exist; they must not stall the merge).
fn take_owned<T: Child>(it: &mut Peekable<Pairs>, owner: u64) -> StoreResult<Vec<T>> {
    let owner_key = id_key(owner);
    let mut out = Vec::new();
    let not_past_owner = |r: &StoreResult<Pair>| {
        r.as_ref().map_or(true, |(k, _)| k.get(..8).is_none_or(|p| p <= &owner_key[..]))
    };
    while let Some(item) = it.next_if(not_past_owner) {
        let (k, v) = item?;
        let (cust, chunk) = parse_chunk_key(&k, T::KIND)?;
        if cust == owner {
            out.extend(chunks::decode::<T>(&v, cust, chunk)?);
        }
    }
    Ok(out)
}
