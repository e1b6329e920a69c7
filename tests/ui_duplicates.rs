//! Likely duplicates in the console: flagged in the detail view, listed strongest first in the
//! duplicates view, and merged through a popup that asks first; after the store's answer every
//! view forgets the merged-away customer.

mod ui_fixture;
use kehu::dedupe::{Field, Side};
use kehu::domain::{Email, History, Phone};
use kehu::ui::{Action, App, Confirm, Effect, Mode, View};
use ui_fixture::*;

/// The 60-customer shop with two planted duplicates: #1000 is 朱霞芳 (#26) again under her own
/// phone with a new email and no ref; #1001 is Grace Smith's name with a one-letter slip and
/// her phone.
fn shop() -> Vec<History> {
    let mut hs = histories(60);
    let zhu = hs.iter().find(|h| h.customer.id == 26).expect("#26").customer.clone();
    let mut copy = zhu.clone();
    copy.id = 1000;
    copy.reference = None;
    copy.email = Some(Email::parse("zhu.xf@example.com").unwrap());
    copy.tags = vec!["wechat".into()];
    copy.revision = 1;
    hs.push(History { customer: copy, purchases: vec![], interactions: vec![], ledger: Vec::new() });
    let grace = hs.iter().find(|h| h.customer.name == "Grace Smith").expect("Grace").customer.clone();
    let mut slip = grace.clone();
    slip.id = 1001;
    slip.name = "Grace Smyth".into();
    slip.reference = None;
    slip.phone = grace.phone.clone().or_else(|| Phone::parse("13800000001").ok());
    hs.push(History { customer: slip, purchases: vec![], interactions: vec![], ledger: Vec::new() });
    hs
}

fn dup_app() -> (App, Vec<History>) {
    let hs = shop();
    (app_with(hs.clone()), hs)
}

#[test]
fn key_4_lists_pairs_strongest_first() {
    let (mut a, hs) = dup_app();
    feed(&mut a, &hs, &[Action::ShowDuplicates]);
    assert_eq!((a.view(), a.mode()), (View::Duplicates, Mode::Duplicates));
    let pairs = &a.duplicates().pairs;
    assert!(pairs.iter().any(|p| (p.a, p.b) == (26, 1000)), "{pairs:?}");
    assert!(pairs.windows(2).all(|w| w[0].score >= w[1].score));
    let n = pairs.len();
    a.act(Action::Down);
    assert_eq!(a.duplicates().cursor, 1.min(n - 1));
    a.act(Action::Bottom);
    assert_eq!(a.duplicates().cursor, n - 1);
    a.act(Action::Down);
    assert_eq!(a.duplicates().cursor, n - 1);
    a.act(Action::Top);
    assert_eq!(a.duplicates().cursor, 0);
    let s = screen(&draw(&mut a, 120, 40));
    assert!(s.contains("#1000 朱霞芳") && s.contains("same phone"), "{s}");
    // The help lists the view's keys, and `4` everywhere.
    a.act(Action::ToggleHelp);
    let help = screen(&draw(&mut a, 120, 40));
    assert!(help.contains("duplicates") && help.contains("open"), "{help}");
    a.act(Action::ToggleHelp);
    a.act(Action::Back);
    assert_eq!(a.view(), View::List);
}

#[test]
fn the_detail_view_flags_possible_duplicates() {
    let (mut a, hs) = dup_app();
    a.act(Action::StartSearch);
    feed(&mut a, &hs, &typed("M0000026"));
    feed(&mut a, &hs, &[Action::Submit]);
    assert_eq!(a.detail().id, 26);
    let s = screen(&draw(&mut a, 100, 30));
    assert!(s.contains("possible duplicate of #1000 朱霞芳 — same phone"), "{s}");
}

/// Opens the merge popup on the pair (26, 1000).
fn open_merge(a: &mut App, hs: &[History]) {
    feed(a, hs, &[Action::ShowDuplicates]);
    while a.duplicates().current().is_some_and(|p| (p.a, p.b) != (26, 1000)) {
        a.act(Action::Down);
    }
    a.act(Action::Open);
    assert_eq!(a.mode(), Mode::Merge);
}

