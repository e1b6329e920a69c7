use super::*;
use crate::store::trees::TreeId;

fn entry(seq: u64, sum: u64) -> Entry {
    Entry {
        seq,
        micros: seq as i64,
        sum,
        writes: vec![Write {
            tree: TreeId::Settings,
            key: seq.to_be_bytes().to_vec(),
            value: Some(vec![7; 10]),
        }],
    }
}

fn all_after(dir: &Path, seq: u64) -> StoreResult<Vec<u64>> {
    let mut seen = Vec::new();
    entries_after(dir, seq, &mut |e| {
        seen.push(e.seq);
        Ok(())
    })?;
    Ok(seen)
}

#[test]
fn appended_entries_read_back_in_order_across_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(DIR);
    let mut j = Journal::create(&dir, Header { base: 0, base_sum: 0 }).unwrap();
    for seq in 1..=5 {
        j.append(&entry(seq, seq * 10)).unwrap();
    }
    j.rotate().unwrap();
    for seq in 6..=8 {
        j.append(&entry(seq, seq * 10)).unwrap();
    }
    assert_eq!((j.last, j.sum), (8, 80));
    let segs = segments(&dir).unwrap().unwrap();
    assert_eq!(segs.iter().map(|s| s.base).collect::<Vec<_>>(), vec![0, 5]);
    assert_eq!(all_after(&dir, 0).unwrap(), (1..=8).collect::<Vec<_>>());
    assert_eq!(all_after(&dir, 6).unwrap(), vec![7, 8]);
    assert_eq!(all_after(&dir, 8).unwrap(), Vec::<u64>::new());
}

#[test]
fn a_torn_append_is_cut_off_on_resume_and_a_retracted_one_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(DIR);
    let mut j = Journal::create(&dir, Header { base: 0, base_sum: 0 }).unwrap();
    j.append(&entry(1, 1)).unwrap();
    j.append(&entry(2, 2)).unwrap();
    j.retract(1).unwrap();
    assert_eq!((j.last, j.sum), (1, 1));
    j.append(&entry(2, 22)).unwrap();
    let path = j.path.clone();
    drop(j);
    // Half of a third entry, as a crash during the append leaves it.
    let half = entry::encode(&entry(3, 3));
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&half[..half.len() / 2]).unwrap();
    drop(f);
    let seg = read(&path).unwrap();
    assert_eq!((seg.last(), seg.last_sum(), seg.tail.clone()), (2, 22, Some(Bad::Short)));
    let mut j = Journal::resume(&dir, &path, &seg).unwrap();
    j.append(&entry(3, 33)).unwrap();
    assert_eq!(all_after(&dir, 0).unwrap(), vec![1, 2, 3]);
    assert!(read(&path).unwrap().tail.is_none());
}

#[test]
fn a_gap_or_a_pruned_start_is_an_error_not_a_short_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(DIR);
    let mut j = Journal::create(&dir, Header { base: 0, base_sum: 0 }).unwrap();
    for seq in 1..=3 {
        j.append(&entry(seq, seq)).unwrap();
        j.rotate().unwrap();
    }
    j.append(&entry(4, 4)).unwrap();
    assert_eq!(j.prune(2).unwrap(), 2, "segments 0 and 1 end at or before 2");
    assert!(all_after(&dir, 0).is_err(), "change 1 and 2 are gone");
    assert_eq!(all_after(&dir, 2).unwrap(), vec![3, 4]);
    // Remove the middle segment: change 3 can no longer be replayed.
    std::fs::remove_file(dir.join(format!("{:020}.kj", 2))).unwrap();
    assert!(all_after(&dir, 2).is_err());
    assert_eq!(all_after(&dir, 3).unwrap(), vec![4]);
}

#[test]
fn a_damaged_header_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(DIR);
    let j = Journal::create(&dir, Header { base: 0, base_sum: 0 }).unwrap();
    let mut bytes = std::fs::read(&j.path).unwrap();
    bytes[13] ^= 1;
    std::fs::write(&j.path, bytes).unwrap();
    assert!(matches!(read(&j.path), Err(StoreError::Corrupt(_))));
}
