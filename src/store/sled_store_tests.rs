use super::*;
use crate::domain::Money;
use crate::store::keys::id_key;
use crate::store::test_support::{day, new_customer, new_purchase};
use tempfile::TempDir;

fn fresh() -> (TempDir, SledStore) {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    (dir, s)
}

#[test]
fn newer_format_is_refused_at_open() {
    let dir = TempDir::new().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    {
        // sled lets go of its file lock a moment after the store is dropped.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match sled::open(dir.path()) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() > deadline => panic!("cannot reopen: {e}"),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        db.open_tree("meta").unwrap().insert(FORMAT_KEY, &(FORMAT + 1).to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let err = SledStore::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found, supported: FORMAT, .. } if found == FORMAT + 1));
    assert!(err.to_string().contains("upgrade kehu"), "{err}");
}

#[test]
fn second_open_in_this_process_is_locked_not_a_panic() {
    let (dir, _s) = fresh();
    let err = SledStore::open(dir.path()).err().unwrap();
    let pid = std::process::id();
    assert!(matches!(err, StoreError::Locked { pid: Some(p), .. } if p == pid), "{err:?}");
    assert!(err.to_string().contains(&format!("(pid {pid})")), "{err}");
}

#[test]
fn damaged_records_and_chunks_on_disk_are_named() {
    let (_d, s) = fresh();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    s.add_purchase(new_purchase(c.id, day(1, 1), 3)).unwrap();
    let key = crate::store::keys::chunk_key(c.id, 0);
    let good = s.tree(TreeId::Purchases).get(key).unwrap().unwrap();
    let mut bytes = good.to_vec();
    bytes[6] ^= 1;
    s.tree(TreeId::Purchases).insert(key, bytes).unwrap();
    let msg = s.history(c.id).unwrap_err().to_string();
    let want =
        format!("the database is damaged: purchases of customer #{} (chunk 0): checksum mismatch", c.id);
    assert_eq!(msg, want);
    assert_eq!(s.for_each_history(&mut |_| ()).unwrap_err().to_string(), want);
    s.tree(TreeId::Purchases).insert(key, good).unwrap();
    assert_eq!(s.history(c.id).unwrap().unwrap().purchases[0].amount, Money::units(3));

    let mut bytes = s.tree(TreeId::Customers).get(id_key(c.id)).unwrap().unwrap().to_vec();
    bytes[7] ^= 1;
    s.tree(TreeId::Customers).insert(id_key(c.id), bytes).unwrap();
    let msg = s.history(c.id).unwrap_err().to_string();
    assert_eq!(msg, format!("the database is damaged: customer #{}: checksum mismatch", c.id));
    assert!(matches!(s.for_each_history(&mut |_| ()), Err(StoreError::Corrupt(_))));
}

/// An entry changed behind the store's back, well formed and checksummed (a file edited by
/// someone who knows the layout), is found by `check`: the entries of the purchase no longer
/// add up to what it is due, and a top-up changed to more than was paid in leaves the member
/// owing less than they were given back; besides, the content sum no longer matches.
#[test]
fn check_finds_a_tampered_ledger_entry() {
    use crate::domain::{LedgerEntry, Payment};
    let (_d, s) = fresh();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    let mut p = new_purchase(c.id, day(1, 1), 120);
    p.points = 120;
    p.payment = Payment::Cash;
    let p = s.add_purchase(p).unwrap();
    assert!(s.check().is_clean(), "{:?}", s.check());
    let key = crate::store::keys::chunk_key(c.id, 0);
    let bytes = s.tree(TreeId::Ledger).get(key).unwrap().unwrap();
    let mut entries: Vec<LedgerEntry> = crate::store::chunks::decode(&bytes, c.id, 0).unwrap();
    assert_eq!((entries[0].purchase, entries[0].amount), (Some(p.id), 120));
    entries[0].amount = 1200;
    let forged = crate::store::envelope::encode_chunk(&entries, |e| e.id).unwrap();
    s.tree(TreeId::Ledger).insert(key, forged).unwrap();
    let report = s.check();
    let ledger: Vec<&crate::store::Problem> = report.problems.iter().filter(|x| x.tree == "ledger").collect();
    assert_eq!(ledger.len(), 1, "{report:?}");
    assert_eq!(ledger[0].key, format!("#{} purchase #{}", c.id, p.id));
    assert!(ledger[0].what.contains("add up to 1200, and it is due 120"), "{}", ledger[0].what);
    assert!(report.problems.iter().any(|x| x.key == "content sum"), "{report:?}");
}
