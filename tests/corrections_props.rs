//! Corrections and undo through the store (issue 14, point 7): random sequences of purchases,
//! voids, returns, corrections, resolutions, unanswered calls, merges and undos. After every
//! step the classes kept one edit at a time (as the console keeps them) equal a fresh build from
//! the records the store holds; undoing the whole sequence gives back the starting database:
//! every record and index as it was (revisions move on: they are concurrency tokens) and the
//! same classes. The kept digests
//! (issue 18) equal a fresh build after every step too: `check` compares each one.

use chrono::{DateTime, Days, NaiveDate};
use kehu::change::{Change, undo};
use kehu::classify::{Classifier, Dimension, Rules};
use kehu::domain::{
    Customer, History, Interaction, InteractionKind, Money, Outcome, Phone, Purchase, Resolution, Void,
};
use kehu::store::{ChangeSet, SledStore, Store};
use proptest::prelude::*;
use std::collections::BTreeMap;

const OPERATOR: &str = "till";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn stamp() -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid time")
}

/// One step; indices pick among what the store holds.
#[derive(Debug, Clone)]
enum Op {
    Buy { who: usize, cents: u16, ago: u8 },
    Void { who: usize, which: usize },
    Refund { who: usize, which: usize, whole: bool },
    Correct { who: usize, which: usize, cents: u16 },
    Resolve { who: usize, which: usize },
    NoAnswer { who: usize, call_back: u8 },
    Merge { survivor: usize, loser: usize },
    Undo,
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0usize..16;
    let which = 0usize..16;
    prop_oneof![
        3 => (who.clone(), 1u16..30_000, 0u8..200).prop_map(|(who, cents, ago)| Op::Buy { who, cents, ago }),
        2 => (who.clone(), which.clone()).prop_map(|(who, which)| Op::Void { who, which }),
        2 => (who.clone(), which.clone(), any::<bool>()).prop_map(|(who, which, whole)| Op::Refund { who, which, whole }),
        2 => (who.clone(), which.clone(), 1u16..30_000).prop_map(|(who, which, cents)| Op::Correct { who, which, cents }),
        2 => (who.clone(), which).prop_map(|(who, which)| Op::Resolve { who, which }),
        1 => (who.clone(), 1u8..30).prop_map(|(who, call_back)| Op::NoAnswer { who, call_back }),
        1 => (who.clone(), who).prop_map(|(survivor, loser)| Op::Merge { survivor, loser }),
        2 => Just(Op::Undo),
    ]
}

/// The shop the sequence starts from: six customers with purchases, and complaints open.
fn start(store: &SledStore) {
    let mut set = ChangeSet::default();
    let first = store.allocate_ids(100).expect("ids");
    let mut next = first;
    let mut id = || {
        next += 1;
        next - 1
    };
    for n in 0..6u32 {
        let mut c = Customer::new(&format!("c{n}"), stamp()).expect("name");
        c.id = id();
        c.reference = Some(format!("M{n}"));
        c.phone = Some(Phone::parse(&format!("1390000000{n}")).expect("phone"));
        for k in 0..(n % 3 + 1) {
            let day = today() - Days::new(u64::from(10 + 40 * k + 7 * n));
            let mut p =
                Purchase::new(c.id, day, Money(i64::from(1000 + 500 * n + 250 * k)), 1 + k).expect("sale");
            p.id = id();
            set.purchases.push(p);
        }
        let mut complaint =
            Interaction::new(c.id, today() - Days::new(u64::from(5 + n)), InteractionKind::Complaint, "late")
                .expect("complaint");
        complaint.id = id();
        set.interactions.push(complaint);
        set.customers.push(c);
    }
    store.apply(set, "start").expect("start");
}

fn histories(store: &SledStore) -> Vec<History> {
    let mut out = Vec::new();
    store.for_each_history(&mut |h| out.push(h)).expect("read");
    out
}

