//! Member levels, birthdays and demographics over the demo shop: the follow-ups a shop sees on
//! the demo's day, a level held to the end of its period, and the member dimensions' segments.

use chrono::{Datelike, NaiveDate};
use kehu::classify::{Classifier, Dimension, Play, Rules, Tier};
use kehu::demo::DemoSpec;
use kehu::domain::History;
use std::collections::BTreeMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn shop(today: NaiveDate) -> Vec<History> {
    kehu::demo::histories(&DemoSpec::new(400, 7, today))
}

#[test]
fn the_demo_shop_has_birthday_and_level_follow_ups_on_its_day() {
    let today = day(2024, 6, 30);
    let hs = shop(today);
    let c = Classifier::from_histories(Rules::default(), today, &hs);
    let birthdays: BTreeMap<u64, NaiveDate> =
        hs.iter().filter_map(|h| Some((h.customer.id, h.customer.birthday?))).collect();
    let queue = c.follow_ups();
    let of = |play: Play| queue.iter().filter(move |f| f.action.play == play).collect::<Vec<_>>();

    let greetings = of(Play::BirthdaySoon);
    assert!(greetings.len() >= 3, "{} birthday follow-ups", greetings.len());
    for f in &greetings {
        let next = kehu::classify::next_birthday(birthdays[&f.id], today);
        assert!((next - today).num_days() <= 7, "#{} birthday {next}", f.id);
        let p = c.profile(f.id).expect("profile");
        let reason = p.follow_up.expect("queued").action.reason.to_string();
        let gift = Rules::default().birthday.gift.of(p.tier.class).clone();
        assert_eq!(reason, format!("birthday on {:02}-{:02}: {gift}", next.month(), next.day()));
    }

    let welcomes = of(Play::TierUpgraded);
    assert!(!welcomes.is_empty(), "no new-level follow-up");
    for f in &welcomes {
        let p = c.profile(f.id).expect("profile");
        let upgraded = p.membership.upgraded().expect("upgraded this period");
        assert!((today - upgraded).num_days() < 30 && p.tier.class != Tier::Normal, "#{}", f.id);
        let reason = p.follow_up.expect("queued").action.reason.to_string();
        assert!(reason.contains("until 2024-12-31 — reached "), "{reason}");
    }
}

#[test]
fn a_level_is_held_to_the_end_of_the_year_and_judged_again_on_1_january() {
    let hs = shop(day(2024, 12, 31));
    let mut c = Classifier::from_histories(Rules::default(), day(2024, 12, 31), &hs);
    let rules = Rules::default();
    let trailing = |c: &Classifier, id: u64| {
        let spend = c.classes(id).expect("classes").spend_365;
        if spend >= rules.tier.gold {
            Tier::Gold
        } else if spend >= rules.tier.silver {
            Tier::Silver
        } else {
            Tier::Normal
        }
    };
    let ids: Vec<u64> = c.ids().collect();
    // Held above what the trailing spend alone gives: the level's period has not ended.
    let before: BTreeMap<u64, Tier> =
        ids.iter().map(|id| (*id, c.classes(*id).expect("classes").tier)).collect();
    let held: Vec<u64> = ids.iter().copied().filter(|id| before[id] > trailing(&c, *id)).collect();
    assert!(held.len() >= 5, "{} held", held.len());
    for id in &ids {
        assert!(c.classes(*id).expect("classes").tier >= trailing(&c, *id), "#{id}: never below the spend");
    }
    // Lapsing levels were warned about in December.
    let lapsing = c.follow_ups().iter().filter(|f| f.action.play == Play::TierExpiring).count();
    assert!(lapsing > 0, "no level-lapsing follow-up in December");
    // 1 January: the period ended, every level is the one the trailing spend gives (no
    // purchase comes on the day), held to the end of 2025.
    c.set_today(day(2025, 1, 1));
    for id in &ids {
        assert_eq!(c.classes(*id).expect("classes").tier, trailing(&c, *id), "#{id}");
        let p = c.profile(*id).expect("profile");
        if p.tier.class != Tier::Normal {
            assert_eq!(p.membership.until, Some(day(2025, 12, 31)));
        }
    }
    for id in &held {
        assert!(c.classes(*id).expect("classes").tier < before[id], "#{id} kept a level it no longer earns");
    }
}

