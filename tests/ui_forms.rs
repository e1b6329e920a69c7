//! Forms inside the console, driven through `App::update` alone: open, type, submit, and the
//! runtime's answer (`Saved` closes the form, `Failed` keeps it with everything typed). The
//! runtime is played by hand here: each save is answered with the history it would read back.

mod ui_fixture;
use kehu::domain::{History, InteractionKind, Money};
use kehu::ui::form::{FieldId, FormKey, FormKind};
use kehu::ui::{Action, Effect, FormRequest, Mode, View};
use ui_fixture::*;

/// Form keys for a typed string.
fn keys(s: &str) -> Vec<Action> {
    s.chars().map(|c| Action::FormKey(FormKey::Char(c))).collect()
}

fn enter() -> Action {
    Action::FormKey(FormKey::Enter)
}

/// What the runtime reads back after storing a save effect: the history with the record added
/// (ids given from 90_000 up, as the store would assign them).
fn stored(hs: &[History], effect: &Effect) -> History {
    match effect {
        Effect::SavePurchase(p) => {
            let mut h = hs.iter().find(|h| h.customer.id == p.customer).expect("customer").clone();
            let mut p = p.clone();
            p.id = 90_000 + h.purchases.len() as u64;
            h.purchases.push(p);
            h
        }
        Effect::SaveInteraction(i) => {
            let mut h = hs.iter().find(|h| h.customer.id == i.customer).expect("customer").clone();
            let mut i = i.clone();
            i.id = 91_000 + h.interactions.len() as u64;
            h.interactions.push(i);
            h
        }
        Effect::SaveCustomer(c) => {
            let mut c = (**c).clone();
            let old = hs.iter().find(|h| h.customer.id == c.id);
            if c.id == 0 {
                c.id = 5_000;
            }
            c.revision += 1;
            History {
                customer: c,
                purchases: old.map(|h| h.purchases.clone()).unwrap_or_default(),
                interactions: old.map(|h| h.interactions.clone()).unwrap_or_default(),
                ledger: old.map(|h| h.ledger.clone()).unwrap_or_default(),
            }
        }
        other => panic!("not a save: {other:?}"),
    }
}

#[test]
fn point_of_sale_p_amount_enter_on_the_list() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    a.update(Action::Down);
    let id = a.list().current().unwrap();
    a.update(Action::RecordPurchase);
    assert_eq!(a.mode(), Mode::Form);
    assert_eq!(a.pending_form(), Some(&FormRequest::Purchase { customer: id }));
    let form = a.form().unwrap();
    assert_eq!((form.kind(), form.focused()), (FormKind::Purchase, FieldId::Amount));
    let name = a.model().get(id).unwrap().customer.name.clone();
    assert!(form.title().contains(name.as_str()), "{}", form.title());

    let effects = feed(&mut a, &hs, &[keys("12.50"), vec![enter()]].concat());
    let [Effect::SavePurchase(p)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((p.customer, p.amount, p.quantity, p.date), (id, Money(1250), 1, today()));
    // The form waits for the store; a second Enter records nothing twice.
    assert!(a.form_saving() && a.mode() == Mode::Form);
    assert!(a.update(enter()).is_empty());

    let saved = stored(&hs, &effects[0]);
    a.update(Action::Saved(Box::new(saved)));
    assert_eq!((a.form(), a.mode()), (None, Mode::List));
    assert!(a.status().starts_with("saved ") && a.status().contains("active"), "{}", a.status());
    let row = a.model().get(id).cloned().unwrap();
    assert_eq!(row.facts.last_purchase, Some(today()));
}

#[test]
fn point_of_sale_from_the_detail_view() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[Action::Down, Action::Down, Action::Open]);
    let id = a.detail().id;
    let effects = feed(&mut a, &hs, &[vec![Action::RecordPurchase], keys("12.50"), vec![enter()]].concat());
    let [Effect::SavePurchase(p)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((p.customer, p.amount), (id, Money(1250)));
    a.update(Action::Saved(Box::new(stored(&hs, &effects[0]))));
    assert_eq!((a.view(), a.form().is_none()), (View::Detail, true));
    // The detail shows the new purchase straight away.
    let s = screen(&draw(&mut a, 100, 80));
    assert!(s.contains(&format!("{}  12.50  ×1", today())), "{s}");
}

#[test]
fn a_failed_save_keeps_everything_typed() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[vec![Action::RecordPurchase], keys("12.50"), vec![enter()]].concat());
    a.update(Action::Failed(kehu::ui::Notice::text("disk full")));
    assert!(a.status().contains("disk full"));
    let form = a.form().expect("still open");
    assert_eq!(form.value(FieldId::Amount).as_deref(), Some("12.50"));
    assert!(!a.form_saving());
    // Fixed (or not): Enter tries again.
    let again = a.update(enter());
    assert!(matches!(again.as_slice(), [Effect::SavePurchase(p)] if p.amount == Money(1250)));
}

#[test]
fn invalid_input_stays_in_the_form_with_the_reason() {
    let mut a = app();
    a.update(Action::RecordPurchase);
    let effects = feed(&mut a, &[], &[keys("12.5x"), vec![enter()]].concat());
    assert!(effects.is_empty());
    let form = a.form().unwrap();
    assert!(form.error(FieldId::Amount).is_some());
    assert_eq!(form.value(FieldId::Amount).as_deref(), Some("12.5x"));
}

