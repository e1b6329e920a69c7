//! `App::update` driven by actions alone, view by view: the state it reaches and the effects it
//! asks for. No terminal, no store.

mod ui_fixture;
use kehu::classify::Dimension;
use kehu::ui::{
    Action, ClassFilter, Column, Confirm, Effect, FormRequest, Mode, PromptKind, SegmentTab, SortDir, View,
};
use ui_fixture::*;

#[test]
fn opens_on_the_list_or_the_welcome_screen() {
    assert_eq!(app().view(), View::List);
    let mut empty = app_with(vec![]);
    assert_eq!(empty.view(), View::Welcome);
    assert_eq!(empty.mode(), Mode::Welcome);
    // Views over no customers stay on the welcome screen.
    assert!(empty.update(Action::ShowSegments).is_empty());
    assert_eq!(empty.view(), View::Welcome);
}

#[test]
fn welcome_keys_load_demo_data_or_ask_for_the_add_form() {
    let mut a = app_with(vec![]);
    let effects = a.act(Action::LoadDemo);
    assert_eq!(
        effects,
        vec![Effect::LoadDemo {
            customers: 2000,
            seed: 1,
            today: today(),
            rules: Box::new(kehu::classify::Rules::default())
        }]
    );
    a.act(Action::AddCustomer);
    assert_eq!(a.pending_form(), Some(&FormRequest::AddCustomer));
    assert_eq!(a.mode(), Mode::Form);
    a.act(Action::Cancel);
    assert_eq!(a.pending_form(), None);
    // The demo's histories arrive: the list opens over them.
    a.act(Action::Loaded(loaded(&histories(10))));
    assert_eq!((a.view(), a.model().len()), (View::List, 10));
}

#[test]
fn list_moves_within_bounds() {
    let mut a = app();
    let n = a.list().shown.len();
    assert_eq!(n, 60);
    a.act(Action::Up);
    assert_eq!(a.list().cursor, 0);
    a.act(Action::Down);
    a.act(Action::Down);
    assert_eq!(a.list().cursor, 2);
    a.act(Action::Bottom);
    assert_eq!(a.list().cursor, n - 1);
    // The page is the body less the header: 24 rows - tab bar - status - header = 21.
    assert!(a.list().offset > 0 && a.list().offset + 21 > n - 1);
    a.act(Action::Top);
    assert_eq!((a.list().cursor, a.list().offset), (0, 0));
    a.act(Action::PageDown);
    assert_eq!(a.list().cursor, 21);
    a.act(Action::PageUp);
    assert_eq!(a.list().cursor, 0);
    a.act(Action::ScrollDown);
    assert_eq!(a.list().cursor, 3);
    a.act(Action::Click(5, 2 + 7));
    assert_eq!(a.list().cursor, 7);
}

#[test]
fn search_updates_on_every_keystroke_best_match_first() {
    let mut a = app();
    a.act(Action::StartSearch);
    assert_eq!(a.mode(), Mode::Search);
    // While searching, q and j are text, not quit or down.
    a.act(Action::Input('朱'));
    let first = a.list().shown.clone();
    assert!(!first.is_empty() && first.len() < 60);
    assert_eq!(a.model().get(first[0]).unwrap().customer.name, "朱霞芳");
    for c in "霞芳".chars() {
        a.act(Action::Input(c));
    }
    assert_eq!(a.list().shown, vec![26]);
    a.act(Action::Backspace);
    assert!(a.list().shown.contains(&26));
    // A ref typed in full, then Enter: the scanner path opens the customer.
    a.act(Action::ClearInput);
    assert_eq!(a.list().shown.len(), 60);
    let hs = histories(60);
    feed(&mut a, &hs, &typed("M0000092"));
    assert_eq!(a.list().shown[0], 92);
    let effects = feed(&mut a, &hs, &[Action::Submit]);
    assert_eq!(effects, vec![Effect::LoadHistory(92)]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, 92));
    assert!(a.detail().history.is_some());
}

#[test]
fn search_matches_phone_tags_and_folded_full_width_digits() {
    let mut a = app();
    a.act(Action::StartSearch);
    // Full-width digits as a Chinese input method types them.
    feed(&mut a, &[], &typed("１８８４３２７"));
    assert_eq!(a.list().shown.first(), Some(&26));
    a.act(Action::Cancel);
    assert_eq!((a.list().query.as_str(), a.list().shown.len(), a.mode()), ("", 60, Mode::List));
}

