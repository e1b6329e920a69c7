//! The console before its data is in: drawn at once in a loading state, keys typed meanwhile
//! kept (a search runs when the customers arrive, a scanned card opens then), nothing editable
//! until everything is classified, and the loader's results replacing the empty state.

mod ui_fixture;
use kehu::classify::{Classifier, Rules};
use kehu::ui::{Action, AppInit, Effect, Mode, Model, View};
use ui_fixture::*;

/// The customer records alone, as the loader's first pass hands them over.
fn customers_only(hs: &[kehu::domain::History]) -> Box<Model> {
    Box::new(Model::build(hs.iter().map(|h| h.customer.clone()), None))
}

#[test]
fn the_loading_console_is_the_list_with_a_progress_line() {
    let mut a = loading_app();
    assert_eq!((a.view(), a.mode(), a.model().len()), (View::List, Mode::List, 0));
    let shown = screen(&draw(&mut a, 80, 24));
    assert!(shown.contains("name") && shown.contains("lifecycle"), "the header: {shown}");
    assert!(shown.contains("loading customers…"), "{shown}");
    a.act(Action::LoadProgress { read: 42, total: 100_000 });
    let shown = screen(&draw(&mut a, 80, 24));
    assert!(shown.contains("/srv/kehu/db · loading 100,000 customers… 0%"), "{shown}");
    a.act(Action::LoadProgress { read: 42_000, total: 100_000 });
    assert!(ui_fixture::screen(&draw(&mut a, 80, 24)).contains("loading 100,000 customers… 42%"));
}