#[test]
fn esc_closes_a_clean_form_and_asks_about_a_changed_one() {
    let mut a = app();
    a.update(Action::RecordPurchase);
    a.update(Action::FormKey(FormKey::Esc));
    assert_eq!(a.mode(), Mode::List);
    a.update(Action::RecordPurchase);
    feed(&mut a, &[], &keys("3"));
    a.update(Action::FormKey(FormKey::Esc));
    assert!(a.form().unwrap().is_confirming());
    a.update(Action::FormKey(FormKey::Char('n')));
    assert_eq!(a.form().unwrap().value(FieldId::Amount).as_deref(), Some("3"));
    // A Cancel from outside (a remapped key) goes through the same question.
    a.update(Action::Cancel);
    let effects = a.update(Action::FormKey(FormKey::Char('y')));
    assert!(effects.is_empty() && a.form().is_none());
    assert_eq!(a.status(), "nothing saved");
}

#[test]
fn pasted_text_lands_in_the_field() {
    let mut a = app();
    a.update(Action::RecordPurchase);
    a.update(Action::FormKey(FormKey::Paste("99.90".into())));
    assert_eq!(a.form().unwrap().value(FieldId::Amount).as_deref(), Some("99.90"));
}

#[test]
fn a_added_customer_opens_on_their_detail() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    a.update(Action::AddCustomer);
    assert_eq!(a.form().unwrap().kind(), FormKind::NewCustomer);
    let mut actions = keys("林晓");
    actions.extend([Action::FormKey(FormKey::Tab)]);
    actions.extend(keys("M7"));
    actions.push(Action::FormKey(FormKey::CtrlS));
    let effects = feed(&mut a, &hs, &actions);
    let [Effect::SaveCustomer(c)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((c.id, c.name.as_str(), c.reference.as_deref()), (0, "林晓", Some("M7")));
    a.update(Action::Saved(Box::new(stored(&hs, &effects[0]))));
    assert_eq!((a.view(), a.detail().id, a.form().is_none()), (View::Detail, 5_000, true));
    assert!(a.detail().history.is_some());
    assert_eq!(a.model().len(), 61);
    assert!(screen(&draw(&mut a, 80, 24)).contains("林晓  #5000  ref M7"));
    // Esc goes back to the list the form was opened from.
    a.update(Action::Back);
    assert_eq!(a.view(), View::List);
}

#[test]
fn e_edits_the_customer_under_the_cursor() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    let id = a.list().current().unwrap();
    let revision = a.model().get(id).unwrap().customer.revision;
    a.update(Action::EditCustomer);
    let form = a.form().unwrap();
    assert_eq!(form.kind(), FormKind::EditCustomer);
    let mut actions = vec![Action::FormKey(FormKey::End)];
    actions.extend(keys("X"));
    actions.push(Action::FormKey(FormKey::CtrlS));
    let effects = feed(&mut a, &hs, &actions);
    let [Effect::SaveCustomer(c)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((c.id, c.revision), (id, revision));
    assert!(c.name.ends_with('X'));
    a.update(Action::Saved(Box::new(stored(&hs, &effects[0]))));
    assert!(a.model().get(id).unwrap().customer.name.ends_with('X'));
}

#[test]
fn logging_an_interaction_from_follow_ups_takes_the_customer_off_the_queue() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    a.update(Action::ShowFollowUps);
    let before = a.followups().ids.len();
    let id = a.followups().current().expect("someone to contact");
    a.update(Action::LogInteraction);
    assert_eq!(a.pending_form(), Some(&FormRequest::Interaction { customer: id }));
    let effects = feed(
        &mut a,
        &hs,
        &[
            vec![Action::FormKey(FormKey::Tab)],
            vec![Action::FormKey(FormKey::Tab)],
            keys("called, all fine"),
            vec![enter()],
        ]
        .concat(),
    );
    let [Effect::SaveInteraction(i)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(
        (i.customer, i.kind, i.date, i.operator.as_str()),
        (id, InteractionKind::Call, today(), "tester")
    );
    assert_eq!(i.text, "called, all fine");
    a.update(Action::Saved(Box::new(stored(&hs, &effects[0]))));
    assert_eq!((a.view(), a.form().is_none()), (View::FollowUps, true));
    assert!(a.followups().ids.iter().all(|&i| i != id), "still queued");
    assert_eq!(a.followups().ids.len(), before - 1);
    assert!(a.classifier().follow_ups().iter().all(|f| f.id != id));
}

#[test]
fn the_form_is_drawn_with_the_cursor_in_the_amount() {
    let mut a = app();
    a.update(Action::RecordPurchase);
    feed(&mut a, &[], &keys("12.50"));
    let mut t = draw(&mut a, 80, 24);
    let s = screen(&t);
    assert!(s.contains("Record purchase") && s.contains("12.50"), "{s}");
    let pos = t.get_cursor_position().unwrap();
    let line: String = s.lines().nth(pos.y as usize).unwrap().to_string();
    assert!(line.contains("Amount") && line.contains("12.50"), "{line}");
    insta::assert_snapshot!("purchase_form_over_list_80x24", t.backend());
}
