//! A new database from the records that still read: customers and histories decoded one by
//! one, histories packed anew, indexes rebuilt from the customers, the id counter set past
//! every id found. Whatever does not decode is counted, by kind, for the report.

use super::super::chunks::{self, Child};
use super::super::envelope::{At, decode, encode};
use super::super::keys::{id_key, parse_chunk_key, parse_id, phone_key};
use super::super::scan::io;
use super::super::sled_store::{FORMAT, FORMAT_KEY};
use super::super::trees::TreeId;
use super::super::txn::NEXT_ID;
use super::super::{AuditEntry, StoreResult};
use super::read::TreeRead;
use crate::domain::{Customer, Interaction, LedgerEntry, Purchase};
use std::collections::{BTreeMap, HashSet};

/// What a kind of record came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// The kind, as people say it ("customers", "purchases"…).
    pub kind: &'static str,
    /// Records in the new database.
    pub kept: u64,
    /// Entries that did not decode (for histories: chunks of up to 64 records).
    pub unreadable: u64,
    /// What else happened to them, in words.
    pub notes: Vec<String>,
}

/// Writes the decodable records of `reads` (one per tree, in [`TreeId::ALL`] order) into the
/// empty sled database `db`; returns the tally per kind.
pub(crate) fn rebuild(db: &sled::Db, reads: &[TreeRead]) -> StoreResult<Vec<Tally>> {
    let read = |t: TreeId| &reads[t as usize];
    let mut tallies = Vec::new();
    let mut max_id = 0u64;

    let mut customers = Tally { kind: "customers", ..Default::default() };
    let mut by_id: BTreeMap<u64, Customer> = BTreeMap::new();
    for (k, v) in &read(TreeId::Customers).entries {
        match parse_id(k, "customer key").and_then(|id| decode::<Customer>(v, At::customer(id))) {
            Ok(c) => {
                max_id = max_id.max(c.id);
                by_id.insert(c.id, c);
            }
            Err(_) => customers.unreadable += 1,
        }
    }
    let purchases = histories::<Purchase>(read(TreeId::Purchases), "purchases", &mut by_id, &mut max_id);
    let interactions =
        histories::<Interaction>(read(TreeId::Interactions), "interactions", &mut by_id, &mut max_id);
    let (purchases, p_tally) = purchases;
    let (interactions, i_tally) = interactions;
    let (mut ledger, mut l_tally) =
        histories::<LedgerEntry>(read(TreeId::Ledger), "ledger entries", &mut by_id, &mut max_id);
    reconcile_ledger(&purchases, &mut ledger, &mut l_tally);
    let placeholders = by_id.values().filter(|c| c.name.starts_with(PLACEHOLDER)).count();
    if placeholders > 0 {
        customers.notes.push(format!(
            "{placeholders} customer record(s) were unreadable but their histories were not: they are kept under \
             the name \"{PLACEHOLDER} #id\" to be renamed or merged"
        ));
    }
    write_customers(db, &mut by_id, &mut customers)?;
    customers.kept = by_id.len() as u64;
    write_histories(db, TreeId::Purchases, purchases)?;
    write_histories(db, TreeId::Interactions, interactions)?;
    write_histories(db, TreeId::Ledger, ledger)?;
    tallies.push(customers);
    tallies.push(p_tally);
    tallies.push(i_tally);
    tallies.push(copy_audit(db, read(TreeId::Audit))?);
    tallies.push(copy_raw(db, TreeId::Settings, read(TreeId::Settings), "settings")?);
    tallies.push(copy_campaigns(db, read(TreeId::Campaigns))?);
    tallies.push(l_tally);
    tallies.push(copy_raw(db, TreeId::LedgerKeys, read(TreeId::LedgerKeys), "ledger keys")?);
    let meta = db.open_tree(TreeId::Meta.name()).map_err(io)?;
    meta.insert(FORMAT_KEY, &FORMAT.to_be_bytes()).map_err(io)?;
    meta.insert(NEXT_ID, &max_id.saturating_add(1).to_be_bytes()).map_err(io)?;
    let pending = super::super::ledger::LEDGER_PENDING;
    if read(TreeId::Meta).entries.iter().any(|(k, _)| k.as_slice() == pending) {
        meta.insert(pending, &[1]).map_err(io)?;
    }
    let trees = [
        TreeId::Customers,
        TreeId::Purchases,
        TreeId::Interactions,
        TreeId::Audit,
        TreeId::Settings,
        TreeId::Campaigns,
        TreeId::Ledger,
        TreeId::LedgerKeys,
    ];
    for (tally, t) in tallies.iter_mut().zip(trees) {
        let r = read(t);
        if !r.complete || !r.failures.is_empty() {
            tally.notes.push(format!("sled could not read all of it ({})", r.failures.join("; ")));
        }
    }
    db.flush().map_err(io)?;
    Ok(tallies)
}

