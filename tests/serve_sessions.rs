//! Several consoles on one store, as `kehu serve` runs them, without the network: a purchase in
//! one session reaches the others (classes, follow-ups) and every later session's start; two
//! operators editing the same customer get a question instead of a silent overwrite; every
//! change is in the audit log with its operator.

mod ui_fixture;
use kehu::serve::hub::{Hub, Input};
use kehu::store::{SledStore, Store};
use kehu::tui::{all_histories, dispatch_observed};
use kehu::ui::form::FormKey;
use kehu::ui::{Action, App, Confirm, FormRequest};
use std::sync::mpsc::{Receiver, channel};
use ui_fixture::*;

/// One session: its console, its inbox, its number and operator.
struct Session {
    app: App,
    inbox: Receiver<Input>,
    id: u64,
    operator: &'static str,
}

impl Session {
    fn join(hub: &Hub, id: u64, operator: &'static str) -> Session {
        let (tx, inbox) = channel();
        let mut app = hub.join(id, tx);
        app.set_operator(operator);
        app.update(Action::Resize(100, 30));
        Session { app, inbox, id, operator }
    }

    /// Runs an action like the session thread does: through the store, passing each save on
    /// before the console takes it in (the shop it follows is written by the hub's base).
    fn act(&mut self, store: &dyn Store, hub: &Hub, action: Action) {
        let (id, operator) = (self.id, self.operator);
        dispatch_observed(&mut self.app, store, action, &mut |a| {
            if matches!(a, Action::Saved(_) | Action::Merged { .. } | Action::Committed(_)) {
                hub.publish(store, id, operator, a);
            }
        });
    }

    fn keys(&mut self, store: &dyn Store, hub: &Hub, keys: &[FormKey]) {
        for k in keys {
            self.act(store, hub, Action::FormKey(k.clone()));
        }
    }

    /// Applies everything other sessions published; how many changes arrived.
    fn take_remote(&mut self) -> usize {
        let mut n = 0;
        while let Ok(msg) = self.inbox.try_recv() {
            if let Input::Remote(a) = msg {
                self.app.update(*a);
                n += 1;
            }
        }
        n
    }
}

fn chars(s: &str) -> Vec<FormKey> {
    s.chars().map(FormKey::Char).collect()
}

fn setup() -> (tempfile::TempDir, SledStore, Hub) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    kehu::demo::fill_store(&store, 60, 7, today(), "test").unwrap();
    let hub = Hub::new(app_from(init(all_histories(&store).unwrap())));
    (dir, store, hub)
}

/// A customer who never bought: a purchase changes every class that matters.
fn never_bought(app: &App) -> u64 {
    app.model()
        .ids()
        .iter()
        .copied()
        .find(|&id| app.classifier().profile(id).is_some_and(|p| p.last_purchase.is_none()))
        .expect("a customer without purchases")
}

#[test]
fn a_purchase_in_one_session_reaches_the_others_and_later_sessions() {
    let (_dir, store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let mut b = Session::join(&hub, 2, "bob");
    let id = never_bought(&a.app);
    let before = b.app.classifier().profile(id).unwrap();
    let queue_before = b.app.followups().ids.len();

    a.act(&store, &hub, Action::OpenForm(FormRequest::Purchase { customer: id }));
    a.keys(&store, &hub, &chars("2500"));
    a.keys(&store, &hub, &[FormKey::Enter]);
    assert!(a.app.status().starts_with("saved"), "{}", a.app.status());
    assert_eq!(a.take_remote(), 0, "a session does not get its own change back");
    let lifecycle = a.app.classifier().profile(id).unwrap().lifecycle.class.key();
    assert!(
        a.app.status().contains(lifecycle),
        "the saving session shows the new classes: {}",
        a.app.status()
    );

    assert_eq!(b.take_remote(), 1);
    let after = b.app.classifier().profile(id).unwrap();
    assert_eq!(after, a.app.classifier().profile(id).unwrap(), "both sessions classify alike");
    assert_ne!(before.lifecycle.class, after.lifecycle.class);
    assert_eq!(after.spend_365.to_string(), "2500.00");
    assert!(b.app.status().starts_with("alice changed"), "{}", b.app.status());
    let _ = queue_before; // the queue may or may not change; its contents must match A's:
    assert_eq!(b.app.followups().ids, a.app.followups().ids);

    // A session that starts later starts from the current state.
    let c = Session::join(&hub, 3, "carol");
    assert_eq!(c.app.classifier().profile(id).unwrap(), after);
    assert_eq!(c.app.model().get(id), a.app.model().get(id));

    let log = store.audit_entries(Some(id)).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].operator.as_str(), log[0].what.as_str()), ("alice", "purchase"));
    assert!(log[0].after.contains("2500.00"), "{}", log[0].after);
}

