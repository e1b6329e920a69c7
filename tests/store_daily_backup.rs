//! The console's daily backup: one a day, the newest kept, and each one restores.

use chrono::NaiveDate;
use kehu::domain::Customer;
use kehu::store::{SledStore, Store, backup_dir, daily_backup, restore_from};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

#[test]
fn one_backup_a_day_the_newest_kept_and_each_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("shop");
    let dir = backup_dir(&db);
    assert_eq!(dir, tmp.path().join("shop.backups"));
    let store = SledStore::open(&db).unwrap();
    store.put_customer(Customer::new("王秀英", chrono::Utc::now()).unwrap()).unwrap();

    let first = daily_backup(&store, &dir, day(1), 3, &|| false).unwrap().expect("written on the first day");
    assert!(daily_backup(&store, &dir, day(1), 3, &|| false).unwrap().is_none(), "only one a day");
    for d in 2..=5 {
        store.put_customer(Customer::new(&format!("C{d}"), chrono::Utc::now()).unwrap()).unwrap();
        assert!(daily_backup(&store, &dir, day(d), 3, &|| false).unwrap().is_some());
    }
    let mut kept: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    kept.sort();
    assert_eq!(kept, ["kehu-2026-11-03.kehubak", "kehu-2026-11-04.kehubak", "kehu-2026-11-05.kehubak"]);
    assert!(!first.exists(), "the oldest is removed");

    // The newest backup holds everything saved before it.
    let restored = tmp.path().join("restored");
    restore_from(&dir.join("kehu-2026-11-05.kehubak"), &restored).unwrap();
    let back = SledStore::open(&restored).unwrap();
    assert_eq!(back.customer_count().unwrap(), 5);
}
