use super::*;
use crate::domain::InteractionKind;
use crate::store::test_support::{day, interaction, new_customer, new_purchase, purchase};
use crate::store::{SledStore, Store};
use proptest::prelude::*;

/// Decodes every packed chunk of `owner` back into one list.
fn unpack<T: Child>(chunks: &[Vec<u8>], owner: u64) -> Vec<T> {
    chunks.iter().enumerate().flat_map(|(n, b)| decode::<T>(b, owner, n as u32).unwrap()).collect()
}

proptest! {
    #[test]
    fn purchases_round_trip_through_chunks(mut ps in proptest::collection::vec(purchase(), 0..150), owner in 1u64..) {
        ps.iter_mut().for_each(|p| p.customer = owner);
        let packed = pack(&ps).unwrap();
        prop_assert_eq!(packed.len(), ps.len().div_ceil(MAX_RECORDS));
        prop_assert_eq!(unpack::<Purchase>(&packed, owner), ps);
    }

    #[test]
    fn ledger_entries_round_trip_through_chunks(mut es in proptest::collection::vec(crate::store::test_support::ledger_entry(), 1..150), owner in 1u64..) {
        for e in &mut es {
            e.customer = owner;
        }
        prop_assert_eq!(unpack::<crate::domain::LedgerEntry>(&pack(&es).unwrap(), owner), es);
    }

    #[test]
    fn interactions_round_trip_through_chunks(mut is in proptest::collection::vec(interaction(), 1..80), owner in 1u64..) {
        is.iter_mut().for_each(|i| i.customer = owner);
        let packed = pack(&is).unwrap();
        prop_assert!(packed.iter().all(|b| b.len() <= BUDGET + 5));
        prop_assert_eq!(unpack::<Interaction>(&packed, owner), is);
    }

    #[test]
    fn damaged_chunks_are_errors_never_panics(ps in proptest::collection::vec(purchase(), 1..70), at in any::<usize>(), bit in 0u8..8) {
        let mut bytes = pack(&ps).unwrap().remove(0);
        let at = at % bytes.len();
        bytes[at] ^= 1 << bit;
        let err = decode::<Purchase>(&bytes, 9, 0).unwrap_err().to_string();
        prop_assert!(err.contains("purchases of customer #9 (chunk 0)"), "{}", err);
        prop_assert!(decode::<Purchase>(&bytes[..at], 9, 0).is_err());
    }
}

#[test]
fn a_format_5_chunk_of_purchases_still_reads_unknown_payment_and_no_points() {
    // A chunk as format 5 wrote it: envelope version 5, purchases in their version 5 layout.
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let mut p = Purchase::new(9, day, crate::domain::Money(12_345), 2).unwrap();
    p.id = 40;
    let wires = vec![(40i64, crate::store::wire::PurchaseV5::from_domain(&p))];
    let payload = crate::store::envelope::raw_payload(&wires);
    let mut bytes = vec![5u8];
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    let back: Vec<Purchase> = decode(&bytes, 9, 0).unwrap();
    assert_eq!(back, [p.clone()]);
    assert_eq!((back[0].payment, back[0].points), (crate::domain::Payment::Unknown, 0));
    // Written again, it is the current version and keeps what a till adds.
    let mut paid = p;
    paid.payment = crate::domain::Payment::StoredValue;
    paid.points = 123;
    paid.branch = "东门店".into();
    let packed = pack(std::slice::from_ref(&paid)).unwrap();
    assert_eq!(packed[0][0], 7);
    assert_eq!(decode::<Purchase>(&packed[0], 9, 0).unwrap(), [paid]);
}