/// Brings each member's entries back into agreement with what was kept, as `check` expects,
/// saying so: entries of a purchase that was lost stay (the money moved), as adjustments; a
/// purchase whose entries were lost gets what it is due again; a balance left below zero by
/// what was lost is brought to zero.
fn reconcile_ledger(
    purchases: &BTreeMap<u64, Vec<Purchase>>,
    ledger: &mut BTreeMap<u64, Vec<LedgerEntry>>,
    tally: &mut Tally,
) {
    use crate::domain::ledger::due_in;
    use crate::domain::{Account, Balances, EntryKind};
    let (mut unlinked, mut rebuilt, mut raised) = (0u64, 0u64, 0u64);
    let owners: std::collections::BTreeSet<u64> = purchases.keys().chain(ledger.keys()).copied().collect();
    for owner in owners {
        let ps = purchases.get(&owner).map(Vec::as_slice).unwrap_or_default();
        let entries = ledger.entry(owner).or_default();
        let mut next = entries.iter().map(|e| e.id).max().unwrap_or(0) + 1;
        let mut add = |entries: &mut Vec<LedgerEntry>, mut e: LedgerEntry| {
            e.id = next;
            next += 1;
            entries.push(e);
        };
        for e in entries.iter_mut() {
            if e.purchase.is_some_and(|p| !ps.iter().any(|x| x.id == p)) {
                e.note = format!("purchase #{} lost in a salvage", e.purchase.unwrap_or(0));
                e.purchase = None;
                e.kind = EntryKind::Adjust;
                unlinked += 1;
            }
        }
        for p in ps {
            let linked = Balances::of(entries.iter().filter(|e| e.purchase == Some(p.id)));
            for account in Account::ALL {
                let missing = due_in(p, ps, *account) - linked.get(*account);
                if missing != 0 {
                    let mut e = LedgerEntry::new(owner, *account, EntryKind::Correct, missing, p.date);
                    e.purchase = Some(p.id);
                    add(entries, e);
                    rebuilt += 1;
                }
            }
        }
        let b = Balances::of(entries.iter());
        for (account, held) in [(Account::Points, b.points), (Account::StoredValue, b.stored.0)] {
            if held < 0 {
                let day = entries.iter().map(|e| e.date).max().unwrap_or_default();
                let mut e = LedgerEntry::new(owner, account, EntryKind::Adjust, -held, day);
                e.note = "brought to zero in a salvage".into();
                add(entries, e);
                raised += 1;
            }
        }
        if entries.is_empty() {
            ledger.remove(&owner);
        }
    }
    let said = [
        (unlinked, "entries of purchases that were lost kept as adjustments (the money moved)"),
        (rebuilt, "entries rebuilt from the purchases they belong to"),
        (raised, "balances brought to zero after what was lost"),
    ];
    for (n, what) in said.into_iter().filter(|(n, _)| *n > 0) {
        tally.notes.push(format!("{n} {what}"));
    }
    tally.kept = ledger.values().map(|es| es.len() as u64).sum();
}

/// The name given to a customer whose record was lost while their history was not.
const PLACEHOLDER: &str = "(salvaged)";

/// Decodes every chunk of a history tree, grouping records by owner; owners without a readable
/// customer record get a placeholder one.
fn histories<T: Child>(
    read: &TreeRead,
    kind: &'static str,
    customers: &mut BTreeMap<u64, Customer>,
    max_id: &mut u64,
) -> (BTreeMap<u64, Vec<T>>, Tally) {
    // Ledger entries are numbered per member, not from the shop's counter.
    let per_member = T::KIND == crate::domain::LedgerEntry::KIND_NAME;
    let mut ignored = 0u64;
    let max_id = if per_member { &mut ignored } else { max_id };
    let mut tally = Tally { kind, ..Default::default() };
    let mut owners: BTreeMap<u64, Vec<T>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (k, v) in &read.entries {
        let Ok((owner, chunk)) = parse_chunk_key(k, T::KIND) else {
            tally.unreadable += 1;
            continue;
        };
        match chunks::decode::<T>(v, owner, chunk) {
            Ok(records) => {
                for r in records {
                    // A record found twice (damage that duplicated a chunk) is kept once.
                    let place = if per_member { (owner, r.id()) } else { (0, r.id()) };
                    if seen.insert(place) {
                        *max_id = (*max_id).max(r.id());
                        owners.entry(owner).or_default().push(r);
                    }
                }
            }
            Err(_) => tally.unreadable += 1,
        }
    }
    for &owner in owners.keys() {
        customers.entry(owner).or_insert_with(|| {
            let mut c = Customer::new(&format!("{PLACEHOLDER} #{owner}"), chrono::Utc::now())
                .unwrap_or_else(|_| unreachable_customer());
            c.id = owner;
            c
        });
    }
    tally.kept = owners.values().map(|r| r.len() as u64).sum();
    if tally.unreadable > 0 {
        tally.notes.push(format!(
            "{} chunk(s) did not decode: up to {} records",
            tally.unreadable,
            tally.unreadable * chunks::MAX_RECORDS as u64
        ));
    }
    (owners, tally)
}

