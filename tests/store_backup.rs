//! `kehu backup` and `kehu restore`: a round trip gives back every record; a damaged backup is
//! refused and writes nothing.

mod common;

use chrono::{NaiveDate, Utc};
use common::{Scratch, kehu_at, stdout};
use kehu::domain::{Customer, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store};
use std::collections::BTreeMap;
use std::path::Path;

const TODAY: &str = "2024-06-01";

fn shop(db: &Path) {
    let store = SledStore::open(db).unwrap();
    let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    for n in 1..=40 {
        let mut c = Customer::new(&format!("客户{n}"), Utc::now()).unwrap();
        c.reference = Some(format!("M{n}"));
        c.phone = Some(Phone::parse(&format!("138{n:08}")).unwrap());
        let c = store.put_customer(c).unwrap();
        store.add_purchase(Purchase::new(c.id, day, Money(100 * n), 2).unwrap()).unwrap();
        store.add_interaction(Interaction::new(c.id, day, InteractionKind::Call, "hi").unwrap()).unwrap();
    }
    store.set_setting("segments", b"gold").unwrap();
}

/// One tree's entries, raw.
type Tree = Vec<(Vec<u8>, Vec<u8>)>;

/// Every tree of a closed database, raw.
fn dump(db: &Path) -> BTreeMap<Vec<u8>, Tree> {
    // sled lets go of its lock a moment after the store that had it is dropped.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let db = loop {
        match sled::open(db) {
            Ok(db) => break db,
            Err(e) if std::time::Instant::now() > deadline => panic!("cannot reopen {}: {e}", db.display()),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    db.tree_names()
        .into_iter()
        .map(|name| {
            let t = db.open_tree(&name).unwrap();
            (name.to_vec(), t.iter().map(|kv| kv.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect())
        })
        .collect()
}

#[test]
fn backup_then_restore_gives_back_every_record() {
    let s = Scratch::new();
    shop(&s.db());
    let file = s.dir.path().join("shop.kehubak");
    let out = common::ok(s.kehu(TODAY, &["backup", file.to_str().unwrap()]));
    // Trees of records, indexes and settings, and the audit log: 40 customers × 5
    // entries, a setting, 4 meta keys (format, next id, journal position, content sum) and
    // 121 audit entries (3 per customer and the setting); thirteen trees with campaigns and the
    // member ledger's two, empty here (the purchases earned no points).
    assert!(out.starts_with("backed up 326 entries of 13 trees"), "{out}");
    let restored = s.dir.path().join("restored");
    let out = common::ok(kehu_at(&restored, TODAY, &["restore", file.to_str().unwrap()]));
    assert!(out.starts_with("restored 326 entries"), "{out}");
    assert!(common::ok(kehu_at(&restored, TODAY, &["check"])).ends_with("clean\n"));
    let (before, after) = (dump(&s.db()), dump(&restored));
    for name in [
        "customers",
        "purchase_chunks",
        "interaction_chunks",
        "idx_ref",
        "idx_phone",
        "settings",
        "meta",
        "audit",
    ] {
        assert_eq!(before[name.as_bytes()], after[name.as_bytes()], "tree {name}");
        assert!(!after[name.as_bytes()].is_empty() || name == "settings", "{name}");
    }
    // A restored database is an ordinary one.
    let store = SledStore::open(&restored).unwrap();
    assert_eq!(store.history(1).unwrap().unwrap().purchases.len(), 1);
}

#[test]
fn a_non_empty_target_is_refused() {
    let s = Scratch::new();
    shop(&s.db());
    let file = s.dir.path().join("b");
    common::ok(s.kehu(TODAY, &["backup", file.to_str().unwrap()]));
    let o = s.kehu(TODAY, &["restore", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("is not empty; restore only into a new directory"), "{}", stdout(&o));
}

#[test]
fn damaged_backups_are_refused_and_write_nothing() {
    let s = Scratch::new();
    shop(&s.db());
    let file = s.dir.path().join("b");
    common::ok(s.kehu(TODAY, &["backup", file.to_str().unwrap()]));
    let good = std::fs::read(&file).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for k in 0..24u64 {
        // Spread over the whole file, header and tail included, deterministic per case.
        let at = (k as usize * 7919 + k as usize * k as usize * 31) % good.len();
        let mut flipped = good.clone();
        flipped[at] ^= 1 << (k % 8);
        cases.push((format!("bit {} of byte {at}", k % 8), flipped));
        cases.push((format!("truncated at {at}"), good[..at].to_vec()));
    }
    cases.push(("one byte appended".into(), [good.clone(), vec![0]].concat()));
    for (what, bytes) in cases {
        let bad = s.dir.path().join("bad");
        std::fs::write(&bad, bytes).unwrap();
        let target = s.dir.path().join("target");
        let o = kehu_at(&target, TODAY, &["restore", bad.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {out}");
        assert!(out.starts_with("refused: "), "{what}: {out}");
        assert!(out.contains("nothing was written"), "{what}: {out}");
        // The file is what is wrong, not the database (there is none yet).
        assert!(out.contains("the backup file") && !out.contains("database is damaged"), "{what}: {out}");
        assert!(!target.exists(), "{what}: the target was created");
    }
}
