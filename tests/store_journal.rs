//! The journal beside sled (issue 13): every acknowledged change lives in two places, and an
//! open either finds both in agreement, brings sled forward, or refuses — never a clean open
//! with less data.
//!
//! sled's own recovery is simulated exactly: its files are copied while the database is
//! closed and put back later, as a rolled-back log leaves them, with the journal left as it is.

use chrono::{NaiveDate, Utc};
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{Change, SledStore, Store, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

/// Adds customer `n` with a purchase and an interaction.
fn add(store: &SledStore, n: u32) -> Customer {
    let mut c = Customer::new(&format!("客户{n}"), Utc::now()).unwrap();
    c.reference = Some(format!("M{n}"));
    c.phone = Some(Phone::parse(&format!("139{n:08}")).unwrap());
    let c = store.put_customer(c).unwrap();
    store.add_purchase(Purchase::new(c.id, day(), Money(100 * i64::from(n)), 1).unwrap()).unwrap();
    store.add_interaction(Interaction::new(c.id, day(), InteractionKind::Call, "hi").unwrap()).unwrap();
    c
}

/// Every (ref, purchase amounts) the store holds, to compare what is there.
fn contents(store: &SledStore) -> BTreeMap<String, Vec<i64>> {
    let mut out = BTreeMap::new();
    store
        .for_each_history(&mut |h| {
            let r = h.customer.reference.clone().unwrap_or_default();
            out.insert(r, h.purchases.iter().map(|p| p.amount.0).collect());
        })
        .unwrap();
    out
}

/// sled's files in `db` (not the journal, not kehu's lock).
fn sled_files(db: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n == "db" || n == "conf" || n == "blobs" || n.starts_with("snap.")
        })
        .collect()
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            copy(&p, &to.join(p.file_name().unwrap()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

/// A copy of sled's files as they are now (the store must be closed).
fn snapshot(db: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    for f in sled_files(db) {
        copy(&f, &into.join(f.file_name().unwrap()));
    }
}

/// Puts sled's files back as `snapshot` took them, leaving the journal: a rolled-back log.
fn roll_back(db: &Path, snapshot: &Path) {
    for f in sled_files(db) {
        if f.is_dir() {
            std::fs::remove_dir_all(&f).unwrap();
        } else {
            std::fs::remove_file(&f).unwrap();
        }
    }
    for e in std::fs::read_dir(snapshot).unwrap() {
        let p = e.unwrap().path();
        copy(&p, &db.join(p.file_name().unwrap()));
    }
}

/// Opens the store, waiting for sled to let go of a handle dropped a moment ago.
fn open(db: &Path) -> Result<SledStore, StoreError> {
    SledStore::open_existing(db)
}

#[test]
fn a_rolled_back_sled_is_brought_forward_by_the_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let snap = tmp.path().join("snap");
    {
        let s = SledStore::open(&db).unwrap();
        for n in 1..=5 {
            add(&s, n);
        }
    }
    snapshot(&db, &snap);
    let want = {
        let s = open(&db).unwrap();
        for n in 6..=12 {
            add(&s, n);
        }
        let mut c = s.customer(1).unwrap().unwrap();
        c.name = "renamed".into();
        s.put_customer(c).unwrap();
        contents(&s)
    };
    roll_back(&db, &snap);
    let s = open(&db).unwrap();
    // 7 customers × 3 changes and the rename.
    assert_eq!(s.report().recovered, 22, "{:?}", s.report());
    assert_eq!(contents(&s), want);
    assert_eq!(s.customer(1).unwrap().unwrap().name, "renamed");
    assert!(s.check().is_clean(), "{:?}", s.check());
    // The recovered database goes on as any other, and opens cleanly after.
    add(&s, 13);
    drop(s);
    let s = open(&db).unwrap();
    assert_eq!(s.report().recovered, 0);
    assert_eq!(contents(&s).len(), 13);
}

#[test]
fn a_rollback_past_the_journal_is_refused_and_salvage_rebuilds_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let snap = tmp.path().join("snap");
    let backups = kehu::store::backup_dir(&db);
    {
        let s = SledStore::open(&db).unwrap();
        for n in 1..=4 {
            add(&s, n);
        }
    }
    snapshot(&db, &snap);
    let want = {
        let s = open(&db).unwrap();
        for n in 5..=8 {
            add(&s, n);
        }
        // The daily backup cuts the journal back to it: the snapshot's changes are gone from it.
        kehu::store::daily_backup(&s, &backups, day(), 7, &|| false).unwrap().expect("written");
        for n in 9..=10 {
            add(&s, n);
        }
        contents(&s)
    };
    roll_back(&db, &snap);
    match open(&db) {
        Err(e @ StoreError::Lost { .. }) => {
            let text = e.to_string();
            assert!(text.contains("lost 18 acknowledged change(s)"), "{text}");
            assert!(text.contains("kehu salvage"), "{text}");
        }
        Err(other) => panic!("expected Lost, got {other}"),
        Ok(s) => panic!("opened with {} customers instead of refusing", contents(&s).len()),
    }
    // Refused again, not opened the second time either (nothing was written meanwhile).
    assert!(matches!(open(&db), Err(StoreError::Lost { .. })));
    let out = tmp.path().join("salvaged");
    let salvaged = kehu::store::salvage::salvage(&db, &out, None).unwrap();
    assert!(salvaged.complete(), "{:?}", salvaged.report());
    assert!(salvaged.report().iter().any(|l| l.contains("from the backup")), "{:?}", salvaged.report());
    let s = open(&out).unwrap();
    assert_eq!(contents(&s), want);
    assert!(s.check().is_clean(), "{:?}", s.check());
}

