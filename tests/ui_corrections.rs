//! Corrections in the console (issue 14), through `dispatch` against a real store: the till
//! asks about unusual amounts, records are voided, returned, corrected and resolved from the
//! detail view's cursor, a merge and a deletion come back with `u`, a merged-away card opens
//! the survivor, a pair is marked "not a duplicate", tags come off and are renamed, and a
//! customer who looks like one already stored is asked about before saving.

mod ui_fixture;
use kehu::change::Change;
use kehu::classify::Classifier;
use kehu::domain::{History, Money, Purchase, Void};
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::form::{FieldId, FormKey};
use kehu::ui::{Action, App, Confirm, Effect, Pick, View};
use ui_fixture::*;

/// A demo shop of 2,000 customers in a fresh store, and the console over it.
fn shop() -> (tempfile::TempDir, SledStore, App) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(vec![]);
    dispatch(&mut app, &store, Action::LoadDemo);
    assert_eq!(app.model().len(), 2000);
    (dir, store, app)
}

fn keys(app: &mut App, store: &SledStore, actions: &[Action]) {
    for a in actions {
        dispatch(app, store, a.clone());
    }
}

fn form_type(app: &mut App, store: &SledStore, text: &str) {
    for c in text.chars() {
        dispatch(app, store, Action::FormKey(FormKey::Char(c)));
    }
}

fn prompt_type(app: &mut App, store: &SledStore, text: &str) {
    dispatch(app, store, Action::ClearInput);
    for c in text.chars() {
        dispatch(app, store, Action::Input(c));
    }
    dispatch(app, store, Action::Submit);
}

