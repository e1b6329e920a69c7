//! Roles in the console: a viewer only looks (phones masked whatever the shop's setting), staff
//! work the till and their own records, a manager does everything. A refused key does nothing
//! but say which role it needs (in Chinese too) and hand the runtime the refusal to audit.

mod ui_fixture;
use kehu::domain::{History, Role};
use kehu::i18n::Lang;
use kehu::store::{SledStore, Store};
use kehu::tui::{dispatch, run_effect};
use kehu::ui::form::FormKey;
use kehu::ui::{Action, App, AppInit, ConsoleOptions, Effect, FormRequest, Pick, PromptKind, View};
use std::collections::HashMap;
use ui_fixture::*;

/// The 60-customer shop with #26 planted again as #1000 (same phone): one duplicate pair. The
/// interactions of the customer [`records`] picks are signed by ann and bob.
fn shop() -> Vec<History> {
    let mut hs = histories(60);
    let mut copy = hs.iter().find(|h| h.customer.id == 26).expect("#26").customer.clone();
    copy.id = 1000;
    copy.reference = None;
    hs.push(History { customer: copy, purchases: vec![], interactions: vec![], ledger: Vec::new() });
    let id = records(&hs);
    let h = hs.iter_mut().find(|h| h.customer.id == id).unwrap();
    h.interactions[0].operator = "ann".into();
    h.interactions[1].operator = "bob".into();
    hs
}

/// A customer with two sales or more and two interactions or more.
fn records(hs: &[History]) -> u64 {
    hs.iter()
        .find(|h| h.purchases.iter().filter(|p| p.is_sale()).count() >= 2 && h.interactions.len() >= 2)
        .expect("such a customer")
        .customer
        .id
}

/// The console over `hs` for ann, working as `role`.
fn as_role(role: Role, hs: &[History]) -> App {
    let mut a = app_with(hs.to_vec());
    a.set_operator("ann");
    a.set_role(role);
    a
}

/// Opens customer `id` from the list, their history read.
fn open(a: &mut App, hs: &[History], id: u64) {
    feed(a, hs, &[Action::ShowList, Action::Top]);
    let at = a.list().shown.iter().position(|x| *x == id).expect("listed");
    feed(a, hs, &vec![Action::Down; at]);
    feed(a, hs, &[Action::Open]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));
    assert!(a.detail().history.is_some());
}

/// Puts the records cursor on the first record `want` accepts.
fn pick(a: &mut App, hs: &[History], want: impl Fn(&Pick) -> bool) {
    if a.detail().pick.is_none() {
        feed(a, hs, &[Action::PickRecord]);
    }
    let at = a.detail().picks().iter().position(want).expect("such a record");
    feed(a, hs, &[Action::Top]);
    feed(a, hs, &vec![Action::Down; at]);
    assert_eq!(a.detail().pick, Some(at));
}

/// The refusal ann gets as `role` for `what`, which needs `needs`, on `customer`.
fn refusal(customer: Option<u64>, what: &'static str, needs: Role, role: Role) -> Vec<Effect> {
    vec![Effect::AuditRefusal { customer, operator: "ann".into(), what, needs, role }]
}

/// Asserts that `action` was refused with its notice and audit effect, and opened nothing.
fn refused(
    a: &mut App,
    hs: &[History],
    action: Action,
    customer: Option<u64>,
    what: &'static str,
    needs: Role,
) {
    let role = a.role();
    let view = a.view();
    let effects = feed(a, hs, std::slice::from_ref(&action));
    assert_eq!(effects, refusal(customer, what, needs, role), "{action:?}");
    assert_eq!(a.status(), format!("{what}: needs the {needs} role (you are {role})"), "{action:?}");
    assert!(a.form().is_none() && a.prompt().is_none() && a.confirm().is_none() && a.merge().is_none());
    assert_eq!(a.view(), view, "{action:?}");
}

#[test]
fn the_local_console_is_a_manager() {
    assert_eq!(app().role(), Role::Manager);
}

