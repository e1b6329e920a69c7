//! The search index's tiers and ordering, with the examples of issue 5.

use chrono::DateTime;
use kehu::domain::Customer;
use kehu::search::{SearchIndex, Tier};

fn customer(id: u64, name: &str, phone: &str, reference: &str) -> Customer {
    let mut c = Customer::new(name, DateTime::UNIX_EPOCH).expect("name");
    c.id = id;
    c.set_phone(phone).expect("phone");
    c.set_reference(reference).expect("ref");
    c
}

fn shop() -> Vec<(Customer, i32)> {
    let mut anna = customer(6, "Anna Smith", "", "M0000006");
    anna.set_email("anna.smith@gmail.com").expect("email");
    anna.set_tags("vip, baby");
    vec![
        (customer(1, "王秀英", "13812345678", "M0000001"), 100),
        (customer(2, "曾小明", "13912340000", ""), 90),
        (customer(3, "岑小明", "", ""), 80),
        (customer(4, "李王芳", "", "20000004"), 70),
        (customer(5, "张秀英", "+44 20 7946 0958", ""), 60),
        (anna, 50),
        (customer(7, "层层", "", ""), 95),
        (customer(8, "Émile Zola", "15000005678", "m0000008"), 40),
    ]
}

fn index() -> SearchIndex {
    let s = shop();
    SearchIndex::build(s.iter().map(|(c, r)| (c, *r)))
}

fn found(ix: &mut SearchIndex, q: &str) -> Vec<(u64, Tier)> {
    ix.query(q).iter().map(|h| (h.id, h.tier)).collect()
}

#[test]
fn pinyin_from_the_first_character() {
    let mut ix = index();
    for q in ["wxy", "wangxy", "wangxiuying", "wxiuy", "WXY", "wang xiu ying"] {
        assert_eq!(found(&mut ix, q).first(), Some(&(1, Tier::PinyinStart)), "{q}");
    }
    assert!(!found(&mut ix, "wxiy").iter().any(|&(id, t)| id == 1 && t <= Tier::PinyinLater));
    let hit = &ix.query("wxy")[0];
    assert_eq!(hit.name_match, vec![0, 1, 2]);
}

#[test]
fn pinyin_later_in_the_name() {
    let mut ix = index();
    let xy = found(&mut ix, "xy");
    assert!(xy.contains(&(1, Tier::PinyinLater)) && xy.contains(&(5, Tier::PinyinLater)), "{xy:?}");
    assert_eq!(ix.query("xy")[0].name_match, vec![1, 2]);
    // 李王芳: 王 is the second character.
    assert!(found(&mut ix, "wf").contains(&(4, Tier::PinyinLater)));
}

#[test]
fn polyphonic_surname_zeng_first() {
    let mut ix = index();
    assert_eq!(found(&mut ix, "zeng").first(), Some(&(2, Tier::PinyinStart)));
    assert_eq!(found(&mut ix, "zxm").first(), Some(&(2, Tier::PinyinStart)));
    // 曾 is found as ceng too, but after names whose first reading is ceng (层层), despite
    // being more recent.
    let ceng = found(&mut ix, "ceng");
    let pos = |id| ceng.iter().position(|&(i, _)| i == id);
    assert!(pos(2).is_some() && pos(7) < pos(2), "{ceng:?}");
    assert_eq!(ix.query("cengxm")[0].id, 2);
}

#[test]
fn exact_ref_and_phone_come_first() {
    let mut ix = index();
    assert_eq!(found(&mut ix, "m0000001"), vec![(1, Tier::Exact)]);
    assert_eq!(found(&mut ix, "M0000008"), vec![(8, Tier::Exact)]);
    assert_eq!(found(&mut ix, "+86 138-1234-5678"), vec![(1, Tier::Exact)]);
    assert_eq!(found(&mut ix, "138 1234 5678"), vec![(1, Tier::Exact)]);
    assert_eq!(found(&mut ix, "+44 20 7946 0958"), vec![(5, Tier::Exact)]);
    // A ref prefix is direct, the more recent first.
    assert_eq!(found(&mut ix, "m000000"), vec![(1, Tier::Direct), (6, Tier::Direct), (8, Tier::Direct)]);
}

#[test]
fn exact_ref_beats_a_name_match() {
    let mut ix = index();
    let mut named = customer(9, "m0000001 Lee", "", "");
    named.id = 9;
    ix.upsert(&named, 1000);
    let hits = found(&mut ix, "M0000001");
    assert_eq!(hits[0], (1, Tier::Exact));
    assert_eq!(hits[1], (9, Tier::Direct));
}

#[test]
fn phone_prefix_and_last_four_digits() {
    let mut ix = index();
    assert_eq!(found(&mut ix, "5678"), vec![(1, Tier::Direct), (8, Tier::Direct)]);
    assert_eq!(found(&mut ix, "139"), vec![(2, Tier::Direct)]);
    assert!(found(&mut ix, "1234").is_empty(), "a middle group is neither prefix nor tail");
    assert!(found(&mut ix, "678").is_empty(), "tails need four digits");
    assert_eq!(found(&mut ix, "2000"), vec![(4, Tier::Direct)], "ref prefix");
}

