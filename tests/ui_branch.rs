//! A branch's console in a chain, through `dispatch` against a real store: it browses its own
//! customers (their home branch), finds anyone of the chain by search, widens to every branch
//! with `B` and back; its segments and follow-up queue count its customers; what it records
//! (a sale and the points the sale earns, a call) carries its branch. Head office sees all.

mod ui_fixture;
use kehu::classify::Dimension;
use kehu::domain::{Customer, Money, Purchase};
use kehu::intern::Sym;
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::form::FormKey;
use kehu::ui::{Action, App, AppInit, View};
use ui_fixture::*;

const EAST: &str = "东门店";
const WEST: &str = "西门店";

/// Four customers: 王小明 buys twice in the east, 李雷 once in the west, Ann Lee once in the east
/// and twice in the west (so she is the west's), 赵六 nothing yet.
fn chain() -> (tempfile::TempDir, SledStore, [u64; 4]) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let born = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let plan: [(&str, &[&str]); 4] =
        [("王小明", &[EAST, EAST]), ("李雷", &[WEST]), ("Ann Lee", &[EAST, WEST, WEST]), ("赵六", &[])];
    let mut ids = [0; 4];
    for (n, (name, sales)) in plan.iter().enumerate() {
        let c = store.put_customer(Customer::new(name, born).unwrap()).unwrap();
        ids[n] = c.id;
        for (days, branch) in sales.iter().enumerate() {
            let on = today() - chrono::Days::new(30 * days as u64 + 1);
            let mut p = Purchase::new(c.id, on, Money::units(100), 1).unwrap();
            p.branch = branch.to_string();
            store.add_purchase(p).unwrap();
        }
    }
    (dir, store, ids)
}

/// The console of `branch` ("" for head office) over the chain.
fn console(store: &SledStore, branch: &str) -> App {
    let hs = kehu::tui::all_histories(store).unwrap();
    app_from(AppInit { branch: branch.into(), ..init(hs) })
}

fn shown(app: &App) -> Vec<u64> {
    let mut v = app.list().shown.clone();
    v.sort();
    v
}

#[test]
fn a_branch_browses_its_own_and_finds_anyone() {
    let (_dir, store, [wang, li, ann, zhao]) = chain();
    let mut app = console(&store, EAST);
    assert_eq!(shown(&app), [wang], "only the east's customers");
    let screen_text = screen(&draw(&mut app, 80, 24));
    assert!(screen_text.contains(EAST), "the status line names the branch:\n{screen_text}");
    // A customer of the west calls: the search looks across the chain.
    dispatch(&mut app, &store, Action::StartSearch);
    for c in "李雷".chars() {
        dispatch(&mut app, &store, Action::Input(c));
    }
    assert_eq!(app.list().shown.first(), Some(&li), "found in another branch");
    dispatch(&mut app, &store, Action::Cancel);
    dispatch(&mut app, &store, Action::Cancel);
    assert_eq!(shown(&app), [wang], "a cleared search browses the branch again");
    dispatch(&mut app, &store, Action::ToggleBranch);
    assert_eq!(shown(&app), [wang, li, ann, zhao], "B: every branch");
    assert!(app.status().contains("every branch"), "{}", app.status());
    dispatch(&mut app, &store, Action::ToggleBranch);
    assert_eq!(shown(&app), [wang]);
    // Head office sees everyone from the start, and B says why it does nothing.
    let mut office = console(&store, "");
    assert_eq!(shown(&office), [wang, li, ann, zhao]);
    dispatch(&mut office, &store, Action::ToggleBranch);
    assert!(office.status().contains("works at no branch"), "{}", office.status());
}

#[test]
fn segments_and_the_queue_count_the_branch() {
    let (_dir, store, [_, li, ann, _]) = chain();
    let mut app = console(&store, WEST);
    let west = Sym::new(WEST);
    {
        let shop = app.shop();
        let lifecycle = shop.clf.segments_in(Dimension::Lifecycle, Some(west));
        assert_eq!(lifecycle.iter().map(|r| r.count).sum::<u64>(), 2, "李雷 and Ann Lee");
        let branches = shop.clf.segments(Dimension::Branch);
        let counted: Vec<(String, u64)> = branches.iter().map(|r| (r.class.clone(), r.count)).collect();
        assert!(
            counted.contains(&(WEST.to_string(), 2)) && counted.contains(&(EAST.to_string(), 1)),
            "{counted:?}"
        );
        assert!(counted.contains(&(kehu::classify::NOT_RECORDED.to_string(), 1)), "赵六: {counted:?}");
    }
    dispatch(&mut app, &store, Action::ShowSegments);
    let text = screen(&draw(&mut app, 80, 24));
    assert!(text.contains(WEST), "the segments say whose counts they are:\n{text}");
    dispatch(&mut app, &store, Action::ShowFollowUps);
    assert_eq!(app.view(), View::FollowUps);
    let queue = app.followups();
    assert!(
        queue.shown.iter().all(|id| [li, ann].contains(id)),
        "only the west's customers are due here: {:?}",
        queue.shown
    );
    assert!(
        !queue.shown.is_empty() && queue.ids.len() > queue.shown.len(),
        "{:?} of {:?}",
        queue.shown,
        queue.ids
    );
    let all = queue.ids.len();
    dispatch(&mut app, &store, Action::ToggleBranch);
    assert_eq!(app.followups().shown.len(), all, "B: the whole chain's queue");
}

#[test]
fn what_a_branch_records_carries_it() {
    let (_dir, store, [wang, ..]) = chain();
    let mut app = console(&store, EAST);
    assert_eq!(app.list().current(), Some(wang));
    dispatch(&mut app, &store, Action::RecordPurchase);
    for c in "88".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(app.form().is_none(), "saved: {}", app.status());
    let h = store.history(wang).unwrap().unwrap();
    let sale = h.purchases.iter().max_by_key(|p| p.id).unwrap();
    assert_eq!((sale.amount, sale.branch.as_str()), (Money::units(88), EAST));
    let earned: Vec<&str> =
        h.ledger.iter().filter(|e| e.purchase == Some(sale.id)).map(|e| e.branch.as_str()).collect();
    assert!(earned.iter().all(|b| *b == EAST), "the sale's points are the branch's too: {earned:?}");
    // The detail says where each sale was made.
    dispatch(&mut app, &store, Action::Open);
    let text = screen(&draw(&mut app, 100, 80));
    assert!(text.contains(&format!("@{EAST}")), "{text}");
}
