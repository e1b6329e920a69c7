//! The sled implementation of [`Store`].
//!
//! Trees: `customers` (id BE → record), `purchase_chunks` and `interaction_chunks` (customer id
//! BE ++ chunk number BE → up to 64 records, so a history is one prefix: see [`super::chunks`]),
//! `idx_ref` (ref → id BE, unique), `idx_phone`
//! (phone ++ 0 ++ id BE → nothing, a multimap since households share numbers), `settings`, and
//! `meta` (`format` → u32 BE, `next_id` → u64 BE).

use super::check::{self, CheckReport};
use super::chunks;
use super::merge::Ties;
use super::scan::{self, io};
use super::txn::{Tx, TxResult};
use super::{ChangeSet, Store, StoreError, StoreResult};
use crate::domain::{Customer, History, Interaction, Phone, Purchase};
use sled::transaction::{TransactionError, Transactional};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The database layout this kehu writes; a database with a higher number is refused at open.
///
/// 4: purchases and interactions in chunks (trees `purchase_chunks`, `interaction_chunks`);
/// 3: one entry per record (trees `purchases`, `interactions`), records in envelope version 3
/// (compact, see `wire`); 2: the same trees, envelope version 2. A format 2 or 3 database is
/// migrated to format 4 when opened (see [`super::migrate`]); its customers keep their record
/// version until they are next saved.
pub const FORMAT: u32 = 4;
/// The tree of purchase chunks (format 4).
pub(crate) const PURCHASE_CHUNKS: &str = "purchase_chunks";
/// The tree of interaction chunks (format 4).
pub(crate) const INTERACTION_CHUNKS: &str = "interaction_chunks";
/// The key in `meta` of the format version.
pub(crate) const FORMAT_KEY: &[u8] = b"format";
/// The file, inside the database directory, naming the process that holds the database.
const PID_FILE: &str = "kehu.pid";

/// A kehu database in one directory, held by this process until dropped.
pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    customers: sled::Tree,
    /// Purchase chunks.
    purchases: sled::Tree,
    /// Interaction chunks.
    interactions: sled::Tree,
    idx_ref: sled::Tree,
    idx_phone: sled::Tree,
    settings: sled::Tree,
    meta: sled::Tree,
    /// The audit log (see [`super::audit`]).
    audit: sled::Tree,
    /// Held by every edit: a merge lists what to move and then moves it, and no other edit may
    /// come in between (sled transactions cannot scan, so the listing is outside).
    writer: Mutex<()>,
}

impl SledStore {
    /// Opens (creating if needed) the database in directory `path`.
    ///
    /// Fails with `Locked` (naming the holder's pid when known) if another process has it open,
    /// and with `TooNew` if a newer kehu wrote it.
    pub fn open(path: &Path) -> StoreResult<SledStore> {
        let shown = path.display().to_string();
        let db = open_sled(path, &shown)?;
        // Check the format before creating any tree, so a newer database is left untouched.
        let meta = db.open_tree("meta").map_err(io)?;
        check_format(&db, &meta, &shown)?;
        let tree = |name: &str| db.open_tree(name).map_err(io);
        let store = SledStore {
            customers: tree("customers")?,
            purchases: tree(PURCHASE_CHUNKS)?,
            interactions: tree(INTERACTION_CHUNKS)?,
            idx_ref: tree("idx_ref")?,
            idx_phone: tree("idx_phone")?,
            settings: tree("settings")?,
            audit: tree("audit")?,
            meta,
            writer: Mutex::new(()),
            path: path.to_path_buf(),
            db,
        };
        set_held(path, true);
        // Only a help for the message another process shows: failing to write it is harmless.
        let _ = std::fs::write(path.join(PID_FILE), std::process::id().to_string());
        Ok(store)
    }

    /// Verifies every record, index entry and the id counter (see [`CheckReport`]); read-only.
    pub fn check(&self) -> CheckReport {
        check::run(&self.trees())
    }

