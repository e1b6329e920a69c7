//! Properties of the search index: narrowing a query reuses the last matches and must give
//! exactly what a fresh query gives, whatever the customers and the keys typed.

use chrono::DateTime;
use kehu::domain::Customer;
use kehu::search::{Hit, SearchIndex};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "王秀英",
    "曾小明",
    "张伟",
    "李娜",
    "欧阳娜娜",
    "单田芳",
    "吕布",
    "Anna Smith",
    "Émile Zola",
    "王 Lily",
    "陈静",
    "Chen Jing",
    "层层",
    "Zack Smithers",
];
const PHONES: &[&str] =
    &["", "13812345678", "13912345678", "15000005678", "+44 20 7946 0958", "010-12345678"];
const REFS: &[&str] = &["", "M0000001", "m0000123", "20000004", "VIP-7"];

fn customer(id: u64, name: usize, phone: usize, reference: usize, tagged: bool) -> Customer {
    let mut c = Customer::new(NAMES[name % NAMES.len()], DateTime::UNIX_EPOCH).expect("name");
    c.id = id;
    c.set_phone(PHONES[phone % PHONES.len()]).expect("phone");
    c.set_reference(REFS[reference % REFS.len()]).expect("ref");
    if tagged {
        c.set_tags("vip, baby");
        c.set_email("shop.fan@example.com").expect("email");
    }
    c
}

fn customers() -> impl Strategy<Value = Vec<(Customer, i32)>> {
    prop::collection::vec((0usize..20, 0usize..6, 0usize..5, any::<bool>(), -3i32..3), 1..30).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (n, p, r, t, rec))| (customer(i as u64 + 1, n, p, r, t), rec))
            .collect()
    })
}

/// Pieces of real keys, so that random queries often do match something.
const PIECES: &[&str] = &[
    "13812345678",
    "15000005678",
    "+86 138-1234-5678",
    "+44 20 7946 0958",
    "01012345678",
    "m0000123",
    "20000004",
    "wangxiuying",
    "wxy",
    "zengxiaoming",
    "cengxm",
    "ouyangnana",
    "anna smith",
    "emile",
    "王秀英",
    "欧阳娜娜",
    "shop.fan@example",
    "vip-7",
    "chen jing",
    "lvbu",
];

/// Keys as staff (and scanners, and cats) type them: a piece of a real key with random keys
/// around it, or random keys alone.
fn typed() -> impl Strategy<Value = String> {
    let piece =
        (prop::sample::select(PIECES), 0usize..8, 1usize..12, random(3)).prop_map(|(p, from, len, tail)| {
            let s: String = p.chars().skip(from).take(len).collect();
            s + &tail
        });
    prop_oneof![2 => piece, 1 => random(10)]
}

fn random(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(vec!['w', 'x', 'y', 'z', 'e', 'n', 'g', 'c', 's', 'm', 'i', 't', 'h', 'a']),
            3 => prop::sample::select(vec!['1', '3', '8', '5', '6', '7', '0', '4']),
            2 => prop::sample::select(vec!['王', '秀', '英', '曾', '小', ' ', '-', '+', 'Ｗ', 'É']),
            1 => any::<char>(),
        ],
        0..max,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn fresh(customers: &[(Customer, i32)], q: &str) -> Vec<Hit> {
    SearchIndex::build(customers.iter().map(|(c, r)| (c, *r))).query(q).to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn narrowing_equals_a_fresh_query(cs in customers(), q in typed()) {
        let mut ix = SearchIndex::build(cs.iter().map(|(c, r)| (c, *r)));
        let ends: Vec<usize> = q.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        for end in ends {
            let typed = ix.query(&q[..end]).to_vec();
            prop_assert_eq!(&typed, &fresh(&cs, &q[..end]), "query {:?}", &q[..end]);
        }
    }

    #[test]
    fn upsert_and_remove_equal_a_rebuild(cs in customers(), q in typed(), renames in prop::collection::vec((0usize..30, 0usize..20, any::<bool>()), 0..10)) {
        let mut ix = SearchIndex::build(cs.iter().map(|(c, r)| (c, *r)));
        let mut now = cs.clone();
        let _ = ix.query(&q);
        for (at, name, drop) in renames {
            let Some(i) = (at < now.len()).then_some(at) else { continue };
            if drop {
                prop_assert!(ix.remove(now[i].0.id));
                now.remove(i);
            } else {
                let c = customer(now[i].0.id, name, name, name, name % 2 == 0);
                ix.upsert(&c, now[i].1);
                now[i].0 = c;
            }
        }
        prop_assert_eq!(ix.len(), now.len());
        prop_assert_eq!(ix.query(&q).to_vec(), fresh(&now, &q));
    }
}
