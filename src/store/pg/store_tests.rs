//! What only a shared server has: several stores (processes, machines) on one database at
//! once, connections that break under them, and records damaged behind kehu's back.

use super::PgStore;
use crate::store::contract_tests::{Backend, OnPg};
use crate::store::test_support::{day, new_customer, new_purchase};
use crate::store::{Store, StoreError};
use std::collections::BTreeSet;

fn second(b: &OnPg) -> PgStore {
    PgStore::open(b.url()).unwrap()
}

#[test]
fn two_stores_on_one_database_see_each_others_changes_and_refuse_stale_edits() {
    let Some(b) = OnPg::new("two_stores") else { return };
    let (here, there) = (b.store(), second(&b));
    let c = here.put_customer(new_customer("李娜", Some("M1"), Some("13812345678"))).unwrap();
    assert_eq!(there.id_by_ref("M1").unwrap(), Some(c.id));
    assert_eq!(there.last_change().unwrap(), here.last_change().unwrap());
    // Both open the customer at revision 1; the second save is refused, not lost over.
    let mut theirs = there.customer(c.id).unwrap().unwrap();
    theirs.notes = "theirs".into();
    there.put_customer(theirs).unwrap();
    let mut mine = c.clone();
    mine.notes = "mine".into();
    let err = here.put_customer(mine).unwrap_err();
    assert!(matches!(err, StoreError::Stale { expected: 1, found: 2, .. }), "{err:?}");
    assert_eq!(here.customer(c.id).unwrap().unwrap().notes, "theirs");
    // One member number, whichever store asks.
    let err = there.put_customer(new_customer("王芳", Some("M1"), None)).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateRef { owner, .. } if owner == c.id), "{err:?}");
}

