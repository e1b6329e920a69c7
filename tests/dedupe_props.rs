//! The index kept up to date one customer at a time always equals one built afresh.

use chrono::{DateTime, NaiveDate};
use kehu::dedupe::DuplicateIndex;
use kehu::domain::{Customer, Email, Gender, Phone};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;

/// Names with exact, normalised and one-edit collisions, in both scripts.
const NAMES: &[&str] = &[
    "王秀英",
    "王 秀英",
    "王秀华",
    "李秀英",
    "王伟",
    "王伟",
    "Anna Smith",
    "Ana Smith",
    "ANNA SMITH",
    "Anna Smtih",
    "Anna Chen",
    "Anna Chan",
    "Li Na",
    "Bob",
];
/// Few phones, so that one is sometimes shared by a crowd (more than `CROWD` of 29 ids).
const PHONES: &[&str] = &["13812345678", "13987654321", "13800138000"];
const EMAILS: &[&str] = &["anna@x.com", "ANNA@x.com", "li@y.cn"];

#[derive(Debug, Clone)]
enum Op {
    Upsert(Box<Customer>),
    Remove(u64),
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        1u64..30,
        // One name often enough that it is sometimes crowded, too.
        prop_oneof![1 => Just("Anna Smith"), 2 => select(NAMES)],
        proptest::option::weighted(0.8, select(PHONES)),
        proptest::option::weighted(0.3, select(EMAILS)),
        proptest::option::weighted(0.3, select(&["M1", "M2", "M3"][..])),
        proptest::option::weighted(0.2, 1u64..30),
        proptest::option::weighted(0.2, 0u32..2),
        select(Gender::ALL),
    )
        .prop_map(|(id, name, phone, email, reference, referrer, born, gender)| {
            let mut c = Customer::new(name, DateTime::from_timestamp(0, 0).unwrap_or_default()).unwrap();
            c.id = id;
            c.phone = phone.map(|p| Phone::parse(p).unwrap());
            c.email = email.map(|e| Email::parse(e).unwrap());
            c.reference = reference.map(str::to_string);
            c.referrer = referrer;
            c.birthday = born.and_then(|d| NaiveDate::from_ymd_opt(1990, 1, 1 + d));
            c.gender = gender;
            c
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![4 => customer().prop_map(|c| Op::Upsert(Box::new(c))), 1 => (1u64..30).prop_map(Op::Remove)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn incremental_equals_fresh(ops in proptest::collection::vec(op(), 0..80)) {
        let mut index = DuplicateIndex::new();
        let mut live: BTreeMap<u64, Customer> = BTreeMap::new();
        for op in &ops {
            match op {
                Op::Upsert(c) => {
                    index.upsert(c);
                    live.insert(c.id, (**c).clone());
                }
                Op::Remove(id) => {
                    index.remove(*id);
                    live.remove(id);
                }
            }
        }
        let fresh = DuplicateIndex::build(live.values());
        prop_assert_eq!(index.len(), live.len());
        prop_assert_eq!(index.pairs(), fresh.pairs());
        for id in 1..30 {
            prop_assert_eq!(index.of(id), fresh.of(id));
        }
    }
}