#[test]
fn typing_a_number_with_its_country_code_narrows_right() {
    // `+86` on its own is no digits yet: every phone must stay a candidate for the next key.
    let mut ix = index();
    let mut last = Vec::new();
    for q in ["+", "+8", "+86", "+86 ", "+86 1", "+86 13", "+86 138"] {
        last = found(&mut ix, q);
    }
    assert_eq!(last, vec![(1, Tier::Direct)]);
}

#[test]
fn names_prefix_substring_and_hanzi() {
    let mut ix = index();
    assert_eq!(found(&mut ix, "秀英"), vec![(1, Tier::Direct), (5, Tier::Direct)]);
    assert_eq!(ix.query("秀英")[0].name_match, vec![1, 2]);
    assert_eq!(found(&mut ix, "王"), vec![(1, Tier::Direct), (4, Tier::Direct)]);
    let smit = ix.query("smit");
    assert_eq!((smit[0].id, smit[0].tier, smit[0].name_match.clone()), (6, Tier::Direct, vec![5, 6, 7, 8]));
    assert_eq!(found(&mut ix, "emile"), vec![(8, Tier::Direct)], "accents folded");
    assert_eq!(found(&mut ix, "ＥＭＩＬＥ"), vec![(8, Tier::Direct)], "full-width folded");
    // Name prefix before substring.
    let mut ix = index();
    ix.upsert(&customer(10, "Zack Smithers", "", ""), 0);
    ix.upsert(&customer(11, "Smith Jones", "", ""), -5);
    assert_eq!(found(&mut ix, "smith")[..2], [(11, Tier::Direct), (6, Tier::Direct)]);
}

#[test]
fn fuzzy_over_email_from_three_chars_and_tags_directly() {
    let mut ix = index();
    assert_eq!(found(&mut ix, "asmgm"), vec![(6, Tier::Fuzzy)], "anna.smith@gmail");
    // A tag holding the query is a direct match, even of one or two characters (团购).
    assert_eq!(found(&mut ix, "vip"), vec![(6, Tier::Direct)]);
    assert_eq!(found(&mut ix, "vi"), vec![(6, Tier::Direct)]);
    assert!(found(&mut ix, "vp").is_empty(), "no fuzzy below three chars");
}

#[test]
fn recency_breaks_ties() {
    let mut ix = index();
    ix.upsert(&customer(20, "王秀英", "", ""), 500);
    assert_eq!(found(&mut ix, "王秀英"), vec![(20, Tier::Direct), (1, Tier::Direct)]);
    ix.upsert(&customer(20, "王秀英", "", ""), 5);
    assert_eq!(found(&mut ix, "王秀英"), vec![(1, Tier::Direct), (20, Tier::Direct)]);
    ix.upsert(&customer(21, "王秀英", "", ""), 5);
    assert_eq!(found(&mut ix, "王秀英")[1..], [(20, Tier::Direct), (21, Tier::Direct)], "then id");
}

#[test]
fn upsert_and_remove_keep_results_right() {
    let mut ix = index();
    assert_eq!(ix.len(), 8);
    assert_eq!(found(&mut ix, "wxy")[0].0, 1);
    let mut renamed = customer(1, "Wendy Xu", "", "");
    renamed.id = 1;
    ix.upsert(&renamed, 100);
    assert!(found(&mut ix, "wxy").iter().all(|&(id, _)| id != 1));
    assert_eq!(found(&mut ix, "wendy"), vec![(1, Tier::Direct)]);
    assert!(found(&mut ix, "5678").iter().all(|&(id, _)| id != 1));
    assert!(ix.remove(8));
    assert!(!ix.remove(8));
    assert!(found(&mut ix, "5678").is_empty());
    assert_eq!(ix.len(), 7);
    // Churn enough to compact the key buffers, then check everything is still found.
    for round in 0..50 {
        for id in 100..140 {
            ix.upsert(&customer(id, &format!("客户{round}号{id}"), "", ""), 0);
        }
        for id in 100..140 {
            ix.remove(id);
        }
    }
    assert_eq!(ix.len(), 7);
    assert_eq!(found(&mut ix, "zeng")[0].0, 2);
    assert_eq!(found(&mut ix, "m0000006"), vec![(6, Tier::Exact)]);
}

#[test]
fn weird_queries_never_panic() {
    let mut ix = index();
    for q in [
        "",
        " ",
        "\u{0}",
        "\u{1b}[2J",
        "\n\t",
        "+",
        "++86",
        "0086",
        "-",
        "'",
        "王\u{200d}",
        "\u{10ffff}",
        "é\u{301}",
        "ǅ",
        "İ",
        "ﬃ",
        "🙂🙂🙂",
        "a\u{0}b",
        "１３８",
        "(138)",
        &"w".repeat(200),
        &"王".repeat(100),
    ] {
        let _ = ix.query(q);
    }
    assert!(found(&mut ix, "").is_empty());
    assert_eq!(found(&mut ix, "１３９"), vec![(2, Tier::Direct)], "full-width digits fold");
}
