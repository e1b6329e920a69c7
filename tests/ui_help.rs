//! The help overlay at 80x24, 40x12 and 20x5, in English and Chinese, over every view that
//! opens it: scrolled with the help's own keys to the end, it shows every key the view's
//! keymap binds, inside its box and inside the screen, with where it is and what is below.

mod ui_fixture;
use crossterm::event::KeyEvent;
use kehu::i18n::Lang;
use kehu::ui::{Action, App, KeyChord, Mode};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeSet;
use ui_fixture::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (40, 12), (20, 5)];

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

/// Presses a key as the terminal would send it, through the App's keymap.
fn press(a: &mut App, key: &str) {
    let chord = KeyChord::parse(key).expect("key");
    let action = a.keymap().resolve(a.mode(), &KeyEvent::new(chord.code, chord.mods));
    let action = action.unwrap_or_else(|| panic!("{key} is not bound in {:?}", a.mode()));
    a.act(action);
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

/// The text of a row between two columns, wide characters once.
fn row_text(t: &Terminal<TestBackend>, y: u16, from: u16, to: u16) -> String {
    let mut out = String::new();
    let mut skip = 0;
    for x in from..to {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let s = cell(t, x, y);
        out.push_str(s);
        skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
    }
    out
}

/// The key names on the rows of the help's box: a row is `keys  what` once or twice, the
/// parts apart by two spaces or more, so the keys are every other part.
fn keys_shown(t: &Terminal<TestBackend>, what: &str) -> BTreeSet<String> {
    let (left, top, right, bottom) = help_box(t, what);
    let mut keys = BTreeSet::new();
    for y in top + 1..bottom {
        let text = row_text(t, y, left + 1, right);
        let parts: Vec<&str> = text.split("  ").map(str::trim).filter(|p| !p.is_empty()).collect();
        for part in parts.iter().step_by(2) {
            keys.extend(part.split(' ').map(str::to_string));
        }
    }
    keys
}

/// Every key name the keymap binds in `mode`, the global keys that apply included.
fn bound(a: &App, mode: Mode) -> BTreeSet<String> {
    a.keymap().help(mode).iter().flat_map(|(k, _)| k.split(' ').map(str::to_string)).collect()
}

#[test]
fn scrolled_to_the_end_the_help_shows_every_key_at_every_size_in_both_languages() {
    for lang in [Lang::En, Lang::Zh] {
        for (mode, _) in VIEWS {
            for (w, h) in SIZES {
                let what = format!("{mode:?} {lang:?} {w}x{h}");
                let mut a = help_over(mode, lang);
                let mut t = draw(&mut a, w, h);
                let mut seen = keys_shown(&t, &what);
                // j until the screen stops changing: the end.
                for step in 0.. {
                    assert!(step < 100, "{what}: j never reaches the end");
                    let before = screen(&t);
                    press(&mut a, "j");
                    t = draw(&mut a, w, h);
                    seen.extend(keys_shown(&t, &what));
                    if screen(&t) == before {
                        break;
                    }
                }
                assert_eq!(seen, bound(&a, mode), "{what}\n{}", screen(&t));
            }
        }
    }
}

#[test]
fn the_help_says_where_it_is_and_that_more_is_below() {
    let mut a = help_over(Mode::List, Lang::En);
    let total = a.keymap().help(Mode::List).len();
    let s = screen(&draw(&mut a, 40, 12));
    // 12 rows less the tab bar, the status line and the two borders.
    assert!(s.contains(&format!("1-8 of {total} ↓")), "{s}");
    for key in ["j", "down", "pgdn", "ctrl-f"] {
        press(&mut a, key);
    }
    let s = screen(&draw(&mut a, 40, 12));
    assert!(s.contains(&format!("↑ 19-26 of {total} ↓")), "{s}");
    press(&mut a, "G");
    let s = screen(&draw(&mut a, 40, 12));
    assert!(s.contains(&format!("↑ {}-{total} of {total} ", total - 7)), "{s}");
    for key in ["k", "up", "pgup"] {
        press(&mut a, key);
    }
    let s = screen(&draw(&mut a, 40, 12));
    assert!(s.contains(&format!("↑ {}-{} of {total} ↓", total - 17, total - 10)), "{s}");
    press(&mut a, "g");
    let s = screen(&draw(&mut a, 40, 12));
    assert!(s.contains(&format!("1-8 of {total} ↓")), "{s}");
    // Closed and opened again, it starts at the top.
    press(&mut a, "G");
    press(&mut a, "esc");
    assert!(!a.help_open());
    a.act(Action::ToggleHelp);
    assert!(screen(&draw(&mut a, 40, 12)).contains(&format!("1-8 of {total} ↓")));
    // In Chinese too.
    a.set_lang(Lang::Zh);
    let s = screen(&draw(&mut a, 40, 12));
    assert!(s.contains(&format!("1-8 / 共 {total} ↓")), "{s}");
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
    let shared = [
        "customer list",
        "segments",
        "follow-ups",
        "duplicates",
        "day's close",
        "this help",
        "undo my last change",
        "quit",
    ];
    let a = app();
    let views = [
        Mode::Welcome,
        Mode::List,
        Mode::Detail,
        Mode::Segments,
        Mode::FollowUps,
        Mode::Duplicates,
        Mode::DayClose,
    ];
    for mode in views {
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
