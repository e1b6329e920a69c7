//! Databases written by earlier builds keep opening; a database from a newer kehu is refused.
//!
//! `tests/fixtures/db-vN/shop.kehubak` is a `kehu backup` of a format-N database (sled's own
//! files are preallocated and too large to commit). `cargo test --test upgrade -- --ignored
//! write_fixture` writes the fixture of the current format; run it only when adding a format,
//! and never change a committed one.

mod common;

use chrono::{DateTime, NaiveDate};
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store, restore_from};
use std::path::PathBuf;

fn fixture(format: u32) -> PathBuf {
    PathBuf::from(format!("{}/tests/fixtures/db-v{format}/shop.kehubak", env!("CARGO_MANIFEST_DIR")))
}

fn known_customer() -> Customer {
    let mut c = Customer::new("王小明", DateTime::from_timestamp(1_700_000_000, 0).unwrap()).unwrap();
    c.reference = Some("M001".into());
    c.phone = Some(Phone::parse("13800138000").unwrap());
    c.notes = "likes green tea".into();
    c.points_redeemed = 120;
    c.custom.insert("shoe size".into(), "42".into());
    c
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 15).unwrap()
}

#[test]
#[ignore = "writes the committed fixture"]
fn write_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let c = store.put_customer(known_customer()).unwrap();
    // Format 6: a member account, topped up and paid from.
    let t =
        kehu::ledger::till::top_up(c.id, Default::default(), Money::units(500), day(), &Default::default())
            .unwrap();
    store.commit(kehu::ledger::till::keyed("fixture-1", t.entries), "fixture").unwrap();
    let mut p = Purchase::new(c.id, day(), Money(12_345), 2).unwrap();
    p.payment = kehu::domain::Payment::StoredValue;
    p.points = 123;
    // Format 7: the branch each record was made at.
    p.branch = "东门店".into();
    store.add_purchase(p).unwrap();
    let mut call = Interaction::new(c.id, day(), InteractionKind::Call, "asked about tea").unwrap();
    call.branch = "西门店".into();
    store.add_interaction(call).unwrap();
    let path = fixture(kehu::store::FORMAT);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    kehu::store::backup_to(&store, &path, &|| false).unwrap();
}

/// Opens the fixture of `format` (restored into `dir`) and checks everything it holds.
fn open_fixture(format: u32, dir: &std::path::Path) -> SledStore {
    let db = dir.join("db");
    restore_from(&fixture(format), &db).unwrap();
    let store = SledStore::open(&db).unwrap();
    assert!(store.check().is_clean(), "{:?}", store.check());
    let h = store.history(1).unwrap().expect("customer #1");
    let want = known_customer();
    assert_eq!((h.customer.name.as_str(), h.customer.reference.as_deref()), ("王小明", Some("M001")));
    assert_eq!((h.customer.notes.as_str(), h.customer.points_redeemed), (want.notes.as_str(), 120));
    assert_eq!(h.customer.custom, want.custom);
    assert_eq!((h.purchases.len(), h.purchases[0].amount, h.purchases[0].quantity), (1, Money(12_345), 2));
    assert_eq!(h.interactions[0].text, "asked about tea");
    assert_eq!(store.id_by_ref("M001").unwrap(), Some(1));
    assert_eq!(store.ids_by_phone(&Phone::parse("13800138000").unwrap()).unwrap(), vec![1]);
    store
}

#[test]
fn the_format_2_fixture_still_loads() {
    open_fixture(2, tempfile::tempdir().unwrap().path());
}

#[test]
fn the_format_3_fixture_loads() {
    open_fixture(3, tempfile::tempdir().unwrap().path());
}

#[test]
fn the_format_4_fixture_loads() {
    open_fixture(4, tempfile::tempdir().unwrap().path());
}

/// Format 5 (the journal): a backup of version 2 carries the journal position and the content
/// sum; the restored database starts its journal there, raises its format (6, the member
/// ledger) as the journal's first change, and takes new changes on it.
#[test]
fn the_format_5_fixture_loads_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let header = kehu::store::verify_backup(&fixture(5)).unwrap();
    assert!(header.seq > 0 && header.sum != 0, "{header:?}");
    let store = open_fixture(5, dir.path());
    assert_eq!(store.position().0, header.seq + 1);
    store.add_purchase(Purchase::new(1, day(), Money(500), 1).unwrap()).unwrap();
    assert_eq!(store.position().0, header.seq + 2);
    // The audit log came with the backup.
    assert!(store.audit_entries(Some(1)).unwrap().len() >= 3);
}

