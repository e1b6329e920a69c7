//! Console figures on a demo shop: search keystroke latency, extended-query latency and frame
//! render time. Prints one `name value unit` line per figure.
//!
//! Keys go through the console's own path: `App::update` asks for a search, the search thread
//! (the one the terminal and SSH consoles run) matches it, and its answers go back through
//! `App::update`. Per query kind: the time the input thread spends on a key (`blocked`), from
//! the key to the first results on screen (`first`: a best-so-far on a large shop) and to the
//! complete ranked list (`key`), one key at a time.
//!
//! `cargo bench --bench console` (100,000 customers; `KEHU_BENCH_CUSTOMERS` changes it; above
//! 200,000 the App holds the customer records without classes, as while loading, to keep the
//! bench's memory to the records).

mod common;
use chrono::NaiveDate;
use common::{customers, percentile};
use kehu::classify::{Classifier, Rules};
use kehu::demo::DemoSpec;
use kehu::domain::History;
use kehu::tui::SearchThread;
use kehu::ui::{Action, App, AppInit, Effect, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

fn histories(n: u64, today: NaiveDate) -> Vec<History> {
    kehu::demo::histories(&DemoSpec::new(n, 7, today))
}

/// One key through the console's path: the input thread's share, then the answers until the
/// complete one is in. (blocked, first results, complete results).
fn key(app: &mut App, searches: &SearchThread, answers: &Receiver<Action>, c: char) -> [Duration; 3] {
    let t = Instant::now();
    for e in app.update(Action::Input(c)) {
        if let Effect::Search(job) = e {
            searches.submit(job);
        }
    }
    let blocked = t.elapsed();
    let mut first = None;
    while app.list().awaited_search().is_some() {
        let Ok(answer) = answers.recv_timeout(Duration::from_secs(60)) else { break };
        app.update(answer);
        first.get_or_insert_with(|| t.elapsed());
    }
    let done = t.elapsed();
    [blocked, first.unwrap_or(done), done]
}

fn main() {
    let n: u64 = std::env::var("KEHU_BENCH_CUSTOMERS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let started = Instant::now();
    let hs = if n > 200_000 { Vec::new() } else { histories(n, today) };
    let init = if n > 200_000 {
        AppInit { customers: customers(n, today), ..AppInit::empty(Classifier::new(Rules::default(), today)) }
    } else {
        AppInit::from_histories(&hs, Rules::default(), today)
    };
    let mut app = App::new(AppInit { db_label: "bench".into(), operator: "bench".into(), ..init });
    println!("app_build_{n} {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    app.update(Action::Resize(80, 24));
    let (tx, answers) = mpsc::channel();
    let searches = SearchThread::start(move |a| drop(tx.send(a))).expect("search thread");

    // Queries typed one key at a time, as staff type them.
    let queries = [
        ("name", "chen"),
        ("latin_name", "smit"),
        ("phone", "1381"),
        ("phone_tail", "5678"),
        ("ref", "m000"),
        ("pinyin_initials", "wxy"),
    ];
    let rounds = if n > 200_000 { 5 } else { 10 };
    for (kind, q) in queries {
        let (mut blocked, mut first, mut keys, mut last) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            app.update(Action::StartSearch);
            for (i, c) in q.chars().enumerate() {
                let [b, f, d] = key(&mut app, &searches, &answers, c);
                blocked.push(b);
                first.push(f);
                keys.push(d);
                if i + 1 == q.chars().count() {
                    last.push(d);
                }
            }
            app.update(Action::Cancel);
        }
        println!("search_key_{kind}_p50 {:.2} ms", percentile(&mut keys, 0.5));
        println!("search_key_{kind}_p99 {:.2} ms", percentile(&mut keys, 0.99));
        println!("search_first_results_{kind}_p50 {:.2} ms", percentile(&mut first, 0.5));
        println!("search_first_results_{kind}_p99 {:.2} ms", percentile(&mut first, 0.99));
        println!("search_extend_{kind}_p99 {:.2} ms", percentile(&mut last, 0.99));
        println!("search_input_blocked_{kind}_p50 {:.3} ms", percentile(&mut blocked, 0.5));
        println!("search_input_blocked_{kind}_p99 {:.3} ms", percentile(&mut blocked, 0.99));
    }

    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut frames = Vec::new();
    for i in 0..200 {
        app.update(if i % 2 == 0 { Action::Down } else { Action::Up });
        let t = Instant::now();
        term.draw(|f| render(&app, f)).expect("draw");
        frames.push(t.elapsed());
    }
    println!("render_frame_80x24_p50 {:.3} ms", percentile(&mut frames, 0.5));
    println!("render_frame_80x24_p99 {:.3} ms", percentile(&mut frames, 0.99));

    // The console's share of recording a purchase (after the store's commit and read back):
    // classes, rows, search keys, duplicates, follow-up queue and counts updated.
    if !hs.is_empty() {
        let mut saves = Vec::new();
        for i in 0..100u64 {
            let mut h = hs[(i as usize * 997) % hs.len()].clone();
            let p = kehu::domain::Purchase::new(h.customer.id, today, kehu::domain::Money::units(25), 1);
            h.purchases.push(kehu::domain::Purchase { id: 9_000_000_000 + i, ..p.expect("purchase") });
            h.customer.revision += 1;
            let t = Instant::now();
            app.update(Action::Saved(Box::new(h)));
            saves.push(t.elapsed());
        }
        println!("edit_console_p50 {:.2} ms", percentile(&mut saves, 0.5));
        println!("edit_console_p99 {:.2} ms", percentile(&mut saves, 0.99));
    }

    // What the operator waits for at midnight: the classifier's new day, every row's sort facts,
    // the list, the follow-up queue and the segment counts (the first day fills the classifier's
    // tables, the next ones are the steady state).
    if n <= 200_000 {
        let mut days = Vec::new();
        for d in 1..=8 {
            let t = Instant::now();
            app.update(Action::NewDay(today + chrono::Days::new(d)));
            days.push(t.elapsed());
        }
        println!("new_day_console_first {:.0} ms", days[0].as_secs_f64() * 1e3);
        println!("new_day_console_next_p50 {:.0} ms", percentile(&mut days[1..], 0.5));
    }
}
