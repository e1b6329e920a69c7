//! The runtime's side of the seam: effects run against a real (sled) store answer with the
//! actions the App expects, and a whole round trip through `dispatch` reaches the App.

mod ui_fixture;
use kehu::domain::{Money, Purchase};
use kehu::store::{SledStore, Store};
use kehu::tui::{dispatch, run_effect, saved_segments};
use kehu::ui::form::FormKey;
use kehu::ui::{Action, ClassFilter, Effect, SavedSegment, View};
use ui_fixture::*;

#[test]
fn effects_against_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    // Demo data into the empty store: every customer comes back.
    let demo = || Effect::LoadDemo { customers: 30, seed: 1, today: today(), rules: Box::default() };
    let actions = run_effect(&store, demo());
    let [Action::Loaded(loaded)] = actions.as_slice() else { panic!("{actions:?}") };
    let model = loaded.model.as_ref().expect("demo data comes with its rows");
    assert_eq!((model.len(), loaded.classifier.len()), (30, 30));
    // A second time is refused: the database is no longer empty.
    let again = run_effect(&store, demo());
    assert!(
        matches!(again.as_slice(), [Action::Failed(m)] if m.render(kehu::i18n::Lang::En).contains("not empty"))
    );

    // A tagged customer is saved and read back.
    let first = model.ids()[0];
    let mut c = model.get(first).unwrap().customer.clone();
    c.tags.push("vip".into());
    let actions = run_effect(&store, Effect::SaveCustomer(c));
    let [Action::Saved(h)] = actions.as_slice() else { panic!("{actions:?}") };
    assert!(h.customer.tags.contains(&"vip".to_string()));
    // A stale copy (old revision) fails with a message instead of overwriting.
    let stale = run_effect(&store, Effect::SaveCustomer(model.get(first).unwrap().customer.clone()));
    assert!(matches!(stale.as_slice(), [Action::Conflict { .. }]), "{stale:?}");

    // Saved segments persist in the settings.
    let seg = SavedSegment {
        name: "金卡".into(),
        filter: vec![ClassFilter { dimension: kehu::classify::Dimension::Tier, class: "gold".into() }],
    };
    assert!(run_effect(&store, Effect::SaveSegments(vec![seg.clone()])).is_empty());
    assert_eq!(saved_segments(&store).unwrap(), vec![seg]);
}

#[test]
fn a_purchase_round_trip_through_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(vec![]);
    dispatch(&mut app, &store, Action::LoadDemo);
    assert_eq!((app.view(), app.model().len()), (View::List, 2000));
    let id = app.list().current().unwrap();
    let before = store.history(id).unwrap().unwrap().purchases.len();
    let p = Purchase::new(id, today(), Money::units(50), 1).unwrap();
    // What the purchase form hands to the runtime.
    for action in run_effect(&store, Effect::SavePurchase(p)) {
        app.update(action);
    }
    assert_eq!(store.history(id).unwrap().unwrap().purchases.len(), before + 1);
    assert_eq!(app.model().get(id).unwrap().facts.last_purchase, Some(today()));
    assert!(app.status().starts_with("saved"), "{}", app.status());

    // The point-of-sale keys through dispatch: p, 7.25, Enter; the form closes once stored.
    dispatch(&mut app, &store, Action::RecordPurchase);
    for c in "7.25".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(app.form().is_none() && app.status().starts_with("saved"), "{}", app.status());
    let h = store.history(id).unwrap().unwrap();
    assert_eq!((h.purchases.len(), h.purchases.iter().any(|p| p.amount == Money(725))), (before + 2, true));
}

#[test]
fn a_new_customer_is_stamped_and_a_merge_moves_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(vec![]);
    dispatch(&mut app, &store, Action::AddCustomer);
    for c in "王芳".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    let a = app.detail().id;
    let stored = store.customer(a).unwrap().expect("stored");
    // The form stamped midnight of "today"; the runtime stamps the real time.
    assert_eq!((stored.name.as_str(), stored.created), ("王芳", stored.updated));
    assert_ne!(stored.created.date_naive(), today());

    // A second record of her, with a purchase, and a customer she referred.
    let mut b = stored.clone();
    b.id = 0;
    b.revision = 0;
    let b = store.put_customer(b).unwrap();
    store.add_purchase(Purchase::new(b.id, today(), Money::units(20), 1).unwrap()).unwrap();
    let mut friend = kehu::domain::Customer::new("李雷", stored.created).unwrap();
    friend.referrer = Some(b.id);
    let friend = store.put_customer(friend).unwrap();
    app.update(Action::Loaded(loaded(&kehu::tui::all_histories(&store).unwrap())));
    assert!(app.duplicate_index().pairs().iter().any(|p| (p.a, p.b) == (a, b.id)));

    let survivor = store.customer(a).unwrap().unwrap();
    let actions = run_effect(
        &store,
        Effect::Merge { survivor: Box::new(survivor), loser: b.id, referred: vec![friend.id] },
    );
    let [Action::Merged { survivor: h, loser, referred }] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!((h.customer.id, *loser, h.purchases.len()), (a, b.id, 1));
    assert_eq!(referred.len(), 1);
    assert_eq!(referred[0].customer.referrer, Some(a));
    for action in actions {
        app.update(action);
    }
    assert!(app.model().get(b.id).is_none() && app.duplicate_index().pairs().is_empty());
    assert_eq!(app.model().get(friend.id).unwrap().customer.revision, referred_revision(&store, friend.id));
}

fn referred_revision(store: &SledStore, id: u64) -> u64 {
    store.customer(id).unwrap().unwrap().revision
}

#[test]
fn refit_through_dispatch_stores_the_model_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(histories(300));
    dispatch(&mut app, &store, Action::ShowSegments);
    dispatch(&mut app, &store, Action::Refit);
    let model = app.classifier().model().cloned().expect("fitted in the App");
    let stored = store.setting(kehu::classify::MODEL_SETTING).unwrap().expect("stored");
    assert_eq!(kehu::classify::Model::from_bytes(&stored), Some(model));
}

#[test]
fn d_on_the_welcome_screen_loads_the_demo_and_fits_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(vec![]);
    assert_eq!(app.view(), View::Welcome);
    dispatch(&mut app, &store, Action::LoadDemo);
    assert!(app.model().len() >= 50, "{}", app.model().len());
    assert!(app.classifier().model().is_some(), "P(alive) is predicted without pressing R");
    assert!(app.status().starts_with("model fitted on"), "{}", app.status());
    // The fitted model was stored: the next start has it.
    assert!(store.setting(kehu::classify::MODEL_SETTING).unwrap().is_some());
}
