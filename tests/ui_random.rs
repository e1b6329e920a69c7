//! The console's state machine under random use (issue 7, point 6): long random sequences of
//! every bindable action, typed characters (CJK, emoji, combining marks), form keys, pastes,
//! clicks, card scans and resizes (0x0, 1x1, 20x5, 300x100…) go to an `App` whose effects run
//! through `kehu::tui::dispatch` against a temporary `SledStore` (so every save is answered with
//! `Saved` or `Failed` exactly as in the console). After each step the App is drawn with
//! `TestBackend` at the current size, and:
//! - nothing panics;
//! - the list cursor is within the rows shown;
//! - an open form keeps what was typed: a character typed into a text field with room is in
//!   it, and no other key or action changes a text field's value until the form closes;
//! - the customers the App shows are the store's, and every dimension's segment counts equal a
//!   fresh classification of the store's content (every 25 steps and at the end).
//!
//! 32 cases of up to 200 steps in CI; `PROPTEST_CASES=1000` for more.

mod ui_fixture;

use kehu::classify::{Classifier, Dimension, Rules};
use kehu::store::{SledStore, Store};
use kehu::ui::form::field::Input;
use kehu::ui::form::{FieldId, FormKey};
use kehu::ui::{Action, App, AppInit, render};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::atomic::{AtomicUsize, Ordering};

const BINDABLE: [&str; 54] = [
    "up",
    "down",
    "top",
    "bottom",
    "page_up",
    "page_down",
    "left",
    "right",
    "open",
    "back",
    "show_list",
    "show_segments",
    "show_follow_ups",
    "show_duplicates",
    "show_day_close",
    "toggle_help",
    "start_search",
    "toggle_select",
    "select_all",
    "tag_selected",
    "cycle_sort",
    "flip_sort",
    "pick_filter",
    "clear_filter",
    "mark_class",
    "new_segment",
    "rename_segment",
    "delete_segment",
    "refit",
    "add_customer",
    "edit_customer",
    "record_purchase",
    "log_interaction",
    "load_demo",
    "submit",
    "cancel",
    "confirm",
    "backspace",
    "clear_input",
    "reveal_phone",
    "pick_record",
    "void_record",
    "refund_purchase",
    "correct_record",
    "resolve_complaint",
    "show_changes",
    "delete_customer",
    "untag_selected",
    "not_duplicate",
    "undo",
    "top_up",
    "redeem_points",
    "opt_out",
    "campaign_list",
];

/// How often the interesting checks ran, so that the test cannot pass by never reaching them.
static TYPED_IN_FORMS: AtomicUsize = AtomicUsize::new(0);
static SAVES: AtomicUsize = AtomicUsize::new(0);
static DRAWN_TINY: AtomicUsize = AtomicUsize::new(0);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
}

fn typed_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        4 => prop::char::range('0', '9'),
        1 => Just('.'),
        1 => Just('-'),
        1 => Just(' '),
        1 => Just(','),
        2 => prop::sample::select(vec!['王', '秀', '英', '曾', '张', '李']),
        1 => prop::sample::select(vec!['🙂', 'é', '\u{301}', '\u{200d}', 'Ａ']),
    ]
}