/// A chunk as format 6 wrote it: envelope version 6 around `wires`.
fn format_6_chunk<W: serde::Serialize>(wires: &[(i64, W)]) -> Vec<u8> {
    let payload = crate::store::envelope::raw_payload(&wires);
    let mut bytes = vec![6u8];
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

#[test]
fn format_6_chunks_still_read_with_no_branch() {
    use crate::domain::{Account, EntryKind, LedgerEntry};
    use crate::store::wire::{InteractionV5, LedgerV6, PurchaseV6};
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let mut p = Purchase::new(9, day, crate::domain::Money(12_345), 2).unwrap();
    (p.id, p.points, p.payment) = (40, 12, crate::domain::Payment::Cash);
    let back: Vec<Purchase> = decode(&format_6_chunk(&[(40i64, PurchaseV6::from_domain(&p))]), 9, 0).unwrap();
    assert_eq!(back, [p.clone()], "all of version 6 kept, the branch empty");
    let mut i = Interaction::new(9, day, InteractionKind::Call, "回访").unwrap();
    i.id = 41;
    let back: Vec<Interaction> =
        decode(&format_6_chunk(&[(41i64, InteractionV5::from_domain(&i))]), 9, 0).unwrap();
    assert_eq!(back, [i]);
    let mut e = LedgerEntry::new(9, Account::Points, EntryKind::Earn, 12, day);
    (e.id, e.purchase) = (42, Some(40));
    let back: Vec<LedgerEntry> =
        decode(&format_6_chunk(&[(42i64, LedgerV6::from_domain(&e))]), 9, 0).unwrap();
    assert_eq!(back, [e]);
    // A sale of a branch written now reads back with its branch.
    p.branch = "东门店".into();
    let packed = pack(std::slice::from_ref(&p)).unwrap();
    assert_eq!(decode::<Purchase>(&packed[0], 9, 0).unwrap()[0].branch, "东门店");
}

#[test]
fn long_texts_are_cut_to_the_budget_and_an_empty_chunk_is_damage() {
    let mut i = Interaction::new(3, day(1, 1), InteractionKind::Note, &"长".repeat(4000)).unwrap();
    let all: Vec<Interaction> = (1..=64)
        .map(|id| {
            i.id = id;
            i.clone()
        })
        .collect();
    let packed = pack(&all).unwrap();
    assert!(packed.len() > 1 && packed.iter().all(|b| b.len() <= BUDGET), "{}", packed.len());
    assert_eq!(unpack::<Interaction>(&packed, 3), all);
    let empty = crate::store::envelope::encode_chunk::<Purchase>(&[], Child::id).unwrap();
    assert!(decode::<Purchase>(&empty, 3, 0).unwrap_err().to_string().ends_with("empty chunk"));
}

#[test]
fn records_together_over_an_envelope_are_cut_not_refused() {
    // Each within its fields' limits; 64 together past the 1 MiB an envelope takes.
    let mut i = Interaction::new(3, day(1, 1), InteractionKind::Note, &"😀".repeat(4000)).unwrap();
    i.operator = "😀".repeat(100);
    let all: Vec<Interaction> = (1..=64).map(|id| Interaction { id, ..i.clone() }).collect();
    assert!(crate::store::envelope::encode_chunk(&all, Child::id).is_err());
    let packed = pack(&all).unwrap();
    assert!(packed.len() > 1 && packed.iter().all(|b| b.len() <= BUDGET), "{}", packed.len());
    assert_eq!(unpack::<Interaction>(&packed, 3), all);
    // A single record too large for an envelope is still an error, never a loop.
    i.text = "x".repeat(1 << 20);
    assert!(pack(&[i]).unwrap_err().to_string().contains("too large to store"));
}

#[test]
fn ids_far_apart_and_out_of_order_keep_their_values() {
    let ids = [u64::MAX, 1, 1 << 40, 2, u64::MAX - 1];
    let ps: Vec<Purchase> = ids.iter().map(|&id| Purchase { id, ..new_purchase(5, day(1, 1), 1) }).collect();
    assert_eq!(unpack::<Purchase>(&pack(&ps).unwrap(), 5), ps);
}

#[test]
fn a_heavy_buyer_fills_chunks_in_order_and_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    let other = s.put_customer(new_customer("B", None, None)).unwrap();
    let mut added = Vec::new();
    for k in 0..150 {
        added.push(s.add_purchase(new_purchase(c.id, day(1 + k % 12, 1), k as i64)).unwrap());
    }
    s.add_purchase(new_purchase(other.id, day(1, 1), 1)).unwrap();
    let tree = s.raw().open_tree(crate::store::sled_store::PURCHASE_CHUNKS).unwrap();
    let sizes: Vec<usize> = tree
        .scan_prefix(c.id.to_be_bytes())
        .map(|kv| decode::<Purchase>(&kv.unwrap().1, c.id, 0).unwrap().len())
        .collect();
    assert_eq!(sizes, [64, 64, 22]);
    let mut got = s.history(c.id).unwrap().unwrap().purchases;
    got.sort_by_key(|p| p.id);
    assert_eq!(got, added);
    assert!(s.check().is_clean(), "{:?}", s.check());
}

