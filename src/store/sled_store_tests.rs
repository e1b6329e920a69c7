use super::*;
use crate::domain::Interaction;
use crate::domain::{InteractionKind, Money};
use crate::store::ChangeSet;
use crate::store::keys::id_key;
use crate::store::test_support::{day, new_customer, new_purchase};
use tempfile::TempDir;

fn fresh() -> (TempDir, SledStore) {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    (dir, s)
}

fn phone(s: &str) -> Phone {
    Phone::parse(s).unwrap()
}

/// Every index entry, to compare before and after a refused edit.
fn index_dump(s: &SledStore) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.tree(TreeId::IdxRef)
        .iter()
        .chain(s.tree(TreeId::IdxPhone).iter())
        .map(|r| r.unwrap())
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect()
}

#[test]
fn new_customer_gets_id_revision_and_index_entries() {
    let (_d, s) = fresh();
    let c = s.put_customer(new_customer("Li Na", Some("M1"), Some("13812345678"))).unwrap();
    assert_eq!((c.id, c.revision), (1, 1));
    assert_eq!(s.customer(1).unwrap().unwrap(), c);
    assert_eq!(s.id_by_ref("M1").unwrap(), Some(1));
    assert_eq!(s.ids_by_phone(&phone("13812345678")).unwrap(), vec![1]);
    assert_eq!(s.customer_count().unwrap(), 1);
}

#[test]
fn update_moves_ref_and_phone_index_entries() {
    let (_d, s) = fresh();
    let mut c = s.put_customer(new_customer("Li Na", Some("M1"), Some("13812345678"))).unwrap();
    c.set_reference("M2").unwrap();
    c.set_phone("13900000000").unwrap();
    let c = s.put_customer(c).unwrap();
    assert_eq!(c.revision, 2);
    assert_eq!(s.id_by_ref("M1").unwrap(), None);
    assert_eq!(s.id_by_ref("M2").unwrap(), Some(c.id));
    assert!(s.ids_by_phone(&phone("13812345678")).unwrap().is_empty());
    assert_eq!(s.ids_by_phone(&phone("13900000000")).unwrap(), vec![c.id]);

    let mut c = c;
    c.reference = None;
    c.phone = None;
    s.put_customer(c).unwrap();
    assert!(index_dump(&s).is_empty());
}

#[test]
fn households_share_a_phone_and_numbers_do_not_prefix_match() {
    let (_d, s) = fresh();
    let a = s.put_customer(new_customer("A", None, Some("010-1234567"))).unwrap();
    let b = s.put_customer(new_customer("B", None, Some("010-1234567"))).unwrap();
    let c = s.put_customer(new_customer("C", None, Some("010-12345678"))).unwrap();
    assert_eq!(s.ids_by_phone(&phone("0101234567")).unwrap(), vec![a.id, b.id]);
    assert_eq!(s.ids_by_phone(&phone("01012345678")).unwrap(), vec![c.id]);
}

#[test]
fn duplicate_ref_is_refused_and_nothing_written() {
    let (_d, s) = fresh();
    let first = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
    let other = s.put_customer(new_customer("B", Some("M2"), None)).unwrap();
    let before = index_dump(&s);
    let err = s.put_customer(new_customer("C", Some("M1"), Some("13900000000"))).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateRef { ref reference, owner } if reference == "M1" && owner == first.id)
    );
    let mut moved = other.clone();
    moved.set_reference("M1").unwrap();
    assert!(matches!(s.put_customer(moved), Err(StoreError::DuplicateRef { .. })));
    assert_eq!(s.customer_count().unwrap(), 2);
    assert_eq!(index_dump(&s), before);
    assert_eq!(s.customer(other.id).unwrap().unwrap(), other);
}

#[test]
fn stale_revision_is_refused() {
    let (_d, s) = fresh();
    let v1 = s.put_customer(new_customer("A", Some("M1"), None)).unwrap();
    let mut mine = v1.clone();
    let mut theirs = v1.clone();
    theirs.notes = "theirs".into();
    let saved = s.put_customer(theirs).unwrap();
    mine.set_reference("M9").unwrap();
    let err = s.put_customer(mine).unwrap_err();
    assert!(matches!(err, StoreError::Stale { id, expected: 1, found: 2 } if id == v1.id), "{err:?}");
    assert_eq!(s.customer(v1.id).unwrap().unwrap(), saved);
    assert_eq!(s.id_by_ref("M9").unwrap(), None);
}