#[test]
fn a_journal_that_lost_its_end_is_continued_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let want = {
        let s = SledStore::open(&db).unwrap();
        for n in 1..=6 {
            add(&s, n);
        }
        contents(&s)
    };
    // Cut the last 100 bytes off the journal: its last entry is damaged, sled holds it.
    let seg = std::fs::read_dir(db.join("journal")).unwrap().map(|e| e.unwrap().path()).max().unwrap();
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&seg).unwrap().set_len(len - 100).unwrap();
    let s = open(&db).unwrap();
    assert!(s.report().notes.iter().any(|n| n.contains("the journal ended at change")), "{:?}", s.report());
    assert_eq!(contents(&s), want);
    assert!(s.check().is_clean(), "{:?}", s.check());
    add(&s, 7);
    drop(s);
    let s = open(&db).unwrap();
    assert!(s.report().notes.is_empty(), "{:?}", s.report());
    assert_eq!(contents(&s).len(), 7);
}

#[test]
fn an_append_cut_short_by_a_crash_is_dropped_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (want, position) = {
        let s = SledStore::open(&db).unwrap();
        add(&s, 1);
        (contents(&s), s.position())
    };
    let seg = std::fs::read_dir(db.join("journal")).unwrap().map(|e| e.unwrap().path()).max().unwrap();
    // The first bytes of an entry that never finished: the magic and part of its header.
    let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    std::io::Write::write_all(&mut f, b"KJE1\x09\x00\x00").unwrap();
    drop(f);
    let s = open(&db).unwrap();
    assert_eq!((s.report().recovered, s.position()), (0, position));
    assert_eq!(contents(&s), want);
    assert!(s.check().is_clean(), "{:?}", s.check());
}

#[test]
fn a_refused_change_leaves_nothing_in_the_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let s = SledStore::open(&tmp.path().join("db")).unwrap();
    let c = add(&s, 1);
    let before = s.position();
    let mut stale = c.clone();
    stale.revision = 0;
    assert!(matches!(s.put_customer(stale), Err(StoreError::Stale { .. })));
    let mut dup = Customer::new("other", Utc::now()).unwrap();
    dup.reference = Some("M1".into());
    assert!(matches!(s.put_customer(dup), Err(StoreError::DuplicateRef { .. })));
    assert!(matches!(
        s.add_purchase(Purchase::new(999, day(), Money(1), 1).unwrap()),
        Err(StoreError::NoSuchCustomer(999))
    ));
    assert_eq!(s.position(), before);
    assert!(s.check().is_clean(), "{:?}", s.check());
}

#[test]
fn changes_made_behind_kehus_back_are_found_by_check_and_refused_by_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    drop({
        let s = SledStore::open(&db).unwrap();
        add(&s, 1);
        add(&s, 2);
        s
    });
    // A hand edit of sled's files: one customer record removed without the journal.
    {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let raw = loop {
            match sled::open(&db) {
                Ok(raw) => break raw,
                Err(e) if std::time::Instant::now() > deadline => panic!("{e}"),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        let customers = raw.open_tree("customers").unwrap();
        let first = customers.iter().next().unwrap().unwrap().0;
        customers.remove(first).unwrap();
        raw.flush().unwrap();
    }
    let s = open(&db).unwrap();
    let report = s.check();
    assert!(report.problems.iter().any(|p| p.key == "content sum"), "the loss was not noticed: {report:?}");
    let file = tmp.path().join("b.kehubak");
    let err = kehu::store::backup_to(&s, &file, &|| false).unwrap_err();
    assert!(err.to_string().contains("do not add up"), "{err}");
    assert!(!file.exists() && !tmp.path().join("b.kehubak.tmp").exists());
}

#[test]
fn every_change_is_audited_in_its_own_transaction() {
    let tmp = tempfile::tempdir().unwrap();
    let s = SledStore::open(&tmp.path().join("db")).unwrap();
    let c = s.commit(Change::SaveCustomer(Customer::new("Li", Utc::now()).unwrap()), "alice").unwrap();
    let kehu::change::Applied::Customer(c) = c.applied else { panic!("not a customer") };
    let mut edited = c.clone();
    edited.city = "杭州".into();
    s.commit(Change::SaveCustomer(edited), "bob").unwrap();
    s.commit(Change::AddPurchase(Purchase::new(c.id, day(), Money(990), 1).unwrap()), "carol").unwrap();
    let log = s.audit_entries(Some(c.id)).unwrap();
    let seen: Vec<(&str, &str)> = log.iter().map(|e| (e.operator.as_str(), e.what.as_str())).collect();
    assert_eq!(seen, [("alice", "add customer"), ("bob", "edit customer"), ("carol", "purchase")]);
    assert_eq!(log[1].before, r#"{"city":""}"#);
    assert_eq!(log[1].after, r#"{"city":"杭州"}"#);
    assert!(log[2].after.contains("\"amount\":\"9.90\""), "{}", log[2].after);
    // A refused change is not audited.
    let mut stale = c.clone();
    stale.revision = 0;
    assert!(s.commit(Change::SaveCustomer(stale), "mallory").is_err());
    assert_eq!(s.audit_entries(Some(c.id)).unwrap().len(), 3);
}