#[test]
fn the_trailing_period_is_the_level_of_old() {
    let today = day(2024, 6, 30);
    let hs = shop(today);
    let rules = Rules::from_toml("[level]\nperiod = \"trailing\"").expect("rules");
    let c = Classifier::from_histories(rules.clone(), today, &hs);
    for id in c.ids() {
        let k = c.classes(id).expect("classes");
        let want = if k.spend_365 >= rules.tier.gold {
            Tier::Gold
        } else if k.spend_365 >= rules.tier.silver {
            Tier::Silver
        } else {
            Tier::Normal
        };
        assert_eq!(k.tier, want, "#{id}");
        assert!(c.follow_ups().iter().all(|f| f.action.play != Play::TierUpgraded));
    }
}

#[test]
fn member_dimensions_count_everyone_once() {
    let today = day(2024, 6, 30);
    let hs = shop(today);
    let c = Classifier::from_histories(Rules::default(), today, &hs);
    for dim in [
        Dimension::Gender,
        Dimension::AgeBand,
        Dimension::BirthdayMonth,
        Dimension::ChildStage,
        Dimension::FormulaStage,
        Dimension::Income,
        Dimension::Education,
        Dimension::Occupation,
    ] {
        let total: u64 = c.segments(dim).iter().map(|r| r.count).sum();
        assert_eq!(total, 400, "{dim}");
    }
    let count = |dim, class: &str| c.segments(dim).iter().find(|r| r.class == class).map_or(0, |r| r.count);
    let june = hs.iter().filter(|h| h.customer.birthday.is_some_and(|b| b.month() == 6)).count() as u64;
    let july = hs.iter().filter(|h| h.customer.birthday.is_some_and(|b| b.month() == 7)).count() as u64;
    let none = hs.iter().filter(|h| h.customer.birthday.is_none()).count() as u64;
    assert!(june > 0 && july > 0 && none > 0);
    assert_eq!(count(Dimension::BirthdayMonth, "this_month"), june);
    assert_eq!(count(Dimension::BirthdayMonth, "next_month"), july);
    assert_eq!(count(Dimension::BirthdayMonth, "unknown"), none);
    assert_eq!(count(Dimension::AgeBand, "unknown"), none);
    // Age bands read youngest first, with their names.
    let bands: Vec<String> = c.segments(Dimension::AgeBand).into_iter().map(|r| r.label).collect();
    let order = ["under 25", "25–34", "35–44", "45–54", "55+", "unknown"];
    let mut at = order.iter();
    for b in &bands {
        assert!(at.any(|o| o == b), "{bands:?}");
    }
    assert!(count(Dimension::Gender, "female") > 0 && count(Dimension::Gender, "male") > 0);
    // Everyone without a child's birthday has no child stage; the others have one.
    let childless = hs.iter().filter(|h| h.customer.child_birthday.is_none()).count() as u64;
    assert!(childless < 400, "the demo shop has children");
    assert_eq!(count(Dimension::ChildStage, "none"), childless);
}

#[test]
fn the_first_of_the_month_moves_the_birthday_months_as_a_fresh_build_would() {
    let hs = shop(day(2024, 6, 30));
    let mut c = Classifier::from_histories(Rules::default(), day(2024, 6, 30), &hs);
    c.set_today(day(2024, 7, 1));
    let fresh = Classifier::from_histories(Rules::default(), day(2024, 7, 1), &hs);
    assert_eq!(c.segments(Dimension::BirthdayMonth), fresh.segments(Dimension::BirthdayMonth));
    let july = hs.iter().filter(|h| h.customer.birthday.is_some_and(|b| b.month() == 7)).count() as u64;
    let this = c.segments(Dimension::BirthdayMonth).into_iter().find(|r| r.class == "this_month");
    assert_eq!(this.map(|r| r.count), Some(july));
    for id in c.ids() {
        assert_eq!(c.classes(id).map(|k| k.birthday_month), fresh.classes(id).map(|k| k.birthday_month));
    }
}