#[test]
fn the_loading_frame_at_80x24() {
    let mut a = loading_app();
    a.act(Action::LoadProgress { read: 42_000, total: 100_000 });
    insta::assert_snapshot!("loading_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn a_search_typed_while_loading_is_kept_and_runs_when_the_data_arrives() {
    let hs = histories(60);
    let name: String = hs[3].customer.name.chars().take(2).collect();
    let mut a = loading_app();
    a.act(Action::StartSearch);
    feed(&mut a, &hs, &typed(&name));
    assert_eq!((a.mode(), a.list().query.as_str()), (Mode::Search, name.as_str()));
    assert!(a.list().shown.is_empty());
    let shown = screen(&draw(&mut a, 80, 24));
    assert!(shown.contains(&format!("/ 0 found: {name}")), "the query shows: {shown}");

    a.act(Action::Loaded(loaded(&hs)));
    assert_eq!((a.mode(), a.list().query.as_str()), (Mode::Search, name.as_str()), "still searching");
    let mut expected = app();
    expected.act(Action::StartSearch);
    feed(&mut expected, &hs, &typed(&name));
    assert!(!a.list().shown.is_empty());
    assert_eq!(a.list().shown, expected.list().shown, "the same hits as typed after loading");
}

#[test]
fn the_search_works_on_the_customers_before_their_classes() {
    let hs = histories(60);
    let name: String = hs[3].customer.name.chars().take(2).collect();
    let mut a = loading_app();
    a.act(Action::StartSearch);
    feed(&mut a, &hs, &typed(&name));
    a.act(Action::CustomersLoaded(customers_only(&hs)));
    assert!(a.list().shown.contains(&hs[3].customer.id), "found before the classes are in");
    assert!(a.searchable() && a.loading_state().is_some());
    let shown = screen(&draw(&mut a, 80, 24));
    assert!(shown.contains("60 customers · classes loading…"), "{shown}");
    assert!(shown.contains('…'), "class columns wait: {shown}");

    // Enter opens the best match, whose classes come later.
    let effects = a.act(Action::Submit);
    assert!(matches!(effects.as_slice(), [Effect::LoadHistory(_)]), "{effects:?}");
    assert_eq!(a.view(), View::Detail);
    let id = a.detail().id;
    a.act(Action::Loaded(loaded(&hs)));
    assert_eq!((a.view(), a.detail().id), (View::Detail, id), "the detail stays open");
    assert!(a.classifier().profile(id).is_some());
}

#[test]
fn edits_and_class_views_wait_for_the_data() {
    let hs = histories(60);
    let mut a = loading_app();
    for key in [Action::AddCustomer, Action::ShowSegments, Action::ShowFollowUps, Action::ShowDuplicates] {
        assert_eq!(a.act(key.clone()), vec![], "{key:?}");
        assert!(a.status().contains("still loading"), "{key:?}: {}", a.status());
        assert_eq!((a.view(), a.form()), (View::List, None), "{key:?}");
    }
    // With the customers in but not their classes, a row is under the cursor: still no edit.
    a.act(Action::CustomersLoaded(customers_only(&hs)));
    for key in [
        Action::EditCustomer,
        Action::RecordPurchase,
        Action::LogInteraction,
        Action::TagSelected,
        Action::PickFilter,
    ] {
        a.act(Action::Notice(kehu::ui::Notice::default()));
        assert_eq!(a.act(key.clone()), vec![], "{key:?}");
        assert!(a.status().contains("still loading"), "{key:?}");
        assert_eq!((a.mode(), a.form(), a.prompt()), (Mode::List, None, None), "{key:?}");
    }
    // Once loaded, the same key opens the form.
    a.act(Action::Loaded(loaded(&hs)));
    a.act(Action::RecordPurchase);
    assert_eq!(a.mode(), Mode::Form);
}

#[test]
fn navigation_on_the_empty_loading_list_is_harmless() {
    let mut a = loading_app();
    for key in [
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::Bottom,
        Action::Top,
        Action::Open,
        Action::ToggleSelect,
        Action::SelectAll,
        Action::CycleSort,
        Action::FlipSort,
        Action::Back,
        Action::Click(10, 5),
        Action::ScrollDown,
        Action::RevealPhone,
    ] {
        assert_eq!(a.act(key.clone()), vec![], "{key:?}");
        draw(&mut a, 80, 24);
    }
    assert_eq!((a.view(), a.list().cursor), (View::List, 0));
    // The help opens and closes as usual.
    a.act(Action::ToggleHelp);
    assert_eq!(a.mode(), Mode::Help);
    a.act(Action::ToggleHelp);
    assert_eq!(a.mode(), Mode::List);
}

#[test]
fn quit_while_loading_quits_at_once() {
    let mut a = loading_app();
    assert_eq!(a.act(Action::Quit), vec![Effect::Quit]);
    assert!(a.should_quit());
}

#[test]
fn loaded_replaces_the_empty_model() {
    let hs = histories(60);
    let mut a = loading_app();
    a.act(Action::Loaded(loaded(&hs)));
    let mut b = app();
    assert_eq!((a.view(), a.loading_state()), (View::List, None));
    assert_eq!(*a.model(), *b.model());
    assert_eq!(a.list().shown, b.list().shown);
    assert_eq!(a.followups().ids, b.followups().ids);
    assert_eq!(a.classifier().len(), 60);
    assert!(a.status().starts_with("60 customers loaded"), "{}", a.status());
    assert_eq!(a.duplicates().pairs, b.duplicates().pairs);
    // The classes show, and the views that need them open.
    let body = |s: String| s.lines().take(23).collect::<Vec<_>>().join("\n");
    assert_eq!(
        body(screen(&draw(&mut a, 80, 24))),
        body(screen(&draw(&mut b, 80, 24))),
        "as if never loading"
    );
    a.act(Action::ShowSegments);
    assert_eq!(a.view(), View::Segments);
}

#[test]
fn a_shop_emptied_meanwhile_opens_on_the_welcome_screen() {
    let mut a = loading_app();
    a.act(Action::Loaded(loaded(&[])));
    assert_eq!((a.view(), a.loading_state()), (View::Welcome, None));
}

#[test]
fn a_card_scanned_while_loading_opens_when_the_customers_arrive() {
    let hs = histories(60);
    let c = hs.iter().map(|h| &h.customer).find(|c| c.reference.is_some()).expect("a member");
    let card = c.reference.clone().unwrap();
    let mut a = loading_app();
    assert_eq!(a.act(Action::Scan(card.clone())), vec![]);
    assert!(a.status().contains(&card), "{}", a.status());
    let effects = a.act(Action::CustomersLoaded(customers_only(&hs)));
    assert_eq!(effects, vec![Effect::LoadHistory(c.id)]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, c.id));
}