/// Format 6 (the member ledger): the top-up with its bonus and the purchase paid from it are
/// there, and the key still refuses to top up twice.
#[test]
fn the_format_6_fixture_keeps_the_member_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_fixture(6, dir.path());
    let h = store.history(1).unwrap().unwrap();
    assert_eq!(h.balances(), kehu::domain::Balances { points: 123, stored: Money(55_000 - 12_345) });
    assert_eq!(h.purchases[0].payment, kehu::domain::Payment::StoredValue);
    let t =
        kehu::ledger::till::top_up(1, h.balances(), Money::units(500), day(), &Default::default()).unwrap();
    let again = store.commit(kehu::ledger::till::keyed("fixture-1", t.entries), "x").unwrap();
    assert!(matches!(again.applied, kehu::change::Applied::Replayed(_)));
    assert!(!store.ledger_pending().unwrap());
}

/// Format 7 (branches): each record keeps the branch it was made at, and the points the sale
/// earned are its branch's; the format 6 fixture's records read as no branch.
#[test]
fn the_format_7_fixture_keeps_branches() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_fixture(7, dir.path());
    let h = store.history(1).unwrap().unwrap();
    assert_eq!((h.purchases[0].branch.as_str(), h.interactions[0].branch.as_str()), ("东门店", "西门店"));
    let earned = h.ledger.iter().find(|e| e.purchase == Some(h.purchases[0].id)).expect("the sale's points");
    assert_eq!(earned.branch, "东门店");
    let dir = tempfile::tempdir().unwrap();
    let old = open_fixture(6, dir.path());
    let h = old.history(1).unwrap().unwrap();
    assert!(h.purchases.iter().all(|p| p.branch.is_empty()) && h.ledger.iter().all(|e| e.branch.is_empty()));
    assert!(!old.ledger_pending().unwrap(), "raising 6 to 7 does not open the ledger again");
}

/// A database from before the ledger opens with its points ledger still to open; the first
/// command (which has the rules) opens it with the points the console showed: all-time spend ×
/// rate − redeemed (123.45 × 1 − 120 = 3), once.
#[test]
fn a_format_5_database_opens_its_points_ledger_with_the_points_it_showed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    {
        let store = open_fixture(5, dir.path());
        assert!(store.ledger_pending().unwrap());
        let h = store.history(1).unwrap().unwrap();
        assert!(h.ledger.is_empty());
        assert_eq!((h.purchases[0].payment, h.purchases[0].points), (kehu::domain::Payment::Unknown, 0));
    }
    let o = common::kehu_at(&db, "2024-06-01", &["ledger", "M001"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("points ledger is open"), "{}", common::stderr(&o));
    let out = common::stdout(&o);
    assert!(out.contains("3 points") && out.contains("opening"), "{out}");
    let o = common::kehu_at(&db, "2024-06-01", &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stdout(&o));
    let store = SledStore::open(&db).unwrap();
    assert!(!store.ledger_pending().unwrap());
    assert_eq!(store.history(1).unwrap().unwrap().balances().points, 3);
}

/// Every format this kehu reads has its fixture: a new format must add one.
#[test]
fn every_format_has_a_fixture() {
    for format in 2..=kehu::store::FORMAT {
        assert!(fixture(format).exists(), "no fixture for format {format}: run write_fixture");
    }
}

