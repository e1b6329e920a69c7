//! The console in 简体中文 at 80x24: list, detail, segments, help and welcome snapshots, and no
//! English label left on the list and detail screens.

mod ui_fixture;
use kehu::i18n::Lang;
use kehu::ui::{Action, App};
use ui_fixture::*;

/// The App in Chinese in each view, with the detail's history loaded.
fn in_view(name: &str) -> App {
    let hs = histories(60);
    let mut a = app_with(if name == "welcome" { vec![] } else { hs.clone() });
    a.set_lang(Lang::Zh);
    let actions: Vec<Action> = match name {
        "list" => vec![Action::Down, Action::ToggleSelect],
        "detail" => vec![Action::Down, Action::Down, Action::Open],
        "segments" => vec![Action::ShowSegments, Action::Down],
        "followups" => vec![Action::ShowFollowUps, Action::Down],
        "duplicates" => vec![Action::ShowDuplicates],
        "form" => vec![Action::RecordPurchase],
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