#[test]
fn a_load_that_fails_says_why_and_keeps_everything_read_only() {
    let mut a = loading_app();
    a.act(Action::LoadFailed("the database is damaged: bad record".into()));
    assert!(a.status().contains("cannot load the database: the database is damaged"), "{}", a.status());
    assert!(screen(&draw(&mut a, 80, 24)).contains("not loaded"));
    assert_eq!(a.act(Action::AddCustomer), vec![]);
    assert_eq!(a.form(), None);
}

#[test]
fn an_app_from_histories_needs_no_loading() {
    let hs = histories(10);
    let a = kehu::ui::App::new(AppInit::from_histories(&hs, Rules::default(), today()));
    assert_eq!((a.loading_state(), a.model().len()), (None, 10));
    let empty = kehu::ui::App::new(AppInit::empty(Classifier::new(Rules::default(), today())));
    assert_eq!(empty.view(), View::Welcome);
}

#[test]
fn a_day_that_begins_while_loading_wins_over_the_day_loading_started() {
    let hs = histories(60);
    let mut a = loading_app();
    let later = today() + chrono::Days::new(400);
    a.act(Action::NewDay(later));
    a.act(Action::Loaded(loaded(&hs)));
    assert_eq!((a.today(), a.classifier().today()), (later, later));
    let row = a.model().get(1).cloned().expect("customer 1 has a row");
    assert_ne!(row.facts.activity, kehu::classify::Activity::Active, "a year without purchases");
}

#[test]
fn duplicates_judged_after_the_classes_take_in_what_changed_meanwhile() {
    let hs = histories(60);
    let mut a = loading_app();
    a.update(Action::CustomersLoaded(customers_only(&hs)));
    let classifier = Classifier::from_histories(Rules::default(), today(), &hs);
    a.update(Action::Loaded(Box::new(kehu::ui::Loaded {
        classifier,
        model: None,
        dupes: None,
        note: None,
        elsewhere: false,
    })));
    a.update(Action::ShowDuplicates);
    assert!(a.duplicates().finding && a.duplicates().pairs.is_empty());
    assert!(screen(&draw(&mut a, 80, 24)).contains("finding likely duplicates…"));

    // Meanwhile one customer is saved as another's twin, and a pair the stale index found is
    // broken up by giving one of its customers a name and phone of their own.
    let stale = kehu::dedupe::DuplicateIndex::build(hs.iter().map(|h| &h.customer));
    let pair = stale.pairs().first().map(|p| (p.a, p.b)).expect("the demo shop has a likely duplicate");
    let mut others = hs.iter().map(|h| h.customer.clone()).filter(|c| c.id != pair.0 && c.id != pair.1);
    let (copy, twin_of) = (others.next().unwrap(), others.next().unwrap());
    let mut current = hs.clone();
    let mut edits = vec![];
    for h in current.iter_mut() {
        if h.customer.id == copy.id {
            h.customer = kehu::domain::Customer { reference: None, revision: 9, ..twin_of.clone() };
            h.customer.id = copy.id;
            edits.push(h.clone());
        } else if h.customer.id == pair.0 {
            h.customer.name = "Zebedee Quaxley-Vandermolen".into();
            h.customer.phone = kehu::domain::Phone::parse("13912345678").ok();
            h.customer.email = None;
            edits.push(h.clone());
        }
    }
    for h in edits {
        a.update(Action::Saved(Box::new(h)));
    }
    a.update(Action::DuplicatesFound(Box::new(stale)));

    let fresh = kehu::dedupe::DuplicateIndex::build(current.iter().map(|h| &h.customer)).pairs();
    let twins = (copy.id.min(twin_of.id), copy.id.max(twin_of.id));
    assert!(fresh.iter().any(|p| (p.a, p.b) == twins), "the planted twin is a pair: {fresh:?}");
    assert!(!fresh.iter().any(|p| (p.a, p.b) == pair), "the broken pair is gone: {fresh:?}");
    assert!(!a.duplicates().finding);
    assert_eq!(a.duplicates().pairs, fresh, "as if judged after the edits");
    assert!(!screen(&draw(&mut a, 80, 24)).contains("finding"));
}