#[test]
fn sort_cycles_columns_and_flips() {
    let mut a = app();
    a.act(Action::CycleSort);
    assert_eq!(a.list().sort, Some(Column::Name));
    a.act(Action::CycleSort);
    assert_eq!(a.list().sort, Some(Column::Spend));
    let spend = |a: &kehu::ui::App, i: usize| a.model().get(a.list().shown[i]).unwrap().facts.spend_365;
    assert!(spend(&a, 0) <= spend(&a, 59));
    a.act(Action::FlipSort);
    assert_eq!(a.list().dir, SortDir::Desc);
    assert!(spend(&a, 0) >= spend(&a, 1) && spend(&a, 1) >= spend(&a, 59));
    for _ in 0..6 {
        a.act(Action::CycleSort);
    }
    assert_eq!(a.list().sort, Some(Column::PAlive));
    a.act(Action::CycleSort);
    assert_eq!(a.list().sort, Some(Column::Expected90));
    a.act(Action::CycleSort);
    assert_eq!(a.list().sort, Some(Column::StoredValue));
    a.act(Action::CycleSort);
    assert_eq!(a.list().sort, None, "the cycle comes back to id order");
}

#[test]
fn space_selects_and_t_tags_every_selected_customer() {
    let mut a = app();
    a.act(Action::ToggleSelect);
    a.act(Action::ToggleSelect);
    assert_eq!(a.list().selected.len(), 2);
    assert_eq!(a.list().cursor, 2, "space moves on, like a checklist");
    a.act(Action::TagSelected);
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::Tag(ids)) if ids.len() == 2));
    assert_eq!(a.mode(), Mode::Prompt);
    feed(&mut a, &[], &typed("vip"));
    let effects = a.act(Action::Submit);
    assert_eq!(effects.len(), 2);
    for e in effects {
        let Effect::SaveCustomer(c) = e else { panic!("{e:?}") };
        assert!(c.tags.contains(&"vip".to_string()));
    }
    assert!(a.list().selected.is_empty() && a.prompt().is_none());
    // Esc leaves the prompt without saving anything.
    a.act(Action::TagSelected);
    feed(&mut a, &[], &typed("x"));
    assert!(a.act(Action::Cancel).is_empty());
    assert!(a.prompt().is_none());
}

#[test]
fn form_keys_request_the_forms_for_the_customer_under_the_cursor() {
    let mut a = app();
    a.act(Action::Down);
    for (action, want) in [
        (Action::RecordPurchase, FormRequest::Purchase { customer: 6 }),
        (Action::LogInteraction, FormRequest::Interaction { customer: 6 }),
        (Action::EditCustomer, FormRequest::EditCustomer { customer: 6 }),
        (Action::AddCustomer, FormRequest::AddCustomer),
    ] {
        a.act(action);
        assert_eq!(a.pending_form(), Some(&want));
        a.act(Action::Cancel);
    }
}

#[test]
fn detail_scrolls_goes_back_and_opens_forms() {
    let hs = histories(60);
    let mut a = app();
    feed(&mut a, &hs, &[Action::Down, Action::Open]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, 6));
    feed(&mut a, &hs, &[Action::Down, Action::Down, Action::PageDown]);
    // A page is the document's lines on screen: 24 rows less the tab bar, name, next action,
    // the two-row sparkline and the status line.
    assert_eq!(a.detail().scroll, 2 + 18);
    a.act(Action::Top);
    assert_eq!(a.detail().scroll, 0);
    a.act(Action::RecordPurchase);
    assert_eq!(a.pending_form(), Some(&FormRequest::Purchase { customer: 6 }));
    a.act(Action::CloseForm);
    a.act(Action::Back);
    assert_eq!((a.view(), a.list().cursor), (View::List, 1));
}

#[test]
fn segments_switch_dimension_and_drill_down_to_a_filtered_list() {
    let mut a = app();
    a.act(Action::ShowSegments);
    assert_eq!(a.segments().current(), SegmentTab::Dimension(Dimension::Lifecycle));
    a.act(Action::Left);
    assert_eq!(a.segments().current(), SegmentTab::Saved);
    a.act(Action::Right);
    a.act(Action::Right);
    assert_eq!(a.segments().current(), SegmentTab::Dimension(Dimension::Rfm));
    // Lifecycle, third class: mature.
    a.act(Action::Left);
    a.act(Action::Down);
    a.act(Action::Down);
    let count = a.classifier().segments(Dimension::Lifecycle)[2].count as usize;
    a.act(Action::Open);
    assert_eq!(a.view(), View::List);
    assert_eq!(
        a.list().filter,
        vec![ClassFilter { dimension: Dimension::Lifecycle, class: "mature".into() }]
    );
    assert_eq!(a.list().shown.len(), count);
    // Esc clears the filter.
    a.act(Action::Back);
    assert_eq!(a.list().shown.len(), 60);
}