/// A format 2 database is moved to chunks when opened (old trees gone, every record kept), and
/// an edited customer and a new purchase are stored beside the moved ones.
#[test]
fn a_format_2_database_moves_to_chunks_and_takes_new_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_fixture(2, dir.path());
    let mut c = store.customer(1).unwrap().unwrap();
    c.notes = "now likes oolong".into();
    store.put_customer(c).unwrap();
    store.add_purchase(Purchase::new(1, day(), Money(500), 1).unwrap()).unwrap();
    drop(store);
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    assert!(store.check().is_clean(), "{:?}", store.check());
    let h = store.history(1).unwrap().unwrap();
    assert_eq!((h.customer.notes.as_str(), h.customer.points_redeemed), ("now likes oolong", 120));
    let amounts: Vec<Money> = h.purchases.iter().map(|p| p.amount).collect();
    assert_eq!(amounts, [Money(12_345), Money(500)]);
    assert!(h.purchases.iter().all(|p| p.customer == 1) && h.purchases[0].id < h.purchases[1].id);
    drop(store);
    let raw = open_raw(&dir.path().join("db"));
    let format = raw.open_tree("meta").unwrap().get(b"format").unwrap().unwrap();
    assert_eq!(format.as_ref(), kehu::store::FORMAT.to_be_bytes(), "opening raised the format");
    let names: Vec<Vec<u8>> = raw.tree_names().iter().map(|n| n.to_vec()).collect();
    assert!(!names.contains(&b"purchases".to_vec()) && !names.contains(&b"interactions".to_vec()));
    // Both purchases in one chunk (the current envelope version 7, rewritten with the new
    // purchase) of customer #1.
    let chunks: Vec<(Vec<u8>, u8)> = raw
        .open_tree("purchase_chunks")
        .unwrap()
        .iter()
        .map(|kv| kv.unwrap())
        .map(|(k, v)| (k.to_vec(), v[0]))
        .collect();
    assert_eq!(chunks, [([&1u64.to_be_bytes()[..], &0u32.to_be_bytes()].concat(), 7)]);
}

/// The raw sled database, once the store that had it open has let go of its lock.
fn open_raw(db: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled::open(db) {
            Ok(raw) => return raw,
            Err(e) if std::time::Instant::now() > deadline => panic!("cannot reopen: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

#[test]
fn a_database_from_a_newer_kehu_is_refused_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(SledStore::open(&db).unwrap());
    {
        // sled lets go of its lock a moment after the store is dropped.
        let raw = open_raw(&db);
        raw.open_tree("meta").unwrap().insert(b"format", &(kehu::store::FORMAT + 1).to_be_bytes()).unwrap();
        raw.flush().unwrap();
    }
    let o = common::kehu_at(&db, "2024-06-01", &["check"]);
    let out = common::stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.starts_with("refused: the database at") && out.contains("newer kehu"), "{out}");
    // Refused means untouched: the format stays what the newer kehu wrote.
    let raw = open_raw(&db);
    let v = raw.open_tree("meta").unwrap().get(b"format").unwrap().unwrap();
    assert_eq!(v.as_ref(), (kehu::store::FORMAT + 1).to_be_bytes());
}

/// A customer stored before consent, children and stated traits comes back with nothing said,
/// and once those are recorded they survive reopening (the customer now in envelope version 6)
/// beside the older records, and `check` finds nothing wrong.
#[test]
fn an_old_customer_takes_consent_a_child_and_stated_traits() {
    use kehu::domain::{Consent, ConsentSource, ContactChannel, Education, Income};
    for format in 2..=5 {
        let dir = tempfile::tempdir().unwrap();
        let store = open_fixture(format, dir.path());
        let mut c = store.customer(1).unwrap().unwrap();
        assert_eq!(c.consent(ContactChannel::Sms).answer, Consent::Unknown);
        assert_eq!((c.child_birthday, c.income, c.education), (None, Income::Unknown, Education::Unknown));
        c.set_consent(ContactChannel::Sms, Consent::Yes, day(), ConsentSource::Till);
        c.set_consent(ContactChannel::Email, Consent::No, day(), ConsentSource::Form);
        c.set_child_birthday("2023-09-01", day()).unwrap();
        c.income = Income::From10kTo20k;
        c.education = Education::College;
        c.set_occupation("教师").unwrap();
        let saved = store.put_customer(c).unwrap();
        drop(store);
        let store = SledStore::open(&dir.path().join("db")).unwrap();
        assert!(store.check().is_clean(), "format {format}: {:?}", store.check());
        let back = store.customer(1).unwrap().unwrap();
        assert_eq!(back, saved, "format {format}");
        assert!(back.reachable_by(ContactChannel::Sms) && !back.reachable_by(ContactChannel::Email));
        assert_eq!(back.consent_sms.on, Some(day()));
        assert_eq!((back.notes.as_str(), back.points_redeemed), ("likes green tea", 120));
    }
}
