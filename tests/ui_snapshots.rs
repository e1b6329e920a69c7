//! Every view drawn into ratatui's TestBackend at 80x24 and 120x40 (and the list at 40x10),
//! compared with the committed snapshots; and every view at every size up to 30x12 without a
//! panic.

mod ui_fixture;
use kehu::ui::{Action, App};
use ui_fixture::*;

/// The App in each view, with the detail's history loaded.
fn in_view(name: &str) -> App {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    let actions: Vec<Action> = match name {
        "list" => vec![Action::Down, Action::ToggleSelect],
        "search" => [vec![Action::StartSearch], typed("王")].concat(),
        "detail" => vec![Action::Down, Action::Down, Action::Open],
        "segments" => vec![Action::ShowSegments, Action::Down],
        "followups" => vec![Action::ShowFollowUps, Action::Down],
        "help" => vec![Action::ToggleHelp],
        "welcome" => return app_with(vec![]),
        other => panic!("no view {other}"),
    };
    feed(&mut a, &hs, &actions);
    a
}

const VIEWS: [&str; 7] = ["list", "search", "detail", "segments", "followups", "help", "welcome"];

#[test]
fn views_at_80x24_and_120x40() {
    for view in VIEWS {
        for (w, h) in [(80, 24), (120, 40)] {
            let mut a = in_view(view);
            let t = draw(&mut a, w, h);
            insta::assert_snapshot!(format!("{view}_{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn list_at_40x10() {
    let mut a = in_view("list");
    insta::assert_snapshot!("list_40x10", draw(&mut a, 40, 10).backend());
}

#[test]
fn every_view_draws_at_every_small_size() {
    for view in VIEWS {
        let mut a = in_view(view);
        for w in 0..=30 {
            for h in 0..=12 {
                let t = draw(&mut a, w, h);
                if w >= 20 && h >= 5 {
                    assert!(!screen(&t).contains("too small"), "{view} {w}x{h}");
                }
            }
        }
    }
}

#[test]
fn wide_characters_are_not_split_at_any_width() {
    let mut a = in_view("list");
    for w in 20..=60 {
        let t = draw(&mut a, w, 12);
        let buf = t.backend().buffer();
        for y in 0..buf.area.height {
            // A wide char at the last column would have to spill over the edge.
            let last = buf[(w - 1, y)].symbol();
            assert!(unicode_width::UnicodeWidthStr::width(last) <= 1, "{w}: row {y}");
        }
    }
}

#[test]
fn hostile_names_are_drawn_escaped() {
    let mut hs = histories(3);
    hs[0].customer.name = "Evil\x1b]0;pwned\x07Name".into();
    let mut a = app_with(hs);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains("Evil\\x1b]0;"), "{s}");
    assert!(!s.contains('\x1b'));
}

#[test]
fn help_lists_remapped_keys() {
    let mut a = app_with(histories(5));
    let mut keymap = a.keymap().clone();
    keymap.merge_toml("[keys.list]\nctrl-n = \"down\"\n").unwrap();
    let mut a2 = kehu::ui::App::new(kehu::ui::AppInit { keymap, ..init(histories(5)) });
    a2.update(Action::ToggleHelp);
    let s = screen(&draw(&mut a2, 80, 30));
    assert!(s.contains("ctrl-n"), "{s}");
    a.update(Action::ToggleHelp);
    assert!(!screen(&draw(&mut a, 80, 30)).contains("ctrl-n"));
}