/// Opens customer `id`'s detail view from the list, with their history read.
fn open(app: &mut App, store: &SledStore, id: u64) {
    app.update(Action::ShowList);
    let at = app.list().shown.iter().position(|x| *x == id).unwrap();
    app.update(Action::Top);
    for _ in 0..at {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    app.update(Action::HistoryLoaded(Box::new(store.history(id).unwrap().unwrap())));
    assert_eq!((app.view(), app.detail().id), (View::Detail, id));
}

/// Puts the record cursor on the first record `pick` accepts.
fn pick(app: &mut App, store: &SledStore, what: impl Fn(&Pick) -> bool) {
    if app.detail().pick.is_none() {
        dispatch(app, store, Action::PickRecord);
    }
    let at = app.detail().picks().iter().position(what).expect("such a record");
    dispatch(app, store, Action::Top);
    for _ in 0..at {
        dispatch(app, store, Action::Down);
    }
    assert_eq!(app.detail().pick, Some(at));
}

/// Every customer's classes from a fresh build over the store, with the model the App fitted.
fn fresh(store: &SledStore, app: &App) -> Classifier {
    let hs: Vec<History> = kehu::tui::all_histories(store).unwrap();
    let mut f = Classifier::from_histories(kehu::classify::Rules::default(), today(), &hs);
    f.set_model(app.classifier().model().cloned());
    f
}

fn assert_fresh(app: &App, store: &SledStore) {
    let f = fresh(store, app);
    assert_eq!(app.classifier().len(), f.len());
    for id in f.ids() {
        assert_eq!(app.classifier().classes(id), f.classes(id), "customer #{id}");
    }
}

/// A customer with at least two sales and no returns.
fn buyer(store: &SledStore, app: &App) -> u64 {
    *app.model()
        .ids()
        .iter()
        .find(|id| {
            store.history(**id).unwrap().unwrap().purchases.iter().filter(|p| p.is_sale()).count() >= 2
        })
        .unwrap()
}

#[test]
fn a_mistyped_amount_is_asked_about_then_voided_and_the_classes_return() {
    let (_d, store, mut app) = shop();
    let id = buyer(&store, &app);
    open(&mut app, &store, id);
    let before = app.classifier().classes(id).cloned();
    let count = store.history(id).unwrap().unwrap().purchases.len();

    keys(&mut app, &store, &[Action::RecordPurchase]);
    form_type(&mut app, &store, "99999999");
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(matches!(app.confirm(), Some(Confirm::Till(_))), "{:?}", app.status());
    assert_eq!(store.history(id).unwrap().unwrap().purchases.len(), count, "nothing saved yet");
    // n: back to the form with the amount still typed.
    dispatch(&mut app, &store, Action::Cancel);
    assert_eq!(app.form().and_then(|f| f.value(FieldId::Amount)).as_deref(), Some("99999999"));
    // y: saved after all; the customer turns gold.
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    dispatch(&mut app, &store, Action::Confirm);
    assert!(app.form().is_none());
    assert_eq!(store.history(id).unwrap().unwrap().purchases.len(), count + 1);
    assert_eq!(app.model().get(id).unwrap().facts.tier.key(), "gold");

    // Void it from the history: the classes are what they were.
    pick(&mut app, &store, |p| matches!(p, Pick::Purchase(p) if p.amount == Money::units(99_999_999)));
    keys(&mut app, &store, &[Action::VoidRecord]);
    prompt_type(&mut app, &store, "typed one 9 too many");
    assert!(app.status().starts_with("voided purchase"), "{}", app.status());
    assert_eq!(app.classifier().classes(id).cloned(), before);
    let h = store.history(id).unwrap().unwrap();
    let voided = h.purchases.iter().find(|p| p.void.is_some()).expect("kept, voided");
    assert_eq!(voided.void.as_ref().unwrap().reason, "typed one 9 too many");
    assert_ne!(voided.void.as_ref().unwrap().at, chrono::DateTime::UNIX_EPOCH, "stamped by the runtime");
    // Voiding it again is refused in the console itself.
    keys(&mut app, &store, &[Action::VoidRecord]);
    assert!(app.prompt().is_none() && app.status().contains("voided already"));
    assert_fresh(&app, &store);

    // A zero amount asks too.
    keys(&mut app, &store, &[Action::Back, Action::RecordPurchase]);
    form_type(&mut app, &store, "0");
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(matches!(app.confirm(), Some(Confirm::Till(p)) if p.amount == Money(0)));
}

#[test]
fn half_a_sale_comes_back_and_spend_drops_by_that_much() {
    let (_d, store, mut app) = shop();
    let id = buyer(&store, &app);
    open(&mut app, &store, id);
    let total = |s: &SledStore| -> i64 {
        kehu::domain::net_purchases(&s.history(id).unwrap().unwrap().purchases)
            .iter()
            .map(|p| p.amount.0)
            .sum()
    };
    let before = total(&store);
    pick(&mut app, &store, |p| matches!(p, Pick::Purchase(p) if p.is_sale() && p.amount.0 >= 200));
    let Some(Pick::Purchase(sale)) = app.detail().picked() else { panic!() };
    let sale = sale.clone();
    keys(&mut app, &store, &[Action::RefundPurchase]);
    // The prompt offers everything that is left.
    assert_eq!(app.prompt().unwrap().text, format!("{} {}", sale.amount, sale.quantity));
    let half = Money(sale.amount.0 / 2);
    prompt_type(&mut app, &store, &format!("{half} 0"));
    assert_eq!(total(&store), before - half.0);
    assert_fresh(&app, &store);
    // More than is left is refused and the typing kept.
    let Some(Pick::Purchase(_)) = app.detail().picked() else { panic!("{:?}", app.detail().pick) };
    pick(&mut app, &store, |p| matches!(p, Pick::Purchase(p) if p.id == sale.id));
    keys(&mut app, &store, &[Action::RefundPurchase]);
    prompt_type(&mut app, &store, &format!("{}", sale.amount));
    assert!(app.status().starts_with("at most"), "{}", app.status());
    assert_eq!(app.prompt().unwrap().text, sale.amount.to_string());
    dispatch(&mut app, &store, Action::Cancel);
    assert_eq!(total(&store), before - half.0);
    // u: the return is taken back.
    dispatch(&mut app, &store, Action::Undo);
    assert_eq!(total(&store), before);
    assert_fresh(&app, &store);
}

#[test]
fn a_resolved_complaint_leaves_the_queue_and_a_correction_is_kept() {
    let (_d, store, mut app) = shop();
    // A customer due for a call about one open complaint, and nothing else open.
    let open_complaints = |id: u64| -> usize {
        store.history(id).unwrap().unwrap().interactions.iter().filter(|i| i.open_complaint()).count()
    };
    let complaint_calls = |app: &App| -> usize {
        app.classifier()
            .follow_ups()
            .iter()
            .filter(|f| f.action.play == kehu::classify::Play::ComplaintOpen)
            .count()
    };
    let id = app
        .classifier()
        .follow_ups()
        .iter()
        .find(|f| f.action.play == kehu::classify::Play::ComplaintOpen && open_complaints(f.id) == 1)
        .expect("the demo shop has a customer due for a complaint call")
        .id;
    let due = complaint_calls(&app);
    open(&mut app, &store, id);
    pick(&mut app, &store, |p| matches!(p, Pick::Interaction(i) if i.open_complaint()));
    keys(&mut app, &store, &[Action::ResolveComplaint]);
    prompt_type(&mut app, &store, "refunded the delivery fee");
    let h = store.history(id).unwrap().unwrap();
    assert_eq!(open_complaints(id), 0);
    assert_eq!(complaint_calls(&app), due - 1, "the queue's complaint calls shrink by one");
    assert_ne!(
        app.classifier().follow_up(id).map(|f| f.action.play),
        Some(kehu::classify::Play::ComplaintOpen)
    );
    let resolved =
        h.interactions.iter().find(|i| i.complaint.as_ref().is_some_and(|c| c.resolution.is_some()));
    let r = resolved.unwrap().complaint.as_ref().unwrap().resolution.clone().unwrap();
    assert_eq!((r.on, r.by.as_str(), r.note.as_str()), (today(), "tester", "refunded the delivery fee"));
    assert_fresh(&app, &store);

    // c on a sale: the purchase form over it; a new amount replaces the old one in place.
    pick(&mut app, &store, |p| matches!(p, Pick::Purchase(p) if p.is_sale()));
    let Some(Pick::Purchase(sale)) = app.detail().picked() else { panic!() };
    let sale = sale.clone();
    keys(&mut app, &store, &[Action::CorrectRecord]);
    assert_eq!(app.form().and_then(|f| f.value(FieldId::Amount)), Some(sale.amount.to_string()));
    for _ in 0..20 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Backspace));
    }
    form_type(&mut app, &store, "12.34");
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    assert!(app.form().is_none(), "{}", app.status());
    let stored = store.find_purchase(sale.id).unwrap().unwrap();
    assert_eq!((stored.amount, stored.date, stored.id), (Money(1234), sale.date, sale.id));
    assert_fresh(&app, &store);
}