#[test]
fn a_viewer_looks_and_every_change_is_refused_with_the_role_it_needs() {
    let hs = shop();
    let mut a = as_role(Role::Viewer, &hs);
    feed(&mut a, &hs, &[Action::Down, Action::Down]);
    let on = a.list().current();
    use Role::{Manager, Staff};
    refused(&mut a, &hs, Action::AddCustomer, None, "add customer", Staff);
    refused(&mut a, &hs, Action::EditCustomer, on, "edit customer", Staff);
    refused(&mut a, &hs, Action::RecordPurchase, on, "record purchase", Staff);
    refused(&mut a, &hs, Action::LogInteraction, on, "log interaction", Staff);
    refused(&mut a, &hs, Action::TagSelected, on, "tag selected", Staff);
    refused(&mut a, &hs, Action::UntagSelected, on, "remove a tag", Staff);
    refused(&mut a, &hs, Action::RevealPhone, on, "reveal a phone", Manager);
    refused(&mut a, &hs, Action::Undo, None, "undo my last change", Staff);
    // A form asked for by the runtime is refused too.
    refused(&mut a, &hs, Action::OpenForm(FormRequest::AddCustomer), None, "add customer", Staff);

    // Looking works: search, segments, follow-ups, a customer's records and changes.
    feed(&mut a, &hs, &[vec![Action::StartSearch], typed("王")].concat());
    assert!(a.list().searching && a.list().query == "王");
    feed(&mut a, &hs, &[Action::Cancel, Action::ShowSegments, Action::Right]);
    assert_eq!(a.view(), View::Segments);
    refused(&mut a, &hs, Action::Refit, None, "refit P(alive) model", Manager);
    refused(&mut a, &hs, Action::NewSegment, None, "save filter as segment", Staff);
    feed(&mut a, &hs, &[Action::ShowFollowUps]);
    assert_eq!(a.view(), View::FollowUps);
    let id = records(&hs);
    open(&mut a, &hs, id);
    feed(&mut a, &hs, &[Action::PickRecord]);
    assert_eq!(a.status(), "j/k move · esc leaves", "a viewer is not offered x, r, c or o");
    let effects = feed(&mut a, &hs, &[Action::ShowChanges]);
    assert_eq!(effects, vec![Effect::LoadChanges(id)]);
    refused(&mut a, &hs, Action::VoidRecord, Some(id), "void the record", Staff);
    refused(&mut a, &hs, Action::RefundPurchase, Some(id), "return a sale", Staff);
    refused(&mut a, &hs, Action::CorrectRecord, Some(id), "correct / restore", Staff);
    refused(&mut a, &hs, Action::ResolveComplaint, Some(id), "resolve the complaint", Staff);
    refused(&mut a, &hs, Action::DeleteCustomer, Some(id), "delete customer", Manager);

    // The duplicates: no merge, no mark.
    feed(&mut a, &hs, &[Action::ShowDuplicates]);
    let pair = a.duplicates().current().map(|p| p.a);
    assert!(pair.is_some());
    refused(&mut a, &hs, Action::Open, pair, "merge customers", Manager);
    refused(&mut a, &hs, Action::NotDuplicate, pair, "not a duplicate", Staff);
}

