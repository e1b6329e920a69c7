//! Merging customers and deleting them in the sled store: records move, indexes follow, and a
//! refused merge changes nothing.

use chrono::{DateTime, NaiveDate};
use kehu::dedupe::{Field, FieldChoice, Side, merged_fields};
use kehu::domain::{Customer, History, Interaction, InteractionKind, Money, Phone, Purchase};
use kehu::store::{SledStore, Store, StoreError};
use tempfile::TempDir;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

fn person(s: &dyn Store, name: &str, reference: &str, phone: &str) -> Customer {
    let mut c = Customer::new(name, DateTime::from_timestamp(1_700_000_000, 0).unwrap()).unwrap();
    c.set_reference(reference).unwrap();
    c.set_phone(phone).unwrap();
    s.put_customer(c).unwrap()
}

fn buy(s: &dyn Store, customer: u64, d: u32) -> Purchase {
    s.add_purchase(Purchase::new(customer, day(d), Money::units(100 + i64::from(d)), 1).unwrap()).unwrap()
}

fn talk(s: &dyn Store, customer: u64, d: u32) -> Interaction {
    s.add_interaction(Interaction::new(customer, day(d), InteractionKind::Call, "hi").unwrap()).unwrap()
}

fn everything(s: &dyn Store) -> Vec<History> {
    let mut all = Vec::new();
    s.for_each_history(&mut |h| all.push(h)).unwrap();
    all
}

fn phone(p: &str) -> Phone {
    Phone::parse(p).unwrap()
}

/// A shop: A (#1) with history, B (#4) a duplicate of A with history, C referred by B, and D
/// referred by nobody. Returns the ids of B's records.
fn shop(s: &dyn Store) -> (Customer, Customer, Customer, Vec<u64>) {
    let a = person(s, "Anna Smith", "M1", "13812345678");
    buy(s, a.id, 1);
    talk(s, a.id, 2);
    let b = person(s, "Ana Smith", "M2", "13987654321");
    let moved = vec![buy(s, b.id, 3).id, buy(s, b.id, 4).id, talk(s, b.id, 5).id];
    let mut c = Customer::new("Carl", b.created).unwrap();
    c.referrer = Some(b.id);
    let c = s.put_customer(c).unwrap();
    person(s, "Dora", "", "13812345678");
    (a, b, c, moved)
}

#[test]
fn merge_moves_history_removes_loser_and_repoints_referrers() {
    let dir = TempDir::new().unwrap();
    let (a, b, c, moved) = {
        let s = SledStore::open(dir.path()).unwrap();
        let (a, b, c, moved) = shop(&s);
        let survivor = merged_fields(&a, &b, &FieldChoice::default());
        let h = s.merge(survivor, b.id).unwrap();
        assert_eq!(h.customer.revision, a.revision + 1);
        assert_eq!(h.purchases.len(), 3);
        assert_eq!(h.interactions.len(), 2);
        (a, b, c, moved)
    };
    // Everything below is read back from disk.
    let s = SledStore::open(dir.path()).unwrap();
    let h = s.history(a.id).unwrap().unwrap();
    let ids: Vec<u64> = h.purchases.iter().map(|p| p.id).chain(h.interactions.iter().map(|i| i.id)).collect();
    for id in &moved {
        assert!(ids.contains(id), "record #{id} kept its id");
    }
    assert!(h.purchases.iter().all(|p| p.customer == a.id));
    assert!(h.interactions.iter().all(|i| i.customer == a.id));
    assert_eq!(h.customer.custom["former_refs"], "M2");

    assert_eq!(s.customer(b.id).unwrap(), None);
    assert_eq!(s.history(b.id).unwrap(), None);
    assert_eq!(s.id_by_ref("M2").unwrap(), None);
    assert!(s.ids_by_phone(&phone("13987654321")).unwrap().is_empty());
    assert_eq!(s.id_by_ref("M1").unwrap(), Some(a.id));
    assert_eq!(s.customer_count().unwrap(), 3);

    let carl = s.customer(c.id).unwrap().unwrap();
    assert_eq!((carl.referrer, carl.revision), (Some(a.id), c.revision + 1));
    // Nothing is left owned by the loser: every record belongs to a customer in the list.
    let all = everything(&s);
    assert_eq!(all.iter().map(|h| h.purchases.len()).sum::<usize>(), 3);
    assert_eq!(all.iter().map(|h| h.interactions.len()).sum::<usize>(), 2);
}

