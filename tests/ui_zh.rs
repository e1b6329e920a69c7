//! The console in 简体中文 at 80x24: list, detail, segments, help and welcome snapshots, and no
//! English label left on the list and detail screens.

mod ui_fixture;
use kehu::i18n::Lang;
use kehu::i18n::{current, set_current};
use kehu::ui::form::FormKey;
use kehu::ui::{Action, App};
use ui_fixture::*;

/// The App in Chinese in each view, with the detail's history loaded.
fn in_view(name: &str) -> App {
    in_view_in(name, Lang::Zh)
}

/// The App in `lang` in each view (`form_refused`: the till's form after an amount it refuses).
fn in_view_in(name: &str, lang: Lang) -> App {
    let hs = histories(60);
    let mut a = app_with(if name == "welcome" { vec![] } else { hs.clone() });
    a.set_lang(lang);
    let actions: Vec<Action> = match name {
        "list" => vec![Action::Down, Action::ToggleSelect],
        "detail" => vec![Action::Down, Action::Down, Action::Open],
        "segments" => vec![Action::ShowSegments, Action::Down],
        "followups" => vec![Action::ShowFollowUps, Action::Down],
        "duplicates" => vec![Action::ShowDuplicates],
        "form" => vec![Action::RecordPurchase],
        "form_refused" => {
            let keys = [FormKey::Char('x'), FormKey::Enter];
            [Action::RecordPurchase].into_iter().chain(keys.map(Action::FormKey)).collect()
        }
        "prompt" => vec![Action::Down, Action::ToggleSelect, Action::TagSelected],
        "help" => vec![Action::ToggleHelp],
        _ => vec![],
    };
    feed(&mut a, &hs, &actions);
    a
}

#[test]
fn chinese_views_at_80x24() {
    for view in ["list", "detail", "segments", "followups", "duplicates", "form", "help", "welcome"] {
        let mut a = in_view(view);
        let t = draw(&mut a, 80, 24);
        insta::assert_snapshot!(format!("zh_{view}_80x24"), t.backend());
    }
}

/// English words that would mean a label was left untranslated (names and keys typed by the
/// user, units like `R1`, and the programme's name are allowed).
const ENGLISH_LABELS: &[&str] = &[
    "customers",
    "list",
    "segments",
    "follow-ups",
    "help",
    "name",
    "phone",
    "tier",
    "lifecycle",
    "activity",
    "spend",
    "Fields",
    "Classes",
    "Purchases",
    "Interactions",
    "next:",
    "frequency",
    "value",
    "purchase",
    "days",
    "gold",
    "silver",
    "normal",
    "active",
    "sleeping",
    "churned",
];

#[test]
fn no_english_label_is_left_on_the_chinese_list_and_detail() {
    for view in ["list", "detail"] {
        let mut a = in_view(view);
        let text = screen(&draw(&mut a, 80, 24));
        for word in ENGLISH_LABELS {
            let found =
                text.split(|c: char| !c.is_ascii_alphabetic() && c != '-' && c != ':').any(|w| w == *word);
            assert!(!found, "{view}: {word:?} left in\n{text}");
        }
    }
}

#[test]
fn english_stays_the_default() {
    let mut a = app_with(histories(5));
    assert_eq!(a.lang(), Lang::En);
    assert!(screen(&draw(&mut a, 80, 24)).contains("1 list"));
}

/// Every view, popup and prompt the two-language test draws.
const VIEWS: [&str; 10] = [
    "list",
    "detail",
    "segments",
    "followups",
    "duplicates",
    "form",
    "form_refused",
    "prompt",
    "help",
    "welcome",
];

/// An English and a Chinese App drawn and driven alternately on one thread, with the thread's
/// language (the command line's setting) set to the other one each time: each screen is wholly
/// in its own App's language, and neither drawing nor a key changes the thread's setting.
#[test]
fn apps_in_two_languages_share_a_thread() {
    for view in VIEWS {
        set_current(Lang::En);
        let mut en = in_view_in(view, Lang::En);
        let alone_en = screen(&draw(&mut en, 80, 24));
        set_current(Lang::Zh);
        let mut zh = in_view_in(view, Lang::Zh);
        let alone_zh = screen(&draw(&mut zh, 80, 24));
        assert_ne!(alone_en, alone_zh, "{view}: the two languages look the same");
        for round in 0..2 {
            set_current(Lang::Zh);
            en.update(Action::Resize(80, 24));
            assert_eq!(screen(&draw(&mut en, 80, 24)), alone_en, "{view} round {round}: English App");
            assert_eq!(current(), Lang::Zh, "{view}: the English App set the thread's language");
            set_current(Lang::En);
            zh.update(Action::Resize(80, 24));
            assert_eq!(screen(&draw(&mut zh, 80, 24)), alone_zh, "{view} round {round}: Chinese App");
            assert_eq!(current(), Lang::En, "{view}: the Chinese App set the thread's language");
        }
    }
    set_current(Lang::En);
}

/// A form carries its App's language: drawn on its own (no App, the thread in English) it
/// still reads in Chinese, refusal included.
#[test]
fn a_chinese_form_draws_in_chinese_whatever_the_thread_says() {
    let mut zh = in_view("form_refused");
    set_current(Lang::En);
    let form = zh.form().expect("the till's form is open").clone();
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| form.render(f.area(), f.buffer_mut())).expect("draw");
    let text = screen(&t);
    assert!(text.contains("记录购买") && text.contains("金额"), "{text}");
    for english in ["Record purchase", "Amount", "Quantity", "invalid", "save", "cancel"] {
        assert!(!text.contains(english), "{english:?} left in\n{text}");
    }
    assert!(screen(&draw(&mut zh, 80, 24)).contains("记录购买"));
}

/// Switching an App's language reaches the form it has open.
#[test]
fn switching_the_language_reaches_the_open_form() {
    let mut a = in_view_in("form", Lang::En);
    assert!(screen(&draw(&mut a, 80, 24)).contains("Record purchase"));
    a.set_lang(Lang::Zh);
    let text = screen(&draw(&mut a, 80, 24));
    assert!(text.contains("记录购买") && !text.contains("Record purchase"), "{text}");
}
