//! The Chinese console speaks Chinese: every screen a shop sees (each view, every customer's
//! detail with its classes, reasons, records and changes, the forms, prompts, dialogs, help and
//! the status line after each kind of save) is drawn in 简体中文 over a real store, and every
//! English word on it must be a name, a unit or a code: something the shop typed (names, tags,
//! categories, refs, notes), a key name, or one of the codes listed below.

mod ui_fixture;
use kehu::domain::History;
use kehu::i18n::Lang;
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::form::FormKey;
use kehu::ui::{Action, App};
use std::collections::{BTreeMap, BTreeSet};
use ui_fixture::*;

/// Codes and units that stay as they are in Chinese: key names, model and metric names, the
/// programme's name, the fixture's database path and operator.
const CODES: &[&str] = &[
    "kehu", "RFM", "BG", "MBG", "Pareto", "NBD", "SMS", "VIP", "ID", "Enter", "Esc", "Tab", "PgUp", "PgDn",
    "Ctrl", "Space", "Home", "End", "Left", "Right", "Up", "Down", "alive", "srv", "db", "tester", "pinyin",
    "CSV", "JSON", "OK", "AM", "PM",
];

/// Every word the shop itself typed into its records.
fn shop_words(hs: &[History]) -> BTreeSet<String> {
    let mut text = String::new();
    for h in hs {
        let c = &h.customer;
        text.push_str(&format!(
            "{} {:?} {:?} {} {} {:?} ",
            c.name,
            c.reference,
            c.email,
            c.notes,
            c.tags.join(" "),
            c.custom
        ));
        text.push_str(&format!("{} {} ", c.province, c.city));
        // An email cut short where a popup covers it shows no `@`: its words are the shop's too.
        if let Some(e) = &c.email {
            text.push_str(&format!("{} ", e.as_str().replace(['@', '.'], " ")));
        }
        for p in &h.purchases {
            text.push_str(&format!("{} ", p.category));
        }
        for i in &h.interactions {
            text.push_str(&format!("{} ", i.text));
        }
    }
    words_in(&text).into_iter().collect()
}

/// The ASCII words of `text` (two letters or more: single letters are keys).
fn words_in(text: &str) -> Vec<String> {
    // A config key named in a message (`till.confirm_above`) and an example address are codes.
    let text: String = text
        .split(' ')
        .map(|t| if (t.contains('.') && t.contains('_')) || t.contains('@') { "" } else { t })
        .collect::<Vec<_>>()
        .join(" ");
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2).map(str::to_string).collect()
}

struct Sweep {
    allowed: BTreeSet<String>,
    /// English word → the first screen it was seen on.
    found: BTreeMap<String, String>,
}

impl Sweep {
    fn look(&mut self, app: &mut App, what: &str, w: u16, h: u16) {
        let text = screen(&draw(app, w, h));
        for line in text.lines() {
            for word in words_in(line) {
                // A name cut to fit its column leaves a prefix of a word the shop typed.
                let typed = self.allowed.iter().any(|a| a.starts_with(&word));
                let code = CODES.iter().any(|c| c.eq_ignore_ascii_case(&word));
                if !typed && !code {
                    self.found.entry(word).or_insert_with(|| format!("{what}: {}", line.trim()));
                }
            }
        }
    }
}

fn act(app: &mut App, store: &SledStore, actions: &[Action]) {
    for a in actions {
        dispatch(app, store, a.clone());
    }
}

fn type_form(app: &mut App, store: &SledStore, text: &str) {
    for c in text.chars() {
        dispatch(app, store, Action::FormKey(FormKey::Char(c)));
    }
}