#[test]
fn a_gap_in_the_numbering_is_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let c = s.put_customer(new_customer("A", None, None)).unwrap();
    for k in 0..64 {
        s.add_purchase(new_purchase(c.id, day(1, 1), k)).unwrap();
    }
    // Damage: chunk 2 appears with nothing at 1.
    let far = Purchase { id: 10_000, ..new_purchase(c.id, day(2, 2), 7) };
    let tree = s.raw().open_tree(crate::store::sled_store::PURCHASE_CHUNKS).unwrap();
    tree.insert(chunk_key(c.id, 2), pack(std::slice::from_ref(&far)).unwrap().remove(0)).unwrap();
    let report = s.check();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.key == format!("#{} chunk 2", c.id) && p.what.contains("expected chunk 1")),
        "{report:?}"
    );
    // 65 more: chunk 0 stays full, new records go to 1 and then to 3, past the stranger at 2.
    for k in 0..65 {
        s.add_purchase(new_purchase(c.id, day(1, 1), k)).unwrap();
    }
    let h = s.history(c.id).unwrap().unwrap();
    assert_eq!(h.purchases.len(), 64 + 1 + 65);
    assert!(h.purchases.contains(&far));
}

#[test]
fn a_merge_appends_the_losers_chunks_to_the_survivors_and_keeps_every_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let survivor = s.put_customer(new_customer("A", None, None)).unwrap();
    let loser = s.put_customer(new_customer("B", None, None)).unwrap();
    let mut ids = Vec::new();
    for (who, n) in [(survivor.id, 40), (loser.id, 100)] {
        for k in 0..n {
            ids.push(s.add_purchase(new_purchase(who, day(1 + k % 12, 1), k as i64)).unwrap().id);
        }
    }
    let note = Interaction::new(loser.id, day(3, 3), InteractionKind::Visit, "came by").unwrap();
    let note = s.add_interaction(note).unwrap();
    let h = s.merge(survivor.clone(), loser.id).unwrap();
    let mut got: Vec<u64> = h.purchases.iter().map(|p| p.id).collect();
    got.sort();
    assert_eq!(got, ids);
    assert!(h.purchases.iter().all(|p| p.customer == survivor.id));
    assert_eq!(h.interactions, [Interaction { customer: survivor.id, ..note }]);
    let tree = s.raw().open_tree(crate::store::sled_store::PURCHASE_CHUNKS).unwrap();
    let sizes: Vec<(u64, usize)> = tree
        .iter()
        .map(|kv| {
            let (k, v) = kv.unwrap();
            let (owner, n) = crate::store::keys::parse_chunk_key(&k, "key").unwrap();
            (owner, decode::<Purchase>(&v, owner, n).unwrap().len())
        })
        .collect();
    assert_eq!(sizes, [(survivor.id, 64), (survivor.id, 64), (survivor.id, 12)]);
    assert!(s.check().is_clean(), "{:?}", s.check());
    let err = s.delete_customer(h.customer.id, h.customer.revision).unwrap_err();
    assert!(matches!(err, StoreError::HasHistory { purchases: 140, interactions: 1, .. }), "{err:?}");
}
