//! Properties of the member ledger under random till sessions: top-ups, payments from the
//! balance and with points, redemptions, returns, voids, undos and retried saves (the same
//! idempotency key again). After every step each balance is the sum of its entries and never
//! below zero, every purchase's entries add up to what it is due (`check`), a refused change
//! leaves everything as it was, a retried save changes nothing at all, and the balances the
//! console keeps (updated only for the customers each change touched) equal a fresh sum.

use chrono::{DateTime, NaiveDate};
use kehu::change::{Applied, Change};
use kehu::classify::{Rules, Tier};
use kehu::domain::{Balances, Customer, History, Money, Payment, Purchase, Void};
use kehu::ledger::{earn, till};
use kehu::store::{SledStore, Store};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    TopUp { who: usize, yuan: u16, key: u8 },
    Pay { who: usize, cents: u32, how: u8, key: Option<u8> },
    Redeem { who: usize, points: u16, key: u8 },
    Return { who: usize, which: usize, whole: bool },
    Void { who: usize, which: usize },
    Retry,
    Undo,
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0usize..3;
    prop_oneof![
        3 => (who.clone(), 1u16..1500, 0u8..6).prop_map(|(who, yuan, key)| Op::TopUp { who, yuan, key }),
        4 => (who.clone(), 1u32..80_000, 0u8..3, proptest::option::of(6u8..12))
            .prop_map(|(who, cents, how, key)| Op::Pay { who, cents, how, key }),
        2 => (who.clone(), 1u16..400, 12u8..18).prop_map(|(who, points, key)| Op::Redeem { who, points, key }),
        2 => (who.clone(), 0usize..8, any::<bool>()).prop_map(|(who, which, whole)| Op::Return { who, which, whole }),
        2 => (who.clone(), 0usize..8).prop_map(|(who, which)| Op::Void { who, which }),
        2 => Just(Op::Retry),
        1 => Just(Op::Undo),
    ]
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

fn history(store: &SledStore, id: u64) -> History {
    store.history(id).unwrap().unwrap()
}

fn everyone(store: &SledStore) -> Vec<History> {
    let mut all = Vec::new();
    store.for_each_history(&mut |h| all.push(h)).unwrap();
    all
}

/// The change `op` makes now, and the balance change a model of the till expects when it is
/// saved (None where the store alone decides: returns, voids, undos).
fn change(store: &SledStore, ids: &[u64], op: &Op, rules: &Rules) -> Option<(Change, Option<Balances>)> {
    let id = |who: &usize| ids[*who % ids.len()];
    Some(match op {
        Op::TopUp { who, yuan, key } => {
            let h = history(store, id(who));
            let t = till::top_up(h.customer.id, h.balances(), Money::units(i64::from(*yuan)), day(), rules)
                .ok()?;
            let moved = Balances { points: 0, stored: t.amount + t.bonus };
            (till::keyed(&format!("t{key}"), t.entries), Some(moved))
        }
        Op::Pay { who, cents, how, key } => {
            let payment = [Payment::Cash, Payment::StoredValue, Payment::Points][usize::from(*how)];
            let amount = Money(i64::from(*cents));
            let mut p = Purchase::new(id(who), day(), amount, 1).unwrap();
            p.payment = payment;
            p.points = earn::sale_points(amount, payment, Tier::Normal, rules);
            let stored = if payment == Payment::StoredValue { Money(-amount.0) } else { Money::ZERO };
            let moved = Balances { points: p.points, stored };
            let change = match key {
                Some(k) => Change::Keyed { key: format!("p{k}"), change: Box::new(Change::AddPurchase(p)) },
                None => Change::AddPurchase(p),
            };
            (change, Some(moved))
        }
        Op::Redeem { who, points, key } => {
            let h = history(store, id(who));
            let r = till::redeem(h.customer.id, &h.ledger, i64::from(*points), "", day(), rules).ok()?;
            let moved = Balances { points: -i64::from(*points), stored: Money::ZERO };
            (till::keyed(&format!("r{key}"), r.entries), Some(moved))
        }
        Op::Return { who, which, whole } => {
            let h = history(store, id(who));
            let sales: Vec<&Purchase> = h.purchases.iter().filter(|p| p.is_sale()).collect();
            let sale = (*sales.get(which % sales.len().max(1))?).clone();
            let (money, items) = kehu::domain::refundable(&sale, &h.purchases);
            let (amount, quantity) = if *whole { (money, items) } else { (Money(money.0 / 2), 0) };
            (Change::AddPurchase(Purchase::refund(&sale, day(), amount, quantity).ok()?), None)
        }
        Op::Void { who, which } => {
            let h = history(store, id(who));
            let p = h.purchases.get(which % h.purchases.len().max(1))?.clone();
            let mut after = p.clone();
            after.void = match p.void {
                Some(_) => None,
                None => Some(Void {
                    at: DateTime::from_timestamp(1_714_600_000, 0).unwrap(),
                    by: "prop".into(),
                    reason: "typo".into(),
                }),
            };
            (Change::ReplacePurchase { before: p, after }, None)
        }
        Op::Retry | Op::Undo => return None,
    })
}

