//! Search figures on demo customers: build time, heap bytes per customer, and per query kind
//! (typing a query one key at a time) the keystroke latency and that of the extending key.
//! Prints one `name value unit` line per figure.
//!
//! `search_key_*` go the console's way: the keys shared behind an `Arc`, each query handed to
//! the search thread, timed from the hand-over to the complete ranked answer (`first_results`:
//! to the first answer, a best-so-far when the scan runs long); `input_blocked` is what the
//! hand-over costs the input thread. `search_index_key_*` time the index alone, on this thread.
//!
//! `cargo bench --bench search` (100,000 customers; `KEHU_BENCH_1M=1` adds 1,000,000;
//! `KEHU_BENCH_ONLY=<kind>` one query kind; `KEHU_BENCH_ROUNDS` rounds, 15 by default).

mod common;
use chrono::NaiveDate;
use common::{percentile, rounds};
use kehu::demo::{DemoSpec, generate};
use kehu::domain::Customer;
use kehu::search::{SearchIndex, SearchKeys};
use kehu::tui::SearchThread;
use kehu::ui::{Action, SearchJob};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Queries as staff type them, one key at a time.
const QUERIES: &[(&str, &str)] = &[
    ("hanzi", "王秀英"),
    ("pinyin_initials", "wxy"),
    ("pinyin_full", "wangx"),
    ("name", "chen"),
    ("latin_name", "smit"),
    ("phone_prefix", "1381"),
    ("phone_tail", "5678"),
    ("ref", "m000"),
];

/// Demo customers only (purchases and interactions dropped chunk by chunk to save memory).
fn customers(n: u64, today: NaiveDate) -> Vec<(Customer, i32)> {
    let mut out = Vec::with_capacity(n as usize);
    let _ = generate::<Infallible>(&DemoSpec::new(n, 7, today), 10_000, &mut |set| {
        for c in set.customers {
            let day = i32::try_from(c.updated.timestamp() / 86_400).unwrap_or(0);
            out.push((c, day));
        }
        Ok(())
    });
    out
}

/// The query kinds to run (`KEHU_BENCH_ONLY` picks one).
fn queries() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    let only = std::env::var("KEHU_BENCH_ONLY").ok();
    QUERIES.iter().filter(move |(k, _)| only.as_deref().is_none_or(|o| o == *k))
}

/// The prefixes of `q`, one more char each.
fn prefixes(q: &str) -> Vec<&str> {
    q.char_indices().map(|(i, c)| &q[..i + c.len_utf8()]).collect()
}

fn run(n: u64) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let cs = customers(n, today);
    let label = if n >= 1_000_000 { format!("{}m", n / 1_000_000) } else { format!("{}k", n / 1000) };
    let started = Instant::now();
    let mut index = SearchIndex::build(cs.iter().map(|(c, r)| (c, *r)));
    println!("search_build_{label} {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    println!("search_index_bytes_per_customer_{label} {:.0} B", index.heap_bytes() as f64 / n as f64);

    for (kind, q) in queries() {
        let ends = prefixes(q);
        // One untimed round: the first query after a build pays for page faults of its buffers.
        for p in &ends {
            index.query(p);
        }
        let (mut keys, mut last, mut hits) = (Vec::new(), Vec::new(), 0);
        let mut by_key: Vec<Vec<Duration>> = vec![Vec::new(); ends.len()];
        for _ in 0..rounds() {
            index.forget();
            for (i, p) in ends.iter().enumerate() {
                let t = Instant::now();
                hits = index.query(p).len();
                let d = t.elapsed();
                keys.push(d);
                by_key[i].push(d);
                if i + 1 == ends.len() {
                    last.push(d);
                }
            }
        }
        println!("search_index_key_{kind}_{label}_p50 {:.2} ms", percentile(&mut keys, 0.5));
        println!("search_index_key_{kind}_{label}_p99 {:.2} ms", percentile(&mut keys, 0.99));
        println!("search_index_extend_{kind}_{label}_p99 {:.2} ms", percentile(&mut last, 0.99));
        println!("search_hits_{kind}_{label} {hits} hits");
        if std::env::var("KEHU_BENCH_DETAIL").is_ok() {
            for (i, ds) in by_key.iter_mut().enumerate() {
                println!("search_index_key{}_{kind}_{label}_p50 {:.2} ms", i + 1, percentile(ds, 0.5));
            }
        }
    }
    drop(index);
    through_the_thread(&cs, &label);
}

/// The console's way: every key a search handed to the search thread, timed to its answers.
fn through_the_thread(cs: &[(Customer, i32)], label: &str) {
    let keys = Arc::new(SearchKeys::build(cs.iter().map(|(c, r)| (c, *r))));
    let (tx, answers) = mpsc::channel();
    let thread = SearchThread::start(move |a| drop(tx.send(a))).expect("search thread");
    let mut generation = 0;
    // One key: (input thread's share, to the first answer, to the complete one).
    let mut key = |q: &str| {
        generation += 1;
        let t = Instant::now();
        thread.submit(SearchJob { generation, query: q.to_string(), keys: Arc::clone(&keys) });
        let blocked = t.elapsed();
        let mut first = None;
        loop {
            match answers.recv_timeout(Duration::from_secs(60)) {
                Ok(Action::Searched { generation: g, answer }) if g == generation => {
                    first.get_or_insert_with(|| t.elapsed());
                    if answer.complete {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let done = t.elapsed();
        [blocked, first.unwrap_or(done), done]
    };
    for (kind, q) in queries() {
        let ends = prefixes(q);
        for p in &ends {
            key(p);
        }
        let (mut blocked, mut first, mut done, mut last) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut by_key: Vec<Vec<Duration>> = vec![Vec::new(); ends.len()];
        for _ in 0..rounds() {
            // A blank query between rounds: the first key looks at everyone again.
            key("");
            for (i, p) in ends.iter().enumerate() {
                let [b, f, d] = key(p);
                blocked.push(b);
                first.push(f);
                done.push(d);
                by_key[i].push(d);
                if i + 1 == ends.len() {
                    last.push(d);
                }
            }
        }
        println!("search_key_{kind}_{label}_p50 {:.2} ms", percentile(&mut done, 0.5));
        println!("search_key_{kind}_{label}_p99 {:.2} ms", percentile(&mut done, 0.99));
        println!("search_first_results_{kind}_{label}_p50 {:.2} ms", percentile(&mut first, 0.5));
        println!("search_first_results_{kind}_{label}_p99 {:.2} ms", percentile(&mut first, 0.99));
        println!("search_extend_{kind}_{label}_p99 {:.2} ms", percentile(&mut last, 0.99));
        println!("search_input_blocked_{kind}_{label}_p50 {:.3} ms", percentile(&mut blocked, 0.5));
        println!("search_input_blocked_{kind}_{label}_p99 {:.3} ms", percentile(&mut blocked, 0.99));
        if std::env::var("KEHU_BENCH_DETAIL").is_ok() {
            for (i, ds) in by_key.iter_mut().enumerate() {
                println!("search_key{}_{kind}_{label}_p50 {:.2} ms", i + 1, percentile(ds, 0.5));
            }
        }
    }
}

fn main() {
    run(100_000);
    if std::env::var("KEHU_BENCH_1M").is_ok_and(|v| v == "1") {
        run(1_000_000);
    }
}
