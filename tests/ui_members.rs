//! Members in the console: the customer form's consent, child and stated fields, the opt-out
//! key, and campaign lists from the segments view. Driven by actions and keys; no terminal.

use chrono::{DateTime, NaiveDate, Utc};
use kehu::domain::{Consent, ConsentSource, ContactChannel, Customer, Education, Income};
use kehu::ui::form::{FieldId, Form, FormKey, FormOutcome, FormOutput};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_719_748_800, 0).expect("valid timestamp") // 2024-06-30 12:00 UTC
}

fn focus(form: &mut Form, id: FieldId) {
    for _ in 0..40 {
        if form.focused() == id {
            return;
        }
        form.handle(FormKey::Tab);
    }
    panic!("{id:?} never focused");
}

fn set(form: &mut Form, id: FieldId, text: &str) {
    focus(form, id);
    form.handle(FormKey::End);
    for _ in 0..100 {
        form.handle(FormKey::Backspace);
    }
    for c in text.chars() {
        form.handle(FormKey::Char(c));
    }
}

/// Moves a choice field until it shows `key`.
fn choose(form: &mut Form, id: FieldId, key: &str) {
    focus(form, id);
    for _ in 0..12 {
        if form.value(id).as_deref() == Some(key) {
            return;
        }
        form.handle(FormKey::Right);
    }
    panic!("{id:?} never showed {key}");
}

fn stored() -> Customer {
    let mut c = Customer::new("王秀英", DateTime::from_timestamp(1_700_000_000, 0).unwrap()).unwrap();
    c.id = 12;
    c.revision = 3;
    c.birthday = NaiveDate::from_ymd_opt(1990, 3, 1);
    c.set_consent(
        ContactChannel::Wechat,
        Consent::Yes,
        NaiveDate::from_ymd_opt(2023, 1, 5).unwrap(),
        ConsentSource::Till,
    );
    c
}

#[test]
fn bad_member_fields_are_refused_and_keep_what_was_typed() {
    let mut f = Form::edit_customer(&stored()).on(today());
    set(&mut f, FieldId::ChildBirthday, "2024-07-01");
    set(&mut f, FieldId::Occupation, &"x".repeat(40));
    assert_eq!(f.handle(FormKey::CtrlS), FormOutcome::Continue, "a child born tomorrow is refused");
    assert_eq!(f.focused(), FieldId::ChildBirthday);
    assert_eq!(f.value(FieldId::ChildBirthday).as_deref(), Some("2024-07-01"));
    assert!(
        f.error(FieldId::ChildBirthday).unwrap().contains("after today"),
        "{:?}",
        f.error(FieldId::ChildBirthday)
    );
    set(&mut f, FieldId::ChildBirthday, "1989-12-31");
    assert_eq!(f.handle(FormKey::CtrlS), FormOutcome::Continue, "nor one before the parent");
    assert!(f.error(FieldId::ChildBirthday).unwrap().contains("before the customer's own"));
    assert_eq!(f.value(FieldId::ChildBirthday).as_deref(), Some("1989-12-31"));
    set(&mut f, FieldId::ChildBirthday, "2024-02-29");
    let FormOutcome::Submit(FormOutput::Customer(c)) = f.handle(FormKey::CtrlS) else { panic!("not saved") };
    assert_eq!(c.child_birthday, NaiveDate::from_ymd_opt(2024, 2, 29));
    assert_eq!(c.occupation, "x".repeat(40));
}

#[test]
fn consent_chosen_in_the_form_is_dated_today_from_the_form_and_the_rest_kept() {
    let mut f = Form::edit_customer(&stored()).on(today());
    assert_eq!(f.value(FieldId::ConsentWechat).as_deref(), Some("yes"));
    choose(&mut f, FieldId::ConsentSms, "yes");
    choose(&mut f, FieldId::ConsentEmail, "no");
    choose(&mut f, FieldId::Income, "5k_10k");
    choose(&mut f, FieldId::Education, "college");
    let FormOutcome::Submit(FormOutput::Customer(c)) = f.handle(FormKey::CtrlS) else { panic!("not saved") };
    assert_eq!(
        (c.consent_sms.answer, c.consent_sms.on, c.consent_sms.source),
        (Consent::Yes, Some(today()), ConsentSource::Form)
    );
    assert_eq!((c.consent_email.answer, c.consent_email.on), (Consent::No, Some(today())));
    // WeChat was not touched: its day and source stay what the till recorded.
    assert_eq!(c.consent_wechat, stored().consent_wechat);
    assert_eq!((c.income, c.education), (Income::From5kTo10k, Education::College));
}

#[test]
fn a_new_customer_can_say_yes_at_the_till() {
    let mut f = Form::new_customer(now());
    set(&mut f, FieldId::Name, "李雷");
    choose(&mut f, FieldId::ConsentSms, "yes");
    let FormOutcome::Submit(FormOutput::Customer(c)) = f.handle(FormKey::CtrlS) else { panic!("not saved") };
    assert_eq!(c.consent_sms.on, Some(today()));
    assert_eq!(c.consent_phone.answer, Consent::Unknown);
}