#[test]
fn merge_asks_first_and_only_yes_merges() {
    let (mut a, hs) = dup_app();
    open_merge(&mut a, &hs);
    let m = a.merge().unwrap();
    assert_eq!((m.a.id, m.b.id, m.keep_a), (26, 1000, true));
    // Only the fields they disagree on are offered: the ref and the email here.
    let fields: Vec<Field> = m.fields.iter().map(|f| f.0).collect();
    assert_eq!(fields, vec![Field::Ref, Field::Email]);
    // Take #1000's email.
    a.act(Action::Down);
    a.act(Action::Down);
    a.act(Action::Right);
    assert_eq!(a.merge().unwrap().choice().get(Field::Email), Side::Loser);

    assert!(a.act(Action::Submit).is_empty());
    assert_eq!(a.mode(), Mode::Confirm);
    assert!(matches!(a.confirm(), Some(Confirm::Merge { loser: 1000, .. })));
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains("Merge #1000 into #26?") && s.contains("#1000 is removed"), "{s}");
    a.set_lang(kehu::i18n::Lang::Zh);
    let zh = screen(&draw(&mut a, 80, 24));
    assert!(zh.contains("把 #1000 合并到 #26？") && zh.contains("#1000 将被移除"), "{zh}");
    a.set_lang(kehu::i18n::Lang::En);
    // n: nothing happens, the popup stays for another look.
    assert!(a.act(Action::Cancel).is_empty());
    assert_eq!((a.confirm(), a.mode()), (None, Mode::Merge));
    // y: the merge effect, survivor's fields as chosen, tags combined.
    a.act(Action::Submit);
    let effects = a.act(Action::Confirm);
    let [Effect::Merge { survivor, loser, referred }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((survivor.id, *loser), (26, 1000));
    assert!(referred.is_empty());
    assert_eq!(survivor.email.as_ref().map(|e| e.as_str()), Some("zhu.xf@example.com"));
    assert_eq!(survivor.reference.as_deref(), Some("M0000026"));
    assert!(survivor.tags.contains(&"wechat".to_string()));
    assert!(a.merge().is_none() && a.confirm().is_none());
}

#[test]
fn left_and_right_choose_who_stays() {
    let (mut a, hs) = dup_app();
    open_merge(&mut a, &hs);
    a.act(Action::Right);
    let m = a.merge().unwrap();
    assert_eq!((m.survivor_id(), m.loser_id()), (1000, 26));
    // The values shown as chosen do not change when the survivor does.
    let survivor = m.survivor();
    assert_eq!(survivor.reference.as_deref(), Some("M0000026"));
    a.act(Action::Submit);
    assert!(matches!(a.confirm(), Some(Confirm::Merge { loser: 26, .. })));
    // Esc in the popup: nothing merged.
    a.act(Action::Cancel);
    assert!(a.act(Action::Cancel).is_empty());
    assert_eq!((a.merge(), a.mode()), (None, Mode::Duplicates));
}

#[test]
fn after_a_merge_every_view_forgets_the_loser() {
    let (mut a, hs) = dup_app();
    // The detail view is on the customer who will go.
    a.act(Action::StartSearch);
    feed(&mut a, &hs, &typed("zhu.xf"));
    feed(&mut a, &hs, &[Action::Submit]);
    assert_eq!(a.detail().id, 1000);
    let pairs_before = a.duplicate_index().pairs().len();
    open_merge(&mut a, &hs);
    a.act(Action::Submit);
    let effects = a.act(Action::Confirm);
    let [Effect::Merge { survivor, .. }] = effects.as_slice() else { panic!("{effects:?}") };
    // The runtime's answer: the survivor as stored, with the loser's records moved over.
    let mut merged = hs.iter().find(|h| h.customer.id == 26).unwrap().clone();
    merged.customer = (**survivor).clone();
    merged.customer.revision += 1;
    a.act(Action::Merged { survivor: Box::new(merged), loser: 1000, referred: vec![] });

    assert!(a.model().get(1000).is_none() && a.classifier().profile(1000).is_none());
    assert_eq!(a.model().len(), 61);
    assert!(a.duplicate_index().of(26).iter().all(|(id, _)| *id != 1000));
    assert_eq!(a.duplicate_index().pairs().len(), pairs_before - 1);
    assert!(a.duplicates().pairs.iter().all(|p| p.b != 1000));
    assert!(a.status().contains("merged #1000 into #26"), "{}", a.status());
    assert!(a.model().get(26).unwrap().customer.tags.contains(&"wechat".to_string()));
    a.act(Action::ShowList);
    assert!(!a.list().shown.contains(&1000) && a.list().shown.contains(&26));
    // The follow-ups and segments count the survivor once.
    assert!(a.followups().ids.iter().all(|&i| i != 1000));
    let total: u64 = a.classifier().segments(kehu::classify::Dimension::Tier).iter().map(|r| r.count).sum();
    assert_eq!(total, 61);
    // A detail view of the loser moved to the survivor.
    assert_eq!(a.detail().id, 26);
}