#[test]
fn every_chinese_screen_has_no_english_word_but_names_units_and_codes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    let mut app = app_with(vec![]);
    app.set_lang(Lang::Zh);
    dispatch(&mut app, &store, Action::LoadDemo);
    let hs: Vec<History> = kehu::tui::all_histories(&store).unwrap();
    let mut sweep = Sweep { allowed: shop_words(&hs), found: BTreeMap::new() };
    sweep.look(&mut app, "list", 160, 50);

    for view in [Action::ShowList, Action::ShowSegments, Action::ShowFollowUps, Action::ShowDuplicates] {
        act(&mut app, &store, std::slice::from_ref(&view));
        sweep.look(&mut app, &format!("{view:?}"), 160, 50);
        // Every tab of the segments view (the member dimensions come last), a few of the others.
        let tabs = if view == Action::ShowSegments { kehu::ui::SEGMENT_TABS.len() } else { 8 };
        for tab in 0..tabs {
            act(&mut app, &store, &[Action::Right]);
            sweep.look(&mut app, &format!("{view:?} right {tab}"), 160, 50);
        }
        act(&mut app, &store, &[Action::ToggleHelp]);
        sweep.look(&mut app, &format!("{view:?} help"), 160, 50);
        act(&mut app, &store, &[Action::ToggleHelp]);
    }

    // Every 20th customer's detail, records cursor and changes, drawn whole.
    act(&mut app, &store, &[Action::ShowList, Action::Top]);
    for n in 0..hs.len() {
        if n % 20 == 0 {
            act(&mut app, &store, &[Action::Open]);
            let id = app.detail().id;
            app.update(Action::HistoryLoaded(Box::new(store.history(id).unwrap().unwrap())));
            act(&mut app, &store, &[Action::PickRecord, Action::ShowChanges]);
            sweep.look(&mut app, &format!("detail of #{id}"), 160, 200);
            act(&mut app, &store, &[Action::Back, Action::Back]);
        }
        act(&mut app, &store, &[Action::Down]);
    }

    // The forms, their refusals and the status line after each kind of save.
    act(&mut app, &store, &[Action::ShowList, Action::Top, Action::Open]);
    for (form, typed) in [
        (Action::RecordPurchase, "88"),
        (Action::LogInteraction, "回访"),
        (Action::EditCustomer, ""),
        (Action::AddCustomer, "李雷"),
    ] {
        act(&mut app, &store, std::slice::from_ref(&form));
        sweep.look(&mut app, &format!("{form:?} form"), 120, 40);
        type_form(&mut app, &store, typed);
        dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
        sweep.look(&mut app, &format!("{form:?} saved"), 120, 40);
        act(&mut app, &store, &[Action::Cancel, Action::Cancel]);
    }
    act(&mut app, &store, &[Action::RecordPurchase]);
    type_form(&mut app, &store, "99999999");
    dispatch(&mut app, &store, Action::FormKey(FormKey::Enter));
    sweep.look(&mut app, "till asks", 120, 40);
    act(&mut app, &store, &[Action::Confirm, Action::PickRecord, Action::VoidRecord]);
    sweep.look(&mut app, "void prompt", 120, 40);
    for c in "输错".chars() {
        dispatch(&mut app, &store, Action::Input(c));
    }
    act(&mut app, &store, &[Action::Submit]);
    sweep.look(&mut app, "voided", 120, 40);
    act(&mut app, &store, &[Action::Undo]);
    sweep.look(&mut app, "undone", 120, 40);

    // An opt-out: the channel question, the save, and the customer's changes after it (the
    // second customer's: the first one's purchase above names its fields in English).
    act(&mut app, &store, &[Action::CloseForm, Action::Cancel, Action::ShowList, Action::Top, Action::Down]);
    act(&mut app, &store, &[Action::OptOut]);
    assert!(app.prompt().is_some(), "the opt-out question is up: {}", app.status());
    sweep.look(&mut app, "opt-out question", 120, 40);
    dispatch(&mut app, &store, Action::Input('x'));
    sweep.look(&mut app, "opt-out wrong key", 120, 40);
    dispatch(&mut app, &store, Action::Input('a'));
    sweep.look(&mut app, "opted out", 120, 40);
    act(&mut app, &store, &[Action::Open, Action::ShowChanges]);
    sweep.look(&mut app, "opt-out in the changes", 160, 200);
    act(&mut app, &store, &[Action::Back, Action::Back]);
    // `x` with no saved segment under the cursor says what it needs.
    act(&mut app, &store, &[Action::ShowSegments, Action::Left, Action::CampaignList]);
    sweep.look(&mut app, "campaign list without a segment", 120, 40);

    let report: Vec<String> = sweep.found.iter().map(|(w, at)| format!("{w:?} on {at}")).collect();
    assert!(
        sweep.found.is_empty(),
        "{} English word(s) on Chinese screens: {:?}\n\n{}",
        sweep.found.len(),
        sweep.found.keys().collect::<Vec<_>>(),
        report.join("\n")
    );
}

/// Every status-line message of the console (`notice!("…")` in the source) has a Chinese
/// rendering: a message added in English only fails here before anyone sees it.
#[test]
fn every_notice_template_has_a_chinese_rendering() {
    let mut missing = BTreeSet::new();
    let mut seen = 0;
    for path in rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("notice!(") {
            let rest = text[at + "notice!(".len()..].trim_start();
            let Some(body) = rest.strip_prefix('"') else { continue };
            let Some(end) = body.find('"') else { continue };
            let template = &body[..end];
            seen += 1;
            let has_words =
                words_in(&template.replace("{}", " ")).iter().any(|w| !CODES.contains(&w.as_str()));
            if has_words && kehu::i18n::tr_dyn_in(Lang::Zh, template) == template {
                missing.insert(template.to_string());
            }
        }
    }
    assert!(seen > 60, "only {seen} notices found: is the source scan still right?");
    assert!(missing.is_empty(), "{} notice(s) without Chinese: {missing:#?}", missing.len());
}

/// Every template of a `reason!` in the source: the classifier's reasons and their parts.
fn reason_templates_in_source() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("reason!(") {
            let rest = text[at + "reason!(".len()..].trim_start();
            let Some(body) = rest.strip_prefix('"') else { continue };
            let Some(end) = body.find('"') else { continue };
            out.insert(body[..end].to_string());
        }
    }
    out
}

#[test]
fn every_reason_template_has_a_chinese_rendering() {
    let used = reason_templates_in_source();
    assert!(used.len() > 70, "only {} reason templates found: is the source scan still right?", used.len());
    let table: BTreeMap<&str, &str> = kehu::i18n::reason_templates().iter().copied().collect();
    let missing: Vec<&String> = used.iter().filter(|t| !table.contains_key(t.as_str())).collect();
    assert!(missing.is_empty(), "{} reason template(s) without Chinese: {missing:#?}", missing.len());
    // And the table holds nothing the classifier no longer says.
    let unused: Vec<&&str> = table.keys().filter(|t| !used.contains(**t)).collect();
    assert!(unused.is_empty(), "Chinese for reason templates no longer used: {unused:#?}");
    for (en, zh) in &table {
        let english = words_in(zh).into_iter().filter(|w| !CODES.iter().any(|c| c.eq_ignore_ascii_case(w)));
        assert_eq!(english.count(), 0, "{en} → {zh}");
    }
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}
