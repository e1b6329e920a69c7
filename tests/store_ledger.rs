//! The member ledger through the store: top-ups with their bonus, payments from the balance,
//! returns and voids giving back and taking back, idempotency keys, refusals below zero,
//! merges, and `check`.

use chrono::{DateTime, NaiveDate};
use kehu::change::{Applied, Change};
use kehu::classify::Rules;
use kehu::domain::{Account, Balances, Customer, EntryKind, Money, Payment, Purchase, Void};
use kehu::ledger::till;
use kehu::store::{SledStore, Store};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

fn customer(store: &SledStore, name: &str) -> u64 {
    store
        .put_customer(Customer::new(name, DateTime::from_timestamp(1_700_000_000, 0).unwrap()).unwrap())
        .unwrap()
        .id
}

fn balances(store: &SledStore, id: u64) -> Balances {
    store.history(id).unwrap().unwrap().balances()
}

fn top_up(store: &SledStore, id: u64, yuan: i64, key: &str) -> kehu::store::StoreResult<Applied> {
    let now = balances(store, id);
    let t = till::top_up(id, now, Money::units(yuan), day(), &Rules::default()).unwrap();
    store.commit(till::keyed(key, t.entries), "alice").map(|c| c.applied)
}

fn sale(id: u64, yuan: i64, payment: Payment, points: i64) -> Purchase {
    let mut p = Purchase::new(id, day(), Money::units(yuan), 2).unwrap();
    p.payment = payment;
    p.points = points;
    p
}

#[test]
fn a_top_up_of_500_gives_550_and_a_retry_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let id = customer(&store, "王小明");
    let Applied::Entries(saved) = top_up(&store, id, 500, "till-1").unwrap() else { panic!("not entries") };
    assert_eq!(
        saved.iter().map(|e| (e.kind, e.amount)).collect::<Vec<_>>(),
        [(EntryKind::TopUp, 50_000), (EntryKind::Bonus, 5_000)]
    );
    assert_eq!(saved[0].key, "till-1:0");
    assert_eq!(saved[0].operator, "alice");
    assert_eq!(balances(&store, id).stored, Money::units(550));
    let position = store.position();
    assert!(
        matches!(top_up(&store, id, 500, "till-1").unwrap(), Applied::Replayed(first) if first == saved[0].id)
    );
    assert_eq!(store.position(), position, "a replay journals nothing");
    assert_eq!(balances(&store, id).stored, Money::units(550));
    assert!(store.check().is_clean(), "{:?}", store.check());
    let audit = store.audit_entries(Some(id)).unwrap();
    assert_eq!(audit.last().unwrap().what, "top-up");
}

#[test]
fn paying_from_the_balance_takes_it_off_and_a_return_gives_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let id = customer(&store, "李雷");
    top_up(&store, id, 500, "t1").unwrap();
    let paid = store.add_purchase(sale(id, 120, Payment::StoredValue, 120)).unwrap();
    assert_eq!(balances(&store, id), Balances { points: 120, stored: Money::units(430) });
    // Half comes back: the money to the balance, half the points taken back.
    let back = Purchase::refund(&paid, day(), Money::units(60), 1).unwrap();
    let back = store.add_purchase(back).unwrap();
    assert_eq!((back.payment, back.points), (Payment::StoredValue, -60));
    assert_eq!(balances(&store, id), Balances { points: 60, stored: Money::units(490) });
    // The rest, voided sale: everything it moved is undone.
    let mut voided = paid.clone();
    voided.void = Some(Void {
        at: DateTime::from_timestamp(1_714_600_000, 0).unwrap(),
        by: "x".into(),
        reason: "typo".into(),
    });
    // The sale voided with its return standing: neither counts any more, so both give back
    // what they moved, once.
    store.commit(Change::ReplacePurchase { before: paid.clone(), after: voided.clone() }, "m").unwrap();
    assert_eq!(balances(&store, id), Balances { points: 0, stored: Money::units(550) });
    // Voiding the return now changes nothing more.
    let mut void_back = back.clone();
    void_back.void = voided.void.clone();
    store.commit(Change::ReplacePurchase { before: back.clone(), after: void_back }, "m").unwrap();
    assert_eq!(balances(&store, id), Balances { points: 0, stored: Money::units(550) });
    let h = store.history(id).unwrap().unwrap();
    let linked: i64 = h
        .ledger
        .iter()
        .filter(|x| x.purchase == Some(paid.id) && x.account == Account::StoredValue)
        .map(|x| x.amount)
        .sum();
    assert_eq!(linked, 0);
    assert!(store.check().is_clean(), "{:?}", store.check());
}

#[test]
fn what_would_go_below_zero_is_refused_in_words_and_nothing_is_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let id = customer(&store, "韩梅梅");
    top_up(&store, id, 100, "t1").unwrap();
    let position = store.position();
    let e = store.add_purchase(sale(id, 120, Payment::StoredValue, 0)).unwrap_err().to_string();
    assert!(e.contains("does not cover") && e.contains("100.00") && e.contains("120.00"), "{e}");
    let e = store.add_purchase(sale(id, 3, Payment::Points, -300)).unwrap_err().to_string();
    assert!(e.contains("0 points") && e.contains("300"), "{e}");
    assert_eq!(store.position(), position);
    assert_eq!(balances(&store, id).stored, Money::units(100));
    // A redemption of points the member does not have is refused too.
    let mut r = kehu::domain::LedgerEntry::new(id, Account::Points, EntryKind::Redeem, -1, day());
    r.note = "gift".into();
    assert!(store.commit(till::keyed("r1", vec![r]), "alice").is_err());
}

#[test]
fn a_return_takes_back_only_the_points_still_there() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let id = customer(&store, "Ann");
    let paid = store.add_purchase(sale(id, 100, Payment::Cash, 100)).unwrap();
    let spent =
        till::redeem(id, &store.history(id).unwrap().unwrap().ledger, 80, "", day(), &Rules::default())
            .unwrap();
    store.commit(till::keyed("r", spent.entries), "alice").unwrap();
    let back = store.add_purchase(Purchase::refund(&paid, day(), Money::units(100), 2).unwrap()).unwrap();
    assert_eq!(back.points, -20);
    assert_eq!(balances(&store, id).points, 0);
    assert!(store.check().is_clean(), "{:?}", store.check());
}

#[test]
fn undoing_a_top_up_writes_its_opposite_and_a_merge_takes_the_accounts_along() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SledStore::open(&tmp.path().join("db")).unwrap();
    let (a, b) = (customer(&store, "A"), customer(&store, "B"));
    let now = balances(&store, a);
    let t = till::top_up(a, now, Money::units(1000), day(), &Rules::default()).unwrap();
    let change = till::keyed("k", t.entries);
    let done = store.commit(change.clone(), "alice").unwrap();
    store.commit(change.inverse(&done).unwrap(), "alice").unwrap();
    assert_eq!(balances(&store, a).stored, Money::ZERO);
    assert_eq!(store.history(a).unwrap().unwrap().ledger.len(), 4, "append-only: the undo adds entries");
    top_up(&store, b, 500, "kb").unwrap();
    let survivor = store.customer(a).unwrap().unwrap();
    store.merge(survivor, b).unwrap();
    assert_eq!(balances(&store, a).stored, Money::units(550));
    assert!(store.check().is_clean(), "{:?}", store.check());
    assert!(store.delete_customer(a, store.customer(a).unwrap().unwrap().revision).is_err());
}
