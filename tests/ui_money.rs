//! Money columns fit their widest value: a huge spend is shown whole, and the table keeps its
//! layout (the other columns give the room, not the edge of the screen).

mod ui_fixture;
use kehu::domain::{History, Money, Purchase};
use kehu::i18n::Lang;
use ui_fixture::*;

/// The 60-customer shop where Grace Smith spent 100,001,234.56 last month.
fn big_spender() -> (Vec<History>, u64) {
    let mut hs = histories(60);
    let h = hs.iter_mut().find(|h| h.customer.name == "Grace Smith").expect("Grace");
    let mut p =
        Purchase::new(h.customer.id, today() - chrono::Days::new(30), Money(10_000_123_456), 1).unwrap();
    p.id = 77_777;
    h.purchases.push(p);
    h.purchases.sort_by_key(|p| p.date);
    let id = h.customer.id;
    (hs, id)
}

/// The display cell just after `what` in `line`.
fn cell_end(line: &str, what: &str) -> Option<usize> {
    let at = line.find(what)?;
    Some(unicode_width::UnicodeWidthStr::width(&line[..at + what.len()]))
}

#[test]
fn a_huge_spend_is_shown_whole_in_the_list_at_80_and_120_columns() {
    let (hs, _) = big_spender();
    for lang in [Lang::En, Lang::Zh] {
        for w in [80u16, 120] {
            let mut a = app_with(hs.clone());
            a.set_lang(lang);
            let s = screen(&draw(&mut a, w, 24));
            let mut rows: Vec<&str> = s.lines().collect();
            let grace = rows.iter().position(|l| l.contains("Grace Smith")).expect("Grace on screen");
            rows[2] = rows[grace];
            assert!(rows[2].contains("100,001,234"), "{lang:?} {w}\n{s}");
            // The spend ends in the same cell as its (right-aligned) header: still a column.
            let header = if lang == Lang::En { "12m spend" } else { "年消费" };
            assert_eq!(cell_end(rows[2], "100,001,234"), cell_end(rows[1], header), "{lang:?} {w}\n{s}");
            // The row is not cut at the right edge: the next action still starts after it.
            assert!(unicode_width::UnicodeWidthStr::width(rows[2]) <= w as usize);
        }
    }
}