/// A customer record that cannot fail to build (the name above is never blank).
fn unreachable_customer() -> Customer {
    Customer::new("salvaged", chrono::Utc::now()).expect("a non-blank name")
}

/// Writes the customers and their ref and phone index entries; a ref claimed twice stays with
/// the lower id and is taken from the other (said in the notes).
fn write_customers(db: &sled::Db, by_id: &mut BTreeMap<u64, Customer>, tally: &mut Tally) -> StoreResult<()> {
    let customers = db.open_tree(TreeId::Customers.name()).map_err(io)?;
    let refs = db.open_tree(TreeId::IdxRef.name()).map_err(io)?;
    let phones = db.open_tree(TreeId::IdxPhone.name()).map_err(io)?;
    let mut taken = HashSet::new();
    for c in by_id.values_mut() {
        if let Some(r) = c.reference.clone().filter(|r| !r.is_empty()) {
            if taken.insert(r.clone()) {
                refs.insert(r.as_bytes(), &id_key(c.id)).map_err(io)?;
            } else {
                tally.notes.push(format!("customer #{} lost member number {r:?}, held by another", c.id));
                c.reference = None;
            }
        }
        if let Some(p) = &c.phone {
            phones.insert(phone_key(p, c.id), &[]).map_err(io)?;
        }
        customers.insert(id_key(c.id), encode(c, c.id)?).map_err(io)?;
    }
    Ok(())
}

/// Packs each owner's records into fresh chunks numbered from 0.
fn write_histories<T: Child>(db: &sled::Db, t: TreeId, owners: BTreeMap<u64, Vec<T>>) -> StoreResult<()> {
    let tree = db.open_tree(t.name()).map_err(io)?;
    for (owner, records) in owners {
        for (n, bytes) in chunks::pack(&records)?.into_iter().enumerate() {
            tree.insert(super::super::keys::chunk_key(owner, n as u32), bytes).map_err(io)?;
        }
    }
    Ok(())
}

/// Copies the audit entries that decode.
fn copy_audit(db: &sled::Db, read: &TreeRead) -> StoreResult<Tally> {
    let tree = db.open_tree(TreeId::Audit.name()).map_err(io)?;
    let mut tally = Tally { kind: "audit entries", ..Default::default() };
    for (k, v) in &read.entries {
        let at = k.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes).unwrap_or(0);
        if decode::<AuditEntry>(v, At::customer(at)).is_ok() {
            tree.insert(&k[..], &v[..]).map_err(io)?;
            tally.kept += 1;
        } else {
            tally.unreadable += 1;
        }
    }
    Ok(tally)
}

/// Copies the campaigns that read back whole.
fn copy_campaigns(db: &sled::Db, read: &TreeRead) -> StoreResult<Tally> {
    let tree = db.open_tree(TreeId::Campaigns.name()).map_err(io)?;
    let mut tally = Tally { kind: "campaigns", ..Default::default() };
    for (k, v) in &read.entries {
        if super::super::campaigns::read(k, v).is_ok() {
            tree.insert(&k[..], &v[..]).map_err(io)?;
            tally.kept += 1;
        } else {
            tally.unreadable += 1;
        }
    }
    Ok(tally)
}

/// Copies a tree's entries as they are (settings: saved segments, the model).
fn copy_raw(db: &sled::Db, t: TreeId, read: &TreeRead, kind: &'static str) -> StoreResult<Tally> {
    let tree = db.open_tree(t.name()).map_err(io)?;
    for (k, v) in &read.entries {
        tree.insert(&k[..], &v[..]).map_err(io)?;
    }
    Ok(Tally { kind, kept: read.entries.len() as u64, ..Default::default() })
}