#[test]
fn a_merge_undone_gives_back_both_and_a_merged_card_opens_the_survivor() {
    let (_d, store, mut app) = shop();
    let with_ref: Vec<u64> = app
        .model()
        .ids()
        .iter()
        .copied()
        .filter(|id| app.model().get(*id).unwrap().customer.reference.is_some())
        .filter(|id| !store.history(*id).unwrap().unwrap().purchases.is_empty())
        .take(2)
        .collect();
    let (a, b) = (with_ref[0], with_ref[1]);
    let (ha, hb) = (store.history(a).unwrap().unwrap(), store.history(b).unwrap().unwrap());
    let card = hb.customer.reference.clone().unwrap();
    let survivor = store.customer(a).unwrap().unwrap();
    dispatch(&mut app, &store, Action::ShowList);
    for action in kehu::tui::run_effect_as(
        &store,
        Effect::Merge { survivor: Box::new(survivor), loser: b, referred: vec![] },
        app.operator(),
    ) {
        app.update(action);
    }
    assert!(app.model().get(b).is_none());

    // The scanner reads the card the merge took away: the survivor opens, and says why.
    dispatch(&mut app, &store, Action::Scan(card.clone()));
    assert_eq!((app.view(), app.detail().id), (View::Detail, a));
    assert!(app.status().contains(&format!("card {card} was merged into #{a}")), "{}", app.status());

    // u: both come back with their records, and the classes are a fresh build's.
    dispatch(&mut app, &store, Action::Undo);
    assert!(app.status().starts_with("took back: merge"), "{}", app.status());
    let (na, nb) = (store.history(a).unwrap().unwrap(), store.history(b).unwrap().unwrap());
    assert_eq!((na.purchases, nb.purchases), (ha.purchases, hb.purchases));
    assert_eq!((na.interactions, nb.interactions), (ha.interactions, hb.interactions));
    assert!(app.model().get(b).is_some());
    assert_fresh(&app, &store);
    dispatch(&mut app, &store, Action::Scan(card));
    assert_eq!(app.detail().id, b, "the card is b's again");
}