    /// Every tree, borrowed for a whole-database scan (check, backup).
    pub(crate) fn trees(&self) -> check::Trees<'_> {
        check::Trees {
            customers: &self.customers,
            purchases: &self.purchases,
            interactions: &self.interactions,
            idx_ref: &self.idx_ref,
            idx_phone: &self.idx_phone,
            settings: &self.settings,
            meta: &self.meta,
        }
    }

    /// Runs `f` over every tree by name, under the writer lock so that no edit lands meanwhile.
    pub(crate) fn with_trees<A>(&self, f: impl FnOnce(&[(&str, &sled::Tree)]) -> A) -> A {
        let _writer = self.write_lock();
        let t = self.trees();
        f(&[
            ("customers", t.customers),
            (PURCHASE_CHUNKS, t.purchases),
            (INTERACTION_CHUNKS, t.interactions),
            ("idx_ref", t.idx_ref),
            ("idx_phone", t.idx_phone),
            ("settings", t.settings),
            ("meta", t.meta),
            ("audit", &self.audit),
        ])
    }

    /// Entries and bytes (keys + values) per tree, for the size figures; read-only.
    pub fn tree_sizes(&self) -> StoreResult<Vec<(String, u64, u64)>> {
        self.with_trees(|trees| {
            let mut out = Vec::new();
            for (name, tree) in trees {
                let (mut n, mut bytes) = (0, 0);
                for item in tree.iter() {
                    let (k, v) = item.map_err(io)?;
                    n += 1;
                    bytes += (k.len() + v.len()) as u64;
                }
                out.push((name.to_string(), n, bytes));
            }
            Ok(out)
        })
    }

    /// The sled database itself, for tests that look under the store.
    #[cfg(test)]
    pub(crate) fn raw(&self) -> &sled::Db {
        &self.db
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything to disk before an edit is reported as saved.
    fn flush(&self) -> StoreResult<()> {
        self.db.flush().map(drop).map_err(io)
    }

    /// The writer lock. It guards no data, so a panic while it was held leaves nothing broken.
    fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` as one transaction over every tree an edit touches, under the writer lock.
    fn edit<A>(&self, f: impl Fn(&Tx) -> TxResult<A>) -> StoreResult<A> {
        let _writer = self.write_lock();
        self.transact(f)
    }

    /// Lists the ties of customer `id` (call with the writer lock held).
    fn ties(&self, id: u64) -> StoreResult<Ties> {
        Ties::scan(&self.customers, &self.purchases, &self.interactions, id)
    }

    /// Runs `f` as one transaction over every tree an edit touches, then flushes; the caller
    /// holds the writer lock.
    fn transact<A>(&self, f: impl Fn(&Tx) -> TxResult<A>) -> StoreResult<A> {
        let trees = (
            &self.customers,
            &self.purchases,
            &self.interactions,
            &self.idx_ref,
            &self.idx_phone,
            &self.meta,
        );
        let out = trees
            .transaction(|(customers, purchases, interactions, idx_ref, idx_phone, meta)| {
                f(&Tx { customers, purchases, interactions, idx_ref, idx_phone, meta })
            })
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => io(e),
            })?;
        self.flush()?;
        Ok(out)
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        set_held(&self.path, false);
        // Leave the pid file alone if it already names another process (it cannot, while we hold
        // the lock, but a hand-edited directory should not lose someone else's file).
        let pid_path = self.path.join(PID_FILE);
        if read_pid(&self.path) == Some(std::process::id()) {
            let _ = std::fs::remove_file(pid_path);
        }
    }
}

/// How long an open waits for a lock that no other process claims: sled releases its file lock
/// from a background thread shortly after the previous handle in this process is dropped.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens sled, waiting out a lock that is only being released (no live holder named in the pid
/// file); a lock another process holds is reported at once.
fn open_sled(path: &Path, shown: &str) -> StoreResult<sled::Db> {
    if held_here(path) {
        return Err(StoreError::Locked {
            path: shown.to_string(),
            pid: Some(std::process::id()),
            served: super::served::locked_hint(path, Some(std::process::id())),
        });
    }
    let deadline = std::time::Instant::now() + RELEASE_WAIT;
    loop {
        match sled_config(path).open() {
            Ok(db) => return Ok(db),
            Err(e) if is_lock_error(&e) => {
                let holder = read_pid(path);
                let releasing = holder.is_none_or(|pid| pid == std::process::id());
                if !releasing || std::time::Instant::now() >= deadline {
                    let served = super::served::locked_hint(path, holder);
                    return Err(StoreError::Locked { path: shown.to_string(), pid: holder, served });
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) if is_read_only_error(&e) => {
                return Err(StoreError::Io(format!(
                    "cannot open {shown}: the database is read-only ({e}); kehu writes to its \
                     database even to read it, so make the directory and its files writable for \
                     this user, or copy it somewhere writable"
                )));
            }
            Err(e) => {
                return Err(StoreError::Io(format!("cannot open {shown}: {}", super::scan::io_text(e))));
            }
        }
    }
}

/// sled's page cache limit. sled's default (1 GiB) alone would exceed the console's memory budget
/// (100 MB at 100k customers, 400 MB at 1M). Measured at 100k on format 4 (histories in chunks,
/// read in key order): 64, 32 and 16 MiB read and classify every history in the same CPU time
/// (3.1 s user for `export --kind classes`), and an edit commits in the same p50/p99
/// (0.46 / 4.7 ms at 16 MiB); each halving keeps ~20 MB less resident. (On format 3, records
/// one per key, 32 MiB thrashed: the read took 3.5× as long.)
pub(crate) const CACHE_BYTES: u64 = 16 << 20;

/// The sled settings of every kehu database, decided by measurement at 100k customers (the
/// figures are in the README's performance section):
/// - `cache_capacity`: [`CACHE_BYTES`].
/// - no `use_compression`: zstd made the file 37% smaller but the first open 40× and reading
///   every history 4× slower; and sled refuses to reopen a database with the other setting.
/// - default `segment_size` (512 KiB): sled stores it in the database and refuses another on
///   reopen; 8 MiB made the file no smaller.
/// - default `flush_every_ms` (500): every edit flushes itself before it is acknowledged, but
///   sled's periodic flusher is also its only segment cleaner: without it the file only grows.
/// - no `mode`: sled 0.34 never reads it.
pub(crate) fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new().path(path).cache_capacity(CACHE_BYTES)
}

/// Whether sled failed because the directory or its files cannot be written.
fn is_read_only_error(e: &sled::Error) -> bool {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    matches!(e, sled::Error::Io(io) if matches!(io.kind(), PermissionDenied | ReadOnlyFilesystem))
}

/// Database directories this process has open, so that a second open here is refused at once
/// instead of waiting for a release that will not come.
static HELD: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn held_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn held_here(path: &Path) -> bool {
    let key = held_key(path);
    HELD.lock().map(|h| h.contains(&key)).unwrap_or(false)
}

fn set_held(path: &Path, held: bool) {
    let key = held_key(path);
    if let Ok(mut h) = HELD.lock() {
        h.retain(|p| *p != key);
        if held {
            h.push(key);
        }
    }
}

/// Whether sled failed because another process holds the database's file lock.
fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// The pid recorded by the process that holds the database, if readable.
fn read_pid(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(PID_FILE)).ok()?.trim().parse().ok()
}

/// Refuses a database of a newer format; migrates an older one (see [`super::migrate`]) and
/// records the current format in a new one.
fn check_format(db: &sled::Db, meta: &sled::Tree, shown: &str) -> StoreResult<()> {
    let found = match meta.get(FORMAT_KEY).map_err(io)? {
        None => None,
        Some(v) => {
            let bytes: [u8; 4] = v.as_ref().try_into().map_err(|_| {
                StoreError::Corrupt(format!("format version: {} bytes instead of 4", v.len()))
            })?;
            Some(u32::from_be_bytes(bytes))
        }
    };
    match found {
        Some(found) if found > FORMAT => {
            Err(StoreError::TooNew { path: shown.to_string(), found, supported: FORMAT })
        }
        // A migration that stopped after raising the number left the old trees: drop them.
        Some(FORMAT) => super::migrate::finish(db),
        // Older, or no number yet (a new database: nothing to move).
        _ => super::migrate::run(db, meta),
    }
}

impl Store for SledStore {
    fn allocate_ids(&self, n: u64) -> StoreResult<u64> {
        self.edit(|tx| tx.take_ids(n))
    }

    fn put_customer(&self, c: Customer) -> StoreResult<Customer> {
        self.edit(|tx| {
            let mut c = c.clone();
            if c.id == 0 {
                c.id = tx.take_ids(1)?;
            } else {
                tx.reserve_through(c.id)?;
            }
            tx.put_customer(&c)
        })
    }

    fn add_purchase(&self, p: Purchase) -> StoreResult<Purchase> {
        self.edit(|tx| {
            let mut p = p.clone();
            if p.id == 0 {
                p.id = tx.take_ids(1)?;
            } else {
                tx.reserve_through(p.id)?;
            }
            tx.put_purchase(&p)?;
            Ok(p)
        })
    }

    fn add_interaction(&self, i: Interaction) -> StoreResult<Interaction> {
        self.edit(|tx| {
            let mut i = i.clone();
            if i.id == 0 {
                i.id = tx.take_ids(1)?;
            } else {
                tx.reserve_through(i.id)?;
            }
            tx.put_interaction(&i)?;
            Ok(i)
        })
    }

    /// One sled multi-tree transaction: sled seals all of its writes as one batch in its log,
    /// so recovery after a crash sees all of them or none. Measured (release build, 2 cores):
    /// 10,000 new customers and 100,000 purchases in about 1 s, so no staging scheme is needed.
    fn apply(&self, set: &ChangeSet) -> StoreResult<()> {
        self.edit(|tx| apply_in(tx, set))
    }

    fn merge(&self, survivor: Customer, loser: u64) -> StoreResult<History> {
        if survivor.id == loser {
            return Err(StoreError::MergeIntoSelf(loser));
        }
        let _writer = self.write_lock();
        let ties = self.ties(loser)?;
        let id = self.transact(|tx| tx.merge(&survivor, loser, &ties))?.id;
        self.history(id)?.ok_or(StoreError::NoSuchCustomer(id))
    }

    fn delete_customer(&self, id: u64, revision: u64) -> StoreResult<()> {
        let _writer = self.write_lock();
        let ties = self.ties(id)?;
        self.transact(|tx| tx.delete(id, revision, &ties))
    }

    fn customer(&self, id: u64) -> StoreResult<Option<Customer>> {
        scan::customer(&self.customers, id)
    }

    fn history(&self, id: u64) -> StoreResult<Option<History>> {
        scan::history(&self.customers, &self.purchases, &self.interactions, id)
    }

    fn id_by_ref(&self, reference: &str) -> StoreResult<Option<u64>> {
        match self.idx_ref.get(reference.as_bytes()).map_err(io)? {
            None => Ok(None),
            Some(v) => super::keys::parse_id(&v, "ref index").map(Some),
        }
    }

    fn ids_by_phone(&self, phone: &Phone) -> StoreResult<Vec<u64>> {
        let mut ids = Vec::new();
        for item in self.idx_phone.scan_prefix(super::keys::phone_prefix(phone)) {
            let (k, _) = item.map_err(io)?;
            ids.push(super::keys::id_at_end(&k, "phone index")?);
        }
        Ok(ids)
    }

    fn for_each_history(&self, f: &mut dyn FnMut(History)) -> StoreResult<()> {
        scan::histories_until(&self.customers, &self.purchases, &self.interactions, &mut |h| {
            f(h);
            std::ops::ControlFlow::Continue(())
        })
    }

    fn histories_until(&self, f: &mut dyn FnMut(History) -> std::ops::ControlFlow<()>) -> StoreResult<()> {
        scan::histories_until(&self.customers, &self.purchases, &self.interactions, f)
    }

    fn customers_until(&self, f: &mut dyn FnMut(Customer) -> std::ops::ControlFlow<()>) -> StoreResult<()> {
        scan::customers_until(&self.customers, f)
    }

    fn customer_count(&self) -> StoreResult<u64> {
        Ok(self.customers.len() as u64)
    }

    fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.settings.get(key.as_bytes()).map_err(io)?.map(|v| v.to_vec()))
    }

    fn set_setting(&self, key: &str, value: &[u8]) -> StoreResult<()> {
        // A single insert is already atomic in sled; no transaction needed for one key.
        self.settings.insert(key.as_bytes(), value).map_err(io)?;
        self.flush()
    }

    fn append_audit(&self, entry: &crate::store::AuditEntry) -> StoreResult<()> {
        super::audit::append(&self.audit, entry)?;
        self.flush()
    }

    fn audit_entries(&self, customer: Option<u64>) -> StoreResult<Vec<crate::store::AuditEntry>> {
        super::audit::entries(&self.audit, customer)
    }
}

/// Writes a change set inside one transaction: customers first, so that purchases and
/// interactions may refer to customers created by the same set. Records with id 0 get fresh ids.
fn apply_in(tx: &Tx, set: &ChangeSet) -> TxResult<()> {
    let chosen = set
        .customers
        .iter()
        .map(|c| c.id)
        .chain(set.purchases.iter().map(|p| p.id))
        .chain(set.interactions.iter().map(|i| i.id))
        .max()
        .unwrap_or(0);
    tx.reserve_through(chosen)?;
    let fresh = set.customers.iter().filter(|c| c.id == 0).count()
        + set.purchases.iter().filter(|p| p.id == 0).count()
        + set.interactions.iter().filter(|i| i.id == 0).count();
    let mut next = tx.take_ids(fresh as u64)?;
    let mut fresh_id = || {
        next += 1;
        next - 1
    };
    for c in &set.customers {
        if c.id == 0 {
            tx.put_customer(&Customer { id: fresh_id(), ..c.clone() })?;
        } else {
            tx.put_customer(c)?;
        }
    }
    let purchases: Vec<Purchase> = set
        .purchases
        .iter()
        .map(|p| Purchase { id: if p.id == 0 { fresh_id() } else { p.id }, ..p.clone() })
        .collect();
    let interactions: Vec<Interaction> = set
        .interactions
        .iter()
        .map(|i| Interaction { id: if i.id == 0 { fresh_id() } else { i.id }, ..i.clone() })
        .collect();
    // Each customer's records at once: one read and rewrite of their last chunk per set.
    for (owner, records) in chunks::by_owner(purchases) {
        tx.put_children(tx.purchases, owner, records)?;
    }
    for (owner, records) in chunks::by_owner(interactions) {
        tx.put_children(tx.interactions, owner, records)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "sled_store_tests.rs"]
mod tests;
