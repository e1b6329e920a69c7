//! The shop floor (issue 5): a scanned card opens the member from any view, phones are masked
//! until revealed (and the reveal is audited), and `ascii_borders` draws no box characters.

mod ui_fixture;
use kehu::domain::History;
use kehu::ui::{Action, App, AppInit, CardPattern, ConsoleOptions, Effect, View};
use ui_fixture::*;

fn app_opts(hs: Vec<History>, options: ConsoleOptions) -> App {
    let mut app = App::new(AppInit { options, ..init(hs) });
    app.update(Action::Resize(80, 24));
    app
}

/// The first fixture customer with a ref and a phone: (id, ref, phone).
fn member(hs: &[History]) -> (u64, String, String) {
    hs.iter()
        .find_map(|h| {
            let c = &h.customer;
            Some((c.id, c.reference.clone()?, c.phone.as_ref()?.as_str().to_string()))
        })
        .expect("a customer with ref and phone")
}

#[test]
fn a_scan_opens_the_member_from_the_segments_view_and_back_returns_there() {
    let hs = histories(60);
    let (id, card, _) = member(&hs);
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[Action::ShowSegments, Action::Down]);
    let effects = feed(&mut a, &hs, &[Action::Scan(card)]);
    assert_eq!(a.view(), View::Detail);
    assert_eq!(a.detail().id, id);
    assert!(effects.contains(&Effect::LoadHistory(id)));
    feed(&mut a, &hs, &[Action::Back]);
    assert_eq!(a.view(), View::Segments);
}

#[test]
fn a_scan_finds_a_member_by_full_phone_and_ref_case_aside() {
    let hs = histories(60);
    let (id, card, phone) = member(&hs);
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[Action::ShowFollowUps, Action::Scan(phone)]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[Action::Scan(card.to_ascii_lowercase())]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));
}

#[test]
fn an_unknown_card_says_so_and_leaves_the_search_line_alone() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[vec![Action::StartSearch], typed("王")].concat());
    let shown = a.list().shown.clone();
    feed(&mut a, &hs, &[Action::Scan("12345678".into())]);
    assert_eq!(a.status(), "no customer has card 12345678");
    assert_eq!(a.view(), View::List);
    assert!(a.list().searching);
    assert_eq!(a.list().query, "王");
    assert_eq!(a.list().shown, shown);
}

#[test]
fn an_exact_card_in_the_search_line_wins_over_the_ranking() {
    let mut hs = histories(60);
    // The first customer's card starts with the 8 digits that are another customer's card.
    hs[0].customer.set_reference("123456789").expect("ref");
    let target = hs[9].customer.id;
    hs[9].customer.set_reference("12345678").expect("ref");
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[vec![Action::StartSearch], typed("12345678")].concat());
    assert!(a.list().shown.contains(&hs[0].customer.id) && a.list().shown.contains(&target));
    // The tiered index already ranks the exact card first; Enter must open exactly that one.
    assert_eq!(a.list().current(), Some(target));
    feed(&mut a, &hs, &[Action::Submit]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, target));
}

#[test]
fn phones_are_masked_in_the_list_and_detail_until_revealed() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    let first = hs[0].customer.phone.as_ref().expect("phone").as_str().to_string();
    let masked = format!("{}****{}", &first[..3], &first[7..]);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains(&masked) && !s.contains(&first), "{s}");
    assert!(!regex_like_full_mobile(&s), "{s}");

    let effects = feed(&mut a, &hs, &[Action::RevealPhone]);
    assert_eq!(effects, vec![Effect::AuditReveal { customer: hs[0].customer.id, operator: "tester".into() }]);
    let t = draw(&mut a, 80, 24);
    let s = screen(&t);
    assert!(s.contains(&first), "{s}");
    insta::assert_snapshot!("list_revealed_80x24", t.backend());

    // Moving to another customer hides the number again.
    feed(&mut a, &hs, &[Action::Down]);
    assert!(!screen(&draw(&mut a, 80, 24)).contains(&first));
    feed(&mut a, &hs, &[Action::Up]);
    assert!(!screen(&draw(&mut a, 80, 24)).contains(&first));

    // In the detail view `v` toggles, and only showing is audited.
    feed(&mut a, &hs, &[Action::Open]);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains(&format!("phone         {masked}")), "{s}");
    assert_eq!(feed(&mut a, &hs, &[Action::RevealPhone]).len(), 1);
    let t = draw(&mut a, 80, 24);
    assert!(screen(&t).contains(&format!("phone         {first}")));
    insta::assert_snapshot!("detail_revealed_80x24", t.backend());
    assert_eq!(feed(&mut a, &hs, &[Action::RevealPhone]), vec![]);
    assert!(!screen(&draw(&mut a, 80, 24)).contains(&first));
}