#[test]
fn undo_asks_when_someone_else_changed_the_customer_since() {
    let (_d, store, mut app) = shop();
    // My change: a tag on the first customer of the list.
    keys(&mut app, &store, &[Action::ShowList, Action::Top, Action::TagSelected]);
    let id = app.list().current().unwrap();
    let tag = "回访".to_string();
    prompt_type(&mut app, &store, &tag);
    assert!(store.customer(id).unwrap().unwrap().tags.contains(&tag));
    // bob edits the same customer afterwards.
    let mut c = store.customer(id).unwrap().unwrap();
    c.notes = "bob was here".into();
    store.commit(Change::SaveCustomer(c), "bob").unwrap();
    dispatch(&mut app, &store, Action::Undo);
    let Some(Confirm::Undo { since, .. }) = app.confirm() else { panic!("{}", app.status()) };
    assert!(since.contains("bob"), "{since}");
    dispatch(&mut app, &store, Action::Cancel);
    assert!(store.customer(id).unwrap().unwrap().tags.contains(&tag), "n keeps everything");
    dispatch(&mut app, &store, Action::Undo);
    dispatch(&mut app, &store, Action::Confirm);
    let c = store.customer(id).unwrap().unwrap();
    assert!(!c.tags.contains(&tag), "{}", app.status());
    assert_eq!(app.model().get(id).unwrap().customer.tags, c.tags);
}

#[test]
fn not_a_duplicate_is_kept_and_taken_back() {
    let (_d, store, mut app) = shop();
    keys(&mut app, &store, &[Action::ShowDuplicates]);
    let pairs = app.duplicates().pairs.len();
    assert!(pairs > 0, "the demo shop has likely duplicates");
    let first = app.duplicates().pairs[0].clone();
    keys(&mut app, &store, &[Action::NotDuplicate]);
    assert_eq!(app.duplicates().pairs.len(), pairs - 1);
    assert_eq!(store.not_duplicates().unwrap(), vec![(first.a, first.b)]);
    // The next start keeps it out too.
    let next = kehu::tui::read_all(&store, kehu::classify::Rules::default(), today()).unwrap();
    let pairs_then = next.dupes.unwrap().pairs();
    assert_eq!(pairs_then.len(), pairs - 1);
    assert!(!pairs_then.iter().any(|p| (p.a, p.b) == (first.a, first.b)));
    // u: the pair is back.
    keys(&mut app, &store, &[Action::Undo]);
    assert_eq!(app.duplicates().pairs.len(), pairs);
    assert!(store.not_duplicates().unwrap().is_empty());
}

#[test]
fn a_customer_like_one_stored_is_asked_about_before_saving() {
    let (_d, store, mut app) = shop();
    let other =
        *app.model().ids().iter().find(|id| app.model().get(**id).unwrap().customer.phone.is_some()).unwrap();
    let phone = app.model().get(other).unwrap().customer.phone.clone().unwrap();
    keys(&mut app, &store, &[Action::AddCustomer]);
    form_type(&mut app, &store, "Somebody Else");
    for _ in 0..2 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Tab));
    }
    form_type(&mut app, &store, phone.as_str());
    let count = store.customer_count().unwrap();
    dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    let Some(Confirm::LooksLike { others, .. }) = app.confirm() else { panic!("{}", app.status()) };
    assert_eq!(others[0].0, other);
    assert_eq!(store.customer_count().unwrap(), count, "nothing saved before the answer");
    // n: the form is back as typed; o: the stored customer opens instead.
    dispatch(&mut app, &store, Action::Cancel);
    assert_eq!(app.form().and_then(|f| f.value(FieldId::Name)).as_deref(), Some("Somebody Else"));
    dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    dispatch(&mut app, &store, Action::Open);
    assert_eq!((app.view(), app.detail().id, app.form().is_none()), (View::Detail, other, true));
    assert_eq!(store.customer_count().unwrap(), count);

    // A customer without history can be deleted, and u brings them back.
    keys(&mut app, &store, &[Action::ShowList, Action::AddCustomer]);
    form_type(&mut app, &store, "Short Lived");
    dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    if matches!(app.confirm(), Some(Confirm::LooksLike { .. })) {
        dispatch(&mut app, &store, Action::Confirm);
    }
    let new = app.detail().id;
    assert_eq!(store.customer(new).unwrap().unwrap().name, "Short Lived", "{}", app.status());
    keys(&mut app, &store, &[Action::DeleteCustomer]);
    dispatch(&mut app, &store, Action::Confirm);
    assert!(store.customer(new).unwrap().is_none() && app.model().get(new).is_none());
    dispatch(&mut app, &store, Action::Undo);
    assert!(store.customer(new).unwrap().is_some() && app.model().get(new).is_some(), "{}", app.status());
    assert_fresh(&app, &store);
}

