//! The language choice, formatting, and the completeness of the Chinese tables.

use super::*;
use crate::classify::Dimension;
use crate::domain::Money;

#[test]
fn flag_beats_env_beats_config_beats_locale() {
    let zh_locale = [None, None, Some("zh_CN.UTF-8")];
    assert_eq!(choose(Some("en"), Some("zh"), Some("zh"), zh_locale), Lang::En);
    assert_eq!(choose(None, Some("en"), Some("zh"), zh_locale), Lang::En);
    assert_eq!(choose(None, None, Some("en"), zh_locale), Lang::En);
    assert_eq!(choose(None, None, None, zh_locale), Lang::Zh);
    assert_eq!(choose(None, None, Some("zh"), [None, None, Some("en_US.UTF-8")]), Lang::Zh);
    assert_eq!(choose(None, None, None, [Some("C"), None, Some("zh_CN.UTF-8")]), Lang::En, "LC_ALL first");
    assert_eq!(choose(None, None, None, [None, Some("zh_TW"), Some("en_US")]), Lang::Zh);
    assert_eq!(choose(None, None, None, [None, None, None]), Lang::En);
    assert_eq!(choose(Some("klingon"), None, None, zh_locale), Lang::Zh, "a bad value is skipped");
    assert_eq!(config_lang("lang = \"zh\"\n[keys]\n").as_deref(), Some("zh"));
    assert_eq!(config_lang("[keys]\n"), None);
}

#[test]
fn dates_and_money() {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
    assert_eq!(date(Lang::En, d), "2024-03-05");
    assert_eq!(date(Lang::Zh, d), "2024年3月5日");
    assert_eq!(money_with("", Money(1250)), "12.50");
    assert_eq!(money_with("¥", Money(1250)), "¥12.50");
    assert_eq!(money_with("¥", Money(-300)), "-¥3.00");
    if std::env::var_os("KEHU_CURRENCY").is_none() {
        assert_eq!(money(Lang::Zh, Money(1250)), "¥12.50");
        assert_eq!(money(Lang::En, Money(1250)), "12.50");
    }
}

#[test]
fn templates_fill_in_order_and_by_index() {
    assert_eq!(fill("{} of {}", &[&1, &2]), "1 of 2");
    assert_eq!(fill("{1}次购买中{0}次", &[&1, &2]), "2次购买中1次");
    assert_eq!(fill("{}年", &[]), "{}年");
}

#[test]
fn every_fixed_class_key_has_a_chinese_label() {
    for d in Dimension::ALL {
        let zh = dimension_label(Lang::Zh, d.key());
        assert!(!zh.is_ascii(), "{d}: {zh}");
        for key in d.fixed_classes().unwrap_or_default() {
            let l = class_label(Lang::Zh, d.key(), key);
            assert!(l.is_some_and(|l| !l.is_ascii() || l.contains('0')), "{d}/{key}: {l:?}");
            assert!(class_label(Lang::En, d.key(), key).is_some(), "{d}/{key} in English");
        }
    }
    assert_eq!(class_label(Lang::Zh, "rfm", "champions"), Some("冠军客户"));
    assert_eq!(class_label(Lang::En, "rfm", "cant_lose_them"), Some("Can't Lose Them"));
    assert_eq!(class_label(Lang::Zh, "lifecycle", "new"), Some("新客户"));
    assert_eq!(class_label(Lang::Zh, "region", "浙江"), None, "open classes show as recorded");
}

#[test]
fn every_message_has_one_chinese_rendering_with_the_same_placeholders() {
    let mut seen = std::collections::HashSet::new();
    for (en, zh) in messages() {
        assert!(seen.insert(*en), "{en:?} twice");
        assert!(!zh.is_empty() && !zh.is_ascii(), "{en:?} → {zh:?}");
        let holes = |s: &str| s.matches('{').count();
        assert_eq!(holes(en), holes(zh), "{en:?}");
    }
}

/// Every literal the code passes to `tr`/`trf` is in the table: scans the sources.
#[test]
fn every_english_message_in_the_code_has_a_chinese_one() {
    let mut missing = Vec::new();
    let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for call in ["tr(\"", "trf(\""] {
            for (at, _) in text.match_indices(call) {
                if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &text[at + call.len()..];
                let Some(end) = rest.find('"') else { continue };
                let en = &rest[..end];
                if en.contains('\\') || messages().iter().any(|(e, _)| *e == en) {
                    continue;
                }
                missing.push(format!("{}: {en:?}", p.display()));
            }
        }
    }
    assert!(missing.is_empty(), "no Chinese for:\n{}", missing.join("\n"));
}

#[test]
fn reasons_read_in_chinese_with_their_figures() {
    let r = reason(Lang::Zh, "frequency", "high — 14 purchases in the last 365 days (≥ 12)");
    assert_eq!(r, "高频 — 近365天购买14次（≥ 12）");
    let r = reason(Lang::Zh, "activity", "sleeping — last purchase 120 days ago (91–180)");
    assert_eq!(r, "沉睡 — 上次购买在120天前（91–180）");
    let r = reason(Lang::Zh, "tier", "silver — 2400.00 spent in the last 365 days (1000 to under 5000)");
    assert_eq!(r, "银卡 — 近365天消费2400.00（1000至不足5000）");
    assert_eq!(reason(Lang::En, "tier", "gold — x"), "gold — x");
}
