//! Hostile text (issue 7, point 5): names, notes, tags and free fields holding escape
//! sequences, BEL, NUL, C1 controls, bidi controls, zero-width joiners, combining marks, emoji
//! and a 10,000-character string. Imported from CSV and typed into the forms they are stored
//! exactly (byte for byte; a form drops control characters as it documents); every console view
//! drawn with them shows no control or bidi character and keeps the list's columns; `kehu show`
//! prints no raw ESC, BEL, C1 or bidi byte; CSV export defuses formula cells.

mod common;
mod ui_fixture;

use common::*;
use kehu::store::{SledStore, Store};
use kehu::ui::form::{FieldId, FormKey};
use kehu::ui::{Action, App, AppInit, Mode, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use unicode_width::UnicodeWidthStr;

const TODAY: &str = "2024-06-30";

/// Every hostile sample; none starts or ends with whitespace (cells are trimmed on import).
fn samples() -> Vec<String> {
    vec![
        "Li\x1b[2JNa".into(),
        "Wang\x1b]0;pwned\x07Fang".into(),
        "Bel\x07l\0Nul".into(),
        "Cee\u{85}One\u{9b}31m\u{9d}x\u{80}\u{9f}".into(),
        "Bidi\u{202a}a\u{202b}b\u{202c}c\u{202d}d\u{202e}evil\u{2066}e\u{2067}f\u{2068}g\u{2069}ok".into(),
        "Marks\u{200e}\u{200f}\u{61c}lrm".into(),
        "Zwj\u{200d}a\u{200b}b\u{2060}c".into(),
        "Comb e\u{301}\u{302}\u{303}\u{304}\u{305}x\u{20dd}".into(),
        "Emoji 👨\u{200d}👩\u{200d}👧\u{200d}👦 🇨🇳 👍🏽 ❤\u{fe0f} ok".into(),
        "王\x1b[31m秀\u{202e}英\u{7f}".into(),
    ]
}

/// A 10,000-character string mixing every kind of hostile character.
fn long_string() -> String {
    let unit: Vec<char> =
        "王秀英👨\u{200d}👩\u{200d}👧 e\u{301}\x1b[0m\u{202e}\u{9b}x\u{2067}".chars().collect();
    unit.iter().cycle().take(10_000).collect()
}

/// Formula cells that a spreadsheet would run.
const FORMULAS: [&str; 4] = ["=HYPERLINK(\"http://x\",\"y\")", "+86 138", "@SUM(A1)", "-2+3"];

/// Whether `c` must never appear in a drawn cell or reach a terminal raw.
fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}')
}

/// Whether `c` is invisible and must not reach a terminal raw either: zero-width spaces and
/// joiners (one appeared glued to another row), the word joiner, the BOM and the line and
/// paragraph separators.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{2028}' | '\u{2029}')
}

/// Whether `c` must never be written to a terminal as it is.
fn is_raw(c: char) -> bool {
    is_hazard(c) || is_invisible(c)
}

/// Most characters one drawn cell may hold: a base character and four marks.
const MAX_CELL_CHARS: usize = 5;