/// Whether the screen shows any unmasked Chinese mobile number (11 digits starting with 1).
fn regex_like_full_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(10)).any(|i| {
        b[i] == b'1' && b[i..i + 11].iter().all(u8::is_ascii_digit) && (i == 0 || !b[i - 1].is_ascii_digit())
    })
}

#[test]
fn no_full_mobile_on_any_masked_view() {
    let hs = histories(60);
    let mut a = app_with(hs.clone());
    for actions in
        [vec![], vec![Action::Down, Action::Open], vec![Action::ShowDuplicates], vec![Action::ShowFollowUps]]
    {
        feed(&mut a, &hs, &actions);
        let s = screen(&draw(&mut a, 120, 40));
        assert!(!regex_like_full_mobile(&s), "{s}");
    }
}

#[test]
fn search_by_the_last_four_digits_works_while_masked() {
    let hs = histories(60);
    let (id, _, phone) = member(&hs);
    let mut a = app_with(hs.clone());
    let last4 = &phone[phone.len() - 4..];
    feed(&mut a, &hs, &[vec![Action::StartSearch], typed(last4)].concat());
    assert!(a.list().shown.contains(&id));
    let s = screen(&draw(&mut a, 80, 24));
    assert!(!s.contains(&phone) && s.contains(last4), "{s}");
}

#[test]
fn without_masking_phones_show_and_v_only_says_so() {
    let hs = histories(60);
    let options = ConsoleOptions { mask_phones: false, ..ConsoleOptions::default() };
    let mut a = app_opts(hs.clone(), options);
    let first = hs[0].customer.phone.as_ref().expect("phone").as_str().to_string();
    assert!(screen(&draw(&mut a, 80, 24)).contains(&first));
    assert_eq!(feed(&mut a, &hs, &[Action::RevealPhone]), vec![]);
    assert!(a.status().contains("not masked"));
}

/// Box-drawing characters (U+2500–U+257F), which PuTTY and Xshell may draw two cells wide.
fn has_box_drawing(s: &str) -> bool {
    s.chars().any(|c| ('\u{2500}'..='\u{257F}').contains(&c))
}

#[test]
fn ascii_borders_draw_no_box_characters() {
    let hs = histories(60);
    let options = ConsoleOptions { ascii_borders: true, ..ConsoleOptions::default() };
    let mut a = app_opts(hs.clone(), options);
    feed(&mut a, &hs, &[Action::ToggleHelp]);
    let t = draw(&mut a, 80, 24);
    assert!(!has_box_drawing(&screen(&t)));
    insta::assert_snapshot!("help_ascii_80x24", t.backend());
    feed(&mut a, &hs, &[Action::ToggleHelp, Action::RecordPurchase]);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(!has_box_drawing(&s) && s.contains("+-"), "{s}");
    // The status separator too.
    let mut a = app_opts(hs.clone(), options);
    feed(&mut a, &hs, &[Action::CycleSort]);
    assert!(!has_box_drawing(&screen(&draw(&mut a, 80, 24))));
    // Segment bars and the detail's sparkline are ASCII as well.
    let mut a = app_opts(hs.clone(), options);
    feed(&mut a, &hs, &[Action::ShowSegments]);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(s.contains('#') && !s.contains('█'), "{s}");
    let mut a = app_opts(hs.clone(), options);
    feed(&mut a, &hs, &[Action::Down, Action::Open]);
    let s = screen(&draw(&mut a, 80, 24));
    assert!(!s.chars().any(|c| ('\u{2580}'..='\u{259F}').contains(&c)), "{s}");
    // Without the option the boxes are lines.
    let mut a = app_with(hs.clone());
    feed(&mut a, &hs, &[Action::ToggleHelp]);
    assert!(has_box_drawing(&screen(&draw(&mut a, 80, 24))));
}