#[test]
fn marked_classes_filter_together_and_save_as_a_segment() {
    let mut a = app();
    a.act(Action::PickFilter);
    assert_eq!(a.view(), View::Segments);
    // lifecycle: loyal (row 3) or mature (row 2); then tier: silver.
    a.act(Action::Down);
    a.act(Action::Down);
    a.act(Action::MarkClass);
    a.act(Action::Down);
    a.act(Action::MarkClass);
    for _ in 0..7 {
        a.act(Action::Right);
    }
    assert_eq!(a.segments().current(), SegmentTab::Dimension(Dimension::Tier));
    a.act(Action::Down);
    a.act(Action::MarkClass);
    assert_eq!(a.segments().marks.len(), 3);
    a.act(Action::Open);
    let shown = a.list().shown.clone();
    assert!(!shown.is_empty());
    for id in &shown {
        let f = a.model().get(*id).unwrap().facts;
        assert_eq!(f.tier.key(), "silver");
        assert!(matches!(f.lifecycle.key(), "loyal" | "mature"));
    }
    // Save the list's filter as a segment, from the segments view.
    a.act(Action::ShowSegments);
    a.act(Action::NewSegment);
    feed(&mut a, &[], &typed("silver regulars"));
    let effects = a.act(Action::Submit);
    let [Effect::SaveSegments(saved)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(saved[0].name, "silver regulars");
    assert_eq!(a.segments().current(), SegmentTab::Saved);
    assert_eq!(a.segments().saved_counts.as_ref().unwrap()[0].count, shown.len() as u64);
    // Rename, then delete with confirmation.
    a.act(Action::RenameSegment);
    a.act(Action::ClearInput);
    feed(&mut a, &[], &typed("silver core"));
    let effects = a.act(Action::Submit);
    assert!(matches!(effects.as_slice(), [Effect::SaveSegments(s)] if s[0].name == "silver core"));
    assert!(a.act(Action::DeleteSegment).is_empty());
    assert_eq!(a.confirm(), Some(&Confirm::DeleteSegment(0)));
    a.act(Action::Cancel);
    assert_eq!(a.segments().saved.len(), 1);
    a.act(Action::DeleteSegment);
    let effects = a.act(Action::Confirm);
    assert_eq!(effects, vec![Effect::SaveSegments(vec![])]);
    // Enter on a saved segment filters the list by it.
    a.act(Action::Right);
    a.act(Action::Left);
}

#[test]
fn saved_segment_opens_the_list_with_its_filter() {
    let mut a = app();
    a.act(Action::ShowSegments);
    a.act(Action::NewSegment);
    assert!(a.prompt().is_none(), "nothing to save without a filter: {}", a.status());
    a.act(Action::MarkClass);
    a.act(Action::NewSegment);
    feed(&mut a, &[], &typed("potentials"));
    a.act(Action::Submit);
    a.act(Action::Open);
    assert_eq!(a.view(), View::List);
    assert_eq!(a.list().filter[0].class, "potential");
}

#[test]
fn follow_ups_most_urgent_first_and_open_detail_or_interaction_form() {
    let hs = histories(60);
    let mut a = app();
    a.act(Action::ShowFollowUps);
    assert_eq!(a.view(), View::FollowUps);
    let items = a.followups().ids.clone();
    assert!(items.len() > 3);
    let queue = a.classifier().follow_ups();
    assert_eq!(items, queue.iter().map(|f| f.id).collect::<Vec<_>>());
    assert!(queue.windows(2).all(|w| w[0].action.priority <= w[1].action.priority), "most urgent first");
    a.act(Action::Down);
    let id = items[1];
    a.act(Action::LogInteraction);
    assert_eq!(a.pending_form(), Some(&FormRequest::Interaction { customer: id }));
    a.act(Action::Cancel);
    let effects = feed(&mut a, &hs, &[Action::Open]);
    assert_eq!(effects, vec![Effect::LoadHistory(id)]);
    a.act(Action::Back);
    assert_eq!(a.view(), View::FollowUps, "back returns to the queue");
}

#[test]
fn help_overlay_and_quit() {
    let mut a = app();
    a.act(Action::ToggleHelp);
    assert!(a.help_open());
    assert_eq!(a.mode(), Mode::Help);
    // Keys do not reach the view while the help is open.
    a.act(Action::Down);
    assert_eq!(a.list().cursor, 0);
    a.act(Action::ToggleHelp);
    assert!(!a.help_open());
    assert_eq!(a.act(Action::Quit), vec![Effect::Quit]);
    assert!(a.should_quit());
}

#[test]
fn failures_and_notices_reach_the_status_line() {
    let mut a = app();
    a.act(Action::Failed(kehu::ui::Notice::text("disk full")));
    assert_eq!(a.status(), "error: disk full");
    a.act(Action::Notice(kehu::ui::Notice::text("hello")));
    assert_eq!(a.status(), "hello");
}

#[test]
fn a_classifier_handed_in_is_the_one_used() {
    let hs = histories(20);
    let later = today().succ_opt().unwrap();
    let clf = kehu::classify::Classifier::from_histories(kehu::classify::Rules::default(), later, &hs);
    let a = kehu::ui::App::new(kehu::ui::AppInit { classifier: clf, ..init(hs) });
    assert_eq!((a.classifier().today(), a.classifier().len()), (later, 20));
}

#[test]
fn form_and_confirm_keys_leave_esc_and_enter_to_the_popup() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = kehu::ui::Keymap::default();
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    // Esc in a form goes to the form (which asks before discarding), not to a blunt Cancel.
    assert_eq!(k.resolve(Mode::Form, &key(KeyCode::Esc)), None);
    assert_eq!(k.resolve(Mode::Form, &key(KeyCode::Char('q'))), None);
    // Only `y` confirms a merge or a delete; Enter twice must not.
    assert_eq!(k.resolve(Mode::Confirm, &key(KeyCode::Enter)), None);
    assert_eq!(k.resolve(Mode::Confirm, &key(KeyCode::Char('y'))), Some(Action::Confirm));
    assert_eq!(k.resolve(Mode::List, &key(KeyCode::Char('4'))), Some(Action::ShowDuplicates));
}