#[test]
fn purchase_for_missing_customer_is_refused() {
    let (_d, s) = fresh();
    let err = s.add_purchase(new_purchase(42, day(1, 1), 10)).unwrap_err();
    assert!(matches!(err, StoreError::NoSuchCustomer(42)));
    let i = Interaction::new(0, day(1, 1), InteractionKind::Call, "").unwrap();
    assert!(matches!(s.add_interaction(i), Err(StoreError::NoSuchCustomer(0))));
    assert!(s.tree(TreeId::Purchases).is_empty() && s.tree(TreeId::Interactions).is_empty());
}

#[test]
fn history_is_sorted_by_date_then_id() {
    let (_d, s) = fresh();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    let late = s.add_purchase(new_purchase(c.id, day(3, 1), 1)).unwrap();
    let early_b = s.add_purchase(new_purchase(c.id, day(1, 1), 2)).unwrap();
    let early_a = s.add_purchase(new_purchase(c.id, day(1, 1), 3)).unwrap();
    let call =
        s.add_interaction(Interaction::new(c.id, day(2, 1), InteractionKind::Call, "x").unwrap()).unwrap();
    let h = s.history(c.id).unwrap().unwrap();
    let ids: Vec<u64> = h.purchases.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![early_b.id, early_a.id, late.id]);
    assert_eq!(h.interactions, vec![call]);
    assert_eq!(s.history(999).unwrap(), None);
}

fn change_set(s: &SledStore, customers: usize, purchases_each: usize) -> ChangeSet {
    let first = s.allocate_ids(customers as u64).unwrap();
    let mut set = ChangeSet::default();
    for n in 0..customers {
        let mut c = new_customer(&format!("C{n}"), Some(&format!("R{n}")), Some("13812345678"));
        c.id = first + n as u64;
        for k in 0..purchases_each {
            set.purchases.push(new_purchase(c.id, day(1 + (k % 12) as u32, 1), k as i64));
        }
        set.customers.push(c);
    }
    set
}

