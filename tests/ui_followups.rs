//! The follow-up queue as a phone worker uses it: a phone column masked like every other view,
//! `v` to show the number of the customer under the cursor, and filters by action and by channel
//! named in the view's title.

mod ui_fixture;
use kehu::classify::{ChannelHint, Play};
use kehu::domain::History;
use kehu::i18n::Lang;
use kehu::ui::{Action, App, Effect, Keymap, Mode, View};
use ui_fixture::*;

fn queue(lang: Lang) -> (App, Vec<History>) {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    a.set_lang(lang);
    a.act(Action::ShowFollowUps);
    assert_eq!(a.view(), View::FollowUps);
    (a, hs)
}

fn phone_of(hs: &[History], id: u64) -> Option<String> {
    hs.iter().find(|h| h.customer.id == id)?.customer.phone.as_ref().map(|p| p.as_str().to_string())
}

fn masked(p: &str) -> String {
    kehu::ui::floor::mask_phone(p)
}

/// The play and channel of a queued customer.
fn play(a: &App, id: u64) -> (Play, ChannelHint) {
    let clf = a.classifier();
    let fu = clf.follow_up(id).expect("queued");
    (fu.action.play, fu.action.channel)
}

#[test]
fn the_queue_shows_masked_phones_and_v_reveals_the_one_under_the_cursor() {
    for lang in [Lang::En, Lang::Zh] {
        let (mut a, hs) = queue(lang);
        // Down to the first queued customer with a phone.
        while phone_of(&hs, a.followups().current().unwrap()).is_none() {
            a.act(Action::Down);
        }
        let id = a.followups().current().unwrap();
        let phone = phone_of(&hs, id).unwrap();
        let s = screen(&draw(&mut a, 80, 24));
        assert!(s.contains(&masked(&phone)), "{lang:?}\n{s}");
        assert!(!s.contains(&phone), "{lang:?}: a full phone on screen\n{s}");

        let effects = a.act(Action::RevealPhone);
        assert_eq!(effects, vec![Effect::AuditReveal { customer: id, operator: "tester".into() }]);
        let s = screen(&draw(&mut a, 80, 24));
        let row = s.lines().find(|l| l.contains(&phone)).unwrap_or_else(|| panic!("{lang:?}\n{s}"));
        let name = &hs.iter().find(|h| h.customer.id == id).unwrap().customer.name;
        assert!(row.contains(name.as_str()), "{lang:?}: the phone is on its customer's row: {row}");
        // Moving on hides it again.
        a.act(Action::Down);
        assert!(!screen(&draw(&mut a, 80, 24)).contains(&phone), "{lang:?}");
    }
}

#[test]
fn f_and_c_narrow_the_queue_by_action_and_channel_and_the_title_says_so() {
    let (mut a, hs) = queue(Lang::En);
    let all = a.followups().ids.clone();
    assert_eq!(a.followups().shown, all);
    let title = |a: &mut App| screen(&draw(a, 80, 24)).lines().nth(1).unwrap().to_string();
    assert!(
        title(&mut a).contains("action: all") && title(&mut a).contains("channel: all"),
        "{}",
        title(&mut a)
    );

    // f: the most urgent action in the queue first.
    a.act(Action::FilterByAction);
    let first = play(&a, all[0]).0;
    let shown = a.followups().shown.clone();
    assert!(!shown.is_empty() && shown.len() < all.len());
    assert!(shown.iter().all(|&id| play(&a, id).0 == first));
    assert_eq!(shown, all.iter().copied().filter(|&id| play(&a, id).0 == first).collect::<Vec<_>>());
    let text = kehu::classify::Rules::default().playbook.get(first).text.clone();
    let t = title(&mut a);
    assert!(t.contains(&format!("{} of {} due", shown.len(), all.len())), "{t}");
    assert!(t.contains(&format!("action: {}", &text[..12])), "{t}");
    // f again: the next action; past the last one, all of them again.
    a.act(Action::FilterByAction);
    assert!(a.followups().shown.iter().all(|&id| play(&a, id).0 != first));
    for _ in 0..20 {
        if a.followups().shown == all {
            break;
        }
        a.act(Action::FilterByAction);
    }
    assert_eq!(a.followups().shown, all, "f cycles back to the whole queue");

    // c: by channel, combined with the action filter.
    a.act(Action::FilterByChannel);
    let chan = a.followups().filter.channel.expect("a channel");
    assert!(a.followups().shown.iter().all(|&id| play(&a, id).1 == chan));
    assert!(title(&mut a).contains(&format!("channel: {}", chan.key())), "{}", title(&mut a));
    a.act(Action::FilterByAction);
    let act = a.followups().filter.play.expect("an action");
    assert!(a.followups().shown.iter().all(|&id| play(&a, id) == (act, chan)));

    // Enter and i work on the customer under the cursor of the narrowed queue.
    a.act(Action::Down);
    let id = a.followups().current().unwrap();
    assert!(a.followups().shown.contains(&id));
    let effects = feed(&mut a, &hs, &[Action::Open]);
    assert_eq!(effects, vec![Effect::LoadHistory(id)]);
    a.act(Action::Back);
    assert_eq!((a.view(), a.followups().current()), (View::FollowUps, Some(id)), "the filter stays");

    // F (or Esc) clears both.
    a.act(Action::ClearFilter);
    assert_eq!(a.followups().shown, all);
    assert_eq!(a.followups().current(), Some(id), "the cursor stays on the customer");
    a.act(Action::FilterByChannel);
    a.act(Action::Back);
    assert_eq!((a.view(), a.followups().shown.len()), (View::FollowUps, all.len()), "esc clears first");
    a.act(Action::Back);
    assert_eq!(a.view(), View::List);
}