#[test]
fn snapshots_of_the_duplicates_view_and_the_merge_popup() {
    for (w, h) in [(80, 24), (120, 40)] {
        let (mut a, hs) = dup_app();
        feed(&mut a, &hs, &[Action::ShowDuplicates]);
        insta::assert_snapshot!(format!("duplicates_{w}x{h}"), draw(&mut a, w, h).backend());
    }
    let (mut a, hs) = dup_app();
    open_merge(&mut a, &hs);
    a.act(Action::Down);
    insta::assert_snapshot!("merge_popup_80x24", draw(&mut a, 80, 24).backend());
    a.act(Action::Submit);
    insta::assert_snapshot!("merge_confirm_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn duplicates_and_merge_draw_at_every_small_size() {
    let (mut a, hs) = dup_app();
    feed(&mut a, &hs, &[Action::ShowDuplicates]);
    let mut m = a.clone();
    open_merge(&mut m, &hs);
    for app in [&mut a, &mut m] {
        for w in 0..=30 {
            for h in 0..=12 {
                draw(app, w, h);
            }
        }
    }
}

/// The 60-customer shop with three pairs under long ids: Tony Stark twice (one who buys, one
/// who never did), 欧阳娜娜 twice, and Anthony Stark-Wellington with a one-letter slip.
fn long_ids_shop() -> Vec<History> {
    let mut hs = histories(60);
    let base = hs[0].customer.clone();
    let person = |id: u64, name: &str, phone: &str| {
        let mut c = base.clone();
        c.id = id;
        c.name = name.into();
        c.reference = None;
        c.email = None;
        c.phone = Some(Phone::parse(phone).unwrap());
        c.revision = 1;
        History { customer: c, purchases: vec![], interactions: vec![], ledger: Vec::new() }
    };
    let mut tony = person(23_456, "Tony Stark", "13912340001");
    for (i, (days, fen)) in [(200, 150_000), (40, 23_456_789)].into_iter().enumerate() {
        let day = today() - chrono::Days::new(days);
        let mut p = kehu::domain::Purchase::new(23_456, day, kehu::domain::Money(fen), 1).unwrap();
        p.id = 900_000 + i as u64;
        tony.purchases.push(p);
    }
    hs.push(tony);
    hs.push(person(123_456, "Tony Stark", "13912340001"));
    hs.push(person(34_567, "欧阳娜娜", "13912340002"));
    hs.push(person(134_567, "欧阳娜娜", "13912340002"));
    hs.push(person(45_678, "Anthony Stark-Wellington", "13912340003"));
    hs.push(person(145_678, "Anthony Stark-Wellingtom", "13912340003"));
    hs
}

/// The merge popup on the pair of `a` and `b`.
fn open_pair(a: &mut App, hs: &[History], pair: (u64, u64)) {
    feed(a, hs, &[Action::ShowDuplicates]);
    a.act(Action::Top);
    while a.duplicates().current().is_some_and(|p| (p.a, p.b) != pair) {
        let at = a.duplicates().cursor;
        a.act(Action::Down);
        assert_ne!(a.duplicates().cursor, at, "no pair {pair:?}");
    }
    a.act(Action::Open);
    assert_eq!(a.mode(), Mode::Merge);
}

#[test]
fn names_under_long_ids_are_whole_in_the_duplicates_view_at_80_columns() {
    let hs = long_ids_shop();
    for lang in [kehu::i18n::Lang::En, kehu::i18n::Lang::Zh] {
        let mut a = app_with(hs.clone());
        a.set_lang(lang);
        feed(&mut a, &hs, &[Action::ShowDuplicates]);
        let s = screen(&draw(&mut a, 80, 24));
        for name in ["Tony Stark", "欧阳娜娜"] {
            let row = s.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}\n{s}"));
            assert_eq!(row.matches(name).count(), 2, "{lang:?}: both names whole: {row}\n{s}");
        }
    }
}

#[test]
fn the_merge_popup_shows_spend_and_last_purchase_and_whole_names_at_80_columns() {
    let hs = long_ids_shop();
    let mut a = app_with(hs.clone());
    open_pair(&mut a, &hs, (23_456, 123_456));
    let s = screen(&draw(&mut a, 80, 24));
    let line = |what: &str| {
        s.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}\n{s}")).to_string()
    };
    // Both ids and both names, the chosen one bracketed.
    let ids = line("#23456");
    assert!(ids.contains("#123456"), "{ids}\n{s}");
    assert!(line("keep").contains("[Tony Stark]"), "{s}");
    // What each has bought: all-time spend with the count, and the last purchase day.
    let spend = line("spend");
    assert!(spend.contains("236,067.89") || spend.contains("236067.89"), "{spend}\n{s}");
    assert!(spend.contains("2 purchases") && spend.contains("0 purchases"), "{spend}");
    let last = line("last buy");
    assert!(last.contains(&(today() - chrono::Days::new(40)).to_string()) && last.contains('—'), "{last}");

    // A long name beside a long id fits too, in English and in Chinese.
    for lang in [kehu::i18n::Lang::En, kehu::i18n::Lang::Zh] {
        let mut a = app_with(hs.clone());
        a.set_lang(lang);
        open_pair(&mut a, &hs, (45_678, 145_678));
        let s = screen(&draw(&mut a, 80, 24));
        assert!(s.contains("[Anthony Stark-Wellington]"), "{lang:?}\n{s}");
        assert!(s.contains(" Anthony Stark-Wellingtom "), "{lang:?}\n{s}");
        a.act(Action::Cancel);
        open_pair(&mut a, &hs, (34_567, 134_567));
        let s = screen(&draw(&mut a, 80, 24));
        assert!(s.contains("[欧阳娜娜]") && s.contains("#134567"), "{lang:?}\n{s}");
    }
}