#[test]
fn a_changed_field_is_restored_from_the_changes_list() {
    let (_d, store, mut app) = shop();
    let id = app.model().ids()[5];
    let name = store.customer(id).unwrap().unwrap().name;
    open(&mut app, &store, id);
    keys(&mut app, &store, &[Action::EditCustomer]);
    for _ in 0..40 {
        dispatch(&mut app, &store, Action::FormKey(FormKey::Backspace));
    }
    form_type(&mut app, &store, "新名字");
    dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    assert_eq!(store.customer(id).unwrap().unwrap().name, "新名字");
    keys(&mut app, &store, &[Action::ShowChanges]);
    assert!(app.detail().changes.as_ref().is_some_and(|c| c.iter().any(|e| e.what == "edit customer")));
    pick(&mut app, &store, |p| matches!(p, Pick::Change(e) if e.what == "edit customer"));
    keys(&mut app, &store, &[Action::CorrectRecord]);
    let Some(Confirm::Commit { question, .. }) = app.confirm() else { panic!("{}", app.status()) };
    assert!(question[1].contains(&name), "{question:?}");
    dispatch(&mut app, &store, Action::Confirm);
    assert_eq!(store.customer(id).unwrap().unwrap().name, name);
    assert_eq!(app.model().get(id).unwrap().customer.name, name);
    // The restore is itself a change: listed, and undone by u.
    assert!(app.detail().changes.as_ref().unwrap().len() >= 2);
    dispatch(&mut app, &store, Action::Undo);
    assert_eq!(store.customer(id).unwrap().unwrap().name, "新名字");
}

#[test]
fn tags_come_off_and_are_renamed_across_the_shop() {
    let (_d, store, mut app) = shop();
    let tagged: Vec<u64> = app
        .model()
        .ids()
        .iter()
        .copied()
        .filter(|id| app.model().get(*id).unwrap().customer.tags.iter().any(|t| t == "vip"))
        .collect();
    assert!(tagged.len() >= 2, "the demo shop tags some customers vip");
    // Rename from the segments view's tags dimension.
    keys(&mut app, &store, &[Action::ShowSegments]);
    while app.segments().current() != kehu::ui::SegmentTab::Dimension(kehu::classify::Dimension::Tags) {
        dispatch(&mut app, &store, Action::Right);
    }
    let rows = app.classifier().segments(kehu::classify::Dimension::Tags);
    let at = rows.iter().position(|r| r.class == "vip").unwrap();
    for _ in 0..at {
        dispatch(&mut app, &store, Action::Down);
    }
    keys(&mut app, &store, &[Action::RenameSegment]);
    prompt_type(&mut app, &store, "贵宾");
    for id in &tagged {
        let tags = &store.customer(*id).unwrap().unwrap().tags;
        assert!(tags.contains(&"贵宾".to_string()) && !tags.contains(&"vip".to_string()), "{tags:?}");
        assert!(app.model().get(*id).unwrap().customer.tags.contains(&"贵宾".to_string()));
    }
    assert_fresh(&app, &store);
    // T on the list takes it off the customer under the cursor.
    keys(&mut app, &store, &[Action::ShowList]);
    let at = app.list().shown.iter().position(|x| *x == tagged[0]).unwrap();
    keys(&mut app, &store, &[Action::Top]);
    for _ in 0..at {
        dispatch(&mut app, &store, Action::Down);
    }
    keys(&mut app, &store, &[Action::UntagSelected]);
    prompt_type(&mut app, &store, "贵宾");
    assert!(!store.customer(tagged[0]).unwrap().unwrap().tags.contains(&"贵宾".to_string()));
    assert!(store.customer(tagged[1]).unwrap().unwrap().tags.contains(&"贵宾".to_string()));
}