#[test]
fn refit_in_segments_fills_predictions_everywhere() {
    let mut a = app_with(histories(300));
    assert!(a.classifier().model().is_none());
    a.act(Action::ShowSegments);
    assert_eq!(a.act(Action::Refit), vec![Effect::FitModel]);
    // The runtime fits on the App's classifier and answers with the model.
    let model = a.classifier().fit_model().expect("300 demo customers fit");
    a.act(Action::ModelFitted(Box::new(model)));
    assert!(a.classifier().model().is_some());
    assert!(a.status().starts_with("model fitted on"), "{}", a.status());
    let buyer = a
        .model()
        .ids()
        .iter()
        .copied()
        .find(|id| a.classifier().profile(*id).unwrap().purchases > 0)
        .unwrap();
    let facts = a.model().get(buyer).unwrap().facts;
    assert!(facts.p_alive.is_some_and(|p| (0.0..=1.0).contains(&p)), "{facts:?}");
    // The list can now sort by P(alive).
    a.act(Action::ShowList);
    while a.list().sort != Some(Column::PAlive) {
        a.act(Action::CycleSort);
    }
    let p = |a: &kehu::ui::App, i: usize| a.model().get(a.list().shown[i]).unwrap().facts.p_alive;
    let n = a.list().shown.len();
    assert!(p(&a, n - 2) <= p(&a, n - 1));
}

#[test]
fn detail_bottom_stops_at_the_last_full_page() {
    let mut a = app();
    a.act(Action::Open);
    a.act(Action::Bottom);
    let bottom = a.detail().scroll;
    assert!(bottom > 0, "the fixture's detail is longer than a screen");
    a.act(Action::Down);
    assert_eq!(a.detail().scroll, bottom, "no scrolling past the end");
    a.act(Action::Up);
    assert_eq!(a.detail().scroll, bottom - 1, "Up after G moves at once");
}

#[test]
fn a_new_day_reclassifies_everyone_and_only_moves_forward() {
    let mut a = app();
    let count = |a: &kehu::ui::App, key: &str| {
        a.classifier()
            .segments(Dimension::Activity)
            .into_iter()
            .find(|r| r.class == key)
            .map_or(0, |r| r.count)
    };
    let active = count(&a, "active");
    // A year on, nobody in the fixture has bought since: nobody is active any more.
    let later = today() + chrono::Days::new(400);
    assert!(a.act(Action::NewDay(later)).is_empty());
    assert_eq!(a.today(), later);
    assert_eq!(a.classifier().today(), later);
    assert!(active > 0 && count(&a, "active") == 0, "active before {active}, after {}", count(&a, "active"));
    let row = a.model().get(1).cloned().expect("customer 1 has a row");
    assert_ne!(row.facts.activity, kehu::classify::Activity::Active, "the list's sort facts follow");
    assert!(a.status().contains(&later.to_string()), "{}", a.status());
    // A clock set back changes nothing.
    a.act(Action::NewDay(today()));
    assert_eq!((a.today(), count(&a, "active")), (later, 0));
}

#[test]
fn a_adds_a_customer_from_the_detail_and_the_follow_ups_as_the_readme_says() {
    for view in [Action::Open, Action::ShowFollowUps] {
        let mut a = app();
        a.update(Action::ShowList);
        a.update(view.clone());
        let mode = a.mode();
        let help = kehu::ui::Keymap::default().help(mode);
        assert!(
            help.iter().any(|(keys, what)| keys.split(' ').any(|k| k == "a") && *what == "add customer"),
            "{mode:?}: {help:?}"
        );
        a.update(Action::AddCustomer);
        assert!(a.form().is_some(), "{mode:?}: a opens the new-customer form");
    }
}