/// Tags as a list is split (`,` `;` `，`, trimmed, blanks dropped): the samples' bytes survive
/// inside each tag.
fn tags(list: &str) -> Vec<String> {
    list.split([',', ';', '，']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The longest city and custom field an import takes (the console's limits: a city of 100
/// characters, custom fields of 4,000 as `bio=…`), cut from the long string.
fn long_city_and_bio() -> (String, String) {
    let long = long_string();
    (long.chars().take(100).collect(), long.chars().take(3_996).collect())
}

/// The customers file: one hostile sample per row in name, tags and notes; the long string, as
/// long as an import takes it, in the city and a custom field of one row; formula names.
fn customers_csv() -> String {
    let (long_city, long_bio) = long_city_and_bio();
    let mut csv = String::from("ref,name,tags,notes,city,custom.bio\n");
    for (i, s) in samples().iter().enumerate() {
        let (city, bio) = if i == 0 { (long_city.as_str(), long_bio.as_str()) } else { ("", "") };
        let notes = format!("{s}\nsecond line {s}");
        csv += &[
            format!("H{i}"),
            csv_quote(s),
            csv_quote(&format!("plain,{s}")),
            csv_quote(&notes),
            csv_quote(city),
            csv_quote(bio),
        ]
        .join(",");
        csv += "\n";
    }
    for (i, f) in FORMULAS.iter().enumerate() {
        csv += &format!("F{i},{},,,,\n", csv_quote(f));
    }
    csv
}

fn app_over(store: &dyn Store) -> App {
    let histories = kehu::tui::all_histories(store).expect("histories");
    let mut app =
        App::new(AppInit { db_label: "/srv/\x1b]0;db\x07kehu".into(), ..ui_fixture::init(histories) });
    app.update(Action::Resize(80, 24));
    app
}

/// Draws at the App's size and checks every cell: no control or bidi character anywhere, and
/// every row adds up to exactly the terminal width in cells.
fn draw_checked(app: &mut App, w: u16, h: u16, what: &str) -> Terminal<TestBackend> {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| render(app, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    for y in 0..h {
        let mut x = 0;
        let mut cells = 0;
        while x < w {
            let sym = buf[(x, y)].symbol();
            assert!(
                sym.chars().count() <= MAX_CELL_CHARS,
                "{what}: cell ({x},{y}) holds {} characters",
                sym.chars().count()
            );
            if let Some(c) = sym.chars().find(|&c| is_raw(c)) {
                panic!(
                    "{what}: cell ({x},{y}) holds U+{:04X}; screen:\n{}",
                    c as u32,
                    ui_fixture::screen(&t)
                );
            }
            let cw = sym.width().max(1) as u16;
            cells += cw;
            x += cw;
        }
        assert_eq!(cells, w, "{what}: row {y} is {cells} cells wide, not {w}:\n{}", ui_fixture::screen(&t));
    }
    t
}

/// The x positions where the list's left-aligned header titles start.
fn column_starts(t: &Terminal<TestBackend>, header_y: u16) -> Vec<u16> {
    use kehu::ui::Column::*;
    let buf = t.backend().buffer();
    let cells: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, header_y)].symbol()).collect();
    let mut starts = Vec::new();
    for col in [Phone, Tier, Lifecycle, Activity, LastPurchase, PAlive, Expected90, NextAction] {
        let title: Vec<char> = col.title().chars().collect();
        let found = (1..cells.len()).find(|&x| {
            cells[x - 1] == " "
                && title.iter().enumerate().all(|(i, c)| cells.get(x + i).is_some_and(|s| s.starts_with(*c)))
        });
        starts.extend(found.map(|x| x as u16));
    }
    starts
}

/// Checks that every list row leaves the gap before each column blank: no cell content (and no
/// wide character) spills into the next column, so columns start at the same cell on every row.
fn assert_columns_hold(t: &Terminal<TestBackend>, what: &str) {
    let buf = t.backend().buffer();
    let h = buf.area.height;
    let header_y = (0..h)
        .find(|&y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>().contains(" name"))
        .unwrap_or_else(|| panic!("{what}: no list header:\n{}", ui_fixture::screen(t)));
    let starts = column_starts(t, header_y);
    assert!(starts.len() >= 3, "{what}: too few columns {starts:?}:\n{}", ui_fixture::screen(t));
    // Rows between the header and the status line (and the search line, if any).
    for y in header_y + 1..h - 1 {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        if row.trim().is_empty() || row.starts_with('/') {
            continue;
        }
        for &x in &starts {
            let gap = x - 1;
            let covered = gap > 0 && buf[(gap - 1, y)].symbol().width() > 1;
            assert!(
                buf[(gap, y)].symbol() == " " && !covered,
                "{what}: row {y} spills into the gap at column {gap}:\n{}",
                ui_fixture::screen(t)
            );
        }
    }
}

/// Moves the list cursor onto `id`.
fn cursor_to(app: &mut App, id: u64) {
    app.update(Action::ShowList);
    app.update(Action::Top);
    for _ in 0..app.list().shown.len() {
        if app.list().current() == Some(id) {
            return;
        }
        app.update(Action::Down);
    }
    panic!("customer {id} is not in the list: query {:?}, shown {:?}", app.list().query, app.list().shown);
}

#[test]
fn hostile_text_imports_exactly_and_never_reaches_the_terminal() {
    let s = Scratch::new();
    let file = s.file("customers.csv", &customers_csv());
    let out = s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]);
    assert!(out.status.success(), "import refused: {}", stderr(&out));

    // `kehu show` of every hostile customer: no raw ESC, BEL, NUL, C1 or bidi on stdout.
    for i in 0..samples().len() {
        let out = s.kehu(TODAY, &["show", &format!("H{i}")]);
        assert!(out.status.success(), "show H{i}: {}", stderr(&out));
        let text = String::from_utf8(out.stdout.clone()).expect("show prints UTF-8");
        let bad: Vec<char> = text.chars().filter(|&c| c != '\n' && is_raw(c)).collect();
        assert!(bad.is_empty(), "show H{i} printed raw {bad:?}:\n{text}");
        assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07) && !out.stdout.contains(&0));
        assert!(text.contains(&format!("H{i}")), "{text}");
    }
    // …and a query that matches several (the candidates go to stderr).
    let out = s.kehu(TODAY, &["show", "e"]);
    let err = stderr(&out);
    assert!(err.chars().all(|c| c == '\n' || !is_raw(c)), "show candidates leak: {err:?}");

    // Export: formula cells defused, and everything else exported as stored (raw is fine in a
    // file; it is not a terminal).
    let out = ok(s.kehu(TODAY, &["export", "--kind", "customers", "--format", "csv"]));
    let (header, rows) = parse_csv(&out);
    let name = header.iter().position(|h| h == "name").expect("name column");
    for f in FORMULAS {
        let cell = rows.iter().map(|r| &r[name]).find(|n| n.ends_with(f)).expect("formula row");
        assert_eq!(*cell, format!("'{f}"), "formula not defused");
    }
    for sample in samples() {
        assert!(rows.iter().any(|r| r[name] == sample), "export changed {sample:?}");
    }

    // Stored exactly.
    let store = SledStore::open(&s.db()).expect("open");
    let (long_city, long_bio) = long_city_and_bio();
    for (i, sample) in samples().iter().enumerate() {
        let id = store.id_by_ref(&format!("H{i}")).unwrap().expect("imported");
        let c = store.customer(id).unwrap().unwrap();
        assert_eq!(c.name.as_bytes(), sample.as_bytes(), "name of H{i}");
        assert_eq!(c.tags, tags(&format!("plain,{sample}")), "tags of H{i}");
        assert_eq!(c.notes, format!("{sample}\nsecond line {sample}"), "notes of H{i}");
        if i == 0 {
            assert_eq!(c.city.chars().count(), 100);
            assert_eq!(c.city, long_city);
            assert_eq!(c.custom.get("bio"), Some(&long_bio));
        }
    }

    // The console: every view, at several sizes, with the hostile customers on screen.
    let mut app = app_over(&store);
    let hs = kehu::tui::all_histories(&store).unwrap();
    for (w, h) in [(80, 24), (132, 40), (240, 30), (40, 10), (20, 5)] {
        let t = draw_checked(&mut app, w, h, &format!("list {w}x{h}"));
        if w >= 80 {
            assert_columns_hold(&t, &format!("list {w}x{h}"));
        }
    }
    // Sorted by name puts the odd characters in every position of the screen.
    app.update(Action::CycleSort);
    let t = draw_checked(&mut app, 132, 40, "list sorted");
    assert_columns_hold(&t, "list sorted");
    // A search for a hostile name highlights inside escaped text.
    app.update(Action::StartSearch);
    for c in "Wang".chars() {
        app.update(Action::Input(c));
    }
    let t = draw_checked(&mut app, 132, 40, "search");
    assert!(ui_fixture::screen(&t).contains("Wang"), "{}", ui_fixture::screen(&t));
    app.update(Action::Cancel);
    for (i, _) in samples().iter().enumerate() {
        let id = store.id_by_ref(&format!("H{i}")).unwrap().unwrap();
        cursor_to(&mut app, id);
        let t = draw_checked(&mut app, 132, 40, &format!("list at H{i}"));
        assert_columns_hold(&t, &format!("list at H{i}"));
        ui_fixture::feed(&mut app, &hs, &[Action::Open]);
        assert_eq!(app.mode(), Mode::Detail);
        for page in 0..6 {
            draw_checked(&mut app, 100, 30, &format!("detail of H{i}, page {page}"));
            draw_checked(&mut app, 30, 8, &format!("narrow detail of H{i}, page {page}"));
            app.update(Action::PageDown);
        }
        app.update(Action::EditCustomer);
        assert_eq!(app.mode(), Mode::Form, "edit form of H{i}");
        draw_checked(&mut app, 100, 30, &format!("edit form of H{i}"));
        for _ in 0..14 {
            app.update(Action::FormKey(FormKey::Tab));
            draw_checked(&mut app, 60, 20, &format!("edit form of H{i}"));
        }
        app.update(Action::CloseForm);
        app.update(Action::Back);
    }
    for (view, name) in [
        (Action::ShowSegments, "segments"),
        (Action::ShowFollowUps, "follow-ups"),
        (Action::ShowDuplicates, "duplicates"),
    ] {
        app.update(view);
        draw_checked(&mut app, 120, 40, name);
        app.update(Action::ToggleHelp);
        draw_checked(&mut app, 120, 40, &format!("{name} help"));
        app.update(Action::ToggleHelp);
    }
    // Tagging the selection with a hostile tag: the prompt echoes it neutralised.
    app.update(Action::ShowList);
    app.update(Action::TagSelected);
    for c in samples()[1].chars() {
        app.update(Action::Input(c));
    }
    draw_checked(&mut app, 100, 30, "tag prompt");
}