#[test]
fn a_viewer_sees_phones_masked_even_where_the_shop_shows_them() {
    let hs = shop();
    let options = ConsoleOptions { mask_phones: false, ..ConsoleOptions::default() };
    let mut a = app_from(AppInit { options, ..init(hs.clone()) });
    let h = hs.iter().find(|h| h.customer.phone.is_some()).unwrap();
    let phone = h.customer.phone.as_ref().unwrap().as_str().to_string();
    open(&mut a, &hs, h.customer.id);
    assert!(screen(&draw(&mut a, 100, 40)).contains(&phone), "the shop does not mask");
    a.set_role(Role::Viewer);
    let text = screen(&draw(&mut a, 100, 40));
    assert!(!text.contains(&phone), "{text}");
    assert!(text.contains(&kehu::ui::floor::mask_phone(&phone)), "{text}");
    feed(&mut a, &hs, &[Action::ShowList]);
    assert!(!screen(&draw(&mut a, 120, 40)).contains(&phone));

    // Nor in the changes the audit log keeps (an edit of the phone, as the store records it).
    feed(&mut a, &hs, &[Action::Open]);
    let id = a.detail().id;
    let number = a.model().get(id).unwrap().customer.phone.as_ref().unwrap().as_str().to_string();
    let mut edit = kehu::change::AuditEntry::now("bob", id, "edit customer", String::new(), String::new());
    edit.after = serde_json::json!({ "phone": number }).to_string();
    a.update(Action::ChangesLoaded { customer: id, entries: vec![edit] });
    let text = screen(&draw(&mut a, 120, 90));
    assert!(text.contains("edit customer") && !text.contains(&number), "{text}");
}

#[test]
fn staff_work_the_till_but_not_the_managers_powers() {
    let hs = shop();
    let mut a = as_role(Role::Staff, &hs);
    feed(&mut a, &hs, &[Action::Down]);
    let on = a.list().current();
    feed(&mut a, &hs, &[Action::AddCustomer]);
    assert_eq!(a.pending_form(), Some(&FormRequest::AddCustomer));
    feed(&mut a, &hs, &[Action::CloseForm, Action::RecordPurchase]);
    assert!(matches!(a.pending_form(), Some(FormRequest::Purchase { .. })));
    feed(&mut a, &hs, &[Action::CloseForm]);
    refused(&mut a, &hs, Action::RevealPhone, on, "reveal a phone", Role::Manager);
    assert!(a.phone_mask().hides(on.unwrap()));
    let id = records(&hs);
    open(&mut a, &hs, id);
    refused(&mut a, &hs, Action::DeleteCustomer, Some(id), "delete customer", Role::Manager);
    feed(&mut a, &hs, &[Action::ShowSegments]);
    refused(&mut a, &hs, Action::Refit, None, "refit P(alive) model", Role::Manager);
    feed(&mut a, &hs, &[Action::ShowDuplicates]);
    let pair = a.duplicates().current().map(|p| (p.a, p.b)).unwrap();
    refused(&mut a, &hs, Action::Open, Some(pair.0), "merge customers", Role::Manager);
    // Two people, not one: staff may say so (u takes it back).
    let effects = feed(&mut a, &hs, &[Action::NotDuplicate]);
    assert!(matches!(effects.as_slice(), [Effect::Commit(_)]), "{effects:?}");
    // Their own last change comes back; one someone has changed since needs a manager.
    assert_eq!(feed(&mut a, &hs, &[Action::Undo]), vec![Effect::Undo { consent: false }]);
    let effects = a.update(Action::UndoAsks { what: "purchase".into(), since: "bob (edit customer)".into() });
    assert_eq!(effects, refusal(None, "undo over another operator's change", Role::Manager, Role::Staff));
    assert!(a.confirm().is_none(), "no question staff may not answer");

    // A manager does all of it.
    a.set_role(Role::Manager);
    feed(&mut a, &hs, &[Action::Open]);
    assert!(a.merge().is_some());
    feed(&mut a, &hs, &[Action::Cancel, Action::ShowList]);
    let effects = feed(&mut a, &hs, &[Action::RevealPhone]);
    assert!(matches!(effects.as_slice(), [Effect::AuditReveal { .. }]), "{effects:?}");
}

