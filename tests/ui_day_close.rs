//! The day's close in the console (`5`), through `dispatch` against a real store: the figures
//! are the command line's for the same day (members' accounts included), ←/→ walk the days
//! and never past today, a top-up at the till shows in the close, a late answer for another
//! day is ignored; drawn at 80x24 in English and Chinese and down to 20x5.

mod ui_fixture;
use kehu::i18n::Lang;
use kehu::report::day::{DayBook, DayReport};
use kehu::store::{SledStore, Store};
use kehu::tui::dispatch;
use kehu::ui::{Action, App, Confirm, Effect, View};
use ui_fixture::*;

/// A demo shop of 200 members as of [`today`] and the console over it.
fn shop() -> (tempfile::TempDir, SledStore, App) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    kehu::demo::fill_store(&store, 200, 7, today(), "tester").unwrap();
    let app = app_with(kehu::tui::all_histories(&store).unwrap());
    (dir, store, app)
}

/// The close of `date` as `kehu report day` counts it, with `due` follow-ups still due.
fn counted(store: &SledStore, date: chrono::NaiveDate, due: usize) -> DayReport {
    let mut book = DayBook::new(date);
    store.for_each_history(&mut |h| book.push(&h)).unwrap();
    book.finish(due)
}

fn row<'a>(screen: &'a str, label: &str) -> &'a str {
    let line = screen.lines().find(|l| l.trim_start().starts_with(label));
    line.unwrap_or_else(|| panic!("{label}:\n{screen}")).trim_end()
}

#[test]
fn five_shows_today_as_the_command_counts_it_and_the_arrows_walk_the_days() {
    let (_d, store, mut app) = shop();
    let effects = app.update(Action::ShowDayClose);
    assert_eq!(effects, vec![Effect::LoadDayClose(today())]);
    assert_eq!(app.view(), View::DayClose);
    assert!(screen(&draw(&mut app, 80, 24)).contains("reading the day's records"));

    dispatch(&mut app, &store, Action::ShowDayClose);
    let due = app.classifier().follow_up_queue().len();
    let want = counted(&store, today(), due);
    let got = app.day_close().report.clone().expect("the figures");
    assert_eq!(got, want, "the console reads what the command counts");
    let s = screen(&draw(&mut app, 80, 24));
    assert!(s.contains("Day's close 2024-06-30"), "{s}");
    assert!(row(&s, "sales").ends_with(&kehu::report::day::money(want.sales_fen)), "{s}");
    assert!(row(&s, "stored value owed at close").ends_with(&kehu::report::day::money(want.stored_owed_fen)));
    assert!(row(&s, "follow-ups still due").ends_with(&due.to_string()), "today's queue: {s}");
    assert!(s.contains("revenue, last 30 days") && s.contains("best day"), "{s}");

    // Right on today stays on today; Left reads the day before, without today's queue.
    assert!(app.update(Action::Right).is_empty(), "nothing after today");
    dispatch(&mut app, &store, Action::Left);
    let yesterday = today().pred_opt().unwrap();
    assert_eq!(app.day_close().report.as_ref().map(|r| r.date), Some(yesterday));
    assert_eq!(app.day_close().report.clone().unwrap(), counted(&store, yesterday, 0));
    let s = screen(&draw(&mut app, 80, 24));
    assert!(s.contains("Day's close 2024-06-29") && !s.contains("follow-ups still due"), "{s}");
    // g goes back to today; Esc to the list.
    dispatch(&mut app, &store, Action::Top);
    assert_eq!(app.day_close().date, Some(today()));
    dispatch(&mut app, &store, Action::Back);
    assert_eq!(app.view(), View::List);
}

#[test]
fn an_answer_for_a_day_no_longer_shown_is_ignored() {
    let (_d, store, mut app) = shop();
    dispatch(&mut app, &store, Action::ShowDayClose);
    app.update(Action::Left);
    // The answer for today arrives after Left asked for yesterday.
    app.update(Action::DayCloseLoaded(Box::new(counted(&store, today(), 0))));
    assert!(app.day_close().report.is_none());
    assert!(screen(&draw(&mut app, 80, 24)).contains("reading the day's records"));
}

#[test]
fn a_top_up_at_the_till_is_in_the_close() {
    let (_d, store, mut app) = shop();
    dispatch(&mut app, &store, Action::ShowDayClose);
    let before = app.day_close().report.clone().unwrap();
    dispatch(&mut app, &store, Action::ShowList);
    dispatch(&mut app, &store, Action::TopUp);
    for c in "500".chars() {
        dispatch(&mut app, &store, Action::Input(c));
    }
    dispatch(&mut app, &store, Action::Submit);
    assert!(matches!(app.confirm(), Some(Confirm::Commit { .. })), "{}", app.status());
    dispatch(&mut app, &store, Action::Confirm);
    assert!(app.status().starts_with("topped up 500.00"), "{}", app.status());
    // Opened again, the view reads the day afresh.
    dispatch(&mut app, &store, Action::ShowDayClose);
    let after = app.day_close().report.clone().unwrap();
    assert_eq!((after.topups, after.topped_up_fen), (before.topups + 1, before.topped_up_fen + 50_000));
    assert_eq!(after.stored_owed_fen, before.stored_owed_fen + 55_000, "with the 50.00 bonus");
}

#[test]
fn the_close_reads_in_chinese_and_fits_any_size() {
    let (_d, store, mut app) = shop();
    app.set_lang(Lang::Zh);
    dispatch(&mut app, &store, Action::ShowDayClose);
    let s = screen(&draw(&mut app, 80, 24));
    for word in ["日结", "销售", "充值", "储值消费", "日终储值余额", "积分获得", "待跟进", "近30天营收"]
    {
        assert!(s.contains(word), "{word}:\n{s}");
    }
    assert!(s.lines().next().unwrap().contains("5 日结"), "the tab bar names the view: {s}");
    for (w, h) in [(20, 5), (40, 12), (80, 24), (120, 40), (0, 0), (1, 1)] {
        draw(&mut app, w, h);
    }
}

/// The runtimes read the close on their reader thread: the answer comes back as an action, and
/// dispatching with the thread leaves the view reading until it does.
#[test]
fn the_reader_thread_answers_with_the_close_and_the_input_thread_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(SledStore::open(&dir.path().join("db")).unwrap());
    kehu::demo::fill_store(store.as_ref(), 60, 7, today(), "tester").unwrap();
    let mut app = app_with(kehu::tui::all_histories(store.as_ref()).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = kehu::tui::Reader::start(std::sync::Arc::clone(&store), move |a| drop(tx.send(a))).unwrap();
    let offload = kehu::tui::Offload { searches: None, reader: Some(&reader) };
    kehu::tui::dispatch_with(&mut app, store.as_ref(), offload, Action::ShowDayClose, &mut |_| {});
    assert!(app.day_close().report.is_none(), "handed over, not read here");
    assert!(screen(&draw(&mut app, 80, 24)).contains("reading the day's records"));
    let answer = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("the reader answers");
    assert!(matches!(&answer, Action::DayCloseLoaded(r) if r.date == today()), "{answer:?}");
    app.update(answer);
    let mut book = DayBook::new(today());
    store.for_each_history(&mut |h| book.push(&h)).unwrap();
    let due = app.classifier().follow_up_queue().len();
    assert_eq!(app.day_close().report.clone(), Some(book.finish(due)), "today's queue counted in");
}
