//! Forms driven key by key, as the console would: validation, the point-of-sale path, the
//! discard confirmation, edits that keep hidden fields, CJK editing and paste. No terminal.

use chrono::{DateTime, NaiveDate, Utc};
use kehu::domain::{Channel, ComplaintType, Customer, InteractionKind, Money, Phone, Severity, Source};
use kehu::ui::form::{FieldId, Form, FormKey, FormOutcome, FormOutput};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_719_748_800, 0).expect("valid timestamp") // 2024-06-30 12:00 UTC
}

/// Types `s` one character at a time.
fn type_str(form: &mut Form, s: &str) {
    for c in s.chars() {
        assert_eq!(form.handle(FormKey::Char(c)), FormOutcome::Continue);
    }
}

/// Presses keys, returning the last outcome.
fn press(form: &mut Form, keys: &[FormKey]) -> FormOutcome {
    keys.iter().cloned().map(|k| form.handle(k)).last().unwrap_or(FormOutcome::Continue)
}

/// Moves the focus to `id` with Tab (panics if it is never reached).
fn focus(form: &mut Form, id: FieldId) {
    for _ in 0..30 {
        if form.focused() == id {
            return;
        }
        form.handle(FormKey::Tab);
    }
    panic!("{id:?} never focused");
}

/// Replaces the focused text field's content.
fn set(form: &mut Form, id: FieldId, text: &str) {
    focus(form, id);
    form.handle(FormKey::End);
    for _ in 0..200 {
        form.handle(FormKey::Backspace);
    }
    type_str(form, text);
}

fn submitted(outcome: FormOutcome) -> FormOutput {
    match outcome {
        FormOutcome::Submit(out) => out,
        other => panic!("expected a submit, got {other:?}"),
    }
}

#[test]
fn point_of_sale_amount_then_enter() {
    let mut f = Form::purchase(42, today());
    assert_eq!(f.focused(), FieldId::Amount);
    type_str(&mut f, "12.50");
    let FormOutput::Purchase(p) = submitted(f.handle(FormKey::Enter)) else { panic!("not a purchase") };
    assert_eq!((p.customer, p.amount, p.quantity, p.date), (42, Money(1250), 1, today()));
    assert_eq!((p.channel, p.promo, p.category.as_str()), (Channel::Store, false, ""));
}

#[test]
fn purchase_refuses_negative_amount_and_future_date_keeping_the_text() {
    let mut f = Form::purchase(1, today());
    type_str(&mut f, "-3");
    set(&mut f, FieldId::Date, "2024-07-01");
    assert_eq!(f.handle(FormKey::Enter), FormOutcome::Continue);
    assert!(
        f.error(FieldId::Amount).is_some_and(|e| e.contains("negative")),
        "{:?}",
        f.error(FieldId::Amount)
    );
    assert!(f.error(FieldId::Date).is_some_and(|e| e.contains("after today")));
    assert_eq!(f.focused(), FieldId::Amount, "focus goes to the first bad field");
    assert_eq!(f.value(FieldId::Amount).as_deref(), Some("-3"));
    assert_eq!(f.value(FieldId::Date).as_deref(), Some("2024-07-01"));
    // Fixing the amount clears its error at once; the date's stays until the next submit.
    f.handle(FormKey::Backspace);
    f.handle(FormKey::Backspace);
    type_str(&mut f, "8");
    assert_eq!(f.error(FieldId::Amount), None);
    assert!(f.error(FieldId::Date).is_some());
    set(&mut f, FieldId::Date, "20240629");
    set(&mut f, FieldId::Quantity, "3");
    focus(&mut f, FieldId::Channel);
    f.handle(FormKey::Char('o'));
    f.handle(FormKey::Tab);
    f.handle(FormKey::Char(' '));
    let FormOutput::Purchase(p) = submitted(f.handle(FormKey::CtrlS)) else { panic!() };
    assert_eq!((p.amount, p.quantity, p.channel, p.promo), (Money(800), 3, Channel::Online, true));
    assert_eq!(p.date, NaiveDate::from_ymd_opt(2024, 6, 29).expect("date"));
}

