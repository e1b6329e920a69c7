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

fn tree() -> sled::Tree {
    sled::Config::new().temporary(true).open().unwrap().open_tree("kept").unwrap()
}

#[test]
fn classes_read_back_as_kept() {
    let clf = shop(3000);
    let kept = clf.kept_classes(42);
    assert!(kept.entries.iter().any(|(_, c, _)| c.follow_up.is_some() && c.p_alive.is_some()));
    assert!(kept.entries.iter().any(|(_, c, _)| !c.tags.is_empty()));
    let t = tree();
    keep(&t, &kept).unwrap();
    assert_eq!(read(&t), Some(kept.clone()));
    // Kept again with fewer customers: no block of the longer set is left behind.
    let mut fewer = kept.clone();
    fewer.entries.truncate(1500);
    keep(&t, &fewer).unwrap();
    assert_eq!(read(&t), Some(fewer));
    assert_eq!(t.scan_prefix(BLOCKS).count(), 2);
}

#[test]
fn damage_or_another_schema_reads_as_none() {
    let kept = shop(1500).kept_classes(7);
    let t = tree();
    keep(&t, &kept).unwrap();
    // A flipped byte in a block: its checksum fails, and no half set is ever used.
    let key = block_key(1);
    let mut bytes = t.get(&key).unwrap().unwrap().to_vec();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    t.insert(&key, bytes).unwrap();
    assert_eq!(read(&t), None);
    // A missing block.
    keep(&t, &kept).unwrap();
    t.remove(block_key(0)).unwrap();
    assert_eq!(read(&t), None);
    // Classes kept by a kehu with other class sets (another schema).
    keep(&t, &kept).unwrap();
    let mut head: Head = decode(&t.get(STAMP).unwrap().unwrap(), At::customer(0)).unwrap();
    head.schema ^= 1;
    t.insert(STAMP, encode(&head, 0).unwrap()).unwrap();
    assert_eq!(read(&t), None);
    // A stamp that says more customers than the blocks hold.
    keep(&t, &kept).unwrap();
    let mut head: Head = decode(&t.get(STAMP).unwrap().unwrap(), At::customer(0)).unwrap();
    head.customers += 1;
    t.insert(STAMP, encode(&head, 0).unwrap()).unwrap();
    assert_eq!(read(&t), None);
}

#[test]
fn a_string_index_out_of_range_is_damage() {
    let kept = shop(200).kept_classes(1);
    let mut wire = Block(kept.entries[..10].to_vec()).to_wire();
    wire.customers[3].province = wire.strings.len() as u32;
    assert!(Block::from_wire(wire, At::customer(0)).is_err());
}
