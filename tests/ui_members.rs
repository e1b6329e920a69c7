//! Members in the console: the customer form's consent, child and stated fields, the opt-out
//! key, and campaign lists from the segments view. Driven by actions and keys; no terminal.

mod ui_fixture;

use chrono::{DateTime, NaiveDate, Utc};
use kehu::domain::{Consent, ConsentSource, ContactChannel, Customer, Education, Income};
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::form::{FieldId, Form, FormKey, FormOutcome, FormOutput};
use kehu::ui::{Action, Effect, Keymap, Mode, Role};
use ui_fixture::{app_with, draw, screen, today};

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

/// The fixture shop in a store, and a staff console over it signed by ann.
fn staff_console(dir: &std::path::Path) -> (SledStore, kehu::ui::App, Vec<kehu::domain::History>) {
    let store = SledStore::open(&dir.join("db")).unwrap();
    let (set, _) = kehu::demo::generate_all(&kehu::demo::DemoSpec::new(60, 7, today()));
    store.apply(set, "demo").unwrap();
    let hs = kehu::tui::all_histories(&store).unwrap();
    let mut app = app_with(hs.clone());
    app.set_operator("ann");
    app.set_role(Role::Staff);
    (store, app, hs)
}

/// A customer who said yes to SMS and whose phone is theirs alone (a scan opens them).
fn sms_yes(hs: &[kehu::domain::History]) -> &Customer {
    hs.iter()
        .map(|h| &h.customer)
        .find(|c| {
            c.consent_sms.answer == Consent::Yes
                && c.phone
                    .as_ref()
                    .is_some_and(|p| hs.iter().filter(|h| h.customer.phone.as_ref() == Some(p)).count() == 1)
        })
        .expect("a customer with SMS consent")
}

#[test]
fn o_then_s_opts_the_customer_out_of_sms_audited_and_shown_in_their_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut app, hs) = staff_console(dir.path());
    let c = sms_yes(&hs).clone();
    let keys = Keymap::default();
    let key = |ch| crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(ch));
    for mode in [Mode::List, Mode::Detail, Mode::FollowUps] {
        assert_eq!(keys.resolve(mode, &key('O')), Some(Action::OptOut), "{mode:?}");
    }
    dispatch(&mut app, &store, Action::Scan(c.phone.as_ref().unwrap().to_string()));
    assert_eq!(app.detail().id, c.id);
    dispatch(&mut app, &store, Action::OptOut);
    assert!(app.prompt().is_some(), "O asks which channel");
    dispatch(&mut app, &store, Action::Input('s'));
    assert!(app.prompt().is_none(), "one key answers: {}", app.status());

    let stored = store.customer(c.id).unwrap().unwrap();
    assert_eq!(
        (stored.consent_sms.answer, stored.consent_sms.on, stored.consent_sms.source),
        (Consent::No, Some(today()), ConsentSource::Till)
    );
    assert_eq!(stored.consent_wechat, c.consent_wechat, "only SMS");
    assert!(!stored.reachable_by(ContactChannel::Sms));
    let entry = store.audit_entries(Some(c.id)).unwrap().pop().unwrap();
    assert_eq!((entry.what.as_str(), entry.operator.as_str()), ("consent", "ann"));
    assert!(
        entry.before.contains("\"answer\":\"yes\"") && entry.after.contains("\"source\":\"till\""),
        "{entry:?}"
    );

    dispatch(&mut app, &store, Action::ShowChanges);
    let s = screen(&draw(&mut app, 120, 90));
    assert!(s.contains("ann  consent") && s.contains("sms consent yes"), "{s}");
    assert!(s.contains("no · 2024-06-30 · till"), "{s}");

    // `O a` on the follow-up queue: every channel, said on the phone. Undo takes it back.
    dispatch(&mut app, &store, Action::ShowFollowUps);
    let id = app.followups().current().expect("a customer to call");
    dispatch(&mut app, &store, Action::OptOut);
    dispatch(&mut app, &store, Action::Input('a'));
    let called = store.customer(id).unwrap().unwrap();
    assert!(ContactChannel::ALL.iter().all(|&ch| called.consent(ch).answer == Consent::No));
    assert_eq!(called.consent_phone.source, ConsentSource::Phone);
    dispatch(&mut app, &store, Action::Undo);
    dispatch(&mut app, &store, Action::Confirm);
    let back = store.customer(id).unwrap().unwrap();
    assert_eq!(back.consent_phone, hs.iter().find(|h| h.customer.id == id).unwrap().customer.consent_phone);
}

