use super::*;
use crate::classify::{Classifier, Rules};
use crate::demo::{DemoSpec, histories};

fn shop(n: u64) -> Classifier {
    let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let hs = histories(&DemoSpec::new(n, 11, today));
    let mut clf = Classifier::from_histories(Rules::default(), today, &hs);
    // With predictions: P(alive) and the 90-day expectation are kept too.
    let model = clf.fit_model().expect("a 3,000-customer demo fits");
    clf.set_model(Some(model));
    clf
}

fn trees() -> crate::store::trees::Trees {
    crate::store::trees::Trees::open(&sled::Config::new().temporary(true).open().unwrap()).unwrap()
}

#[test]
fn classes_read_back_as_kept() {
    let clf = shop(3000);
    let kept = clf.kept_classes(42);
    assert!(kept.entries.iter().any(|(_, c, _)| c.follow_up.is_some() && c.p_alive.is_some()));
    assert!(kept.entries.iter().any(|(_, c, _)| !c.tags.is_empty()));
    let all = trees();
    let t = &all[KEPT];
    keep(&all, &kept).unwrap();
    assert_eq!(read(&all), Some(kept.clone()));
    // Kept again with fewer customers: no block of the longer set is left behind.
    let mut fewer = kept.clone();
    fewer.entries.truncate(1500);
    keep(&all, &fewer).unwrap();
    assert_eq!(read(&all), Some(fewer));
    let blocks = t.scan_prefix(BLOCKS).keys().filter(|k| k.as_ref().unwrap().len() == BLOCKS.len() + 4);
    assert_eq!(blocks.count(), 2);
    assert!(t.get(POPULATION).unwrap().is_some(), "and the population they were decided by");
}

#[test]
fn damage_or_another_schema_reads_as_none() {
    let kept = shop(1500).kept_classes(7);
    let all = trees();
    let t = &all[KEPT];
    keep(&all, &kept).unwrap();
    // A flipped byte in a block: its checksum fails, and no half set is ever used.
    let key = block_key(1);
    let mut bytes = t.get(&key).unwrap().unwrap().to_vec();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    t.insert(&key, bytes).unwrap();
    assert_eq!(read(&all), None);
    // A missing block.
    keep(&all, &kept).unwrap();
    t.remove(block_key(0)).unwrap();
    assert_eq!(read(&all), None);
    // Classes kept by a kehu with other class sets (another schema).
    keep(&all, &kept).unwrap();
    let mut head: Head = decode(&t.get(STAMP).unwrap().unwrap(), At::customer(0)).unwrap();
    head.schema ^= 1;
    t.insert(STAMP, encode(&head, 0).unwrap()).unwrap();
    assert_eq!(read(&all), None);
    // A stamp that says more customers than the blocks hold.
    keep(&all, &kept).unwrap();
    let mut head: Head = decode(&t.get(STAMP).unwrap().unwrap(), At::customer(0)).unwrap();
    head.customers += 1;
    t.insert(STAMP, encode(&head, 0).unwrap()).unwrap();
    assert_eq!(read(&all), None);
}

#[test]
fn a_string_index_out_of_range_is_damage() {
    let kept = shop(200).kept_classes(1);
    let mut wire = Block(kept.entries[..10].to_vec()).to_wire();
    wire.base.customers[3].province = wire.base.strings.len() as u32;
    assert!(Block::from_wire(wire, At::customer(0)).is_err());
}

mod touched {
    use super::super::{EVERYONE, touched_key};
    use crate::classify::{Classifier, Rules};
    use crate::store::digests::AT;
    use crate::store::test_support::{day, new_customer, new_purchase};
    use crate::store::trees::TreeId;
    use crate::store::{ChangeSet, SledStore, Store};
    use tempfile::TempDir;

    fn kept_at(s: &SledStore, change: u64) {
        let clf = Classifier::new(Rules::default(), day(6, 30));
        s.keep_classes(&clf.kept_classes(change)).unwrap();
    }

    fn added(s: &SledStore, name: &str) -> u64 {
        s.put_customer(new_customer(name, None, None)).unwrap().id
    }

    #[test]
    fn the_log_names_who_each_change_touched_until_classes_are_kept() {
        let dir = TempDir::new().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        let opened = s.last_change().unwrap();
        let (a, b, c) = (added(&s, "A"), added(&s, "B"), added(&s, "C"));
        assert_eq!(s.touched_after(opened, 100).unwrap(), Some(vec![a, b, c]));
        assert_eq!(s.touched_after(opened.wrapping_sub(1), 100).unwrap(), None, "from before the log");
        let at = s.last_change().unwrap();
        s.add_purchase(new_purchase(b, day(6, 1), 5)).unwrap();
        assert_eq!(s.touched_after(at, 100).unwrap(), Some(vec![b]));
        let survivor = s.customer(a).unwrap().unwrap();
        s.merge(survivor, c).unwrap();
        assert_eq!(s.touched_after(at, 100).unwrap(), Some(vec![a, b, c]));
        // More than the caller will catch up: none.
        assert_eq!(s.touched_after(at, 2).unwrap(), None);

        // Classes kept at the last change: the log before it is pruned and whole from there.
        let now = s.last_change().unwrap();
        kept_at(&s, now);
        assert_eq!(s.touched_after(now, 100).unwrap(), Some(vec![]));
        assert_eq!(s.touched_after(at, 100).unwrap(), None, "pruned: no longer whole from there");
        let d = added(&s, "D");
        assert_eq!(s.touched_after(now, 100).unwrap(), Some(vec![d]));

        // It outlives the process.
        drop(s);
        let s = SledStore::open(dir.path()).unwrap();
        assert_eq!(s.touched_after(now, 100).unwrap(), Some(vec![d]));
    }

    #[test]
    fn a_change_of_thousands_is_logged_as_everyone() {
        let dir = TempDir::new().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        let at = s.last_change().unwrap();
        let first = s.allocate_ids(5000).unwrap();
        let mut set = ChangeSet::default();
        for n in 0..5000u64 {
            let mut c = new_customer(&format!("C{n}"), None, None);
            c.id = first + n;
            set.customers.push(c);
        }
        s.apply(set, "test").unwrap();
        let now = s.last_change().unwrap();
        assert_eq!(s.touched_after(at, usize::MAX).unwrap(), None);
        let kept = s.tree(TreeId::Kept).scan_prefix(super::super::TOUCHED).count();
        assert_eq!(kept, 1, "one key for the whole change");
        assert!(s.tree(TreeId::Kept).get(touched_key(now, EVERYONE)).unwrap().is_some());
    }

    #[test]
    fn digests_fallen_behind_restart_the_log() {
        // An older kehu wrote in between (it drops the digests' position): what it changed is
        // not in the log, so nothing from before can be caught up after the rebuild.
        let dir = TempDir::new().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        added(&s, "A");
        let at = s.last_change().unwrap();
        s.tree(TreeId::Digests).remove(AT).unwrap();
        assert_eq!(s.touched_after(at, 100).unwrap(), None, "digests behind: nothing said");
        added(&s, "B");
        let now = s.last_change().unwrap();
        drop(s);
        let s = SledStore::open(dir.path()).unwrap();
        assert_eq!(s.touched_after(at, 100).unwrap(), None);
        assert_eq!(s.touched_after(now, 100).unwrap(), Some(vec![]));
        let c = added(&s, "C");
        assert_eq!(s.touched_after(now, 100).unwrap(), Some(vec![c]));
    }
}