#[test]
fn the_filter_survives_a_save_that_recomputes_the_queue() {
    let (mut a, hs) = queue(Lang::En);
    a.act(Action::FilterByAction);
    let only = a.followups().filter.play.unwrap();
    let before = a.followups().shown.len();
    // Someone else's save of a customer in the queue: the queue is recomputed.
    let other = a.followups().ids.iter().copied().find(|&id| play(&a, id).0 != only).unwrap();
    let h = hs.iter().find(|h| h.customer.id == other).unwrap().clone();
    a.act(Action::ChangedElsewhere { history: Box::new(h), by: "alice".into() });
    assert_eq!(a.followups().filter.play, Some(only));
    assert_eq!(a.followups().shown.len(), before);
    assert!(a.followups().shown.iter().all(|&id| play(&a, id).0 == only));
}

#[test]
fn a_click_lands_on_the_row_drawn_under_the_title_and_header() {
    let (mut a, _) = queue(Lang::En);
    let s = screen(&draw(&mut a, 80, 24));
    // Rows: tab bar, title, header, then the queue.
    a.act(Action::Click(3, 5));
    let id = a.followups().current().unwrap();
    let name = a.model().get(id).unwrap().customer.name.clone();
    let row = s.lines().nth(5).unwrap();
    assert!(row.starts_with(&name), "{row} / {name}\n{s}");
    assert_eq!(a.followups().cursor, 2);
}

#[test]
fn the_keys_of_the_queue_are_bound_listed_and_clash_with_nothing() {
    let k = Keymap::default();
    let key = |s: &str| {
        let c = kehu::ui::KeyChord::parse(s).unwrap();
        crossterm::event::KeyEvent::new(c.code, c.mods)
    };
    assert_eq!(k.resolve(Mode::FollowUps, &key("f")), Some(Action::FilterByAction));
    assert_eq!(k.resolve(Mode::FollowUps, &key("c")), Some(Action::FilterByChannel));
    assert_eq!(k.resolve(Mode::FollowUps, &key("F")), Some(Action::ClearFilter));
    assert_eq!(k.resolve(Mode::FollowUps, &key("v")), Some(Action::RevealPhone));
    let help = k.help(Mode::FollowUps);
    for what in ["filter by action (next)", "filter by channel (next)", "clear filter", "show / hide phone"] {
        assert!(help.iter().any(|(_, w)| *w == what), "{what}: {help:?}");
    }
    // The help of the queue lists them at 80x24, in both languages.
    for lang in [Lang::En, Lang::Zh] {
        let (mut a, _) = queue(lang);
        a.act(Action::ToggleHelp);
        let s = screen(&draw(&mut a, 80, 24));
        let want = if lang == Lang::En { "filter by channel" } else { "按渠道筛选" };
        assert!(s.contains(want) && !s.contains("taller window"), "{lang:?}\n{s}");
    }
    // The actions have names for the config's [keys] table.
    assert_eq!(Action::from_name("filter_by_action"), Some(Action::FilterByAction));
    assert_eq!(Action::from_name("filter_by_channel"), Some(Action::FilterByChannel));
}

#[test]
fn snapshots_of_a_filtered_queue_at_80x24_in_english_and_chinese() {
    for lang in [Lang::En, Lang::Zh] {
        let (mut a, _) = queue(lang);
        a.act(Action::FilterByAction);
        a.act(Action::FilterByChannel);
        a.act(Action::Down);
        insta::assert_snapshot!(format!("followups_filtered_{lang:?}_80x24"), draw(&mut a, 80, 24).backend());
    }
}

#[test]
fn a_page_down_moves_by_the_rows_the_queue_shows() {
    let (mut a, _) = queue(Lang::En);
    let s = screen(&draw(&mut a, 80, 24));
    // 24 rows less the tab bar, the title, the header and the status line.
    let shown = s.lines().skip(3).take(20).filter(|l| !l.trim().is_empty()).count();
    assert_eq!(shown, 20, "{s}");
    a.act(Action::PageDown);
    assert_eq!(a.followups().cursor, 20, "the row after the last one shown");
    a.act(Action::PageUp);
    assert_eq!(a.followups().cursor, 0);
}

#[test]
fn the_status_line_counts_the_filtered_queue_and_the_whole() {
    for lang in [Lang::En, Lang::Zh] {
        let (mut a, _) = queue(lang);
        let all = a.followups().ids.len();
        a.act(Action::FilterByAction);
        let shown = a.followups().shown.len();
        assert!(shown < all);
        let status = screen(&draw(&mut a, 120, 30)).lines().last().unwrap().to_string();
        let want = match lang {
            Lang::En => format!("{shown} of {all} due"),
            Lang::Zh => format!("{shown} / {all} 位到期"),
        };
        assert!(status.contains(&want), "{lang:?}: {status}");
    }
}