#[test]
fn a_viewer_cannot_opt_anyone_out_and_the_refusal_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut app, hs) = staff_console(dir.path());
    let c = sms_yes(&hs).clone();
    app.set_role(Role::Viewer);
    dispatch(&mut app, &store, Action::Scan(c.phone.as_ref().unwrap().to_string()));
    let effects = app.update(Action::OptOut);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::AuditRefusal { what: "opt out of contact", needs: Role::Staff, .. }]
        ),
        "{effects:?}"
    );
    assert!(app.prompt().is_none());
}

/// The fixture shop in a store, a manager's console over it with the saved segment "sleepers",
/// on the saved segments tab.
fn manager_on_saved_segments(dir: &std::path::Path) -> (SledStore, kehu::ui::App) {
    let (store, _, hs) = staff_console(dir);
    let sleepers = kehu::ui::SavedSegment {
        name: "sleepers".into(),
        filter: ["sleeping", "churned"]
            .iter()
            .map(|c| kehu::ui::ClassFilter {
                dimension: kehu::classify::Dimension::Activity,
                class: c.to_string(),
            })
            .collect(),
    };
    let mut app =
        ui_fixture::app_from(kehu::ui::AppInit { saved_segments: vec![sleepers], ..ui_fixture::init(hs) });
    app.set_operator("mo");
    dispatch(&mut app, &store, Action::ShowSegments);
    while app.segments().current() != kehu::ui::SegmentTab::Saved {
        dispatch(&mut app, &store, Action::Right);
    }
    (store, app)
}

#[test]
fn x_on_a_saved_segment_writes_its_sms_list_beside_the_database_and_records_the_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut app) = manager_on_saved_segments(dir.path());
    dispatch(&mut app, &store, Action::CampaignList);
    assert!(app.prompt().is_some(), "x asks which channel");
    dispatch(&mut app, &store, Action::Input('a'));
    assert!(app.prompt().is_some() && app.status().contains("press s (sms)"), "{}", app.status());
    dispatch(&mut app, &store, Action::Input('s'));
    let status = app.status();
    let name = format!("sleepers sms {}", today());
    let file = dir.path().join("db.campaigns").join(format!("{name}.csv"));
    assert!(status.contains(&format!("written to {}", file.display())), "{status}");
    let campaign = store.campaign(&name).unwrap().expect("recorded");
    assert!(
        status.contains(&format!("{} left out without consent", campaign.excluded_no_consent)),
        "{status}"
    );
    assert_eq!(campaign.by, "mo");
    let text = std::fs::read_to_string(&file).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "phones in full: readable by the owner alone");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,ref,name,phone,consent_on,consent_source"));
    let listed: Vec<u64> = lines.map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(!listed.is_empty());
    assert_eq!(listed, campaign.contacted);
    for id in &listed {
        let c = store.customer(*id).unwrap().unwrap();
        assert!(c.reachable_by(ContactChannel::Sms), "#{id} said yes to SMS");
        assert!(text.contains(c.phone.as_ref().unwrap().as_str()), "the phone in full");
        assert!(!campaign.control.contains(id));
    }
    let entry = store.audit_entries(Some(0)).unwrap().pop().unwrap();
    assert_eq!((entry.what.as_str(), entry.operator.as_str()), (format!("campaign {name}").as_str(), "mo"));
    // A second list the same day gets a name of its own.
    dispatch(&mut app, &store, Action::CampaignList);
    dispatch(&mut app, &store, Action::Input('s'));
    assert!(store.campaign(&format!("{name} (2)")).unwrap().is_some(), "{}", app.status());
}

#[test]
fn only_a_manager_makes_campaign_lists() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut app) = manager_on_saved_segments(dir.path());
    app.set_role(Role::Staff);
    let effects = app.update(Action::CampaignList);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::AuditRefusal { what: "make a campaign list", needs: Role::Manager, .. }]
        ),
        "{effects:?}"
    );
    assert!(app.prompt().is_none());
    assert!(store.campaigns().unwrap().is_empty());
}

#[test]
fn an_opt_out_waits_until_every_customer_is_in() {
    let hs = ui_fixture::histories(60);
    let mut a = ui_fixture::loading_app();
    a.update(Action::CustomersLoaded(Box::new(kehu::ui::Model::build(
        hs.iter().map(|h| h.customer.clone()),
        None,
    ))));
    assert_eq!(a.update(Action::OptOut), vec![]);
    assert!(a.prompt().is_none() && a.status().contains("still loading"), "{}", a.status());
}