/// The change an op makes against the store as it is (None: nothing to do).
fn change(store: &SledStore, op: &Op) -> Option<Change> {
    let hs = histories(store);
    if hs.is_empty() {
        return None;
    }
    let pick = |who: usize| &hs[who % hs.len()];
    let void = || Some(Void { at: stamp(), by: OPERATOR.into(), reason: "typo".into() });
    Some(match op {
        Op::Buy { who, cents, ago } => {
            let day = today() - Days::new(u64::from(*ago));
            Change::AddPurchase(Purchase::new(pick(*who).customer.id, day, Money(i64::from(*cents)), 1).ok()?)
        }
        Op::Void { who, which } => {
            let ps = &pick(*who).purchases;
            let p = ps.get(which % ps.len().max(1))?.clone();
            let mut after = p.clone();
            after.void = if p.void.is_some() { None } else { void() };
            Change::ReplacePurchase { before: p, after }
        }
        Op::Refund { who, which, whole } => {
            let ps = &pick(*who).purchases;
            let sale = ps.iter().filter(|p| p.is_sale()).nth(which % ps.len().max(1))?.clone();
            let (money, items) = kehu::domain::refundable(&sale, ps);
            let (amount, quantity) = if *whole { (money, items) } else { (Money(money.0 / 2), 0) };
            Change::AddPurchase(Purchase::refund(&sale, today(), amount, quantity).ok()?)
        }
        Op::Correct { who, which, cents } => {
            let ps = &pick(*who).purchases;
            let p = ps.get(which % ps.len().max(1))?.clone();
            let after = Purchase { amount: Money(i64::from(*cents)), ..p.clone() };
            Change::ReplacePurchase { before: p, after }
        }
        Op::Resolve { who, which } => {
            let is = &pick(*who).interactions;
            let i = is.get(which % is.len().max(1))?.clone();
            let mut after = i.clone();
            match after.complaint.as_mut() {
                Some(c) if !c.resolved => {
                    c.resolved = true;
                    c.resolution =
                        Some(Resolution { on: today(), by: OPERATOR.into(), note: "refunded".into() });
                }
                _ => after.text = format!("{} (edited)", after.text),
            }
            Change::ReplaceInteraction { before: i, after }
        }
        Op::NoAnswer { who, call_back } => {
            let mut call =
                Interaction::new(pick(*who).customer.id, today(), InteractionKind::Call, "rang").ok()?;
            call.outcome = Outcome::NoAnswer;
            call.follow_up = Some(today() + Days::new(u64::from(*call_back)));
            Change::AddInteraction(call)
        }
        Op::Merge { survivor, loser } => {
            let (s, l) = (pick(*survivor), pick(*loser));
            Change::Merge { survivor: s.customer.clone(), loser: l.customer.id }
        }
        Op::Undo => return None,
    })
}

/// Everything the classes show, comparable.
fn snapshot(c: &Classifier) -> String {
    let mut ids: Vec<u64> = c.ids().collect();
    ids.sort_unstable();
    let profiles: Vec<_> = ids.iter().map(|id| c.profile(*id)).collect();
    let segments: BTreeMap<&str, _> = Dimension::ALL.iter().map(|d| (d.key(), c.segments(*d))).collect();
    format!("{profiles:#?}\n{segments:#?}\n{:#?}", c.follow_ups())
}

/// The records, revisions aside.
fn content(store: &SledStore) -> Vec<History> {
    histories(store)
        .into_iter()
        .map(|mut h| {
            h.customer.revision = 0;
            h
        })
        .collect()
}

/// Brings `clf` up to the store, customer by customer, as the console does after a save.
fn follow(clf: &mut Classifier, known: &mut BTreeMap<u64, History>, store: &SledStore) {
    let now: BTreeMap<u64, History> = histories(store).into_iter().map(|h| (h.customer.id, h)).collect();
    for (id, h) in &now {
        if known.get(id) != Some(h) {
            clf.upsert(h);
        }
    }
    for id in known.keys().filter(|id| !now.contains_key(id)) {
        clf.remove(*id);
    }
    *known = now;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn classes_follow_every_correction_and_undo_gives_back_the_start(ops in proptest::collection::vec(op(), 1..30)) {
        let tmp = tempfile::tempdir().unwrap();
        let store = SledStore::open(&tmp.path().join("db")).unwrap();
        start(&store);
        let (first, first_classes) = {
            let fresh = Classifier::from_histories(Rules::default(), today(), histories(&store).iter());
            (content(&store), snapshot(&fresh))
        };
        let mut known = BTreeMap::new();
        let mut clf = Classifier::new(Rules::default(), today());
        follow(&mut clf, &mut known, &store);
        for op in &ops {
            match op {
                Op::Undo => {
                    if let Some(u) = undo::last(&store, Some(OPERATOR)).unwrap() {
                        undo::apply(&store, &u, OPERATOR, true).unwrap();
                    }
                }
                op => {
                    if let Some(c) = change(&store, op) {
                        // Refused changes (a return of more than is left, a merge into itself)
                        // leave nothing behind; the classes are checked either way.
                        let _ = store.commit(c, OPERATOR);
                    }
                }
            }
            follow(&mut clf, &mut known, &store);
            let fresh = Classifier::from_histories(Rules::default(), today(), histories(&store).iter());
            prop_assert_eq!(snapshot(&clf), snapshot(&fresh), "after {:?}", op);
            let report = store.check();
            prop_assert!(report.is_clean(), "{:?}", report);
            // Every kept digest was compared with one built afresh from the records (check).
            let digests = report.counts.iter().find(|(what, _)| what == "digests").map(|(_, n)| *n);
            prop_assert_eq!(digests, Some(store.customer_count().unwrap()), "after {:?}", op);
        }
        let mut undone = 0;
        while let Some(u) = undo::last(&store, Some(OPERATOR)).unwrap() {
            undo::apply(&store, &u, OPERATOR, true).unwrap();
            undone += 1;
            prop_assert!(undone <= ops.len() * 2, "undo does not end");
        }
        prop_assert_eq!(content(&store), first);
        prop_assert!(store.not_duplicates().unwrap().is_empty());
        let fresh = Classifier::from_histories(Rules::default(), today(), histories(&store).iter());
        prop_assert_eq!(snapshot(&fresh), first_classes);
        follow(&mut clf, &mut known, &store);
        prop_assert_eq!(snapshot(&clf), snapshot(&fresh));
        prop_assert!(store.check().is_clean(), "{:?}", store.check());
    }
}