/// Types `s` into the focused form field one key at a time.
fn type_into(app: &mut App, store: &dyn Store, s: &str) {
    for c in s.chars() {
        kehu::tui::dispatch(app, store, Action::FormKey(FormKey::Char(c)));
    }
}

fn focus(app: &mut App, store: &dyn Store, field: FieldId) {
    for _ in 0..40 {
        if app.form().expect("form open").focused() == field {
            return;
        }
        kehu::tui::dispatch(app, store, Action::FormKey(FormKey::Tab));
    }
    panic!("no field {field:?}");
}

/// What a form keeps of typed text: control and bidi characters are dropped (documented).
fn typed_kept(s: &str) -> String {
    s.chars().filter(|&c| !is_hazard(c)).collect()
}

#[test]
fn hostile_text_through_the_forms_is_stored_as_kept_and_shown_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).expect("open");
    let mut app = app_over(&store);
    for (i, sample) in samples().iter().enumerate() {
        kehu::tui::dispatch(&mut app, &store, Action::AddCustomer);
        assert_eq!(app.mode(), Mode::Form);
        focus(&mut app, &store, FieldId::Name);
        type_into(&mut app, &store, sample);
        assert_eq!(app.form().unwrap().value(FieldId::Name), Some(typed_kept(sample)));
        focus(&mut app, &store, FieldId::Reference);
        type_into(&mut app, &store, &format!("R{i}"));
        focus(&mut app, &store, FieldId::Tags);
        kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::Paste(format!("x,{sample}"))));
        focus(&mut app, &store, FieldId::Notes);
        type_into(&mut app, &store, sample);
        draw_checked(&mut app, 100, 30, &format!("add form {i}"));
        kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
        assert!(app.form().is_none(), "form {i} not saved: {:?}", app.form().map(|f| f.fields().to_vec()));
        let id = store.id_by_ref(&format!("R{i}")).unwrap().expect("saved");
        let c = store.customer(id).unwrap().unwrap();
        assert_eq!(c.name.as_bytes(), typed_kept(sample).as_bytes());
        assert_eq!(c.tags, tags(&format!("x,{}", typed_kept(sample))));
        assert_eq!(c.notes, typed_kept(sample));
        draw_checked(&mut app, 100, 30, &format!("list after saving {i}"));

        // An interaction with the hostile text, from the detail view.
        cursor_to(&mut app, id);
        kehu::tui::dispatch(&mut app, &store, Action::Open);
        kehu::tui::dispatch(&mut app, &store, Action::LogInteraction);
        focus(&mut app, &store, FieldId::Text);
        type_into(&mut app, &store, sample);
        kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
        assert!(app.form().is_none(), "interaction {i} not saved");
        let h = store.history(id).unwrap().unwrap();
        assert_eq!(h.interactions.last().unwrap().text, typed_kept(sample));
        draw_checked(&mut app, 100, 30, &format!("detail after interaction {i}"));
        app.update(Action::Back);
    }

    // The 10,000-character string: refused in a form field with a reason, kept as typed.
    kehu::tui::dispatch(&mut app, &store, Action::AddCustomer);
    focus(&mut app, &store, FieldId::Name);
    type_into(&mut app, &store, "Long");
    focus(&mut app, &store, FieldId::City);
    let long = long_string();
    kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::Paste(long.clone())));
    let kept = app.form().unwrap().value(FieldId::City).unwrap();
    // The field takes what fits its limit, control characters dropped.
    assert!(!kept.is_empty() && typed_kept(&long).starts_with(&kept), "city {kept:?}");
    draw_checked(&mut app, 100, 30, "form with a long city");
    focus(&mut app, &store, FieldId::Notes);
    kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::Paste(long.clone())));
    let notes = app.form().unwrap().value(FieldId::Notes).unwrap();
    assert!(typed_kept(&long).starts_with(&notes) && notes.chars().count() <= kehu::domain::MAX_TEXT);
    draw_checked(&mut app, 100, 30, "form with a long note");
    kehu::tui::dispatch(&mut app, &store, Action::FormKey(FormKey::CtrlS));
    assert!(app.form().is_none(), "the long customer was not saved");
    let h = kehu::tui::all_histories(&store).unwrap();
    let c = &h.iter().find(|h| h.customer.name == "Long").expect("saved").customer;
    assert_eq!((c.city.as_str(), c.notes.as_str()), (kept.as_str(), notes.as_str()));
    draw_checked(&mut app, 100, 30, "list after the long customer");
}

