//! The start-up loader against a real store: the customers first, then everything classified,
//! in that order; a cancelled load stops without a result; a failure or a bug's panic becomes
//! a `LoadFailed` for the status line, never a crash.

mod ui_fixture;
use kehu::classify::{ClassifierBuilder, Rules};
use kehu::store::SledStore;
use kehu::tui::loader::{Job, run};
use kehu::ui::{Action, Loaded};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use ui_fixture::today;

fn shop(n: u64) -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    kehu::demo::fill_store(&store, n, 7, today(), "test").unwrap();
    (dir, store)
}

/// Runs the loader to the end with `classify`; every action it sent.
fn load<C>(store: &SledStore, cancelled: bool, classify: C) -> Vec<Action>
where
    C: FnOnce(ClassifierBuilder) -> anyhow::Result<kehu::tui::Classified>,
{
    let (tx, rx) = mpsc::channel();
    let cancel = AtomicBool::new(cancelled);
    run(store, Job { rules: Rules::default(), today: today(), classify }, &cancel, &tx);
    drop(tx);
    rx.iter().collect()
}

fn no_model(b: ClassifierBuilder) -> anyhow::Result<kehu::tui::Classified> {
    Ok((b.finish(None), None))
}

#[test]
fn customers_first_then_everything_classified() {
    let (_dir, store) = shop(40);
    let actions = load(&store, false, no_model);
    let first = actions.iter().position(|a| matches!(a, Action::CustomersLoaded(_))).expect("customers");
    let at = actions.iter().position(|a| matches!(a, Action::Loaded(_))).expect("loaded");
    let Action::Loaded(loaded) = &actions[at] else { unreachable!() };
    assert!(first < at);
    // The duplicate pairs come with the classes, or (when judging took longer) right after.
    let dupes = match (&loaded.dupes, &actions[at + 1..]) {
        (Some(d), []) => d.clone(),
        (None, [Action::DuplicatesFound(d)]) => (**d).clone(),
        _ => panic!("{:?}", &actions[at..]),
    };
    let Action::CustomersLoaded(rows) = &actions[first] else { unreachable!() };
    assert_eq!(rows.len(), 40);
    // Exactly what classifying the whole histories at once gives.
    let whole = Loaded::from_histories(&kehu::tui::all_histories(&store).unwrap(), Rules::default(), today());
    // The rows sent first take their classes from the classifier: no second copy is sent.
    assert!(loaded.model.is_none());
    let mut rows = (**rows).clone();
    rows.refresh_classes(&loaded.classifier);
    let whole_model = whole.model.as_ref().expect("built whole");
    assert_eq!(&rows, whole_model);
    for q in ["a", "e", "1", "n"] {
        let ranked =
            |m: &kehu::ui::Model| kehu::search::Searcher::default().run_to_end(&m.search_keys(), q).ids;
        assert_eq!(ranked(&rows), ranked(whole_model), "search ties by recency, {q:?}");
    }
    assert_eq!(loaded.classifier.len(), 40);
    let whole_pairs = whole.dupes.as_ref().expect("built whole").pairs();
    assert!(!whole_pairs.is_empty(), "the demo shop has likely duplicates");
    assert_eq!(dupes.pairs(), whole_pairs);
    for id in rows.ids() {
        assert_eq!(loaded.classifier.profile(*id), whole.classifier.profile(*id));
    }
    // Progress counts up to the total.
    let progress: Vec<(u64, u64)> = actions
        .iter()
        .filter_map(|a| match a {
            Action::LoadProgress { read, total } => Some((*read, *total)),
            _ => None,
        })
        .collect();
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "{progress:?}");
    assert!(progress.iter().all(|(read, total)| read <= total && *total == 40), "{progress:?}");
}

#[test]
fn a_cancelled_load_hands_over_nothing() {
    let (_dir, store) = shop(20);
    let actions = load(&store, true, no_model);
    assert!(!actions.iter().any(|a| !matches!(a, Action::LoadProgress { .. })), "{actions:?}");
}

#[test]
fn a_failure_or_a_panic_becomes_a_message() {
    let (_dir, store) = shop(10);
    let actions = load(&store, false, |_| anyhow::bail!("no disk"));
    assert!(matches!(actions.last(), Some(Action::LoadFailed(m)) if m.contains("no disk")), "{actions:?}");
    let actions = load(&store, false, |_| panic!("a bug"));
    assert!(matches!(actions.last(), Some(Action::LoadFailed(m)) if m.contains("a bug")), "{actions:?}");
}
