use super::*;
use crate::domain::{History, InteractionKind};
use crate::store::envelope::raw_payload;
use crate::store::keys::child_key;
use crate::store::open::sled_config;
use crate::store::test_support::{day, new_customer, new_purchase};
use crate::store::{SledStore, Store};
use std::path::Path;

/// Opens the raw sled database, waiting for a just-dropped handle to let go of its lock.
fn raw(path: &Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled_config(path).open() {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() > deadline => panic!("cannot reopen: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

/// The layouts formats 2 and 3 wrote a record in.
trait Old {
    /// Version 3: the compact layout, ids in the key.
    fn v3(&self) -> Vec<u8>;
    /// Version 2: the serde layout of the domain type then.
    fn v2(&self) -> Vec<u8>;
}

impl Old for Purchase {
    fn v3(&self) -> Vec<u8> {
        raw_payload(&crate::store::wire::PurchaseV3::from_domain(self))
    }
    fn v2(&self) -> Vec<u8> {
        raw_payload(&crate::store::legacy::PurchaseV2::of(self))
    }
}

impl Old for Interaction {
    fn v3(&self) -> Vec<u8> {
        raw_payload(&crate::store::wire::InteractionV3::from_domain(self))
    }
    fn v2(&self) -> Vec<u8> {
        raw_payload(&crate::store::legacy::InteractionV2::of(self))
    }
}

/// A record in the envelope that a format `format` kehu wrote: version 3 (ids in the key) or
/// version 2 (the serde layout of the domain type).
fn old_bytes<T: Old>(r: &T, _id: u64, format: u32) -> Vec<u8> {
    let (version, payload) = if format == 3 { (3u8, r.v3()) } else { (2u8, r.v2()) };
    let mut b = vec![version];
    b.extend(crc32fast::hash(&payload).to_le_bytes());
    b.extend(payload);
    b
}

/// Writes a database as a format 2 or 3 kehu left it: customers (through the store), then one
/// entry per purchase and interaction in the old trees, and the old format number. Customer k
/// has a number of purchases around the chunk size. Returns every history it holds.
fn old_db(path: &Path, format: u32) -> Vec<History> {
    let customers: Vec<_> = {
        let s = SledStore::open(path).unwrap();
        (0..8)
            .map(|n| s.put_customer(new_customer(&format!("C{n}"), Some(&format!("M{n}")), None)).unwrap())
            .collect()
    };
    let db = raw(path);
    let (purchases, interactions) =
        (db.open_tree("purchases").unwrap(), db.open_tree("interactions").unwrap());
    let mut next = 1_000u64;
    let mut out = Vec::new();
    for (k, c) in customers.iter().enumerate() {
        let count = [0, 1, 63, 64, 65, 130, 3, 14][k];
        let mut h = History {
            customer: c.clone(),
            purchases: Vec::new(),
            interactions: Vec::new(),
            ledger: Vec::new(),
        };
        for j in 0..count {
            next += 1;
            let p =
                Purchase { id: next, ..new_purchase(c.id, day(1 + (j % 12) as u32, 1 + k as u32), j as i64) };
            purchases.insert(child_key(c.id, p.id), old_bytes(&p, p.id, format)).unwrap();
            h.purchases.push(p);
        }
        for j in 0..k % 3 {
            next += 1;
            let mut i = Interaction::new(c.id, day(2, 1 + j as u32), InteractionKind::Call, "hello").unwrap();
            i.id = next;
            interactions.insert(child_key(c.id, i.id), old_bytes(&i, i.id, format)).unwrap();
            h.interactions.push(i);
        }
        h.purchases.sort_by_key(|p| (p.date, p.id));
        out.push(h);
    }
    let meta = db.open_tree("meta").unwrap();
    meta.insert(FORMAT_KEY, &format.to_be_bytes()).unwrap();
    meta.insert(b"next_id", &(next + 1).to_be_bytes()).unwrap();
    // Kehu before format 5 kept no journal and no sum, and had no audit tree in the
    // transaction: take away what the store above wrote of them.
    meta.remove(crate::store::sum::SEQ_KEY).unwrap();
    meta.remove(crate::store::sum::SUM_KEY).unwrap();
    db.drop_tree("audit").unwrap();
    std::fs::remove_dir_all(crate::store::journal::dir_of(path)).unwrap();
    db.drop_tree(PURCHASE_CHUNKS).unwrap();
    db.drop_tree(INTERACTION_CHUNKS).unwrap();
    db.flush().unwrap();
    out
}

/// Opens a migrated database and checks that it is format 4, clean, without the old trees, and
/// holds exactly `expected`.
fn verify(path: &Path, expected: &[History]) {
    let s = SledStore::open(path).unwrap();
    assert!(s.check().is_clean(), "{:?}", s.check());
    let mut all = Vec::new();
    s.for_each_history(&mut |h| all.push(h)).unwrap();
    assert_eq!(all, expected);
    for h in expected {
        assert_eq!(s.history(h.customer.id).unwrap().as_ref(), Some(h));
    }
    let names: Vec<String> =
        s.raw().tree_names().iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    assert!(!names.iter().any(|n| OLD_TREES.contains(&n.as_str())), "{names:?}");
    let format = s.raw().open_tree("meta").unwrap().get(FORMAT_KEY).unwrap().unwrap();
    assert_eq!(format.as_ref(), FORMAT.to_be_bytes());
}

#[test]
fn format_2_and_3_databases_move_to_chunks_record_for_record() {
    for format in [2, 3] {
        let dir = tempfile::tempdir().unwrap();
        let expected = old_db(dir.path(), format);
        verify(dir.path(), &expected);
        // The moved database takes new records like any other.
        let s = SledStore::open(dir.path()).unwrap();
        let p = s.add_purchase(new_purchase(expected[3].customer.id, day(12, 31), 5)).unwrap();
        assert!(p.id > 1_000 + 280);
        assert_eq!(s.history(expected[3].customer.id).unwrap().unwrap().purchases.len(), 65);
    }
}

#[test]
fn a_migration_stopped_at_any_step_opens_and_finishes_next_time() {
    let mut stopped = 0;
    for step in 0.. {
        let dir = tempfile::tempdir().unwrap();
        let format = 2 + step as u32 % 2;
        let expected = old_db(dir.path(), format);
        let db = raw(dir.path());
        let meta = db.open_tree("meta").unwrap();
        STEPS_LEFT.with(|s| s.set(Some(step)));
        let outcome = run_with(&db, &meta, 2);
        STEPS_LEFT.with(|s| s.set(None));
        drop((meta, db));
        verify(dir.path(), &expected);
        match outcome {
            Err(_) => stopped += 1,
            Ok(()) => break,
        }
        assert!(step < 100, "the migration never finishes");
    }
    // Between every batch, before and after the format is raised.
    assert!(stopped > 5, "{stopped}");
}

#[test]
fn a_damaged_old_record_stops_the_migration_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let expected = old_db(dir.path(), 3);
    let victim = expected[5].purchases[7].clone();
    {
        let db = raw(dir.path());
        let t = db.open_tree("purchases").unwrap();
        let key = child_key(victim.customer, victim.id);
        let mut v = t.get(key).unwrap().unwrap().to_vec();
        v[6] ^= 0x10;
        t.insert(key, v).unwrap();
        db.flush().unwrap();
    }
    let err = SledStore::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains(&format!("purchase #{}: checksum mismatch", victim.id)), "{err}");
    let db = raw(dir.path());
    let format = db.open_tree("meta").unwrap().get(FORMAT_KEY).unwrap().unwrap();
    assert_eq!(format.as_ref(), 3u32.to_be_bytes());
    let old: usize = expected.iter().map(|h| h.purchases.len()).sum();
    assert_eq!(db.open_tree("purchases").unwrap().len(), old);
}