#[test]
fn a_ten_thousand_character_name_is_refused_with_its_line() {
    let s = Scratch::new();
    let file = s.file("long.csv", &format!("ref,name\nA1,ok\nA2,{}\n", csv_quote(&long_string())));
    let out = s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 3:"), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\u{202e}'), "the refusal echoes raw text: {err:?}");
}

/// A customer stored with 10,000 combining marks on one letter of the city, thousands in the
/// notes and the name, and zero-width joiners and line separators between words.
fn add_zalgo(store: &dyn Store) -> u64 {
    let mut c = kehu::domain::Customer::new(
        &format!("Zalgo\u{2028}Li\u{200d}Na e{}", "\u{301}".repeat(80)),
        chrono::Utc::now(),
    )
    .expect("name");
    c.set_reference("Z0").unwrap();
    c.city = format!("e{}x", "\u{301}".repeat(10_000));
    c.notes = format!("a{}\u{2028}b\u{200b}c", "\u{302}".repeat(3_000));
    store.commit(kehu::change::Change::SaveCustomer(c), "test").expect("stored");
    store.id_by_ref("Z0").unwrap().expect("saved")
}

#[test]
fn one_cell_emits_a_few_marks_however_many_it_holds() {
    let s = Scratch::new();
    let id = add_zalgo(&SledStore::open(&s.db()).expect("open"));
    let out = s.kehu(TODAY, &["show", "Z0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8");
    assert!(text.len() < 2_000, "show wrote {} bytes for one customer:\n{text}", text.len());
    let bad: Vec<char> = text.chars().filter(|&c| c != '\n' && is_raw(c)).collect();
    assert!(bad.is_empty(), "show printed raw {bad:?}:\n{text}");

    let store = SledStore::open(&s.db()).expect("open");
    let mut app = app_over(&store);
    let hs = kehu::tui::all_histories(&store).unwrap();
    draw_checked(&mut app, 132, 40, "list with the zalgo customer");
    cursor_to(&mut app, id);
    ui_fixture::feed(&mut app, &hs, &[Action::Open]);
    for page in 0..4 {
        draw_checked(&mut app, 100, 30, &format!("zalgo detail, page {page}"));
        app.update(Action::PageDown);
    }
    app.update(Action::EditCustomer);
    draw_checked(&mut app, 100, 30, "zalgo edit form");
}

/// Every string in a JSON document, keys included.
fn json_strings(v: &serde_json::Value, into: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => into.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, into)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            into.push(k.clone());
            json_strings(v, into);
        }),
        _ => {}
    }
}

