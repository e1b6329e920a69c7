//! `kehu check`: clean databases pass, and each kind of damage is reported with its key.

mod common;

use chrono::{NaiveDate, Utc};
use common::{Scratch, stdout};
use kehu::domain::{Customer, Money, Phone, Purchase};
use kehu::store::{SledStore, Store};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

/// A small database: three customers with refs and phones, a purchase each.
fn small_db(s: &Scratch) {
    let store = SledStore::open(&s.db()).unwrap();
    for n in 1..=3 {
        let mut c = Customer::new(&format!("C{n}"), Utc::now()).unwrap();
        c.reference = Some(format!("M{n}"));
        c.phone = Some(Phone::parse(&format!("1380000000{n}")).unwrap());
        let c = store.put_customer(c).unwrap();
        store.add_purchase(Purchase::new(c.id, day(), Money(100 * n), 1).unwrap()).unwrap();
    }
}

/// Changes the raw sled trees of a closed database.
fn tamper(s: &Scratch, f: impl FnOnce(&sled::Db)) {
    // sled lets go of its file lock from a background thread after the store is dropped.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let db = loop {
        match sled::open(s.db()) {
            Ok(db) => break db,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("cannot reopen the closed database: {e}"),
        }
    };
    f(&db);
    db.flush().unwrap();
}

fn check(s: &Scratch) -> (i32, String) {
    let o = s.kehu("2024-06-01", &["check"]);
    (o.status.code().unwrap_or(-1), stdout(&o))
}

#[test]
fn a_clean_database_passes_with_counts() {
    let s = Scratch::new();
    small_db(&s);
    let (code, out) = check(&s);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("customers              3"), "{out}");
    assert!(out.contains("purchases              3\n  in chunks            3\n"), "{out}");
    assert!(out.ends_with("clean\n"), "{out}");
    assert!(SledStore::open(&s.db()).unwrap().check().is_clean());
}

#[test]
fn a_damaged_record_is_named() {
    let s = Scratch::new();
    small_db(&s);
    tamper(&s, |db| {
        let t = db.open_tree("customers").unwrap();
        let mut v = t.get(1u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x40;
        t.insert(1u64.to_be_bytes(), v).unwrap();
    });
    let (code, out) = check(&s);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("problem: customers #1: customer #1: checksum mismatch"), "{out}");
}

#[test]
fn a_damaged_chunk_names_its_customer() {
    let s = Scratch::new();
    small_db(&s);
    tamper(&s, |db| {
        let t = db.open_tree("purchase_chunks").unwrap();
        // Customer #3 (ids are shared: #1, its purchase #2, #3…).
        let key = [&3u64.to_be_bytes()[..], &0u32.to_be_bytes()].concat();
        let mut v = t.get(&key).unwrap().unwrap().to_vec();
        v[5] ^= 0x01;
        t.insert(key, v).unwrap();
    });
    let (code, out) = check(&s);
    assert_eq!(code, 1, "{out}");
    let want = "problem: purchases #3 chunk 0: purchases of customer #3 (chunk 0): checksum mismatch";
    assert!(out.contains(want), "{out}");
}

#[test]
fn orphans_indexes_and_counter_are_checked() {
    let s = Scratch::new();
    small_db(&s);
    tamper(&s, |db| {
        // Customer #1 goes, leaving its purchase, ref and phone entries behind.
        db.open_tree("customers").unwrap().remove(1u64.to_be_bytes()).unwrap();
        // Customer #3 loses its ref entry; the counter falls behind.
        db.open_tree("idx_ref").unwrap().remove(b"M3").unwrap();
        db.open_tree("meta").unwrap().insert(b"next_id", &2u64.to_be_bytes()).unwrap();
    });
    let (code, out) = check(&s);
    assert_eq!(code, 1, "{out}");
    for want in [
        "problem: purchases #1 chunk 0: customer #1 does not exist",
        "problem: idx_ref \"M1\": points to customer #1, who does not exist",
        "problem: idx_phone",
        "problem: idx_ref \"M3\": missing entry for customer #5",
        "problem: meta \"next_id\": id counter 2 is not above the largest id 6",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn no_database_is_refused_not_created() {
    let s = Scratch::new();
    let (code, out) = check(&s);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("refused: no kehu database at"), "{out}");
    assert!(!s.db().exists());
}