#[test]
fn purchase_bad_date_and_quantity() {
    let mut f = Form::purchase(1, today());
    type_str(&mut f, "abc");
    set(&mut f, FieldId::Quantity, "0");
    set(&mut f, FieldId::Date, "2024-02-30");
    f.handle(FormKey::Enter);
    assert!(f.error(FieldId::Amount).is_some_and(|e| e.contains("not a valid amount")));
    assert!(f.error(FieldId::Quantity).is_some());
    assert!(f.error(FieldId::Date).is_some_and(|e| e.contains("YYYY-MM-DD")));
}

#[test]
fn new_customer_needs_a_name_and_a_valid_phone() {
    let mut f = Form::new_customer(now());
    assert_eq!(f.focused(), FieldId::Name);
    // Enter walks the customer form instead of submitting it.
    assert_eq!(f.handle(FormKey::Enter), FormOutcome::Continue);
    assert_eq!(f.focused(), FieldId::Reference);
    set(&mut f, FieldId::Phone, "138-1234-567");
    assert_eq!(f.handle(FormKey::CtrlS), FormOutcome::Continue);
    assert_eq!(f.error(FieldId::Name), Some("name is empty"));
    assert!(f.error(FieldId::Phone).is_some_and(|e| e.contains("not a valid number")));
    assert_eq!(f.focused(), FieldId::Name);
    assert_eq!(f.value(FieldId::Phone).as_deref(), Some("138-1234-567"), "the typed text is kept");

    type_str(&mut f, "王秀英");
    set(&mut f, FieldId::Phone, "+86 138 1234 5678");
    set(&mut f, FieldId::Email, "Wang@Example.COM");
    set(&mut f, FieldId::Birthday, "19850412");
    focus(&mut f, FieldId::Source);
    f.handle(FormKey::Char('r'));
    set(&mut f, FieldId::Tags, "vip，baby, vip");
    set(&mut f, FieldId::Notes, "likes green tea");
    // The shop's own fields, `key=value; key=value`; a part without `=` is refused, kept.
    set(&mut f, FieldId::Custom, "baby_birthday=2024-03-01; size");
    assert_eq!(f.handle(FormKey::CtrlS), FormOutcome::Continue);
    assert!(
        f.error(FieldId::Custom).is_some_and(|e| e.contains("key=value")),
        "{:?}",
        f.error(FieldId::Custom)
    );
    assert_eq!(f.value(FieldId::Custom).as_deref(), Some("baby_birthday=2024-03-01; size"));
    // Enter on the last field submits.
    set(&mut f, FieldId::Custom, "baby_birthday=2024-03-01; size = L");
    let FormOutput::Customer(c) = submitted(f.handle(FormKey::Enter)) else { panic!() };
    let custom: Vec<(&str, &str)> = c.custom.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(custom, [("baby_birthday", "2024-03-01"), ("size", "L")]);
    assert_eq!((c.id, c.name.as_str(), c.created, c.updated), (0, "王秀英", now(), now()));
    assert_eq!(c.phone, Phone::parse("13812345678").ok());
    assert_eq!(c.email.as_ref().map(|e| e.as_str()), Some("Wang@example.com"));
    assert_eq!(c.birthday, NaiveDate::from_ymd_opt(1985, 4, 12));
    assert_eq!(
        (c.source, c.tags.clone(), c.notes.as_str()),
        (Source::Referral, vec!["vip".into(), "baby".into()], "likes green tea")
    );
}

#[test]
fn new_customer_birthday_cannot_be_in_the_future() {
    let mut f = Form::new_customer(now());
    type_str(&mut f, "Li Na");
    set(&mut f, FieldId::Birthday, "2030-01-01");
    f.handle(FormKey::CtrlS);
    assert!(f.error(FieldId::Birthday).is_some_and(|e| e.contains("after today")));
    assert_eq!(f.focused(), FieldId::Birthday);
}