#[test]
fn staff_void_return_and_correct_their_own_records_but_not_another_operators() {
    let hs = shop();
    let id = records(&hs);
    let h = hs.iter().find(|h| h.customer.id == id).unwrap().clone();
    let sales: Vec<u64> = h.purchases.iter().filter(|p| p.is_sale()).map(|p| p.id).collect();
    let (mine, theirs) = (sales[0], sales[1]);
    let mut a = as_role(Role::Staff, &hs);
    open(&mut a, &hs, id);

    // Who recorded a purchase is read from the audit log first; then the key goes on.
    pick(&mut a, &hs, |p| matches!(p, Pick::Purchase(x) if x.id == mine));
    let effects = feed(&mut a, &hs, &[Action::VoidRecord]);
    assert_eq!(effects, vec![Effect::LoadRecorders(id)]);
    assert!(a.prompt().is_none());
    let recorders: HashMap<u64, Option<String>> =
        h.purchases.iter().map(|p| (p.id, (p.id == mine).then(|| "ann".to_string()))).collect();
    let effects = a.update(Action::RecordersLoaded { customer: id, recorders });
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::VoidReason(_))), "{}", a.status());
    feed(&mut a, &hs, &[Action::Cancel]);
    feed(&mut a, &hs, &[Action::RefundPurchase]);
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::Refund(_))), "{}", a.status());
    feed(&mut a, &hs, &[Action::Cancel, Action::CorrectRecord]);
    assert!(matches!(a.pending_form(), Some(FormRequest::CorrectPurchase { .. })));
    a.update(Action::FormKey(FormKey::Esc));
    a.update(Action::CloseForm);

    // A sale the demo data brought in is no one's: a manager's to void, return or correct.
    pick(&mut a, &hs, |p| matches!(p, Pick::Purchase(x) if x.id == theirs));
    refused(&mut a, &hs, Action::VoidRecord, Some(id), "void another operator's record", Role::Manager);
    refused(&mut a, &hs, Action::RefundPurchase, Some(id), "return another operator's sale", Role::Manager);
    refused(&mut a, &hs, Action::CorrectRecord, Some(id), "correct another operator's record", Role::Manager);

    // An interaction is signed by whoever logged it.
    pick(&mut a, &hs, |p| matches!(p, Pick::Interaction(i) if i.operator == "ann"));
    feed(&mut a, &hs, &[Action::VoidRecord]);
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::VoidReason(_))), "{}", a.status());
    feed(&mut a, &hs, &[Action::Cancel]);
    pick(&mut a, &hs, |p| matches!(p, Pick::Interaction(i) if i.operator == "bob"));
    refused(&mut a, &hs, Action::VoidRecord, Some(id), "void another operator's record", Role::Manager);

    // A manager voids anyone's at once, without asking who recorded it.
    a.set_role(Role::Manager);
    pick(&mut a, &hs, |p| matches!(p, Pick::Purchase(x) if x.id == theirs));
    assert!(feed(&mut a, &hs, &[Action::VoidRecord]).is_empty());
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::VoidReason(_))));
}

#[test]
fn a_refusal_reads_in_chinese() {
    let hs = shop();
    let mut a = as_role(Role::Staff, &hs);
    a.set_lang(Lang::Zh);
    feed(&mut a, &hs, &[Action::RevealPhone]);
    assert_eq!(a.status(), "查看电话：需要店长权限（你是店员）");
    a.set_role(Role::Viewer);
    feed(&mut a, &hs, &[Action::AddCustomer]);
    assert_eq!(a.status(), "新增客户：需要店员权限（你是查看者）");
}

#[test]
fn the_help_leaves_out_what_the_role_may_not_do() {
    let hs = shop();
    let help = |role: Role| {
        let mut a = as_role(role, &hs);
        feed(&mut a, &hs, &[Action::ToggleHelp]);
        screen(&draw(&mut a, 120, 60))
    };
    let (viewer, staff, manager) = (help(Role::Viewer), help(Role::Staff), help(Role::Manager));
    for text in [&viewer, &staff, &manager] {
        assert!(text.contains("search") && text.contains("segments"), "{text}");
    }
    assert!(!viewer.contains("add customer") && !viewer.contains("record purchase"), "{viewer}");
    assert!(!viewer.contains("show / hide phone") && !staff.contains("show / hide phone"), "{staff}");
    assert!(staff.contains("add customer") && staff.contains("record purchase"), "{staff}");
    assert!(manager.contains("show / hide phone"), "{manager}");
}

