//! The detail view's layout: its header (name, next action, up to four duplicate flags, the
//! sparkline) and its scrolling document share one layout with the state machine, so scrolling,
//! paging and clicks reach every line; reasons are wrapped, never cut.

mod ui_fixture;
use kehu::domain::History;
use kehu::i18n::Lang;
use kehu::ui::{Action, App, View};
use ui_fixture::*;

/// The 60-customer shop with four more customers under #26's phone: her detail view heads with
/// three flags and "… and 1 more".
fn flagged_shop() -> Vec<History> {
    let mut hs = histories(60);
    let zhu = hs.iter().find(|h| h.customer.id == 26).expect("#26").customer.clone();
    for i in 0..4 {
        let mut copy = zhu.clone();
        copy.id = 1000 + i;
        copy.reference = None;
        copy.revision = 1;
        hs.push(History { customer: copy, purchases: vec![], interactions: vec![], ledger: Vec::new() });
    }
    hs
}

/// The App on customer `id`'s detail view, history loaded, in `lang`.
fn on_detail(hs: &[History], id: u64, lang: Lang) -> App {
    let mut a = app_with(hs.to_vec());
    a.set_lang(lang);
    a.act(Action::StartSearch);
    let card = hs.iter().find(|h| h.customer.id == id).and_then(|h| h.customer.reference.clone()).unwrap();
    feed(&mut a, hs, &typed(&card));
    feed(&mut a, hs, &[Action::Submit]);
    assert_eq!((a.view(), a.detail().id), (View::Detail, id));
    assert!(a.detail().history.is_some());
    a
}

/// The screen's rows without trailing blanks.
fn rows(s: &str) -> Vec<String> {
    s.lines().map(|l| l.trim_end().to_string()).collect()
}

/// The document's last line as a screen tall enough for all of it shows it.
fn last_document_line(a: &mut App, w: u16) -> String {
    let tall = rows(&screen(&draw(a, w, 400)));
    // The last row is the status line; the document ends at the last non-blank row above it.
    tall[..tall.len() - 1].iter().rev().find(|l| !l.is_empty()).cloned().unwrap()
}

#[test]
fn the_last_line_of_a_flagged_customer_can_be_scrolled_to() {
    let hs = flagged_shop();
    for lang in [Lang::En, Lang::Zh] {
        let mut a = on_detail(&hs, 26, lang);
        let head = screen(&draw(&mut a, 80, 24));
        assert!(head.contains("#1000") && (head.contains("1 more") || head.contains("另有 1")), "{head}");
        let last = last_document_line(&mut a, 80);
        a.act(Action::Resize(80, 24));
        a.act(Action::Bottom);
        let s = rows(&screen(&draw(&mut a, 80, 24)));
        assert_eq!(
            s[22],
            last,
            "{lang:?}: G shows the document's last line above the status line\n{}",
            s.join("\n")
        );
        // Up moves the view at once: the line leaves the bottom row.
        a.act(Action::Up);
        let s = rows(&screen(&draw(&mut a, 80, 24)));
        assert_ne!(s[22], last, "{lang:?}");
        // Page down from the top reaches it too.
        a.act(Action::Top);
        for _ in 0..20 {
            a.act(Action::PageDown);
        }
        let s = rows(&screen(&draw(&mut a, 80, 24)));
        assert_eq!(s[22], last, "{lang:?}");
    }
}

#[test]
fn the_records_cursor_keeps_its_record_on_screen_under_the_flags() {
    let hs = flagged_shop();
    let mut a = on_detail(&hs, 26, Lang::En);
    a.act(Action::Resize(80, 24));
    a.act(Action::PickRecord);
    a.act(Action::Bottom);
    let t = draw(&mut a, 80, 24);
    let buf = t.backend().buffer();
    let reversed = (1..23).filter(|&y| buf[(2, y)].modifier.contains(ratatui::style::Modifier::REVERSED));
    let rows: Vec<u16> = reversed.collect();
    assert_eq!(rows.len(), 1, "the picked record is drawn on screen\n{}", screen(&t));
    // It is the last record: the oldest interaction (or purchase), on the last document row.
    assert_eq!(a.detail().pick, Some(a.detail().picks().len() - 1));
    assert_eq!(rows[0], 22, "{}", screen(&t));
}

#[test]
fn a_click_on_a_record_line_picks_that_record() {
    let hs = flagged_shop();
    let mut a = on_detail(&hs, 26, Lang::En);
    a.act(Action::Resize(80, 24));
    a.act(Action::Bottom);
    let s = rows(&screen(&draw(&mut a, 80, 24)));
    // The bottom rows are interactions (the oldest last); click the last one.
    a.act(Action::Click(10, 22));
    let picked = a.detail().pick.expect("a record is picked");
    let n = a.detail().picks().len();
    assert_eq!(picked, n - 1, "the last record line is the oldest interaction\n{}", s.join("\n"));
    // A click on a line that is no record (the header) leaves the cursor where it is.
    a.act(Action::Click(10, 1));
    assert_eq!(a.detail().pick, Some(n - 1));
}