#[test]
fn writers_in_several_processes_at_once_lose_nothing_and_share_no_id() {
    let Some(b) = OnPg::new("many_writers") else { return };
    let c = b.store().put_customer(new_customer("A", None, None)).unwrap();
    let before = b.store().last_change().unwrap();
    let (writers, each) = (4, 15);
    std::thread::scope(|s| {
        for _ in 0..writers {
            let store = second(&b);
            s.spawn(move || {
                for n in 0..each {
                    store.add_purchase(new_purchase(c.id, day(1, 1 + n as u32), 10)).unwrap();
                }
            });
        }
    });
    let h = b.store().history(c.id).unwrap().unwrap();
    let ids: BTreeSet<u64> = h.purchases.iter().map(|p| p.id).collect();
    assert_eq!(h.purchases.len(), writers * each);
    assert_eq!(ids.len(), writers * each, "every purchase its own id");
    assert_eq!(
        b.store().last_change().unwrap(),
        before + (writers * each) as u64,
        "one change each, in turn"
    );
    // The kept digest followed every one of them.
    let mut summaries = Vec::new();
    b.store()
        .summaries_until(&mut |s| {
            summaries.push(s);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(summaries, vec![crate::classify::Summary::from_history(&h)]);
}

#[test]
fn a_connection_the_server_dropped_is_replaced_and_a_read_goes_on() {
    let Some(b) = OnPg::new("dropped_connection") else { return };
    let c = b.store().put_customer(new_customer("A", Some("M1"), None)).unwrap();
    // The server ends every connection to the database but this one (a restart, an
    // administrator): the store's idle connection is dead.
    let ended = b.db().end_other_connections();
    assert!(ended >= 1, "the store had a connection to end");
    assert_eq!(b.store().customer(c.id).unwrap().unwrap(), c);
    // And a change after it is saved.
    b.store().add_purchase(new_purchase(c.id, day(2, 1), 5)).unwrap();
    assert_eq!(b.store().history(c.id).unwrap().unwrap().purchases.len(), 1);
    // Ended again, and a change is the first thing asked: begun again on a new connection.
    let again = b.db().end_other_connections();
    assert!(again >= 1, "the store had a connection to end");
    b.store().add_purchase(new_purchase(c.id, day(2, 2), 6)).unwrap();
    assert_eq!(b.store().history(c.id).unwrap().unwrap().purchases.len(), 2);
}

#[test]
fn a_record_damaged_behind_kehus_back_is_named_not_obeyed() {
    let Some(b) = OnPg::new("damaged_record") else { return };
    let c = b.store().put_customer(new_customer("A", Some("M1"), None)).unwrap();
    let mut admin = postgres::Client::connect(b.url(), postgres::NoTls).unwrap();
    let key = crate::store::keys::id_key(c.id).to_vec();
    let v: Vec<u8> = admin.query_one("SELECT v FROM kehu_customers WHERE k = $1", &[&key]).unwrap().get(0);
    let mut bad = v.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    admin.execute("UPDATE kehu_customers SET v = $2 WHERE k = $1", &[&key, &bad]).unwrap();
    assert!(matches!(b.store().customer(c.id), Err(StoreError::Corrupt(_))));
    let report = b.store().verify(crate::progress::QUIET);
    assert!(!report.is_clean(), "{report:?}");
    // An edit of the damaged customer is refused; the record stays as it was found.
    let err = b.store().put_customer(c.clone()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    let now: Vec<u8> = admin.query_one("SELECT v FROM kehu_customers WHERE k = $1", &[&key]).unwrap().get(0);
    assert_eq!(now, bad);
}

#[test]
fn kept_classes_are_written_by_one_process_at_a_time_and_once_per_stamp() {
    let Some(b) = OnPg::new("one_keeper") else { return };
    b.store().put_customer(new_customer("A", Some("M1"), None)).unwrap();
    let kept = |change| crate::classify::KeptClasses {
        stamp: crate::classify::Stamp { change, today: day(6, 30), rules: 7 },
        model: 0,
        entries: Vec::new(),
        population: None,
    };
    // Another process is keeping: this one leaves it to them.
    let mut other = postgres::Client::connect(b.url(), postgres::NoTls).unwrap();
    other.execute("SELECT pg_advisory_lock($1)", &[&super::store::KEEPER_LOCK]).unwrap();
    b.store().keep_classes(&kept(1)).unwrap();
    assert_eq!(b.store().kept_classes_stamp().unwrap(), None, "nothing written while another keeps");
    other.execute("SELECT pg_advisory_unlock($1)", &[&super::store::KEEPER_LOCK]).unwrap();
    b.store().keep_classes(&kept(1)).unwrap();
    assert_eq!(b.store().kept_classes_stamp().unwrap().map(|(s, _)| s.change), Some(1));
    // The same stamp again from a second store: found kept, not rewritten (the rows' versions stay).
    let version = |c: &mut postgres::Client| -> String {
        c.query_one("SELECT string_agg(xmin::text, ',' ORDER BY k) FROM kehu_kept", &[]).unwrap().get(0)
    };
    let before = version(&mut other);
    second(&b).keep_classes(&kept(1)).unwrap();
    assert_eq!(version(&mut other), before);
}

#[test]
fn an_entry_changed_behind_kehus_back_that_no_reader_decodes_is_found_by_the_content_sum() {
    let Some(b) = OnPg::new("summed") else { return };
    b.store().put_customer(new_customer("A", Some("M1"), None)).unwrap();
    assert!(b.store().verify(crate::progress::QUIET).is_clean());
    let mut admin = postgres::Client::connect(b.url(), postgres::NoTls).unwrap();
    // An audit entry's last byte: check reads no audit entry, only the sum covers it.
    let changed = admin
        .execute(
            "UPDATE kehu_audit SET v = set_byte(v, length(v) - 1, 255 - get_byte(v, length(v) - 1))",
            &[],
        )
        .unwrap();
    assert!(changed >= 1);
    let report = b.store().verify(crate::progress::QUIET);
    assert!(!report.is_clean(), "{report:?}");
    assert!(format!("{report:?}").contains("do not add up"), "{report:?}");
}