#[test]
fn the_second_save_of_one_customer_asks_instead_of_overwriting() {
    let (_dir, store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let mut b = Session::join(&hub, 2, "bob");
    let id = a.app.model().ids()[0];
    let name = a.app.model().get(id).unwrap().customer.name.clone();

    a.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    b.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    // The name is the first field: both append to it.
    a.keys(&store, &hub, &[FormKey::End]);
    a.keys(&store, &hub, &chars(" A"));
    a.keys(&store, &hub, &[FormKey::CtrlS]);
    assert!(a.app.form().is_none(), "saved: {}", a.app.status());
    assert_eq!(b.take_remote(), 1);
    assert!(b.app.form().is_some(), "another operator's save leaves B's form open");

    b.keys(&store, &hub, &[FormKey::End]);
    b.keys(&store, &hub, &chars(" B"));
    b.keys(&store, &hub, &[FormKey::CtrlS]);
    let Some(Confirm::Reload { customer, by, fields, .. }) = b.app.confirm() else {
        panic!("{:?}", b.app.confirm())
    };
    assert_eq!((*customer, by.as_deref()), (id, Some("alice")));
    // Both sides of the name: alice's stored one and bob's edit.
    let name_diff = fields.iter().find(|d| d.label == "Name").expect("the name differs");
    assert_eq!(
        (name_diff.theirs.as_str(), name_diff.yours.as_str()),
        (&*format!("{name} A"), &*format!("{name} B"))
    );
    assert!(b.app.status().contains("alice changed this customer meanwhile"), "{}", b.app.status());
    assert_eq!(store.customer(id).unwrap().unwrap().name, format!("{name} A"), "nothing overwritten");

    // n: the edit stays, and saving now replaces alice's version knowingly.
    b.act(&store, &hub, Action::Cancel);
    assert_eq!(b.app.form().unwrap().value(kehu::ui::form::FieldId::Name).unwrap(), format!("{name} B"));
    b.keys(&store, &hub, &[FormKey::CtrlS]);
    assert!(b.app.form().is_none(), "{}", b.app.status());
    assert_eq!(store.customer(id).unwrap().unwrap().name, format!("{name} B"));
    assert_eq!(a.take_remote(), 1);
    assert_eq!(a.app.model().get(id).unwrap().customer.name, format!("{name} B"));

    // y: the form is filled again from the stored record.
    a.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    b.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    a.keys(&store, &hub, &[FormKey::End, FormKey::Char('!'), FormKey::CtrlS]);
    b.take_remote();
    b.keys(&store, &hub, &[FormKey::End, FormKey::Char('?'), FormKey::CtrlS]);
    assert!(matches!(b.app.confirm(), Some(Confirm::Reload { .. })));
    b.act(&store, &hub, Action::Confirm);
    assert_eq!(b.app.form().unwrap().value(kehu::ui::form::FieldId::Name).unwrap(), format!("{name} B!"));

    let who: Vec<(String, String)> =
        store.audit_entries(Some(id)).unwrap().into_iter().map(|e| (e.operator, e.after)).collect();
    assert_eq!(who.len(), 3, "{who:?}");
    assert_eq!(who[0], ("alice".into(), format!(r#"{{"name":"{name} A"}}"#)));
    assert_eq!(who[1].0, "bob");
    assert_eq!(who[2].0, "alice");
}

#[test]
fn a_new_day_reaches_every_session_and_later_ones() {
    let (_dir, _store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let later = today() + chrono::Days::new(30);
    hub.new_day(later);
    assert_eq!(a.take_remote(), 1);
    assert_eq!((a.app.today(), a.app.classifier().today()), (later, later));
    let b = Session::join(&hub, 2, "bob");
    assert_eq!(b.app.classifier().today(), later, "a later session starts on the new day");
    assert_eq!(b.app.followups().ids, a.app.followups().ids);
}

#[test]
fn a_frame_the_client_could_not_take_is_sent_again_without_another_key() {
    use kehu::serve::session::{self, Output, Spec};
    use std::time::{Duration, Instant};
    let (_dir, store, hub) = setup();
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
    let hub = std::sync::Arc::new(hub);
    let (tx, rx) = channel();
    // Room for one frame only: the opening sequence fills it, so the first frames are lost.
    let (frames, mut frames_rx) = tokio::sync::mpsc::channel(1);
    let (end, _end_rx) = tokio::sync::oneshot::channel();
    let spec = Spec {
        id: 1,
        operator: "alice".into(),
        role: kehu::domain::Role::Staff,
        size: (100, 30),
        idle: Duration::from_secs(600),
    };
    let me = tx.clone();
    let (s, h) = (std::sync::Arc::clone(&store), std::sync::Arc::clone(&hub));
    let thread = std::thread::spawn(move || session::run(s, h, spec, rx, me, Output { frames, end }));
    // `2` shows the segments view while the client reads nothing.
    tx.send(Input::Bytes(b"2".to_vec())).unwrap();
    std::thread::sleep(Duration::from_millis(100)); // the client is slow to read: that is the test
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&seen).contains("lifecycle") {
        assert!(Instant::now() < deadline, "the segments view never reached the client");
        match frames_rx.try_recv() {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    tx.send(Input::Close(None)).unwrap();
    thread.join().unwrap();
}

#[test]
fn sessions_follow_one_shop_that_only_the_base_writes() {
    let (_dir, store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let mut b = Session::join(&hub, 2, "bob");
    assert!(a.app.same_shop(&b.app), "two sessions hold one shop, not a copy each");
    let id = never_bought(&a.app);

    a.act(&store, &hub, Action::OpenForm(FormRequest::Purchase { customer: id }));
    a.keys(&store, &hub, &chars("80"));
    a.keys(&store, &hub, &[FormKey::Enter]);
    // B's shop has the purchase before B handles the news; B's views follow when it does.
    let shared = b.app.classifier().profile(id).unwrap();
    assert_eq!(shared.spend_365.to_string(), "80.00");
    assert_eq!(b.take_remote(), 1);
    assert_eq!(b.app.followups().ids, a.app.followups().ids);

    // A follower taking an answer in never writes the shop: the base did, once.
    let mut forged = store.history(id).unwrap().unwrap();
    forged.customer.name = "not stored".into();
    b.app.update(Action::Saved(Box::new(forged)));
    assert_ne!(b.app.model().get(id).unwrap().customer.name, "not stored");
    assert_ne!(a.app.model().get(id).unwrap().customer.name, "not stored");

    // After edits in both sessions the shared shop is what a fresh start reads.
    let other = a.app.model().ids().iter().copied().find(|&x| x != id).unwrap();
    b.act(&store, &hub, Action::OpenForm(FormRequest::Purchase { customer: other }));
    b.keys(&store, &hub, &chars("1200"));
    b.keys(&store, &hub, &[FormKey::Enter]);
    a.take_remote();
    let fresh = app_from(init(all_histories(&store).unwrap()));
    for &x in fresh.model().ids() {
        assert_eq!(a.app.classifier().profile(x), fresh.classifier().profile(x), "customer #{x}");
        assert_eq!(a.app.model().get(x), fresh.model().get(x), "row of #{x}");
    }
    assert_eq!(a.app.model().len(), fresh.model().len());
}

#[test]
fn a_load_for_every_session_is_installed_once_and_fitted_only_by_whoever_loaded() {
    let (_dir, store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let histories = all_histories(&store).unwrap();
    let rules = a.app.classifier().rules().clone();
    // What the server publishes after an import through its control socket.
    hub.publish_load(kehu::ui::Loaded::from_histories(&histories, rules.clone(), today()));
    assert_eq!(a.take_remote(), 1);
    let b = Session::join(&hub, 2, "bob");
    assert!(a.app.same_shop(&b.app), "still one shop after the load");
    assert_eq!(a.app.model().len(), histories.len());

    // The load has no model: the console whose own load it is asks for a fit; a session told of
    // another's load does not (two fits of one shop would race to store theirs).
    let own = kehu::ui::Loaded::from_histories(&histories, rules, today());
    let told = own.for_follower();
    let fits = |effects: Vec<kehu::ui::Effect>| {
        effects.iter().filter(|e| matches!(e, kehu::ui::Effect::FitModel)).count()
    };
    assert_eq!(fits(a.app.update(Action::Loaded(Box::new(told)))), 0);
    assert_eq!(fits(a.app.update(Action::Loaded(Box::new(own)))), 1);
}

#[test]
fn a_conflict_answered_before_the_shop_has_the_other_save_uses_the_stored_version() {
    let (_dir, store, hub) = setup();
    let mut a = Session::join(&hub, 1, "alice");
    let mut b = Session::join(&hub, 2, "bob");
    let id = a.app.model().ids()[0];
    let name = a.app.model().get(id).unwrap().customer.name.clone();
    b.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    // Alice's save lands in the store, its publication not yet in the shop.
    a.app.update(Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    for k in [FormKey::End, FormKey::Char('A'), FormKey::CtrlS] {
        dispatch_observed(&mut a.app, &store, Action::FormKey(k), &mut |_| {});
    }
    assert_eq!(store.customer(id).unwrap().unwrap().name, format!("{name}A"));
    assert_eq!(b.app.model().get(id).unwrap().customer.name, name, "the shop is behind");

    // y: the form shows alice's stored version, not the shop's older one.
    b.keys(&store, &hub, &[FormKey::End, FormKey::Char('B'), FormKey::CtrlS]);
    assert!(matches!(b.app.confirm(), Some(Confirm::Reload { .. })), "{}", b.app.status());
    b.act(&store, &hub, Action::Confirm);
    assert_eq!(b.app.form().unwrap().value(kehu::ui::form::FieldId::Name).unwrap(), format!("{name}A"));

    // n: the edit is rebased on alice's revision, so saving it is not refused again.
    b.keys(&store, &hub, &[FormKey::End, FormKey::Char('?'), FormKey::CtrlS]);
    assert!(b.app.form().is_none(), "{}", b.app.status());
    dispatch_observed(
        &mut a.app,
        &store,
        Action::OpenForm(FormRequest::EditCustomer { customer: id }),
        &mut |_| {},
    );
    for k in [FormKey::End, FormKey::Char('!'), FormKey::CtrlS] {
        dispatch_observed(&mut a.app, &store, Action::FormKey(k), &mut |_| {});
    }
    b.act(&store, &hub, Action::OpenForm(FormRequest::EditCustomer { customer: id }));
    b.keys(&store, &hub, &[FormKey::End, FormKey::Char('#'), FormKey::CtrlS]);
    assert!(matches!(b.app.confirm(), Some(Confirm::Reload { .. })), "{}", b.app.status());
    b.act(&store, &hub, Action::Cancel);
    b.keys(&store, &hub, &[FormKey::CtrlS]);
    assert!(b.app.form().is_none(), "saved after keeping the edit: {}", b.app.status());
    assert_eq!(store.customer(id).unwrap().unwrap().name, format!("{name}A?#"));
}
