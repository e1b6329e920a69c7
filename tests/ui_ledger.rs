//! The till's member accounts in the console, through `dispatch` against a real store: `b` tops
//! up the stored value (the bonus and the new balance shown before it is saved), the purchase
//! form pays from the balance (refused in words when it does not cover the sale), `R` redeems
//! points, a return gives the money back and takes the points back; the detail shows the
//! balances and the last entries, the list a stored-value column, at 80x24 and in Chinese; a
//! retried save changes nothing; staff may, viewers may not.

mod ui_fixture;
use kehu::change::Applied;
use kehu::domain::{Balances, Customer, Money, Purchase};
use kehu::i18n::Lang;
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::form::{FieldId, FormKey};
use kehu::ui::{Action, App, Confirm, Effect, Pick, Role, View};
use ui_fixture::*;

/// A shop of three members (王小明 bought 200.00 in cash, so holds 200 points) and the console
/// over it, the cursor on 王小明.
fn shop() -> (tempfile::TempDir, SledStore, App, u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let born = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let mut first = 0;
    for (name, card) in [("王小明", "M001"), ("李雷", "M002"), ("Ann Lee", "M003")] {
        let mut c = Customer::new(name, born).unwrap();
        c.reference = Some(card.into());
        let c = store.put_customer(c).unwrap();
        if first == 0 {
            first = c.id;
        }
    }
    let mut p = Purchase::new(first, today(), Money::units(200), 1).unwrap();
    p.payment = kehu::domain::Payment::Cash;
    p.points = 200;
    store.add_purchase(p).unwrap();
    let app = app_with(kehu::tui::all_histories(&store).unwrap());
    (dir, store, app, first)
}

fn keys(app: &mut App, store: &SledStore, actions: &[Action]) {
    for a in actions {
        dispatch(app, store, a.clone());
    }
}

fn prompt(app: &mut App, store: &SledStore, text: &str) {
    for c in text.chars() {
        dispatch(app, store, Action::Input(c));
    }
    dispatch(app, store, Action::Submit);
}

fn balances(store: &SledStore, id: u64) -> Balances {
    store.history(id).unwrap().unwrap().balances()
}

fn question(app: &App) -> Vec<String> {
    match app.confirm() {
        Some(Confirm::Commit { question, .. }) => question.clone(),
        other => panic!("no question: {other:?}"),
    }
}

/// Selects customer `id` in the list.
fn select(app: &mut App, id: u64) {
    app.update(Action::ShowList);
    let at = app.list().shown.iter().position(|x| *x == id).unwrap();
    app.update(Action::Top);
    for _ in 0..at {
        app.update(Action::Down);
    }
}

#[test]
fn a_top_up_from_the_list_shows_the_bonus_and_the_new_balance_before_it_is_saved() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    // The member's card opens at the till, with the prompt.
    assert_eq!((app.view(), app.detail().id), (View::Detail, id));
    assert_eq!(app.prompt().unwrap().label(Lang::En), "top up (stored value 0.00): ");
    prompt(&mut app, &store, "500");
    assert_eq!(
        question(&app),
        ["Top up 500.00 for 王小明 #1?", "bonus 50.00 (stored_value.bonus)", "stored value 0.00 → 550.00"]
    );
    assert_eq!(balances(&store, id).stored, Money::ZERO, "nothing saved before y");
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(app.status(), "topped up 500.00 (+50.00): stored value 550.00");
    assert_eq!(balances(&store, id).stored, Money::units(550));
    assert_eq!(app.classifier().classes(id).unwrap().stored_value, Money::units(550));
    let audit = store.audit_entries(Some(id)).unwrap();
    assert_eq!(
        (audit.last().unwrap().what.as_str(), audit.last().unwrap().operator.as_str()),
        ("top-up", "tester")
    );
}

