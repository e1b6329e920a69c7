//! The help overlay over every view that opens it, in English and Chinese.

mod ui_fixture;
use kehu::i18n::Lang;
use kehu::ui::{Action, App, Mode};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_fixture::*;

/// The views that open the help, and how to reach each.
const VIEWS: [(Mode, &[Action]); 6] = [
    (Mode::Welcome, &[]),
    (Mode::List, &[]),
    (Mode::Detail, &[Action::Down, Action::Open]),
    (Mode::Segments, &[Action::ShowSegments]),
    (Mode::FollowUps, &[Action::ShowFollowUps]),
    (Mode::Duplicates, &[Action::ShowDuplicates]),
];

/// The App in `mode`'s view in `lang`, with the help open.
fn help_over(mode: Mode, lang: Lang) -> App {
    let (_, actions) = VIEWS.iter().find(|(m, _)| *m == mode).expect("a view with help");
    let hs = histories(60);
    let mut a = app_with(if mode == Mode::Welcome { vec![] } else { hs.clone() });
    a.set_lang(lang);
    feed(&mut a, &hs, actions);
    assert_eq!(a.mode(), mode);
    feed(&mut a, &hs, &[Action::ToggleHelp]);
    assert_eq!(a.mode(), Mode::Help);
    a
}

/// One cell's symbol.
fn cell(t: &Terminal<TestBackend>, x: u16, y: u16) -> &str {
    t.backend().buffer()[(x, y)].symbol()
}

/// The help's box: left, top, right and bottom of its border, checked whole and inside the
/// screen's body (between the tab bar and the status line).
fn help_box(t: &Terminal<TestBackend>, what: &str) -> (u16, u16, u16, u16) {
    let area = t.backend().buffer().area;
    let corner = (0..area.height).flat_map(|y| (0..area.width).map(move |x| (x, y)));
    let (left, top) = corner
        .clone()
        .find(|&(x, y)| cell(t, x, y) == "┌")
        .unwrap_or_else(|| panic!("{what}: no box\n{}", screen(t)));
    let right = (left + 1..area.width).find(|&x| cell(t, x, top) == "┐").expect("top right corner");
    let bottom = (top + 1..area.height).find(|&y| cell(t, left, y) == "└").expect("bottom left corner");
    assert_eq!(cell(t, right, bottom), "┘", "{what}\n{}", screen(t));
    for y in top + 1..bottom {
        assert_eq!(cell(t, left, y), "│", "{what}: left border of row {y}\n{}", screen(t));
        assert_eq!(cell(t, right, y), "│", "{what}: right border of row {y}\n{}", screen(t));
        // No wide character of the view underneath spills over the left border.
        let under = if left > 0 { cell(t, left - 1, y) } else { "" };
        assert!(
            unicode_width::UnicodeWidthStr::width(under) <= 1,
            "{what}: {under:?} over the border\n{}",
            screen(t)
        );
    }
    assert!(top >= 1 && bottom + 2 <= area.height, "{what}: the box leaves the body\n{}", screen(t));
    (left, top, right, bottom)
}

#[test]
fn the_help_box_is_whole_over_chinese_names() {
    // At 80x24 the box's left edge falls on the second half of some names (朱霞, 王萍).
    let mut a = help_over(Mode::List, Lang::Zh);
    help_box(&draw(&mut a, 80, 24), "zh list 80x24");
}

#[test]
fn the_help_is_titled_with_the_views_name_as_the_tabs_call_it() {
    for (mode, en, zh) in [
        (Mode::List, "list", "列表"),
        (Mode::FollowUps, "follow-ups", "待跟进"),
        (Mode::Duplicates, "duplicates", "疑似重复"),
        (Mode::Segments, "segments", "分群"),
    ] {
        let mut a = help_over(mode, Lang::En);
        let s = screen(&draw(&mut a, 80, 24));
        assert!(s.contains(&format!(" keys: {en} · esc closes ")), "{s}");
        let mut a = help_over(mode, Lang::Zh);
        let s = screen(&draw(&mut a, 80, 24));
        assert!(s.contains(&format!(" 按键：{zh} · esc 关闭 ")), "{s}");
    }
}

#[test]
fn the_views_own_keys_come_first_then_the_ones_every_view_shares() {
    let shared =
        ["customer list", "segments", "follow-ups", "duplicates", "this help", "undo my last change", "quit"];
    let a = app();
    for mode in [Mode::Welcome, Mode::List, Mode::Detail, Mode::Segments, Mode::FollowUps, Mode::Duplicates] {
        let help = a.keymap().help(mode);
        let first = help.iter().position(|(k, _)| k == "1").expect("1 is listed");
        let (own, rest) = help.split_at(first);
        assert!(own.iter().all(|(k, _)| k != "esc"), "{mode:?}: {own:?}");
        let mut rest: Vec<(String, &str)> = rest.to_vec();
        // Esc goes back in every view but the welcome screen; it ends the list.
        if mode != Mode::Welcome {
            assert_eq!(rest.pop(), Some(("esc".to_string(), "back / clear")), "{mode:?}");
        }
        let rest: Vec<&str> = rest.iter().map(|(_, what)| *what).collect();
        assert_eq!(rest, shared, "{mode:?}");
    }
}
