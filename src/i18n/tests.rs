//! The language choice, formatting, and the completeness of the Chinese tables.

use super::*;
use crate::classify::Dimension;
use crate::classify::reason::IntoArg;
use crate::domain::Money;
use std::fmt::Display;

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
    use crate::classify::reason::{Arg, class};
    use crate::classify::{Level, Reason, RfmSegment, Tier};
    let text = |s: &str| Arg::Text(s.into());
    let part = |t, args| Arg::Reason(Reason::new(t, args));
    let high = Reason::new(
        "{} — {} (≥ {})",
        vec![
            Arg::Class { key: Level::High.key(), name: "high" },
            part("{} purchases in the last {} days", vec![text("14"), text("365")]),
            text("12"),
        ],
    );
    assert_eq!(reason(Lang::Zh, "frequency", &high), "高频 — 近365天购买14次（≥ 12）");
    assert_eq!(reason(Lang::Zh, "value", &high), "高价值 — 近365天购买14次（≥ 12）", "the row's dimension");
    assert_eq!(reason(Lang::En, "frequency", &high), "high — 14 purchases in the last 365 days (≥ 12)");
    let silver = Reason::new(
        "{} — {} ({} to under {})",
        vec![
            Arg::Class { key: Tier::Silver.key(), name: "silver" },
            part("{} spent in the last {} days", vec![text("2400.00"), text("365")]),
            text("1000"),
            text("5000"),
        ],
    );
    assert_eq!(reason(Lang::Zh, "tier", &silver), "银卡 — 近365天消费2400.00（1000至不足5000）");
    // "no purchase" is words of the template, not a figure and a word.
    let none = Reason::new("{} — no purchase in the last {} days", vec![class("none"), text("90")]);
    assert_eq!(reason(Lang::Zh, "frequency", &none), "无 — 近90天无购买");
    // An RFM segment is named by its key, whatever its English name.
    let seg =
        Reason::new("{} — {}", vec![RfmSegment::AboutToSleep.into_arg(), part("high frequency", vec![])]);
    assert_eq!(reason(Lang::En, "rfm", &seg), "About to Sleep — high frequency");
    assert_eq!(reason(Lang::Zh, "rfm", &seg), "即将沉睡 — 高频");
    // A word of the interface inside a reason (the kind of contact) is translated too.
    let agreed = Reason::new(
        "follow-up agreed on {} for {} ({}), no contact since",
        vec![text("2024-06-01"), text("2024-06-08"), Arg::Word("call")],
    );
    assert_eq!(reason(Lang::Zh, "follow_up", &agreed), "2024-06-01约定2024-06-08跟进（电话），此后未联系");
}

#[test]
fn every_reason_template_has_as_many_places_in_chinese_as_in_english() {
    for (en, zh) in reason_templates() {
        let n = crate::classify::reason::placeholders(en);
        let args: Vec<String> = (0..n).map(|i| format!("<{i}>")).collect();
        let shown: Vec<&dyn Display> = args.iter().map(|a| a as &dyn Display).collect();
        let filled = fill(zh, &shown);
        for a in &args {
            assert_eq!(filled.matches(a.as_str()).count(), 1, "{en} → {zh}");
        }
        assert!(!filled.contains('{'), "{en} → {zh}");
    }
}