#[test]
fn a_top_up_of_nothing_or_too_much_keeps_the_prompt_and_says_why() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "abc");
    assert!(app.status().contains("not a valid amount"), "{}", app.status());
    assert_eq!(app.prompt().unwrap().text, "abc");
    dispatch(&mut app, &store, Action::ClearInput);
    prompt(&mut app, &store, "60000");
    assert!(app.status().contains("max_topup"), "{}", app.status());
    assert!(app.confirm().is_none());
    // Below the first bonus tier the saved message names no bonus.
    dispatch(&mut app, &store, Action::ClearInput);
    prompt(&mut app, &store, "200");
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(app.status(), "topped up 200.00: stored value 200.00");
}

#[test]
fn paying_from_the_balance_takes_it_off_and_what_it_does_not_cover_is_refused_in_the_form() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "500");
    dispatch(&mut app, &store, Action::Confirm);
    // Record a purchase of 120.00 paid from stored value: amount, Tab, → to stored value.
    dispatch(&mut app, &store, Action::RecordPurchase);
    for c in "120".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Tab));
    for _ in 0..3 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Right));
    }
    assert_eq!(app.form().unwrap().value(FieldId::Payment).as_deref(), Some("stored_value"));
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(app.form().is_none(), "saved: {}", app.status());
    assert_eq!(balances(&store, id), Balances { points: 320, stored: Money::units(430) });
    // 500.00 more than the balance: refused in the form, nothing saved.
    dispatch(&mut app, &store, Action::RecordPurchase);
    for c in "500".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Tab));
    for _ in 0..3 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Right));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert_eq!(app.status(), "the stored value 430.00 does not cover 500.00");
    assert!(app.form().is_some(), "the form stays with what was typed");
    assert_eq!(balances(&store, id).stored, Money::units(430));
}

#[test]
fn a_redemption_shows_the_new_balance_and_a_return_puts_money_back_and_takes_points_back() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "500");
    dispatch(&mut app, &store, Action::Confirm);
    dispatch(&mut app, &store, Action::RecordPurchase);
    for c in "120".chars() {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Tab));
    for _ in 0..3 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Right));
    }
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    dispatch(&mut app, &store, Action::RedeemPoints);
    assert_eq!(app.prompt().unwrap().label(Lang::En), "redeem points (320 to use) [for a gift: N gift]: ");
    prompt(&mut app, &store, "100");
    assert_eq!(question(&app), ["Redeem 100 points (1.00 off) for 王小明 #1?", "points 320 → 220"]);
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(app.status(), "redeemed 100 points (1.00 off): 220 left");
    assert_eq!(balances(&store, id), Balances { points: 220, stored: Money::units(430) });
    // The 120.00 paid from the balance comes back whole: money to the balance, its 120
    // points taken back.
    dispatch(&mut app, &store, Action::PickRecord);
    let at = app
        .detail()
        .picks()
        .iter()
        .position(|p| matches!(p, Pick::Purchase(x) if x.amount == Money::units(120)))
        .unwrap();
    keys(&mut app, &store, &[Action::Top]);
    for _ in 0..at {
        dispatch(&mut app, &store, Action::Down);
    }
    dispatch(&mut app, &store, Action::RefundPurchase);
    dispatch(&mut app, &store, Action::Submit);
    assert_eq!(balances(&store, id), Balances { points: 100, stored: Money::units(550) });
    assert!(store.check().is_clean(), "{:?}", store.check());
    // The detail's header shows the balances at 80x24; its account section what they take off
    // and the last entries.
    keys(&mut app, &store, &[Action::Back, Action::Top]);
    let text = screen(&draw(&mut app, 80, 24));
    assert!(text.contains("100 points · stored value 550.00"), "{text}");
    let text = screen(&draw(&mut app, 100, 70));
    assert!(text.contains("100 points (1.00 off)") && text.contains("stored value 550.00"), "{text}");
    assert!(text.contains("return") && text.contains("+120.00 → 550.00"), "{text}");
}

