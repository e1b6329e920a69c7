//! Properties of the incremental classifier: the result depends only on the final histories —
//! not on the order of edits, not on re-upserts or removals along the way, not on whether
//! "today" was moved after the fact.

use chrono::{DateTime, Days, NaiveDate};
use kehu::classify::{Classifier, Dimension, Rules};
use kehu::domain::{
    Channel, Complaint, ComplaintType, Customer, History, Interaction, InteractionKind, Money, Purchase,
    Rating, Severity,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const CUSTOMERS: u64 = 10;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

type PurchaseSpec = (u16, u32, bool, u8, u8);
type ContactSpec = (u16, u8, u8, bool, bool, Option<u8>);

fn build(
    id: u64,
    purchases: &[PurchaseSpec],
    contacts: &[ContactSpec],
    referrer: Option<u64>,
    place: u8,
) -> History {
    let now = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
    let mut customer = Customer::new(&format!("customer {id}"), now).expect("valid name");
    customer.id = id;
    customer.referrer = referrer;
    customer.province = ["", "广东", "Zhejiang"][usize::from(place % 3)].to_string();
    customer.tags =
        ["vip", "baby", "tea"].iter().take(usize::from(place % 4)).map(|t| t.to_string()).collect();
    // Birthdays and genders, for the member dimensions (a birthday this week: a follow-up).
    customer.birthday =
        (!place.is_multiple_of(5)).then(|| today() - Days::new(365 * 30 - u64::from(place % 9)));
    customer.gender = kehu::domain::Gender::ALL[usize::from(place) % 4];
    let day = |ago: u16| today() - Days::new(u64::from(ago));
    let purchases = purchases
        .iter()
        .enumerate()
        .map(|(i, (ago, cents, promo, cat, ch))| {
            let mut p = Purchase::new(id, day(*ago), Money(i64::from(*cents)), 1).expect("valid purchase");
            p.id = id * 1000 + i as u64;
            p.promo = *promo;
            p.category = ["tea", "cups", ""][usize::from(cat % 3)].to_string();
            p.channel = Channel::ALL[usize::from(ch % 4)];
            p
        })
        .collect();
    let interactions = contacts
        .iter()
        .enumerate()
        .map(|(i, (ago, kind, rating, resolved, major, follow))| {
            let kind = InteractionKind::ALL[usize::from(kind % 8)];
            let mut x = Interaction::new(id, day(*ago), kind, "").expect("valid interaction");
            x.id = id * 1000 + i as u64;
            if kind == InteractionKind::Feedback {
                x.rating = Rating::new(rating % 5 + 1).ok();
            }
            if kind == InteractionKind::Complaint {
                let severity = if *major { Severity::Major } else { Severity::Minor };
                x.complaint = Some(Complaint {
                    kind: ComplaintType::Service,
                    severity,
                    resolved: *resolved,
                    resolution: None,
                });
            }
            x.follow_up = follow.map(|f| x.date + Days::new(u64::from(f)));
            x
        })
        .collect();
    History { customer, purchases, interactions, ledger: Vec::new() }
}

fn arb_history(id: u64) -> impl Strategy<Value = History> {
    (
        prop::collection::vec((0u16..800, 0u32..60_000, any::<bool>(), any::<u8>(), any::<u8>()), 0..14),
        prop::collection::vec(
            (0u16..400, any::<u8>(), any::<u8>(), any::<bool>(), any::<bool>(), prop::option::of(0u8..40)),
            0..4,
        ),
        prop::option::of(1..=CUSTOMERS),
        any::<u8>(),
    )
        .prop_map(move |(ps, cs, referrer, place)| build(id, &ps, &cs, referrer, place))
}

/// Two versions of every customer's history, and a script of edits: (customer, 0 = upsert the
/// first version, 1 = upsert the second, 2 = remove).
fn arb_script() -> impl Strategy<Value = (Vec<History>, Vec<History>, Vec<(u64, u8)>)> {
    let v1: Vec<_> = (1..=CUSTOMERS).map(arb_history).collect();
    let v2: Vec<_> = (1..=CUSTOMERS).map(arb_history).collect();
    (v1, v2, prop::collection::vec((1..=CUSTOMERS, 0u8..3), 1..40))
}

/// Everything observable, in a comparable form.
fn snapshot(c: &Classifier) -> String {
    let mut ids: Vec<u64> = c.ids().collect();
    ids.sort_unstable();
    let profiles: Vec<_> = ids.iter().map(|id| c.profile(*id)).collect();
    let segments: BTreeMap<&str, _> = Dimension::ALL.iter().map(|d| (d.key(), c.segments(*d))).collect();
    format!("{profiles:#?}\n{segments:#?}\n{:#?}", c.follow_ups())
}

fn replay(script: &[(u64, u8)], v1: &[History], v2: &[History]) -> (Classifier, BTreeMap<u64, History>) {
    let mut c = Classifier::new(Rules::default(), today());
    let mut last = BTreeMap::new();
    for (id, op) in script {
        let i = (*id - 1) as usize;
        match op {
            0 | 1 => {
                let h = if *op == 0 { &v1[i] } else { &v2[i] };
                c.upsert(h);
                last.insert(*id, h.clone());
            }
            _ => {
                c.remove(*id);
                last.remove(id);
            }
        }
    }
    (c, last)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn incremental_edits_equal_a_fresh_build((v1, v2, script) in arb_script()) {
        let (incremental, last) = replay(&script, &v1, &v2);
        let fresh = Classifier::from_histories(Rules::default(), today(), last.values());
        prop_assert_eq!(incremental.len(), last.len());
        prop_assert_eq!(snapshot(&incremental), snapshot(&fresh));
    }

    #[test]
    fn upsert_order_does_not_matter((v1, _v2, _s) in arb_script(), seed in any::<u64>()) {
        let mut forward = Classifier::new(Rules::default(), today());
        v1.iter().for_each(|h| forward.upsert(h));
        // A deterministic shuffle from the seed: rotate, then reverse every other step.
        let mut order: Vec<&History> = v1.iter().collect();
        order.rotate_left((seed % CUSTOMERS) as usize);
        if seed % 2 == 0 {
            order.reverse();
        }
        let mut shuffled = Classifier::new(Rules::default(), today());
        order.iter().for_each(|h| shuffled.upsert(h));
        prop_assert_eq!(snapshot(&forward), snapshot(&shuffled));
    }

    #[test]
    fn set_today_equals_a_fresh_build_at_the_new_date((v1, v2, script) in arb_script(), shift in -400i64..200) {
        let (mut c, last) = replay(&script, &v1, &v2);
        let new_today = today() + chrono::Duration::days(shift);
        c.set_today(new_today);
        let fresh = Classifier::from_histories(Rules::default(), new_today, last.values());
        prop_assert_eq!(snapshot(&c), snapshot(&fresh));
    }
}