#[test]
fn a_click_in_a_scrolled_segments_table_lands_on_the_row_drawn_there() {
    let mut a = app();
    a.act(Action::Resize(80, 10));
    a.act(Action::ShowSegments);
    while a.segments().len(&a.classifier()) <= 8 {
        a.act(Action::Right);
    }
    let n = a.segments().len(&a.classifier());
    a.act(Action::Bottom);
    let s = rows(&screen(&draw(&mut a, 80, 10)));
    // Rows: tab bar, the dimension's title, the header, then 6 classes, the status line.
    a.act(Action::Click(5, 3));
    assert_eq!(a.segments().cursor, n - 6, "{}", s.join("\n"));
    let t = draw(&mut a, 80, 10);
    assert!(t.backend().buffer()[(2, 3)].modifier.contains(ratatui::style::Modifier::REVERSED));
}

/// The value of the detail row labelled `label` with its continuation lines (indented past the
/// labels), spaces taken out: what a reader gets of it, however it was broken.
fn row_value(s: &[String], label: &str) -> Option<String> {
    let at = s.iter().position(|l| l.starts_with(&format!("  {label} ")))?;
    let mut text = s[at][2 + label.len()..].to_string();
    for l in &s[at + 1..] {
        match l.strip_prefix(&" ".repeat(16)) {
            Some(more) if !more.starts_with(' ') => text += more,
            _ => break,
        }
    }
    Some(text.replace(' ', ""))
}

#[test]
fn reasons_are_wrapped_whole_at_80_columns_in_english_and_chinese() {
    let hs = histories(60);
    for lang in [Lang::En, Lang::Zh] {
        let mut a = on_detail(&hs, 26, lang);
        let profile = a.classifier().profile(26).expect("classified");
        let s = rows(&screen(&draw(&mut a, 80, 200)));
        let mut long = 0;
        for (dim, reason) in profile.rows() {
            let label = kehu::i18n::dimension_label(lang, dim);
            let text = kehu::i18n::reason(lang, dim, &reason);
            long += usize::from(unicode_width::UnicodeWidthStr::width(text.as_str()) > 64);
            let shown = row_value(&s, label).unwrap_or_else(|| panic!("{lang:?} {dim}\n{}", s.join("\n")));
            assert_eq!(shown, text.replace(' ', ""), "{lang:?} {dim}\n{}", s.join("\n"));
        }
        assert!(long > 0, "{lang:?}: some reason is longer than the row");
        // The recommended action with its reason reads whole in the document too.
        let action = profile.action.as_ref().expect("an action");
        let reason = kehu::i18n::reason(lang, action.play.dimension(), &action.reason);
        let label = if lang == Lang::En { "next action" } else { "下一步" };
        let shown = row_value(&s, label).unwrap_or_else(|| panic!("{lang:?}\n{}", s.join("\n")));
        assert!(shown.ends_with(&reason.replace(' ', "")), "{lang:?}: {shown}");
        // Nothing in the document is cut.
        let cut = s.iter().skip(5).filter(|l| l.ends_with('…')).count();
        assert_eq!(cut, 0, "{lang:?}\n{}", s.join("\n"));
    }
}

#[test]
fn a_long_chinese_reason_breaks_between_characters_within_the_width() {
    let hs = histories(60);
    let mut a = on_detail(&hs, 26, Lang::Zh);
    for w in [40u16, 56, 80] {
        let t = draw(&mut a, w, 200);
        let buf = t.backend().buffer();
        for y in 0..buf.area.height {
            let last = buf[(w - 1, y)].symbol();
            assert!(unicode_width::UnicodeWidthStr::width(last) <= 1, "{w}: row {y}");
        }
    }
}

#[test]
fn a_page_down_in_the_detail_view_moves_by_the_lines_shown_and_skips_none() {
    let hs = histories(60);
    for lang in [Lang::En, Lang::Zh] {
        let mut a = on_detail(&hs, 26, lang);
        let tall = rows(&screen(&draw(&mut a, 80, 400)));
        a.act(Action::Resize(80, 24));
        a.act(Action::Top);
        // Rows: tab bar, name, next action, the two-row sparkline, then 18 of the document.
        let before = rows(&screen(&draw(&mut a, 80, 24)));
        assert_eq!(before[5..23], tall[5..23], "{lang:?}");
        a.act(Action::PageDown);
        assert_eq!(a.detail().scroll, 18, "{lang:?}");
        let after = rows(&screen(&draw(&mut a, 80, 24)));
        assert_eq!(after[5], tall[23], "{lang:?}: the line after the last one shown comes first");
        a.act(Action::PageUp);
        assert_eq!(a.detail().scroll, 0, "{lang:?}");
    }
}
