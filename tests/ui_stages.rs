//! Member levels, birthdays and demographics in the console, driven by Actions and drawn at
//! 80x24: birthday follow-ups in the queue and the detail, the level's benefits at the till, the
//! member dimensions' segments filtering the list, a birthday edit joining the queue.

mod ui_fixture;
use chrono::{Datelike, Days, NaiveDate};
use kehu::classify::{Dimension, Play};
use kehu::domain::{ContactPref, History};
use kehu::i18n::Lang;
use kehu::ui::{Action, App, SegmentTab, View};
use ui_fixture::*;

/// The first customer in the queue for `play`.
fn queued_for(a: &App, play: Play) -> Option<u64> {
    a.followups()
        .ids
        .iter()
        .copied()
        .find(|id| a.classifier().follow_up(*id).is_some_and(|f| f.action.play == play))
}

fn name_of(hs: &[History], id: u64) -> String {
    hs.iter().find(|h| h.customer.id == id).expect("customer").customer.name.clone()
}

#[test]
fn a_birthday_follow_up_shows_in_the_queue_and_in_the_detail_with_the_level_benefits() {
    for lang in [Lang::En, Lang::Zh] {
        let hs = histories(60);
        let mut a = app_with(hs.clone());
        a.set_lang(lang);
        a.act(Action::ShowFollowUps);
        let id = queued_for(&a, Play::BirthdaySoon).expect("a birthday in the queue");
        while a.followups().current() != Some(id) {
            a.act(Action::Down);
        }
        let s = screen(&draw(&mut a, 80, 24));
        let name = name_of(&hs, id);
        let row = s.lines().find(|l| l.contains(name.as_str())).unwrap_or_else(|| panic!("{lang:?}\n{s}"));
        let greeting = if lang == Lang::En { "Birthday greeting" } else { "生日祝福" };
        assert!(row.contains(greeting), "{lang:?}: {row}");

        feed(&mut a, &hs, &[Action::Open]);
        assert_eq!((a.view(), a.detail().id), (View::Detail, id));
        let p = a.classifier().profile(id).expect("profile");
        let tier = p.tier.class.key();
        let level = kehu::i18n::class_label(lang, "tier", tier).unwrap_or(tier);
        let benefit = kehu::i18n::tr_dyn_in(lang, &p.benefits[0]);
        // The title carries the level and what it gives, in the till's language.
        let s = screen(&draw(&mut a, 80, 24));
        let sep = if lang == Lang::En { ": " } else { "：" };
        assert!(
            s.lines().nth(1).is_some_and(|l| l.contains(&format!("· {level}{sep}{benefit}"))),
            "{lang:?}\n{s}"
        );
        // The next action says whose birthday, and what the level gives on it.
        let next = p.next_birthday.expect("a birthday");
        let day = format!("{:02}-{:02}", next.month(), next.day());
        let rules = kehu::classify::Rules::default();
        let gift = kehu::i18n::tr_dyn_in(lang, rules.birthday.gift.of(p.tier.class));
        let said = match lang {
            Lang::En => format!("birthday on {day}: {gift}"),
            Lang::Zh => format!("{day}生日：{gift}"),
        };
        let s = screen(&draw(&mut a, 80, 60));
        assert!(s.replace(['\n', ' '], "").contains(&said.replace(' ', "")), "{lang:?} {said}\n{s}");
        let p = a.classifier().profile(id).expect("profile");
        assert_eq!(p.follow_up.expect("queued").action.play, Play::BirthdaySoon);
    }
}

#[test]
fn the_detail_lists_the_levels_benefits_and_the_member_rows() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    // 朱霞芳 (#26) is silver, held to the end of the year.
    feed(&mut a, &hs, &[Action::Down, Action::Down, Action::Open]);
    assert_eq!(a.detail().id, 26);
    let s = screen(&draw(&mut a, 80, 60));
    assert!(s.lines().nth(1).is_some_and(|l| l.contains("· silver: 5% off, Birthday gift")), "{s}");
    for row in [
        "  tier          silver until 2024-12-31 — ",
        "  age band      35–44 — 39 years old",
        "  birth month   later — birthday 12-26",
        "  benefits      5% off, Birthday gift",
    ] {
        assert!(s.contains(row), "{row}\n{s}");
    }
}

#[test]
fn the_birth_month_segment_filters_the_list_to_this_months_birthdays() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    a.act(Action::ShowSegments);
    while a.segments().current() != SegmentTab::Dimension(Dimension::BirthdayMonth) {
        a.act(Action::Right);
    }
    let june: Vec<u64> = hs
        .iter()
        .filter(|h| h.customer.birthday.is_some_and(|b| b.month() == 6))
        .map(|h| h.customer.id)
        .collect();
    assert!(!june.is_empty());
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains("◀ birth month ▶"), "{s}");
    let row = s.lines().find(|l| l.contains("this month")).unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains(&format!(" {} ", june.len())), "{row}");
    // Enter on "this month" (the first row) lists exactly those customers.
    a.act(Action::Open);
    assert_eq!(a.view(), View::List);
    let mut shown = a.list().shown.clone();
    shown.sort_unstable();
    assert_eq!(shown, june);
}

#[test]
fn gender_and_age_bands_read_in_chinese() {
    let mut a = app_with(histories(60));
    a.set_lang(Lang::Zh);
    a.act(Action::ShowSegments);
    let mut seen = String::new();
    for tab in [Dimension::Gender, Dimension::AgeBand] {
        while a.segments().current() != SegmentTab::Dimension(tab) {
            a.act(Action::Right);
        }
        seen += &screen(&draw(&mut a, 80, 24));
    }
    for word in ["◀ 性别 ▶", "女", "男", "◀ 年龄段 ▶", "35–44岁", "55岁及以上", "未知"]
    {
        assert!(seen.contains(word), "{word}\n{seen}");
    }
}

#[test]
fn a_birthday_entered_for_next_week_joins_the_queue() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    // A customer with nothing due: no birthday recorded, out of the queue, and not contacted
    // in the last week (a contact in the birthday week counts as the greeting).
    let h = hs
        .iter()
        .find(|h| {
            let c = &h.customer;
            let quiet = h.interactions.iter().all(|i| i.date < today() - Days::new(7));
            c.birthday.is_none()
                && c.contact != ContactPref::None
                && quiet
                && a.classifier().follow_up(c.id).is_none()
        })
        .expect("a customer with nothing due")
        .clone();
    let id = h.customer.id;
    let mut edited = h.clone();
    let birthday = today() + Days::new(3);
    edited.customer.birthday = NaiveDate::from_ymd_opt(1990, birthday.month(), birthday.day());
    a.update(Action::Saved(Box::new(edited)));
    let clf = a.classifier();
    let f = clf.follow_up(id).expect("queued after the edit");
    assert_eq!((f.action.play, f.due), (Play::BirthdaySoon, birthday - Days::new(7)));
    drop(clf);
    a.act(Action::ShowFollowUps);
    assert!(a.followups().ids.contains(&id));
    let s = screen(&draw(&mut a, 80, 40));
    assert!(
        s.lines().any(|l| l.contains(name_of(&hs, id).as_str()) && l.contains("Birthday greeting")),
        "{s}"
    );
}