#[test]
fn a_reveal_goes_through_the_runtime_into_the_audit_log() {
    use kehu::store::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = kehu::store::SledStore::open(&dir.path().join("db")).expect("store");
    let hs = histories(5);
    for h in &hs {
        store.put_customer(kehu::domain::Customer { revision: 0, ..h.customer.clone() }).expect("stored");
    }
    let mut a = app_with(hs.clone());
    kehu::tui::dispatch(&mut a, &store, Action::RevealPhone);
    assert!(!a.status().starts_with("error"), "{}", a.status());
    let effect = Effect::AuditReveal { customer: hs[0].customer.id, operator: "tester".into() };
    assert_eq!(kehu::tui::run_effect(&store, effect), vec![]);
    let reveals: Vec<_> = store
        .audit_entries(Some(hs[0].customer.id))
        .expect("audit")
        .into_iter()
        .filter(|e| e.what == "reveal phone")
        .map(|e| e.operator)
        .collect();
    assert_eq!(reveals.len(), 2, "{reveals:?}");
    assert!(reveals.contains(&"tester".to_string()));
}

/// Keys typed as a scanner types them: a burst 5 ms apart, then Enter.
fn scanned(a: &App, scanner: &mut kehu::tui::ScanDetector, card: &str) -> Vec<kehu::tui::Step> {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let t0 = std::time::Instant::now();
    let keys = card.chars().map(KeyCode::Char).chain([KeyCode::Enter]);
    let mut steps = Vec::new();
    for (i, code) in keys.enumerate() {
        let at = t0 + std::time::Duration::from_millis(5 * i as u64);
        steps.extend(kehu::tui::route(
            scanner,
            a.mode(),
            Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            at,
        ));
    }
    steps
}

/// The fixture shop with cards like the demo's `M0001155`.
fn lettered() -> Vec<History> {
    histories(60)
        .into_iter()
        .map(|mut h| {
            h.customer.reference = h.customer.reference.map(|r| format!("M{r}"));
            h
        })
        .collect()
}

#[test]
fn by_default_the_scanner_reads_the_shops_own_cards_whole() {
    let hs = lettered();
    let (id, card, _) = member(&hs);
    let mut a = app_with(hs.clone());
    assert_eq!(a.options().card_pattern, CardPattern::Auto);
    assert_eq!(a.card_pattern(), CardPattern::Alphanumeric, "derived from the refs");
    let mut scanner = kehu::tui::ScanDetector::new(a.card_pattern());
    let steps = scanned(&a, &mut scanner, &card);
    assert_eq!(steps, vec![kehu::tui::Step::Scan(card.clone())], "the letter is part of the card");
    feed(&mut a, &hs, &[Action::Scan(card)]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));

    // A shop of digit cards keeps letters as keys.
    let digits: Vec<History> = histories(60)
        .into_iter()
        .map(|mut h| {
            h.customer.reference =
                h.customer.reference.map(|r| r.chars().filter(char::is_ascii_digit).collect());
            h
        })
        .collect();
    assert_eq!(app_with(digits).card_pattern(), CardPattern::Digits);
    // A ref of a new shape saved later widens it; one no scanner could type does not.
    assert_eq!(CardPattern::Digits.widened_for("VIP-7"), CardPattern::Ascii);
    assert_eq!(CardPattern::of_refs(["0001", "M0002"]), CardPattern::Alphanumeric);
    assert_eq!(CardPattern::of_refs(["0001", "王府井 1"]), CardPattern::Digits);
}

#[test]
fn an_unknown_scanned_card_is_named_as_scanned() {
    let hs = lettered();
    let mut a = app_with(hs.clone());
    let mut scanner = kehu::tui::ScanDetector::new(a.card_pattern());
    let steps = scanned(&a, &mut scanner, "M0001155");
    assert_eq!(steps, vec![kehu::tui::Step::Scan("M0001155".into())]);
    feed(&mut a, &hs, &[Action::Scan("M0001155".into())]);
    assert_eq!(a.status(), "no customer has card M0001155");
}

#[test]
fn a_name_and_enter_in_the_search_line_opens_the_best_match_where_cards_carry_letters() {
    let hs = lettered();
    let mut a = app_with(hs.clone());
    assert_eq!(a.card_pattern(), CardPattern::Alphanumeric);
    let name = hs[3].customer.name.clone();
    let word: String =
        name.chars().filter(|c| c.is_ascii_alphabetic()).take(5).collect::<String>().to_lowercase();
    assert!(word.len() >= 3, "a Latin name in the fixture: {name}");
    let effects =
        feed(&mut a, &hs, &[vec![Action::StartSearch], typed(&word), vec![Action::Submit]].concat());
    assert!(!effects.iter().any(|e| matches!(e, Effect::FindFormerCard(_))), "{effects:?}");
    assert_eq!(a.view(), View::Detail, "Enter opened the best match for {word:?}; status: {}", a.status());
}
