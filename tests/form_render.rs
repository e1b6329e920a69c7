//! Forms drawn on a `TestBackend`: snapshots at 80x24 and 40x12, the cursor under CJK text,
//! and no panic at any size up to 30x12.

use chrono::{DateTime, NaiveDate, Utc};
use kehu::domain::Customer;
use kehu::ui::form::{FieldId, Form, FormKey};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::{Position, Rect};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_719_748_800, 0).expect("valid timestamp")
}

fn draw(form: &Form, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|frame| form.render(frame.area(), frame.buffer_mut())).expect("draw");
    terminal
}

fn keys(form: &mut Form, text: &str) {
    for c in text.chars() {
        form.handle(FormKey::Char(c));
    }
}

fn stored_customer() -> Customer {
    let mut c = Customer::new("王秀英", now()).expect("name");
    c.id = 12;
    c.reference = Some("M-0012".into());
    c.set_phone("13812345678").expect("phone");
    c.province = "浙江".into();
    c.city = "杭州".into();
    c.tags = vec!["vip".into(), "tea".into()];
    c
}

#[test]
fn new_customer_80x24() {
    insta::assert_snapshot!(draw(&Form::new_customer(now()), 80, 24).backend());
}

#[test]
fn edit_customer_with_errors_80x24() {
    let mut f = Form::edit_customer(&stored_customer());
    for _ in 0..2 {
        f.handle(FormKey::Tab);
    }
    keys(&mut f, "9");
    f.handle(FormKey::Tab);
    keys(&mut f, "wang@");
    f.handle(FormKey::CtrlS);
    assert!(f.error(FieldId::Phone).is_some() && f.error(FieldId::Email).is_some());
    insta::assert_snapshot!(draw(&f, 80, 24).backend());
}

#[test]
fn purchase_80x24() {
    let mut f = Form::purchase(12, today()).with_subject("王秀英");
    keys(&mut f, "12.5");
    insta::assert_snapshot!(draw(&f, 80, 24).backend());
}

#[test]
fn purchase_with_error_40x12() {
    let mut f = Form::purchase(12, today());
    keys(&mut f, "-12");
    f.handle(FormKey::Enter);
    insta::assert_snapshot!(draw(&f, 40, 12).backend());
}

#[test]
fn purchase_40x12() {
    insta::assert_snapshot!(draw(&Form::purchase(12, today()), 40, 12).backend());
}

#[test]
fn interaction_complaint_80x24() {
    let mut f = Form::interaction(12, today(), "amy");
    keys(&mut f, "c");
    f.handle(FormKey::Tab);
    f.handle(FormKey::Tab);
    keys(&mut f, "快递晚了三天");
    insta::assert_snapshot!(draw(&f, 80, 24).backend());
}

#[test]
fn discard_question_80x24() {
    let mut f = Form::purchase(12, today());
    keys(&mut f, "5");
    f.handle(FormKey::Esc);
    insta::assert_snapshot!(draw(&f, 80, 24).backend());
}

#[test]
fn every_small_size_draws_without_panic() {
    let mut forms = vec![
        Form::new_customer(now()),
        Form::edit_customer(&stored_customer()),
        Form::purchase(1, today()),
        Form::interaction(1, today(), "amy"),
    ];
    // One with errors and wide text too, so error wrapping and scrolling are exercised.
    let mut bad = Form::new_customer(now());
    bad.handle(FormKey::Paste("王秀英".repeat(20)));
    bad.handle(FormKey::Tab);
    bad.handle(FormKey::Tab);
    keys(&mut bad, "12");
    bad.handle(FormKey::CtrlS);
    forms.push(bad);
    for f in &forms {
        for w in 0..=30 {
            for h in 0..=12 {
                let t = draw(f, w, h);
                if let Some(p) = f.cursor_position(Rect::new(0, 0, w, h)) {
                    assert!(p.x < w && p.y < h, "cursor {p:?} outside {w}x{h}");
                }
                drop(t);
            }
        }
    }
}

#[test]
fn cursor_follows_wide_characters_and_scrolls() {
    let area = Rect::new(0, 0, 80, 24);
    let mut f = Form::new_customer(now());
    let start = f.cursor_position(area).expect("cursor in the name field");
    keys(&mut f, "王秀英");
    assert_eq!(f.cursor_position(area), Some(Position::new(start.x + 6, start.y)));
    f.handle(FormKey::Left);
    assert_eq!(f.cursor_position(area), Some(Position::new(start.x + 4, start.y)));
    // In a narrow terminal a long name scrolls and the cursor stays inside the popup.
    keys(&mut f, &"英".repeat(30));
    let narrow = Rect::new(0, 0, 30, 12);
    let p = f.cursor_position(narrow).expect("cursor");
    assert!(p.x < 30);
    // No cursor on a choice, nor while asking to discard.
    f.handle(FormKey::Esc);
    assert_eq!(f.cursor_position(area), None);
}
