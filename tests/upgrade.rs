//! Databases written by earlier builds keep opening; a database from a newer kehu is refused.
//!
//! `tests/fixtures/db-v2/shop.kehubak` is a `kehu backup` of a format-2 database (sled's own
//! files are preallocated and too large to commit); regenerate it only when adding a new format
//! fixture, with `cargo test --test upgrade -- --ignored write_fixture`.

mod common;

use chrono::{DateTime, NaiveDate};
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store, restore_from};
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/db-v2/shop.kehubak"))
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
    store.add_purchase(Purchase::new(c.id, day(), Money(12_345), 2).unwrap()).unwrap();
    store
        .add_interaction(Interaction::new(c.id, day(), InteractionKind::Call, "asked about tea").unwrap())
        .unwrap();
    kehu::store::backup_to(&store, &fixture()).unwrap();
}

#[test]
fn the_format_2_fixture_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    restore_from(&fixture(), &db).unwrap();
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
}

#[test]
fn a_database_from_a_newer_kehu_is_refused_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(SledStore::open(&db).unwrap());
    {
        let raw = sled::open(&db).unwrap();
        raw.open_tree("meta").unwrap().insert(b"format", &(kehu::store::FORMAT + 1).to_be_bytes()).unwrap();
        raw.flush().unwrap();
    }
    let o = common::kehu_at(&db, "2024-06-01", &["check"]);
    let out = common::stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.starts_with("refused: the database at") && out.contains("newer kehu"), "{out}");
    // Refused means untouched: the format stays what the newer kehu wrote.
    let raw = sled::open(&db).unwrap();
    let v = raw.open_tree("meta").unwrap().get(b"format").unwrap().unwrap();
    assert_eq!(v.as_ref(), (kehu::store::FORMAT + 1).to_be_bytes());
}