#[test]
fn survivor_may_take_the_losers_ref_and_phone() {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let (a, b, _, _) = shop(&s);
    let choice = FieldChoice::default().with(Field::Ref, Side::Loser).with(Field::Phone, Side::Loser);
    s.merge(merged_fields(&a, &b, &choice), b.id).unwrap();
    assert_eq!(s.id_by_ref("M2").unwrap(), Some(a.id));
    assert_eq!(s.id_by_ref("M1").unwrap(), None);
    assert_eq!(s.ids_by_phone(&phone("13987654321")).unwrap(), vec![a.id]);
    // Dora keeps the old shared number; A no longer has it.
    let left = s.ids_by_phone(&phone("13812345678")).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(s.customer(left[0]).unwrap().unwrap().name, "Dora");
}

#[test]
fn a_stale_survivor_is_refused_and_nothing_changes() {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let (a, b, _, _) = shop(&s);
    let survivor = merged_fields(&a, &b, &FieldChoice::default());
    // Someone else saves A meanwhile.
    s.put_customer(a.clone()).unwrap();
    let before = everything(&s);
    let err = s.merge(survivor, b.id).unwrap_err();
    assert!(matches!(err, StoreError::Stale { id, expected: 1, found: 2 } if id == a.id), "{err}");
    assert_eq!(everything(&s), before);
    assert_eq!(s.id_by_ref("M2").unwrap(), Some(b.id));
    assert_eq!(s.ids_by_phone(&phone("13987654321")).unwrap(), vec![b.id]);
}

#[test]
fn merging_into_itself_or_a_missing_customer_is_refused() {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let (a, b, _, _) = shop(&s);
    let before = everything(&s);
    let err = s.merge(a.clone(), a.id).unwrap_err();
    assert_eq!(err.to_string(), "customer #1 cannot be merged into itself; choose two different customers");
    assert!(matches!(s.merge(a.clone(), 999).unwrap_err(), StoreError::NoSuchCustomer(999)));
    let ghost = Customer { id: 998, ..a.clone() };
    assert!(matches!(s.merge(ghost, b.id).unwrap_err(), StoreError::NoSuchCustomer(998)));
    assert_eq!(everything(&s), before);
}

#[test]
fn delete_refuses_a_customer_with_history_and_removes_one_without() {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let (a, _, _, _) = shop(&s);
    let err = s.delete_customer(a.id, a.revision).unwrap_err();
    assert_eq!(
        err.to_string(),
        "customer #1 has 1 purchase(s) and 1 interaction(s), which deleting would lose; \
         merge the customer into another one instead"
    );
    let d = person(&s, "Eve", "M9", "13700000000");
    let mut referred = Customer::new("Fay", d.created).unwrap();
    referred.referrer = Some(d.id);
    let referred = s.put_customer(referred).unwrap();
    assert!(matches!(s.delete_customer(d.id, d.revision + 1).unwrap_err(), StoreError::Stale { .. }));
    s.delete_customer(d.id, d.revision).unwrap();
    assert_eq!(s.customer(d.id).unwrap(), None);
    assert_eq!(s.id_by_ref("M9").unwrap(), None);
    assert!(s.ids_by_phone(&phone("13700000000")).unwrap().is_empty());
    assert_eq!(s.customer(referred.id).unwrap().unwrap().referrer, None);
    assert!(matches!(s.delete_customer(d.id, d.revision).unwrap_err(), StoreError::NoSuchCustomer(_)));
}
