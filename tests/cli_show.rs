//! `kehu show QUERY`: which customer a query names. `#1` is an id; a bare number is a card or a
//! phone, never an id; a hanzi name is found by its pinyin as in the console.

mod common;
use common::*;

const TODAY: &str = "2026-11-25";

fn shop() -> Scratch {
    let s = Scratch::new();
    // Customer #1 carries card 00004; nobody carries 00001.
    let f = s.file(
        "c.csv",
        "ref,name,phone\n00004,王秀英,13800000001\n00002,李雷,13800000002\n00003,韩梅梅,13800000003\n",
    );
    ok(s.kehu(TODAY, &["import", "--kind", "customers", f.to_str().unwrap()]));
    s
}

fn name_line(out: &str) -> &str {
    out.lines().next().unwrap_or_default()
}

#[test]
fn a_bare_number_is_a_card_or_a_phone_never_an_id() {
    let s = shop();
    let o = s.kehu(TODAY, &["show", "00001"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("no customer matches") && stderr(&o).contains("#1"), "{}", stderr(&o));
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "00004"]))).starts_with("王秀英"));
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "#1"]))).starts_with("王秀英"));
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "13800000002"]))).starts_with("李雷"));
}

#[test]
fn a_hanzi_name_is_found_by_its_pinyin() {
    let s = shop();
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "wxy"]))).starts_with("王秀英"));
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "hanmeimei"]))).starts_with("韩梅梅"));
    assert!(name_line(&ok(s.kehu(TODAY, &["show", "LL"]))).starts_with("李雷"));
    let none = s.kehu(TODAY, &["show", "qqq"]);
    assert_eq!(none.status.code(), Some(1), "{}", stdout(&none));
}
