//! The runtime's side of the seam: effects run against a real (sled) store answer with the
//! actions the App expects, and a whole round trip through `dispatch` reaches the App.

mod ui_fixture;
use kehu::domain::{Money, Purchase};
use kehu::store::{SledStore, Store};
use kehu::tui::{dispatch, run_effect, saved_segments};
use kehu::ui::{Action, ClassFilter, Effect, SavedSegment, View};
use ui_fixture::*;

#[test]
fn effects_against_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    // Demo data into the empty store: every customer comes back.
    let actions = run_effect(&store, Effect::LoadDemo { customers: 30, seed: 1, today: today() });
    let [Action::Reloaded(hs)] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!(hs.len(), 30);
    // A second time is refused: the database is no longer empty.
    let again = run_effect(&store, Effect::LoadDemo { customers: 30, seed: 1, today: today() });
    assert!(matches!(again.as_slice(), [Action::Failed(m)] if m.contains("not empty")));

    // A tagged customer is saved and read back.
    let mut c = hs[0].customer.clone();
    c.tags.push("vip".into());
    let actions = run_effect(&store, Effect::SaveCustomer(Box::new(c)));
    let [Action::Saved(h)] = actions.as_slice() else { panic!("{actions:?}") };
    assert!(h.customer.tags.contains(&"vip".to_string()));
    // A stale copy (old revision) fails with a message instead of overwriting.
    let stale = run_effect(&store, Effect::SaveCustomer(Box::new(hs[0].customer.clone())));
    assert!(matches!(stale.as_slice(), [Action::Failed(_)]), "{stale:?}");

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
    // What the purchase form will hand to the runtime.
    for action in run_effect(&store, Effect::SavePurchase(p)) {
        app.update(action);
    }
    assert_eq!(store.history(id).unwrap().unwrap().purchases.len(), before + 1);
    assert_eq!(app.model().get(id).unwrap().facts.last_purchase, Some(today()));
    assert!(app.status().starts_with("saved"), "{}", app.status());
}