/// The customer a change is about.
fn about(change: &Change) -> Option<u64> {
    change.customer()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn balances_stay_the_sum_of_their_entries_never_below_zero_and_retries_change_nothing(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let rules = Rules::default();
        let tmp = tempfile::tempdir().unwrap();
        let store = SledStore::open(&tmp.path().join("db")).unwrap();
        let born = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let ids: Vec<u64> = ["王", "李", "张"]
            .iter()
            .map(|n| store.put_customer(Customer::new(n, born).unwrap()).unwrap().id)
            .collect();
        let mut last: Option<(Change, kehu::change::Committed)> = None;
        // The console's copy: each committed change's touched customers read back, as it does.
        let mut kept = kehu::classify::Classifier::from_histories(rules.clone(), day(), &everyone(&store));
        let take_in = |kept: &mut kehu::classify::Classifier, c: &Change, done: &kehu::change::Committed| {
            for id in c.touched(done) {
                if let Some(h) = store.history(id).unwrap() {
                    kept.upsert(&h);
                }
            }
        };
        let mut keyed_last: Option<Change> = None;
        for op in &ops {
            let before = everyone(&store);
            let position = store.position();
            match op {
                Op::Retry => {
                    let Some(again) = keyed_last.clone() else { continue };
                    let done = store.commit(again, "prop").unwrap();
                    prop_assert!(matches!(done.applied, Applied::Replayed(_)), "{:?}", done.applied);
                    prop_assert_eq!(store.position(), position, "a retry journals nothing");
                    prop_assert_eq!(everyone(&store), before, "a retry changes nothing");
                    continue;
                }
                Op::Undo => {
                    let Some((c, done)) = last.take() else { continue };
                    let Some(inverse) = c.inverse(&done) else { continue };
                    match store.commit(inverse.clone(), "prop") {
                        Ok(undone) => take_in(&mut kept, &inverse, &undone),
                        Err(_) => prop_assert_eq!(everyone(&store), before, "a refused undo changes nothing"),
                    }
                    continue;
                }
                _ => {}
            }
            let Some((c, expected)) = change(&store, &ids, op, &rules) else { continue };
            let whom = about(&c);
            let was = whom.map(|id| history(&store, id).balances());
            match store.commit(c.clone(), "prop") {
                Ok(done) => {
                    if let (Some(id), Some(was), Some(moved)) = (whom, was, expected)
                        && !matches!(done.applied, Applied::Replayed(_))
                    {
                        let now = history(&store, id).balances();
                        prop_assert_eq!(now.points, was.points + moved.points, "{:?}", op);
                        prop_assert_eq!(now.stored, was.stored + moved.stored, "{:?}", op);
                    }
                    if matches!(c, Change::Keyed { .. }) {
                        keyed_last = Some(c.clone());
                    }
                    take_in(&mut kept, &c, &done);
                    last = Some((c, done));
                }
                Err(_) => {
                    prop_assert_eq!(everyone(&store), before, "a refused change changes nothing");
                    prop_assert_eq!(store.position(), position);
                }
            }
            for h in everyone(&store) {
                let b = h.balances();
                prop_assert!(b.points >= 0 && b.stored.0 >= 0, "#{} below zero: {:?}", h.customer.id, b);
                let sum: i64 = h.ledger.iter().filter(|e| e.account == kehu::domain::Account::Points).map(|e| e.amount).sum();
                prop_assert_eq!(b.points, sum);
                let p = kept.profile(h.customer.id).unwrap();
                prop_assert_eq!((p.points, p.stored_value), (b.points, b.stored), "the kept balances of #{}", h.customer.id);
            }
            let report = store.check();
            prop_assert!(report.is_clean(), "{:?}", report.problems);
        }
    }
}
