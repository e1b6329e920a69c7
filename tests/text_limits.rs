//! Text longer than a record takes is refused (or, for a name that comes from the system,
//! cut) wherever it enters outside an import: `void --reason`, `resolve --note`, the operator
//! name from `$USER`, and the shop's own fields typed into the customer form.

mod common;
mod ui_fixture;

use common::*;
use kehu::domain::{MAX_NAME, MAX_TEXT};
use kehu::store::{SledStore, Store};
use kehu::ui::form::{FieldId, FormKey};
use kehu::ui::{Action, App, AppInit, Mode};

const TODAY: &str = "2024-06-30";

/// One customer with a purchase and an open complaint.
fn shop() -> Scratch {
    let s = Scratch::new();
    let c = s.file("c.csv", "ref,name\nM1,Wang\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", c.to_str().unwrap()]));
    let p = s.file("p.csv", "ref,date,amount\nM1,2024-06-01,10.00\n");
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", p.to_str().unwrap()]));
    let i = s.file("i.csv", "ref,date,kind,text\nM1,2024-06-25,complaint,late\n");
    ok(s.kehu(TODAY, &["import", "--kind", "interactions", i.to_str().unwrap()]));
    s
}

/// The `id` of the only exported record of `kind`.
fn only_id(s: &Scratch, kind: &str) -> String {
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", kind])));
    assert_eq!(rows.len(), 1, "{kind}: {rows:?}");
    rows[0][0].clone()
}

/// Runs `kehu` as the system user `user`.
fn kehu_as(s: &Scratch, user: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(s.db())
        .args(["--as-of", TODAY])
        .args(args)
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env("USER", user)
        .output()
        .expect("run kehu")
}

#[test]
fn a_reason_or_note_longer_than_a_record_takes_is_refused() {
    let s = shop();
    let (purchase, complaint) = (only_id(&s, "purchases"), only_id(&s, "interactions"));
    let long = "x".repeat(MAX_TEXT + 1);
    for args in [
        vec!["void", "purchase", &purchase, "--reason", &long],
        vec!["void", "interaction", &complaint, "--reason", &long],
        vec!["resolve", &complaint, "--note", &long],
    ] {
        let out = s.kehu(TODAY, &args);
        assert_eq!(out.status.code(), Some(1), "{:?} was taken", &args[..2]);
        assert!(stderr(&out).contains("too long"), "{}", stderr(&out));
    }
    let show = ok(s.kehu(TODAY, &["show", "M1"]));
    assert!(
        !show.contains("VOID") && show.contains("minor open"),
        "a refused correction changed something:\n{show}"
    );
    // At the limit it is taken.
    let fits = "y".repeat(MAX_TEXT);
    ok(s.kehu(TODAY, &["resolve", &complaint, "--note", &fits]));
}

#[test]
fn an_operator_name_from_the_system_is_cut_to_a_name_and_cleaned() {
    let s = shop();
    let purchase = only_id(&s, "purchases");
    let user = format!("ann\u{202e}{}", "z".repeat(5_000));
    let out = kehu_as(&s, &user, &["void", "purchase", &purchase, "--reason", "typed twice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    let voided = &rows[0][header.iter().position(|h| h == "voided").unwrap()];
    let by = voided.split(" by ").nth(1).and_then(|r| r.split(':').next()).expect("by");
    let head: String = by.chars().take(60).collect();
    assert!(
        by.starts_with("annzzz") && by.chars().count() <= 40,
        "signed by {head:?}… ({} chars)",
        by.chars().count()
    );
    let store = SledStore::open(&s.db()).unwrap();
    for e in store.audit_entries(None).unwrap() {
        assert!(e.operator.chars().count() <= 40 && !e.operator.contains('\u{202e}'), "{:?}", e.operator);
    }
}

#[test]
fn the_shop_s_own_fields_are_bounded_in_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).expect("open");
    let mut app = App::new(AppInit { ..ui_fixture::init(Vec::new()) });
    app.update(Action::Resize(100, 30));
    kehu::tui::dispatch(&mut app, &store, Action::AddCustomer);
    assert_eq!(app.mode(), Mode::Form);
    let key = "k".repeat(MAX_NAME + 1);
    for (field, text) in [(FieldId::Name, "Li".to_string()), (FieldId::Custom, format!("size=M; {key}=x"))] {
        for _ in 0..40 {
            if app.form().unwrap().focused() == field {
                break;
            }
            kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::Tab));
        }
        kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::Paste(text)));
    }
    kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    let form = app.form().expect("the form stays open on a field name too long");
    let error = form.fields().iter().find(|f| f.id == FieldId::Custom).and_then(|f| f.error.clone());
    assert!(error.is_some_and(|e| e.contains("too long")), "no error on the custom field");
    assert_eq!(kehu::tui::all_histories(&store).unwrap().len(), 0, "saved anyway");
}