/// The runtime's side, against a real store: staff void their own purchase once the audit log
/// says it is theirs, and a refusal is recorded without making anyone's undo ask.
#[test]
fn the_runtime_reads_who_recorded_a_purchase_and_audits_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    kehu::demo::fill_store(&store, 30, 7, today(), "demo").unwrap();
    let hs = kehu::tui::all_histories(&store).unwrap();
    let id = hs.iter().find(|h| h.purchases.iter().any(|p| p.is_sale())).unwrap().customer.id;
    let mut a = as_role(Role::Staff, &hs);
    open(&mut a, &hs, id);

    // ann rings up 12.50; the void of it goes through.
    dispatch(&mut a, &store, Action::RecordPurchase);
    for c in "12.50".chars() {
        dispatch(&mut a, &store, Action::FormKey(FormKey::Char(c)));
    }
    dispatch(&mut a, &store, Action::FormKey(FormKey::Enter));
    assert!(a.form().is_none(), "{}", a.status());
    let mine = store.history(id).unwrap().unwrap().purchases.iter().find(|p| p.amount.0 == 1250).unwrap().id;
    dispatch(&mut a, &store, Action::PickRecord);
    let at = a.detail().picks().iter().position(|p| matches!(p, Pick::Purchase(x) if x.id == mine)).unwrap();
    dispatch(&mut a, &store, Action::Top);
    for _ in 0..at {
        dispatch(&mut a, &store, Action::Down);
    }
    dispatch(&mut a, &store, Action::VoidRecord);
    assert!(matches!(a.prompt().map(|p| &p.kind), Some(PromptKind::VoidReason(_))), "{}", a.status());
    for c in "typo".chars() {
        dispatch(&mut a, &store, Action::Input(c));
    }
    dispatch(&mut a, &store, Action::Submit);
    let voided = |s: &SledStore| {
        s.history(id).unwrap().unwrap().purchases.iter().find(|p| p.id == mine).unwrap().void.is_some()
    };
    assert!(voided(&store), "{}", a.status());

    // A demo sale is not ann's: refused, and the audit log says so.
    let theirs = a
        .detail()
        .picks()
        .iter()
        .position(|p| matches!(p, Pick::Purchase(x) if x.id != mine && x.is_sale()))
        .unwrap();
    dispatch(&mut a, &store, Action::Top);
    for _ in 0..theirs {
        dispatch(&mut a, &store, Action::Down);
    }
    dispatch(&mut a, &store, Action::VoidRecord);
    assert!(a.prompt().is_none());
    assert_eq!(a.status(), "void another operator's record: needs the manager role (you are staff)");
    let last = store.audit_entries(Some(id)).unwrap().pop().unwrap();
    assert_eq!(
        (last.operator.as_str(), last.what.as_str()),
        ("ann", "refused: void another operator's record")
    );
    assert_eq!(last.after, r#"{"needs":"manager","role":"staff"}"#);
    assert!(last.is_refusal());

    // Vic, a viewer, is refused on the same customer; ann's undo need not ask about it.
    let vic = Effect::AuditRefusal {
        customer: Some(id),
        operator: "vic".into(),
        what: "edit customer",
        needs: Role::Staff,
        role: Role::Viewer,
    };
    assert!(run_effect(&store, vic).is_empty());
    dispatch(&mut a, &store, Action::Undo);
    assert!(a.confirm().is_none(), "{:?}", a.confirm());
    assert!(!voided(&store), "the void was taken back: {}", a.status());
    let whats: Vec<String> = store.audit_entries(Some(id)).unwrap().into_iter().map(|e| e.what).collect();
    assert!(whats.contains(&"refused: edit customer".to_string()), "{whats:?}");
    assert_eq!(kehu::i18n::change_what(Lang::Zh, "refused: edit customer"), "已拒绝：编辑客户");
}