#[test]
fn json_output_escapes_every_hazard_and_keeps_the_data() {
    let s = Scratch::new();
    let file = s.file("customers.csv", &customers_csv());
    ok(s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]));
    let purchases =
        s.file("purchases.csv", "ref,date,amount,category\nH4,2024-05-01,10.00,\"tea\u{202e}evil\"\n");
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", purchases.to_str().unwrap()]));
    let runs: [&[&str]; 6] = [
        &["show", "H4", "--json"],
        &["show", "H6", "--json"],
        &["segments", "--json"],
        &["export", "--kind", "customers", "--format", "json"],
        &["export", "--kind", "purchases", "--format", "json"],
        &["export", "--kind", "classes", "--format", "json"],
    ];
    let mut seen = Vec::new();
    for args in runs {
        let text = ok(s.kehu(TODAY, args));
        let bad: Vec<char> = text.chars().filter(|&c| c != '\n' && is_raw(c)).take(20).collect();
        assert!(bad.is_empty(), "{args:?} printed raw {bad:?}");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        json_strings(&doc, &mut seen);
    }
    // Escaped, not changed: the JSON reads back as stored.
    for sample in &samples()[4..7] {
        assert!(seen.contains(sample), "{sample:?} does not read back from the JSON");
    }
    assert!(seen.iter().any(|s| s == "tea\u{202e}evil"), "the category does not read back");
    assert!(seen.iter().any(|s| s.contains('\u{202e}')), "no tag reaches segments --json");
}

