//! `--lang zh` through the real binary: human-readable output in Chinese, files in English keys.

mod common;
use common::*;

const TODAY: &str = "2026-11-25";

#[test]
fn chinese_segments_and_english_exports() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "200", "--seed", "3"]));
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "segments"]));
    assert!(zh.contains("生命周期") && zh.contains("活跃度") && zh.contains("冠军客户"), "{zh}");
    assert!(zh.contains("2026年11月25日"), "{zh}");
    let en = ok(s.kehu(TODAY, &["--lang", "en", "segments"]));
    assert!(en.contains("lifecycle") && !en.contains("生命周期"), "{en}");
    let csv = ok(s.kehu(TODAY, &["--lang", "zh", "export", "--kind", "classes"]));
    let (header, rows) = parse_csv(&csv);
    assert!(header.iter().any(|h| h == "lifecycle"), "{header:?}");
    let at = header.iter().position(|h| h == "activity").unwrap();
    for r in &rows {
        assert!(["active", "sleeping", "churned", "never"].contains(&r[at].as_str()), "{r:?}");
    }
    let json = ok(s.kehu(TODAY, &["--lang", "zh", "segments", "--json"]));
    assert!(json.contains("\"lifecycle\"") && !json.contains("生命周期"), "JSON keeps English keys");
}

/// The ASCII words of `text` (two letters or more).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2).map(str::to_string).collect()
}

/// The words the shop typed: names, refs, emails, places, tags, notes, categories, contact texts
/// and operators (never the columns holding the programme's own keys).
fn typed_words(s: &Scratch) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for (kind, columns) in [
        ("customers", &["ref", "name", "email", "province", "city", "tags", "notes", "custom"][..]),
        ("purchases", &["ref", "category"][..]),
        ("interactions", &["ref", "text", "operator"][..]),
    ] {
        let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", kind])));
        for c in columns {
            let at = header.iter().position(|h| h == c).unwrap();
            out.extend(rows.iter().flat_map(|r| words(&r[at])));
        }
    }
    out
}

#[test]
fn show_in_chinese_has_no_english_word_but_what_the_shop_typed() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "5"]));
    ok(s.kehu(TODAY, &["fit"]));
    let typed = typed_words(&s);
    let codes = ["kehu", "RFM", "VIP", "SMS", "ID", "R", "F", "M"];
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    let id = header.iter().position(|h| h == "id").unwrap();
    let mut found = std::collections::BTreeMap::new();
    for r in rows.iter().step_by(10) {
        let out = ok(s.kehu(TODAY, &["--lang", "zh", "show", &format!("#{}", r[id])]));
        for line in out.lines() {
            for w in words(line) {
                if !typed.contains(&w) && !codes.contains(&w.as_str()) {
                    found.entry(w).or_insert_with(|| line.trim().to_string());
                }
            }
        }
    }
    assert!(found.is_empty(), "{} English word(s) in `show --lang zh`: {found:#?}", found.len());
}

#[test]
fn show_in_english_names_rfm8_in_english() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "60", "--seed", "2"]));
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes"])));
    let at = header.iter().position(|h| h == "rfm8").unwrap();
    let id = header.iter().position(|h| h == "id").unwrap();
    let buyer =
        rows.iter().find(|r| !r[at].is_empty() && r[at] != "none").expect("a customer with an RFM-8 class");
    let en = ok(s.kehu(TODAY, &["--lang", "en", "show", &format!("#{}", buyer[id])]));
    let line = en.lines().find(|l| l.trim_start().starts_with("rfm8")).expect("an rfm8 line");
    assert!(!line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{line}");
    assert!(line.contains("important") || line.contains("general"), "{line}");
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "show", &format!("#{}", buyer[id])]));
    assert!(zh.contains("RFM八类"), "{zh}");
}