fn form_key() -> impl Strategy<Value = FormKey> {
    prop_oneof![
        12 => typed_char().prop_map(FormKey::Char),
        1 => prop::collection::vec(typed_char(), 0..12)
            .prop_map(|v| FormKey::Paste(v.into_iter().collect::<String>() + "\t\x1b[2J")),
        2 => Just(FormKey::Backspace),
        1 => Just(FormKey::Delete),
        1 => Just(FormKey::Left),
        1 => Just(FormKey::Right),
        1 => Just(FormKey::Home),
        1 => Just(FormKey::End),
        1 => Just(FormKey::Up),
        2 => Just(FormKey::Down),
        2 => Just(FormKey::Tab),
        1 => Just(FormKey::BackTab),
        2 => Just(FormKey::Enter),
        1 => Just(FormKey::Esc),
        1 => Just(FormKey::CtrlS),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let bindable: Vec<Action> =
        BINDABLE.iter().map(|n| Action::from_name(n).unwrap_or_else(|| panic!("no action {n}"))).collect();
    prop_oneof![
        10 => prop::sample::select(bindable),
        6 => typed_char().prop_map(Action::Input),
        12 => form_key().prop_map(Action::FormKey),
        2 => prop::sample::select(vec![(0, 0), (1, 1), (20, 5), (19, 4), (300, 100), (80, 24), (40, 12), (120, 40)])
            .prop_map(|(w, h)| Action::Resize(w, h)),
        1 => (0u16..130, 0u16..45).prop_map(|(x, y)| Action::Click(x, y)),
        1 => Just(Action::ScrollUp),
        1 => Just(Action::ScrollDown),
        1 => prop::sample::select(vec!["20000006", "13800000000", "99999999"]).prop_map(|s| Action::Scan(s.into())),
    ]
}

/// A few actions in a row: usually one, sometimes what staff do at the till (open a form, type,
/// save), so that forms are open, typed into and saved often.
fn burst() -> impl Strategy<Value = Vec<Action>> {
    let chars = |n| prop::collection::vec(typed_char().prop_map(|c| Action::FormKey(FormKey::Char(c))), 0..n);
    let digits =
        prop::collection::vec((b'0'..=b'9').prop_map(|d| Action::FormKey(FormKey::Char(d as char))), 1..5);
    prop_oneof![
        20 => action().prop_map(|a| vec![a]),
        1 => digits.prop_map(|d| [vec![Action::RecordPurchase], d, vec![Action::FormKey(FormKey::Enter)]].concat()),
        1 => chars(8).prop_map(|c| [vec![Action::AddCustomer], c, vec![Action::FormKey(FormKey::CtrlS)]].concat()),
        1 => chars(8).prop_map(|c| {
            let tabs = vec![Action::FormKey(FormKey::Tab); 2];
            [vec![Action::LogInteraction], tabs, c, vec![Action::FormKey(FormKey::CtrlS)]].concat()
        }),
        1 => chars(6).prop_map(|c| [vec![Action::EditCustomer], c, vec![Action::FormKey(FormKey::Enter)]].concat()),
    ]
}

fn actions() -> impl Strategy<Value = Vec<Action>> {
    prop::collection::vec(burst(), 1..120).prop_map(|v| v.into_iter().flatten().take(200).collect())
}

/// The text fields of the open form: (field, value, room left).
fn text_fields(app: &App) -> Option<Vec<(FieldId, String, bool)>> {
    let form = app.form()?;
    Some(
        form.fields()
            .iter()
            .filter_map(|f| match &f.input {
                Input::Text(t) => Some((f.id, t.text(), t.text().chars().count() < t.max())),
                _ => None,
            })
            .collect(),
    )
}

fn segment_counts(clf: &Classifier) -> Vec<(Dimension, String, u64)> {
    let mut out = Vec::new();
    for &d in Dimension::ALL {
        for r in clf.segments(d) {
            out.push((d, r.class, r.count));
        }
    }
    out
}

fn check_counts(app: &App, store: &dyn Store) -> Result<(), TestCaseError> {
    let hs = kehu::tui::all_histories(store).expect("histories");
    prop_assert_eq!(app.model().len(), hs.len(), "the App shows a different number of customers");
    prop_assert_eq!(store.customer_count().unwrap() as usize, hs.len());
    let mut fresh = Classifier::from_histories(Rules::default(), ui_fixture::today(), &hs);
    fresh.set_model(app.classifier().model().cloned());
    prop_assert_eq!(segment_counts(&app.classifier()), segment_counts(&fresh), "segment counts drifted");
    Ok(())
}

fn run_case(store: &SledStore, actions: &[Action]) -> Result<(), TestCaseError> {
    let histories = kehu::tui::all_histories(store).expect("histories");
    let mut app = App::new(AppInit {
        saved_segments: kehu::tui::saved_segments(store).expect("segments"),
        ..ui_fixture::init(histories)
    });
    let mut size = (80u16, 24u16);
    app.update(Action::Resize(size.0, size.1));
    for (step, action) in actions.iter().enumerate() {
        if let Action::Resize(w, h) = action {
            size = (*w, *h);
        }
        let before = text_fields(&app);
        // Keys reach the form only when nothing is in front of it (the till's question is).
        let form_before = app
            .form()
            .filter(|_| app.mode() == kehu::ui::Mode::Form)
            .map(|f| (f.kind(), f.title().to_string(), f.focused(), f.is_confirming()));
        kehu::tui::dispatch(&mut app, store, action.clone());

        if form_before.is_some() && app.form().is_none() && app.status().starts_with("saved") {
            SAVES.fetch_add(1, Ordering::Relaxed);
        }
        if size.0 < 20 || size.1 < 5 {
            DRAWN_TINY.fetch_add(1, Ordering::Relaxed);
        }
        let mut t = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
        t.draw(|f| render(&app, f)).expect("draw");

        let l = app.list();
        prop_assert!(
            l.cursor < l.shown.len() || (l.shown.is_empty() && l.cursor == 0),
            "step {}: cursor {} outside {} rows after {:?}",
            step,
            l.cursor,
            l.shown.len(),
            action
        );

        // The same form still open: typed text kept.
        let after = text_fields(&app);
        let form_after = app.form().map(|f| (f.kind(), f.title().to_string()));
        if let (Some(before), Some(after), Some((kind, title, focused, confirming))) =
            (before, after, form_before.clone())
            && form_after == Some((kind, title))
        {
            for ((id, old, room), (_, new, _)) in before.iter().zip(&after) {
                let typed_here = *id == focused && !confirming;
                match action {
                    Action::FormKey(FormKey::Char(c)) if typed_here && *room => {
                        TYPED_IN_FORMS.fetch_add(1, Ordering::Relaxed);
                        prop_assert!(
                            new.chars().count() == old.chars().count() + 1 && new.contains(*c),
                            "step {}: typed {:?} into {:?} holding {:?}; now {:?}",
                            step,
                            c,
                            id,
                            old,
                            new
                        )
                    }
                    Action::FormKey(
                        FormKey::Char(_) | FormKey::Paste(_) | FormKey::Backspace | FormKey::Delete,
                    ) if typed_here => {}
                    _ => prop_assert_eq!(
                        old,
                        new,
                        "step {}: {:?} changed {:?} of the open form",
                        step,
                        action,
                        id
                    ),
                }
            }
        }
        if step % 25 == 24 {
            check_counts(&app, store)?;
        }
    }
    check_counts(&app, store)
}

#[test]
fn random_use_keeps_the_console_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).expect("open");
    // The demo's records as they are, with the top-ups and redemptions that pay for them
    // (the entries the purchases are due the store writes itself).
    let mut set = kehu::store::ChangeSet::default();
    for h in ui_fixture::histories(12) {
        set.customers.push(h.customer);
        set.purchases.extend(h.purchases);
        set.interactions.extend(h.interactions);
        set.ledger.extend(h.ledger.into_iter().filter(|e| e.purchase.is_none()));
    }
    store.apply(set, "fixture").expect("the shop");
    let mut runner = TestRunner::new(Config { cases: cases(), ..Config::default() });
    runner.run(&actions(), |actions| run_case(&store, &actions)).unwrap();
    let (typed, saves, tiny) = (
        TYPED_IN_FORMS.load(Ordering::Relaxed),
        SAVES.load(Ordering::Relaxed),
        DRAWN_TINY.load(Ordering::Relaxed),
    );
    eprintln!(
        "{} cases: {typed} characters typed into forms, {saves} form saves, {tiny} tiny draws",
        cases()
    );
    assert!(typed > 0 && saves > 0 && tiny > 0, "the random use never reached forms, saves or tiny sizes");
}