/// A history with every kind of correction on it: a voided sale, a return, a resolved
/// complaint, an unanswered call.
fn corrected(mut hs: Vec<History>, at: usize) -> Vec<History> {
    use kehu::domain::{
        Complaint, ComplaintType, Interaction, InteractionKind, Outcome, Resolution, Severity,
    };
    let when = chrono::DateTime::from_timestamp(1_719_000_000, 0).unwrap();
    let h = &mut hs[at];
    let n = h.purchases.len();
    assert!(n >= 2);
    h.purchases[n - 1].void = Some(Void { at: when, by: "ann".into(), reason: "typed twice".into() });
    let sale = h.purchases[n - 2].clone();
    let mut back = Purchase::refund(&sale, today(), Money(sale.amount.0 / 2), 0).unwrap();
    back.id = 9_000_001;
    h.purchases.push(back);
    let mut complaint =
        Interaction::new(h.customer.id, today(), InteractionKind::Complaint, "late delivery").unwrap();
    complaint.id = 9_000_002;
    complaint.complaint = Some(Complaint {
        kind: ComplaintType::Delivery,
        severity: Severity::Major,
        resolved: true,
        resolution: Some(Resolution { on: today(), by: "ann".into(), note: "fee refunded".into() }),
    });
    let mut call = Interaction::new(h.customer.id, today(), InteractionKind::Call, "birthday offer").unwrap();
    call.id = 9_000_003;
    call.outcome = Outcome::NoAnswer;
    call.follow_up = Some(today() + chrono::Duration::days(2));
    h.interactions.extend([complaint, call]);
    hs
}

#[test]
fn the_records_cursor_voids_and_returns_drawn_at_100x30_and_in_chinese() {
    let hs = histories(60);
    let at = hs.iter().position(|h| h.purchases.len() >= 4).unwrap();
    let hs = corrected(hs, at);
    let id = hs[at].customer.id;
    for (lang, w, h) in [(kehu::i18n::Lang::En, 100, 30), (kehu::i18n::Lang::Zh, 80, 24)] {
        let mut a = app_with(hs.clone());
        a.set_lang(lang);
        feed(&mut a, &hs, &[Action::Scan(hs[at].customer.reference.clone().unwrap_or_default())]);
        if a.detail().id != id {
            let row = a.list().shown.iter().position(|x| *x == id).unwrap();
            let moves: Vec<Action> = std::iter::repeat_n(Action::Down, row).collect();
            feed(&mut a, &hs, &[vec![Action::ShowList, Action::Top], moves, vec![Action::Open]].concat());
        }
        feed(&mut a, &hs, &[Action::PickRecord, Action::Down]);
        let t = draw(&mut a, w, h);
        let text = screen(&t);
        assert!(text.contains("9000001") || text.contains("#9000001"), "{text}");
        insta::assert_snapshot!(format!("records_{lang:?}_{w}x{h}"), t.backend());
    }
}

#[test]
fn a_pasted_page_as_a_reason_is_refused_kept_and_hostile_text_is_drawn_inert() {
    let (_d, store, mut app) = shop();
    let id = buyer(&store, &app);
    open(&mut app, &store, id);
    pick(&mut app, &store, |p| matches!(p, Pick::Purchase(p) if p.is_sale()));
    keys(&mut app, &store, &[Action::VoidRecord]);
    let page = "x".repeat(kehu::domain::MAX_TEXT + 1);
    prompt_type(&mut app, &store, &page);
    assert_eq!(app.prompt().map(|p| p.text.len()), Some(page.len()), "kept to trim");
    assert!(app.status().contains("too long"), "{}", app.status());
    assert!(store.history(id).unwrap().unwrap().purchases.iter().all(|p| p.void.is_none()));

    // A reason full of escapes is stored as typed and drawn without them.
    prompt_type(&mut app, &store, "\u{1b}[2J\u{1b}]0;pwned\u{7}wrong\u{9b}31m card");
    assert!(app.prompt().is_none() && app.status().starts_with("voided"), "{}", app.status());
    app.update(Action::HistoryLoaded(Box::new(store.history(id).unwrap().unwrap())));
    let t = draw(&mut app, 100, 30);
    let cells: String = t.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(!cells.chars().any(|c| c.is_control()), "no control character reaches the screen");
    assert!(screen(&t).contains("wrong"), "{}", screen(&t));
}