#[test]
fn editing_keeps_identity_and_hidden_fields() {
    let mut c = Customer::new("Li Na", now()).expect("name");
    c.id = 7;
    c.revision = 3;
    c.referrer = Some(2);
    c.points_redeemed = 150;
    c.custom.insert("wechat".into(), "lina88".into());
    c.notes = "line one\nline two".into();
    c.set_phone("13812345678").expect("phone");
    let created = c.created;
    let mut f = Form::edit_customer(&c);
    assert!(f.title().contains("Li Na"));
    assert_eq!(f.value(FieldId::Phone).as_deref(), Some("13812345678"));
    set(&mut f, FieldId::City, "杭州");
    let FormOutput::Customer(e) = submitted(f.handle(FormKey::CtrlS)) else { panic!() };
    assert_eq!((e.id, e.revision, e.created, e.referrer, e.points_redeemed), (7, 3, created, Some(2), 150));
    assert_eq!(e.custom.get("wechat").map(String::as_str), Some("lina88"));
    assert_eq!(e.notes, "line one\nline two", "an untouched multi-line note is not flattened");
    assert_eq!(e.city, "杭州");
    assert_eq!(Customer { city: String::new(), ..e }, c, "nothing else changed");
}

#[test]
fn unchanged_edit_submits_the_same_customer() {
    let mut c = Customer::new("王秀英", now()).expect("name");
    c.id = 9;
    c.tags = vec!["vip".into(), "baby".into()];
    let mut f = Form::edit_customer(&c);
    assert!(!f.is_dirty());
    assert_eq!(f.handle(FormKey::Esc), FormOutcome::Cancel);
    let mut f = Form::edit_customer(&c);
    assert_eq!(submitted(f.handle(FormKey::CtrlS)), FormOutput::Customer(c));
}

#[test]
fn interaction_rating_six_is_refused() {
    let mut f = Form::interaction(5, today(), "amy");
    f.handle(FormKey::Char('f')); // feedback
    set(&mut f, FieldId::Text, "nice shop");
    set(&mut f, FieldId::Rating, "6");
    assert_eq!(f.handle(FormKey::Enter), FormOutcome::Continue);
    assert!(f.error(FieldId::Rating).is_some_and(|e| e.contains("1 to 5")));
    assert_eq!(f.focused(), FieldId::Rating);
    f.handle(FormKey::Backspace);
    type_str(&mut f, "5");
    let FormOutput::Interaction(i) = submitted(f.handle(FormKey::Enter)) else { panic!() };
    assert_eq!(
        (i.customer, i.kind, i.text.as_str(), i.operator.as_str()),
        (5, InteractionKind::Feedback, "nice shop", "amy")
    );
    assert_eq!((i.rating.map(|r| r.get()), i.complaint, i.date), (Some(5), None, today()));
}

#[test]
fn complaint_fields_only_take_part_for_complaints() {
    let mut f = Form::interaction(5, today(), "amy");
    let order = |f: &mut Form| {
        let mut seen = vec![f.focused()];
        for _ in 0..7 {
            f.handle(FormKey::Tab);
            seen.push(f.focused());
        }
        seen
    };
    assert!(!order(&mut f).contains(&FieldId::Severity));
    focus(&mut f, FieldId::Kind);
    f.handle(FormKey::Char('c')); // from call, the next key starting with c
    assert_eq!(f.value(FieldId::Kind).as_deref(), Some("complaint"));
    assert!(order(&mut f).contains(&FieldId::Severity));
    focus(&mut f, FieldId::ComplaintType);
    f.handle(FormKey::Char('d'));
    f.handle(FormKey::Tab);
    f.handle(FormKey::Right);
    f.handle(FormKey::Tab);
    f.handle(FormKey::Char('y'));
    set(&mut f, FieldId::FollowUp, "2024-07-03");
    let FormOutput::Interaction(i) = submitted(f.handle(FormKey::Enter)) else { panic!() };
    let c = i.complaint.expect("a complaint");
    assert_eq!((c.kind, c.severity, c.resolved), (ComplaintType::Delivery, Severity::Major, true));
    assert_eq!(i.follow_up, NaiveDate::from_ymd_opt(2024, 7, 3));
}

#[test]
fn follow_up_must_not_be_in_the_past_and_date_not_in_the_future() {
    let mut f = Form::interaction(5, today(), "amy");
    set(&mut f, FieldId::Date, "2099-01-01");
    set(&mut f, FieldId::FollowUp, "2024-06-29");
    f.handle(FormKey::Enter);
    assert!(f.error(FieldId::Date).is_some_and(|e| e.contains("after today")));
    assert!(f.error(FieldId::FollowUp).is_some_and(|e| e.contains("before today")));
    assert_eq!(f.focused(), FieldId::Date);
}