#[test]
fn a_commit_the_runtime_repeats_changes_nothing() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "1000");
    let effects = app.update(Action::Confirm);
    let [Effect::Commit(commit)] = effects.as_slice() else { panic!("{effects:?}") };
    let first = store.commit(commit.change.clone(), "tester").unwrap();
    let again = store.commit(commit.change.clone(), "tester").unwrap();
    assert!(matches!(first.applied, Applied::Entries(_)));
    assert!(matches!(again.applied, Applied::Replayed(_)));
    assert_eq!(balances(&store, id).stored, Money::units(1120));
    // The next operation of the console has a key of its own.
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "100");
    let effects = app.update(Action::Confirm);
    let [Effect::Commit(next)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_ne!(next.change, commit.change);
}

#[test]
fn the_list_shows_stored_value_and_the_screens_read_in_chinese_at_80x24() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "500");
    dispatch(&mut app, &store, Action::Confirm);
    app.set_lang(Lang::Zh);
    let header = screen(&draw(&mut app, 80, 24));
    assert!(header.contains("200 积分 · 储值 ¥550.00"), "{header}");
    let detail = screen(&draw(&mut app, 100, 70));
    assert!(detail.contains("会员账户") && detail.contains("储值 ¥550.00"), "{detail}");
    assert!(detail.contains("充值") && detail.contains("赠送"), "{detail}");
    dispatch(&mut app, &store, Action::RedeemPoints);
    let prompt_line = screen(&draw(&mut app, 80, 24));
    assert!(prompt_line.contains("兑换积分（可用 200）"), "{prompt_line}");
    dispatch(&mut app, &store, Action::Cancel);
    app.update(Action::ShowList);
    // At 80 columns the list is as it always was (the detail shows what a member holds); from
    // 88 a stored-value column, filled for those who hold some.
    let narrow = screen(&draw(&mut app, 80, 24));
    let header = narrow.lines().nth(1).unwrap();
    assert!(!header.contains("储值") && header.contains("生命周期"), "{narrow}");
    let list = screen(&draw(&mut app, 100, 30));
    assert!(list.lines().any(|l| l.contains("储值") && l.contains("生命周期")), "{list}");
    let row = list.lines().find(|l| l.contains("王小明")).unwrap();
    assert!(row.contains("550"), "{row}");
    let others = list.lines().find(|l| l.contains("李雷")).unwrap();
    assert!(!others.contains("550"), "{others}");
}

#[test]
fn staff_top_up_and_redeem_and_a_viewer_is_refused() {
    let (_d, store, mut app, id) = shop();
    app.set_role(Role::Viewer);
    select(&mut app, id);
    let effects = app.update(Action::TopUp);
    assert!(app.status().contains("needs the staff role"), "{}", app.status());
    assert!(effects.iter().any(|e| matches!(e, Effect::AuditRefusal { .. })));
    assert!(app.prompt().is_none());
    app.set_role(Role::Staff);
    dispatch(&mut app, &store, Action::RedeemPoints);
    assert!(app.prompt().is_some());
    prompt(&mut app, &store, "50 奶瓶");
    assert_eq!(question(&app)[0], "Redeem 50 points (奶瓶) for 王小明 #1?");
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(balances(&store, id).points, 150);
    let h = store.history(id).unwrap().unwrap();
    assert_eq!(h.ledger.last().unwrap().note, "奶瓶");
}

#[test]
fn u_takes_a_top_up_back_with_its_opposite_entries() {
    let (_d, store, mut app, id) = shop();
    select(&mut app, id);
    dispatch(&mut app, &store, Action::TopUp);
    prompt(&mut app, &store, "500");
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(balances(&store, id).stored, Money::units(550));
    dispatch(&mut app, &store, Action::Undo);
    assert!(app.status().contains("took back"), "{}", app.status());
    assert_eq!(balances(&store, id).stored, Money::ZERO);
    let h = store.history(id).unwrap().unwrap();
    let kinds: Vec<&str> = h.ledger.iter().map(|e| e.kind.key()).collect();
    assert_eq!(kinds, ["earn", "topup", "bonus", "undo", "undo"], "nothing leaves the ledger");
    assert_eq!(app.classifier().classes(id).unwrap().stored_value, Money::ZERO);
    assert!(store.check().is_clean(), "{:?}", store.check());
}
