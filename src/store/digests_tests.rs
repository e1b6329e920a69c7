use super::*;
use crate::domain::{Interaction, InteractionKind};
use crate::store::test_support::{day, new_customer, new_purchase};
use crate::store::{SledStore, Store};
use tempfile::TempDir;

fn shop() -> (TempDir, SledStore, u64) {
    let dir = TempDir::new().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let a = s.put_customer(new_customer("王秀英", Some("M1"), Some("13812345678"))).unwrap().id;
    s.add_purchase(new_purchase(a, day(3, 1), 12_000)).unwrap();
    s.add_purchase(new_purchase(a, day(3, 9), 3_000)).unwrap();
    s.add_interaction(Interaction::new(a, day(3, 2), InteractionKind::Call, "回访").unwrap()).unwrap();
    (dir, s, a)
}

/// Every customer's kept digest, decoded.
fn kept(s: &SledStore) -> Vec<Summary> {
    s.with_trees(|t, w| all(t, w.journal.last)).expect("digests current")
}

/// Every customer's summary built afresh from the records.
fn fresh(s: &SledStore) -> Vec<Summary> {
    let mut out = Vec::new();
    s.for_each_history(&mut |h| out.push(Summary::from_history(&h))).unwrap();
    out
}

#[test]
fn every_edit_keeps_the_digest_equal_to_a_fresh_build() {
    let (_dir, s, a) = shop();
    assert_eq!(kept(&s), fresh(&s));
    assert_eq!(kept(&s)[0].purchases.len(), 2);
    assert_eq!(kept(&s)[0].contacts.len(), 1);
    let b = s.put_customer(new_customer("李四", None, None)).unwrap().id;
    s.add_purchase(new_purchase(b, day(4, 1), 500)).unwrap();
    assert_eq!(kept(&s), fresh(&s));
    assert_eq!(kept(&s).len(), 2);
    let report = s.check();
    assert!(report.is_clean(), "{report:?}");
    assert!(report.counts.contains(&("digests".into(), 2)), "{:?}", report.counts);
    // A deleted customer's digest goes with them.
    let c = s.put_customer(new_customer("张三", None, None)).unwrap();
    assert_eq!(kept(&s).len(), 3);
    s.delete_customer(c.id, c.revision).unwrap();
    let c = c.id;
    assert_eq!(kept(&s), fresh(&s));
    assert!(!kept(&s).iter().any(|d| d.id == c));
    assert!(kept(&s).iter().any(|d| d.id == a));
}

#[test]
fn a_summary_round_trips_through_its_digest() {
    let (_dir, s, a) = shop();
    let h = s.history(a).unwrap().unwrap();
    let summary = Summary::from_history(&h);
    let bytes = encode(&summary, a).unwrap();
    assert_eq!(decode::<Summary>(&bytes, At::customer(a)).unwrap(), summary);
}

#[test]
fn digests_behind_the_records_are_not_read_and_are_rebuilt_at_the_next_open() {
    let dir = TempDir::new().unwrap();
    {
        let s = SledStore::open(dir.path()).unwrap();
        let a = s.put_customer(new_customer("王秀英", None, None)).unwrap().id;
        s.add_purchase(new_purchase(a, day(3, 1), 12_000)).unwrap();
        // As an older kehu, or a journal replay, leaves them: behind the last change.
        s.with_trees(|t, _| t[TreeId::Digests].remove(AT).unwrap());
        s.add_purchase(new_purchase(a, day(3, 5), 1_000)).unwrap();
        assert!(s.with_trees(|t, w| all(t, w.journal.last)).is_none());
        // The readers use the histories meanwhile.
        let mut read = Vec::new();
        s.summaries_until(&mut |d| {
            read.push(d);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(read, fresh(&s));
        assert!(s.check().counts.iter().any(|(what, _)| what.starts_with("digests (behind")));
    }
    let s = SledStore::open(dir.path()).unwrap();
    assert_eq!(kept(&s), fresh(&s));
    assert_eq!(kept(&s)[0].purchases.len(), 2);
}

#[test]
fn a_damaged_digest_is_never_used_and_check_names_it() {
    let (_dir, s, a) = shop();
    let good = fresh(&s);
    s.with_trees(|t, _| {
        let tree = &t[TreeId::Digests];
        let mut bytes = tree.get(id_key(a)).unwrap().unwrap().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        tree.insert(id_key(a), bytes).unwrap();
    });
    let mut read = Vec::new();
    s.summaries_until(&mut |d| {
        read.push(d);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(read, good, "the histories are read instead");
    let report = s.check();
    assert!(report.problems.iter().any(|p| p.tree == "digests" && p.key == format!("#{a}")), "{report:?}");
    // A digest that decodes but says something else is named too.
    s.with_trees(|t, _| {
        let mut other = good[0].clone();
        other.purchases.pop();
        t[TreeId::Digests].insert(id_key(a), encode(&other, a).unwrap()).unwrap();
    });
    let report = s.check();
    assert!(
        report.problems.iter().any(|p| p.tree == "digests" && p.what.contains("fresh build")),
        "{report:?}"
    );
}

#[test]
fn a_record_that_does_not_decode_never_refuses_an_edit_of_its_customer() {
    let (_dir, s, a) = shop();
    s.with_trees(|t, _| {
        let tree = &t[TreeId::Purchases];
        let key = crate::store::keys::chunk_key(a, 0);
        let mut bytes = tree.get(key).unwrap().unwrap().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        tree.insert(key, bytes).unwrap();
    });
    let mut c = s.customer(a).unwrap().unwrap();
    c.name = "王秀英（改）".into();
    s.put_customer(c).expect("the edit is saved whatever the digest");
    assert_eq!(s.customer(a).unwrap().unwrap().name, "王秀英（改）");
    // No digest of theirs is used: the digests are not current.
    assert!(s.with_trees(|t, w| all(t, w.journal.last)).is_none());
}

#[test]
fn a_customer_without_a_kept_digest_is_read_from_their_history() {
    let (_dir, s, a) = shop();
    s.with_trees(|t, _| t[TreeId::Digests].insert(id_key(a), HISTORY).unwrap());
    assert_eq!(kept(&s), fresh(&s));
    let report = s.check();
    assert!(report.is_clean(), "{report:?}");
    assert!(report.counts.contains(&("digests".into(), 1)), "{:?}", report.counts);
}