#[test]
fn esc_on_a_changed_form_asks_first() {
    let mut f = Form::purchase(1, today());
    assert_eq!(f.handle(FormKey::Esc), FormOutcome::Cancel, "nothing changed: close at once");
    type_str(&mut f, "99");
    assert_eq!(f.handle(FormKey::Esc), FormOutcome::Continue);
    assert!(f.is_confirming());
    // Stray keys neither answer nor edit.
    assert_eq!(press(&mut f, &[FormKey::Char('x'), FormKey::Enter, FormKey::CtrlS]), FormOutcome::Continue);
    assert_eq!(f.handle(FormKey::Char('n')), FormOutcome::Continue);
    assert!(!f.is_confirming());
    assert_eq!(f.value(FieldId::Amount).as_deref(), Some("99"));
    f.handle(FormKey::Esc);
    assert_eq!(f.handle(FormKey::Esc), FormOutcome::Continue, "Esc answers no");
    assert_eq!(f.value(FieldId::Amount).as_deref(), Some("99"));
    f.handle(FormKey::Esc);
    assert_eq!(f.handle(FormKey::Char('y')), FormOutcome::Cancel);
}

#[test]
fn typing_back_to_the_start_value_is_not_a_change() {
    let mut f = Form::purchase(1, today());
    type_str(&mut f, "5");
    f.handle(FormKey::Backspace);
    assert!(!f.is_dirty());
    assert_eq!(f.handle(FormKey::Esc), FormOutcome::Cancel);
}

#[test]
fn cjk_editing_in_a_form() {
    let mut f = Form::new_customer(now());
    type_str(&mut f, "王秀英");
    press(&mut f, &[FormKey::Left, FormKey::Backspace]);
    assert_eq!(f.value(FieldId::Name).as_deref(), Some("王英"));
    press(&mut f, &[FormKey::Home, FormKey::Delete, FormKey::Char('李'), FormKey::End, FormKey::Char('子')]);
    assert_eq!(f.value(FieldId::Name).as_deref(), Some("李英子"));
}

#[test]
fn paste_drops_control_characters_and_respects_limits() {
    let mut f = Form::new_customer(now());
    f.handle(FormKey::Paste("王\x1b]0;pwned\x07秀英\r\n".into()));
    assert_eq!(f.value(FieldId::Name).as_deref(), Some("王]0;pwned秀英 "));
    f.handle(FormKey::Paste("x".repeat(200)));
    assert_eq!(f.value(FieldId::Name).map(|v| v.chars().count()), Some(100));
    assert!(f.error(FieldId::Name).is_some_and(|e| e.contains("at most 100")));
    // A paste on the amount of a purchase is the same as typing it.
    let mut p = Form::purchase(1, today());
    p.handle(FormKey::Paste("1,234.5\n".into()));
    let FormOutput::Purchase(p) = submitted(p.handle(FormKey::Enter)) else { panic!() };
    assert_eq!(p.amount, Money(123450));
}

#[test]
fn focus_wraps_both_ways() {
    let mut f = Form::purchase(1, today());
    f.handle(FormKey::BackTab);
    assert_eq!(f.focused(), FieldId::Promo);
    f.handle(FormKey::Down);
    assert_eq!(f.focused(), FieldId::Amount);
    f.handle(FormKey::Up);
    assert_eq!(f.focused(), FieldId::Promo);
}

#[test]
fn ctrl_u_clears_the_field_typed_wrong_and_keeps_the_others() {
    let mut f = Form::purchase(42, today());
    type_str(&mut f, "1299");
    assert_eq!(f.handle(FormKey::ClearField), FormOutcome::Continue);
    type_str(&mut f, "12.99");
    let FormOutput::Purchase(p) = submitted(f.handle(FormKey::Enter)) else { panic!("not a purchase") };
    assert_eq!(p.amount, Money(1299));
    // As in a shell, only what is before the cursor goes.
    let mut g = Form::new_customer(now());
    type_str(&mut g, "王小明");
    g.handle(FormKey::Left);
    g.handle(FormKey::ClearField);
    type_str(&mut g, "李");
    g.handle(FormKey::End);
    assert_eq!(g.value(FieldId::Name).as_deref(), Some("李明"));
}