/// `kehu --db DB --as-of TODAY args…` as a command, for running on a pseudo-terminal.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn kehu_command(s: &Scratch, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"));
    cmd.arg("--db").arg(s.db()).args(["--as-of", TODAY]).args(args);
    cmd.env_remove("KEHU_DB").env_remove("KEHU_TODAY").env_remove("KEHU_RULES");
    cmd
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn csv_on_a_terminal_is_neutralised_and_a_file_keeps_it_exact() {
    let s = Scratch::new();
    let file = s.file("customers.csv", &customers_csv());
    ok(s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]));
    for kind in ["customers", "classes"] {
        let out = common::pty::output_on_pty(kehu_command(&s, &["export", "--kind", kind]));
        assert!(out.status.success(), "export {kind} on a terminal: {}", stderr(&out));
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let bad: Vec<char> =
            text.chars().filter(|&c| !matches!(c, '\r' | '\n') && is_raw(c)).take(20).collect();
        assert!(bad.is_empty(), "export {kind} wrote raw {bad:?} to a terminal");
        assert!(text.contains("Wang\\x1b]0;pwned\\x07Fang"), "the name is not shown escaped:\n{text}");
    }

    // A file named with an escape sequence: written exactly, and its name echoed inert.
    let path = s.dir.path().join("\x1b]0;X\x07.csv");
    let out = s.kehu(TODAY, &["export", "--kind", "customers", "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.chars().all(|c| c == '\n' || !is_raw(c)), "the path is echoed raw: {err:?}");
    assert!(err.contains("\\x1b]0;X\\x07.csv"), "{err}");
    let piped = ok(s.kehu(TODAY, &["export", "--kind", "customers"]));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), piped, "the file is not the exact export");
    assert!(samples().iter().all(|x| piped.contains(x.as_str())), "a pipe gets the data exact");
}