#[test]
fn apply_writes_everything_and_for_each_history_merges_in_id_order() {
    let (_d, s) = fresh();
    let mut set = change_set(&s, 5, 3);
    set.customers[2].reference = None;
    set.interactions
        .push(Interaction::new(set.customers[4].id, day(5, 5), InteractionKind::Visit, "").unwrap());
    set.purchases.retain(|p| p.customer != set.customers[1].id);
    s.apply(set.clone(), "test").unwrap();
    let mut seen = Vec::new();
    s.for_each_history(&mut |h| seen.push(h)).unwrap();
    assert_eq!(seen.len(), 5);
    for (h, c) in seen.iter().zip(&set.customers) {
        assert_eq!(h.customer.id, c.id);
        assert_eq!(h.customer.revision, 1);
        assert_eq!(Some(h), s.history(c.id).unwrap().as_ref());
    }
    let counts: Vec<usize> = seen.iter().map(|h| h.purchases.len()).collect();
    assert_eq!(counts, vec![3, 0, 3, 3, 3]);
    assert_eq!(seen[4].interactions.len(), 1);
    assert_eq!(s.ids_by_phone(&phone("13812345678")).unwrap().len(), 5);
    assert_eq!(s.id_by_ref("R3").unwrap(), Some(set.customers[3].id));
    // The purchases had id 0: they got fresh ids, distinct and above every customer id.
    let mut ids: Vec<u64> = seen.iter().flat_map(|h| h.purchases.iter().map(|p| p.id)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert!(ids[0] > set.customers[4].id);
}

#[test]
fn apply_with_a_bad_record_writes_nothing() {
    let (_d, s) = fresh();
    let mut set = change_set(&s, 3, 2);
    set.purchases.push(new_purchase(9999, day(1, 1), 5));
    assert!(matches!(s.apply(set.clone(), "test"), Err(StoreError::NoSuchCustomer(9999))));
    assert_eq!(s.customer_count().unwrap(), 0);
    assert!(index_dump(&s).is_empty());
    assert!(s.tree(TreeId::Purchases).is_empty());
}

#[test]
fn apply_checks_ref_uniqueness_within_the_set_and_upserts() {
    let (_d, s) = fresh();
    let mut set = change_set(&s, 3, 0);
    set.customers[2].reference = Some("R0".into());
    let err = s.apply(set.clone(), "test").unwrap_err();
    assert!(matches!(err, StoreError::DuplicateRef { owner, .. } if owner == set.customers[0].id));
    assert_eq!(s.customer_count().unwrap(), 0);

    set.customers[2].reference = Some("R2".into());
    s.apply(set.clone(), "test").unwrap();
    // An update in a later set: revision 1 as read, ref changed.
    let mut upd = s.customer(set.customers[0].id).unwrap().unwrap();
    upd.reference = Some("R0-new".into());
    s.apply(ChangeSet { customers: vec![upd.clone()], ..ChangeSet::default() }, "test").unwrap();
    assert_eq!(s.id_by_ref("R0").unwrap(), None);
    assert_eq!(s.id_by_ref("R0-new").unwrap(), Some(upd.id));
    assert_eq!(s.customer(upd.id).unwrap().unwrap().revision, 2);
}

#[test]
fn ids_are_never_reused() {
    let (_d, s) = fresh();
    assert_eq!(s.allocate_ids(10).unwrap(), 1);
    assert_eq!(s.put_customer(new_customer("A", None, None)).unwrap().id, 11);
    let mut chosen = new_customer("B", None, None);
    chosen.id = 500;
    s.put_customer(chosen).unwrap();
    assert_eq!(s.allocate_ids(1).unwrap(), 501);
}

#[test]
fn reopen_keeps_everything() {
    let dir = TempDir::new().unwrap();
    let (c, p) = {
        let s = SledStore::open(dir.path()).unwrap();
        let c = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
        let p = s.add_purchase(new_purchase(c.id, day(1, 1), 9)).unwrap();
        s.set_setting("segments", b"gold").unwrap();
        (c, p)
    };
    let s = SledStore::open(dir.path()).unwrap();
    let h = s.history(c.id).unwrap().unwrap();
    assert_eq!((h.customer, h.purchases), (c.clone(), vec![p.clone()]));
    assert_eq!(s.id_by_ref("M1").unwrap(), Some(c.id));
    assert_eq!(s.setting("segments").unwrap().as_deref(), Some(&b"gold"[..]));
    assert_eq!(s.setting("absent").unwrap(), None);
    assert!(s.allocate_ids(1).unwrap() > p.id);
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

/// The index entries the customer records imply, in the layout of [`index_dump`].
fn implied_index(s: &SledStore) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut refs = Vec::new();
    let mut phones = Vec::new();
    for item in s.tree(TreeId::Customers).iter() {
        let (k, v) = item.unwrap();
        let at = crate::store::envelope::At::customer(crate::store::keys::parse_id(&k, "key").unwrap());
        let c: Customer = crate::store::envelope::decode(&v, at).unwrap();
        if let Some(r) = c.reference.filter(|r| !r.is_empty()) {
            refs.push((r.into_bytes(), id_key(c.id).to_vec()));
        }
        if let Some(p) = &c.phone {
            phones.push((crate::store::keys::phone_key(p, c.id), Vec::new()));
        }
    }
    refs.sort();
    phones.sort();
    refs.into_iter().chain(phones).collect()
}

#[test]
fn indexes_agree_with_records_after_merge_and_delete() {
    let (_d, s) = fresh();
    let a = s.put_customer(new_customer("A", Some("M1"), Some("13812345678"))).unwrap();
    let b = s.put_customer(new_customer("B", Some("M2"), Some("13900000000"))).unwrap();
    s.put_customer(new_customer("C", Some("M3"), Some("13812345678"))).unwrap();
    let e = s.put_customer(new_customer("E", Some("M5"), None)).unwrap();
    s.add_purchase(new_purchase(b.id, day(1, 2), 5)).unwrap();
    s.add_interaction(Interaction::new(b.id, day(1, 3), InteractionKind::Call, "x").unwrap()).unwrap();
    let mut survivor = a.clone();
    survivor.reference = b.reference.clone();
    survivor.phone = b.phone.clone();
    s.merge(survivor, b.id).unwrap();
    assert_eq!(index_dump(&s), implied_index(&s));
    s.delete_customer(e.id, e.revision).unwrap();
    assert_eq!(index_dump(&s), implied_index(&s));
    assert!(s.tree(TreeId::Purchases).iter().chain(s.tree(TreeId::Interactions).iter()).all(|r| {
        let (k, _) = r.unwrap();
        k[..8] == id_key(a.id)
    }));
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
