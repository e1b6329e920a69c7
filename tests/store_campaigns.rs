//! Campaigns in the store: their own tree, carried by backups, restores, the journal and
//! salvage, and read by `check`.

use chrono::NaiveDate;
use kehu::campaign::export::{Spec, make};
use kehu::domain::{Campaign, ContactChannel};
use kehu::store::{SledStore, Store};
use std::path::Path;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

/// A demo shop of 120 customers and one SMS campaign to all of them.
fn shop(db: &Path) -> Campaign {
    let store = SledStore::open(db).unwrap();
    kehu::demo::fill_store(&store, 120, 5, day(), "demo").unwrap();
    let ids: Vec<u64> = {
        let mut ids = Vec::new();
        store.for_each_history(&mut |h| ids.push(h.customer.id)).unwrap();
        ids
    };
    let spec = Spec {
        name: "summer".into(),
        channel: ContactChannel::Sms,
        segment: String::new(),
        filter: String::new(),
        control_percent: 10,
        seed: Some(7),
        today: day(),
    };
    make(&store, &spec, &ids, "ann").unwrap().campaign
}

/// Opens `db` once the store that held it has let go.
fn open(db: &Path) -> SledStore {
    for _ in 0..500 {
        if let Ok(s) = SledStore::open(db) {
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    SledStore::open(db).unwrap()
}

#[test]
fn a_campaign_survives_backup_restore_and_salvage_and_check_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let made = shop(&db);
    assert!(!made.contacted.is_empty() && !made.control.is_empty());
    let store = open(&db);
    assert_eq!(store.campaigns().unwrap(), vec![made.clone()]);
    let report = store.check();
    assert!(report.is_clean(), "{report:?}");
    assert!(report.counts.iter().any(|(name, n)| name == "campaigns" && *n == 1), "{:?}", report.counts);
    let file = tmp.path().join("b.kehubak");
    kehu::store::backup_to(&store, &file, &|| false).unwrap();
    drop(store);

    let restored = tmp.path().join("restored");
    kehu::store::restore_from(&file, &restored).unwrap();
    assert_eq!(open(&restored).campaign("summer").unwrap(), Some(made.clone()));

    let salvaged = tmp.path().join("salvaged");
    let s = kehu::store::salvage::salvage(&db, &salvaged, Some(&file)).unwrap();
    assert!(s.complete(), "{:?}", s.report());
    assert_eq!(open(&salvaged).campaign("summer").unwrap(), Some(made.clone()));

    // Without a journal or a backup, salvage keeps every record that still reads: the
    // campaign among them.
    std::fs::remove_dir_all(db.join("journal")).unwrap();
    let from_records = tmp.path().join("from-records");
    let s = kehu::store::salvage::salvage(&db, &from_records, None).unwrap();
    assert!(s.report().iter().any(|l| l.contains("campaigns")), "{:?}", s.report());
    assert_eq!(open(&from_records).campaign("summer").unwrap(), Some(made));
}

#[test]
fn a_damaged_campaign_is_named_by_check() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    shop(&db);
    {
        let raw = loop {
            match sled::open(&db) {
                Ok(raw) => break raw,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        let t = raw.open_tree("campaigns").unwrap();
        let mut v = t.get("summer").unwrap().unwrap().to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x55;
        t.insert("summer", v).unwrap();
        raw.flush().unwrap();
    }
    let report = open(&db).check();
    assert!(
        report.problems.iter().any(|p| p.tree == "campaigns" && p.what.contains("checksum")),
        "{:?}",
        report.problems
    );
}
